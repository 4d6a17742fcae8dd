/* serve_form.h: the fields of one form of `clickstatus serve`, as they arrive in pieces, and their checks. */
#ifndef SERVE_FORM_H
#define SERVE_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "model/config.h"

/* What a form may hold: a few known fields, the rest ignored. */
#define SERVE_FORM_FIELDS 128
/* Bytes of one value: no more than a whole body (serve.h's SERVE_BODY_MAX). */
#define SERVE_FORM_VALUE_MAX 8192
/* components= fields read from one form: more than a configuration has is a bad form. */
#define SERVE_FORM_COMPONENTS 256

struct serve_form_field {
	const char *key;     /* one of the known keys (static) */
	char       *val;     /* owned, NUL-terminated */
	size_t      len;     /* bytes of val before its NUL (a NUL inside cuts what is read) */
};

/* The known fields of one request's form, in the order they came. Zeroed: empty. */
struct serve_form {
	struct serve_form_field f[SERVE_FORM_FIELDS];
	size_t nf;
	int    bad;          /* too many fields, a value too long, out of memory: refuse the form */
};

/*
 * Takes one piece of a field as the post processor hands it: key (any
 * text, NULL allowed; unknown keys are ignored), size bytes of data (not
 * NUL-terminated) that go at offset off of the value. A piece at 0, or of
 * another key than the last field, starts a new field; the others extend
 * the last one. Returns 0, or -1 (and sets fm->bad) for a form to refuse:
 * more than SERVE_FORM_FIELDS fields, a value past SERVE_FORM_VALUE_MAX,
 * out of memory. After -1 the form keeps what it had and takes no more.
 */
int serve_form_piece(struct serve_form *fm, const char *key, const char *data, uint64_t off,
    size_t size);

/* Frees every value; fm is empty again. */
void serve_form_clear(struct serve_form *fm);

/* The value of field key (the first), or NULL. Borrowed from fm. */
const char *serve_form_get(const struct serve_form *fm, const char *key);

/* Fills out[0..max) with the values of every field key; returns how many there are. */
size_t serve_form_all(const struct serve_form *fm, const char *key, const char **out, size_t max);

/* The token: the form's t when not empty, else query_t (from the URL) when not empty, else NULL. */
const char *serve_form_token(const struct serve_form *fm, const char *query_t);

/*
 * err ("not an email address ...") as a sentence for a page, into buf:
 * capitalised, with a full stop. Returns buf.
 */
const char *serve_form_sentence(const char *err, char *buf, size_t len);

/*
 * The preferences of a form, checked as the CLI checks them
 * (subscription.h) against cfg (borrowed): *json owned (NULL: all
 * components), *prio 1..4. Returns NULL, or the problem as a sentence for
 * the page (static or in buf). No component ticked is refused unless
 * none_ok (the preferences form has no "none": that is unsubscribing).
 */
const char *serve_form_prefs(const struct config *cfg, const struct serve_form *fm, int none_ok,
    char **json, int *prio, char *buf, size_t len);

#endif
