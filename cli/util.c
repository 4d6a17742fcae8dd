/* util.c: loading, logging and help detection shared by the subcommands. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <syslog.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ascii.h"
#include "base/cstime.h"
#include "base/instance.h"
#include "cli.h"

cs_err
cli_load(const struct cli_globals *g, struct catalogue **cat, struct config **cfg)
{
	char err[CS_ERRLEN];
	char *report = NULL;
	cs_err rc;

	*cat = NULL;
	*cfg = NULL;
	err[0] = '\0';
	rc = catalogue_default(cat, err, sizeof(err));
	if (rc != CS_OK) {
		fprintf(stderr, "clickstatus: catalogue: %s\n", err);
		return rc;
	}
	/* The report form: every error of a bad file, not the first that fit a buffer. */
	rc = config_load_report(g->config_path, *cat, cfg, &report);
	if (rc != CS_OK) {
		if (report != NULL)
			fprintf(stderr, "%s%s", report,
			    (report[0] && report[strlen(report) - 1] == '\n') ? "" : "\n");
		else
			fprintf(stderr, "clickstatus: configuration: %s\n", cs_strerror(rc));
		free(report);
		catalogue_free(*cat);
		*cat = NULL;
		return CS_ERR_CONFIG;
	}
	free(report);
	/* A replay judges as of --now exactly: nothing after it exists yet. */
	if (g->now_set)
		(*cfg)->clock_skew = 0;
	return CS_OK;
}

void
cli_log(const struct cli_globals *g, const char *level, const char *subsys,
    const char *fmt, ...)
{
	char msg[4096], line[4 * sizeof(msg)];
	va_list ap;
	int n;

	if (strcmp(level, "debug") == 0 && !g->verbose)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4); /* cut, and seen to be */
	/* Messages carry AWS titles, URLs and engineers' text: one event stays one line. */
	ascii_escape_controls(msg, line, sizeof(line));
	if (g->syslog) {
		int prio = strcmp(level, "error") == 0 ? LOG_ERR :
		    strncmp(level, "warn", 4) == 0 ? LOG_WARNING :
		    strcmp(level, "debug") == 0 ? LOG_DEBUG : LOG_INFO;

		syslog(prio, "%s %s: %s", level, subsys, line);
		return;
	}
	fprintf(stderr, "%s %s: %s\n", level, subsys, line);
}

int
cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int
cli_parse_seconds(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!ascii_isdigit(*s) || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int
cli_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned c = *p;
		size_t n, i;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0; /* also stops at the NUL */
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += n + 1;
	}
	return 1;
}

int
cli_site_dir(const struct cli_globals *g, const struct config *cfg, const char *override,
    char *buf, size_t len)
{
	const char *d = override != NULL ? override : cfg->site_dir;
	int n;

	if (override != NULL || d[0] == '/')
		n = snprintf(buf, len, "%s", d);
	else
		n = snprintf(buf, len, "%s/%s", g->state_dir, d);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

const char *
cli_login_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *u = getenv("USER");

	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		return pw->pw_name;
	return (u != NULL && u[0] != '\0') ? u : "unknown";
}

int
cli_text_ok(const char *cmd, const char *what, const char *s)
{
	if (s != NULL && strlen(s) > CLI_MAX_TEXT) {
		fprintf(stderr, "clickstatus %s: %s longer than %d bytes\n", cmd, what, CLI_MAX_TEXT);
		return 0;
	}
	if (s != NULL && !cli_utf8_valid(s)) {
		fprintf(stderr, "clickstatus %s: %s is not valid UTF-8\n", cmd, what);
		return 0;
	}
	return 1;
}

int
cli_lock(const struct cli_globals *g, const char *what, int shared, int *fd)
{
	struct instance_lock l;
	char err[CS_ERRLEN];

	*fd = -1;
	if (mkdir(g->state_dir, 0755) == -1 && errno != EEXIST) {
		cli_log(g, "error", what, "%s: %s", g->state_dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (instance_lock(g->state_dir, what, shared, &l, NULL, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", what, "%s", err);
		return CLI_EXIT_FAIL;
	}
	*fd = l.fd;
	return 0;
}

void
cli_unlock(int fd)
{
	struct instance_lock l = { fd };

	instance_unlock(&l);
}

int
cli_opt_time(const char *cmd, const char *opt, const char *val, int64_t *out)
{
	if (cstime_parse_iso8601(val, out) == 0)
		return 0;
	fprintf(stderr, "clickstatus %s: %s: cannot read time \"%s\" (want e.g. 2026-08-15T03:00:00Z)\n",
	    cmd, opt, val);
	return CLI_EXIT_USAGE;
}

int
cli_opt_ms(const char *cmd, const char *opt, const char *val, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "clickstatus %s: %s: want 0..%lld milliseconds, not \"%s\"\n", cmd, opt,
		    (long long)max, val);
		return CLI_EXIT_USAGE;
	}
	*out = v;
	return 0;
}
