/* fuzz_mail_msg.c: libFuzzer target: hostile subject, body and feed text through the mail builder, read back by GMime. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "base/cs_error.h"
#include "email/mail_msg.h"
#include "email/mail_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FROM "status@synchronet.com"
#define TO "ann@example.com"
#define NPIECES 8

/* email.xsl, compiled once (NULL: the renderer's default site directory). */
static struct mail_render_ctx *render;

/* Every line ends in CRLF, 7-bit, no NUL, <= 998 bytes, none is a lone ".". */
static void
check_wire(const char *s, size_t n)
{
	size_t start = 0;

	if (strlen(s) != n)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c == '\r' && (i + 1 == n || s[i + 1] != '\n')) ||
		    (c == '\n' && (i == 0 || s[i - 1] != '\r')))
			__builtin_trap();
		if (c == '\n') {
			if (i - 1 - start > 998 || (i - 1 - start == 1 && s[start] == '.'))
				__builtin_trap();
			start = i + 1;
		}
	}
	if (n - start > 998 || (n - start == 1 && s[start] == '.'))
		__builtin_trap();
}

/* Nonzero when s is printable ASCII words joined by single spaces: a subject kept as it is. */
static int
plain_line(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || (s[i] == ' ' && s[i + 1] == ' '))
			return 0;
	return 1;
}

/* Nonzero when s is printable ASCII and LF only: a body kept as it is, LF made CRLF. */
static int
plain_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((*s < 0x20 && *s != '\n') || *s > 0x7e)
			return 0;
	return 1;
}

/*
 * The decoded text of part reads as want: the same lines (CRLF on the
 * wire is a line break, as LF is in want), and a last line without a
 * break may have gained one.
 */
static void
check_part_text(GMimeObject *part, const char *want)
{
	char *got;
	size_t j = 0, i = 0;

	if (part == NULL || !GMIME_IS_TEXT_PART(part))
		__builtin_trap();
	got = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	if (got == NULL)
		__builtin_trap();
	for (; want[i] != '\0'; i++, j++) {
		if (want[i] == '\n' && got[j] == '\r')
			j++;
		if (got[j] != want[i])
			__builtin_trap();
	}
	if (got[j] == '\r')
		j++;
	if (got[j] == '\n' && (i == 0 || want[i - 1] != '\n'))
		j++;
	if (got[j] != '\0')
		__builtin_trap();
	g_free(got);
}

/* The header names a message may carry, each at most once. */
static const char *const allowed[] = { "Date", "From", "To", "Subject", "Message-Id",
	"MIME-Version", "Auto-Submitted", "In-Reply-To", "References", "List-Id",
	"List-Unsubscribe", "List-Unsubscribe-Post", "Content-Type", "Content-Transfer-Encoding" };

/*
 * GMime reads the bytes back as one message: the headers are only those
 * the builder writes, each once, with one sender and one recipient, the
 * subject and bodies read back as given where they were plain text.
 */
static void
check_parsed(const char *s, size_t n, const struct mail_msg *m)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(s, n);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	GMimeHeaderList *hl;
	InternetAddressList *to, *from;
	GMimeObject *body;
	int seen[sizeof(allowed) / sizeof(allowed[0])] = { 0 };
	const char *subj;

	if (msg == NULL)
		__builtin_trap();
	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	for (int i = 0; i < g_mime_header_list_get_count(hl); i++) {
		const char *name = g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i));
		size_t k;

		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (g_ascii_strcasecmp(name, allowed[k]) == 0)
				break;
		if (k == sizeof(allowed) / sizeof(allowed[0]) || seen[k]++)
			__builtin_trap();   /* a header the builder does not write: injected */
	}
	to = g_mime_message_get_to(msg);
	from = g_mime_message_get_from(msg);
	if (internet_address_list_length(to) != 1 || internet_address_list_length(from) != 1 ||
	    internet_address_list_length(g_mime_message_get_cc(msg)) != 0 ||
	    internet_address_list_length(g_mime_message_get_bcc(msg)) != 0)
		__builtin_trap();
	if (!INTERNET_ADDRESS_IS_MAILBOX(internet_address_list_get_address(to, 0)) ||
	    strcmp(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	    internet_address_list_get_address(to, 0))), m->to_addr) != 0 ||
	    strcmp(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	    internet_address_list_get_address(from, 0))), m->from_addr) != 0)
		__builtin_trap();
	subj = g_mime_message_get_subject(msg);
	if (subj == NULL || strpbrk(subj, "\r\n") != NULL ||
	    (plain_line(m->subject) && strcmp(subj, m->subject) != 0))
		__builtin_trap();
	body = g_mime_message_get_mime_part(msg);
	if (m->html != NULL) {
		if (!GMIME_IS_MULTIPART(body) || g_mime_multipart_get_count(GMIME_MULTIPART(body)) != 2)
			__builtin_trap();
		if (plain_text(m->text))
			check_part_text(g_mime_multipart_get_part(GMIME_MULTIPART(body), 0), m->text);
		if (plain_text(m->html))
			check_part_text(g_mime_multipart_get_part(GMIME_MULTIPART(body), 1), m->html);
	} else if (plain_text(m->text)) {
		check_part_text(body, m->text);
	}
	g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(st);
}

