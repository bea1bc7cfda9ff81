/* dataset.c — dense per-period matrices of metric values, and the sorted lists of evaluator
 * scores and appeal adjustments beside them.
 *
 * Each period present holds two nmetrics × nunits arrays (value, n), NAN where absent. That
 * costs 16 bytes a cell but makes evaluation a plain array read: 3,000 units × 150 metrics
 * is 7 MB a period. Files are parsed into a staging list first and applied only when the
 * whole file is clean, so a bad row never leaves half a file behind. */
#include "data.h"
#include "base.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_ERRORS 20

typedef struct {
    int code;
    double *v, *n;
    long count;
} period_data;

/* Sorted by (period, node, unit, id), so a cell's entries are adjacent and found by bisection. */
typedef struct {
    pg_given *v;
    int n;
} given_list;

struct pg_dataset {
    const pg_ruleset *rs;
    size_t cells; /* of each period's arrays: rs's nmetrics × nunits */
    period_data *periods;
    int nperiods;
    long count;
    given_list scores, adjustments;
    period_data *spare; /* an older dataset's arrays, for new periods (pg_dataset_new_reusing) */
    int nspare;
};

pg_dataset *pg_dataset_new(const pg_ruleset *rs)
{
    pg_dataset *ds = pg_xcalloc(1, sizeof *ds);
    ds->rs = rs;
    ds->cells = (size_t)rs->nmetrics * (size_t)rs->nunits;
    return ds;
}

pg_dataset *pg_dataset_new_reusing(const pg_ruleset *rs, pg_dataset *old)
{
    pg_dataset *ds = pg_dataset_new(rs);
    if (old && old->cells == ds->cells) {
        ds->spare = old->periods, ds->nspare = old->nperiods;
        old->periods = NULL, old->nperiods = 0;
    }
    pg_dataset_free(old);
    return ds;
}

void pg_dataset_drop_spare(pg_dataset *ds)
{
    for (int i = 0; i < ds->nspare; i++) free(ds->spare[i].v), free(ds->spare[i].n);
    free(ds->spare);
    ds->spare = NULL, ds->nspare = 0;
}

void pg_dataset_free(pg_dataset *ds)
{
    if (!ds) return;
    pg_dataset_drop_spare(ds);
    for (int i = 0; i < ds->nperiods; i++) free(ds->periods[i].v), free(ds->periods[i].n);
    free(ds->periods);
    for (int i = 0; i < ds->scores.n; i++) free(ds->scores.v[i].reason);
    for (int i = 0; i < ds->adjustments.n; i++) free(ds->adjustments.v[i].reason);
    free(ds->scores.v), free(ds->adjustments.v);
    free(ds);
}

static period_data *find_period(const pg_dataset *ds, int code)
{
    for (int i = 0; i < ds->nperiods; i++)
        if (ds->periods[i].code == code) return &ds->periods[i];
    return NULL;
}

static period_data *period_for(pg_dataset *ds, int code)
{
    period_data *p = find_period(ds, code);
    if (p) return p;
    ds->periods = pg_xrealloc(ds->periods, sizeof(period_data) * (size_t)(ds->nperiods + 1));
    p = &ds->periods[ds->nperiods++];
    size_t cells = ds->cells;
    p->code = code;
    p->count = 0;
    if (ds->nspare) {
        const period_data *o = &ds->spare[--ds->nspare];
        p->v = o->v, p->n = o->n;
    } else {
        p->v = pg_xmalloc(sizeof(double) * (cells ? cells : 1));
        p->n = pg_xmalloc(sizeof(double) * (cells ? cells : 1));
    }
    for (size_t i = 0; i < cells; i++) p->v[i] = p->n[i] = NAN;
    return p;
}

int pg_dataset_set(pg_dataset *ds, int period, int metric, int unit, double value, double n)
{
    period_data *p = period_for(ds, period);
    size_t at = (size_t)metric * (size_t)ds->rs->nunits + (size_t)unit;
    if (!isnan(p->v[at])) return -EEXIST;
    p->v[at] = value;
    p->n[at] = n;
    p->count++;
    ds->count++;
    return 0;
}

