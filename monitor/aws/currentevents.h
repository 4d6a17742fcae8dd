/* currentevents.h: parses AWS's health.aws.amazon.com/public/currentevents document. */
#ifndef CURRENTEVENTS_H
#define CURRENTEVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/cs_error.h"
#include "base/status.h"

/* Largest document accepted, in bytes as received (before decoding). */
#define CURRENTEVENTS_MAX_BYTES (16 * 1024 * 1024)

/* One service an event lists under "impacted_services". */
struct currentevents_impact {
	char      *slug;        /* "s3-me-central-1", "route53" */
	status_aws current;     /* its state now in this event ("current") */
	status_aws max;         /* the worst it reached ("max") */
};

/* One event of the document. */
struct currentevents_event {
	char      *service;     /* feed slug, "multipleservices-me-central-1" */
	status_aws status;      /* "0".."3": normal .. disruption */
	char      *summary;     /* "[RESOLVED] Elevated Packet Loss" */
	int64_t    date;        /* epoch the event began */
	int64_t    end_time;    /* epoch it ended; 0 while open */
	int64_t    updated;     /* epoch of its newest event_log entry; date without one */
	char      *arn;         /* "arn:aws:health:...", "" if absent */
	struct currentevents_impact *impacted;
	size_t     nimpacted;
};

struct currentevents {
	struct currentevents_event *events; /* in document order */
	size_t nevents;
	char **open_slugs;      /* see currentevents_open_slugs() */
	size_t nopen;
};

/*
 * Parses the document. AWS serves it as UTF-16 with a byte-order mark;
 * UTF-16LE/BE (with a BOM, or without one when the first character is
 * ASCII) and UTF-8 with or without a BOM are accepted and decoded with
 * iconv. name (a URL or file name) prefixes every message. Returns CS_OK
 * and an owned *out; CS_ERR_TOOBIG above CURRENTEVENTS_MAX_BYTES;
 * CS_ERR_PARSE for bad encoding, bad JSON or a field of the wrong type or
 * value ("NAME: [2].status: ..."); CS_ERR_NOMEM. data is borrowed.
 */
cs_err currentevents_parse(const char *name, const void *data, size_t len,
    struct currentevents **out, char *err, size_t errlen);

/*
 * The slugs of the events still open (no end_time and status not 0): each
 * such event's own service slug and every impacted service whose "current"
 * is not "0". Distinct, sorted; for classify_set_open_events(). Borrowed
 * from ce.
 */
const char *const *currentevents_open_slugs(const struct currentevents *ce, size_t *n);

/* Stable text dump: one line per event, one per impacted service. */
void currentevents_dump(const struct currentevents *ce, FILE *fp);

/* Frees ce and everything it owns; NULL is a no-op. */
void currentevents_free(struct currentevents *ce);

#endif
