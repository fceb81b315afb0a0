/*
 * The streaming tar reader of src/audit/ (docker save's archive and the
 * layers inside it). src/audit/ only.
 */
#ifndef PALISADE_AUDIT_TAR_H
#define PALISADE_AUDIT_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_TAR_META_MAX 65536 /* a GNU long name or pax header */

enum audit_tar_want { AUDIT_TAR_SKIP = 0, AUDIT_TAR_DATA, AUDIT_TAR_META };

struct audit_tar {
	/* Callbacks: on_entry says whether it wants the entry's data (handed
	 * to on_data, then on_end); a non-zero on_data stops the reader. */
	enum audit_tar_want (*on_entry)(void *ctx, const char *path, uint32_t mode, char type,
					uint64_t size);
	int (*on_data)(void *ctx, const void *data, size_t len);
	void (*on_end)(void *ctx);
	void *ctx;

	unsigned char hdr[512];
	size_t hdr_len;
	uint64_t remaining, pad;
	enum audit_tar_want want;
	char name[4096]; /* the next entry's long name */
	bool have_name;
	char meta[AUDIT_TAR_META_MAX];
	size_t meta_len;
	char meta_type;
	int zero_blocks;
	bool done;   /* the end-of-archive blocks were read */
	bool failed; /* malformed, or a callback stopped it */
};

void audit_tar_init(struct audit_tar *t,
		    enum audit_tar_want (*on_entry)(void *ctx, const char *path, uint32_t mode,
						    char type, uint64_t size),
		    int (*on_data)(void *ctx, const void *data, size_t len), void (*on_end)(void *ctx),
		    void *ctx);
/* 0, or -EINVAL (a bad header), -E2BIG (a long name over the bound), or
 * what on_data returned. */
int audit_tar_feed(struct audit_tar *t, const void *data, size_t n);

#endif
