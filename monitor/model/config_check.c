/* config_check.c: checks the configuration document field by field, with "did you mean" hints. */
#include "model/config.h"
#include "model/config_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ascii.h"

#define MAX_COMPONENTS  200
#define MAX_DEPS        100
#define MAX_ID_LEN      64
#define MAX_PATH        256
#define MAX_TARGETS     16
/* The report stops growing here; further errors are only counted. */
#define MAX_REPORT      (256 * 1024)

void
config_errs_add(struct config_errs *e, const char *path, const char *fmt, ...)
{
	char msg[768];
	char line[MAX_PATH + sizeof(msg) + 300];
	va_list ap;
	int n;

	e->count++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path != NULL && path[0] != '\0')
		n = snprintf(line, sizeof(line), "%s: %s: %s\n", e->name, path, msg);
	else
		n = snprintf(line, sizeof(line), "%s: %s\n", e->name, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (e->len + (size_t)n + 1 > MAX_REPORT) {
		e->dropped++;
		return;
	}
	if (e->len + (size_t)n + 1 > e->cap) {
		size_t ncap = e->cap == 0 ? 1024 : e->cap;
		char *nb;

		while (ncap < e->len + (size_t)n + 1)
			ncap *= 2;
		nb = realloc(e->buf, ncap);
		if (nb == NULL) {
			e->nomem = 1;
			e->dropped++;
			return;
		}
		e->buf = nb;
		e->cap = ncap;
	}
	memcpy(e->buf + e->len, line, (size_t)n);
	e->len += (size_t)n;
	e->buf[e->len] = '\0';
}

/* Builds "prefix.key" (or "key" at the top) into buf. */
static const char *
join_key(char *buf, size_t len, const char *prefix, const char *key)
{
	int n;

	if (prefix[0] == '\0')
		n = snprintf(buf, len, "%s", key);
	else
		n = snprintf(buf, len, "%s.%s", prefix, key);
	/* A path longer than the buffer is cut; it only ever labels a message. */
	if (n < 0 && len > 0)
		buf[0] = '\0';
	return buf;
}

const char *
config_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/*
 * Reports keys of obj that are not in allowed[] (keys starting with '_' are
 * comments and always allowed), suggesting the closest allowed key.
 */
static void
check_keys(struct config_errs *e, const json_t *obj, const char *prefix, const char *const *allowed,
    size_t nallowed)
{
	const char *key;
	json_t *v;
	char path[MAX_PATH];

	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		const char *hint;

		if (key[0] == '_')
			continue;
		for (i = 0; i < nallowed; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i < nallowed)
			continue;
		hint = catalogue_closest(allowed, nallowed, key);
		join_key(path, sizeof(path), prefix, key);
		if (hint != NULL)
			config_errs_add(e, path, "unknown key (did you mean \"%s\"?)", hint);
		else
			config_errs_add(e, path, "unknown key");
	}
}

/*
 * Copies the string member key into *dst. Missing: an error when required,
 * else a copy of def. Returns 0, or -1 when a problem was reported (or no
 * memory: e->nomem).
 */
static int
get_string(struct config_errs *e, const json_t *obj, const char *prefix, const char *key,
    int required, const char *def, char **dst)
{
	json_t *v = json_object_get(obj, key);
	char path[MAX_PATH];
	const char *s;

	join_key(path, sizeof(path), prefix, key);
	if (v == NULL) {
		if (required) {
			config_errs_add(e, prefix, "missing required key \"%s\"", key);
			return -1;
		}
		s = def;
	} else if (!json_is_string(v)) {
		config_errs_add(e, path, "expected a string, got %s", config_type_name(v));
		return -1;
	} else {
		s = json_string_value(v);
		if (required && s[0] == '\0') {
			config_errs_add(e, path, "must not be empty");
			return -1;
		}
	}
	*dst = strdup(s);
	if (*dst == NULL) {
		e->nomem = 1;
		return -1;
	}
	return 0;
}

/* An integer member within [min, max] of the object at prefix, or def when absent. */
static int
get_int_in(struct config_errs *e, const json_t *obj, const char *prefix, const char *key,
    int64_t def, int64_t min, int64_t max, int64_t *dst)
{
	json_t *v = json_object_get(obj, key);
	char path[MAX_PATH];
	json_int_t i;

	*dst = def;
	if (v == NULL)
		return 0;
	join_key(path, sizeof(path), prefix, key);
	if (!json_is_integer(v)) {
		config_errs_add(e, path, "expected an integer, got %s", config_type_name(v));
		return -1;
	}
	i = json_integer_value(v);
	if (i < min || i > max) {
		config_errs_add(e, path, "%lld is out of range %lld..%lld", (long long)i, (long long)min,
		    (long long)max);
		return -1;
	}
	*dst = (int64_t)i;
	return 0;
}

/* get_int_in() at the top level. */
static int
get_int(struct config_errs *e, const json_t *obj, const char *key, int64_t def, int64_t min,
    int64_t max, int64_t *dst)
{
	return get_int_in(e, obj, "", key, def, min, max, dst);
}

