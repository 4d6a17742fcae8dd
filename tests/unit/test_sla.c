/* test_sla.c: the clocks of incidents of each priority (met, due, overdue, late) and their dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/sla.h"

/*
 * Times are written by hand as UTC, with the Chicago wall clock in a
 * comment; ts() converts with its own calendar arithmetic (NULL is 0,
 * "has not happened").
 */
static int64_t
ts(const char *s)
{
	int64_t v[6] = { 0 };
	static const int pos[6] = { 0, 5, 8, 11, 14, 17 };
	static const int len[6] = { 4, 2, 2, 2, 2, 2 };
	int64_t y, m, era, yoe, doy, doe;

	if (s == NULL)
		return 0;
	assert_int_equal(strlen(s), 20);
	assert_int_equal(s[19], 'Z');
	for (int f = 0; f < 6; f++) {
		for (int i = 0; i < len[f]; i++) {
			char c = s[pos[f] + i];

			assert_true(c >= '0' && c <= '9');
			v[f] = v[f] * 10 + (c - '0');
		}
	}
	y = v[0] - (v[1] <= 2);
	m = v[1];
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + v[2] - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}

static void
clock_with_holidays(struct bizclock *bc)
{
	static const char *const days[] = { "2026-11-26", "2026-12-25", "2027-01-01" };

	bizclock_init(bc);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		assert_int_equal(bizclock_add_holiday(bc, days[i], NULL, 0), CS_OK);
}

struct want_clock {
	const char *name;
	sla_state state;
	const char *deadline;
	const char *met_at; /* NULL: 0 */
};

struct sla_case {
	const char *why;
	priority prio;
	const char *opened, *responded, *updated, *resolved, *draft, *final;
	const char *now;
	size_t nclocks;
	struct want_clock clocks[SLA_MAX_CLOCKS];
};

