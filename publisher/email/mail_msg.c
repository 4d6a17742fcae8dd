/* mail_msg.c: one message as bytes through GMime 3: checked fields, cleaned headers, 7bit bodies, CRLF. */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "base/hash.h"
#include "email/mail_msg.h"
#include "email/mail_text.h"

#define ADDR_MAX 254              /* bytes of an addr-spec (RFC 5321 path limit less <>) */
#define LOCAL_MAX 64              /* bytes of its local part */
#define ID_MAX 250                /* bytes of a message id, thread id or list id */
#define URL_MAX 900               /* bytes of the unsubscribe URL: its header line stays < 998 */
#define FROM_NAME_MAX 4096        /* bytes of the From display name (folded, not cut) */
#define PHRASE_MAX 512            /* bytes of the List-Id phrase */
#define SUBJECT_MAX 8192          /* bytes of a subject as given (it is folded, not cut) */
#define BODY_MAX (4 * 1024 * 1024) /* bytes of each body */
#define LINE_MAX_BYTES 998        /* RFC 5322 2.1.1, CRLF excluded */

/* GMime's tables are set up once per process; g_mime_init is not safe to race. */
static void
gmime_once(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* RFC 5322 atext: the characters of a dot-atom besides the dot. */
static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Nonzero when the n bytes of s are a dot-atom: atext runs joined by single dots. */
static int
dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Nonzero when the n bytes of s are a host name: dot-separated LDH labels of 1..63 bytes. */
static int
host_name(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

/*
 * The grammar is ours and stricter than RFC 5322 on purpose: an unquoted
 * dot-atom local part and a host name, ASCII only, so that nothing in an
 * address can be read as a second address, a display name, a comment or
 * a route, by GMime or by the relay. GMime's own reading of the address
 * must then agree: exactly one mailbox, no name, the same text. An
 * internationalised domain is given as its "xn--" labels, which GMime
 * reads as Unicode: its ASCII (IDN) form is then the one to compare; a
 * label that is not valid punycode changes in both and is refused.
 */
int
mail_msg_addr_ok(const char *s)
{
	InternetAddressList *list = NULL;
	InternetAddress *ia;
	const char *at;
	size_t n;
	int ok = 0;

	if (s == NULL)
		return 0;
	n = strlen(s);
	at = strchr(s, '@');
	if (n > ADDR_MAX || at == NULL || strchr(at + 1, '@') != NULL ||
	    (size_t)(at - s) > LOCAL_MAX || !dot_atom(s, (size_t)(at - s)) ||
	    !host_name(at + 1, n - (size_t)(at - s) - 1))
		return 0;
	gmime_once();
	list = internet_address_list_parse(NULL, s);
	if (list == NULL || internet_address_list_length(list) != 1)
		goto out;
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		goto out;
	if (internet_address_get_name(ia) != NULL && internet_address_get_name(ia)[0] != '\0')
		goto out;
	ok = strcmp(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), s) == 0 ||
	    strcmp(internet_address_mailbox_get_idn_addr(INTERNET_ADDRESS_MAILBOX(ia)), s) == 0;
out:
	if (list != NULL)
		g_object_unref(list);
	return ok;
}

/* The number of '.' in s. */
static size_t
count_dots(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '.';
	return n;
}

int
mail_msg_addr_ascii(const char *in, char *out, size_t len)
{
	InternetAddressList *list = NULL;
	const char *at, *got, *gat;
	int ok = 0, wide = 0;

	if (len > 0)
		out[0] = '\0';
	at = in != NULL ? strrchr(in, '@') : NULL;
	if (at == NULL || len == 0)
		return 0;
	for (const char *p = at + 1; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80)
			wide = 1;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
	}
	if (!wide) {
		if (strlen(in) >= len)
			return 0;
		memcpy(out, in, strlen(in) + 1);
		return 1;
	}
	gmime_once();
	list = internet_address_list_parse(NULL, in);
	if (list == NULL || internet_address_list_length(list) != 1 ||
	    !INTERNET_ADDRESS_IS_MAILBOX(internet_address_list_get_address(list, 0)))
		goto out;
	got = internet_address_mailbox_get_idn_addr(
	    INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(list, 0)));
	gat = got != NULL ? strrchr(got, '@') : NULL;
	/*
	 * Only the domain may change, label for label: GMime reads what it
	 * cannot parse leniently (a cut address is still an address), so the
	 * same local part and as many labels, all ASCII, or nothing.
	 */
	if (gat == NULL || gat - got != at - in || strncmp(got, in, (size_t)(at - in)) != 0 ||
	    count_dots(gat) != count_dots(at) || strlen(got) >= len)
		goto out;
	for (const char *p = gat; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			goto out;
	memcpy(out, got, strlen(got) + 1);
	ok = 1;
out:
	if (list != NULL)
		g_object_unref(list);
	return ok;
}

