/*
 * libFuzzer target: raw event records as `palisade replay` reads them from a
 * file someone handed over. Input: a sequence of (u16 length, bytes) pieces,
 * each decoded and applied to a process table and an fd table. Decoding must
 * reject what is malformed and never read out of bounds; the tables must
 * stay consistent (the fd table keeps nothing that points into a record);
 * each event is written as `replay -e` writes it (event_json.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "fd/fd_table.h"
#include "output/event_json.h"
#include "output/json_writer.h"
#include "proc/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event ev;
	static struct jw json;
	struct proc_table *t;
	struct fd_table *fds;
	size_t off = 0;

	if (proc_table_new(64, &t) < 0)
		return 0;
	if (fd_table_new(&fds) < 0) {
		proc_table_free(t);
		return 0;
	}
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
		void *rec;

		off += 2;
		if (len > size - off)
			len = size - off;
		/* An exact-size heap copy: ASan sees any read past the record. */
		rec = malloc(len ? len : 1);
		if (!rec)
			break;
		memcpy(rec, data + off, len);
		if (event_decode(rec, len, &ev) == 0) {
			proc_table_apply(t, &ev);
			fd_table_apply(fds, &ev);
			if (ev.fd)
				fd_table_get(fds, ev.hdr->pid, ev.fd->num);
			if (ev.proc)
				proc_table_ancestor(t, ev.proc, PROC_ANCESTORS_MAX);
			if (ev.kind != EV_PROC_SNAPSHOT && ev.kind != EV_FD_SNAPSHOT) {
				jw_reset(&json);
				event_to_json(&json, &ev, 0);
			}
		}
		free(rec);
		off += len;
	}
	proc_table_free(t);
	fd_table_free(fds);
	return 0;
}
