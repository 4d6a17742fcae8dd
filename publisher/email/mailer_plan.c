/* mailer_plan.c: the mailer's first half: due outbox rows of a subject -> one mailing and its deliveries. */
#include "email/mailer_priv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jsonout.h"
#include "cycle/incident_records.h"
#include "email/mail_plan.h"
#include "store/mailq.h"

/* An incident's public updates up to the newest one the carried rows name (owned copies). */
struct history {
	struct mail_update *v;
	size_t n, cap;
	int upto;              /* the newest update number carried */
	int nomem;
	json_t *ids;           /* the incident's component ids */
	char *components_json; /* the same, as text */
};

static void
history_clear(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free((char *)h->v[i].status);
		free((char *)h->v[i].body);
	}
	free(h->v);
	json_decref(h->ids);
	free(h->components_json);
	memset(h, 0, sizeof(*h));
}

static int
add_component_id(const char *id, const char *status, void *ctx)
{
	struct history *h = ctx;

	(void)status;
	if (h->ids == NULL)
		h->ids = json_array();
	if (h->ids == NULL || json_array_append_new(h->ids, json_string(id)) != 0)
		return h->nomem = 1;
	return 0;
}

static int
history_add(const struct store_incident_update *u, void *ctx)
{
	struct history *h = ctx;
	struct mail_update *nv;

	if (!u->public || u->n > h->upto)
		return 0;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		nv = realloc(h->v, h->cap * sizeof(*nv));
		if (nv == NULL)
			return h->nomem = 1;
		h->v = nv;
	}
	h->v[h->n].at = u->at;
	h->v[h->n].status = strdup(u->status);
	h->v[h->n].body = strdup(u->body);
	h->n++;
	if (h->v[h->n - 1].status == NULL || h->v[h->n - 1].body == NULL)
		return h->nomem = 1;
	return 0;
}

/* The newest update number among rows (incident_update payloads), 0 when none. */
static int
newest_update(const struct mailq_row *rows, size_t n)
{
	int upto = 0;

	for (size_t i = 0; i < n; i++) {
		json_t *d = json_loads(rows[i].payload, 0, NULL);
		int u = (int)json_integer_value(json_object_get(d, "update"));

		if (u > upto)
			upto = u;
		json_decref(d);
	}
	return upto;
}

/* Reads what the rows of subject do not carry. Strings in *inc, *mt and *h (owned by the caller). */
static cs_err
load_facts(struct mailer *m, struct store *st, const struct mailq_row *rows, size_t nrows,
    int64_t now, struct mail_facts *f, struct store_incident *inc, struct store_maintenance *mt,
    struct history *h, char *err, size_t errlen)
{
	const char *subject = rows[0].subject;
	struct sla_report rep;
	int64_t id = 0;
	cs_err rc;

