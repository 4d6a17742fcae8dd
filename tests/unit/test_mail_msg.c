/* test_mail_msg.c: the message bytes: headers, CRLF, determinism, hostile text, refused fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "base/cs_error.h"
#include "email/mail_msg.h"

#define DATE 1796234700               /* 2026-12-02T18:05:00Z */
#define RLO "\xe2\x80\xae"            /* U+202E RIGHT-TO-LEFT OVERRIDE */

static struct mail_msg
base(void)
{
	struct mail_msg m = {
		.from_name = "CLICK status",
		.from_addr = "status@synchronet.com",
		.to_addr = "user@example.com",
		.subject = "[CLICK] Investigating: Inbound calls failing",
		.date = DATE,
		.message_id = "m12.s34@status.synchronet.com",
		.thread_id = "incident-3@status.synchronet.com",
		.list_id = "CLICK status <status.synchronet.com>",
		.unsubscribe_url = "https://status.synchronet.com/unsubscribe?t=abc123",
		.text = "We are investigating failures of inbound calls.\n",
		.html = "<p>We are investigating failures of inbound calls.</p>\n",
	};
	return m;
}

/* Builds m, which must succeed; returns the owned bytes (NUL-terminated) and *len. */
static char *
build(const struct mail_msg *m, size_t *len)
{
	char err[CS_ERRLEN] = "";
	char *out = NULL;
	cs_err rc = mail_msg_build(m, &out, len, err, sizeof(err));

	if (rc != CS_OK)
		fail_msg("mail_msg_build: %s: %s", cs_strerror(rc), err);
	assert_non_null(out);
	assert_int_equal(strlen(out), *len);  /* no NUL inside */
	return out;
}

/* Every line ends in CRLF: no CR without LF, no LF without CR; 7-bit; lines <= 998 bytes; no lone ".". */
static void
assert_wire_shape(const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			fail_msg("byte %zu is 0x%02x: not 7-bit", i, c);
		if (c == '\r' && (i + 1 >= n || s[i + 1] != '\n'))
			fail_msg("bare CR at byte %zu", i);
		if (c == '\n' && (i == 0 || s[i - 1] != '\r'))
			fail_msg("bare LF at byte %zu", i);
		if (c == '\n') {
			size_t l = i - 1 - start;

			if (l > 998)
				fail_msg("line at byte %zu is %zu bytes long", start, l);
			if (l == 1 && s[start] == '.')
				fail_msg("a line that is only \".\" at byte %zu: it would end SMTP DATA", start);
			start = i + 1;
		}
	}
	assert_true(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n');
}

/* The header names of the top-level header block, in order, one per field (continuations folded in). */
struct names {
	char v[64][64];
	size_t n;
};

static void
header_names(const char *s, struct names *h)
{
	const char *end = strstr(s, "\r\n\r\n"), *p = s;

	assert_non_null(end);
	h->n = 0;
	while (p < end + 2) {
		const char *eol = strstr(p, "\r\n");
		const char *colon;

		if (*p == ' ' || *p == '\t') {
			assert_true(h->n > 0);  /* a continuation never comes first */
		} else {
			colon = memchr(p, ':', (size_t)(eol - p));
			if (colon == NULL)
				fail_msg("header line without a colon: %.*s", (int)(eol - p), p);
			assert_true(h->n < 64 && (size_t)(colon - p) < 64);
			memcpy(h->v[h->n], p, (size_t)(colon - p));
			h->v[h->n][colon - p] = '\0';
			h->n++;
		}
		p = eol + 2;
	}
}

/* Asserts the header names are exactly want (NULL-terminated), in any order, each once. */
static void
assert_headers(const char *msg, const char *const *want)
{
	struct names h;
	size_t i, k, nwant = 0;

	header_names(msg, &h);
	for (k = 0; want[k] != NULL; k++) {
		size_t seen = 0;

		for (i = 0; i < h.n; i++)
			if (g_ascii_strcasecmp(h.v[i], want[k]) == 0)
				seen++;
		if (seen != 1)
			fail_msg("header %s: %zu times, want once", want[k], seen);
		nwant++;
	}
	if (h.n != nwant) {
		for (i = 0; i < h.n; i++)
			print_message("header: %s\n", h.v[i]);
		fail_msg("%zu headers, want %zu", h.n, nwant);
	}
}