static int
is_http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int
valid_id(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (!((ch >= 'a' && ch <= 'z') || ascii_isdigit(ch) || ch == '-'))
			return 0;
	}
	return n > 0 && n <= MAX_ID_LEN;
}

/* The AWS states a dependency's "map" may override, and the values allowed. */
static const char *const map_keys[] = { "informational", "degraded", "disruption" };
static const char *const map_values[] = {
	"operational", "degraded_performance", "partial_outage", "major_outage"
};

/*
 * The default rule: how much of a component an AWS state takes down when
 * nothing else is known. AWS "informational" (and since 2025 "Service
 * impact") means some customers see errors: degraded performance.
 * "degraded" is a partial outage, "disruption" a major outage.
 */
static void
default_map(status_component map[4])
{
	map[STATUS_AWS_NORMAL] = STATUS_OPERATIONAL;
	map[STATUS_AWS_INFORMATIONAL] = STATUS_DEGRADED_PERFORMANCE;
	map[STATUS_AWS_DEGRADED] = STATUS_PARTIAL_OUTAGE;
	map[STATUS_AWS_DISRUPTION] = STATUS_MAJOR_OUTAGE;
}

static void
parse_map(struct config_errs *e, const json_t *m, const char *prefix, status_component map[4])
{
	char path[MAX_PATH];
	size_t i;

	if (!json_is_object(m)) {
		config_errs_add(e, prefix, "expected an object, got %s", config_type_name(m));
		return;
	}
	check_keys(e, m, prefix, map_keys, sizeof(map_keys) / sizeof(map_keys[0]));
	for (i = 0; i < sizeof(map_keys) / sizeof(map_keys[0]); i++) {
		json_t *v = json_object_get(m, map_keys[i]);
		status_component sc;
		const char *s, *hint;
		size_t k;

		if (v == NULL)
			continue;
		join_key(path, sizeof(path), prefix, map_keys[i]);
		if (!json_is_string(v)) {
			config_errs_add(e, path, "expected a string, got %s", config_type_name(v));
			continue;
		}
		s = json_string_value(v);
		for (k = 0; k < sizeof(map_values) / sizeof(map_values[0]); k++)
			if (strcmp(s, map_values[k]) == 0)
				break;
		if (k == sizeof(map_values) / sizeof(map_values[0]) || status_component_parse(s, &sc) != 0) {
			hint = catalogue_closest(map_values, sizeof(map_values) / sizeof(map_values[0]), s);
			if (hint != NULL)
				config_errs_add(e, path, "\"%s\" is not a component status (did you mean \"%s\"?)", s,
				    hint);
			else
				config_errs_add(e, path, "\"%s\" is not a component status (operational, "
				    "degraded_performance, partial_outage, major_outage)", s);
			continue;
		}
		map[STATUS_AWS_INFORMATIONAL + i] = sc;
	}
}

/*
 * One entry of depends_on: {"service": S, "region": R, "map": {...}}.
 * Checks S and R against the catalogue: unknown names get a suggestion; a
 * pair with no feed, a region on a global-only service and a missing region
 * on a regional service are each reported.
 */
static void
parse_dep(struct config_errs *e, const struct catalogue *cat, const json_t *d, const char *prefix,
    struct config_dep *dep)
{
	static const char *const keys[] = { "service", "region", "map" };
	char path[MAX_PATH];
	json_t *m;
	const char *hint;
	int svc_ok, reg_ok = 1;
	size_t n;

	default_map(dep->map);
	if (!json_is_object(d)) {
		config_errs_add(e, prefix, "expected an object, got %s", config_type_name(d));
		return;
	}
	check_keys(e, d, prefix, keys, sizeof(keys) / sizeof(keys[0]));
	if (get_string(e, d, prefix, "service", 1, "", &dep->service) != 0)
		svc_ok = 0;
	else
		svc_ok = 1;
	if (json_object_get(d, "region") != NULL &&
	    get_string(e, d, prefix, "region", 1, "", &dep->region) != 0)
		reg_ok = 0;
	m = json_object_get(d, "map");
	if (m != NULL) {
		join_key(path, sizeof(path), prefix, "map");
		parse_map(e, m, path, dep->map);
	}
	if (e->nomem || !svc_ok)
		return;

	if (!catalogue_has_service(cat, dep->service)) {
		join_key(path, sizeof(path), prefix, "service");
		hint = catalogue_suggest_service(cat, dep->service);
		if (hint != NULL)
			config_errs_add(e, path, "unknown service \"%s\" (did you mean \"%s\"?)", dep->service, hint);
		else
			config_errs_add(e, path, "unknown service \"%s\"", dep->service);
		svc_ok = 0;
	}
	if (dep->region != NULL && reg_ok && !catalogue_has_region(cat, dep->region)) {
		join_key(path, sizeof(path), prefix, "region");
		hint = catalogue_suggest_region(cat, dep->region);
		if (hint != NULL)
			config_errs_add(e, path, "unknown region \"%s\" (did you mean \"%s\"?)", dep->region, hint);
		else
			config_errs_add(e, path, "unknown region \"%s\"", dep->region);
		reg_ok = 0;
	}
	if (!svc_ok || !reg_ok)
		return;

