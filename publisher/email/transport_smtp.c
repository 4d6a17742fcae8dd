/* transport_smtp.c: mail to an SMTP relay over libcurl multi: one recipient a transfer, connections kept. */
#include "email/mail_transport_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/ascii.h"
#include "base/stopflag.h"

/*
 * There are `parallel` slots, each an easy handle that lives as long as
 * the transport. A job takes an idle slot: its handle gets the job's
 * MAIL FROM, one RCPT and the message as an upload, and is added to the
 * multi handle; when the transfer ends the handle is removed again and
 * its connection stays in the multi handle's connection cache, so the next
 * job on any slot reuses it (libcurl skips the greeting and EHLO on a
 * reused SMTP connection and starts with MAIL FROM). libcurl does the
 * dot-stuffing of the message and sends the final CRLF.CRLF.
 *
 * What failed decides the outcome, so a debug callback follows the
 * commands libcurl sends (only their verb is kept, never an address) and
 * the server's last reply line:
 *   - accepted (CURLE_OK): MAIL_SENT;
 *   - a 5xx reply to RCPT TO, DATA or the end of the data: MAIL_REJECTED
 *     (with recipient set only for a refused mailbox at RCPT TO: mailbox_refused()),
 *     this message to this recipient will never pass. So is a 552 to
 *     MAIL FROM (the SIZE we declared is too big);
 *   - any other reply >= 400 (4xx anywhere; 5xx to the greeting, EHLO,
 *     STARTTLS, AUTH or MAIL FROM, which are about our configuration or
 *     the relay, not this message): MAIL_RETRY with that code;
 *   - no reply (refused, dropped, timed out, TLS or certificate failure,
 *     STARTTLS not offered): MAIL_RETRY with code 0 and libcurl's error
 *     text. A connection dropped after the end of the data and before the
 *     reply is in this case: the relay may or may not have the message,
 *     and a duplicate is better than a loss.
 *
 * A limit of libcurl (7.88 here; curl issue #8555, "More non-blocking" in
 * its TODO): the reply to the end of the data is awaited inside
 * curl_multi_perform(), blocking, in the transfer's DONE phase. While one
 * relay takes its time to accept a message no other transfer moves, and
 * mail_transport_wait() can return later than its timeout_ms: up to
 * `timeout` seconds for a relay that stalls there (and as long again for
 * the QUIT when that connection is then closed). Transfers whose own
 * timeout runs out meanwhile get MAIL_RETRY. Measured with smtpserver.py
 * answering every end of data after 50 ms: parallel 1, 4 and 16 all send
 * 19 messages/s. The parallel connections overlap connecting, TLS and the
 * commands, not the relay's time to accept.
 */

enum stage {
	STAGE_CONNECT,    /* greeting, TLS handshake of smtps:// */
	STAGE_EHLO,
	STAGE_STARTTLS,
	STAGE_AUTH,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA,
	STAGE_BODY        /* the message sent: waiting for the reply to its end */
};

static const char *const stage_names[] = {
	"connect", "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO", "DATA", "end of data"
};

enum slot_state { SLOT_IDLE, SLOT_RUNNING, SLOT_DONE };

struct slot {
	struct smtp       *s;
	CURL              *h;
	enum slot_state    state;
	/* the job, owned copies */
	uint64_t           tag;
	char              *from;
	char              *data;
	size_t             len, off;        /* message bytes, bytes handed to libcurl */
	struct curl_slist *rcpt;            /* the one recipient */
	/* what the transfer saw */
	enum stage         stage;           /* of the last command sent before any QUIT */
	int                quitting;        /* QUIT sent: what follows is not the job's outcome */
	int                no_reuse;        /* CURLOPT_FORBID_REUSE set for this transfer */
	char               reply[160];      /* last reply line from the server before any QUIT */
	char               errbuf[CURL_ERROR_SIZE];
	struct mail_result result;          /* when SLOT_DONE */
};

struct smtp {
	CURLM              *m;
	struct smtp_policy  pol;
	char               *username;       /* owned, NULL: no AUTH */
	char               *password;       /* owned, wiped on close */
	char               *ca_file;        /* owned, NULL: system store */
	long                timeout;        /* seconds per message */
	size_t              parallel;
	struct slot        *slots;
	size_t             *doneq;          /* slot indices in the order they finished */
	size_t              ndone;
	int                 global_ok;
};

/* ---- the URL and its TLS policy ---- */

