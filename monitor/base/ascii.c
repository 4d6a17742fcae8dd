/* ascii.c: locale-free ASCII character classes and case folding. */
#include "base/ascii.h"

#include <string.h>

int
ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int
ascii_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
ascii_isblank(int c)
{
	return c == ' ' || c == '\t';
}

int
ascii_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
ascii_tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
ascii_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		if (ascii_tolower((unsigned char)*a) != ascii_tolower((unsigned char)*b))
			return 0;
	}
	return *a == '\0' && *b == '\0';
}

/* The escape of byte c into e (at least 5 bytes); returns its length. */
static size_t
escape_byte(unsigned char c, char *e)
{
	static const char hex[] = "0123456789abcdef";

	if (c < 0x20 || c == 0x7f) {
		e[0] = '\\';
		e[1] = 'x';
		e[2] = hex[c >> 4];
		e[3] = hex[c & 15];
		return 4;
	}
	if (c == '\\') {
		e[0] = e[1] = '\\';
		return 2;
	}
	e[0] = (char)c;
	return 1;
}

char *
ascii_escape_controls(const char *in, char *out, size_t outlen)
{
	const unsigned char *p;
	size_t total = 0, k = 0;
	char e[5];

	for (p = (const unsigned char *)in; *p != '\0'; p++)
		total += escape_byte(*p, e);
	/* When the whole does not fit, leave room for "..." and the NUL. */
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		size_t n = escape_byte(*p, e);

		if (k + n + (total + 1 <= outlen ? 1 : 4) > outlen)
			break;
		memcpy(out + k, e, n);
		k += n;
	}
	if (*p != '\0' && outlen >= 4) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k < outlen ? k : outlen - 1] = '\0';
	return out;
}
