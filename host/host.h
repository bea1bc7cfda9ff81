/* host.h — the state of one `pinggu serve` process, shared by the host's modules.
 *
 * Everything in pg_host belongs to the loop thread. Pool threads see only what a job carries
 * (its generation, its own rule set, copies of strings). The modules:
 *   host.c      the clock, the generation that serves a year
 *   serve.c     start-up, signals, shutdown
 *   api.c       the router: HTTP routes, roles, and the handlers of the core routes
 *   call.c      what a handler reads of a request (call.h)
 *   reply.c     every answer and the JSON errors (reply.h)
 *   reload.c    rule generations: triggers, building off the loop, the swap, the status
 *   attrib.c    who made a rule edit the watcher saw (git, or the file's owner)
 *   evaluate.c  evaluation jobs, the cache of results, re-scoring, scheduled cut-offs
 *   datasets.c  the data evaluation jobs read, loaded once per generation and data version
 *               (the one part of pg_host pool threads touch, with `inputs`: under its lock)
 *   intake.c    batches posted over HTTP, withdrawals
 *   pull.c      plugin sources pulled on a schedule (config "pulls"), as batches
 *   incoming.c  the upload directory, and start-up removal of what killed hosts left
 *   preview.c   what-if previews of weight overrides, or of an edit posted as JSON
 *   rule_edit.c a rule edit bound, applied to a copy, checked and written (rule_edit.h)
 *   approval.c  rule edits over HTTP: saved at once, or proposals for a second person
 *   months.c    an annual composite's months under their own generations (effective dating)
 *   touch.c     whether a data change can move a cached (scheme, period)'s numbers
 *   metrics.c   counters and the Prometheus text
 *   static.c    the dashboard's files (web/), without a token
 *   audit.c     the audit log over HTTP, and the rule edits it records (/rules/changes)
 *   publish.c   publishing bulletins, their revisions; reading them, from the loop's cache of
 *               their parts when it holds them (bcache.c: a byte-budgeted LRU map of texts)
 *   review.c    self-reports, evaluator scores, appeals
 *   series.c    a unit's total, rank and band over a year
 * Calls go one way: serve.c → api.c (the router) → the handler modules → evaluate.c → reply.c,
 * host.c and below; a module never calls the one that called it
 * (tests/host/layout checks the compiled objects for circles). */
#ifndef PG_HOST_H
#define PG_HOST_H

#include "bcache.h"
#include "blob.h"
#include "config.h"
#include "data.h"
#include "gen.h"
#include "http.h"
#include "pool.h"
#include "schedule.h"
#include "score.h"
#include "store.h"
#include "watch.h"

#include <cJSON.h>
#include <stdint.h>
#include <uv.h>

/* Where one unit's breakdown lies in its outcome's `full` (pg_outcome_unit puts its body
 * together from it). item_len 0: the unit has no body. */
typedef struct {
    size_t item, item_len;
} pg_unit_cut;

