/* mapper.h: turns AWS feed states into the product's component statuses, with causes. */
#ifndef MAPPER_H
#define MAPPER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/classify.h"
#include "model/config.h"
#include "base/cs_error.h"
#include "base/status.h"

/* What the mapper knows of one feed the configuration needs. */
struct mapper_feed {
	const char *slug;
	int         readable;   /* 0: the last fetch or parse failed: dependents are unknown */
	const struct classify_service *svc; /* NULL: feed had no items (normal) */
};

/* Why a component has its status: the AWS item behind it. */
struct mapper_cause {
	char      *slug;        /* feed slug that caused it, e.g. "multipleservices-us-east-1" */
	char      *service;
	char      *region;      /* NULL for global */
	status_aws aws_state;   /* STATUS_AWS_UNKNOWN: the feed could not be read */
	char      *title;       /* newest item's title; "" when unknown */
	char      *guid;        /* newest item's guid; "" when unknown */
	int64_t    time;        /* epoch of the newest item; 0 when unknown */
	status_component status; /* what this dependency gives the component */
};

struct mapper_component {
	const struct config_component *cfg; /* borrowed from the config */
	status_component status;
	struct mapper_cause *causes;        /* every dependency not giving operational, worst first */
	size_t ncauses;
};

struct mapper_result {
	struct mapper_component *components; /* in configuration order */
	size_t ncomponents;
	status_indicator indicator;
	char *description;                  /* "All Systems Operational", "Partial System Outage"... */
};

/*
 * Maps the feeds onto the components of cfg. feeds are borrowed. A
 * dependency on service S in region R is also hit by
 * "multipleservices-R" when cfg's feed slugs list it (GovCloud has none).
 * A component takes the worst of its dependencies.
 * A feed that is unreadable, or absent from feeds, makes its dependants
 * STATUS_UNKNOWN (see the rule in mapper.c). The indicator: critical if any
 * component is major_outage, major if any partial_outage, minor if any
 * degraded_performance or unknown, else none. *out borrows cfg (component
 * cfg pointers): free it before cfg. Returns CS_OK and an owned *out, or
 * CS_ERR_NOMEM.
 */
cs_err mapper_run(const struct config *cfg, const struct mapper_feed *feeds,
    size_t nfeeds, struct mapper_result **out);

/*
 * Stable text dump (golden tests, `clickstatus map`): one tab-separated line
 * for the indicator, one per component, one per cause (see mapper.c).
 */
void mapper_dump(const struct mapper_result *r, FILE *fp);

/*
 * Sets r's indicator and description from its component statuses (the
 * Statuspage rule in mapper.c). Returns CS_OK or CS_ERR_NOMEM (r keeps
 * its old description then).
 */
cs_err mapper_indicate(struct mapper_result *r);

/*
 * Nonzero when the verdict of feed slug counts for component cc of cfg:
 * one of its dependencies, or multipleservices-<region> of a region it
 * depends on when cfg asks for that feed (GovCloud has none).
 */
int mapper_uses_feed(const struct config *cfg, const struct config_component *cc,
    const char *slug);

/*
 * Sorts causes worst first (by the status they give, then the AWS state,
 * then the newest time, then the slug): the order mapper_run() keeps.
 */
void mapper_sort_causes(struct mapper_cause *causes, size_t n);

/* Frees what one cause owns (not the cause itself). */
void mapper_cause_clear(struct mapper_cause *c);

/* Frees r and everything it owns; NULL is a no-op. */
void mapper_result_free(struct mapper_result *r);

#endif
