/* mail_plan.c: outbox rows of one subject and the subject's facts -> one mailing's content (pure). */
#include "email/mail_plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cstime.h"
#include "base/jsonout.h"

void
mail_planned_clear(struct mail_planned *p)
{
	if (p == NULL)
		return;
	free(p->components_json);
	free(p->content_json);
	memset(p, 0, sizeof(*p));
}

/* The "at" of a payload as epoch seconds; 0 when absent or unreadable. */
static int64_t
payload_time(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	int64_t t = 0;

	if (s == NULL || cstime_parse_iso8601(s, &t) != 0)
		return 0;
	return t;
}

static const char *
str_or(const json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : def;
}

/*
 * The components a row concerns, as ids (for matching subscribers) and as
 * names with a status (for the reader). An incident update carries
 * {id, name, status} objects; a maintenance carries ids, under maintenance
 * until it is completed.
 */
static int
add_components(const struct config *cfg, const json_t *row, const char *mstatus, json_t *ids,
    json_t *shown)
{
	const json_t *arr = json_object_get(row, "components"), *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *id = json_is_string(v) ? json_string_value(v) : str_or(v, "id", NULL);
		const struct config_component *cc;
		const char *status;

		if (id == NULL)
			continue;
		cc = config_find_component(cfg, id);
		if (mstatus != NULL)
			status = strcmp(mstatus, "completed") == 0 ? "operational" : "under_maintenance";
		else
			status = str_or(v, "status", "operational");
		if (json_array_append_new(ids, json_string(id)) != 0 ||
		    json_array_append_new(shown, json_pack("{s:s, s:s}", "name",
		    cc != NULL ? cc->name : str_or(v, "name", id), "status", status)) != 0)
			return -1;
	}
	return 0;
}

/* The URL of the subject's page on the site, into buf. */
static void
page_url(const struct config *cfg, const char *type, int64_t id, char *buf, size_t len)
{
	size_t n = strlen(cfg->site_url);
	const char *sep = n > 0 && cfg->site_url[n - 1] == '/' ? "" : "/";

	snprintf(buf, len, "%s%sincidents/%s%" PRId64 ".html", cfg->site_url, sep,
	    strcmp(type, "maintenance") == 0 ? "m" : "", id);
}

cs_err
mail_plan(const struct config *cfg, const struct mailq_row *rows, size_t nrows,
    const struct mail_facts *f, struct mail_planned *out, char *err, size_t errlen)
{
	json_t **docs = NULL, *ids = NULL, *shown = NULL, *ups = NULL, *content = NULL;
	const char *type = NULL, *status = NULL;
	char url[1024], thread[64];
	int64_t subject_id = 0;
	cs_err rc = CS_OK;
	size_t k = 0;

	memset(out, 0, sizeof(*out));
	if (nrows == 0)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "mail plan: no rows");
	docs = calloc(nrows, sizeof(*docs));
	if (docs == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	/* The run of rows of the first row's type. */
	for (k = 0; k < nrows; k++) {
		const char *t;

		docs[k] = json_loads(rows[k].payload, 0, NULL);
		t = docs[k] != NULL ? json_string_value(json_object_get(docs[k], "type")) : NULL;
		if (t == NULL || (strcmp(t, "incident_update") != 0 && strcmp(t, "maintenance") != 0 &&
		    strcmp(t, "rca") != 0)) {
			rc = cs_seterr(err, errlen, CS_ERR_PARSE,
			    "outbox row %" PRId64 ": not an email payload of a known type", rows[k].id);
			goto out;
		}
		if (type == NULL)
			type = t;
		else if (strcmp(type, t) != 0)
			break;
	}
	out->ncarried = k;
	out->kind = strcmp(type, "incident_update") == 0 ? "incident" : strcmp(type, "rca") == 0 ?
	    "rca" : "maintenance";
	if (!f->found || f->hidden) {
		out->skip = 1;
		goto out;
	}
	ids = json_array();
	shown = json_array();
	ups = json_array();
	if (ids == NULL || shown == NULL || ups == NULL)
		goto nomem;
	/* The newest row says the state now; every row is an update, newest first. */
	{
		const json_t *last = docs[k - 1];
		const char *mstatus = strcmp(out->kind, "maintenance") == 0 ?
		    str_or(last, "status", "scheduled") : NULL;

		status = strcmp(out->kind, "rca") == 0 ?
		    (json_is_true(json_object_get(last, "final")) ? "final" : "draft") :
		    str_or(last, "status", "investigating");
		subject_id = (int64_t)json_integer_value(json_object_get(last,
		    strcmp(out->kind, "maintenance") == 0 ? "maintenance" : "incident"));
		if (add_components(cfg, last, mstatus, ids, shown) != 0)
			goto nomem;
		/* An RCA names no component: it concerns those of its incident. */
		if (json_array_size(ids) == 0 && f->components_json != NULL) {
			json_t *known = json_loads(f->components_json, 0, NULL);

			if (json_is_array(known))
				json_array_extend(ids, known);
			json_decref(known);
		}
	}
	for (size_t i = f->history != NULL ? f->nhistory : k; strcmp(out->kind, "rca") != 0 &&
	    i-- > 0;) {
		json_t *u;

		if (f->history != NULL)
			u = json_pack("{s:I, s:s, s:s}", "at", (json_int_t)f->history[i].at, "status",
			    f->history[i].status, "body", f->history[i].body);
		else
			u = json_pack("{s:I, s:s, s:s}", "at", (json_int_t)(payload_time(docs[i], "at") ?
			    payload_time(docs[i], "at") : rows[i].created_at), "status",
			    str_or(docs[i], "status", ""), "body", str_or(docs[i], "body", ""));
		if (json_array_append_new(ups, u) != 0)
			goto nomem;
	}
	page_url(cfg, type, subject_id, url, sizeof(url));
	snprintf(thread, sizeof(thread), "%s-%" PRId64,
	    strcmp(out->kind, "maintenance") == 0 ? "maintenance" : "incident", subject_id);
	content = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:O, s:O, s:s, s:s}",
	    "title", f->title != NULL ? f->title : str_or(docs[k - 1], "title", ""),
	    "status", status, "priority", f->priority, "since", (json_int_t)f->since,
	    "until", (json_int_t)f->until, "next_update_by", (json_int_t)f->next_update_by,
	    "components", shown, "updates", ups, "page_url", url, "thread", thread);
	if (content == NULL)
		goto nomem;
	if (f->rca != NULL && json_object_set_new(content, "rca", json_string(f->rca)) != 0)
		goto nomem;
	out->priority = strcmp(out->kind, "maintenance") == 0 ? 0 : f->priority;
	out->components_json = jsonout_dumps(ids, JSON_COMPACT);
	out->content_json = jsonout_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
	if (out->components_json == NULL || out->content_json == NULL)
		goto nomem;
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	for (size_t i = 0; docs != NULL && i < nrows; i++)
		json_decref(docs[i]);
	free(docs);
	json_decref(ids);
	json_decref(shown);
	json_decref(ups);
	json_decref(content);
	if (rc != CS_OK) {
		size_t keep = out->ncarried;

		mail_planned_clear(out);
		out->ncarried = keep;
	}
	return rc;
}