/* The unfolded value of the top-level header name (owned), or NULL. */
static char *
header_value(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg;
	size_t nl = strlen(name);

	while (p < end) {
		if (g_ascii_strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			GString *v = g_string_new(NULL);
			const char *q = p + nl + 1;

			for (;;) {
				const char *eol = strstr(q, "\r\n");

				g_string_append_len(v, q, eol - q);
				q = eol + 2;
				if (*q != ' ' && *q != '\t')
					break;
			}
			return g_strstrip(g_string_free(v, FALSE));
		}
		p = strstr(p, "\r\n") + 2;
	}
	return NULL;
}

/* GMime reads the bytes back: the decoded subject (owned, g_free). */
static GMimeMessage *
parse(const char *s, size_t n)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(s, n);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	assert_non_null(msg);
	return msg;
}

static const char *const full_headers[] = { "Date", "From", "To", "Subject", "Message-Id",
	"MIME-Version", "Auto-Submitted", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"In-Reply-To", "References", "Content-Type", NULL };

/* The same for a message without html: one text/plain part, its encoding a top-level header. */
static const char *const single_headers[] = { "Date", "From", "To", "Subject", "Message-Id",
	"MIME-Version", "Auto-Submitted", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"In-Reply-To", "References", "Content-Type", "Content-Transfer-Encoding", NULL };

/* Every header the interface promises, each once, with the values it should have. */
static void
test_headers(void **state)
{
	struct mail_msg m = base();
	size_t len;
	char *s, *v;

	(void)state;
	s = build(&m, &len);
	assert_wire_shape(s, len);
	assert_headers(s, full_headers);
	v = header_value(s, "Date");
	assert_string_equal(v, "Wed, 02 Dec 2026 18:05:00 +0000");
	g_free(v);
	v = header_value(s, "From");
	assert_string_equal(v, "CLICK status <status@synchronet.com>");
	g_free(v);
	v = header_value(s, "To");
	assert_string_equal(v, "user@example.com");
	g_free(v);
	v = header_value(s, "Subject");
	assert_string_equal(v, "[CLICK] Investigating: Inbound calls failing");
	g_free(v);
	v = header_value(s, "Message-Id");
	assert_string_equal(v, "<m12.s34@status.synchronet.com>");
	g_free(v);
	v = header_value(s, "MIME-Version");
	assert_string_equal(v, "1.0");
	g_free(v);
	v = header_value(s, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	g_free(v);
	v = header_value(s, "List-Id");
	assert_string_equal(v, "CLICK status <status.synchronet.com>");
	g_free(v);
	v = header_value(s, "List-Unsubscribe");
	assert_string_equal(v, "<https://status.synchronet.com/unsubscribe?t=abc123>");
	g_free(v);
	v = header_value(s, "List-Unsubscribe-Post");
	assert_string_equal(v, "List-Unsubscribe=One-Click");
	g_free(v);
	v = header_value(s, "In-Reply-To");
	assert_string_equal(v, "<incident-3@status.synchronet.com>");
	g_free(v);
	v = header_value(s, "References");
	assert_string_equal(v, "<incident-3@status.synchronet.com>");
	g_free(v);
	v = header_value(s, "Content-Type");
	assert_non_null(strstr(v, "multipart/alternative"));
	g_free(v);
	/* text first, then html (RFC 2046: the last alternative is the preferred one) */
	assert_true(strstr(s, "Content-Type: text/plain; charset=utf-8") <
	    strstr(s, "Content-Type: text/html; charset=utf-8"));
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=utf-8"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: quoted-printable"));
	free(s);
}

