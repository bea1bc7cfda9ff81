/* preview.c — POST /api/v1/rules/preview: who moves if a weight change is announced.
 *
 * The body is a weight-overrides file (the format `pinggu diff --against FILE` takes;
 * docs/tools.md, "Weight overrides"), or, as JSON, an edit as POST /rules/edits takes it
 * (rule_edit.h: points, method parameters, part weights): the edit is applied to a copy of the
 * year's current snapshot exactly as a save would write it (a save edits the current files, even
 * for a month an earlier link governs), so the preview and the save cannot differ. A worker
 * evaluates the scheme and period under the rules being served and under a fresh copy of them with
 * the overrides applied, and answers the comparison as `pinggu diff --format json` prints it: every
 * unit's change in score, rank and band, and the indicators that cause it. Nothing is stored and
 * the rules served do not change.
 *
 * `touches` says what the change would reach if it were saved with `effective` (the query's
 * `effective=YYYY-MM`; by default the month previewed, or January for a yearly period): the
 * months from then to December, which would be re-scored under it, the yearly schemes, which
 * always are, and the published bulletins among them, which would stay as published (frozen)
 * until a correction. The months before keep their rules (docs/rules.md, effective dating). */
#include "record.h"
#include "score.h"
#include "host.h"
#include "rules.h"
#include "base.h"
#include "reply.h"
#include "rule_edit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    pg_job job;
    pg_http_req *req;
    char *scheme, *datadir;
    int period;
    cJSON *answer;
    cJSON *touches;    /* what the change would reach, made on the loop thread */
    pg_edit_plan plan; /* a JSON edit, bound on the loop thread; plan.n == 0 for overrides */
    char *tmproot;
    char *from; /* the snapshot a JSON edit applies to: the year's current rules, which a save
                   edits, even when the month previewed is governed by an earlier link */
    int status;
    pg_diags d;
} preview_job;

static int write_body(const char *path, const pg_http_req *req)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -errno;
    int bad = fwrite(req->body, 1, req->body_len, f) != req->body_len;
    return fclose(f) != 0 || bad ? -EIO : 0;
}

static void compare(pg_job *j)
{
    preview_job *p = (preview_job *)j;
    pg_ruleset *b = NULL;
    pg_dataset *ds = NULL;
    pg_result *ra = NULL, *rb = NULL;
    pg_diff *df = NULL;
    char path[] = "/tmp/pinggu-overrides-XXXXXX";
    int fd = mkstemp(path);
    p->status = 422;
    if (fd < 0 || (close(fd), write_body(path, p->req)) != 0) {
        pg_error(&p->d, NULL, 0, "cannot keep the overrides: %s", strerror(errno));
        p->status = 500;
        goto done;
    }
    int s = pg_strmap_get(&j->rs->scheme_ids, p->scheme);
    if (p->plan.n) { /* a JSON edit: the copy edited as a save would write it */
        char *copy = NULL, hex[65];
        pg_edited_file *files = NULL;
        int nf = 0, st = pg_edit_apply(&p->plan, p->from, p->tmproot, p->plan.base, hex, &b, &copy,
                                       &files, &nf, &p->d);
        if (copy) pg_ruledir_remove(copy);
        free(copy);
        pg_edited_free(files, nf);
        if (st) {
            p->status = st;
            goto done;
        }
    } else if (pg_gen_load(j->gen, &b, &p->d) != 0 || pg_overrides_apply(b, path, &p->d) != 0) {
        goto done;
    }
    if (pg_datadir_load(j->rs, p->datadir, &ds, &p->d) != 0 ||
        pg_eval(j->rs, ds, s, p->period, &ra, &p->d) != 0 ||
        pg_eval(b, ds, s, p->period, &rb, &p->d) != 0 || pg_diff_compute(ra, rb, &df, &p->d) != 0)
        goto done;
    p->answer = pg_diff_json(df, p->plan.n ? "the posted edit" : "the posted overrides");
    p->status = 200;
done:
    if (fd >= 0) unlink(path);
    /* the overrides' messages name the temporary file: it is the request body to the caller */
    for (int i = 0; i < p->d.n; i++)
        if (p->d.v[i].file && strcmp(p->d.v[i].file, path) == 0) {
            free(p->d.v[i].file);
            p->d.v[i].file = pg_xstrdup("body");
        }
    pg_diff_free(df);
    pg_result_free(ra), pg_result_free(rb);
    pg_dataset_free(ds);
    pg_ruleset_free(b);
}

