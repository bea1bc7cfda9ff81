/* publish.c — bulletins over HTTP: publishing (and correcting) off the loop, and reading the
 * published record by role (see publish_api.h for the routes).
 *
 * A publish is a pool job on the generation that governs the period (a month's own, so a
 * correction of June uses June's rules after a change effective from July; a year's current
 * one, with an annual composite's earlier months under their own generations, months.h): it
 * opens its own store connection, loads the data directory as it is now, evaluates on the job's
 * rule set (loaded from the generation's snapshot, whose hash the run records), and writes the run,
 * the bulletin and the audit entry in one transaction (core/record/include/record.h) before the 201
 * goes out. The final documents are then written to DATA/bulletins/<scheme>-<period>-r<N>/ once,
 * beside the drafts the scheduled cut-offs keep replacing. The evaluation is always made afresh in
 * the job: it is by construction the current result of the rules and data being served, and the
 * frozen inputs are exactly what it read.
 *
 * Reads: every body comes from the frozen result in the store, never from a re-evaluation, so
 * what a bulletin says cannot move when the rules or the data do. A bulletin is stored with the
 * parts its readers ask for (core/record, schema 8): a viewer's read is its head, a unit's the
 * head and the unit's own part, `?part=summary`, `?group=G` and `?unit=U` one part each. The
 * parts read are kept by the loop in a byte-budgeted cache (h->bulletins, bulletin_cache_mb; the
 * section "a bulletin's read" says what is kept and why it stays right), and a read whose every
 * piece is kept is answered on the loop: one indexed lookup of which revisions the period has and
 * a splice of kept texts. Any other bulletin read runs on libuv's thread pool with its own store
 * connection (bulletin_read says why not on the loop, nor on the rule pool) and splices the stored
 * texts; nothing is parsed but the overdue lists it returns. The whole result (staff's read;
 * 85 MB at 3,003 units) is spliced as stored, never kept. GET /runs/N is read by a pool job. A
 * bulletin published before the parts existed is read whole, parsed and filtered, as before. */
#include "publish_api.h"

#include "months.h"
#include "report.h"
#include "record.h"
#include "log.h"
#include "base.h"
#include "render.h"
#include "reply.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_job job;
    pg_host *h;
    pg_http_req *req;
    char *datadir, *scheme, *reason;
    char actor[96];
    int period;
    int rc;
    pg_mix *mix; /* an annual composite's months under other generations (months.h), or NULL */
    cJSON *answer;
    pg_diags d;
} publish_job;

/* --- publishing ------------------------------------------------------------------------ */

static void publish(pg_job *j)
{
    publish_job *x = (publish_job *)j;
    const pg_ruleset *rs = j->rs;
    pg_store *st = NULL;
    pg_dataset *ds = NULL;
    pg_publish_out out = {0};
    int s = pg_strmap_get(&rs->scheme_ids, x->scheme);
    if (s < 0) {
        pg_error(&x->d, NULL, 0, "revision %.12s has no scheme '%s'", rs->revision, x->scheme);
        x->rc = -ENOENT;
        return;
    }
    if ((x->mix && (x->rc = pg_mix_begin(x->mix, rs, x->datadir, j->deadline_ms, &x->d)) != 0) ||
        (x->rc = pg_datadir_load(rs, x->datadir, &ds, &x->d)) != 0 ||
        (x->rc = pg_store_open(x->datadir, &st, &x->d)) != 0)
        goto done;
    pg_publish_in in = {x->datadir, rs,    j->gen->content, ds,        s,
                        x->period,  "api", x->actor,        x->reason, x->mix != NULL};
    pg_eval_submemo_set(x->h->months); /* an annual's months as the evaluations left them */
    x->rc = pg_publish(st, &in, &out, &x->d);
    pg_eval_submemo_set(NULL);
    if (x->rc != 0) goto done;
    char pbuf[PG_PERIOD_BUF];
    char *docs =
        pg_publish_docs_dir(x->datadir, x->scheme, pg_period_format(x->period, pbuf), out.revision);
    pg_diags dd = {0}; /* the bulletin is published whatever happens to its documents */
    pg_bl_issue issue = pg_publish_issue(&out);
    int drc = pg_bulletin_write_dir(out.res, ds, &issue, docs, 0, &dd);
    if (drc != 0)
        pg_log(PG_LOG_ERROR, "publish", "documents", docs, "error",
               dd.n ? dd.v[dd.n - 1].msg : "cannot write them", NULL);
    pg_diags_free(&dd);
    x->answer = cJSON_CreateObject();
    cJSON_AddItemToObject(x->answer, "bulletin", out.bulletin);
    out.bulletin = NULL;
    if (drc == 0)
        cJSON_AddStringToObject(x->answer, "documents", docs);
    else
        cJSON_AddNullToObject(x->answer, "documents");
    free(docs);
done:
    pg_publish_out_free(&out);
    pg_mix_end(x->mix); /* after the result, whose months borrow the mix's rule sets */
    pg_store_close(st);
    pg_dataset_free(ds);
}

static void published(pg_job *j)
{
    publish_job *x = (publish_job *)j;
    if (j->error) {
        pg_error(&x->d, NULL, 0, "%s", j->error);
        x->rc = -EIO;
    }
    if (x->rc == 0) {
        const cJSON *b = cJSON_GetObjectItem(x->answer, "bulletin");
        char rev[16];
        snprintf(rev, sizeof rev, "%d", cJSON_GetObjectItem(b, "revision")->valueint);
        pg_log(PG_LOG_INFO, "publish", "scheme", x->scheme, "period",
               cJSON_GetObjectItem(b, "period")->valuestring, "revision", rev, "actor", x->actor,
               NULL);
        pg_reply_json(x->req, 201, x->answer);
    } else {
        int status = x->rc == -ENOENT                       ? 404
                     : x->rc == -EINVAL                     ? 400
                     : x->rc == -EEXIST || x->rc == -EAGAIN ? 409
                                                            : 500;
        pg_log(PG_LOG_WARN, "publish", "scheme", x->scheme, "result", "refused", "error",
               x->d.n ? x->d.v[0].msg : NULL, NULL);
        pg_reply_diags(x->req, status, "not published", &x->d, 20);
    }
    pg_diags_free(&x->d);
    pg_mix_free(x->mix);
    free(x->datadir), free(x->scheme), free(x->reason), free(x);
}