static const struct sla_case cases[] = {
	{ "P3 opened Fri 16:00 CST, now Mon 14:00 CDT: response due Mon 15:00 CDT",
		PRIORITY_P3, "2026-03-06T22:00:00Z", NULL, NULL, NULL, NULL, NULL,
		"2026-03-09T19:00:00Z", 2, {
		{ "initial_response", SLA_DUE, "2026-03-09T20:00:00Z", NULL },
		{ "next_update", SLA_DUE, "2026-03-11T22:00:00Z", NULL }, /* Wed 17:00 CDT */
	} },
	{ "P3, now exactly at the response deadline: still due",
		PRIORITY_P3, "2026-03-06T22:00:00Z", NULL, NULL, NULL, NULL, NULL,
		"2026-03-09T20:00:00Z", 2, {
		{ "initial_response", SLA_DUE, "2026-03-09T20:00:00Z", NULL },
		{ "next_update", SLA_DUE, "2026-03-11T22:00:00Z", NULL },
	} },
	{ "P3, one second after the response deadline: overdue",
		PRIORITY_P3, "2026-03-06T22:00:00Z", NULL, NULL, NULL, NULL, NULL,
		"2026-03-09T20:00:01Z", 2, {
		{ "initial_response", SLA_OVERDUE, "2026-03-09T20:00:00Z", NULL },
		{ "next_update", SLA_DUE, "2026-03-11T22:00:00Z", NULL },
	} },
	{ "P3 answered at the deadline instant (Mon 15:00 CDT): met; updates from then",
		PRIORITY_P3, "2026-03-06T22:00:00Z", "2026-03-09T20:00:00Z", NULL, NULL, NULL, NULL,
		"2026-03-10T15:00:00Z", 2, {
		{ "initial_response", SLA_MET, "2026-03-09T20:00:00Z", "2026-03-09T20:00:00Z" },
		/* Monday has begun: Tue, Wed, Thu 17:00 CDT */
		{ "next_update", SLA_DUE, "2026-03-12T22:00:00Z", NULL },
	} },
	{ "P1 opened Sat 12:00 CST (wall clock): answered in 20 min, update overdue",
		PRIORITY_P1, "2026-03-07T18:00:00Z", "2026-03-07T18:20:00Z", "2026-03-07T19:10:00Z",
		NULL, NULL, NULL, "2026-03-07T20:15:00Z", 2, {
		{ "initial_response", SLA_MET, "2026-03-07T18:30:00Z", "2026-03-07T18:20:00Z" },
		{ "next_update", SLA_OVERDUE, "2026-03-07T20:10:00Z", NULL },
	} },
	{ "P1 resolved Sat 14:00 CST: late answer, RCA draft met, final due",
		PRIORITY_P1, "2026-03-07T18:00:00Z", "2026-03-07T18:40:00Z", "2026-03-07T19:10:00Z",
		"2026-03-07T20:00:00Z", "2026-03-11T21:00:00Z", NULL, "2026-03-12T12:00:00Z", 4, {
		{ "initial_response", SLA_LATE, "2026-03-07T18:30:00Z", "2026-03-07T18:40:00Z" },
		{ "last_update", SLA_MET, "2026-03-07T20:10:00Z", "2026-03-07T20:00:00Z" },
		/* Mon, Tue, Wed 17:00 CDT, after the spring change */
		{ "rca_draft", SLA_MET, "2026-03-11T22:00:00Z", "2026-03-11T21:00:00Z" },
		/* Mon..Fri 17:00 CDT */
		{ "rca_final", SLA_DUE, "2026-03-13T22:00:00Z", NULL },
	} },
	{ "P1 resolved Sat: draft a day late, final overdue",
		PRIORITY_P1, "2026-03-07T18:00:00Z", "2026-03-07T18:20:00Z", "2026-03-07T19:10:00Z",
		"2026-03-07T20:00:00Z", "2026-03-12T15:00:00Z", NULL, "2026-03-14T00:00:00Z", 4, {
		{ "initial_response", SLA_MET, "2026-03-07T18:30:00Z", "2026-03-07T18:20:00Z" },
		{ "last_update", SLA_MET, "2026-03-07T20:10:00Z", "2026-03-07T20:00:00Z" },
		{ "rca_draft", SLA_LATE, "2026-03-11T22:00:00Z", "2026-03-12T15:00:00Z" },
		{ "rca_final", SLA_OVERDUE, "2026-03-13T22:00:00Z", NULL },
	} },
	{ "P2 Wed Nov 25 10:00 CST, resolved 10:45 unanswered; final RCA only, over Thanksgiving",
		PRIORITY_P2, "2026-11-25T16:00:00Z", NULL, NULL, "2026-11-25T16:45:00Z", NULL,
		"2026-12-01T20:00:00Z", "2026-12-02T00:00:00Z", 4, {
		{ "initial_response", SLA_MET, "2026-11-25T17:00:00Z", "2026-11-25T16:45:00Z" },
		{ "last_update", SLA_MET, "2026-11-25T17:00:00Z", "2026-11-25T16:45:00Z" },
		/* Fri 27, Mon 30, Tue Dec 1 17:00 CST; the final RCA covers the draft */
		{ "rca_draft", SLA_MET, "2026-12-01T23:00:00Z", "2026-12-01T20:00:00Z" },
		/* ... Wed 2, Thu Dec 3 17:00 CST */
		{ "rca_final", SLA_MET, "2026-12-03T23:00:00Z", "2026-12-01T20:00:00Z" },
	} },
	{ "P4 Thu Dec 24 10:00 CST: 24 business hours and 5 business days over the holidays",
		PRIORITY_P4, "2026-12-24T16:00:00Z", NULL, NULL, NULL, NULL, NULL,
		"2026-12-28T15:00:00Z", 2, {
		/* Thu 7h, Mon 9h, Tue 8h: Tue Dec 29 16:00 CST */
		{ "initial_response", SLA_DUE, "2026-12-29T22:00:00Z", NULL },
		/* Mon 28, Tue 29, Wed 30, Thu 31, (Jan 1 off), Mon Jan 4 17:00 CST */
		{ "next_update", SLA_DUE, "2027-01-04T23:00:00Z", NULL },
	} },
	{ "P3 resolved a week later with no update since Monday's answer: last update late",
		PRIORITY_P3, "2026-03-02T15:00:00Z", "2026-03-02T16:00:00Z", NULL,
		"2026-03-09T15:00:00Z", NULL, NULL, "2026-03-09T16:00:00Z", 2, {
		/* Mon 09:00 CST + 8h = Mon 17:00 CST */
		{ "initial_response", SLA_MET, "2026-03-02T23:00:00Z", "2026-03-02T16:00:00Z" },
		/* from Mon 10:00 CST: Tue, Wed, Thu 17:00 CST */
		{ "last_update", SLA_LATE, "2026-03-05T23:00:00Z", "2026-03-09T15:00:00Z" },
	} },
	{ "P2 during the repeated hour of Nov 1: wall-clock arithmetic",
		PRIORITY_P2, "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-01T06:55:00Z",
		NULL, NULL, NULL, "2026-11-01T07:30:00Z", 2, {
		/* opened 01:00 CDT; deadline 01:00 CST, an hour later */
		{ "initial_response", SLA_MET, "2026-11-01T07:00:00Z", "2026-11-01T06:30:00Z" },
		{ "next_update", SLA_DUE, "2026-11-01T07:55:00Z", NULL },
	} },
	{ "P2 with an update after resolution: ignored, the gap before resolution shows",
		PRIORITY_P2, "2026-03-09T15:00:00Z", "2026-03-09T15:10:00Z", "2026-03-09T18:00:00Z",
		"2026-03-09T17:00:00Z", NULL, NULL, "2026-03-09T18:30:00Z", 4, {
		{ "initial_response", SLA_MET, "2026-03-09T16:00:00Z", "2026-03-09T15:10:00Z" },
		{ "last_update", SLA_LATE, "2026-03-09T16:10:00Z", "2026-03-09T17:00:00Z" },
		/* resolved Mon 12:00 CDT: Tue, Wed, Thu 17:00 CDT */
		{ "rca_draft", SLA_DUE, "2026-03-12T22:00:00Z", NULL },
		/* Tue..Mon Mar 16 17:00 CDT */
		{ "rca_final", SLA_DUE, "2026-03-16T22:00:00Z", NULL },
	} },
};

