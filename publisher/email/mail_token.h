/* mail_token.h: the secrets in subscription links: random confirmation tokens and signed links. */
#ifndef MAIL_TOKEN_H
#define MAIL_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * Two kinds of link secret:
 *
 * - A confirmation token (double opt-in): 256 random bits from
 *   getrandom(2), written into the one confirmation mail; the store keeps
 *   only its SHA-256 (subscribers.h), so a copy of the database confirms
 *   nobody. Single-use, 48 hours.
 * - A link signature (manage, unsubscribe): HMAC-SHA-256 under the
 *   install's link key (random, in the store's meta) of the purpose, the
 *   subscriber's id and secret, cut to 128 bits. It is computed, not
 *   stored, so every mail of a subscriber carries the same links, a
 *   re-sent message is the same message, and changing the subscriber's
 *   secret (store_subscriber) voids every link sent before.
 */

#define MAIL_TOKEN_LEN 65      /* 64 hex digits and NUL */
#define MAIL_LINK_LEN 64       /* "<id>.<32 hex digits>" and NUL, with room */

/* Fills out with a fresh random token (hex). CS_ERR_INTERNAL if the kernel gives no randomness. */
cs_err mail_token_random(char out[MAIL_TOKEN_LEN], char *err, size_t errlen);

/* The SHA-256 of token, hex, into out: what the store keeps. */
void mail_token_hash(const char *token, char out[MAIL_TOKEN_LEN]);

/* The install's link key from the store, made (random) and saved the first time. */
cs_err mail_token_link_key(struct store *st, char key[MAIL_TOKEN_LEN], char *err, size_t errlen);

/* The signed link token for purpose ("manage", "unsubscribe") of subscriber id with secret. */
void mail_token_link(const char *key, const char *purpose, int64_t id, const char *secret,
    char out[MAIL_LINK_LEN]);

/*
 * Reads the subscriber id out of a link token; 0 when tok is not of the
 * form "<id>.<32 hex digits>" (then it matches nobody).
 */
int64_t mail_token_link_id(const char *tok);

/* Nonzero when tok is the link of purpose for id and secret (compared in constant time). */
int mail_token_link_ok(const char *key, const char *purpose, int64_t id, const char *secret,
    const char *tok);

#endif
