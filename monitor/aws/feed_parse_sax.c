/* feed_parse_sax.c: the feed parser's SAX2 callbacks and error handler: fields, items, safety. */
#include "aws/feed_parse.h"
#include "aws/feed_parse_priv.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "base/ascii.h"
#include "base/cstime.h"

/*
 * How the callbacks keep a feed harmless, and why (the buffering and the
 * byte checks before libxml2 are in feed_parse.c).
 *
 * Only the five fields we want inside <item> (title, link, guid, pubDate,
 * description) are accumulated, each in one reusable buffer bounded by
 * max_field, so memory stays flat whatever the feed's size.
 *
 * Hardening: XML_PARSE_NONET, no XML_PARSE_NOENT / DTDLOAD, and a document
 * that declares a DOCTYPE is rejected in the internalSubset callback, which
 * libxml2 calls before it reads a single declaration: no entity can ever be
 * defined, so none can expand (billion laughs, external entities). Nesting
 * deeper than FEED_MAX_DEPTH is an error, and so is a run of text without
 * markup longer than the text limit (libxml2 would otherwise buffer it all;
 * checked on the raw bytes in feed_parse.c).
 *
 * Old feeds (before 2019) contain bare '&' ("VA1 & VA2") and are not
 * well-formed, yet their items are wanted. The parser runs with
 * XML_PARSE_RECOVER, but our structured error handler accepts exactly three
 * errors, all about an entity reference that is not one: "&" followed by no
 * name, a name without ';', and an undeclared entity (there can be no
 * declared ones). For those the raw bytes ("&", "&T", "&nbsp;") are put back
 * into the field being read, so the text says what AWS wrote. Every other
 * error stops the parse at once and fails: recovery never turns a broken
 * document into a success.
 *
 * libxml2 errors are routed to that handler both through the context's
 * SAX serror and, while our code runs, through the thread's structured and
 * generic handlers (saved and restored around every call), so nothing is
 * ever printed to stderr.
 */

#define FEED_MAX_DEPTH     64

const char *const feed_parse_field_names[F_COUNT] = {
	"title", "link", "guid", "pubDate", "description"
};

