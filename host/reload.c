/* reload.c — new rule generations: what triggers them, building them off the loop, the swap,
 * and the status the API reports.
 *
 * A trigger (start-up, the watcher, SIGHUP, POST /rules/reload) starts one attempt; triggers
 * that arrive while it runs fold into one more attempt after it, because the files may have
 * changed after the running attempt took its snapshot. Only an attempt without errors swaps
 * its generation in; the old one keeps serving otherwise, and the errors (file:line) go to the
 * log and to GET /rules/status. A swap logs every changed weight and re-scores the periods
 * evaluated so far; until a re-score finishes, the API serves the previous results, which
 * name the revision that produced them. */
#include "host.h"
#include "log.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    pg_job job;
    pg_host *h;
    char *dir, *datadir;
    long id;
    pg_budget ceiling;
    char content[65]; /* of the files the attempt read */
    pg_gen *gen;      /* built */
    pg_diags d;
} reload_job;

static void build(pg_job *j)
{
    reload_job *r = (reload_job *)j;
    pg_gen_build(r->dir, r->datadir, r->id, r->ceiling, r->content, &r->gen, &r->d);
}

static void answer_all(pg_host *h, pg_waiter *w, int ok)
{
    while (w) {
        pg_waiter *next = w->next;
        cJSON *st = pg_reload_status(h);
        pg_api_json(w->req, ok ? 200 : 422, st);
        free(w);
        w = next;
    }
}

static void start(pg_host *h);

static void built(pg_job *j)
{
    reload_job *r = (reload_job *)j;
    pg_host *h = r->h;
    pg_reload_attempt *a = &h->last;
    if (j->error) pg_error(&r->d, NULL, 0, "%s", j->error);
    cJSON_Delete(a->errors), cJSON_Delete(a->warnings);
    a->ok = r->gen != NULL;
    a->errors = pg_diags_json(&r->d, PG_ERROR, 50);
    a->warnings = pg_diags_json(&r->d, PG_WARNING, 50);
    a->ms = (double)(j->finished_ns - j->queued_ns) / 1e6;
    a->gen_id = 0;
    char ms[32];
    snprintf(ms, sizeof ms, "%.1f", a->ms);
    h->n.reloads++;
    if (j->error || !r->gen) {
        h->n.reload_errors++;
        a->ok = 0;
        for (int i = 0; i < r->d.n; i++)
            if (r->d.v[i].sev == PG_ERROR) {
                char where[32];
                snprintf(where, sizeof where, "%d", r->d.v[i].line);
                pg_log(PG_LOG_ERROR, "reload", "result", "rejected", "trigger", a->trigger, "file",
                       r->d.v[i].file, "line", r->d.v[i].line ? where : NULL, "error",
                       r->d.v[i].msg, "serving", h->gen ? h->gen->rs->revision : "nothing", NULL);
            }
    } else if (h->gen && strcmp(h->gen->content, r->gen->content) == 0) {
        /* the same files: nothing to swap */
        a->gen_id = h->gen->id;
        pg_log(PG_LOG_INFO, "reload", "result", "unchanged", "trigger", a->trigger, "revision",
               h->gen->rs->revision, NULL);
        pg_gen_unref(r->gen);
    } else {
        pg_gen *old = h->gen;
        h->gen = r->gen;
        a->gen_id = h->gen->id;
        char gen[24], warn[16];
        snprintf(gen, sizeof gen, "%ld", h->gen->id);
        snprintf(warn, sizeof warn, "%d", h->gen->warnings);
        pg_log(PG_LOG_INFO, "reload", "result", "swapped", "trigger", a->trigger, "generation", gen,
               "revision", h->gen->rs->revision, "previous", old ? old->rs->revision : NULL,
               "warnings", warn, "ms", ms, NULL);
        if (old) {
            char **lines;
            int n = pg_gen_weight_changes(old, h->gen, &lines);
            for (int i = 0; i < n; i++) {
                pg_log(PG_LOG_INFO, "weight", "change", lines[i], "revision", h->gen->rs->revision,
                       NULL);
                free(lines[i]);
            }
            free(lines);
            pg_gen_unref(old);
            pg_pool_trim(h->pool, h->gen);
            pg_rescore_all(h, "reload");
        }
    }
    memcpy(a->content, r->content, sizeof a->content);
    /* The watcher reported content W; the attempt read the files a little later. If they were
     * changed in between and then put back to W, the watcher has nothing new to report and the
     * host would keep what it read: make the watcher report again. */
    if (h->watch && h->watched[0] && strcmp(r->content, h->watched) != 0 && !h->reload_again) {
        pg_watch_forget(h->watch);
        pg_watch_rescan(h->watch);
    }
    pg_diags_free(&r->d);
    free(r->dir), free(r->datadir), free(r);
    h->reloading = 0;
    pg_waiter *w = h->reload_waiters;
    h->reload_waiters = NULL;
    answer_all(h, w, a->ok);
    w = h->reload_next;
    h->reload_next = NULL;
    if (h->reload_again && !h->stopping) {
        h->reload_again = 0;
        h->reload_waiters = w;
        start(h);
        return;
    }
    while (w) { /* shutting down: the next attempt will not run */
        pg_waiter *next = w->next;
        pg_api_error(w->req, 503, "the host is shutting down");
        free(w);
        w = next;
    }
}