	if (dep->region == NULL) {
		if (!catalogue_is_global(cat, dep->service)) {
			config_errs_add(e, prefix, "missing required key \"region\" (%s is a regional service)",
			    dep->service);
			return;
		}
		dep->slug = strdup(dep->service);
	} else {
		n = strlen(dep->service) + 1 + strlen(dep->region) + 1;
		dep->slug = malloc(n);
		if (dep->slug != NULL)
			snprintf(dep->slug, n, "%s-%s", dep->service, dep->region);
	}
	if (dep->slug == NULL) {
		e->nomem = 1;
		return;
	}
	if (catalogue_find(cat, dep->slug) == NULL) {
		join_key(path, sizeof(path), prefix, "region");
		if (catalogue_is_global(cat, dep->service))
			config_errs_add(e, path, "%s is a global service with no feed in region \"%s\": remove "
			    "\"region\"", dep->service, dep->region);
		else
			config_errs_add(e, path, "%s has no feed in region \"%s\"", dep->service, dep->region);
		free(dep->slug);
		dep->slug = NULL;
	}
}

static void
parse_component(struct config_errs *e, const struct catalogue *cat, const json_t *c,
    const char *prefix, struct config_component *comp)
{
	static const char *const keys[] = {
		"id", "name", "group", "description", "user_share", "depends_on"
	};
	char path[MAX_PATH], dpath[MAX_PATH + 32];
	json_t *v, *deps;
	size_t i, j;

	comp->user_share = 1.0;
	if (!json_is_object(c)) {
		config_errs_add(e, prefix, "expected an object, got %s", config_type_name(c));
		return;
	}
	check_keys(e, c, prefix, keys, sizeof(keys) / sizeof(keys[0]));
	if (get_string(e, c, prefix, "id", 1, "", &comp->id) == 0 && !valid_id(comp->id))
		config_errs_add(e, join_key(path, sizeof(path), prefix, "id"),
		    "\"%s\" must be 1 to %d characters of a-z, 0-9 and '-'", comp->id, MAX_ID_LEN);
	get_string(e, c, prefix, "name", 1, "", &comp->name);
	get_string(e, c, prefix, "group", 0, "", &comp->group);
	get_string(e, c, prefix, "description", 0, "", &comp->description);
	v = json_object_get(c, "user_share");
	if (v != NULL) {
		join_key(path, sizeof(path), prefix, "user_share");
		if (!json_is_number(v)) {
			config_errs_add(e, path, "expected a number, got %s", config_type_name(v));
		} else {
			double d = json_number_value(v);

			if (!(d >= 0.0 && d <= 1.0))
				config_errs_add(e, path, "%g is outside 0..1", d);
			else
				comp->user_share = d;
		}
	}

	deps = json_object_get(c, "depends_on");
	join_key(path, sizeof(path), prefix, "depends_on");
	if (deps == NULL) {
		config_errs_add(e, prefix, "missing required key \"depends_on\"");
		return;
	}
	if (!json_is_array(deps)) {
		config_errs_add(e, path, "expected an array, got %s", config_type_name(deps));
		return;
	}
	if (json_array_size(deps) == 0 || json_array_size(deps) > MAX_DEPS) {
		config_errs_add(e, path, "must list 1 to %d dependencies", MAX_DEPS);
		return;
	}
	comp->deps = calloc(json_array_size(deps), sizeof(*comp->deps));
	if (comp->deps == NULL) {
		e->nomem = 1;
		return;
	}
	comp->ndeps = json_array_size(deps);
	for (i = 0; i < comp->ndeps && !e->nomem; i++) {
		snprintf(dpath, sizeof(dpath), "%s[%zu]", path, i);
		parse_dep(e, cat, json_array_get(deps, i), dpath, &comp->deps[i]);
		if (comp->deps[i].slug == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (comp->deps[j].slug != NULL && strcmp(comp->deps[j].slug, comp->deps[i].slug) == 0) {
				config_errs_add(e, dpath, "duplicate dependency %s (also depends_on[%zu])",
				    comp->deps[i].slug, j);
				break;
			}
		}
	}
}

/*
 * "business_hours": {"open": 8, "close": 17} (local America/Chicago hours)
 * and "holidays": ["2026-11-26", ...], the days the support desk is closed:
 * the support policy's business time (bizclock.h).
 */
