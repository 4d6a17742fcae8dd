/* sitemodel.h: the render model of the public status site: plain structs a caller fills, and their XML form. */
#ifndef SITEMODEL_H
#define SITEMODEL_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "base/cs_error.h"
#include "site/digest.h"
#include "base/status.h"

/*
 * The model is the one input of every page, feed and JSON file the site
 * has. A caller (the daemon, a test, the bench) fills it through the
 * adders below; every adder deep-copies what it is given (strings and
 * arrays), so the caller's structs are borrowed and may be reused at once.
 * Strings handed in must be UTF-8 and are treated as hostile text: they
 * are escaped by libxml2/jansson when written, never by hand.
 *
 * Times are int64_t seconds since the epoch, UTC; 0 means "none".
 * Identifiers (component, incident, update ids) must match
 * [A-Za-z0-9_-]{1,64}: they become file names and URL fragments.
 */

#define SITEMODEL_DAYS 90             /* daily cells of the uptime bar */
#define SITEMODEL_NODATA (-1)         /* a day cell before monitoring began */
#define SITEMODEL_MAX_TEXT (64 * 1024) /* bytes of any one string */
#define SITEMODEL_MAX_ITEMS 100000    /* of any one list in the model */

/* Incident and maintenance statuses, Statuspage's values. */
enum sitemodel_istatus {
	SITEMODEL_INVESTIGATING = 0,
	SITEMODEL_IDENTIFIED,
	SITEMODEL_MONITORING,
	SITEMODEL_RESOLVED,
	SITEMODEL_POSTMORTEM,
	SITEMODEL_SCHEDULED,          /* maintenance only, from here on */
	SITEMODEL_IN_PROGRESS,
	SITEMODEL_VERIFYING,
	SITEMODEL_COMPLETED
};

/* Incident impact, Statuspage's values. */
enum sitemodel_impact {
	SITEMODEL_IMPACT_NONE = 0,
	SITEMODEL_IMPACT_MINOR,
	SITEMODEL_IMPACT_MAJOR,
	SITEMODEL_IMPACT_CRITICAL,
	SITEMODEL_IMPACT_MAINTENANCE
};

/* Root-cause analysis owed on a resolved P1/P2 incident. */
enum sitemodel_rca {
	SITEMODEL_RCA_NONE = 0,       /* none owed */
	SITEMODEL_RCA_DRAFT,          /* a draft is published, final not yet due */
	SITEMODEL_RCA_FINAL_DUE,      /* final RCA due by rca_due */
	SITEMODEL_RCA_MET             /* final RCA published in time */
};

/* The AWS item behind a status: one classified feed entry. */
struct sitemodel_cause {
	const char *slug;             /* feed slug, "connect-eu-west-2" */
	const char *service;          /* "Amazon Connect" */
	const char *region;           /* "eu-west-2", NULL for a global service */
	status_aws  aws_state;
	const char *title;            /* the AWS item's title (hostile text) */
	const char *guid;             /* the AWS item's guid */
	int64_t     time;             /* publication time of the item */
};

/* One of the product's components. */
struct sitemodel_component {
	const char *id;
	const char *name;
	const char *group;            /* group heading, NULL or "" for none */
	const char *description;      /* may be NULL */
	status_component status;
	int64_t     created_at;
	int64_t     updated_at;       /* last status change */
	const struct sitemodel_cause *causes; /* non-normal AWS items, worst first */
	size_t      ncauses;
	/* worst status_component of each day, oldest first, the last cell is
	 * the day of page.generated_at; SITEMODEL_NODATA before monitoring */
	int         day[SITEMODEL_DAYS];
	double      uptime;           /* percent over the 90 days, 0..100 */
	int         only_show_if_degraded;
};

/* A component touched by an incident update, with its status change. */
struct sitemodel_affected {
	const char *id;               /* component id; must exist in the model */
	status_component old_status;
	status_component new_status;
};

/* One update posted on an incident or maintenance. */
struct sitemodel_update {
	const char *id;
	enum sitemodel_istatus status;
	const char *body;             /* plain text (hostile) */
	int64_t     created_at;
	int         seq;              /* posting order within its incident (1, 2, ...), 0 unknown */
	const struct sitemodel_affected *affected;
	size_t      naffected;
};

