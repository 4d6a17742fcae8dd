/* test_mail_plan.c: a mailing's content from outbox rows (mail_plan) and subscriber input checks (subscription). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "email/mail_plan.h"
#include "email/subscription.h"

static struct config *
click(void)
{
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";

	if (config_load(NULL, NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("config: %s", err);
	return cfg;
}

/*
 * Three updates of incident 4 carried by one mailing: the newest status,
 * the components of the newest update, every update newest first, the
 * facts of the store (priority, since, next update), the page URL.
 */
static void
test_incident_burst(void **state)
{
	struct config *cfg = click();
	struct mailq_row rows[4] = {
		{ 11, (char *)"incident:4", (char *)"{\"type\":\"incident_update\",\"incident\":4,"
		  "\"update\":1,\"status\":\"investigating\",\"title\":\"Calls fail\",\"body\":\"first\","
		  "\"at\":\"2026-08-17T18:00:00Z\",\"components\":[{\"id\":\"inbound-voice\","
		  "\"name\":\"Inbound calls\",\"status\":\"partial_outage\"}]}", 0 },
		{ 12, (char *)"incident:4", (char *)"{\"type\":\"incident_update\",\"incident\":4,"
		  "\"update\":2,\"status\":\"identified\",\"title\":\"Calls fail\",\"body\":\"second\","
		  "\"at\":\"2026-08-17T18:05:00Z\",\"components\":[{\"id\":\"inbound-voice\","
		  "\"name\":\"Inbound calls\",\"status\":\"major_outage\"}]}", 0 },
		{ 13, (char *)"incident:4", (char *)"{\"type\":\"incident_update\",\"incident\":4,"
		  "\"update\":3,\"status\":\"resolved\",\"title\":\"Calls fail\",\"body\":\"third\","
		  "\"at\":\"2026-08-17T18:09:00Z\",\"components\":[{\"id\":\"inbound-voice\","
		  "\"name\":\"Inbound calls\",\"status\":\"operational\"}]}", 0 },
		{ 14, (char *)"incident:4", (char *)"{\"type\":\"rca\",\"incident\":4,\"final\":false,"
		  "\"title\":\"Calls fail\",\"at\":\"2026-08-18T10:00:00Z\"}", 0 },
	};
	struct mail_facts f = { 1, 0, "Calls fail (retitled)", 1, 1786989600, 1786990140, 0, NULL,
	    NULL, NULL, 0 };
	struct mail_planned p;
	struct mail_content c;
	struct mail_component comps[8];
	struct mail_update ups[8];
	char err[CS_ERRLEN] = "";
	json_t *doc = NULL;

	(void)state;
	assert_int_equal(mail_plan(cfg, rows, 4, &f, &p, err, sizeof(err)), CS_OK);
	/* The RCA is news of another kind: it waits for a mailing of its own. */
	assert_int_equal(p.ncarried, 3);
	assert_string_equal(p.kind, "incident");
	assert_int_equal(p.skip, 0);
	assert_int_equal(p.priority, 1);
	assert_string_equal(p.components_json, "[\"inbound-voice\"]");
	assert_int_equal(mail_plan_content(cfg, p.kind, p.content_json, &doc, &c, comps, ups, 8, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(c.kind, MAIL_INCIDENT);
	assert_string_equal(c.title, "Calls fail (retitled)");
	assert_string_equal(c.status, "resolved");
	assert_string_equal(c.priority, "P1");
	assert_int_equal(c.since, 1786989600);
	assert_int_equal(c.ncomponents, 1);
	assert_string_equal(c.components[0].name, "Inbound calls");
	assert_string_equal(c.components[0].status, "operational");
	assert_int_equal(c.nupdates, 3);
	assert_string_equal(c.updates[0].body, "third");
	assert_string_equal(c.updates[2].body, "first");
	assert_int_equal(c.updates[2].at, 1786989600);
	assert_string_equal(c.page_url, "https://status.synchronet.com/incidents/4.html");
	json_decref(doc);
	mail_planned_clear(&p);

	/* The RCA alone: it concerns the incident's components, which the store knows. */
	f.rca = "https://example.com/rca.pdf";
	f.components_json = "[\"inbound-voice\"]";
	assert_int_equal(mail_plan(cfg, rows + 3, 1, &f, &p, err, sizeof(err)), CS_OK);
	assert_string_equal(p.kind, "rca");
	assert_int_equal(mail_plan_content(cfg, p.kind, p.content_json, &doc, &c, comps, ups, 8, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(c.kind, MAIL_RCA);
	assert_string_equal(p.components_json, "[\"inbound-voice\"]");
	assert_string_equal(c.status, "draft");
	assert_string_equal(c.rca_text, "https://example.com/rca.pdf");
	json_decref(doc);
	mail_planned_clear(&p);

	/*
	 * A mail that replaced an unsent one: it carries only the newest row,
	 * but the incident's history (from the store) shows what the replaced
	 * mail said too, newest first.
	 */
	{
		struct mail_update hist[3] = {
			{ 1786989600, "investigating", "first" },
			{ 1786989900, "identified", "second (never mailed alone)" },
			{ 1786990140, "resolved", "third" },
		};

		f.history = hist;
		f.nhistory = 3;
		assert_int_equal(mail_plan(cfg, rows + 2, 1, &f, &p, err, sizeof(err)), CS_OK);
		assert_int_equal(mail_plan_content(cfg, p.kind, p.content_json, &doc, &c, comps, ups, 8,
		    err, sizeof(err)), CS_OK);
		assert_int_equal(c.nupdates, 3);
		assert_string_equal(c.updates[0].body, "third");
		assert_string_equal(c.updates[1].body, "second (never mailed alone)");
		assert_string_equal(c.status, "resolved");
		json_decref(doc);
		mail_planned_clear(&p);
		f.history = NULL;
		f.nhistory = 0;
	}

	/* Ruled "not affected": nothing is mailed, the rows are settled. */
	f.hidden = 1;
	assert_int_equal(mail_plan(cfg, rows, 3, &f, &p, err, sizeof(err)), CS_OK);
	assert_int_equal(p.skip, 1);
	assert_int_equal(p.ncarried, 3);
	mail_planned_clear(&p);
	config_free(cfg);
}

/* A maintenance: no priority filter, its components under maintenance until completed. */
static void
test_maintenance(void **state)
{
	struct config *cfg = click();
	struct mailq_row row = { 20, (char *)"maintenance:2", (char *)"{\"type\":\"maintenance\","
	    "\"maintenance\":2,\"status\":\"in_progress\",\"title\":\"Upgrade\",\"at\":"
	    "\"2026-08-17T18:00:00Z\",\"components\":[\"reporting\"]}", 0 };
	struct mail_facts f = { 1, 0, "Upgrade", 0, 1786989600, 1787425200, 0, NULL, NULL, NULL, 0 };
	struct mail_planned p;
	struct mail_content c;
	struct mail_component comps[8];
	struct mail_update ups[8];
	char err[CS_ERRLEN] = "";
	json_t *doc = NULL;

	(void)state;
	assert_int_equal(mail_plan(cfg, &row, 1, &f, &p, err, sizeof(err)), CS_OK);
	assert_string_equal(p.kind, "maintenance");
	assert_int_equal(p.priority, 0);
	assert_int_equal(mail_plan_content(cfg, p.kind, p.content_json, &doc, &c, comps, ups, 8, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(c.ncomponents, 1);
	assert_string_equal(c.components[0].status, "under_maintenance");
	assert_int_equal(c.until, 1787425200);
	assert_string_equal(c.page_url, "https://status.synchronet.com/incidents/m2.html");
	json_decref(doc);
	mail_planned_clear(&p);
	config_free(cfg);
}

/* A row that is not an outbox payload is refused with its id. */
static void
test_bad_row(void **state)
{
	struct config *cfg = click();
	struct mailq_row row = { 77, (char *)"incident:1", (char *)"{\"type\":\"pigeon\"}", 0 };
	struct mail_facts f = { 1, 0, "x", 0, 0, 0, 0, NULL, NULL, NULL, 0 };
	struct mail_planned p;
	char err[CS_ERRLEN] = "";

	(void)state;
	assert_int_equal(mail_plan(cfg, &row, 1, &f, &p, err, sizeof(err)), CS_ERR_PARSE);
	assert_non_null(strstr(err, "outbox row 77"));
	config_free(cfg);
}

/* What a person types: addresses, component lists, priorities. */
static void
test_subscription_input(void **state)
{
	struct config *cfg = click();
	char out[300], err[CS_ERRLEN] = "", *json = NULL;
	int prio = 0;

	(void)state;
	assert_int_equal(subscription_address("  Jane.Doe@Example.COM ", out, sizeof(out), err,
	    sizeof(err)), CS_OK);
	assert_string_equal(out, "Jane.Doe@example.com");
	assert_int_equal(subscription_address("a@b.com\r\nBcc: x@y.com", out, sizeof(out), err,
	    sizeof(err)), CS_ERR_PARSE);
	assert_non_null(strstr(err, "control character"));
	assert_int_equal(subscription_address("not an address", out, sizeof(out), err, sizeof(err)),
	    CS_ERR_PARSE);
	assert_int_equal(subscription_address("", out, sizeof(out), err, sizeof(err)), CS_ERR_PARSE);
	/* An internationalised domain, typed in Unicode or in ASCII: stored and mailed in ASCII. */
	assert_int_equal(subscription_address(" Jan@M\xc3\xbcller.Example", out, sizeof(out), err,
	    sizeof(err)), CS_OK);
	assert_string_equal(out, "Jan@xn--mller-kva.example");
	assert_int_equal(subscription_address("jan@XN--MLLER-KVA.example", out, sizeof(out), err,
	    sizeof(err)), CS_OK);
	assert_string_equal(out, "jan@xn--mller-kva.example");
	/* A Unicode local part, a space or a bad label in the domain: refused, never cut. */
	assert_int_equal(subscription_address("j\xc3\xa4n@m\xc3\xbcller.example", out, sizeof(out),
	    err, sizeof(err)), CS_ERR_PARSE);
	assert_int_equal(subscription_address("j@ex ample.c\xc3\xb6m", out, sizeof(out), err,
	    sizeof(err)), CS_ERR_PARSE);
	assert_string_equal(out, "");
	assert_int_equal(subscription_address("j@m\xc3\xbcller..example", out, sizeof(out), err,
	    sizeof(err)), CS_ERR_PARSE);
	assert_int_equal(subscription_address("j@le.xn--a", out, sizeof(out), err, sizeof(err)),
	    CS_ERR_PARSE);

	assert_int_equal(subscription_components(cfg, "reporting, inbound-voice;reporting", &json,
	    err, sizeof(err)), CS_OK);
	assert_string_equal(json, "[\"inbound-voice\",\"reporting\"]");
	free(json);
	assert_int_equal(subscription_components(cfg, "all", &json, err, sizeof(err)), CS_OK);
	assert_null(json);
	assert_int_equal(subscription_components(cfg, "inbound-voice,telepathy", &json, err,
	    sizeof(err)), CS_ERR_PARSE);
	assert_non_null(strstr(err, "unknown component \"telepathy\""));

	assert_int_equal(subscription_priority("P2", &prio, err, sizeof(err)), CS_OK);
	assert_int_equal(prio, 2);
	assert_int_equal(subscription_priority("all", &prio, err, sizeof(err)), CS_OK);
	assert_int_equal(prio, 4);
	assert_int_equal(subscription_priority("P5", &prio, err, sizeof(err)), CS_ERR_PARSE);
	config_free(cfg);
}

struct seen {
	size_t n;
	char first[300];
	int first_prio;
	char first_comps[300];
};

static cs_err
count_row(void *arg, const struct subscription_row *r)
{
	struct seen *s = arg;

	if (s->n++ == 0) {
		snprintf(s->first, sizeof(s->first), "%s/%s", r->email, r->state);
		s->first_prio = r->min_priority;
		snprintf(s->first_comps, sizeof(s->first_comps), "%s",
		    r->components_json ? r->components_json : "all");
	}
	return CS_OK;
}

/* CSV: columns in any order, quotes, and all-or-nothing with every bad line named. */
static void
test_csv(void **state)
{
	struct config *cfg = click();
	const char *good = "min_priority,email,components\r\n"
	    "P2,\"ann@Example.com\",\"reporting inbound-voice\"\r\n"
	    ",bob@example.com,\r\n";
	const char *bad = "email,state\n"
	    "ann@example.com,confirmed\n"
	    "bob@@example.com,confirmed\n"
	    "cat@example.com,wobbly\n"
	    "ANN@example.com,confirmed\n"
	    "\"dan@example.com,confirmed\n";
	struct seen s;
	char err[2048] = "";
	FILE *fp;

	(void)state;
	memset(&s, 0, sizeof(s));
	fp = fmemopen((void *)good, strlen(good), "r");
	assert_int_equal(subscription_csv_read(fp, "subs.csv", cfg, count_row, &s, err, sizeof(err)),
	    CS_OK);
	fclose(fp);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.first, "ann@example.com/confirmed");
	assert_int_equal(s.first_prio, 2);
	assert_string_equal(s.first_comps, "[\"inbound-voice\",\"reporting\"]");

	memset(&s, 0, sizeof(s));
	fp = fmemopen((void *)bad, strlen(bad), "r");
	assert_int_equal(subscription_csv_read(fp, "subs.csv", cfg, count_row, &s, err, sizeof(err)),
	    CS_ERR_PARSE);
	fclose(fp);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(err, "subs.csv:3: email:"));
	assert_non_null(strstr(err, "subs.csv:4: state \"wobbly\""));
	/* ANN@ and ann@ are one subscriber, as for every mail provider. */
	assert_non_null(strstr(err, "subs.csv:5: the same address as line 2"));
	assert_non_null(strstr(err, "subs.csv:6: malformed CSV"));
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incident_burst),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_bad_row),
		cmocka_unit_test(test_subscription_input),
		cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