/* One evaluation of a scheme for a period, rendered for each audience. */
typedef struct {
    long gen_id;
    int year;   /* of its period: which rule set's generation it belongs to */
    int period; /* and which link of that year's chain (pg_host_gen_for) */
    char revision[65];
    long data_version;
    int64_t evaluated_at;                          /* Unix seconds, by the scheduler's clock */
    double ms;                                     /* evaluation time */
    double load_ms, eval_ms, render_ms, record_ms; /* its phases' CPU (the log's cpu_ms) */
    char *trigger;      /* "request", "schedule", "reload", "data", "api" */
    pg_blob *full;      /* every unit's breakdown: evaluators and admins */
    pg_blob *ranking;   /* the rankings only */
    pg_blob **groups;   /* one group's ranking, by group index */
    pg_blob *unit_head; /* what a unit's body holds besides its breakdown: the rankings */
    pg_unit_cut *cuts;  /* by unit index (nunits): a unit's body is put together when read */
    /* A tree scheme's result, kept for what a unit's body adds to its breakdown (its rows and
     * 问题清单), printed when the unit reads it: as texts they were ~90 MB at 3,003 units, as
     * cells ~19 MB. res->rs is gen's rule set, referenced while res is kept. NULL: none. */
    pg_result *res;
    struct pg_unit_texts *texts;
    pg_gen *gen;
    pg_blob *summary; /* the run: scheme, period, revision, times (POST /evaluations) */
    char *headers;    /* X-Pinggu-Revision and X-Pinggu-Evaluated-At header lines */
    int ngroups, nunits;
    char *error;          /* evaluation failed: why (e.g. no data for the period) */
    int status;           /* the HTTP status of the error */
    char digest[65];      /* pg_result_digest of the result the bodies print; "" on error */
    char result_hash[65]; /* the recorded run's result blob; "" when not recorded */
    int kept;             /* the bodies are the last outcome's: its result's digest is this one's */
    int refs;             /* holders besides its owner (pg_outcome_ref) */
} pg_outcome;

/* A change of the data (intake.c, review.c): what the batches touched, or one review decision
 * (a self-report's metric, or a score's or appeal's indicator, in `period`). */
typedef struct {
    const pg_touched *batches; /* batch_cells.c; NULL for a review decision */
    const char *metric, *node;
    int period;
    int everything; /* the change cannot be told: every evaluation */
} pg_data_change;

/* What a request wants of an outcome. */
typedef enum { PG_WANT_RANKING, PG_WANT_GROUP, PG_WANT_FULL, PG_WANT_UNIT, PG_WANT_RUN } pg_want;

/* Called once with the outcome of an evaluation (NULL when none could run: the host is
 * stopping, or no rule set serves the period's year). The outcome lives until the callback
 * returns; take what is needed from it. */
typedef void (*pg_outcome_cb)(void *arg, const pg_outcome *o);

typedef struct pg_waiter {
    pg_http_req *req; /* answered by `want`, … */
    pg_want want;
    int index;        /* the group or unit index for PG_WANT_GROUP and PG_WANT_UNIT */
    pg_outcome_cb cb; /* … or, when req is NULL, called back */
    void *arg;
    struct pg_waiter *next;
} pg_waiter;

/* The results of one (scheme, period): the latest outcome, and what is waiting for the next. */
typedef struct pg_entry {
    char *scheme;
    int period;
    pg_outcome *cur; /* NULL until the first evaluation finishes */
    int running;     /* an evaluation is in flight */
    pg_job *job;     /* …this one */
    uint64_t used;   /* when it was last read, on the cache's clock (cache.c) */
    int again;       /* run once more when it finishes (the rules or data changed meanwhile) */
    char *again_trigger;
    pg_waiter *waiters; /* requests answered when the running evaluation finishes */
    struct pg_entry *next;
} pg_entry;

typedef struct {
    int64_t at;    /* Unix seconds */
    char *trigger; /* "start", "watch", "signal", "api" */
    int ok;
    long gen_id; /* the generation it made, if ok */
    char content[65];
    cJSON *errors; /* [{file, line, column, message}] */
    int nerrors;   /* how many errors, also those past the 50 that errors holds */
    cJSON *warnings;
    double ms;
} pg_reload_attempt;

typedef struct {
    uint64_t requests[6]; /* by status class 1xx..5xx, [0] unused */
    uint64_t latency_buckets[12];
    double latency_sum;
    uint64_t evaluations, evaluation_errors;
    double evaluation_seconds;
    uint64_t reloads, reload_errors;
    uint64_t ingested_batches, ingest_errors, ingested_records;
    uint64_t scheduled;
} pg_counters;

