/* evaluate.c — evaluations on the pool, the cache of their results, re-scoring, and the
 * scheduled cut-offs.
 *
 * Each (scheme, period) has an entry holding its latest outcome: the result rendered once for
 * every audience (rankings, one group, every breakdown), so a GET is a lookup and a write; a
 * unit's own body is put together when read, from the full body and the result the outcome
 * keeps (pg_outcome_unit: its rows and 问题清单 printed then). A request for a period never
 * evaluated waits for the first evaluation; after that, requests get the latest outcome at once
 * while a re-score (rules swapped, data arrived) runs, and the outcome names its revision. An
 * entry runs one evaluation at a time; triggers that arrive meanwhile fold into one more run. A
 * scheduled cut-off also writes the full result as a draft, DATA/drafts/<scheme>-<period>.json,
 * and the bulletin as documents, DATA/drafts/<scheme>-<period>/ (HTML, CSV, the indicator
 * documentation).
 *
 * A month is evaluated by the generation in force in it (pg_host_gen_for: the chain of reload.c),
 * a year by the current one. A yearly scheme that averages monthly totals of months another
 * generation governs takes each of those months' totals under its own generation (months.h):
 * the core alone would evaluate them inside the one rule set of the year's current rules.
 *
 * Every evaluation is recorded as a run in the store (core/record/include/record.h) by the job that
 * made it, on its own connection: the rule snapshot's hash, the trigger, the times, the inputs it
 * read and the result, both content-addressed, so that an unchanged month re-scored a hundred times
 * stores its texts once; the jobs of one re-score, which read the same data, print the inputs
 * once between them (record_run). A failure to record is logged and does not fail the
 * evaluation. */
#include "report.h"
#include "record.h"
#include "score.h"
#include "host.h"
#include "log.h"
#include "months.h"
#include "bodies.h"
#include "base.h"
#include "render.h"
#include "reply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RUNS_KEPT 500

typedef struct {
    pg_job job;
    pg_host *h;
    pg_entry *e;
    char *scheme, *datadir, *trigger;
    int period, draft;
    pg_mix *mix;       /* a composite's months under other generations (months.h), or NULL */
    long data_version; /* the loop thread's: moved on by pg_rescore_data while the job runs */
    long made_at;      /* h->data_version when made: the key of the data it shares (datasets.c) */
    int load_failed;   /* the data could not be loaded: every evaluation fails alike */
    pg_outcome *last;  /* the entry's last outcome's bodies, digest and run result, referenced
                          for the job (blobs are counted on the loop only): kept if unchanged */

    int64_t now;
    pg_outcome *out;
} eval_job;

pg_entry *pg_entry_get(pg_host *h, const char *scheme, int period, int create)
{
    for (pg_entry *e = h->entries; e; e = e->next)
        if (e->period == period && strcmp(e->scheme, scheme) == 0) return e;
    if (!create) return NULL;
    pg_entry *e = pg_xcalloc(1, sizeof *e);
    e->scheme = pg_xstrdup(scheme);
    e->period = period;
    e->next = h->entries;
    h->entries = e;
    return e;
}

int pg_outcome_current(const pg_host *h, const pg_outcome *o)
{
    const pg_gen *g = o ? pg_host_gen_for(h, o->period) : NULL;
    return g && o->gen_id == g->id && o->data_version == h->data_version;
}

/* --- on a pool thread ---------------------------------------------------------------- */

static void fail(pg_outcome *o, int status, const pg_diags *d, const char *fallback)
{
    o->status = status;
    for (int i = 0; i < d->n && !o->error; i++)
        if (d->v[i].sev == PG_ERROR)
            o->error = d->v[i].file
                           ? pg_xasprintf("%s:%d: %s", d->v[i].file, d->v[i].line, d->v[i].msg)
                           : pg_xstrdup(d->v[i].msg);
    if (!o->error) o->error = pg_xstrdup(fallback);
}

/* Renders the result for each audience (bodies.c: one printed text, cut), and gives the run's
 * result text, which is that printed text. A unit's own body also carries its rows as its
 * officials read them and its 问题清单 (core/report/issues_list.c), printed when it is read
 * (pg_outcome_unit); the full result and the rankings do not. */
static cJSON *unit_item(void *arg, int u)
{
    return pg_report_json_unit(arg, u);
}

