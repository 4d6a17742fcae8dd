/* feed_parse.c: a hardened libxml2 push parser from AWS RSS bytes to items: API, slices, checks. */
#include "aws/feed_parse.h"
#include "aws/feed_parse_priv.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "base/ascii.h"

/*
 * Bytes are pushed into a libxml2 SAX2 push parser as they arrive; no tree
 * is ever built. Before libxml2 sees them, each slice of at most FEED_SLICE
 * bytes is checked here (precheck(): not JSON or text, no NUL, no endless
 * run of text); the SAX callbacks, the entity hardening and the recovery
 * of bare '&' are in feed_parse_sax.c.
 */

#define FEED_DEFAULT_FIELD (1024 * 1024)
#define FEED_SLICE         (64 * 1024)
#define FEED_MAX_TEXT_RUN  (8 * 1024 * 1024) /* below libxml2's 10 MB lookup limit */

static void
vfail(struct feed_parser *p, int stop, cs_err code, const char *fmt, va_list ap)
{
	int n;

	if (p->rc != CS_OK)
		return;
	p->rc = code;
	n = snprintf(p->msg, sizeof(p->msg), "%s: ", p->name);
	if (n < 0 || (size_t)n >= sizeof(p->msg))
		n = 0;
	vsnprintf(p->msg + n, sizeof(p->msg) - (size_t)n, fmt, ap);
	if (stop && p->xml != NULL)
		xmlStopParser(p->xml);
}

void
feed_parse_fail(struct feed_parser *p, cs_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, 1, code, fmt, ap);
	va_end(ap);
}

void
feed_parse_fail_nostop(struct feed_parser *p, cs_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, 0, code, fmt, ap);
	va_end(ap);
}