static int
helo_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= 255)
			return 0;
		if (!ascii_isalpha(c) && !ascii_isdigit(c) && c != '-' && c != '.' && c != '[' && c != ']' &&
		    c != ':')
			return 0;
	}
	return 1;
}

/* host as libcurl's URL parser gives it: IPv6 in brackets, IPv4 normalised to dotted quad. */
static int
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	if (ascii_caseeq(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, host + 1, n - 2);
	buf[n - 2] = '\0';
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

cs_err
transport_smtp_policy(const char *url, const char *helo_name, struct smtp_policy *p,
    char *err, size_t errlen)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *query = NULL;
	CURLUcode uc;
	cs_err rc = CS_OK;

	memset(p, 0, sizeof(*p));
	u = curl_url();
	if (u == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "smtp_url: out of memory");
		goto out;
	}
	/* Credentials in the URL would bypass username/password (and end up in logs). */
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_DISALLOW_USER);
	if (uc != CURLUE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "smtp_url: '%s': %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0)) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "smtp_url: '%s': the scheme must be smtp:// or smtps://", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "smtp_url: '%s': no host", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "smtp_url: '%s': a query has no meaning for SMTP", url);
		goto out;
	}
	if (helo_name != NULL) {
		if (!helo_ok(helo_name)) {
			rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "helo_name: '%s' is not a host name", helo_name);
			goto out;
		}
		/* libcurl sends the URL's path as the EHLO name. */
		uc = curl_url_set(u, CURLUPART_PATH, helo_name, 0);
		if (uc != CURLUE_OK) {
			rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "helo_name: '%s': %s", helo_name, curl_url_strerror(uc));
			goto out;
		}
	}
	if (curl_url_get(u, CURLUPART_URL, &p->url, 0) != CURLUE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "smtp_url: out of memory");
		goto out;
	}
	p->smtps = strcmp(scheme, "smtps") == 0;
	p->loopback = host_is_loopback(host);
	/*
	 * Mail to another machine is encrypted, always: smtps:// from the first
	 * byte, smtp:// by STARTTLS, and a relay that does not offer it fails the
	 * transfer (MAIL_RETRY) rather than get the message in clear. Only a
	 * relay on this machine may be spoken to in plain text; we do not even
	 * try STARTTLS there, since local relays often offer it with a
	 * self-signed certificate that would then fail every message.
	 */
	p->use_ssl = !p->smtps && p->loopback ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

/* ---- libcurl callbacks ---- */

static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct slot *sl = arg;
	size_t n = size * nitems;

	if (n > sl->len - sl->off)
		n = sl->len - sl->off;
	memcpy(buf, sl->data + sl->off, n);
	sl->off += n;
	return n;
}

/* p (n bytes, a command line libcurl sent) starts with the upper-case verb. */
static int
verb_is(const char *p, size_t n, const char *verb)
{
	size_t k = strlen(verb), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++) {
		if (ascii_tolower((unsigned char)p[i]) != ascii_tolower((unsigned char)verb[i]))
			return 0;
	}
	return n == k || p[k] == ' ' || p[k] == ':' || p[k] == '\r';
}

/*
 * Follows the dialogue: the verb of each command sent (so a failure can
 * be placed: a 550 after RCPT is the recipient's), that the message went
 * out, and the server's last reply line. Command arguments (addresses,
 * AUTH data) are never kept.
 */
static int
on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct slot *sl = arg;
	size_t k;

	switch (type) {
	case CURLINFO_HEADER_OUT:
		if (sl->quitting)
			break;
		if (verb_is(p, n, "EHLO") || verb_is(p, n, "HELO"))
			sl->stage = STAGE_EHLO;
		else if (verb_is(p, n, "STARTTLS"))
			sl->stage = STAGE_STARTTLS;
		else if (verb_is(p, n, "AUTH"))
			sl->stage = STAGE_AUTH;
		else if (verb_is(p, n, "MAIL"))
			sl->stage = STAGE_MAIL;
		else if (verb_is(p, n, "RCPT"))
			sl->stage = STAGE_RCPT;
		else if (verb_is(p, n, "DATA"))
			sl->stage = STAGE_DATA;
		else if (verb_is(p, n, "QUIT"))
			sl->quitting = 1;   /* libcurl closing after a failure: keep the failing step */
		else if (sl->stage == STAGE_DATA)
			sl->stage = STAGE_BODY;   /* the end-of-data marker */
		break;
	case CURLINFO_DATA_OUT:
		if (sl->stage == STAGE_DATA)
			sl->stage = STAGE_BODY;
		break;
	case CURLINFO_TEXT:
		/*
		 * libcurl reports an error (failf) into the error buffer and then
		 * here, before the transfer's end decides whether the connection
		 * is kept. After a failure it may keep it, even after a reply
		 * timed out: that late reply would then be read as the answer to
		 * the next job's MAIL FROM, every reply after it would belong to
		 * the command before, up to a message reported sent on another
		 * message's 250. So a connection that saw an error is never kept.
		 * It has to be decided now: once the transfer ends, another
		 * transfer may take the connection within the same
		 * curl_multi_perform(). (A 4xx/5xx reply to the end of the data is
		 * not reported this way; the dialogue is in step then, and the
		 * connection is rightly kept.)
		 */
		if (sl->errbuf[0] != '\0' && !sl->no_reuse) {
			curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
			sl->no_reuse = 1;
		}
		break;
	case CURLINFO_HEADER_IN:
		if (sl->quitting)
			break;
		for (k = 0; k < n && k + 1 < sizeof(sl->reply) && p[k] != '\r' && p[k] != '\n'; k++)
			sl->reply[k] = p[k];
		sl->reply[k] = '\0';
		break;
	default:
		break;
	}
	return 0;
}

