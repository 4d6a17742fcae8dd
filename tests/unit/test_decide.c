/* test_decide.c: cycle_decide on hand-built snapshots and documents: every decision, no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "aws/reconcile.h"
#include "cycle/decide.h"
#include "model/config.h"
#include "support/incident.h"
#include "support/priority.h"
#include "testutil.h"

/*
 * voice 20% (connect us-east-1), reporting 10% (connect us-east-1 and
 * s3 us-west-2), dns 3% (route53). A Connect disruption hits voice and
 * reporting: the users impacted are the largest share, 20% ("> 15% to
 * 25%"), and the worst status major_outage, so P2; a sum of the shares
 * (30%) would have said P1.
 */
static const char test_json[] =
    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\","
    "\"poll_interval\":60,\"quiet_limit\":86400,\"flap_window\":1800,\"components\":["
    "{\"id\":\"voice\",\"name\":\"Voice\",\"user_share\":0.2,\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"us-east-1\"}]},"
    "{\"id\":\"reporting\",\"name\":\"Reporting\",\"user_share\":0.1,\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"us-east-1\"},{\"service\":\"s3\",\"region\":\"us-west-2\"}]},"
    "{\"id\":\"dns\",\"name\":\"DNS\",\"user_share\":0.03,\"depends_on\":[{\"service\":\"route53\"}]}"
    "]}";

#define NOW 1786800000
#define PI 60 /* poll_interval of test_json */

/* The documents of every cycle of test_json, in cycle_doc_key() order (checked in setup). */
enum { D_CONNECT, D_MULTI_E1, D_MULTI_W2, D_ROUTE53, D_S3, D_ALL, D_CE, NDOCS };
static const char *const keys[NDOCS] = {
	"connect-us-east-1", "multipleservices-us-east-1", "multipleservices-us-west-2",
	"route53", "s3-us-west-2", CYCLE_KEY_ALL, CYCLE_KEY_CURRENTEVENTS,
};
enum { C_VOICE, C_REPORTING, C_DNS, NCOMPS };
static const char *const comp_ids[NCOMPS] = { "voice", "reporting", "dns" };

/* The Connect event: the first item, a later update, the closing item. */
#define T0 (NOW - 2 * 86400)
#define G0 "https://status.aws.amazon.com/#connect-us-east-1_1786627200"
#define T1 (NOW - 3600)
#define G1 "https://status.aws.amazon.com/#connect-us-east-1_1786796400"
#define TITLE1 "Service disruption: Increased call failures"
#define T2 (NOW - 300)
#define G2 "https://status.aws.amazon.com/#connect-us-east-1_1786799700"
#define TITLE2 "Service disruption: Increased call failures (update)"
#define T3 (NOW - 120)
#define G3 "https://status.aws.amazon.com/#connect-us-east-1_1786799880"
#define TITLE3 "Service is operating normally: [RESOLVED] Increased call failures"

/* The snapshot's fields are char *; these literals are never written nor freed. */
#define S(x) ((char *)(uintptr_t)(x))

static struct config *cfg;

/*
 * One cycle's input, everything on this struct (no cycle_snapshot_free):
 * the snapshot as cycle_load() would have read it and the documents.
 */
struct fx {
	struct cycle_snapshot snap;
	struct store_feed fetch[NDOCS];
	char urls[NDOCS][128];
	struct store_component comps[NCOMPS];
	struct feed_item items[4];        /* stored items */
	struct cycle_incident inc[2];
	struct incident_cause causes[2];
	struct incident_component icomps[NCOMPS];
	struct cycle_maintenance maint[1];
	char *mids[2];
	struct cycle_doc docs[NDOCS];
	struct feed_item ditems[4];       /* the connect document's items */
};

static struct fx fx;

