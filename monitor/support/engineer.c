/* engineer.c: the rules of the engineers' incident commands: valid requests and what each changes. */
#include "support/engineer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlstring.h>

/*
 * The rules
 * ---------
 * - open: a title and at least one component; it opens investigating,
 *   identified or monitoring, never closed; an optional priority is the
 *   engineer's override. Its first update is posted at once.
 * - update: a message; an optional status (else the incident's own). An
 *   incident that is over takes no update, except "postmortem" after
 *   "resolved". Named components change their status in the incident; the
 *   others keep theirs.
 * - resolve (or an update to a closed status): every component goes back
 *   to operational unless components are named. An AWS incident whose
 *   feeds AWS still reports open cannot be resolved by hand: it resolves
 *   itself when AWS does (or is ruled out).
 * - Each update by a person is the first response if none was yet, a
 *   public update unless the incident is ruled out, and raises the
 *   suggested priority to what its components suggest (it never lowers).
 * - priority: P1..P4 overrides the suggestion, "auto" returns to it.
 * - not affected: only an AWS incident, once, with a reason that is kept;
 *   the product's judgement changes (its AWS feeds no longer count), so
 *   the cycle decides again in the same transaction.
 * - rca: the draft or the final analysis: an http(s) URL, or a document
 *   (the text of the file attached) that the incident page publishes.
 */

#define DEFAULT_RESOLVED_BODY "This incident has been resolved."

int
engineer_rca_is_url(const char *ref)
{
	if (ref == NULL || (strncmp(ref, "https://", 8) != 0 && strncmp(ref, "http://", 7) != 0))
		return 0;
	for (const unsigned char *p = (const unsigned char *)ref; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * An RCA is a URL or a document, not both. A document is text the page can
 * carry: well-formed UTF-8 (libxml2 checks), no control byte but tab and
 * line ends, bounded (a PDF or an image is refused: attach its URL).
 */
static cs_err
rca_check(const struct engineer_request *req, char *err, size_t errlen)
{
	const char *file = req->rca_file != NULL ? req->rca_file : "the document";
	size_t n;

	if ((req->rca_url == NULL) == (req->rca_text == NULL))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "want ID draft|final FILE|URL");
	if (req->rca_url != NULL) {
		if (!engineer_rca_is_url(req->rca_url))
			return cs_seterr(err, errlen, CS_ERR_USAGE, "\"%s\" is not an http(s) URL "
			    "(no spaces)", req->rca_url);
		if (strlen(req->rca_url) > ENGINEER_RCA_URL_MAX)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "the URL is longer than %d bytes",
			    ENGINEER_RCA_URL_MAX);
		return CS_OK;
	}
	n = strnlen(req->rca_text, ENGINEER_RCA_MAX + 1);
	if (n == 0)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s is empty", file);
	if (n > ENGINEER_RCA_MAX)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s is longer than %d bytes; publish "
		    "it elsewhere and attach its URL", file, ENGINEER_RCA_MAX);
	if (xmlCheckUTF8((const xmlChar *)req->rca_text) == 0)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s is not UTF-8 text; publish it "
		    "elsewhere and attach its URL", file);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)req->rca_text[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "%s is not text (control byte "
			    "0x%02x at byte %zu); publish it elsewhere and attach its URL", file, c, i);
	}
	return CS_OK;
}