/* ---- slots ---- */

static void
slot_clear_job(struct slot *sl)
{
	free(sl->from);
	free(sl->data);
	curl_slist_free_all(sl->rcpt);
	sl->from = sl->data = NULL;
	sl->rcpt = NULL;
	sl->len = sl->off = 0;
}

/* The options that stay the same for every job on this handle. */
static int
slot_setup(struct smtp *s, struct slot *sl)
{
	CURL *h = sl->h;
	int bad = 0;

	bad += curl_easy_setopt(h, CURLOPT_URL, s->pol.url) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_PRIVATE, sl) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_USE_SSL, s->pol.use_ssl) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
	if (s->ca_file != NULL)
		bad += curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file) != CURLE_OK;
	if (s->username != NULL) {
		bad += curl_easy_setopt(h, CURLOPT_USERNAME, s->username) != CURLE_OK;
		bad += curl_easy_setopt(h, CURLOPT_PASSWORD, s->password != NULL ? s->password : "") != CURLE_OK;
	}
	bad += curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout) != CURLE_OK;
	/* Also bounds the wait for the QUIT reply when the connections close. */
	bad += curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, s->timeout) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_ERRORBUFFER, sl->errbuf) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_READDATA, sl) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_DEBUGDATA, sl) != CURLE_OK;
	bad += curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) != CURLE_OK;
	return bad;
}

static void
smtp_close(void *state)
{
	struct smtp *s = state;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s->slots != NULL && i < s->parallel; i++) {
		if (s->slots[i].state == SLOT_RUNNING)
			curl_multi_remove_handle(s->m, s->slots[i].h);
	}
	/* Closes the cached connections, each with a QUIT. */
	if (s->m != NULL)
		curl_multi_cleanup(s->m);
	for (i = 0; s->slots != NULL && i < s->parallel; i++) {
		if (s->slots[i].h != NULL)
			curl_easy_cleanup(s->slots[i].h);
		slot_clear_job(&s->slots[i]);
	}
	free(s->slots);
	free(s->doneq);
	curl_free(s->pol.url);
	free(s->username);
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->ca_file);
	if (s->global_ok)
		curl_global_cleanup();
	free(s);
}

static char *
dup_or_null(const char *p, int *oom)
{
	char *d;

	if (p == NULL)
		return NULL;
	d = strdup(p);
	if (d == NULL)
		*oom = 1;
	return d;
}