static void start(pg_host *h)
{
    reload_job *r = pg_xcalloc(1, sizeof *r);
    r->h = h;
    r->dir = pg_xstrdup(h->cfg.rules);
    r->datadir = pg_xstrdup(h->cfg.data_dir);
    r->id = ++h->gens;
    r->ceiling = (pg_budget){h->cfg.lua_instructions, (size_t)h->cfg.lua_memory_mb << 20};
    r->job.work = build;
    r->job.done = built;
    h->reloading = 1;
    free(h->last.trigger);
    h->last.trigger = pg_xstrdup(h->reload_trigger ? h->reload_trigger : "api");
    h->last.at = pg_host_now(h);
    pg_pool_submit(h->pool, &r->job);
}

void pg_reload_request(pg_host *h, const char *trigger, pg_http_req *req)
{
    if (h->stopping) {
        if (req) pg_api_error(req, 503, "the host is shutting down");
        return;
    }
    free(h->reload_trigger);
    h->reload_trigger = pg_xstrdup(trigger);
    pg_waiter **list = h->reloading ? &h->reload_next : &h->reload_waiters;
    if (req) {
        pg_waiter *w = pg_xcalloc(1, sizeof *w);
        w->req = req;
        w->next = *list;
        *list = w;
    }
    if (h->reloading)
        h->reload_again = 1;
    else
        start(h);
}

void pg_reload_on_watch(void *ctx, const char *hash)
{
    pg_host *h = ctx;
    memcpy(h->watched, hash, sizeof h->watched);
    if (!h->reloading) {
        /* in step: the first scan reports what the running generation was built from */
        if (h->gen && strcmp(h->gen->content, hash) == 0 && h->last.ok) return;
        /* this very content failed last time: wait for the author's next save */
        if (!h->last.ok && strcmp(h->last.content, hash) == 0) return;
    }
    pg_reload_request(h, "watch", NULL);
}

cJSON *pg_reload_status(const pg_host *h)
{
    cJSON *o = cJSON_CreateObject();
    int offset = h->gen ? h->gen->rs->tz_offset : 8 * 3600;
    char buf[PG_TIME_BUF];
    if (h->gen) {
        cJSON_AddStringToObject(o, "revision", h->gen->rs->revision);
        cJSON_AddNumberToObject(o, "generation", (double)h->gen->id);
        cJSON_AddStringToObject(o, "content", h->gen->content);
        cJSON_AddStringToObject(o, "loaded_at", pg_render_time(h->gen->loaded_at, offset, buf));
    }
    cJSON_AddStringToObject(o, "directory", h->cfg.rules);
    cJSON_AddBoolToObject(o, "reloading", h->reloading);
    const char *why = NULL;
    int degraded = h->watch && pg_watch_degraded(h->watch, &why);
    cJSON_AddStringToObject(o, "watcher", !h->watch ? "off" : degraded ? "degraded" : "ok");
    if (degraded && why) cJSON_AddStringToObject(o, "watcher_reason", why);
    const pg_reload_attempt *a = &h->last;
    if (a->trigger) {
        cJSON *l = cJSON_AddObjectToObject(o, "last_attempt");
        cJSON_AddStringToObject(l, "at", pg_render_time(a->at, offset, buf));
        cJSON_AddStringToObject(l, "trigger", a->trigger);
        cJSON_AddBoolToObject(l, "ok", a->ok);
        if (a->gen_id) cJSON_AddNumberToObject(l, "generation", (double)a->gen_id);
        cJSON_AddNumberToObject(l, "ms", a->ms);
        cJSON_AddItemToObject(l, "errors",
                              a->errors ? cJSON_Duplicate(a->errors, 1) : cJSON_CreateArray());
        cJSON_AddItemToObject(l, "warnings",
                              a->warnings ? cJSON_Duplicate(a->warnings, 1) : cJSON_CreateArray());
    }
    return o;
}

pg_gen *pg_host_gen(const pg_host *h, int year)
{
    return h->gen && h->gen->rs->year == year ? h->gen : NULL;
}