cs_err
engineer_check(const struct config *cfg, const struct engineer_request *req,
    char *err, size_t errlen)
{
	incident_status s;
	priority p;

	(void)cfg;
	switch (req->kind) {
	case ENGINEER_OPEN:
		if (req->title == NULL || req->title[0] == '\0' || req->ncomponents == 0)
			return cs_seterr(err, errlen, CS_ERR_USAGE,
			    "--title and at least one --component are required");
		if (req->status != NULL && (incident_status_parse(req->status, &s) != 0 ||
		    incident_status_closed(s)))
			return cs_seterr(err, errlen, CS_ERR_USAGE, "status \"%s\" is not one an "
			    "incident opens with (investigating, identified, monitoring)", req->status);
		if (req->priority != NULL && priority_parse(req->priority, &p) != 0)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "unknown priority \"%s\" (P1..P4)",
			    req->priority);
		return CS_OK;
	case ENGINEER_UPDATE:
		if (req->message == NULL || req->message[0] == '\0')
			return cs_seterr(err, errlen, CS_ERR_USAGE, "--message is required");
		if (req->status != NULL && incident_status_parse(req->status, &s) != 0)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "unknown status \"%s\" (investigating, "
			    "identified, monitoring, resolved, postmortem)", req->status);
		return CS_OK;
	case ENGINEER_PRIORITY:
		if (req->priority == NULL || (strcmp(req->priority, "auto") != 0 &&
		    priority_parse(req->priority, &p) != 0))
			return cs_seterr(err, errlen, CS_ERR_USAGE, "want P1, P2, P3, P4 or auto, not "
			    "\"%s\"", req->priority ? req->priority : "");
		return CS_OK;
	case ENGINEER_NOT_AFFECTED:
		if (req->reason == NULL || req->reason[0] == '\0')
			return cs_seterr(err, errlen, CS_ERR_USAGE, "--reason is required (it is kept)");
		return CS_OK;
	case ENGINEER_RCA:
		return rca_check(req, err, errlen);
	case ENGINEER_RESOLVE:
		return CS_OK;
	}
	return cs_seterr(err, errlen, CS_ERR_USAGE, "unknown request");
}

/* The incident's components with the named ones merged in (replacing the status of those present). */
static cs_err
merge_components(const struct engineer_incident *inc, const struct engineer_request *req,
    int closing, struct engineer_decision *d)
{
	size_t have = inc != NULL ? inc->ncomponents : 0;

	d->components = calloc(have + req->ncomponents + 1, sizeof(*d->components));
	if (d->components == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < have; i++)
		d->components[d->ncomponents++] = inc->components[i];
	for (size_t i = 0; i < req->ncomponents; i++) {
		size_t k;

		for (k = 0; k < d->ncomponents; k++) {
			if (strcmp(d->components[k].id, req->components[i].id) == 0)
				break;
		}
		if (k == d->ncomponents)
			d->components[d->ncomponents++].id = req->components[i].id;
		d->components[k].status = req->components[i].status;
	}
	/* A resolution puts every component of the incident back to operational. */
	for (size_t i = 0; closing && req->ncomponents == 0 && i < d->ncomponents; i++)
		d->components[i].status = STATUS_OPERATIONAL;
	return CS_OK;
}

/* An update by a person: what it changes in the incident. */
static void
post(const struct config *cfg, struct engineer_decision *d, incident_status s, const char *body,
    const char *action, int64_t now)
{
	priority sugg = incident_suggest(cfg, d->components, d->ncomponents, NULL, NULL);

	d->post = 1;
	d->update_status = s;
	d->status = s;
	d->body = body;
	d->public = !d->not_affected;
	if (d->responded_at == 0)
		d->responded_at = now;
	if (d->public)
		d->updated_at = now;
	if (incident_status_closed(s) && d->resolved_at == 0)
		d->resolved_at = now;
	d->suggested = incident_priority_max(d->suggested, sugg);
	d->audit[d->naudit].action = action;
	d->audit[d->naudit++].of_update = 1;
}

static cs_err
decide_open(const struct config *cfg, const struct engineer_request *req, int64_t now,
    struct engineer_decision *d)
{
	incident_status s = INCIDENT_INVESTIGATING;
	priority p = PRIORITY_NONE;

	if (req->status != NULL)
		incident_status_parse(req->status, &s);
	if (req->priority != NULL)
		priority_parse(req->priority, &p);
	d->status = s;
	d->override = p;
	d->audit[d->naudit].action = "open";
	d->audit[d->naudit++].detail = req->title;
	if (p != PRIORITY_NONE) {
		d->audit[d->naudit].action = "priority";
		d->audit[d->naudit].detail = priority_name(p);
		d->audit[d->naudit++].reason = req->reason;
	}
	if (merge_components(NULL, req, 0, d) != CS_OK)
		return CS_ERR_NOMEM;
	post(cfg, d, s, req->message ? req->message : req->title, "update", now);
	return CS_OK;
}

