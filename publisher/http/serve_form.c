/* serve_form.c: a form's fields from the post processor's pieces, and the preferences they ask for. */
#include "http/serve_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cs_error.h"
#include "base/strbuf.h"
#include "email/subscription.h"

/* The form fields any page reads; others are ignored. */
static const char *
known_key(const char *key)
{
	static const char *const keys[] = { "email", "t", "components", "priority",
		"List-Unsubscribe" };

	for (size_t i = 0; key != NULL && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return keys[i];
	return NULL;
}

/*
 * MHD's post processor hands each field's value in pieces (off is where
 * the piece goes): a piece at 0 starts a field, the others extend the last
 * one. The body is at most SERVE_BODY_MAX bytes, which bounds every value;
 * the bound is checked here all the same, so that the form never trusts
 * its caller's.
 */
int
serve_form_piece(struct serve_form *fm, const char *key, const char *data, uint64_t off,
    size_t size)
{
	const char *k = known_key(key);
	struct serve_form_field *f;
	char *v;

	if (fm->bad)
		return -1;
	if (k == NULL)
		return 0;
	if (off == 0 || fm->nf == 0 || fm->f[fm->nf - 1].key != k) {
		if (fm->nf == SERVE_FORM_FIELDS)
			goto bad;
		v = calloc(1, 1);
		if (v == NULL)
			goto bad;
		f = &fm->f[fm->nf++];
		f->key = k;
		f->val = v;
		f->len = 0;
	}
	f = &fm->f[fm->nf - 1];
	if (size == 0)
		return 0;
	if (size > SERVE_FORM_VALUE_MAX || f->len + size > SERVE_FORM_VALUE_MAX)
		goto bad;
	v = realloc(f->val, f->len + size + 1);
	if (v == NULL)
		goto bad;
	memcpy(v + f->len, data, size);
	f->len += size;
	v[f->len] = '\0';
	f->val = v;
	return 0;
bad:
	fm->bad = 1;
	return -1;
}

void
serve_form_clear(struct serve_form *fm)
{
	for (size_t i = 0; i < fm->nf; i++)
		free(fm->f[i].val);
	memset(fm, 0, sizeof(*fm));
}

const char *
serve_form_get(const struct serve_form *fm, const char *key)
{
	for (size_t i = 0; i < fm->nf; i++)
		if (strcmp(fm->f[i].key, key) == 0)
			return fm->f[i].val;
	return NULL;
}

size_t
serve_form_all(const struct serve_form *fm, const char *key, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < fm->nf; i++) {
		if (strcmp(fm->f[i].key, key) != 0)
			continue;
		if (n < max)
			out[n] = fm->f[i].val;
		n++;
	}
	return n;
}

const char *
serve_form_token(const struct serve_form *fm, const char *query_t)
{
	const char *t = serve_form_get(fm, "t");

	if (t == NULL || t[0] == '\0')
		t = query_t;
	return t != NULL && t[0] != '\0' ? t : NULL;
}

const char *
serve_form_sentence(const char *err, char *buf, size_t len)
{
	snprintf(buf, len, "%s.", err[0] != '\0' ? err : "the form could not be read");
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

/*
 * The ids ticked go in as the list subscription_components() reads, so
 * the form and the CLI accept the same ids; an id holding one of the
 * list's separators would read as two, so it is refused first.
 */
const char *
serve_form_prefs(const struct config *cfg, const struct serve_form *fm, int none_ok,
    char **json, int *prio, char *buf, size_t len)
{
	const char *ids[SERVE_FORM_COMPONENTS];
	size_t n = serve_form_all(fm, "components", ids, SERVE_FORM_COMPONENTS);
	char err[CS_ERRLEN];
	struct strbuf list = { 0 };
	char *l = NULL;
	const char *problem = NULL;

	*json = NULL;
	err[0] = '\0';
	if (subscription_priority(serve_form_get(fm, "priority"), prio, err, sizeof(err)) != CS_OK)
		return serve_form_sentence(err, buf, len);
	if (n > SERVE_FORM_COMPONENTS)
		return "The form names more components than this status page has.";
	if (n == 0)
		return none_ok ? NULL : "Tick at least one component, or unsubscribe.";
	/* every id checked before the list is begun: a refusal has nothing to free */
	for (size_t i = 0; i < n; i++)
		if (ids[i][0] == '\0' || strpbrk(ids[i], ",; \t") != NULL || strcmp(ids[i], "all") == 0)
			return "The form names a component this status page does not have.";
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&list, "%s%s", i > 0 ? "," : "", ids[i]);
	l = strbuf_take(&list);
	if (l == NULL)
		return "Out of memory.";
	if (subscription_components(cfg, l, json, err, sizeof(err)) != CS_OK)
		problem = serve_form_sentence(err, buf, len);
	free(l);
	return problem;
}
