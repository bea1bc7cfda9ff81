/* helpers.c — see helpers.h. */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

pg_ruleset *fx_load(const char *name)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", FIXTURES, name);
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    int rc = pg_ruleset_load(dir, &rs, &d);
    if (rc != 0 || !rs) {
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        fail_msg("fixture '%s' does not load (rc %d)", name, rc);
    }
    pg_diags_free(&d);
    return rs;
}

const char *fx_path(const char *name, const char *file)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s/%s", FIXTURES, name, file);
    return buf;
}

int fx_line_of(const char *path, const char *marker)
{
    FILE *fp = fopen(path, "r");
    if (!fp) fail_msg("cannot open %s", path);
    char line[4096];
    int n = 0, found = 0;
    while (fgets(line, sizeof line, fp)) {
        n++;
        if (strstr(line, marker)) {
            found = n;
            break;
        }
    }
    fclose(fp);
    if (!found) fail_msg("%s has no line with %s", path, marker);
    return found;
}

int fx_node(const pg_ruleset *rs, const char *id)
{
    int i = pg_strmap_get(&rs->node_ids, id);
    if (i < 0) fail_msg("no indicator '%s'", id);
    return i;
}

int fx_unit(const pg_ruleset *rs, const char *id)
{
    int i = pg_unit_find(rs, id);
    if (i < 0) fail_msg("no unit '%s'", id);
    return i;
}

int fx_metric(const pg_ruleset *rs, const char *id)
{
    int i = pg_strmap_get(&rs->metric_ids, id);
    if (i < 0) fail_msg("no metric '%s'", id);
    return i;
}

int fx_scheme(const pg_ruleset *rs, const char *id)
{
    int i = pg_strmap_get(&rs->scheme_ids, id);
    if (i < 0) fail_msg("no scheme '%s'", id);
    return i;
}

int fx_period(const char *s)
{
    int p = pg_period_parse(s);
    if (p < 0) fail_msg("bad period '%s'", s);
    return p;
}

int fx_part(const pg_ruleset *rs, int scheme, const char *id)
{
    const pg_scheme *s = &rs->schemes[scheme];
    for (int k = 0; k < s->nparts; k++)
        if (strcmp(s->parts[k].id, id) == 0) return k;
    fail_msg("scheme '%s' has no part '%s'", s->id, id);
    return -1;
}

void fx_set(const pg_ruleset *rs, pg_dataset *ds, const char *period, const char *metric,
            const char *unit, double value, double n)
{
    int rc =
        pg_dataset_set(ds, fx_period(period), fx_metric(rs, metric), fx_unit(rs, unit), value, n);
    if (rc != 0) fail_msg("pg_dataset_set(%s, %s, %s) = %d", period, metric, unit, rc);
}

pg_result *fx_eval(const pg_ruleset *rs, const pg_dataset *ds, const char *scheme,
                   const char *period)
{
    pg_diags d = {0};
    pg_result *res = NULL;
    int rc = pg_eval(rs, ds, fx_scheme(rs, scheme), fx_period(period), &res, &d);
    if (rc != 0 || !res) {
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        fail_msg("pg_eval(%s, %s) = %d", scheme, period, rc);
    }
    pg_diags_free(&d);
    return res;
}

const pg_cell *fx_cell(const pg_result *res, const char *node, const char *unit)
{
    assert_non_null(res->cells);
    return pg_result_cell(res, fx_node(res->rs, node), fx_unit(res->rs, unit));
}

const pg_unit_result *fx_ur(const pg_result *res, const char *unit)
{
    return &res->units[fx_unit(res->rs, unit)];
}

double fx_partv(const pg_result *res, const char *unit, const char *part)
{
    return pg_result_part(res, fx_unit(res->rs, unit), fx_part(res->rs, res->scheme, part));
}

double fx_lost(const pg_result *res, const char *node, const char *unit)
{
    return pg_result_lost(res, fx_node(res->rs, node), fx_unit(res->rs, unit));
}

const char *fx_note(const pg_result *res, int note)
{
    const char *s = pg_result_note(res, note);
    return s ? s : "";
}

void fx_feed_thin(const pg_ruleset *rs, pg_dataset *ds)
{
    static const struct {
        const char *unit;
        double v[4]; /* pa1, pa2, pb1, pb2 */
    } rows[] = {
        /* clang-format off */
        /* unit       pa1   pa2  pb1  pb2 */
        {"full",   {1,    1,   1,   1}},
        {"half",   {0.5,  NAN, 1,   0.5}},
        {"at",     {1,    NAN, NAN, 1}},
        {"low",    {0.25, 0.5, 0.5, 0}},
        {"thin",   {NAN,  NAN, NAN, 1}},
        {"nested", {NAN,  1,   1,   1}},
        {"c1",     {NAN,  NAN, NAN, 1}},
        /* clang-format on */
    };
    static const char *const metrics[4] = {"ma1", "ma2", "mb1", "mb2"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fx_v(rs, ds, "2021-05", "mm1", rows[i].unit, 0.8);
        for (int k = 0; k < 4; k++)
            if (!isnan(rows[i].v[k]))
                fx_v(rs, ds, "2021-05", metrics[k], rows[i].unit, rows[i].v[k]);
    }
}
