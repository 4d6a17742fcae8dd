/* incident.c: the pure decision core of automatic incidents: AWS judgement in, actions out. */
#include "support/incident.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/incident_priv.h"

/*
 * The rules of automatic (AWS-derived) incidents.
 *
 * Input: the mapper's judgement at `now` (each component's status and the
 * AWS items behind it), the feed verdicts, and the AWS incidents that are
 * open or were resolved within the flap window. Output: a list of actions.
 * Nothing is read or written here; cycle_commit.c stores the actions and
 * enqueues the notifications in the poll cycle's transaction.
 *
 * Causes. A cause is one AWS feed (slug) whose newest item makes at least
 * one component leave operational (informational, degraded or disruption
 * mapped to anything but operational). A feed that merely cannot be read
 * (unknown) is a gap in our monitoring, not an AWS event: it neither opens,
 * updates nor resolves an incident, and a cause whose feed becomes
 * unreadable stays as it was until the feed is read again.
 *
 * Grouping. There is at most one open public AWS incident. Every cause
 * that appears while it is open joins it (an update saying so): one AWS
 * outage touching many feeds and components (us-east-1 on 2021-12-07:
 * EC2, Connect, Lambda, DynamoDB...) is one incident for CLICK's users,
 * and overlapping events are reported together. A new incident opens only
 * when no public AWS incident is open; all causes new in that cycle go
 * into it.
 *
 * Updates. Each cause remembers the guid of the newest AWS item mirrored.
 * A decision gives each incident at most one action, whatever happened to
 * its causes (incident_work_finish() in incident_plan.c): one AWS post
 * copied onto 29 feeds, as AWS does for a multi-service event, is one
 * update, not 29.
 *   - opening: status investigating, title = the affected components and
 *     the oldest item's title;
 *   - a newer item of a cause (AWS posted an update), or a cause joining:
 *     status identified (the cause is known: AWS); if an engineer has set
 *     monitoring, that status is kept;
 *   - a cause back to normal while others continue: an update (status
 *     unchanged, identified at least);
 *   - the last cause back to normal: resolved. So the incident resolves at
 *     the very AWS item that closes the event.
 * The body says what changed: the components that moved ("Now: Voice
 * (Major outage, was Partial outage)"), then each distinct AWS text once
 * (the feeds that carry it, the title, the description as plain text,
 * bounded). An update that would say nothing new (the same AWS text
 * already mirrored from another feed, no component moving) records its
 * causes without posting. A poll mirrors the newest item of each cause:
 * AWS items published between two polls are collapsed into the newest.
 * A closing without an AWS item says what AWS did: nothing for the quiet
 * limit, or no item any more (closing_item()).
 *
 * Flap damping. When a cause of an AWS incident resolved less than
 * flap_window seconds ago (default 30 min) becomes active again and no
 * public AWS incident is open, that incident is re-opened (status
 * investigating, text = the item title) instead of opening a new one;
 * other new causes of the same cycle join it. Later, a new incident opens.
 *
 * Priority. The suggested priority is incident_suggest() over the
 * incident's components (max user_share, worst status); it only ever goes
 * up during an incident (the worst impact decides the SLA). An engineer's
 * override (stored apart) wins.
 *
 * "CLICK not affected". An engineer may mark an AWS incident not affected
 * (with a reason, kept). It is still followed here, so its record is
 * complete and it resolves, but its updates are not public (not shown, not
 * notified) and it never takes new causes: a cause appearing while only
 * not-affected incidents are open opens a new, public incident, since
 * ruling CLICK out for one AWS event says nothing of the next.
 */


/* One active cause: a slug that makes a component leave operational now. */
struct active {
	const char *slug;
	status_aws  state;
	const char *guid;
	const char *title;
	int64_t     time;
	int         claimed;
};


const char *
incident_status_name(incident_status s)
{
	switch (s) {
	case INCIDENT_INVESTIGATING: return "investigating";
	case INCIDENT_IDENTIFIED: return "identified";
	case INCIDENT_MONITORING: return "monitoring";
	case INCIDENT_RESOLVED: return "resolved";
	case INCIDENT_POSTMORTEM: return "postmortem";
	}
	return "investigating";
}