static cs_err
smtp_open(const struct mail_transport_config *cfg, void **state, char *err, size_t errlen)
{
	struct smtp *s = NULL;
	size_t i;
	int oom = 0;
	cs_err rc = CS_OK;

	*state = NULL;
	if (cfg->timeout < 1 || cfg->timeout > 3600) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "timeout: %lld s is not in 1..3600",
		    (long long)cfg->timeout);
		goto out;
	}
	if (cfg->password != NULL && cfg->username == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "password: set without a username");
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "smtp: out of memory");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "smtp: curl_global_init failed");
		goto out;
	}
	s->global_ok = 1;
	rc = transport_smtp_policy(cfg->smtp_url, cfg->helo_name, &s->pol, err, errlen);
	if (rc != CS_OK)
		goto out;
	s->timeout = (long)cfg->timeout;
	s->parallel = (size_t)cfg->parallel;
	s->username = dup_or_null(cfg->username, &oom);
	s->password = dup_or_null(cfg->password, &oom);
	s->ca_file = dup_or_null(cfg->ca_file, &oom);
	s->slots = calloc(s->parallel, sizeof(*s->slots));
	s->doneq = calloc(s->parallel, sizeof(*s->doneq));
	s->m = curl_multi_init();
	if (oom || s->slots == NULL || s->doneq == NULL || s->m == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "smtp: out of memory");
		goto out;
	}
	/* One connection per slot, all kept between jobs. */
	if (curl_multi_setopt(s->m, CURLMOPT_MAXCONNECTS, (long)s->parallel) != CURLM_OK ||
	    curl_multi_setopt(s->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)s->parallel) != CURLM_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "smtp: curl_multi_setopt failed");
		goto out;
	}
	for (i = 0; i < s->parallel; i++) {
		struct slot *sl = &s->slots[i];

		sl->s = s;
		sl->h = curl_easy_init();
		if (sl->h == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "smtp: out of memory");
			goto out;
		}
		if (slot_setup(s, sl) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_INTERNAL,
			    "smtp: libcurl refused an option (built without SMTP or TLS?)");
			goto out;
		}
	}
	*state = s;
	s = NULL;
out:
	smtp_close(s);
	return rc;
}

static size_t
smtp_pending(const void *state)
{
	const struct smtp *s = state;
	size_t i, k = 0;

	for (i = 0; i < s->parallel; i++)
		k += s->slots[i].state != SLOT_IDLE;
	return k;
}

static size_t
smtp_room(const void *state)
{
	const struct smtp *s = state;

	return s->parallel - smtp_pending(state);
}

static cs_err
smtp_submit(void *state, const struct mail_job *job, char *err, size_t errlen)
{
	struct smtp *s = state;
	struct slot *sl = NULL;
	struct curl_slist *l;
	size_t i;
	int bad = 0;
	cs_err rc = CS_OK;

	for (i = 0; i < s->parallel && sl == NULL; i++) {
		if (s->slots[i].state == SLOT_IDLE)
			sl = &s->slots[i];
	}
	if (sl == NULL)
		return cs_seterr(err, errlen, CS_ERR_STATE, "smtp: every slot is busy: wait first");
	sl->tag = job->tag;
	sl->from = strdup(job->from);
	sl->data = malloc(job->len > 0 ? job->len : 1);
	l = curl_slist_append(NULL, job->rcpt);
	if (sl->from == NULL || sl->data == NULL || l == NULL) {
		curl_slist_free_all(l);
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "smtp: out of memory");
		goto out;
	}
	sl->rcpt = l;
	memcpy(sl->data, job->data, job->len);
	sl->len = job->len;
	sl->off = 0;
	sl->stage = STAGE_CONNECT;
	sl->quitting = 0;
	if (sl->no_reuse)
		bad += curl_easy_setopt(sl->h, CURLOPT_FORBID_REUSE, 0L) != CURLE_OK;
	sl->no_reuse = 0;
	sl->reply[0] = '\0';
	sl->errbuf[0] = '\0';
	bad += curl_easy_setopt(sl->h, CURLOPT_MAIL_FROM, sl->from) != CURLE_OK;
	bad += curl_easy_setopt(sl->h, CURLOPT_MAIL_RCPT, sl->rcpt) != CURLE_OK;
	bad += curl_easy_setopt(sl->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sl->len) != CURLE_OK;
	if (bad) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "smtp: libcurl refused a job option");
		goto out;
	}
	if (curl_multi_add_handle(s->m, sl->h) != CURLM_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "smtp: curl_multi_add_handle failed");
		goto out;
	}
	sl->state = SLOT_RUNNING;
out:
	if (rc != CS_OK)
		slot_clear_job(sl);
	return rc;
}

/*
 * Whether a 5xx reply to RCPT TO refuses the mailbox itself: an enhanced
 * status of class 5.1 (bad address, RFC 3463) or none at all. A 5.7.x
 * ("relay access denied", a policy) or any other says the relay will not
 * take it from us, which must not unsubscribe a person.
 */
static int
mailbox_refused(const char *reply)
{
	const char *p = reply;

	if (!(ascii_isdigit(p[0]) && ascii_isdigit(p[1]) && ascii_isdigit(p[2])))
		return 1;
	p += 3;
	if (*p == ' ' || *p == '-')
		p++;
	if (p[0] == '5' && p[1] == '.' && ascii_isdigit(p[2]))
		return p[2] == '1';
	return 1;
}

