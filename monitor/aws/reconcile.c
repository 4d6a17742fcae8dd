/* reconcile.c: currentevents folded per service-region, and the rule that joins it with the RSS feed. */
#include "aws/reconcile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/reconcile_priv.h"

/*
 * The rule, per slug. "RSS open" means the newest item (classify.c rules
 * 1-9) is open; "currentevents open" means an open event (no end_time,
 * status not "0") lists the slug with a "current" state above "0";
 * "ended" that no open event does and an event with end_time lists it.
 * A document counts while it was read within the quiet limit (classify.c);
 * an older one is as if there were none.
 *
 * | # | RSS                         | currentevents       | verdict                                  | source        | disagreement      |
 * |---|-----------------------------|---------------------|------------------------------------------|---------------|-------------------|
 * | A | open                        | open                | the worse state, its text (RSS on a tie);| both          | none              |
 * |   |                             |                     | never closed by the quiet limit          |               |                   |
 * | B | open, newest item not newer | ended               | normal, resolved, the end's text         | currentevents | currentevents_ended |
 * |   | than end_time               |                     |                                          |               |                   |
 * | C | open, newer than end_time   | ended               | as RSS says (the quiet limit applies)    | rss           | currentevents_ended |
 * | D | open                        | not listed open     | as RSS says (the quiet limit applies)    | rss           | rss_only          |
 * | E | closing item not older than | open                | normal, as RSS says                      | rss           | currentevents_only |
 * |   | the event's newest update   |                     |                                          |               |                   |
 * | F | no item, or an older        | open                | the event's state and text               | currentevents | currentevents_only |
 * |   | closing item                |                     |                                          |               |                   |
 * | G | no item                     | ended               | normal, resolved, the end's text         | currentevents | none              |
 * | H | anything else               |                     | as RSS says                              | rss           | none              |
 *
 * An RSS event closed by the quiet limit (C, D) is no disagreement: neither
 * document shows it open any more. Without a document (none read, or only
 * the old stored form) D is no disagreement either: silence is no evidence.
 * The old stored form knew only which slugs were open: such a slug keeps
 * the quiet limit off (A) and does nothing else.
 *
 * Why. currentevents is the dashboard's own list: an event it lists open
 * is open even when the service's RSS feed is empty or late (F), and its
 * end_time is AWS saying the event is over, which many RSS events never
 * say (B). But the two are fetched apart and either can be older: an RSS
 * item newer than what the document says of the event is the fresher word
 * (C, E), and at equal times a closing word wins, as in classify.c rule 2.
 * G gives an incident that currentevents alone opened (F) the end's text.
 */

/* The wire names, in enum order. */
static const char *const source_names[] = { "rss", "currentevents", "both" };
static const char *const disagree_names[] = {
	"none", "currentevents_only", "rss_only", "currentevents_ended"
};
static const char *const disagree_texts[] = {
	"the RSS feed and currentevents agree",
	"currentevents lists an open event that the RSS feed does not show",
	"the RSS feed shows an open event that currentevents does not list",
	"currentevents says the event ended while the RSS feed still shows it open",
};

/* One slug seen in one event, while folding. */
struct pair {
	const char                       *slug;
	const struct currentevents_event *ev;
	status_aws                        state; /* the event's status, or the impacted "current" */
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return strcmp(x->slug, y->slug);
}

int
reconcile_cmp_event(const void *a, const void *b)
{
	return strcmp(((const struct reconcile_event *)a)->slug,
	    ((const struct reconcile_event *)b)->slug);
}

int
reconcile_cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct reconcile_seen *)a)->slug,
	    ((const struct reconcile_seen *)b)->slug);
}

static int
ev_open(const struct currentevents_event *ev)
{
	return ev->end_time == 0 && ev->status != STATUS_AWS_NORMAL;
}

void
reconcile_event_clear(struct reconcile_event *e)
{
	free(e->slug);
	free(e->title);
	free(e->guid);
}

void
reconcile_set_free(struct reconcile_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		reconcile_event_clear(&s->ev[i]);
	free(s->ev);
	for (size_t i = 0; i < s->nseen; i++)
		free(s->seen[i].slug);
	free(s->seen);
	free(s);
}