int
incident_status_parse(const char *name, incident_status *out)
{
	for (int s = INCIDENT_INVESTIGATING; s <= INCIDENT_POSTMORTEM; s++) {
		if (name != NULL && strcmp(name, incident_status_name((incident_status)s)) == 0) {
			*out = (incident_status)s;
			return 0;
		}
	}
	return -1;
}

int
incident_status_closed(incident_status s)
{
	return s == INCIDENT_RESOLVED || s == INCIDENT_POSTMORTEM;
}

priority
incident_priority_max(priority a, priority b)
{
	if (a == PRIORITY_NONE)
		return b;
	if (b == PRIORITY_NONE)
		return a;
	return a < b ? a : b;
}

/*
 * A user share (0..1) in basis points, keeping the policy's strict
 * thresholds exact: a share that is not a whole number of basis points is
 * rounded away from the band it must not reach. Below 5% it rounds down
 * (4.996% stays "< 5%"), from 5% up it rounds up (25.004% is "> 25%",
 * 15.004% is "> 15%"). Whole basis points (up to float noise) stay as they
 * are, so 25% exactly is not "> 25%".
 */
static unsigned
share_to_bp(double share)
{
	double x = share * PRIORITY_SHARE_MAX;
	double whole = floor(x + 0.5);

	if (x <= 0)
		return 0;
	if (fabs(x - whole) < 1e-6)
		return (unsigned)whole;
	return (unsigned)(x < 500 ? floor(x) : ceil(x));
}

priority
incident_suggest(const struct config *cfg, const struct incident_component *comps, size_t n,
    unsigned *share_bp, status_component *worst)
{
	unsigned share = 0;
	status_component w = STATUS_OPERATIONAL;
	priority p = PRIORITY_NONE;
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		const struct config_component *cc = config_find_component(cfg, comps[i].id);
		unsigned bp;

		if (cc == NULL || comps[i].status == STATUS_OPERATIONAL)
			continue;
		bp = share_to_bp(cc->user_share);
		if (bp > PRIORITY_SHARE_MAX)
			bp = PRIORITY_SHARE_MAX;
		if (bp > share)
			share = bp;
		if (!any || status_component_worse(comps[i].status, w))
			w = comps[i].status;
		any = 1;
	}
	if (any && priority_suggest(share, w, &p) != CS_OK)
		p = PRIORITY_NONE;
	if (share_bp != NULL)
		*share_bp = share;
	if (worst != NULL)
		*worst = w;
	return p;
}

static const struct mapper_feed *
find_feed(const struct mapper_feed *feeds, size_t n, const char *slug)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(feeds[i].slug, slug) == 0)
			return &feeds[i];
	return NULL;
}

static struct active *
find_active(struct active *act, size_t n, const char *slug)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(act[i].slug, slug) == 0)
			return &act[i];
	return NULL;
}

static int
active_cmp(const void *a, const void *b)
{
	const struct active *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->slug, y->slug);
}

/* Collects the distinct active causes from the judgement, oldest item first. */
static cs_err
collect_active(const struct mapper_result *map, struct active **out, size_t *nout)
{
	struct active *act = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < map->ncomponents; i++) {
		const struct mapper_component *mc = &map->components[i];

		for (size_t k = 0; k < mc->ncauses; k++) {
			const struct mapper_cause *c = &mc->causes[k];

			if (c->aws_state == STATUS_AWS_NORMAL || c->aws_state == STATUS_AWS_UNKNOWN)
				continue;
			if (find_active(act, n, c->slug) != NULL)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct active *na = realloc(act, ncap * sizeof(*na));

				if (na == NULL) {
					free(act);
					return CS_ERR_NOMEM;
				}
				act = na;
				cap = ncap;
			}
			act[n].slug = c->slug;
			act[n].state = c->aws_state;
			act[n].guid = c->guid != NULL ? c->guid : "";
			act[n].title = c->title != NULL ? c->title : "";
			act[n].time = c->time;
			act[n].claimed = 0;
			n++;
		}
	}
	if (n > 1)
		qsort(act, n, sizeof(*act), active_cmp);
	*out = act;
	*nout = n;
	return CS_OK;
}


