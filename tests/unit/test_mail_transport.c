/* test_mail_transport.c: Maildir delivery, the configuration checks, the SMTP TLS policy (no connection). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "email/mail_transport.h"
#include "email/mail_transport_priv.h"
#include "testutil.h"

/* ---- helpers ---- */

static char *
make_tmpdir(void)
{
	char *d = testutil_tmpdir("cs-mail-transport");

	assert_non_null(d);
	return d;
}

static void
rm_rf(const char *path)
{
	assert_int_equal(testutil_rm_rf(path), 0);
}

/* Names in dir (not . and ..), at most max; returns how many. */
static size_t
list_dir(const char *dir, char names[][256], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_true(n < max);
		snprintf(names[n], 256, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* "<digits>.<pid>_<digits>.<something>" */
static int
name_ok(const char *name, long pid)
{
	char want[32];
	const char *p = name;

	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	snprintf(want, sizeof(want), ".%ld_", pid);
	if (strncmp(p, want, strlen(want)) != 0)
		return 0;
	p += strlen(want);
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return p[0] == '.' && p[1] != '\0' && strchr(p + 1, '/') == NULL && strchr(p + 1, ':') == NULL;
}

static struct mail_transport_config
maildir_cfg(const char *root, int parallel)
{
	struct mail_transport_config c;

	memset(&c, 0, sizeof(c));
	c.maildir = root;
	c.parallel = parallel;
	c.timeout = 30;
	return c;
}

/* Submits jobs[0..n) and collects every result into out (indexed by tag - 1). */
static void
run_jobs(struct mail_transport *t, const struct mail_job *jobs, size_t n, struct mail_result *out)
{
	size_t next = 0, got = 0;
	char err[256];

	while (got < n) {
		struct mail_result res[8];
		size_t k = 0, i;

		while (next < n && mail_transport_room(t) > 0) {
			assert_int_equal(mail_transport_submit(t, &jobs[next], err, sizeof(err)), CS_OK);
			next++;
		}
		assert_int_equal(mail_transport_wait(t, 1000, res, 8, &k, err, sizeof(err)), CS_OK);
		assert_true(k > 0);
		for (i = 0; i < k; i++) {
			assert_true(res[i].tag >= 1 && res[i].tag <= n);
			out[res[i].tag - 1] = res[i];
		}
		got += k;
	}
	assert_int_equal(mail_transport_pending(t), 0);
}

/* ---- Maildir ---- */

#define NMSG 60

/* N messages land in new/, one file each, unique names, LF line ends, tmp/ empty after. */
static void
test_maildir_delivery(void **state)
{
	char *dir = make_tmpdir();
	char root[300], path[700], names[NMSG + 4][256];
	char *data[NMSG];
	char expect[NMSG][256];
	struct mail_job jobs[NMSG];
	struct mail_result res[NMSG];
	int seen[NMSG] = { 0 };
	struct mail_transport_config c;
	struct mail_transport *t = NULL;
	struct stat st;
	char err[256];
	size_t i, n;

	(void)state;
	snprintf(root, sizeof(root), "%s/Maildir", dir);
	c = maildir_cfg(root, 8);
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	/* created 0700 with tmp/ new/ cur/ */
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	for (i = 0; i < 3; i++) {
		static const char *const sub[] = { "tmp", "new", "cur" };

		snprintf(path, sizeof(path), "%s/%s", root, sub[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	for (i = 0; i < NMSG; i++) {
		char buf[256];

		/* CRLF lines, a lone dot, a lone CR inside a line (kept), no final CRLF on the last */
		snprintf(buf, sizeof(buf), "Subject: m%zu\r\nX-Tag: %zu\r\n\r\nfirst\r\n.\r\na\rb\r\n\r\nlast",
		    i + 1, i + 1);
		data[i] = strdup(buf);
		snprintf(expect[i], sizeof(expect[i]), "Subject: m%zu\nX-Tag: %zu\n\nfirst\n.\na\rb\n\nlast", i + 1, i + 1);
		jobs[i].tag = i + 1;
		jobs[i].from = "status@example.com";
		jobs[i].rcpt = "someone@example.org";
		jobs[i].data = data[i];
		jobs[i].len = strlen(buf);
	}
	run_jobs(t, jobs, NMSG, res);
	for (i = 0; i < NMSG; i++) {
		assert_int_equal(res[i].tag, i + 1);
		assert_int_equal(res[i].outcome, MAIL_SENT);
		assert_int_equal(res[i].code, 0);
		assert_null(strstr(res[i].detail, "someone"));
	}
	mail_transport_free(t);

	snprintf(path, sizeof(path), "%s/tmp", root);
	assert_int_equal(list_dir(path, names, NMSG + 4), 0);
	snprintf(path, sizeof(path), "%s/cur", root);
	assert_int_equal(list_dir(path, names, NMSG + 4), 0);
	snprintf(path, sizeof(path), "%s/new", root);
	n = list_dir(path, names, NMSG + 4);
	assert_int_equal(n, NMSG);   /* no name used twice (a clash would have overwritten) */
	for (i = 0; i < n; i++) {
		char file[1000];
		size_t len, k;
		char *text;
		unsigned long tag = 0;
		const char *x;

		assert_true(name_ok(names[i], (long)getpid()));
		assert_true(snprintf(file, sizeof(file), "%s/%s", path, names[i]) < (int)sizeof(file));
		assert_int_equal(stat(file, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		text = slurp(file, &len);
		x = strstr(text, "X-Tag: ");
		assert_non_null(x);
		tag = strtoul(x + 7, NULL, 10);
		assert_true(tag >= 1 && tag <= NMSG);
		assert_int_equal(seen[tag - 1], 0);
		seen[tag - 1] = 1;
		assert_int_equal(len, strlen(expect[tag - 1]));
		assert_memory_equal(text, expect[tag - 1], len);
		for (k = 0; k + 1 < len; k++)
			assert_false(text[k] == '\r' && text[k + 1] == '\n');
		free(text);
	}
	for (i = 0; i < NMSG; i++)
		free(data[i]);
	rm_rf(dir);
	free(dir);
}

/* room() counts down to 0 at `parallel` undelivered results; submit then says CS_ERR_STATE. */
static void
test_maildir_room(void **state)
{
	char *dir = make_tmpdir();
	struct mail_transport_config c = maildir_cfg(dir, 2);
	struct mail_transport *t = NULL;
	struct mail_job j = { 7, "a@example.com", "b@example.com", "x\r\n", 3 };
	struct mail_result res[4];
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	assert_int_equal(mail_transport_room(t), 2);
	assert_int_equal(mail_transport_pending(t), 0);
	assert_int_equal(mail_transport_wait(t, 0, res, 4, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_OK);
	j.tag = 8;
	assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_OK);
	assert_int_equal(mail_transport_room(t), 0);
	assert_int_equal(mail_transport_pending(t), 2);
	j.tag = 9;
	assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_ERR_STATE);
	/* one at a time */
	assert_int_equal(mail_transport_wait(t, 0, res, 1, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].tag, 7);
	assert_int_equal(mail_transport_room(t), 1);
	assert_int_equal(mail_transport_wait(t, 0, res, 4, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].tag, 8);
	assert_int_equal(res[0].outcome, MAIL_SENT);
	assert_int_equal(mail_transport_room(t), 2);
	mail_transport_free(t);
	mail_transport_free(NULL);
	rm_rf(dir);
	free(dir);
}

/* Creates dir/name holding "x", last touched age seconds ago. */
static void
touch_aged(const char *dir, const char *name, long age)
{
	char path[512];
	struct timespec ts[2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/*
 * A message half-written when its sender was killed stays in tmp/; the
 * next transport deletes it once 36 hours old (the Maildir spec), and
 * leaves a younger one, which may be another pass's delivery in progress;
 * one kept open deletes it at its next delivery.
 */
static void
test_maildir_tmp_sweep(void **state)
{
	char *dir = make_tmpdir();
	char tmp[512], path[600];
	struct mail_transport_config c = maildir_cfg(dir, 1);
	struct mail_transport *t = NULL;
	static const char msg[] = "Subject: s\r\n\r\nbody\r\n";
	struct mail_job job = { .tag = 1, .from = "status@example.com", .rcpt = "a@example.org",
				.data = msg, .len = sizeof(msg) - 1 };
	struct mail_result res;
	char err[256];

	(void)state;
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	mail_transport_free(t);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	touch_aged(tmp, "1700000000.41_1.host", 37 * 3600);
	touch_aged(tmp, "1700000000.42_1.host", 35 * 3600);
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	snprintf(path, sizeof(path), "%s/1700000000.41_1.host", tmp);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/1700000000.42_1.host", tmp);
	assert_int_equal(access(path, F_OK), 0);
	/* A transport kept open (the daemon's, for months) sweeps too: at its next delivery. */
	touch_aged(tmp, "1700000000.43_1.host", 37 * 3600);
	run_jobs(t, &job, 1, &res);
	assert_int_equal(res.outcome, MAIL_SENT);
	snprintf(path, sizeof(path), "%s/1700000000.43_1.host", tmp);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/1700000000.42_1.host", tmp);
	assert_int_equal(access(path, F_OK), 0);
	mail_transport_free(t);
	rm_rf(dir);
	free(dir);
}

/* The Maildir's tmp/ removed under the transport: MAIL_RETRY with the errno text; nothing in new/. */
static void
test_maildir_disk_error(void **state)
{
	char *dir = make_tmpdir();
	struct mail_transport_config c = maildir_cfg(dir, 1);
	struct mail_transport *t = NULL;
	struct mail_job j = { 1, "a@example.com", "b@example.com", "x\r\n", 3 };
	struct mail_result res[1];
	char err[256], path[400], names[4][256];
	size_t n;

	(void)state;
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_OK);
	assert_int_equal(mail_transport_wait(t, 0, res, 1, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].outcome, MAIL_RETRY);
	assert_int_equal(res[0].code, 0);
	assert_non_null(strstr(res[0].detail, "No such file or directory"));
	assert_non_null(strstr(res[0].detail, "tmp/"));
	mail_transport_free(t);
	snprintf(path, sizeof(path), "%s/new", dir);
	assert_int_equal(list_dir(path, names, 4), 0);
	rm_rf(dir);
	free(dir);
}

/* A root that cannot be a Maildir: CS_ERR_IO naming it. */
static void
test_maildir_bad_root(void **state)
{
	char *dir = make_tmpdir();
	char root[400], err[512];
	struct mail_transport_config c;
	struct mail_transport *t = NULL;
	FILE *f;

	(void)state;
	snprintf(root, sizeof(root), "%s/file", dir);
	f = fopen(root, "w");
	assert_non_null(f);
	fclose(f);
	c = maildir_cfg(root, 1);
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_ERR_IO);
	assert_null(t);
	assert_non_null(strstr(err, root));
	snprintf(root, sizeof(root), "%s/no/such/parent", dir);
	c = maildir_cfg(root, 1);
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_ERR_IO);
	assert_non_null(strstr(err, "no/such/parent"));
	rm_rf(dir);
	free(dir);
}

/* Jobs no transport could carry: their one result is MAIL_REJECTED, nothing is delivered. */
static void
test_job_checks(void **state)
{
	char *dir = make_tmpdir();
	struct mail_transport_config c = maildir_cfg(dir, 8);
	struct mail_transport *t = NULL;
	static const char *const bad_rcpt[] = {
		"", "a@b.example\r\nRCPT TO:<x@evil.example>", "a b@example.com", "<a@example.com>",
		"a@example.com\n", "tab\t@example.com"
	};
	struct mail_job j = { 0, "a@example.com", NULL, "x\r\n", 3 };
	struct mail_result res[8];
	char err[256], path[400], names[4][256];
	size_t i, n;

	(void)state;
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	for (i = 0; i < sizeof(bad_rcpt) / sizeof(bad_rcpt[0]); i++) {
		j.tag = i + 1;
		j.rcpt = bad_rcpt[i];
		assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_OK);
	}
	j.tag = 100;
	j.rcpt = "ok@example.com";
	j.from = "bad\r\nsender@example.com";
	assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_OK);
	assert_int_equal(mail_transport_pending(t), 7);
	assert_int_equal(mail_transport_room(t), 1);
	assert_int_equal(mail_transport_wait(t, 0, res, 8, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++) {
		assert_int_equal(res[i].outcome, MAIL_REJECTED);
		assert_int_equal(res[i].code, 0);
		assert_null(strchr(res[i].detail, '@'));
	}
	assert_non_null(strstr(res[6].detail, "sender"));
	/* a missing field is the caller's bug */
	j.from = NULL;
	assert_int_equal(mail_transport_submit(t, &j, err, sizeof(err)), CS_ERR_USAGE);
	mail_transport_free(t);
	snprintf(path, sizeof(path), "%s/new", dir);
	assert_int_equal(list_dir(path, names, 4), 0);
	rm_rf(dir);
	free(dir);
}

/* ---- configuration ---- */

static void
expect_config_error(const struct mail_transport_config *c, const char *field)
{
	struct mail_transport *t = NULL;
	char err[512] = "";

	assert_int_equal(mail_transport_new(c, &t, err, sizeof(err)), CS_ERR_CONFIG);
	assert_null(t);
	if (strstr(err, field) != err)
		fail_msg("error '%s' does not start with the field '%s'", err, field);
}

static void
test_config_checks(void **state)
{
	struct mail_transport_config c;
	struct mail_transport *t = NULL;
	char err[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.smtp_url = "smtp://127.0.0.1:2525";
	c.timeout = 30;
	c.parallel = 0;
	expect_config_error(&c, "parallel");
	c.parallel = 33;
	expect_config_error(&c, "parallel");
	c.parallel = -1;
	expect_config_error(&c, "parallel");
	c.smtp_url = NULL;
	c.maildir = "/nonexistent/should-not-be-created";
	c.parallel = 33;
	expect_config_error(&c, "parallel");
	c.maildir = NULL;
	c.parallel = 4;
	expect_config_error(&c, "maildir");

	c.smtp_url = "smtp://127.0.0.1:2525";
	c.timeout = 0;
	expect_config_error(&c, "timeout");
	c.timeout = 30;
	c.smtp_url = "http://127.0.0.1:2525";
	expect_config_error(&c, "smtp_url");
	c.smtp_url = "smtp://";
	expect_config_error(&c, "smtp_url");
	c.smtp_url = "127.0.0.1:2525";
	expect_config_error(&c, "smtp_url");
	c.smtp_url = "smtp://user:secret@127.0.0.1:2525";
	expect_config_error(&c, "smtp_url");
	c.smtp_url = "smtp://127.0.0.1:2525";
	c.helo_name = "client.example.com\r\nRCPT TO:<x@example.com>";
	expect_config_error(&c, "helo_name");
	c.helo_name = "two words";
	expect_config_error(&c, "helo_name");
	c.helo_name = NULL;
	c.password = "secret";
	expect_config_error(&c, "password");
	c.password = NULL;

	/* limits that are fine; no connection is made by _new or _free */
	c.parallel = 1;
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	assert_int_equal(mail_transport_room(t), 1);
	mail_transport_free(t);
	c.parallel = 32;
	c.smtp_url = "smtp://smtp.example.com";   /* not loopback: STARTTLS required, allowed */
	c.username = "u";
	c.password = "p";
	c.ca_file = "/nonexistent/ca.pem";
	c.helo_name = "client.example.com";
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	assert_int_equal(mail_transport_room(t), 32);
	assert_int_equal(mail_transport_pending(t), 0);
	mail_transport_free(t);
	c.smtp_url = "smtps://smtp.example.com:465";
	assert_int_equal(mail_transport_new(&c, &t, err, sizeof(err)), CS_OK);
	mail_transport_free(t);
}

/* ---- the TLS policy, from the URL's host as libcurl parses it ---- */

static void
expect_policy(const char *url, int loopback, int smtps, long use_ssl)
{
	struct smtp_policy p;
	char err[256] = "";

	if (transport_smtp_policy(url, NULL, &p, err, sizeof(err)) != CS_OK)
		fail_msg("%s: %s", url, err);
	if (p.loopback != loopback || p.smtps != smtps || p.use_ssl != use_ssl)
		fail_msg("%s: loopback %d smtps %d use_ssl %ld, expected %d %d %ld", url, p.loopback, p.smtps,
		    p.use_ssl, loopback, smtps, use_ssl);
	curl_free(p.url);
}

static void
test_tls_policy(void **state)
{
	struct smtp_policy p;
	char err[256];

	(void)state;
	/* plain text only to this machine */
	expect_policy("smtp://127.0.0.1:2525", 1, 0, CURLUSESSL_NONE);
	expect_policy("smtp://[::1]:25", 1, 0, CURLUSESSL_NONE);
	expect_policy("smtp://localhost", 1, 0, CURLUSESSL_NONE);
	expect_policy("smtp://LocalHost:25", 1, 0, CURLUSESSL_NONE);
	expect_policy("smtp://127.255.0.9", 1, 0, CURLUSESSL_NONE);
	expect_policy("smtp://[::ffff:127.0.0.1]:25", 1, 0, CURLUSESSL_NONE);
	/* everything else must upgrade with STARTTLS */
	expect_policy("smtp://smtp.example.com", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://smtp.example.com:587", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://localhost.example.com", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://127.0.0.1.example.com", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://128.0.0.1", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://10.0.0.1", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://[::2]", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://[::ffff:10.0.0.1]", 0, 0, CURLUSESSL_ALL);
	expect_policy("smtp://vm", 0, 0, CURLUSESSL_ALL);   /* a name, even one that resolves to 127.0.0.1 */
	/* smtps: TLS from the first byte, also to loopback */
	expect_policy("smtps://smtp.example.com:465", 0, 1, CURLUSESSL_ALL);
	expect_policy("smtps://127.0.0.1:465", 1, 1, CURLUSESSL_ALL);

	/* helo_name becomes the path (libcurl's EHLO name) */
	assert_int_equal(transport_smtp_policy("smtp://127.0.0.1:2525", "client.example.com", &p, err, sizeof(err)),
	    CS_OK);
	assert_string_equal(p.url, "smtp://127.0.0.1:2525/client.example.com");
	curl_free(p.url);
	assert_int_equal(transport_smtp_policy("smtp://127.0.0.1:2525/old", "[192.0.2.1]", &p, err, sizeof(err)),
	    CS_OK);
	assert_string_equal(p.url, "smtp://127.0.0.1:2525/[192.0.2.1]");
	curl_free(p.url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maildir_delivery),
		cmocka_unit_test(test_maildir_room),
		cmocka_unit_test(test_maildir_tmp_sweep),
		cmocka_unit_test(test_maildir_disk_error),
		cmocka_unit_test(test_maildir_bad_root),
		cmocka_unit_test(test_job_checks),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_tls_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
