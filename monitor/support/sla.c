/* sla.c: deadlines and states of an incident's support clocks, and their text dump. */
#include "support/sla.h"

#include <inttypes.h>
#include <string.h>

#include "base/cstime.h"

/* Adds span to t by its unit. */
static cs_err
add_span(const struct bizclock *bc, int64_t t, const struct priority_span *span, int64_t *out)
{
	cs_err rc = CS_OK;

	switch (span->unit) {
	case PRIORITY_WALL_SECONDS:
		*out = t + span->n;
		break;
	case PRIORITY_BUSINESS_SECONDS:
		rc = bizclock_add_seconds(bc, t, span->n, out);
		break;
	case PRIORITY_BUSINESS_DAYS:
		rc = bizclock_add_days(bc, t, span->n, out);
		break;
	default:
		rc = CS_ERR_INTERNAL;
		break;
	}
	return rc;
}

/* Fills the state of a clock from when it was done (0: not yet) and now. */
static void
settle(struct sla_clock *c, int64_t done_at, int64_t now)
{
	c->met_at = done_at;
	if (done_at != 0)
		c->state = done_at <= c->deadline ? SLA_MET : SLA_LATE;
	else
		c->state = now <= c->deadline ? SLA_DUE : SLA_OVERDUE;
}

static int64_t
max3(int64_t a, int64_t b, int64_t c)
{
	int64_t m = a > b ? a : b;

	return m > c ? m : c;
}

/* Appends a clock that runs span from start; done_at is 0 if not yet done. */
static cs_err
add_clock(struct sla_report *r, const char *name, const struct bizclock *bc, int64_t start,
	const struct priority_span *span, int64_t done_at, int64_t now)
{
	struct sla_clock *c;
	cs_err rc;

	if (r->nclocks >= SLA_MAX_CLOCKS) {
		rc = CS_ERR_INTERNAL;
		goto out;
	}
	c = &r->clocks[r->nclocks];
	c->name = name;
	rc = add_span(bc, start, span, &c->deadline);
	if (rc != CS_OK)
		goto out;
	settle(c, done_at, now);
	r->nclocks++;
out:
	return rc;
}

cs_err
sla_compute(const struct sla_incident *in, const struct bizclock *bc, int64_t now,
	struct sla_report *out, char *err, size_t errlen)
{
	const struct priority_sla *terms = priority_sla_of(in->prio);
	int64_t responded, updated, last_comm;
	cs_err rc = CS_OK;

	memset(out, 0, sizeof(*out));
	if (terms == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_STATE, "incident has no priority (%d)",
			(int)in->prio);
		goto out;
	}
	if (in->opened_at <= 0) {
		rc = cs_seterr(err, errlen, CS_ERR_STATE, "incident has no opening time");
		goto out;
	}
	if (in->resolved_at != 0 && in->resolved_at < in->opened_at) {
		rc = cs_seterr(err, errlen, CS_ERR_STATE,
			"incident resolved (%" PRId64 ") before it opened (%" PRId64 ")",
			in->resolved_at, in->opened_at);
		goto out;
	}
	out->prio = in->prio;

	/*
	 * Resolving an incident nobody answered is still an answer: the
	 * customer hears it is fixed. Without this, a resolved incident with
	 * no recorded response would stay overdue for ever.
	 */
	responded = in->responded_at != 0 ? in->responded_at : in->resolved_at;
	rc = add_clock(out, "initial_response", bc, in->opened_at, &terms->response, responded, now);
	if (rc != CS_OK)
		goto fail;

	/*
	 * The update cadence runs from the last thing the customer heard:
	 * the response counts as a communication, and so does the opening
	 * (the first public notice goes out when the incident opens). Only
	 * the last update is recorded, so a gap earlier in the incident is
	 * invisible here; the store keeps each update if that matters. An
	 * update after the resolution (a follow-up note) is not part of the
	 * cadence and cannot vouch for the open period, so it is ignored:
	 * the caller should pass the last update up to the resolution.
	 */
	updated = in->updated_at;
	if (in->resolved_at != 0 && updated > in->resolved_at)
		updated = 0;
	last_comm = max3(in->opened_at, in->responded_at, updated);
	if (in->resolved_at != 0 && last_comm > in->resolved_at)
		last_comm = in->resolved_at;
	rc = add_clock(out, in->resolved_at != 0 ? "last_update" : "next_update", bc, last_comm,
		&terms->update, in->resolved_at, now);
	if (rc != CS_OK)
		goto fail;

	if (terms->rca_required && in->resolved_at != 0) {
		int64_t draft = in->rca_draft_at != 0 ? in->rca_draft_at : in->rca_final_at;

		rc = add_clock(out, "rca_draft", bc, in->resolved_at, &terms->rca_draft, draft, now);
		if (rc != CS_OK)
			goto fail;
		rc = add_clock(out, "rca_final", bc, in->resolved_at, &terms->rca_final,
			in->rca_final_at, now);
		if (rc != CS_OK)
			goto fail;
	}
	goto out;
fail:
	cs_seterr(err, errlen, rc, "SLA clocks: business-time arithmetic: %s", cs_strerror(rc));
out:
	return rc;
}

const char *
sla_state_name(sla_state s)
{
	switch (s) {
	case SLA_MET: return "met";
	case SLA_DUE: return "due";
	case SLA_OVERDUE: return "overdue";
	case SLA_LATE: return "late";
	}
	return "unknown";
}

cs_err
sla_dump(const struct sla_report *report, FILE *fp)
{
	char deadline[32], met[32];
	cs_err rc = CS_OK;

	if (fprintf(fp, "priority %s\n", priority_name(report->prio)) < 0) {
		rc = CS_ERR_IO;
		goto out;
	}
	for (size_t i = 0; i < report->nclocks && i < SLA_MAX_CLOCKS; i++) {
		const struct sla_clock *c = &report->clocks[i];

		cstime_format_iso8601(c->deadline, deadline, sizeof(deadline));
		if (c->met_at != 0)
			cstime_format_iso8601(c->met_at, met, sizeof(met));
		else
			memcpy(met, "-", 2);
		if (fprintf(fp, "%s\t%s\t%s\t%s\n", c->name, sla_state_name(c->state), deadline,
			    met) < 0) {
			rc = CS_ERR_IO;
			goto out;
		}
	}
out:
	return rc;
}