/* Status of an AWS update to an open incident: identified, unless an engineer said monitoring. */
static incident_status
update_status(const struct work *w)
{
	return w->status == INCIDENT_MONITORING ? INCIDENT_MONITORING : INCIDENT_IDENTIFIED;
}


/*
 * The closing text of a cause whose feed is back to normal, saying only
 * what AWS said: its new item (the usual "Service is operating normally"),
 * its last item marked resolved afterwards (AWS rewrote titles until 2023),
 * nothing for the quiet limit, or no item any more.
 */
static void
closing_item(const struct mapper_feed *f, const struct incident_action_cause *c, int64_t now,
    const char **title, const char **guid, int64_t *time)
{
	const struct classify_service *s = f != NULL ? f->svc : NULL;

	(void)c;
	*guid = "";
	*time = now;
	if (s != NULL && s->closing_title != NULL) {
		/* No RSS item: the classifier's words for the quiet limit or currentevents' end. */
		*title = s->closing_title;
		if (!s->quiet_closed && s->guid != NULL) {
			*guid = s->guid; /* the event's end, as currentevents lists it */
			*time = s->updated;
		}
	} else if (s != NULL && s->guid != NULL && !s->quiet_closed) {
		*title = s->title;
		*guid = s->guid;
		*time = s->updated;
	} else if (s != NULL && s->quiet_closed) {
		*title = "AWS has posted nothing for longer than the quiet limit and has not said "
		    "the event is over; it is taken as over.";
	} else {
		*title = "AWS no longer lists an event for this service.";
	}
}

/*
 * One decision in progress: the plan being built, the working incidents
 * (one per view, then room for the one this plan may open), the active
 * causes, and what the rules read of the input. Everything but plan, w
 * and act is borrowed.
 */
struct decision {
	struct incident_plan *plan;
	struct work *w;
	size_t       nw;                 /* working incidents made so far */
	struct active *act;
	size_t       nact;
	struct work *target;             /* the open public incident new causes join, NULL if none */
	const struct mapper_feed *feeds;
	size_t       nfeeds;
	int64_t      now;
	int64_t      flap_window;        /* seconds; 0: never re-open */
};

/* Makes the working copy of each view, with its causes; d->nw counts those made. */
static cs_err
load_views(struct decision *d, const struct incident_view *views, size_t nviews)
{
	for (size_t i = 0; i < nviews; i++) {
		const struct incident_view *v = &views[i];
		struct work *x = &d->w[d->nw++];

		x->v = v;
		x->id = v->id;
		x->not_affected = v->not_affected;
		x->status = v->status;
		x->suggested = v->suggested;
		x->open = !incident_status_closed(v->status);
		x->prev = v->components;
		x->nprev = v->ncomponents;
		for (size_t k = 0; k < v->ncauses; k++) {
			const struct incident_cause *c = &v->causes[k];

			if (incident_work_set_cause(x, c->slug, c->state, c->guid, c->title, c->time,
			    c->open) != 0)
				return CS_ERR_NOMEM;
			x->causes[x->ncauses - 1].changed = 0; /* as stored, not a change */
		}
	}
	return CS_OK;
}

/*
 * Grouping: the incident new causes join is the first open one not marked
 * "CLICK not affected" (there is at most one open public AWS incident);
 * NULL if there is none.
 */
static struct work *
open_public(struct work *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i].open && !w[i].not_affected)
			return &w[i];
	return NULL;
}

/*
 * Mirrors active item a into incident x: a becomes (or replaces) one of
 * x's open causes, changed in this decision, and x does kind at status st.
 */