/*
 * A token that goes between <> in a header (message id, list id, URL):
 * printable ASCII without space, < or >, 1..max bytes. When need_at, it
 * must hold one '@' with text on both sides (a msg-id, RFC 5322 3.6.4).
 */
static cs_err
check_token(const char *field, const char *v, size_t max, int need_at, char *err, size_t errlen)
{
	size_t i, n = strlen(v);
	const char *at;

	if (n == 0 || n > max)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: %zu bytes, not 1..%zu", field, n, max);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>')
			return cs_seterr(err, errlen, CS_ERR_USAGE,
			    "%s: byte %zu is not printable ASCII without space, < or >", field, i);
	}
	at = strchr(v, '@');
	if (need_at && (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: not of the form left@right", field);
	return CS_OK;
}

/*
 * List-Id (RFC 2919) is `phrase <list-id>` or `<list-id>`; m->list_id is
 * given as "CLICK status <status.synchronet.com>" or as the bare id. The
 * phrase comes from the configuration: plain words (atext, dots and
 * spaces), so that it needs neither quoting nor encoding. *out owned.
 */
static cs_err
list_id_header(const char *v, char **out, char *err, size_t errlen)
{
	const char *lt = strrchr(v, '<'), *id = v, *p;
	size_t n = strlen(v), idlen = n, plen = 0;
	char idbuf[ID_MAX + 1];
	struct strbuf b = { 0 };
	cs_err rc;

	*out = NULL;
	if (lt != NULL) {
		if (n < 2 || v[n - 1] != '>')
			return cs_seterr(err, errlen, CS_ERR_USAGE, "list_id: '<' without a final '>'");
		id = lt + 1;
		idlen = (size_t)(v + n - 1 - id);
		plen = (size_t)(lt - v);
		while (plen > 0 && v[plen - 1] == ' ')
			plen--;
		if (plen > PHRASE_MAX)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "list_id: phrase longer than %d bytes",
			    PHRASE_MAX);
		for (p = v; p < v + plen; p++)
			if (*p != ' ' && *p != '.' && !is_atext((unsigned char)*p))
				return cs_seterr(err, errlen, CS_ERR_USAGE,
				    "list_id: the phrase holds a byte other than letters, digits, "
				    "spaces and !#$%%&'*+-/=?^_`{|}~.");
	}
	if (idlen > ID_MAX)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "list_id: id longer than %d bytes", ID_MAX);
	memcpy(idbuf, id, idlen);
	idbuf[idlen] = '\0';
	rc = check_token("list_id", idbuf, ID_MAX, 0, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (plen > 0)
		strbuf_printf(&b, "%.*s ", (int)plen, v);
	strbuf_printf(&b, "<%s>", idbuf);
	*out = strbuf_take(&b);
	return *out != NULL ? CS_OK : cs_seterr(err, errlen, CS_ERR_NOMEM, "mail: out of memory");
}

/* Every field checked before GMime sees any of it. */
static cs_err
check_fields(const struct mail_msg *m, char *err, size_t errlen)
{
	static const char *const req[] = { "from_addr", "to_addr", "subject", "message_id", "text" };
	const char *const val[] = { m->from_addr, m->to_addr, m->subject, m->message_id, m->text };
	cs_err rc;

	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (val[i] == NULL)
			return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: missing", req[i]);
	if (!mail_msg_addr_ok(m->from_addr))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "from_addr: not one plain addr-spec");
	if (!mail_msg_addr_ok(m->to_addr))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "to_addr: not one plain addr-spec");
	if (m->from_name != NULL && strlen(m->from_name) > FROM_NAME_MAX)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "from_name: longer than %d bytes",
		    FROM_NAME_MAX);
	if (strlen(m->subject) > SUBJECT_MAX)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "subject: longer than %d bytes", SUBJECT_MAX);
	if (strlen(m->text) > BODY_MAX)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "text: longer than %d bytes", BODY_MAX);
	if (m->html != NULL && strlen(m->html) > BODY_MAX)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "html: longer than %d bytes", BODY_MAX);
	rc = check_token("message_id", m->message_id, ID_MAX, 1, err, errlen);
	if (rc == CS_OK && m->thread_id != NULL)
		rc = check_token("thread_id", m->thread_id, ID_MAX, 1, err, errlen);
	if (rc == CS_OK && m->unsubscribe_url != NULL) {
		rc = check_token("unsubscribe_url", m->unsubscribe_url, URL_MAX, 0, err, errlen);
		/* RFC 8058: the one-click POST goes to an HTTPS URI */
		if (rc == CS_OK && strncmp(m->unsubscribe_url, "https://", 8) != 0)
			rc = cs_seterr(err, errlen, CS_ERR_USAGE, "unsubscribe_url: not https://");
	}
	return rc;
}

