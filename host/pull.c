/* pull.c — sources pulled through their plugin on the host's schedule (config.h "pulls";
 * issue 16 §1: "pull every night at 01:00 and before each cut-off").
 *
 * A pull is exactly `pinggu ingest --source S --from READER:LOCATION --replace PREVIOUS`, run
 * on the pool (a plugin's read blocks on the network for as long as it needs; never on the
 * loop): one batch, all or nothing, audited with the actor "host:pull", named by what the
 * reader says it read. PREVIOUS is the source's latest active batch that was pulled through
 * the same reader (its file is "READER:…"): a table re-read replaces what was read of it
 * before, so its rows never count twice, and a pushed-down source stays its source's only
 * active batch, as batch.c requires. The first pull replaces nothing.
 *
 * An unchanged table is the same batch id (the CSV of the same rows, or the same statements
 * over the same fingerprint): batch.c takes a batch replaced by its own bytes as no change
 * (again = 1), counted "unchanged" and logged at debug. Any other failure is logged as an error
 * with batch.c's or the reader's first message and counted in /metrics
 * (pinggu_pulls_total{result="error"}, pinggu_pull_failing = 1 until a pull of that source
 * succeeds); nothing of a failed pull is stored (batch.c's rule). An accepted batch bumps the data
 * version and re-scores the evaluated periods it reaches (pg_batch_touched, then pg_rescore_data),
 * as a posted batch does.
 *
 * When: each entry's times (every_s, at, before_cutoff_min) by the host's clock (pg_host_now:
 * the scheduler's, so an injected test clock drives pulls too), looked at once a second. A
 * time that comes while the source's previous pull still runs is skipped (the next covers
 * it); a jump of the clock over several times pulls once. An `every_s` entry pulls at start.
 * A source whose options name an `updated_at` field is read incrementally (only the keys
 * changed since the last pull, reader_plugin.c and pull_since.c), except at the entry's
 * `full_at` times, which read every record so that deleted rows stop counting.
 *
 * The connection: the entry's `connection` (handed to the reader, never logged), else the
 * host's environment (PINGGU_PG_DSN, PGHOST, ~/.pgpass …); never `from` nor a rule file.
 *
 * State: one set of pulls per process (one host), kept in a static that only the loop thread
 * touches; the pool thread works on its own job. */
#include "pull.h"

#include "data.h"
#include "log.h"
#include "schedule.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTOR "host:pull"
#define TICK_MS 1000

typedef struct {
    const pg_pull_cfg *cfg;
    int64_t next;      /* when it is due, Unix seconds by pg_host_now */
    int64_t next_full; /* when a pull reading every record is due (full_at) */
    int running;
    uint64_t accepted, unchanged, errors;
    int failing; /* the last pull failed */
} pull_state;

static struct {
    pg_host *h;
    uv_timer_t timer;
    int started, stopped;
    pull_state *v;
    int n;
} P;

typedef struct {
    pg_job job;
    int idx;
    char *datadir, *source, *from, *connection;
    int full;          /* read every record (full_at), not only what changed */
    char replaces[65]; /* "" when none */
    pg_batch batch;
    int again, rc;
    pg_diags d;
    pg_touched touched; /* what an accepted pull changed, when touched_rc is 0 */
    int touched_rc;
} pull_job;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The first of the local times `at` (minutes after midnight) strictly after `now`. */
static int64_t first_at(const int *at, int nat, int64_t now, int tz)
{
    int64_t best = INT64_MAX;
    int64_t day = floor_div(now + tz, 86400);
    for (int i = 0; i < nat; i++) {
        int64_t t = day * 86400 + (int64_t)at[i] * 60 - tz;
        if (t <= now) t += 86400;
        if (t < best) best = t;
    }
    return best;
}

/* The first time of the entry's schedule strictly after `now` (full_at aside). */
static int64_t due_after(const pg_pull_cfg *c, int64_t now, int tz)
{
    int64_t best = first_at(c->at, c->nat, now, tz);
    if (c->every_s && now + c->every_s < best) best = now + c->every_s;
    if (c->before_cutoff_min) {
        int64_t lead = (int64_t)c->before_cutoff_min * 60;
        pg_sched_event ev;
        pg_sched_next(now + lead, tz, &ev); /* the first cut-off whose lead time is ahead */
        if (ev.at - lead < best) best = ev.at - lead;
    }
    return best;
}

