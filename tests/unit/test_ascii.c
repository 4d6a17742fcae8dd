/* test_ascii.c: the ASCII classes and case folding, byte by byte, against hand-written sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/ascii.h"

/* 1 if byte c is one of the bytes of set (written out by hand below). */
static int
in_set(int c, const char *set)
{
	return c != '\0' && memchr(set, c, strlen(set)) != NULL;
}

static const char digits[] = "0123456789";
static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Every byte value, and the negative values a signed plain char can take. */
static void
test_classes(void **state)
{
	(void)state;
	for (int c = -128; c < 256; c++) {
		int b = c < 0 ? 0 : c;

		assert_int_equal(ascii_isdigit(c), c >= 0 && in_set(b, digits));
		assert_int_equal(ascii_isalpha(c), c >= 0 && in_set(b, letters));
		assert_int_equal(ascii_isblank(c), c == ' ' || c == '\t');
		assert_int_equal(ascii_isspace(c), c == ' ' || c == '\t' || c == '\n' || c == '\r');
	}
	/* Not isspace(): vertical tab and form feed are not feed white space. */
	assert_int_equal(ascii_isspace('\v'), 0);
	assert_int_equal(ascii_isspace('\f'), 0);
	/* Latin-1 and UTF-8 bytes are never letters or digits. */
	assert_int_equal(ascii_isalpha(0xC9), 0);
	assert_int_equal(ascii_isalpha((char)0xC3), 0);
	assert_int_equal(ascii_isdigit(0xB2), 0);
}

static void
test_tolower(void **state)
{
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";

	(void)state;
	for (size_t i = 0; i < 26; i++) {
		assert_int_equal(ascii_tolower(upper[i]), lower[i]);
		assert_int_equal(ascii_tolower(lower[i]), lower[i]);
	}
	assert_int_equal(ascii_tolower('@'), '@');
	assert_int_equal(ascii_tolower('['), '[');
	assert_int_equal(ascii_tolower('0'), '0');
	assert_int_equal(ascii_tolower(0xC9), 0xC9);  /* Latin-1 E acute stays */
	assert_int_equal(ascii_tolower(-61), -61);    /* a signed char 0xC3 stays */
	assert_int_equal(ascii_tolower(0), 0);
}

static void
test_caseeq(void **state)
{
	(void)state;
	assert_true(ascii_caseeq("", ""));
	assert_true(ascii_caseeq("localhost", "localhost"));
	assert_true(ascii_caseeq("LocalHost", "localhost"));
	assert_true(ascii_caseeq("GMT", "gmt"));
	assert_true(ascii_caseeq("P1-Critical", "p1-CRITICAL"));
	assert_false(ascii_caseeq("GMT", "GMT "));
	assert_false(ascii_caseeq("GM", "GMT"));
	assert_false(ascii_caseeq("GMT", ""));
	assert_false(ascii_caseeq("", "x"));
	assert_false(ascii_caseeq("a", "b"));
	/* '@' and '`' are 0x20 apart like 'A' and 'a' but are not letters. */
	assert_false(ascii_caseeq("@", "`"));
	assert_false(ascii_caseeq("[", "{"));
	/* Non-ASCII bytes compare as they are: no locale folds E acute. */
	assert_false(ascii_caseeq("\xC3\x89", "\xC3\xA9"));
	assert_true(ascii_caseeq("caf\xC3\xA9", "CAF\xC3\xA9"));
}

/* Text from the network cannot start a new log line, and is cut visibly, never silently. */
static void
test_escape_controls(void **state)
{
	char out[64], small[12];

	(void)state;
	assert_string_equal(ascii_escape_controls("Service impact: x", out, sizeof(out)),
	    "Service impact: x");
	assert_string_equal(ascii_escape_controls("a\nerror poll: forged\r\t\x1b[31m\x7f", out,
	    sizeof(out)), "a\\x0aerror poll: forged\\x0d\\x09\\x1b[31m\\x7f");
	assert_string_equal(ascii_escape_controls("back\\slash", out, sizeof(out)), "back\\\\slash");
	assert_string_equal(ascii_escape_controls("Z\xc3\xbcrich", out, sizeof(out)), "Z\xc3\xbcrich");
	/* 11 characters fit in 12 bytes; 12 do not: 8 of them, "...", the NUL. */
	assert_string_equal(ascii_escape_controls("hello world", small, sizeof(small)), "hello world");
	assert_string_equal(ascii_escape_controls("hello world!", small, sizeof(small)), "hello wo...");
	/* An escape is never cut in half. */
	assert_string_equal(ascii_escape_controls("abcdef\n\n\n", small, sizeof(small)), "abcdef...");
	assert_string_equal(ascii_escape_controls("", small, sizeof(small)), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_tolower),
		cmocka_unit_test(test_caseeq),
		cmocka_unit_test(test_escape_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
