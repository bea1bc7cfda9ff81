/* metrics.c — the host's counters and their Prometheus text exposition (format 0.0.4). */
#include "host.h"
#include "pull.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* More exposition text from a module that this file must not call, as it calls back into the
 * host (pull.c: host/layout forbids the circle). Set once at start; loop thread only. */
static char *(*extra_text)(void);

void pg_metrics_extra(char *(*fn)(void))
{
    extra_text = fn;
}

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1.0};
#define NBOUNDS (sizeof bounds / sizeof *bounds)

void pg_metrics_request(pg_host *h, int status, uint64_t start_ns)
{
    double s = (double)(uv_hrtime() - start_ns) / 1e9;
    int cls = status / 100;
    h->n.requests[cls >= 1 && cls <= 5 ? cls : 5]++;
    size_t b = 0;
    while (b < NBOUNDS && s > bounds[b]) b++;
    h->n.latency_buckets[b]++; /* b == NBOUNDS: above the last bound */
    h->n.latency_sum += s;
}

typedef struct {
    char *buf;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 256) + 1;
        t->buf = pg_xrealloc(t->buf, t->cap);
    }
}

static void counter(text *t, const char *name, const char *help, const char *labels, double v)
{
    put(t, "# HELP %s %s\n# TYPE %s counter\n%s%s %.17g\n", name, help, name, name, labels, v);
}

