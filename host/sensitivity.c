/* sensitivity.c — POST /api/v1/sensitivity?scheme=S&period=P[&draws=N][&spread=PCT][&seed=S]:
 * how stable each unit's rank is when the weights move, as `pinggu sensitivity --format json`
 * prints it (docs/tools.md).
 *
 * A worker of the pool loads the data directory, evaluates the scheme and period under the rules
 * that govern the period (pg_host_gen_for) and re-aggregates it under `draws` weight vectors
 * drawn within ±spread %, or within the weight_range the rules declare (core/score/sensitivity.c:
 * points under sums, `weight`s under mean/geomean/harmonic), on that worker alone (one thread:
 * the pool is shared with every other request). Nothing is stored; the same query gives the same
 * answer while the rules and data stay. Draws are capped at 100,000 so one request cannot hold a
 * worker for long; the job deadline (job_deadline_ms) bounds it as every job.
 *
 * Answers: 200 the analysis; 400 a bad parameter (named); 404 a scheme or year no rules serve;
 * 422 what stops the analysis (no data, a scheme of schemes, a Lua composite), with the
 * diagnostics; 503 while shutting down or when the pool is stuck. Staff (admin, evaluator). */
#include "call.h"
#include "reply.h"

#include "base.h"
#include "record.h"
#include "score.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_job job;
    pg_http_req *req;
    char *scheme, *datadir;
    int period;
    pg_sens_opts o;
    cJSON *answer;
    int status;
    pg_diags d;
} sens_job;

static void run(pg_job *j)
{
    sens_job *p = (sens_job *)j;
    pg_dataset *ds = NULL;
    pg_result *res = NULL;
    pg_sens *sv = NULL;
    p->status = 422;
    int s = pg_strmap_get(&j->rs->scheme_ids, p->scheme);
    if (s < 0) {
        pg_error(&p->d, NULL, 0, "the rules that govern this period have no scheme '%s'",
                 p->scheme);
        p->status = 404;
        return;
    }
    if (pg_datadir_load(j->rs, p->datadir, &ds, &p->d) == 0 &&
        pg_eval(j->rs, ds, s, p->period, &res, &p->d) == 0 &&
        pg_sens_run(res, &p->o, &sv, &p->d) == 0) {
        p->answer = pg_sens_json(sv);
        p->status = 200;
    }
    pg_sens_free(sv);
    pg_result_free(res);
    pg_dataset_free(ds);
}

static void ran(pg_job *j)
{
    sens_job *p = (sens_job *)j;
    if (j->error) pg_error(&p->d, NULL, 0, "%s", j->error);
    if (p->answer)
        pg_reply_json(p->req, 200, p->answer);
    else
        pg_reply_diags(p->req, j->error ? 500 : p->status, "the sensitivity analysis failed", &p->d,
                       20);
    pg_diags_free(&p->d);
    free(p->scheme), free(p->datadir), free(p);
}

static void post_sensitivity(pg_call *c)
{
    pg_host *h = c->h;
    if (h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
        return;
    }
    char pb[PG_PERIOD_BUF];
    const char *period = NULL;
    long draws = 1000, spread = 20, seed = 1;
    char *scheme = pg_http_query_param(c->req, "scheme");
    int rp = pg_call_query_period(c, "period", pb, &period);
    if (rp < 0) goto out; /* answered */
    if (!scheme || rp == 0) {
        pg_reply_error(c->req, 400,
                       "which evaluation? /api/v1/sensitivity?scheme=S&period=P "
                       "[&draws=N&spread=PCT&seed=S]");
        goto out;
    }
    if (pg_call_query_int(c, "draws", 1, 100000, &draws) < 0 ||
        pg_call_query_int(c, "spread", 1, 99, &spread) < 0 ||
        pg_call_query_int(c, "seed", 0, LONG_MAX, &seed) < 0)
        goto out;
    int code = pg_period_parse(period);
    pg_gen *g = pg_host_gen_for(h, code);
    if (!g) {
        pg_reply_error(c->req, 404, "no rule set is loaded for %d", pg_period_year(code));
        goto out;
    }
    if (pg_strmap_get(&g->rs->scheme_ids, scheme) < 0) {
        pg_reply_error(c->req, 404, "the rule set has no scheme '%s'", scheme);
        goto out;
    }
    if (pg_host_refuse_stuck(h, c->req, NULL)) goto out;
    sens_job *p = pg_xcalloc(1, sizeof *p);
    p->req = c->req;
    p->scheme = scheme, scheme = NULL;
    p->period = code;
    p->datadir = pg_xstrdup(h->cfg.data_dir);
    p->o = (pg_sens_opts){
        .draws = draws, .spread = (double)spread / 100, .seed = (uint64_t)seed, .threads = 1};
    p->job.gen = pg_gen_ref(g);
    p->job.work = run;
    p->job.done = ran;
    p->job.deadline_ms = h->cfg.job_deadline_ms;
    p->job.what = "sensitivity";
    pg_pool_submit(h->pool, &p->job);
out:
    free(scheme);
}

const pg_route pg_sensitivity_routes[] = {
    {PG_HTTP_POST, "sensitivity", PG_ROLES_STAFF, post_sensitivity},
    {0, NULL, 0, NULL},
};
