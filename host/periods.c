/* periods.c — GET /api/v1/periods[?year=Y]: which years the host serves and which periods of a
 * year have data, so that the dashboard opens on the latest period with data and its year
 * picker reaches every year, instead of opening on an empty December of a year whose rules are
 * loaded but whose data has not come yet.
 *
 *   {"year": 2022, "years": [2022, 2021],
 *    "periods": ["2022-01", …, "2022"], "latest": "2022-03" | null}
 *
 * `years` is every year a loaded rule set serves, newest first; `periods` the sampling months
 * of `year` that have fed values, ingested records or evaluator scores, and the year itself when
 * its year-end data exists; `latest` the last of those months (the year when only it has data),
 * null when the year has none. Without ?year= the newest year.
 *
 * Which periods have data is a property of the data directory read with that year's rules (a
 * partial belongs to a metric definition), so the answer loads the dataset on the pool, never
 * on the loop. Every role may ask: it says which periods exist, not what is in them. */
#include "call.h"
#include "reply.h"

#include "base.h"
#include "record.h"

#include <stdlib.h>

typedef struct {
    pg_job job;
    pg_http_req *req;
    char *datadir;
    int year;
    cJSON *answer; /* "years" filled on the loop; the job adds "periods" and "latest" */
    pg_diags d;
} periods_job;

static void find(pg_job *j)
{
    periods_job *p = (periods_job *)j;
    pg_dataset *ds = NULL;
    if (pg_datadir_load(j->rs, p->datadir, &ds, &p->d) != 0) return;
    cJSON *list = cJSON_AddArrayToObject(p->answer, "periods");
    char buf[PG_PERIOD_BUF];
    const char *latest = NULL;
    for (int m = 1; m <= 12; m++)
        if (pg_dataset_has_period(ds, p->year * 100 + m)) {
            cJSON *s = cJSON_CreateString(pg_period_format(p->year * 100 + m, buf));
            cJSON_AddItemToArray(list, s);
            latest = s->valuestring;
        }
    if (pg_dataset_has_period(ds, p->year * 100)) {
        cJSON *s = cJSON_CreateString(pg_period_format(p->year * 100, buf));
        cJSON_AddItemToArray(list, s);
        if (!latest) latest = s->valuestring;
    }
    if (latest)
        cJSON_AddStringToObject(p->answer, "latest", latest);
    else
        cJSON_AddNullToObject(p->answer, "latest");
    pg_dataset_free(ds);
}

static void found(pg_job *j)
{
    periods_job *p = (periods_job *)j;
    if (j->error) pg_error(&p->d, NULL, 0, "%s", j->error);
    if (cJSON_GetObjectItemCaseSensitive(p->answer, "latest")) {
        pg_reply_json(p->req, 200, p->answer);
        p->answer = NULL;
    } else {
        pg_reply_diags(p->req, 500, "the data directory cannot be read", &p->d, 5);
    }
    cJSON_Delete(p->answer);
    pg_diags_free(&p->d);
    free(p->datadir), free(p);
}

static int newest_first(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

static void get_periods(pg_call *c)
{
    pg_host *h = c->h;
    if (pg_call_year(c) != 0) return;
    if (h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
        return;
    }
    if (pg_host_refuse_stuck(h, c->req, NULL)) return;
    int *years = pg_xcalloc((size_t)h->nrules + 1, sizeof *years), n = 0;
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->gen) years[n++] = h->rules[i]->year;
    qsort(years, (size_t)n, sizeof *years, newest_first);
    periods_job *p = pg_xcalloc(1, sizeof *p);
    p->req = c->req;
    p->year = c->gen->rs->year;
    p->datadir = pg_xstrdup(h->cfg.data_dir);
    p->answer = cJSON_CreateObject();
    cJSON_AddNumberToObject(p->answer, "year", p->year);
    cJSON_AddItemToObject(p->answer, "years", cJSON_CreateIntArray(years, n));
    free(years);
    p->job.gen = pg_gen_ref(c->gen);
    p->job.work = find;
    p->job.done = found;
    p->job.what = "periods";
    pg_pool_submit(h->pool, &p->job);
}

const pg_route pg_periods_routes[] = {
    {PG_HTTP_GET, "periods", PG_ROLES_ANY, get_periods},
    {0, NULL, 0, NULL},
};