static void compared(pg_job *j)
{
    preview_job *p = (preview_job *)j;
    if (j->error) pg_error(&p->d, NULL, 0, "%s", j->error);
    if (p->answer) {
        cJSON_AddItemToObject(p->answer, "touches", p->touches);
        p->touches = NULL;
        pg_reply_json(p->req, 200, p->answer);
    } else
        pg_reply_diags(p->req, j->error ? 500 : p->status, "the preview failed", &p->d, 20);
    pg_diags_free(&p->d);
    cJSON_Delete(p->touches);
    pg_edit_plan_free(&p->plan);
    free(p->scheme), free(p->datadir), free(p->tmproot), free(p->from), free(p);
}

/* {effective, months: the periods it would govern, yearly: the yearly schemes (re-scored with
 * any change), published: the bulletins it would leave frozen}. */
static cJSON *touches(const pg_host *h, int year, int from)
{
    cJSON *t = cJSON_CreateObject();
    char buf[PG_PERIOD_BUF];
    cJSON_AddStringToObject(t, "effective", pg_period_format(year * 100 + from, buf));
    cJSON *months = cJSON_AddArrayToObject(t, "months");
    for (int m = from; m <= 12; m++)
        cJSON_AddItemToArray(months, cJSON_CreateString(pg_period_format(year * 100 + m, buf)));
    cJSON *yearly = cJSON_AddArrayToObject(t, "yearly");
    const pg_gen *g = pg_host_gen(h, year);
    for (int s = 0; g && s < g->rs->nschemes; s++)
        if (g->rs->schemes[s].period == PG_PERIOD_YEAR)
            cJSON_AddItemToArray(yearly, cJSON_CreateString(g->rs->schemes[s].id));
    cJSON *pub = pg_host_published_from(h, year, from, NULL);
    cJSON_AddItemToObject(t, "published", pub ? pub : cJSON_CreateArray());
    return t;
}

void pg_preview(pg_host *h, pg_http_req *req, const char *scheme, int period)
{
    if (h->stopping) {
        pg_reply_error(req, 503, "the host is shutting down");
        return;
    }
    int year = pg_period_year(period), from = pg_period_is_year(period) ? 1 : period % 100;
    char *eff = pg_http_query_param(req, "effective");
    int code = eff ? pg_period_parse(eff) : -1;
    if (eff && (code < 0 || pg_period_is_year(code) || pg_period_year(code) != year)) {
        pg_reply_error(req, 400, "effective '%s': expected a sampling month of %d (YYYY-MM)", eff,
                       year);
        free(eff);
        return;
    }
    free(eff);
    if (code > 0) from = code % 100;
    if (pg_host_refuse_stuck(h, req, NULL)) return;
    pg_edit_plan plan = {0};
    const char *ct = req->content_type ? req->content_type : "";
    if (strstr(ct, "json")) { /* an edit, bound to the rules that evaluate the period */
        cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
        char *why = NULL;
        const pg_gen *g = pg_host_gen(h, year);
        int st = !cJSON_IsObject(body) ? (why = pg_xstrdup("the body is not a JSON object"), 400)
                                       : pg_edit_bind(body, g, g->shown, &plan, &why);
        cJSON_Delete(body);
        if (st) {
            pg_reply_error(req, st, "%s", why);
            free(why);
            pg_edit_plan_free(&plan);
            return;
        }
    }
    preview_job *p = pg_xcalloc(1, sizeof *p);
    p->plan = plan;
    if (plan.n) p->from = pg_xstrdup(pg_host_gen(h, year)->snapshot);
    p->tmproot = pg_xstrdup(h->incoming ? h->incoming : "/tmp");
    p->touches = touches(h, year, from);
    p->req = req;
    p->scheme = pg_xstrdup(scheme);
    p->period = period;
    p->datadir = pg_xstrdup(h->cfg.data_dir);
    p->job.gen = pg_gen_ref(pg_host_gen_for(h, period));
    p->job.work = compare;
    p->job.done = compared;
    p->job.deadline_ms = h->cfg.job_deadline_ms;
    p->job.what = "preview";
    pg_pool_submit(h->pool, &p->job);
}
