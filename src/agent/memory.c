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
 *  - Then the file pages the start-up alone read leave the resident set
 *    (drop_file_pages): the embedded BPF objects, rules and web page in the
 *    binary's read-only data (about 3 MB, read once by libbpf and the rules
 *    loader), libcrypto's code that registered every OpenSSL error string at
 *    curl_global_init (1.4 MiB of it, faulted in 64 KiB at a time and never
 *    run again) and the like. A private mapping the process cannot write
 *    holds only the file's own pages unless a page was copied on write (a
 *    relocation: smaps counts it as Anonymous); with none, dropping its page
 *    table entries loses nothing: a page read again faults back in from the
 *    page cache, the same bytes. So only such mappings are dropped, whole.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "agent/memory.h"

#define HEAP_THRESHOLD (128 * 1024)
#define ARENAS_MAX 2

void agent_memory_init(void)
{
	mallopt(M_MMAP_THRESHOLD, HEAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, HEAP_THRESHOLD);
	mallopt(M_ARENA_MAX, ARENAS_MAX);
}

/* A private mapping of a file (not a device, not a memfd) that the process
 * cannot write: from a /proc/self/smaps header line. */
static int read_only_file(const char *line, unsigned long *lo, unsigned long *hi)
{
	char perm[5], path[16] = "";

	if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %15s", lo, hi, perm, path) < 3)
		return 0;
	return perm[1] != 'w' && perm[3] == 'p' && path[0] == '/' &&
	       strncmp(path, "/dev/", 5) != 0 && strncmp(path, "/memfd:", 7) != 0;
}

static void drop_file_pages(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	unsigned long lo = 0, hi = 0, anon;
	char line[512];
	int candidate = 0, line_start = 1, at_start;

	if (!f)
		return; /* no /proc: the pages simply stay */
	while (fgets(line, sizeof(line), f)) {
		/* The rest of a long line (a long path) is never read as a mapping. */
		at_start = line_start;
		line_start = strchr(line, '\n') != NULL;
		if (!at_start)
			continue;
		if (line[0] != '\0' && strchr("0123456789abcdef", line[0])) /* a mapping */
			candidate = read_only_file(line, &lo, &hi);
		else if (candidate && sscanf(line, "Anonymous: %lu", &anon) == 1) {
			if (anon == 0)
				madvise((void *)lo, hi - lo, MADV_DONTNEED);
			candidate = 0;
		}
	}
	fclose(f);
}

void agent_memory_trim(void)
{
	malloc_trim(0);
	drop_file_pages();
}
