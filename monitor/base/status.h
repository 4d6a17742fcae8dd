/* status.h: the enumerations shared by every stage: AWS state, component status, indicator. */
#ifndef STATUS_H
#define STATUS_H

/*
 * State of one AWS feed (service-region), as the classifier decides it.
 * The numeric order is the severity order. STATUS_AWS_UNKNOWN is not a
 * state AWS publishes: it means we could not read the feed.
 */
typedef enum status_aws {
	STATUS_AWS_NORMAL = 0,
	STATUS_AWS_INFORMATIONAL = 1,
	STATUS_AWS_DEGRADED = 2,
	STATUS_AWS_DISRUPTION = 3,
	STATUS_AWS_UNKNOWN = 4
} status_aws;

/*
 * Status of one of the product's components, with Statuspage's values.
 * Order: severity for the first four; maintenance and unknown are apart
 * (see status_component_worse()).
 */
typedef enum status_component {
	STATUS_OPERATIONAL = 0,
	STATUS_DEGRADED_PERFORMANCE = 1,
	STATUS_PARTIAL_OUTAGE = 2,
	STATUS_MAJOR_OUTAGE = 3,
	STATUS_UNDER_MAINTENANCE = 4,
	STATUS_UNKNOWN = 5          /* the feeds behind it could not be read */
} status_component;

/* Statuspage's page indicator. */
typedef enum status_indicator {
	STATUS_IND_NONE = 0,
	STATUS_IND_MINOR = 1,
	STATUS_IND_MAJOR = 2,
	STATUS_IND_CRITICAL = 3
} status_indicator;

/* Wire names ("normal", "degraded_performance", "minor"...); never NULL. */
const char *status_aws_name(status_aws s);
const char *status_component_name(status_component s);
const char *status_indicator_name(status_indicator s);
/* Words for people ("Partial outage"). */
const char *status_component_label(status_component s);

/* Parse a wire name; returns 0 and sets *out, or -1 if the name is unknown. */
int status_aws_parse(const char *name, status_aws *out);
int status_component_parse(const char *name, status_component *out);

/*
 * Returns nonzero when a is worse than b for a component that has both.
 * Outages rank above maintenance; an outage wins over unknown; unknown wins
 * over operational and degraded_performance (we do not claim health we
 * cannot see).
 */
int status_component_worse(status_component a, status_component b);

#endif
