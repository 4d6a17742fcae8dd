/* incident_priv.h: private to incident.c and incident_plan.c; include incident.h elsewhere. */
#ifndef INCIDENT_PRIV_H
#define INCIDENT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "support/incident.h"

/*
 * Working state of one incident during a decision: a view's copy, or the
 * incident the plan opens. Owns causes; v and prev are borrowed from the
 * view (v is NULL for the incident the plan opens).
 */
struct work {
	const struct incident_view *v;
	int64_t  id;                     /* 0: opened by this plan */
	int      not_affected;
	incident_status status;
	priority suggested;
	struct incident_action_cause *causes; /* current causes, owned */
	size_t   ncauses;
	int      touched;                /* an action was emitted: recompute components */
	int      open;                   /* open after this plan */
	int      first_action;           /* index of its first action in the plan */
	const struct incident_component *prev;
	size_t   nprev;
};

/* The cause of w for feed slug, or NULL. The result points into w->causes. */
struct incident_action_cause *incident_work_cause(struct work *w, const char *slug);

/*
 * Sets w's cause for feed slug to the given item (state, guid, title, time,
 * open), adding it if w has none for slug, replacing its strings if it has.
 * The strings are copied (guid and title NULL read as ""); slug must not
 * point into the cause being replaced. Returns 0, or -1 on no memory.
 */
int incident_work_set_cause(struct work *w, const char *slug, status_aws state, const char *guid,
    const char *title, int64_t time, int open);

/*
 * Appends to plan one action of kind for w at status st, with text body and
 * source item guid, time (body and guid NULL read as ""), and, when slug is
 * not NULL and w has that cause, a copy of the cause. Sets w's status to st
 * and marks w touched. Returns the action (owned by plan), or NULL on no
 * memory (plan stays valid for incident_plan_free()).
 */
struct incident_action *incident_work_emit(struct incident_plan *plan, struct work *w,
    incident_action_kind kind, incident_status st, const char *body, const char *guid,
    int64_t time, const char *slug);

/*
 * Fills in the components, priority (which only goes up) and, for an
 * OPEN action, the title of every action of w in plan, all from w's state
 * after the plan. Does nothing for an untouched w. Component ids are
 * borrowed from map's configuration. Returns CS_OK or CS_ERR_NOMEM.
 */
cs_err incident_work_finish(struct incident_plan *plan, struct work *w,
    const struct mapper_result *map, const struct config *cfg);

/* Frees the first n working incidents of w and w itself; NULL is a no-op. */
void incident_works_free(struct work *w, size_t n);

#endif