/* Without thread, list or unsubscribe link, and without html: just the rest, one text part. */
static void
test_minimal(void **state)
{
	static const char *const want[] = { "Date", "From", "To", "Subject", "Message-Id",
		"MIME-Version", "Auto-Submitted", "Content-Type", "Content-Transfer-Encoding", NULL };
	struct mail_msg m = base();
	size_t len;
	char *s, *v;

	(void)state;
	m.thread_id = m.list_id = m.unsubscribe_url = m.html = NULL;
	m.from_name = NULL;
	s = build(&m, &len);
	assert_wire_shape(s, len);
	assert_headers(s, want);
	v = header_value(s, "Content-Type");
	assert_string_equal(v, "text/plain; charset=utf-8");
	g_free(v);
	v = header_value(s, "From");
	assert_string_equal(v, "status@synchronet.com");
	g_free(v);
	assert_null(strstr(s, "multipart"));
	free(s);
	/* a bare list id is written between <> */
	m.list_id = "status.synchronet.com";
	s = build(&m, &len);
	v = header_value(s, "List-Id");
	assert_string_equal(v, "<status.synchronet.com>");
	g_free(v);
	free(s);
}

/* The same message gives the same bytes; the boundary follows the message id, not the clock. */
static void
test_deterministic(void **state)
{
	struct mail_msg m = base();
	size_t l1, l2, l3;
	char *a, *b, *c;

	(void)state;
	a = build(&m, &l1);
	b = build(&m, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(a, b, l1);
	m.message_id = "m13.s34@status.synchronet.com";
	c = build(&m, &l3);
	assert_false(l3 == l1 && memcmp(a, c, l1) == 0);
	{
		char *ba = header_value(a, "Content-Type"), *bc = header_value(c, "Content-Type");

		assert_string_not_equal(ba, bc);  /* the boundary moved with the id */
		g_free(ba);
		g_free(bc);
	}
	free(a);
	free(b);
	free(c);
}

/*
 * Hostile subjects and display names: whatever they hold, the header
 * block has exactly the expected fields (no Bcc, no second To), no line
 * is a lone dot, and the subject reads back as the text with each control
 * run turned into one space and the bidi override gone.
 */
static void
test_hostile_headers(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "a\rb", "a b" },
		{ "a\nb", "a b" },
		{ "Outage\r\n.\r\nQUIT", "Outage . QUIT" },
		{ "Outage\r\nBcc: evil@x", "Outage Bcc: evil@x" },
		{ "Outage\r\n\r\nbody injected", "Outage body injected" },
		{ "Outage\nTo: evil@x\n", "Outage To: evil@x" },
		{ "\t\x01\x1b[31mred\x7f", "[31mred" },
		{ "gnp" RLO ".exe \xe2\x81\xa6isolate\xe2\x81\xa9", "gnp.exe isolate" },
		{ "caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac", "caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac" },
		{ "bad \xff\xfe utf-8", "bad \xef\xbf\xbd\xef\xbf\xbd utf-8" },
	};
	struct mail_msg m = base();
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		GMimeMessage *msg;
		InternetAddressList *from;
		char *s;

		m.subject = cases[i].in;
		m.from_name = cases[i].in;
		s = build(&m, &len);
		assert_wire_shape(s, len);
		assert_headers(s, full_headers);
		msg = parse(s, len);
		if (strcmp(g_mime_message_get_subject(msg), cases[i].want) != 0)
			fail_msg("case %zu: subject \"%s\", want \"%s\"", i,
			    g_mime_message_get_subject(msg), cases[i].want);
		from = g_mime_message_get_from(msg);
		assert_int_equal(internet_address_list_length(from), 1);
		assert_string_equal(internet_address_get_name(internet_address_list_get_address(from, 0)),
		    cases[i].want);
		assert_int_equal(internet_address_list_length(g_mime_message_get_to(msg)), 1);
		assert_null(g_mime_message_get_bcc(msg) != NULL &&
		    internet_address_list_length(g_mime_message_get_bcc(msg)) > 0 ? "bcc" : NULL);
		g_object_unref(msg);
		free(s);
	}
}