static void
fbuf_free(struct fbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct feed_parser *
feed_parse_new(const char *name, feed_item_cb cb, void *ctx, size_t max_field)
{
	struct feed_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->name = strdup(name != NULL ? name : "feed");
	if (p->name == NULL) {
		free(p);
		return NULL;
	}
	p->cb = cb;
	p->ctx = ctx;
	p->max_field = max_field == 0 ? FEED_DEFAULT_FIELD : max_field;
	/* Between two slices' worth and libxml2's own limit; see precheck(). */
	p->text_limit = p->max_field > (FEED_MAX_TEXT_RUN - 4096) / 4 ?
	    FEED_MAX_TEXT_RUN : 4 * p->max_field + 4096;
	if (p->text_limit < 2 * FEED_SLICE)
		p->text_limit = 2 * FEED_SLICE;
	p->cur = F_NONE;
	return p;
}

/*
 * Checks the raw bytes before libxml2 sees them: the first non-blank byte
 * must be '<' (else it is JSON or text, not a feed), no NUL byte, and no run
 * of text longer than text_limit without a '<'. memchr keeps this at memory
 * speed. Called with slices of at most FEED_SLICE bytes.
 */
static void
precheck(struct feed_parser *p, const char *buf, size_t len)
{
	const char *nul, *lt, *s, *end = buf + len;
	size_t n;

	s = buf;
	if (!p->started) {
		/* A UTF-8 byte order mark is allowed; UTF-16 is not for feeds. */
		if (p->offset == 0 && len >= 2 &&
		    (((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF) ||
		    ((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE))) {
			feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (UTF-16 text)");
			return;
		}
		if (p->offset == 0 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
			s += 3;
		while (s < end && ascii_isspace(*s))
			s++;
		if (s < end) {
			p->started = 1;
			if (*s == '{' || *s == '[') {
				feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (JSON text)");
				return;
			}
			if (*s != '<') {
				feed_parse_fail(p, CS_ERR_PARSE,
				    "not an RSS document (text, not XML, at offset %llu)",
				    (unsigned long long)(p->offset + (uint64_t)(s - buf)));
				return;
			}
		}
	}
	nul = memchr(buf, '\0', len);
	if (nul != NULL) {
		feed_parse_fail(p, CS_ERR_PARSE, "NUL byte at offset %llu",
		    (unsigned long long)(p->offset + (uint64_t)(nul - buf)));
		return;
	}
	/*
	 * Runs without '<': only the run before the slice's first '<' and the
	 * one after its last can be long (the slice is far shorter than the
	 * limit), so two searches per slice are enough.
	 */
	lt = memchr(buf, '<', len);
	n = lt == NULL ? len : (size_t)(lt - buf);
	if (n > p->text_limit - p->run) {
		if (p->cur != F_NONE)
			feed_parse_fail(p, CS_ERR_TOOBIG, "item %zu: <%s> longer than %zu bytes",
			    p->items + 1, feed_parse_field_names[p->cur], p->max_field);
		else
			feed_parse_fail(p, CS_ERR_TOOBIG, "more than %zu bytes without markup at offset %llu",
			    p->text_limit, (unsigned long long)p->offset);
		return;
	}
	if (lt == NULL) {
		p->run += n;
		return;
	}
	lt = memrchr(buf, '<', len);
	p->run = (size_t)(end - lt - 1);
}

static cs_err
result(struct feed_parser *p, char *err, size_t errlen)
{
	if (p->rc != CS_OK)
		return cs_seterr(err, errlen, p->rc, "%s", p->msg);
	return CS_OK;
}

cs_err
feed_parse_push(struct feed_parser *p, const char *buf, size_t len,
    char *err, size_t errlen)
{
	struct feed_parse_handlers saved;
	int installed = 0;
	int fresh = 0; /* the XML parser was created for this slice */

	if (p->rc != CS_OK || len == 0)
		goto out;
	if (p->finished) {
		feed_parse_fail(p, CS_ERR_STATE, "bytes pushed after the end of the document");
		goto out;
	}
	/*
	 * Large pushes go to libxml2 in FEED_SLICE pieces, each checked just
	 * before it is parsed, so the checks know which field is being read
	 * and libxml2 never holds much more than a slice.
	 */
	while (len > 0 && p->rc == CS_OK) {
		size_t n = len > FEED_SLICE ? FEED_SLICE : len;

		precheck(p, buf, n);
		p->offset += n;
		if (p->rc != CS_OK)
			break;
		/* installed first: libxml2 reports a failed creation through them too */
		if (!installed) {
			feed_parse_handlers_install(p, &saved);
			installed = 1;
		}
		if (p->xml == NULL) {
			if (feed_parse_create_xml(p) != CS_OK)
				break;
			fresh = 1;
		}
		/*
		 * libxml2 2.9 compacts its input buffer (moves the unparsed bytes
		 * to the front) at the start of each parse round, which comes
		 * after the new bytes were appended: each slice was copied in and
		 * then moved again, a second copy of the whole feed (~3% of the
		 * work). An empty call first compacts while only the unparsed
		 * tail of the previous slice is there. It feeds no new byte, so
		 * it can only deliver, a little earlier, events of bytes already
		 * pushed, in the same order, before any of this slice's.
		 */
		if (!fresh) {
			xmlParseChunk(p->xml, NULL, 0, 0);
			if (p->rc != CS_OK)
				break;
		}
		fresh = 0;
		xmlParseChunk(p->xml, buf, (int)n, 0);
		buf += n;
		len -= n;
	}
	if (installed)
		feed_parse_handlers_restore(&saved);
out:
	return result(p, err, errlen);
}

cs_err
feed_parse_finish(struct feed_parser *p, char *err, size_t errlen)
{
	struct feed_parse_handlers saved;

	if (p->rc != CS_OK || p->finished)
		goto out;
	p->finished = 1;
	if (!p->started) {
		feed_parse_fail(p, CS_ERR_PARSE, "empty document");
		goto out;
	}
	feed_parse_handlers_install(p, &saved);
	p->finishing = 1;
	xmlParseChunk(p->xml, NULL, 0, 1);
	p->finishing = 0;
	feed_parse_handlers_restore(&saved);
	if (p->rc != CS_OK)
		goto out;
	if (!p->root_seen)
		feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (no XML root element)");
	else if (!p->root_done)
		feed_parse_fail(p, CS_ERR_PARSE, "truncated document (ends inside <%s>, after %zu items)",
		    feed_parse_open_element(p), p->items);
out:
	return result(p, err, errlen);
}

size_t
feed_parse_count(const struct feed_parser *p)
{
	return p->items;
}

void
feed_parse_free(struct feed_parser *p)
{
	if (p == NULL)
		return;
	if (p->xml != NULL) {
		struct feed_parse_handlers saved;

		feed_parse_handlers_install(p, &saved);
		xmlFreeParserCtxt(p->xml);
		feed_parse_handlers_restore(&saved);
	}
	for (int i = 0; i < F_COUNT; i++)
		fbuf_free(&p->f[i]);
	free(p->name);
	free(p);
}

cs_err
feed_parse_buffer(const char *name, const char *buf, size_t len,
    feed_item_cb cb, void *ctx, char *err, size_t errlen)
{
	struct feed_parser *p = NULL;
	cs_err rc;

	p = feed_parse_new(name, cb, ctx, 0);
	if (p == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	rc = feed_parse_push(p, buf, len, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = feed_parse_finish(p, err, errlen);
out:
	feed_parse_free(p);
	return rc;
}
