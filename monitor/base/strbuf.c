/* strbuf.c: a growing NUL-terminated text whose out-of-memory is sticky. */
#include "base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
reserve(struct strbuf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->oom)
		return -1;
	if (more > STRBUF_MAX || b->len + more + 1 > STRBUF_MAX) {
		b->oom = 1;
		return -1;
	}
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = (b->len + more + 1) * 2;
	s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void
strbuf_add(struct strbuf *b, const char *p, size_t n)
{
	if (reserve(b, n) != 0)
		return;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
strbuf_take(struct strbuf *b)
{
	char *s = b->s;

	if (b->oom) {
		free(s);
		s = NULL;
	} else if (s == NULL) {
		s = strdup("");
	}
	memset(b, 0, sizeof(*b));
	return s;
}