/* A 2,000-character word in the subject and the name: folded into lines <= 998, read back whole. */
static void
test_long_word(void **state)
{
	struct mail_msg m = base();
	char word[2001], subj[2100];
	GMimeMessage *msg;
	size_t len;
	char *s;

	(void)state;
	memset(word, 'W', 2000);
	word[2000] = '\0';
	snprintf(subj, sizeof(subj), "[CLICK] %s end", word);
	m.subject = subj;
	m.from_name = word;
	m.text = word;
	s = build(&m, &len);
	assert_wire_shape(s, len);
	assert_headers(s, full_headers);
	msg = parse(s, len);
	assert_string_equal(g_mime_message_get_subject(msg), subj);
	g_object_unref(msg);
	free(s);
}

/*
 * Bodies with lone "." lines, "\r\n.\r\n", CR alone and a 75-byte line
 * ending in a dot (quoted-printable's soft break would leave that dot
 * alone on its line): no line of the message is a lone ".", the encoding
 * stays 7-bit, and the parts decode to the text with LF line breaks.
 */
static void
test_hostile_bodies(void **state)
{
	static const char *const texts[] = {
		".\n",
		"first\n.\nafter the dot\n",
		"first\r\n.\r\nQUIT\r\n",
		"cr\ronly\r.\r",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.\n",
		"..\n. \n.\t\n",
	};
	struct mail_msg m = base();
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		GMimeMessage *msg;
		GMimeObject *body;
		GMimeDataWrapper *dw;
		GMimeStream *out;
		GByteArray *ba;
		char *s, *want;

		m.text = texts[i];
		m.html = texts[i];
		s = build(&m, &len);
		assert_wire_shape(s, len);
		assert_headers(s, full_headers);
		msg = parse(s, len);
		body = g_mime_message_get_mime_part(msg);
		assert_true(GMIME_IS_MULTIPART(body));
		assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
		dw = g_mime_part_get_content(GMIME_PART(g_mime_multipart_get_part(GMIME_MULTIPART(body), 0)));
		out = g_mime_stream_mem_new();
		g_mime_data_wrapper_write_to_stream(dw, out);
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		/* the text with CRLF and CR as LF, on the wire as CRLF */
		want = g_strdup(texts[i]);
		{
			GString *w = g_string_new(NULL);

			for (const char *p = want; *p != '\0'; p++) {
				if (*p == '\r') {
					g_string_append(w, "\r\n");
					if (p[1] == '\n')
						p++;
				} else if (*p == '\n') {
					g_string_append(w, "\r\n");
				} else {
					g_string_append_c(w, *p);
				}
			}
			g_free(want);
			want = g_string_free(w, FALSE);
		}
		if (ba->len != strlen(want) || memcmp(ba->data, want, ba->len) != 0)
			fail_msg("case %zu: the text part decodes to \"%.*s\"", i, (int)ba->len, ba->data);
		g_free(want);
		g_object_unref(out);
		g_object_unref(msg);
		free(s);
	}
}

/* Text without a dot line stays quoted-printable in both parts; only a part with one is base64. */
static void
test_encoding_choice(void **state)
{
	struct mail_msg m = base();
	size_t len;
	char *s;
	const char *t, *h;

	(void)state;
	m.text = "line\n.\nline\n";
	m.html = "<p>caf\xc3\xa9</p>\n";
	s = build(&m, &len);
	t = strstr(s, "Content-Type: text/plain");
	h = strstr(s, "Content-Type: text/html");
	assert_non_null(t);
	assert_non_null(h);
	assert_non_null(strstr(t, "Content-Transfer-Encoding: base64"));
	assert_true(strstr(t, "Content-Transfer-Encoding: base64") < h);
	assert_non_null(strstr(h, "Content-Transfer-Encoding: quoted-printable"));
	assert_non_null(strstr(h, "caf=C3=A9"));
	free(s);
}

static const char *const good_addrs[] = {
	"status@synchronet.com", "first.last+tag@sub.example.co.uk", "o'brien@example.com",
	"x@localhost", "a_b-c=d@example-site.org", "1234@10.example.net",
	"jan@xn--mller-kva.example", /* müller.example, as a subscriber's mail client gives it */
};

