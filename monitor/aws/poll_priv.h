/* poll_priv.h: private to poll.c and poll_policy.c; include poll.h elsewhere. */
#ifndef POLL_PRIV_H
#define POLL_PRIV_H

/*
 * Why the poller must not fetch url (a static phrase), or NULL when it may:
 * https to any host, http only to a loopback host. Sets *loopback to 1 when
 * the host is loopback. The rule behind poll_url_allowed(), checked again
 * for every redirect target.
 */
const char *poll_url_refusal(const char *url, int *loopback);

#endif
