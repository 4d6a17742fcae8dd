/* poll.c: parallel conditional HTTP(S) fetches of feeds over the libcurl multi interface. */
#include "aws/poll.h"
#include "aws/poll_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/ascii.h"
#include "base/stopflag.h"

#define POLL_DEFAULT_UA "clickstatus/0.1 (AWS Health Dashboard monitor; libcurl)"
#define POLL_ACCEPT     "application/rss+xml, application/xml;q=0.9, */*;q=0.1"

/*
 * One transfer slot: an easy handle reused from request to request (so the
 * multi handle's connection cache serves the next request to the same
 * host), plus what the transfer in it has seen so far.
 */
struct slot {
	struct poll       *p;
	CURL              *h;
	int                busy;        /* in the multi handle */
	size_t             idx;         /* request index */
	unsigned           redirects;   /* hops followed so far */
	int                https_only;  /* a hop was https: no later hop may be plain http */
	char              *url;         /* URL of the current hop, owned */
	struct curl_slist *hdrs;        /* conditional headers, owned */
	double             start;       /* monotonic seconds at the first hop */
	uint64_t           seen;        /* decoded bytes of this hop, delivered or not */
	uint64_t           bytes;       /* decoded bytes handed to the body callback */
	cs_err             abort_err;   /* why on_write stopped the transfer, CS_OK if it did not */
	char               abort_msg[CS_ERRLEN];
	char               curl_err[CURL_ERROR_SIZE];
};

struct poll {
	struct poll_options opt;
	CURLM              *m;
	struct slot        *slots;      /* opt.max_parallel of them */
	int                 global_ok;  /* curl_global_init succeeded */
	/* the run in progress */
	const struct poll_request *reqs;
	size_t              n, next, active;
	poll_body_fn        body;
	poll_done_fn        done;
	void               *ctx;
	cs_err              fatal;
	char                fatal_msg[CS_ERRLEN];
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
poll_options_default(struct poll_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->max_parallel = 20;
	opt->connect_timeout_ms = 10000;
	opt->timeout_ms = 60000;
	opt->low_speed_limit = 64;
	opt->low_speed_time = 20;
	opt->max_body = 8u << 20;
	opt->max_redirects = 3;
	opt->user_agent = POLL_DEFAULT_UA;
}

/* ---- transfers ----------------------------------------------------------- */

static int
header_value_ok(const char *v)
{
	if (v == NULL || v[0] == '\0' || strlen(v) > POLL_VALIDATOR_MAX)
		return 0;
	for (const unsigned char *c = (const unsigned char *)v; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0; /* would split the request: never sent */
	return 1;
}

static cs_err
add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[POLL_VALIDATOR_MAX + 64];
	struct curl_slist *l;
	int n;

	n = snprintf(line, sizeof(line), "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return CS_ERR_TOOBIG;
	l = curl_slist_append(*list, line);
	if (l == NULL)
		return CS_ERR_NOMEM;
	*list = l;
	return CS_OK;
}

/*
 * The write callback: counts decoded bytes against max_body (libcurl
 * gunzips before calling us, so a gzip bomb is cut at the cap of what it
 * inflates to, not of what it weighs on the wire), drops the body of
 * error and redirect responses, and hands 2xx bodies to the caller.
 */
static size_t
on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct slot *s = userp;
	struct poll *p = s->p;
	size_t len = size * nmemb;
	long status = 0;
	cs_err rc;

	if (s->seen + len > p->opt.max_body) {
		s->abort_err = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_TOOBIG,
		    "%s: body larger than the limit of %zu bytes (after decoding)",
		    p->reqs[s->idx].url, p->opt.max_body);
		return 0;
	}
	s->seen += len;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299 || p->body == NULL) {
		if (status >= 200 && status <= 299)
			s->bytes += len;
		return len;
	}
	s->abort_msg[0] = '\0';
	rc = p->body(s->idx, data, len, p->ctx, s->abort_msg, sizeof(s->abort_msg));
	if (rc != CS_OK) {
		const char *url = p->reqs[s->idx].url;
		char cbmsg[CS_ERRLEN];

		s->abort_err = rc;
		if (strncmp(s->abort_msg, url, strlen(url)) != 0) {
			snprintf(cbmsg, sizeof(cbmsg), "%s", s->abort_msg);
			cs_seterr(s->abort_msg, sizeof(s->abort_msg), rc, "%s: %s", url,
			    cbmsg[0] != '\0' ? cbmsg : cs_strerror(rc));
		}
		return 0;
	}
	s->bytes += len;
	return len;
}