/* POST /api/v1/bulletins {"scheme": "monthly", "period": "2021-05", "reason": "…"} */
static void post_bulletin(pg_call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *s = pg_call_body_string(j, "scheme"), *p = pg_call_body_string(j, "period");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "reason");
    int period = p ? pg_period_parse(p) : -1;
    /* a month (a correction too) is published under the rules in force in it */
    const pg_gen *g = period >= 0 ? pg_host_gen_for(c->h, period) : NULL;
    int sc = g && s ? pg_strmap_get(&g->rs->scheme_ids, s) : -1;

    if (!s || !p || (reason && !cJSON_IsString(reason) && !cJSON_IsNull(reason))) {
        pg_reply_error(c->req, 400,
                       "expected {\"scheme\": \"…\", \"period\": \"YYYY-MM or YYYY\"[, \"reason\": "
                       "\"why, for a correction\"]}");
    } else if (period < 0) {
        pg_reply_error(c->req, 400, "period '%s': expected YYYY-MM or YYYY", p);
    } else if (!g) {
        pg_reply_error(c->req, 404, "no rule set is loaded for %d", pg_period_year(period));
    } else if (sc < 0) {
        pg_reply_error(c->req, 404, "no scheme '%s' in the rules for %d", s,
                       pg_period_year(period));
    } else if (pg_period_is_year(period) != (g->rs->schemes[sc].period == PG_PERIOD_YEAR)) {
        pg_reply_error(c->req, 400, "period '%s': scheme '%s' is evaluated by %s", p, s,
                       pg_period_is_year(period) ? "sampling month (YYYY-MM)" : "year (YYYY)");
    } else if (c->h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
    } else if (pg_host_refuse_stuck(c->h, c->req, NULL)) {
    } else {
        publish_job *x = pg_xcalloc(1, sizeof *x);
        x->h = c->h;
        x->req = c->req;
        x->datadir = pg_xstrdup(c->h->cfg.data_dir);
        x->scheme = pg_xstrdup(s);
        x->reason = cJSON_IsString(reason) ? pg_xstrdup(reason->valuestring) : NULL;
        x->period = period;
        pg_call_actor(c, x->actor);
        x->job.gen = pg_gen_ref((pg_gen *)g);
        x->mix = pg_mix_new(c->h, sc, period);
        x->job.work = publish;
        x->job.done = published;
        x->job.deadline_ms = c->h->cfg.job_deadline_ms;
        x->job.what = "publication";
        pg_pool_submit(c->h->pool, &x->job);
    }
    cJSON_Delete(j);
}

/* --- reading --------------------------------------------------------------------------- */

/* A period as given in a path, in the stored form, or NULL after answering 400 (a query's is
 * call.c's pg_call_query_period). */
static const char *period_arg(pg_call *c, const char *p, char buf[PG_PERIOD_BUF])
{
    int code = pg_period_parse(p);
    if (code < 0) {
        pg_reply_error(c->req, 400, "period '%s': expected YYYY-MM or YYYY", p);
        return NULL;
    }
    return pg_period_format(code, buf);
}

static void get_bulletins(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = NULL;
    if (pg_call_query_period(c, "period", buf, &period) < 0) return; /* answered 400 */
    char *s = pg_http_query_param(c->req, "scheme");
    pg_diags d = {0};
    cJSON *list = NULL;
    if (pg_publish_list(c->h->store, s, period, &list, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the bulletins", &d, 5);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "bulletins", list);
        pg_reply_json(c->req, 200, o);
    }
    free(s);
    pg_diags_free(&d);
}

/* A read of a run's stored texts off the loop, by a pool job (GET /runs/N). */
typedef struct {
    pg_job job;
    pg_http_req *req;
    char *datadir;
    long run;
    int rc;
    pg_blob *body;
    pg_diags d;
} read_job;

static pg_blob *splice(const char *const *texts, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) len += strlen(texts[i]);
    pg_blob *b = pg_blob_new(NULL, len);
    char *p = b->data;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(texts[i]);
        memcpy(p, texts[i], k), p += k;
    }
    *p = 0;
    return b;
}

static void read_run(pg_job *j)
{
    read_job *x = (read_job *)j;
    pg_store *st = NULL;
    char *result = NULL, *inputs = NULL, *run = NULL;
    pg_run r = {0};
    if ((x->rc = pg_store_open(x->datadir, &st, &x->d)) != 0) goto done;
    if ((x->rc = pg_run_get(st, x->run, &r, &x->d)) != 0 ||
        (x->rc = pg_store_blob_get(st, r.inputs, &inputs, NULL, &x->d)) != 0 ||
        (x->rc = pg_store_blob_get(st, r.result, &result, NULL, &x->d)) != 0)
        goto done;
    cJSON *rj = pg_run_json(&r);
    run = cJSON_PrintUnformatted(rj);
    cJSON_Delete(rj);
    const char *t[] = {"{\"run\":", run, ",\"inputs\":", inputs, ",\"result\":", result, "}"};
    x->body = splice(t, 7);
done:
    if (x->rc == -ENOENT && !r.id) pg_diags_free(&x->d); /* said by the reply */
    pg_run_clear(&r);
    cJSON_free(run);
    free(result), free(inputs);
    pg_store_close(st);
}

static void read_run_done(pg_job *j)
{
    read_job *x = (read_job *)j;
    if (j->error) {
        pg_error(&x->d, NULL, 0, "%s", j->error);
        x->rc = -EIO;
    }
    if (x->rc == 0)
        pg_reply_send(x->req, 200, "application/json", NULL, x->body);
    else if (x->rc == -ENOENT && x->d.n == 0)
        pg_reply_error(x->req, 404, "no run %ld", x->run);
    else
        pg_reply_diags(x->req, 500, "cannot read the run", &x->d, 5);
    pg_blob_unref(x->body);
    pg_diags_free(&x->d);
    free(x->datadir), free(x);
}