static char *render(pg_outcome *o, const pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    cJSON *head = pg_report_json_tree(res, PG_REPORT_NO_UNITS);
    pg_bodies_units units = {unit_item, (void *)res, rs->nunits};
    char *text = NULL;
    pg_bodies_render(o, head, &units, rs->ngroups, rs->nunits, &text);
    cJSON_Delete(head);
    return text;
}

/* A unit's rows and 问题清单 from the kept result; a scheme of schemes has neither: "[]". */
static void unit_texts(void *arg, int u, pg_jtext *rows, pg_jtext *issues)
{
    if (arg) {
        pg_unit_texts_add(arg, u, rows, issues);
        return;
    }
    pg_jtext_put(rows, "[]", 2), pg_jtext_put(issues, "[]", 2);
}

pg_blob *pg_outcome_unit(const pg_outcome *o, int k)
{
    return pg_bodies_unit(o, k, unit_texts, o->texts);
}

cJSON *pg_outcome_unit_json(const pg_outcome *o, int k, const char *id)
{
    pg_blob *b = pg_outcome_unit(o, k);
    if (!b) return NULL;
    cJSON *body = cJSON_ParseWithLength(b->data, b->len);
    pg_blob_unref(b);
    cJSON *u = cJSON_DetachItemFromArray(cJSON_GetObjectItemCaseSensitive(body, "units"), 0);
    cJSON_Delete(body);
    const char *got = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "unit"));
    if (got && strcmp(got, id) == 0) return u;
    cJSON_Delete(u);
    return NULL;
}

/* Keeps a tree scheme's result in o for its units' bodies (pg_outcome_unit), on the rule set of
 * the job's generation, which the loop reads and the outcome will reference: this worker's own
 * copy of it may be gone by the time a unit reads. Its words and group figures are gathered
 * here, so that a read on the loop only prints. */
static void keep_result(pg_outcome *o, pg_result **res, const pg_gen *g)
{
    if (!(*res)->cells) return;
    (*res)->rs = g->rs; /* the same snapshot, loaded alike */
    o->res = *res, *res = NULL;
    o->texts = pg_unit_texts_new(o->res);
    pg_unit_texts_prime(o->texts);
}

static int write_draft(const char *datadir, const char *scheme, int period, const pg_blob *b)
{
    char buf[PG_PERIOD_BUF];
    char *dir = pg_xasprintf("%s/drafts", datadir);
    char *path = pg_xasprintf("%s/%s-%s.json", dir, scheme, pg_period_format(period, buf));
    char *tmp = pg_xasprintf("%s.tmp-%ld", path, (long)getpid());
    int rc = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) rc = -errno;
    int fd = rc ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!rc && fd < 0) rc = -errno;
    for (size_t off = 0; !rc && off < b->len;) {
        ssize_t n = write(fd, b->data + off, b->len - off);
        if (n < 0 && errno != EINTR) rc = -errno;
        if (n > 0) off += (size_t)n;
    }
    if (fd >= 0 && (fsync(fd) != 0 || close(fd) != 0) && !rc) rc = -errno;
    if (!rc && rename(tmp, path) != 0) rc = -errno;
    if (rc) unlink(tmp);
    free(dir), free(path), free(tmp);
    return rc;
}

/* DATA/drafts/<scheme>-<period>/: the bulletin as people read it, replaced whole. */
static int write_documents(const pg_result *res, const pg_dataset *ds, const char *datadir,
                           const char *scheme, pg_diags *d)
{
    char buf[PG_PERIOD_BUF];
    char *dest =
        pg_xasprintf("%s/drafts/%s-%s", datadir, scheme, pg_period_format(res->period, buf));
    int rc = pg_bulletin_write_dir(res, ds, NULL, dest, 1, d);
    free(dest);
    return rc;
}

/* Records the evaluation as a run, its result text `result` (render's), or with `result` NULL
 * the result stored before under o->result_hash, which it fills either way. Returns 0, -ENOENT
 * when `result` is NULL and that result is no longer stored (pruned), or another negative errno
 * after logging why the run is not recorded. */
