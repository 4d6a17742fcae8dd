/* sitedemo.h: a realistic, deterministic sample render model (tests, bench, screenshots, `render --demo`). */
#ifndef SITEDEMO_H
#define SITEDEMO_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "site/sitemodel.h"

struct sitedemo_opts {
	int64_t  now;                 /* generated_at; the last day cell is its day */
	size_t   ncomponents;         /* up to 30 distinct CLICK components, then numbered */
	size_t   nincidents;          /* resolved history plus two active incidents */
	int      hostile;             /* titles and bodies full of markup and quotes */
	int      stale;               /* polls failing for an hour */
	long     flip;                /* index of a component to show as partial_outage, -1 none */
	uint32_t seed;                /* PRNG seed; same seed, same model */
};

/*
 * Builds the sample model: CLICK by SynchroNet, components in groups with
 * AWS causes and 90 day cells, incidents with 2-5 updates each (P1/P2
 * resolved ones owe an RCA), one upcoming and one active maintenance, and
 * the AWS services depended on. Returns CS_OK and an owned *out
 * (sitemodel_free), or the adder's error.
 */
cs_err sitedemo_build(const struct sitedemo_opts *o, struct sitemodel **out, char *err,
    size_t errlen);

#endif
