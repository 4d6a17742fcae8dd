/* mail_msg.h: one email message as bytes, built by GMime: headers, multipart/alternative, encodings. */
#ifndef MAIL_MSG_H
#define MAIL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/*
 * What one message says. Every string is borrowed UTF-8 and may hold
 * anything a hostile AWS feed or subscriber can put there (CR, LF, a lone
 * dot, NUL-free but arbitrary bytes, very long words, bidi controls): the
 * builder never lets it add a header, a recipient or end the DATA section.
 */
struct mail_msg {
	const char *from_name;        /* "CLICK status"; encoded per RFC 2047 when needed */
	const char *from_addr;        /* "status@synchronet.com" (checked: one addr-spec) */
	const char *to_addr;          /* the one recipient (checked: one addr-spec) */
	const char *subject;          /* UTF-8, folded and RFC 2047-encoded */
	int64_t     date;             /* epoch seconds, the Date header (UTC) */
	const char *message_id;       /* "m12.s34@status.synchronet.com", without <> */
	const char *thread_id;        /* NULL, or "incident-3@status.synchronet.com": References/In-Reply-To */
	const char *list_id;          /* "CLICK status <status.synchronet.com>", NULL: none */
	const char *unsubscribe_url;  /* https URL: List-Unsubscribe + List-Unsubscribe-Post (RFC 8058); NULL: none */
	const char *text;             /* text/plain body (required) */
	const char *html;             /* text/html body; NULL: text only */
};

/*
 * Builds m into an owned buffer *out of *len bytes: CRLF line ends only,
 * every body part quoted-printable or base64 (7bit-clean), headers
 * Date, From, To, Subject, Message-ID, MIME-Version, Auto-Submitted:
 * auto-generated, List-Id, List-Unsubscribe(-Post) when set; a
 * multipart/alternative with text first when html is set. The same m gives
 * the same bytes (no boundary or date from the clock). Fails with
 * CS_ERR_USAGE naming the field for an address that is not one addr-spec
 * or a missing required field, CS_ERR_NOMEM.
 */
cs_err mail_msg_build(const struct mail_msg *m, char **out, size_t *len, char *err, size_t errlen);

/* Nonzero when s is one plain addr-spec (local@domain, no display name, no CR/LF, <= 254 bytes). */
int mail_msg_addr_ok(const char *s);

/*
 * in with a domain typed in Unicode (jan@müller.example) written in its
 * ASCII form (jan@xn--mller-kva.example) by GMime's IDNA support, into out
 * (len bytes). The domain may hold only letters, digits, '-', '.' and
 * UTF-8; the local part is kept. Returns 0 (out empty) when there is no
 * such form; an ASCII domain is copied as it is. The result is still to
 * be checked by mail_msg_addr_ok().
 */
int mail_msg_addr_ascii(const char *in, char *out, size_t len);

/* What a reader's mailbox list shows of one message. */
struct mail_summary {
	int64_t date;          /* its Date header, 0 if none */
	char    to[320];       /* the To addresses, as GMime formats them */
	char    subject[1024]; /* decoded (RFC 2047) */
};

/*
 * Reads the headers of the message in file path (a Maildir entry) with
 * GMime. CS_ERR_IO when it cannot be opened, CS_ERR_PARSE when it is not
 * a message.
 */
cs_err mail_msg_summary(const char *path, struct mail_summary *out, char *err, size_t errlen);

#endif
