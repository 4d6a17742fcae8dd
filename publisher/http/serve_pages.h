/* serve_pages.h: the HTML pages of `clickstatus serve`, through site/subscription.xsl. */
#ifndef SERVE_PAGES_H
#define SERVE_PAGES_H

#include <stddef.h>

#include "base/cs_error.h"
#include "model/config.h"

struct serve_pages;

/*
 * Loads site_src/subscription.xsl (NULL: the compiled-in source tree's
 * site/) with common.xsl, network access refused while parsing and while
 * transforming (and file reads and writes refused while transforming).
 * cfg (borrowed, must outlive the pages) gives the product, the site's
 * URL (its style.css and links) and the components. base is the path
 * the forms post under ("/subscriptions"). Owned *out
 * (serve_pages_free); CS_ERR_IO for a missing file, CS_ERR_PARSE for a
 * stylesheet that does not compile, CS_ERR_NOMEM.
 */
cs_err serve_pages_new(const char *site_src, const struct config *cfg, const char *base,
    struct serve_pages **out, char *err, size_t errlen);

/* Frees p; NULL is a no-op. */
void serve_pages_free(struct serve_pages *p);

/*
 * The Content-Security-Policy header of every page: the CSP of the site's
 * pages (styles and the icon from the site's origin, forms to this one,
 * no script) and frame-ancestors 'none'. Lives as long as p.
 */
const char *serve_pages_csp(const struct serve_pages *p);

/* What one page shows; every string borrowed, NULL when not used. */
struct serve_view {
	const char *view;          /* "check-inbox", "confirm", "manage"... (subscription.xsl) */
	const char *problem;       /* the words of a 400: what is wrong with the input */
	const char *token;         /* hidden t of the page's form */
	const char *unsub_token;   /* manage: the unsubscribe form's t */
	const char *link;          /* confirmed: the preferences link */
	const char *state;         /* manage: the subscriber's state */
	const char *components_json; /* manage: JSON array of the ids followed, NULL: all */
	int         min_priority;  /* manage: 1..4 */
	int         saved;         /* manage: "Preferences saved." */
	long long   retry_minutes; /* too-many */
};

/*
 * Renders view v into an owned *html (free()) of *len bytes. CS_ERR_NOMEM,
 * CS_ERR_INTERNAL when the transform fails.
 */
cs_err serve_pages_render(struct serve_pages *p, const struct serve_view *v, char **html,
    size_t *len, char *err, size_t errlen);

#endif
