/* target_sftp.c: a publish target on an SSH server: libcurl's SFTP, key authentication, known host key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/strbuf.h"
#include "targets/target_priv.h"

/*
 * Each file is written under a temporary name next to its place
 * (".NAME.clickstatus-tmp") and renamed over it by the commands libcurl runs
 * after the upload (CURLOPT_POSTQUOTE), so a reader of the directory sees
 * the old file or the whole new one, never a part. OpenSSH's sftp-server
 * speaks SFTP version 3, whose rename refuses an existing target, and
 * libssh2 1.10 has no posix-rename@openssh.com: so the old file is removed
 * first ("*rm": gone already is fine). Between the two commands, a few
 * milliseconds on one session, the path is missing; it is never half a
 * file. The host key must be in known_hosts_file: anything else (missing,
 * changed) is refused before a byte is sent.
 */
struct sftp {
	const struct config_target *t;
	const atomic_int *abort;
	CURL *h;
	char *base;                   /* the URL without a trailing '/' */
	char *dir;                    /* its path, decoded: the server's name for it */
	char *hostport;               /* for messages */
	int   keymatch;               /* CURLKHMATCH_* of the last host key check, -1: none */
	char  ebuf[CURL_ERROR_SIZE];
};

static void
sftp_close(void *conn)
{
	struct sftp *s = conn;

	if (s == NULL)
		return;
	curl_easy_cleanup(s->h);
	free(s->base);
	free(s->dir);
	free(s->hostport);
	free(s);
}

