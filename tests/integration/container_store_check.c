/*
 * Manual check of src/container/ against the real daemon (root, dockerd).
 * Starts a store on the Docker socket, then reads commands from stdin, one a
 * line, and answers on stdout:
 *   <cgroup id>   lookup; a container without metadata is looked up again
 *                 until it has some or --wait-ms passes; prints the JSON or
 *                 "host"
 *   stats         prints the store's counters
 * Example:
 *   id=$(docker inspect -f '{{.Id}}' web)
 *   stat -c %i /sys/fs/cgroup/unified/docker/$id | ./container_store_check
 * Build: gcc -std=gnu11 -D_GNU_SOURCE -Isrc -Ibpf tests/integration/container_store_check.c \
 *        src/container/\*.c -o /tmp/container_store_check -ljansson -lcurl -lpthread
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/container.h"

static void on_update(const struct container_info *c, void *ctx)
{
	char *json = container_info_to_json(c);

	(void)ctx;
	fprintf(stderr, "update: %s\n", json ? json : "(out of memory)");
	free(json);
}

static void print_stats(struct container_store *s)
{
	struct container_store_stats st;

	container_store_stats(s, &st);
	printf("stats containers=%zu cgroups=%zu connected=%d errors=%" PRIu64
	       " reconnects=%" PRIu64 " unresolved=%" PRIu64 " missed=%" PRIu64 "\n",
	       st.containers, st.cgroups, st.engine_connected, st.engine_errors,
	       st.engine_reconnects, st.lookups_unresolved, st.lookups_missed);
}

int main(int argc, char **argv)
{
	struct container_store_config cfg = { .docker_socket = "/var/run/docker.sock",
					      .on_update = on_update };
	const struct container_info *c;
	struct container_store *s = NULL;
	struct timespec tick = { 0, 20 * 1000000L };
	long wait_ms = 3000, waited;
	char line[256], *json;
	uint64_t id;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			cfg.docker_socket = argv[++i];
		else if (strcmp(argv[i], "--no-docker") == 0)
			cfg.docker_socket = NULL;
		else if (strcmp(argv[i], "--wait-ms") == 0 && i + 1 < argc)
			wait_ms = atol(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--socket PATH | --no-docker] [--wait-ms N]\n",
				argv[0]);
			return 2;
		}
	}
	err = container_store_new(&cfg, &s);
	if (err) {
		fprintf(stderr, "container_store_new: %s\n", strerror(-err));
		return 1;
	}
	container_store_start(s);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "stats") == 0) {
			print_stats(s);
			continue;
		}
		id = strtoull(line, NULL, 10);
		c = container_store_lookup(s, id);
		for (waited = 0; c && !c->has_metadata && waited < wait_ms; waited += 20) {
			nanosleep(&tick, NULL);
			c = container_store_lookup(s, id);
		}
		if (!c) {
			printf("%" PRIu64 " host\n", id);
			continue;
		}
		json = container_info_to_json(c);
		printf("%" PRIu64 " %s\n", id, json ? json : "(out of memory)");
		free(json);
	}
	container_store_free(s);
	return 0;
}
