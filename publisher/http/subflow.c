/* subflow.c: subscriptions in the store: double opt-in with mailed tokens, signed links, rate per address. */
#include "http/subflow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ascii.h"
#include "base/jsonout.h"
#include "store/mailq.h"

#define DAY 86400

cs_err
subflow_init(struct subflow *f, struct store *st, const struct config *cfg, char *err,
    size_t errlen)
{
	const char *u = cfg->email.subscribe_url != NULL ? cfg->email.subscribe_url : "";
	size_t n = strlen(u);

	memset(f, 0, sizeof(*f));
	f->st = st;
	f->cfg = cfg;
	while (n > 0 && u[n - 1] == '/')
		n--;
	if (n >= sizeof(f->url))
		return cs_seterr(err, errlen, CS_ERR_CONFIG, "email.subscribe_url: longer than %zu"
		    " bytes", sizeof(f->url) - 1);
	memcpy(f->url, u, n);
	f->url[n] = '\0';
	return mail_token_link_key(st, f->key, err, errlen);
}

const char *
subflow_outcome_name(enum subflow_outcome o)
{
	switch (o) {
	case SUBFLOW_NEW:
		return "new, confirmation mailed";
	case SUBFLOW_PENDING:
		return "pending, confirmation mailed again";
	case SUBFLOW_WELCOME_BACK:
		return "confirmed, preferences link mailed";
	case SUBFLOW_REOPTIN:
		return "subscribing again, confirmation mailed";
	case SUBFLOW_LIMITED:
		return "per-address limit reached, nothing mailed";
	}
	return "?";
}

void
subflow_link(const struct subflow *f, const char *purpose, const struct store_subscriber *s,
    char out[MAIL_LINK_LEN])
{
	mail_token_link(f->key, purpose, s->id, s->secret, out);
}

