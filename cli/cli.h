/* cli.h: what the clickstatus subcommands share: global options, loading, output. */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>
#include <stdio.h>

#include "aws/catalogue.h"
#include "model/config.h"
#include "base/cs_error.h"

/* Exit codes (STYLE.md): 0 ok, 1 runtime failure, 2 usage or configuration. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* Global options, accepted before or after the command. */
struct cli_globals {
	const char *config_path; /* NULL: the embedded CLICK configuration */
	const char *state_dir;   /* SQLite store and default site dir */
	int64_t     now;         /* judge as of this time (epoch); the clock if !now_set */
	int         now_set;
	int         verbose;
	int         syslog;      /* log to syslog(3) (daemon facility) instead of stderr */
};

/* A subcommand: argv[0] is the command name; returns an exit code. */
struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct cli_globals *g, int argc, char **argv);
	void (*usage)(FILE *fp);
};

/*
 * Loads the catalogue and the configuration named by g. On failure prints
 * every error to stderr and returns CS_ERR_CONFIG (exit 2). *cat and *cfg
 * are owned by the caller.
 */
cs_err cli_load(const struct cli_globals *g, struct catalogue **cat, struct config **cfg);

/*
 * Logs one line to stderr: "LEVEL subsystem: message" (with --syslog: to
 * syslog at the matching priority). debug only with -v.
 */
void cli_log(const struct cli_globals *g, const char *level, const char *subsys,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Option readers of the daemon's commands: a time (ISO 8601) and a number
 * of milliseconds in 0..max. Return 0, or CLI_EXIT_USAGE after printing
 * "clickstatus CMD: OPT: ..." naming the value.
 */
int cli_opt_time(const char *cmd, const char *opt, const char *val, int64_t *out);
int cli_opt_ms(const char *cmd, const char *opt, const char *val, int64_t max, int64_t *out);

/* Reads a non-negative whole number of seconds ("86400"); 0 or -1. */
int cli_parse_seconds(const char *s, int64_t *out);

/*
 * Where the site is published: override if given, else the configuration's
 * site_dir, which is relative to the state directory unless absolute.
 * Returns 0, or -1 if buf is too small.
 */
int cli_site_dir(const struct cli_globals *g, const struct config *cfg, const char *override,
    char *buf, size_t len);

/*
 * Nonzero when s is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). Engineers' text goes into SQLite and from
 * there into JSON, Atom and mail, whose writers refuse anything else.
 */
int cli_utf8_valid(const char *s);

/* Longest text an engineer may give (--title, --message, --reason, --author). */
#define CLI_MAX_TEXT 65536

/*
 * Checks one text argument named what of command cmd: at most CLI_MAX_TEXT
 * bytes and valid UTF-8 (it goes into JSON and the store). NULL is fine.
 * Returns 1, or 0 after printing why.
 */
int cli_text_ok(const char *cmd, const char *what, const char *s);

/* Who is acting, for the audit log: the login name, $USER, or "unknown". Static. */
const char *cli_login_name(void);

/* Nonzero when args contain -h or --help. */
int cli_wants_help(int argc, char **argv);

/* The commands, each in its own file. */
int cmd_check_config(struct cli_globals *g, int argc, char **argv);
void cmd_check_config_usage(FILE *fp);
int cmd_feeds(struct cli_globals *g, int argc, char **argv);
void cmd_feeds_usage(FILE *fp);
int cmd_feed(struct cli_globals *g, int argc, char **argv);
void cmd_feed_usage(FILE *fp);
int cmd_poll(struct cli_globals *g, int argc, char **argv);
void cmd_poll_usage(FILE *fp);
int cmd_render(struct cli_globals *g, int argc, char **argv);
void cmd_render_usage(FILE *fp);
int cmd_status(struct cli_globals *g, int argc, char **argv);
void cmd_status_usage(FILE *fp);
int cmd_dump(struct cli_globals *g, int argc, char **argv);
void cmd_dump_usage(FILE *fp);
int cmd_explain(struct cli_globals *g, int argc, char **argv);
void cmd_explain_usage(FILE *fp);
int cmd_incident(struct cli_globals *g, int argc, char **argv);
void cmd_incident_usage(FILE *fp);
int cmd_maintenance(struct cli_globals *g, int argc, char **argv);
void cmd_maintenance_usage(FILE *fp);
int cmd_sla(struct cli_globals *g, int argc, char **argv);
int cmd_subscribers(struct cli_globals *g, int argc, char **argv);
void cmd_subscribers_usage(FILE *fp);
int cmd_mail(struct cli_globals *g, int argc, char **argv);
void cmd_mail_usage(FILE *fp);
int cmd_outbox(struct cli_globals *g, int argc, char **argv);
void cmd_outbox_usage(FILE *fp);
void cmd_sla_usage(FILE *fp);
int cmd_serve(struct cli_globals *g, int argc, char **argv);
void cmd_serve_usage(FILE *fp);
int cmd_mqtt(struct cli_globals *g, int argc, char **argv);
void cmd_mqtt_usage(FILE *fp);
int cmd_run(struct cli_globals *g, int argc, char **argv);
void cmd_run_usage(FILE *fp);
int cmd_replay(struct cli_globals *g, int argc, char **argv);
void cmd_replay_usage(FILE *fp);
int cmd_health(struct cli_globals *g, int argc, char **argv);
void cmd_health_usage(FILE *fp);

/*
 * Takes the state directory's instance lock for a one-shot that drains an
 * outbox (`mail`, `mqtt`): a second sender beside the daemon could send a
 * message twice. shared: for `mail`, whose passes may run together (not
 * beside the daemon). Returns 0 with *fd to pass to cli_unlock, or an exit
 * code after printing who holds it.
 */
int cli_lock(const struct cli_globals *g, const char *what, int shared, int *fd);
void cli_unlock(int fd);
int cmd_publish(struct cli_globals *g, int argc, char **argv);
void cmd_publish_usage(FILE *fp);

#endif
