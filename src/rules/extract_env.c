/*
 * proc.env: the environment the exec sensor copied (NUL-separated
 * "VAR=value" entries, as the kernel lays them out after argv). Falco prints
 * it as the entries joined by spaces; proc.env[NAME] is one value.
 */
#include <string.h>

#include "rules/field_ids.h"

/* The value of variable name in env, or NULL; *vlen its length. An entry
 * cut by truncation still counts: its value is what was read. */
static const char *env_lookup(const char *env, size_t len, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		const char *entry = env + i;
		size_t elen = strnlen(entry, len - i);

		if (elen > nlen && !memcmp(entry, name, nlen) && entry[nlen] == '=') {
			*vlen = elen - nlen - 1;
			return entry + nlen + 1;
		}
		i += elen + 1;
	}
	return NULL;
}

bool rl_env_value(const char *env, size_t len, const char *name, struct rl_value *out,
		  struct rl_buf *buf)
{
	size_t n = 0, i;

	if (name) {
		const char *v = env_lookup(env, len, name, &n);

		if (!v)
			return false;
		if (n >= buf->cap)
			n = buf->cap - 1;
		memcpy(buf->p, v, n);
		return rl_set_buf(out, buf, n);
	}
	/* Entries joined by one space; empty entries (a stray NUL) skipped.
	 * Copied an entry at a time (memchr, memcpy), not a byte at a time:
	 * Falco's `proc.env icontains` reads the whole environment of every
	 * exec. */
	for (i = 0; i < len && n + 1 < buf->cap;) {
		if (env[i]) {
			const char *nul = memchr(env + i, '\0', len - i);
			size_t k = (nul ? (size_t)(nul - env) : len) - i;

			if (k > buf->cap - 1 - n)
				k = buf->cap - 1 - n;
			memcpy(buf->p + n, env + i, k);
			n += k;
			i += k;
		} else {
			if (n && buf->p[n - 1] != ' ')
				buf->p[n++] = ' ';
			i++;
		}
	}
	while (n && buf->p[n - 1] == ' ')
		n--;
	return rl_set_buf(out, buf, n);
}
