/* serve_priv.h: PRIVATE to serve.c, serve_req.c and serve_routes.c: the server's state and one request's. */
#ifndef SERVE_PRIV_H
#define SERVE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "base/cstime.h"
#include "http/ratelimit.h"
#include "http/serve.h"
#include "http/serve_form.h"
#include "http/serve_pages.h"
#include "http/subflow.h"

/* One open connection, for the whole-request deadline (serve.c). */
struct serve_conn {
	struct serve_conn *prev, *next;
	int     fd;
	int64_t since_ms;    /* monotonic: the connection opened or its last request ended */
	int     cut;         /* shut down already */
};

struct serve {
	const struct serve_opts *o;
	struct store *st;
	struct subflow flow;
	struct serve_pages *pages;
	struct ratelimit *rl;
	struct MHD_Daemon *d;
	char base[512];              /* the path of subscribe_url: "/subscriptions", or "" */
	struct serve_conn *conns;    /* every open connection */
};

enum serve_method { SM_GET, SM_HEAD, SM_POST };

/* One request, from its headers to its response. */
struct serve_req {
	enum serve_method method;
	const char *route;           /* the URL path after base: "/subscribe" */
	size_t body;                 /* bytes of body seen */
	struct MHD_PostProcessor *pp;
	struct serve_form form;      /* the known fields of the body (serve_form.h) */
	int bad_form;                /* the post processor refused the body, or the form did */
	char client[RATELIMIT_KEY_MAX];  /* the client's address (serve.h's trust rule) */
};

/* Logs one line through the options' log function. */
void serve_say(struct serve *s, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The time requests are judged at: the clock plus the options' offset. */
int64_t serve_now(const struct serve *s);

/*
 * Queues page v with HTTP status (and Retry-After when retry_after > 0)
 * and the headers every page has. Returns MHD's verdict.
 */
enum MHD_Result serve_respond(struct serve *s, struct MHD_Connection *c, unsigned status,
    const struct serve_view *v, int64_t retry_after);


/*
 * MHD's access handler and completion callback (serve_req.c): a request is
 * refused from its headers when it can be (method, path, size, encoding),
 * else its form is read through MHD's post processor and serve_route
 * answers it; completion frees it and starts the connection's next
 * request deadline.
 */
enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls);
void serve_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe);

/* Answers request r to route r->route once its body is in (serve_routes.c). */
enum MHD_Result serve_route(struct serve *s, struct MHD_Connection *c, struct serve_req *r);

/* Nonzero when route is one serve_route knows. */
int serve_route_known(const char *route);

#endif
