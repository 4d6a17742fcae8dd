/* status.c: names and ordering of the shared status enumerations. */
#include "base/status.h"

#include <string.h>

static const char *const aws_names[] = {
	"normal", "informational", "degraded", "disruption", "unknown"
};
static const char *const comp_names[] = {
	"operational", "degraded_performance", "partial_outage", "major_outage",
	"under_maintenance", "unknown"
};
static const char *const comp_labels[] = {
	"Operational", "Degraded performance", "Partial outage", "Major outage",
	"Under maintenance", "Status unknown"
};
static const char *const ind_names[] = { "none", "minor", "major", "critical" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
status_aws_name(status_aws s)
{
	return (unsigned)s < NELEM(aws_names) ? aws_names[s] : "unknown";
}

const char *
status_component_name(status_component s)
{
	return (unsigned)s < NELEM(comp_names) ? comp_names[s] : "unknown";
}

const char *
status_component_label(status_component s)
{
	return (unsigned)s < NELEM(comp_labels) ? comp_labels[s] : "Status unknown";
}

const char *
status_indicator_name(status_indicator s)
{
	return (unsigned)s < NELEM(ind_names) ? ind_names[s] : "none";
}

int
status_aws_parse(const char *name, status_aws *out)
{
	for (unsigned i = 0; i < NELEM(aws_names); i++) {
		if (strcmp(name, aws_names[i]) == 0) {
			*out = (status_aws)i;
			return 0;
		}
	}
	return -1;
}

int
status_component_parse(const char *name, status_component *out)
{
	for (unsigned i = 0; i < NELEM(comp_names); i++) {
		if (strcmp(name, comp_names[i]) == 0) {
			*out = (status_component)i;
			return 0;
		}
	}
	return -1;
}

/* Rank used to pick a component's worst status; see status.h. */
static int
rank(status_component s)
{
	switch (s) {
	case STATUS_OPERATIONAL: return 0;
	case STATUS_DEGRADED_PERFORMANCE: return 1;
	case STATUS_UNKNOWN: return 2;
	case STATUS_UNDER_MAINTENANCE: return 3;
	case STATUS_PARTIAL_OUTAGE: return 4;
	case STATUS_MAJOR_OUTAGE: return 5;
	}
	return 2;
}

int
status_component_worse(status_component a, status_component b)
{
	return rank(a) > rank(b);
}