/* An incident, or (is_maintenance) a scheduled maintenance. */
struct sitemodel_incident {
	const char *id;
	const char *name;             /* title (hostile) */
	enum sitemodel_istatus status;
	enum sitemodel_impact impact;
	int         priority;         /* 1..4 for P1..P4, 0 when not set */
	int64_t     created_at;
	int64_t     updated_at;
	int64_t     started_at;
	int64_t     monitoring_at;
	int64_t     resolved_at;
	int64_t     next_update_by;   /* promised next update, active incidents */
	const char *shortlink;        /* may be NULL: the page URL is used */
	const char *const *components; /* affected component ids */
	size_t      ncomponents;
	const struct sitemodel_update *updates; /* any order; shown newest first */
	size_t      nupdates;
	const struct sitemodel_cause *causes;   /* AWS items behind it */
	size_t      ncauses;
	enum sitemodel_rca rca;
	int64_t     rca_due;          /* when the final RCA is (was) due */
	const char *rca_url;          /* an http(s) URL, or NULL */
	const char *rca_document;     /* the RCA's text (hostile), when it is no URL; or NULL */
	int         rca_document_final; /* rca_document is the final analysis (else the draft) */
	int         is_maintenance;
	int64_t     scheduled_for;    /* maintenance window */
	int64_t     scheduled_until;
};

/* An AWS service-region the product depends on, with its AWS state now. */
struct sitemodel_aws {
	const char *slug;
	const char *service;
	const char *region;           /* NULL for global */
	status_aws  state;
	const char *title;            /* latest non-normal item, may be NULL */
	int64_t     updated_at;
};

/* The page as a whole. */
struct sitemodel_page {
	const char *id;               /* Statuspage page id, e.g. "click" */
	const char *name;             /* product, "CLICK" */
	const char *company;          /* "SynchroNet" */
	const char *url;              /* "https://status.synchronet.com/" */
	const char *time_zone;        /* NULL: "Etc/UTC" */
	const char *subscribe_url;    /* form action; NULL: no form */
	int64_t     generated_at;     /* when the model was built */
	int64_t     last_successful_poll; /* "data verified at" (judgement.h), 0 never */
	int         stale;            /* no AWS feed read for 3 poll intervals, or never */
	int64_t     stale_since;      /* first failed poll, when stale; 0 when never read */
	status_indicator indicator;
	const char *description;      /* NULL: derived from indicator */
};

/* The model; read its arrays freely, change it only through the adders. */
struct sitemodel {
	struct sitemodel_page page;
	struct sitemodel_component *components;   /* in display order */
	size_t ncomponents;
	struct sitemodel_incident *incidents;     /* any order */
	size_t nincidents;
	struct sitemodel_incident *maintenances;
	size_t nmaintenances;
	struct sitemodel_aws *aws;
	size_t naws;
	struct sitemodel_arena *arena;            /* private: owns every copy */
	size_t capc, capi, capm, capa;            /* private */
};

/*
 * Creates a model with a copy of page. Returns CS_OK and an owned *out
 * (free with sitemodel_free), CS_ERR_NOMEM, or CS_ERR_PARSE / CS_ERR_TOOBIG
 * with a message in err when page is invalid (name and url are required).
 */
cs_err sitemodel_new(const struct sitemodel_page *page, struct sitemodel **out,
    char *err, size_t errlen);

/* Frees m and every copy it holds; NULL is a no-op. */
void sitemodel_free(struct sitemodel *m);

/*
 * qsort() comparator over an array of `const struct sitemodel_update *`:
 * newest first; updates posted in the same second by their posting order
 * (seq, newest first: update 10 before update 9, not as strings), then id.
 */
int sitemodel_update_cmp(const void *a, const void *b);

/*
 * Sets the freshness fields of the page from the poller's view: verified
 * at last_ok; stale when last_ok is no longer fresh (judgement_fresh(): older than
 * JUDGEMENT_STALE_INTERVALS poll intervals, or never), in which
 * case stale_since is first_failure (or last_ok + poll_interval when 0),
 * and 0 when last_ok is 0 (never read).
 */
