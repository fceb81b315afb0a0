/*
 * `palisade log verify FILE... [--hmac-key FILE]`: checks an audit log's
 * chain (and HMACs) and prints "OK: N records" or the first problem. Rotated
 * files are given oldest first and checked as one chain. main.c calls this
 * with argv[0] = "log".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/audit_log.h"

struct source {
	const char *name;
	size_t first_line; /* global line number of its first line */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: palisade log verify FILE... [--hmac-key KEYFILE]\n"
		   "  Checks a palisade audit log: every line's SHA-256 chain link, sequence\n"
		   "  number and, with --hmac-key, its HMAC. Rotated files are given oldest\n"
		   "  first. Prints \"OK: N records\" (exit 0) or the first problem (exit 1).\n");
}

/* Appends the whole file to *buf; counts its lines for file:line messages. */
static int slurp(const char *path, char **buf, size_t *len, size_t *cap, size_t *lines)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "palisade log verify: cannot open %s: %s\n", path, strerror(errno));
		return ret;
	}
	for (;;) {
		ssize_t n;

		if (*cap - *len < 65536) {
			size_t ncap = *cap ? *cap * 2 : 1 << 20;
			char *p = realloc(*buf, ncap);

			if (!p) {
				ret = -ENOMEM;
				break;
			}
			*buf = p;
			*cap = ncap;
		}
		n = read(fd, *buf + *len, *cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			fprintf(stderr, "palisade log verify: cannot read %s: %s\n", path,
				strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			*lines += (*buf)[*len + (size_t)i] == '\n';
		*len += (size_t)n;
	}
	close(fd);
	return ret;
}

/* "FILE:N" for a global line number. */
static void where(const struct source *src, size_t n_src, size_t line, char *out, size_t size)
{
	size_t i = n_src - 1;

	while (i > 0 && src[i].first_line > line)
		i--;
	snprintf(out, size, "%s:%zu", src[i].name, line - src[i].first_line + 1);
}

static void report(const struct audit_verify_result *r, const struct source *src, size_t n_src)
{
	char at[4096];

	where(src, n_src, r->line, at, sizeof(at));
	switch (r->problem) {
	case AUDIT_OK:
		break;
	case AUDIT_TRUNCATED:
		printf("%s: truncated: the last line is partial (a write was cut short, or the "
		       "file was cut)\n", at);
		break;
	case AUDIT_MALFORMED:
		printf("%s: modified: not a palisade audit record\n", at);
		break;
	case AUDIT_NO_HMAC:
		printf("%s: no HMAC on this record, but the log is checked with a key\n", at);
		break;
	case AUDIT_BAD_HMAC:
		printf("%s: bad HMAC: the record was modified, or this is not the key it was "
		       "written with\n", at);
		break;
	case AUDIT_MODIFIED:
		printf("%s: modified: this record was changed after it was chained\n", at);
		break;
	case AUDIT_REMOVED:
		if (r->seq_found - r->seq_expected == 1)
			printf("%s: record removed: seq %llu is missing before this line\n", at,
			       (unsigned long long)r->seq_expected);
		else
			printf("%s: records removed: seq %llu to %llu are missing before this line\n",
			       at, (unsigned long long)r->seq_expected,
			       (unsigned long long)r->seq_found - 1);
		break;
	case AUDIT_HEAD_REMOVED:
		printf("%s: records removed: the log starts at seq %llu, not 1 (if this file "
		       "continues a rotated log, verify the files together, oldest first)\n",
		       at, (unsigned long long)r->seq_found);
		break;
	case AUDIT_HMAC_MIXED:
		printf("%s: HMACs stripped or added: this record and the one before differ in "
		       "carrying an HMAC (a log is written with a key or without, never both)\n",
		       at);
		break;
	case AUDIT_REORDERED:
		printf("%s: records reordered: seq %llu where seq %llu was due\n", at,
		       (unsigned long long)r->seq_found, (unsigned long long)r->seq_expected);
		break;
	}
}

static int cmd_verify(int argc, char **argv)
{
	struct source *src = NULL;
	const char *key_file = NULL;
	unsigned char *key = NULL;
	struct audit_verify_result res;
	size_t n_src = 0, len = 0, cap = 0, lines = 0, key_len = 0;
	char *buf = NULL, hex[2 * AUDIT_HASH_LEN + 1];
	int ret = 1;

	src = calloc((size_t)argc + 1, sizeof(*src));
	if (!src)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--hmac-key") && i + 1 < argc) {
			key_file = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage(stderr);
			ret = 2;
			goto cleanup;
		} else {
			src[n_src].name = argv[i];
			src[n_src++].first_line = lines + 1;
			if (slurp(argv[i], &buf, &len, &cap, &lines))
				goto cleanup;
		}
	}
	if (n_src == 0) {
		usage(stderr);
		ret = 2;
		goto cleanup;
	}
	if (key_file && audit_key_load(key_file, &key, &key_len))
		goto cleanup;
	if (audit_verify(buf, len, key, key_len, &res)) {
		report(&res, src, n_src);
		goto cleanup;
	}
	for (size_t i = 0; i < AUDIT_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", res.last_hash[i]);
	printf("OK: %zu records (%s)\n", res.records,
	       key ? "chain and HMACs checked"
		   : res.hmac_present ? "chain only: the records carry HMACs, NOT checked"
				      : "chain only: no record carries an HMAC");
	if (res.records)
		printf("last: seq %llu sha256 %s\n", (unsigned long long)res.last_seq, hex);
	if (!key && res.hmac_present)
		printf("HMACs not checked: give --hmac-key to check them\n");
	else if (!key && res.records)
		printf("Without HMACs the chain shows the records are whole and in order, not who "
		       "wrote them: a log rewritten whole (HMACs stripped, chain recomputed) passes "
		       "too. Compare the last hash with a copy kept elsewhere, or write the log with "
		       "hmac_key_file and verify with --hmac-key (docs/audit-log.md)\n");
	ret = 0;
cleanup:
	free(key);
	free(buf);
	free(src);
	return ret;
}

int audit_log_cli_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 2, argv + 2);
	fprintf(stderr, "palisade log: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