/* Builds m and checks the result, or that a refusal is a refusal of the input. */
static void
build_check(const struct mail_msg *m)
{
	char err[CS_ERRLEN] = "";
	char *out = NULL;
	size_t len = 0;
	cs_err rc = mail_msg_build(m, &out, &len, err, sizeof(err));

	if (rc == CS_OK) {
		check_wire(out, len);
		check_parsed(out, len, m);
	} else if ((rc != CS_ERR_USAGE && rc != CS_ERR_NOMEM) || err[0] == '\0' || out != NULL) {
		/* CS_ERR_INTERNAL: the builder made bytes of the wrong shape */
		__builtin_trap();
	}
	free(out);
}

/*
 * The first byte says which optional fields are set and whether the text
 * goes through the renderer first (as AWS text does); the rest is up to
 * eight pieces split at NUL bytes: subject (or incident title), text (or
 * the update's body), html (or a component's name), from name, list id,
 * thread id, unsubscribe URL, recipient. A recorded feed without NUL is
 * one piece: subject and text both.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *piece[NPIECES] = { NULL }, *p;
	char *subject = NULL, *text = NULL, *html = NULL, err[CS_ERRLEN];
	unsigned flags;
	int np = 0;
	struct mail_msg m;

	if (size < 1)
		return 0;
	if (render == NULL && mail_render_ctx_new(NULL, &render, err, sizeof(err)) != CS_OK)
		__builtin_trap();
	flags = data[0];
	copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (p = copy; np < NPIECES && p <= copy + size - 1; p += strlen(p) + 1)
		piece[np++] = p;
	memset(&m, 0, sizeof(m));
	m.from_addr = FROM;
	m.to_addr = np > 7 ? piece[7] : TO;
	m.from_name = np > 3 ? piece[3] : "CLICK status";
	m.date = 1796234700;
	m.message_id = "m12.s34@status.synchronet.com";
	m.list_id = (flags & 2) ? (np > 4 ? piece[4] : "CLICK status <status.synchronet.com>") : NULL;
	m.thread_id = (flags & 4) ? (np > 5 ? piece[5] : "incident-3@status.synchronet.com") : NULL;
	m.unsubscribe_url = (flags & 8) ? (np > 6 ? piece[6] : "https://status.synchronet.com/u?t=1")
	    : NULL;
	if (flags & 16) {
		struct mail_update u = { 1796234000, "investigating", np > 1 ? piece[1] : piece[0] };
		struct mail_component comp = { np > 2 ? piece[2] : "Inbound calls", "major_outage" };
		struct mail_content c = {
			.kind = MAIL_INCIDENT, .product = "CLICK", .company = "SynchroNet",
			.site_url = "https://status.synchronet.com", .title = piece[0],
			.status = "investigating", .priority = "P2", .since = 1796233000,
			.components = &comp, .ncomponents = 1, .updates = &u, .nupdates = 1,
			.page_url = "https://status.synchronet.com/incidents/3",
			.manage_url = "https://status.synchronet.com/manage?t=1",
			.unsubscribe_url = "https://status.synchronet.com/unsubscribe?t=1",
		};

		if (mail_render(render, &c, &subject, &text, &html, err, sizeof(err)) != CS_OK)
			__builtin_trap();
		if (strlen(subject) > 200 || strpbrk(subject, "\r\n") != NULL)
			__builtin_trap();
		m.subject = subject;
		m.text = text;
		m.html = (flags & 1) ? html : NULL;
	} else {
		m.subject = piece[0];
		m.text = np > 1 ? piece[1] : piece[0];
		m.html = (flags & 1) ? (np > 2 ? piece[2] : piece[0]) : NULL;
	}
	build_check(&m);
	free(subject);
	free(text);
	free(html);
	free(copy);
	return 0;
}