static int record_run(const eval_job *x, const pg_job *j, const char *result, pg_outcome *o,
                      const pg_dataset *ds, const char *started_at)
{
    pg_diags d = {0};
    pg_store *st = NULL;
    char buf[PG_PERIOD_BUF];
    pg_run run = {.scheme = x->scheme,
                  .period = (char *)pg_period_format(x->period, buf),
                  .trigger = x->trigger};
    snprintf(run.revision, sizeof run.revision, "%s", j->gen->content);
    snprintf(run.started_at, sizeof run.started_at, "%s", started_at);
    pg_store_now(run.finished_at);
    /* a re-score's jobs read the same data: the inputs text (3 M values at 3,003 units, the
     * largest part of recording a run) is made and stored by the first, and the others name
     * it by the digest of the data they read, which stands for the text exactly */
    int made = 0, rc = pg_store_open(x->datadir, &st, &d);
    if (!result) memcpy(run.result, o->result_hash, sizeof run.result);
    if (rc == 0) rc = pg_inputs_stored(x->h, st, ds, 0, run.inputs, &made, &d);
    if (rc == 0) rc = pg_run_record(st, &run, NULL, result, &d);
    if (rc == -ENOENT && !made) { /* the inputs were pruned since (or the result): again */
        rc = pg_inputs_stored(x->h, st, ds, 1, run.inputs, &made, &d);
        if (rc == 0) rc = pg_run_record(st, &run, NULL, result, &d);
    }
    if (rc == 0) memcpy(o->result_hash, run.result, sizeof o->result_hash);
    if (rc != 0 && !(rc == -ENOENT && !result))
        pg_log(PG_LOG_ERROR, "run", "scheme", x->scheme, "period", run.period, "error",
               "cannot record the run", "why", d.n ? d.v[d.n - 1].msg : "out of memory", NULL);
    pg_store_close(st);
    pg_diags_free(&d);
    return rc;
}

/* The CPU time of this thread, ns: a phase's cost, whatever else the machine runs. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ms_since(uint64_t *t)
{
    uint64_t now = cpu_ns(), was = *t;
    *t = now;
    return (double)(now - was) / 1e6;
}

static void evaluate(pg_job *j)
{
    eval_job *x = (eval_job *)j;
    const pg_ruleset *rs = j->rs;
    pg_outcome *o = x->out = pg_xcalloc(1, sizeof *o);
    o->gen_id = j->gen->id;
    o->year = pg_period_year(x->period);
    o->period = x->period;
    memcpy(o->revision, rs->revision, sizeof o->revision);
    o->evaluated_at = x->now;
    o->trigger = pg_xstrdup(x->trigger);
    pg_diags d = {0};
    pg_dataset *ds = NULL;
    pg_result *res = NULL;
    char started_at[32];
    pg_store_now(started_at);
    uint64_t t = cpu_ns();
    int s = pg_strmap_get(&rs->scheme_ids, x->scheme);
    if (s < 0) {
        o->status = 404;
        o->error = pg_xasprintf("revision %.12s has no scheme '%s'", rs->revision, x->scheme);
        goto done;
    }
    if (x->mix && pg_mix_begin(x->mix, rs, x->datadir, j->deadline_ms, &d) != 0) {
        fail(o, 422, &d, "the rules of the composite's months cannot be loaded");
        goto done;
    }
    int rc = pg_datasets_get(x->h, j->gen, x->made_at, x->datadir, &ds, &d);
    if (rc != 0) {
        x->load_failed = 1;
        fail(o, rc == -ENOENT ? 404 : 500, &d, "the data directory cannot be read");
        goto done;
    }
    o->load_ms = ms_since(&t);
    if (!pg_dataset_has_period(ds, x->period)) {
        char buf[PG_PERIOD_BUF];
        o->status = 404;
        o->error = pg_xasprintf("no data for %s: no fed values and no ingested records",
                                pg_period_format(x->period, buf));
        goto done;
    }
    int evaluated_from = d.n;
    pg_eval_submemo_set(x->h->months);
    rc = pg_eval(rs, ds, s, x->period, &res, &d);
    pg_eval_submemo_set(NULL);
    if (rc != 0) {
        fail(o, 422, &d, "the evaluation failed");
        goto done;
    }
    o->eval_ms = ms_since(&t);
    /* rule code that failed for some units: they are unranked or lack points, so say where */
    for (int i = evaluated_from; i < d.n; i++)
        if (d.v[i].sev == PG_WARNING)
            pg_log(PG_LOG_WARN, "rule_error", "scheme", x->scheme, "why", d.v[i].msg, NULL);
    /* a re-score whose result did not change keeps the bodies printed last time (the loop
     * takes them over) and names the result recorded then */
    pg_result_digest(res, o->digest);
    o->kept = x->last && strcmp(o->digest, x->last->digest) == 0;
    if (o->kept) memcpy(o->result_hash, x->last->result_hash, sizeof o->result_hash);
    char *text = o->kept ? NULL : render(o, res);
    o->render_ms = ms_since(&t);
    if (record_run(x, j, text, o, ds, started_at) == -ENOENT && !text) {
        o->kept = 0; /* that result is no longer stored (pruned): printed and stored again */
        record_run(x, j, text = render(o, res), o, ds, started_at);
    }
    o->record_ms = ms_since(&t);
    free(text);
    if (x->draft && (write_draft(x->datadir, x->scheme, x->period, o->full) != 0 ||
                     write_documents(res, ds, x->datadir, x->scheme, &d) != 0))
        pg_log(PG_LOG_ERROR, "draft", "scheme", x->scheme, "error", "cannot write the draft", "why",
               d.n ? d.v[d.n - 1].msg : NULL, NULL);
    keep_result(o, &res, j->gen);
