/* outbox.h: what a committed change owes the outside world: one fan-out, one key scheme. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * Every change the system commits is written together with the messages it
 * owes, in the same transaction (the transactional outbox); the publishers
 * drain the rows by channel. A change owes one row per channel, all with
 * the same payload and with keys of one scheme:
 *
 *   <subject>:<event>:<channel>
 *
 *   subject  what changed: "incident:<id>", "maintenance:<id>",
 *            "component:<id>", or "site" for the page as a whole
 *   event    the change: "update:<n>" (the n-th update of an incident),
 *            "<status>" (a maintenance's new status), "<status>@<epoch>"
 *            (a component's new status at that instant), "render@<epoch>"
 *   channel  "email", "mqtt" or "site"
 *
 * e.g. "incident:3:update:2:email", "maintenance:1:in_progress:mqtt",
 * "component:reporting:partial_outage@1787191200:mqtt", "site:render@1787191200:site".
 * The key is a function of the decision, so a replayed cycle computes the
 * same keys and store_outbox_add() enqueues nothing twice.
 */

#define OUTBOX_EMAIL 1u
#define OUTBOX_MQTT  2u
#define OUTBOX_SITE  4u
#define OUTBOX_ALL   (OUTBOX_EMAIL | OUTBOX_MQTT | OUTBOX_SITE)

/*
 * Enqueues payload (JSON text, borrowed) on every channel of channels
 * with the keys above. Adds the rows really added (not already there) to
 * *added (may be NULL). Joins the caller's transaction. Returns CS_OK,
 * CS_ERR_USAGE for a subject or event that would not fit a key, or the
 * store's error.
 */
cs_err outbox_fanout(struct store *st, unsigned channels, const char *subject,
    const char *event, const char *payload, int64_t now, size_t *added, char *err, size_t errlen);

#endif