void pg_dataset_put(pg_dataset *ds, int period, int metric, int unit, double value, double n)
{
    period_data *p = period_for(ds, period);
    size_t at = (size_t)metric * (size_t)ds->rs->nunits + (size_t)unit;
    if (isnan(p->v[at])) p->count++, ds->count++;
    p->v[at] = value;
    p->n[at] = n;
}

/* ---- scores and adjustments ---- */

static int cmp_key(int period, int node, int unit, long id, const pg_given *g)
{
    if (period != g->period) return period < g->period ? -1 : 1;
    if (node != g->node) return node < g->node ? -1 : 1;
    if (unit != g->unit) return unit < g->unit ? -1 : 1;
    return id < g->id ? -1 : id > g->id;
}

/* The first entry not below (period, node, unit, id). */
static int lower_bound(const given_list *l, int period, int node, int unit, long id)
{
    int lo = 0, hi = l->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cmp_key(period, node, unit, id, &l->v[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void insert_at(given_list *l, int at, pg_given g)
{
    l->v = pg_xrealloc(l->v, sizeof(pg_given) * (size_t)(l->n + 1));
    memmove(&l->v[at + 1], &l->v[at], sizeof(pg_given) * (size_t)(l->n - at));
    l->v[at] = g;
    l->n++;
}

int pg_dataset_add_score(pg_dataset *ds, int period, int node, int unit, double points, long id,
                         const char *reason)
{
    if (pg_dataset_score(ds, period, node, unit)) return -EEXIST;
    int at = lower_bound(&ds->scores, period, node, unit, id);
    insert_at(&ds->scores, at,
              (pg_given){unit, period, node, points, id, pg_xstrdup(reason ? reason : "")});
    return 0;
}

const pg_given *pg_dataset_score(const pg_dataset *ds, int period, int node, int unit)
{
    int at = lower_bound(&ds->scores, period, node, unit, LONG_MIN);
    if (at < ds->scores.n) {
        const pg_given *g = &ds->scores.v[at];
        if (g->period == period && g->node == node && g->unit == unit) return g;
    }
    return NULL;
}

int pg_dataset_add_adjustment(pg_dataset *ds, int period, int node, int unit, double delta, long id,
                              const char *reason)
{
    given_list *l = &ds->adjustments;
    int at = lower_bound(l, period, node, unit, id);
    if (at < l->n && cmp_key(period, node, unit, id, &l->v[at]) == 0) return -EEXIST;
    insert_at(l, at, (pg_given){unit, period, node, delta, id, pg_xstrdup(reason ? reason : "")});
    return 0;
}

int pg_dataset_adjustments(const pg_dataset *ds, int period, int node, int unit,
                           const pg_given **first)
{
    const given_list *l = &ds->adjustments;
    int at = lower_bound(l, period, node, unit, LONG_MIN), k = at;
    while (k < l->n && l->v[k].period == period && l->v[k].node == node && l->v[k].unit == unit)
        k++;
    *first = k > at ? &l->v[at] : NULL;
    return k - at;
}

int pg_dataset_nscores(const pg_dataset *ds)
{
    return ds->scores.n;
}

int pg_dataset_nadjustments(const pg_dataset *ds)
{
    return ds->adjustments.n;
}

int pg_dataset_get(const pg_dataset *ds, int period, int metric, int unit, double *value, double *n)
{
    const period_data *p = find_period(ds, period);
    if (!p) return 0;
    size_t at = (size_t)metric * (size_t)ds->rs->nunits + (size_t)unit;
    if (isnan(p->v[at])) return 0;
    *value = p->v[at];
    *n = p->n[at];
    return 1;
}

int pg_dataset_has_period(const pg_dataset *ds, int period)
{
    const period_data *p = find_period(ds, period);
    if (p && p->count > 0) return 1;
    /* a period scored only by evaluators is still a period with data */
    for (int i = 0; i < ds->scores.n; i++)
        if (ds->scores.v[i].period == period) return 1;
    return 0;
}

long pg_dataset_count(const pg_dataset *ds)
{
    return ds->count;
}

/* ---- as JSON ---- */

static int cmp_period(const void *a, const void *b)
{
    return ((const period_data *)a)->code - ((const period_data *)b)->code;
}

static void given_json(cJSON *o, const char *key, const pg_ruleset *rs, const given_list *l)
{
    if (l->n == 0) return;
    cJSON *arr = cJSON_AddArrayToObject(o, key);
    for (int i = 0; i < l->n; i++) {
        const pg_given *g = &l->v[i];
        char pbuf[PG_PERIOD_BUF];
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(rs->units[g->unit].id));
        cJSON_AddItemToArray(row, cJSON_CreateString(pg_period_format(g->period, pbuf)));
        cJSON_AddItemToArray(row, cJSON_CreateString(rs->nodes[g->node].id));
        cJSON_AddItemToArray(row, cJSON_CreateNumber(g->points));
        cJSON_AddItemToArray(row, cJSON_CreateString(g->reason));
        cJSON_AddItemToArray(row, cJSON_CreateNumber((double)g->id));
        cJSON_AddItemToArray(arr, row);
    }
}

cJSON *pg_dataset_to_json(const pg_dataset *ds)
{
    period_data *order = pg_xmalloc(sizeof(period_data) * (size_t)(ds->nperiods + 1));
    if (ds->nperiods) memcpy(order, ds->periods, sizeof(period_data) * (size_t)ds->nperiods);
    qsort(order, (size_t)ds->nperiods, sizeof *order, cmp_period);
    cJSON *o = cJSON_CreateObject(), *values = cJSON_AddArrayToObject(o, "values");
    const pg_ruleset *rs = ds->rs;
    for (int i = 0; i < ds->nperiods; i++) {
        char pbuf[16];
        pg_period_format(order[i].code, pbuf);
        for (int m = 0; m < rs->nmetrics; m++)
            for (int u = 0; u < rs->nunits; u++) {
                size_t at = (size_t)m * (size_t)rs->nunits + (size_t)u;
                if (isnan(order[i].v[at])) continue;
                cJSON *row = cJSON_CreateArray();
                cJSON_AddItemToArray(row, cJSON_CreateString(rs->units[u].id));
                cJSON_AddItemToArray(row, cJSON_CreateString(pbuf));
                cJSON_AddItemToArray(row, cJSON_CreateString(rs->metrics[m].id));
                cJSON_AddItemToArray(row, cJSON_CreateNumber(order[i].v[at]));
                cJSON_AddItemToArray(row, isnan(order[i].n[at])
                                              ? cJSON_CreateNull()
                                              : cJSON_CreateNumber(order[i].n[at]));
                cJSON_AddItemToArray(values, row);
            }
    }
    free(order);
    given_json(o, "scores", ds->rs, &ds->scores);
    given_json(o, "adjustments", ds->rs, &ds->adjustments);
    return o;
}

/* ---- as JSON text, without the tree ---- */

/* A growing text. */
typedef struct {
    char *p;
    size_t len, cap;
} text;

static char *room(text *t, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = pg_text_cap(t->cap, t->len + n + 1);
        t->p = pg_xrealloc(t->p, t->cap);
    }
    return t->p + t->len;
}

static void put(text *t, const char *s, size_t n)
{
    memcpy(room(t, n), s, n);
    t->len += n;
}

/* cJSON's print_string_ptr: '"', '\\' and the control characters escaped (\u00xx in lower
 * case but for the five with a short form), every other byte as it is. */
static void put_str(text *t, const char *s)
{
    put(t, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        char e[8];
        const char *short_form = *c == '"'    ? "\\\""
                                 : *c == '\\' ? "\\\\"
                                 : *c == '\b' ? "\\b"
                                 : *c == '\f' ? "\\f"
                                 : *c == '\n' ? "\\n"
                                 : *c == '\r' ? "\\r"
                                 : *c == '\t' ? "\\t"
                                              : NULL;
        if (short_form)
            put(t, short_form, 2);
        else if (*c < 32)
            put(t, e, (size_t)snprintf(e, sizeof e, "\\u%04x", *c));
        else
            put(t, (const char *)c, 1);
    }
    put(t, "\"", 1);
}

/* cJSON 1.7.15's print_number, byte for byte (core/base/json_print.c). */
static void put_num(text *t, double d)
{
    char b[PG_JSON_NUMBER_BUF];
    put(t, b, (size_t)pg_json_number(b, d));
}

static void given_text(text *t, const char *key, const pg_ruleset *rs, const given_list *l)
{
    if (l->n == 0) return;
    put(t, ",\"", 2), put(t, key, strlen(key)), put(t, "\":[", 3);
    for (int i = 0; i < l->n; i++) {
        const pg_given *g = &l->v[i];
        char pbuf[PG_PERIOD_BUF];
        put(t, i ? ",[" : "[", i ? 2 : 1);
        put_str(t, rs->units[g->unit].id), put(t, ",", 1);
        put_str(t, pg_period_format(g->period, pbuf)), put(t, ",", 1);
        put_str(t, rs->nodes[g->node].id), put(t, ",", 1);
        put_num(t, g->points), put(t, ",", 1);
        put_str(t, g->reason), put(t, ",", 1);
        put_num(t, (double)g->id), put(t, "]", 1);
    }
    put(t, "]", 1);
}

char *pg_dataset_to_text(const pg_dataset *ds)
{
    period_data *order = pg_xmalloc(sizeof(period_data) * (size_t)(ds->nperiods + 1));
    if (ds->nperiods) memcpy(order, ds->periods, sizeof(period_data) * (size_t)ds->nperiods);
    qsort(order, (size_t)ds->nperiods, sizeof *order, cmp_period);
    const pg_ruleset *rs = ds->rs;
    text t = {0};
    put(&t, "{\"values\":[", 11);
    int first = 1;
    for (int i = 0; i < ds->nperiods; i++) {
        char pbuf[PG_PERIOD_BUF];
        pg_period_format(order[i].code, pbuf);
        for (int m = 0; m < rs->nmetrics; m++)
            for (int u = 0; u < rs->nunits; u++) {
                size_t at = (size_t)m * (size_t)rs->nunits + (size_t)u;
                if (isnan(order[i].v[at])) continue;
                put(&t, first ? "[" : ",[", first ? 1 : 2);
                first = 0;
                put_str(&t, rs->units[u].id), put(&t, ",", 1);
                put_str(&t, pbuf), put(&t, ",", 1);
                put_str(&t, rs->metrics[m].id), put(&t, ",", 1);
                put_num(&t, order[i].v[at]), put(&t, ",", 1);
                put_num(&t, order[i].n[at]), put(&t, "]", 1);
            }
    }
    free(order);
    put(&t, "]", 1);
    given_text(&t, "scores", rs, &ds->scores);
    given_text(&t, "adjustments", rs, &ds->adjustments);
    put(&t, "}", 1);
    *room(&t, 0) = 0;
    return t.p;
}

static void digest_str(EVP_MD_CTX *c, const char *s)
{
    EVP_DigestUpdate(c, s ? s : "", strlen(s ? s : "") + 1);
}

static void digest_given(EVP_MD_CTX *c, const given_list *l)
{
    EVP_DigestUpdate(c, &l->n, sizeof l->n);
    for (int i = 0; i < l->n; i++) {
        const pg_given *g = &l->v[i];
        EVP_DigestUpdate(c, &g->unit, sizeof g->unit);
        EVP_DigestUpdate(c, &g->period, sizeof g->period);
        EVP_DigestUpdate(c, &g->node, sizeof g->node);
        EVP_DigestUpdate(c, &g->points, sizeof g->points);
        EVP_DigestUpdate(c, &g->id, sizeof g->id);
        digest_str(c, g->reason);
    }
}

void pg_dataset_digest(const pg_dataset *ds, char hex[65])
{
    const pg_ruleset *rs = ds->rs;
    period_data *order = pg_xmalloc(sizeof(period_data) * (size_t)(ds->nperiods + 1));
    if (ds->nperiods) memcpy(order, ds->periods, sizeof(period_data) * (size_t)ds->nperiods);
    qsort(order, (size_t)ds->nperiods, sizeof *order, cmp_period);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) abort(); /* out of memory */
    size_t cells = (size_t)rs->nmetrics * (size_t)rs->nunits;
    EVP_DigestUpdate(c, &ds->nperiods, sizeof ds->nperiods);
    EVP_DigestUpdate(c, &cells, sizeof cells);
    for (int i = 0; i < ds->nperiods; i++) {
        EVP_DigestUpdate(c, &order[i].code, sizeof order[i].code);
        EVP_DigestUpdate(c, order[i].v, cells * sizeof(double));
        EVP_DigestUpdate(c, order[i].n, cells * sizeof(double));
    }
    free(order);
    for (int u = 0; u < rs->nunits; u++) digest_str(c, rs->units[u].id);
    for (int m = 0; m < rs->nmetrics; m++) digest_str(c, rs->metrics[m].id);
    for (int k = 0; k < rs->nnodes; k++) digest_str(c, rs->nodes[k].id);
    digest_given(c, &ds->scores);
    digest_given(c, &ds->adjustments);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_DigestFinal_ex(c, md, &len) || len != 32) abort();
    EVP_MD_CTX_free(c);
    pg_hex32(md, hex);
}