/* reload.c's record of consecutive failed attempts of one directory, and its retry. */
typedef struct {
    int failures;      /* consecutive failed attempts; 0 after one succeeds */
    char *error;       /* the failing attempt's errors as one line: what the log said last */
    int repeats;       /* failed attempts since with that same error */
    unsigned delay_ms; /* of the pending retry; 0: none pending (waiting for an edit) */
    int64_t retry_at;  /* when it is due, by pg_host_now */
    char watched[65];  /* the content the watcher had reported when the attempt failed */
    uv_timer_t timer;  /* the retry; initialised at the first failure, closed by
                          pg_rules_stop_watching */
    int timer_on;      /* the timer is initialised and not yet closed */
} pg_reload_backoff;

/* A reload request over the API, answered once every attempt it started has finished; or,
 * with `cb`, a caller told instead (pg_reload_request_cb). */
typedef struct {
    pg_http_req *req;
    int pending; /* attempts still running */
    int failed;  /* attempts that were rejected */
    void (*cb)(void *arg, int failed);
    void *arg;
} pg_reload_wait;

/* One link of a year's chain (reload.c): `gen` governs the sampling months from `from` (1–12)
 * up to the month before the next link's. */
typedef struct {
    pg_gen *gen;
    int from;
} pg_link;

/* One rule set directory: one year's rules, its generations, its watcher and its reloads. */
typedef struct pg_rules {
    struct pg_host *h;
    char *dir;      /* as the operator named it */
    int year;       /* of the current generation */
    pg_gen *gen;    /* current generation; NULL until the first load succeeds */
    pg_link *chain; /* the generations in force by month, oldest first; the last is `gen`, which
                       also evaluates the year's yearly schemes */
    int nchain;
    cJSON *frozen; /* published bulletins of months the last swap changed the rules of:
                      [{scheme, period, revision}], NULL when none (rules/status) */
    pg_watch *watch;
    int reloading, reload_again;
    char *reload_trigger, *reload_actor;
    pg_reload_wait **waiters; /* answered after the running attempt … */
    int nwaiters;
    pg_reload_wait **next; /* … and those that came during it, after the next one */
    int nnext;
    pg_reload_attempt last; /* the last attempt */
    char watched[65];       /* content hash the watcher last reported */
    int edit_hold; /* a rule edit (approval.c) is writing these files: the watcher's reports are
                      not acted on, since the edit reloads them itself under its author's name */
    pg_reload_backoff backoff;
} pg_rules;