/* Enqueues mail kind to subscriber id with content {"action_url": url}. */
static cs_err
enqueue(struct subflow *f, int64_t id, const char *kind, const char *url, int64_t now,
    int64_t *mailing_id, char *err, size_t errlen)
{
	struct mailq_new m;
	char subject[64];
	json_t *c = NULL;
	char *content = NULL;
	size_t recipients = 0;
	cs_err rc;

	c = json_pack("{s:s}", "action_url", url);
	content = c != NULL ? jsonout_dumps(c, JSON_COMPACT) : NULL;
	json_decref(c);
	if (content == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
	snprintf(subject, sizeof(subject), "subscriber:%" PRId64, id);
	memset(&m, 0, sizeof(m));
	m.subject = subject;
	m.kind = kind;
	m.components_json = "[]";
	m.content_json = content;
	m.subscriber_id = id;
	rc = mailq_create(f->st, &m, now, mailing_id, &recipients, err, errlen);
	free(content);
	return rc;
}

/*
 * A fresh confirmation token for subscriber id (its hash stored, valid
 * confirm_ttl) and the mail carrying it. The token's text lives only in
 * this function and the mail's content.
 */
static cs_err
mail_confirmation(struct subflow *f, int64_t id, int64_t now, int64_t *mailing_id, char *err,
    size_t errlen)
{
	char tok[MAIL_TOKEN_LEN], hash[MAIL_TOKEN_LEN], url[1200];
	cs_err rc;

	rc = mail_token_random(tok, err, errlen);
	if (rc != CS_OK)
		return rc;
	mail_token_hash(tok, hash);
	rc = store_sub_token_add(f->st, hash, id, now, now + f->cfg->email.confirm_ttl, err, errlen);
	if (rc != CS_OK)
		goto out;
	snprintf(url, sizeof(url), "%s/confirm?t=%s", f->url, tok);
	rc = enqueue(f, id, "confirm", url, now, mailing_id, err, errlen);
out:
	memset(tok, 0, sizeof(tok));
	memset(url, 0, sizeof(url));
	return rc;
}

/* The "welcome back" mail of a confirmed subscriber, counted like a token (see subflow.h). */
static cs_err
mail_welcome_back(struct subflow *f, const struct store_subscriber *s, int64_t now,
    int64_t *mailing_id, char *err, size_t errlen)
{
	char tok[MAIL_TOKEN_LEN], hash[MAIL_TOKEN_LEN], link[MAIL_LINK_LEN], url[1200];
	cs_err rc;

	rc = mail_token_random(tok, err, errlen);
	if (rc != CS_OK)
		return rc;
	mail_token_hash(tok, hash);
	memset(tok, 0, sizeof(tok));
	rc = store_sub_token_add(f->st, hash, s->id, now, now, err, errlen);
	if (rc != CS_OK)
		return rc;
	subflow_link(f, "manage", s, link);
	snprintf(url, sizeof(url), "%s/manage?t=%s", f->url, link);
	return enqueue(f, s->id, "welcome_back", url, now, mailing_id, err, errlen);
}

/* A new pending subscriber of email with a random secret. */
static cs_err
add_pending(struct subflow *f, const char *email, const char *components_json,
    int min_priority, int64_t now, int64_t *id, char *err, size_t errlen)
{
	struct store_subscriber s;
	char secret[MAIL_TOKEN_LEN];
	cs_err rc;

	rc = mail_token_random(secret, err, errlen);
	if (rc != CS_OK)
		return rc;
	memset(&s, 0, sizeof(s));
	s.email = (char *)email;
	s.state = (char *)"pending";
	s.components_json = (char *)components_json;
	s.min_priority = min_priority;
	s.secret = secret;
	s.source = (char *)"form";
	s.created_at = now;
	return store_sub_add(f->st, &s, id, err, errlen);
}

cs_err
subflow_subscribe(struct subflow *f, const char *email, const char *components_json,
    int min_priority, int64_t now, enum subflow_outcome *outcome, int64_t *subscriber_id,
    int64_t *mailing_id, char *err, size_t errlen)
{
	struct store_subscriber s;
	size_t sent = 0;
	cs_err rc;

	memset(&s, 0, sizeof(s));
	*outcome = SUBFLOW_LIMITED;
	*subscriber_id = 0;
	*mailing_id = 0;
	rc = store_begin(f->st, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_sub_find(f->st, email, &s, err, errlen);
	if (rc == CS_ERR_NOTFOUND) {
		*outcome = SUBFLOW_NEW;
		rc = add_pending(f, email, components_json, min_priority, now, subscriber_id, err,
		    errlen);
		if (rc == CS_OK)
			rc = mail_confirmation(f, *subscriber_id, now, mailing_id, err, errlen);
		goto out;
	}
	if (rc != CS_OK)
		goto out;
	*subscriber_id = s.id;
	rc = store_sub_tokens_since(f->st, s.id, now - DAY, &sent, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (sent >= (size_t)f->cfg->email.rate_per_address) {
		*outcome = SUBFLOW_LIMITED;
		goto out;
	}
	if (strcmp(s.state, "pending") == 0) {
		*outcome = SUBFLOW_PENDING;
		rc = mail_confirmation(f, s.id, now, mailing_id, err, errlen);
	} else if (strcmp(s.state, "confirmed") == 0) {
		*outcome = SUBFLOW_WELCOME_BACK;
		rc = mail_welcome_back(f, &s, now, mailing_id, err, errlen);
	} else {
		/* unsubscribed or bounced: a new double opt-in, with this form's preferences */
		*outcome = SUBFLOW_REOPTIN;
		free(s.state);
		free(s.components_json);
		free(s.last_error);
		s.last_error = NULL;
		s.components_json = components_json != NULL ? strdup(components_json) : NULL;
		s.state = strdup("pending");
		s.min_priority = min_priority;
		if (s.state == NULL || (components_json != NULL && s.components_json == NULL))
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
		if (rc == CS_OK)
			rc = store_sub_update(f->st, &s, now, err, errlen);
		if (rc == CS_OK)
			rc = mail_confirmation(f, s.id, now, mailing_id, err, errlen);
	}
out:
	store_subscriber_clear(&s);
	if (rc == CS_OK)
		return store_commit(f->st, err, errlen);
	store_rollback(f->st);
	return rc;
}

int
subflow_token_shape_ok(const char *t)
{
	size_t i;

	for (i = 0; t != NULL && t[i] != '\0'; i++)
		if (!(ascii_isdigit(t[i]) || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return t != NULL && i == MAIL_TOKEN_LEN - 1;
}

cs_err
subflow_confirm(struct subflow *f, const char *token, int64_t now, int64_t *subscriber_id,
    char link[MAIL_LINK_LEN], char *err, size_t errlen)
{
	struct store_subscriber s;
	char hash[MAIL_TOKEN_LEN];
	int64_t id = 0;
	int withdrawn = 0;
	cs_err rc;

	memset(&s, 0, sizeof(s));
	*subscriber_id = 0;
	link[0] = '\0';
	if (!subflow_token_shape_ok(token))
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "confirmation token malformed");
	mail_token_hash(token, hash);
	rc = store_begin(f->st, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_sub_token_use(f->st, hash, now, &id, err, errlen);
	if (rc == CS_OK)
		rc = store_sub_get(f->st, id, &s, err, errlen);
	if (rc != CS_OK)
		goto out;
	*subscriber_id = id;
	if (strcmp(s.state, "pending") == 0) {
		free(s.state);
		s.state = strdup("confirmed");
		rc = s.state != NULL ? store_sub_update(f->st, &s, now, err, errlen) :
		    cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
		if (rc != CS_OK)
			goto out;
	} else if (strcmp(s.state, "confirmed") != 0) {
		/* withdrawn since the mail went: the token is spent, nobody is subscribed */
		withdrawn = 1;
		goto out;
	}
	subflow_link(f, "manage", &s, link);
out:
	store_subscriber_clear(&s);
	if (rc == CS_OK)
		rc = store_commit(f->st, err, errlen);
	else
		store_rollback(f->st);
	if (rc == CS_OK && withdrawn) {
		*subscriber_id = 0;
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND,
		    "confirmation token of a subscriber no longer pending");
	}
	return rc;
}

cs_err
subflow_link_subscriber(struct subflow *f, const char *purpose, const char *tok,
    struct store_subscriber *out, char *err, size_t errlen)
{
	int64_t id = mail_token_link_id(tok);
	cs_err rc;

	memset(out, 0, sizeof(*out));
	if (id <= 0)
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s link malformed", purpose);
	rc = store_sub_get(f->st, id, out, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (!mail_token_link_ok(f->key, purpose, id, out->secret, tok)) {
		store_subscriber_clear(out);
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s link of subscriber #%" PRId64
		    " does not verify", purpose, id);
	}
	return CS_OK;
}

cs_err
subflow_save(struct subflow *f, struct store_subscriber *s, const char *components_json,
    int min_priority, int64_t now, char *err, size_t errlen)
{
	char *c = NULL;

	if (components_json != NULL && (c = strdup(components_json)) == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
	free(s->components_json);
	s->components_json = c;
	s->min_priority = min_priority;
	return store_sub_update(f->st, s, now, err, errlen);
}

cs_err
subflow_unsubscribe(struct subflow *f, struct store_subscriber *s, int64_t now,
    int *was_already, char *err, size_t errlen)
{
	char *st;

	*was_already = strcmp(s->state, "unsubscribed") == 0;
	if (*was_already)
		return CS_OK;
	st = strdup("unsubscribed");
	if (st == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
	free(s->state);
	s->state = st;
	return store_sub_update(f->st, s, now, err, errlen);
}