/*
 * Sets up the slot's handle for one hop to url (already checked by
 * url_refusal) and adds it to the multi handle. On failure the slot is
 * left idle and the message is in s->abort_msg.
 */
static cs_err
slot_start_hop(struct slot *s, const char *url, int loopback)
{
	struct poll *p = s->p;
	const struct poll_request *r = &p->reqs[s->idx];
	long remaining;
	char *copy = NULL;
	int bad = 0;
	cs_err rc = CS_OK;

	remaining = p->opt.timeout_ms - (long)((mono_now() - s->start) * 1000.0);
	if (remaining <= 0) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_NET,
		    "%s: timed out after %ld ms (redirected to %s)", r->url, p->opt.timeout_ms, url);
		goto out;
	}
	copy = strdup(url);
	if (copy == NULL) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_NOMEM, "%s: out of memory", r->url);
		goto out;
	}
	free(s->url);
	s->url = copy;
	copy = NULL;
	s->seen = 0;
	s->curl_err[0] = '\0';

	curl_easy_reset(s->h);
	bad += curl_easy_setopt(s->h, CURLOPT_URL, s->url) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_PRIVATE, s) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->curl_err) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_USERAGENT, p->opt.user_agent) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_ACCEPT_ENCODING, "gzip") != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, p->opt.connect_timeout_ms) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, remaining) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_LOW_SPEED_LIMIT, p->opt.low_speed_limit) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_LOW_SPEED_TIME, p->opt.low_speed_time) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)p->opt.max_body) != CURLE_OK;
	/* Redirects are followed in finish() so each target passes poll_url_refusal(). */
	bad += curl_easy_setopt(s->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	/*
	 * libcurl enforces the scheme of each hop: plain http only to a loopback
	 * host, and never again once the request has been on https (finish()
	 * refuses such a redirect first, with a clearer message).
	 */
	bad += curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR,
	    loopback && !s->https_only ? "http,https" : "https") != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK;
	if (p->opt.ca_file != NULL)
		bad += curl_easy_setopt(s->h, CURLOPT_CAINFO, p->opt.ca_file) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs) != CURLE_OK;
	if (bad != 0) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_INTERNAL,
		    "%s: libcurl refused %d transfer option(s)", r->url, bad);
		goto out;
	}
	if (curl_multi_add_handle(p->m, s->h) != CURLM_OK) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_INTERNAL,
		    "%s: cannot add the transfer to the multi handle", r->url);
		goto out;
	}
	s->busy = 1;
out:
	free(copy);
	return rc;
}

static void
slot_release(struct slot *s)
{
	if (s->busy)
		curl_multi_remove_handle(s->p->m, s->h);
	s->busy = 0;
	free(s->url);
	s->url = NULL;
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	s->p->active--;
}

/* Copies the last value of header name in the final response into buf, or leaves it "". */
static const char *
get_header(CURL *h, const char *name, char *buf, size_t len)
{
	struct curl_header *hh = NULL;

	buf[0] = '\0';
	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hh) != CURLHE_OK || hh == NULL)
		return NULL;
	if (strlen(hh->value) >= len)
		return NULL;
	snprintf(buf, len, "%s", hh->value);
	return buf;
}

static void
report(struct poll *p, size_t idx, struct poll_result *res)
{
	if (p->done != NULL)
		p->done(idx, res, p->ctx);
}