typedef struct pg_host {
    uv_loop_t *loop;
    pg_config cfg;
    int test_clock; /* POST /api/v1/clock allowed */
    int64_t fake_now;
    pg_http_server *http;
    pg_pool *pool;
    pg_store *store; /* the loop thread's connection; a job off the loop opens its own */
    pg_sched *sched;
    uv_signal_t sighup, sigterm, sigint;
    uv_timer_t drain; /* shutdown's limit (drain_timeout_ms) */
    int stopping;

    pg_rules **rules; /* one per rule set directory, one year each, in the order configured */
    int nrules;
    pg_gen *gen; /* the newest year's current generation: units, tokens, the clock's offset */
    long gens;   /* generations built so far */

    int editing; /* a rule edit (approval.c) is checking or writing files: one at a time */

    long data_version; /* bumped by every accepted batch and withdrawal */
    long rescored_all; /* the data version a failed loading of the data re-scored everything at */
    int writing;       /* a batch or withdrawal is being written: they go one at a time */
    struct pg_intake *intake_head, *intake_tail;
    char *incoming;  /* this host's upload directory, DATA/incoming/host-XXXXXX (incoming.c) */
    int incoming_fd; /* holds its lock while the host runs */

    pg_entry *entries;
    struct {
        size_t bytes;                           /* of the entries' outcomes (pg_outcome_bytes) */
        uint64_t tick, hits, misses, evictions; /* tick: the clock of pg_entry.used */
    } cache;
    cJSON *runs; /* summaries of the latest evaluations, oldest first */
    struct {
        uv_mutex_t lock; /* the only state evaluation jobs share: taken on their threads */
        char digest[65]; /* the digest of the data (pg_dataset_digest) a run recorded last */
        char hash[65];   /* and the inputs blob it stored for them */
        char making[65]; /* the digest whose inputs a job is making and storing now, or "" */
        uv_cond_t made;  /* signalled when it has (or has failed to) */
    } inputs;
    struct {             /* the data loaded for evaluations, shared by those of one data version */
        uv_mutex_t lock; /* taken on the jobs' threads (datasets.c) */
        uv_cond_t loaded;
        struct pg_data_slot {
            long gen_id, version;
            pg_dataset *ds;    /* NULL while loading */
            int refs, loading; /* jobs using it; 1 while a job loads it */
        } slot[2];
    } data;
    pg_submemo *months; /* monthly sub-results of the composites' evaluations, by what they read
                           (score.h): a re-score evaluates again only the months that changed */
    struct pg_store *readers[4]; /* store connections of finished bulletin reads, for the
                                   next ones (publish.c): opening one parses the schema */
    pg_bcache bulletins;         /* published bulletins' parts, read by the loop (publish.c; budget
                                    bulletin_cache_mb); /metrics shows its size and hits */
    struct {
        struct pg_bulletin_wait *head, *tail; /* bulletin reads waiting for a worker, which may
                                                 find their parts kept by then (publish.c) */
        int running;                          /* bulletin reads on the thread pool */
    } bulletin_reads;
    struct {
        long id[4];           /* bulletins whose heads (their rankings, ~1 MB at 3,003 units) */
        struct pg_blob *b[4]; /* every unit's read splices: kept decompressed (publish.c) */
        int next;
    } heads;
    pg_counters n;
} pg_host;

/* host.c */
/* Now, by the scheduler's clock (which a test may have injected), in Unix seconds. */
int64_t pg_host_now(const pg_host *h);
/* The generation that evaluates periods of `year`, or NULL when no loaded rule set is for that
 * year. Take a reference (pg_gen_ref) to keep it past the current callback. */
pg_gen *pg_host_gen(const pg_host *h, int year);
/* The generation that evaluates `period` (a period code): for a sampling month the one in force
 * in that month (the chain's latest link starting at or before it), for a year the current one.
 * NULL when no loaded rule set is for its year. */
pg_gen *pg_host_gen_for(const pg_host *h, int period);
/* The published bulletins of `year` a change of its rules from month `from` would change: the
 * latest revision of each monthly one from that month on and of each yearly one, unless it was
 * made with rules `content` (NULL: any rules). [{scheme, period, revision}], or NULL when none.
 * They stay as published until a correction re-publishes them. */
cJSON *pg_host_published_from(const pg_host *h, int year, int from, const char *content);
/* Answers 503 (with Retry-After) and returns 1 when a request would only wait: every worker is
 * stuck past its deadline, or `behind` (the job it would wait for; may be NULL) is. */
int pg_host_refuse_stuck(const pg_host *h, pg_http_req *req, const pg_job *behind);

/* reload.c */
/* Adds a rule set directory and loads its first generation, before the loop runs. Returns 0,
 * or -1 after printing why (its errors, or a year another directory already serves). */
int pg_rules_add(pg_host *h, const char *dir);
/* Starts watching every directory (a failure degrades that one to SIGHUP and the API). */
void pg_rules_watch(pg_host *h);
void pg_rules_stop_watching(pg_host *h);
void pg_rules_free(pg_host *h);
/* Reloads `year`'s directory, or every one when year is 0. `actor` names who asked, for the
 * audit log of the weights that change; `req`, if any, is answered when all have finished. */
void pg_reload_request(pg_host *h, int year, const char *trigger, const char *actor,
                       pg_http_req *req);
/* Reloads `year`'s directory and calls cb(arg, failed) when the attempt has finished: failed is
 * 0 when its files loaded (swapped, or the same as served), 1 when they were rejected or the
 * host stopped first. Returns 0, or -ENOENT when no directory serves `year`, -ECANCELED when
 * the host is stopping (no call then). */