/* --- a bulletin's read -------------------------------------------------------------------- */

/* The query of a bulletin read: which part, or 0 for the reader's whole view. */
enum { PART_VIEW, PART_SUMMARY, PART_GROUP, PART_UNIT };

/* The loop's cache of published bulletins' parts (h->bulletins, bcache.h; budget
 * bulletin_cache_mb). A read whose every piece is kept is answered on the loop, without the pool:
 * the store is asked only which bulletins (scheme, period) has, one lookup in its unique index,
 * since a new revision may have been published (by this host or by `pinggu publish`). Every other
 * read goes to a job (bulletin_read), which hands what it read back to the loop to keep. A piece
 * is kept under its bulletin's id, and a bulletin never changes once published, so a kept piece
 * is right for good; an older revision's pieces stay right for a read that names it. The keys
 * (the caller's text is last, so no text can make one key look like another):
 *   b <id>               the bulletin's row, the answer's "bulletin"
 *   r <id>               the revisions of its (scheme, period) while <id> is the latest
 *   o <id> <unit>        the overdue 整改 items frozen with it for <unit> ("*": every unit's, ""
 *                        for a unit token without a unit); an empty text: none were kept
 *   p <id> <kind> <key>  a part: head, summary, group G or unit U; an empty unit part: the unit
 *                        is not in it (its view is the rankings only)
 * Staff's whole result (85 MB at 3,003 units) is never kept: it is read from the store each time.
 * What a role may read is decided before the cache is asked (get_bulletin), and a unit's whole
 * view is keyed by the token's own unit, so the cache cannot hand one unit another's part. */
#define KSEP "\x1f"

static char *key_of(const char *kind, long id, const char *a, const char *b)
{
    return b   ? pg_xasprintf("%s" KSEP "%ld" KSEP "%s" KSEP "%s", kind, id, a, b)
           : a ? pg_xasprintf("%s" KSEP "%ld" KSEP "%s", kind, id, a)
               : pg_xasprintf("%s" KSEP "%ld", kind, id);
}

/* What a read needs, named for the cache; the texts as the job read them or the cache kept them. */
typedef struct {
    int want;
    const char *key;   /* the group or unit asked for (PART_GROUP, PART_UNIT) */
    int unit_view;     /* a unit's whole view: the head and its own part */
    const char *unit;  /* a unit token's own unit, or NULL */
    const char *whose; /* the overdue items of: a unit, "" (a unit token without one), or NULL
                          (every unit's); unused with a group or the summary */
} read_ask;

static read_ask ask_of(int want, const char *key, pg_role role, const char *unit)
{
    read_ask a = {want, key, want == PART_VIEW && role == PG_ROLE_UNIT, unit, NULL};
    if (want == PART_UNIT) a.whose = key;
    if (want == PART_VIEW && role == PG_ROLE_UNIT) a.whose = unit ? unit : "";
    return a;
}

static int with_overdue(const read_ask *a)
{
    return a->want == PART_VIEW || a->want == PART_UNIT;
}

/* A read whose answer is the same for every reader who may ask it (the summary, a group, a
 * viewer's view) is also kept whole, spliced, under "a <id> <latest> <what> <key>": the loop then
 * sends the kept bytes without copying the part again (a group of 2,412 units is 620 KB). */
static int shared_answer(const read_ask *a)
{
    return a->want == PART_SUMMARY || a->want == PART_GROUP ||
           (a->want == PART_VIEW && !a->unit_view);
}

static char *answer_key(long id, long latest, const read_ask *a)
{
    return pg_xasprintf("a" KSEP "%ld" KSEP "%ld" KSEP "%d" KSEP "%s", id, latest, a->want,
                        a->key ? a->key : "");
}

static char *overdue_key(long id, const read_ask *a)
{
    return key_of("o", id, a->whose ? a->whose : "*", NULL);
}

/* The part a read splices, other than the head: its kind and key, or NULL when none. */
static const char *part_kind(const read_ask *a, const char **key)
{
    *key = a->want == PART_VIEW ? a->unit : a->key;
    switch (a->want) {
    case PART_SUMMARY:
        *key = "";
        return "summary";
    case PART_GROUP:
        return "group";
    case PART_UNIT:
        return "unit";
    default:
        return a->unit_view && a->unit ? "unit" : NULL;
    }
}

/* The answer, spliced from its texts: {"bulletin", "revisions"[, "overdue"], then "result" (the
 * head; a unit's view with its own part as "units", the head's last member, as the whole result
 * filtered to the unit would have it; empty for a unit not in it), or "summary", "group" or
 * "unit": the part}. `overdue` NULL or empty: none kept. */
static pg_blob *compose(const read_ask *a, const char *bt, const char *rt, const char *overdue,
                        const char *head, const char *part)
{
    int o = overdue && *overdue;
    const char *name = a->want == PART_VIEW      ? ",\"result\":"
                       : a->want == PART_SUMMARY ? ",\"summary\":"
                       : a->want == PART_GROUP   ? ",\"group\":"
                                                 : ",\"unit\":";
    const char *body = a->want == PART_VIEW ? head : part;
    size_t blen = strlen(body);
    const char *tail = "}";
    if (a->unit_view) {
        if (blen && body[blen - 1] == '}') blen--;
        tail = "]}}";
    }
    const char *t[] = {"{\"bulletin\":", bt,  ",\"revisions\":", rt, o ? ",\"overdue\":" : "",
                       o ? overdue : "", name};
    size_t len = 0, plen = a->unit_view && part ? strlen(part) : 0;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) len += strlen(t[i]);
    len += blen + (a->unit_view ? strlen(",\"units\":[") + plen : 0) + strlen(tail);
    pg_blob *b = pg_blob_new(NULL, len);
    char *p = b->data;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t k = strlen(t[i]);
        memcpy(p, t[i], k), p += k;
    }
    memcpy(p, body, blen), p += blen;
    if (a->unit_view) {
        memcpy(p, ",\"units\":[", strlen(",\"units\":[")), p += strlen(",\"units\":[");
        memcpy(p, part ? part : "", plen), p += plen;
    }
    memcpy(p, tail, strlen(tail)), p += strlen(tail);
    *p = 0;
    return b;
}

