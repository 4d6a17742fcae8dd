/* target_priv.h: PRIVATE to publisher/targets: the backends' table and what they share. */
#ifndef TARGET_PRIV_H
#define TARGET_PRIV_H

#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

#include "base/cs_error.h"
#include "cycle/cycle.h"
#include "model/config.h"
#include "store/store.h"
#include "targets/targets.h"

/*
 * A backend moves files to one kind of target over one libcurl easy handle
 * kept for the whole pass (so HTTP keep-alive or the SSH session carries
 * every file). put() makes path hold exactly data, all at once for a
 * reader (an S3 PUT is atomic; SFTP writes a temporary name and renames);
 * del() removes path, and is fine when it is already gone. Messages name
 * the file, never the target: the caller prefixes the target's name.
 */
struct target_backend {
	cs_err (*open)(const struct config_target *t, const atomic_int *abort, void **conn,
	    char *err, size_t errlen);
	cs_err (*put)(void *conn, const char *path, const void *data, size_t len, char *err,
	    size_t errlen);
	cs_err (*del)(void *conn, const char *path, char *err, size_t errlen);
	void (*close)(void *conn);
};

extern const struct target_backend target_backend_s3;
extern const struct target_backend target_backend_sftp;

/* Largest file a pass uploads, in bytes. */
#define TARGET_MAX_FILE (64 * 1024 * 1024)

/* A response body kept for the error message, at most TARGET_MAX_REPLY bytes. */
#define TARGET_MAX_REPLY (64 * 1024)
struct target_reply {
	char   buf[TARGET_MAX_REPLY + 1];
	size_t len;
};

/* Upload source for CURLOPT_READFUNCTION. */
struct target_body {
	const char *data;
	size_t len, off;
};

/*
 * Resets h and sets what every transfer of target t has: the connect and
 * stall timeouts, no signals, the abort flag checked by the progress
 * callback (a parked daemon stops a transfer within a second), the error
 * buffer ebuf (CURL_ERROR_SIZE), and the reply collected into reply (may
 * be NULL: discarded).
 */
void target_curl_reset(CURL *h, const struct config_target *t, const atomic_int *abort,
    char *ebuf, struct target_reply *reply);

/* Sets h to upload body (CURLOPT_UPLOAD with a known size). */
void target_curl_upload(CURL *h, struct target_body *body);

/*
 * Converts the result of a transfer into a cs_err with the message
 * "what: reason" (libcurl's error buffer when it has one): CS_ERR_STATE for
 * an abort (the daemon parks), CS_ERR_NET otherwise.
 */
cs_err target_curl_fail(CURLcode c, const char *ebuf, const char *what, char *err, size_t errlen);

/*
 * One pass of target t (targets.h): the release current names under
 * site_dir to the target, through st (the caller's connection). full:
 * forget what the target holds first. Fills r (name, release, counts; not
 * ms) and returns CS_OK when the target holds the release whole, or the
 * failure with "NAME: what: reason" in err. Nothing published yet is
 * CS_OK with an empty release. Records nothing of the pass's outcome in
 * the store (the caller does, with its retry plan), only the files.
 */
cs_err target_sync(const struct config_target *t, struct store *st, const char *site_dir,
    const atomic_int *abort, int full, struct targets_result *r, cycle_log_fn log, void *logctx,
    char *err, size_t errlen);

#endif