static enum mail_kind
kind_of(const char *kind)
{
	if (strcmp(kind, "maintenance") == 0)
		return MAIL_MAINTENANCE;
	if (strcmp(kind, "rca") == 0)
		return MAIL_RCA;
	if (strcmp(kind, "confirm") == 0)
		return MAIL_CONFIRM;
	if (strcmp(kind, "welcome_back") == 0)
		return MAIL_WELCOME_BACK;
	return MAIL_INCIDENT;
}

cs_err
mail_plan_content(const struct config *cfg, const char *kind, const char *content_json,
    json_t **doc, struct mail_content *c, struct mail_component *comps, struct mail_update *ups,
    size_t cap, char *err, size_t errlen)
{
	static const char *const prio[] = { NULL, "P1", "P2", "P3", "P4" };
	json_error_t je;
	const json_t *v;
	json_int_t p;
	size_t i;

	memset(c, 0, sizeof(*c));
	*doc = json_loads(content_json != NULL ? content_json : "", 0, &je);
	if (*doc == NULL || !json_is_object(*doc))
		return cs_seterr(err, errlen, CS_ERR_PARSE, "mailing content: %s", *doc == NULL ?
		    je.text : "not an object");
	c->kind = kind_of(kind);
	c->product = cfg->product;
	c->company = cfg->company;
	c->site_url = cfg->site_url;
	c->title = json_string_value(json_object_get(*doc, "title"));
	c->status = json_string_value(json_object_get(*doc, "status"));
	p = json_integer_value(json_object_get(*doc, "priority"));
	c->priority = p >= 1 && p <= 4 ? prio[p] : NULL;
	c->since = (int64_t)json_integer_value(json_object_get(*doc, "since"));
	c->until = (int64_t)json_integer_value(json_object_get(*doc, "until"));
	c->next_update_by = (int64_t)json_integer_value(json_object_get(*doc, "next_update_by"));
	json_array_foreach(json_object_get(*doc, "components"), i, v) {
		if (c->ncomponents == cap)
			break;
		comps[c->ncomponents].name = str_or(v, "name", "");
		comps[c->ncomponents++].status = str_or(v, "status", "operational");
	}
	json_array_foreach(json_object_get(*doc, "updates"), i, v) {
		if (c->nupdates == cap)
			break;
		ups[c->nupdates].at = (int64_t)json_integer_value(json_object_get(v, "at"));
		ups[c->nupdates].status = str_or(v, "status", "");
		ups[c->nupdates++].body = str_or(v, "body", "");
	}
	c->components = comps;
	c->updates = ups;
	c->rca_text = json_string_value(json_object_get(*doc, "rca"));
	c->page_url = json_string_value(json_object_get(*doc, "page_url"));
	c->action_url = json_string_value(json_object_get(*doc, "action_url"));
	return CS_OK;
}
