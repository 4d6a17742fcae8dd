/* config.h: the product's configuration (feeds/click.json by default), loaded and checked. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/bizclock.h"
#include "aws/catalogue.h"
#include "base/cs_error.h"
#include "base/status.h"

/* One AWS dependency of a component. */
struct config_dep {
	char *service;      /* AWS service slug part, "connect" */
	char *region;       /* "us-east-1", NULL for a global service */
	char *slug;         /* feed slug: service-region, or service */
	/* component status for each AWS state (index status_aws 0..3) */
	status_component map[4];
};

struct config_component {
	char  *id;          /* stable identifier, [a-z0-9-]+ */
	char  *name;
	char  *group;       /* group shown on the page, may be "" */
	char  *description;
	double user_share;  /* share of the product's users who depend on it, 0..1 */
	struct config_dep *deps;
	size_t ndeps;
};

/* Email alerts (config "email"); strings owned. */
struct config_email {
	char   *from;             /* envelope and From address: "status@synchronet.com" */
	char   *from_name;        /* "CLICK status" */
	char   *subscribe_url;    /* public URL of `clickstatus serve` behind the site's proxy */
	char   *listen;           /* where `serve` listens: "127.0.0.1:8025" */
	char   *maildir;          /* Maildir when no relay, relative to the state dir if not absolute */
	char   *smtp_url;         /* relay: "smtps://..." or "smtp://..." (STARTTLS); NULL: Maildir */
	char   *smtp_username;    /* NULL: no AUTH */
	char   *smtp_password_file; /* file holding the password (first line), NULL */
	char   *smtp_ca_file;     /* extra CA bundle, NULL: the system's */
	char   *smtp_helo;        /* EHLO name, NULL: libcurl's */
	int     smtp_parallel;    /* connections at once */
	int64_t smtp_timeout;     /* seconds per message */
	int64_t batch_window;     /* seconds: updates of one incident within it make one mail */
	int64_t max_age;          /* seconds: older alerts are never mailed */
	int     max_attempts;     /* tries of one delivery before it is a dead letter */
	int64_t confirm_ttl;      /* seconds a confirmation link is valid */
	int     rate_per_client;  /* subscribe requests per client address per hour */
	int     rate_per_address; /* confirmation mails per address per day */
	int     max_connections;  /* `serve`: connections at once */
};

/*
 * MQTT for dashboards (config "mqtt"); strings owned. Off (host NULL)
 * without the section or with "enabled": false.
 */
struct config_mqtt {
	char   *host;             /* broker; NULL: MQTT is off */
	int     port;             /* 1883, or 8883 with tls */
	int     tls;              /* TLS with the broker's certificate and name checked */
	char   *ca_file;          /* CA bundle, NULL: the system's */
	char   *cert_file;        /* client certificate, NULL: none */
	char   *key_file;         /* its key */
	char   *username;         /* NULL: anonymous */
	char   *password_file;    /* file holding the password (first line), NULL */
	char   *client_id;        /* "clickstatus-click" */
	char   *prefix;           /* topic prefix, "click/status": no '+', '#', leading '$' */
	int     protocol;         /* 5 (falls back to 3.1.1 when the broker refuses 5) or 4: 3.1.1 */
	int64_t keepalive;        /* seconds */
	int64_t event_expiry;     /* seconds: MQTT 5 message expiry of an event */
	int64_t max_age;          /* seconds: events older than this are not replayed */
};

/*
 * One publish target (config "publish"[i]): a copy of the site outside the
 * machine that renders it, so the page outlives an outage of its host
 * (publisher/targets/targets.h). Strings owned; NULL when not given.
 */
enum config_target_type {
	CONFIG_TARGET_S3 = 1,         /* any S3-compatible endpoint, AWS Signature V4 */
	CONFIG_TARGET_SFTP            /* an SSH server, key authentication, known host key */
};

struct config_target {
	char   *name;                 /* [a-z0-9-]+, unique: logs, the store, --target */
	enum config_target_type type;
	/* s3 */
	char   *endpoint;             /* "https://s3.eu-west-1.amazonaws.com", no path */
	char   *bucket;
	char   *region;               /* signing region, "eu-west-1" */
	char   *prefix;               /* key prefix, "" or ending in '/' */
	char   *access_key_id;
	char   *secret_access_key_file; /* file holding the secret (first line) */
	int     path_style;           /* 1: endpoint/bucket/key; 0: bucket.host/key */
	/* sftp */
	char   *url;                  /* "sftp://host:22/var/www/status" */
	char   *username;
	char   *private_key_file;
	char   *public_key_file;      /* NULL: derived from the private key */
	char   *known_hosts_file;     /* the host's key must be in it */
	/* both */
	int64_t timeout_connect;      /* seconds to connect (TCP, TLS, SSH handshake) */
	int64_t timeout_stall;        /* seconds without a byte moving before a transfer is dropped */
	int64_t retry_min;            /* seconds: first retry after a failure, doubling... */
	int64_t retry_max;            /* ...up to this */
};