/* What the bytes must be, whatever the input was. */
enum shape { SHAPE_OK, SHAPE_DOT, SHAPE_BAD };

/*
 * SHAPE_BAD when s is not 7-bit text with CRLF line ends only and lines
 * of at most 998 bytes (a CR or LF on its own, a NUL, a byte >= 0x80);
 * SHAPE_DOT when a line is a lone "." (it would end an SMTP DATA section
 * written without dot-stuffing); else SHAPE_OK.
 */
static enum shape
check_shape(const char *s, size_t n)
{
	size_t i, start = 0;
	int dot = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				return SHAPE_BAD;
			if (i - start > LINE_MAX_BYTES)
				return SHAPE_BAD;
			if (i - start == 1 && s[start] == '.')
				dot = 1;
			i++;
			start = i + 1;
		} else if (c == '\n' || c == '\0' || c >= 0x80) {
			return SHAPE_BAD;
		}
	}
	if (n - start > LINE_MAX_BYTES)
		return SHAPE_BAD;
	return dot ? SHAPE_DOT : SHAPE_OK;
}

/*
 * A text part holding body (cleaned UTF-8, CRLF line breaks) with charset
 * utf-8, stored as it is (no charset conversion: g_mime_text_part_set_text
 * would pick latin-1 for some texts). Quoted-printable, readable as it is
 * and 7bit-clean, unless it would hold a lone "." line: quoted-printable
 * leaves a "." line as it is, and its soft line breaks can make one out of
 * a long line ending in a dot; such a part is base64, which never holds a
 * dot. With trial set the part is written once with fo to find out; without
 * it the part is quoted-printable (mail_msg_build() checks the whole
 * message and builds it again with trials only when a part did not do).
 */
static GMimeObject *
text_part(const char *subtype, const char *body, GMimeFormatOptions *fo, int trial)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);
	GMimeStream *ms = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(ms, GMIME_CONTENT_ENCODING_DEFAULT);
	char *s;

	g_mime_part_set_content(GMIME_PART(tp), dw);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(tp), "charset", "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(tp), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	if (trial) {
		s = g_mime_object_to_string(GMIME_OBJECT(tp), fo);
		if (s == NULL || check_shape(s, strlen(s)) != SHAPE_OK)
			g_mime_part_set_content_encoding(GMIME_PART(tp), GMIME_CONTENT_ENCODING_BASE64);
		g_free(s);
	}
	g_object_unref(dw);
	g_object_unref(ms);
	return GMIME_OBJECT(tp);
}

/* The values the headers carry, cleaned or built from m. */
struct clean {
	char *from_name, *subject, *text, *html, *list_id;
	char boundary[32];
};

static void
clean_free(struct clean *c)
{
	free(c->from_name);
	free(c->subject);
	free(c->text);
	free(c->html);
	free(c->list_id);
}

/*
 * Header text is made one line here, before GMime: a CR or LF (or any
 * control) becomes a space, so no value can start a header of its own
 * ("\r\nBcc: evil@x" is " Bcc: evil@x" inside the subject). Bodies get
 * CRLF line breaks (a lone CR or LF is one too), the canonical form that
 * base64 must carry; GMime encodes every byte past ASCII, so a body can
 * neither end the headers nor the DATA section.
 */