static void
fill(const struct sla_case *c, struct sla_incident *in)
{
	memset(in, 0, sizeof(*in));
	in->prio = c->prio;
	in->opened_at = ts(c->opened);
	in->responded_at = ts(c->responded);
	in->updated_at = ts(c->updated);
	in->resolved_at = ts(c->resolved);
	in->rca_draft_at = ts(c->draft);
	in->rca_final_at = ts(c->final);
}

static void
test_clocks(void **state)
{
	struct bizclock bc;

	(void)state;
	clock_with_holidays(&bc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sla_case *c = &cases[i];
		struct sla_incident in;
		struct sla_report r;
		char err[CS_ERRLEN] = "";
		cs_err rc;

		fill(c, &in);
		rc = sla_compute(&in, &bc, ts(c->now), &r, err, sizeof(err));
		if (rc != CS_OK)
			fail_msg("%s: %s (%s)", c->why, cs_strerror(rc), err);
		assert_int_equal(r.prio, c->prio);
		if (r.nclocks != c->nclocks)
			fail_msg("%s: %zu clocks, want %zu", c->why, r.nclocks, c->nclocks);
		for (size_t k = 0; k < c->nclocks; k++) {
			const struct sla_clock *got = &r.clocks[k];
			const struct want_clock *w = &c->clocks[k];

			if (strcmp(got->name, w->name) != 0 || got->state != w->state ||
			    got->deadline != ts(w->deadline) || got->met_at != ts(w->met_at))
				fail_msg("%s: clock %zu: got %s %s %lld %lld, want %s %s %s %s", c->why, k,
					got->name, sla_state_name(got->state), (long long)got->deadline,
					(long long)got->met_at, w->name, sla_state_name(w->state),
					w->deadline, w->met_at != NULL ? w->met_at : "-");
		}
	}
}

static void
test_bad_facts(void **state)
{
	struct bizclock bc;
	struct sla_incident in;
	struct sla_report r;
	char err[CS_ERRLEN];

	(void)state;
	bizclock_init(&bc);
	memset(&in, 0, sizeof(in));
	in.prio = PRIORITY_NONE;
	in.opened_at = ts("2026-03-09T15:00:00Z");
	assert_int_equal(sla_compute(&in, &bc, in.opened_at, &r, err, sizeof(err)), CS_ERR_STATE);
	assert_true(strstr(err, "priority") != NULL);

	in.prio = PRIORITY_P2;
	in.opened_at = 0;
	assert_int_equal(sla_compute(&in, &bc, 1, &r, err, sizeof(err)), CS_ERR_STATE);
	assert_true(strstr(err, "opening") != NULL);

	in.opened_at = ts("2026-03-09T15:00:00Z");
	in.resolved_at = ts("2026-03-09T14:00:00Z");
	assert_int_equal(sla_compute(&in, &bc, in.opened_at, &r, err, sizeof(err)), CS_ERR_STATE);
	assert_true(strstr(err, "before it opened") != NULL);

	/* A P3 needs business time; a clock with no business day cannot give it. */
	in.prio = PRIORITY_P3;
	in.resolved_at = 0;
	bc.weekdays = 0;
	assert_int_equal(sla_compute(&in, &bc, in.opened_at, &r, err, sizeof(err)), CS_ERR_CONFIG);
	assert_true(strstr(err, "business") != NULL);
	/* A P1 is wall-clock until resolution, so it still computes. */
	in.prio = PRIORITY_P1;
	assert_int_equal(sla_compute(&in, &bc, in.opened_at, &r, NULL, 0), CS_OK);
	assert_int_equal(r.nclocks, 2);
}

static void
test_dump(void **state)
{
	static const char want[] =
		"priority P1\n"
		"initial_response\tlate\t2026-03-07T18:30:00Z\t2026-03-07T18:40:00Z\n"
		"last_update\tmet\t2026-03-07T20:10:00Z\t2026-03-07T20:00:00Z\n"
		"rca_draft\tmet\t2026-03-11T22:00:00Z\t2026-03-11T21:00:00Z\n"
		"rca_final\tdue\t2026-03-13T22:00:00Z\t-\n";
	struct bizclock bc;
	struct sla_incident in;
	struct sla_report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	bizclock_init(&bc);
	fill(&cases[5], &in);
	assert_int_equal(sla_compute(&in, &bc, ts(cases[5].now), &r, NULL, 0), CS_OK);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(sla_dump(&r, fp), CS_OK);
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(buf, want);
	free(buf);
	assert_string_equal(sla_state_name(SLA_OVERDUE), "overdue");
	assert_string_equal(sla_state_name((sla_state)9), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_bad_facts),
		cmocka_unit_test(test_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
