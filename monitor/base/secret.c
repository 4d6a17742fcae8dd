/* secret.c: a password kept in a file of its own (secret.h). */
#include "base/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cs_err
secret_read(const char *what, const char *path, char **out, char *err, size_t errlen)
{
	char buf[1024];
	FILE *fp = fopen(path, "r");

	*out = NULL;
	if (fp == NULL)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s %s: %m", what, path);
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\r\n")] = '\0';
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *out != NULL ? CS_OK : cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
}