static int
setup(void **state)
{
	char err[CS_ERRLEN] = "";
	size_t n;

	(void)state;
	if (config_parse("test", test_json, strlen(test_json), NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	for (size_t i = 0; i < NDOCS; i++)
		assert_string_equal(cycle_doc_key(cfg, i, &n), keys[i]);
	assert_int_equal(n, NDOCS);
	assert_int_equal(cfg->poll_interval, PI);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static struct feed_item
item(const char *guid, const char *title, int64_t epoch)
{
	struct feed_item it;

	it.title = title;
	it.link = "https://status.aws.amazon.com/";
	it.guid = guid;
	it.description = "Connect calls in US-EAST-1.";
	it.slug = "connect-us-east-1";
	it.epoch = epoch;
	it.pubdate = epoch;
	return it;
}

/*
 * The quiet baseline: every document was read one poll ago (etag "e1"),
 * every component operational, no item, incident or maintenance; this
 * cycle answers 200 with no items (etag "e2") and an empty currentevents.
 */
static void
fx_init(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.snap.now = NOW;
	fx.snap.fetch = fx.fetch;
	fx.snap.nfetch = NDOCS;
	fx.snap.last_poll = NOW - PI;
	fx.snap.last_poll_ok = NOW - PI;
	for (size_t i = 0; i < NDOCS; i++) {
		struct store_feed *f = &fx.fetch[i];
		struct cycle_doc *d = &fx.docs[i];

		snprintf(fx.urls[i], sizeof(fx.urls[i]), "https://status.aws.amazon.com/rss/%s.rss",
		    keys[i]);
		f->slug = S(keys[i]);
		f->url = fx.urls[i];
		f->etag = S("e1");
		f->last_modified = S("Mon, 01 Jan 2026 00:00:00 GMT");
		f->last_attempt = NOW - PI;
		f->last_success = NOW - PI;
		f->last_status = 200;
		f->next_attempt_at = NOW;
		f->readable = 1;
		f->items_seen = 0;
		d->key = keys[i];
		d->url = fx.urls[i];
		d->ok = 1;
		d->http_status = 200;
		d->etag = "e2";
		d->last_modified = "Tue, 02 Jan 2026 00:00:00 GMT";
		if (i == D_CE) {
			d->body = "[]";
			d->blen = 2;
		}
	}
	fx.snap.comps = fx.comps;
	fx.snap.ncomps = NCOMPS;
	for (size_t i = 0; i < NCOMPS; i++) {
		fx.comps[i].id = S(comp_ids[i]);
		fx.comps[i].status = STATUS_OPERATIONAL;
		fx.comps[i].since = NOW - 86400;
		fx.comps[i].cause_json = S("[]");
	}
	fx.snap.items = fx.items;
}

/* The snapshot as of an open Connect disruption (item G1 stored, voice and reporting down). */
static void
fx_stored_disruption(void)
{
	fx.items[0] = item(G1, TITLE1, T1);
	fx.snap.nitems = 1;
	fx.comps[C_VOICE].status = STATUS_MAJOR_OUTAGE;
	fx.comps[C_REPORTING].status = STATUS_MAJOR_OUTAGE;
}

/* An open AWS incident (id 7) mirroring G1 on voice and reporting. */
static void
fx_open_incident(int not_affected)
{
	struct cycle_incident *l = &fx.inc[0];

	l->inc.id = 7;
	l->inc.kind = S("aws");
	l->inc.title = S("Voice and 1 more: " TITLE1);
	l->inc.status = S("investigating");
	l->inc.opened_at = T1 + 30;
	l->inc.prio_suggested = PRIORITY_P2;
	l->inc.not_affected = not_affected;
	l->inc.not_affected_reason = not_affected ? S("CLICK does not route calls there") : NULL;
	fx.causes[0].slug = "connect-us-east-1";
	fx.causes[0].state = STATUS_AWS_DISRUPTION;
	fx.causes[0].guid = G1;
	fx.causes[0].title = TITLE1;
	fx.causes[0].time = T1;
	fx.causes[0].open = 1;
	/* Ruled at the disruption AWS reported then, in the event that began at T1. */
	fx.causes[0].ruled = not_affected;
	fx.causes[0].ruled_state = STATUS_AWS_DISRUPTION;
	fx.causes[0].ruled_at = T1;
	l->causes = fx.causes;
	l->ncauses = 1;
	fx.icomps[0].id = "voice";
	fx.icomps[0].status = STATUS_MAJOR_OUTAGE;
	fx.icomps[1].id = "reporting";
	fx.icomps[1].status = STATUS_MAJOR_OUTAGE;
	l->comps = fx.icomps;
	l->ncomps = 2;
	fx.snap.incidents = fx.inc;
	fx.snap.nincidents = 1;
}

static struct cycle_decision *
decide(size_t ndocs)
{
	struct cycle_decision *d = NULL;
	char err[CS_ERRLEN] = "";

	if (cycle_decide(cfg, &fx.snap, ndocs ? fx.docs : NULL, ndocs, NOW, &d, err,
	    sizeof(err)) != CS_OK)
		fail_msg("cycle_decide: %s", err);
	assert_non_null(d);
	assert_int_equal(d->now, NOW);
	return d;
}

/* The users' map: each component's status, and the indicator. */
static void
expect_map(const struct cycle_decision *d, status_component voice, status_component reporting,
    status_component dns, status_indicator ind, const char *description)
{
	const struct mapper_result *m = d->judgement->map;

	assert_int_equal(m->ncomponents, NCOMPS);
	assert_string_equal(m->components[C_VOICE].cfg->id, "voice");
	assert_int_equal(m->components[C_VOICE].status, voice);
	assert_string_equal(m->components[C_REPORTING].cfg->id, "reporting");
	assert_int_equal(m->components[C_REPORTING].status, reporting);
	assert_string_equal(m->components[C_DNS].cfg->id, "dns");
	assert_int_equal(m->components[C_DNS].status, dns);
	assert_int_equal(judgement_component(d->judgement, "voice")->status, voice);
	assert_int_equal(judgement_component(d->judgement, "reporting")->status, reporting);
	assert_int_equal(judgement_component(d->judgement, "dns")->status, dns);
	assert_int_equal(m->indicator, ind);
	assert_string_equal(m->description, description);
	assert_int_equal(d->ncauses, NCOMPS);
}

static void
expect_change(const struct cycle_change *c, const char *id, int had, status_component from,
    status_component to)
{
	assert_string_equal(c->cfg->id, id);
	assert_int_equal(c->had, had);
	assert_int_equal(c->from, from);
	assert_int_equal(c->to, to);
	assert_non_null(c->cause_json);
}

/* A cause JSON array of one entry: the slug and AWS state behind a component. */
static void
expect_cause_json(const char *text, const char *slug, const char *aws_state, const char *guid)
{
	json_t *a = json_loads(text, 0, NULL);
	json_t *o = json_array_get(a, 0);

	assert_non_null(a);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(o, "slug")), slug);
	assert_string_equal(json_string_value(json_object_get(o, "aws_state")), aws_state);
	assert_string_equal(json_string_value(json_object_get(o, "guid")), guid);
	json_decref(a);
}

/* Document i was read with a 200 (items items) at NOW. */
static void
expect_fetch_ok(const struct cycle_decision *d, size_t i, int64_t items)
{
	const struct store_feed *f = &d->fetch[i];

	assert_string_equal(f->slug, keys[i]);
	assert_string_equal(f->url, fx.urls[i]);
	assert_int_equal(f->last_attempt, NOW);
	assert_int_equal(f->last_success, NOW);
	assert_int_equal(f->next_attempt_at, NOW + PI);
	assert_int_equal(f->failures, 0);
	assert_int_equal(f->readable, 1);
	assert_null(f->last_error);
	assert_int_equal(f->last_status, 200);
	assert_string_equal(f->etag, "e2");
	assert_string_equal(f->last_modified, "Tue, 02 Jan 2026 00:00:00 GMT");
	assert_int_equal(f->items_seen, items);
}

/* The currentevents record a decision stores (CYCLE_META_OPEN_EVENTS), read back. */
static struct reconcile_set *
record(const char *json)
{
	struct reconcile_set *s = NULL;
	char err[CS_ERRLEN] = "";

	assert_non_null(json);
	if (reconcile_from_json(json, &s, err, sizeof(err)) != CS_OK)
		fail_msg("%s: %s", err, json);
	assert_false(s->legacy);
	return s;
}

/* 1. A new AWS item opens one public incident on the components it hits. */
static void
test_new_item_opens(void **state)
{
	struct cycle_decision *d;
	const struct classify_service *s;
	const struct judgement_feed *jf;
	const struct incident_action *a;
	struct reconcile_set *rec;
	static const char ce[] = "[{\"service\":\"connect-us-east-1\",\"status\":\"3\","
	    "\"date\":\"1786799700\",\"summary\":\"Increased call failures\"}]";

	(void)state;
	fx_init();
	fx.ditems[0] = item(G2, TITLE2, T2);
	fx.docs[D_CONNECT].items = fx.ditems;
	fx.docs[D_CONNECT].nitems = 1;
	fx.docs[D_CE].body = ce;
	fx.docs[D_CE].blen = sizeof(ce) - 1;
	d = decide(NDOCS);

	/* Fetch state: every document read now, due again in one poll interval. */
	assert_int_equal(d->nfetch, NDOCS);
	for (size_t i = 0; i < NDOCS; i++)
		expect_fetch_ok(d, i, i == D_CONNECT ? 1 : 0);
	assert_int_equal(d->fetched, NDOCS);
	assert_int_equal(d->not_modified, 0);
	assert_int_equal(d->failed, 0);
	assert_int_equal(d->skipped, 0);
	assert_true(d->poll);
	assert_true(d->poll_ok);
	assert_null(d->parse_error);
	/* The record keeps what currentevents said, for the cycles that get a 304. */
	rec = record(d->open_events_json);
	assert_int_equal(rec->n, 1);
	assert_string_equal(rec->ev[0].slug, "connect-us-east-1");
	assert_true(rec->ev[0].open);
	assert_int_equal(rec->ev[0].state, STATUS_AWS_DISRUPTION);
	assert_int_equal(rec->ev[0].updated, T2);
	assert_string_equal(rec->ev[0].title, "Increased call failures");
	assert_int_equal(rec->nseen, 0); /* RSS and currentevents agree */
	reconcile_set_free(rec);

	/* The verdict. */
	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_string_equal(s->guid, G2);
	assert_int_equal(s->updated, T2);
	assert_int_equal(s->event_start, T2);
	assert_null(classify_find(d->cls, "route53"));
	assert_null(classify_find(d->cls, "s3-us-west-2"));

	/* The judgement. */
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	assert_int_equal(d->judgement->judged_at, NOW);
	assert_int_equal(d->judgement->last_poll, NOW);
	assert_int_equal(d->judgement->last_poll_ok, NOW);
	assert_false(d->judgement->stale);
	assert_int_equal(d->judgement->nfeeds, 5);
	jf = judgement_feed_find(d->judgement, "connect-us-east-1");
	assert_non_null(jf);
	assert_true(jf->readable);
	assert_true(jf->has_items);
	assert_int_equal(jf->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(jf->last_success, NOW);
	assert_string_equal(jf->guid, G2);
	jf = judgement_feed_find(d->judgement, "route53");
	assert_non_null(jf);
	assert_false(jf->has_items);
	assert_int_equal(jf->state, STATUS_AWS_NORMAL);

	/* The changes: exactly voice and reporting, from operational. */
	assert_int_equal(d->nchanges, 2);
	expect_change(&d->changes[0], "voice", 1, STATUS_OPERATIONAL, STATUS_MAJOR_OUTAGE);
	expect_change(&d->changes[1], "reporting", 1, STATUS_OPERATIONAL, STATUS_MAJOR_OUTAGE);
	expect_cause_json(d->changes[0].cause_json, "connect-us-east-1", "disruption", G2);
	expect_cause_json(d->causes[C_VOICE], "connect-us-east-1", "disruption", G2);
	expect_cause_json(d->causes[C_REPORTING], "connect-us-east-1", "disruption", G2);
	assert_string_equal(d->causes[C_DNS], "[]");

	/* The plan: one public OPEN, investigating, P2. */
	assert_non_null(d->plan);
	assert_int_equal(d->plan->nactions, 1);
	a = &d->plan->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_OPEN);
	assert_int_equal(a->incident_id, 0);
	assert_int_equal(a->status, INCIDENT_INVESTIGATING);
	assert_true(a->public);
	assert_string_equal(a->title, "Voice and 1 more: " TITLE2);
	/* One update: the components hit, then what AWS posted, with its description. */
	assert_string_equal(a->body, "Affected: Voice (Major outage); Reporting (Major outage).\n"
	    "Amazon Connect (N. Virginia), 2026-08-15 13:15 UTC, AWS posted: \"" TITLE2 "\"\n"
	    "Connect calls in US-EAST-1.");
	assert_string_equal(a->source_guid, G2);
	assert_int_equal(a->source_time, T2);
	assert_int_equal(a->ncomponents, 2);
	assert_string_equal(a->components[0].id, "voice");
	assert_int_equal(a->components[0].status, STATUS_MAJOR_OUTAGE);
	assert_string_equal(a->components[1].id, "reporting");
	assert_int_equal(a->components[1].status, STATUS_MAJOR_OUTAGE);
	assert_int_equal(a->ncauses, 1);
	assert_string_equal(a->causes[0].slug, "connect-us-east-1");
	assert_int_equal(a->causes[0].state, STATUS_AWS_DISRUPTION);
	assert_string_equal(a->causes[0].guid, G2);
	assert_true(a->causes[0].open);
	assert_int_equal(a->share_bp, 2000);
	assert_int_equal(a->worst, STATUS_MAJOR_OUTAGE);
	assert_int_equal(a->suggested, PRIORITY_P2);

	assert_int_equal(d->nmsteps, 0);
	cycle_decision_free(d);
}

/* 2. The closing item resolves the open incident and brings the components back. */
static void
test_resolving_item(void **state)
{
	struct cycle_decision *d;
	struct reconcile_set *rec;
	const struct classify_service *s;
	const struct incident_action *a;

	(void)state;
	fx_init();
	fx_stored_disruption();
	fx_open_incident(0);
	fx.snap.open_events_json = S("[\"connect-us-east-1\"]"); /* as an older version stored it */
	/* The feed carries the whole event: the first item again and the closing one. */
	fx.ditems[0] = item(G3, TITLE3, T3);
	fx.ditems[1] = item(G1, TITLE1, T1);
	fx.docs[D_CONNECT].items = fx.ditems;
	fx.docs[D_CONNECT].nitems = 2;
	d = decide(NDOCS);

	assert_int_equal(d->nfetch, NDOCS);
	for (size_t i = 0; i < NDOCS; i++)
		expect_fetch_ok(d, i, i == D_CONNECT ? 2 : 0);
	assert_int_equal(d->fetched, NDOCS);
	assert_int_equal(d->failed, 0);
	assert_true(d->poll_ok);
	rec = record(d->open_events_json); /* the document listed nothing */
	assert_int_equal(rec->n, 0);
	assert_int_equal(rec->nseen, 0);
	reconcile_set_free(rec);

	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_true(s->resolved);
	assert_string_equal(s->guid, G3);
	assert_int_equal(s->event_start, 0);

	expect_map(d, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_IND_NONE,
	    "All Systems Operational");
	assert_int_equal(d->nchanges, 2);
	expect_change(&d->changes[0], "voice", 1, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL);
	expect_change(&d->changes[1], "reporting", 1, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL);
	assert_string_equal(d->changes[0].cause_json, "[]");

	assert_int_equal(d->plan->nactions, 1);
	a = &d->plan->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_RESOLVE);
	assert_int_equal(a->incident_id, 7);
	assert_int_equal(a->status, INCIDENT_RESOLVED);
	assert_true(a->public);
	assert_null(a->title);
	assert_string_equal(a->body, "Operational again: Voice, Reporting.\n"
	    "Amazon Connect (N. Virginia), 2026-08-15 13:18 UTC, AWS posted: \"" TITLE3 "\"\n"
	    "Connect calls in US-EAST-1.");
	assert_string_equal(a->source_guid, G3);
	assert_int_equal(a->source_time, T3);
	assert_int_equal(a->ncauses, 1);
	assert_string_equal(a->causes[0].slug, "connect-us-east-1");
	assert_int_equal(a->causes[0].state, STATUS_AWS_NORMAL);
	assert_false(a->causes[0].open);
	/* Every component of the incident, operational now. */
	assert_int_equal(a->ncomponents, 2);
	assert_string_equal(a->components[0].id, "voice");
	assert_int_equal(a->components[0].status, STATUS_OPERATIONAL);
	assert_string_equal(a->components[1].id, "reporting");
	assert_int_equal(a->components[1].status, STATUS_OPERATIONAL);
	/* The suggestion only rises during an incident. */
	assert_int_equal(a->suggested, PRIORITY_P2);

	assert_int_equal(d->nmsteps, 0);
	cycle_decision_free(d);
}

