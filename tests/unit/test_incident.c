/* test_incident.c: the incident decision core: open, mirror, group, resolve, flap, not affected, priority. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/config.h"
#include "support/incident.h"
#include "model/mapper.h"
#include "testutil.h"

/* voice 0.9 (connect, lambda us-east-1), eu 0.2 (directconnect eu-central-1), dns 0.03 (route53). */
static const char test_json[] =
    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\",\"components\":["
    "{\"id\":\"voice\",\"name\":\"Voice\",\"user_share\":0.9,\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"us-east-1\"},{\"service\":\"lambda\",\"region\":\"us-east-1\"}]},"
    "{\"id\":\"eu\",\"name\":\"EU\",\"user_share\":0.2,\"depends_on\":["
    "  {\"service\":\"directconnect\",\"region\":\"eu-central-1\"}]},"
    "{\"id\":\"dns\",\"name\":\"DNS\",\"user_share\":0.03,\"depends_on\":[{\"service\":\"route53\"}]}"
    "]}";

#define UNREADABLE (-2)
#define MAXF 16

struct fspec {
	const char *slug;
	int state;          /* status_aws, or UNREADABLE */
	int64_t epoch;      /* of the newest item */
	const char *title;
};

/* One judgement: feeds and the mapper's result, owning what they point to. */
struct judged {
	struct mapper_feed feeds[MAXF];
	struct classify_service svcs[MAXF];
	char guids[MAXF][128];
	size_t nfeeds;
	struct mapper_result *map;
};

static struct config *cfg;

static int
setup(void **state)
{
	char err[CS_ERRLEN] = "";

	(void)state;
	if (config_parse("test", test_json, strlen(test_json), NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static void
judge(struct judged *j, const struct fspec *spec)
{
	const char *const *slugs;
	size_t n;

	memset(j, 0, sizeof(*j));
	slugs = config_feed_slugs(cfg, &n);
	assert_true(n <= MAXF);
	for (size_t i = 0; i < n; i++) {
		j->feeds[i].slug = slugs[i];
		j->feeds[i].readable = 1;
		for (size_t k = 0; spec != NULL && spec[k].slug != NULL; k++) {
			struct classify_service *s = &j->svcs[i];

			if (strcmp(spec[k].slug, slugs[i]) != 0)
				continue;
			if (spec[k].state == UNREADABLE) {
				j->feeds[i].readable = 0;
				continue;
			}
			snprintf(j->guids[i], sizeof(j->guids[i]), "https://status.aws.amazon.com/#%s_%lld",
			    slugs[i], (long long)spec[k].epoch);
			s->slug = (char *)(uintptr_t)slugs[i];
			s->state = (status_aws)spec[k].state;
			s->updated = spec[k].epoch;
			s->title = (char *)(uintptr_t)spec[k].title;
			s->guid = j->guids[i];
			s->resolved = spec[k].state == STATUS_AWS_NORMAL;
			j->feeds[i].svc = s;
		}
	}
	j->nfeeds = n;
	assert_int_equal(mapper_run(cfg, j->feeds, n, &j->map), CS_OK);
}

static void
judged_free(struct judged *j)
{
	mapper_result_free(j->map);
	j->map = NULL;
}

static struct incident_plan *
decide(const struct incident_view *v, size_t nv, const struct fspec *spec, int64_t now)
{
	struct judged j;
	struct incident_plan *plan = NULL;

	judge(&j, spec);
	{
		struct incident_input in = { cfg, v, nv, j.map, j.feeds, j.nfeeds, NULL, 0, now,
			INCIDENT_FLAP_WINDOW_DEFAULT };

		assert_int_equal(incident_decide(&in, &plan), CS_OK);
	}
	judged_free(&j);
	assert_non_null(plan);
	return plan;
}

#define T0 1786765379

static const struct fspec dc_impact[] = {
	{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0, "Service impact: Increased Packet loss" },
	{ NULL, 0, 0, NULL },
};

static void
test_nothing_when_all_normal(void **state)
{
	struct incident_plan *p;

	(void)state;
	p = decide(NULL, 0, NULL, T0);
	assert_int_equal(p->nactions, 0);
	incident_plan_free(p);
}

static void
test_open_on_first_item(void **state)
{
	struct incident_plan *p;
	const struct incident_action *a;

	(void)state;
	p = decide(NULL, 0, dc_impact, T0 + 60);
	assert_int_equal(p->nactions, 1);
	a = &p->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_OPEN);
	assert_int_equal(a->incident_id, 0);
	assert_int_equal(a->status, INCIDENT_INVESTIGATING);
	/* What changed for the components, then what AWS posted, naming the feed. */
	assert_string_equal(a->body, "Affected: EU (Degraded performance).\n"
	    "AWS Direct Connect (Frankfurt), 2026-08-15 03:42 UTC, AWS posted: "
	    "\"Service impact: Increased Packet loss\"");
	assert_true(a->post);
	assert_string_equal(a->title, "EU: Service impact: Increased Packet loss");
	assert_true(a->public);
	assert_int_equal(a->ncomponents, 1);
	assert_string_equal(a->components[0].id, "eu");
	assert_int_equal(a->components[0].status, STATUS_DEGRADED_PERFORMANCE);
	/* 20% of users, degraded performance: "> 15%, degraded" is P2. */
	assert_int_equal(a->share_bp, 2000);
	assert_int_equal(a->suggested, PRIORITY_P2);
	assert_int_equal(a->ncauses, 1);
	assert_string_equal(a->causes[0].slug, "directconnect-eu-central-1");
	assert_true(a->causes[0].open);
	incident_plan_free(p);
}

/* An open incident with the Direct Connect cause as mirrored at epoch `at`. */
struct fixture {
	struct incident_cause cause;
	struct incident_component comp;
	struct incident_view view;
	char guid[128];
};

static void
open_view(struct fixture *f, int64_t id, const char *slug, int64_t at, int open)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->guid, sizeof(f->guid), "https://status.aws.amazon.com/#%s_%lld", slug,
	    (long long)at);
	f->cause.slug = slug;
	f->cause.state = open ? STATUS_AWS_INFORMATIONAL : STATUS_AWS_NORMAL;
	f->cause.guid = f->guid;
	f->cause.title = "Service impact: Increased Packet loss";
	f->cause.time = at;
	f->cause.open = open;
	f->comp.id = strcmp(slug, "route53") == 0 ? "dns" : "eu";
	f->comp.status = open ? STATUS_DEGRADED_PERFORMANCE : STATUS_OPERATIONAL;
	f->view.id = id;
	f->view.status = open ? INCIDENT_IDENTIFIED : INCIDENT_RESOLVED;
	f->view.suggested = PRIORITY_P2;
	f->view.causes = &f->cause;
	f->view.ncauses = 1;
	f->view.components = &f->comp;
	f->view.ncomponents = 1;
}

