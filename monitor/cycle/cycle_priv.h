/* cycle_priv.h: private to cycle.c and cycle_judge.c: names both halves of the cycle module share. */
#ifndef CYCLE_PRIV_H
#define CYCLE_PRIV_H

/* Feeds not read for this many poll intervals make their dependents unknown. */
#define STALE_INTERVALS 3

/* Store meta keys. */
#define META_OPEN_EVENTS "currentevents_open"   /* JSON array: slugs currentevents lists as open */
#define META_LAST_POLL "last_poll"              /* epoch of the last cycle */
#define META_LAST_POLL_OK "last_poll_ok"        /* epoch of the last cycle that read every document */

#endif
