/* cs_error.c: names of the error codes and the message buffer helper. */
#include "base/cs_error.h"

#include <stdarg.h>
#include <stdio.h>

const char *
cs_strerror(cs_err code)
{
	switch (code) {
	case CS_OK: return "success";
	case CS_ERR_NOMEM: return "out of memory";
	case CS_ERR_USAGE: return "usage error";
	case CS_ERR_CONFIG: return "configuration error";
	case CS_ERR_IO: return "I/O error";
	case CS_ERR_PARSE: return "parse error";
	case CS_ERR_TOOBIG: return "input too large";
	case CS_ERR_NET: return "network error";
	case CS_ERR_HTTP: return "HTTP error";
	case CS_ERR_DB: return "database error";
	case CS_ERR_NOTFOUND: return "not found";
	case CS_ERR_STATE: return "invalid state";
	case CS_ERR_INTERNAL: return "internal error";
	}
	return "unknown error";
}

cs_err
cs_seterr(char *err, size_t errlen, cs_err code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}