/* Appends n bytes to the field being read; TOOBIG past max_field. */
static void
field_append(struct feed_parser *p, const char *s, size_t n)
{
	struct fbuf *b = &p->f[p->cur];

	if (n > p->max_field - b->len) {
		feed_parse_fail(p, CS_ERR_TOOBIG, "item %zu: <%s> longer than %zu bytes",
		    p->items + 1, feed_parse_field_names[p->cur], p->max_field);
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > p->max_field + 1)
			cap = p->max_field + 1;
		d = realloc(b->data, cap);
		if (d == NULL) {
			feed_parse_fail(p, CS_ERR_NOMEM, "out of memory reading <%s>",
			    feed_parse_field_names[p->cur]);
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* NUL-terminates a field, trimming ASCII white space unless keep is set. */
static const char *
field_text(struct fbuf *b, int keep)
{
	static const char empty[] = "";
	size_t s = 0, e = b->len;

	if (b->data == NULL)
		return empty;
	if (!keep) {
		while (s < e && ascii_isspace(b->data[s]))
			s++;
		while (e > s && ascii_isspace(b->data[e - 1]))
			e--;
	}
	b->data[e] = '\0';
	return b->data + s;
}

int
feed_guid_fragment(const char *guid, char *slug, size_t slen, int64_t *epoch)
{
	const char *hash = strrchr(guid, '#');
	const char *us, *q;
	int64_t v = 0;
	size_t n;

	if (hash == NULL)
		return -1;
	us = strrchr(hash, '_');
	if (us == NULL || us == hash + 1 || us[1] == '\0')
		return -1;
	for (q = us + 1; *q != '\0'; q++) {
		if (!ascii_isdigit(*q) || q - us > 15)
			return -1;
		v = v * 10 + (*q - '0');
	}
	n = (size_t)(us - hash - 1);
	if (n >= slen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = hash[1 + i];

		if (!(ascii_isalpha(c) || ascii_isdigit(c) || c == '-' || c == '.'))
			return -1;
		slug[i] = (char)ascii_tolower(c);
	}
	slug[n] = '\0';
	*epoch = v;
	return 0;
}

/*
 * AWS writes one item's guid as "http://status.aws.amazon.com/#<slug>_<epoch>"
 * in some documents and "https://..." in others (both in the recorded
 * feeds, and all.rss and a service feed can disagree on one item). They name
 * the same item, so an http:// guid is given in its https:// form (written
 * into buf, of size len) and the store keeps the item once. A guid too long
 * for buf is no AWS guid and is left as it is.
 */
static const char *
guid_https(const char *guid, char *buf, size_t len)
{
	static const char http[] = "http://";
	size_t i, n = strlen(guid);

	for (i = 0; i + 1 < sizeof(http); i++) {
		if (ascii_tolower(guid[i]) != http[i])
			return guid;
	}
	if (n + 2 > len)
		return guid;
	memcpy(buf, "https://", 8);
	memcpy(buf + 8, guid + 7, n - 7 + 1);
	return buf;
}

static void
deliver_item(struct feed_parser *p)
{
	struct feed_item it;
	char slug[256], guid[1024];
	int64_t epoch = 0;

	it.title = field_text(&p->f[F_TITLE], 0);
	it.link = field_text(&p->f[F_LINK], 0);
	it.guid = guid_https(field_text(&p->f[F_GUID], 0), guid, sizeof(guid));
	it.description = field_text(&p->f[F_DESCRIPTION], 1);
	if (cstime_parse_rfc822(field_text(&p->f[F_PUBDATE], 0), &it.pubdate) != 0)
		it.pubdate = 0;
	if (feed_guid_fragment(it.guid, slug, sizeof(slug), &epoch) == 0) {
		it.slug = slug;
		it.epoch = epoch;
	} else {
		it.slug = "";
		it.epoch = it.pubdate;
	}
	p->items++;
	if (p->cb != NULL && p->cb(&it, p->ctx) != 0)
		feed_parse_fail(p, CS_ERR_STATE, "item %zu: the item callback stopped the parse",
		    p->items);
}

/* Undoes libxml2's not-well-formed mark after a recovered bare '&'. */
static void
unspoil(struct feed_parser *p)
{
	if (p->recovered && p->xml != NULL)
		p->xml->wellFormed = 1;
}

/*
 * The five field names differ in their first byte, so one switch picks the
 * only candidate and one strcmp confirms it: this runs for every child of
 * every <item>, and trying all five names in turn cost more than the rest
 * of the start-tag handler.
 */
static enum feed_field
field_of(const xmlChar *name)
{
	enum feed_field f;

	switch (name[0]) {
	case 't': f = F_TITLE; break;
	case 'l': f = F_LINK; break;
	case 'g': f = F_GUID; break;
	case 'p': f = F_PUBDATE; break;
	case 'd': f = F_DESCRIPTION; break;
	default: return F_NONE;
	}
	return strcmp((const char *)name, feed_parse_field_names[f]) == 0 ? f : F_NONE;
}

static void
sax_start(void *ud, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct feed_parser *p = ud;

	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_attributes;
	(void)nb_defaulted;
	(void)attributes;
	if (p->rc != CS_OK)
		return;
	unspoil(p);
	p->depth++;
	if (p->depth > FEED_MAX_DEPTH) {
		feed_parse_fail(p, CS_ERR_PARSE, "elements nested deeper than %d levels (line %d)",
		    FEED_MAX_DEPTH, xmlSAX2GetLineNumber(p->xml));
		return;
	}
	if (!p->root_seen) {
		p->root_seen = 1;
		if (uri != NULL)
			feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (root element <%s> in "
			    "namespace %s)", (const char *)localname, (const char *)uri);
		else if (strcmp((const char *)localname, "rss") != 0)
			feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (root element <%s>)",
			    (const char *)localname);
		return;
	}
	if (uri != NULL)
		return;
	if (p->item_depth == 0) {
		if (localname[0] == 'i' && strcmp((const char *)localname, "item") == 0) {
			p->item_depth = p->depth;
			for (int i = 0; i < F_COUNT; i++)
				p->f[i].len = 0;
		}
		return;
	}
	if (p->cur == F_NONE && p->depth == p->item_depth + 1) {
		p->cur = field_of(localname);
		p->cur_depth = p->depth;
		/* A repeated field keeps the last one, as readers do. */
		if (p->cur != F_NONE)
			p->f[p->cur].len = 0;
	}
}

static void
sax_end(void *ud, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct feed_parser *p = ud;

	(void)localname;
	(void)prefix;
	(void)uri;
	if (p->rc != CS_OK)
		return;
	unspoil(p);
	if (p->cur != F_NONE && p->depth == p->cur_depth)
		p->cur = F_NONE;
	if (p->item_depth != 0 && p->depth == p->item_depth) {
		p->item_depth = 0;
		deliver_item(p);
	}
	if (p->depth == 1)
		p->root_done = 1;
	if (p->depth > 0)
		p->depth--;
}

static void
sax_text(void *ud, const xmlChar *ch, int len)
{
	struct feed_parser *p = ud;

	unspoil(p);
	if (p->cur == F_NONE || p->rc != CS_OK || len <= 0)
		return;
	field_append(p, (const char *)ch, (size_t)len);
}

static void
sax_subset(void *ud, const xmlChar *name, const xmlChar *external_id,
    const xmlChar *system_id)
{
	struct feed_parser *p = ud;

	(void)external_id;
	(void)system_id;
	if (name != NULL && xmlStrcasecmp(name, BAD_CAST "html") == 0) {
		feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (an HTML page, <!DOCTYPE %s>)",
		    (const char *)name);
		return;
	}
	feed_parse_fail(p, CS_ERR_PARSE, "a DTD is not allowed in a feed (<!DOCTYPE %s> at line %d)",
	    name != NULL ? (const char *)name : "", xmlSAX2GetLineNumber(p->xml));
}

