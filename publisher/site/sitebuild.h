/* sitebuild.h: fills the site's render model from the configuration, the judgement and the store. */
#ifndef SITEBUILD_H
#define SITEBUILD_H

#include <stdint.h>

#include "aws/catalogue.h"
#include "model/config.h"
#include "base/cs_error.h"
#include "cycle/cycle.h"
#include "site/sitemodel.h"
#include "store/store.h"

/*
 * Builds the render model of the whole site as of j->now: the page
 * (product, freshness: "data verified at", stale after 3 poll intervals),
 * every component with its status, causes and 90-day uptime bar from the
 * store's history, the AWS feeds the product depends on with their state,
 * and the incidents and maintenances the store holds (public ones only).
 * AWS services are named as the catalogue names them ("AWS Direct
 * Connect"); cat may be NULL (then by their slug). cfg, cat, j and st are
 * borrowed. Returns CS_OK and an owned *out
 * (sitemodel_free), or an error with a message.
 *
 * SITEBUILD_SUMMARY leaves out the resolved incidents, which only the
 * site's pages, history and lists show: what the summary (siteapi.h,
 * SITEAPI_SUMMARY) says is the same, and MQTT's retained state, built
 * every cycle, does not read every incident the store ever held (the
 * soak's cycles slowed as they accumulated).
 */
enum sitebuild_scope { SITEBUILD_SITE, SITEBUILD_SUMMARY };

cs_err sitebuild_model(const struct config *cfg, const struct catalogue *cat,
    const struct judgement *j, struct store *st, enum sitebuild_scope scope,
    struct sitemodel **out, char *err, size_t errlen);

/*
 * Uptime of one component over [from, to) from its history periods, the
 * way Statuspage counts it: time in major_outage is down, time in
 * partial_outage counts 30% down, every other status is up; time before
 * the first period or in "unknown" is not measured. Fills day[] with the
 * worst status of each of the SITEMODEL_DAYS UTC days ending with the day
 * of `to` (SITEMODEL_NODATA where nothing was measured) and *percent.
 * Returns CS_OK or a store error.
 */
cs_err sitebuild_uptime(struct store *st, const char *component_id, int64_t to,
    int day[SITEMODEL_DAYS], double *percent, char *err, size_t errlen);

#endif
