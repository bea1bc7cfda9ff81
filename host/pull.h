/* pull.h — sources pulled through their plugin on the host's schedule (pull.c; config.h
 * "pulls"). Loop thread only. */
#ifndef PG_PULL_H
#define PG_PULL_H

#include "host.h"

/* Starts the timer that pulls each configured source when it is due (nothing when none is
 * configured). Call once, after the schedule started (its clock, injected or real, is the
 * pulls' clock). */
void pg_pull_start(pg_host *h);
/* Stops pulling: no new pull starts; one under way finishes on the pool and is recorded. */
void pg_pull_stop(pg_host *h);
/* The pulls' counters as Prometheus text (malloc'd), "" when none is configured. */
char *pg_pull_metrics(void);
/* metrics.c: adds `fn`'s text to /metrics (pg_pull_start hands it pg_pull_metrics; metrics.c
 * does not call pull.c, which calls into the host). */
void pg_metrics_extra(char *(*fn)(void));

#endif
