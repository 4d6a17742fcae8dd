/* currentevents.c: decodes (UTF-16/UTF-8) and parses AWS's currentevents JSON document. */
#include "aws/currentevents.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Limit on what one event may list, to bound memory on hostile input. */
#define MAX_EVENTS   100000
#define MAX_IMPACTED 10000

/*
 * Converts data (UTF-16LE/BE or UTF-8) to NUL-terminated UTF-8 in an owned
 * *out. The encoding is the byte-order mark's; without one, a zero byte in
 * the first or second position means UTF-16 (the document starts with
 * ASCII '[' or whitespace), else UTF-8 is assumed (jansson checks it).
 */
static cs_err
decode(const char *name, const unsigned char *data, size_t len, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	const char *from = NULL;
	iconv_t cd = (iconv_t)-1;
	char *buf = NULL, *in, *op;
	size_t inleft, outleft, cap, bom = 0;
	cs_err rc = CS_OK;

	*out = NULL;
	if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
		from = "UTF-16LE";
		bom = 2;
	} else if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF) {
		from = "UTF-16BE";
		bom = 2;
	} else if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
		bom = 3;
	} else if (len >= 2 && data[0] == 0 && data[1] != 0) {
		from = "UTF-16BE";
	} else if (len >= 2 && data[0] != 0 && data[1] == 0) {
		from = "UTF-16LE";
	}
	data += bom;
	len -= bom;
	if (from == NULL) {
		buf = malloc(len + 1);
		if (buf == NULL)
			goto nomem;
		memcpy(buf, data, len);
		buf[len] = '\0';
		*outlen = len;
		goto done;
	}
	if (len % 2 != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: %s text has an odd number of bytes (%zu)",
		    name, from, len);
		goto out;
	}
	/* Each UTF-16 unit (2 bytes) gives at most 3 bytes of UTF-8; a pair (4) gives 4. */
	cap = len / 2 * 3 + 1;
	buf = malloc(cap);
	if (buf == NULL)
		goto nomem;
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: iconv cannot convert from %s: %s", name,
		    from, strerror(errno));
		goto out;
	}
	in = (char *)(uintptr_t)data;
	inleft = len;
	op = buf;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: invalid %s at byte %zu", name, from,
		    (size_t)(in - (const char *)data) + bom);
		goto out;
	}
	*op = '\0';
	*outlen = (size_t)(op - buf);
done:
	*out = buf;
	buf = NULL;
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
out:
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	free(buf);
	return rc;
}

/* A status, "0".."3" as AWS writes it (an integer is accepted too). */
static int
get_status(const json_t *v, status_aws *out)
{
	json_int_t i;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (s[0] < '0' || s[0] > '3' || s[1] != '\0')
			return -1;
		*out = (status_aws)(s[0] - '0');
		return 0;
	}
	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < 0 || i > 3)
		return -1;
	*out = (status_aws)i;
	return 0;
}

/* An epoch, as a string of ASCII digits (AWS) or an integer; "" is 0. */
static int
get_epoch(const json_t *v, int64_t *out)
{
	int64_t n = 0;
	const char *s;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (strlen(s) > 18)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	*out = n;
	return 0;
}

static char *
dup_member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return strdup(json_is_string(v) ? json_string_value(v) : "");
}

static void
free_event(struct currentevents_event *ev)
{
	size_t i;

	free(ev->service);
	free(ev->summary);
	free(ev->arn);
	for (i = 0; i < ev->nimpacted; i++)
		free(ev->impacted[i].slug);
	free(ev->impacted);
}

/*
 * The epoch of the newest update of an event: the largest event_log[].timestamp,
 * never earlier than the event's date. The log is read leniently (an entry
 * without a usable timestamp is skipped): it only dates the event's text,
 * and a document is not worth losing over it.
 */
static int64_t
newest_log(const json_t *log, int64_t date)
{
	int64_t newest = date;
	size_t i;
	json_t *e;

	if (!json_is_array(log))
		return newest;
	json_array_foreach(log, i, e) {
		int64_t t;

		if (get_epoch(json_object_get(e, "timestamp"), &t) == 0 && t > newest)
			newest = t;
	}
	return newest;
}

