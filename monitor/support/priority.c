/* priority.c: the priority decision table, priority names and the SLA terms of each priority. */
#include "support/priority.h"

#include <stddef.h>

#include "base/ascii.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MINUTE 60
#define HOUR 3600

const struct priority_band priority_bands[PRIORITY_NBANDS] = {
	{ 2501, 10000, "> 25%" },
	{ 1501, 2500, "> 15% to 25%" },
	{ 500, 1500, "5% to 15%" },
	{ 0, 499, "< 5%" },
};

/* The reasoning for each cell is in priority.h. */
const struct priority_row priority_table[PRIORITY_NROWS] = {
	{ STATUS_MAJOR_OUTAGE, { PRIORITY_P1, PRIORITY_P2, PRIORITY_P2, PRIORITY_P3 } },
	{ STATUS_PARTIAL_OUTAGE, { PRIORITY_P2, PRIORITY_P2, PRIORITY_P3, PRIORITY_P3 } },
	{ STATUS_DEGRADED_PERFORMANCE, { PRIORITY_P2, PRIORITY_P2, PRIORITY_P3, PRIORITY_P4 } },
	{ STATUS_UNKNOWN, { PRIORITY_P3, PRIORITY_P3, PRIORITY_P3, PRIORITY_P4 } },
	{ STATUS_UNDER_MAINTENANCE,
		{ PRIORITY_NONE, PRIORITY_NONE, PRIORITY_NONE, PRIORITY_NONE } },
	{ STATUS_OPERATIONAL, { PRIORITY_NONE, PRIORITY_NONE, PRIORITY_NONE, PRIORITY_NONE } },
};

const struct priority_sla priority_slas[4] = {
	{ PRIORITY_P1, { 30 * MINUTE, PRIORITY_WALL_SECONDS }, { HOUR, PRIORITY_WALL_SECONDS }, 1,
		{ 3, PRIORITY_BUSINESS_DAYS }, { 5, PRIORITY_BUSINESS_DAYS } },
	{ PRIORITY_P2, { HOUR, PRIORITY_WALL_SECONDS }, { HOUR, PRIORITY_WALL_SECONDS }, 1,
		{ 3, PRIORITY_BUSINESS_DAYS }, { 5, PRIORITY_BUSINESS_DAYS } },
	{ PRIORITY_P3, { 8 * HOUR, PRIORITY_BUSINESS_SECONDS }, { 3, PRIORITY_BUSINESS_DAYS }, 0,
		{ 0, PRIORITY_BUSINESS_DAYS }, { 0, PRIORITY_BUSINESS_DAYS } },
	{ PRIORITY_P4, { 24 * HOUR, PRIORITY_BUSINESS_SECONDS }, { 5, PRIORITY_BUSINESS_DAYS }, 0,
		{ 0, PRIORITY_BUSINESS_DAYS }, { 0, PRIORITY_BUSINESS_DAYS } },
};

static const char *const names[] = { "none", "P1", "P2", "P3", "P4" };
static const char *const labels[] = { "None", "Critical", "High", "Medium", "Low" };

cs_err
priority_suggest(unsigned share_bp, status_component worst, priority *out)
{
	cs_err rc = CS_ERR_INTERNAL;

	if (share_bp > PRIORITY_SHARE_MAX)
		goto out;
	for (size_t r = 0; r < NELEM(priority_table); r++) {
		if (priority_table[r].status != worst)
			continue;
		for (size_t b = 0; b < NELEM(priority_bands); b++) {
			if (share_bp >= priority_bands[b].min_bp &&
			    share_bp <= priority_bands[b].max_bp) {
				*out = priority_table[r].prio[b];
				rc = CS_OK;
				goto out;
			}
		}
	}
out:
	return rc;
}

const char *
priority_name(priority p)
{
	return (unsigned)p < NELEM(names) ? names[p] : "none";
}

const char *
priority_label(priority p)
{
	return (unsigned)p < NELEM(labels) ? labels[p] : "None";
}

/* Names match in any ASCII case (ascii_caseeq: no locale). */
int
priority_parse(const char *name, priority *out)
{
	for (int p = PRIORITY_P1; p <= PRIORITY_P4; p++) {
		if (ascii_caseeq(name, names[p]) || ascii_caseeq(name, labels[p])) {
			*out = (priority)p;
			return 0;
		}
	}
	return -1;
}

const struct priority_sla *
priority_sla_of(priority p)
{
	if (p < PRIORITY_P1 || p > PRIORITY_P4)
		return NULL;
	return &priority_slas[p - PRIORITY_P1];
}
