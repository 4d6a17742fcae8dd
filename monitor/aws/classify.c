/* classify.c: decides the state of each AWS service-region from its feed items. */
#include "aws/classify.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/cstime.h"
#include "base/hash.h"

/*
 * The rules. One item is one update of one event; the guid fragment names
 * the slug ("ec2-us-east-1", "route53") and the epoch. Per slug:
 *
 * | # | rule                                                                   | result                                  |
 * |---|------------------------------------------------------------------------|-----------------------------------------|
 * | 1 | items without slug/epoch, or with epoch > now (now != 0)              | ignored                                 |
 * | 2 | the newest item by epoch decides (not document order); on equal       | that item's verdict                     |
 * |   | epochs a closing item wins                                             |                                         |
 * | 3 | title prefix "Service is operating normally"                           | normal                                  |
 * | 4 | "Informational message", "Service impact"                              | informational                           |
 * | 5 | "Service degradation", "Performance issues"                            | degraded                                |
 * | 6 | "Service disruption"                                                   | disruption                              |
 * | 7 | "[RESOLVED]" (any case, spaces inside the brackets allowed) or         | normal, resolved=1                      |
 * |   | "[解決済]" anywhere after a known prefix                               |                                         |
 * | 8 | known prefix, no marker, but the description says "The issue has been  | normal, resolved=1 (by description)     |
 * |   | resolved and the service is operating normally" (any case)             |                                         |
 * | 9 | unknown prefix (even with a [RESOLVED] marker)                         | informational, unknown_prefix=1; never  |
 * |   |                                                                        | closes an event                         |
 * |10 | newest item open, now != 0, quiet_limit > 0, now - updated >           | normal, quiet_closed=1, closing_title   |
 * |   | quiet_limit, and currentevents neither lists it open nor ended it      | says AWS posted nothing                 |
 * |11 | event_start: earliest item newer than the newest closing item          | 0 when the verdict is normal            |
 * |12 | currentevents (classify_set_currentevents(), read within the quiet     | reconcile.c's table: an open event in   |
 * |   | limit) for the slug, with or without items                             | either opens, its end_time closes;      |
 * |   |                                                                        | source and disagree say which and how   |
 *
 * Prefixes match case-insensitively; runs of blanks count as one space,
 * blanks before the colon are allowed, and the prefix must end at a colon
 * (ASCII or full-width) or at the end of the title.
 *
 * Rule 8 exists for the 2018 feed (all-2018-03-18-bare-ampersand.rss): the
 * item apigateway-us-gov-west-1_1518831563 is titled "Informational message:
 * Increased Invoke API Error Rates" while its description reads "Between 4:03
 * PM and 4:57 PM PST we experienced ... The issue has been resolved and the
 * service is operating normally." Calling that API Gateway informational
 * would report an incident AWS itself says is over, so the sentence AWS uses
 * to close events is read as a resolution. Only that exact sentence counts
 * ("we continue to work towards resolution" does not), and it is looked for
 * only when the title does not already decide. The dump shows
 * resolved=description so a reader can tell.
 *
 * Memory: per slug we keep the newest item's title and guid, the epoch of the
 * newest closing item, and the epochs of the open items newer than it (the
 * current event's updates, at most OPEN_MAX, smallest kept). An item not
 * newer than the newest closing item can change nothing and is dropped at
 * once, which also makes a newest-first feed cheap.
 */

#define OPEN_MAX 4096

/* What says a normal verdict is resolved, beyond the title (the dump shows it). */
#define RESOLVED_DESCRIPTION 1 /* rule 8 */
#define RESOLVED_END_TIME    2 /* currentevents' end_time (rule 12) */

struct slugrec {
	char      *slug;
	int        have;         /* an item was accepted */
	int64_t    newest;       /* epoch of the newest item */
	char      *title;        /* its title */
	char      *guid;         /* its guid */
	status_aws state;        /* its prefix's state (informational if unknown) */
	int        closing;      /* it closes the event */
	int        resolved;     /* its title has a [RESOLVED] marker */
	int        desc_resolved;/* its description says resolved (rule 8) */
	int        unknown;      /* its prefix is unknown */
	int        has_close;
	int64_t    close_max;    /* epoch of the newest closing item */
	int64_t   *open;         /* epochs of open items newer than close_max */
	size_t     nopen;
	size_t     capopen;
};