static void
parse_business(struct config_errs *e, const json_t *root, struct bizclock *bc)
{
	const json_t *hours = json_object_get(root, "business_hours");
	const json_t *days = json_object_get(root, "holidays");
	static const char *const hkeys[] = { "open", "close" };
	char path[MAX_PATH], berr[CS_ERRLEN];
	int64_t open_h = 8, close_h = 17;
	size_t i;

	bizclock_init(bc);
	if (hours != NULL) {
		if (!json_is_object(hours)) {
			config_errs_add(e, "business_hours", "expected an object {\"open\": 8, \"close\": 17}, got %s",
			    config_type_name(hours));
		} else {
			check_keys(e, hours, "business_hours", hkeys, 2);
			for (i = 0; i < 2; i++) {
				const json_t *h = json_object_get(hours, hkeys[i]);

				snprintf(path, sizeof(path), "business_hours.%s", hkeys[i]);
				if (h == NULL)
					continue;
				if (!json_is_integer(h))
					config_errs_add(e, path, "expected an hour 0..24, got %s", config_type_name(h));
				else if (json_integer_value(h) < 0 || json_integer_value(h) > 24)
					config_errs_add(e, path, "%lld is out of range 0..24",
					    (long long)json_integer_value(h));
				else if (i == 0)
					open_h = json_integer_value(h);
				else
					close_h = json_integer_value(h);
			}
			if (open_h >= 0 && open_h <= 24 && close_h >= 0 && close_h <= 24 &&
			    bizclock_set_hours(bc, (int)open_h, (int)close_h, berr, sizeof(berr)) != CS_OK)
				config_errs_add(e, "business_hours", "%s", berr);
		}
	}
	if (days == NULL)
		return;
	if (!json_is_array(days)) {
		config_errs_add(e, "holidays", "expected an array of \"YYYY-MM-DD\" dates, got %s",
		    config_type_name(days));
		return;
	}
	for (i = 0; i < json_array_size(days); i++) {
		const char *d = json_string_value(json_array_get(days, i));

		snprintf(path, sizeof(path), "holidays[%zu]", i);
		if (d == NULL)
			config_errs_add(e, path, "expected a \"YYYY-MM-DD\" string, got %s",
			    config_type_name(json_array_get(days, i)));
		else if (bizclock_add_holiday(bc, d, berr, sizeof(berr)) != CS_OK)
			config_errs_add(e, path, "%s", berr);
	}
}

/* The host of an http(s) URL, into buf ("" when there is none). */
static void
url_host(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://"), *end;

	buf[0] = '\0';
	if (p == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "/:?#");
	if ((size_t)(end - p) < len) {
		memcpy(buf, p, (size_t)(end - p));
		buf[end - p] = '\0';
	}
}

/*
 * "email": who the mail is from, where the subscription endpoint is, how
 * mail leaves (an SMTP relay, or the Maildir under the state directory
 * when none is set), and the delivery policy. Every key is optional: the
 * embedded default sends into the Maildir from status@<site host>.
 */
static void
parse_email(struct config_errs *e, const json_t *root, struct config *cfg)
{
	static const char *const keys[] = {
		"from", "from_name", "subscribe_url", "listen", "maildir", "smtp", "batch_window",
		"max_age", "max_attempts", "confirm_ttl", "rate_per_client", "rate_per_address",
		"max_connections"
	};
	static const char *const smtp_keys[] = {
		"url", "username", "password_file", "ca_file", "parallel", "helo", "timeout"
	};
	struct config_email *m = &cfg->email;
	const json_t *em = json_object_get(root, "email"), *smtp;
	char host[256], def[512];
	int64_t v;

	if (em != NULL && !json_is_object(em)) {
		config_errs_add(e, "email", "expected an object, got %s", config_type_name(em));
		em = NULL;
	}
	if (em == NULL)
		em = json_object();   /* every default; a new empty object, released below */
	else
		json_incref((json_t *)em);
	check_keys(e, em, "email", keys, sizeof(keys) / sizeof(keys[0]));
	url_host(cfg->site_url != NULL ? cfg->site_url : "", host, sizeof(host));
	snprintf(def, sizeof(def), "status@%s", host[0] ? host : "localhost");
	get_string(e, em, "email", "from", 0, def, &m->from);
	snprintf(def, sizeof(def), "%s status", cfg->product != NULL ? cfg->product : "");
	get_string(e, em, "email", "from_name", 0, def, &m->from_name);
	snprintf(def, sizeof(def), "%s/subscriptions", cfg->site_url != NULL ? cfg->site_url : "");
	/* The default follows site_url, whose own error is already said. */
	if (get_string(e, em, "email", "subscribe_url", 0, def, &m->subscribe_url) == 0 &&
	    json_object_get(em, "subscribe_url") != NULL && !is_http_url(m->subscribe_url))
		config_errs_add(e, "email.subscribe_url", "\"%s\" must start with https:// or http://",
		    m->subscribe_url);
	/* Links are made by appending "/confirm?t=..." and the like: no trailing slash. */
	if (m->subscribe_url != NULL) {
		size_t n = strlen(m->subscribe_url);

		while (n > 0 && m->subscribe_url[n - 1] == '/')
			m->subscribe_url[--n] = '\0';
	}
	get_string(e, em, "email", "listen", 0, "127.0.0.1:8025", &m->listen);
	get_string(e, em, "email", "maildir", 0, "mail", &m->maildir);
	get_int_in(e, em, "email", "batch_window", 600, 0, 86400, &m->batch_window);
	get_int_in(e, em, "email", "max_age", 86400, 600, 30 * 86400, &m->max_age);
	get_int_in(e, em, "email", "max_attempts", 12, 1, 100, &v);
	m->max_attempts = (int)v;
	get_int_in(e, em, "email", "confirm_ttl", 48 * 3600, 600, 7 * 86400, &m->confirm_ttl);
	get_int_in(e, em, "email", "rate_per_client", 20, 1, 100000, &v);
	m->rate_per_client = (int)v;
	get_int_in(e, em, "email", "rate_per_address", 3, 1, 100, &v);
	m->rate_per_address = (int)v;
	get_int_in(e, em, "email", "max_connections", 64, 1, 4096, &v);
	m->max_connections = (int)v;
	smtp = json_object_get(em, "smtp");
	if (smtp != NULL && !json_is_object(smtp)) {
		config_errs_add(e, "email.smtp", "expected an object, got %s", config_type_name(smtp));
		smtp = NULL;
	}
	if (smtp != NULL) {
		check_keys(e, smtp, "email.smtp", smtp_keys, sizeof(smtp_keys) / sizeof(smtp_keys[0]));
		if (get_string(e, smtp, "email.smtp", "url", 1, "", &m->smtp_url) == 0 &&
		    strncmp(m->smtp_url, "smtp://", 7) != 0 && strncmp(m->smtp_url, "smtps://", 8) != 0)
			config_errs_add(e, "email.smtp.url", "\"%s\" must start with smtp:// (STARTTLS)"
			    " or smtps://", m->smtp_url);
		if (json_object_get(smtp, "username") != NULL)
			get_string(e, smtp, "email.smtp", "username", 1, "", &m->smtp_username);
		if (json_object_get(smtp, "password_file") != NULL)
			get_string(e, smtp, "email.smtp", "password_file", 1, "", &m->smtp_password_file);
		if (json_object_get(smtp, "ca_file") != NULL)
			get_string(e, smtp, "email.smtp", "ca_file", 1, "", &m->smtp_ca_file);
		if (json_object_get(smtp, "helo") != NULL)
			get_string(e, smtp, "email.smtp", "helo", 1, "", &m->smtp_helo);
		get_int_in(e, smtp, "email.smtp", "parallel", 4, 1, 32, &v);
		m->smtp_parallel = (int)v;
		get_int_in(e, smtp, "email.smtp", "timeout", 60, 5, 600, &m->smtp_timeout);
	} else {
		m->smtp_parallel = 4;
		m->smtp_timeout = 60;
	}
	json_decref((json_t *)em);
}