/* The connect document failed with a 500; the stored event and incident stay as they were. */
static void
fx_connect_fails(int64_t last_success, int failures)
{
	fx_init();
	fx_stored_disruption();
	fx_open_incident(0);
	fx.fetch[D_CONNECT].last_success = last_success;
	fx.fetch[D_CONNECT].failures = failures;
	fx.fetch[D_CONNECT].readable = failures == 0;
	fx.docs[D_CONNECT].ok = 0;
	fx.docs[D_CONNECT].http_status = 500;
	fx.docs[D_CONNECT].error = "http 500";
	fx.docs[D_CONNECT].etag = NULL;
	fx.docs[D_CONNECT].last_modified = NULL;
}

static void
expect_fetch_failed(const struct cycle_decision *d, int64_t last_success, int failures)
{
	const struct store_feed *f = &d->fetch[D_CONNECT];

	assert_int_equal(d->nfetch, NDOCS);
	assert_string_equal(f->slug, "connect-us-east-1");
	assert_int_equal(f->failures, failures);
	assert_int_equal(f->readable, 0);
	assert_string_equal(f->last_error, "http 500");
	assert_int_equal(f->last_status, 500);
	assert_int_equal(f->last_attempt, NOW);
	assert_int_equal(f->last_success, last_success);
	assert_true(f->next_attempt_at >= NOW + PI);
	assert_true(f->next_attempt_at <= NOW + 3600);
	/* The validators of the last good answer are kept. */
	assert_string_equal(f->etag, "e1");
	assert_string_equal(f->last_modified, "Mon, 01 Jan 2026 00:00:00 GMT");
	for (size_t i = 0; i < NDOCS; i++) {
		if (i != D_CONNECT)
			expect_fetch_ok(d, i, 0);
	}
	assert_int_equal(d->fetched, NDOCS - 1);
	assert_int_equal(d->failed, 1);
	assert_int_equal(d->not_modified, 0);
	assert_int_equal(d->skipped, 0);
	assert_true(d->poll);
	assert_false(d->poll_ok);
	assert_int_equal(d->judgement->last_poll, NOW);
	assert_int_equal(d->judgement->last_poll_ok, NOW - PI);
	/* The stored event is still the verdict: the classifier saw the stored items. */
	assert_non_null(classify_find(d->cls, "connect-us-east-1"));
	assert_int_equal(classify_find(d->cls, "connect-us-east-1")->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(d->plan->nactions, 0);
	assert_int_equal(d->nmsteps, 0);
}

/* 3a. One failed read of a fresh feed keeps its verdict: nothing changes. */
static void
test_failed_feed_fresh(void **state)
{
	struct cycle_decision *d;
	const struct judgement_feed *jf;

	(void)state;
	fx_connect_fails(NOW - PI, 0);
	d = decide(NDOCS);
	expect_fetch_failed(d, NOW - PI, 1);
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	jf = judgement_feed_find(d->judgement, "connect-us-east-1");
	assert_true(jf->readable);
	assert_int_equal(jf->last_success, NOW - PI);
	assert_int_equal(d->nchanges, 0);
	cycle_decision_free(d);

	/* The last instant the read still counts: exactly three poll intervals ago. */
	fx_connect_fails(NOW - 3 * PI, 2);
	d = decide(NDOCS);
	expect_fetch_failed(d, NOW - 3 * PI, 3);
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	assert_int_equal(d->nchanges, 0);
	cycle_decision_free(d);
}

/* 3b. A feed unread for over three poll intervals: dependents unknown, no incident action. */
static void
test_failed_feed_stale(void **state)
{
	struct cycle_decision *d;
	const struct judgement_feed *jf;
	const struct mapper_component *mc;

	(void)state;
	fx_connect_fails(NOW - 3 * PI - 1, 3);
	d = decide(NDOCS);
	expect_fetch_failed(d, NOW - 3 * PI - 1, 4);
	/* reporting: unknown (connect) outranks operational (s3). */
	expect_map(d, STATUS_UNKNOWN, STATUS_UNKNOWN, STATUS_OPERATIONAL, STATUS_IND_MINOR,
	    "Minor Service Outage");
	jf = judgement_feed_find(d->judgement, "connect-us-east-1");
	assert_false(jf->readable);
	assert_int_equal(jf->last_success, NOW - 3 * PI - 1);
	mc = judgement_component(d->judgement, "voice");
	assert_int_equal(mc->ncauses, 1);
	assert_string_equal(mc->causes[0].slug, "connect-us-east-1");
	assert_int_equal(mc->causes[0].aws_state, STATUS_AWS_UNKNOWN);
	assert_int_equal(d->nchanges, 2);
	expect_change(&d->changes[0], "voice", 1, STATUS_MAJOR_OUTAGE, STATUS_UNKNOWN);
	expect_change(&d->changes[1], "reporting", 1, STATUS_MAJOR_OUTAGE, STATUS_UNKNOWN);
	/* expect_fetch_failed: no action; the incident is neither updated nor resolved. */
	cycle_decision_free(d);

	/* The same without an incident: unknown opens none. */
	fx_connect_fails(NOW - 3 * PI - 1, 3);
	fx.snap.nincidents = 0;
	fx.comps[C_VOICE].status = STATUS_UNKNOWN;
	fx.comps[C_REPORTING].status = STATUS_UNKNOWN;
	d = decide(NDOCS);
	expect_fetch_failed(d, NOW - 3 * PI - 1, 4);
	expect_map(d, STATUS_UNKNOWN, STATUS_UNKNOWN, STATUS_OPERATIONAL, STATUS_IND_MINOR,
	    "Minor Service Outage");
	assert_int_equal(d->nchanges, 0);
	cycle_decision_free(d);
}

/* 4. A maintenance whose window has begun moves to in_progress; the indicator stays. */
static void
test_maintenance_starts(void **state)
{
	struct cycle_decision *d;
	struct cycle_maintenance *m = &fx.maint[0];

	(void)state;
	fx_init();
	m->m.id = 3;
	m->m.title = S("Reporting database upgrade");
	m->m.body = S("Reports may be unavailable.");
	m->m.starts_at = NOW - 30;
	m->m.ends_at = NOW + 3600;
	m->m.verify_until = NOW + 3600 + 900;
	m->m.status = S("scheduled");
	m->m.components_json = S("[\"reporting\"]");
	m->m.created_at = NOW - 86400;
	m->m.author = S("alice");
	fx.mids[0] = S("reporting");
	m->ids = fx.mids;
	m->w.id = 3;
	m->w.starts_at = m->m.starts_at;
	m->w.ends_at = m->m.ends_at;
	m->w.verify_until = m->m.verify_until;
	m->w.components = (const char *const *)fx.mids;
	m->w.ncomponents = 1;
	fx.snap.maint = fx.maint;
	fx.snap.nmaint = 1;
	/* Nothing changed at AWS: every document answers 304. */
	for (size_t i = 0; i < NDOCS; i++) {
		fx.docs[i].not_modified = 1;
		fx.docs[i].http_status = 304;
		fx.docs[i].etag = NULL;
		fx.docs[i].last_modified = NULL;
		fx.docs[i].body = NULL;
		fx.docs[i].blen = 0;
	}
	d = decide(NDOCS);

	assert_int_equal(d->nfetch, NDOCS);
	for (size_t i = 0; i < NDOCS; i++) {
		const struct store_feed *f = &d->fetch[i];

		assert_string_equal(f->slug, keys[i]);
		assert_int_equal(f->last_success, NOW);
		assert_int_equal(f->next_attempt_at, NOW + PI);
		assert_int_equal(f->failures, 0);
		assert_int_equal(f->readable, 1);
		assert_int_equal(f->last_status, 304);
		assert_string_equal(f->etag, "e1"); /* a 304 keeps the validators */
	}
	assert_int_equal(d->fetched, 0);
	assert_int_equal(d->not_modified, NDOCS);
	assert_int_equal(d->failed, 0);
	assert_true(d->poll);
	assert_true(d->poll_ok);
	assert_null(d->open_events_json); /* no new currentevents: unchanged */

	assert_int_equal(d->nmsteps, 1);
	assert_ptr_equal(d->msteps[0].m, &fx.maint[0]);
	assert_string_equal(d->msteps[0].to, "in_progress");

	/* maintenance_overlay: the indicator is left as the mapper set it. */
	expect_map(d, STATUS_OPERATIONAL, STATUS_UNDER_MAINTENANCE, STATUS_OPERATIONAL,
	    STATUS_IND_NONE, "All Systems Operational");
	assert_int_equal(d->nchanges, 1);
	expect_change(&d->changes[0], "reporting", 1, STATUS_OPERATIONAL, STATUS_UNDER_MAINTENANCE);
	assert_int_equal(d->plan->nactions, 0);
	cycle_decision_free(d);
}

/* 5. An engineer's change with no fetch: no fetch state, no poll, the snapshot's poll times. */
static void
test_no_documents(void **state)
{
	struct cycle_decision *d;
	const struct judgement_feed *jf;

	(void)state;
	fx_init();
	fx_stored_disruption();
	fx_open_incident(0);
	fx.snap.last_poll = NOW - 30;
	fx.snap.last_poll_ok = NOW - 90;
	d = decide(0);

	assert_int_equal(d->nfetch, 0);
	assert_int_equal(d->fetched, 0);
	assert_int_equal(d->not_modified, 0);
	assert_int_equal(d->failed, 0);
	assert_int_equal(d->skipped, 0);
	assert_false(d->poll);
	assert_false(d->poll_ok);
	assert_null(d->open_events_json);
	assert_null(d->parse_error);
	assert_int_equal(d->judgement->judged_at, NOW);
	assert_int_equal(d->judgement->last_poll, NOW - 30);
	assert_int_equal(d->judgement->last_poll_ok, NOW - 90);
	assert_false(d->judgement->stale);
	jf = judgement_feed_find(d->judgement, "connect-us-east-1");
	assert_true(jf->readable);
	assert_int_equal(jf->last_success, NOW - PI);
	assert_int_equal(jf->state, STATUS_AWS_DISRUPTION);
	/* The stored items still judge: the outage goes on, the incident has nothing new. */
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	assert_int_equal(d->nchanges, 0);
	assert_int_equal(d->plan->nactions, 0);
	assert_int_equal(d->nmsteps, 0);
	cycle_decision_free(d);
}

/*
 * Incident 7 ruled out ("not affected") in an earlier cycle, when AWS said
 * ruled (the committed statuses operational); this cycle's feed carries a
 * newer disruption item G2 of the same event.
 */
static void
fx_ruled(status_aws ruled)
{
	fx_init();
	fx_stored_disruption();
	fx_open_incident(1);
	fx.causes[0].state = ruled;
	fx.causes[0].ruled_state = ruled;
	fx.comps[C_VOICE].status = STATUS_OPERATIONAL;
	fx.comps[C_REPORTING].status = STATUS_OPERATIONAL;
	fx.ditems[0] = item(G2, TITLE2, T2);
	fx.ditems[1] = item(G1, TITLE1, T1);
	fx.docs[D_CONNECT].items = fx.ditems;
	fx.docs[D_CONNECT].nitems = 2;
}

/* 6. An event ruled out: users see operational; the incident still follows AWS, privately. */
static void
test_ruled_out(void **state)
{
	struct cycle_decision *d;
	const struct incident_action *a;
	const struct judgement_feed *jf;

	(void)state;
	fx_ruled(STATUS_AWS_DISRUPTION);
	d = decide(NDOCS);

	assert_int_equal(d->nfetch, NDOCS);
	assert_int_equal(d->fetched, NDOCS);
	assert_true(d->poll_ok);
	assert_int_equal(classify_find(d->cls, "connect-us-east-1")->state, STATUS_AWS_DISRUPTION);
	/* The feed shows what AWS says; the components what users are told. */
	jf = judgement_feed_find(d->judgement, "connect-us-east-1");
	assert_int_equal(jf->state, STATUS_AWS_DISRUPTION);
	assert_string_equal(jf->guid, G2);
	expect_map(d, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_IND_NONE,
	    "All Systems Operational");
	assert_string_equal(d->causes[C_VOICE], "[]");
	assert_int_equal(d->nchanges, 0);

	/* The newer AWS item is mirrored into the ruled-out incident, not public; none opens. */
	assert_int_equal(d->plan->nactions, 1);
	a = &d->plan->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_UPDATE);
	assert_int_equal(a->incident_id, 7);
	assert_int_equal(a->status, INCIDENT_IDENTIFIED);
	assert_false(a->public);
	assert_non_null(strstr(a->body, "AWS posted: \"" TITLE2 "\""));
	assert_string_equal(a->source_guid, G2);
	assert_int_equal(a->ncauses, 1);
	assert_string_equal(a->causes[0].guid, G2);
	assert_true(a->causes[0].open);
	/* As AWS says: voice and reporting down. */
	assert_int_equal(a->ncomponents, 2);
	assert_string_equal(a->components[0].id, "voice");
	assert_int_equal(a->components[0].status, STATUS_MAJOR_OUTAGE);
	assert_string_equal(a->components[1].id, "reporting");
	assert_int_equal(a->components[1].status, STATUS_MAJOR_OUTAGE);
	assert_int_equal(a->suggested, PRIORITY_P2);
	assert_int_equal(d->nmsteps, 0);
	cycle_decision_free(d);
}

