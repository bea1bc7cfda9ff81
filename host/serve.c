/* serve.c — starting the host, its signals, and a clean shutdown (serve.h).
 *
 * Start-up loads the rule set before anything listens: a host that cannot load its rules
 * says why and exits, rather than serving nothing. Shutdown (SIGTERM, SIGINT) stops the
 * watcher and the schedule, stops accepting connections, lets every request and job in flight
 * finish, then lets the loop end, so the process exits 0 with nothing half-written.
 *
 * It waits drain_timeout_ms at most. A worker thread stuck in C code (pool.h) cannot be
 * stopped, and waiting for it would leave a process that listens no more but never ends; so
 * past the timeout the host logs what it leaves unfinished and exits 1 at once. What it
 * leaves is safe to leave: the store is SQLite, whose uncommitted transactions roll back
 * when it is next opened, and a batch is visible only once its transaction commits. */
#include "serve.h"

#include "api.h"
#include "host.h"
#include "log.h"
#include "render.h"
#include "pull.h"
#include "retention.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Monthly sub-results kept (score.h): two years' composites of nine months each, and room for
 * a revision's months beside the last's; ~0.5 MB each at 3,003 units. */
#define SUBMEMO_MONTHS 24

static void closed_quietly(uv_handle_t *hd)
{
    (void)hd;
}

static void maybe_finish(pg_host *h)
{
    if (h->http || pg_pool_pending(h->pool)) return;
    uv_close((uv_handle_t *)&h->drain, closed_quietly);
    uv_close((uv_handle_t *)&h->sighup, closed_quietly);
    uv_close((uv_handle_t *)&h->sigterm, closed_quietly);
    uv_close((uv_handle_t *)&h->sigint, closed_quietly);
}

static void http_stopped(void *arg)
{
    pg_host *h = arg;
    h->http = NULL;
    maybe_finish(h);
}

static void drained(void *arg)
{
    maybe_finish(arg);
}

static void drain_timeout(uv_timer_t *t)
{
    pg_host *h = t->data;
    char ms[16], jobs[16], stuck[16], open[16];
    snprintf(ms, sizeof ms, "%u", h->cfg.drain_timeout_ms);
    snprintf(jobs, sizeof jobs, "%d", pg_pool_pending(h->pool));
    snprintf(stuck, sizeof stuck, "%d", pg_pool_stuck(h->pool));
    snprintf(open, sizeof open, "%llu",
             h->http ? (unsigned long long)pg_http_stats_get(h->http)->open : 0ull);
    pg_log(PG_LOG_WARN, "shutdown", "drain_timeout_ms", ms, "jobs_unfinished", jobs,
           "workers_stuck", stuck, "connections_open", open, "exit", "1", NULL);
    fflush(NULL);
    _exit(1);
}

static void stop(pg_host *h, const char *why)
{
    if (h->stopping) return;
    h->stopping = 1;
    char pending[16];
    snprintf(pending, sizeof pending, "%d", pg_pool_pending(h->pool));
    pg_log(PG_LOG_INFO, "shutdown", "signal", why, "jobs_in_flight", pending, NULL);
    pg_rules_stop_watching(h);
    if (h->sched) pg_sched_stop(h->sched), h->sched = NULL;
    pg_pull_stop(h);
    uv_timer_start(&h->drain, drain_timeout, h->cfg.drain_timeout_ms, 0);
    pg_http_stop(h->http, http_stopped, h);
    pg_pool_drain(h->pool, drained, h);
}