/* "currentevents:<arn>:<slug>[:end]"; an event without an arn is named by its service and date. */
static char *
make_guid(const struct currentevents_event *ev, const char *slug, int end)
{
	char date[32];
	const char *id = ev->arn != NULL && ev->arn[0] != '\0' ? ev->arn : NULL;
	size_t n;
	char *g;

	snprintf(date, sizeof(date), "_%" PRId64, ev->date);
	n = strlen("currentevents:") + (id != NULL ? strlen(id) : strlen(ev->service) + strlen(date)) +
	    1 + strlen(slug) + (end ? 4 : 0) + 1;
	g = malloc(n);
	if (g == NULL)
		return NULL;
	snprintf(g, n, "currentevents:%s%s:%s%s", id != NULL ? id : ev->service, id != NULL ? "" : date,
	    slug, end ? ":end" : "");
	return g;
}

/* Fills e from the pairs p[0..n) of one slug; returns 0 when the slug is neither open nor ended. */
static int
fold_slug(const struct pair *p, size_t n, struct reconcile_event *e, int *nomem)
{
	const struct pair *best = NULL;
	int64_t start = 0;

	/* Open: the worst current state decides, then the newest update. */
	for (size_t i = 0; i < n; i++) {
		if (!ev_open(p[i].ev) || p[i].state == STATUS_AWS_NORMAL)
			continue;
		if (start == 0 || p[i].ev->date < start)
			start = p[i].ev->date;
		if (best == NULL || p[i].state > best->state ||
		    (p[i].state == best->state && p[i].ev->updated > best->ev->updated))
			best = &p[i];
	}
	if (best != NULL) {
		e->open = 1;
		e->state = best->state;
		e->start = start;
		e->updated = best->ev->updated;
		e->end_time = 0;
	} else {
		/* Ended: the latest end. */
		for (size_t i = 0; i < n; i++) {
			if (p[i].ev->end_time != 0 &&
			    (best == NULL || p[i].ev->end_time > best->ev->end_time))
				best = &p[i];
		}
		if (best == NULL)
			return 0;
		e->open = 0;
		e->state = STATUS_AWS_NORMAL;
		e->start = best->ev->date;
		e->updated = best->ev->end_time;
		e->end_time = best->ev->end_time;
	}
	e->slug = strdup(p[0].slug);
	e->title = strdup(best->ev->summary != NULL ? best->ev->summary : "");
	e->guid = make_guid(best->ev, p[0].slug, !e->open);
	if (e->slug == NULL || e->title == NULL || e->guid == NULL)
		*nomem = 1;
	return 1;
}

cs_err
reconcile_from_currentevents(const struct currentevents *ce, struct reconcile_set **out)
{
	struct reconcile_set *s = NULL;
	struct pair *p = NULL;
	size_t np = 0, total = 0;
	int nomem = 0;

	*out = NULL;
	for (size_t i = 0; i < ce->nevents; i++)
		total += 1 + ce->events[i].nimpacted;
	s = calloc(1, sizeof(*s));
	p = calloc(total + 1, sizeof(*p));
	if (s == NULL || p == NULL)
		goto nomem;
	for (size_t i = 0; i < ce->nevents; i++) {
		const struct currentevents_event *ev = &ce->events[i];

		p[np++] = (struct pair){ ev->service, ev, ev->status };
		for (size_t k = 0; k < ev->nimpacted; k++)
			p[np++] = (struct pair){ ev->impacted[k].slug, ev, ev->impacted[k].current };
	}
	qsort(p, np, sizeof(*p), cmp_pair);
	s->ev = calloc(np + 1, sizeof(*s->ev));
	if (s->ev == NULL)
		goto nomem;
	for (size_t i = 0, j; i < np; i = j) {
		for (j = i + 1; j < np && strcmp(p[j].slug, p[i].slug) == 0; j++)
			;
		if (fold_slug(&p[i], j - i, &s->ev[s->n], &nomem))
			s->n++;
		if (nomem)
			goto nomem;
	}
	free(p);
	*out = s;
	return CS_OK;
nomem:
	free(p);
	reconcile_set_free(s);
	return CS_ERR_NOMEM;
}