/* 6b. An unparsable currentevents is a failed fetch; the last one's open events still count. */
static void
test_currentevents_unreadable(void **state)
{
	struct cycle_decision *d;
	const struct classify_service *s;
	const struct store_feed *f;

	(void)state;
	fx_init();
	/* Quiet for two days, longer than the quiet limit, but listed open last time. */
	fx_stored_disruption();
	fx.items[0] = item(G0, TITLE1, T0);
	fx_open_incident(0);
	fx.causes[0].guid = G0;
	fx.causes[0].time = T0;
	fx.snap.open_events_json = S("[\"connect-us-east-1\"]"); /* as an older version stored it */
	fx.docs[D_CE].body = "<html>Service Unavailable</html>";
	fx.docs[D_CE].blen = strlen(fx.docs[D_CE].body);
	d = decide(NDOCS);

	assert_int_equal(d->nfetch, NDOCS);
	for (size_t i = 0; i < D_CE; i++)
		expect_fetch_ok(d, i, 0);
	f = &d->fetch[D_CE];
	assert_string_equal(f->slug, CYCLE_KEY_CURRENTEVENTS);
	assert_int_equal(f->failures, 1);
	assert_int_equal(f->readable, 0);
	assert_int_equal(f->last_success, NOW - PI);
	assert_true(f->next_attempt_at >= NOW + PI);
	assert_string_equal(f->etag, "e1");
	assert_non_null(d->parse_error);
	assert_ptr_equal(f->last_error, d->parse_error);
	assert_non_null(strstr(d->parse_error, "expected"));
	assert_int_equal(d->fetched, NDOCS - 1);
	assert_int_equal(d->failed, 1);
	assert_true(d->poll);
	assert_false(d->poll_ok);
	assert_null(d->open_events_json);

	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_false(s->quiet_closed);
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	assert_int_equal(d->nchanges, 0);
	assert_int_equal(d->plan->nactions, 0);
	assert_int_equal(d->nmsteps, 0);
	cycle_decision_free(d);
}