done:
    pg_result_free(res);
    pg_mix_end(x->mix); /* after the result: its months' results borrow the mix's rule sets */
    pg_datasets_release(x->h, ds);
    pg_diags_free(&d);
}

/* --- on the loop thread -------------------------------------------------------------- */

static cJSON *summary_json(const pg_host *h, const pg_entry *e, const pg_outcome *o)
{
    char buf[PG_TIME_BUF], pbuf[PG_PERIOD_BUF];
    const pg_gen *g = pg_host_gen(h, pg_period_year(e->period));
    int offset = g ? g->rs->tz_offset : 8 * 3600;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "scheme", e->scheme);
    cJSON_AddStringToObject(r, "period", pg_period_format(e->period, pbuf));
    cJSON_AddStringToObject(r, "revision", o->revision);
    cJSON_AddNumberToObject(r, "generation", (double)o->gen_id);
    cJSON_AddNumberToObject(r, "data_version", (double)o->data_version);
    cJSON_AddStringToObject(r, "trigger", o->trigger);
    cJSON_AddStringToObject(r, "evaluated_at", pg_render_time(o->evaluated_at, offset, buf));
    cJSON_AddNumberToObject(r, "ms", o->ms);
    cJSON_AddBoolToObject(r, "ok", !o->error);
    if (o->error) cJSON_AddStringToObject(r, "error", o->error);
    return r;
}

static void remember_run(pg_host *h, cJSON *summary)
{
    if (!h->runs) h->runs = cJSON_CreateArray();
    cJSON_AddItemToArray(h->runs, summary);
    while (cJSON_GetArraySize(h->runs) > RUNS_KEPT) cJSON_DeleteItemFromArray(h->runs, 0);
}

static void start(pg_host *h, pg_entry *e, const char *trigger);

/* The bodies of o referenced once more, with its digest and result, for a job (kept_bodies). */
static pg_outcome *bodies_ref(const pg_outcome *o)
{
    pg_outcome *b = pg_xcalloc(1, sizeof *b);
    memcpy(b->digest, o->digest, sizeof b->digest);
    memcpy(b->result_hash, o->result_hash, sizeof b->result_hash);
    b->full = o->full ? pg_blob_ref(o->full) : NULL;
    b->ranking = o->ranking ? pg_blob_ref(o->ranking) : NULL;
    b->ngroups = o->ngroups, b->nunits = o->nunits;
    b->groups = pg_xcalloc((size_t)o->ngroups + 1, sizeof *b->groups);
    for (int i = 0; i < o->ngroups; i++)
        b->groups[i] = o->groups[i] ? pg_blob_ref(o->groups[i]) : NULL;
    b->unit_head = o->unit_head ? pg_blob_ref(o->unit_head) : NULL;
    b->cuts = pg_xcalloc((size_t)o->nunits + 1, sizeof *b->cuts);
    if (o->cuts) memcpy(b->cuts, o->cuts, (size_t)o->nunits * sizeof *b->cuts);
    return b;
}