/*
 * A topic prefix the monitor can publish under: MQTT forbids the
 * wildcards '+' and '#' in a topic name, '$' topics are the broker's
 * ($SYS), and an empty level ("a//b", "/a", "a/") is legal MQTT but
 * always a typo here. Returns NULL or what is wrong.
 */
static const char *
prefix_problem(const char *p)
{
	size_t n = strlen(p);

	if (n == 0)
		return "must not be empty";
	if (n > 200)
		return "is longer than 200 bytes";
	if (p[0] == '$')
		return "must not start with '$' (topics of the broker itself)";
	if (strpbrk(p, "+#") != NULL)
		return "must not contain the wildcards '+' or '#'";
	if (p[0] == '/' || p[n - 1] == '/' || strstr(p, "//") != NULL)
		return "must not have an empty level (a leading, trailing or double '/')";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return "must not contain control characters";
	return NULL;
}

/*
 * "mqtt": the broker the dashboards read. Without the section (or with
 * "enabled": false) MQTT is off and nothing waits for a broker.
 */
static void
parse_mqtt(struct config_errs *e, const json_t *root, struct config *cfg)
{
	static const char *const keys[] = {
		"enabled", "host", "port", "tls", "ca_file", "cert_file", "key_file", "username",
		"password_file", "client_id", "prefix", "protocol", "keepalive", "event_expiry",
		"max_age"
	};
	static const char *const opt[] = {
		"ca_file", "cert_file", "key_file", "username", "password_file"
	};
	struct config_mqtt *q = &cfg->mqtt;
	const json_t *mq = json_object_get(root, "mqtt"), *v;
	char **dst[] = { &q->ca_file, &q->cert_file, &q->key_file, &q->username, &q->password_file };
	char def[256];
	const char *why;
	size_t n = 0;
	int64_t i;

	q->port = 1883;
	q->protocol = 5;
	q->keepalive = 60;
	q->event_expiry = 3600;
	q->max_age = 86400;
	if (mq == NULL)
		return;
	if (!json_is_object(mq)) {
		config_errs_add(e, "mqtt", "expected an object, got %s", config_type_name(mq));
		return;
	}
	check_keys(e, mq, "mqtt", keys, sizeof(keys) / sizeof(keys[0]));
	v = json_object_get(mq, "enabled");
	if (v != NULL && !json_is_boolean(v))
		config_errs_add(e, "mqtt.enabled", "expected true or false, got %s", config_type_name(v));
	if (v != NULL && json_is_false(v))
		return;
	get_string(e, mq, "mqtt", "host", 1, "", &q->host);
	v = json_object_get(mq, "tls");
	if (v != NULL && !json_is_boolean(v))
		config_errs_add(e, "mqtt.tls", "expected true or false, got %s", config_type_name(v));
	q->tls = v != NULL && json_is_true(v);
	get_int_in(e, mq, "mqtt", "port", q->tls ? 8883 : 1883, 1, 65535, &i);
	q->port = (int)i;
	for (size_t k = 0; k < sizeof(opt) / sizeof(opt[0]); k++)
		if (json_object_get(mq, opt[k]) != NULL)
			get_string(e, mq, "mqtt", opt[k], 1, "", dst[k]);
	if ((q->cert_file == NULL) != (q->key_file == NULL))
		config_errs_add(e, "mqtt", "cert_file and key_file go together");
	if ((q->ca_file != NULL || q->cert_file != NULL) && !q->tls)
		config_errs_add(e, "mqtt", "ca_file, cert_file and key_file need \"tls\": true");
	if (q->password_file != NULL && q->username == NULL)
		config_errs_add(e, "mqtt.password_file", "needs a username");
	/* The default prefix and client id follow the product: "click/status". */
	for (const char *p = cfg->product != NULL ? cfg->product : ""; *p && n < 64; p++)
		if (ascii_isalpha(*p) || ascii_isdigit(*p))
			def[n++] = (char)ascii_tolower(*p);
	def[n] = '\0';
	if (n == 0)
		snprintf(def, sizeof(def), "product");
	snprintf(def + strlen(def), sizeof(def) - strlen(def), "/status");
	if (get_string(e, mq, "mqtt", "prefix", 0, def, &q->prefix) == 0 &&
	    (why = prefix_problem(q->prefix)) != NULL)
		config_errs_add(e, "mqtt.prefix", "\"%s\" %s", q->prefix, why);
	def[strcspn(def, "/")] = '\0';
	{
		char id[sizeof(def) + 16];

		snprintf(id, sizeof(id), "clickstatus-%s", def);
		if (get_string(e, mq, "mqtt", "client_id", 0, id, &q->client_id) == 0 &&
		    (q->client_id[0] == '\0' || strlen(q->client_id) > 64))
			config_errs_add(e, "mqtt.client_id", "must be 1 to 64 bytes");
	}
	v = json_object_get(mq, "protocol");
	if (v != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v), "5") == 0)
			q->protocol = 5;
		else if (json_is_string(v) && strcmp(json_string_value(v), "3.1.1") == 0)
			q->protocol = 4;
		else
			config_errs_add(e, "mqtt.protocol", "expected \"5\" or \"3.1.1\"");
	}
	get_int_in(e, mq, "mqtt", "keepalive", 60, 5, 3600, &q->keepalive);
	get_int_in(e, mq, "mqtt", "event_expiry", 3600, 60, 30 * 86400, &q->event_expiry);
	get_int_in(e, mq, "mqtt", "max_age", 86400, 60, 30 * 86400, &q->max_age);
}

