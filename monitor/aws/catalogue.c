/* catalogue.c: loads the AWS feed catalogue (TSV) and answers lookups and "did you mean". */
#include "aws/catalogue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/embedded.h"

/* Limits on the catalogue text: the real one is about 330 KB and 5,836 lines. */
#define CAT_MAX_BYTES   (16u * 1024u * 1024u)
#define CAT_MAX_ENTRIES 200000u
/* Names longer than this are never suggested against (bounds the edit-distance work). */
#define SUGGEST_MAXLEN  64

struct catalogue {
	char   *text;                     /* owned copy of the TSV; entries point into it */
	struct catalogue_entry *entries;  /* sorted by slug */
	size_t  n;
	const char **services;            /* distinct service names, sorted */
	unsigned char *global;            /* per service: has a feed with no region */
	size_t  nservices;
	const char **regions;             /* distinct region codes, sorted */
	size_t  nregions;
};

/* The legacy pseudo-region of S3 in old feeds; not in today's catalogue. */
static const char legacy_region[] = "us-standard";

static int
cmp_entry(const void *a, const void *b)
{
	const struct catalogue_entry *x = a, *y = b;

	return strcmp(x->slug, y->slug);
}

static int
cmp_str(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/*
 * Sorts names in place and removes duplicates; returns the new count.
 * If flags is non-NULL, flags[i] (parallel to names) is ORed into the kept
 * element, so a service seen once without a region stays global.
 */
static size_t
uniq_sorted(const char **names, unsigned char *flags, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k > 0 && strcmp(names[k - 1], names[i]) == 0) {
			if (flags != NULL)
				flags[k - 1] |= flags[i];
			continue;
		}
		names[k] = names[i];
		if (flags != NULL)
			flags[k] = flags[i];
		k++;
	}
	return k;
}

/* Splits one TSV line (NUL-terminated, in place) into 5 fields. Returns 0 or -1. */
static int
split_fields(char *line, char *field[5])
{
	int nf = 0;
	char *p = line;

	field[nf++] = p;
	for (; *p != '\0'; p++) {
		if (*p == '\t') {
			if (nf == 5)
				return -1;
			*p = '\0';
			field[nf++] = p + 1;
		}
	}
	return nf == 5 ? 0 : -1;
}

/*
 * Services must be sorted together with their "global" flag; sort pairs by
 * name through an index so the flag follows its name.
 */
struct svc_pair {
	const char *name;
	unsigned char global;
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct svc_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (int)y->global - (int)x->global;
}

/*
 * Splits c->text (len bytes, NUL-terminated, no NUL inside) into c->entries
 * in place, one per data line, sorted by slug. Returns CS_OK, or
 * CS_ERR_PARSE / CS_ERR_TOOBIG / CS_ERR_NOMEM with a message in err.
 */
static cs_err
read_entries(struct catalogue *c, size_t len, char *err, size_t errlen)
{
	size_t lines = 0, i, lineno = 0;
	char *p, *end;

	for (i = 0; i < len; i++)
		if (c->text[i] == '\n')
			lines++;
	lines++;
	if (lines > CAT_MAX_ENTRIES)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "catalogue: more than %u lines",
		    CAT_MAX_ENTRIES);
	c->entries = calloc(lines, sizeof(*c->entries));
	if (c->entries == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "catalogue: out of memory");

	p = c->text;
	end = c->text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *field[5];
		struct catalogue_entry *e;

		lineno++;
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p == '\0' || *p == '#') {
			p = nl + 1;
			continue;
		}
		if (split_fields(p, field) != 0)
			return cs_seterr(err, errlen, CS_ERR_PARSE,
			    "catalogue:%zu: expected 5 tab-separated fields", lineno);
		if (field[0][0] == '\0' || field[1][0] == '\0' || field[2][0] == '\0')
			return cs_seterr(err, errlen, CS_ERR_PARSE,
			    "catalogue:%zu: empty slug, service or region", lineno);
		e = &c->entries[c->n++];
		e->slug = field[0];
		e->service = field[1];
		e->region = strcmp(field[2], "-") == 0 ? NULL : field[2];
		e->service_name = field[3];
		e->region_name = field[4];
		p = nl + 1;
	}
	qsort(c->entries, c->n, sizeof(*c->entries), cmp_entry);
	for (i = 1; i < c->n; i++) {
		if (strcmp(c->entries[i - 1].slug, c->entries[i].slug) == 0)
			return cs_seterr(err, errlen, CS_ERR_PARSE, "catalogue: duplicate slug \"%s\"",
			    c->entries[i].slug);
	}
	return CS_OK;
}

