/* mail_transport_tool.c: submits messages through mail_transport, prints one line per result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "email/mail_transport.h"

/*
 * usage: mail_transport_tool (--maildir DIR | --url URL) [--ca FILE] [--user U --password P]
 *            [--helo NAME] [--parallel P] [--timeout S] [--from ADDR]
 *            [--count N [--pad LINES] [--expect DIR]] [FILE...]
 *
 * Message i (tag i, from 1) goes to "user<i>@example.test". With --count N the
 * messages are generated: headers with "X-Tag: <i>", a body with a line that is
 * just ".", a line starting with "..", LINES (default i % 40) filler lines, and a
 * last line ".", CRLF line ends; --expect DIR writes each as DIR/<i>.eml, the
 * bytes submitted. Otherwise each FILE is one message, sent as it is.
 *
 * Prints "TAG OUTCOME CODE DETAIL" per result (OUTCOME: SENT, RETRY, REJECTED)
 * in the order they finish, then on stderr "N messages in S s: R/s". Exits 0
 * when the transport worked (whatever the outcomes), 1 on a local failure, 2
 * on usage or configuration errors.
 */

struct opts {
	struct mail_transport_config cfg;
	const char *from;
	long        count;
	long        pad;       /* -1: i % 40 */
	const char *expect;
	char      **files;
	int         nfiles;
};

static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int i;
	long v;

	memset(o, 0, sizeof(*o));
	o->cfg.parallel = 4;
	o->cfg.timeout = 10;
	o->from = "sender@example.test";
	o->pad = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			o->files = argv + i;
			o->nfiles = argc - i;
			break;
		}
		if (val == NULL)
			return -1;
		i++;
		if (strcmp(a, "--maildir") == 0)
			o->cfg.maildir = val;
		else if (strcmp(a, "--url") == 0)
			o->cfg.smtp_url = val;
		else if (strcmp(a, "--ca") == 0)
			o->cfg.ca_file = val;
		else if (strcmp(a, "--user") == 0)
			o->cfg.username = val;
		else if (strcmp(a, "--password") == 0)
			o->cfg.password = val;
		else if (strcmp(a, "--helo") == 0)
			o->cfg.helo_name = val;
		else if (strcmp(a, "--from") == 0)
			o->from = val;
		else if (strcmp(a, "--expect") == 0)
			o->expect = val;
		else if (strcmp(a, "--parallel") == 0 && parse_long(val, -100, 100, &v) == 0)
			o->cfg.parallel = (int)v;
		else if (strcmp(a, "--timeout") == 0 && parse_long(val, 0, 100000, &v) == 0)
			o->cfg.timeout = v;
		else if (strcmp(a, "--count") == 0 && parse_long(val, 1, 10000000, &v) == 0)
			o->count = v;
		else if (strcmp(a, "--pad") == 0 && parse_long(val, 0, 10000000, &v) == 0)
			o->pad = v;
		else
			return -1;
	}
	if ((o->count > 0) == (o->nfiles > 0))
		return -1;
	return 0;
}

static char *
gen_message(const struct opts *o, long i, const char *rcpt, size_t *len)
{
	struct strbuf b = { 0 };
	long k, lines = o->pad >= 0 ? o->pad : i % 40;

	strbuf_printf(&b, "From: Test Sender <%s>\r\nTo: <%s>\r\nSubject: test message %ld\r\n"
	    "Message-ID: <%ld.tool@example.test>\r\nX-Tag: %ld\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n", o->from, rcpt, i, i, i);
	strbuf_printf(&b, "This is message %ld.\r\n.\r\n..a line that starts with two dots\r\n", i);
	for (k = 0; k < lines; k++)
		strbuf_printf(&b, "filler line %ld of message %ld: the quick brown fox jumps over the lazy dog\r\n",
		    k, i);
	strbuf_printf(&b, "The next line is a lone dot.\r\n.\r\n");
	*len = b.len;
	return strbuf_take(&b);
}

static char *
read_file(const char *path, size_t *len)
{
	struct strbuf b = { 0 };
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&b, buf, n);
	fclose(f);
	*len = b.len;
	return strbuf_take(&b);
}

static int
write_expect(const char *dir, long i, const char *data, size_t len)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%ld.eml", dir, i);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static const char *
outcome_name(enum mail_outcome o)
{
	switch (o) {
	case MAIL_SENT: return "SENT";
	case MAIL_RETRY: return "RETRY";
	case MAIL_REJECTED: return "REJECTED";
	}
	return "?";
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct mail_transport *t = NULL;
	struct mail_result res[64];
	char err[1024];
	long total, next = 1, done = 0;
	double t0;
	int status = 0;
	cs_err rc;

	if (parse_args(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: mail_transport_tool (--maildir DIR | --url URL) [--ca FILE] "
		    "[--user U --password P] [--helo NAME] [--parallel P] [--timeout S] [--from ADDR] "
		    "(--count N [--pad LINES] [--expect DIR] | FILE...)\n");
		return 2;
	}
	total = o.count > 0 ? o.count : o.nfiles;
	rc = mail_transport_new(&o.cfg, &t, err, sizeof(err));
	if (rc != CS_OK) {
		fprintf(stderr, "mail_transport_new: %s: %s\n", cs_strerror(rc), err);
		return rc == CS_ERR_CONFIG ? 2 : 1;
	}
	t0 = now_s();
	while (done < total) {
		size_t n, i;

		while (next <= total && mail_transport_room(t) > 0) {
			char rcpt[64];
			char *data;
			size_t len = 0;
			struct mail_job job;

			snprintf(rcpt, sizeof(rcpt), "user%ld@example.test", next);
			data = o.count > 0 ? gen_message(&o, next, rcpt, &len) : read_file(o.files[next - 1], &len);
			if (data == NULL) {
				fprintf(stderr, "message %ld: cannot build or read it\n", next);
				status = 1;
				goto out;
			}
			if (o.expect != NULL && write_expect(o.expect, next, data, len) != 0) {
				fprintf(stderr, "%s: cannot write message %ld\n", o.expect, next);
				free(data);
				status = 1;
				goto out;
			}
			job.tag = (uint64_t)next;
			job.from = o.from;
			job.rcpt = rcpt;
			job.data = data;
			job.len = len;
			rc = mail_transport_submit(t, &job, err, sizeof(err));
			free(data);
			if (rc != CS_OK) {
				fprintf(stderr, "submit %ld: %s: %s\n", next, cs_strerror(rc), err);
				status = 1;
				goto out;
			}
			next++;
		}
		rc = mail_transport_wait(t, 1000, res, sizeof(res) / sizeof(res[0]), &n, err, sizeof(err));
		if (rc != CS_OK) {
			fprintf(stderr, "wait: %s: %s\n", cs_strerror(rc), err);
			status = 1;
			goto out;
		}
		for (i = 0; i < n; i++)
			printf("%llu %s %d %s\n", (unsigned long long)res[i].tag, outcome_name(res[i].outcome),
			    res[i].code, res[i].detail);
		done += (long)n;
	}
	fprintf(stderr, "%ld messages in %.3f s: %.0f/s\n", total, now_s() - t0, (double)total / (now_s() - t0));
out:
	mail_transport_free(t);
	fflush(stdout);
	return status;
}