/*
 * "publish": copies of the site elsewhere (publisher/targets). Addressing of
 * an S3 bucket: virtual-host (bucket.s3.region.amazonaws.com) on AWS, which
 * is what AWS recommends and the only style new regions promise; path-style
 * (endpoint/bucket) anywhere else, because most S3-compatible servers
 * (MinIO, s3rver, Ceph on one address) and any endpoint on an IP address
 * only answer that way, and a bucket name with a dot would not match a
 * wildcard certificate as a host name. "path_style" overrides the choice.
 */
static void
parse_target(struct config_errs *e, const json_t *o, const char *path, struct config_target *t)
{
	static const char *const s3_keys[] = {
		"name", "type", "endpoint", "bucket", "region", "prefix", "access_key_id",
		"secret_access_key_file", "path_style", "timeout_connect", "timeout_stall",
		"retry_min", "retry_max"
	};
	static const char *const sftp_keys[] = {
		"name", "type", "url", "username", "private_key_file", "public_key_file",
		"known_hosts_file", "timeout_connect", "timeout_stall", "retry_min", "retry_max"
	};
	const json_t *v;
	char sub[MAX_PATH];
	const char *type = NULL, *host;
	size_t hostlen;

	if (!json_is_object(o)) {
		config_errs_add(e, path, "expected an object, got %s", config_type_name(o));
		return;
	}
	if (get_string(e, o, path, "name", 1, "", &t->name) == 0 && !valid_id(t->name))
		config_errs_add(e, join_key(sub, sizeof(sub), path, "name"),
		    "\"%s\" must be 1 to %d of a-z, 0-9 and '-'", t->name, MAX_ID_LEN);
	v = json_object_get(o, "type");
	if (v == NULL)
		config_errs_add(e, path, "missing required key \"type\"");
	else if (json_is_string(v))
		type = json_string_value(v);
	if (type != NULL && strcmp(type, "s3") == 0)
		t->type = CONFIG_TARGET_S3;
	else if (type != NULL && strcmp(type, "sftp") == 0)
		t->type = CONFIG_TARGET_SFTP;
	else if (v != NULL)
		config_errs_add(e, join_key(sub, sizeof(sub), path, "type"),
		    "expected \"s3\" or \"sftp\"");
	get_int_in(e, o, path, "timeout_connect", 10, 1, 300, &t->timeout_connect);
	get_int_in(e, o, path, "timeout_stall", 30, 1, 3600, &t->timeout_stall);
	get_int_in(e, o, path, "retry_min", 10, 1, 3600, &t->retry_min);
	get_int_in(e, o, path, "retry_max", 600, 1, 86400, &t->retry_max);
	if (t->retry_max < t->retry_min)
		config_errs_add(e, join_key(sub, sizeof(sub), path, "retry_max"),
		    "%lld is shorter than retry_min (%lld)", (long long)t->retry_max,
		    (long long)t->retry_min);
	if (t->type == CONFIG_TARGET_S3) {
		check_keys(e, o, path, s3_keys, sizeof(s3_keys) / sizeof(s3_keys[0]));
		if (get_string(e, o, path, "endpoint", 1, "", &t->endpoint) == 0 &&
		    (!is_http_url(t->endpoint) ||
		    strcspn(strstr(t->endpoint, "//") + 2, "/") + 1 <
		    strlen(strstr(t->endpoint, "//") + 2) ||
		    strpbrk(t->endpoint, "?# \"") != NULL))
			config_errs_add(e, join_key(sub, sizeof(sub), path, "endpoint"),
			    "\"%s\" must be https:// or http:// and a host (no path)", t->endpoint);
		get_string(e, o, path, "bucket", 1, "", &t->bucket);
		get_string(e, o, path, "region", 1, "", &t->region);
		get_string(e, o, path, "access_key_id", 1, "", &t->access_key_id);
		get_string(e, o, path, "secret_access_key_file", 1, "", &t->secret_access_key_file);
		if (get_string(e, o, path, "prefix", 0, "", &t->prefix) == 0 &&
		    (t->prefix[0] == '/' || strstr(t->prefix, "..") != NULL ||
		    (t->prefix[0] != '\0' && t->prefix[strlen(t->prefix) - 1] != '/')))
			config_errs_add(e, join_key(sub, sizeof(sub), path, "prefix"),
			    "\"%s\" must be empty or end in '/' (no leading '/', no \"..\")", t->prefix);
		host = t->endpoint != NULL && strstr(t->endpoint, "//") != NULL ?
		    strstr(t->endpoint, "//") + 2 : "";
		hostlen = strcspn(host, ":/");
		t->path_style = !(hostlen > 14 &&
		    strncmp(host + hostlen - 14, ".amazonaws.com", 14) == 0 &&
		    t->bucket != NULL && strchr(t->bucket, '.') == NULL);
		v = json_object_get(o, "path_style");
		if (v != NULL && !json_is_boolean(v))
			config_errs_add(e, join_key(sub, sizeof(sub), path, "path_style"),
			    "expected true or false, got %s", config_type_name(v));
		else if (v != NULL)
			t->path_style = json_is_true(v);
	} else if (t->type == CONFIG_TARGET_SFTP) {
		check_keys(e, o, path, sftp_keys, sizeof(sftp_keys) / sizeof(sftp_keys[0]));
		if (get_string(e, o, path, "url", 1, "", &t->url) == 0 &&
		    (strncmp(t->url, "sftp://", 7) != 0 || t->url[7] == '/' ||
		    strchr(t->url + 7, '/') == NULL || strpbrk(t->url, "?#\" \n") != NULL))
			config_errs_add(e, join_key(sub, sizeof(sub), path, "url"),
			    "\"%s\" must be sftp://host[:port]/directory", t->url);
		get_string(e, o, path, "username", 1, "", &t->username);
		get_string(e, o, path, "private_key_file", 1, "", &t->private_key_file);
		get_string(e, o, path, "known_hosts_file", 1, "", &t->known_hosts_file);
		if (json_object_get(o, "public_key_file") != NULL)
			get_string(e, o, path, "public_key_file", 1, "", &t->public_key_file);
	}
}