static void
test_same_item_twice_is_nothing(void **state)
{
	struct fixture f;
	struct incident_plan *p;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	p = decide(&f.view, 1, dc_impact, T0 + 600);
	assert_int_equal(p->nactions, 0);
	incident_plan_free(p);
}

static void
test_newer_item_is_an_update(void **state)
{
	static const struct fspec later[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0 + 3600, "Service impact: still" },
		{ NULL, 0, 0, NULL },
	};
	struct fixture f;
	struct incident_plan *p;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	f.view.status = INCIDENT_INVESTIGATING;
	p = decide(&f.view, 1, later, T0 + 3660);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_UPDATE);
	assert_int_equal(p->actions[0].incident_id, 7);
	assert_int_equal(p->actions[0].status, INCIDENT_IDENTIFIED);
	/* No component moved: only what AWS posted. */
	assert_string_equal(p->actions[0].body, "AWS Direct Connect (Frankfurt), 2026-08-15 04:42 UTC, "
	    "AWS posted: \"Service impact: still\"");
	assert_true(p->actions[0].post);
	incident_plan_free(p);

	/* An engineer's "monitoring" is kept by AWS updates. */
	f.view.status = INCIDENT_MONITORING;
	p = decide(&f.view, 1, later, T0 + 3660);
	assert_int_equal(p->actions[0].status, INCIDENT_MONITORING);
	incident_plan_free(p);
}