static cs_err
sftp_open(const struct config_target *t, const atomic_int *abort, void **conn, char *err,
    size_t errlen)
{
	struct sftp *s = calloc(1, sizeof(*s));
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *path = NULL;
	cs_err rc = CS_OK;
	size_t n;

	*conn = NULL;
	if (s == NULL || u == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	s->t = t;
	s->abort = abort;
	s->keymatch = -1;
	s->h = curl_easy_init();
	if (s->h == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, t->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "url \"%s\": not a URL", t->url);
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	n = strlen(t->url);
	while (n > 0 && t->url[n - 1] == '/')
		n--;
	s->base = strndup(t->url, n);
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	s->dir = strndup(path, n);
	s->hostport = malloc(strlen(host) + (port != NULL ? strlen(port) : 0) + 2);
	if (s->base == NULL || s->dir == NULL || s->hostport == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	snprintf(s->hostport, strlen(host) + (port != NULL ? strlen(port) : 0) + 2, "%s%s%s", host,
	    port != NULL ? ":" : "", port != NULL ? port : "");
	if (strchr(s->dir, '"') != NULL || strchr(s->dir, '\n') != NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_CONFIG, "url \"%s\": the path may not hold '\"'",
		    t->url);
		goto out;
	}
	*conn = s;
	s = NULL;
out:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	sftp_close(s);
	return rc;
}

/* Accepts only a host key known_hosts_file holds for this host; remembers why otherwise. */
static int
check_host_key(CURL *h, const struct curl_khkey *known, const struct curl_khkey *found,
    enum curl_khmatch match, void *arg)
{
	struct sftp *s = arg;

	(void)h;
	(void)known;
	(void)found;
	s->keymatch = (int)match;
	return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

/* What every SFTP request of s sets. */
static void
sftp_setup(struct sftp *s)
{
	const struct config_target *t = s->t;

	target_curl_reset(s->h, t, s->abort, s->ebuf, NULL);
	curl_easy_setopt(s->h, CURLOPT_USERNAME, t->username);
	curl_easy_setopt(s->h, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
	curl_easy_setopt(s->h, CURLOPT_SSH_PRIVATE_KEYFILE, t->private_key_file);
	/* "": libssh2 derives the public key from the private one */
	curl_easy_setopt(s->h, CURLOPT_SSH_PUBLIC_KEYFILE,
	    t->public_key_file != NULL ? t->public_key_file : "");
	curl_easy_setopt(s->h, CURLOPT_SSH_KNOWNHOSTS, t->known_hosts_file);
	curl_easy_setopt(s->h, CURLOPT_SSH_KEYFUNCTION, check_host_key);
	curl_easy_setopt(s->h, CURLOPT_SSH_KEYDATA, s);
	curl_easy_setopt(s->h, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR_RETRY);
}

static cs_err
sftp_perform(struct sftp *s, const char *what, char *err, size_t errlen)
{
	CURLcode c;

	s->keymatch = -1;
	c = curl_easy_perform(s->h);
	if (c == CURLE_OK)
		return CS_OK;
	if (c == CURLE_PEER_FAILED_VERIFICATION && s->keymatch == CURLKHMATCH_MISSING)
		return cs_seterr(err, errlen, CS_ERR_NET, "%s: the host key of %s is not in %s: "
		    "refused (add it after checking its fingerprint)", what, s->hostport,
		    s->t->known_hosts_file);
	if (c == CURLE_PEER_FAILED_VERIFICATION && s->keymatch == CURLKHMATCH_MISMATCH)
		return cs_seterr(err, errlen, CS_ERR_NET, "%s: the host key of %s does NOT match the "
		    "one in %s: refused (a changed host, or someone in between)", what,
		    s->hostport, s->t->known_hosts_file);
	if (c == CURLE_LOGIN_DENIED)
		return cs_seterr(err, errlen, CS_ERR_NET, "%s: %s refused the key %s for user %s",
		    what, s->hostport, s->t->private_key_file, s->t->username);
	return target_curl_fail(c, s->ebuf, what, err, errlen);
}

/* The URL of path under the base, each segment escaped by libcurl; owned, NULL: no memory. */
static char *
file_url(struct sftp *s, const char *dir, const char *name)
{
	struct strbuf b = { 0 };
	const char *seg;
	size_t n;

	strbuf_printf(&b, "%s/", s->base);
	for (seg = dir; *seg != '\0'; seg += n + (seg[n] == '/')) {
		char *e;

		n = strcspn(seg, "/");
		e = curl_easy_escape(s->h, seg, (int)n);
		if (e == NULL)
			b.oom = 1;
		else
			strbuf_printf(&b, "%s/", e);
		curl_free(e);
	}
	if (name != NULL) {
		char *e = curl_easy_escape(s->h, name, 0);

		if (e == NULL)
			b.oom = 1;
		else
			strbuf_printf(&b, "%s", e);
		curl_free(e);
	}
	return strbuf_take(&b);
}

static cs_err
sftp_put(void *conn, const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	struct sftp *s = conn;
	struct target_body body = { data, len, 0 };
	struct curl_slist *cmds = NULL, *nc;
	char dir[4096], tmpname[512], label[4200];
	char *url = NULL, *rm = NULL, *mv = NULL;
	const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
	struct strbuf b = { 0 };
	cs_err rc = CS_OK;

	snprintf(label, sizeof(label), "upload %s", path);
	if (strchr(path, '"') != NULL || (size_t)(base - path) >= sizeof(dir) ||
	    strlen(base) + 32 >= sizeof(tmpname))
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not a name to upload", label);
	memcpy(dir, path, (size_t)(base - path));
	dir[base - path] = '\0';
	snprintf(tmpname, sizeof(tmpname), ".%s.clickstatus-tmp", base);
	url = file_url(s, dir, tmpname);
	strbuf_printf(&b, "*rm \"%s/%s\"", s->dir, path);
	rm = strbuf_take(&b);
	strbuf_printf(&b, "rename \"%s/%s%s\" \"%s/%s\"", s->dir, dir, tmpname, s->dir, path);
	mv = strbuf_take(&b);
	if (url == NULL || rm == NULL || mv == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	nc = curl_slist_append(cmds, rm);
	if (nc != NULL)
		cmds = nc;
	nc = nc != NULL ? curl_slist_append(cmds, mv) : NULL;
	if (nc == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	sftp_setup(s);
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_POSTQUOTE, cmds);
	curl_easy_setopt(s->h, CURLOPT_NEW_FILE_PERMS, 0644L);
	target_curl_upload(s->h, &body);
	rc = sftp_perform(s, label, err, errlen);
out:
	curl_slist_free_all(cmds);
	free(url);
	free(rm);
	free(mv);
	return rc;
}

static cs_err
sftp_del(void *conn, const char *path, char *err, size_t errlen)
{
	struct sftp *s = conn;
	struct curl_slist *cmds = NULL;
	struct strbuf b = { 0 };
	char label[4200];
	char *url = file_url(s, "", NULL), *rm;
	cs_err rc;

	snprintf(label, sizeof(label), "remove %s", path);
	if (strchr(path, '"') != NULL) {
		free(url);
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not a name to remove", label);
	}
	/* gone already is what we want: "*" lets the command fail */
	strbuf_printf(&b, "*rm \"%s/%s\"", s->dir, path);
	rm = strbuf_take(&b);
	if (url != NULL && rm != NULL)
		cmds = curl_slist_append(NULL, rm);
	if (cmds == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	sftp_setup(s);
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(s->h, CURLOPT_QUOTE, cmds);
	rc = sftp_perform(s, label, err, errlen);
out:
	curl_slist_free_all(cmds);
	free(url);
	free(rm);
	return rc;
}

const struct target_backend target_backend_sftp = { sftp_open, sftp_put, sftp_del, sftp_close };
