/* retention.h — automatic retention: the unpublished runs of the last `retention_days` days
 * are kept, older ones pruned, daily and once at start-up.
 *
 * The host records a run for every evaluation (a re-score of the Shanwei set that changes the
 * numbers stores about 20 KB compressed), so a host left alone grows without bound. Once a
 * day at 03:00 in the rules' time zone (clear of the 00:00 cut-offs), and once soon after
 * start-up, by the scheduler's clock (which tests inject), a pool job calls pg_runs_prune — the
 * same call as `pinggu prune` — with `before` = now − retention_days, as actor
 * "host:retention". Published runs are never pruned, so every bulletin still reproduces.
 * Each prune that deletes something is one transaction with its `runs.prune` audit entry; a day
 * with nothing to prune writes nothing. retention_days = 0 turns it off.
 *
 * Loop thread only; the store work runs on a pool thread with its own connection. */
#ifndef PG_RETENTION_H
#define PG_RETENTION_H

#include "host.h"

/* Registers the daily chore with h->sched (after pg_sched_start), unless retention is off. */
void pg_retention_start(pg_host *h);

#endif
