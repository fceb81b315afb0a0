/*
 * The default rule set (rules/palisade_rules.yaml) embedded into the binary.
 * The assembler includes the file at build time (paths are relative to the
 * repository root, where make runs); a trailing NUL lets it be read as text.
 * The Makefile must list rules/palisade_rules.yaml as a prerequisite of this
 * object, since the compiler's dependency files do not see .incbin.
 */
#include <stddef.h>

__asm__(".section .rodata\n"
	".global rules_default_yaml\n"
	".type rules_default_yaml, @object\n"
	".balign 16\n"
	"rules_default_yaml:\n"
	".incbin \"rules/palisade_rules.yaml\"\n"
	"rules_default_yaml_end:\n"
	".byte 0\n"
	".global rules_default_yaml_len\n"
	".type rules_default_yaml_len, @object\n"
	".balign 8\n"
	"rules_default_yaml_len:\n"
	".quad rules_default_yaml_end - rules_default_yaml\n"
	".previous\n");
