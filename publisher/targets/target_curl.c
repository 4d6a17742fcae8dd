/* target_curl.c: what every target transfer sets on its libcurl handle (target_priv.h). */
#include <string.h>

#include "targets/target_priv.h"

/* A transfer that takes longer than this is dropped, however it trickles. */
#define TARGET_FILE_TIMEOUT 600L

static size_t
keep_reply(char *data, size_t size, size_t n, void *arg)
{
	struct target_reply *r = arg;
	size_t len = size * n, room = TARGET_MAX_REPLY - r->len;

	/* only the start of an error document is kept; the rest is read and dropped */
	if (len < room)
		room = len;
	memcpy(r->buf + r->len, data, room);
	r->len += room;
	r->buf[r->len] = '\0';
	return len;
}

static size_t
drop_reply(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static int
check_abort(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load((const atomic_int *)arg) ? 1 : 0;
}

static size_t
read_body(char *buf, size_t size, size_t n, void *arg)
{
	struct target_body *b = arg;
	size_t len = b->len - b->off;

	if (len > size * n)
		len = size * n;
	memcpy(buf, b->data + b->off, len);
	b->off += len;
	return len;
}

static int
seek_body(void *arg, curl_off_t offset, int origin)
{
	struct target_body *b = arg;

	if (origin != SEEK_SET || offset < 0 || (size_t)offset > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	b->off = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

void
target_curl_reset(CURL *h, const struct config_target *t, const atomic_int *abort, char *ebuf,
    struct target_reply *reply)
{
	curl_easy_reset(h);
	ebuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)t->timeout_connect);
	/* a server that accepts and then says nothing: no byte for timeout_stall seconds */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)t->timeout_stall);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, TARGET_FILE_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_abort);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)abort);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,sftp");
	if (reply != NULL) {
		reply->len = 0;
		reply->buf[0] = '\0';
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_reply);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	} else {
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, drop_reply);
	}
}

void
target_curl_upload(CURL *h, struct target_body *body)
{
	body->off = 0;
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(h, CURLOPT_READDATA, body);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_body);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, body);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->len);
}

cs_err
target_curl_fail(CURLcode c, const char *ebuf, const char *what, char *err, size_t errlen)
{
	if (c == CURLE_ABORTED_BY_CALLBACK)
		return cs_seterr(err, errlen, CS_ERR_STATE, "%s: stopped", what);
	return cs_seterr(err, errlen, CS_ERR_NET, "%s: %s", what,
	    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(c));
}