static void
test_second_feed_joins_the_open_incident(void **state)
{
	static const struct fspec both[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0, "Service impact: Increased Packet loss" },
		{ "connect-us-east-1", STATUS_AWS_DISRUPTION, T0 + 100, "Service disruption: calls fail" },
		{ NULL, 0, 0, NULL },
	};
	struct fixture f;
	struct incident_plan *p;
	const struct incident_action *a;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	p = decide(&f.view, 1, both, T0 + 200);
	assert_int_equal(p->nactions, 1);
	a = &p->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_UPDATE);
	assert_int_equal(a->incident_id, 7);
	assert_string_equal(a->causes[0].slug, "connect-us-east-1");
	/* voice (90%, major outage) and eu: P1 now. */
	assert_int_equal(a->ncomponents, 2);
	assert_int_equal(a->worst, STATUS_MAJOR_OUTAGE);
	assert_int_equal(a->share_bp, 9000);
	assert_int_equal(a->suggested, PRIORITY_P1);
	incident_plan_free(p);

	/* Both new in one cycle: one incident opened by one update naming both. */
	p = decide(NULL, 0, both, T0 + 200);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_OPEN);
	assert_int_equal(p->actions[0].ncauses, 2);
	assert_string_equal(p->actions[0].causes[0].slug, "directconnect-eu-central-1");
	assert_string_equal(p->actions[0].causes[1].slug, "connect-us-east-1");
	assert_int_equal(p->actions[0].suggested, PRIORITY_P1);
	assert_string_equal(p->actions[0].body,
	    "Affected: Voice (Major outage); EU (Degraded performance).\n"
	    "AWS Direct Connect (Frankfurt), 2026-08-15 03:42 UTC, AWS posted: "
	    "\"Service impact: Increased Packet loss\"\n"
	    "Amazon Connect (N. Virginia), 2026-08-15 03:44 UTC, AWS posted: "
	    "\"Service disruption: calls fail\"");
	incident_plan_free(p);
}

static const struct fspec dc_resolved[] = {
	{ "directconnect-eu-central-1", STATUS_AWS_NORMAL, T0 + 7200,
	    "Service is operating normally: [RESOLVED] Increased Packet loss" },
	{ NULL, 0, 0, NULL },
};

static void
test_resolution_item_resolves(void **state)
{
	struct fixture f;
	struct incident_plan *p;
	const struct incident_action *a;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	p = decide(&f.view, 1, dc_resolved, T0 + 7260);
	assert_int_equal(p->nactions, 1);
	a = &p->actions[0];
	assert_int_equal(a->kind, INCIDENT_ACT_RESOLVE);
	assert_int_equal(a->status, INCIDENT_RESOLVED);
	assert_string_equal(a->body, "Operational again: EU.\n"
	    "AWS Direct Connect (Frankfurt), 2026-08-15 05:42 UTC, AWS posted: "
	    "\"Service is operating normally: [RESOLVED] Increased Packet loss\"");
	assert_int_equal(a->ncomponents, 1);
	assert_int_equal(a->components[0].status, STATUS_OPERATIONAL);
	assert_false(a->causes[0].open);
	/* The priority does not fall with the recovery. */
	assert_int_equal(a->suggested, PRIORITY_P2);
	incident_plan_free(p);
}

static void
test_partial_recovery_is_an_update(void **state)
{
	static const struct fspec one_left[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_NORMAL, T0 + 7200, "Service is operating normally: ok" },
		{ "route53", STATUS_AWS_DEGRADED, T0 + 50, "Service degradation: DNS" },
		{ NULL, 0, 0, NULL },
	};
	struct incident_cause causes[2];
	struct incident_component comps[2] = { { "eu", STATUS_DEGRADED_PERFORMANCE },
		{ "dns", STATUS_PARTIAL_OUTAGE } };
	struct incident_view v;
	struct incident_plan *p;

	(void)state;
	memset(causes, 0, sizeof(causes));
	causes[0] = (struct incident_cause){ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL,
		"g1", "Service impact: x", T0, 1, 0, 0, 0 };
	causes[1] = (struct incident_cause){ "route53", STATUS_AWS_DEGRADED,
		"https://status.aws.amazon.com/#route53_1786765429", "Service degradation: DNS", T0 + 50, 1, 0, 0, 0 };
	memset(&v, 0, sizeof(v));
	v.id = 3;
	v.status = INCIDENT_IDENTIFIED;
	v.causes = causes;
	v.ncauses = 2;
	v.components = comps;
	v.ncomponents = 2;
	p = decide(&v, 1, one_left, T0 + 7300);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_UPDATE);
	assert_string_equal(p->actions[0].body, "Operational again: EU.\n"
	    "AWS Direct Connect (Frankfurt), 2026-08-15 05:42 UTC, AWS posted: "
	    "\"Service is operating normally: ok\"");
	assert_int_equal(p->actions[0].ncomponents, 2);
	assert_int_equal(p->actions[0].components[0].status, STATUS_OPERATIONAL);   /* eu */
	assert_int_equal(p->actions[0].components[1].status, STATUS_PARTIAL_OUTAGE); /* dns */
	incident_plan_free(p);
}

