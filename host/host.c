/* host.c — the state every module of the host reads (host.h): the clock, and which rule
 * generation serves a year.
 *
 * These read pg_host and nothing else, so that the modules that need them (evaluations,
 * reloads, the handlers) do not call into start-up (serve.c) or the reloads (reload.c) for
 * them. Loop thread only. */
#include "host.h"

#include "reply.h"

#include <time.h>

int64_t pg_host_now(const pg_host *h)
{
    return h->sched ? pg_sched_now(h->sched) : (int64_t)time(NULL);
}

int pg_host_refuse_stuck(const pg_host *h, pg_http_req *req, const pg_job *behind)
{
    if (!pg_pool_blocked(h->pool) && !(behind && pg_job_stuck(behind))) return 0;
    pg_reply_error(req, 503,
                   "%s is stuck past its deadline (job_deadline_ms = %u); this request would "
                   "wait behind it. /healthz says when it has recovered",
                   behind && pg_job_stuck(behind) ? "the evaluation this request needs"
                                                  : "every worker",
                   h->cfg.job_deadline_ms);
    return 1;
}

pg_gen *pg_host_gen(const pg_host *h, int year)
{
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->gen && h->rules[i]->year == year) return h->rules[i]->gen;
    return NULL;
}

static const pg_rules *year_rules(const pg_host *h, int year)
{
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->gen && h->rules[i]->year == year) return h->rules[i];
    return NULL;
}

pg_gen *pg_host_gen_for(const pg_host *h, int period)
{
    const pg_rules *set = year_rules(h, pg_period_year(period));
    if (!set) return NULL;
    if (pg_period_is_year(period) || set->nchain == 0) return set->gen;
    int m = period % 100;
    for (int k = set->nchain - 1; k > 0; k--)
        if (set->chain[k].from <= m) return set->chain[k].gen;
    return set->chain[0].gen;
}