/* One GET of a bulletin not answered from the cache, done on libuv's thread pool rather than the
 * rule pool, whose workers may each be in an evaluation of seconds: a read is a few indexed
 * lookups and a zstd frame of the reader's size, and a staff's whole read one large frame; none
 * of it runs on the loop, so /healthz and the other requests never wait behind 3,000 readers.
 * The job opens its own store connection (WAL lets it read beside a writer), or takes one kept
 * from an earlier read (h->readers). What it read goes back to the loop's cache in
 * read_bulletin_done. */
typedef struct pg_bulletin_wait {
    uv_work_t work;
    pg_host *h;
    pg_http_req *req;
    struct pg_bulletin_wait *next; /* in h->bulletin_reads, waiting for a worker */
    int keepable;                  /* not staff's whole result: the cache may answer it */
    pg_store *st; /* a connection kept from an earlier read, or NULL: the job opens one */
    char *datadir, *scheme, *period, *key, *unit; /* unit: a unit token's own, or NULL */
    int revision, want;
    pg_role role;
    read_ask ask;
    long kept_id; /* the bulletin whose pieces the loop lent (kept, kept_part, kept_ov), or 0 */
    pg_blob *kept_part, *kept_ov; /* its part and overdue items, when the cache had them */
    pg_blob *kept; /* its head, with a reference the loop takes and drops (a blob's count is
                      the loop thread's alone): the job only reads its bytes */
    pg_blob *head; /* the head the job read from the store, or NULL */
    long id;       /* the bulletin read */
    int status;    /* 200, or the error's */
    char *error;   /* a 4xx's message; NULL with a 500 (then `d`) */
    pg_blob *body;
    /* for the cache (cacheable: read from parts, every text below as the answer used it) */
    int cacheable;
    long latest;     /* the latest bulletin of the (scheme, period) */
    char *bt, *rt;   /* the bulletin's row, the revisions */
    char *overdue;   /* the overdue items (NULL: none kept) */
    char *part;      /* the part spliced besides the head, or NULL */
    int part_absent; /* a unit's view of a bulletin that has no part of that unit */
    char **pack;     /* the units' parts read with the unit's, from its pack: key, text, … */
    int npack;
    char **ovpack; /* and those units' overdue items: key, text, … */
    int novpack;
    pg_diags d;
} bulletin_read;

static void refuse(bulletin_read *x, int status, char *msg)
{
    x->status = status;
    x->error = msg;
}

/* What a role sees of a frozen result: a viewer the rankings, a unit the rankings and its own
 * breakdown, staff everything. */
static void filter_result(const bulletin_read *x, cJSON *result)
{
    if (x->role == PG_ROLE_VIEWER) {
        cJSON_DeleteItemFromObjectCaseSensitive(result, "units");
        return;
    }
    if (x->role != PG_ROLE_UNIT) return;
    cJSON *units = cJSON_GetObjectItemCaseSensitive(result, "units");
    for (cJSON *u = units ? units->child : NULL; u;) {
        cJSON *next = u->next;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "unit");
        if (!cJSON_IsString(id) || !x->unit || strcmp(id->valuestring, x->unit) != 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(units, u));
        u = next;
    }
}

/* The bulletin's head part, from the loop's copy or (`fresh`, or not lent) the store; -ENOENT
 * when it was published before bulletins were stored in parts. */
static int head_of(bulletin_read *x, pg_store *st, int fresh, const char **text)
{
    if (x->kept && x->kept_id == x->id && !fresh) {
        *text = x->kept->data;
        return 0;
    }
    if (!x->head) {
        char *t = NULL;
        size_t n = 0;
        int rc = pg_bulletin_part(st, x->id, "head", NULL, &t, &n, &x->d);
        if (rc != 0) return rc;
        x->head = pg_blob_new(t, n);
        free(t);
    }
    *text = x->head->data;
    return 0;
}

/* Collects the units' parts of a pack (pg_bulletin_unit_pack), for the cache. */
static void pack_unit(void *arg, const char *unit, const char *text, size_t len)
{
    bulletin_read *x = arg;
    x->pack = pg_xrealloc(x->pack, sizeof *x->pack * (size_t)(x->npack + 2));
    x->pack[x->npack++] = pg_xstrdup(unit);
    char *t = pg_xmalloc(len + 1);
    memcpy(t, text, len), t[len] = 0;
    x->pack[x->npack++] = t;
}

/* Collects the overdue items of a pack's units (pg_bulletin_overdue_each), for the cache. */
static void pack_overdue(void *arg, const char *unit, const char *text)
{
    bulletin_read *x = arg;
    x->ovpack = pg_xrealloc(x->ovpack, sizeof *x->ovpack * (size_t)(x->novpack + 2));
    x->ovpack[x->novpack++] = pg_xstrdup(unit);
    x->ovpack[x->novpack++] = pg_xstrdup(text);
}

/* A unit's part and overdue items, with those of the fifteen other units of its pack (one
 * decompression, one read of the publication's day), for the cache: 0, or an error (-ENOENT: no
 * such part, which answer_parts tells apart). */
