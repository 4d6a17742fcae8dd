/* subscribers.h: the store's email subscribers and their single-use confirmation tokens. */
#ifndef SUBSCRIBERS_H
#define SUBSCRIBERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * A subscriber's address is personal data: it is stored here and nowhere
 * else (logs name the subscriber by id or a masked address, see
 * store_sub_mask()). State moves pending -> confirmed (double opt-in) ->
 * unsubscribed, or to bounced when the relay refused the address for good.
 */
struct store_subscriber {
	int64_t id;
	char   *email;            /* as typed, the domain in lower case; unique whatever its case */
	char   *state;            /* "pending", "confirmed", "unsubscribed", "bounced" */
	char   *components_json;  /* JSON array of component ids followed; NULL: all */
	int     min_priority;     /* lowest priority wanted, 1..4 (4: P1 to P4, all) */
	char   *secret;           /* random hex: what link signatures are made of (mail_token.h) */
	char   *source;           /* "form", "cli", "import" */
	int64_t created_at, confirmed_at, updated_at;  /* epoch; confirmed_at 0: never */
	char   *last_error;       /* why it bounced, NULL */
};

/* Frees the strings of s and zeroes it; NULL is a no-op. */
void store_subscriber_clear(struct store_subscriber *s);

/*
 * Reads subscriber id, or by address (compared without regard to case:
 * normalise the domain first). Fills an owned *out (store_subscriber_clear). CS_ERR_NOTFOUND
 * when there is none.
 */
cs_err store_sub_get(struct store *st, int64_t id, struct store_subscriber *out, char *err,
    size_t errlen);
cs_err store_sub_find(struct store *st, const char *email, struct store_subscriber *out,
    char *err, size_t errlen);

/*
 * Adds s (borrowed; id, updated_at ignored) as a new subscriber and sets
 * *id. CS_ERR_STATE when the address is already there.
 */
cs_err store_sub_add(struct store *st, const struct store_subscriber *s, int64_t *id, char *err,
    size_t errlen);

/*
 * Writes the state, preferences, secret and last_error of s (by s->id),
 * with updated_at now; confirmed_at is set to now when s moves to
 * confirmed. CS_ERR_NOTFOUND for no such subscriber.
 */
cs_err store_sub_update(struct store *st, const struct store_subscriber *s, int64_t now,
    char *err, size_t errlen);

/* Deletes subscriber id with its tokens and deliveries (erasure); CS_ERR_NOTFOUND. */
cs_err store_sub_delete(struct store *st, int64_t id, char *err, size_t errlen);

/*
 * Calls fn for every subscriber in address order (state NULL: all, else
 * only that state); the struct is borrowed for the call. A non-CS_OK
 * return of fn stops the walk and is returned.
 */
cs_err store_sub_each(struct store *st, const char *state,
    cs_err (*fn)(void *arg, const struct store_subscriber *s), void *arg, char *err,
    size_t errlen);

/* Counts subscribers in state (NULL: all). */
cs_err store_sub_count(struct store *st, const char *state, size_t *n, char *err, size_t errlen);

/*
 * Confirmation tokens: only the SHA-256 of a token is stored (hash, hex).
 * store_sub_token_add() records one for subscriber_id valid until
 * expires_at. store_sub_token_use() spends the token whose hash is given,
 * once: it sets *subscriber_id and marks it used; CS_ERR_NOTFOUND for a
 * token unknown, expired (expires_at <= now) or already used, all three
 * alike. store_sub_tokens_since() counts the tokens made for a subscriber
 * since an instant (the per-address rate limit).
 */
cs_err store_sub_token_add(struct store *st, const char *hash, int64_t subscriber_id,
    int64_t now, int64_t expires_at, char *err, size_t errlen);
cs_err store_sub_token_use(struct store *st, const char *hash, int64_t now,
    int64_t *subscriber_id, char *err, size_t errlen);
cs_err store_sub_tokens_since(struct store *st, int64_t subscriber_id, int64_t since,
    size_t *n, char *err, size_t errlen);

/*
 * The address as logs may show it: the first character of the local part
 * and the domain, "j***@example.com", into buf (always terminated).
 */
void store_sub_mask(const char *email, char *buf, size_t len);

#endif
