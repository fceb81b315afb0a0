/*
 * record/: the file format of `palisade run --record FILE`, written and read
 * back (docs/record-format.md). Owns nothing but the framing: the event
 * records inside are the bpf/events.h layout, unchanged.
 *
 *   file   := header frame*
 *   header := "PLSDREC\n" u32 format_version u32 abi_version
 *             u64 boot_to_epoch_ns  char hostname[64]          (88 bytes)
 *   frame  := u32 type u32 length payload[length]   (little endian, host order)
 *   type 1 := one raw event record (events.h; EV_PROC_SNAPSHOT seeds first)
 *   type 2 := one container, JSON (container_info_to_json)
 *   type 3 := what learning knew of one cgroup (struct ev_learn of
 *             bpf/events.h; `run --learn`); a reader skips types it does not know
 */
#ifndef PALISADE_RECORD_H
#define PALISADE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RECORD_MAGIC "PLSDREC\n"
#define RECORD_FORMAT_VERSION 1
#define RECORD_FRAME_MAX (1u << 20) /* larger frames mean a corrupt file */

enum record_frame_type {
	FRAME_EVENT = 1,
	FRAME_CONTAINER = 2,
	FRAME_LEARN = 3,
};

struct record_header {
	char magic[8];
	uint32_t format_version;
	uint32_t abi_version;
	uint64_t boot_to_epoch_ns;
	char hostname[64];
};
_Static_assert(sizeof(struct record_header) == 88, "record header layout");

struct record_writer;
struct record_reader;

/* Creates path (0600) or replaces a recording there; `force` replaces any
 * file of root's (outfile.h: links and other users' files are refused). */
int record_writer_open(const char *path, bool force, uint64_t boot_to_epoch_ns,
		       const char *hostname, struct record_writer **out);
/* Thread-safe: the container store publishes from its own thread. */
int record_write(struct record_writer *w, enum record_frame_type type, const void *data,
		 size_t len);
int record_writer_close(struct record_writer *w);

int record_reader_open(const char *path, struct record_reader **out);
const struct record_header *record_reader_header(const struct record_reader *r);
/*
 * Next frame: returns 1 with *type, *data (valid until the next call), *len;
 * 0 at a clean end of file; -EINVAL on a corrupt or truncated frame (the
 * error names the byte offset on stderr).
 */
int record_read(struct record_reader *r, uint32_t *type, const void **data, size_t *len);
void record_reader_close(struct record_reader *r);

#endif