static void
parse_publish(struct config_errs *e, const json_t *root, struct config *cfg)
{
	const json_t *a = json_object_get(root, "publish");
	char path[MAX_PATH], sub[MAX_PATH];
	size_t i, j;

	if (a == NULL)
		return;
	if (!json_is_array(a) || json_array_size(a) > MAX_TARGETS) {
		config_errs_add(e, "publish", "expected an array of at most %d targets", MAX_TARGETS);
		return;
	}
	if (json_array_size(a) == 0)
		return;
	cfg->targets = calloc(json_array_size(a), sizeof(*cfg->targets));
	if (cfg->targets == NULL) {
		e->nomem = 1;
		return;
	}
	cfg->ntargets = json_array_size(a);
	for (i = 0; i < cfg->ntargets && !e->nomem; i++) {
		snprintf(path, sizeof(path), "publish[%zu]", i);
		parse_target(e, json_array_get(a, i), path, &cfg->targets[i]);
		for (j = 0; cfg->targets[i].name != NULL && j < i; j++)
			if (cfg->targets[j].name != NULL &&
			    strcmp(cfg->targets[j].name, cfg->targets[i].name) == 0) {
				config_errs_add(e, join_key(sub, sizeof(sub), path, "name"),
				    "duplicate name \"%s\" (also publish[%zu])", cfg->targets[i].name, j);
				break;
			}
	}
}