/*
 * currentevents as evidence. The Connect event as the dashboard lists it:
 * open (status "3") since T1, its newest update at T2; then ended at
 * T1 + 60. NOW 1786800000, T1 1786796400, T2 1786799700.
 */
#define CE_ARN "arn:aws:health:us-east-1::event/CONNECT/AWS_CONNECT_OPERATIONAL_ISSUE/X1"
#define CE_GUID "currentevents:" CE_ARN ":connect-us-east-1"
static const char ce_open[] = "[{\"service\":\"connect-us-east-1\",\"status\":\"3\","
    "\"date\":\"1786796400\",\"arn\":\"" CE_ARN "\",\"summary\":\"Increased call failures\","
    "\"event_log\":[{\"summary\":\"Increased call failures\",\"status\":1,"
    "\"timestamp\":1786796400},{\"status\":1,\"timestamp\":1786799700}]}]";
static const char ce_ended[] = "[{\"service\":\"connect-us-east-1\",\"status\":\"0\","
    "\"date\":\"1786796400\",\"arn\":\"" CE_ARN "\","
    "\"summary\":\"[RESOLVED] Increased call failures\",\"end_time\":\"1786796460\","
    "\"event_log\":[{\"status\":1,\"timestamp\":1786796400}]}]";

static void
fx_currentevents(const char *body)
{
	fx.docs[D_CE].body = body;
	fx.docs[D_CE].blen = strlen(body);
}

