/* ratelimit.c: sliding-window request counters per client address, a bounded table (ratelimit.h). */
#include "http/ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rl_entry {
	char    key[RATELIMIT_KEY_MAX]; /* "" : free */
	int64_t start;                  /* epoch: the current window began */
	int64_t cur, prev;              /* requests counted in it and in the one before */
	int64_t seen;                   /* last request (for eviction) */
	int     refused;                /* the last request was refused */
};

struct ratelimit {
	int64_t limit, window;
	size_t max, n;
	struct rl_entry *e;   /* e[0..n) in use */
};

cs_err
ratelimit_new(int limit, int64_t window, size_t max_keys, struct ratelimit **out, char *err,
    size_t errlen)
{
	struct ratelimit *rl;

	*out = NULL;
	if (limit < 1 || window < 1 || max_keys < 1)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "ratelimit: limit %d, window %lld,"
		    " %zu keys (want each >= 1)", limit, (long long)window, max_keys);
	rl = calloc(1, sizeof(*rl));
	if (rl != NULL)
		rl->e = calloc(max_keys, sizeof(*rl->e));
	if (rl == NULL || rl->e == NULL) {
		free(rl);
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "ratelimit: out of memory");
	}
	rl->limit = limit;
	rl->window = window;
	rl->max = max_keys;
	*out = rl;
	return CS_OK;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->e);
	free(rl);
}

/*
 * The entry of key, or a fresh one: a free slot, else the slot of the key
 * seen least recently (a linear scan: the table is small and only a new key
 * in a full table pays for it).
 */
static struct rl_entry *
entry(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_entry *e = NULL;
	size_t i;

	for (i = 0; i < rl->n; i++)
		if (strcmp(rl->e[i].key, key) == 0)
			return &rl->e[i];
	if (rl->n < rl->max) {
		e = &rl->e[rl->n++];
	} else {
		e = &rl->e[0];
		for (i = 1; i < rl->n; i++)
			if (rl->e[i].seen < e->seen)
				e = &rl->e[i];
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->start = now;
	e->seen = now;
	return e;
}

/* Moves e's windows on to now. */
static void
roll(const struct ratelimit *rl, struct rl_entry *e, int64_t now)
{
	if (now < e->start + rl->window)
		return;
	if (now < e->start + 2 * rl->window) {
		e->prev = e->cur;
		e->start += rl->window;
	} else {
		e->prev = 0;
		e->start = now;
	}
	e->cur = 0;
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

/*
 * Seconds from now until e (refused now) is allowed again: the first
 * whole second at which the inequality of ratelimit.h holds.
 */
static int64_t
wait_for(const struct ratelimit *rl, const struct rl_entry *e, int64_t now)
{
	int64_t w = rl->window, el = now - e->start, x;

	if (e->cur < rl->limit) {
		/* within this window: the previous one's weight has to fall */
		x = w - el - ceil_div((rl->limit - e->cur) * w, e->prev);
	} else {
		/* after the roll, this window's count is the previous one's */
		x = w - ceil_div(rl->limit * w, e->cur);
		x = (w - el) + (x > 0 ? x : 0);
	}
	return x < 1 ? 1 : x;
}

int
ratelimit_hit(struct ratelimit *rl, const char *key, int64_t now, int64_t *retry_after,
    int *again)
{
	struct rl_entry *e = entry(rl, key, now);
	int64_t w = rl->window;

	if (now < e->start)
		now = e->start;
	if (now < e->seen)
		now = e->seen;
	roll(rl, e, now);
	e->seen = now;
	if (e->prev * (w - (now - e->start) - 1) + e->cur * w < rl->limit * w) {
		e->cur++;
		e->refused = 0;
		return 1;
	}
	if (retry_after != NULL)
		*retry_after = wait_for(rl, e, now);
	if (again != NULL)
		*again = e->refused;
	e->refused = 1;
	return 0;
}