/* Moves the bodies of `from` (bodies_ref's) into o. */
static void kept_bodies(pg_outcome *o, pg_outcome *from)
{
    o->full = from->full, o->ranking = from->ranking;
    o->groups = from->groups, o->cuts = from->cuts;
    o->unit_head = from->unit_head;
    o->ngroups = from->ngroups, o->nunits = from->nunits;
    from->full = from->ranking = from->unit_head = NULL;
    from->groups = NULL, from->cuts = NULL;
    from->ngroups = from->nunits = 0;
}

static void evaluated(pg_job *j)
{
    eval_job *x = (eval_job *)j;
    pg_host *h = x->h;
    pg_entry *e = x->e;
    pg_outcome *o = x->out;
    if (!o) { /* the worker could not load its rule set */
        o = pg_xcalloc(1, sizeof *o);
        o->gen_id = j->gen->id;
        o->year = pg_period_year(x->period);
        o->period = x->period;
        o->trigger = pg_xstrdup(x->trigger);
        o->status = 500;
        o->error = pg_xstrdup(j->error ? j->error : "the evaluation did not run");
    }
    if (o->kept) kept_bodies(o, x->last);
    if (o->res) o->gen = pg_gen_ref(j->gen);
    o->data_version = x->data_version;
    o->ms = (double)(j->finished_ns - j->started_ns) / 1e6;
    char buf[PG_TIME_BUF];
    o->headers = pg_xasprintf("X-Pinggu-Revision: %s\r\nX-Pinggu-Evaluated-At: %s\r\n",
                              o->revision[0] ? o->revision : "none",
                              pg_render_time(o->evaluated_at, 0, buf));
    cJSON *sum = summary_json(h, e, o);
    o->summary = pg_render_take(cJSON_Duplicate(sum, 1));
    remember_run(h, sum);
    h->n.evaluations++;
    h->n.evaluation_seconds += o->ms / 1e3;
    char ms[32], phases[96], pbuf[PG_PERIOD_BUF];
    snprintf(ms, sizeof ms, "%.1f", o->ms);
    snprintf(phases, sizeof phases, "load=%.0f,eval=%.0f,render=%.0f,record=%.0f", o->load_ms,
             o->eval_ms, o->render_ms, o->record_ms);
    if (o->error) h->n.evaluation_errors++;
    pg_log(o->error ? PG_LOG_WARN : PG_LOG_INFO, "evaluate", "scheme", e->scheme, "period",
           pg_period_format(e->period, pbuf), "trigger", o->trigger, "revision", o->revision, "ms",
           ms, "cpu_ms", o->error ? NULL : phases, "bodies", o->kept ? "kept" : NULL, "error",
           o->error, NULL);
    /* a failed re-score never hides a good result of the same rules and data */
    if (!o->error || !e->cur || e->cur->error || pg_outcome_current(h, o)) pg_cache_put(h, e, o);
    e->running = 0;
    e->job = NULL;
    pg_waiter *w = e->waiters;
    e->waiters = NULL;
    while (w) {
        pg_waiter *next = w->next;
        if (w->cb)
            w->cb(w->arg, e->cur);
        else /* a group's or unit's index is of the rules this job ran: not of a kept outcome
                made by others (api.c's serve) */
            pg_answer_outcome(
                h, w->req, w->want, w->index,
                w->want == PG_WANT_RUN || (w->index >= 0 && e->cur->gen_id != o->gen_id) ? o
                                                                                         : e->cur);
        free(w);
        w = next;
    }
    if (o != e->cur) pg_outcome_free(o);
    /* the loading fails alike for every period: a change the cells did not tell (touch.c) has
     * broken it, so every cached result is re-scored, once for this data */
    int rescore_all = x->load_failed && h->rescored_all != h->data_version && !h->stopping;
    if (rescore_all) h->rescored_all = h->data_version;
    pg_mix_free(x->mix);
    pg_outcome_free(x->last);
    free(x->scheme), free(x->datadir), free(x->trigger), free(x);
    if (e->again && !h->stopping) {
        e->again = 0;
        char *t = e->again_trigger;
        e->again_trigger = NULL;
        start(h, e, t ? t : "again");
        free(t);
    }
    if (rescore_all) pg_rescore(h, 0, "data");
}