static cs_err
make_clean(const struct mail_msg *m, struct clean *c, char *err, size_t errlen)
{
	cs_err rc = CS_OK;
	uint64_t h;

	if (m->from_name != NULL)
		rc = mail_text_clean(m->from_name, MAIL_TEXT_ONELINE | MAIL_TEXT_NOBIDI, 0, &c->from_name);
	if (rc == CS_OK)
		rc = mail_text_clean(m->subject, MAIL_TEXT_ONELINE | MAIL_TEXT_NOBIDI, 0, &c->subject);
	if (rc == CS_OK)
		rc = mail_text_clean(m->text, MAIL_TEXT_CRLF, 0, &c->text);
	if (rc == CS_OK && m->html != NULL)
		rc = mail_text_clean(m->html, MAIL_TEXT_CRLF, 0, &c->html);
	if (rc != CS_OK)
		return cs_seterr(err, errlen, rc, "mail: out of memory");
	if (m->list_id != NULL) {
		rc = list_id_header(m->list_id, &c->list_id, err, errlen);
		if (rc != CS_OK)
			return rc;
	}
	/*
	 * "=_" never occurs in quoted-printable output (a literal '=' is
	 * written =3D) nor in base64 lines, so this boundary cannot meet a
	 * body line; the hash makes it the same for the same message.
	 */
	h = hash_fnv1a64_str(HASH_FNV1A64_BASIS, m->message_id);
	snprintf(c->boundary, sizeof(c->boundary), "=_cs_%016llx", (unsigned long long)h);
	return CS_OK;
}

/*
 * Sets a header whose value is structured ASCII, already checked (ids,
 * <url>): written as it is. GMime would treat it as unstructured text and,
 * past 78 columns, fold it into RFC 2047 encoded words, which no mail
 * client decodes in List-Unsubscribe (RFC 2369, RFC 8058): the one-click
 * link would be lost. One line of up to 998 bytes is what RFC 5322 allows.
 */
static void
set_verbatim(GMimeObject *obj, const char *name, const char *value)
{
	GMimeHeader *h;
	char raw[2048];

	g_mime_object_set_header(obj, name, value, NULL);
	h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), name);
	if (h != NULL && (size_t)snprintf(raw, sizeof(raw), " %s\n", value) < sizeof(raw))
		g_mime_header_set_raw_value(h, raw);
}


/* The message object for m and c, its parts encoded for fo. NULL: the date is out of range. */
static GMimeMessage *
make_message(const struct mail_msg *m, const struct clean *c, GMimeFormatOptions *fo, int trial)
{
	GMimeMessage *msg = g_mime_message_new(FALSE);
	GMimeObject *obj = GMIME_OBJECT(msg), *body;
	InternetAddress *ia;
	GDateTime *dt;
	char buf[ID_MAX + URL_MAX + 8];

	dt = g_date_time_new_from_unix_utc(m->date);
	if (dt == NULL) {
		g_object_unref(msg);
		return NULL;
	}
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);
	ia = internet_address_mailbox_new(c->from_name != NULL && c->from_name[0] != '\0' ?
	    c->from_name : NULL, m->from_addr);
	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(g_mime_message_get_from(msg), ia);
	g_object_unref(ia);
	ia = internet_address_mailbox_new(NULL, m->to_addr);
	internet_address_list_add(g_mime_message_get_to(msg), ia);
	g_object_unref(ia);
	g_mime_message_set_subject(msg, c->subject, "utf-8");
	g_mime_message_set_message_id(msg, m->message_id);
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-generated", NULL);
	if (m->thread_id != NULL) {
		snprintf(buf, sizeof(buf), "<%s>", m->thread_id);
		set_verbatim(obj, "In-Reply-To", buf);
		set_verbatim(obj, "References", buf);
	}
	if (c->list_id != NULL)
		set_verbatim(obj, "List-Id", c->list_id);
	if (m->unsubscribe_url != NULL) {
		snprintf(buf, sizeof(buf), "<%s>", m->unsubscribe_url);
		set_verbatim(obj, "List-Unsubscribe", buf);
		set_verbatim(obj, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	}
	if (c->html != NULL) {
		GMimeContentType *ct = g_mime_content_type_new("multipart", "alternative");
		GMimeMultipart *mp;
		GMimeObject *part;

		/*
		 * The multipart is made with its boundary in its content type:
		 * g_mime_multipart_new_with_subtype() would first draw a random
		 * one (open, read and close /dev/urandom, per message) only for
		 * it to be replaced by ours.
		 */
		g_mime_content_type_set_parameter(ct, "boundary", c->boundary);
		mp = GMIME_MULTIPART(g_mime_object_new(NULL, ct));
		g_object_unref(ct);
		/* RFC 2046 5.1.4: the last alternative is the preferred one */
		part = text_part("plain", c->text, fo, trial);
		g_mime_multipart_add(mp, part);
		g_object_unref(part);
		part = text_part("html", c->html, fo, trial);
		g_mime_multipart_add(mp, part);
		g_object_unref(part);
		body = GMIME_OBJECT(mp);
	} else {
		body = text_part("plain", c->text, fo, trial);
	}
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	return msg;
}

