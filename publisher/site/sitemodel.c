/* sitemodel.c: the render model: deep-copying adders over an arena, names of the enumerations. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "model/judgement.h"
#include "site/sitemodel.h"

/*
 * Every copy the model makes (strings, arrays of causes, updates, ids)
 * comes from one arena of chunks, so an adder that fails half-way leaks
 * nothing that sitemodel_free would not reclaim, and freeing is one walk.
 * The top-level arrays (components, incidents...) grow with realloc.
 */
#define ARENA_CHUNK (64 * 1024)

struct sitemodel_arena {
	struct sitemodel_arena *next;
	size_t used;
	size_t size;
	unsigned char data[];
};

static void *
arena_alloc(struct sitemodel *m, size_t n)
{
	struct sitemodel_arena *a = m->arena;
	void *p = NULL;

	n = (n + 15) & ~(size_t)15;
	if (a == NULL || a->size - a->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		a = malloc(sizeof(*a) + size);
		if (a == NULL)
			goto out;
		a->used = 0;
		a->size = size;
		a->next = m->arena;
		m->arena = a;
	}
	p = a->data + a->used;
	a->used += n;
out:
	return p;
}

/*
 * Length of the UTF-8 sequence starting at s (n bytes left), or 0 when it
 * is not well formed (overlong, surrogate, past U+10FFFF, truncated).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Copies s (NULL stays NULL) into the arena. Feed text is bytes: a byte
 * that does not start a well-formed UTF-8 sequence becomes U+FFFD, and
 * control characters XML 1.0 cannot carry (all below 0x20 but tab, LF,
 * CR) are dropped, so libxml2 and jansson always accept the result.
 * Returns 0, -1 on no memory, -2 when s is longer than SITEMODEL_MAX_TEXT.
 */
static int
arena_str(struct sitemodel *m, const char *s, const char **out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i, k, olen = 0;
	char *p;

	*out = NULL;
	if (s == NULL)
		return 0;
	n = strnlen(s, SITEMODEL_MAX_TEXT + 1);
	if (n > SITEMODEL_MAX_TEXT)
		return -2;
	for (i = 0; i < n; i += k) {
		k = utf8_seq(u + i, n - i);
		if (k == 0) {
			olen += 3;
			k = 1;
		} else if (k > 1 || u[i] >= 0x20 || u[i] == '\t' || u[i] == '\n' || u[i] == '\r') {
			olen += k;
		}
	}
	p = arena_alloc(m, olen + 1);
	if (p == NULL)
		return -1;
	olen = 0;
	for (i = 0; i < n; i += k) {
		k = utf8_seq(u + i, n - i);
		if (k == 0) {
			memcpy(p + olen, "\xef\xbf\xbd", 3);
			olen += 3;
			k = 1;
		} else if (k > 1 || u[i] >= 0x20 || u[i] == '\t' || u[i] == '\n' || u[i] == '\r') {
			memcpy(p + olen, u + i, k);
			olen += k;
		}
	}
	p[olen] = '\0';
	*out = p;
	return 0;
}

static int
valid_id(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		char c = id[i];

		if (i >= 64)
			return 0;
		if (!(ascii_isalpha(c) || ascii_isdigit(c) || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Grows *arr (of elem-size items, *cap allocated) to hold n + 1. */
static cs_err
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n >= SITEMODEL_MAX_ITEMS)
		return CS_ERR_TOOBIG;
	if (n < *cap)
		return CS_OK;
	ncap = *cap == 0 ? 16 : *cap * 2;
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return CS_ERR_NOMEM;
	*arr = p;
	*cap = ncap;
	return CS_OK;
}

static cs_err
copy_fail(int r, char *err, size_t errlen, const char *what)
{
	if (r == -2)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: text longer than %d bytes",
		    what, SITEMODEL_MAX_TEXT);
	return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", what);
}

#define COPY(field, what) do { \
	int r_ = arena_str(m, (field), &(field)); \
	if (r_ != 0) { rc = copy_fail(r_, err, errlen, (what)); goto out; } \
} while (0)

cs_err
sitemodel_new(const struct sitemodel_page *page, struct sitemodel **out,
    char *err, size_t errlen)
{
	struct sitemodel *m = NULL;
	cs_err rc = CS_OK;

	*out = NULL;
	if (page == NULL || page->name == NULL || page->url == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "page: name and url are required");
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "page: out of memory");
		goto out;
	}
	m->page = *page;
	COPY(m->page.id, "page.id");
	COPY(m->page.name, "page.name");
	COPY(m->page.company, "page.company");
	COPY(m->page.url, "page.url");
	COPY(m->page.time_zone, "page.time_zone");
	COPY(m->page.subscribe_url, "page.subscribe_url");
	COPY(m->page.description, "page.description");
	if (m->page.id == NULL)
		m->page.id = m->page.name;
	if (m->page.time_zone == NULL)
		m->page.time_zone = "Etc/UTC";
	*out = m;
	m = NULL;
