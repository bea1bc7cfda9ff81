/* pool.h — rule work off the loop thread, never more at once than there are workers.
 *
 * libuv's thread pool also serves file system requests, so Lua-bound work must not fill it.
 * A pg_pool has a fixed number of worker slots; a job runs only when a slot is free, and waits
 * in a FIFO queue otherwise. Each slot keeps its own pg_ruleset (its own Lua state) for the
 * generation it last ran, so consecutive jobs on one generation load nothing; a job for
 * another generation makes the slot load that one from its snapshot first.
 *
 * Lifetimes: the caller allocates a pg_job (embedded in its own struct if it likes) and gives
 * it to pg_pool_submit() along with one reference to `gen` (or gen = NULL for work that needs
 * no rule state). `work` runs on a pool thread; `done` runs on the loop thread afterwards and
 * owns the job from then on. The pool drops the gen reference after `done` returns.
 * pg_pool_drain() calls back once nothing is queued or running; pg_pool_free() requires that,
 * and pg_pool_close() before it (the watchdog's timer), with a loop turn between.
 * Loop thread only, except for what `work` does.
 *
 * Deadlines. A job may carry a deadline (deadline_ms, set by the submitter). Rule code in its
 * `work` cannot run past it: the pool makes it the sandbox's outer deadline, which every rule
 * entry and every library function a rule reaches checks (core/sandbox/limits.c). So a job can
 * only outlive its deadline in C code, which a bug or a stalled disk could still do; a watchdog
 * on the loop thread then marks its worker stuck (GRACE after the deadline), logs it once, and
 * counts it, so /healthz and /metrics tell the truth, and pg_pool_blocked() lets a request that
 * would only queue behind stuck workers be refused at once rather than hang. A worker thread
 * cannot be killed safely, so a stuck worker stays stuck until its job returns; shutdown does
 * not wait for it past the drain timeout (serve.c). */
#ifndef PG_POOL_H
#define PG_POOL_H

#include "gen.h"

#include <uv.h>

typedef struct pg_pool pg_pool;
typedef struct pg_job pg_job;

struct pg_job {
    pg_gen *gen;    /* the generation to run on (the pool owns this reference), or NULL */
    pg_ruleset *rs; /* in `work`: this worker's own rule set of `gen` */
    char *error;    /* the worker's rule set could not be loaded: `work` was skipped; freed
                       by the pool after `done` */
    void (*work)(pg_job *j);
    void (*done)(pg_job *j);
    void *data;
    unsigned deadline_ms; /* set by the submitter; 0: none (work that runs no rule code) */
    const char *what;     /* for the log: "evaluation", "reload", … */
    uint64_t queued_ns, started_ns, finished_ns; /* uv_hrtime() */
    /* private */
    uv_work_t req;
    pg_pool *pool;
    struct pg_slot *slot;
    pg_job *next;
};

pg_pool *pg_pool_new(uv_loop_t *loop, int workers);
void pg_pool_submit(pg_pool *p, pg_job *j);
/* Jobs queued and running. */
int pg_pool_pending(const pg_pool *p);
/* Workers, and those running a job past its deadline. */
int pg_pool_workers(const pg_pool *p);
int pg_pool_stuck(const pg_pool *p);
/* 1 when every worker is stuck: new work would wait for as long as they stay stuck. */
int pg_pool_blocked(const pg_pool *p);
/* 1 when `j` is running on a stuck worker (loop thread; j submitted and not yet done). */
int pg_job_stuck(const pg_job *j);
/* Jobs that have run past their deadline since start (each counted once). */
uint64_t pg_pool_overruns(const pg_pool *p);
/* Bytes held by the workers' Lua states, as of their last jobs. */
size_t pg_pool_lua_memory(const pg_pool *p);
/* Frees idle workers' rule sets of generations other than the `n` in `keep` (the current one
 * of each rule set directory). A worker holds one rule set at a time: work that alternates
 * between years reloads it, which the dispatcher avoids when a worker of that year is free. */
void pg_pool_trim(pg_pool *p, const pg_gen *const *keep, int n);
void pg_pool_drain(pg_pool *p, void (*cb)(void *arg), void *arg);
void pg_pool_close(pg_pool *p);
void pg_pool_free(pg_pool *p);

#endif
