/* reconcile_priv.h: what reconcile.c shares with reconcile_json.c, and nothing else. */
#ifndef RECONCILE_PRIV_H
#define RECONCILE_PRIV_H

#include "aws/reconcile.h"

/* qsort orders: by slug. */
int reconcile_cmp_event(const void *a, const void *b);
int reconcile_cmp_seen(const void *a, const void *b);

/* Frees e's strings. */
void reconcile_event_clear(struct reconcile_event *e);

#endif
