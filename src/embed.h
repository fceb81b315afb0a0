/*
 * A file embedded into the binary at build time: EMBED(sym, "path") defines
 * `sym` (the bytes, then a NUL so text can be read as a string) and `sym_len`
 * (the size without that NUL). The assembler includes the file (a path
 * relative to the repository root, where make runs); the compiler's
 * dependency files do not see .incbin, so the Makefile must list the file as
 * a prerequisite of the object that embeds it.
 */
#ifndef PALISADE_EMBED_H
#define PALISADE_EMBED_H

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

#endif
