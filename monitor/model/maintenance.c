/* maintenance.c: scheduled maintenance: its status by the clock and its effect on components. */
#include "model/maintenance.h"

#include <string.h>

static const char *const names[] = { "scheduled", "in_progress", "verifying", "completed" };

const char *
maintenance_status_name(maintenance_status s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(names) / sizeof(names[0]))
		return "scheduled";
	return names[s];
}

int
maintenance_status_parse(const char *name, maintenance_status *out)
{
	for (size_t i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (maintenance_status)i;
			return 0;
		}
	}
	return -1;
}

maintenance_status
maintenance_status_at(const struct maintenance_window *m, int64_t now)
{
	if (now < m->starts_at)
		return MAINTENANCE_SCHEDULED;
	if (now < m->ends_at)
		return MAINTENANCE_IN_PROGRESS;
	if (now < m->verify_until)
		return MAINTENANCE_VERIFYING;
	return MAINTENANCE_COMPLETED;
}

cs_err
maintenance_check(int64_t starts_at, int64_t ends_at, int64_t verify, int64_t now, char *err,
    size_t errlen)
{
	if (starts_at < now)
		return cs_seterr(err, errlen, CS_ERR_USAGE,
		    "the window starts in the past (%lld s before now)", (long long)(now - starts_at));
	if (ends_at <= starts_at)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "the window ends before it starts");
	if (ends_at - starts_at > MAINTENANCE_MAX_WINDOW)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "the window is longer than %d days",
		    MAINTENANCE_MAX_WINDOW / 86400);
	if (verify < 0 || verify > MAINTENANCE_MAX_WINDOW)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "verification time out of range");
	return CS_OK;
}

size_t
maintenance_overlay(struct mapper_result *map, const struct maintenance_window *m, size_t n,
    int64_t now)
{
	size_t changed = 0;

	for (size_t i = 0; i < n; i++) {
		if (maintenance_status_at(&m[i], now) != MAINTENANCE_IN_PROGRESS)
			continue;
		for (size_t c = 0; c < m[i].ncomponents; c++) {
			for (size_t k = 0; k < map->ncomponents; k++) {
				struct mapper_component *mc = &map->components[k];

				/* Only what works is "under maintenance": an outage, a degradation or
				 * a status we cannot vouch for shows through the window. */
				if (strcmp(mc->cfg->id, m[i].components[c]) != 0 ||
				    mc->status != STATUS_OPERATIONAL)
					continue;
				mc->status = STATUS_UNDER_MAINTENANCE;
				changed++;
			}
		}
	}
	return changed;
}