static cs_err
mirror_item(struct decision *d, struct work *x, const struct active *a,
    incident_action_kind kind, incident_status st)
{
	(void)d;
	if (incident_work_set_cause(x, a->slug, a->state, a->guid, a->title, a->time, 1) != 0)
		return CS_ERR_NOMEM;
	incident_work_note(x, kind, st);
	return CS_OK;
}

int
incident_ruling_covers(const struct incident_cause *c, const struct classify_service *svc)
{
	if (!c->ruled)
		return 0;
	if (svc == NULL || svc->state == STATUS_AWS_NORMAL)
		return 1;
	if (svc->state > c->ruled_state)
		return 0;
	return c->ruled_at == 0 || svc->event_start == 0 || svc->event_start <= c->ruled_at;
}

/* The cause of slug as the view of x had it, or NULL. */
static const struct incident_cause *
view_cause(const struct work *x, const char *slug)
{
	for (size_t k = 0; x->v != NULL && k < x->v->ncauses; k++)
		if (strcmp(x->v->causes[k].slug, slug) == 0)
			return &x->v->causes[k];
	return NULL;
}

/*
 * "Not affected" is bound to what was ruled: an incident ruled out keeps
 * only the causes its ruling still covers. A cause it held closed, or one
 * never ruled, or one whose feed now shows a worse state or an event begun
 * after the ruling, is left unclaimed, so that it goes public like any new
 * cause; an open one leaves the ruled incident (closed there, in private).
 * Returns 1 when x must not take c's item.
 */
static int
beyond_ruling(struct decision *d, struct work *x, struct incident_action_cause *c, int *nomem)
{
	const struct incident_cause *vc;
	const struct mapper_feed *f;
	char *slug;

	if (!x->not_affected)
		return 0;
	vc = view_cause(x, c->slug);
	f = find_feed(d->feeds, d->nfeeds, c->slug);
	if (c->open && vc != NULL && incident_ruling_covers(vc, f != NULL ? f->svc : NULL))
		return 0;
	if (!c->open)
		return 1;
	/* incident_work_set_cause() replaces c's strings: keep a copy of the slug. */
	slug = strdup(c->slug);
	if (slug == NULL || incident_work_set_cause(x, slug, c->state, "",
	    "AWS now reports more than was ruled not affected; a public incident follows it.",
	    d->now, 0) != 0)
		*nomem = 1;
	free(slug);
	incident_work_note(x, INCIDENT_ACT_UPDATE, x->status);
	x->superseded = 1;
	return 1;
}

/*
 * Updates, "a newer item of a cause": each cause of open incident x that
 * is still active claims its item (so it never opens or joins another
 * incident). When that item is not the one mirrored last (AWS posted an
 * update), or the cause had been back to normal, x gets an update:
 * identified, unless an engineer has set monitoring.
 */
