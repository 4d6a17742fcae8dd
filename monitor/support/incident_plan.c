/* incident_plan.c: building an incident plan (working incidents, their actions), dump, free. */
#include "support/incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/feed_text.h"
#include "base/cstime.h"
#include "base/strbuf.h"
#include "support/incident_priv.h"

/* Longest incident title we build; the item title is cut at a character boundary. */
#define TITLE_MAX 512

static void
cause_clear(struct incident_action_cause *c)
{
	free(c->slug);
	free(c->guid);
	free(c->title);
	memset(c, 0, sizeof(*c));
}

static int
cause_copy(struct incident_action_cause *dst, const char *slug, status_aws state,
    const char *guid, const char *title, int64_t time, int open)
{
	memset(dst, 0, sizeof(*dst));
	dst->slug = strdup(slug);
	dst->guid = strdup(guid != NULL ? guid : "");
	dst->title = strdup(title != NULL ? title : "");
	dst->state = state;
	dst->time = time;
	dst->open = open;
	if (dst->slug == NULL || dst->guid == NULL || dst->title == NULL) {
		cause_clear(dst);
		return -1;
	}
	return 0;
}

static void
action_clear(struct incident_action *a)
{
	free(a->title);
	free(a->body);
	free(a->source_guid);
	for (size_t i = 0; i < a->ncauses; i++)
		cause_clear(&a->causes[i]);
	free(a->causes);
	free(a->components);
	memset(a, 0, sizeof(*a));
}

void
incident_plan_free(struct incident_plan *plan)
{
	if (plan == NULL)
		return;
	for (size_t i = 0; i < plan->nactions; i++)
		action_clear(&plan->actions[i]);
	free(plan->actions);
	free(plan);
}

/* Appends a zeroed action; NULL on no memory. */
static struct incident_action *
plan_push(struct incident_plan *plan)
{
	struct incident_action *n;

	n = realloc(plan->actions, (plan->nactions + 1) * sizeof(*n));
	if (n == NULL)
		return NULL;
	plan->actions = n;
	memset(&n[plan->nactions], 0, sizeof(*n));
	return &n[plan->nactions++];
}

/* The cause of w for feed slug, or NULL. */
struct incident_action_cause *
incident_work_cause(struct work *w, const char *slug)
{
	for (size_t i = 0; i < w->ncauses; i++)
		if (strcmp(w->causes[i].slug, slug) == 0)
			return &w->causes[i];
	return NULL;
}

/* Adds (or replaces) a cause in the work incident. */
int
incident_work_set_cause(struct work *w, const char *slug, status_aws state, const char *guid,
    const char *title, int64_t time, int open)
{
	struct incident_action_cause *c = incident_work_cause(w, slug), *n;

	if (c == NULL) {
		n = realloc(w->causes, (w->ncauses + 1) * sizeof(*n));
		if (n == NULL)
			return -1;
		w->causes = n;
		c = &n[w->ncauses++];
		memset(c, 0, sizeof(*c));
	} else {
		cause_clear(c);
	}
	if (cause_copy(c, slug, state, guid, title, time, open) != 0)
		return -1;
	c->changed = 1;
	return 0;
}

void
incident_work_note(struct work *w, incident_action_kind kind, incident_status st)
{
	w->touched = 1;
	w->status = st;
	if (kind == INCIDENT_ACT_OPEN)
		w->opened = 1;
	else if (kind == INCIDENT_ACT_REOPEN)
		w->reopened = 1;
	else if (kind == INCIDENT_ACT_RESOLVE)
		w->resolved = 1;
}

/*
 * The incident's components now: every component hit by one of its open
 * causes with the mapper's status, and every component it listed before
 * that is no longer hit, as operational. Configuration order.
 */
static cs_err
work_components(const struct work *w, const struct mapper_result *map,
    struct incident_component **out, size_t *nout)
{
	struct incident_component *v = calloc(map->ncomponents ? map->ncomponents : 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < map->ncomponents; i++) {
		const struct mapper_component *mc = &map->components[i];
		int hit = 0, before = 0;