/* Copies e into d (owned strings). */
static int
event_copy(struct reconcile_event *d, const struct reconcile_event *e)
{
	*d = *e;
	d->slug = strdup(e->slug);
	d->title = strdup(e->title != NULL ? e->title : "");
	d->guid = strdup(e->guid != NULL ? e->guid : "");
	if (d->slug == NULL || d->title == NULL || d->guid == NULL) {
		reconcile_event_clear(d);
		return -1;
	}
	return 0;
}

cs_err
reconcile_keep_ended(struct reconcile_set *s, const struct reconcile_set *prev, int64_t now,
    int64_t keep)
{
	struct reconcile_event *v;
	size_t n = s->n;

	if (prev == NULL || prev->n == 0)
		return CS_OK;
	v = calloc(s->n + prev->n + 1, sizeof(*v));
	if (v == NULL)
		return CS_ERR_NOMEM;
	memcpy(v, s->ev, s->n * sizeof(*v));
	for (size_t i = 0; i < prev->n; i++) {
		const struct reconcile_event *e = &prev->ev[i];

		if (e->open || e->end_time == 0 || now - e->end_time > keep ||
		    reconcile_find(s, e->slug) != NULL)
			continue;
		if (event_copy(&v[n], e) != 0) {
			for (size_t k = s->n; k < n; k++)
				reconcile_event_clear(&v[k]);
			free(v);
			return CS_ERR_NOMEM;
		}
		n++;
	}
	qsort(v, n, sizeof(*v), reconcile_cmp_event);
	free(s->ev);
	s->ev = v;
	s->n = n;
	return CS_OK;
}

cs_err
reconcile_filter(const struct reconcile_set *s, int (*keep)(const char *slug, const void *ctx),
    const void *ctx, struct reconcile_set **out)
{
	struct reconcile_set *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (f == NULL)
		return CS_ERR_NOMEM;
	f->legacy = s->legacy;
	f->ev = calloc(s->n + 1, sizeof(*f->ev));
	f->seen = calloc(s->nseen + 1, sizeof(*f->seen));
	if (f->ev == NULL || f->seen == NULL)
		goto nomem;
	for (size_t i = 0; i < s->n; i++) {
		if (!keep(s->ev[i].slug, ctx))
			continue;
		if (event_copy(&f->ev[f->n], &s->ev[i]) != 0)
			goto nomem;
		f->n++;
	}
	for (size_t i = 0; i < s->nseen; i++) {
		if (!keep(s->seen[i].slug, ctx))
			continue;
		f->seen[f->nseen].kind = s->seen[i].kind;
		f->seen[f->nseen].slug = strdup(s->seen[i].slug);
		if (f->seen[f->nseen].slug == NULL)
			goto nomem;
		f->nseen++;
	}
	*out = f;
	return CS_OK;
nomem:
	reconcile_set_free(f);
	return CS_ERR_NOMEM;
}

cs_err
reconcile_set_seen(struct reconcile_set *s, const struct reconcile_seen *v, size_t n)
{
	struct reconcile_seen *w = calloc(n + 1, sizeof(*w));

	if (w == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		w[i].kind = v[i].kind;
		w[i].slug = strdup(v[i].slug);
		if (w[i].slug == NULL) {
			for (size_t k = 0; k < i; k++)
				free(w[k].slug);
			free(w);
			return CS_ERR_NOMEM;
		}
	}
	qsort(w, n, sizeof(*w), reconcile_cmp_seen);
	for (size_t i = 0; i < s->nseen; i++)
		free(s->seen[i].slug);
	free(s->seen);
	s->seen = w;
	s->nseen = n;
	return CS_OK;
}

static int
cmp_key_event(const void *key, const void *elem)
{
	return strcmp(key, ((const struct reconcile_event *)elem)->slug);
}

static int
cmp_key_seen(const void *key, const void *elem)
{
	return strcmp(key, ((const struct reconcile_seen *)elem)->slug);
}

const struct reconcile_event *
reconcile_find(const struct reconcile_set *s, const char *slug)
{
	if (s == NULL || s->n == 0)
		return NULL;
	return bsearch(slug, s->ev, s->n, sizeof(*s->ev), cmp_key_event);
}