static void hash_given_of(pg_sha256 *h, const given_list *l, int period)
{
    int i = lower_bound(l, period, INT_MIN, INT_MIN, LONG_MIN), from = i;
    for (; i < l->n && l->v[i].period == period; i++) {
        const pg_given *g = &l->v[i];
        pg_sha256_add(h, &g->node, sizeof g->node), pg_sha256_add(h, &g->unit, sizeof g->unit);
        pg_sha256_add(h, &g->points, sizeof g->points), pg_sha256_add(h, &g->id, sizeof g->id);
        pg_sha256_add(h, g->reason ? g->reason : "", strlen(g->reason ? g->reason : "") + 1);
    }
    int n = i - from;
    pg_sha256_add(h, &n, sizeof n);
}

void pg_dataset_period_hash(const pg_dataset *ds, int period, pg_sha256 *h)
{
    const period_data *p = find_period(ds, period);
    size_t cells = (size_t)ds->rs->nmetrics * (size_t)ds->rs->nunits;
    int present = p != NULL;
    pg_sha256_add(h, &period, sizeof period), pg_sha256_add(h, &present, sizeof present);
    if (p) {
        pg_sha256_add(h, p->v, cells * sizeof(double));
        pg_sha256_add(h, p->n, cells * sizeof(double));
    }
    hash_given_of(h, &ds->scores, period);
    hash_given_of(h, &ds->adjustments, period);
}