/* No entity is ever declared; returning NULL keeps every reference unexpanded. */
static xmlEntityPtr
sax_entity(void *ud, const xmlChar *name)
{
	(void)ud;
	(void)name;
	return NULL;
}

/*
 * Puts back the raw bytes of a reference that libxml2 dropped while
 * recovering: from the '&' before the parser's position up to it.
 *
 * libxml2 2.9 then marks the document not well-formed, and from then on
 * silently drops predefined references (&amp;) in xmlParseReference. Our
 * SAX callbacks set wellFormed back at the next event (see unspoil()); the
 * predefined references that follow at once, before any event, are decoded
 * here, ahead of libxml2 dropping them.
 */
static void
restore_ampersand(struct feed_parser *p)
{
	static const struct {
		const char *ref;
		char        c;
	} predef[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
		{ "&apos;", '\'' },
	};
	xmlParserInputPtr in = p->xml != NULL ? p->xml->input : NULL;
	const xmlChar *q;
	int more = 1;

	p->recovered = 1;
	if (in == NULL || in->cur == NULL || in->base == NULL || p->cur == F_NONE)
		return;
	q = in->cur;
	while (q > in->base && in->cur - q < 64 && q[-1] != '&')
		q--;
	if (q > in->base && q[-1] == '&')
		field_append(p, (const char *)q - 1, (size_t)(in->cur - q + 1));
	q = in->cur;
	while (more && p->rc == CS_OK) {
		more = 0;
		for (size_t i = 0; i < sizeof(predef) / sizeof(predef[0]); i++) {
			size_t n = strlen(predef[i].ref);

			if (in->end - q >= (ptrdiff_t)n && memcmp(q, predef[i].ref, n) == 0) {
				field_append(p, &predef[i].c, 1);
				q += n;
				more = 1;
				break;
			}
		}
	}
}

static size_t
trim_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	return n;
}

const char *
feed_parse_open_element(const struct feed_parser *p)
{
	if (p->cur != F_NONE)
		return feed_parse_field_names[p->cur];
	if (p->item_depth != 0)
		return "item";
	return p->depth > 1 ? "channel" : "rss";
}

