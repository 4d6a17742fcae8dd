/* mail_token.c: random confirmation tokens (getrandom) and HMAC-signed links (GLib's GHmac). */
#include "email/mail_token.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <glib.h>

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

cs_err
mail_token_random(char out[MAIL_TOKEN_LEN], char *err, size_t errlen)
{
	unsigned char b[32];
	size_t got = 0;

	out[0] = '\0';
	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return cs_seterr(err, errlen, CS_ERR_INTERNAL, "getrandom: %s",
			    r < 0 ? strerror(errno) : "no bytes");
		got += (size_t)r;
	}
	hex(b, sizeof(b), out);
	return CS_OK;
}

void
mail_token_hash(const char *token, char out[MAIL_TOKEN_LEN])
{
	gchar *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);

	snprintf(out, MAIL_TOKEN_LEN, "%s", h != NULL ? h : "");
	g_free(h);
}

cs_err
mail_token_link_key(struct store *st, char key[MAIL_TOKEN_LEN], char *err, size_t errlen)
{
	char *v = NULL;
	cs_err rc;

	key[0] = '\0';
	rc = store_meta_get(st, "link_key", &v, err, errlen);
	if (rc == CS_OK && v != NULL && strlen(v) == MAIL_TOKEN_LEN - 1) {
		memcpy(key, v, MAIL_TOKEN_LEN);
		free(v);
		return CS_OK;
	}
	free(v);
	if (rc != CS_OK)
		return rc;
	rc = mail_token_random(key, err, errlen);
	if (rc == CS_OK)
		rc = store_meta_set(st, "link_key", key, err, errlen);
	return rc;
}

void
mail_token_link(const char *key, const char *purpose, int64_t id, const char *secret,
    char out[MAIL_LINK_LEN])
{
	char msg[256];
	gchar *mac;

	snprintf(msg, sizeof(msg), "%s:%" PRId64 ":%s", purpose, id, secret);
	mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)key, strlen(key), msg, -1);
	/* 128 bits are plenty for a link nobody can try more than a few times a minute. */
	snprintf(out, MAIL_LINK_LEN, "%" PRId64 ".%.32s", id, mac != NULL ? mac : "");
	g_free(mac);
}

int64_t
mail_token_link_id(const char *tok)
{
	int64_t id = 0;
	size_t i = 0, n = 0;

	if (tok == NULL)
		return 0;
	for (; tok[i] >= '0' && tok[i] <= '9' && i < 18; i++)
		id = id * 10 + (tok[i] - '0');
	if (i == 0 || tok[i] != '.')
		return 0;
	for (i++; tok[i] != '\0'; i++, n++)
		if (!((tok[i] >= '0' && tok[i] <= '9') || (tok[i] >= 'a' && tok[i] <= 'f')))
			return 0;
	return n == 32 ? id : 0;
}

int
mail_token_link_ok(const char *key, const char *purpose, int64_t id, const char *secret,
    const char *tok)
{
	char want[MAIL_LINK_LEN];
	unsigned char diff = 0;
	size_t n;

	if (tok == NULL || mail_token_link_id(tok) != id || id <= 0)
		return 0;
	mail_token_link(key, purpose, id, secret, want);
	n = strlen(want);
	if (strlen(tok) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ tok[i]);
	return diff == 0;
}
