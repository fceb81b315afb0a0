/*
 * Why each setting (measured with bench/rss.sh; docs/performance.md):
 *  - M_MMAP_THRESHOLD fixed at glibc's initial 128 KiB. Left dynamic, the
 *    first free of a large mmapped block (the kernel's BTF, about 6 MiB, parsed
 *    by libbpf for each BPF object) raises the threshold to that block's size
 *    and the trim threshold to twice it: every later big block then comes
 *    from the heap, and up to 12 MiB freed at its top stay resident for the
 *    agent's life. Fixed, a big block is mapped on its own and unmapped when
 *    freed.
 *  - M_TRIM_THRESHOLD 128 KiB: the heap's free top goes back to the kernel
 *    when it passes this (glibc's initial value, kept from rising).
 *  - M_ARENA_MAX 2: glibc gives each thread that allocates an arena of its own
 *    (up to 8 per CPU), each holding its own free memory; the agent's threads
 *    (sinks, Docker client, DNS, audit, FIM, web) allocate little and rarely,
 *    and the event thread allocates nothing per event.
 *  - malloc_trim after the start and each reload: the free pages inside the
 *    heap (below a block still in use, so not at its top) are returned too.
 */
#include <malloc.h>

#include "agent/memory.h"

#define HEAP_THRESHOLD (128 * 1024)
#define ARENAS_MAX 2

void agent_memory_init(void)
{
	mallopt(M_MMAP_THRESHOLD, HEAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, HEAP_THRESHOLD);
	mallopt(M_ARENA_MAX, ARENAS_MAX);
}

void agent_memory_trim(void)
{
	malloc_trim(0);
}
