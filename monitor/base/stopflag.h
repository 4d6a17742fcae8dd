/* stopflag.h: the process's "stop now" request, set by a signal handler, read by long loops. */
#ifndef STOPFLAG_H
#define STOPFLAG_H

/*
 * The daemon's SIGTERM handler calls stop_request(); the loops that can
 * wait on the network for longer than a shutdown may take (the feed
 * fetches, an SMTP relay that stalls) call stop_requested() at least once
 * a second and abandon their work in hand without committing it: what was
 * not acknowledged is owed again after the restart. One flag per process,
 * because a signal handler has no context to find another one.
 */

/* Async-signal-safe. */
void stop_request(void);

/* Nonzero once stop_request() was called (since the last stop_reset()). */
int stop_requested(void);

/* Clears the request (tests; a daemon that reloads never clears it). */
void stop_reset(void);

#endif
