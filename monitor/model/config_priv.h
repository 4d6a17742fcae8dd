/* config_priv.h: private to config.c and config_check.c; include config.h elsewhere. */
#ifndef CONFIG_PRIV_H
#define CONFIG_PRIV_H

#include <stddef.h>

#include <jansson.h>

#include "aws/catalogue.h"
#include "model/config.h"

/*
 * Every problem found goes through config_errs_add(), so one run reports
 * them all. Lines are "NAME: PATH: message\n" (or "NAME: message\n" without a path).
 */
struct config_errs {
	const char *name;
	char   *buf;
	size_t  len, cap;
	size_t  count;      /* problems found */
	size_t  dropped;    /* of those, not written (report full) */
	int     nomem;
};

/*
 * Adds one problem to e: "NAME: PATH: message\n", or "NAME: message\n"
 * when path is NULL or empty. Counts every call; past the report's maximum
 * (or when memory runs out, setting e->nomem) the line is only counted in
 * e->dropped. e->buf is owned by e: the caller frees it.
 */
void config_errs_add(struct config_errs *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "an object", "a string", ... of a JSON value, for messages. Static text. */
const char *config_type_name(const json_t *v);

/*
 * Checks the top-level object root against the schema and the catalogue
 * cat (borrowed), filling cfg (its strings and arrays owned by cfg, to be
 * freed with config_free() whatever happened). Every problem goes into e;
 * running out of memory sets e->nomem. cfg is complete only when e->count
 * is 0; feed slugs are not built here.
 */
void config_check_root(struct config_errs *e, const struct catalogue *cat, const json_t *root,
    struct config *cfg);

#endif