/* Reports a request that never got a slot or failed before its transfer began. */
static void
report_early(struct poll *p, size_t idx, cs_err err, const char *msg)
{
	struct poll_result res;

	memset(&res, 0, sizeof(res));
	res.key = p->reqs[idx].key;
	res.url = p->reqs[idx].url;
	res.err = err;
	res.message = msg;
	report(p, idx, &res);
}

static int
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void fill(struct poll *p);

/* Whether url's scheme is plain http (libcurl's URL parser says; 0 if it cannot tell). */
static int
url_is_http(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int http = 0;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
		http = strcmp(scheme, "http") == 0;
	curl_free(scheme);
	curl_url_cleanup(u);
	return http;
}

/* Whether the hop that just ended was on https (CURLINFO_SCHEME, "HTTPS"). */
static int
hop_was_https(CURL *h)
{
	char *scheme = NULL;

	return curl_easy_getinfo(h, CURLINFO_SCHEME, &scheme) == CURLE_OK && scheme != NULL &&
	    ascii_caseeq(scheme, "https");
}

/*
 * A hop ended. Either it is a redirect we may follow (the slot starts the
 * next hop and nothing is reported) or the request is over: the result is
 * built, reported, the slot freed and the next request started.
 */
static void
finish(struct poll *p, struct slot *s, CURLcode cc)
{
	const struct poll_request *r = &p->reqs[s->idx];
	struct poll_result res;
	char msg[CS_ERRLEN], etag[POLL_VALIDATOR_MAX + 1], lm[POLL_VALIDATOR_MAX + 1], ra[128];
	char via[CS_ERRLEN];
	long status = 0;
	size_t idx = s->idx;

	curl_multi_remove_handle(p->m, s->h);
	s->busy = 0;
	memset(&res, 0, sizeof(res));
	msg[0] = '\0';
	via[0] = '\0';
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (s->redirects > 0)
		snprintf(via, sizeof(via), " (redirected to %s)", s->url);

	if (s->abort_err != CS_OK) {
		res.err = s->abort_err;
		snprintf(msg, sizeof(msg), "%s", s->abort_msg);
	} else if (cc != CURLE_OK) {
		res.err = cc == CURLE_FILESIZE_EXCEEDED ? CS_ERR_TOOBIG
		    : cc == CURLE_OUT_OF_MEMORY ? CS_ERR_NOMEM : CS_ERR_NET;
		if (cc == CURLE_FILESIZE_EXCEEDED)
			cs_seterr(msg, sizeof(msg), res.err, "%s: body larger than the limit of %zu bytes%s",
			    r->url, p->opt.max_body, via);
		else
			cs_seterr(msg, sizeof(msg), res.err, "%s: %s%s", r->url,
			    s->curl_err[0] != '\0' ? s->curl_err : curl_easy_strerror(cc), via);
	} else if (is_redirect(status)) {
		char *loc = NULL;
		const char *why = NULL;
		int loopback = 0;

		curl_easy_getinfo(s->h, CURLINFO_REDIRECT_URL, &loc);
		if (hop_was_https(s->h))
			s->https_only = 1;
		if (loc != NULL)
			why = poll_url_refusal(loc, &loopback);
		/* An https feed redirected to plain http would be readable and forgeable on the way. */
		if (loc != NULL && why == NULL && s->https_only && url_is_http(loc))
			why = "an https request is never redirected to plain http";
		if (loc == NULL) {
			res.err = cs_seterr(msg, sizeof(msg), CS_ERR_HTTP,
			    "%s: HTTP %ld without a usable Location%s", r->url, status, via);
		} else if (s->redirects >= p->opt.max_redirects) {
			res.err = cs_seterr(msg, sizeof(msg), CS_ERR_NET,
			    "%s: too many redirects (more than %u, last to %s)", r->url,
			    p->opt.max_redirects, loc);
		} else if (why != NULL) {
			res.err = cs_seterr(msg, sizeof(msg), CS_ERR_NET,
			    "%s: redirect to %s refused: %s", r->url, loc, why);
		} else {
			char next[4096];

			/* loc belongs to the handle, which slot_start_hop resets */
			if (strlen(loc) >= sizeof(next)) {
				res.err = cs_seterr(msg, sizeof(msg), CS_ERR_NET,
				    "%s: redirect Location longer than %zu bytes", r->url, sizeof(next) - 1);
			} else {
				snprintf(next, sizeof(next), "%s", loc);
				s->redirects++;
				res.err = slot_start_hop(s, next, loopback);
				if (res.err == CS_OK)
					return;
				snprintf(msg, sizeof(msg), "%s", s->abort_msg);
			}
		}
	} else if (status == 304) {
		res.not_modified = 1;
	} else if (status < 200 || status > 299) {
		res.err = CS_ERR_HTTP;
	}

	if (status != 0) {
		res.etag = get_header(s->h, "ETag", etag, sizeof(etag));
		res.last_modified = get_header(s->h, "Last-Modified", lm, sizeof(lm));
		if (get_header(s->h, "Retry-After", ra, sizeof(ra)) != NULL)
			poll_parse_retry_after(ra, (int64_t)time(NULL), &res.retry_after);
	}
	if (res.err == CS_ERR_HTTP && msg[0] == '\0') {
		if (res.retry_after > 0)
			cs_seterr(msg, sizeof(msg), CS_ERR_HTTP, "%s: HTTP %ld, retry after %lld s%s",
			    r->url, status, (long long)res.retry_after, via);
		else
			cs_seterr(msg, sizeof(msg), CS_ERR_HTTP, "%s: HTTP %ld%s", r->url, status, via);
	}
	res.key = r->key;
	res.url = r->url;
	res.http_status = status;
	res.redirects = s->redirects;
	res.bytes = s->bytes;
	res.elapsed = mono_now() - s->start;
	res.message = msg;
	slot_release(s);
	report(p, idx, &res);
	fill(p);
}