struct classify {
	int64_t               now;
	int64_t               quiet_limit;
	struct slugrec      **tab;     /* open-addressing hash table */
	size_t                tabcap;  /* power of two */
	size_t                nrec;
	struct slugrec       *last;    /* record of the previous item, borrowed */
	struct reconcile_set *ce;      /* what currentevents says, NULL none */
	int64_t               ce_read_at; /* epoch of its last good read */
	struct classify_service *res;  /* result, sorted by slug */
	unsigned char        *res_desc;/* per result: what says resolved, RESOLVED_* */
	char                **res_closing; /* per result: its closing_title, owned */
	size_t                nres;
	int                   dirty;
};

static const struct {
	const char *text; /* lowercase, single spaces */
	status_aws  state;
} prefixes[] = {
	{ "service is operating normally", STATUS_AWS_NORMAL },
	{ "informational message", STATUS_AWS_INFORMATIONAL },
	{ "service impact", STATUS_AWS_INFORMATIONAL },
	{ "service degradation", STATUS_AWS_DEGRADED },
	{ "performance issues", STATUS_AWS_DEGRADED },
	{ "service disruption", STATUS_AWS_DISRUPTION },
};

/* Matches pattern at s with flexible blanks; returns the end of the match or NULL. */
static const char *
match_prefix(const char *s, const char *pat)
{
	while (*pat != '\0') {
		if (*pat == ' ') {
			if (!ascii_isspace(*s))
				return NULL;
			while (ascii_isspace(*s))
				s++;
			pat++;
			continue;
		}
		if (ascii_tolower(*s) != *pat)
			return NULL;
		s++;
		pat++;
	}
	while (ascii_isspace(*s))
		s++;
	if (*s == '\0')
		return s;
	if (*s == ':')
		return s + 1;
	if (strncmp(s, "\xEF\xBC\x9A", 3) == 0) /* U+FF1A full-width colon */
		return s + 3;
	return NULL;
}

/* Looks for "[RESOLVED]" (any case, blanks inside allowed) or "[解決済]" in s. */
static int
has_resolved_marker(const char *s)
{
	static const char ja[] = "\xE8\xA7\xA3\xE6\xB1\xBA\xE6\xB8\x88"; /* 解決済 */

	for (s = strchr(s, '['); s != NULL; s = strchr(s + 1, '[')) {
		const char *q = s + 1;
		int ok = 1;

		while (ascii_isspace(*q))
			q++;
		if (strncmp(q, ja, sizeof(ja) - 1) == 0) {
			q += sizeof(ja) - 1;
		} else {
			for (const char *w = "resolved"; *w != '\0'; w++, q++) {
				if (ascii_tolower(*q) != *w) {
					ok = 0;
					break;
				}
			}
		}
		if (!ok)
			continue;
		while (ascii_isspace(*q))
			q++;
		if (*q == ']')
			return 1;
	}
	return 0;
}

int
classify_title(const char *title, status_aws *state, int *resolved)
{
	const char *s = title != NULL ? title : "";
	const char *rest = NULL;

	while (ascii_isspace(*s))
		s++;
	*state = STATUS_AWS_INFORMATIONAL;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		rest = match_prefix(s, prefixes[i].text);
		if (rest != NULL) {
			*state = prefixes[i].state;
			break;
		}
	}
	*resolved = has_resolved_marker(rest != NULL ? rest : s);
	return rest != NULL ? 0 : -1;
}

/* Nonzero when s starts with the n lowercase bytes of w, ASCII case-insensitive. */
static int
prefix_ci(const char *s, const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0' || ascii_tolower(s[i]) != w[i])
			return 0;
	}
	return 1;
}

