/*
 * libFuzzer target: a falco.yaml (`palisade run -c /etc/falco/falco.yaml`,
 * `palisade config from-falco FILE`): read as Falco reads it, translated,
 * loaded as palisade's configuration. Every problem must become a
 * file:line message, never a crash, an out-of-bounds read or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/falco_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct palisade_config *c = NULL;
	char path[64];
	const char *ov[] = { "rules[].disable.tag=x", "webserver.listen_port=1" };

	if (fd < 0)
		fd = memfd_create("falco.yaml", 0);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	(void)config_text_is_falco((const char *)data, size);
	if (config_load_falco(path, ov, size % 2 ? 2 : 0,
			      getenv("PALISADE_FUZZ_VERBOSE") ? stderr : NULL, &c) == 0)
		config_free(c);
	return 0;
}