static void start(pg_host *h, pg_entry *e, const char *trigger)
{
    eval_job *x = pg_xcalloc(1, sizeof *x);
    x->h = h;
    x->e = e;
    x->scheme = pg_xstrdup(e->scheme);
    x->period = e->period;
    x->datadir = pg_xstrdup(h->cfg.data_dir);
    x->trigger = pg_xstrdup(trigger);
    x->draft = strcmp(trigger, "schedule") == 0;
    x->data_version = x->made_at = h->data_version;
    x->now = pg_host_now(h);
    /* a month is evaluated by the rules in force in it, a year by the current ones */
    pg_gen *g = pg_host_gen_for(h, e->period);
    int s = pg_strmap_get(&g->rs->scheme_ids, e->scheme);
    x->mix = pg_mix_new(h, s, e->period);
    const pg_outcome *c = e->cur;
    if (c && !c->error && c->digest[0] && c->result_hash[0] && !x->draft) x->last = bodies_ref(c);
    x->job.gen = pg_gen_ref(g);
    x->job.work = evaluate;
    x->job.done = evaluated;
    x->job.deadline_ms = h->cfg.job_deadline_ms;
    x->job.what = "evaluation";
    e->running = 1;
    e->job = &x->job;
    pg_pool_submit(h->pool, &x->job);
}

void pg_evaluate(pg_host *h, pg_entry *e, const char *trigger, pg_http_req *req, pg_want want,
                 int index)
{
    if (h->stopping || !h->gen) {
        if (req)
            pg_reply_error(req, 503, "the host is %s", h->stopping ? "shutting down" : "starting");
        return;
    }
    if (!pg_host_gen(h, pg_period_year(e->period))) {
        if (req)
            pg_reply_error(req, 404, "no rule set is loaded for %d", pg_period_year(e->period));
        return;
    }
    if (req && pg_host_refuse_stuck(h, req, e->running ? e->job : NULL)) return;
    if (req) {
        pg_waiter *w = pg_xcalloc(1, sizeof *w);
        *w = (pg_waiter){.req = req, .want = want, .index = index, .next = e->waiters};
        e->waiters = w;
    }
    if (!e->running) {
        start(h, e, trigger);
        return;
    }
    /* the running evaluation may predate the rules or data: run once more after it */
    e->again = 1;
    if (!e->again_trigger || strcmp(trigger, "schedule") == 0) {
        free(e->again_trigger);
        e->again_trigger = pg_xstrdup(trigger);
    }
}

void pg_evaluate_then(pg_host *h, pg_entry *e, pg_outcome_cb cb, void *arg)
{
    int hit = e->cur && !(e->cur->error && !pg_outcome_current(h, e->cur));
    pg_cache_read(h, e, hit);
    if (hit) {
        if (!pg_outcome_current(h, e->cur) && !e->running)
            pg_evaluate(h, e, "request", NULL, PG_WANT_RUN, -1);
        cb(arg, e->cur);
        return;
    }
    if (h->stopping || !pg_host_gen(h, pg_period_year(e->period))) {
        cb(arg, NULL);
        return;
    }
    pg_waiter *w = pg_xcalloc(1, sizeof *w);
    *w = (pg_waiter){.cb = cb, .arg = arg, .next = e->waiters};
    e->waiters = w;
    pg_evaluate(h, e, "request", NULL, PG_WANT_RUN, -1);
}

void pg_rescore_changed(pg_host *h, int year, const char *trigger)
{
    for (pg_entry *e = h->entries; e; e = e->next) {
        if (pg_period_year(e->period) != year) continue;
        const pg_gen *g = pg_host_gen_for(h, e->period);
        /* the generation its result, or the evaluation under way, was made by */
        long made = e->running && e->job ? e->job->gen->id : e->cur ? e->cur->gen_id : 0;
        if (made && g && made != g->id) pg_evaluate(h, e, trigger, NULL, PG_WANT_RUN, -1);
    }
}

void pg_rescore(pg_host *h, int year, const char *trigger)
{
    for (pg_entry *e = h->entries; e; e = e->next)
        if ((e->cur || e->running) && (!year || pg_period_year(e->period) == year))
            pg_evaluate(h, e, trigger, NULL, PG_WANT_RUN, -1);
}

