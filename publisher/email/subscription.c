/* subscription.c: subscriber input checked (address, components, priority) and the CSV of subscribers. */
#include "email/subscription.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/ascii.h"
#include "base/cstime.h"
#include "base/jsonout.h"
#include "base/strbuf.h"
#include "email/mail_msg.h"

/* Longest CSV line read, and most rows of one import. */
#define CSV_LINE_MAX 4096
#define CSV_ROWS_MAX 1000000
#define CSV_FIELDS 8
#define CSV_ERRORS_MAX 20

cs_err
subscription_address(const char *in, char *out, size_t len, char *err, size_t errlen)
{
	char ascii[SUBSCRIPTION_ADDR_MAX * 4 + 1];
	const char *b = in, *e, *at;
	size_t n;

	if (len > 0)
		out[0] = '\0';
	if (in == NULL)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "no email address given");
	while (*b == ' ' || *b == '\t')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - b);
	if (n == 0)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "no email address given");
	if (n > SUBSCRIPTION_ADDR_MAX || n + 1 > len)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "the email address is longer than %d"
		    " characters", SUBSCRIPTION_ADDR_MAX);
	memcpy(out, b, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
			out[0] = '\0';
			return cs_seterr(err, errlen, CS_ERR_PARSE,
			    "the email address contains a control character");
		}
	/*
	 * A domain typed in Unicode is mailed at its ASCII form, the one the
	 * relay resolves and the store's uniqueness is about.
	 */
	if (!mail_msg_addr_ascii(out, ascii, sizeof(ascii))) {
		out[0] = '\0';
		return cs_seterr(err, errlen, CS_ERR_PARSE, "not an email address of the form"
		    " name@example.com");
	}
	n = strlen(ascii);
	if (n > SUBSCRIPTION_ADDR_MAX || n + 1 > len) {
		out[0] = '\0';
		return cs_seterr(err, errlen, CS_ERR_PARSE, "the email address is longer than %d"
		    " characters", SUBSCRIPTION_ADDR_MAX);
	}
	memcpy(out, ascii, n + 1);
	/*
	 * The domain is lowered before the check, so that what is checked is
	 * what is stored and mailed: GMime reads a lower-case "xn--" label as
	 * punycode and a bad one ("b@le.xn--a") is refused, while "b@le.Xn--a"
	 * would be taken as it is (found by tests/fuzz/fuzz_serve_form.c).
	 */
	at = strrchr(out, '@');
	for (char *p = at != NULL ? (char *)at + 1 : out + n; *p != '\0'; p++)
		*p = (char)ascii_tolower((unsigned char)*p);
	if (!mail_msg_addr_ok(out)) {
		out[0] = '\0';
		return cs_seterr(err, errlen, CS_ERR_PARSE, "not an email address of the form"
		    " name@example.com");
	}
	return CS_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

cs_err
subscription_components(const struct config *cfg, const char *list, char **json, char *err,
    size_t errlen)
{
	const char *ids[256];
	size_t n = 0;
	json_t *arr = NULL;
	const char *p = list != NULL ? list : "";
	cs_err rc = CS_OK;

	*json = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || strcmp(p, "all") == 0)
		return CS_OK;
	while (*p != '\0') {
		size_t k = strcspn(p, ",; \t");
		const struct config_component *found = NULL;

		for (size_t i = 0; k > 0 && i < cfg->ncomponents; i++)
			if (strlen(cfg->components[i].id) == k &&
			    strncmp(cfg->components[i].id, p, k) == 0)
				found = &cfg->components[i];
		if (k > 0 && found == NULL)
			return cs_seterr(err, errlen, CS_ERR_PARSE, "unknown component \"%.*s\"",
			    (int)(k > 64 ? 64 : k), p);
		if (found != NULL && n < sizeof(ids) / sizeof(ids[0]))
			ids[n++] = found->id;
		p += k;
		while (*p == ',' || *p == ';' || *p == ' ' || *p == '\t')
			p++;
	}
	if (n == 0)
		return CS_OK;
	qsort(ids, n, sizeof(ids[0]), cmp_str);
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++)
		if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0)
			json_array_append_new(arr, json_string(ids[i]));
	/* Every component ticked is the same as all: new components are followed too. */
	if (arr != NULL && json_array_size(arr) == cfg->ncomponents) {
		json_decref(arr);
		return CS_OK;
	}
	*json = arr != NULL ? jsonout_dumps(arr, JSON_COMPACT) : NULL;
	if (*json == NULL)
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	json_decref(arr);
	return rc;
}

