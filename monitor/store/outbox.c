/* outbox.c: the one fan-out of a committed change onto the outbox channels (keys in outbox.h). */
#include "store/outbox.h"

#include <stdio.h>

cs_err
outbox_fanout(struct store *st, unsigned channels, const char *subject,
    const char *event, const char *payload, int64_t now, size_t *added, char *err, size_t errlen)
{
	static const struct { unsigned bit; const char *name; } ch[] = {
		{ OUTBOX_EMAIL, "email" }, { OUTBOX_MQTT, "mqtt" }, { OUTBOX_SITE, "site" },
	};
	char key[512];

	for (size_t i = 0; i < sizeof(ch) / sizeof(ch[0]); i++) {
		int was = 0;
		int n;
		cs_err rc;

		if (!(channels & ch[i].bit))
			continue;
		n = snprintf(key, sizeof(key), "%s:%s:%s", subject, event, ch[i].name);
		if (n < 0 || (size_t)n >= sizeof(key))
			return cs_seterr(err, errlen, CS_ERR_USAGE, "outbox: key for %s too long", subject);
		rc = store_outbox_add(st, ch[i].name, key, payload, now, &was, err, errlen);
		if (rc != CS_OK)
			return rc;
		if (was && added != NULL)
			(*added)++;
	}
	return CS_OK;
}