void pg_rescore_data(pg_host *h, const pg_data_change *ch, const char *trigger)
{
    long before = h->data_version - 1;
    int rescored = 0, kept = 0;
    for (pg_entry *e = h->entries; e; e = e->next) {
        if (!e->cur && !e->running) continue; /* never evaluated, or dropped from the cache */
        eval_job *x = e->running ? (eval_job *)e->job : NULL;
        const pg_gen *g = pg_host_gen_for(h, e->period);
        /* still current for everything but this change: its outcome, or the evaluation under
         * way, which read the store after the change before it was committed (x->data_version
         * was taken after that one's announcement) and maybe this one too */
        int was_current =
            x ? x->data_version == before && g && x->job.gen->id == g->id
              : !e->cur->error && e->cur->data_version == before && g && e->cur->gen_id == g->id;
        if (was_current && !pg_data_change_reaches(h, e, ch)) {
            if (x)
                x->data_version = h->data_version;
            else
                e->cur->data_version = h->data_version;
            kept++;
            continue;
        }
        pg_evaluate(h, e, trigger, NULL, PG_WANT_RUN, -1);
        rescored++;
    }
    char a[16], b[16], v[24];
    snprintf(a, sizeof a, "%d", rescored), snprintf(b, sizeof b, "%d", kept);
    snprintf(v, sizeof v, "%ld", h->data_version);
    pg_log(PG_LOG_INFO, "rescore", "trigger", trigger, "data_version", v, "rescored", a, "kept", b,
           NULL);
}

const char *pg_outcome_outdated_by(const pg_host *h, const pg_outcome *o)
{
    const pg_gen *g = pg_host_gen_for(h, o->period);
    if (!g || o->gen_id != g->id) return "rules";
    return o->data_version != h->data_version ? "data" : NULL;
}

void pg_answer_outcome(const pg_host *h, pg_http_req *req, pg_want want, int index,
                       const pg_outcome *o)
{
    if (o->error) {
        pg_reply_error(req, o->status, "%s", o->error);
        return;
    }
    pg_blob *own = want == PG_WANT_UNIT ? pg_outcome_unit(o, index) : NULL;
    pg_blob *b = want == PG_WANT_RANKING ? o->ranking
                 : want == PG_WANT_FULL  ? o->full
                 : want == PG_WANT_RUN   ? o->summary
                 : want == PG_WANT_GROUP ? (index < o->ngroups ? o->groups[index] : NULL)
                                         : own;
    if (!b) {
        pg_reply_error(req, 404, "revision %.12s has no such %s", o->revision,
                       want == PG_WANT_GROUP ? "group" : "unit");
        return;
    }
    /* an outcome served while its re-score runs: after a data change it names the same
     * revision as the one to come, so only this header tells the reader it is not current */
    const char *why = pg_outcome_outdated_by(h, o);
    char *headers = why ? pg_xasprintf("%sX-Pinggu-Outdated: %s\r\n", o->headers, why) : NULL;
    pg_reply_send(req, want == PG_WANT_RUN ? 201 : 200, "application/json",
                  headers ? headers : o->headers, b);
    free(headers);
    pg_blob_unref(own);
}

void pg_on_schedule(void *ctx, const pg_sched_event *ev)
{
    pg_host *h = ctx;
    char buf[PG_PERIOD_BUF];
    const char *period = pg_period_format(ev->period, buf);
    h->n.scheduled++;
    const pg_gen *g = pg_host_gen_for(h, ev->period);
    if (!g) {
        pg_log(PG_LOG_WARN, "schedule", "period", period, "skipped",
               "no rule set loaded for its year", NULL);
        return;
    }
    const pg_ruleset *rs = g->rs;
    pg_period_kind kind = ev->kind == PG_SCHED_MONTH ? PG_PERIOD_MONTH : PG_PERIOD_YEAR;
    pg_log(PG_LOG_INFO, "schedule", "period", period, "event",
           ev->kind == PG_SCHED_MONTH ? "monthly cut-off" : "year close", NULL);
    for (int s = 0; s < rs->nschemes; s++)
        if (rs->schemes[s].period == kind)
            pg_evaluate(h, pg_entry_get(h, rs->schemes[s].id, ev->period, 1), "schedule", NULL,
                        PG_WANT_RUN, -1);
}

void pg_entries_free(pg_host *h)
{
    while (h->entries) {
        pg_entry *e = h->entries;
        h->entries = e->next;
        pg_outcome_free(e->cur);
        free(e->scheme), free(e->again_trigger), free(e);
    }
    cJSON_Delete(h->runs);
    h->runs = NULL;
}
