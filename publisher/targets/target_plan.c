/* target_plan.c: the order, the difference and the headers of a pass (target_plan.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "targets/target_plan.h"

int
target_plan_class(const char *path)
{
	if (strncmp(path, "api/", 4) == 0)
		return 3;
	if (strcmp(path, "index.html") == 0)
		return 2;
	if (strncmp(path, "incidents/", 10) == 0 || strncmp(path, "history.", 8) == 0 ||
	    strncmp(path, "history/", 8) == 0)
		return 1;
	return 0;
}

/* The extension of the file name, without the dot; "" when none. */
static const char *
extension(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
	const char *dot = strrchr(base, '.');

	return dot != NULL && dot != base ? dot + 1 : "";
}

static const struct {
	const char *ext;
	const char *type;
	int asset;                    /* changes only with a new clickstatus */
} types[] = {
	{ "html", "text/html; charset=utf-8", 0 },
	{ "json", "application/json", 0 },
	{ "atom", "application/atom+xml", 0 },
	{ "rss", "application/rss+xml", 0 },
	{ "xml", "application/xml", 0 },
	{ "txt", "text/plain; charset=utf-8", 0 },
	{ "css", "text/css; charset=utf-8", 1 },
	{ "js", "text/javascript; charset=utf-8", 1 },
	{ "svg", "image/svg+xml", 1 },
	{ "png", "image/png", 1 },
	{ "ico", "image/x-icon", 1 },
	{ "woff2", "font/woff2", 1 },
};

static int
type_index(const char *path)
{
	const char *ext = extension(path);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(ext, types[i].ext) == 0)
			return (int)i;
	return -1;
}

const char *
target_plan_content_type(const char *path)
{
	int i = type_index(path);

	return i < 0 ? "application/octet-stream" : types[i].type;
}

const char *
target_plan_cache_control(const char *path)
{
	int i = type_index(path);

	return i >= 0 && types[i].asset ? "public, max-age=86400" : "public, max-age=60";
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp((*(const struct target_file *const *)a)->path,
	    (*(const struct target_file *const *)b)->path);
}

static int
cmp_step(const void *a, const void *b)
{
	const struct target_step *x = a, *y = b;
	int cx, cy;

	if ((x->hash == NULL) != (y->hash == NULL))
		return x->hash == NULL ? 1 : -1;
	cx = target_plan_class(x->path);
	cy = target_plan_class(y->path);
	if (cx != cy)
		return cx < cy ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The entry of sorted (n) with path, or NULL. */
static const struct target_file *
find(const struct target_file *const *sorted, size_t n, const char *path)
{
	struct target_file key;
	const struct target_file *kp = &key;
	const struct target_file *const *hit;

	if (n == 0)
		return NULL;
	key.path = (char *)(uintptr_t)path;
	hit = bsearch(&kp, sorted, n, sizeof(*sorted), cmp_file);
	return hit != NULL ? *hit : NULL;
}

/* An array of pointers to v's n entries, sorted by path; NULL when n is 0 or no memory. */
static const struct target_file **
sorted_view(const struct target_file *v, size_t n)
{
	const struct target_file **s;

	if (n == 0)
		return NULL;
	s = malloc(n * sizeof(*s));
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = &v[i];
	qsort(s, n, sizeof(*s), cmp_file);
	return s;
}

cs_err
target_plan_make(const struct target_file *cur, size_t ncur, const struct target_file *have,
    size_t nhave, struct target_plan *plan)
{
	const struct target_file **scur = NULL, **shave = NULL;
	cs_err rc = CS_OK;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	scur = sorted_view(cur, ncur);
	shave = sorted_view(have, nhave);
	plan->steps = malloc((ncur + nhave + 1) * sizeof(*plan->steps));
	if ((ncur > 0 && scur == NULL) || (nhave > 0 && shave == NULL) || plan->steps == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < ncur; i++) {
		const struct target_file *h = find(shave, nhave, cur[i].path);

		if (h != NULL && strcmp(h->hash, cur[i].hash) == 0) {
			plan->unchanged++;
			continue;
		}
		plan->steps[plan->nsteps].path = cur[i].path;
		plan->steps[plan->nsteps].hash = cur[i].hash;
		plan->nsteps++;
	}
	plan->uploads = plan->nsteps;
	for (i = 0; i < nhave; i++) {
		if (find(scur, ncur, have[i].path) != NULL)
			continue;
		plan->steps[plan->nsteps].path = have[i].path;
		plan->steps[plan->nsteps].hash = NULL;
		plan->nsteps++;
	}
	qsort(plan->steps, plan->nsteps, sizeof(*plan->steps), cmp_step);
out:
	free(scur);
	free(shave);
	if (rc != CS_OK)
		target_plan_free(plan);
	return rc;
}

void
target_plan_free(struct target_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->steps);
	memset(plan, 0, sizeof(*plan));
}

void
target_files_free(struct target_file *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}
