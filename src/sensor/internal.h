/* Shared by the files of src/sensor/ only: the loaded skeletons. */
#ifndef PALISADE_SENSOR_INTERNAL_H
#define PALISADE_SENSOR_INTERNAL_H

#include <bpf/libbpf.h>

#include "process.skel.h"
#include "syscall.skel.h"
#include "sensor/sensor.h"

struct sensor {
	struct process_bpf *skel;
	struct syscall_bpf *sc; /* NULL: no syscall watched */
	unsigned watched;
	struct ring_buffer *rb;
	sensor_record_fn fn;
	void *ctx;
	int ncpus;
	char features[256];
};

#endif