static cs_err
parse_event(const char *name, size_t idx, const json_t *o, struct currentevents_event *ev,
    char *err, size_t errlen)
{
	const json_t *v, *imp;
	const char *key;
	json_t *iv;
	size_t k;

	if (!json_is_object(o))
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: [%zu]: expected an object", name, idx);
	v = json_object_get(o, "service");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: [%zu].service: missing or not a string",
		    name, idx);
	v = json_object_get(o, "status");
	if (v == NULL || get_status(v, &ev->status) != 0)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: [%zu].status: expected \"0\" to \"3\"",
		    name, idx);
	v = json_object_get(o, "date");
	if (v == NULL || get_epoch(v, &ev->date) != 0)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: [%zu].date: expected an epoch in seconds",
		    name, idx);
	v = json_object_get(o, "end_time");
	if (v != NULL && !json_is_null(v) && get_epoch(v, &ev->end_time) != 0)
		return cs_seterr(err, errlen, CS_ERR_PARSE,
		    "%s: [%zu].end_time: expected an epoch in seconds", name, idx);
	v = json_object_get(o, "summary");
	if (v != NULL && !json_is_string(v))
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: [%zu].summary: expected a string", name,
		    idx);
	ev->updated = newest_log(json_object_get(o, "event_log"), ev->date);
	ev->service = dup_member(o, "service");
	ev->summary = dup_member(o, "summary");
	ev->arn = dup_member(o, "arn");
	if (ev->service == NULL || ev->summary == NULL || ev->arn == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);

	imp = json_object_get(o, "impacted_services");
	if (imp == NULL || json_is_null(imp))
		return CS_OK;
	if (!json_is_object(imp))
		return cs_seterr(err, errlen, CS_ERR_PARSE,
		    "%s: [%zu].impacted_services: expected an object", name, idx);
	if (json_object_size(imp) > MAX_IMPACTED)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG,
		    "%s: [%zu].impacted_services: more than %d services", name, idx, MAX_IMPACTED);
	ev->impacted = calloc(json_object_size(imp) + 1, sizeof(*ev->impacted));
	if (ev->impacted == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
	k = 0;
	json_object_foreach((json_t *)imp, key, iv) {
		struct currentevents_impact *im = &ev->impacted[k];
		const json_t *cur, *max;

		cur = json_object_get(iv, "current");
		max = json_object_get(iv, "max");
		im->current = STATUS_AWS_NORMAL;
		im->max = STATUS_AWS_NORMAL;
		if (!json_is_object(iv) || (cur != NULL && get_status(cur, &im->current) != 0) ||
		    (max != NULL && get_status(max, &im->max) != 0))
			return cs_seterr(err, errlen, CS_ERR_PARSE,
			    "%s: [%zu].impacted_services.%s: expected current and max \"0\" to \"3\"", name,
			    idx, key);
		/* absent "current" on an open event: assume still impacted */
		if (cur == NULL)
			im->current = ev->status;
		im->slug = strdup(key);
		if (im->slug == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
		ev->nimpacted = ++k;
	}
	return CS_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/*
 * Open events: no end_time and a status other than 0. Their own slug and
 * every impacted service AWS still counts as impacted ("current" not "0":
 * in the recorded me-central-1 event route53 and cloudfront were back to 0
 * while the event stayed open, and their own feeds must be free to close).
 */
static cs_err
collect_open(struct currentevents *ce)
{
	size_t total = 0, i, j, k = 0;
	char **v;

	for (i = 0; i < ce->nevents; i++)
		total += 1 + ce->events[i].nimpacted;
	v = calloc(total + 1, sizeof(*v));
	if (v == NULL)
		return CS_ERR_NOMEM;
	ce->open_slugs = v;
	for (i = 0; i < ce->nevents; i++) {
		const struct currentevents_event *ev = &ce->events[i];

		if (ev->end_time != 0 || ev->status == STATUS_AWS_NORMAL)
			continue;
		v[k++] = ev->service;
		for (j = 0; j < ev->nimpacted; j++)
			if (ev->impacted[j].current != STATUS_AWS_NORMAL)
				v[k++] = ev->impacted[j].slug;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	j = 0;
	for (i = 0; i < k; i++)
		if (j == 0 || strcmp(v[j - 1], v[i]) != 0)
			v[j++] = v[i];
	ce->nopen = j;
	return CS_OK;
}

cs_err
currentevents_parse(const char *name, const void *data, size_t len, struct currentevents **out,
    char *err, size_t errlen)
{
	struct currentevents *ce = NULL;
	char *text = NULL;
	size_t tlen = 0, i;
	json_t *root = NULL;
	json_error_t jerr;
	cs_err rc = CS_OK;

	*out = NULL;
	if (name == NULL)
		name = "currentevents";
	if (len > CURRENTEVENTS_MAX_BYTES) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: %zu bytes exceeds the maximum of %d", name,
		    len, CURRENTEVENTS_MAX_BYTES);
		goto out;
	}
	if (len == 0) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: empty document", name);
		goto out;
	}
	rc = decode(name, data, len, &text, &tlen, err, errlen);
	if (rc != CS_OK)
		goto out;
	root = json_loadb(text, tlen, 0, &jerr);
	if (root == NULL && (json_error_code(&jerr) == json_error_out_of_memory ||
	    jerr.text[0] == '\0')) {
		/*
		 * Out of memory, not a fault of the document: jansson 2.14 leaves
		 * the error unset (no text, line -1) on most of its allocation
		 * failures, and always writes a text for a syntax error.
		 */
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	if (root == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s:%d:%d: %s", name, jerr.line, jerr.column,
		    jerr.text);
		goto out;
	}
	if (!json_is_array(root)) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: expected a JSON array of events", name);
		goto out;
	}
	if (json_array_size(root) > MAX_EVENTS) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: more than %d events", name, MAX_EVENTS);
		goto out;
	}
	ce = calloc(1, sizeof(*ce));
	if (ce == NULL)
		goto nomem;
	ce->events = calloc(json_array_size(root) + 1, sizeof(*ce->events));
	if (ce->events == NULL)
		goto nomem;
	for (i = 0; i < json_array_size(root); i++) {
		ce->nevents = i + 1;
		rc = parse_event(name, i, json_array_get(root, i), &ce->events[i], err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	if (collect_open(ce) != CS_OK)
		goto nomem;
	*out = ce;
	ce = NULL;
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
out:
	json_decref(root);
	free(text);
	currentevents_free(ce);
	return rc;
}

const char *const *
currentevents_open_slugs(const struct currentevents *ce, size_t *n)
{
	*n = ce->nopen;
	return (const char *const *)ce->open_slugs;
}

/*
 * Format (tab-separated):
 *   event <TAB> SERVICE <TAB> STATUS <TAB> DATE <TAB> END_TIME <TAB> ARN <TAB> SUMMARY
 *   <TAB> impacted <TAB> SLUG <TAB> CURRENT <TAB> MAX
 *   open <TAB> SLUG
 */
void
currentevents_dump(const struct currentevents *ce, FILE *fp)
{
	size_t i, j;

	for (i = 0; i < ce->nevents; i++) {
		const struct currentevents_event *ev = &ce->events[i];

		fprintf(fp, "event\t%s\t%s\t%lld\t%lld\t%s\t%s\n", ev->service, status_aws_name(ev->status),
		    (long long)ev->date, (long long)ev->end_time, ev->arn, ev->summary);
		for (j = 0; j < ev->nimpacted; j++)
			fprintf(fp, "\timpacted\t%s\t%s\t%s\n", ev->impacted[j].slug,
			    status_aws_name(ev->impacted[j].current), status_aws_name(ev->impacted[j].max));
	}
	for (i = 0; i < ce->nopen; i++)
		fprintf(fp, "open\t%s\n", ce->open_slugs[i]);
}

void
currentevents_free(struct currentevents *ce)
{
	size_t i;

	if (ce == NULL)
		return;
	for (i = 0; i < ce->nevents; i++)
		free_event(&ce->events[i]);
	free(ce->events);
	free(ce->open_slugs); /* the strings belong to the events */
	free(ce);
}
