/* secret.h: a password kept in a file of its own, out of the configuration. */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

#include "base/cs_error.h"

/*
 * Reads the first line of path (without its line end) into an owned *out
 * (free()). what names the setting in the error ("mqtt.password_file").
 * Returns CS_OK, CS_ERR_IO naming what and path, or CS_ERR_NOMEM.
 */
cs_err secret_read(const char *what, const char *path, char **out, char *err, size_t errlen);

#endif