out:
	sitemodel_free(m);
	return rc;
}

void
sitemodel_free(struct sitemodel *m)
{
	struct sitemodel_arena *a, *next;

	if (m == NULL)
		return;
	for (a = m->arena; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	free(m->components);
	free(m->incidents);
	free(m->maintenances);
	free(m->aws);
	free(m);
}

void
sitemodel_set_freshness(struct sitemodel *m, int64_t now, int64_t last_ok,
    int64_t first_failure, int64_t poll_interval)
{
	m->page.last_successful_poll = last_ok;
	m->page.stale = !judgement_fresh(last_ok, now, poll_interval); /* the one staleness rule */
	m->page.stale_since = 0;
	/* Never read: stale since monitoring began, which is no time to print (never 1970). */
	if (m->page.stale && last_ok != 0)
		m->page.stale_since = first_failure != 0 ? first_failure : last_ok + poll_interval;
}

static cs_err
copy_causes(struct sitemodel *m, const struct sitemodel_cause **causes, size_t n,
    char *err, size_t errlen)
{
	struct sitemodel_cause *c = NULL;
	cs_err rc = CS_OK;
	size_t i;

	if (n == 0) {
		*causes = NULL;
		goto out;
	}
	if (n > SITEMODEL_MAX_ITEMS) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "causes: more than %d", SITEMODEL_MAX_ITEMS);
		goto out;
	}
	c = arena_alloc(m, n * sizeof(*c));
	if (c == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "causes: out of memory");
		goto out;
	}
	memcpy(c, *causes, n * sizeof(*c));
	for (i = 0; i < n; i++) {
		COPY(c[i].slug, "cause.slug");
		COPY(c[i].service, "cause.service");
		COPY(c[i].region, "cause.region");
		COPY(c[i].title, "cause.title");
		COPY(c[i].guid, "cause.guid");
	}
	*causes = c;
out:
	return rc;
}

const struct sitemodel_component *
sitemodel_find_component(const struct sitemodel *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->ncomponents; i++)
		if (strcmp(m->components[i].id, id) == 0)
			return &m->components[i];
	return NULL;
}

cs_err
sitemodel_add_component(struct sitemodel *m, const struct sitemodel_component *in,
    char *err, size_t errlen)
{
	struct sitemodel_component c = *in;
	cs_err rc = CS_OK;

	if (!valid_id(in->id) || in->name == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "component: bad id or no name");
		goto out;
	}
	if (sitemodel_find_component(m, in->id) != NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "component %s: duplicate id", in->id);
		goto out;
	}
	rc = grow((void **)&m->components, &m->capc, m->ncomponents, sizeof(c));
	if (rc != CS_OK) {
		rc = cs_seterr(err, errlen, rc, "component %s: cannot grow list", in->id);
		goto out;
	}
	COPY(c.id, "component.id");
	COPY(c.name, "component.name");
	COPY(c.group, "component.group");
	COPY(c.description, "component.description");
	rc = copy_causes(m, &c.causes, c.ncauses, err, errlen);
	if (rc != CS_OK)
		goto out;
	m->components[m->ncomponents++] = c;
out:
	return rc;
}

static cs_err
copy_updates(struct sitemodel *m, struct sitemodel_incident *in, char *err, size_t errlen)
{
	struct sitemodel_update *u = NULL;
	cs_err rc = CS_OK;
	size_t i, j;

	if (in->nupdates == 0) {
		in->updates = NULL;
		goto out;
	}
	if (in->nupdates > SITEMODEL_MAX_ITEMS) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "incident %s: too many updates", in->id);
		goto out;
	}
	u = arena_alloc(m, in->nupdates * sizeof(*u));
	if (u == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "incident %s: out of memory", in->id);
		goto out;
	}
	memcpy(u, in->updates, in->nupdates * sizeof(*u));
	for (i = 0; i < in->nupdates; i++) {
		struct sitemodel_affected *a = NULL;

		if (!valid_id(u[i].id)) {
			rc = cs_seterr(err, errlen, CS_ERR_PARSE, "incident %s: update %zu: bad id",
			    in->id, i);
			goto out;
		}
		COPY(u[i].id, "update.id");
		COPY(u[i].body, "update.body");
		if (u[i].naffected == 0) {
			u[i].affected = NULL;
			continue;
		}
		a = arena_alloc(m, u[i].naffected * sizeof(*a));
		if (a == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "incident %s: out of memory", in->id);
			goto out;
		}
		memcpy(a, u[i].affected, u[i].naffected * sizeof(*a));
		for (j = 0; j < u[i].naffected; j++) {
			if (a[j].id == NULL || sitemodel_find_component(m, a[j].id) == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_PARSE,
				    "incident %s: update %s: unknown component", in->id, u[i].id);
				goto out;
			}
			COPY(a[j].id, "affected.id");
		}
		u[i].affected = a;
	}
	in->updates = u;