/* Starts request idx in the free slot s, or reports it as failed. */
static void
start_request(struct poll *p, struct slot *s, size_t idx)
{
	const struct poll_request *r = &p->reqs[idx];
	const char *why;
	char msg[CS_ERRLEN];
	int loopback = 0;
	cs_err rc;

	why = r->url != NULL ? poll_url_refusal(r->url, &loopback) : "no URL";
	if (why != NULL) {
		cs_seterr(msg, sizeof(msg), CS_ERR_NET, "%s: refused: %s",
		    r->url != NULL ? r->url : "(null)", why);
		report_early(p, idx, CS_ERR_NET, msg);
		return;
	}
	s->idx = idx;
	s->redirects = 0;
	s->https_only = 0;
	s->bytes = 0;
	s->abort_err = CS_OK;
	s->abort_msg[0] = '\0';
	s->start = mono_now();
	s->hdrs = NULL;
	rc = add_header(&s->hdrs, "Accept", POLL_ACCEPT);
	if (rc == CS_OK && header_value_ok(r->etag))
		rc = add_header(&s->hdrs, "If-None-Match", r->etag);
	if (rc == CS_OK && header_value_ok(r->last_modified))
		rc = add_header(&s->hdrs, "If-Modified-Since", r->last_modified);
	if (rc != CS_OK) {
		curl_slist_free_all(s->hdrs);
		s->hdrs = NULL;
		cs_seterr(msg, sizeof(msg), rc, "%s: cannot build the request headers", r->url);
		report_early(p, idx, rc, msg);
		return;
	}
	p->active++;
	rc = slot_start_hop(s, r->url, loopback);
	if (rc != CS_OK) {
		snprintf(msg, sizeof(msg), "%s", s->abort_msg);
		slot_release(s);
		report_early(p, idx, rc, msg);
	}
}