/* Rule 8: the sentence AWS closes events with, ASCII case-insensitive. */
static int
description_resolved(const char *d)
{
	static const char want[] =
	    "the issue has been resolved and the service is operating normally";
	size_t n = sizeof(want) - 1;

	for (const char *p = d; *p != '\0'; p++) {
		const char *t = strpbrk(p, "tT");

		if (t == NULL)
			return 0;
		p = t;
		if (prefix_ci(p, want, n))
			return 1;
	}
	return 0;
}

struct classify *
classify_new(int64_t now, int64_t quiet_limit)
{
	struct classify *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->now = now;
	c->quiet_limit = quiet_limit;
	c->tabcap = 64;
	c->tab = calloc(c->tabcap, sizeof(*c->tab));
	if (c->tab == NULL) {
		free(c);
		return NULL;
	}
	c->dirty = 1;
	return c;
}

/* Slot hash of a slug; the legacy seed keeps the table's layout as it was. */
static uint64_t
hash(const char *s)
{
	return hash_fnv1a64_str(HASH_SEED_LEGACY, s);
}

static cs_err
grow(struct classify *c)
{
	size_t cap = c->tabcap * 2;
	struct slugrec **t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < c->tabcap; i++) {
		size_t j;

		if (c->tab[i] == NULL)
			continue;
		j = hash(c->tab[i]->slug) & (cap - 1);
		while (t[j] != NULL)
			j = (j + 1) & (cap - 1);
		t[j] = c->tab[i];
	}
	free(c->tab);
	c->tab = t;
	c->tabcap = cap;
	return CS_OK;
}

/* Finds slug; with create, adds it. Returns NULL if absent or out of memory. */
static struct slugrec *
lookup(struct classify *c, const char *slug, int create)
{
	size_t j;
	struct slugrec *r;

	if (create && (c->nrec + 1) * 10 > c->tabcap * 7 && grow(c) != CS_OK)
		return NULL;
	j = hash(slug) & (c->tabcap - 1);
	while (c->tab[j] != NULL) {
		if (strcmp(c->tab[j]->slug, slug) == 0)
			return c->tab[j];
		j = (j + 1) & (c->tabcap - 1);
	}
	if (!create)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->slug = strdup(slug);
	if (r->slug == NULL) {
		free(r);
		return NULL;
	}
	c->tab[j] = r;
	c->nrec++;
	return r;
}

/* Replaces *dst with a copy of src. */
static cs_err
set_str(char **dst, const char *src)
{
	size_t n = strlen(src) + 1;
	char *d = realloc(*dst, n);

	if (d == NULL)
		return CS_ERR_NOMEM;
	memcpy(d, src, n);
	*dst = d;
	return CS_OK;
}

/* Restores the max-heap order below index i of r->open. */
static void
sift_down(struct slugrec *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		int64_t t;

		if (l < r->nopen && r->open[l] > r->open[m])
			m = l;
		if (l + 1 < r->nopen && r->open[l + 1] > r->open[m])
			m = l + 1;
		if (m == i)
			return;
		t = r->open[i];
		r->open[i] = r->open[m];
		r->open[m] = t;
		i = m;
	}
}

/*
 * Remembers an open item's epoch. r->open is a max-heap holding the
 * OPEN_MAX smallest epochs: when full, a smaller epoch replaces the largest.
 */
static cs_err
open_add(struct slugrec *r, int64_t e)
{
	size_t i;

	if (r->nopen == r->capopen) {
		size_t cap;
		int64_t *o;

		if (r->capopen >= OPEN_MAX) {
			if (e < r->open[0]) {
				r->open[0] = e;
				sift_down(r, 0);
			}
			return CS_OK;
		}
		cap = r->capopen == 0 ? 8 : r->capopen * 2;
		o = realloc(r->open, cap * sizeof(*o));
		if (o == NULL)
			return CS_ERR_NOMEM;
		r->open = o;
		r->capopen = cap;
	}
	i = r->nopen++;
	r->open[i] = e;
	while (i > 0 && r->open[(i - 1) / 2] < r->open[i]) {
		int64_t t = r->open[i];

		r->open[i] = r->open[(i - 1) / 2];
		r->open[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return CS_OK;
}

/* Drops the epochs not newer than upto, then rebuilds the heap. */
static void
open_prune(struct slugrec *r, int64_t upto)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nopen; i++) {
		if (r->open[i] > upto)
			r->open[k++] = r->open[i];
	}
	r->nopen = k;
	for (size_t i = k / 2; i-- > 0;)
		sift_down(r, i);
}

