/* catalogue.h: the AWS feeds that exist (feeds/aws-catalogue.tsv, embedded in the binary). */
#ifndef CATALOGUE_H
#define CATALOGUE_H

#include <stddef.h>

#include "base/cs_error.h"

struct catalogue_entry {
	const char *slug;         /* "connect-us-east-1", "route53" */
	const char *service;      /* "connect" */
	const char *region;       /* "us-east-1", NULL for a global service */
	const char *service_name; /* "Amazon Connect" */
	const char *region_name;  /* "N. Virginia", "global" */
};

struct catalogue;

/*
 * Loads the catalogue from TSV text (the format feeds/make-catalogue.py
 * writes). text is copied. Returns CS_OK and an owned *out, or an error
 * naming the line. catalogue_default() loads the embedded copy.
 */
cs_err catalogue_load(const char *text, size_t len, struct catalogue **out,
    char *err, size_t errlen);
cs_err catalogue_default(struct catalogue **out, char *err, size_t errlen);
void catalogue_free(struct catalogue *c);

/* Entry for a slug, or NULL. Borrowed from c. */
const struct catalogue_entry *catalogue_find(const struct catalogue *c, const char *slug);

/* Nonzero if some feed has this service / this region. */
int catalogue_has_service(const struct catalogue *c, const char *service);
int catalogue_has_region(const struct catalogue *c, const char *region);
/* Nonzero if the service is global (has a feed with no region). */
int catalogue_is_global(const struct catalogue *c, const char *service);

/*
 * "Did you mean" for an unknown service or region: the closest known name
 * by edit distance, or NULL if nothing is close. Borrowed from c.
 */
const char *catalogue_suggest_service(const struct catalogue *c, const char *service);
const char *catalogue_suggest_region(const struct catalogue *c, const char *region);

/*
 * Splits a slug into service and region (the region is the suffix that is
 * a known region, e.g. "acm-pca-eu-west-1" -> "acm-pca", "eu-west-1").
 * Writes into caller buffers; *region is "" for a global slug. Returns 0,
 * or -1 if the buffers are too small.
 */
int catalogue_split_slug(const struct catalogue *c, const char *slug,
    char *service, size_t slen, char *region, size_t rlen);

size_t catalogue_count(const struct catalogue *c);

/* The i-th entry in slug order (0 <= i < catalogue_count()), or NULL. Borrowed from c. */
const struct catalogue_entry *catalogue_at(const struct catalogue *c, size_t i);

/*
 * "Did you mean" over any list of names (configuration keys, status names):
 * the closest of names[0..n) to word by ASCII case-insensitive edit
 * distance, within a bound that grows with the word's length (1 edit up to
 * 3 characters, 2 up to 6, else 3); ties go to the earliest name. Returns a
 * borrowed names[i], or NULL if nothing is close.
 */
const char *catalogue_closest(const char *const *names, size_t n, const char *word);

#endif
