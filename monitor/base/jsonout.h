/* jsonout.h: a JSON value as text, whole or not at all (jansson's json_dumps can drop a piece). */
#ifndef JSONOUT_H
#define JSONOUT_H

#include <stddef.h>

#include <jansson.h>

/*
 * Like json_dumps(j, flags): an owned NUL-terminated text, or NULL when
 * memory runs out (or j is NULL, or the text would pass STRBUF_MAX).
 * jansson 2.14 ignores a failed append while it writes a string (dump.c
 * drops dump_string()'s result), so json_dumps() can return a text with a
 * piece missing, e.g. {"schema":1,":1640219400,...}, when an allocation
 * fails (found by tests/unit/test_alloc_fail.c). Here every piece goes
 * through a strbuf whose failure is sticky, so a cut text is never
 * returned.
 */
char *jsonout_dumps(const json_t *j, size_t flags);

#endif