/* Pool thread: the pull, replacing the source's previous pull. */
static void pull_work(pg_job *j)
{
    pull_job *x = j->data;
    pg_batch *list = NULL;
    int n = 0;
    x->rc = pg_batch_list(x->datadir, &list, &n, &x->d);
    if (x->rc != 0) return;
    const char *colon = strchr(x->from, ':');
    size_t plen = (size_t)(colon - x->from) + 1; /* "postgres:" */
    for (int i = 0; i < n; i++)
        if (list[i].active && strcmp(list[i].source, x->source) == 0 && list[i].file &&
            strncmp(list[i].file, x->from, plen) == 0)
            snprintf(x->replaces, sizeof x->replaces, "%s", list[i].id); /* the latest */
    pg_batch_list_free(list, n);
    pg_batch_req rq = {x->source, NULL, ACTOR, *x->replaces ? x->replaces : NULL, 1};
    pg_pull_opts o = {x->connection, x->full};
    x->rc = pg_batch_pull_with(j->rs, x->datadir, &rq, x->from, &o, &x->batch, &x->again, &x->d);
    /* the same rows again (x->again): batch.c takes a batch replaced by its own bytes as no
     * change */
    if (x->rc != 0 || x->again) return;
    /* what it and the batch it replaced reached, so that only those periods re-score */
    pg_diags d = {0};
    x->touched_rc = pg_batch_touched(x->datadir, x->batch.id, &x->touched, &d);
    if (x->touched_rc != 0)
        pg_log(PG_LOG_WARN, "rescore", "batch", x->batch.id, "error",
               "cannot read what the batch touched; every period is re-scored", "why",
               d.n ? d.v[0].msg : NULL, NULL);
    pg_diags_free(&d);
}

static void pull_done(pg_job *j)
{
    pull_job *x = j->data;
    pg_host *h = P.h;
    pull_state *s = &P.v[x->idx];
    s->running = 0;
    if (j->error) pg_error(&x->d, NULL, 0, "%s", j->error);
    if (j->error || x->rc != 0) {
        s->errors++;
        s->failing = 1;
        pg_log(PG_LOG_ERROR, "pull", "source", x->source, "from", x->from, "full",
               x->full ? "true" : NULL, "result", "error", "error",
               x->d.n ? x->d.v[0].msg : "the pull failed", NULL);
    } else if (x->again) {
        s->unchanged++;
        s->failing = 0;
        pg_log(PG_LOG_DEBUG, "pull", "source", x->source, "from", x->from, "batch", x->batch.id,
               "result", "unchanged", NULL);
    } else {
        char recs[24];
        snprintf(recs, sizeof recs, "%ld", x->batch.records);
        s->accepted++;
        s->failing = 0;
        h->data_version++;
        h->n.ingested_batches++;
        h->n.ingested_records += (uint64_t)x->batch.records;
        pg_log(PG_LOG_INFO, "pull", "source", x->source, "from", x->from, "full",
               x->full ? "true" : NULL, "file", x->batch.file, "batch", x->batch.id, "records",
               recs, "replaces", *x->replaces ? x->replaces : NULL, "result", "accepted", NULL);
        pg_data_change ch = {.batches = x->touched_rc == 0 ? &x->touched : NULL,
                             .everything = x->touched_rc != 0};
        if (!h->stopping) pg_rescore_data(h, &ch, "data");
    }
    pg_touched_free(&x->touched);
    pg_batch_clear(&x->batch);
    pg_diags_free(&x->d);
    free(x->datadir), free(x->source), free(x->from), free(x->connection);
    free(x);
}

static void start_pull(pg_host *h, int i, int full)
{
    pull_state *s = &P.v[i];
    pull_job *x = pg_xcalloc(1, sizeof *x);
    x->idx = i;
    x->full = full;
    x->datadir = pg_xstrdup(h->cfg.data_dir);
    x->source = pg_xstrdup(s->cfg->source);
    x->from = pg_xstrdup(s->cfg->from);
    x->connection = s->cfg->connection ? pg_xstrdup(s->cfg->connection) : NULL;
    x->job.gen = pg_gen_ref(h->gen);
    x->job.work = pull_work;
    x->job.done = pull_done;
    x->job.what = "pull";
    x->job.data = x;
    s->running = 1;
    pg_pool_submit(h->pool, &x->job);
}