static void
test_unreadable_feed_does_not_resolve(void **state)
{
	static const struct fspec unreadable[] = {
		{ "directconnect-eu-central-1", UNREADABLE, 0, NULL },
		{ NULL, 0, 0, NULL },
	};
	struct fixture f;
	struct incident_plan *p;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	p = decide(&f.view, 1, unreadable, T0 + 600);
	assert_int_equal(p->nactions, 0);
	incident_plan_free(p);
	/* Nor does an unreadable feed open anything. */
	p = decide(NULL, 0, unreadable, T0 + 600);
	assert_int_equal(p->nactions, 0);
	incident_plan_free(p);
}

static void
test_flap_reopens_within_the_window(void **state)
{
	struct fixture f;
	struct incident_plan *p;
	static const struct fspec back[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0 + 8000, "Service impact: again" },
		{ NULL, 0, 0, NULL },
	};

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0 + 7200, 0);
	f.view.resolved_at = T0 + 7260;
	p = decide(&f.view, 1, back, T0 + 7260 + 1799);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_REOPEN);
	assert_int_equal(p->actions[0].incident_id, 7);
	assert_int_equal(p->actions[0].status, INCIDENT_INVESTIGATING);
	incident_plan_free(p);

	/* Exactly at the window's end it still re-opens; one second later it is a new incident. */
	p = decide(&f.view, 1, back, T0 + 7260 + INCIDENT_FLAP_WINDOW_DEFAULT);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_REOPEN);
	incident_plan_free(p);
	p = decide(&f.view, 1, back, T0 + 7260 + INCIDENT_FLAP_WINDOW_DEFAULT + 1);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_OPEN);
	incident_plan_free(p);
}

static void
test_not_affected_is_private_and_takes_no_new_cause(void **state)
{
	static const struct fspec plus_dns[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0 + 3600, "Service impact: more" },
		{ "route53", STATUS_AWS_DISRUPTION, T0 + 3000, "Service disruption: DNS" },
		{ NULL, 0, 0, NULL },
	};
	struct fixture f;
	struct incident_plan *p;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	f.view.not_affected = 1;
	/* Ruled at informational, soon after it began (store_incident_rule_causes()). */
	f.cause.ruled = 1;
	f.cause.ruled_state = STATUS_AWS_INFORMATIONAL;
	f.cause.ruled_at = T0 + 60;
	p = decide(&f.view, 1, plus_dns, T0 + 3700);
	assert_int_equal(p->nactions, 2);
	/* Its own cause is still followed, in private. */
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_UPDATE);
	assert_int_equal(p->actions[0].incident_id, 7);
	assert_false(p->actions[0].public);
	/* The new AWS event opens a public incident of its own. */
	assert_int_equal(p->actions[1].kind, INCIDENT_ACT_OPEN);
	assert_true(p->actions[1].public);
	assert_string_equal(p->actions[1].causes[0].slug, "route53");
	/* DNS: 3% of users, major outage: P3. */
	assert_int_equal(p->actions[1].suggested, PRIORITY_P3);
	incident_plan_free(p);
}

/*
 * One AWS post copied onto several feeds (as AWS does for a multi-service
 * event: same title, same time): one update, the text once, every feed
 * named (three, then a count).
 */