static void gauge(text *t, const char *name, const char *help, double v)
{
    put(t, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

pg_blob *pg_metrics_render(const pg_host *h)
{
    const pg_counters *n = &h->n;
    text t = {pg_xmalloc(4096), 0, 4096};
    put(&t,
        "# HELP pinggu_http_requests_total HTTP requests answered by the API, by status class.\n"
        "# TYPE pinggu_http_requests_total counter\n");
    for (int c = 1; c <= 5; c++)
        put(&t, "pinggu_http_requests_total{code=\"%dxx\"} %llu\n", c,
            (unsigned long long)n->requests[c]);
    put(&t, "# HELP pinggu_http_request_duration_seconds Time from a request's first byte to its "
            "answer.\n# TYPE pinggu_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t b = 0; b <= NBOUNDS; b++) {
        cum += n->latency_buckets[b];
        if (b < NBOUNDS)
            put(&t, "pinggu_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[b],
                (unsigned long long)cum);
        else
            put(&t, "pinggu_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                (unsigned long long)cum);
    }
    put(&t, "pinggu_http_request_duration_seconds_sum %.9g\n", n->latency_sum);
    put(&t, "pinggu_http_request_duration_seconds_count %llu\n", (unsigned long long)cum);
    if (h->http) {
        const pg_http_stats *s = pg_http_stats_get(h->http);
        gauge(&t, "pinggu_http_connections_open", "Open client connections.", (double)s->open);
        counter(&t, "pinggu_http_connections_total", "Connections accepted.", "",
                (double)s->accepted);
        counter(&t, "pinggu_http_rejected_total",
                "Requests refused by the server itself (400, 408, 413, 431, 503).", "",
                (double)s->rejected);
        put(&t, "# HELP pinggu_http_refused_total Connections and requests refused, by reason "
                "(docs/operations.md, Limits).\n# TYPE pinggu_http_refused_total counter\n");
        for (int why = 0; why < PG_HTTP_REFUSED_REASONS; why++)
            put(&t, "pinggu_http_refused_total{reason=\"%s\"} %llu\n",
                pg_http_refusal_name((pg_http_refusal)why), (unsigned long long)s->refusals[why]);
        gauge(&t, "pinggu_http_body_memory_bytes", "Bytes of request bodies held in memory.",
              (double)s->body_memory);
        gauge(&t, "pinggu_http_body_disk_bytes",
              "Bytes of long request bodies held in temporary files.", (double)s->body_disk);
        counter(&t, "pinggu_http_bodies_spilled_total",
                "Request bodies over 1 MiB, kept in a temporary file.", "",
                (double)s->bodies_spilled);
    }
    put(&t,
        "# HELP pinggu_evaluations_total Evaluations run, by result.\n"
        "# TYPE pinggu_evaluations_total counter\n"
        "pinggu_evaluations_total{result=\"ok\"} %llu\n"
        "pinggu_evaluations_total{result=\"error\"} %llu\n",
        (unsigned long long)(n->evaluations - n->evaluation_errors),
        (unsigned long long)n->evaluation_errors);
    counter(&t, "pinggu_evaluation_seconds_total", "Time spent evaluating.", "",
            n->evaluation_seconds);
    put(&t,
        "# HELP pinggu_reloads_total Rule reload attempts, by result.\n"
        "# TYPE pinggu_reloads_total counter\n"
        "pinggu_reloads_total{result=\"ok\"} %llu\n"
        "pinggu_reloads_total{result=\"error\"} %llu\n",
        (unsigned long long)(n->reloads - n->reload_errors), (unsigned long long)n->reload_errors);
    counter(&t, "pinggu_ingested_batches_total", "Batches accepted.", "",
            (double)n->ingested_batches);
    counter(&t, "pinggu_ingest_errors_total", "Batches rejected and withdrawals refused.", "",
            (double)n->ingest_errors);
    counter(&t, "pinggu_ingested_records_total", "Records in accepted batches.", "",
            (double)n->ingested_records);
    counter(&t, "pinggu_scheduled_events_total", "Cut-offs and year closes fired.", "",
            (double)n->scheduled);
    gauge(&t, "pinggu_lua_memory_bytes", "Memory held by the workers' Lua states.",
          (double)pg_pool_lua_memory(h->pool));
    gauge(&t, "pinggu_jobs_pending", "Jobs queued or running on the workers.",
          (double)pg_pool_pending(h->pool));
    gauge(&t, "pinggu_result_cache_bytes", "Bytes of cached results (result_cache_mb).",
          (double)h->cache.bytes);
    put(&t,
        "# HELP pinggu_result_cache_reads_total Reads of cached results: served from the cache "
        "(hit) or waiting for an evaluation (miss).\n"
        "# TYPE pinggu_result_cache_reads_total counter\n"
        "pinggu_result_cache_reads_total{result=\"hit\"} %llu\n"
        "pinggu_result_cache_reads_total{result=\"miss\"} %llu\n",
        (unsigned long long)h->cache.hits, (unsigned long long)h->cache.misses);
    counter(&t, "pinggu_result_cache_evictions_total",
            "Results dropped to keep the cache within result_cache_mb.", "",
            (double)h->cache.evictions);
    gauge(&t, "pinggu_bulletin_cache_bytes",
          "Bytes of published bulletins' parts kept for readers (bulletin_cache_mb).",
          (double)h->bulletins.bytes);
    gauge(&t, "pinggu_bulletin_cache_entries", "Parts of published bulletins kept for readers.",
          (double)h->bulletins.n);
    put(&t,
        "# HELP pinggu_bulletin_cache_reads_total Reads of a published bulletin's parts: answered "
        "from the cache on the event loop (hit) or read from the store by a worker (miss).\n"
        "# TYPE pinggu_bulletin_cache_reads_total counter\n"
        "pinggu_bulletin_cache_reads_total{result=\"hit\"} %llu\n"
        "pinggu_bulletin_cache_reads_total{result=\"miss\"} %llu\n",
        (unsigned long long)h->bulletins.hits, (unsigned long long)h->bulletins.misses);
    counter(&t, "pinggu_bulletin_cache_evictions_total",
            "Bulletin parts dropped to keep the cache within bulletin_cache_mb.", "",
            (double)h->bulletins.evictions);
    long mhits, mmisses;
    int mheld;
    size_t mbytes;
    pg_submemo_stats(h->months, &mhits, &mmisses, &mheld, &mbytes);
    gauge(&t, "pinggu_month_memo_bytes",
          "Bytes of monthly sub-results kept for the composites' next evaluations.",
          (double)mbytes);
    gauge(&t, "pinggu_month_memo_entries", "Monthly sub-results kept.", (double)mheld);
    put(&t,
        "# HELP pinggu_month_memo_reads_total A composite's months: taken from the memo, their "
        "data "
        "unchanged (hit), or evaluated (miss).\n"
        "# TYPE pinggu_month_memo_reads_total counter\n"
        "pinggu_month_memo_reads_total{result=\"hit\"} %ld\n"
        "pinggu_month_memo_reads_total{result=\"miss\"} %ld\n",
        mhits, mmisses);
    gauge(&t, "pinggu_workers", "Workers that run rule code.", (double)pg_pool_workers(h->pool));
    gauge(&t, "pinggu_workers_stuck",
          "Workers running a job past its deadline (job_deadline_ms) and a grace.",
          (double)pg_pool_stuck(h->pool));
    counter(&t, "pinggu_job_overruns_total", "Jobs that ran past their deadline and a grace.", "",
            (double)pg_pool_overruns(h->pool));
    int64_t db = 0, wal = 0;
    if (h->store && pg_store_size(h->store, &db, &wal) == 0)
        put(&t,
            "# HELP pinggu_store_bytes The store on disk: pinggu.db and its write-ahead log.\n"
            "# TYPE pinggu_store_bytes gauge\n"
            "pinggu_store_bytes{file=\"db\"} %lld\npinggu_store_bytes{file=\"wal\"} %lld\n",
            (long long)db, (long long)wal);
    if (h->gen) {
        gauge(&t, "pinggu_rules_generation", "The generation of the rules being served.",
              (double)h->gen->id);
        put(&t,
            "# HELP pinggu_rules_info The revision being served.\n"
            "# TYPE pinggu_rules_info gauge\npinggu_rules_info{revision=\"%s\"} 1\n",
            h->gen->rs->revision);
    }
    /* One gauge per directory: a year whose latest files do not load serves its last good set,
     * which no other metric shows; an alert on > 0 catches a broken edit nobody looked at. */
    put(&t, "# HELP pinggu_rules_load_errors Errors of the latest attempt to load each year's rule "
            "files (0: they load).\n# TYPE pinggu_rules_load_errors gauge\n");
    for (int i = 0; i < h->nrules; i++)
        put(&t, "pinggu_rules_load_errors{year=\"%d\"} %d\n", h->rules[i]->year,
            pg_rules_errors(h->rules[i]));
    if (extra_text) { /* pull.c's scheduled pulls, by source */
        char *x = extra_text();
        put(&t, "%s", x);
        free(x);
    }
    pg_blob *b = pg_blob_new(t.buf, t.len);
    free(t.buf);
    return b;
}
