/* mail_transport.c: the checks common to every transport, and the dispatch to the Maildir or SMTP backend. */
#include "email/mail_transport.h"
#include "email/mail_transport_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Largest message a job may carry. Our messages are a few tens of KiB;
 * relays commonly refuse more than 25-50 MB, and a job is copied, so a
 * bigger one is a caller's mistake: it gets a MAIL_REJECTED result.
 */
#define MAIL_MAX_MESSAGE (32u * 1024 * 1024)
#define MAIL_MAX_ADDR    254   /* RFC 5321 path limit, as mail_msg_addr_ok() */

struct mail_transport {
	const struct transport_ops *ops;
	void                       *state;     /* the backend's */
	size_t                      parallel;  /* slots in all */
	struct mail_result         *early;     /* results decided at submit, parallel of them */
	size_t                      nearly;
};

long long
transport_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
transport_detail(struct mail_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

cs_err
mail_transport_new(const struct mail_transport_config *cfg, struct mail_transport **out,
    char *err, size_t errlen)
{
	struct mail_transport *t = NULL;
	cs_err rc = CS_OK;

	*out = NULL;
	if (cfg->parallel < 1 || cfg->parallel > 32) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "parallel: %d is not in 1..32", cfg->parallel);
		goto out;
	}
	if (cfg->smtp_url == NULL && (cfg->maildir == NULL || cfg->maildir[0] == '\0')) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "maildir: required when smtp_url is not set");
		goto out;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mail transport: out of memory");
		goto out;
	}
	t->parallel = (size_t)cfg->parallel;
	t->early = calloc(t->parallel, sizeof(*t->early));
	if (t->early == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mail transport: out of memory");
		goto out;
	}
	t->ops = cfg->smtp_url != NULL ? &transport_smtp_ops : &transport_maildir_ops;
	rc = t->ops->open(cfg, &t->state, err, errlen);
	if (rc != CS_OK)
		goto out;
	*out = t;
	t = NULL;
out:
	if (t != NULL) {
		free(t->early);
		free(t);
	}
	return rc;
}

size_t
mail_transport_room(const struct mail_transport *t)
{
	size_t r = t->ops->room(t->state);

	return r > t->nearly ? r - t->nearly : 0;
}

size_t
mail_transport_pending(const struct mail_transport *t)
{
	return t->ops->pending(t->state) + t->nearly;
}

/*
 * An address the transport will put on an SMTP command line or in a
 * Maildir: no byte that could end the command (CR, LF), no control, space
 * or angle bracket (libcurl adds the brackets), at most 254 bytes. UTF-8
 * bytes pass: the relay decides about SMTPUTF8. empty_ok for the null
 * sender "<>".
 */
static int
addr_usable(const char *s, int empty_ok)
{
	size_t i;

	if (s[0] == '\0')
		return empty_ok;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= MAIL_MAX_ADDR || c <= 0x20 || c == 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

static void
reject_early(struct mail_transport *t, uint64_t tag, int recipient, const char *why)
{
	struct mail_result *r = &t->early[t->nearly++];

	memset(r, 0, sizeof(*r));
	r->tag = tag;
	r->outcome = MAIL_REJECTED;
	r->recipient = recipient;
	r->code = 0;
	transport_detail(r, "%s", why);
}

cs_err
mail_transport_submit(struct mail_transport *t, const struct mail_job *job, char *err, size_t errlen)
{
	if (mail_transport_room(t) == 0)
		return cs_seterr(err, errlen, CS_ERR_STATE, "mail transport: every slot is busy: wait first");
	if (job->from == NULL || job->rcpt == NULL || (job->data == NULL && job->len > 0))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "mail transport: job %llu: from, rcpt or data missing",
		    (unsigned long long)job->tag);
	/* A job no transport can carry is this message's failure, not the
	 * transport's: it gets its one result, like any other. */
	if (!addr_usable(job->rcpt, 0)) {
		reject_early(t, job->tag, 1, "recipient address unusable on an SMTP command line");
		return CS_OK;
	}
	if (!addr_usable(job->from, 1)) {
		reject_early(t, job->tag, 0, "sender address unusable on an SMTP command line");
		return CS_OK;
	}
	if (job->len > MAIL_MAX_MESSAGE) {
		reject_early(t, job->tag, 0, "message larger than 32 MiB");
		return CS_OK;
	}
	return t->ops->submit(t->state, job, err, errlen);
}

static int
addr_delim(char c)
{
	return c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' || c == ']' ||
	    c == ',' || c == ';' || c == ':' || c == '"' || c == '\'' || c == '\0';
}

/*
 * Makes a detail safe for a log line: controls become spaces (one line),
 * and any word with an '@' in it becomes "(address)". A relay's reply
 * often echoes the recipient ("550 5.1.1 <a@b>: unknown user") and the
 * address is personal data; redacting every word with an '@' also covers
 * the forms it might be echoed in (lower-cased, IDN-encoded).
 */
static void
detail_clean(char *d)
{
	char out[sizeof(((struct mail_result *)0)->detail)];
	size_t i = 0, o = 0, len = strnlen(d, sizeof(out) - 1);

	while (i < len && o + 1 < sizeof(out)) {
		size_t s, e;

		if (d[i] != '@') {
			unsigned char c = (unsigned char)d[i];

			out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
			i++;
			continue;
		}
		/* back over the local part already copied, forward over the domain */
		s = i;
		while (s > 0 && !addr_delim(d[s - 1]))
			s--;
		e = i;
		while (e < len && !addr_delim(d[e]))
			e++;
		o -= i - s;
		if (o + sizeof("(address)") < sizeof(out)) {
			memcpy(out + o, "(address)", sizeof("(address)") - 1);
			o += sizeof("(address)") - 1;
		}
		i = e;
	}
	out[o] = '\0';
	memcpy(d, out, o + 1);
}

cs_err
mail_transport_wait(struct mail_transport *t, int timeout_ms, struct mail_result *res,
    size_t max, size_t *n, char *err, size_t errlen)
{
	size_t got = 0, more = 0, i;
	cs_err rc = CS_OK;

	*n = 0;
	while (got < max && got < t->nearly) {
		res[got] = t->early[got];
		got++;
	}
	if (got > 0) {
		memmove(t->early, t->early + got, (t->nearly - got) * sizeof(*t->early));
		t->nearly -= got;
	}
	/* With results in hand, only collect what is already finished. */
	if (got < max && t->ops->pending(t->state) > 0)
		rc = t->ops->wait(t->state, got > 0 ? 0 : timeout_ms, res + got, max - got, &more, err, errlen);
	for (i = got; i < got + more; i++)
		detail_clean(res[i].detail);
	*n = got + more;
	return rc;
}

void
mail_transport_free(struct mail_transport *t)
{
	if (t == NULL)
		return;
	t->ops->close(t->state);
	free(t->early);
	free(t);
}
