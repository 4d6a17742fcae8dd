/* fuzz_serve_form.c: libFuzzer target: a subscription form's pieces through serve_form and its checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/catalogue.h"
#include "base/cs_error.h"
#include "base/embedded.h"
#include "email/mail_msg.h"
#include "email/subscription.h"
#include "http/serve_form.h"
#include "model/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The default configuration (its components) and the catalogue it was checked with, loaded once. */
static struct config *cfg;
static struct catalogue *cat;

static void
load_config(void)
{
	char err[CS_ERRLEN];

	if (catalogue_default(&cat, err, sizeof(err)) != CS_OK ||
	    config_parse("click.json", (const char *)embedded_click_json, embedded_click_json_len,
	    cat, &cfg, err, sizeof(err)) != CS_OK)
		__builtin_trap();
}

/* Each line the harness handed, what the form must then hold. */
struct want {
	const uint8_t *val;
	size_t len;
};

static int
is_known(const char *k, size_t n)
{
	static const char *const keys[] = { "email", "t", "components", "priority",
		"List-Unsubscribe" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == n && memcmp(keys[i], k, n) == 0)
			return 1;
	return 0;
}

/* Every prefs answer: a problem is a sentence; else prio 1..4 and a sorted list of known ids. */
static void
check_prefs(const char *problem, char *json, int prio)
{
	json_t *a, *v;
	size_t i;
	const char *prev = NULL;

	if (problem != NULL) {
		size_t n = strlen(problem);

		if (n < 2 || problem[n - 1] != '.' || !(problem[0] >= 'A' && problem[0] <= 'Z') ||
		    json != NULL)
			__builtin_trap();
		return;
	}
	if (prio < 1 || prio > 4)
		__builtin_trap();
	if (json == NULL)
		return;
	a = json_loads(json, 0, NULL);
	if (a == NULL || !json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) >= cfg->ncomponents)
		__builtin_trap();
	json_array_foreach(a, i, v) {
		const char *id = json_string_value(v);

		if (id == NULL || config_find_component(cfg, id) == NULL ||
		    (prev != NULL && strcmp(prev, id) >= 0))
			__builtin_trap();
		prev = id;
	}
	json_decref(a);
}

/*
 * The first byte picks the piece size (1..128 bytes) the post processor
 * would hand. The rest is lines "key=value" (a line without '=' is a key
 * with an empty value); "?t=value" is the query's t. Each value goes to the
 * form in pieces at increasing offsets, as MHD hands them, NUL bytes and
 * all. The form must then hold exactly the known lines' values (unless it
 * refused), and every check must answer in its documented shape.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct want want[SERVE_FORM_FIELDS + 1];
	static struct serve_form fm;
	size_t chunk, nwant = 0, pos;
	const char *query_t = NULL, *t, *problem;
	char *qbuf = NULL, *json = NULL, err[CS_ERRLEN], buf[CS_ERRLEN];
	char email[SUBSCRIPTION_ADDR_MAX + 1];
	int prio;

	if (cfg == NULL)
		load_config();
	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] & 0x7f) + 1;
	memset(&fm, 0, sizeof(fm));
	for (pos = 1; pos < size;) {
		const uint8_t *line = data + pos, *eq, *nl;
		size_t llen, klen, vlen;
		char key[64];

		nl = memchr(line, '\n', size - pos);
		llen = nl != NULL ? (size_t)(nl - line) : size - pos;
		pos += llen + 1;
		eq = memchr(line, '=', llen);
		klen = eq != NULL ? (size_t)(eq - line) : llen;
		vlen = eq != NULL ? llen - klen - 1 : 0;
		if (klen == 2 && memcmp(line, "?t", 2) == 0) {
			free(qbuf);
			qbuf = strndup(eq != NULL ? (const char *)eq + 1 : "", vlen);
			query_t = qbuf;
			continue;
		}
		if (klen >= sizeof(key) || memchr(line, '\0', klen) != NULL)
			continue;
		memcpy(key, line, klen);
		key[klen] = '\0';
		if (is_known(key, klen) && nwant <= SERVE_FORM_FIELDS) {
			want[nwant].val = eq != NULL ? eq + 1 : line + llen;
			want[nwant].len = vlen;
			nwant++;
		}
		if (vlen == 0) {
			(void)serve_form_piece(&fm, key, "", 0, 0);
			continue;
		}
		for (size_t off = 0; off < vlen; off += chunk) {
			size_t n = vlen - off < chunk ? vlen - off : chunk;

			(void)serve_form_piece(&fm, key, (const char *)eq + 1 + off, off, n);
		}
	}
	if (!fm.bad) {
		/* every known line is one field, in order, with its bytes */
		if (fm.nf != nwant)
			__builtin_trap();
		for (size_t i = 0; i < fm.nf; i++)
			if (fm.f[i].len != want[i].len || memcmp(fm.f[i].val, want[i].val, want[i].len) != 0 ||
			    fm.f[i].val[fm.f[i].len] != '\0')
				__builtin_trap();
	} else if (nwant <= SERVE_FORM_FIELDS) {
		/* refused with no more fields than allowed: a value was too long */
		size_t i;

		for (i = 0; i < nwant && want[i].len <= SERVE_FORM_VALUE_MAX; i++)
			;
		if (i == nwant)
			__builtin_trap();
	}

	t = serve_form_token(&fm, query_t);
	if (t != NULL && (t[0] == '\0' || (t != serve_form_get(&fm, "t") && t != query_t)))
		__builtin_trap();

	err[0] = '\0';
	if (subscription_address(serve_form_get(&fm, "email"), email, sizeof(email), err,
	    sizeof(err)) == CS_OK) {
		const char *at = strrchr(email, '@');

		if (!mail_msg_addr_ok(email) || strlen(email) > SUBSCRIPTION_ADDR_MAX || at == NULL)
			__builtin_trap();
		for (; *at != '\0'; at++)
			if (*at >= 'A' && *at <= 'Z')
				__builtin_trap();
	} else if (err[0] == '\0') {
		__builtin_trap();
	}
	for (int none_ok = 0; none_ok < 2; none_ok++) {
		prio = 0;
		problem = serve_form_prefs(cfg, &fm, none_ok, &json, &prio, buf, sizeof(buf));
		check_prefs(problem, json, prio);
		free(json);
		json = NULL;
	}
	serve_form_clear(&fm);
	free(qbuf);
	return 0;
}
