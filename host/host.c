/* host.c — the state every module of the host reads (host.h): the clock, and which rule
 * generation serves a year.
 *
 * These read pg_host and nothing else, so that the modules that need them (evaluations,
 * reloads, the handlers) do not call into start-up (serve.c) or the reloads (reload.c) for
 * them. Loop thread only. */
#include "host.h"

#include "record.h"
#include "reply.h"

#include <string.h>

#include <time.h>

int64_t pg_host_now(const pg_host *h)
{
    return h->sched ? pg_sched_now(h->sched) : h->test_clock ? h->fake_now : (int64_t)time(NULL);
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

/* The published bulletins of `year` that the chain's change from month `from` would change:
 * every monthly one from that month on and every yearly one, the latest revision of each
 * (scheme, period), when its rules were not `content`. They stay as published (frozen) until
 * a correction re-publishes them. NULL when none. */
cJSON *pg_host_published_from(const pg_host *h, int year, int from, const char *content)
{
    cJSON *all = NULL, *out = NULL;
    pg_diags d = {0};
    if (!h->store || pg_publish_list(h->store, NULL, NULL, &all, &d) != 0) {
        pg_diags_free(&d);
        return NULL;
    }
    pg_diags_free(&d);
    const cJSON *b;
    cJSON_ArrayForEach(b, all)
    {
        const char *period = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "period"));
        const char *scheme = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "scheme"));
        const char *rules =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "rules_revision"));
        int p = period ? pg_period_parse(period) : -1;
        if (p < 0 || !scheme || pg_period_year(p) != year) continue;
        if (!pg_period_is_year(p) && p % 100 < from) continue;
        /* the latest revision of each (scheme, period): the list is oldest first */
        int later = 0;
        for (const cJSON *n = b->next; n && !later; n = n->next)
            later =
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "period")) &&
                strcmp(cJSON_GetObjectItemCaseSensitive(n, "period")->valuestring, period) == 0 &&
                strcmp(cJSON_GetObjectItemCaseSensitive(n, "scheme")->valuestring, scheme) == 0;
        if (later || (rules && content && strcmp(rules, content) == 0)) continue;
        if (!out) out = cJSON_CreateArray();
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "scheme", scheme);
        cJSON_AddStringToObject(e, "period", period);
        cJSON_AddNumberToObject(
            e, "revision", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "revision")));
        cJSON_AddItemToArray(out, e);
    }
    cJSON_Delete(all);
    return out;
}