static void tick(uv_timer_t *t)
{
    (void)t;
    pg_host *h = P.h;
    if (P.stopped || h->stopping || !h->gen) return;
    int64_t now = pg_host_now(h);
    int tz = h->gen->rs->tz_offset;
    for (int i = 0; i < P.n; i++) {
        pull_state *s = &P.v[i];
        int full = s->next_full <= now;
        if (s->next > now && !full) continue;
        if (!s->running) start_pull(h, i, full);
        /* times passed meanwhile: this pull covers them (a full one covers both kinds) */
        if (full) s->next_full = first_at(s->cfg->full_at, s->cfg->nfull_at, now, tz);
        if (s->next <= now || full) s->next = due_after(s->cfg, now, tz);
    }
}

void pg_pull_start(pg_host *h)
{
    if (P.started || !h->cfg.npulls || !h->gen) return;
    P.h = h;
    P.started = 1;
    P.n = h->cfg.npulls;
    P.v = pg_xcalloc((size_t)P.n, sizeof *P.v);
    int64_t now = pg_host_now(h);
    for (int i = 0; i < P.n; i++) {
        const pg_pull_cfg *c = &h->cfg.pulls[i];
        P.v[i].cfg = c;
        P.v[i].next = c->every_s ? now : due_after(c, now, h->gen->rs->tz_offset);
        P.v[i].next_full = first_at(c->full_at, c->nfull_at, now, h->gen->rs->tz_offset);
        char every[24];
        snprintf(every, sizeof every, "%ld", c->every_s);
        pg_log(PG_LOG_INFO, "pull", "source", c->source, "from", c->from, "every_s",
               c->every_s ? every : NULL, "result", "scheduled", NULL);
    }
    pg_metrics_extra(pg_pull_metrics);
    uv_timer_init(h->loop, &P.timer);
    uv_timer_start(&P.timer, tick, 0, TICK_MS);
}

static void closed(uv_handle_t *t)
{
    (void)t;
    /* P.v stays until exit: a pull still on the pool reports into it */
}

void pg_pull_stop(pg_host *h)
{
    (void)h;
    if (!P.started || P.stopped) return;
    P.stopped = 1;
    uv_timer_stop(&P.timer);
    uv_close((uv_handle_t *)&P.timer, closed);
}

char *pg_pull_metrics(void)
{
    if (!P.n) return pg_xstrdup("");
    size_t cap = 512, len = 0;
    for (int i = 0; i < P.n; i++) cap += 4 * strlen(P.v[i].cfg->source) + 256;
    char *b = pg_xmalloc(cap);
    len += (size_t)snprintf(b + len, cap - len,
                            "# HELP pinggu_pulls_total Scheduled pulls of plugin sources (config "
                            "pulls), by source and result.\n# TYPE pinggu_pulls_total counter\n");
    for (int i = 0; i < P.n; i++) {
        const pull_state *s = &P.v[i];
        len += (size_t)snprintf(b + len, cap - len,
                                "pinggu_pulls_total{source=\"%s\",result=\"accepted\"} %llu\n"
                                "pinggu_pulls_total{source=\"%s\",result=\"unchanged\"} %llu\n"
                                "pinggu_pulls_total{source=\"%s\",result=\"error\"} %llu\n",
                                s->cfg->source, (unsigned long long)s->accepted, s->cfg->source,
                                (unsigned long long)s->unchanged, s->cfg->source,
                                (unsigned long long)s->errors);
    }
    len += (size_t)snprintf(b + len, cap - len,
                            "# HELP pinggu_pull_failing 1 while the source's last scheduled pull "
                            "failed.\n# TYPE pinggu_pull_failing gauge\n");
    for (int i = 0; i < P.n; i++)
        len += (size_t)snprintf(b + len, cap - len, "pinggu_pull_failing{source=\"%s\"} %d\n",
                                P.v[i].cfg->source, P.v[i].failing);
    return b;
}
