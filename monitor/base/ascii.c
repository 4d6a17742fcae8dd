/* ascii.c: locale-free ASCII character classes and case folding. */
#include "base/ascii.h"

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
