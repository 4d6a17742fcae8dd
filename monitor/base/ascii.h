/* ascii.h: locale-free ASCII character classes and case folding for bytes from the network. */
#ifndef ASCII_H
#define ASCII_H

#include <stddef.h>

/*
 * Text from feeds, HTTP headers and users is bytes, never characters of the
 * current locale: these look only at the 7-bit ASCII letters, digits and
 * white space, and every byte outside them (including those >= 0x80 and
 * negative plain chars) is simply "not in the class" and folds to itself.
 * They take any int, like the <ctype.h> functions, but need no cast to
 * unsigned char and never consult setlocale().
 */

/* 1 if c is '0'..'9', else 0. */
int ascii_isdigit(int c);

/* 1 if c is 'a'..'z' or 'A'..'Z', else 0. */
int ascii_isalpha(int c);

/* 1 if c is a blank inside a line: space or tab, else 0. */
int ascii_isblank(int c);

/*
 * 1 if c is white space as XML and the feeds use it: space, tab, LF or CR,
 * else 0. (Unlike isspace(), not vertical tab or form feed.)
 */
int ascii_isspace(int c);

/* c with 'A'..'Z' folded to 'a'..'z'; every other value unchanged. */
int ascii_tolower(int c);

/*
 * 1 if the NUL-terminated strings a and b are equal ignoring ASCII case,
 * else 0 (a predicate like strcasecmp(a, b) == 0, without the locale).
 * Both are borrowed and must not be NULL.
 */
int ascii_caseeq(const char *a, const char *b);

/*
 * Copies in into out (outlen bytes, outlen > 0) with every ASCII control
 * byte (0x00-0x1f, 0x7f) written as \xNN and every backslash as \\, so
 * that text from the network stays on one log line and cannot forge
 * another. Other bytes (UTF-8) are copied as they are. Always
 * NUL-terminates; a result that does not fit is cut at a whole escape and
 * ends in "...". Returns out.
 */
char *ascii_escape_controls(const char *in, char *out, size_t outlen);

#endif