out:
	return rc;
}

static int
incident_exists(const struct sitemodel *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nincidents; i++)
		if (strcmp(m->incidents[i].id, id) == 0)
			return 1;
	for (i = 0; i < m->nmaintenances; i++)
		if (strcmp(m->maintenances[i].id, id) == 0)
			return 1;
	return 0;
}

cs_err
sitemodel_add_incident(struct sitemodel *m, const struct sitemodel_incident *src,
    char *err, size_t errlen)
{
	struct sitemodel_incident in = *src;
	const char **ids = NULL;
	cs_err rc = CS_OK;
	size_t i;

	if (!valid_id(src->id) || src->name == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "incident: bad id or no name");
		goto out;
	}
	if (incident_exists(m, src->id)) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "incident %s: duplicate id", src->id);
		goto out;
	}
	if (src->priority < 0 || src->priority > 4) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "incident %s: priority %d not 0..4",
		    src->id, src->priority);
		goto out;
	}
	if (src->is_maintenance)
		rc = grow((void **)&m->maintenances, &m->capm, m->nmaintenances, sizeof(in));
	else
		rc = grow((void **)&m->incidents, &m->capi, m->nincidents, sizeof(in));
	if (rc != CS_OK) {
		rc = cs_seterr(err, errlen, rc, "incident %s: cannot grow list", src->id);
		goto out;
	}
	COPY(in.id, "incident.id");
	COPY(in.name, "incident.name");
	COPY(in.shortlink, "incident.shortlink");
	COPY(in.rca_url, "incident.rca_url");
	COPY(in.rca_document, "incident.rca_document");
	if (in.ncomponents > 0) {
		ids = arena_alloc(m, in.ncomponents * sizeof(*ids));
		if (ids == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "incident %s: out of memory", src->id);
			goto out;
		}
		for (i = 0; i < in.ncomponents; i++) {
			if (src->components[i] == NULL ||
			    sitemodel_find_component(m, src->components[i]) == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_PARSE,
				    "incident %s: unknown component %s", src->id,
				    src->components[i] != NULL ? src->components[i] : "(null)");
				goto out;
			}
			ids[i] = src->components[i];
			COPY(ids[i], "incident.component");
		}
		in.components = ids;
	}
	rc = copy_updates(m, &in, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = copy_causes(m, &in.causes, in.ncauses, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (in.is_maintenance)
		m->maintenances[m->nmaintenances++] = in;
	else
		m->incidents[m->nincidents++] = in;
out:
	return rc;
}

cs_err
sitemodel_add_aws(struct sitemodel *m, const struct sitemodel_aws *src, char *err, size_t errlen)
{
	struct sitemodel_aws a = *src;
	cs_err rc = CS_OK;

	if (src->slug == NULL || src->service == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "aws: slug and service are required");
		goto out;
	}
	rc = grow((void **)&m->aws, &m->capa, m->naws, sizeof(a));
	if (rc != CS_OK) {
		rc = cs_seterr(err, errlen, rc, "aws %s: cannot grow list", src->slug);
		goto out;
	}
	COPY(a.slug, "aws.slug");
	COPY(a.service, "aws.service");
	COPY(a.region, "aws.region");
	COPY(a.title, "aws.title");
	m->aws[m->naws++] = a;
out:
	return rc;
}

const char *
sitemodel_istatus_name(enum sitemodel_istatus s)
{
	static const char *const names[] = { "investigating", "identified", "monitoring",
		"resolved", "postmortem", "scheduled", "in_progress", "verifying", "completed" };

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "investigating";
	return names[s];
}

const char *
sitemodel_istatus_label(enum sitemodel_istatus s)
{
	static const char *const names[] = { "Investigating", "Identified", "Monitoring",
		"Resolved", "Postmortem", "Scheduled", "In progress", "Verifying", "Completed" };

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "Investigating";
	return names[s];
}

const char *
sitemodel_impact_name(enum sitemodel_impact i)
{
	static const char *const names[] = { "none", "minor", "major", "critical", "maintenance" };

	if ((unsigned)i >= sizeof(names) / sizeof(names[0]))
		return "none";
	return names[i];
}