/* The outcome of a finished transfer, as the comment at the top says. */
static void
slot_finish(struct slot *sl, CURLcode cc)
{
	struct mail_result *r = &sl->result;
	long code = 0;
	int replied;

	memset(r, 0, sizeof(*r));
	r->tag = sl->tag;
	curl_easy_getinfo(sl->h, CURLINFO_RESPONSE_CODE, &code);

	/* The code is the failing step's only if the last reply line carries it. */
	replied = code >= 200 && code < 600 && ascii_isdigit(sl->reply[0]) && ascii_isdigit(sl->reply[1]) &&
	    ascii_isdigit(sl->reply[2]) &&
	    (sl->reply[0] - '0') * 100 + (sl->reply[1] - '0') * 10 + (sl->reply[2] - '0') == code;
	if (cc == CURLE_OK) {
		r->outcome = MAIL_SENT;
		r->code = (int)code;
		transport_detail(r, "%s", sl->reply);
	} else if (replied && code >= 400) {
		int permanent = code >= 500 &&
		    (sl->stage == STAGE_RCPT || sl->stage == STAGE_DATA || sl->stage == STAGE_BODY ||
		    (sl->stage == STAGE_MAIL && code == 552));

		r->outcome = permanent ? MAIL_REJECTED : MAIL_RETRY;
		r->recipient = permanent && sl->stage == STAGE_RCPT && mailbox_refused(sl->reply);
		r->code = (int)code;
		transport_detail(r, "%s refused: %s", stage_names[sl->stage], sl->reply);
	} else {
		r->outcome = MAIL_RETRY;
		r->code = 0;
		transport_detail(r, "at %s: %s", stage_names[sl->stage],
		    sl->errbuf[0] != '\0' ? sl->errbuf : curl_easy_strerror(cc));
	}
	sl->state = SLOT_DONE;
	slot_clear_job(sl);
}

static void
collect(struct smtp *s)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(s->m, &left)) != NULL) {
		struct slot *sl = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
		if (sl == NULL || sl->state != SLOT_RUNNING)
			continue;
		/* Removing the handle keeps its connection in the multi handle's cache. */
		curl_multi_remove_handle(s->m, sl->h);
		slot_finish(sl, msg->data.result);
		s->doneq[s->ndone++] = (size_t)(sl - s->slots);
	}
}

static cs_err
smtp_wait(void *state, int timeout_ms, struct mail_result *res, size_t max, size_t *n,
    char *err, size_t errlen)
{
	struct smtp *s = state;
	long long deadline = transport_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	size_t k, i;
	cs_err rc = CS_OK;

	*n = 0;
	for (;;) {
		int running = 0;
		long long left;
		CURLMcode mc = curl_multi_perform(s->m, &running);

		if (mc != CURLM_OK) {
			rc = cs_seterr(err, errlen, mc == CURLM_OUT_OF_MEMORY ? CS_ERR_NOMEM : CS_ERR_INTERNAL,
			    "smtp: curl_multi_perform: %s", curl_multi_strerror(mc));
			goto out;
		}
		collect(s);
		left = deadline - transport_now_ms();
		if (s->ndone > 0 || running == 0 || left <= 0)
			break;
		/*
		 * A daemon told to stop does not wait for a relay that stalls: the
		 * messages in flight stay claimed and unacknowledged, and are sent
		 * again after the restart (the lock holder releases the claims).
		 */
		if (stop_requested()) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE,
			    "smtp: stopped with messages in flight (they are sent again after the restart)");
			goto out;
		}
		mc = curl_multi_poll(s->m, NULL, 0, left > 1000 ? 1000 : (int)left, NULL);
		if (mc != CURLM_OK) {
			rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "smtp: curl_multi_poll: %s",
			    curl_multi_strerror(mc));
			goto out;
		}
	}
out:
	k = s->ndone < max ? s->ndone : max;
	for (i = 0; i < k; i++) {
		struct slot *sl = &s->slots[s->doneq[i]];

		res[i] = sl->result;
		sl->state = SLOT_IDLE;
	}
	memmove(s->doneq, s->doneq + k, (s->ndone - k) * sizeof(*s->doneq));
	s->ndone -= k;
	*n = k;
	return rc;
}

const struct transport_ops transport_smtp_ops = {
	.name = "smtp",
	.open = smtp_open,
	.room = smtp_room,
	.submit = smtp_submit,
	.wait = smtp_wait,
	.pending = smtp_pending,
	.close = smtp_close,
};
