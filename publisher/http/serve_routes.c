/* serve_routes.c: the pages of `clickstatus serve`: subscribe, confirm, manage, unsubscribe. */
#include "http/serve_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email/subscription.h"
#include "store/subscribers.h"

int
serve_route_known(const char *route)
{
	return strcmp(route, "/subscribe") == 0 || strcmp(route, "/confirm") == 0 ||
	    strcmp(route, "/manage") == 0 || strcmp(route, "/unsubscribe") == 0;
}

static enum MHD_Result
page(struct serve *s, struct MHD_Connection *c, unsigned status, const char *view,
    const char *problem)
{
	struct serve_view v;

	memset(&v, 0, sizeof(v));
	v.view = view;
	v.problem = problem;
	return serve_respond(s, c, status, &v, 0);
}

/* The one answer for every link that does not work, whatever the reason. */
static enum MHD_Result
invalid_link(struct serve *s, struct MHD_Connection *c)
{
	return page(s, c, MHD_HTTP_BAD_REQUEST, "invalid-link", NULL);
}

static enum MHD_Result
failed(struct serve *s, struct MHD_Connection *c, const char *what, const char *err)
{
	serve_say(s, "error", "%s: %s", what, err);
	return page(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "error", NULL);
}

/* The t of the form, else of the query (the unsubscribe link carries it in the URL). */
static const char *
token_of(const struct serve_req *r, struct MHD_Connection *c)
{
	return serve_form_token(&r->form, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t"));
}

/*
 * POST /subscribe. Whatever the address's state, and whether or not its
 * per-address limit let a mail go, the answer is the same page and the
 * same status: the form cannot be used to learn who subscribed.
 */
static enum MHD_Result
subscribe(struct serve *s, struct MHD_Connection *c, struct serve_req *r)
{
	char email[SUBSCRIPTION_ADDR_MAX + 1], masked[SUBSCRIPTION_ADDR_MAX + 8], err[CS_ERRLEN];
	char mid[48], words[CS_ERRLEN];
	char *json = NULL;
	const char *problem;
	enum subflow_outcome out;
	int64_t retry = 0, id = 0, mailing = 0, now = serve_now(s);
	struct serve_view v;
	int prio = 4, again = 0;
	enum MHD_Result ret;

	if (!ratelimit_hit(s->rl, r->client, now, &retry, &again)) {
		/* once per run of refusals: a flood must not flood the log */
		serve_say(s, again ? "debug" : "info", "subscribe: client %s over %d an hour: 429"
		    " (until it slows down)", r->client, s->o->cfg->email.rate_per_client);
		memset(&v, 0, sizeof(v));
		v.view = "too-many";
		v.retry_minutes = (retry + 59) / 60;
		return serve_respond(s, c, 429, &v, retry);
	}
	/* the checker's words never quote the address: they go to the log as they are */
	err[0] = '\0';
	if (subscription_address(serve_form_get(&r->form, "email"), email, sizeof(email), err,
	    sizeof(err)) != CS_OK) {
		serve_say(s, "info", "subscribe refused: %s", err);
		return page(s, c, MHD_HTTP_BAD_REQUEST, "bad-address",
		    serve_form_sentence(err, words, sizeof(words)));
	}
	problem = serve_form_prefs(s->o->cfg, &r->form, 1, &json, &prio, words, sizeof(words));
	if (problem != NULL) {
		serve_say(s, "info", "subscribe refused: %s", problem);
		ret = page(s, c, MHD_HTTP_BAD_REQUEST, "bad-form", problem);
		goto out;
	}
	err[0] = '\0';
	if (subflow_subscribe(&s->flow, email, json, prio, now, &out, &id, &mailing, err,
	    sizeof(err)) != CS_OK) {
		ret = failed(s, c, "subscribe", err);
		goto out;
	}
	store_sub_mask(email, masked, sizeof(masked));
	mid[0] = '\0';
	if (mailing > 0)
		snprintf(mid, sizeof(mid), " (mailing #%" PRId64 ")", mailing);
	serve_say(s, "info", "subscribe %s (#%" PRId64 "): %s%s", masked, id,
	    subflow_outcome_name(out), mid);
	ret = page(s, c, MHD_HTTP_OK, "check-inbox", NULL);
out:
	free(json);
	return ret;
}

/* GET /confirm shows a button; POST /confirm spends the token (mail scanners only GET). */
static enum MHD_Result
confirm(struct serve *s, struct MHD_Connection *c, struct serve_req *r)
{
	const char *t = token_of(r, c);
	char err[CS_ERRLEN], link[MAIL_LINK_LEN], url[sizeof(s->base) + MAIL_LINK_LEN + 16];
	struct serve_view v;
	int64_t id = 0;
	cs_err rc;

	memset(&v, 0, sizeof(v));
	/* what the page would carry back is only ever a token's shape (GET looks no further) */
	if (!subflow_token_shape_ok(t))
		return invalid_link(s, c);
	if (r->method != SM_POST) {
		v.view = "confirm";
		v.token = t;
		return serve_respond(s, c, MHD_HTTP_OK, &v, 0);
	}
	err[0] = '\0';
	rc = subflow_confirm(&s->flow, t, serve_now(s), &id, link, err, sizeof(err));
	if (rc == CS_ERR_NOTFOUND) {
		serve_say(s, "info", "confirm refused: token unknown, expired, used or withdrawn");
		return invalid_link(s, c);
	}
	if (rc != CS_OK)
		return failed(s, c, "confirm", err);
	serve_say(s, "info", "subscriber #%" PRId64 " confirmed", id);
	snprintf(url, sizeof(url), "%s/manage?t=%s", s->base, link);
	v.view = "confirmed";
	v.link = url;
	return serve_respond(s, c, MHD_HTTP_OK, &v, 0);
}

/* GET /manage: the preferences form; POST /manage saves it. */
static enum MHD_Result
manage(struct serve *s, struct MHD_Connection *c, struct serve_req *r)
{
	const char *t = token_of(r, c), *problem = NULL;
	char err[CS_ERRLEN], unsub[MAIL_LINK_LEN], words[CS_ERRLEN];
	struct store_subscriber sub;
	struct serve_view v;
	char *json = NULL;
	int prio = 4;
	unsigned status = MHD_HTTP_OK;
	enum MHD_Result ret;
	cs_err rc;

	memset(&v, 0, sizeof(v));
	err[0] = '\0';
	rc = subflow_link_subscriber(&s->flow, "manage", t, &sub, err, sizeof(err));
	if (rc == CS_ERR_NOTFOUND) {
		serve_say(s, "info", "manage refused: link malformed or not signed for its subscriber");
		return invalid_link(s, c);
	}
	if (rc != CS_OK)
		return failed(s, c, "manage", err);
	if (r->method == SM_POST) {
		problem = serve_form_prefs(s->o->cfg, &r->form, 0, &json, &prio, words, sizeof(words));
		if (problem != NULL) {
			status = MHD_HTTP_BAD_REQUEST;
		} else if (subflow_save(&s->flow, &sub, json, prio, serve_now(s), err,
		    sizeof(err)) != CS_OK) {
			ret = failed(s, c, "manage", err);
			goto out;
		} else {
			v.saved = 1;
			serve_say(s, "info", "subscriber #%" PRId64 " preferences: components %s,"
			    " priorities P1 to P%d", sub.id, json != NULL ? json : "all", prio);
		}
	}
	subflow_link(&s->flow, "unsubscribe", &sub, unsub);
	v.view = "manage";
	v.problem = problem;
	v.token = t;
	v.unsub_token = unsub;
	v.state = sub.state;
	v.components_json = sub.components_json;
	v.min_priority = sub.min_priority;
	ret = serve_respond(s, c, status, &v, 0);
out:
	free(json);
	store_subscriber_clear(&sub);
	return ret;
}

/*
 * GET /unsubscribe: a button; POST unsubscribes, from the page's form or
 * as RFC 8058's one-click POST (body List-Unsubscribe=One-Click, the token
 * in the URL) that mail clients send from the List-Unsubscribe header.
 * Both answer 200, a second time too.
 */
static enum MHD_Result
unsubscribe(struct serve *s, struct MHD_Connection *c, struct serve_req *r)
{
	const char *t = token_of(r, c), *oc = serve_form_get(&r->form, "List-Unsubscribe");
	struct store_subscriber sub;
	struct serve_view v;
	char err[CS_ERRLEN];
	int already = 0;
	enum MHD_Result ret;
	cs_err rc;

	memset(&v, 0, sizeof(v));
	err[0] = '\0';
	rc = subflow_link_subscriber(&s->flow, "unsubscribe", t, &sub, err, sizeof(err));
	if (rc == CS_ERR_NOTFOUND) {
		serve_say(s, "info", "unsubscribe refused: link malformed or not signed for its"
		    " subscriber");
		return invalid_link(s, c);
	}
	if (rc != CS_OK)
		return failed(s, c, "unsubscribe", err);
	if (r->method != SM_POST) {
		v.view = "unsubscribe";
		v.token = t;
		ret = serve_respond(s, c, MHD_HTTP_OK, &v, 0);
		goto out;
	}
	if (subflow_unsubscribe(&s->flow, &sub, serve_now(s), &already, err, sizeof(err)) != CS_OK) {
		ret = failed(s, c, "unsubscribe", err);
		goto out;
	}
	serve_say(s, "info", "subscriber #%" PRId64 " unsubscribed%s%s", sub.id,
	    oc != NULL && strcmp(oc, "One-Click") == 0 ? " (one-click)" : "",
	    already ? " (already)" : "");
	v.view = "unsubscribed";
	ret = serve_respond(s, c, MHD_HTTP_OK, &v, 0);
out:
	store_subscriber_clear(&sub);
	return ret;
}

enum MHD_Result
serve_route(struct serve *s, struct MHD_Connection *c, struct serve_req *r)
{
	if (r->bad_form) {
		serve_say(s, "info", "400: a form that does not parse");
		return page(s, c, MHD_HTTP_BAD_REQUEST, "bad-form", "The form could not be read.");
	}
	if (strcmp(r->route, "/subscribe") == 0) {
		if (r->method != SM_POST)
			return page(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method", NULL);
		return subscribe(s, c, r);
	}
	if (strcmp(r->route, "/confirm") == 0)
		return confirm(s, c, r);
	if (strcmp(r->route, "/manage") == 0)
		return manage(s, c, r);
	return unsubscribe(s, c, r);
}