void
config_check_root(struct config_errs *e, const struct catalogue *cat, const json_t *root,
    struct config *cfg)
{
	static const char *const keys[] = {
		"product", "company", "site_url", "site_dir", "feed_base_url", "currentevents_url",
		"poll_interval", "render_interval", "quiet_limit", "max_parallel", "timeout_connect",
		"timeout_total", "max_feed_bytes", "flap_window", "clock_skew", "business_hours",
		"holidays", "components", "email", "mqtt", "publish"
	};
	json_t *comps;
	int64_t v;
	size_t i, j;
	char path[MAX_PATH];

	check_keys(e, root, "", keys, sizeof(keys) / sizeof(keys[0]));
	get_string(e, root, "", "product", 1, "", &cfg->product);
	get_string(e, root, "", "company", 1, "", &cfg->company);
	if (get_string(e, root, "", "site_url", 1, "", &cfg->site_url) == 0 && !is_http_url(cfg->site_url))
		config_errs_add(e, "site_url", "\"%s\" must start with https:// or http://", cfg->site_url);
	if (get_string(e, root, "", "site_dir", 0, "site", &cfg->site_dir) == 0 &&
	    cfg->site_dir[0] == '\0')
		config_errs_add(e, "site_dir", "must not be empty");
	if (get_string(e, root, "", "feed_base_url", 0, "https://status.aws.amazon.com/rss/",
	    &cfg->feed_base_url) == 0) {
		size_t n = strlen(cfg->feed_base_url);

		if (!is_http_url(cfg->feed_base_url) || cfg->feed_base_url[n - 1] != '/')
			config_errs_add(e, "feed_base_url", "\"%s\" must start with https:// or http:// and end "
			    "with '/'", cfg->feed_base_url);
	}
	if (get_string(e, root, "", "currentevents_url", 0,
	    "https://health.aws.amazon.com/public/currentevents", &cfg->currentevents_url) == 0 &&
	    !is_http_url(cfg->currentevents_url))
		config_errs_add(e, "currentevents_url", "\"%s\" must start with https:// or http://",
		    cfg->currentevents_url);
	get_int(e, root, "poll_interval", 60, 10, 86400, &cfg->poll_interval);
	/*
	 * The page's age is seen only on a page published after it: a site
	 * re-published every render_interval while the daemon runs shows a
	 * reader the time it was made, so an old one tells its age.
	 */
	get_int(e, root, "render_interval", 300, 10, 86400, &cfg->render_interval);
	get_int(e, root, "quiet_limit", 86400, 60, 31536000, &cfg->quiet_limit);
	get_int(e, root, "max_parallel", 8, 1, 64, &v);
	cfg->max_parallel = (int)v;
	get_int(e, root, "timeout_connect", 10, 1, 300, &cfg->timeout_connect);
	get_int(e, root, "timeout_total", 30, 1, 3600, &cfg->timeout_total);
	if (cfg->timeout_connect > cfg->timeout_total)
		config_errs_add(e, "timeout_connect", "%lld is longer than timeout_total (%lld)",
		    (long long)cfg->timeout_connect, (long long)cfg->timeout_total);
	get_int(e, root, "max_feed_bytes", 4194304, 4096, 67108864, &v);
	cfg->max_feed_bytes = (size_t)v;
	get_int(e, root, "flap_window", 1800, 0, 86400, &cfg->flap_window);
	get_int(e, root, "clock_skew", 600, 0, 3600, &cfg->clock_skew);
	parse_business(e, root, &cfg->business);
	parse_email(e, root, cfg);
	parse_mqtt(e, root, cfg);
	parse_publish(e, root, cfg);

	comps = json_object_get(root, "components");
	if (comps == NULL) {
		config_errs_add(e, NULL, "missing required key \"components\"");
		return;
	}
	if (!json_is_array(comps)) {
		config_errs_add(e, "components", "expected an array, got %s", config_type_name(comps));
		return;
	}
	if (json_array_size(comps) == 0 || json_array_size(comps) > MAX_COMPONENTS) {
		config_errs_add(e, "components", "must list 1 to %d components", MAX_COMPONENTS);
		return;
	}
	cfg->components = calloc(json_array_size(comps), sizeof(*cfg->components));
	if (cfg->components == NULL) {
		e->nomem = 1;
		return;
	}
	cfg->ncomponents = json_array_size(comps);
	for (i = 0; i < cfg->ncomponents && !e->nomem; i++) {
		snprintf(path, sizeof(path), "components[%zu]", i);
		parse_component(e, cat, json_array_get(comps, i), path, &cfg->components[i]);
		if (cfg->components[i].id == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (cfg->components[j].id != NULL &&
			    strcmp(cfg->components[j].id, cfg->components[i].id) == 0) {
				snprintf(path, sizeof(path), "components[%zu].id", i);
				config_errs_add(e, path, "duplicate id \"%s\" (also components[%zu])",
				    cfg->components[i].id, j);
				break;
			}
		}
	}
}