void pg_dataset_carry_hash(const pg_dataset *ds, int month, int back, const double *min_n,
                           pg_sha256 *h)
{
    const period_data *m = find_period(ds, month);
    size_t nunits = (size_t)ds->rs->nunits;
    for (int b = 1, p = pg_period_prev(month); b <= back; b++, p = pg_period_prev(p)) {
        const period_data *from = find_period(ds, p);
        int present = from != NULL;
        pg_sha256_add(h, &p, sizeof p), pg_sha256_add(h, &present, sizeof present);
        for (int k = 0; from && k < ds->rs->nmetrics; k++) {
            if (isnan(min_n[k])) continue;
            for (size_t i = (size_t)k * nunits; i < (size_t)(k + 1) * nunits; i++) {
                if (m && !isnan(m->v[i]) && m->n[i] != 0 && !(m->n[i] < min_n[k])) continue;
                pg_sha256_add(h, &from->v[i], sizeof from->v[i]);
                pg_sha256_add(h, &from->n[i], sizeof from->n[i]);
            }
        }
        hash_given_of(h, &ds->scores, p);
    }
}

/* Reads "scores" or "adjustments" (absent: none). */
static int given_from_json(pg_dataset *ds, const cJSON *json, const char *key, const char *what,
                           pg_diags *d)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(json, key);
    if (!arr) return 0;
    if (!cJSON_IsArray(arr)) {
        pg_error(d, what, 0, "frozen inputs: \"%s\" is not an array", key);
        return -EINVAL;
    }
    int i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, arr)
    {
        const cJSON *c[6];
        for (int k = 0; k < 6; k++) c[k] = cJSON_GetArrayItem(row, k);
        int u = cJSON_IsString(c[0]) ? pg_unit_find(ds->rs, c[0]->valuestring) : -1;
        int p = cJSON_IsString(c[1]) ? pg_period_parse(c[1]->valuestring) : -1;
        int node = cJSON_IsString(c[2]) ? pg_strmap_get(&ds->rs->node_ids, c[2]->valuestring) : -1;
        int ok = u >= 0 && p >= 0 && node >= 0 && cJSON_IsNumber(c[3]) && cJSON_IsString(c[4]) &&
                 cJSON_IsNumber(c[5]);
        if (ok) {
            long id = (long)c[5]->valuedouble;
            ok = (strcmp(key, "scores") == 0
                      ? pg_dataset_add_score(ds, p, node, u, c[3]->valuedouble, id,
                                             c[4]->valuestring)
                      : pg_dataset_add_adjustment(ds, p, node, u, c[3]->valuedouble, id,
                                                  c[4]->valuestring)) == 0;
        }
        if (!ok) {
            pg_error(d, what, 0,
                     "frozen inputs: %s entry %d is not [unit, period, indicator, points, "
                     "reason, id] of this rule set, or repeats one",
                     key, i + 1);
            return -EINVAL;
        }
        i++;
    }
    return 0;
}