static void on_signal(uv_signal_t *s, int signum)
{
    pg_host *h = s->data;
    if (signum == SIGHUP)
        pg_reload_request(h, 0, "signal", "operator:SIGHUP", NULL);
    else
        stop(h, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* Every connection is a descriptor: raises the soft limit to the hard one, and says so when
 * even that is too low for max_connections (the surplus would fail at accept, unanswered). */
static void raise_fd_limit(const pg_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    int conns = cfg->http.max_conns ? cfg->http.max_conns : 1024;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)conns + 64) {
        char have[24], want[24];
        snprintf(have, sizeof have, "%llu", (unsigned long long)rl.rlim_cur);
        snprintf(want, sizeof want, "%d", conns + 64);
        pg_log(PG_LOG_WARN, "limits", "open_files", have, "needed", want, "why",
               "max_connections and 64 more; raise LimitNOFILE (systemd) or ulimit -n", NULL);
    }
}

static int mkdirs(const char *path)
{
    char *p = pg_xstrdup(path);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s) continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) rc = -errno;
        *s = c;
        if (!c || rc) break;
    }
    free(p);
    return rc;
}

int pg_serve(pg_config *cfg, int64_t fake_now)
{
    pg_host host = {0}, *h = &host;
    h->cfg = *cfg;
    h->test_clock = fake_now >= 0;
    h->fake_now = fake_now; /* pg_host_now until the scheduler runs: the rule sets' first loads */
    pg_log_set_level((pg_log_level)cfg->log_level);
    /* An evaluation at 3,003 units frees millions of small tree nodes; kept in glibc's fast
     * bins, they were all coalesced at once by the job's next large malloc (SQLite opening the
     * store: 0.45 s of CPU in malloc_consolidate per evaluation). Without fast bins each free
     * coalesces as it goes (tcache still takes the hot sizes): ~0.3 s less CPU per evaluation,
     * the same RSS. Before any thread allocates. */
    mallopt(M_MXFAST, 0);
    if (!cfg->pool) h->cfg.pool = (int)uv_available_parallelism();
    /* Before any pool thread runs rule code; 0 keeps the defaults (or the environment's). */
    if (cfg->rule_load_deadline_ms || cfg->rule_call_deadline_ms) {
        long load_ms, call_ms;
        pg_sandbox_deadlines(&load_ms, &call_ms);
        pg_sandbox_set_deadlines(cfg->rule_load_deadline_ms ? cfg->rule_load_deadline_ms : load_ms,
                                 cfg->rule_call_deadline_ms ? cfg->rule_call_deadline_ms : call_ms);
    }
    /* Lua work takes at most `pool` of libuv's threads; leave some for file requests. */
    char threads[16];
    snprintf(threads, sizeof threads, "%d", h->cfg.pool + 2);
    setenv("UV_THREADPOOL_SIZE", threads, 0);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(cfg);

    int rc = mkdirs(cfg->data_dir);
    if (rc != 0) {
        fprintf(stderr, "pinggu serve: --data-dir %s: %s\n", cfg->data_dir, strerror(-rc));
        return 1;
    }
    pg_diags sd = {0};
    if (pg_store_open(cfg->data_dir, &h->store, &sd) != 0) {
        pg_diags_print(&sd, stderr);
        pg_diags_free(&sd);
        fprintf(stderr, "pinggu serve: cannot open the store; nothing was started\n");
        return 1;
    }
    pg_diags_free(&sd);
    for (int i = 0; i < cfg->nrules; i++)
        if (pg_rules_add(h, cfg->rules[i]) != 0) {
            fprintf(stderr, "pinggu serve: the rule set in %s has errors; nothing was started\n",
                    cfg->rules[i]);
            pg_rules_free(h);
            pg_store_close(h->store);
            return 1;
        }
    if (pg_incoming_start(h) != 0) { /* leftovers of killed hosts go first */
        fprintf(stderr, "pinggu serve: cannot make the upload directory in %s/incoming\n",
                cfg->data_dir);
        pg_rules_free(h);
        pg_store_close(h->store);
        return 1;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    h->loop = &loop;
    /* before anything can fail: every exit path closes them (maybe_finish) */
    uv_timer_init(&loop, &h->drain);
    uv_signal_init(&loop, &h->sighup), uv_signal_init(&loop, &h->sigterm);
    uv_signal_init(&loop, &h->sigint);
    h->drain.data = h->sighup.data = h->sigterm.data = h->sigint.data = h;
    h->pool = pg_pool_new(&loop, h->cfg.pool);
    uv_mutex_init(&h->inputs.lock);
    uv_cond_init(&h->inputs.made);
    pg_datasets_init(h);
    h->months = pg_submemo_new(SUBMEMO_MONTHS);
    h->cfg.http.spill_dir = h->incoming; /* long bodies wait on the data's disk, not in /tmp */
    rc = pg_http_start(&loop, cfg->listen_host, cfg->listen_port, &h->cfg.http, pg_api_handle, h,
                       &h->http);
    if (rc != 0) {
        fprintf(stderr, "pinggu serve: cannot listen on %s:%d: %s\n", cfg->listen_host,
                cfg->listen_port, uv_strerror(rc));
        h->http = NULL;
        maybe_finish(h);
        goto out;
    }
    pg_http_set_head_hook(h->http, pg_api_head); /* tokens are checked before bodies are read */
    pg_rules_watch(h);
    char *state = pg_xasprintf("%s/schedule.json", cfg->data_dir);
    rc =
        pg_sched_start(&loop, h->gen->rs->tz_offset, fake_now, state, pg_on_schedule, h, &h->sched);
    if (rc != 0) {
        fprintf(stderr, "pinggu serve: %s: %s\n", state,
                rc == -EINVAL ? "not a schedule state file (move it away to start afresh)"
                              : strerror(-rc));
        free(state);
        pg_http_stop(h->http, http_stopped, h);
        goto out;
    }
    free(state);
    pg_retention_start(h);
    pg_pull_start(h);
    pg_datasets_warm(h);
    uv_signal_start(&h->sighup, on_signal, SIGHUP);
    uv_signal_start(&h->sigterm, on_signal, SIGTERM);
    uv_signal_start(&h->sigint, on_signal, SIGINT);

    char port[16], pool[16], now[PG_TIME_BUF];
    snprintf(port, sizeof port, "%d", pg_http_port(h->http));
    snprintf(pool, sizeof pool, "%d", h->cfg.pool);
    for (int i = 0; i < h->nrules; i++) {
        char year[16];
        snprintf(year, sizeof year, "%d", h->rules[i]->year);
        pg_log(PG_LOG_INFO, "rules", "year", year, "directory", h->rules[i]->dir, "revision",
               h->rules[i]->gen->rs->revision, NULL);
    }
    pg_log(PG_LOG_INFO, "listening", "host", cfg->listen_host, "port", port, "rules", h->gen->shown,
           "revision", h->gen->rs->revision, "data_dir", cfg->data_dir, "workers", pool, "clock",
           h->test_clock ? pg_render_time(fake_now, h->gen->rs->tz_offset, now) : "real", NULL);
    rc = 0;
out:
    uv_run(&loop, UV_RUN_DEFAULT);
    pg_rules_stop_watching(h);
    if (h->sched) pg_sched_stop(h->sched);
    pg_pull_stop(h);
    pg_pool_close(h->pool);
    uv_run(&loop, UV_RUN_DEFAULT); /* their close callbacks */
    pg_entries_free(h);
    pg_bulletin_heads_free(h);
    pg_pool_free(h->pool);
    uv_mutex_destroy(&h->inputs.lock);
    uv_cond_destroy(&h->inputs.made);
    pg_datasets_free(h);
    pg_submemo_free(h->months);
    pg_rules_free(h);
    pg_incoming_stop(h);
    pg_store_close(h->store);
    if (uv_loop_close(&loop) != 0)
        pg_log(PG_LOG_WARN, "shutdown", "loop", "handles left open", NULL);
    if (rc == 0) pg_log(PG_LOG_INFO, "stopped", NULL);
    return rc == 0 ? 0 : 1;
}