static int read_pack(bulletin_read *x, pg_store *st, const char *unit)
{
    int rc = pg_bulletin_unit_pack(st, x->id, unit, pack_unit, x, &x->d);
    if (rc != 0 || !with_overdue(&x->ask) || !x->ask.whose || strcmp(x->ask.whose, unit) != 0)
        return rc;
    const char **units = pg_xcalloc((size_t)x->npack / 2 + 1, sizeof *units);
    for (int i = 0; i < x->npack; i += 2) units[i / 2] = x->pack[i];
    rc = pg_bulletin_overdue_each(st, x->id, units, x->npack / 2, pack_overdue, x, &x->d);
    free(units);
    for (int i = 0; rc == 0 && i < x->novpack; i += 2)
        if (strcmp(x->ovpack[i], unit) == 0) x->overdue = pg_xstrdup(x->ovpack[i + 1]);
    return rc == -ENOENT ? 0 : rc; /* no overdue items kept with it: none */
}

/* Answers from the parts; 1 when answered, 0 when the bulletin has no parts (published before
 * them). */
static int answer_parts(bulletin_read *x, pg_store *st)
{
    const read_ask *a = &x->ask;
    char *part = NULL;
    const char *head = NULL, *pkey = NULL, *kind = part_kind(a, &pkey);
    int rc = 0;
    if (kind && x->kept_part && x->kept_id == x->id) {
        if (x->kept_part->len)
            part = pg_xstrdup(x->kept_part->data);
        else
            x->part_absent = 1; /* kept so: the bulletin has parts, not this unit's */
    } else if (kind && strcmp(kind, "unit") == 0) {
        rc = -ENOENT; /* read_bulletin read its pack, if it has one */
        for (int i = 0; i < x->npack; i += 2)
            if (strcmp(x->pack[i], pkey) == 0) part = pg_xstrdup(x->pack[i + 1]), rc = 0;
    } else if (kind) {
        rc = pg_bulletin_part(st, x->id, kind, pkey, &part, NULL, &x->d);
    }
    if (rc == 0 && a->want == PART_VIEW) rc = head_of(x, st, 0, &head);
    /* a part not found: no such group or unit, or no parts at all, which the stored head says
     * (a kept copy could only say that it had some) */
    if (rc == -ENOENT) {
        rc = head_of(x, st, 1, &head);
        if (rc == -ENOENT) return 0;
        if (rc == 0 && !a->unit_view) rc = -ENOENT;
        if (rc == 0) x->part_absent = 1; /* a unit this bulletin does not rank: the rankings */
    }
    if (rc == -ENOENT) {
        refuse(x, 404,
               pg_xasprintf("this bulletin has no %s '%s'",
                            x->want == PART_GROUP ? "group" : "unit", x->key));
    } else if (rc != 0) {
        x->status = 500;
    } else {
        x->body = compose(a, x->bt, x->rt, x->overdue, head, part);
        x->part = part, part = NULL;
        x->cacheable = 1;
    }
    free(part);
    return 1;
}

/* Read whole and cut here: a bulletin published before bulletins were stored in parts. */
static void answer_whole(bulletin_read *x, pg_store *st, cJSON *b, cJSON *revs)
{
    cJSON *result = NULL;
    if (pg_frozen_result(st, x->id, &result, &x->d) != 0) {
        x->status = 500;
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "bulletin", cJSON_Duplicate(b, 1));
    cJSON_AddItemToObject(o, "revisions", cJSON_Duplicate(revs, 1));
    if (x->want == PART_VIEW) {
        filter_result(x, result);
        cJSON_AddItemToObject(o, "result", result), result = NULL;
    } else {
        const char *arr = x->want == PART_GROUP ? "groups" : "units";
        const char *idk = x->want == PART_GROUP ? "id" : "unit";
        cJSON *u, *found = NULL;
        cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(result, arr))
        {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(u, idk));
            if (x->want != PART_SUMMARY && v && strcmp(v, x->key) == 0) found = u;
        }
        if (!found) {
            refuse(x, 404,
                   x->want == PART_SUMMARY
                       ? pg_xstrdup("this bulletin was published before summaries were stored: "
                                    "read it whole")
                       : pg_xasprintf("this bulletin has no %s '%s'",
                                      x->want == PART_GROUP ? "group" : "unit", x->key));
            cJSON_Delete(o), cJSON_Delete(result);
            return;
        }
        cJSON_AddItemToObject(o, x->want == PART_GROUP ? "group" : "unit",
                              cJSON_Duplicate(found, 1));
    }
    x->body = pg_render_take(o);
    cJSON_Delete(result);
}

static char *print_text(const cJSON *j)
{
    char *p = cJSON_PrintUnformatted(j);
    char *s = pg_xstrdup(p);
    cJSON_free(p);
    return s;
}

