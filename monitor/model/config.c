/* config.c: reads the product configuration (JSON, jansson): the public API, files, accessors. */
#include "model/config.h"
#include "model/config_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/embedded.h"

#define EMBEDDED_NAME   "feeds/click.json (embedded)"

static int
cmp_strp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/*
 * Collects the distinct feed slugs into cfg, plus multipleservices-<region>
 * for each region used where the dashboard has such a feed (GovCloud has
 * none: asking for it would fail every cycle and hide the components).
 */
static cs_err
build_feed_slugs(struct config *cfg, const struct catalogue *cat)
{
	size_t total = 0, i, j, k;
	char **v;

	for (i = 0; i < cfg->ncomponents; i++)
		total += cfg->components[i].ndeps * 2;
	v = calloc(total + 1, sizeof(*v));
	if (v == NULL)
		return CS_ERR_NOMEM;
	cfg->feed_slugs = v;
	k = 0;
	for (i = 0; i < cfg->ncomponents; i++) {
		for (j = 0; j < cfg->components[i].ndeps; j++) {
			const struct config_dep *d = &cfg->components[i].deps[j];

			v[k] = strdup(d->slug);
			if (v[k] == NULL)
				return CS_ERR_NOMEM;
			cfg->nfeed_slugs = ++k;
			if (d->region != NULL) {
				size_t n = sizeof("multipleservices-") + strlen(d->region);

				v[k] = malloc(n);
				if (v[k] == NULL)
					return CS_ERR_NOMEM;
				snprintf(v[k], n, "multipleservices-%s", d->region);
				if (catalogue_find(cat, v[k]) == NULL) {
					free(v[k]);
					v[k] = NULL;
					continue;
				}
				cfg->nfeed_slugs = ++k;
			}
		}
	}
	qsort(v, k, sizeof(*v), cmp_strp);
	j = 0;
	for (i = 0; i < k; i++) {
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	cfg->nfeed_slugs = j;
	/* What readers are told: "Amazon Connect (N. Virginia)", from the catalogue. */
	cfg->feed_names = calloc(j + 1, sizeof(*cfg->feed_names));
	if (cfg->feed_names == NULL)
		return CS_ERR_NOMEM;
	for (i = 0; i < j; i++) {
		const struct catalogue_entry *e = catalogue_find(cat, v[i]);
		size_t n;

		if (e == NULL || e->service_name == NULL) {
			cfg->feed_names[i] = strdup(v[i]);
		} else if (e->region == NULL || e->region_name == NULL) {
			cfg->feed_names[i] = strdup(e->service_name);
		} else {
			n = strlen(e->service_name) + strlen(e->region_name) + 4;
			cfg->feed_names[i] = malloc(n);
			if (cfg->feed_names[i] != NULL)
				snprintf(cfg->feed_names[i], n, "%s (%s)", e->service_name, e->region_name);
		}
		if (cfg->feed_names[i] == NULL)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/*
 * The common body of config_parse() and config_parse_report(): parses,
 * checks, and leaves the messages in e.
 */
static cs_err
parse_into(struct config_errs *e, const char *json, size_t len, const struct catalogue *cat,
    struct config **out)
{
	struct catalogue *owncat = NULL;
	struct config *cfg = NULL;
	json_t *root = NULL;
	json_error_t jerr;
	cs_err rc = CS_OK;
	char cerr[CS_ERRLEN];

	*out = NULL;
	if (len > CONFIG_MAX_BYTES) {
		config_errs_add(e, NULL, "%zu bytes exceeds the maximum of %d", len, CONFIG_MAX_BYTES);
		rc = CS_ERR_TOOBIG;
		goto out;
	}
	if (cat == NULL) {
		rc = catalogue_default(&owncat, cerr, sizeof(cerr));
		if (rc != CS_OK) {
			config_errs_add(e, NULL, "%s", cerr);
			goto out;
		}
		cat = owncat;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* jansson's position, "NAME:LINE:COL: message", instead of a JSON path. */
		const char *saved = e->name;
		char name[512];

		snprintf(name, sizeof(name), "%s:%d:%d", saved, jerr.line, jerr.column);
		e->name = name;
		config_errs_add(e, NULL, "%s", jerr.text);
		e->name = saved;
		rc = CS_ERR_CONFIG;
		goto out;
	}
	if (!json_is_object(root)) {
		config_errs_add(e, NULL, "expected a JSON object at the top level, got %s",
		    config_type_name(root));
		rc = CS_ERR_CONFIG;
		goto out;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	config_check_root(e, cat, root, cfg);
	if (e->nomem) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	if (e->count > 0) {
		rc = CS_ERR_CONFIG;
		goto out;
	}
	rc = build_feed_slugs(cfg, cat);
	if (rc != CS_OK)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	json_decref(root);
	config_free(cfg);
	catalogue_free(owncat);
	return rc;
}

/*
 * Copies whole lines of the report into err while they fit, without the
 * final newline; when some do not fit, ends with a count of the rest.
 */
static void
report_to_buf(const struct config_errs *e, cs_err rc, char *err, size_t errlen)
{
	const char *p = e->buf, *nl;
	size_t used = 0, shown = 0, total = e->count;
	char tail[128];

	if (err == NULL || errlen == 0)
		return;
	err[0] = '\0';
	if (rc == CS_ERR_NOMEM && p == NULL) {
		cs_seterr(err, errlen, rc, "%s: out of memory", e->name);
		return;
	}
	while (p != NULL && *p != '\0') {
		size_t n;

		nl = strchr(p, '\n');
		n = nl == NULL ? strlen(p) : (size_t)(nl - p);
		/* keep room for a tail line when more follow */
		if (used + (used ? 1 : 0) + n + 1 + (shown + 1 < total ? 48 : 0) > errlen)
			break;
		if (used > 0)
			err[used++] = '\n';
		memcpy(err + used, p, n);
		used += n;
		err[used] = '\0';
		shown++;
		p = nl == NULL ? p + n : nl + 1;
	}
	if (shown < total) {
		int n = snprintf(tail, sizeof(tail), "%s... and %zu more", used ? "\n" : "", total - shown);

		if (n > 0 && used + (size_t)n + 1 <= errlen) {
			memcpy(err + used, tail, (size_t)n + 1);
		}
	}
}

cs_err
config_parse_report(const char *name, const char *json, size_t len, const struct catalogue *cat,
    struct config **out, char **report)
{
	struct config_errs e;
	cs_err rc;

	memset(&e, 0, sizeof(e));
	e.name = name != NULL ? name : "configuration";
	*report = NULL;
	rc = parse_into(&e, json, len, cat, out);
	if (rc != CS_OK && rc != CS_ERR_NOMEM && e.dropped > 0) {
		char more[64];

		snprintf(more, sizeof(more), "... and %zu more", e.dropped);
		e.dropped = 0;
		config_errs_add(&e, NULL, "%s", more);
	}
	if (rc != CS_OK && !e.nomem)
		*report = e.buf;
	else
		free(e.buf);
	return rc;
}

cs_err
config_parse(const char *name, const char *json, size_t len, const struct catalogue *cat,
    struct config **out, char *err, size_t errlen)
{
	struct config_errs e;
	cs_err rc;

	memset(&e, 0, sizeof(e));
	e.name = name != NULL ? name : "configuration";
	rc = parse_into(&e, json, len, cat, out);
	if (rc != CS_OK)
		report_to_buf(&e, rc, err, errlen);
	free(e.buf);
	return rc;
}

/*
 * Reads path whole, refusing more than CONFIG_MAX_BYTES. On failure writes
 * "PATH: cannot read: reason" and returns CS_ERR_IO or CS_ERR_TOOBIG.
 */
static cs_err
read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	FILE *fp = NULL;
	char *buf = NULL;
	size_t n = 0;
	cs_err rc = CS_OK;

	*text = NULL;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (n > CONFIG_MAX_BYTES) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: larger than the maximum of %d bytes", path,
		    CONFIG_MAX_BYTES);
		goto out;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return rc;
}

cs_err
config_load(const char *path, const struct catalogue *cat, struct config **out, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	cs_err rc;

	*out = NULL;
	if (path == NULL)
		return config_parse(EMBEDDED_NAME, (const char *)embedded_click_json, embedded_click_json_len,
		    cat, out, err, errlen);
	rc = read_file(path, &text, &len, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = config_parse(path, text, len, cat, out, err, errlen);
out:
	free(text);
	return rc;
}

cs_err
config_load_report(const char *path, const struct catalogue *cat, struct config **out,
    char **report)
{
	char *text = NULL;
	size_t len = 0;
	char err[CS_ERRLEN];
	cs_err rc;

	*out = NULL;
	*report = NULL;
	if (path == NULL)
		return config_parse_report(EMBEDDED_NAME, (const char *)embedded_click_json,
		    embedded_click_json_len, cat, out, report);
	rc = read_file(path, &text, &len, err, sizeof(err));
	if (rc != CS_OK) {
		size_t n = strlen(err);

		*report = malloc(n + 2);
		if (*report != NULL) {
			memcpy(*report, err, n);
			(*report)[n] = '\n';
			(*report)[n + 1] = '\0';
		}
		goto out;
	}
	rc = config_parse_report(path, text, len, cat, out, report);
out:
	free(text);
	return rc;
}

const char *const *
config_feed_slugs(const struct config *cfg, size_t *n)
{
	*n = cfg->nfeed_slugs;
	return (const char *const *)cfg->feed_slugs;
}

static int
cmp_slug_key(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

const char *
config_feed_name(const struct config *cfg, const char *slug)
{
	long i = config_feed_index(cfg, slug);

	return i >= 0 && cfg->feed_names != NULL ? cfg->feed_names[i] : slug;
}

long
config_feed_index(const struct config *cfg, const char *slug)
{
	char *const *hit;

	if (cfg->nfeed_slugs == 0)
		return -1;
	hit = bsearch(slug, cfg->feed_slugs, cfg->nfeed_slugs, sizeof(*cfg->feed_slugs),
	    cmp_slug_key);
	return hit != NULL ? (long)(hit - cfg->feed_slugs) : -1;
}

const struct config_component *
config_find_component(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ncomponents; i++)
		if (cfg->components[i].id != NULL && strcmp(cfg->components[i].id, id) == 0)
			return &cfg->components[i];
	return NULL;
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->ncomponents; i++) {
		struct config_component *c = &cfg->components[i];

		for (j = 0; j < c->ndeps; j++) {
			free(c->deps[j].service);
			free(c->deps[j].region);
			free(c->deps[j].slug);
		}
		free(c->deps);
		free(c->id);
		free(c->name);
		free(c->group);
		free(c->description);
	}
	free(cfg->components);
	for (i = 0; i < cfg->nfeed_slugs; i++) {
		free(cfg->feed_slugs[i]);
		if (cfg->feed_names != NULL)
			free(cfg->feed_names[i]);
	}
	free(cfg->feed_slugs);
	free(cfg->feed_names);
	free(cfg->product);
	free(cfg->company);
	free(cfg->site_url);
	free(cfg->site_dir);
	free(cfg->feed_base_url);
	free(cfg->currentevents_url);
	free(cfg->email.from);
	free(cfg->email.from_name);
	free(cfg->email.subscribe_url);
	free(cfg->email.listen);
	free(cfg->email.maildir);
	free(cfg->email.smtp_url);
	free(cfg->email.smtp_username);
	free(cfg->email.smtp_password_file);
	free(cfg->email.smtp_ca_file);
	free(cfg->email.smtp_helo);
	for (size_t k = 0; k < cfg->ntargets; k++) {
		struct config_target *t = &cfg->targets[k];
		char *owned[] = { t->name, t->endpoint, t->bucket, t->region, t->prefix,
			t->access_key_id, t->secret_access_key_file, t->url, t->username,
			t->private_key_file, t->public_key_file, t->known_hosts_file };

		for (size_t f = 0; f < sizeof(owned) / sizeof(owned[0]); f++)
			free(owned[f]);
	}
	free(cfg->targets);
	free(cfg->mqtt.host);
	free(cfg->mqtt.ca_file);
	free(cfg->mqtt.cert_file);
	free(cfg->mqtt.key_file);
	free(cfg->mqtt.username);
	free(cfg->mqtt.password_file);
	free(cfg->mqtt.client_id);
	free(cfg->mqtt.prefix);
	free(cfg);
}
