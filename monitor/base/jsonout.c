/* jsonout.c: json_dumps through a strbuf whose out-of-memory is sticky. */
#include "base/jsonout.h"

#include "base/strbuf.h"

/* jansson's dump callback: a failed append is remembered by the strbuf, whatever jansson does. */
static int
add(const char *buf, size_t size, void *data)
{
	struct strbuf *b = data;

	strbuf_add(b, buf, size);
	return b->oom ? -1 : 0;
}

char *
jsonout_dumps(const json_t *j, size_t flags)
{
	struct strbuf b = { 0 };

	if (j == NULL || json_dump_callback(j, add, &b, flags) != 0) {
		b.oom = 1;
		return strbuf_take(&b);   /* frees, NULL */
	}
	return strbuf_take(&b);
}