/* Value i (1-based) of the frozen inputs, [unit, period, metric, value, n], into ds. */
static int value_row(pg_dataset *ds, const cJSON *row, int i, const char *what, pg_diags *d)
{
    const cJSON *c[5];
    for (int k = 0; k < 5; k++) c[k] = cJSON_GetArrayItem(row, k);
    int u = cJSON_IsString(c[0]) ? pg_unit_find(ds->rs, c[0]->valuestring) : -1;
    int p = cJSON_IsString(c[1]) ? pg_period_parse(c[1]->valuestring) : -1;
    int m = cJSON_IsString(c[2]) ? pg_strmap_get(&ds->rs->metric_ids, c[2]->valuestring) : -1;
    if (u < 0 || p < 0 || m < 0 || !cJSON_IsNumber(c[3]) ||
        !(cJSON_IsNumber(c[4]) || cJSON_IsNull(c[4])) ||
        pg_dataset_set(ds, p, m, u, c[3]->valuedouble,
                       cJSON_IsNumber(c[4]) ? c[4]->valuedouble : NAN) != 0) {
        pg_error(d, what, 0,
                 "frozen inputs: value %d is not [unit, period, metric, value, n] of this rule "
                 "set, or repeats a cell",
                 i);
        return -EINVAL;
    }
    return 0;
}