static void
test_one_aws_update_on_many_feeds(void **state)
{
	static const struct fspec same[] = {
		{ "connect-us-east-1", STATUS_AWS_DISRUPTION, T0, "Service disruption: Increased error rates" },
		{ "lambda-us-east-1", STATUS_AWS_DISRUPTION, T0, "Service disruption: Increased error rates" },
		{ "directconnect-eu-central-1", STATUS_AWS_DISRUPTION, T0, "Service disruption: Increased error rates" },
		{ "route53", STATUS_AWS_DISRUPTION, T0, "Service disruption: Increased error rates" },
		{ NULL, 0, 0, NULL },
	};
	struct incident_plan *p;

	(void)state;
	p = decide(NULL, 0, same, T0 + 60);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_OPEN);
	assert_int_equal(p->actions[0].ncauses, 4);
	assert_string_equal(p->actions[0].body,
	    "Affected: Voice (Major outage); EU (Major outage); DNS (Major outage).\n"
	    "Amazon Connect (N. Virginia), AWS Direct Connect (Frankfurt), AWS Lambda (N. Virginia) "
	    "and 1 more, 2026-08-15 03:42 UTC, AWS posted: \"Service disruption: Increased error rates\"");
	incident_plan_free(p);
}

/*
 * The same AWS post reaching a second feed one poll later (a lagging
 * feed): the cause is recorded, but nothing new is posted for readers.
 */
static void
test_same_text_on_a_lagging_feed_posts_nothing(void **state)
{
	static const struct fspec lag[] = {
		{ "connect-us-east-1", STATUS_AWS_DISRUPTION, T0, "Service disruption: Increased error rates" },
		{ "lambda-us-east-1", STATUS_AWS_DISRUPTION, T0, "Service disruption: Increased error rates" },
		{ NULL, 0, 0, NULL },
	};
	struct incident_cause cause = { "connect-us-east-1", STATUS_AWS_DISRUPTION,
		"https://status.aws.amazon.com/#connect-us-east-1_1786765379",
		"Service disruption: Increased error rates", T0, 1, 0, 0, 0 };
	struct incident_component comp = { "voice", STATUS_MAJOR_OUTAGE };
	struct incident_view v;
	struct incident_plan *p;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.id = 4;
	v.status = INCIDENT_INVESTIGATING;
	v.causes = &cause;
	v.ncauses = 1;
	v.components = &comp;
	v.ncomponents = 1;
	p = decide(&v, 1, lag, T0 + 120);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_UPDATE);
	assert_int_equal(p->actions[0].ncauses, 1);
	assert_string_equal(p->actions[0].causes[0].slug, "lambda-us-east-1");
	assert_false(p->actions[0].post);
	incident_plan_free(p);
}

/* An update quotes the item's description, as plain text, bounded. */
static void
test_update_quotes_the_description(void **state)
{
	struct feed_item it;
	const struct feed_item *items[1] = { &it };
	struct judged j;
	struct incident_plan *p = NULL;
	struct incident_input in;
	const char *want = "AWS posted: \"Service impact: Increased Packet loss\"\n"
	    "We are seeing significant recovery for most connections at Equinix FR5 & FR7.";

	(void)state;
	judge(&j, dc_impact);
	memset(&it, 0, sizeof(it));
	it.guid = "https://status.aws.amazon.com/#directconnect-eu-central-1_1786765379";
	it.title = "Service impact: Increased Packet loss";
	it.description = "<p>We are seeing significant recovery for most connections at "
	    "Equinix FR5 &amp; FR7.</p><script>x()</script>";
	in = (struct incident_input){ cfg, NULL, 0, j.map, j.feeds, j.nfeeds, items, 1, T0 + 60,
		INCIDENT_FLAP_WINDOW_DEFAULT };
	assert_int_equal(incident_decide(&in, &p), CS_OK);
	judged_free(&j);
	assert_int_equal(p->nactions, 1);
	assert_non_null(strstr(p->actions[0].body, want));
	assert_null(strstr(p->actions[0].body, "x()"));
	incident_plan_free(p);
}

/*
 * A ruled-out incident that held route53 as a cause, closed by the time of
 * the ruling, does not take route53's new disruption: that is a new event
 * the ruling never covered, so it opens a public incident.
 */