/* The message written with fo into an owned malloc'd buffer. */
static cs_err
serialise(GMimeMessage *msg, GMimeFormatOptions *fo, char **out, size_t *len)
{
	GMimeStream *ms = g_mime_stream_mem_new();
	GByteArray *ba;
	cs_err rc = CS_OK;

	*out = NULL;
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, ms) < 0) {
		rc = CS_ERR_INTERNAL;
		goto out;
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
	*out = malloc(ba->len + 1);
	if (*out == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	memcpy(*out, ba->data, ba->len);
	(*out)[ba->len] = '\0';
	*len = ba->len;
out:
	g_object_unref(ms);
	return rc;
}

/*
 * The bytes are checked against the shape the transports rely on (7-bit,
 * CRLF only, no line over 998 bytes, no lone "." line); a message that
 * does not hold it is a bug (CS_ERR_INTERNAL), never handed out.
 */
cs_err
mail_msg_build(const struct mail_msg *m, char **out, size_t *len, char *err, size_t errlen)
{
	struct clean c;
	GMimeFormatOptions *fo = NULL;
	GMimeMessage *msg = NULL;
	char *buf = NULL;
	size_t n = 0;
	cs_err rc;

	*out = NULL;
	*len = 0;
	memset(&c, 0, sizeof(c));
	rc = check_fields(m, err, errlen);
	if (rc != CS_OK)
		goto out;
	gmime_once();
	rc = make_clean(m, &c, err, errlen);
	if (rc != CS_OK)
		goto out;
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	/*
	 * Every part quoted-printable first (each encoded once); only a message
	 * that then holds a lone "." line is made again with each part tried
	 * alone, so a part that needs base64 gets it (text_part). The parts
	 * serialise the same alone as in the message, so the result is the
	 * same as trying every part every time.
	 */
	for (int trial = 0; trial < 2; trial++) {
		if (msg != NULL)
			g_object_unref(msg);
		free(buf);
		buf = NULL;
		msg = make_message(m, &c, fo, trial);
		if (msg == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_USAGE, "date: %lld is out of range",
			    (long long)m->date);
			goto out;
		}
		rc = serialise(msg, fo, &buf, &n);
		if (rc != CS_OK) {
			cs_seterr(err, errlen, rc, "mail: GMime cannot write the message");
			goto out;
		}
		if (check_shape(buf, n) == SHAPE_OK)
			break;
	}
	if (check_shape(buf, n) != SHAPE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL,
		    "mail: the message is not 7-bit CRLF text without a lone '.' line");
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	if (msg != NULL)
		g_object_unref(msg);
	if (fo != NULL)
		g_mime_format_options_free(fo);
	clean_free(&c);
	return rc;
}

cs_err
mail_msg_summary(const char *path, struct mail_summary *out, char *err, size_t errlen)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	InternetAddressList *to;
	GDateTime *date;
	const char *subject;
	char *list;
	int fd;

	memset(out, 0, sizeof(*out));
	gmime_once();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(errno));
	stream = g_mime_stream_fs_new(fd); /* owns fd */
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not a mail message", path);
	subject = g_mime_message_get_subject(msg);
	snprintf(out->subject, sizeof(out->subject), "%s", subject != NULL ? subject : "");
	to = g_mime_message_get_to(msg);
	list = to != NULL ? internet_address_list_to_string(to, NULL, FALSE) : NULL;
	snprintf(out->to, sizeof(out->to), "%s", list != NULL ? list : "");
	g_free(list);
	date = g_mime_message_get_date(msg);
	if (date != NULL)
		out->date = (int64_t)g_date_time_to_unix(date);
	g_object_unref(msg);
	return CS_OK;
}
