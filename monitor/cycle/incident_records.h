/* incident_records.h: what the stored incidents owe and mean: their components, notifications, SLA clocks. */
#ifndef INCIDENT_RECORDS_H
#define INCIDENT_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "model/config.h"
#include "base/cs_error.h"
#include "support/incident.h"
#include "model/mapper.h"
#include "support/sla.h"
#include "store/store.h"

/*
 * The components JSON of an incident update: [{"id","name","status"}],
 * names from cfg (the id when unknown), for the n components comps. Returns an owned string or NULL on no memory.
 */
char *incident_records_components_json(const struct config *cfg,
    const struct incident_component *comps, size_t n);

/*
 * Enqueues the email, mqtt and site rows of update n of incident inc
 * (status, body, components_json as stored) through outbox_fanout(), keys
 * "incident:<id>:update:<n>:<channel>". Used by the cycle's commit and by
 * the engineers' commands. Adds to *added (may be NULL).
 */
cs_err incident_records_notify(struct store *st, const struct store_incident *inc, int n,
    const char *status, const char *body, const char *components_json, int64_t now,
    size_t *added, char *err, size_t errlen);

/*
 * Enqueues the news that inc's root-cause analysis was published (the
 * draft, or the final when final is nonzero) for email and MQTT, key
 * "incident:<id>:rca-draft" / "rca-final" (outbox.h). Joins the caller's
 * transaction.
 */
cs_err incident_records_notify_rca(struct store *st, const struct store_incident *inc, int final,
    int64_t now, char *err, size_t errlen);

/*
 * The support clocks of a stored incident as of now: its priority is the
 * engineer's override, else the suggestion. An incident marked "not
 * affected" or without a priority has none (out->nclocks 0). inc and bc
 * are borrowed. Returns CS_OK, or sla_compute()'s error for inconsistent
 * facts.
 */
cs_err incident_records_sla(const struct store_incident *inc, const struct bizclock *bc, int64_t now,
    struct sla_report *out, char *err, size_t errlen);

/* One support clock of one incident. */
struct incident_clock {
	int64_t id;               /* the incident */
	char   *title;            /* owned */
	priority prio;
	struct sla_clock clock;
};

/*
 * The clocks of every stored incident as of now, soonest deadline first
 * (so the overdue come first), the incident id breaking ties: only the due
 * and overdue ones, or every clock when all is nonzero. Returns CS_OK with
 * an owned array (incident_records_clocks_free; NULL when *n is 0), or
 * the store's, sla_compute()'s or an out-of-memory error.
 */
cs_err incident_records_clocks(struct store *st, const struct bizclock *bc, int64_t now, int all,
    struct incident_clock **out, size_t *n, char *err, size_t errlen);

void incident_records_clocks_free(struct incident_clock *c, size_t n);

#endif
