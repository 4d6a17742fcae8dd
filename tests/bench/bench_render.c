/* bench_render.c: renders the sample site (model built in code) once, or times full vs incremental renders. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "site/publish.h"
#include "site/render.h"
#include "sitedemo.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_render [-c components] [-i incidents] [-r runs] [-s site_src]\n"
	    "         [-H (hostile)] [-S (stale)] [-F (fsync)] -o site_dir once|bench\n");
}

/* Publishes the demo model; flip is the component shown in outage (-1 none). */
static int
publish_demo(struct render_ctx *ctx, const struct publish_opts *po, struct sitedemo_opts *dopt,
    long flip, struct publish_stats *st, double *ms)
{
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN];
	double t0;
	cs_err rc;
	int ret = 1;

	dopt->flip = flip;
	/* the model is the daemon's in-memory state: building it is not rendering */
	rc = sitedemo_build(dopt, &m, err, sizeof(err));
	t0 = now_ms();
	if (rc == CS_OK)
		rc = publish_run(po, ctx, m, st, err, sizeof(err));
	*ms = now_ms() - t0;
	if (rc != CS_OK) {
		fprintf(stderr, "bench_render: %s: %s\n", cs_strerror(rc), err);
		goto out;
	}
	ret = 0;
out:
	sitemodel_free(m);
	return ret;
}

int
main(int argc, char **argv)
{
	struct sitedemo_opts dopt = { 1795000000, 30, 1000, 0, 0, -1, 7 };
	struct publish_opts po = { NULL, 0, 1, 0, 0 };
	struct render_ctx *ctx = NULL;
	struct publish_stats st;
	const char *site_src = NULL;
	char err[CS_ERRLEN];
	double full[32], incr[32], ms;
	int ch, runs = 5, i, ret = 1;

	while ((ch = getopt(argc, argv, "c:i:r:s:o:HSFt:")) != -1) {
		switch (ch) {
		case 'c': dopt.ncomponents = strtoul(optarg, NULL, 10); break;
		case 'i': dopt.nincidents = strtoul(optarg, NULL, 10); break;
		case 'r': runs = (int)strtol(optarg, NULL, 10); break;
		case 's': site_src = optarg; break;
		case 'o': po.site_dir = optarg; break;
		case 'H': dopt.hostile = 1; break;
		case 'S': dopt.stale = 1; break;
		case 'F': po.no_fsync = 0; break;
		case 't': dopt.now = strtoll(optarg, NULL, 10); break;
		default: usage(); return 2;
		}
	}
	if (optind + 1 != argc || po.site_dir == NULL || runs < 1 || runs > 32) {
		usage();
		return 2;
	}
	if (render_ctx_new(site_src, &ctx, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "bench_render: %s\n", err);
		goto out;
	}
	if (strcmp(argv[optind], "once") == 0) {
		if (publish_demo(ctx, &po, &dopt, -1, &st, &ms) != 0)
			goto out;
		printf("%s/releases/%s %zu files %.1f ms\n", po.site_dir, st.release, st.files, ms);
		ret = 0;
		goto out;
	}
	if (strcmp(argv[optind], "bench") != 0) {
		usage();
		ret = 2;
		goto out;
	}
	/*
	 * Full: every page rendered and written (no previous release used).
	 * Incremental: the previous release exists and one component changes
	 * status, so index.html and the JSON API are rendered again and every
	 * incident and history page is a hard link.
	 */
	for (i = 0; i < runs; i++) {
		po.full = 1;
		if (publish_demo(ctx, &po, &dopt, -1, &st, &full[i]) != 0)
			goto out;
		po.full = 0;
		if (publish_demo(ctx, &po, &dopt, i % 2 == 0 ? 5 : 6, &st, &incr[i]) != 0)
			goto out;
	}
	qsort(full, (size_t)runs, sizeof(double), cmp_double);
	qsort(incr, (size_t)runs, sizeof(double), cmp_double);
	printf("files=%zu full_ms=%.1f incremental_ms=%.1f written=%zu linked=%zu not_rendered=%zu "
	    "speedup=%.1f\n", st.files, full[runs / 2], incr[runs / 2], st.written, st.linked,
	    st.not_rendered, full[runs / 2] / incr[runs / 2]);
	ret = 0;
out:
	render_ctx_free(ctx);
	return ret;
}
