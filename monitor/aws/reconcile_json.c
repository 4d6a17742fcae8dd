/* reconcile_json.c: the stored form of the currentevents record (cycle/decide.h documents it). */
#include "aws/reconcile.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/reconcile_priv.h"
#include "base/jsonout.h"

/* The old form, for a legacy set: what it was read from. */
static char *
legacy_json(const struct reconcile_set *s)
{
	json_t *a = json_array();
	char *text = NULL;

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		if (s->ev[i].open && json_array_append_new(a, json_string(s->ev[i].slug)) != 0)
			goto out;
	}
	text = jsonout_dumps(a, JSON_COMPACT);
out:
	json_decref(a);
	return text;
}

/* Appends the seen disagreements of s to the array a; 0, or -1 on no memory. */
static int
seen_append(json_t *a, const struct reconcile_set *s)
{
	for (size_t i = 0; i < s->nseen; i++) {
		json_t *o = json_pack("{s:s, s:s}", "slug", s->seen[i].slug, "disagreement",
		    reconcile_disagree_name(s->seen[i].kind));

		if (json_array_append_new(a, o) != 0)
			return -1;
	}
	return 0;
}

char *
reconcile_to_json(const struct reconcile_set *s)
{
	json_t *doc, *evs, *seen;
	char *text = NULL;

	if (s->legacy)
		return legacy_json(s);
	doc = json_pack("{s:i, s:[], s:[]}", "schema", 2, "events", "seen");
	if (doc == NULL)
		return NULL;
	evs = json_object_get(doc, "events");
	seen = json_object_get(doc, "seen");
	for (size_t i = 0; i < s->n; i++) {
		const struct reconcile_event *e = &s->ev[i];
		json_t *o = json_pack("{s:s, s:b, s:s, s:I, s:I, s:I, s:s, s:s}", "slug", e->slug,
		    "open", e->open, "state", status_aws_name(e->state), "start", (json_int_t)e->start,
		    "updated", (json_int_t)e->updated, "end_time", (json_int_t)e->end_time,
		    "title", e->title, "guid", e->guid);

		if (json_array_append_new(evs, o) != 0)
			goto out;
	}
	if (seen_append(seen, s) != 0)
		goto out;
	text = jsonout_dumps(doc, JSON_COMPACT);
out:
	json_decref(doc);
	return text;
}

