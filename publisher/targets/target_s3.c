/* target_s3.c: a publish target on S3 or an S3-compatible server: PUT and DELETE signed by libcurl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/secret.h"
#include "base/strbuf.h"
#include "targets/target_plan.h"
#include "targets/target_priv.h"

/*
 * Each file is one PUT Object, each removal one DELETE Object, signed with
 * AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4). The body's SHA-256 goes
 * into x-amz-content-sha256 and so into the signature: S3 refuses a body
 * that arrived other than it was sent, instead of storing a cut page.
 */
struct s3 {
	const struct config_target *t;
	const atomic_int *abort;
	CURL *h;
	char *secret;
	char *base;                   /* "https://host/bucket/" or "https://bucket.host/" */
	char sigv4[128];              /* "aws:amz:eu-west-1:s3" */
	char ebuf[CURL_ERROR_SIZE];
	struct target_reply reply;
};

static void
s3_close(void *conn)
{
	struct s3 *s = conn;

	if (s == NULL)
		return;
	curl_easy_cleanup(s->h);
	if (s->secret != NULL)
		memset(s->secret, 0, strlen(s->secret));
	free(s->secret);
	free(s->base);
	free(s);
}

/* The bucket's base URL, from the endpoint through libcurl's URL parser. */
static cs_err
make_base(struct s3 *s, char *err, size_t errlen)
{
	const struct config_target *t = s->t;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	char *bucket = NULL;
	cs_err rc = CS_OK;
	size_t n;

	if (u == NULL)
		return CS_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, t->endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "endpoint \"%s\": not a URL", t->endpoint);
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	bucket = curl_easy_escape(s->h, t->bucket, 0);
	if (bucket == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	n = strlen(scheme) + strlen(host) + (port != NULL ? strlen(port) : 0) + strlen(bucket) + 8;
	s->base = malloc(n);
	if (s->base == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	if (t->path_style)
		snprintf(s->base, n, "%s://%s%s%s/%s/", scheme, host, port != NULL ? ":" : "",
		    port != NULL ? port : "", bucket);
	else
		snprintf(s->base, n, "%s://%s.%s%s%s/", scheme, bucket, host,
		    port != NULL ? ":" : "", port != NULL ? port : "");
out:
	curl_free(bucket);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static cs_err
s3_open(const struct config_target *t, const atomic_int *abort, void **conn, char *err,
    size_t errlen)
{
	struct s3 *s = calloc(1, sizeof(*s));
	cs_err rc;

	*conn = NULL;
	if (s == NULL)
		return CS_ERR_NOMEM;
	s->t = t;
	s->abort = abort;
	s->h = curl_easy_init();
	if (s->h == NULL) {
		rc = CS_ERR_NOMEM;
		goto fail;
	}
	rc = secret_read("secret_access_key_file", t->secret_access_key_file, &s->secret, err,
	    errlen);
	if (rc != CS_OK)
		goto fail;
	rc = make_base(s, err, errlen);
	if (rc != CS_OK)
		goto fail;
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", t->region);
	*conn = s;
	return CS_OK;
fail:
	s3_close(s);
	return rc;
}

/* The object URL of path (owned, NULL: no memory): base, prefix, each segment escaped by libcurl. */
static char *
object_url(struct s3 *s, const char *path)
{
	struct strbuf url = { 0 };
	char key[4096];
	const char *seg;
	size_t n;

	if ((size_t)snprintf(key, sizeof(key), "%s%s", s->t->prefix, path) >= sizeof(key))
		return NULL;
	strbuf_printf(&url, "%s", s->base);
	for (seg = key; *seg != '\0'; seg += n + (seg[n] == '/')) {
		char *e;

		n = strcspn(seg, "/");
		e = curl_easy_escape(s->h, seg, (int)n);
		if (e == NULL)
			url.oom = 1;
		else
			strbuf_printf(&url, "%s%s", e, seg[n] == '/' ? "/" : "");
		curl_free(e);
	}
	return strbuf_take(&url);
}

/* "SignatureDoesNotMatch: The request signature ..." from an S3 error document, into buf. */
static void
s3_error_text(const struct target_reply *r, char *buf, size_t len)
{
	xmlDoc *doc;
	xmlNode *root, *n;
	xmlChar *code = NULL, *msg = NULL;

	buf[0] = '\0';
	if (r->len == 0)
		return;
	doc = xmlReadMemory(r->buf, (int)r->len, "reply.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return;
	root = xmlDocGetRootElement(doc);
	for (n = root != NULL ? root->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (code == NULL && xmlStrcmp(n->name, BAD_CAST "Code") == 0)
			code = xmlNodeGetContent(n);
		else if (msg == NULL && xmlStrcmp(n->name, BAD_CAST "Message") == 0)
			msg = xmlNodeGetContent(n);
	}
	if (code != NULL)
		snprintf(buf, len, " %s%s%s", (const char *)code, msg != NULL ? ": " : "",
		    msg != NULL ? (const char *)msg : "");
	xmlFree(code);
	xmlFree(msg);
	xmlFreeDoc(doc);
}

/* Sends the request set up on s->h; CS_OK for a 2xx (and for ok404 a 404). */
static cs_err
s3_perform(struct s3 *s, const char *what, const char *path, int ok404, char *err, size_t errlen)
{
	char label[4200], detail[512];
	CURLcode c;
	long code = 0;

	snprintf(label, sizeof(label), "%s %s", what, path);
	curl_easy_setopt(s->h, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(s->h, CURLOPT_USERNAME, s->t->access_key_id);
	curl_easy_setopt(s->h, CURLOPT_PASSWORD, s->secret);
	c = curl_easy_perform(s->h);
	if (c != CURLE_OK)
		return target_curl_fail(c, s->ebuf, label, err, errlen);
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
	if ((code >= 200 && code < 300) || (ok404 && code == 404))
		return CS_OK;
	s3_error_text(&s->reply, detail, sizeof(detail));
	return cs_seterr(err, errlen, CS_ERR_HTTP, "%s: HTTP %ld%s", label, code, detail);
}

static cs_err
s3_put(void *conn, const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	struct s3 *s = conn;
	char *url = NULL;
	struct curl_slist *hdr = NULL, *nh;
	struct target_body body = { data, len, 0 };
	char line[256];
	gchar *sha = NULL;
	cs_err rc;

	url = object_url(s, path);
	if (url == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	if (sha == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	{
		const char *h[3];
		char ct[128], cc[128], xs[128];

		snprintf(ct, sizeof(ct), "Content-Type: %s", target_plan_content_type(path));
		snprintf(cc, sizeof(cc), "Cache-Control: %s", target_plan_cache_control(path));
		snprintf(xs, sizeof(xs), "x-amz-content-sha256: %s", sha);
		h[0] = ct;
		h[1] = cc;
		h[2] = xs;
		/*
		 * No "Expect:" to drop curl's 100-continue (only asked past 1 MiB):
		 * libcurl 7.88 signs the emptied header as if it were sent, and S3
		 * then refuses the signature.
		 */
		for (size_t i = 0; i < 3; i++) {
			snprintf(line, sizeof(line), "%s", h[i]);
			nh = curl_slist_append(hdr, line);
			if (nh == NULL) {
				rc = CS_ERR_NOMEM;
				goto out;
			}
			hdr = nh;
		}
	}
	target_curl_reset(s->h, s->t, s->abort, s->ebuf, &s->reply);
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdr);
	target_curl_upload(s->h, &body);
	rc = s3_perform(s, "PUT", path, 0, err, errlen);
out:
	g_free(sha);
	curl_slist_free_all(hdr);
	free(url);
	return rc;
}

static cs_err
s3_del(void *conn, const char *path, char *err, size_t errlen)
{
	/* the SHA-256 of no body: S3 wants the header on every signed request */
	static const char empty[] = "x-amz-content-sha256: "
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	struct s3 *s = conn;
	struct curl_slist *hdr = NULL;
	char *url = object_url(s, path);
	cs_err rc;

	if (url != NULL)
		hdr = curl_slist_append(NULL, empty);
	if (hdr == NULL) {
		free(url);
		return CS_ERR_NOMEM;
	}
	target_curl_reset(s->h, s->t, s->abort, s->ebuf, &s->reply);
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, "DELETE");
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdr);
	rc = s3_perform(s, "DELETE", path, 1, err, errlen);
	curl_slist_free_all(hdr);
	free(url);
	return rc;
}

const struct target_backend target_backend_s3 = { s3_open, s3_put, s3_del, s3_close };
