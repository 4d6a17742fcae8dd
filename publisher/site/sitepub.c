/* sitepub.c: renders the site from the store and publishes it, when the outbox asks. */
#include "site/sitepub.h"

#include <stdlib.h>
#include <string.h>

#include "cycle/cycle.h"
#include "site/render.h"
#include "site/sitebuild.h"

/* How long a claimed render is leased, and when a failed one is retried. */
#define RENDER_LEASE 300
#define RENDER_RETRY 60
#define MAX_CLAIM 1024

struct sitepub {
	struct render_ctx *ctx;
	struct catalogue  *cat;       /* names of the AWS services on the page */
	char              *site_dir;
};

cs_err
sitepub_new(const char *site_src, const char *site_dir, struct sitepub **out,
    char *err, size_t errlen)
{
	struct sitepub *sp;
	cs_err rc;

	*out = NULL;
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL || (sp->site_dir = strdup(site_dir)) == NULL) {
		free(sp);
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	}
	rc = render_ctx_new(site_src, &sp->ctx, err, errlen);
	if (rc == CS_OK)
		rc = catalogue_default(&sp->cat, err, errlen);
	if (rc != CS_OK) {
		sitepub_free(sp);
		return rc;
	}
	*out = sp;
	return CS_OK;
}

void
sitepub_free(struct sitepub *sp)
{
	if (sp == NULL)
		return;
	render_ctx_free(sp->ctx);
	catalogue_free(sp->cat);
	free(sp->site_dir);
	free(sp);
}

cs_err
sitepub_render(struct sitepub *sp, const struct config *cfg, struct store *st,
    int64_t now, struct publish_stats *stats, char *err, size_t errlen)
{
	struct judgement *j = NULL;
	struct sitemodel *m = NULL;
	struct publish_opts po;
	cs_err rc;

	rc = cycle_view(cfg, st, now, &j, err, errlen);
	if (rc == CS_OK)
		rc = sitebuild_model(cfg, sp->cat, j, st, SITEBUILD_SITE, &m, err, errlen);
	if (rc == CS_OK) {
		memset(&po, 0, sizeof(po));
		po.site_dir = sp->site_dir;
		po.now = now;
		rc = publish_run(&po, sp->ctx, m, stats, err, errlen);
	}
	sitemodel_free(m);
	judgement_free(j);
	return rc;
}

cs_err
sitepub_drain(struct sitepub *sp, const struct config *cfg, struct store *st,
    int64_t now, int *rendered, char *err, size_t errlen)
{
	struct store_outbox_msg *msgs = NULL;
	char cur[PUBLISH_NAMELEN], perr[CS_ERRLEN];
	size_t n = 0;
	int never;
	cs_err rc;

	if (rendered != NULL)
		*rendered = 0;
	never = publish_current(sp->site_dir, cur, sizeof(cur), perr, sizeof(perr)) != CS_OK;
	rc = store_outbox_claim_due(st, "site", now, RENDER_LEASE, MAX_CLAIM, &msgs, &n, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (n == 0 && !never)
		goto out;
	/* The site is a function of the state: one render settles every row due. */
	rc = sitepub_render(sp, cfg, st, now, NULL, err, errlen);
	for (size_t i = 0; i < n; i++) {
		char e2[CS_ERRLEN];

		if (rc == CS_OK)
			store_outbox_delivered(st, msgs[i].id, msgs[i].claim_token, now, e2,
			    sizeof(e2));
		else
			store_outbox_failed(st, msgs[i].id, msgs[i].claim_token, now, err,
			    now + RENDER_RETRY, e2, sizeof(e2));
	}
	if (rc == CS_OK && rendered != NULL)
		*rendered = 1;
out:
	store_outbox_msgs_free(msgs, n);
	return rc;
}