	memset(f, 0, sizeof(*f));
	if (strncmp(subject, "incident:", 9) == 0) {
		id = strtoll(subject + 9, NULL, 10);
		rc = store_incident_get(st, id, inc, err, errlen);
		if (rc == CS_ERR_NOTFOUND || (rc == CS_OK && inc->id == 0))
			return CS_OK;
		if (rc != CS_OK)
			return rc;
		f->found = 1;
		f->hidden = inc->not_affected;
		f->title = inc->title;
		f->priority = inc->prio_override ? inc->prio_override : inc->prio_suggested;
		f->since = inc->opened_at;
		f->until = inc->resolved_at;
		f->rca = inc->rca_final != NULL ? inc->rca_final : inc->rca_draft;
		if (incident_records_sla(inc, &m->cfg->business, now, &rep, err, errlen) == CS_OK)
			for (size_t i = 0; i < rep.nclocks; i++)
				if (strcmp(rep.clocks[i].name, "next_update") == 0 && inc->resolved_at == 0)
					f->next_update_by = rep.clocks[i].deadline;
		rc = store_incident_components(st, id, add_component_id, h, err, errlen);
		if (rc == CS_OK && h->ids == NULL)
			h->ids = json_array();
		if (rc == CS_OK && !h->nomem && h->ids != NULL)
			h->components_json = jsonout_dumps(h->ids, JSON_COMPACT);
		if (rc == CS_OK && h->components_json == NULL)
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		if (rc != CS_OK)
			return rc;
		f->components_json = h->components_json;
		h->upto = newest_update(rows, nrows);
		if (h->upto > 0) {
			rc = store_incident_updates(st, id, history_add, h, err, errlen);
			if (rc == CS_OK && h->nomem)
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
			if (rc != CS_OK)
				return rc;
			f->history = h->v;
			f->nhistory = h->n;
		}
		return CS_OK;
	}
	if (strncmp(subject, "maintenance:", 12) == 0) {
		id = strtoll(subject + 12, NULL, 10);
		rc = store_maintenance_get(st, id, mt, err, errlen);
		if (rc == CS_ERR_NOTFOUND || (rc == CS_OK && mt->id == 0))
			return CS_OK;
		if (rc != CS_OK)
			return rc;
		f->found = 1;
		f->title = mt->title;
		f->since = mt->starts_at;
		f->until = mt->ends_at;
	}
	return CS_OK;
}

cs_err
mailer_plan_one(struct mailer *m, struct store *st, int64_t now, struct mailer_stats *stats, int *done,
    char *err, size_t errlen)
{
	const struct config_email *e = &m->cfg->email;
	struct mailq_row *rows = NULL;
	struct store_incident inc;
	struct store_maintenance mt;
	struct mail_planned p;
	struct mail_facts f;
	struct mailq_new q;
	struct history hist;
	int64_t next = 0, id = 0;
	size_t n = 0, recipients = 0;
	cs_err rc;

	memset(&inc, 0, sizeof(inc));
	memset(&mt, 0, sizeof(mt));
	memset(&p, 0, sizeof(p));
	memset(&hist, 0, sizeof(hist));
	*done = 0;
	rc = mailq_next_subject(st, now, e->batch_window, m->max_age, &rows, &n, &next, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (n == 0) {
		*done = 1;
		if (next != 0 && (stats->next_due == 0 || next < stats->next_due))
			stats->next_due = next;
		goto out;
	}
	rc = load_facts(m, st, rows, n, now, &f, &inc, &mt, &hist, err, errlen);
	if (rc == CS_OK)
		rc = mail_plan(m->cfg, rows, n, &f, &p, err, errlen);
	if (rc == CS_ERR_PARSE) {
		/* A row no mail can be made of: said, and settled so it does not block its subject. */
		mailer_log(m, "error", "%s", err);
		memset(&p, 0, sizeof(p));
		p.ncarried = 1;
		p.skip = 1;
		p.kind = "incident";
		rc = CS_OK;
	}
	if (rc != CS_OK)
		goto out;
	memset(&q, 0, sizeof(q));
	q.subject = rows[0].subject;
	q.kind = p.kind;
	q.outbox_first = rows[0].id;
	q.outbox_last = rows[p.ncarried - 1].id;
	q.priority = p.priority;
	q.components_json = p.components_json != NULL ? p.components_json : "[]";
	q.content_json = p.content_json != NULL ? p.content_json : "{}";
	q.no_recipients = p.skip;
	rc = mailq_create(st, &q, now, &id, &recipients, err, errlen);
	if (rc != CS_OK)
		goto out;
	stats->mailings++;
	stats->recipients += recipients;
	if (!p.skip)
		mailer_log(m, "info", "mailing %" PRId64 ": %s %s (%zu update%s) to %zu subscriber%s", id,
		    p.kind, rows[0].subject, p.ncarried, p.ncarried == 1 ? "" : "s", recipients,
		    recipients == 1 ? "" : "s");
out:
	mail_planned_clear(&p);
	history_clear(&hist);
	mailq_rows_free(rows, n);
	store_incident_clear(&inc);
	store_maintenance_clear(&mt);
	return rc;
}

