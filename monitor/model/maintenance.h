/* maintenance.h: scheduled maintenance: its status by the clock and its effect on components. */
#ifndef MAINTENANCE_H
#define MAINTENANCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "model/mapper.h"

/*
 * A maintenance moves by the clock alone:
 *
 *   scheduled    now <  starts_at
 *   in_progress  starts_at <= now < ends_at     components under_maintenance
 *   verifying    ends_at <= now < verify_until  engineers check; components judged normally
 *   completed    verify_until <= now
 *
 * (Statuspage's names.) The verification period defaults to
 * MAINTENANCE_VERIFY_DEFAULT seconds and may be 0 (straight to completed).
 */
typedef enum maintenance_status {
	MAINTENANCE_SCHEDULED = 0,
	MAINTENANCE_IN_PROGRESS = 1,
	MAINTENANCE_VERIFYING = 2,
	MAINTENANCE_COMPLETED = 3
} maintenance_status;

#define MAINTENANCE_VERIFY_DEFAULT 900
/* Longest maintenance window accepted, seconds (7 days). */
#define MAINTENANCE_MAX_WINDOW (7 * 86400)

/* One maintenance as the pure functions need it; everything borrowed. */
struct maintenance_window {
	int64_t id;
	int64_t starts_at;      /* epoch */
	int64_t ends_at;        /* epoch, > starts_at */
	int64_t verify_until;   /* epoch, >= ends_at */
	const char *const *components; /* component ids */
	size_t ncomponents;
};

/* "scheduled", "in_progress", "verifying", "completed"; never NULL. */
const char *maintenance_status_name(maintenance_status s);

/* Parses a wire name; 0 and *out, or -1. */
int maintenance_status_parse(const char *name, maintenance_status *out);

/* The status of m at now (see the table above). */
maintenance_status maintenance_status_at(const struct maintenance_window *m, int64_t now);

/*
 * Checks a window to be scheduled at now: starts_at in the future
 * (>= now), ends_at after starts_at and at most MAINTENANCE_MAX_WINDOW
 * later, verify seconds >= 0. Returns CS_OK or CS_ERR_USAGE with the
 * reason in err.
 */
cs_err maintenance_check(int64_t starts_at, int64_t ends_at, int64_t verify, int64_t now,
    char *err, size_t errlen);

/*
 * Puts the components of every maintenance in progress at now under
 * maintenance in map when they are operational: an outage, a degradation
 * or unknown during the window is still shown. The page indicator is left
 * as the mapper set it (callers recompute it: mapper_indicate()). Returns
 * the number of components changed.
 */
size_t maintenance_overlay(struct mapper_result *map, const struct maintenance_window *m,
    size_t n, int64_t now);

#endif
