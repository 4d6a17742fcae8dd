/* fuzz_currentevents.c: libFuzzer target: arbitrary bytes through the currentevents decoder and parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/cs_error.h"
#include "aws/currentevents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The bytes are the document as received, so the UTF-16 (with or without a
 * byte-order mark) and UTF-8 paths of the decoder are all reached. A parsed
 * document is dumped and its open slugs listed, which reads every field.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CS_ERRLEN] = "";
	struct currentevents *ce = NULL;
	const char *const *open;
	size_t n;
	FILE *devnull = NULL;

	if (currentevents_parse("fuzz", data, size, &ce, err, sizeof(err)) != CS_OK)
		goto out;
	open = currentevents_open_slugs(ce, &n);
	for (size_t i = 0; i < n; i++)
		if (open[i] == NULL)
			__builtin_trap();
	devnull = fopen("/dev/null", "w");
	if (devnull != NULL)
		currentevents_dump(ce, devnull);
out:
	/* Every error message names the document. */
	if (err[0] != '\0' && strncmp(err, "fuzz", 4) != 0)
		__builtin_trap();
	if (devnull != NULL)
		fclose(devnull);
	currentevents_free(ce);
	return 0;
}