enum reconcile_disagree
reconcile_seen_kind(const struct reconcile_set *s, const char *slug)
{
	const struct reconcile_seen *k;

	if (s == NULL || s->nseen == 0)
		return RECONCILE_AGREE;
	k = bsearch(slug, s->seen, s->nseen, sizeof(*s->seen), cmp_key_seen);
	return k != NULL ? k->kind : RECONCILE_AGREE;
}

void
reconcile_decide(const struct reconcile_rss *rss, const struct reconcile_event *ce, int known,
    int64_t now, int64_t quiet_limit, struct reconcile_verdict *out)
{
	int rss_open = rss->have && rss->open;
	int quiet = rss_open && now != 0 && quiet_limit > 0 && now - rss->updated > quiet_limit;
	int ce_open = ce != NULL && ce->open;
	int ce_state = ce_open && ce->state != STATUS_AWS_UNKNOWN && ce->state != STATUS_AWS_NORMAL;
	int ce_ended = ce != NULL && !ce->open && ce->end_time != 0;

	memset(out, 0, sizeof(*out));
	out->listed = rss->have;
	out->state = rss_open ? rss->state : STATUS_AWS_NORMAL;
	out->source = RECONCILE_RSS;
	out->disagree = RECONCILE_AGREE;
	if (rss_open && ce_open) { /* A */
		if (ce_state) {
			out->source = RECONCILE_BOTH;
			if (ce->state > rss->state) {
				out->state = ce->state;
				out->ce_text = 1;
			}
		}
		return;
	}
	if (rss_open && ce_ended && rss->updated <= ce->end_time) { /* B */
		out->state = STATUS_AWS_NORMAL;
		out->source = RECONCILE_CURRENTEVENTS;
		out->ce_text = 1;
		out->ended = 1;
		out->disagree = RECONCILE_CE_ENDED;
		return;
	}
	if (rss_open) { /* C, D */
		if (quiet) {
			out->state = STATUS_AWS_NORMAL;
			out->quiet_closed = 1;
		} else if (ce_ended) {
			out->disagree = RECONCILE_CE_ENDED;
		} else if (known) {
			out->disagree = RECONCILE_RSS_ONLY;
		}
		return;
	}
	if (ce_state) { /* E, F */
		out->disagree = RECONCILE_CE_ONLY;
		if (rss->have && rss->updated >= ce->updated)
			return;
		out->listed = 1;
		out->state = ce->state;
		out->source = RECONCILE_CURRENTEVENTS;
		out->ce_text = 1;
		return;
	}
	if (ce_ended && !rss->have) { /* G */
		out->listed = 1;
		out->source = RECONCILE_CURRENTEVENTS;
		out->ce_text = 1;
		out->ended = 1;
	}
}

const char *
reconcile_source_name(enum reconcile_source s)
{
	return (unsigned)s < sizeof(source_names) / sizeof(source_names[0]) ? source_names[s] : "rss";
}

const char *
reconcile_disagree_name(enum reconcile_disagree d)
{
	return (unsigned)d < sizeof(disagree_names) / sizeof(disagree_names[0]) ? disagree_names[d] :
	    "none";
}

const char *
reconcile_disagree_text(enum reconcile_disagree d)
{
	return (unsigned)d < sizeof(disagree_texts) / sizeof(disagree_texts[0]) ? disagree_texts[d] :
	    disagree_texts[0];
}

int
reconcile_source_parse(const char *name, enum reconcile_source *out)
{
	for (size_t i = 0; i < sizeof(source_names) / sizeof(source_names[0]); i++) {
		if (strcmp(name, source_names[i]) == 0) {
			*out = (enum reconcile_source)i;
			return 0;
		}
	}
	return -1;
}

int
reconcile_disagree_parse(const char *name, enum reconcile_disagree *out)
{
	for (size_t i = 0; i < sizeof(disagree_names) / sizeof(disagree_names[0]); i++) {
		if (strcmp(name, disagree_names[i]) == 0) {
			*out = (enum reconcile_disagree)i;
			return 0;
		}
	}
	return -1;
}
