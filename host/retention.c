/* retention.c — the daily prune of old unpublished runs (see retention.h).
 *
 * One prune at a time: a day that comes while the previous prune still runs (a clock jumped
 * twice in a test, a slow disk) is skipped, since the next day's prune covers it. The state
 * for that is a static, as a process runs one host. The job needs no rule set (gen NULL). */
#include "retention.h"

#include "log.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACTOR "host:retention"

typedef struct {
    pg_job job;
    char *datadir;
    char before[32]; /* ISO 8601 UTC, the form run.finished_at has */
    long runs, blobs;
    int rc;
    pg_diags d;
} prune_job;

static int busy;

static void prune_work(pg_job *j)
{
    prune_job *x = j->data;
    pg_store *st = NULL;
    x->rc = pg_store_open(x->datadir, &st, &x->d);
    long n = 0;
    if (x->rc == 0) x->rc = pg_runs_prunable(st, x->before, &n, &x->d);
    if (x->rc == 0 && n > 0)
        x->rc = pg_runs_prune(st, x->before, ACTOR, &x->runs, &x->blobs, &x->d);
    pg_store_close(st);
}

static void prune_done(pg_job *j)
{
    prune_job *x = j->data;
    char runs[24], blobs[24];
    snprintf(runs, sizeof runs, "%ld", x->runs);
    snprintf(blobs, sizeof blobs, "%ld", x->blobs);
    if (x->rc != 0)
        pg_log(PG_LOG_ERROR, "retention", "before", x->before, "error",
               x->d.n ? x->d.v[0].msg : "the prune failed", NULL);
    else
        pg_log(x->runs ? PG_LOG_INFO : PG_LOG_DEBUG, "retention", "before", x->before, "runs", runs,
               "blobs", blobs, NULL);
    pg_diags_free(&x->d);
    free(x->datadir);
    free(x);
    busy = 0;
}

static void on_day(void *ctx, int64_t now)
{
    pg_host *h = ctx;
    if (busy || h->stopping) return;
    prune_job *x = pg_xcalloc(1, sizeof *x);
    time_t cut = (time_t)(now - (int64_t)h->cfg.retention_days * 86400);
    struct tm tm;
    gmtime_r(&cut, &tm);
    strftime(x->before, sizeof x->before, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    x->datadir = pg_xstrdup(h->cfg.data_dir);
    x->job.work = prune_work;
    x->job.what = "retention";
    x->job.done = prune_done;
    x->job.data = x;
    busy = 1;
    pg_pool_submit(h->pool, &x->job);
}

void pg_retention_start(pg_host *h)
{
    if (h->cfg.retention_days > 0 && h->sched) pg_sched_daily(h->sched, 3, on_day, h);
}