int pg_dataset_from_json(pg_dataset *ds, const cJSON *json, const char *what, pg_diags *d)
{
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(json, "values");
    if (!cJSON_IsArray(values)) {
        pg_error(d, what, 0, "frozen inputs: no \"values\" array");
        return -EINVAL;
    }
    int i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, values) if (value_row(ds, row, ++i, what, d) != 0) return -EINVAL;
    if (given_from_json(ds, json, "scores", what, d) != 0) return -EINVAL;
    return given_from_json(ds, json, "adjustments", what, d);
}

/* pg_dataset_from_text's reader: each value into the dataset, the other members kept whole
 * (a few hundred scores and adjustments) for given_from_json. */
typedef struct {
    pg_dataset *ds;
    cJSON *rest;
    int n, have_values;
    const char *what;
    pg_diags *d;
} text_reader;

static int read_member(void *arg, const char *key, const char *val, size_t len)
{
    text_reader *r = arg;
    cJSON *v = val ? cJSON_ParseWithLength(val, len) : NULL;
    if (val && !v) return -1;
    if (strcmp(key, "values") != 0) {
        cJSON_AddItemToObject(r->rest, key, v);
        return 0;
    }
    r->have_values = 1;
    int rc = v ? value_row(r->ds, v, ++r->n, r->what, r->d) : 0;
    cJSON_Delete(v);
    return rc;
}

int pg_dataset_from_text(pg_dataset *ds, const char *json, const char *what, pg_diags *d)
{
    text_reader r = {ds, cJSON_CreateObject(), 0, 0, what, d};
    size_t at = 0;
    /* value by value: the whole "values" array as one tree took 1.4 GB at 3,003 units */
    int rc = pg_json_each_member(json, "values", read_member, &r, &at);
    if (rc == -1) {
        pg_error(d, what, 0, "frozen inputs: not JSON of their form (at byte %zu)", at);
        rc = -EINVAL;
    } else if (rc == 0 && !r.have_values) {
        pg_error(d, what, 0, "frozen inputs: no \"values\" array");
        rc = -EINVAL;
    }
    if (rc == 0 && given_from_json(ds, r.rest, "scores", what, d) != 0) rc = -EINVAL;
    if (rc == 0 && given_from_json(ds, r.rest, "adjustments", what, d) != 0) rc = -EINVAL;
    cJSON_Delete(r.rest);
    return rc;
}

/* ---- reading a file ---- */

