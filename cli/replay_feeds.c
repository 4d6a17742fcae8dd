/* replay_feeds.c: recorded feeds served as of a replay's simulated time (daemon.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <microhttpd.h>

#include "daemon.h"
#include "aws/feed_cut.h"
#include "base/hash.h"

/* A recording larger than this is not a feed AWS would serve. */
#define FEED_FILE_MAX (64u * 1024 * 1024)

/* What a quiet service's feed says: a channel without items. */
static const char quiet_feed[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\"><channel><title>AWS Service Status</title>"
    "<link>https://status.aws.amazon.com/</link><ttl>5</ttl></channel></rss>\n";

struct recording {
	char  *name;       /* "connect-us-east-1.rss", or "currentevents" */
	char  *data;
	size_t len;
};

struct feedsrv {
	struct MHD_Daemon *d;
	struct recording  *rec;
	size_t             nrec;
	pthread_mutex_t    mu;
	int64_t            now;
};

static cs_err
read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	*out = NULL;
	*len = 0;
	if (fp == NULL)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(errno));
	do {
		if (n == cap) {
			char *nb;

			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > FEED_FILE_MAX + 1 || (nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				return cs_seterr(err, errlen, cap > FEED_FILE_MAX + 1 ? CS_ERR_TOOBIG :
				    CS_ERR_NOMEM, "%s: too large or out of memory", path);
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	if (ferror(fp)) {
		free(buf);
		fclose(fp);
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: read error", path);
	}
	fclose(fp);
	*out = buf;
	*len = n;
	return CS_OK;
}

static const struct recording *
find(const struct feedsrv *f, const char *name)
{
	for (size_t i = 0; i < f->nrec; i++)
		if (strcmp(f->rec[i].name, name) == 0)
			return &f->rec[i];
	return NULL;
}

/* A feed's name in a URL path: "/<slug>.rss" with the catalogue's characters only. */
static int
feed_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 5 || n > 128 || strcmp(s + n - 4, ".rss") != 0)
		return 0;
	for (size_t i = 0; i + 4 < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.'))
			return 0;
	return 1;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, char *body, size_t len, int owned,
    const char *type, const char *etag)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE :
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	if (type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (etag != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **req)
{
	struct feedsrv *f = cls;
	const struct recording *rec;
	const char *inm, *name = url + 1;
	char etag[40], err[CS_ERRLEN], *body = NULL;
	size_t len = 0, kept = 0;
	int64_t now;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	if (strcmp(method, "GET") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, (char *)"", 0, 0, NULL, NULL);
	pthread_mutex_lock(&f->mu);
	now = f->now;
	pthread_mutex_unlock(&f->mu);
	if (url[0] != '/' || strchr(name, '/') != NULL)
		return reply(c, MHD_HTTP_NOT_FOUND, (char *)"", 0, 0, NULL, NULL);
	rec = find(f, name);
	if (strcmp(name, "currentevents") == 0) {
		if (rec == NULL)
			return reply(c, MHD_HTTP_OK, (char *)"[]", 2, 0, "application/json", NULL);
		return reply(c, MHD_HTTP_OK, rec->data, rec->len, 0, "application/json", NULL);
	}
	if (!feed_name_ok(name))
		return reply(c, MHD_HTTP_NOT_FOUND, (char *)"", 0, 0, NULL, NULL);
	if (rec == NULL) {
		body = (char *)quiet_feed;
		len = sizeof(quiet_feed) - 1;
	} else if (feed_cut(rec->name, rec->data, rec->len, now, &body, &len, &kept, err,
	    sizeof(err)) != CS_OK) {
		/* Checked at start: a cut failing now is memory; the daemon retries. */
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, (char *)"", 0, 0, NULL, NULL);
	}
	snprintf(etag, sizeof(etag), "\"%016" PRIx64 "\"", hash_fnv1a64(HASH_FNV1A64_BASIS, body, len));
	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && strcmp(inm, etag) == 0) {
		if (rec != NULL)
			free(body);
		return reply(c, MHD_HTTP_NOT_MODIFIED, (char *)"", 0, 0, NULL, etag);
	}
	return reply(c, MHD_HTTP_OK, body, len, rec != NULL, "application/rss+xml", etag);
}

static void
free_recordings(struct feedsrv *f)
{
	for (size_t i = 0; i < f->nrec; i++) {
		free(f->rec[i].name);
		free(f->rec[i].data);
	}
	free(f->rec);
	f->rec = NULL;
	f->nrec = 0;
}

/* Reads every recording of dir; checks each feed reads as one (its span kept). */
static cs_err
load(struct feedsrv *f, const char *dir, int64_t **times, size_t *ntimes, char *err,
    size_t errlen)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	cs_err rc = CS_OK;

	if (dp == NULL)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", dir, strerror(errno));
	while (rc == CS_OK && (de = readdir(dp)) != NULL) {
		struct recording r;
		char path[4096];

		if (strcmp(de->d_name, "currentevents") != 0 && !feed_name_ok(de->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) {
			rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: path too long", dir);
			break;
		}
		memset(&r, 0, sizeof(r));
		rc = read_file(path, &r.data, &r.len, err, errlen);
		if (rc == CS_OK && strcmp(de->d_name, "currentevents") != 0)
			rc = feed_item_times(path, r.data, r.len, times, ntimes, err, errlen);
		if (rc == CS_OK) {
			struct recording *nr = realloc(f->rec, (f->nrec + 1) * sizeof(*nr));

			r.name = strdup(de->d_name);
			if (nr == NULL || r.name == NULL) {
				if (nr != NULL)
					f->rec = nr;
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
			} else {
				f->rec = nr;
				f->rec[f->nrec++] = r;
				continue;
			}
		}
		free(r.name);
		free(r.data);
	}
	closedir(dp);
	return rc;
}

cs_err
feedsrv_start(const char *dir, struct feedsrv **out, char *url, size_t urllen, int64_t **times,
    size_t *ntimes, size_t *nfeeds, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	struct feedsrv *f;
	cs_err rc;

	*out = NULL;
	*times = NULL;
	*ntimes = 0;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&f->mu, NULL);
	rc = load(f, dir, times, ntimes, err, errlen);
	if (rc == CS_OK && (f->nrec == 0 || (f->nrec == 1 && find(f, "currentevents") != NULL)))
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: no recorded feed (<slug>.rss) in it", dir);
	if (rc != CS_OK)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    on_request, f, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (f->d == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NET, "replay: cannot listen on 127.0.0.1");
		goto fail;
	}
	info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(url, urllen, "http://127.0.0.1:%u/", info != NULL ? (unsigned)info->port : 0u);
	if (nfeeds != NULL)
		*nfeeds = f->nrec - (find(f, "currentevents") != NULL);
	*out = f;
	return CS_OK;
fail:
	free(*times);
	*times = NULL;
	*ntimes = 0;
	free_recordings(f);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return rc;
}

void
feedsrv_set_time(struct feedsrv *f, int64_t now)
{
	pthread_mutex_lock(&f->mu);
	f->now = now;
	pthread_mutex_unlock(&f->mu);
}

void
feedsrv_free(struct feedsrv *f)
{
	if (f == NULL)
		return;
	MHD_stop_daemon(f->d);
	free_recordings(f);
	pthread_mutex_destroy(&f->mu);
	free(f);
}
