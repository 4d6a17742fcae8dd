/* feed_text.h: what an AWS item's description says, as plain text a reader can be shown. */
#ifndef FEED_TEXT_H
#define FEED_TEXT_H

#include <stddef.h>

/* Default bound of a description quoted in an incident update, in bytes. */
#define FEED_TEXT_MAX 1200

/*
 * The plain text of description html (untrusted: AWS writes raw HTML since
 * 2025, entity-escaped HTML inside CDATA in 2019-2023, plain text before),
 * read by libxml2's HTML parser: tags dropped (script and style with their
 * content), entities decoded, runs of blanks collapsed to one space,
 * paragraphs (p, div, li, br, a blank line) kept as one "\n". At most max
 * bytes (max >= 16): a longer text is cut at a word boundary, or a
 * character boundary, and ends with "...". Returns an owned string ("" for
 * NULL or empty html), or NULL on no memory. The result is text, not
 * markup: whoever writes it into HTML, XML or mail escapes it.
 */
char *feed_text_plain(const char *html, size_t max);

#endif
