/* incident.h: the pure decision core of automatic incidents: AWS judgement in, actions out. */
#ifndef INCIDENT_H
#define INCIDENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/feed_parse.h"
#include "base/cs_error.h"
#include "model/mapper.h"
#include "support/priority.h"
#include "base/status.h"

/* Statuspage's incident statuses. */
typedef enum incident_status {
	INCIDENT_INVESTIGATING = 0,
	INCIDENT_IDENTIFIED = 1,
	INCIDENT_MONITORING = 2,
	INCIDENT_RESOLVED = 3,
	INCIDENT_POSTMORTEM = 4
} incident_status;

/* Default flap window in seconds: a cause back within it re-opens the incident. */
#define INCIDENT_FLAP_WINDOW_DEFAULT 1800

/* Author recorded for what the system does by itself. */
#define INCIDENT_AUTHOR_SYSTEM "clickstatus"

/* Wire name ("investigating"...); never NULL. */
const char *incident_status_name(incident_status s);

/* Parses a wire name; returns 0 and sets *out, or -1. */
int incident_status_parse(const char *name, incident_status *out);

/* Nonzero for resolved and postmortem: the incident is over. */
int incident_status_closed(incident_status s);

/* One AWS feed behind an incident, as last mirrored. Strings borrowed. */
struct incident_cause {
	const char *slug;
	status_aws  state;
	const char *guid;   /* newest item mirrored */
	const char *title;
	int64_t     time;   /* epoch of that item */
	int         open;   /* the feed is not back to normal */
	int         ruled;  /* an engineer ruled it "not affected", covering: */
	status_aws  ruled_state; /* at most this AWS state */
	int64_t     ruled_at;    /* when: covers an event begun by then (0 unknown: any) */
};

/* A component of an incident and its status in the last update. */
struct incident_component {
	const char      *id;   /* borrowed */
	status_component status;
};

/*
 * What the core needs to know of one AWS-derived incident that is open, or
 * resolved recently enough to be re-opened. Everything borrowed.
 */
struct incident_view {
	int64_t          id;
	incident_status  status;
	int64_t          resolved_at;   /* 0 while open */
	int              not_affected;  /* CLICK ruled out by an engineer */
	priority         suggested;     /* priority suggested so far, PRIORITY_NONE if none */
	const struct incident_cause *causes;
	size_t           ncauses;
	const struct incident_component *components;
	size_t           ncomponents;
};

typedef enum incident_action_kind {
	INCIDENT_ACT_OPEN = 0,    /* a new incident */
	INCIDENT_ACT_UPDATE = 1,  /* an update to an open incident */
	INCIDENT_ACT_RESOLVE = 2, /* every cause is back to normal */
	INCIDENT_ACT_REOPEN = 3   /* a cause came back within the flap window */
} incident_action_kind;

/* One cause as it is after the action (owned strings). */
struct incident_action_cause {
	char      *slug;
	status_aws state;
	char      *guid;
	char      *title;
	int64_t    time;
	int        open;
	int        changed;   /* in a working incident: changed by this decision */
};

/* One decided action. Strings owned by the plan. */
struct incident_action {
	incident_action_kind kind;
	int64_t          incident_id;   /* 0: the incident opened by this plan's OPEN action */
	incident_status  status;        /* the status this update posts */
	char            *title;         /* OPEN: the incident's title; NULL otherwise */
	char            *body;          /* the update's plain text: what changed for the
	                                 * components, then what AWS posted (incident_plan.c) */
	char            *source_guid;   /* the newest AWS item mirrored ("" if none) */
	int64_t          source_time;   /* epoch of that item */
	int              public;        /* 0 for an incident marked not affected */
	int              post;          /* 0: nothing new for readers (the same AWS text seen on
	                                 * another feed): causes recorded, no update posted */
	struct incident_action_cause *causes; /* every cause changed by this action */
	size_t           ncauses;
	struct incident_component *components; /* every component of the incident, status now (ids borrowed from the configuration) */
	size_t           ncomponents;
	unsigned         share_bp;      /* users impacted: the max user_share of the affected components */
	status_component worst;         /* worst status of the affected components */
	priority         suggested;     /* the incident's suggested priority after this action */
};

struct incident_plan {
	struct incident_action *actions;
	size_t nactions;
};

/* What one decision reads. Everything borrowed. */
struct incident_input {
	const struct config *cfg;
	const struct incident_view *views; /* open AWS incidents, and resolved ones that may re-open */
	size_t nviews;
	const struct mapper_result *map;   /* the judgement as AWS says (no maintenance overlay) */
	const struct mapper_feed *feeds;   /* the verdicts behind it */
	size_t nfeeds;
	const struct feed_item *const *items; /* the items judged, sorted by guid (strcmp): where
	                                       * updates find what AWS wrote; may be empty */
	size_t nitems;
	int64_t now;
	int64_t flap_window;               /* seconds; 0: never re-open */
};

/*
 * Decides what the judgement in means for the AWS incidents: at most one
 * action per incident. Pure: no I/O, no clock. The rules are in
 * incident.c. Returns CS_OK and an owned *out (possibly with no actions),
 * freed with incident_plan_free(), or CS_ERR_NOMEM. The plan borrows
 * component ids from the configuration.
 */
cs_err incident_decide(const struct incident_input *in, struct incident_plan **out);

/*
 * Whether the "not affected" ruling on cause c still covers the feed's
 * verdict svc (NULL: no item, covered): an event that began by the time of
 * the ruling (whichever document dates it: RSS and currentevents give
 * different starts for one event), no worse state. A cause never ruled is
 * not covered.
 */
int incident_ruling_covers(const struct incident_cause *c, const struct classify_service *svc);

/* Frees a plan; NULL is a no-op. */
void incident_plan_free(struct incident_plan *plan);

/* Stable text dump of a plan, one action per line and one line per component and cause. */
void incident_plan_dump(const struct incident_plan *plan, FILE *fp);

/*
 * The suggested priority of a set of components of cfg: share = the
 * largest user_share among those not operational (basis points), worst =
 * their worst status; priority_suggest() decides. PRIORITY_NONE when all
 * are operational or unknown to cfg. *share_bp and *worst may be NULL.
 * Why the max: the components' users are nested (nearly everyone who uses
 * outbound campaigns also signs in), so the users impacted are at least the
 * largest share; 1-prod(1-s) would assume independent user sets and
 * overstate it.
 */
priority incident_suggest(const struct config *cfg, const struct incident_component *comps,
    size_t n, unsigned *share_bp, status_component *worst);

/* The more urgent of two priorities (PRIORITY_NONE loses to any). */
priority incident_priority_max(priority a, priority b);

#endif