const char *
sitemodel_rca_name(enum sitemodel_rca r)
{
	static const char *const names[] = { "none", "draft", "final_due", "met" };

	if ((unsigned)r >= sizeof(names) / sizeof(names[0]))
		return "none";
	return names[r];
}

int
sitemodel_incident_active(const struct sitemodel_incident *in)
{
	return in->status != SITEMODEL_RESOLVED && in->status != SITEMODEL_POSTMORTEM &&
	    in->status != SITEMODEL_COMPLETED;
}

int
sitemodel_update_cmp(const void *a, const void *b)
{
	const struct sitemodel_update *x = *(const struct sitemodel_update *const *)a;
	const struct sitemodel_update *y = *(const struct sitemodel_update *const *)b;

	if (x->created_at != y->created_at)
		return x->created_at > y->created_at ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return strcmp(y->id, x->id);
}

int64_t
sitemodel_incident_updated(const struct sitemodel_incident *in)
{
	int64_t t = in->updated_at > in->created_at ? in->updated_at : in->created_at;
	size_t i;

	for (i = 0; i < in->nupdates; i++)
		if (in->updates[i].created_at > t)
			t = in->updates[i].created_at;
	return t;
}

const char *
sitemodel_description(const struct sitemodel *m)
{
	if (m->page.description != NULL)
		return m->page.description;
	switch (m->page.indicator) {
	case STATUS_IND_NONE:
		return "All Systems Operational";
	case STATUS_IND_MINOR:
		return "Minor Service Outage";
	case STATUS_IND_MAJOR:
		return "Partial System Outage";
	case STATUS_IND_CRITICAL:
		return "Major System Outage";
	}
	return "All Systems Operational";
}

void
sitemodel_page_digest(const struct sitemodel *m, struct digest *d)
{
	digest_str(d, m->page.id);
	digest_str(d, m->page.name);
	digest_str(d, m->page.company);
	digest_str(d, m->page.url);
	digest_str(d, m->page.time_zone);
	digest_str(d, m->page.subscribe_url);
}

static void
cause_digest(struct digest *d, const struct sitemodel_cause *c, size_t n)
{
	size_t i;

	digest_i64(d, (int64_t)n);
	for (i = 0; i < n; i++) {
		digest_str(d, c[i].slug);
		digest_str(d, c[i].service);
		digest_str(d, c[i].region);
		digest_i64(d, c[i].aws_state);
		digest_str(d, c[i].title);
		digest_str(d, c[i].guid);
		digest_i64(d, c[i].time);
	}
}

static void
name_digest(const struct sitemodel *m, struct digest *d, const char *id)
{
	const struct sitemodel_component *c = sitemodel_find_component(m, id);

	digest_str(d, id);
	digest_str(d, c != NULL ? c->name : NULL);
}

/*
 * Every field of the incident goes in, in a fixed order, with the names
 * of the components it shows (a renamed component changes the page).
 * A field added to the struct must be added here too: test_site checks
 * that changing any field changes the digest.
 */
void
sitemodel_incident_digest(const struct sitemodel *m, const struct sitemodel_incident *in,
    struct digest *d)
{
	size_t i, j;

	digest_str(d, in->id);
	digest_str(d, in->name);
	digest_i64(d, in->status);
	digest_i64(d, in->impact);
	digest_i64(d, in->priority);
	digest_i64(d, in->created_at);
	digest_i64(d, in->updated_at);
	digest_i64(d, in->started_at);
	digest_i64(d, in->monitoring_at);
	digest_i64(d, in->resolved_at);
	digest_i64(d, in->next_update_by);
	digest_str(d, in->shortlink);
	digest_i64(d, (int64_t)in->ncomponents);
	for (i = 0; i < in->ncomponents; i++)
		name_digest(m, d, in->components[i]);
	digest_i64(d, (int64_t)in->nupdates);
	for (i = 0; i < in->nupdates; i++) {
		const struct sitemodel_update *u = &in->updates[i];

		digest_str(d, u->id);
		digest_i64(d, u->status);
		digest_str(d, u->body);
		digest_i64(d, u->created_at);
		digest_i64(d, (int64_t)u->naffected);
		for (j = 0; j < u->naffected; j++) {
			name_digest(m, d, u->affected[j].id);
			digest_i64(d, u->affected[j].old_status);
			digest_i64(d, u->affected[j].new_status);
		}
	}
	cause_digest(d, in->causes, in->ncauses);
	digest_i64(d, in->rca);
	digest_i64(d, in->rca_due);
	digest_str(d, in->rca_url);
	digest_str(d, in->rca_document);
	digest_i64(d, in->rca_document_final);
	digest_i64(d, in->is_maintenance);
	digest_i64(d, in->scheduled_for);
	digest_i64(d, in->scheduled_until);
}
