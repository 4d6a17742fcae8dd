/* siteapi.h: the Statuspage-compatible static JSON API (the files under api/v2/) built from the render model. */
#ifndef SITEAPI_H
#define SITEAPI_H

#include <stddef.h>

#include "base/cs_error.h"
#include "site/sitemodel.h"

/*
 * One file per value, with Statuspage's public API v2 names, nesting and
 * enumerations. What Statuspage lacks is added as extra fields, never by
 * changing a standard one: page.data_verified_at / stale / stale_since /
 * render_id, component causes / uptime_90d / data_status, incident
 * priority / causes / next_update_by / rca.
 */
enum siteapi_file {
	SITEAPI_SUMMARY = 0,          /* api/v2/summary.json */
	SITEAPI_STATUS,               /* api/v2/status.json */
	SITEAPI_COMPONENTS,           /* api/v2/components.json */
	SITEAPI_INCIDENTS,            /* api/v2/incidents.json (50 newest) */
	SITEAPI_UNRESOLVED,           /* api/v2/incidents/unresolved.json */
	SITEAPI_MAINTENANCES,         /* api/v2/scheduled-maintenances.json (50 newest) */
	SITEAPI_MAINT_UPCOMING,       /* api/v2/scheduled-maintenances/upcoming.json */
	SITEAPI_MAINT_ACTIVE,         /* api/v2/scheduled-maintenances/active.json */
	SITEAPI_NFILES
};

/* Path of f under the site root, "api/v2/summary.json"; never NULL. */
const char *siteapi_path(enum siteapi_file f);

/*
 * Builds file f from m (borrowed) with jansson. render_id is written as
 * page.render_id. Returns CS_OK with an owned NUL-terminated *out (free())
 * of *len bytes ending in a newline, CS_ERR_NOMEM, or CS_ERR_INTERNAL for a
 * bad f.
 */
cs_err siteapi_build(const struct sitemodel *m, const char *render_id, enum siteapi_file f,
    char **out, size_t *len);

#endif