static void read_bulletin(uv_work_t *w)
{
    bulletin_read *x = w->data;
    cJSON *b = NULL, *revs = NULL;
    char *result = NULL;
    x->status = 200;
    int rc = x->st ? 0 : pg_store_open(x->datadir, &x->st, &x->d);
    pg_store *st = x->st;
    if (rc == 0) rc = pg_publish_find(st, x->scheme, x->period, x->revision, &b, &x->d);
    if (rc == 0) rc = pg_publish_list(st, x->scheme, x->period, &revs, &x->d);
    if (rc == -ENOENT && !b) {
        pg_diags_free(&x->d);
        if (x->revision)
            refuse(x, 404,
                   pg_xasprintf("%s %s has no revision %d (GET /api/v1/bulletins/%s/%s)", x->scheme,
                                x->period, x->revision, x->scheme, x->period));
        else
            refuse(x, 404, pg_xasprintf("no bulletin of %s %s is published", x->scheme, x->period));
        goto done;
    } else if (rc != 0) {
        x->status = 500;
        goto done;
    }
    x->id = (long)cJSON_GetObjectItem(b, "id")->valuedouble;
    const cJSON *last = cJSON_GetArrayItem(revs, cJSON_GetArraySize(revs) - 1);
    x->latest = last ? (long)cJSON_GetObjectItem(last, "id")->valuedouble : 0;
    /* a unit's part comes with its pack's (read_pack); the overdue 整改 items frozen with it: a
     * unit's own only (its token's, or the one asked for); every unit's to staff and viewers,
     * who read the whole 通报; null when published before they were kept. Not with a group or
     * the summary. */
    const char *pkey = NULL, *kind = part_kind(&x->ask, &pkey);
    int packed = kind && strcmp(kind, "unit") == 0 && !(x->kept_part && x->kept_id == x->id);
    if (packed && (rc = read_pack(x, st, pkey)) != 0 && rc != -ENOENT) {
        x->status = 500;
        goto done;
    }
    if (rc == -ENOENT) pg_diags_free(&x->d), rc = 0; /* answer_parts says which */
    if (with_overdue(&x->ask) && x->novpack) {
        /* read with the pack */
    } else if (with_overdue(&x->ask) && x->kept_ov && x->kept_id == x->id) {
        x->overdue = x->kept_ov->len ? pg_xstrdup(x->kept_ov->data) : NULL;
    } else if (with_overdue(&x->ask)) {
        rc = pg_bulletin_overdue(st, x->id, x->ask.whose, &x->overdue, &x->d);
        if (rc != 0 && rc != -ENOENT) {
            x->status = 500;
            goto done;
        }
    }
    x->bt = print_text(b), x->rt = print_text(revs);
    if (x->want == PART_VIEW && x->role != PG_ROLE_VIEWER && x->role != PG_ROLE_UNIT) {
        /* staff: the whole result (85 MB at 3,003 units), spliced as stored */
        if (pg_frozen_result_text(st, x->id, &result, NULL, &x->d) != 0) {
            x->status = 500;
            goto done;
        }
        read_ask a = x->ask;
        x->body = compose(&a, x->bt, x->rt, x->overdue, result, NULL);
    } else if (!answer_parts(x, st)) {
        pg_diags_free(&x->d);
        answer_whole(x, st, b, revs);
    }
done:
    cJSON_Delete(b), cJSON_Delete(revs);
    free(result);
    if (x->status == 500) pg_store_close(x->st), x->st = NULL; /* not kept after a failure */
}

static void cache_put(pg_host *h, char *key, const char *text, size_t len)
{
    pg_blob *b = pg_blob_new(text, len);
    pg_bcache_put(&h->bulletins, key, b);
    pg_blob_unref(b);
    free(key);
}

static void cache_budget(pg_host *h)
{
    h->bulletins.budget = (size_t)h->cfg.bulletin_cache_mb << 20;
}

/* Keeps what a job read from the parts for the next readers (the loop thread). */
static void keep(pg_host *h, bulletin_read *x)
{
    if (!h->cfg.bulletin_cache_mb || !x->cacheable || x->status != 200) return;
    cache_budget(h);
    const read_ask *a = &x->ask;
    const char *pkey = NULL, *kind = part_kind(a, &pkey);
    cache_put(h, key_of("b", x->id, NULL, NULL), x->bt, strlen(x->bt));
    if (x->latest) cache_put(h, key_of("r", x->latest, NULL, NULL), x->rt, strlen(x->rt));
    if (with_overdue(a))
        cache_put(h, overdue_key(x->id, a), x->overdue ? x->overdue : "",
                  x->overdue ? strlen(x->overdue) : 0);
    if (x->head) {
        char *k = key_of("p", x->id, "head", "");
        pg_bcache_put(&h->bulletins, k, x->head);
        free(k);
    }
    if (kind && (x->part || x->part_absent))
        cache_put(h, key_of("p", x->id, kind, pkey), x->part ? x->part : "",
                  x->part ? strlen(x->part) : 0);
    if (shared_answer(a) && x->body && x->latest) {
        char *k = answer_key(x->id, x->latest, a);
        pg_bcache_put(&h->bulletins, k, x->body);
        free(k);
    }
    for (int i = 0; i < x->npack; i += 2) /* the unit's pack: fifteen more units' reads kept */
        if (strcmp(x->pack[i], pkey) != 0)
            cache_put(h, key_of("p", x->id, "unit", x->pack[i]), x->pack[i + 1],
                      strlen(x->pack[i + 1]));
    for (int i = 0; i < x->novpack; i += 2) /* and their overdue items */
        if (strcmp(x->ovpack[i], pkey) != 0)
            cache_put(h, key_of("o", x->id, x->ovpack[i], NULL), x->ovpack[i + 1],
                      strlen(x->ovpack[i + 1]));
}

static void read_free(bulletin_read *x)
{
    pg_store_close(x->st);
    pg_blob_unref(x->kept), pg_blob_unref(x->head), pg_blob_unref(x->body);
    pg_blob_unref(x->kept_part), pg_blob_unref(x->kept_ov);
    for (int i = 0; i < x->npack; i++) free(x->pack[i]);
    for (int i = 0; i < x->novpack; i++) free(x->ovpack[i]);
    free(x->pack), free(x->ovpack);
    pg_diags_free(&x->d);
    free(x->error), free(x->datadir), free(x->scheme), free(x->period), free(x->key), free(x->unit);
    free(x->bt), free(x->rt), free(x->overdue), free(x->part), free(x);
}

static void pump(pg_host *h);

static void read_bulletin_done(uv_work_t *w, int status)
{
    bulletin_read *x = w->data;
    pg_host *h = x->h;
    h->bulletin_reads.running--;
    if (status != 0) x->status = 500; /* cancelled */
    if (x->status == 200)
        pg_reply_send(x->req, 200, "application/json", NULL, x->body);
    else if (x->error)
        pg_reply_error(x->req, x->status, "%s", x->error);
    else
        pg_reply_diags(x->req, 500, "cannot read the bulletin", &x->d, 5);
    /* keep the connection and what was read for the next readers */
    for (int i = 0; i < 4 && x->st; i++)
        if (!h->readers[i]) h->readers[i] = x->st, x->st = NULL;
    keep(h, x);
    read_free(x);
    pump(h); /* the next waiting read, which may find its parts kept now */
}

void pg_bulletin_heads_free(pg_host *h)
{
    pg_bcache_free(&h->bulletins);
    for (int i = 0; i < 4; i++) pg_store_close(h->readers[i]), h->readers[i] = NULL;
}

/* Which bulletin a read names, by the loop's store connection: the id of `revision` (0: the
 * latest) and the latest's id. 0 when found, else -ENOENT (the job says why) or an error. */