static cs_err
decide_update(const struct config *cfg, const struct engineer_incident *inc,
    const struct engineer_request *req, int64_t now, struct engineer_decision *d,
    char *err, size_t errlen)
{
	int resolve = req->kind == ENGINEER_RESOLVE;
	const char *sub_status = incident_status_name(inc->status);
	incident_status s = INCIDENT_IDENTIFIED;

	if (!resolve && req->status != NULL)
		incident_status_parse(req->status, &s);
	if (incident_status_closed(inc->status) && !(inc->status == INCIDENT_RESOLVED && !resolve &&
	    req->status != NULL && strcmp(req->status, "postmortem") == 0))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "incident %" PRId64 " is already %s",
		    inc->id, sub_status);
	if (resolve)
		s = INCIDENT_RESOLVED;
	else if (req->status == NULL)
		s = inc->status;
	if (incident_status_closed(s) && inc->aws && !inc->not_affected && inc->open_causes > 0)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "AWS still reports %zu cause%s of "
		    "incident %" PRId64 " as open; it resolves by itself when AWS does (or mark it "
		    "not-affected)", inc->open_causes, inc->open_causes == 1 ? "" : "s", inc->id);
	if (merge_components(inc, req, incident_status_closed(s), d) != CS_OK)
		return CS_ERR_NOMEM;
	post(cfg, d, s, req->message ? req->message : DEFAULT_RESOLVED_BODY,
	    resolve || incident_status_closed(s) ? "resolve" : "update", now);
	return CS_OK;
}

cs_err
engineer_decide(const struct config *cfg, const struct engineer_incident *inc,
    const struct engineer_request *req, int64_t now, struct engineer_decision *out,
    char *err, size_t errlen)
{
	cs_err rc;

	memset(out, 0, sizeof(*out));
	rc = engineer_check(cfg, req, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (req->kind == ENGINEER_OPEN)
		return decide_open(cfg, req, now, out) == CS_OK ? CS_OK :
		    cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	if (inc == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "unknown incident");
	out->status = inc->status;
	out->resolved_at = inc->resolved_at;
	out->responded_at = inc->responded_at;
	out->updated_at = inc->updated_at;
	out->suggested = inc->suggested;
	out->override = inc->override;
	out->not_affected = inc->not_affected;
	switch (req->kind) {
	case ENGINEER_UPDATE:
	case ENGINEER_RESOLVE:
		rc = decide_update(cfg, inc, req, now, out, err, errlen);
		if (rc == CS_ERR_NOMEM)
			cs_seterr(err, errlen, rc, "out of memory");
		return rc;
	case ENGINEER_PRIORITY:
		out->override = PRIORITY_NONE;
		if (strcmp(req->priority, "auto") != 0)
			priority_parse(req->priority, &out->override);
		out->audit[out->naudit].action = "priority";
		out->audit[out->naudit].detail = out->override == PRIORITY_NONE ? "auto" :
		    priority_name(out->override);
		out->audit[out->naudit++].reason = req->reason;
		return CS_OK;
	case ENGINEER_NOT_AFFECTED:
		if (!inc->aws)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "incident %" PRId64 " was opened by "
			    "hand, not from AWS; resolve it instead", inc->id);
		if (inc->not_affected)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "incident %" PRId64 " is already "
			    "marked not affected", inc->id);
		out->not_affected = 1;
		out->not_affected_reason = req->reason;
		out->rejudge = 1;
		out->audit[out->naudit].action = "not-affected";
		out->audit[out->naudit].detail = NULL;
		out->audit[out->naudit++].reason = req->reason;
		return CS_OK;
	case ENGINEER_RCA:
		out->set_rca = 1;
		out->rca_final = req->rca_final;
		out->rca_ref = req->rca_url != NULL ? req->rca_url : req->rca_text;
		out->audit[out->naudit].action = req->rca_final ? "rca-final" : "rca-draft";
		out->audit[out->naudit++].detail = req->rca_url != NULL ? req->rca_url :
		    req->rca_file != NULL ? req->rca_file : "document";
		return CS_OK;
	case ENGINEER_OPEN:
		break;
	}
	return cs_seterr(err, errlen, CS_ERR_USAGE, "unknown request");
}

void
engineer_decision_clear(struct engineer_decision *d)
{
	free(d->components);
	memset(d, 0, sizeof(*d));
}
