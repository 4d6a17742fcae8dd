/* serve_req.c: one request of `clickstatus serve`: refused early or read (form fields), answered with a page. */
#include "http/serve_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/ascii.h"

/* The headers of every page: no caching (tokens), no sniffing, no referrer (tokens), the CSP. */
static void
page_headers(struct serve *s, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", serve_pages_csp(s->pages));
}

enum MHD_Result
serve_respond(struct serve *s, struct MHD_Connection *c, unsigned status,
    const struct serve_view *v, int64_t retry_after)
{
	static const char fallback[] = "<!DOCTYPE html><title>Error</title>"
	    "<p>Something went wrong on our side. Please try again later.</p>\n";
	struct MHD_Response *resp = NULL;
	char err[CS_ERRLEN], num[32];
	char *html = NULL;
	size_t len = 0;
	enum MHD_Result ret;

	err[0] = '\0';
	if (serve_pages_render(s->pages, v, &html, &len, err, sizeof(err)) != CS_OK) {
		serve_say(s, "error", "%s", err);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		retry_after = 0;
		resp = MHD_create_response_from_buffer(sizeof(fallback) - 1, (void *)fallback,
		    MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(len, html, MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			html = NULL;   /* MHD frees it */
	}
	free(html);
	if (resp == NULL)
		return MHD_NO;
	page_headers(s, resp);
	if (retry_after > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

_Static_assert(SERVE_FORM_VALUE_MAX == SERVE_BODY_MAX, "a value is bounded by the body");

/* MHD's post processor's field callback: each piece goes to the form (serve_form.c). */
static enum MHD_Result
on_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
    size_t size)
{
	struct serve_req *r = cls;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (serve_form_piece(&r->form, key, data, off, size) != 0) {
		r->bad_form = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static void
req_free(struct serve_req *r)
{
	if (r == NULL)
		return;
	if (r->pp != NULL)
		MHD_destroy_post_processor(r->pp);
	serve_form_clear(&r->form);
	free(r);
}

/* Nonzero for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* Copies text (n bytes, trimmed of blanks) into buf when it is an IPv4 or IPv6 address. */
static int
take_ip(const char *text, size_t n, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[sizeof(struct in6_addr)];

	while (n > 0 && ascii_isblank(*text)) {
		text++;
		n--;
	}
	while (n > 0 && ascii_isblank(text[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, text, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) != 1 && inet_pton(AF_INET6, tmp, bin) != 1)
		return 0;
	snprintf(buf, len, "%s", tmp);
	return 1;
}

/*
 * The client's address as serve.h's trust rule says: the peer, or for a
 * loopback peer (the proxy) the last X-Forwarded-For entry, else X-Real-IP.
 * Anything that is not an address is ignored (the peer is used).
 */
static void
client_of(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	const char *xff, *last;

	snprintf(buf, len, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		    (socklen_t)len);
	if (!is_loopback(sa))
		return;
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff != NULL) {
		last = strrchr(xff, ',');
		last = last != NULL ? last + 1 : xff;
		if (take_ip(last, strlen(last), buf, len))
			return;
	}
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
	if (xff != NULL)
		take_ip(xff, strlen(xff), buf, len);
}

/* Reads a Content-Length; 0 when it is not a plain number (MHD refuses those itself). */
static uint64_t
content_length(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n = 0;

	for (; v != NULL && ascii_isdigit(*v); v++) {
		if (n > UINT64_MAX / 20)
			return UINT64_MAX;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	return n;
}

static enum MHD_Result
refuse(struct serve *s, struct MHD_Connection *c, unsigned status, const char *view)
{
	struct serve_view v;

	memset(&v, 0, sizeof(v));
	v.view = view;
	return serve_respond(s, c, status, &v, 0);
}

/*
 * The first call for a request (headers in, no body yet): everything that
 * can be refused without reading the body is refused here, so a 10 MB
 * upload or a PUT is answered at once and MHD closes the connection
 * without reading on.
 */
static enum MHD_Result
on_headers(struct serve *s, struct MHD_Connection *c, const char *url, const char *method,
    void **con_cls)
{
	struct serve_req *r;
	size_t blen = strlen(s->base);
	uint64_t clen = content_length(c);
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MHD_NO;
	*con_cls = r;
	client_of(c, r->client, sizeof(r->client));
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
		r->method = SM_GET;
	else if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		r->method = SM_HEAD;
	else if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
		r->method = SM_POST;
	else {
		serve_say(s, "info", "405: method not allowed");
		return refuse(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method");
	}
	if (strncmp(url, s->base, blen) == 0 && serve_route_known(url + blen))
		r->route = url + blen;
	else
		return refuse(s, c, MHD_HTTP_NOT_FOUND, "not-found");
	if (clen > SERVE_BODY_MAX) {
		serve_say(s, "info", "413: a body of %llu bytes (at most %d)",
		    (unsigned long long)clen, SERVE_BODY_MAX);
		return refuse(s, c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large");
	}
	if (r->method == SM_POST && (clen > 0 || te != NULL)) {
		/* urlencoded or multipart (RFC 8058 one-click senders use either); NULL for others */
		r->pp = MHD_create_post_processor(c, 1024, on_field, r);
		if (r->pp == NULL) {
			serve_say(s, "info", "415: a form in another encoding");
			return refuse(s, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "media-type");
		}
	}
	return MHD_YES;
}

enum MHD_Result
serve_on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct serve *s = cls;
	struct serve_req *r = *con_cls;

	(void)version;
	if (r == NULL)
		return on_headers(s, c, url, method, con_cls);
	if (*upload_data_size > 0) {
		r->body += *upload_data_size;
		if (r->body > SERVE_BODY_MAX) {
			/* a chunked body past the limit: too late for a 413, close */
			serve_say(s, "info", "413: a chunked body past %d bytes: connection closed",
			    SERVE_BODY_MAX);
			return MHD_NO;
		}
		if (r->pp != NULL && !r->bad_form &&
		    MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES)
			r->bad_form = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->pp != NULL) {
		/* the last urlencoded field is handed over only now */
		if (MHD_destroy_post_processor(r->pp) != MHD_YES)
			r->bad_form = 1;
		r->pp = NULL;
	}
	return serve_route(s, c, r);
}

void
serve_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct serve_conn *sc = ci != NULL ? ci->socket_context : NULL;

	(void)cls;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
	/* the next request on a kept-alive connection gets its own deadline */
	if (sc != NULL)
		sc->since_ms = cstime_mono_ms();
}