static int loop_resolve(pg_host *h, const char *scheme, const char *period, int revision, long *id,
                        long *latest)
{
    sqlite3_stmt *s;
    pg_diags d = {0};
    *id = *latest = 0;
    int rc = pg_store_prepare(h->store,
                              "SELECT id, revision FROM bulletin WHERE scheme = ?1 AND period = ?2"
                              " ORDER BY revision",
                              &s, &d);
    pg_diags_free(&d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, scheme, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        long bid = (long)sqlite3_column_int64(s, 0);
        if (revision && sqlite3_column_int(s, 1) == revision) *id = bid;
        *latest = bid;
    }
    sqlite3_finalize(s);
    if (step != SQLITE_DONE) return -EIO;
    if (!revision) *id = *latest;
    return *id ? 0 : -ENOENT;
}

static pg_blob *cached(pg_host *h, char *key)
{
    pg_blob *b = pg_bcache_get(&h->bulletins, key);
    free(key);
    return b;
}

/* Answers the read from the cache when every piece of it is kept; 1 when answered. Else
 * lent[0..2]: the bulletin's head, part and overdue items that are kept, each with a reference for
 * the job to borrow (NULL when not kept), and `*id` the bulletin (0: not found). */
static int answer_cached(pg_host *h, pg_http_req *req, const read_ask *a, const char *scheme,
                         const char *period, int revision, pg_blob *lent[3], long *id)
{
    long latest;
    lent[0] = lent[1] = lent[2] = NULL;
    if (!h->cfg.bulletin_cache_mb || !h->store) return 0;
    if (loop_resolve(h, scheme, period, revision, id, &latest) != 0) {
        *id = 0;
        return 0;
    }
    if (shared_answer(a)) {
        pg_blob *whole = cached(h, answer_key(*id, latest, a));
        if (whole) {
            pg_reply_send(req, 200, "application/json", NULL, whole);
            return 1;
        }
    }
    const char *pkey = NULL, *kind = part_kind(a, &pkey);
    pg_blob *hb = a->want == PART_VIEW ? cached(h, key_of("p", *id, "head", "")) : NULL;
    pg_blob *bt = cached(h, key_of("b", *id, NULL, NULL));
    pg_blob *rt = cached(h, key_of("r", latest, NULL, NULL));
    pg_blob *ov = with_overdue(a) ? cached(h, overdue_key(*id, a)) : NULL;
    pg_blob *part = kind ? cached(h, key_of("p", *id, kind, pkey)) : NULL;
    if (part && !part->len && !a->unit_view) part = NULL; /* only a unit's view keeps "none" */
    if (!bt || !rt || (with_overdue(a) && !ov) || (a->want == PART_VIEW && !hb) ||
        (kind && !part)) {
        pg_blob *have[3] = {hb, part, ov};
        for (int i = 0; i < 3; i++) lent[i] = have[i] ? pg_blob_ref(have[i]) : NULL;
        return 0;
    }
    pg_blob *body = compose(a, bt->data, rt->data, ov ? ov->data : NULL, hb ? hb->data : NULL,
                            part && part->len ? part->data : NULL);
    pg_reply_send(req, 200, "application/json", NULL, body);
    if (shared_answer(a)) {
        char *k = answer_key(*id, latest, a);
        cache_budget(h);
        pg_bcache_put(&h->bulletins, k, body);
        free(k);
    }
    pg_blob_unref(body);
    return 1;
}

/* Bulletin reads on the thread pool at once: as many as the store connections kept for them, so
 * that no read opens one of its own (which parses the schema). The others wait in
 * h->bulletin_reads, in the order they came, and each is asked of the cache again when its turn
 * comes: 3,000 readers arriving together ask for the sixteen units of a pack at once, and the
 * first read of the pack keeps the others'. */
#define READS_AT_ONCE 4

/* Puts a read not answered from the cache on the thread pool, with the pieces the cache lent
 * (answer_cached) and a kept store connection. */
static void submit(pg_host *h, bulletin_read *x, pg_blob *lent[3], long id)
{
    if (x->keepable && h->cfg.bulletin_cache_mb) h->bulletins.misses++;
    /* the loop's references, dropped when done */
    x->kept = lent[0], x->kept_part = lent[1], x->kept_ov = lent[2], x->kept_id = id;
    for (int i = 0; i < 4 && !x->st; i++) x->st = h->readers[i], h->readers[i] = NULL;
    int rc = uv_queue_work(h->loop, &x->work, read_bulletin, read_bulletin_done);
    if (rc != 0) {
        pg_reply_error(x->req, 500, "cannot read the bulletin: %s", uv_strerror(rc));
        read_free(x);
        return;
    }
    h->bulletin_reads.running++;
}

static void pump(pg_host *h)
{
    while (h->bulletin_reads.head && h->bulletin_reads.running < READS_AT_ONCE) {
        bulletin_read *x = h->bulletin_reads.head;
        h->bulletin_reads.head = x->next;
        if (!h->bulletin_reads.head) h->bulletin_reads.tail = NULL;
        x->next = NULL;
        pg_blob *lent[3] = {NULL, NULL, NULL};
        long id = 0;
        if (h->stopping) {
            pg_reply_error(x->req, 503, "the host is shutting down");
            read_free(x);
        } else if (x->keepable && answer_cached(h, x->req, &x->ask, x->scheme, x->period,
                                                x->revision, lent, &id)) {
            h->bulletins.hits++;
            read_free(x);
        } else {
            submit(h, x, lent, id);
        }
    }
}