		for (size_t k = 0; k < mc->ncauses && !hit; k++) {
			const struct incident_action_cause *c = NULL;

			for (size_t j = 0; j < w->ncauses; j++)
				if (strcmp(w->causes[j].slug, mc->causes[k].slug) == 0)
					c = &w->causes[j];
			hit = c != NULL && c->open && mc->causes[k].aws_state != STATUS_AWS_NORMAL;
		}
		for (size_t j = 0; j < w->nprev && !before; j++)
			before = strcmp(w->prev[j].id, mc->cfg->id) == 0;
		if (!hit && !before)
			continue;
		v[n].id = mc->cfg->id;
		v[n].status = hit ? mc->status : STATUS_OPERATIONAL;
		n++;
	}
	*out = v;
	*nout = n;
	return CS_OK;
}

/* Builds the title of a new incident: "<first component> [and N more]: <item title>". */
static char *
make_title(const struct incident_component *comps, size_t n, const struct config *cfg,
    const char *item_title)
{
	char more[48] = "";
	const char *name = "AWS";
	struct strbuf b = { 0 };
	char *t;
	size_t len;

	for (size_t i = 0; i < n; i++) {
		const struct config_component *cc = config_find_component(cfg, comps[i].id);

		if (cc != NULL && comps[i].status != STATUS_OPERATIONAL) {
			name = cc->name;
			break;
		}
	}
	if (n > 1)
		snprintf(more, sizeof(more), " and %zu more", n - 1);
	strbuf_printf(&b, "%s%s: %s", name, more, item_title);
	t = strbuf_take(&b);
	len = t != NULL ? strlen(t) : 0;
	if (len >= TITLE_MAX) {
		/* Cut before the character that would cross the limit, never inside one. */
		len = TITLE_MAX - 1;
		while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
			len--;
		t[len] = '\0';
	}
	return t;
}

/* The status of component id in the incident's last update; operational if it was not listed. */
static status_component
prev_status(const struct work *w, const char *id)
{
	for (size_t j = 0; j < w->nprev; j++)
		if (strcmp(w->prev[j].id, id) == 0)
			return w->prev[j].status;
	return STATUS_OPERATIONAL;
}

/*
 * What changed for the components, in one line: on opening, every
 * component hit and how badly; later, each component whose status moved,
 * then those operational again. Returns whether anything changed.
 */
static int
text_components(struct strbuf *t, const struct work *w, const struct config *cfg,
    const struct incident_component *comps, size_t n)
{
	size_t said = 0, back = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct config_component *cc = config_find_component(cfg, comps[i].id);
			const char *name = cc != NULL ? cc->name : comps[i].id;
			status_component was = prev_status(w, comps[i].id), now = comps[i].status;

			if ((now == was && !w->opened) || (pass == 0) != (now != STATUS_OPERATIONAL))
				continue;
			if (pass == 1) {
				strbuf_printf(t, "%s%s", back++ == 0 ? (said > 0 ? " Operational again: " :
				    "Operational again: ") : ", ", name);
				continue;
			}
			strbuf_printf(t, "%s%s", said++ == 0 ? (w->opened ? "Affected: " : "Now: ") : "; ", name);
			if (w->opened || was == STATUS_OPERATIONAL)
				strbuf_printf(t, " (%s)", status_component_label(now));
			else
				strbuf_printf(t, " (%s, was %s)", status_component_label(now),
				    status_component_label(was));
		}
		if (pass == 0 && said > 0)
			strbuf_printf(t, ".");
	}
	if (back > 0)
		strbuf_printf(t, ".");
	return said + back > 0;
}