/* Starts queued requests while there are free slots. */
static void
fill(struct poll *p)
{
	unsigned i = 0;

	while (p->next < p->n && p->active < p->opt.max_parallel) {
		while (i < p->opt.max_parallel && (p->slots[i].busy || p->slots[i].url != NULL))
			i++;
		if (i == p->opt.max_parallel)
			break;
		start_request(p, &p->slots[i], p->next++);
	}
}

struct poll *
poll_new(const struct poll_options *opt)
{
	struct poll *p = NULL;
	struct poll *ret = NULL;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto out;
	if (opt != NULL)
		p->opt = *opt;
	else
		poll_options_default(&p->opt);
	if (p->opt.max_parallel == 0)
		p->opt.max_parallel = 1;
	if (p->opt.user_agent == NULL)
		p->opt.user_agent = POLL_DEFAULT_UA;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto out;
	p->global_ok = 1;
	p->m = curl_multi_init();
	if (p->m == NULL)
		goto out;
	if (curl_multi_setopt(p->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)p->opt.max_parallel) != CURLM_OK ||
	    curl_multi_setopt(p->m, CURLMOPT_MAXCONNECTS, (long)p->opt.max_parallel) != CURLM_OK)
		goto out;
	p->slots = calloc(p->opt.max_parallel, sizeof(*p->slots));
	if (p->slots == NULL)
		goto out;
	for (unsigned i = 0; i < p->opt.max_parallel; i++) {
		p->slots[i].p = p;
		p->slots[i].h = curl_easy_init();
		if (p->slots[i].h == NULL)
			goto out;
	}
	ret = p;
	p = NULL;
out:
	poll_free(p);
	return ret;
}

void
poll_free(struct poll *p)
{
	if (p == NULL)
		return;
	if (p->slots != NULL) {
		for (unsigned i = 0; i < p->opt.max_parallel; i++) {
			struct slot *s = &p->slots[i];

			if (s->busy)
				curl_multi_remove_handle(p->m, s->h);
			if (s->h != NULL)
				curl_easy_cleanup(s->h);
			free(s->url);
			curl_slist_free_all(s->hdrs);
		}
		free(p->slots);
	}
	if (p->m != NULL)
		curl_multi_cleanup(p->m);
	if (p->global_ok)
		curl_global_cleanup();
	free(p);
}

cs_err
poll_run(struct poll *p, const struct poll_request *reqs, size_t n,
    poll_body_fn body, poll_done_fn done, void *ctx, char *err, size_t errlen)
{
	cs_err rc = CS_OK;
	int running = 0, left = 0;
	CURLMsg *msg;
	CURLMcode mc;

	if (p == NULL || (reqs == NULL && n > 0)) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll_run: no poller or no requests");
		goto out;
	}
	p->reqs = reqs;
	p->n = n;
	p->next = 0;
	p->active = 0;
	p->body = body;
	p->done = done;
	p->ctx = ctx;
	fill(p);
	while (p->active > 0) {
		mc = curl_multi_perform(p->m, &running);
		if (mc != CURLM_OK) {
			rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll: curl_multi_perform: %s",
			    curl_multi_strerror(mc));
			goto out;
		}
		for (;;) {
			struct slot *s = NULL;

			msg = curl_multi_info_read(p->m, &left);
			if (msg == NULL)
				break;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			if (s == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll: transfer without its slot");
				goto out;
			}
			finish(p, s, msg->data.result);
		}
		if (p->active == 0)
			break;
		/* A daemon told to stop leaves the fetches: the cycle commits nothing (stopflag.h). */
		if (stop_requested()) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE,
			    "poll: stopped with %zu fetches in progress (nothing committed)", p->active);
			goto out;
		}
		mc = curl_multi_poll(p->m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll: curl_multi_poll: %s",
			    curl_multi_strerror(mc));
			goto out;
		}
	}
out:
	if (p != NULL && p->slots != NULL) {
		for (unsigned i = 0; i < p->opt.max_parallel; i++)
			if (p->slots[i].busy || p->slots[i].url != NULL)
				slot_release(&p->slots[i]);
		p->active = 0;
		p->reqs = NULL;
	}
	return rc;
}