static const char *const bad_addrs[] = {
	"", "user", "@example.com", "user@", "a@b@c", "User <u@example.com>", "<u@example.com>",
	"u@example.com, v@example.com", "u@example.com\r\nBcc: x@y", "u@example.com\n",
	"u @example.com", "\"quoted\"@example.com", "u..v@example.com", ".u@example.com",
	"u.@example.com", "u@-example.com", "u@example-.com", "u@exa_mple.com", "u@example..com",
	"u@.example.com", "u@example.com.", "u@example.com>", "u(comment)@example.com",
	"\xc3\xbc@example.com", "u@[127.0.0.1]", "u;v@example.com", "u@example.com\t",
	"u@le.xn--a", /* not punycode: GMime would read it as "le." */
};

/* One plain addr-spec or nothing: display names, lists, CR/LF, quoting, bad hosts refused. */
static void
test_addr_ok(void **state)
{
	char big[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_addrs) / sizeof(good_addrs[0]); i++)
		if (!mail_msg_addr_ok(good_addrs[i]))
			fail_msg("refused %s", good_addrs[i]);
	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++)
		if (mail_msg_addr_ok(bad_addrs[i]))
			fail_msg("accepted \"%s\"", bad_addrs[i]);
	assert_false(mail_msg_addr_ok(NULL));
	/* 64 bytes of local part are fine, 65 are not */
	memset(big, 'l', 64);
	snprintf(big + 64, sizeof(big) - 64, "@example.com");
	assert_true(mail_msg_addr_ok(big));
	memset(big, 'l', 65);
	snprintf(big + 65, sizeof(big) - 65, "@example.com");
	assert_false(mail_msg_addr_ok(big));
	/* 254 bytes in all are fine, 255 are not */
	memset(big, 0, sizeof(big));
	memcpy(big, "u@", 2);
	for (i = 2; i < 254; i++)
		big[i] = (i % 60 == 0) ? '.' : 'h';
	assert_int_equal(strlen(big), 254);
	assert_true(mail_msg_addr_ok(big));
	big[254] = 'h';
	assert_false(mail_msg_addr_ok(big));
}

/*
 * A subscriber at an internationalised domain (müller.example) is mailed
 * at its ASCII form: the To header the relay and the reader get is the
 * address as stored, never the domain turned into 8-bit Unicode.
 */
static void
test_idn_recipient(void **state)
{
	struct mail_msg m = base();
	size_t len = 0;
	char *out;

	(void)state;
	m.to_addr = "jan@xn--mller-kva.example";
	out = build(&m, &len);
	assert_wire_shape(out, len);
	if (strstr(out, "\r\nTo: jan@xn--mller-kva.example\r\n") == NULL)
		fail_msg("no ASCII To header in:\n%s", out);
	free(out);
}

/* Builds m, which must fail with CS_ERR_USAGE and a message naming field; nothing is returned. */
static void
assert_refused(const struct mail_msg *m, const char *field)
{
	char err[CS_ERRLEN] = "";
	char *out = (char *)"untouched";
	size_t len = 99;
	cs_err rc = mail_msg_build(m, &out, &len, err, sizeof(err));

	if (rc != CS_ERR_USAGE)
		fail_msg("%s: rc %s, want usage (%s)", field, cs_strerror(rc), err);
	if (strncmp(err, field, strlen(field)) != 0)
		fail_msg("error \"%s\" does not name %s", err, field);
	assert_null(out);
	assert_int_equal(len, 0);
}

