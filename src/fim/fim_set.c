/* Sets of entries (sorted by path) and the database's string escaping. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fim/fim_internal.h"

void fim_entry_release(struct fim_entry *e)
{
	free(e->path);
	free(e->target);
	free(e->xattrs);
	e->path = e->target = e->xattrs = NULL;
}

void fim_set_free_entries(struct fim_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		fim_entry_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void fim_set_free(struct fim_set *s)
{
	if (!s)
		return;
	fim_set_free_entries(s);
	free(s);
}

int fim_set_push(struct fim_set *s, struct fim_entry *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct fim_entry *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct fim_entry *)a)->path, ((const struct fim_entry *)b)->path);
}

void fim_set_sort(struct fim_set *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), by_path);
}

const struct fim_entry *fim_set_find(const struct fim_set *s, const char *path)
{
	struct fim_entry key = { .path = (char *)path };

	return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), by_path) : NULL;
}

static bool plain(unsigned char c)
{
	return c > ' ' && c <= '~' && c != '\\' && c != '=' && c != ';';
}

size_t fim_escaped_len(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += plain((unsigned char)s[i]) ? 1 : 4;
	return n;
}

size_t fim_escape(const char *s, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (plain(c)) {
			if (w + 2 > size)
				break;
			out[w++] = (char)c;
		} else {
			if (w + 5 > size)
				break;
			out[w++] = '\\';
			out[w++] = 'x';
			out[w++] = hex[c >> 4];
			out[w++] = hex[c & 15];
		}
	}
	if (size)
		out[w] = '\0';
	return w;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *fim_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t w = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			if (!plain((unsigned char)s[i]))
				goto bad;
			out[w++] = s[i];
			continue;
		}
		if (len - i < 4 || s[i + 1] != 'x')
			goto bad;
		hi = hexval(s[i + 2]);
		lo = hexval(s[i + 3]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		out[w++] = (char)(hi << 4 | lo);
		i += 3;
	}
	out[w] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}