/* Every document of this cycle answers 304. */
static void
fx_all_not_modified(void)
{
	for (size_t i = 0; i < NDOCS; i++) {
		fx.docs[i].not_modified = 1;
		fx.docs[i].http_status = 304;
		fx.docs[i].etag = NULL;
		fx.docs[i].last_modified = NULL;
		fx.docs[i].body = NULL;
		fx.docs[i].blen = 0;
	}
}

/* 8. An event open in currentevents opens though the Connect feed is empty; a 304 keeps it. */
static void
test_currentevents_opens(void **state)
{
	struct cycle_decision *d;
	const struct classify_service *s;
	const struct incident_action *a;
	struct reconcile_set *rec, *old;
	char *stored, *seen;
	char err[CS_ERRLEN] = "";

	(void)state;
	fx_init();
	fx_currentevents(ce_open);
	d = decide(NDOCS);
	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(s->source, RECONCILE_CURRENTEVENTS);
	assert_int_equal(s->disagree, RECONCILE_CE_ONLY);
	assert_true(s->disagree_new);
	assert_string_equal(s->guid, CE_GUID);
	assert_int_equal(s->updated, T2);
	assert_int_equal(s->event_start, T1);
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	assert_int_equal(judgement_feed_find(d->judgement, "connect-us-east-1")->source,
	    RECONCILE_CURRENTEVENTS);
	assert_int_equal(judgement_feed_find(d->judgement, "connect-us-east-1")->disagree,
	    RECONCILE_CE_ONLY);
	expect_cause_json(d->causes[C_VOICE], "connect-us-east-1", "disruption", CE_GUID);
	/* The incident opens quoting the event's summary, at its newest update. */
	assert_int_equal(d->plan->nactions, 1);
	a = &d->plan->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_OPEN);
	assert_true(a->public);
	assert_non_null(strstr(a->body, "AWS posted: \"Increased call failures\""));
	assert_string_equal(a->source_guid, CE_GUID);
	assert_int_equal(a->source_time, T2);
	/* The record remembers the event; the disagreement is stored apart. */
	rec = record(d->open_events_json);
	assert_int_equal(rec->n, 1);
	assert_int_equal(rec->nseen, 0);
	reconcile_set_free(rec);
	assert_non_null(d->ce_seen_json);
	assert_string_equal(d->ce_seen_json,
	    "[{\"slug\":\"connect-us-east-1\",\"disagreement\":\"currentevents_only\"}]");
	stored = strdup(d->open_events_json);
	seen = strdup(d->ce_seen_json);
	cycle_decision_free(d);

	/* Next cycle: currentevents answers 304; the stored events still count. */
	fx_init();
	fx_all_not_modified();
	fx.snap.open_events_json = stored;
	fx.snap.ce_seen_json = seen;
	fx.comps[C_VOICE].status = STATUS_MAJOR_OUTAGE;
	fx.comps[C_REPORTING].status = STATUS_MAJOR_OUTAGE;
	d = decide(NDOCS);
	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_false(s->disagree_new); /* said once */
	assert_int_equal(d->nchanges, 0);
	assert_null(d->open_events_json); /* nothing new to store */
	assert_null(d->ce_seen_json);
	cycle_decision_free(d);

	/* A store written before the disagreements were kept apart: the record's own are read. */
	fx_init();
	fx_all_not_modified();
	old = record(stored);
	assert_int_equal(reconcile_seen_from_json(seen, old, err, sizeof(err)), CS_OK);
	fx.snap.open_events_json = reconcile_to_json(old); /* with "seen" inside */
	reconcile_set_free(old);
	assert_non_null(strstr(fx.snap.open_events_json, "currentevents_only"));
	fx.comps[C_VOICE].status = STATUS_MAJOR_OUTAGE;
	fx.comps[C_REPORTING].status = STATUS_MAJOR_OUTAGE;
	d = decide(NDOCS);
	assert_false(classify_find(d->cls, "connect-us-east-1")->disagree_new); /* not said again */
	assert_string_equal(d->ce_seen_json, seen); /* and now stored apart */
	cycle_decision_free(d);
	free(fx.snap.open_events_json);

	/* The same document again with a 200 (AWS sends no validator): judged, not stored again. */
	fx_init();
	fx_currentevents(ce_open);
	fx.snap.open_events_json = stored;
	fx.snap.ce_seen_json = seen;
	fx.comps[C_VOICE].status = STATUS_MAJOR_OUTAGE;
	fx.comps[C_REPORTING].status = STATUS_MAJOR_OUTAGE;
	d = decide(NDOCS);
	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_string_equal(s->guid, CE_GUID);
	assert_false(s->disagree_new);
	assert_int_equal(d->nchanges, 0);
	assert_null(d->open_events_json);
	assert_null(d->ce_seen_json);
	cycle_decision_free(d);

	/* currentevents fails: the last read (one poll ago) still counts. */
	fx_init();
	fx.snap.open_events_json = stored;
	fx.snap.ce_seen_json = seen;
	fx.docs[D_CE].ok = 0;
	fx.docs[D_CE].http_status = 503;
	fx.docs[D_CE].error = "http 503";
	d = decide(NDOCS);
	assert_int_equal(classify_find(d->cls, "connect-us-east-1")->state, STATUS_AWS_DISRUPTION);
	cycle_decision_free(d);

	/* ... until its last good read is older than the quiet limit: no evidence then. */
	fx_init();
	fx.snap.open_events_json = stored;
	fx.snap.ce_seen_json = seen;
	fx.docs[D_CE].ok = 0;
	fx.docs[D_CE].http_status = 503;
	fx.docs[D_CE].error = "http 503";
	fx.fetch[D_CE].last_success = NOW - 86400 - 1;
	d = decide(NDOCS);
	assert_null(classify_find(d->cls, "connect-us-east-1"));
	expect_map(d, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_IND_NONE,
	    "All Systems Operational");
	/* The disagreement is gone: stored again without it, the record unchanged. */
	assert_null(d->open_events_json);
	assert_string_equal(d->ce_seen_json, "[]");
	cycle_decision_free(d);
	free(stored);
	free(seen);

	/* Stored disagreements that do not read are written again, though none is new. */
	fx_init();
	fx_currentevents("[]");
	fx.snap.ce_seen_json = (char *)"[{\"slug\":";
	d = decide(NDOCS);
	assert_non_null(d->ce_seen_json);
	assert_string_equal(d->ce_seen_json, "[]");
	cycle_decision_free(d);
}