/* GET /api/v1/bulletins/{scheme}/{period}[/{revision}][?part=summary | ?group=G | ?unit=U] */
static void get_bulletin(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = period_arg(c, c->seg[4], buf);
    if (!period) return;
    int revision = 0;
    if (c->nseg == 6) {
        char *end;
        long r = strtol(c->seg[5], &end, 10);
        if (*end || r <= 0 || r > 1000000) {
            pg_reply_error(c->req, 400, "revision '%s': expected 1, 2, …", c->seg[5]);
            return;
        }
        revision = (int)r;
    }
    char *part = pg_http_query_param(c->req, "part"), *group = pg_http_query_param(c->req, "group"),
         *unit = pg_http_query_param(c->req, "unit");
    int want = PART_VIEW;
    if ((part != NULL) + (group != NULL) + (unit != NULL) > 1 ||
        (part && strcmp(part, "summary") != 0)) {
        pg_reply_error(c->req, 400,
                       "expected one of ?part=summary, ?group=GROUP or ?unit=UNIT (or none: the "
                       "whole bulletin as your role sees it)");
        goto out;
    }
    if (part) want = PART_SUMMARY;
    if (group) want = PART_GROUP;
    if (unit) want = PART_UNIT;
    /* who may read what is decided here, before the cache is asked */
    if (unit &&
        (c->tok->role == PG_ROLE_VIEWER ||
         (c->tok->role == PG_ROLE_UNIT && (!c->tok->unit || strcmp(c->tok->unit, unit) != 0)))) {
        pg_reply_error(c->req, 403, "a unit's breakdown is for the unit and staff only");
        goto out;
    }
    if (c->h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
        goto out;
    }
    pg_role role = c->tok->role;
    const char *own = role == PG_ROLE_UNIT ? c->tok->unit : NULL;
    read_ask a = ask_of(want, group ? group : unit, role, own);
    /* staff's whole result is not kept: it is read from the store each time */
    int keepable = !(want == PART_VIEW && role != PG_ROLE_VIEWER && role != PG_ROLE_UNIT);
    pg_blob *lent[3] = {NULL, NULL, NULL};
    long id = 0;
    if (keepable && answer_cached(c->h, c->req, &a, c->seg[3], period, revision, lent, &id)) {
        c->h->bulletins.hits++;
        goto out;
    }
    bulletin_read *x = pg_xcalloc(1, sizeof *x);
    x->work.data = x;
    x->h = c->h;
    x->req = c->req;
    x->keepable = keepable;
    x->datadir = pg_xstrdup(c->h->cfg.data_dir);
    x->scheme = pg_xstrdup(c->seg[3]);
    x->period = pg_xstrdup(period);
    x->key = group ? group : unit, group = unit = NULL;
    x->unit = own ? pg_xstrdup(own) : NULL;
    x->revision = revision, x->want = want, x->role = role;
    x->ask = ask_of(want, x->key, role, x->unit); /* the job's own copies of the strings */
    if (!c->h->bulletin_reads.head && c->h->bulletin_reads.running < READS_AT_ONCE) {
        submit(c->h, x, lent, id);
        goto out;
    }
    /* it waits, and asks the cache again when its turn comes */
    for (int i = 0; i < 3; i++) pg_blob_unref(lent[i]);
    if (c->h->bulletin_reads.tail)
        c->h->bulletin_reads.tail->next = x;
    else
        c->h->bulletin_reads.head = x;
    c->h->bulletin_reads.tail = x;
out:
    free(part), free(group), free(unit);
}

/* GET /api/v1/runs/{id}: {"run": …, "inputs": …, "result": …}, the stored texts spliced in as
 * they are (no parse and print of a large result), by a pool job: at 3,003 units they are
 * 85 MB together, which the loop must not wait for. */
static void get_run(pg_call *c)
{
    char *end;
    long id = strtol(c->seg[3], &end, 10);
    if (*end || id <= 0) {
        pg_reply_error(c->req, 400, "run '%s': expected a run id (a number)", c->seg[3]);
        return;
    }
    if (c->h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
        return;
    }
    if (pg_host_refuse_stuck(c->h, c->req, NULL)) return;
    read_job *x = pg_xcalloc(1, sizeof *x);
    x->req = c->req;
    x->datadir = pg_xstrdup(c->h->cfg.data_dir);
    x->run = id;
    x->job.work = read_run;
    x->job.done = read_run_done;
    x->job.what = "read";
    pg_pool_submit(c->h->pool, &x->job);
}

/* GET /api/v1/runs[?scheme=][&period=][&limit=N][&after=ID]: a page of runs, newest first
 * (100 by default, at most 1,000), and "next": the `after` of the next page, or null after the
 * last. */
void pg_runs_list(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = NULL;
    long limit = 100, after = 0;
    if (pg_call_query_period(c, "period", buf, &period) < 0 ||
        pg_call_query_int(c, "limit", 1, 1000, &limit) < 0 ||
        pg_call_query_int(c, "after", 1, LONG_MAX, &after) < 0)
        return; /* answered 400 */
    char *s = pg_http_query_param(c->req, "scheme");
    pg_diags d = {0};
    cJSON *list = NULL;
    if (pg_run_list(c->h->store, s, period, (int)limit, after, &list, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the runs", &d, 5);
    } else {
        cJSON *o = cJSON_CreateObject();
        int n = cJSON_GetArraySize(list);
        cJSON *last = n == limit ? cJSON_GetArrayItem(list, n - 1) : NULL;
        cJSON_AddItemToObject(o, "runs", list);
        if (last)
            cJSON_AddNumberToObject(o, "next", cJSON_GetObjectItem(last, "id")->valuedouble);
        else
            cJSON_AddNullToObject(o, "next");
        pg_reply_json(c->req, 200, o);
    }
    free(s);
    pg_diags_free(&d);
}

const pg_route pg_publish_routes[] = {
    {PG_HTTP_POST, "bulletins", PG_ROLES_STAFF, post_bulletin},
    {PG_HTTP_GET, "bulletins", PG_ROLES_ANY, get_bulletins},
    {PG_HTTP_GET, "bulletins/*/*", PG_ROLES_ANY, get_bulletin},
    {PG_HTTP_GET, "bulletins/*/*/*", PG_ROLES_ANY, get_bulletin},
    {PG_HTTP_GET, "runs/*", PG_ROLES_STAFF, get_run},
    {0, NULL, 0, NULL},
};
