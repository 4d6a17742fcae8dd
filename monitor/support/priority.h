/* priority.h: incident priorities P1..P4 of the SynchroNet support policy, and their SLA terms. */
#ifndef PRIORITY_H
#define PRIORITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "base/status.h"

/*
 * The support policy for CLICK:
 *
 *   P1 Critical  critical services not operational, business stopped,
 *                > 25% of users impacted
 *   P2 High      critical services degraded, > 15% of users impacted or
 *                severe scope
 *   P3 Medium    limited impact, < 5% of users impacted or minimal scope
 *   P4 Low       does not substantially restrict use of the product
 *
 * PRIORITY_NONE is "no incident": nothing to prioritise.
 */
typedef enum priority {
	PRIORITY_NONE = 0,
	PRIORITY_P1 = 1,
	PRIORITY_P2 = 2,
	PRIORITY_P3 = 3,
	PRIORITY_P4 = 4
} priority;

/*
 * Suggesting a priority. The share of users impacted is given in basis
 * points (hundredths of a percent, 0..10000), so that the thresholds are
 * exact: 2500 is exactly 25%, which is not "> 25%". The policy's bands
 * are:
 *
 *   band 0  > 25%            2501..10000
 *   band 1  > 15% .. 25%     1501..2500
 *   band 2  5% .. 15%        500..1500   (the policy names neither end)
 *   band 3  < 5%             0..499
 *
 * and the worst status among the affected components says what kind of
 * trouble it is: major_outage is "not operational", partial_outage and
 * degraded_performance are "degraded". The table (priority_table) is
 * the whole decision; the reasoning for the cells the policy leaves open:
 *
 * - P1 needs both: a component not operational (major_outage) and more
 *   than 25% of users. A partial outage of more than 25% is "degraded,
 *   > 15%": P2.
 * - A major outage is "severe scope" whatever the share, as long as the
 *   scope is not minimal: 15%..25% and the 5%..15% gap are P2.
 * - A major outage of components used by fewer than 5% of users is
 *   "< 5% or minimal scope": P3 (not P4: for those users the product is
 *   unusable).
 * - Degradation or partial outage in the 5%..15% gap is not "> 15%" and
 *   not severe: P3, limited impact.
 * - Under 5%: a partial outage is still something that does not work,
 *   P3; slowness (degraded_performance) does not substantially restrict
 *   use, P4.
 * - unknown means we cannot read the feeds behind the components: a gap
 *   in our monitoring, not evidence of impact, so never above P3 (P3 from
 *   5% up, P4 below) until a person looks.
 * - operational and under_maintenance (announced, planned work) are no
 *   incident: PRIORITY_NONE whatever the share.
 *
 * A share of 0 with a bad status (a component nobody is recorded as
 * using) falls in band 3, not in "no incident": we would rather open a
 * P3/P4 than hide an outage because usage data is missing.
 */
#define PRIORITY_NBANDS 4
#define PRIORITY_SHARE_MAX 10000 /* basis points: 100% */

struct priority_band {
	unsigned min_bp;   /* lowest share in the band, basis points, inclusive */
	unsigned max_bp;   /* highest share, inclusive */
	const char *label; /* "> 25%", "> 15% to 25%", "5% to 15%", "< 5%" */
};

struct priority_row {
	status_component status;         /* worst status of the affected components */
	priority prio[PRIORITY_NBANDS]; /* priority for each band of priority_bands */
};

#define PRIORITY_NROWS 6

/* The bands, from the largest share down. */
extern const struct priority_band priority_bands[PRIORITY_NBANDS];

/* The decision table: one row per component status, worst first. */
extern const struct priority_row priority_table[PRIORITY_NROWS];

/*
 * Sets *out to the priority priority_table gives for share_bp users
 * impacted (basis points) and the worst affected component status.
 * Fails, *out untouched, with CS_ERR_INTERNAL when share_bp >
 * PRIORITY_SHARE_MAX or worst is not a status_component value.
 */
cs_err priority_suggest(unsigned share_bp, status_component worst, priority *out);

/* "P1".."P4", "none" for PRIORITY_NONE or any other value; static, never NULL. */
const char *priority_name(priority p);

/* "Critical", "High", "Medium", "Low", "None"; static, never NULL. */
const char *priority_label(priority p);

/*
 * Parses "P1".."P4" (either case) or the label ("critical", "high",
 * "medium", "low", any ASCII case). Returns 0 and sets *out, or -1 if
 * name is none of those ("none" is not a priority an incident can have).
 */
int priority_parse(const char *name, priority *out);

/* How a duration in an SLA term is counted. */
typedef enum priority_unit {
	PRIORITY_WALL_SECONDS = 0,     /* elapsed real time, around the clock */
	PRIORITY_BUSINESS_SECONDS = 1, /* business time only (bizclock_add_seconds) */
	PRIORITY_BUSINESS_DAYS = 2     /* whole business days (bizclock_add_days) */
} priority_unit;

struct priority_span {
	int64_t n;          /* amount, in unit */
	priority_unit unit; /* how n is counted */
};

/* The SLA terms of one priority. */
struct priority_sla {
	priority prio;
	struct priority_span response;  /* first human response, from opening */
	struct priority_span update;    /* between public updates while open */
	int rca_required;               /* nonzero: root-cause analysis due after resolution */
	struct priority_span rca_draft; /* draft RCA, from resolution (if rca_required) */
	struct priority_span rca_final; /* final RCA, from resolution (if rca_required) */
};

/*
 * SLA terms of P1..P4, in that order:
 *   P1  response 30 min wall, updates hourly wall, RCA draft 3 / final 5 business days
 *   P2  response 1 h wall,    updates hourly wall, RCA draft 3 / final 5 business days
 *   P3  response 8 business hours,  updates every 3 business days, no RCA
 *   P4  response 24 business hours, updates every 5 business days, no RCA
 * The RCA "72 business hours" of the policy is read as 3 whole business
 * days (at 9 hours a day, 72 hours would be 8 days, after the final RCA's
 * one business week).
 */
extern const struct priority_sla priority_slas[4];

/* The SLA terms of p (a pointer into priority_slas), or NULL for PRIORITY_NONE or an invalid p. */
const struct priority_sla *priority_sla_of(priority p);

#endif
