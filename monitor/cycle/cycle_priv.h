/* cycle_priv.h: private to monitor/cycle/: the cycle's load-decide-commit inside a transaction already open. */
#ifndef CYCLE_PRIV_H
#define CYCLE_PRIV_H

#include "cycle/cycle.h"
#include "cycle/decide.h"

/*
 * Loads, decides and commits one cycle at now with docs (ndocs 0: no
 * fetch) inside the caller's transaction; adds to *rep. The caller
 * commits or rolls back. Returns CS_OK or the first error.
 */
cs_err cycle_run_in_tx(const struct config *cfg, struct store *st, int64_t now,
    const struct cycle_doc *docs, size_t ndocs, struct cycle_report *rep, cycle_log_fn log,
    void *logctx, char *err, size_t errlen);

/*
 * Reads the fetch state of every document of cfg, in cycle_doc_key()
 * order, into fetch (as many zeroed entries; owned strings, freed with
 * store_feed_clear()), in one walk of the store. Documents never fetched
 * stay zeroed. Returns CS_OK or the store's error.
 */
cs_err cycle_load_fetch(const struct config *cfg, struct store *st, struct store_feed *fetch,
    char *err, size_t errlen);

#endif