char *
reconcile_seen_to_json(const struct reconcile_set *s)
{
	json_t *a = json_array();
	char *text = NULL;

	if (a != NULL && seen_append(a, s) == 0)
		text = jsonout_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/* Reads the stored form: every field checked, the first problem named. */
static cs_err
read_event(json_t *o, size_t i, struct reconcile_event *e, char *err, size_t errlen)
{
	json_t *slug, *open, *state, *start, *updated, *end, *title, *guid;

	if (json_unpack(o, "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "slug", &slug, "open", &open,
	    "state", &state, "start", &start, "updated", &updated, "end_time", &end, "title", &title,
	    "guid", &guid) != 0 || !json_is_string(slug) || !json_is_boolean(open) ||
	    !json_is_string(state) || status_aws_parse(json_string_value(state), &e->state) != 0 ||
	    !json_is_integer(start) || !json_is_integer(updated) || !json_is_integer(end) ||
	    !json_is_string(title) || !json_is_string(guid))
		return cs_seterr(err, errlen, CS_ERR_PARSE, "currentevents record: events[%zu]: "
		    "expected slug, open, state, start, updated, end_time, title, guid", i);
	e->open = json_is_true(open);
	e->start = (int64_t)json_integer_value(start);
	e->updated = (int64_t)json_integer_value(updated);
	e->end_time = (int64_t)json_integer_value(end);
	e->slug = strdup(json_string_value(slug));
	e->title = strdup(json_string_value(title));
	e->guid = strdup(json_string_value(guid));
	if (e->slug == NULL || e->title == NULL || e->guid == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	return CS_OK;
}

/* The old form: an array of the slugs the last document listed open. */
static cs_err
read_legacy(json_t *a, struct reconcile_set *s, char *err, size_t errlen)
{
	size_t k = 0;

	s->legacy = 1;
	s->ev = calloc(json_array_size(a) + 1, sizeof(*s->ev));
	if (s->ev == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *slug = json_string_value(json_array_get(a, i));
		struct reconcile_event *e = &s->ev[i];

		if (slug == NULL)
			return cs_seterr(err, errlen, CS_ERR_PARSE,
			    "currentevents record: [%zu]: expected a slug", i);
		e->open = 1;
		e->state = STATUS_AWS_UNKNOWN;
		e->slug = strdup(slug);
		e->title = strdup("");
		e->guid = strdup("");
		s->n = i + 1;
		if (e->slug == NULL || e->title == NULL || e->guid == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	}
	qsort(s->ev, s->n, sizeof(*s->ev), reconcile_cmp_event);
	for (size_t i = 0; i < s->n; i++) {
		if (k > 0 && strcmp(s->ev[k - 1].slug, s->ev[i].slug) == 0)
			reconcile_event_clear(&s->ev[i]);
		else
			s->ev[k++] = s->ev[i];
	}
	s->n = k;
	return CS_OK;
}

/* Reads the array a of seen disagreements into s->seen (empty before), sorted. */
static cs_err
read_seen(json_t *a, struct reconcile_set *s, char *err, size_t errlen)
{
	s->seen = calloc(json_array_size(a) + 1, sizeof(*s->seen));
	if (s->seen == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		const char *slug = json_string_value(json_object_get(o, "slug"));
		const char *kind = json_string_value(json_object_get(o, "disagreement"));

		if (slug == NULL || kind == NULL ||
		    reconcile_disagree_parse(kind, &s->seen[i].kind) != 0)
			return cs_seterr(err, errlen, CS_ERR_PARSE,
			    "currentevents record: seen[%zu]: expected slug and disagreement", i);
		s->seen[i].slug = strdup(slug);
		s->nseen = i + 1;
		if (s->seen[i].slug == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	}
	qsort(s->seen, s->nseen, sizeof(*s->seen), reconcile_cmp_seen);
	return CS_OK;
}

cs_err
reconcile_seen_from_json(const char *text, struct reconcile_set *s, char *err, size_t errlen)
{
	struct reconcile_set tmp = {0};
	json_t *a;
	json_error_t jerr;
	cs_err rc;

	a = json_loads(text != NULL ? text : "", 0, &jerr);
	if (a == NULL && (json_error_code(&jerr) == json_error_out_of_memory || jerr.text[0] == '\0'))
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory"); /* as reconcile_from_json */
	if (!json_is_array(a)) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "currentevents seen: %s",
		    a == NULL ? jerr.text : "expected an array");
		json_decref(a);
		return rc;
	}
	rc = read_seen(a, &tmp, err, errlen);
	json_decref(a);
	if (rc == CS_OK) {
		for (size_t i = 0; i < s->nseen; i++)
			free(s->seen[i].slug);
		free(s->seen);
		s->seen = tmp.seen;
		s->nseen = tmp.nseen;
		return CS_OK;
	}
	for (size_t i = 0; i < tmp.nseen; i++)
		free(tmp.seen[i].slug);
	free(tmp.seen);
	return rc;
}

cs_err
reconcile_from_json(const char *text, struct reconcile_set **out, char *err, size_t errlen)
{
	struct reconcile_set *s = NULL;
	json_t *doc = NULL, *evs, *seen;
	json_error_t jerr;
	cs_err rc = CS_OK;

	*out = NULL;
	doc = json_loads(text != NULL ? text : "", 0, &jerr);
	s = calloc(1, sizeof(*s));
	if (s == NULL || (doc == NULL && (json_error_code(&jerr) == json_error_out_of_memory ||
	    jerr.text[0] == '\0'))) {
		/*
		 * Not CS_ERR_PARSE, which cycle_decide() takes for a corrupt record
		 * of its own: jansson 2.14 leaves the error unset (no text) on most
		 * allocation failures, and always writes one for a syntax error.
		 */
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (json_is_array(doc)) {
		rc = read_legacy(doc, s, err, errlen);
		goto out;
	}
	evs = json_object_get(doc, "events");
	seen = json_object_get(doc, "seen");
	if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "schema")) != 2 ||
	    !json_is_array(evs) || !json_is_array(seen)) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "currentevents record: %s",
		    doc == NULL ? jerr.text : "expected {\"schema\": 2, \"events\", \"seen\"}");
		goto out;
	}
	s->ev = calloc(json_array_size(evs) + 1, sizeof(*s->ev));
	if (s->ev == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; rc == CS_OK && i < json_array_size(evs); i++) {
		s->n = i + 1;
		rc = read_event(json_array_get(evs, i), i, &s->ev[i], err, errlen);
		if (rc == CS_OK && i > 0 && strcmp(s->ev[i - 1].slug, s->ev[i].slug) >= 0)
			rc = cs_seterr(err, errlen, CS_ERR_PARSE,
			    "currentevents record: events not sorted by slug at [%zu]", i);
	}
	if (rc == CS_OK)
		rc = read_seen(seen, s, err, errlen);
out:
	json_decref(doc);
	if (rc == CS_OK)
		*out = s;
	else
		reconcile_set_free(s);
	return rc;
}

