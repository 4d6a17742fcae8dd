/* mail_text.c: cleaning untrusted UTF-8 for mail headers and bodies, and folding body lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "email/mail_text.h"

/* The replacement character, for bytes that are not UTF-8. */
static const char replacement[] = "\xef\xbf\xbd";

/* A control character or a line or paragraph separator: never written as it is. */
static int
is_control(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

/* The bidi embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI). */
static int
is_bidi(gunichar c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * One pass over the bytes, decoding with GLib (which refuses overlong
 * forms, surrogates and values past U+10FFFF). A one-line text collects
 * its white space into one pending space, written only before the next
 * visible character, so a result never starts or ends with a space and a
 * CRLF in the middle of a subject is one space.
 */
cs_err
mail_text_clean(const char *in, unsigned flags, size_t max, char **out)
{
	struct strbuf b = { 0 };
	const char *p = in;
	size_t left = strlen(in);
	int oneline = (flags & MAIL_TEXT_ONELINE) != 0, space = 0;
	const char *eol = (flags & MAIL_TEXT_CRLF) ? "\r\n" : "\n";
	char *s;

	*out = NULL;
	while (left > 0) {
		gunichar c;
		size_t n, run = 0;

		/*
		 * A run of printable ASCII is kept as it is, in one go: the rules
		 * below would keep each of its characters (a space too, except in
		 * one-line text, where blanks fold into one).
		 */
		while (run < left && (unsigned char)p[run] >= (oneline ? 0x21 : 0x20) &&
		    (unsigned char)p[run] < 0x7f)
			run++;
		if (run > 0) {
			if (space)
				strbuf_add(&b, " ", 1);
			space = 0;
			strbuf_add(&b, p, run);
			p += run;
			left -= run;
			continue;
		}
		c = g_utf8_get_char_validated(p, (gssize)left);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			c = 0xfffd;
			n = 1;
		} else {
			n = (size_t)(g_utf8_next_char(p) - p);
		}
		if (c == 0xfffe || c == 0xffff)
			c = 0xfffd;
		if (oneline && (is_control(c) || c == ' ')) {
			space = b.len > 0;
		} else if (is_bidi(c) && (flags & MAIL_TEXT_NOBIDI)) {
			/* dropped: it would reorder what the reader sees */
		} else if (!oneline && (c == '\r' || c == '\n')) {
			strbuf_add(&b, eol, strlen(eol));
			if (c == '\r' && left > 1 && p[1] == '\n')
				n = 2;
		} else if (!oneline && c == '\t') {
			strbuf_add(&b, "\t", 1);
		} else if (is_control(c)) {
			strbuf_add(&b, " ", 1);
		} else {
			if (space)
				strbuf_add(&b, " ", 1);
			space = 0;
			if (c == 0xfffd)
				strbuf_add(&b, replacement, 3);
			else
				strbuf_add(&b, p, n);
		}
		p += n;
		left -= n;
	}
	s = strbuf_take(&b);
	if (s == NULL)
		return CS_ERR_NOMEM;
	if (max > 0 && strlen(s) > max) {
		size_t cut = max;

		/* back to the first byte of the character that does not fit */
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		while (oneline && cut > 0 && s[cut - 1] == ' ')
			cut--;
		s[cut] = '\0';
	}
	*out = s;
	return CS_OK;
}

/* Characters (code points) in the n bytes of s. */
static size_t
chars(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/*
 * Greedy folding, one source line at a time: a word goes on the current
 * line when it fits, else it starts the next one. Lines keep their
 * leading spaces (a list indented by the author stays indented); the
 * spaces between words are one space after folding.
 */
void
mail_text_wrap(struct strbuf *b, const char *text, size_t width, const char *indent)
{
	const char *p = text;
	size_t ilen = chars(indent, strlen(indent));

	while (*p != '\0') {
		const char *end = strchr(p, '\n');
		size_t col = 0;
		int first = 1;

		if (end == NULL)
			end = p + strlen(p);
		while (p < end && *p == ' ') {
			strbuf_add(b, " ", 1);
			col++;
			p++;
		}
		while (p < end) {
			const char *w = p;
			size_t wl;

			while (p < end && *p != ' ')
				p++;
			wl = chars(w, (size_t)(p - w));
			if (!first && col + 1 + wl > width) {
				strbuf_add(b, "\n", 1);
				strbuf_add(b, indent, strlen(indent));
				col = ilen;
			} else if (!first) {
				strbuf_add(b, " ", 1);
				col++;
			}
			strbuf_add(b, w, (size_t)(p - w));
			col += wl;
			first = 0;
			while (p < end && *p == ' ')
				p++;
		}
		strbuf_add(b, "\n", 1);
		p = *end == '\n' ? end + 1 : end;
	}
}