static void
on_xml_error(void *ud, xmlErrorPtr e)
{
	struct feed_parser *p = ud;
	const char *m;

	if (p == NULL || e == NULL || e->level < XML_ERR_FATAL || p->rc != CS_OK)
		return;
	m = e->message != NULL ? e->message : "";
	if (e->code == XML_ERR_NO_MEMORY) {
		/*
		 * Not a fault of the feed. libxml2 reports it from inside its
		 * buffer code (xmlParserInputBufferPush), which goes on using the
		 * input buffer after the report: stopping the parser here
		 * (xmlStopParser frees that buffer) would crash it, as
		 * tests/unit/test_alloc_fail.c found. libxml2 halts by itself.
		 */
		feed_parse_fail_nostop(p, CS_ERR_NOMEM, "out of memory in the XML parser");
		return;
	}
	switch (e->code) {
	case XML_ERR_NAME_REQUIRED:
		if (strncmp(m, "xmlParseEntityRef", 17) != 0)
			break;
		/* FALLTHROUGH */
	case XML_ERR_ENTITYREF_SEMICOL_MISSING:
	case XML_ERR_UNDECLARED_ENTITY:
		/* A bare '&' of an old feed: keep what AWS wrote, go on. */
		restore_ampersand(p);
		return;
	default:
		break;
	}
	if ((e->code == XML_ERR_INVALID_CHAR || e->code == XML_ERR_INVALID_ENCODING) &&
	    strstr(m, "UTF-8") != NULL) {
		feed_parse_fail(p, CS_ERR_PARSE, "invalid UTF-8 at line %d", e->line);
		return;
	}
	if (p->finishing && p->root_seen && !p->root_done) {
		/* At the end libxml2 says only "Extra content"; say where it stopped. */
		if (e->code == XML_ERR_DOCUMENT_END)
			feed_parse_fail(p, CS_ERR_PARSE, "truncated document (ends inside <%s> at line %d, "
			    "after %zu items)", feed_parse_open_element(p), e->line, p->items);
		else
			feed_parse_fail(p, CS_ERR_PARSE, "truncated document (line %d: %.*s)", e->line,
			    (int)trim_len(m), m);
		return;
	}
	if (e->code == XML_ERR_DOCUMENT_EMPTY && !p->root_seen) {
		feed_parse_fail(p, CS_ERR_PARSE, "not an RSS document (no XML root element)");
		return;
	}
	feed_parse_fail(p, CS_ERR_PARSE, "line %d: %.*s", e->line, (int)trim_len(m), m);
}

static void
on_generic_error(void *ud, const char *msg, ...)
{
	(void)ud;
	(void)msg;
}


void
feed_parse_handlers_install(struct feed_parser *p, struct feed_parse_handlers *s)
{
	s->serr = xmlStructuredError;
	s->sctx = xmlStructuredErrorContext;
	s->gerr = xmlGenericError;
	s->gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(p, on_xml_error);
	xmlSetGenericErrorFunc(p, on_generic_error);
}

void
feed_parse_handlers_restore(const struct feed_parse_handlers *s)
{
	xmlSetStructuredErrorFunc(s->sctx, s->serr);
	xmlSetGenericErrorFunc(s->gctx, s->gerr);
}

cs_err
feed_parse_create_xml(struct feed_parser *p)
{
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	sax.ignorableWhitespace = sax_text;
	sax.internalSubset = sax_subset;
	sax.externalSubset = sax_subset;
	sax.getEntity = sax_entity;
	sax.getParameterEntity = sax_entity;
	sax.serror = on_xml_error;
	/*
	 * No file name: libxml2 would only keep it for messages (ours name the
	 * feed themselves), and 2.9 leaks its input stream when copying the
	 * name fails (found by tests/unit/test_alloc_fail.c).
	 */
	p->xml = xmlCreatePushParserCtxt(&sax, p, NULL, 0, NULL);
	if (p->xml == NULL) {
		feed_parse_fail(p, CS_ERR_NOMEM, "cannot create the XML parser");
		return p->rc;
	}
	xmlCtxtUseOptions(p->xml, XML_PARSE_NONET | XML_PARSE_RECOVER |
	    XML_PARSE_NOWARNING);
	p->xml->replaceEntities = 0;
	p->xml->loadsubset = 0;
	return CS_OK;
}