int pg_reload_request_cb(pg_host *h, int year, const char *trigger, const char *actor,
                         void (*cb)(void *arg, int failed), void *arg);
/* The errors of the directory's latest attempt (at least 1 when it failed), 0 when its files
 * load: /healthz and /metrics report a year whose edit did not take. Inline, so that
 * metrics.c, which reply.c calls, needs nothing of reload.c (tests/host/layout). */
static inline int pg_rules_errors(const pg_rules *set)
{
    if (set->last.ok || !set->last.trigger) return 0;
    return set->last.nerrors > 0 ? set->last.nerrors : 1;
}
/* Every directory's generation and last attempt; the newest year's also at the top level. */
cJSON *pg_reload_status(const pg_host *h);

/* evaluate.c */
pg_entry *pg_entry_get(pg_host *h, const char *scheme, int period, int create);
/* Evaluates now (or after the running evaluation), answering `req` (may be NULL) for `unit`. */
void pg_evaluate(pg_host *h, pg_entry *e, const char *trigger, pg_http_req *req, pg_want want,
                 int index);
/* The entry's outcome for a reader: the cached one at once (re-scoring it behind, when stale), or
 * `cb` after the first or a failed-and-stale evaluation finishes. Calls `cb` exactly once,
 * possibly before returning. For answers built from several periods (a unit's series). */
void pg_evaluate_then(pg_host *h, pg_entry *e, pg_outcome_cb cb, void *arg);
/* 1 when `o` was computed from the current generation and data. */
int pg_outcome_current(const pg_host *h, const pg_outcome *o);
/* Re-scores the (scheme, period)s of `year` evaluated so far whose generation is no longer the
 * one in force for them: after a swap, only the months the new link covers and the yearly
 * schemes. */
void pg_rescore_changed(pg_host *h, int year, const char *trigger);
/* Re-scores every (scheme, period) of `year` (0: of every year) evaluated so far: after a swap
 * of that year's rules, or when a change of the data cannot be told. */
void pg_rescore(pg_host *h, int year, const char *trigger);
/* After a change of the data, once h->data_version was bumped for it: re-scores the
 * (scheme, period)s evaluated so far that the change reaches (touch.c), and those whose outcome
 * is an error or not current anyway; every other one keeps its outcome, which stays current
 * (its data_version moves on). An evaluation under way is re-run unless the change does not
 * reach it and it started at the data version before. Logs how many of each. */
void pg_rescore_data(pg_host *h, const pg_data_change *ch, const char *trigger);

/* datasets.c — the data an evaluation reads, loaded once for every evaluation of the same
 * generation and data version (a re-score's periods read the same store). On a pool thread:
 * *out is borrowed until pg_datasets_release; rc and diagnostics as pg_datadir_load's. */
int pg_datasets_get(pg_host *h, const pg_gen *g, long version, const char *datadir,
                    pg_dataset **out, pg_diags *d);
void pg_datasets_release(pg_host *h, pg_dataset *ds);
/* The hash of ds's inputs blob (pg_run_inputs_text) in `st`: the host's for ds's data, else
 * (or with `again`: that blob was pruned since) made and stored now, *made set, while jobs
 * after the same wait for it. Pool thread. */
int pg_inputs_stored(pg_host *h, pg_store *st, const pg_dataset *ds, int again, char hash[65],
                     int *made, pg_diags *d);
/* Loads the current rules' data and stores its inputs on a pool thread, for the first reader. */
void pg_datasets_warm(pg_host *h);
/* At start and at stop (no job running). */
void pg_datasets_init(pg_host *h);
void pg_datasets_free(pg_host *h);
void pg_on_schedule(void *ctx, const pg_sched_event *ev);