static cs_err
update_causes(struct decision *d, struct work *x)
{
	for (size_t k = 0; k < x->ncauses; k++) {
		struct incident_action_cause *c = &x->causes[k];
		struct active *a = find_active(d->act, d->nact, c->slug);
		int nomem = 0;

		if (a != NULL && !a->claimed && beyond_ruling(d, x, c, &nomem)) {
			if (nomem)
				return CS_ERR_NOMEM;
			continue;
		}
		if (a == NULL || a->claimed)
			continue;
		a->claimed = 1;
		/* The same item as mirrored: nothing new (a currentevents event keeps its guid
		 * while its state or summary moves: that is news). */
		if (c->open && strcmp(a->guid, c->guid) == 0 && a->state == c->state &&
		    strcmp(a->title, c->title) == 0)
			continue;
		if (mirror_item(d, x, a, INCIDENT_ACT_UPDATE, update_status(x)) != CS_OK)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/* Pass 1, updates: every open incident, in view order, mirrors its causes' newer items. */
static cs_err
update_open_incidents(struct decision *d)
{
	for (size_t i = 0; i < d->nw; i++) {
		struct work *x = &d->w[i];

		if (!x->open)
			continue;
		if (update_causes(d, x) != CS_OK)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/*
 * Flap damping: the incident (of the views, closed now) that had cause
 * slug and resolved less than flap_window seconds ago, the most recently
 * resolved if several; NULL if none, or if flap damping is off.
 */
static struct work *
flapping_incident(const struct decision *d, const char *slug)
{
	struct work *r = NULL;

	for (size_t k = 0; k < d->nw; k++) {
		struct work *x = &d->w[k];
		struct incident_action_cause *c = incident_work_cause(x, slug);

		/* A ruling covers the event ruled, not the next: that goes public (beyond_ruling()). */
		if (x->open || x->id == 0 || c == NULL || d->flap_window <= 0 || x->not_affected ||
		    x->v->resolved_at <= 0 || d->now - x->v->resolved_at > d->flap_window)
			continue;
		if (r == NULL || x->v->resolved_at > r->v->resolved_at)
			r = x;
	}
	return r;
}

/*
 * Grouping and flap damping for one cause no open incident claimed. With
 * a public incident open, the cause joins it (an update, identified). With
 * none, the cause re-opens the incident it flapped out of (investigating;
 * if that one is public, later causes of the cycle join it), or else opens
 * a new public incident (investigating), which later causes join.
 */
static cs_err
place_new_cause(struct decision *d, struct active *a)
{
	struct work *r = NULL, *x;

	if (d->target == NULL)
		r = flapping_incident(d, a->slug);
	a->claimed = 1;
	if (r != NULL) {
		r->open = 1;
		if (mirror_item(d, r, a, INCIDENT_ACT_REOPEN, INCIDENT_INVESTIGATING) != CS_OK)
			return CS_ERR_NOMEM;
		if (!r->not_affected)
			d->target = r;
		return CS_OK;
	}
	if (d->target == NULL) {
		x = &d->w[d->nw++]; /* room for one new incident was allocated */
		x->id = 0;
		x->open = 1;
		x->status = INCIDENT_INVESTIGATING;
		if (mirror_item(d, x, a, INCIDENT_ACT_OPEN, INCIDENT_INVESTIGATING) != CS_OK)
			return CS_ERR_NOMEM;
		d->target = x;
		return CS_OK;
	}
	return mirror_item(d, d->target, a, INCIDENT_ACT_UPDATE, update_status(d->target));
}

/* Pass 2, new causes: each unclaimed active cause, oldest item first, finds its incident. */
static cs_err
place_new_causes(struct decision *d)
{
	for (size_t i = 0; i < d->nact; i++) {
		if (d->act[i].claimed)
			continue;
		if (place_new_cause(d, &d->act[i]) != CS_OK)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/*
 * Causes: whether cause c still holds its incident open. It does while
 * its feed is active, and also while the feed cannot be read: unknown is
 * a gap in our monitoring, not news, so the cause stays as it was.
 */
static int
cause_holds(const struct decision *d, const struct incident_action_cause *c)
{
	const struct mapper_feed *f = find_feed(d->feeds, d->nfeeds, c->slug);

	return find_active(d->act, d->nact, c->slug) != NULL || (f != NULL && !f->readable);
}

/*
 * Updates, "a cause back to normal": cause c of open incident x is closed
 * with the closing item's title; as an update (status unchanged,
 * identified at least) while others continue, or, when it is the last
 * (last nonzero), as the resolution, at the AWS item that closes the event.
 */
static cs_err
close_cause(struct decision *d, struct work *x, const struct incident_action_cause *c, int last)
{
	const struct mapper_feed *f = find_feed(d->feeds, d->nfeeds, c->slug);
	const char *title, *guid;
	char *slug = NULL;
	int64_t t;
	cs_err rc = CS_OK;

	closing_item(f, c, d->now, &title, &guid, &t);
	/* incident_work_set_cause() replaces c's strings: keep a copy of the slug. */
	slug = strdup(c->slug);
	if (slug == NULL ||
	    incident_work_set_cause(x, slug, STATUS_AWS_NORMAL, guid, title, t, 0) != 0)
		rc = CS_ERR_NOMEM;
	else
		incident_work_note(x, last ? INCIDENT_ACT_RESOLVE : INCIDENT_ACT_UPDATE,
		    last ? INCIDENT_RESOLVED : update_status(x));
	free(slug);
	if (rc == CS_OK && last)
		x->open = 0;
	return rc;
}

/*
 * Updates, the causes of open incident x back to normal: each closes in
 * turn (close_cause()), the last one resolving x. An incident still open
 * with no open cause and nothing said this cycle (its cause list emptied
 * by hand) is resolved too.
 */
static cs_err
resolve_cleared(struct decision *d, struct work *x)
{
	size_t nopen = 0, nclear = 0;

	for (size_t k = 0; k < x->ncauses; k++) {
		const struct incident_action_cause *c = &x->causes[k];

		if (!c->open)
			continue;
		if (cause_holds(d, c))
			nopen++;
		else
			nclear++;
	}
	for (size_t k = 0; k < x->ncauses && nclear > 0; k++) {
		const struct incident_action_cause *c = &x->causes[k];

		if (!c->open || cause_holds(d, c))
			continue;
		nclear--;
		if (close_cause(d, x, c, nopen == 0 && nclear == 0) != CS_OK)
			return CS_ERR_NOMEM;
	}
	if (x->open && nopen == 0 && x->id != 0 && (!x->touched || x->superseded)) {
		x->note = "No AWS service behind this incident is affected any more.";
		incident_work_note(x, INCIDENT_ACT_RESOLVE, INCIDENT_RESOLVED);
		x->open = 0;
	}
	return CS_OK;
}

/* Pass 3, causes back to normal: every incident still open, the one opened now included. */
static cs_err
resolve_open_incidents(struct decision *d)
{
	for (size_t i = 0; i < d->nw; i++) {
		struct work *x = &d->w[i];

		if (!x->open)
			continue;
		if (resolve_cleared(d, x) != CS_OK)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/*
 * The decision runs in three passes over working copies of the views, and
 * their order is the grouping rule. First the open incidents claim the
 * active causes they already have, so a continuing cause only ever updates
 * its own incident. Then each cause left unclaimed (new this cycle) joins
 * the open public incident, re-opens the one it flapped out of, or opens
 * one; a cause appearing in the same cycle as another thus lands in the
 * same incident. Last, causes back to normal close, and an incident whose
 * last cause closed resolves. Components and priority are filled in at the
 * end, once per incident, from its state after all three passes: every
 * action of a cycle lists the incident's components as they are now.
 */
cs_err
incident_decide(const struct incident_input *in, struct incident_plan **out)
{
	struct decision d;
	cs_err rc = CS_OK;

	memset(&d, 0, sizeof(d));
	d.feeds = in->feeds;
	d.nfeeds = in->nfeeds;
	d.now = in->now;
	d.flap_window = in->flap_window;
	*out = NULL;
	d.plan = calloc(1, sizeof(*d.plan));
	d.w = calloc(in->nviews + 1, sizeof(*d.w));
	if (d.plan == NULL || d.w == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	rc = collect_active(in->map, &d.act, &d.nact);
	if (rc != CS_OK)
		goto out;
	rc = load_views(&d, in->views, in->nviews);
	if (rc != CS_OK)
		goto out;
	d.target = open_public(d.w, d.nw);
	rc = update_open_incidents(&d);
	if (rc != CS_OK)
		goto out;
	rc = place_new_causes(&d);
	if (rc != CS_OK)
		goto out;
	rc = resolve_open_incidents(&d);
	if (rc != CS_OK)
		goto out;
	for (size_t i = 0; i < d.nw; i++) {
		rc = incident_work_finish(d.plan, &d.w[i], in);
		if (rc != CS_OK)
			goto out;
	}
	*out = d.plan;
	d.plan = NULL;
out:
	incident_plan_free(d.plan);
	incident_works_free(d.w, d.nw);
	free(d.act);
	return rc;
}