cs_err
classify_add(struct classify *c, const struct feed_item *item)
{
	struct slugrec *r;
	status_aws st;
	int res, known, closing, desc = 0;
	cs_err rc = CS_OK;

	if (item->slug == NULL || item->slug[0] == '\0' || item->epoch == 0)
		goto out;
	if (c->now != 0 && item->epoch > c->now)
		goto out;
	c->dirty = 1;
	/*
	 * A feed is one service-region's, so nearly every item has the slug of
	 * the one before: one strcmp instead of hashing and probing. Records
	 * never move (the table holds pointers), so last stays valid.
	 */
	if (c->last != NULL && strcmp(c->last->slug, item->slug) == 0)
		r = c->last;
	else
		r = lookup(c, item->slug, 1);
	if (r == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	c->last = r;
	/* Not newer than the newest closing item: it can change nothing. */
	if (r->has_close && item->epoch <= r->close_max)
		goto out;
	known = classify_title(item->title, &st, &res) == 0;
	closing = known && (st == STATUS_AWS_NORMAL || res);
	if (known && !closing && item->description != NULL &&
	    description_resolved(item->description)) {
		closing = 1;
		desc = 1;
	}
	if (closing) {
		r->has_close = 1;
		r->close_max = item->epoch;
		open_prune(r, item->epoch);
	} else {
		rc = open_add(r, item->epoch);
		if (rc != CS_OK)
			goto out;
	}
	if (r->have && (item->epoch < r->newest ||
	    (item->epoch == r->newest && (r->closing || !closing))))
		goto out;
	rc = set_str(&r->title, item->title != NULL ? item->title : "");
	if (rc != CS_OK)
		goto out;
	rc = set_str(&r->guid, item->guid != NULL ? item->guid : "");
	if (rc != CS_OK)
		goto out;
	r->have = 1;
	r->newest = item->epoch;
	r->state = st;
	r->closing = closing;
	r->resolved = res && known;
	r->desc_resolved = desc;
	r->unknown = !known;
out:
	return rc;
}

int
classify_item_cb(const struct feed_item *item, void *ctx)
{
	return classify_add(ctx, item) == CS_OK ? 0 : 1;
}

void
classify_set_currentevents(struct classify *c, struct reconcile_set *s, int64_t read_at)
{
	reconcile_set_free(c->ce);
	c->ce = s;
	c->ce_read_at = read_at;
	c->dirty = 1;
}

static int
cmp_rec(const void *a, const void *b)
{
	return strcmp((*(struct slugrec *const *)a)->slug,
	    (*(struct slugrec *const *)b)->slug);
}

/* "24 hours", "90 minutes", "75 seconds": the quiet limit in words. */
static void
say_duration(int64_t secs, char *buf, size_t len)
{
	long long n = secs;
	const char *unit = "second";

	if (secs % 3600 == 0) {
		n = secs / 3600;
		unit = "hour";
	} else if (secs % 60 == 0) {
		n = secs / 60;
		unit = "minute";
	}
	snprintf(buf, len, "%lld %s%s", n, unit, n == 1 ? "" : "s");
}

/* A formatted copy; NULL on no memory. */
static char *
dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
dup_printf(const char *fmt, ...)
{
	va_list ap;
	char *t;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	t = malloc((size_t)n + 1);
	if (t == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(t, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return t;
}

/*
 * The words for a close that AWS posted no RSS item for: the quiet limit
 * (rule 10) says that AWS went quiet, not that the service recovered;
 * currentevents' end_time is AWS's word, named as the dashboard's.
 * Owned; NULL on no memory.
 */
static char *
closing_text(const struct classify *c, const struct classify_service *s,
    const struct reconcile_event *e, int64_t rss_updated)
{
	char when[32], span[48];

	if (s->quiet_closed) {
		say_duration(c->quiet_limit, span, sizeof(span));
		return dup_printf("AWS has posted no update on %s for more than %s (the last was at "
		    "%s) and has not said the event is resolved; it is taken as over.", s->slug, span,
		    cstime_format_iso8601(rss_updated, when, sizeof(when)));
	}
	return dup_printf("The AWS Health Dashboard lists the event on %s as ended at %s: %s",
	    s->slug, cstime_format_iso8601(e->end_time, when, sizeof(when)), e->title);
}

/* The earliest update of r's open event (rule 11). */
static int64_t
event_start_of(const struct slugrec *r)
{
	int64_t start = r->newest;

	for (size_t k = 0; k < r->nopen; k++) {
		if (r->open[k] < start)
			start = r->open[k];
	}
	return start;
}

/*
 * One verdict: RSS record r (NULL: no item) and currentevents' event e
 * (NULL: none usable) as reconcile_decide() judged them (v). Sets *desc
 * (resolved by description) and *closing (owned text or NULL). Returns
 * CS_OK or CS_ERR_NOMEM.
 */
static cs_err
fill(const struct classify *c, const struct slugrec *r, const struct reconcile_event *e,
    const struct reconcile_verdict *v, struct classify_service *s, unsigned char *desc,
    char **closing)
{
	s->slug = r != NULL ? r->slug : e->slug;
	s->state = v->state;
	s->source = v->source;
	s->disagree = v->disagree;
	s->disagree_new = v->disagree != RECONCILE_AGREE &&
	    reconcile_seen_kind(c->ce, s->slug) != v->disagree;
	s->quiet_closed = v->quiet_closed;
	if (v->ce_text) {
		s->title = e->title;
		s->guid = e->guid;
		s->updated = e->updated;
	} else {
		s->title = r->title;
		s->guid = r->guid;
		s->updated = r->newest;
		s->unknown_prefix = r->unknown;
	}
	if (s->state != STATUS_AWS_NORMAL) {
		s->event_start = v->source == RECONCILE_CURRENTEVENTS ? e->start : event_start_of(r);
	} else if (v->ended) {
		s->resolved = 1;
		*desc = RESOLVED_END_TIME;
	} else if (r != NULL && r->closing) {
		s->resolved = r->resolved || r->desc_resolved;
		*desc = r->desc_resolved ? RESOLVED_DESCRIPTION : 0;
	}
	if (s->quiet_closed || v->ended) {
		*closing = closing_text(c, s, e, r != NULL ? r->newest : 0);
		if (*closing == NULL)
			return CS_ERR_NOMEM;
		s->closing_title = *closing;
	}
	return CS_OK;
}

static void
free_closing(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Builds the verdicts: the slugs with items and those currentevents
 * lists, both sorted by slug, merged. On no memory leaves the previous
 * result (or none).
 */
static void
compute(struct classify *c)
{
	struct slugrec **recs = NULL;
	struct classify_service *res = NULL;
	unsigned char *desc = NULL;
	char **closing = NULL;
	const struct reconcile_set *ce = c->ce;
	size_t n = 0, nce, m = 0, i = 0, k = 0;
	int known;

	if (!c->dirty)
		goto out;
	/* A document unread for longer than the quiet limit is no evidence. */
	if (ce != NULL && c->now != 0 && c->quiet_limit > 0 && c->now - c->ce_read_at > c->quiet_limit)
		ce = NULL;
	nce = ce != NULL ? ce->n : 0;
	known = ce != NULL && !ce->legacy;
	recs = malloc((c->nrec + 1) * sizeof(*recs));
	res = calloc(c->nrec + nce + 1, sizeof(*res));
	desc = calloc(c->nrec + nce + 1, 1);
	closing = calloc(c->nrec + nce + 1, sizeof(*closing));
	if (recs == NULL || res == NULL || desc == NULL || closing == NULL)
		goto out;
	for (size_t j = 0; j < c->tabcap; j++) {
		if (c->tab[j] != NULL && c->tab[j]->have)
			recs[n++] = c->tab[j];
	}
	qsort(recs, n, sizeof(*recs), cmp_rec);
	while (i < n || k < nce) {
		int cmp = i < n && k < nce ? strcmp(recs[i]->slug, ce->ev[k].slug) : i < n ? -1 : 1;
		const struct slugrec *r = cmp <= 0 ? recs[i++] : NULL;
		const struct reconcile_event *e = cmp >= 0 ? &ce->ev[k++] : NULL;
		struct reconcile_rss rss = { 0, 0, STATUS_AWS_NORMAL, 0 };
		struct reconcile_verdict v;

		if (r != NULL) {
			rss.have = 1;
			rss.open = !r->closing;
			rss.state = r->state;
			rss.updated = r->newest;
		}
		reconcile_decide(&rss, e, known, c->now, c->quiet_limit, &v);
		if (!v.listed)
			continue;
		if (fill(c, r, e, &v, &res[m], &desc[m], &closing[m]) != CS_OK) {
			m++;
			goto out;
		}
		m++;
	}
	free(c->res);
	free(c->res_desc);
	free_closing(c->res_closing, c->nres);
	c->res = res;
	c->res_desc = desc;
	c->res_closing = closing;
	c->nres = m;
	res = NULL;
	desc = NULL;
	closing = NULL;
	c->dirty = 0;
out:
	free(recs);
	free(res);
	free(desc);
	free_closing(closing, m);
}

const struct classify_service *
classify_result(struct classify *c, size_t *n)
{
	compute(c);
	*n = c->nres;
	return c->res;
}

static int
cmp_find(const void *key, const void *elem)
{
	return strcmp(key, ((const struct classify_service *)elem)->slug);
}

const struct classify_service *
classify_find(struct classify *c, const char *slug)
{
	compute(c);
	if (c->nres == 0)
		return NULL;
	return bsearch(slug, c->res, c->nres, sizeof(*c->res), cmp_find);
}

/* Prints s with control bytes as spaces, so a dump line stays one line. */
static void
put_clean(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

void
classify_dump(struct classify *c, FILE *fp)
{
	compute(c);
	for (size_t i = 0; i < c->nres; i++) {
		const struct classify_service *s = &c->res[i];
		char up[32], st[32];

		cstime_format_iso8601(s->updated, up, sizeof(up));
		if (s->event_start != 0)
			cstime_format_iso8601(s->event_start, st, sizeof(st));
		else
			memcpy(st, "-", 2);
		fprintf(fp, "%s state=%s updated=%s event_start=%s resolved=%s "
		    "quiet_closed=%d unknown_prefix=%d ",
		    s->slug, status_aws_name(s->state), up, st,
		    !s->resolved ? "no" : c->res_desc[i] == RESOLVED_DESCRIPTION ? "description" :
		    c->res_desc[i] == RESOLVED_END_TIME ? "currentevents" : "title",
		    s->quiet_closed, s->unknown_prefix);
		/* Only when currentevents counted: the dumps of RSS alone stay as they were. */
		if (s->source != RECONCILE_RSS || s->disagree != RECONCILE_AGREE)
			fprintf(fp, "source=%s disagreement=%s ", reconcile_source_name(s->source),
			    reconcile_disagree_name(s->disagree));
		fputs("guid=", fp);
		put_clean(fp, s->guid);
		fputs(" title=", fp);
		put_clean(fp, s->title);
		fputc('\n', fp);
	}
}

void
classify_free(struct classify *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->tabcap; i++) {
		struct slugrec *r = c->tab[i];

		if (r == NULL)
			continue;
		free(r->slug);
		free(r->title);
		free(r->guid);
		free(r->open);
		free(r);
	}
	free(c->tab);
	reconcile_set_free(c->ce);
	free(c->res);
	free(c->res_desc);
	free_closing(c->res_closing, c->nres);
	free(c);
}