/* touch.c: 1 when the change can move the numbers of e's (scheme, period), as evaluated under
 * the generations that serve its period now. */
int pg_data_change_reaches(const pg_host *h, const pg_entry *e, const pg_data_change *ch);

/* cache.c: the outcomes the results cache holds, and its budget (result_cache_mb).
 * An outcome belongs to its entry (or to the job that made it, until stored), which frees it.
 * Work that reads an outcome on the pool takes a reference first and drops it in its `done`,
 * so that a re-score or the cache's trim may replace or drop it meanwhile; on the pool it reads
 * only what pg_outcome_unit reads, which never changes. pg_outcome_free drops a reference and
 * frees the outcome with its last. Loop thread only. */
pg_outcome *pg_outcome_ref(const pg_outcome *o);
void pg_outcome_free(pg_outcome *o);
/* Bytes an outcome holds. */
size_t pg_outcome_bytes(const pg_outcome *o);
/* evaluate.c: unit k's own body (a new blob with one reference), or NULL when o has none. */
pg_blob *pg_outcome_unit(const pg_outcome *o, int k);
/* Unit k's breakdown parsed from that body (its "units"[0]), or NULL when it has none or it is
 * not unit `id`'s: the outcome's rules may order the units otherwise than the caller's. */
cJSON *pg_outcome_unit_json(const pg_outcome *o, int k, const char *id);
/* Counts a read of `e`, served from its outcome (hit) or waiting for an evaluation (miss). */
void pg_cache_read(pg_host *h, pg_entry *e, int hit);
/* Makes `o` the outcome of `e` (freeing the one before), then drops the least recently read
 * outcomes of other idle entries while the cache is over its budget. */
void pg_cache_put(pg_host *h, pg_entry *e, pg_outcome *o);
void pg_entries_free(pg_host *h);
/* What moved on since `o` was made: "rules" (another generation governs its period now),
 * "data" (a batch or a decision came after it), or NULL while it is current. */
const char *pg_outcome_outdated_by(const pg_host *h, const pg_outcome *o);
/* Answers one waiter from an outcome, by the role that asked. An outcome that is no longer
 * current (served while its re-score runs) carries X-Pinggu-Outdated: rules or data. */
void pg_answer_outcome(const pg_host *h, pg_http_req *req, pg_want want, int index,
                       const pg_outcome *o);

/* publish.c: drops the bulletin heads and store connections kept for readers, at shutdown */
void pg_bulletin_heads_free(pg_host *h);

/* preview.c: answers the diff of (scheme, period) under the served rules and the posted
 * weight overrides */
void pg_preview(pg_host *h, pg_http_req *req, const char *scheme, int period);

/* incoming.c */
/* At start-up, before anything listens: removes (and logs) what killed hosts left in
 * DATA/incoming and killed ingests in DATA/batches/raw, then makes and locks this host's upload
 * directory, h->incoming. Returns 0 or a negative errno (logged). */
int pg_incoming_start(pg_host *h);
/* At shutdown, after the last upload: removes h->incoming and drops its lock. */
void pg_incoming_stop(pg_host *h);

/* intake.c */
void pg_intake_post(pg_host *h, pg_http_req *req, const char *actor, const char *source,
                    const char *name);
void pg_intake_withdraw(pg_host *h, pg_http_req *req, const char *actor, const char *id);

/* static.c: answers a GET of the dashboard's files ("/" is index.html) from memory, read once
 * from the web directory on first use; 404 for anything not found there, hidden, or with "..". */
void pg_static_serve(pg_host *h, pg_http_req *req);
/* Answers GET of the web directory's file `name` (e.g. "openapi.json"), or 404 with `missing`
 * when there is none. */
void pg_static_send(pg_host *h, pg_http_req *req, const char *name, const char *missing);

/* metrics.c */
void pg_metrics_request(pg_host *h, int status, uint64_t start_ns);
pg_blob *pg_metrics_render(const pg_host *h);

#endif