/*
 * Fills the distinct services (with their global flag) and regions of
 * c->entries, sorted. Returns CS_OK, or CS_ERR_NOMEM with a message in err.
 */
static cs_err
index_names(struct catalogue *c, char *err, size_t errlen)
{
	struct svc_pair *pairs = NULL;
	cs_err rc = CS_OK;
	size_t i;

	pairs = calloc(c->n + 1, sizeof(*pairs));
	c->services = calloc(c->n + 1, sizeof(*c->services));
	c->global = calloc(c->n + 1, 1);
	c->regions = calloc(c->n + 1, sizeof(*c->regions));
	if (pairs == NULL || c->services == NULL || c->global == NULL || c->regions == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "catalogue: out of memory");
		goto out;
	}
	for (i = 0; i < c->n; i++) {
		pairs[i].name = c->entries[i].service;
		pairs[i].global = c->entries[i].region == NULL;
		if (c->entries[i].region != NULL)
			c->regions[c->nregions++] = c->entries[i].region;
	}
	qsort(pairs, c->n, sizeof(*pairs), cmp_pair);
	for (i = 0; i < c->n; i++) {
		c->services[i] = pairs[i].name;
		c->global[i] = pairs[i].global;
	}
	c->nservices = uniq_sorted(c->services, c->global, c->n);
	qsort(c->regions, c->nregions, sizeof(*c->regions), cmp_str);
	c->nregions = uniq_sorted(c->regions, NULL, c->nregions);
out:
	free(pairs);
	return rc;
}

cs_err
catalogue_load(const char *text, size_t len, struct catalogue **out, char *err, size_t errlen)
{
	struct catalogue *c = NULL;
	cs_err rc = CS_OK;

	*out = NULL;
	if (len > CAT_MAX_BYTES) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "catalogue: %zu bytes exceeds the maximum of %u",
		    len, CAT_MAX_BYTES);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->text = malloc(len + 1);
	if (c == NULL || c->text == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "catalogue: out of memory");
		goto out;
	}
	memcpy(c->text, text, len);
	c->text[len] = '\0';
	if (memchr(c->text, '\0', len) != NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "catalogue: NUL byte in text");
		goto out;
	}
	rc = read_entries(c, len, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = index_names(c, err, errlen);
	if (rc != CS_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	catalogue_free(c);
	return rc;
}

cs_err
catalogue_default(struct catalogue **out, char *err, size_t errlen)
{
	return catalogue_load((const char *)embedded_catalogue_tsv, embedded_catalogue_tsv_len, out,
	    err, errlen);
}

void
catalogue_free(struct catalogue *c)
{
	if (c == NULL)
		return;
	free(c->text);
	free(c->entries);
	free(c->services);
	free(c->global);
	free(c->regions);
	free(c);
}

const struct catalogue_entry *
catalogue_find(const struct catalogue *c, const char *slug)
{
	struct catalogue_entry key;

	if (c == NULL || slug == NULL)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.slug = slug;
	return bsearch(&key, c->entries, c->n, sizeof(*c->entries), cmp_entry);
}

/* Index of name in a sorted string array, or -1. */
static long
find_name(const char *const *names, size_t n, const char *name)
{
	const char *const *hit;

	if (name == NULL || n == 0)
		return -1;
	hit = bsearch(&name, names, n, sizeof(*names), cmp_str);
	return hit == NULL ? -1 : (long)(hit - names);
}

int
catalogue_has_service(const struct catalogue *c, const char *service)
{
	return c != NULL && find_name(c->services, c->nservices, service) >= 0;
}

int
catalogue_has_region(const struct catalogue *c, const char *region)
{
	return c != NULL && find_name(c->regions, c->nregions, region) >= 0;
}

int
catalogue_is_global(const struct catalogue *c, const char *service)
{
	long i;

	if (c == NULL)
		return 0;
	i = find_name(c->services, c->nservices, service);
	return i >= 0 && c->global[i];
}

/*
 * Levenshtein distance between a and b (ASCII case-insensitive), giving up
 * as soon as it must exceed bound: returns bound + 1 then. Two rows of the
 * classic table; a row whose minimum is above the bound ends the search.
 * Both strings are at most SUGGEST_MAXLEN bytes.
 */
static size_t
edit_distance(const char *a, size_t la, const char *b, size_t lb, size_t bound)
{
	size_t row0[SUGGEST_MAXLEN + 1], row1[SUGGEST_MAXLEN + 1];
	size_t *prev = row0, *cur = row1, *tmp;
	size_t i, j;

	if ((la > lb ? la - lb : lb - la) > bound)
		return bound + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		size_t rowmin;

		cur[0] = i;
		rowmin = cur[0];
		for (j = 1; j <= lb; j++) {
			size_t cost = ascii_tolower(a[i - 1]) == ascii_tolower(b[j - 1]) ? 0 : 1;
			size_t v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > bound)
			return bound + 1;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb] > bound ? bound + 1 : prev[lb];
}

