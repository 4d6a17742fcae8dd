/* incident_apply.h: runs the incident and maintenance decisions inside the poll cycle's transaction. */
#ifndef INCIDENT_APPLY_H
#define INCIDENT_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "model/config.h"
#include "base/cs_error.h"
#include "support/incident.h"
#include "model/mapper.h"
#include "support/sla.h"
#include "store/store.h"

/*
 * Loads the AWS incidents that are open or resolved within flap_window
 * seconds of now, asks incident_decide() what the judgement (map, feeds)
 * means for them, and records the result: incidents, updates, causes,
 * components, the audit log (author "clickstatus"), and for every public
 * update the outbox rows it owes: "email" (incident, update, status,
 * title, body, components), "mqtt" (the same as an incident message) and
 * one "site" render, with dedup keys "incident:<id>:update:<n>[:mqtt|:site]"
 * so a replayed cycle enqueues nothing twice. Then records the status
 * changes of the maintenances by the clock, each owing the same three
 * rows ("maintenance:<id>:<status>[...]"). Meant to run inside the
 * cycle's transaction (store_begin() by the caller), after the component
 * statuses are recorded. Adds the outbox rows made to *outbox_added (may
 * be NULL). Returns CS_OK or the store's error; cfg, map, feeds borrowed.
 */
cs_err incident_apply(const struct config *cfg, struct store *st, const struct mapper_result *map,
    const struct mapper_feed *feeds, size_t nfeeds, int64_t now, int64_t flap_window,
    size_t *outbox_added, char *err, size_t errlen);

/*
 * Reads the maintenances from the store and puts the components of those
 * in progress at now under maintenance in map (maintenance_overlay()).
 * Read-only: for cycle_judge(). Returns CS_OK or the store's error.
 */
cs_err incident_apply_maintenance_overlay(struct store *st, struct mapper_result *map, int64_t now,
    char *err, size_t errlen);

/*
 * The components JSON of an incident update: [{"id","name","status"}],
 * names from cfg (the id when unknown). ids and statuses are parallel
 * arrays of n. Returns an owned string or NULL on no memory.
 */
char *incident_apply_components_json(const struct config *cfg, const char *const *ids,
    const status_component *statuses, size_t n);

/*
 * Enqueues the email, mqtt and site rows of update n of incident inc
 * (status, body, components_json as stored). Used by the cycle and by the
 * engineers' commands. Adds to *added (may be NULL).
 */
cs_err incident_apply_notify(struct store *st, const struct store_incident *inc, int n,
    const char *status, const char *body, const char *components_json, int64_t now,
    size_t *added, char *err, size_t errlen);

/*
 * The support clocks of a stored incident as of now: its priority is the
 * engineer's override, else the suggestion. An incident marked "not
 * affected" or without a priority has none (out->nclocks 0). inc and bc
 * are borrowed. Returns CS_OK, or sla_compute()'s error for inconsistent
 * facts.
 */
cs_err incident_sla(const struct store_incident *inc, const struct bizclock *bc, int64_t now,
    struct sla_report *out, char *err, size_t errlen);

#endif