cs_err
subscription_priority(const char *s, int *prio, char *err, size_t errlen)
{
	*prio = 4;
	if (s == NULL || s[0] == '\0' || strcmp(s, "all") == 0)
		return CS_OK;
	if ((s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '4' && s[2] == '\0') {
		*prio = s[1] - '0';
		return CS_OK;
	}
	if (s[0] >= '1' && s[0] <= '4' && s[1] == '\0') {
		*prio = s[0] - '0';
		return CS_OK;
	}
	return cs_seterr(err, errlen, CS_ERR_PARSE, "priority \"%.8s\": want P1, P2, P3, P4 or all",
	    s);
}

/* ---- CSV ---- */

/*
 * Splits one CSV line (no line end) into at most CSV_FIELDS fields, in
 * place: quotes removed, "" made one quote. Returns the count, or -1 for a
 * quote that does not close or text after a closing quote.
 */
static int
csv_split(char *line, char **f)
{
	int n = 0;
	char *r = line, *w;

	for (;;) {
		if (n == CSV_FIELDS)
			return -1;
		f[n++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return -1;
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w = '\0';
		r++;
	}
}

struct csv_errs {
	struct strbuf b;
	size_t n;
};

static void
csv_err(struct csv_errs *e, const char *name, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
csv_err(struct csv_errs *e, const char *name, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	e->n++;
	if (e->n > CSV_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strbuf_printf(&e->b, "%s%s:%zu: %s", e->n > 1 ? "\n" : "", name, line, msg);
}

/* One checked row, kept until every row has been checked. */
struct csv_row {
	size_t line;
	char   email[SUBSCRIPTION_ADDR_MAX + 1];
	char   state[16];
	char  *components_json;
	int    min_priority;
};

cs_err
subscription_csv_read(FILE *fp, const char *name, const struct config *cfg,
    cs_err (*fn)(void *arg, const struct subscription_row *r), void *arg, char *err,
    size_t errlen)
{
	/* created_at and confirmed_at, written by export, are read back as facts of the past: ignored. */
	static const char *const cols[] = { "email", "state", "components", "min_priority",
		"created_at", "confirmed_at" };
	struct csv_errs e = { { NULL, 0, 0, 0 }, 0 };
	struct csv_row *rows = NULL, *nr;
	size_t nrows = 0, cap = 0, line = 0;
	int col[6] = { -1, -1, -1, -1, -1, -1 }, nf;
	char buf[CSV_LINE_MAX + 2], *f[CSV_FIELDS], e2[256];
	cs_err rc = CS_OK;
	char *text;

	while (fgets(buf, sizeof(buf), fp) != NULL) {
		size_t len = strlen(buf);

		line++;
		if (len > 0 && buf[len - 1] != '\n' && !feof(fp)) {
			csv_err(&e, name, line, "line longer than %d bytes", CSV_LINE_MAX);
			break;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '\0')
			continue;
		nf = csv_split(buf, f);
		if (nf < 0) {
			csv_err(&e, name, line, "malformed CSV (a quote that does not close, or text"
			    " after one)");
			continue;
		}
		if (col[0] < 0 && line == 1) {
			for (int i = 0; i < nf; i++) {
				size_t k;

				for (k = 0; k < 6 && strcmp(f[i], cols[k]) != 0; k++)
					;
				if (k == 6)
					csv_err(&e, name, line, "unknown column \"%.32s\" (want email, state,"
					    " components, min_priority)", f[i]);
				else
					col[k] = i;
			}
			if (col[0] < 0) {
				csv_err(&e, name, line, "no \"email\" column in the header line");
				break;
			}
			continue;
		}
		if (col[0] < 0) {
			csv_err(&e, name, line, "the first line must name the columns");
			break;
		}
		if (nrows == CSV_ROWS_MAX) {
			csv_err(&e, name, line, "more than %d subscribers", CSV_ROWS_MAX);
			break;
		}
		if (nrows == cap) {
			cap = cap ? cap * 2 : 64;
			nr = realloc(rows, cap * sizeof(*rows));
			if (nr == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
				goto out;
			}
			rows = nr;
		}
		memset(&rows[nrows], 0, sizeof(rows[nrows]));
		rows[nrows].line = line;
		nrows++;
		{
			struct csv_row *r = &rows[nrows - 1];
			const char *state = col[1] >= 0 && col[1] < nf ? f[col[1]] : "";

			if (subscription_address(col[0] < nf ? f[col[0]] : "", r->email, sizeof(r->email),
			    e2, sizeof(e2)) != CS_OK)
				csv_err(&e, name, line, "email: %s", e2);
			if (state[0] == '\0')
				state = "confirmed";
			if (strcmp(state, "pending") != 0 && strcmp(state, "confirmed") != 0 &&
			    strcmp(state, "unsubscribed") != 0 && strcmp(state, "bounced") != 0)
				csv_err(&e, name, line, "state \"%.16s\": want confirmed, pending,"
				    " unsubscribed or bounced", state);
			else
				snprintf(r->state, sizeof(r->state), "%s", state);
			if (subscription_components(cfg, col[2] >= 0 && col[2] < nf ? f[col[2]] : "",
			    &r->components_json, e2, sizeof(e2)) != CS_OK)
				csv_err(&e, name, line, "components: %s", e2);
			if (subscription_priority(col[3] >= 0 && col[3] < nf ? f[col[3]] : "",
			    &r->min_priority, e2, sizeof(e2)) != CS_OK)
				csv_err(&e, name, line, "min_priority: %s", e2);
			for (size_t i = 0; i + 1 < nrows && r->email[0] != '\0'; i++)
				if (strcasecmp(rows[i].email, r->email) == 0) {
					csv_err(&e, name, line, "the same address as line %zu", rows[i].line);
					break;
				}
		}
	}
	if (ferror(fp))
		csv_err(&e, name, line, "read error");
	if (e.n > 0) {
		if (e.n > CSV_ERRORS_MAX)
			strbuf_printf(&e.b, "\n%s: ... and %zu more", name, e.n - CSV_ERRORS_MAX);
		text = strbuf_take(&e.b);
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s", text != NULL ? text : "out of memory");
		free(text);
		goto out;
	}
	for (size_t i = 0; rc == CS_OK && i < nrows; i++) {
		struct subscription_row r;

		r.line = rows[i].line;
		r.email = rows[i].email;
		r.state = rows[i].state;
		r.components_json = rows[i].components_json;
		r.min_priority = rows[i].min_priority;
		rc = fn(arg, &r);
	}
out:
	free(strbuf_take(&e.b));
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].components_json);
	free(rows);
	return rc;
}

void
subscription_csv_header(FILE *fp)
{
	fputs("email,state,components,min_priority,created_at,confirmed_at\r\n", fp);
}

/* One field, quoted when it holds a comma, a quote or a blank. */
static void
csv_field(FILE *fp, const char *s, int last)
{
	if (strpbrk(s, ",\" \t") != NULL) {
		fputc('"', fp);
		for (const char *p = s; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', fp);
			fputc(*p, fp);
		}
		fputc('"', fp);
	} else {
		fputs(s, fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

void
subscription_csv_write(FILE *fp, const struct store_subscriber *s)
{
	struct strbuf comps = { NULL, 0, 0, 0 };
	char prio[4], created[32], confirmed[32];
	json_t *arr = s->components_json != NULL ? json_loads(s->components_json, 0, NULL) : NULL;
	const json_t *v;
	char *c;
	size_t i;

	json_array_foreach(arr, i, v)
		strbuf_printf(&comps, "%s%s", i > 0 ? " " : "", json_string_value(v));
	json_decref(arr);
	c = strbuf_take(&comps);
	snprintf(prio, sizeof(prio), "P%d", s->min_priority);
	csv_field(fp, s->email, 0);
	csv_field(fp, s->state, 0);
	csv_field(fp, c != NULL ? c : "", 0);
	csv_field(fp, prio, 0);
	csv_field(fp, cstime_format_iso8601(s->created_at, created, sizeof(created)), 0);
	csv_field(fp, s->confirmed_at ? cstime_format_iso8601(s->confirmed_at, confirmed,
	    sizeof(confirmed)) : "", 1);
	free(c);
}