/* Bad addresses, ids and URLs, and missing fields, each refused naming the field. */
static void
test_refused(void **state)
{
	struct mail_msg m;
	char big[1200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		m = base();
		m.to_addr = bad_addrs[i];
		assert_refused(&m, "to_addr");
		m = base();
		m.from_addr = bad_addrs[i];
		assert_refused(&m, "from_addr");
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '@';
	{
		static const char *const bad_ids[] = { "", "a b@x", "<a@x>", "a@x>", "a@x\r\n",
			"a@x\nBcc: e@x", "no-at-sign", "@x", "a@", "a@b@c", "caf\xc3\xa9@x" };

		for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
			m = base();
			m.message_id = bad_ids[i];
			assert_refused(&m, "message_id");
			m = base();
			m.thread_id = bad_ids[i];
			assert_refused(&m, "thread_id");
		}
		m = base();
		big[300] = '\0';
		m.message_id = big;
		assert_refused(&m, "message_id");
		big[300] = 'x';
	}
	{
		static const char *const bad_lists[] = { "", "x y", "CLICK <a b>", "CLICK <x", "<>",
			"CLICK\r\nBcc: e@x <x.y>", "C\"LICK <x.y>", "caf\xc3\xa9 <x.y>", "a <b> <c>" };

		for (i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
			m = base();
			m.list_id = bad_lists[i];
			assert_refused(&m, "list_id");
		}
	}
	{
		static const char *const bad_urls[] = { "", "http://status.synchronet.com/u",
			"https://x/ y", "https://x/<y", "https://x/>", "https://x/\r\nBcc: e@x",
			"mailto:u@example.com", "javascript:alert(1)", "https://x/\xc3\xa9" };

		for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
			m = base();
			m.unsubscribe_url = bad_urls[i];
			assert_refused(&m, "unsubscribe_url");
		}
		m = base();
		memcpy(big, "https://", 8);
		big[10] = 'x';
		m.unsubscribe_url = big;  /* 1,199 bytes: its header line would pass 998 */
		assert_refused(&m, "unsubscribe_url");
	}
	m = base();
	m.text = NULL;
	assert_refused(&m, "text");
	m = base();
	m.subject = NULL;
	assert_refused(&m, "subject");
	m = base();
	m.message_id = NULL;
	assert_refused(&m, "message_id");
	m = base();
	m.to_addr = NULL;
	assert_refused(&m, "to_addr");
}

/*
 * Random strings over the bytes that make trouble (CR, LF, dot, colon,
 * <>, '=', spaces, tabs, pieces of UTF-8 and of U+202E, other bytes):
 * every message builds, keeps its shape and its exact header set. A
 * fixed seed, so a failure replays.
 */
static void
test_random_text(void **state)
{
	static const char *const atoms[] = { "\r", "\n", "\r\n", ".", "\r\n.\r\n", ":", "Bcc: x@y",
		"<", ">", "=", "=?utf-8?q?x?=", " ", "\t", "\xc3", "\xa9", "\xc3\xa9", RLO, "\xe2\x80",
		"\xff", "\x01", "\x1b", "--=_cs_0000000000000000", "a", "word", "W", "\"", "\\", "(", ")",
		",", ";", "@" };
	struct mail_msg m = base();
	char buf[4][1200];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t it, k, len;

	(void)state;
	for (it = 0; it < 400; it++) {
		for (k = 0; k < 4; k++) {
			size_t n = 0, want;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			want = (size_t)(x % 1100);
			while (n < want) {
				const char *a;
				size_t al;

				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				a = atoms[x % (sizeof(atoms) / sizeof(atoms[0]))];
				al = strlen(a);
				if (x % 53 == 0) {  /* now and then a long unbroken run */
					for (size_t r = 0; r < 150 && n + 1 < sizeof(buf[k]); r++)
						buf[k][n++] = 'L';
					continue;
				}
				if (n + al + 1 >= sizeof(buf[k]))
					break;
				memcpy(buf[k] + n, a, al);
				n += al;
			}
			buf[k][n] = '\0';
		}
		m.subject = buf[0];
		m.from_name = buf[1];
		m.text = buf[2];
		m.html = it % 3 == 0 ? NULL : buf[3];
		{
			char *s = build(&m, &len);

			assert_wire_shape(s, len);
			assert_headers(s, m.html != NULL ? full_headers : single_headers);
			free(s);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_long_word),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_encoding_choice),
		cmocka_unit_test(test_random_text),
		cmocka_unit_test(test_addr_ok),
		cmocka_unit_test(test_idn_recipient),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
