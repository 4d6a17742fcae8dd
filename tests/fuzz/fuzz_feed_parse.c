/* fuzz_feed_parse.c: libFuzzer target: arbitrary bytes through the feed parser and the classifier. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws/classify.h"
#include "base/cs_error.h"
#include "aws/feed_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first byte picks the chunk size (1..128 bytes, so chunk boundaries
 * land everywhere) and a small max_field; the rest is the document. Every
 * item also goes through the classifier, and the verdicts are dumped.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CS_ERRLEN] = "";
	struct classify *c = NULL;
	struct feed_parser *p = NULL;
	size_t chunk, n, max_field;
	const struct classify_service *res;
	FILE *devnull = NULL;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] >> 1) + 1;
	max_field = (data[0] & 1) ? 64 : 0;
	data++;
	size--;
	c = classify_new(1787025679, 86400);
	p = feed_parse_new("fuzz", classify_item_cb, c, max_field);
	if (c == NULL || p == NULL)
		goto out;
	for (size_t off = 0; off < size; off += chunk) {
		n = size - off < chunk ? size - off : chunk;
		if (feed_parse_push(p, (const char *)data + off, n, err, sizeof(err)) != CS_OK)
			goto out;
	}
	if (feed_parse_finish(p, err, sizeof(err)) != CS_OK)
		goto out;
	res = classify_result(c, &n);
	(void)res;
	devnull = fopen("/dev/null", "w");
	if (devnull != NULL)
		classify_dump(c, devnull);
out:
	/* Every error message names the feed. */
	if (err[0] != '\0' && strncmp(err, "fuzz: ", 6) != 0)
		__builtin_trap();
	if (devnull != NULL)
		fclose(devnull);
	feed_parse_free(p);
	classify_free(c);
	return 0;
}
