/*
 * The rule sets embedded into the binary: the default set
 * (rules/palisade_rules.yaml) and the protect set (rules/protect.yaml,
 * `palisade run --protect`) and the deploy gate's baseline
 * (rules/authz_baseline.yaml, `palisade authz`) and the FIM rules (rules/fim.yaml,
 * `palisade run --fim`). The assembler includes the files at build time
 * (paths are relative to the repository root, where make runs); a trailing
 * NUL lets each be read as text. The Makefile must list both files as
 * prerequisites of this object, since the compiler's dependency files do not
 * see .incbin.
 */
#include <stddef.h>

#define EMBED(sym, file)                                                   \
	__asm__(".section .rodata\n"                                        \
		".global " #sym "\n"                                        \
		".type " #sym ", @object\n"                                 \
		".balign 16\n" #sym ":\n"                                   \
		".incbin \"" file "\"\n" #sym "_end:\n"                     \
		".byte 0\n"                                                 \
		".global " #sym "_len\n"                                    \
		".type " #sym "_len, @object\n"                             \
		".balign 8\n" #sym "_len:\n"                                \
		".quad " #sym "_end - " #sym "\n"                            \
		".previous\n")

EMBED(rules_default_yaml, "rules/palisade_rules.yaml");
EMBED(rules_protect_yaml, "rules/protect.yaml");
EMBED(rules_authz_yaml, "rules/authz_baseline.yaml");
EMBED(rules_fim_yaml, "rules/fim.yaml");