static void
test_not_affected_does_not_absorb_a_closed_cause(void **state)
{
	static const struct fspec dns_down[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0, "Service impact: Increased Packet loss" },
		{ "route53", STATUS_AWS_DISRUPTION, T0 + 3000, "Service disruption: DNS" },
		{ NULL, 0, 0, NULL },
	};
	struct incident_cause causes[2] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL,
		  "https://status.aws.amazon.com/#directconnect-eu-central-1_1786765379",
		  "Service impact: Increased Packet loss", T0, 1, 1, STATUS_AWS_INFORMATIONAL, T0 + 60 },
		{ "route53", STATUS_AWS_NORMAL, "g-old", "Service is operating normally", T0 - 600, 0, 0,
		  STATUS_AWS_NORMAL, 0 },
	};
	struct incident_component comp = { "eu", STATUS_DEGRADED_PERFORMANCE };
	struct incident_view v;
	struct incident_plan *p;
	size_t pub = 0;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.id = 7;
	v.status = INCIDENT_IDENTIFIED;
	v.not_affected = 1;
	v.causes = causes;
	v.ncauses = 2;
	v.components = &comp;
	v.ncomponents = 1;
	p = decide(&v, 1, dns_down, T0 + 3060);
	for (size_t i = 0; i < p->nactions; i++) {
		const struct incident_action *a = &p->actions[i];

		if (a->public) {
			pub++;
			assert_int_equal(a->kind, INCIDENT_ACT_OPEN);
			assert_string_equal(a->causes[0].slug, "route53");
		} else {
			assert_int_equal(a->incident_id, 7);
			for (size_t k = 0; k < a->ncauses; k++)
				assert_string_not_equal(a->causes[k].slug, "route53");
		}
	}
	assert_int_equal(pub, 1);
	incident_plan_free(p);
}

/* A long AWS title is cut for the incident's title at a character boundary, never inside one. */
static void
test_long_title_cut_whole_characters(void **state)
{
	static char title[1300];
	static struct fspec longone[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0, title },
		{ NULL, 0, 0, NULL },
	};
	struct incident_plan *p;
	size_t len;

	(void)state;
	strcpy(title, "Service impact: ");
	/* "EU: " + 16 ASCII bytes, then two-byte characters: byte 511 falls inside one. */
	for (size_t i = 0; i < 600; i++)
		strcat(title, "\xc3\xa9");
	p = decide(NULL, 0, longone, T0 + 60);
	assert_int_equal(p->nactions, 1);
	len = strlen(p->actions[0].title);
	assert_true(len < 512);
	assert_true(len >= 509);
	/* Ends with a whole "é". */
	assert_int_equal((unsigned char)p->actions[0].title[len - 1], 0xa9);
	assert_int_equal((unsigned char)p->actions[0].title[len - 2], 0xc3);
	incident_plan_free(p);
}

/*
 * currentevents keeps one guid per event while its state moves: the same
 * guid at a worse state is news (an update, the priority recomputed).
 */
static void
test_same_guid_worse_state_is_an_update(void **state)
{
	static const struct fspec worse[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_DISRUPTION, T0, "Service impact: Increased Packet loss" },
		{ NULL, 0, 0, NULL },
	};
	struct fixture f;
	struct incident_plan *p;

	(void)state;
	open_view(&f, 7, "directconnect-eu-central-1", T0, 1);
	p = decide(&f.view, 1, worse, T0 + 600);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->actions[0].kind, INCIDENT_ACT_UPDATE);
	assert_true(p->actions[0].post);
	assert_int_equal(p->actions[0].causes[0].state, STATUS_AWS_DISRUPTION);
	assert_int_equal(p->actions[0].components[0].status, STATUS_MAJOR_OUTAGE);
	incident_plan_free(p);
}