/* 9. currentevents' end closes an RSS event no newer than the end; a newer RSS item decides. */
static void
test_currentevents_ends(void **state)
{
	struct cycle_decision *d;
	const struct classify_service *s;
	const struct incident_action *a;

	(void)state;
	/* The RSS event (item G1 at T1, never resolved there), its open incident. */
	fx_init();
	fx_stored_disruption();
	fx_open_incident(0);
	fx_currentevents(ce_ended);
	d = decide(NDOCS);
	s = classify_find(d->cls, "connect-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_true(s->resolved);
	assert_false(s->quiet_closed);
	assert_int_equal(s->source, RECONCILE_CURRENTEVENTS);
	assert_int_equal(s->disagree, RECONCILE_CE_ENDED);
	assert_int_equal(s->updated, T1 + 60);
	assert_string_equal(s->guid, CE_GUID ":end");
	assert_string_equal(s->closing_title, "The AWS Health Dashboard lists the event on "
	    "connect-us-east-1 as ended at 2026-08-15T12:21:00Z: [RESOLVED] Increased call failures");
	expect_map(d, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_OPERATIONAL, STATUS_IND_NONE,
	    "All Systems Operational");
	assert_int_equal(d->nchanges, 2);
	/* The incident resolves at the end. */
	assert_int_equal(d->plan->nactions, 1);
	a = &d->plan->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_RESOLVE);
	assert_int_equal(a->incident_id, 7);
	assert_int_equal(a->status, INCIDENT_RESOLVED);
	assert_string_equal(a->source_guid, CE_GUID ":end");
	cycle_decision_free(d);

	/* An RSS item newer than the end (G2 at T2): RSS decides, the two disagree. */
	fx_init();
	fx_stored_disruption();
	fx_open_incident(0);
	fx_currentevents(ce_ended);
	fx.ditems[0] = item(G2, TITLE2, T2);
	fx.docs[D_CONNECT].items = fx.ditems;
	fx.docs[D_CONNECT].nitems = 1;
	d = decide(NDOCS);
	s = classify_find(d->cls, "connect-us-east-1");
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(s->source, RECONCILE_RSS);
	assert_int_equal(s->disagree, RECONCILE_CE_ENDED);
	assert_string_equal(s->guid, G2);
	expect_map(d, STATUS_MAJOR_OUTAGE, STATUS_MAJOR_OUTAGE, STATUS_OPERATIONAL,
	    STATUS_IND_CRITICAL, "Major System Outage");
	cycle_decision_free(d);
}

