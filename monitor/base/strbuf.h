/* strbuf.h: a growing NUL-terminated text whose out-of-memory is sticky (checked once, at the end). */
#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>

/* Longest text a strbuf grows to; past it an addition fails like an out-of-memory. */
#define STRBUF_MAX (16 * 1024 * 1024)

struct strbuf {
	char  *s;     /* NULL until something is added; always NUL-terminated after */
	size_t len, cap;
	int    oom;   /* an addition failed: the text is incomplete */
};

/* Appends n bytes of p. */
void strbuf_add(struct strbuf *b, const char *p, size_t n);

/* Appends printf-formatted text. */
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text, owned by the caller ("" when empty), or NULL after an out-of-memory; b is reset. */
char *strbuf_take(struct strbuf *b);

#endif
