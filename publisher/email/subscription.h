/* subscription.h: what a subscriber may ask for, checked: address, components, priority; CSV import and export. */
#ifndef SUBSCRIPTION_H
#define SUBSCRIPTION_H

#include <stddef.h>
#include <stdio.h>

#include "base/cs_error.h"
#include "model/config.h"
#include "store/subscribers.h"

#define SUBSCRIPTION_ADDR_MAX 254   /* RFC 5321's path limit, less the brackets */

/*
 * Checks and normalises an address typed by a person: surrounding blanks
 * dropped, one addr-spec (mail_msg_addr_ok), the domain in lower case and
 * in ASCII (a Unicode one in its "xn--" form: mail_msg_addr_ascii) (the
 * local part is kept as typed, for sending; the store counts
 * Ann@ and ann@ as one subscriber, as every mail provider does). Writes
 * it to out. CS_ERR_PARSE with the reason (never echoing control characters)
 * for anything else.
 */
cs_err subscription_address(const char *in, char *out, size_t len, char *err, size_t errlen);

/*
 * Reads a list of component ids separated by commas, semicolons or
 * blanks ("inbound-voice, reporting"); every id must be one of cfg's.
 * "" or "all" means all components: *json NULL. Otherwise an owned JSON
 * array (sorted, without repeats) in *json. CS_ERR_PARSE naming the
 * unknown id.
 */
cs_err subscription_components(const struct config *cfg, const char *list, char **json,
    char *err, size_t errlen);

/* Reads "P1".."P4", "1".."4" or "all" (4) into *prio. CS_ERR_PARSE otherwise. */
cs_err subscription_priority(const char *s, int *prio, char *err, size_t errlen);

/* One subscriber read from CSV (strings owned by the reader, valid during the callback). */
struct subscription_row {
	size_t      line;             /* 1-based line of the file */
	const char *email;            /* normalised */
	const char *state;            /* "confirmed" unless the file says otherwise */
	const char *components_json;  /* NULL: all */
	int         min_priority;
};

/*
 * Reads CSV (RFC 4180: a header line naming the columns, quoted fields
 * with "" for a quote) with the columns email (required), state,
 * components, min_priority in any order (created_at and confirmed_at, as
 * export writes them, are accepted and ignored); unknown columns are an
 * error.
 * Every row is checked first; only when all are good is fn called for
 * each, in order. On errors returns CS_ERR_PARSE with every problem, one
 * per line, "NAME:LINE: ..." (up to 20). fn's non-CS_OK return stops the walk.
 */
cs_err subscription_csv_read(FILE *fp, const char *name, const struct config *cfg,
    cs_err (*fn)(void *arg, const struct subscription_row *r), void *arg, char *err,
    size_t errlen);

/* Writes the CSV header line. */
void subscription_csv_header(FILE *fp);

/* Writes s as one CSV line (the columns of the header). */
void subscription_csv_write(FILE *fp, const struct store_subscriber *s);

#endif
