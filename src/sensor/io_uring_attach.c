/*
 * The io_uring completion hook (bpf/io_uring.bpf.h): loaded when this
 * kernel's BTF has the io_uring:io_uring_complete tracepoint with the
 * arguments the program reads (ring, request, cqe) and the request's open
 * and connect data; attached while openat, openat2 or connect is watched,
 * so a host without such rules pays nothing per io_uring completion.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "event/syscalls.h"
#include "sensor/internal.h"

static const char *const reported[] = { "openat", "openat2", "connect" };

/* What the program reads exists in this kernel's BTF, with that shape. */
static bool kernel_has_hook(void)
{
	static const char *const structs[] = { "io_kiocb", "io_open", "io_connect",
					       "io_async_msghdr" };
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	bool ok = false;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_io_uring_complete", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	t = t ? btf__type_by_id(btf, t->type) : NULL; /* the pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	/* void *data, then the ring, the request, the cqe. */
	ok = t && btf_is_func_proto(t) && btf_vlen(t) == 4;
	for (size_t i = 0; ok && i < sizeof(structs) / sizeof(structs[0]); i++)
		ok = btf__find_by_name_kind(btf, structs[i], BTF_KIND_STRUCT) > 0;
	btf__free(btf);
	return ok;
}

void sensor_io_uring_prepare(struct sensor *s)
{
	const struct syscall_desc *d;

	s->io_uring_ok = !s->io_uring_refused && kernel_has_hook();
	bpf_program__set_autoattach(s->sc->progs.on_uring_cqe, false);
	bpf_program__set_autoload(s->sc->progs.on_uring_cqe, s->io_uring_ok);
	if ((d = syscall_by_name("openat")))
		s->sc->rodata->io_uring_nr_openat = d->nr;
	if ((d = syscall_by_name("openat2")))
		s->sc->rodata->io_uring_nr_openat2 = d->nr;
	if ((d = syscall_by_name("connect")))
		s->sc->rodata->io_uring_nr_connect = d->nr;
}

int sensor_io_uring_attach(struct sensor *s, const uint32_t spec[EV_SYSCALL_NR_MAX])
{
	bool want = false;

	for (size_t i = 0; i < sizeof(reported) / sizeof(reported[0]); i++) {
		const struct syscall_desc *d = syscall_by_name(reported[i]);

		want |= d && d->nr < EV_SYSCALL_NR_MAX && spec[d->nr];
	}
	if (!want || !s->io_uring_ok) {
		bpf_link__destroy(s->io_uring_link);
		s->io_uring_link = NULL;
		return 0;
	}
	if (s->io_uring_link)
		return 0;
	s->io_uring_link = bpf_program__attach(s->sc->progs.on_uring_cqe);
	if (!s->io_uring_link) {
		int err = -errno;

		fprintf(stderr, "palisade: attaching tp_btf/io_uring_complete failed: %s; io_uring "
				"opens and connects are not reported\n", strerror(-err));
		return err;
	}
	return 0;
}

void sensor_io_uring_detach(struct sensor *s)
{
	bpf_link__destroy(s->io_uring_link);
	s->io_uring_link = NULL;
}
