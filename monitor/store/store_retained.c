/* store_retained.c: the mqtt_retained table (retained.h). */
#include <sqlite3.h>

#include "store/retained.h"
#include "store/store_priv.h"

cs_err
store_retained_set(struct store *st, const char *topic, int held, int64_t now, char *err,
    size_t errlen)
{
	if (held)
		return store_exec(st, NULL, "record retained topic", err, errlen,
		    "INSERT INTO mqtt_retained(topic, acked_at) VALUES (?1, ?2)"
		    " ON CONFLICT(topic) DO UPDATE SET acked_at = excluded.acked_at", "sL", topic, now);
	return store_exec(st, NULL, "forget retained topic", err, errlen,
	    "DELETE FROM mqtt_retained WHERE topic = ?1", "s", topic);
}

cs_err
store_retained_list(struct store *st, store_retained_cb cb, void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "SELECT topic FROM mqtt_retained ORDER BY topic", "");
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "list retained topics", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (cb((const char *)sqlite3_column_text(s, 0), ctx) != 0)
			break;
	}
	store_release(st, s);
	return rc;
}