/* 10. The quiet limit closes an event AWS went silent on, and says so. */
static void
test_quiet_close_says_so(void **state)
{
	struct cycle_decision *d;
	const struct classify_service *s;

	(void)state;
	fx_init();
	fx_stored_disruption();
	fx.items[0] = item(G0, TITLE1, T0); /* two days ago */
	fx_open_incident(0);
	fx.causes[0].guid = G0;
	fx.causes[0].time = T0;
	d = decide(NDOCS);
	s = classify_find(d->cls, "connect-us-east-1");
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_true(s->quiet_closed);
	assert_false(s->resolved);
	assert_string_equal(s->closing_title, "AWS has posted no update on connect-us-east-1 for "
	    "more than 24 hours (the last was at 2026-08-13T13:20:00Z) and has not said the event "
	    "is resolved; it is taken as over.");
	assert_int_equal(d->plan->nactions, 1);
	assert_int_equal(d->plan->actions[0].kind, INCIDENT_ACT_RESOLVE);
	/* AWS said nothing: the resolution must not claim it did. */
	assert_null(strstr(d->plan->actions[0].body, "operating normally"));
	cycle_decision_free(d);
}

static char *
plan_text(const struct incident_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	incident_plan_dump(p, fp);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* 7. The same input decides the same: judgement record and plan, byte for byte. */
static void
test_deterministic(void **state)
{
	struct cycle_decision *d1, *d2;
	char *j1, *j2, *p1, *p2;

	(void)state;
	/* A mix: the connect feed fails, all.rss brings its newer item. */
	fx_connect_fails(NOW - PI, 0);
	fx.ditems[0] = item(G2, TITLE2, T2);
	fx.ditems[1] = item(G1, TITLE1, T1);
	fx.docs[D_ALL].items = fx.ditems;
	fx.docs[D_ALL].nitems = 2;
	d1 = decide(NDOCS);
	d2 = decide(NDOCS);
	j1 = judgement_to_json(d1->judgement);
	j2 = judgement_to_json(d2->judgement);
	assert_non_null(j1);
	assert_non_null(j2);
	assert_string_equal(j1, j2);
	p1 = plan_text(d1->plan);
	p2 = plan_text(d2->plan);
	assert_string_equal(p1, p2);
	/* all.rss brought G2 to the open incident: one update. */
	assert_int_equal(d1->plan->nactions, 1);
	assert_int_equal(d1->fetch[D_CONNECT].next_attempt_at, d2->fetch[D_CONNECT].next_attempt_at);
	free(j1);
	free(j2);
	free(p1);
	free(p2);
	cycle_decision_free(d1);
	cycle_decision_free(d2);
}

/*
 * Clock skew: with our clock 500 s behind AWS's, the disruption AWS posted
 * "in our future" is taken (clock_skew 600), not dropped (which published
 * an ongoing disruption as resolved); one dated beyond the skew waits.
 */
static void
test_clock_skew(void **state)
{
	struct cycle_decision *d;
	int64_t keep = cfg->clock_skew;
	char g[128];

	(void)state;
	snprintf(g, sizeof(g), "https://status.aws.amazon.com/#connect-us-east-1_%lld",
	    (long long)(NOW + 500));
	cfg->clock_skew = 600;
	fx_init();
	fx.ditems[0] = item(g, TITLE2, NOW + 500);
	fx.docs[D_CONNECT].items = fx.ditems;
	fx.docs[D_CONNECT].nitems = 1;
	d = decide(NDOCS);
	assert_int_equal(d->judgement->map->components[C_VOICE].status, STATUS_MAJOR_OUTAGE);
	assert_int_equal(d->ahead, 500);
	assert_int_equal(d->plan->nactions, 1);
	cycle_decision_free(d);

	/* Beyond the skew (a replay at --now has clock_skew 0): not taken, but told. */
	cfg->clock_skew = 400;
	d = decide(NDOCS);
	assert_int_equal(d->judgement->map->components[C_VOICE].status, STATUS_OPERATIONAL);
	assert_int_equal(d->ahead, 500);
	cycle_decision_free(d);
	cfg->clock_skew = keep;
}

/*
 * 6b. A ruling covers what was ruled: an event ruled out while AWS said
 * "informational" does not hide the disruption AWS posts later on the same
 * feed. Users see it; a public incident opens; the ruled incident lets the
 * cause go, privately.
 */
static void
test_ruling_does_not_hide_worse(void **state)
{
	struct cycle_decision *d;
	const struct incident_action *a, *b;

	(void)state;
	fx_ruled(STATUS_AWS_INFORMATIONAL);
	d = decide(NDOCS);
	assert_int_equal(d->judgement->map->components[C_VOICE].status, STATUS_MAJOR_OUTAGE);
	assert_int_equal(d->plan->nactions, 2);
	a = &d->plan->actions[0];
	b = &d->plan->actions[1];
	if (a->incident_id == 0) {
		const struct incident_action *t = a;

		a = b;
		b = t;
	}
	assert_int_equal(a->incident_id, 7);
	assert_false(a->public);
	assert_int_equal(a->kind, INCIDENT_ACT_RESOLVE);
	assert_int_equal(b->incident_id, 0);
	assert_int_equal(b->kind, INCIDENT_ACT_OPEN);
	assert_true(b->public);
	assert_true(b->post);
	assert_string_equal(b->causes[0].slug, "connect-us-east-1");
	assert_string_equal(b->causes[0].guid, G2);
	cycle_decision_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_item_opens),
		cmocka_unit_test(test_resolving_item),
		cmocka_unit_test(test_failed_feed_fresh),
		cmocka_unit_test(test_failed_feed_stale),
		cmocka_unit_test(test_maintenance_starts),
		cmocka_unit_test(test_no_documents),
		cmocka_unit_test(test_ruled_out),
		cmocka_unit_test(test_ruling_does_not_hide_worse),
		cmocka_unit_test(test_clock_skew),
		cmocka_unit_test(test_currentevents_unreadable),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_currentevents_opens),
		cmocka_unit_test(test_currentevents_ends),
		cmocka_unit_test(test_quiet_close_says_so),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
