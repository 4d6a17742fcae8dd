/* cs_error.h: the one error type of clickstatus and its message buffer. */
#ifndef CS_ERROR_H
#define CS_ERROR_H

#include <stddef.h>

/*
 * Every fallible function returns a cs_err: 0 (CS_OK) is success, anything
 * else names the class of failure. The detail (which file, which JSON path,
 * which feed) goes into a caller-owned buffer `char *err, size_t errlen`
 * that may be NULL/0 when the caller does not want it. Library codes
 * (CURLcode, libxml2 errors, SQLite, MOSQ_ERR_*) are converted at the
 * module that calls the library; they never travel further.
 */
typedef enum cs_err {
	CS_OK = 0,
	CS_ERR_NOMEM,     /* an allocation failed */
	CS_ERR_USAGE,     /* bad command line */
	CS_ERR_CONFIG,    /* configuration invalid */
	CS_ERR_IO,        /* file system */
	CS_ERR_PARSE,     /* input is not what it should be (feed, JSON, time) */
	CS_ERR_TOOBIG,    /* input exceeds a documented maximum */
	CS_ERR_NET,       /* network: connect, timeout, TLS, refused redirect */
	CS_ERR_HTTP,      /* the server answered with an error status */
	CS_ERR_DB,        /* the SQLite store */
	CS_ERR_NOTFOUND,  /* the named object does not exist */
	CS_ERR_STATE,     /* the operation does not fit the object's state */
	CS_ERR_INTERNAL   /* a bug: an invariant did not hold */
} cs_err;

/* Returns a static, human-readable name for code; never NULL. */
const char *cs_strerror(cs_err code);

/*
 * Formats a message into err (if err is non-NULL and errlen > 0), always
 * NUL-terminated, truncated to errlen. Returns code, so callers can write
 * `return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: ...", name);`.
 */
cs_err cs_seterr(char *err, size_t errlen, cs_err code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Size of the error buffers the CLI and daemon pass down. */
#define CS_ERRLEN 1024

#endif