struct config {
	char   *product;          /* "CLICK" */
	char   *company;          /* "SynchroNet" */
	char   *site_url;         /* public URL of the status site */
	char   *site_dir;         /* where `render` publishes, relative to the state dir if not absolute */
	char   *feed_base_url;    /* "https://status.aws.amazon.com/rss/" */
	char   *currentevents_url;/* "https://health.aws.amazon.com/public/currentevents" */
	int64_t poll_interval;    /* seconds between poll cycles */
	int64_t render_interval;  /* seconds: the site is re-published at least this often, changed or not */
	int64_t quiet_limit;      /* seconds; see classify.h */
	int     max_parallel;     /* concurrent feed transfers */
	int64_t timeout_connect;  /* seconds */
	int64_t timeout_total;    /* seconds */
	size_t  max_feed_bytes;   /* decoded size cap per feed */
	int64_t flap_window;      /* seconds: an AWS cause back within it re-opens its incident */
	int64_t clock_skew;       /* seconds: AWS items dated up to this far ahead of our clock
	                           * are taken (live mode; a replay at --now sets it to 0) */
	struct bizclock business; /* support hours and holidays: P3/P4 and RCA clocks */
	struct config_email email;
	struct config_mqtt mqtt;
	struct config_target *targets; /* "publish": copies of the site elsewhere */
	size_t ntargets;
	struct config_component *components;
	size_t ncomponents;
	char  **feed_slugs;       /* distinct feed slugs needed, sorted (see config_feed_slugs) */
	size_t nfeed_slugs;
	char  **feed_names;       /* parallel to feed_slugs: "Amazon Connect (N. Virginia)" */
};

/* Largest configuration file accepted, in bytes. */
#define CONFIG_MAX_BYTES (1024 * 1024)

/*
 * Parses a configuration from JSON text. name (a file name) prefixes every
 * message. Unknown services and regions are checked against cat, with a
 * suggestion. On error returns CS_ERR_CONFIG and writes *every* problem into
 * err, one per line, each with its JSON path
 * ("feeds/click.json: components[2].depends_on[0].region: unknown region
 * \"us-east-9\" (did you mean \"us-east-1\"?)"), or line:column for a syntax
 * error. On success *out is owned by the caller. cat may be NULL: the
 * embedded catalogue is used. Other failures: CS_ERR_TOOBIG (more than
 * CONFIG_MAX_BYTES), CS_ERR_NOMEM.
 */
cs_err config_parse(const char *name, const char *json, size_t len,
    const struct catalogue *cat, struct config **out, char *err, size_t errlen);

/*
 * Reads and parses a file; the embedded CLICK default (named
 * "feeds/click.json (embedded)") when path is NULL. CS_ERR_IO when the file
 * cannot be read, otherwise as config_parse().
 */
cs_err config_load(const char *path, const struct catalogue *cat,
    struct config **out, char *err, size_t errlen);

/*
 * Like config_parse() and config_load(), but the messages, however many,
 * go into an owned *report (one per line, each ending in '\n'; NULL on
 * success and on CS_ERR_NOMEM) instead of a fixed buffer: for
 * `clickstatus check-config`. The caller frees *report.
 */
cs_err config_parse_report(const char *name, const char *json, size_t len,
    const struct catalogue *cat, struct config **out, char **report);
cs_err config_load_report(const char *path, const struct catalogue *cat,
    struct config **out, char **report);

/*
 * The distinct feed slugs the configuration needs, sorted: every dependency's
 * slug plus "multipleservices-<region>" for each region used (the mapper
 * reads those too). Borrowed from cfg.
 */
const char *const *config_feed_slugs(const struct config *cfg, size_t *n);

/* The name readers are told for feed slug ("Amazon Connect (N. Virginia)"); slug itself when unknown. */
const char *config_feed_name(const struct config *cfg, const char *slug);

/* The index of slug in config_feed_slugs(), or -1 when the configuration does not need it. */
long config_feed_index(const struct config *cfg, const char *slug);

/* Component by id, or NULL. */
const struct config_component *config_find_component(const struct config *cfg, const char *id);

void config_free(struct config *cfg);

#endif