enum { C_UNIT, C_PERIOD, C_METRIC, C_VALUE, C_N, NCOLS };
static const char *const columns[NCOLS] = {"unit", "period", "metric", "value", "n"};

typedef struct {
    int period, metric, unit, line;
    double value, n;
} staged;

typedef struct {
    pg_dataset *ds;
    pg_diags *d;
    const char *path;
    int col[NCOLS];
    int header_done, errors;
    staged *rows;
    int nrows, cap;
} file_reader;

#define ROW_ERR(r, row, c, ...)                                                                    \
    pg_diag_add((r)->d, PG_ERROR, (r)->path, (row)->line, (r)->col[c] + 1, __VA_ARGS__)

/* A plain decimal number: strtod alone would also take hex, "nan" and "inf". */
static int parse_number(const char *s, double *out)
{
    char *end;
    if (!*s || s[strspn(s, "0123456789+-.eE")] != '\0') return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int read_header(file_reader *r, const pg_csvrow *row)
{
    for (int c = 0; c < NCOLS; c++) {
        r->col[c] = -1;
        for (int i = 0; i < row->n; i++)
            if (strcmp(row->f[i], columns[c]) == 0) r->col[c] = i;
        if (r->col[c] < 0 && c != C_N) {
            pg_error(r->d, r->path, row->line,
                     "the header has no '%s' column (expected unit,period,metric,value[,n])",
                     columns[c]);
            return 1;
        }
    }
    return 0;
}

static int on_row(void *ud, const pg_csvrow *row)
{
    file_reader *r = ud;
    const pg_ruleset *rs = r->ds->rs;
    if (!r->header_done) {
        r->header_done = 1;
        return read_header(r, row);
    }
    int before = r->d->errors;
    const char *f[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        f[c] = r->col[c] >= 0 && r->col[c] < row->n ? row->f[r->col[c]] : "";
    staged s = {.line = row->line, .n = NAN};
    if ((s.unit = pg_unit_find(rs, f[C_UNIT])) < 0)
        ROW_ERR(r, row, C_UNIT, "unit: '%s' is not in units.csv (as id, code, name or alias)",
                f[C_UNIT]);
    if ((s.period = pg_period_parse(f[C_PERIOD])) < 0)
        ROW_ERR(r, row, C_PERIOD, "period: '%s' is not YYYY-MM or YYYY", f[C_PERIOD]);
    if ((s.metric = pg_strmap_get(&rs->metric_ids, f[C_METRIC])) < 0)
        ROW_ERR(r, row, C_METRIC, "metric: '%s' is not declared in the rules", f[C_METRIC]);
    if (parse_number(f[C_VALUE], &s.value) != 0)
        ROW_ERR(r, row, C_VALUE,
                "value: '%s' is not a number (leave the row out when there is no value)",
                f[C_VALUE]);
    if (r->col[C_N] >= 0 && *f[C_N] &&
        (parse_number(f[C_N], &s.n) != 0 || s.n < 0 || s.n != floor(s.n)))
        ROW_ERR(r, row, C_N, "n: '%s' is not a sample size (a whole number, 0 or more)", f[C_N]);
    if (r->d->errors > before) return ++r->errors >= MAX_FILE_ERRORS;
    if (r->nrows == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->rows = pg_xrealloc(r->rows, sizeof(staged) * (size_t)r->cap);
    }
    r->rows[r->nrows++] = s;
    return 0;
}

static int cmp_staged(const void *a, const void *b)
{
    const staged *x = a, *y = b;
    if (x->period != y->period) return x->period < y->period ? -1 : 1;
    if (x->metric != y->metric) return x->metric < y->metric ? -1 : 1;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int pg_dataset_load_file(pg_dataset *ds, const char *path, pg_diags *d)
{
    file_reader r = {.ds = ds, .d = d, .path = path};
    int before = d->errors;
    int rc = pg_csv_read(path, on_row, &r, d);
    if (r.errors >= MAX_FILE_ERRORS)
        pg_error(d, path, 0, "too many errors; stopped reading this file");
    if (rc == 0 && d->errors == before) {
        /* Duplicates inside the file or against what is stored: check before applying. */
        if (r.nrows) qsort(r.rows, (size_t)r.nrows, sizeof(staged), cmp_staged);
        for (int i = 0; i < r.nrows; i++) {
            staged *s = &r.rows[i];
            double v, n;
            if (i > 0 && s->period == s[-1].period && s->metric == s[-1].metric &&
                s->unit == s[-1].unit) {
                char p[PG_PERIOD_BUF];
                pg_diag_add(d, PG_ERROR, path, s->line, r.col[C_UNIT] + 1,
                            "duplicate: %s %s %s was already given on line %d",
                            ds->rs->units[s->unit].id, pg_period_format(s->period, p),
                            ds->rs->metrics[s->metric].id, s[-1].line);
            } else if (pg_dataset_get(ds, s->period, s->metric, s->unit, &v, &n)) {
                char p[PG_PERIOD_BUF];
                pg_diag_add(d, PG_ERROR, path, s->line, r.col[C_UNIT] + 1,
                            "duplicate: %s %s %s is already given by an earlier file",
                            ds->rs->units[s->unit].id, pg_period_format(s->period, p),
                            ds->rs->metrics[s->metric].id);
            }
        }
    }
    if (rc == 0 && d->errors == before)
        for (int i = 0; i < r.nrows; i++)
            pg_dataset_set(ds, r.rows[i].period, r.rows[i].metric, r.rows[i].unit, r.rows[i].value,
                           r.rows[i].n);
    free(r.rows);
    if (rc < 0) return rc;
    return d->errors > before ? -EINVAL : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fed files of a data directory: every *.csv directly in it, dot files aside, in name
 * order. Returns the count (names malloc'd), or a negative errno if it cannot be opened. */
static int csv_names(const char *dir, char ***out)
{
    DIR *dp = opendir(dir);
    if (!dp) return -errno;
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0 || e->d_name[0] == '.') continue;
        names = pg_xrealloc(names, sizeof(char *) * (size_t)(n + 1));
        names[n++] = pg_xstrdup(e->d_name);
    }
    closedir(dp);
    if (n) qsort(names, (size_t)n, sizeof(char *), cmp_str);
    *out = names;
    return n;
}

int pg_dataset_load_dir(pg_dataset *ds, const char *dir, pg_diags *d)
{
    char **names = NULL;
    int n = csv_names(dir, &names);
    if (n == -ENOTDIR) {
        pg_error(d, dir, 0,
                 "this is a file, and a data directory is expected: every *.csv in it is read as "
                 "fed values, with the batches ingested into it; to evaluate one file alone, put "
                 "it in a directory of its own");
        return n;
    }
    if (n < 0) {
        pg_error(d, dir, 0, "cannot open the data directory: %s", strerror(-n));
        return n;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char *path = pg_xasprintf("%s/%s", dir, names[i]);
        if (pg_dataset_load_file(ds, path, d) != 0) rc = -EINVAL;
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

typedef struct {
    const pg_ruleset *rs;
    const char *path, *metric, *period;
    int unit, found;
    char ***lines;
    int *n;
} row_search;

static int match_row(void *ud, const pg_csvrow *row)
{
    row_search *rs = ud;
    if (row->line == 1 || row->n < 4) return 0;
    if (strcmp(row->f[2], rs->metric) != 0 || strcmp(row->f[1], rs->period) != 0) return 0;
    if (pg_unit_find(rs->rs, row->f[0]) != rs->unit) return 0;
    *rs->lines = pg_xrealloc(*rs->lines, sizeof(char *) * (size_t)(*rs->n + 1));
    (*rs->lines)[(*rs->n)++] = pg_xasprintf("%s:%d", rs->path, row->line);
    rs->found++;
    return 0;
}

int pg_dataset_fed_rows(const pg_ruleset *rs, const char *dir, int metric, int unit, int period,
                        char ***lines, int *n)
{
    char **names = NULL;
    int nn = metric < 0 || unit < 0 ? 0 : csv_names(dir, &names), found = 0;
    char pbuf[PG_PERIOD_BUF];
    for (int i = 0; i < nn; i++) {
        char *path = pg_xasprintf("%s/%s", dir, names[i]);
        row_search r = {
            rs, path, rs->metrics[metric].id, pg_period_format(period, pbuf), unit, 0, lines, n};
        pg_diags d = {0};
        pg_csv_read(path, match_row, &r, &d);
        pg_diags_free(&d);
        found += r.found;
        free(path);
        free(names[i]);
    }
    free(names);
    return found;
}