void sitemodel_set_freshness(struct sitemodel *m, int64_t now, int64_t last_ok,
    int64_t first_failure, int64_t poll_interval);

/*
 * Appends a deep copy of c. Fails with CS_ERR_PARSE on a bad or duplicate
 * id, CS_ERR_TOOBIG past SITEMODEL_MAX_ITEMS or SITEMODEL_MAX_TEXT,
 * CS_ERR_NOMEM; the model is unchanged on failure.
 */
cs_err sitemodel_add_component(struct sitemodel *m, const struct sitemodel_component *c,
    char *err, size_t errlen);

/*
 * Appends a deep copy of an incident (is_maintenance 0) or a maintenance
 * (is_maintenance 1) to the matching list. Component ids it names must
 * already be in the model. Failures as sitemodel_add_component.
 */
cs_err sitemodel_add_incident(struct sitemodel *m, const struct sitemodel_incident *in,
    char *err, size_t errlen);

/* Appends a deep copy of a depended-on AWS service. Failures as above. */
cs_err sitemodel_add_aws(struct sitemodel *m, const struct sitemodel_aws *a,
    char *err, size_t errlen);

/* Component by id, or NULL. Borrowed from m. */
const struct sitemodel_component *sitemodel_find_component(const struct sitemodel *m,
    const char *id);

/* Wire names ("investigating", "in_progress", "critical", "draft"...); never NULL. */
const char *sitemodel_istatus_name(enum sitemodel_istatus s);
const char *sitemodel_impact_name(enum sitemodel_impact i);
const char *sitemodel_rca_name(enum sitemodel_rca r);
/* Words for people ("Investigating", "In progress"). */
const char *sitemodel_istatus_label(enum sitemodel_istatus s);

/* Nonzero when the incident or maintenance is not over. */
int sitemodel_incident_active(const struct sitemodel_incident *in);

/* When the incident last changed: the newest of updated_at, created_at and its updates. */
int64_t sitemodel_incident_updated(const struct sitemodel_incident *in);

/* Page description: m->page.description, or the one for the indicator. */
const char *sitemodel_description(const struct sitemodel *m);

/*
 * Builds the XML status model every stylesheet reads (root <status>,
 * documented in site/README.md). render_id names this render; it is
 * written on the root and on the freshness element. All text goes through
 * xmlNewTextChild/xmlNewProp, so it is escaped by construction. Incidents
 * come newest first. Returns CS_OK and an owned *out (xmlFreeDoc), or
 * CS_ERR_NOMEM.
 */
cs_err sitemodel_to_xml(const struct sitemodel *m, const char *render_id, xmlDocPtr *out);

/*
 * As sitemodel_to_xml, but with only what the front page shows: active
 * incidents and scheduled or running maintenances (resolved history is
 * left out, so the document stays small however long the history is).
 */
cs_err sitemodel_index_xml(const struct sitemodel *m, const char *render_id, xmlDocPtr *out);

/*
 * A document for one page made of incidents: <status><page/><incidents>
 * with v[0..n) in that order</incidents></status>, no freshness and no
 * render id, so it depends only on the page and on those incidents.
 * v is borrowed. Returns CS_OK and an owned *out, or CS_ERR_NOMEM.
 */
cs_err sitemodel_incidents_xml(const struct sitemodel *m,
    const struct sitemodel_incident *const *v, size_t n, xmlDocPtr *out);

/*
 * The incidents (maintenances when maint is 1), newest first (by
 * created_at, maintenances by scheduled_for; ties by id). Returns CS_OK
 * and an owned array of borrowed pointers in *out (free()), or
 * CS_ERR_NOMEM. *out may be NULL when *n is 0.
 */
cs_err sitemodel_sorted(const struct sitemodel *m, int maint,
    const struct sitemodel_incident ***out, size_t *n);

/*
 * Feeds into d everything of the page that sitemodel_incidents_xml
 * writes (names, URL, subscribe action), and everything of one incident
 * (with the names of its components): equal digests, equal documents.
 */
void sitemodel_page_digest(const struct sitemodel *m, struct digest *d);
void sitemodel_incident_digest(const struct sitemodel *m, const struct sitemodel_incident *in,
    struct digest *d);

#endif
