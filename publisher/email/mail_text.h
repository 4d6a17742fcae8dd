/* mail_text.h: untrusted UTF-8 made safe for a mail: one-line header text, body text, word wrap. */
#ifndef MAIL_TEXT_H
#define MAIL_TEXT_H

#include <stddef.h>

#include "base/cs_error.h"
#include "base/strbuf.h"

/* How mail_text_clean() treats the text. */
enum mail_text_flags {
	MAIL_TEXT_ONELINE = 1,  /* every control (CR, LF, TAB included) becomes a space, runs of
	                         * white space one space, none at either end: a header value */
	MAIL_TEXT_NOBIDI = 2,   /* remove the bidi embeddings, overrides and isolates
	                         * (U+202A..U+202E, U+2066..U+2069): a subject cannot reorder */
	MAIL_TEXT_CRLF = 4      /* body text: every line break written CRLF, the canonical
	                         * form of text in MIME (RFC 2046 4.1.1), instead of LF */
};

/*
 * Copies in (borrowed UTF-8, may be anything) into an owned *out:
 * an invalid UTF-8 sequence becomes U+FFFD, as do the noncharacters
 * U+FFFE and U+FFFF; C0 controls, DEL, the C1 controls (U+0080..U+009F)
 * and U+2028/U+2029 become a space. Without MAIL_TEXT_ONELINE, CRLF and a
 * lone CR become LF and TAB and LF are kept: body text, one LF per line
 * break (CRLF with MAIL_TEXT_CRLF). With max > 0 the result is cut to at most max bytes at a whole
 * character (and, one-line, with no space left at the end); max 0 keeps
 * it all. Returns CS_OK or CS_ERR_NOMEM (*out NULL).
 */
cs_err mail_text_clean(const char *in, unsigned flags, size_t max, char **out);

/*
 * Appends text (borrowed, LF line breaks, as from mail_text_clean()) to b,
 * each line folded at spaces so that it holds at most width characters
 * (code points) where its words allow; a word longer than width (a URL)
 * stands alone on its line, unbroken. The spaces a line starts with are
 * kept; the folded lines that follow start with indent (borrowed, may be
 * ""). Every line, the last included, ends in LF. Out of memory is
 * sticky in b.
 */
void mail_text_wrap(struct strbuf *b, const char *text, size_t width, const char *indent);

#endif
