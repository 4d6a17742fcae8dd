/* sitepub.h: renders the site from the store and publishes it, when the outbox asks. */
#ifndef SITEPUB_H
#define SITEPUB_H

#include <stdint.h>

#include "model/config.h"
#include "base/cs_error.h"
#include "site/publish.h"
#include "store/store.h"

struct sitepub;

/*
 * Loads the templates of site_src (NULL: the source tree's site/) for
 * publishing into site_dir (copied). Returns CS_OK and an owned *out
 * (sitepub_free), or the template error (file named in err).
 */
cs_err sitepub_new(const char *site_src, const char *site_dir, struct sitepub **out,
    char *err, size_t errlen);

void sitepub_free(struct sitepub *sp);

/*
 * Builds the render model from the committed judgement (cycle_view(),
 * aged to now) and the store's incidents, and publishes a new release
 * atomically. Never judges again. stats may be NULL. On failure the
 * published site is untouched.
 */
cs_err sitepub_render(struct sitepub *sp, const struct config *cfg, struct store *st,
    int64_t now, struct publish_stats *stats, char *err, size_t errlen);

/*
 * Delivers the "site" outbox: when a render is owed (or no site was ever
 * published), renders once for all the rows due and marks them delivered;
 * when the render fails, marks them failed, due again in a minute, and
 * returns the error. *rendered (may be NULL) is set to 1 when a release was
 * published.
 */
cs_err sitepub_drain(struct sitepub *sp, const struct config *cfg, struct store *st,
    int64_t now, int *rendered, char *err, size_t errlen);

#endif
