/* feed_parse_priv.h: private to feed_parse.c and feed_parse_sax.c; others include feed_parse.h. */
#ifndef FEED_PARSE_PRIV_H
#define FEED_PARSE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "aws/feed_parse.h"
#include "base/cs_error.h"

/* The fields of an <item> we keep; F_NONE while reading anything else. */
enum feed_field {
	F_TITLE,
	F_LINK,
	F_GUID,
	F_PUBDATE,
	F_DESCRIPTION,
	F_COUNT,
	F_NONE = F_COUNT
};

/* A growable byte buffer whose capacity never exceeds max + 1. */
struct fbuf {
	char  *data;
	size_t len;
	size_t cap;
};

/* The state of one parse: shared by the API (feed_parse.c) and the callbacks. */
struct feed_parser {
	char            *name;       /* feed name for messages, owned */
	feed_item_cb     cb;
	void            *ctx;
	size_t           max_field;  /* bytes per field */
	size_t           text_limit; /* bytes of text between two '<' */
	xmlParserCtxtPtr xml;        /* NULL until the first byte */
	struct fbuf      f[F_COUNT];
	size_t           items;      /* delivered */
	unsigned         depth;      /* open elements */
	unsigned         item_depth; /* depth of the open <item>, 0 if none */
	enum feed_field  cur;        /* field being read, F_NONE if none */
	unsigned         cur_depth;  /* depth of that field's element */
	int              started;    /* a non-blank byte was seen */
	int              root_seen;
	int              root_done;  /* </rss> was read */
	int              finished;
	int              finishing;  /* inside feed_parse_finish() */
	int              recovered;  /* a bare '&' was recovered */
	uint64_t         offset;     /* bytes pushed so far */
	size_t           run;        /* bytes since the last '<' */
	cs_err           rc;         /* sticky first error */
	char             msg[CS_ERRLEN];
};

/* The element names of the fields, indexed by enum feed_field. */
extern const char *const feed_parse_field_names[F_COUNT];

/* Routes the thread's libxml2 error handlers to us while libxml2 runs. */
struct feed_parse_handlers {
	xmlStructuredErrorFunc serr;
	void                  *sctx;
	xmlGenericErrorFunc    gerr;
	void                  *gctx;
};

/*
 * Records the first error of the parse in p ("NAME: message") and halts
 * libxml2; later errors are dropped, so the first cause is the one reported.
 */
void feed_parse_fail(struct feed_parser *p, cs_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The same without halting libxml2: for an error libxml2 reports from code
 * that goes on using its state after the report (out of memory), where it
 * halts by itself.
 */
void feed_parse_fail_nostop(struct feed_parser *p, cs_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Creates p->xml, the hardened SAX2 push parser whose callbacks fill p.
 * Returns CS_OK, or CS_ERR_NOMEM (also recorded in p).
 */
cs_err feed_parse_create_xml(struct feed_parser *p);

/*
 * Saves the thread's libxml2 error handlers into s and routes them to p's
 * error handler; feed_parse_handlers_restore() puts them back. Every call
 * into libxml2 runs between the two, so libxml2 never prints.
 */
void feed_parse_handlers_install(struct feed_parser *p, struct feed_parse_handlers *s);
void feed_parse_handlers_restore(const struct feed_parse_handlers *s);

/* The innermost element we know of ("title", "item", "channel", "rss"), for messages. */
const char *feed_parse_open_element(const struct feed_parser *p);

#endif