/* The item of guid among the judged items (sorted by guid), or NULL. */
static const struct feed_item *
find_item(const struct incident_input *in, const char *guid)
{
	size_t lo = 0, hi = in->nitems;

	while (guid != NULL && guid[0] != '\0' && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(guid, in->items[mid]->guid);

		if (c == 0)
			return in->items[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Whether the view of w already mirrored an AWS update with this title and time (on any feed). */
static int
seen_before(const struct work *w, const struct incident_action_cause *c)
{
	for (size_t k = 0; w->v != NULL && k < w->v->ncauses; k++) {
		const struct incident_cause *o = &w->v->causes[k];

		if (o->time == c->time && strcmp(o->title, c->title) == 0)
			return 1;
	}
	return 0;
}

/*
 * Whether c's title is our own words, not an AWS text: a close with no
 * AWS item (guid ""), or currentevents' end of an event, whose guid
 * reconcile.c writes "currentevents:...:end" and whose title says in our
 * words what the Health Dashboard lists.
 */
static int
own_words(const struct incident_action_cause *c)
{
	size_t n = strlen(c->guid);

	return n == 0 || (strncmp(c->guid, "currentevents:", 14) == 0 && n > 4 &&
	    strcmp(c->guid + n - 4, ":end") == 0);
}

/* At most this many groups of AWS text are quoted in one update; the rest are counted. */
#define TEXT_GROUPS_MAX 4
/* At most this many feed names are listed for one text; the rest are counted. */
#define TEXT_NAMES_MAX 3

/*
 * What AWS posted, once per distinct update: the changed causes with the
 * same title and time (one AWS post copied on several feeds, as AWS does
 * for a multi-service event) are one paragraph naming every feed, then the
 * title and the description as plain text. A text this incident already
 * mirrored from another feed is not repeated. Returns how many paragraphs.
 */
static size_t
text_aws(struct strbuf *t, const struct work *w, const struct incident_input *in)
{
	unsigned char *done = calloc(w->ncauses + 1, 1);
	size_t groups = 0, more = 0;

	if (done == NULL) {
		t->oom = 1;
		return 0;
	}
	for (size_t i = 0; i < w->ncauses; i++) {
		const struct incident_action_cause *c = &w->causes[i];
		const struct feed_item *it;
		size_t names = 0, extra = 0;
		char when[32];

		if (!c->changed || done[i])
			continue;
		for (size_t k = i; k < w->ncauses; k++) {
			const struct incident_action_cause *o = &w->causes[k];

			if (!o->changed || done[k] || o->time != c->time || strcmp(o->title, c->title) != 0 ||
			    own_words(o) != own_words(c))
				continue;
			done[k] = 1;
			if (groups >= TEXT_GROUPS_MAX || seen_before(w, c))
				continue;
			if (names < TEXT_NAMES_MAX)
				strbuf_printf(t, "%s%s", names == 0 ? (groups > 0 ? "\n" : "") : ", ",
				    config_feed_name(in->cfg, o->slug));
			else
				extra++;
			names++;
		}
		if (names == 0) {
			more += groups >= TEXT_GROUPS_MAX && !seen_before(w, c);
			continue;
		}
		if (extra > 0)
			strbuf_printf(t, " and %zu more", extra);
		groups++;
		if (own_words(c)) {
			/* No AWS item: our own words for what AWS did (closing_item()). */
			strbuf_printf(t, ": %s", c->title);
			continue;
		}
		cstime_format_iso8601(c->time, when, sizeof(when));
		when[10] = ' ';
		when[16] = '\0';
		strbuf_printf(t, ", %s UTC, AWS posted: \"%s\"", when, c->title);
		it = find_item(in, c->guid);
		if (it != NULL && it->description != NULL) {
			char *plain = feed_text_plain(it->description, FEED_TEXT_MAX);

			if (plain == NULL)
				t->oom = 1;
			else if (plain[0] != '\0')
				strbuf_printf(t, "\n%s", plain);
			free(plain);
		}
	}
	if (more > 0)
		strbuf_printf(t, "\nAWS posted %zu more update%s on other services.", more, more > 1 ? "s" : "");
	free(done);
	return groups;
}

/* Copies every changed cause of w into a. */
static cs_err
copy_changed(struct incident_action *a, const struct work *w)
{
	a->causes = calloc(w->ncauses + 1, sizeof(*a->causes));
	if (a->causes == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < w->ncauses; i++) {
		const struct incident_action_cause *c = &w->causes[i];

		if (!c->changed)
			continue;
		if (cause_copy(&a->causes[a->ncauses], c->slug, c->state, c->guid, c->title, c->time,
		    c->open) != 0)
			return CS_ERR_NOMEM;
		a->ncauses++;
		if (c->time >= a->source_time && c->guid[0] != '\0') {
			free(a->source_guid);
			a->source_guid = strdup(c->guid);
			if (a->source_guid == NULL)
				return CS_ERR_NOMEM;
			a->source_time = c->time;
		}
	}
	return CS_OK;
}

/*
 * The one action of a touched incident. Its kind is what happened to it
 * (opened, re-opened, resolved, else updated); its body says what changed
 * for the components, then what AWS posted; it is posted unless it would
 * say nothing new (an AWS text already mirrored from another feed, no
 * component moving: readers would see the same update twice).
 */
cs_err
incident_work_finish(struct incident_plan *plan, struct work *w, const struct incident_input *in)
{
	struct incident_component *comps = NULL;
	struct incident_action *a;
	struct strbuf t = { 0 };
	const struct incident_action_cause *first = NULL;
	size_t n = 0, groups;
	int moved;
	unsigned share = 0;
	status_component worst = STATUS_OPERATIONAL;
	priority p;
	cs_err rc;

	if (!w->touched)
		return CS_OK;
	rc = work_components(w, in->map, &comps, &n);
	if (rc != CS_OK)
		return rc;
	p = incident_suggest(in->cfg, comps, n, &share, &worst);
	w->suggested = incident_priority_max(w->suggested, p);
	a = plan_push(plan);
	if (a == NULL) {
		free(comps);
		return CS_ERR_NOMEM;
	}
	a->kind = w->opened ? INCIDENT_ACT_OPEN : w->reopened ? INCIDENT_ACT_REOPEN :
	    w->resolved && !w->open ? INCIDENT_ACT_RESOLVE : INCIDENT_ACT_UPDATE;
	a->incident_id = w->id;
	a->status = a->kind == INCIDENT_ACT_OPEN || a->kind == INCIDENT_ACT_REOPEN ?
	    INCIDENT_INVESTIGATING : w->status;
	a->public = !w->not_affected;
	a->components = comps;
	a->ncomponents = n;
	a->share_bp = share;
	a->worst = worst;
	a->suggested = w->suggested;
	a->source_guid = strdup("");
	if (a->source_guid == NULL || copy_changed(a, w) != CS_OK)
		return CS_ERR_NOMEM;
	moved = text_components(&t, w, in->cfg, comps, n);
	if (moved)
		strbuf_printf(&t, "\n");
	groups = text_aws(&t, w, in);
	if (w->note != NULL)
		strbuf_printf(&t, "%s%s", t.len > 0 ? "\n" : "", w->note);
	while (t.len > 0 && t.s[t.len - 1] == '\n')
		t.s[--t.len] = '\0';
	a->body = strbuf_take(&t);
	if (a->body == NULL)
		goto nomem;
	a->post = a->kind != INCIDENT_ACT_UPDATE || moved || groups > 0 || w->note != NULL;
	if (a->kind == INCIDENT_ACT_OPEN) {
		/* Named after the oldest AWS item behind it: what AWS posted first. */
		for (size_t i = 0; i < a->ncauses; i++)
			if (first == NULL || a->causes[i].time < first->time)
				first = &a->causes[i];
		a->title = make_title(comps, n, in->cfg, first != NULL ? first->title : "");
		if (a->title == NULL)
			goto nomem;
	}
	return CS_OK;
nomem:
	free(t.s);
	return CS_ERR_NOMEM;
}

/* Frees the work array. */
void
incident_works_free(struct work *w, size_t n)
{
	for (size_t i = 0; w != NULL && i < n; i++) {
		for (size_t k = 0; k < w[i].ncauses; k++)
			cause_clear(&w[i].causes[k]);
		free(w[i].causes);
	}
	free(w);
}

void
incident_plan_dump(const struct incident_plan *plan, FILE *fp)
{
	static const char *const kinds[] = { "open", "update", "resolve", "reopen" };
	char when[32];

	for (size_t i = 0; i < plan->nactions; i++) {
		const struct incident_action *a = &plan->actions[i];

		fprintf(fp, "%s\tincident=%lld\tstatus=%s\tpublic=%d\tpost=%d\tpriority=%s\t"
		    "share_bp=%u\tworst=%s\tat=%s\n", kinds[a->kind], (long long)a->incident_id,
		    incident_status_name(a->status), a->public, a->post, priority_name(a->suggested),
		    a->share_bp, status_component_name(a->worst),
		    cstime_format_iso8601(a->source_time, when, sizeof(when)));
		/* The body is several lines: one dump line each. */
		for (const char *b = a->body; b != NULL && *b != '\0';) {
			size_t n = strcspn(b, "\n");

			fprintf(fp, "  body\t%.*s\n", (int)n, b);
			b += n + (b[n] == '\n');
		}
		if (a->title != NULL)
			fprintf(fp, "  title\t%s\n", a->title);
		for (size_t k = 0; k < a->ncauses; k++)
			fprintf(fp, "  cause\t%s\t%s\topen=%d\t%s\n", a->causes[k].slug,
			    status_aws_name(a->causes[k].state), a->causes[k].open, a->causes[k].guid);
		for (size_t k = 0; k < a->ncomponents; k++)
			fprintf(fp, "  component\t%s\t%s\n", a->components[k].id,
			    status_component_name(a->components[k].status));
	}
}
