/* feed_parse.h: turns the bytes of an AWS RSS feed into items, as they arrive. */
#ifndef FEED_PARSE_H
#define FEED_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/*
 * One <item> of a feed: one update of one AWS event. The strings are views
 * owned by the parser and live only until the callback returns; copy what
 * you keep. Text is UTF-8, entity-decoded, CDATA unwrapped, never NULL
 * (empty string when absent).
 */
struct feed_item {
	const char *title;
	const char *link;
	const char *guid;        /* full guid text; an http:// guid in its https:// form */
	const char *description; /* may be long; HTML as AWS wrote it, not trusted */
	const char *slug;        /* from the guid fragment "<slug>_<epoch>", "" if none */
	int64_t     epoch;       /* from the guid fragment, else pubDate; 0 if neither */
	int64_t     pubdate;     /* parsed pubDate, 0 if absent or unparseable */
};

/* Called once per item; returns 0 to go on, nonzero to stop the parse. */
typedef int (*feed_item_cb)(const struct feed_item *item, void *ctx);

struct feed_parser;

/*
 * Creates a push parser for the feed called name (a URL or file name, used
 * in every error message). The parser never touches the network or the
 * file system, loads no DTD and expands no entity. max_field bounds each
 * item field in bytes (0: default 1 MiB); a longer field is an error
 * (CS_ERR_TOOBIG), never silently cut. Returns NULL on allocation failure.
 * Free with feed_parse_free().
 */
struct feed_parser *feed_parse_new(const char *name, feed_item_cb cb, void *ctx,
    size_t max_field);

/*
 * Feeds the next len bytes. Items are delivered through the callback as
 * soon as they are complete. Returns CS_OK, or CS_ERR_PARSE / CS_ERR_TOOBIG
 * with a message naming the feed and what is wrong ("...: a DTD is not
 * allowed in a feed", "...: not an RSS document (root element <html>)",
 * "...: NUL byte at offset 123", "...: invalid UTF-8 at line 4").
 * Old feeds with a bare '&' are recovered, not rejected (the '&' is kept
 * in the text). When the callback returns nonzero the parse stops with
 * CS_ERR_STATE. Errors are sticky: later calls return the same one. Any
 * chunk size works; large chunks are handed to libxml2 in 64 KiB slices.
 */
cs_err feed_parse_push(struct feed_parser *p, const char *buf, size_t len,
    char *err, size_t errlen);

/*
 * Ends the document (truncation and empty input are detected here:
 * "...: truncated document (...)", "...: empty document"). Items delivered
 * before a truncation stay delivered.
 */
cs_err feed_parse_finish(struct feed_parser *p, char *err, size_t errlen);

/* Number of items delivered so far. */
size_t feed_parse_count(const struct feed_parser *p);

void feed_parse_free(struct feed_parser *p);

/*
 * Splits the guid fragment "#<slug>_<epoch>" into slug (written into
 * slug, at most slen - 1 bytes of [a-z0-9-.], lower case) and epoch.
 * Returns 0, or -1 when the guid has no such fragment.
 */
int feed_guid_fragment(const char *guid, char *slug, size_t slen, int64_t *epoch);

/* Convenience for tests and the CLI: parses a whole buffer. */
cs_err feed_parse_buffer(const char *name, const char *buf, size_t len,
    feed_item_cb cb, void *ctx, char *err, size_t errlen);

#endif