/*
 * The closest name within a bound that grows with the length of the word
 * (1 edit up to 3 characters, 2 up to 6, else 3), so that "s4" suggests
 * "s3" but a long unrelated word suggests nothing. Ties go to the first
 * name in sorted order, which keeps the answer stable.
 */
const char *
catalogue_closest(const char *const *names, size_t n, const char *word)
{
	size_t lw, bound, best = SIZE_MAX, i;
	const char *hit = NULL;

	if (word == NULL)
		return NULL;
	lw = strlen(word);
	if (lw == 0 || lw > SUGGEST_MAXLEN)
		return NULL;
	bound = lw <= 3 ? 1 : lw <= 6 ? 2 : 3;
	for (i = 0; i < n; i++) {
		size_t ln = strlen(names[i]), d;

		if (ln > SUGGEST_MAXLEN)
			continue;
		d = edit_distance(word, lw, names[i], ln, bound);
		if (d <= bound && d < best) {
			best = d;
			hit = names[i];
		}
	}
	return hit;
}

const char *
catalogue_suggest_service(const struct catalogue *c, const char *service)
{
	return c == NULL ? NULL : catalogue_closest(c->services, c->nservices, service);
}

const char *
catalogue_suggest_region(const struct catalogue *c, const char *region)
{
	return c == NULL ? NULL : catalogue_closest(c->regions, c->nregions, region);
}

/*
 * Looks like an AWS region code: two letters, optional "-gov", "-", letters,
 * "-", digits ("eu-west-1", "us-gov-west-1"). Used for regions newer than
 * the catalogue, as feeds/make-catalogue.py does.
 */
static int
looks_like_region(const char *s)
{
	size_t i = 0;

	if (!(s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' && s[2] == '-'))
		return 0;
	i = 3;
	if (strncmp(s + i, "gov-", 4) == 0)
		i += 4;
	if (!(s[i] >= 'a' && s[i] <= 'z'))
		return 0;
	while (s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (s[i++] != '-')
		return 0;
	if (!ascii_isdigit(s[i]))
		return 0;
	while (ascii_isdigit(s[i]))
		i++;
	return s[i] == '\0';
}

static int
copy_out(char *dst, size_t dlen, const char *src, size_t n)
{
	if (dst == NULL || n + 1 > dlen)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/*
 * The region is the longest suffix after a '-' that is a region of the
 * catalogue or the legacy "us-standard"; failing that, the longest suffix
 * shaped like a region code. The service part must not be empty. c may be
 * NULL (shape only).
 */
int
catalogue_split_slug(const struct catalogue *c, const char *slug, char *service, size_t slen,
    char *region, size_t rlen)
{
	const char *p, *cut = NULL;
	int pass;

	if (slug == NULL)
		return -1;
	for (pass = 0; pass < 2 && cut == NULL; pass++) {
		for (p = strchr(slug, '-'); p != NULL; p = strchr(p + 1, '-')) {
			const char *r = p + 1;
			int known;

			if (p == slug)
				continue;
			if (pass == 0)
				known = catalogue_has_region(c, r) || strcmp(r, legacy_region) == 0;
			else
				known = looks_like_region(r);
			if (known) {
				cut = p;
				break;
			}
		}
	}
	if (cut == NULL) {
		if (copy_out(service, slen, slug, strlen(slug)) != 0 || copy_out(region, rlen, "", 0) != 0)
			return -1;
		return 0;
	}
	if (copy_out(service, slen, slug, (size_t)(cut - slug)) != 0 ||
	    copy_out(region, rlen, cut + 1, strlen(cut + 1)) != 0)
		return -1;
	return 0;
}

size_t
catalogue_count(const struct catalogue *c)
{
	return c == NULL ? 0 : c->n;
}

const struct catalogue_entry *
catalogue_at(const struct catalogue *c, size_t i)
{
	return c == NULL || i >= c->n ? NULL : &c->entries[i];
}
