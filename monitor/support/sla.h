/* sla.h: the support clocks of one incident (response, updates, RCA) and whether each is kept. */
#ifndef SLA_H
#define SLA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/bizclock.h"
#include "base/cs_error.h"
#include "support/priority.h"

/*
 * The facts about an incident that the clocks need. Times are seconds
 * since the epoch (UTC); 0 means "has not happened".
 */
struct sla_incident {
	priority prio;        /* P1..P4 */
	int64_t opened_at;    /* when the incident was opened (required) */
	int64_t responded_at; /* first human response to the customer, or 0 */
	int64_t updated_at;   /* last public update, or 0 */
	int64_t resolved_at;  /* resolution, or 0 while open */
	int64_t rca_draft_at; /* draft root-cause analysis published, or 0 */
	int64_t rca_final_at; /* final root-cause analysis published, or 0 */
};

/*
 * State of a clock at `now`. A clock is kept when the thing it waits for
 * happened at or before the deadline (the deadline instant itself is in
 * time).
 */
typedef enum sla_state {
	SLA_MET = 0,     /* done, at or before the deadline */
	SLA_DUE = 1,     /* not done, deadline not passed (now <= deadline) */
	SLA_OVERDUE = 2, /* not done, deadline passed (now > deadline) */
	SLA_LATE = 3     /* done, but after the deadline: a breach on record */
} sla_state;

struct sla_clock {
	const char *name;  /* "initial_response", "next_update", "rca_draft", "rca_final"; static */
	int64_t deadline;  /* UTC epoch seconds */
	sla_state state;
	int64_t met_at;    /* when it was done, 0 if not (yet) */
};

#define SLA_MAX_CLOCKS 4

struct sla_report {
	priority prio;
	size_t nclocks;                          /* used entries of clocks */
	struct sla_clock clocks[SLA_MAX_CLOCKS]; /* in the order listed below */
};

/*
 * Computes the clocks of incident at `now`, into *out (caller-owned; no
 * allocation). The clocks, in this order, and only those that apply:
 *
 * initial_response (always): deadline = opened_at + the priority's
 *   response time (wall-clock for P1/P2, business seconds for P3/P4).
 *   Done at responded_at; an incident resolved with no response recorded
 *   counts its resolution as the response (someone acted on it).
 *
 * next_update (while open): deadline = the latest of opened_at,
 *   responded_at and updated_at, plus one hour (P1/P2, wall-clock) or 3
 *   / 5 business days (P3 / P4, bizclock_add_days). Never met while
 *   open; due or overdue. An updated_at after resolved_at is ignored.
 * last_update (once resolved, replacing next_update): the same deadline
 *   from the last communication before resolution; done at resolved_at,
 *   since the resolution notice is the final update. So a P1 whose last
 *   update was more than an hour before the resolution shows "late".
 *
 * rca_draft, rca_final (P1/P2, once resolved): 3 and 5 business days
 *   after resolved_at (bizclock_add_days). A final RCA published with no
 *   draft recorded also satisfies the draft.
 *
 * Facts are checked: opened_at > 0, prio P1..P4, and resolved_at, if set,
 * not before opened_at; otherwise CS_ERR_STATE with the reason in err.
 * Failures of the business-time arithmetic are passed on (see
 * bizclock.h). On failure *out is unspecified. incident and bc are
 * borrowed.
 */
cs_err sla_compute(const struct sla_incident *incident, const struct bizclock *bc, int64_t now,
	struct sla_report *out, char *err, size_t errlen);

/* "met", "due", "overdue", "late"; static, never NULL. */
const char *sla_state_name(sla_state s);

/*
 * Writes report as stable text: a line "priority P1", then one line per
 * clock, fields separated by a tab:
 *   name  state  deadline  met_at
 * with times as "2026-03-11T22:00:00Z" and "-" for a met_at of 0.
 * Returns 0, or CS_ERR_IO if writing to fp failed.
 */
cs_err sla_dump(const struct sla_report *report, FILE *fp);

#endif