/* Shares finer than a basis point never cross a threshold the policy draws strictly. */
static void
test_suggest_exact_thresholds(void **state)
{
	static const char json[] =
	    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\",\"components\":["
	    "{\"id\":\"a\",\"name\":\"A\",\"user_share\":0.04996,\"depends_on\":[{\"service\":\"route53\"}]},"
	    "{\"id\":\"b\",\"name\":\"B\",\"user_share\":0.25004,\"depends_on\":[{\"service\":\"route53\"}]},"
	    "{\"id\":\"c\",\"name\":\"C\",\"user_share\":0.25,\"depends_on\":[{\"service\":\"route53\"}]}]}";
	struct config *tc = NULL;
	char err[CS_ERRLEN];
	struct incident_component a = { "a", STATUS_DEGRADED_PERFORMANCE };
	struct incident_component b = { "b", STATUS_MAJOR_OUTAGE };
	struct incident_component c = { "c", STATUS_MAJOR_OUTAGE };
	unsigned share;

	(void)state;
	if (config_parse("t", json, strlen(json), NULL, &tc, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	/* 4.996% degraded: "< 5%", slowness: P4 (rounding to 5% would make it P3). */
	assert_int_equal(incident_suggest(tc, &a, 1, &share, NULL), PRIORITY_P4);
	assert_int_equal(share, 499);
	/* 25.004% down: "> 25%": P1; exactly 25% is not: P2. */
	assert_int_equal(incident_suggest(tc, &b, 1, &share, NULL), PRIORITY_P1);
	assert_int_equal(share, 2501);
	assert_int_equal(incident_suggest(tc, &c, 1, &share, NULL), PRIORITY_P2);
	assert_int_equal(share, 2500);
	config_free(tc);
}

static void
test_suggest_and_max(void **state)
{
	struct incident_component c[2] = { { "voice", STATUS_PARTIAL_OUTAGE }, { "dns", STATUS_MAJOR_OUTAGE } };
	unsigned share;
	status_component worst;

	(void)state;
	/* max share 90%, worst major_outage: P1. */
	assert_int_equal(incident_suggest(cfg, c, 2, &share, &worst), PRIORITY_P1);
	assert_int_equal(share, 9000);
	assert_int_equal(worst, STATUS_MAJOR_OUTAGE);
	assert_int_equal(incident_suggest(cfg, c + 1, 1, NULL, NULL), PRIORITY_P3);
	c[0].status = STATUS_OPERATIONAL;
	c[1].status = STATUS_OPERATIONAL;
	assert_int_equal(incident_suggest(cfg, c, 2, NULL, NULL), PRIORITY_NONE);
	assert_int_equal(incident_priority_max(PRIORITY_NONE, PRIORITY_P3), PRIORITY_P3);
	assert_int_equal(incident_priority_max(PRIORITY_P2, PRIORITY_P3), PRIORITY_P2);
	assert_int_equal(incident_priority_max(PRIORITY_P4, PRIORITY_P1), PRIORITY_P1);
}

static void
test_status_names(void **state)
{
	incident_status s;

	(void)state;
	for (int i = INCIDENT_INVESTIGATING; i <= INCIDENT_POSTMORTEM; i++) {
		assert_int_equal(incident_status_parse(incident_status_name((incident_status)i), &s), 0);
		assert_int_equal((int)s, i);
	}
	assert_int_equal(incident_status_parse("reopened", &s), -1);
	assert_true(incident_status_closed(INCIDENT_RESOLVED));
	assert_false(incident_status_closed(INCIDENT_MONITORING));
}

/* The plan of an opening and of a join, as text. */
static void
test_plan_golden(void **state)
{
	static const struct fspec both[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL, T0, "Service impact: Increased Packet loss" },
		{ "lambda-us-east-1", STATUS_AWS_DEGRADED, T0 + 100, "Service degradation: Increased invoke errors" },
		{ NULL, 0, 0, NULL },
	};
	struct incident_plan *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	p = decide(NULL, 0, both, T0 + 200);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	incident_plan_dump(p, fp);
	fclose(fp);
	testutil_golden("incident-plan-open-two-feeds.txt", buf, len);
	free(buf);
	incident_plan_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_when_all_normal),
		cmocka_unit_test(test_open_on_first_item),
		cmocka_unit_test(test_same_item_twice_is_nothing),
		cmocka_unit_test(test_newer_item_is_an_update),
		cmocka_unit_test(test_second_feed_joins_the_open_incident),
		cmocka_unit_test(test_resolution_item_resolves),
		cmocka_unit_test(test_partial_recovery_is_an_update),
		cmocka_unit_test(test_unreadable_feed_does_not_resolve),
		cmocka_unit_test(test_flap_reopens_within_the_window),
		cmocka_unit_test(test_not_affected_is_private_and_takes_no_new_cause),
		cmocka_unit_test(test_suggest_and_max),
		cmocka_unit_test(test_suggest_exact_thresholds),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_plan_golden),
		cmocka_unit_test(test_one_aws_update_on_many_feeds),
		cmocka_unit_test(test_same_text_on_a_lagging_feed_posts_nothing),
		cmocka_unit_test(test_update_quotes_the_description),
		cmocka_unit_test(test_not_affected_does_not_absorb_a_closed_cause),
		cmocka_unit_test(test_long_title_cut_whole_characters),
		cmocka_unit_test(test_same_guid_worse_state_is_an_update),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
