/* cmd_template.c — `pinggu template`: the workbook one unit fills in for one scheme and period
 * (issue 16 §3): a row per metric of the unit's own indicators that takes a fed value or a
 * self-report, with its unit of measure, the values allowed and the indicator's scoring
 * standard, laid out so that `pinggu ingest --values` reads it back with no edit but the
 * values typed in. The file is written by a form writer plugin (plugin.h, "Forms"): the xlsx
 * plugin for --format xlsx.
 *
 * Which rows: the scheme's leaf indicators (a scheme of schemes: those of its parts of the
 * same period kind; a monthly part in a year's composite gets forms of its own) that
 * give the unit's group points, whose metric is fed (no `from`), not an evaluator's score and
 * not the flags an authenticity check adds up (pinggu derives those); one row per metric, in
 * the scheme's order. The values allowed follow the metric's unit of measure: a share 0–1, a
 * flag 0 or 1, a count a whole number ≥ 0, days, hours and scores ≥ 0, anything else any
 * number. */
#include "args.h"
#include "cli.h"
#include "plugin.h"
#include "rules.h"
#include "base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: pinggu template --rules DIR --scheme NAME --period P --unit ID --format xlsx\n"
    "                       [--out FILE]\n";

static void range_of(const char *measure, pg_form_row *r)
{
    r->min = r->max = NAN;
    r->whole = 0;
    const char *m = measure ? measure : "";
    if (strcmp(m, "share") == 0)
        r->min = 0, r->max = 1;
    else if (strcmp(m, "flag") == 0)
        r->min = 0, r->max = 1, r->whole = 1;
    else if (strcmp(m, "count") == 0)
        r->min = 0, r->whole = 1;
    else if (strcmp(m, "days") == 0 || strcmp(m, "hours") == 0 || strcmp(m, "score") == 0)
        r->min = 0;
}

/* The tree nodes of scheme s, children before parents; a scheme of schemes: those of its
 * parts of the same period kind. A part of the other kind (the monthly scheme in a year's
 * composite) takes its values per month: it is named on stderr, for a form of its own. */
static void scheme_nodes(const pg_ruleset *rs, int s, int **v, int *n)
{
    const pg_scheme *sc = &rs->schemes[s];
    for (int i = 0; i < sc->norder; i++) {
        *v = pg_xrealloc(*v, sizeof(int) * (size_t)(*n + 1));
        (*v)[(*n)++] = sc->order[i];
    }
    for (int p = 0; p < sc->nparts; p++) {
        int sub = sc->parts[p].scheme;
        if (sub < 0 || sub == s) continue;
        if (rs->schemes[sub].period != sc->period)
            fprintf(stderr,
                    "pinggu template: part %s of scheme %s is the %s scheme %s: its values are "
                    "sent per %s (pinggu template --scheme %s --period %s)\n",
                    sc->parts[p].id, sc->id,
                    rs->schemes[sub].period == PG_PERIOD_MONTH ? "monthly" : "yearly",
                    rs->schemes[sub].id,
                    rs->schemes[sub].period == PG_PERIOD_MONTH ? "month" : "year",
                    rs->schemes[sub].id,
                    rs->schemes[sub].period == PG_PERIOD_MONTH ? "YYYY-MM" : "YYYY");
        else
            scheme_nodes(rs, sub, v, n);
    }
}

int cmd_template(int argc, char **argv)
{
    const char *rules = NULL, *scheme = NULL, *period = NULL, *unit = NULL, *format = NULL;
    const char *out = NULL;
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_REQUIRED("unit", &unit),
                            CLI_REQUIRED("format", &format),
                            CLI_OPTION("out", &out),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    int code = cli_period("template", period);
    if (code < 0) return 2;
    int rc = 1;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_plugins *ps = NULL;
    pg_form_row *rows = NULL;
    int *nodes = NULL, nnodes = 0, nrows = 0;
    char *path = NULL;
    if (pg_ruleset_load(rules, &rs, &d) != 0) goto done;
    int s = pg_strmap_get(&rs->scheme_ids, scheme);
    if (s < 0) {
        pg_error(&d, NULL, 0, "--scheme %s: the rule set has no such scheme", scheme);
        goto done;
    }
    const pg_scheme *sc = &rs->schemes[s];
    if ((sc->period == PG_PERIOD_YEAR) != pg_period_is_year(code)) {
        pg_error(&d, NULL, 0, "--period %s: scheme %s is %s; its periods are %s", period, scheme,
                 sc->period == PG_PERIOD_YEAR ? "yearly" : "monthly",
                 sc->period == PG_PERIOD_YEAR ? "YYYY" : "YYYY-MM");
        goto done;
    }
    int u = pg_unit_find(rs, unit);
    if (u < 0) {
        pg_error(&d, NULL, 0, "--unit %s: not in %s/units.csv", unit, rules);
        goto done;
    }
    const pg_unit *un = &rs->units[u];
    int g = un->group;
    scheme_nodes(rs, s, &nodes, &nnodes);
    for (int i = 0; i < nnodes; i++) {
        const pg_node *nd = &rs->nodes[nodes[i]];
        if (nd->metric < 0 || nd->evaluator || isnan(nd->points[g])) continue;
        const pg_metric *m = &rs->metrics[nd->metric];
        if (m->source >= 0) continue; /* computed from raw records */
        int derived = 0, seen = 0;
        for (int k = 0; k < rs->nmetrics && !derived; k++)
            derived = rs->metrics[k].auth_into == nd->metric;
        for (int k = 0; k < nrows && !seen; k++) seen = strcmp(rows[k].metric, m->id) == 0;
        if (derived || seen) continue;
        rows = pg_xrealloc(rows, sizeof *rows * (size_t)(nrows + 1));
        pg_form_row *r = &rows[nrows++];
        *r = (pg_form_row){.metric = m->id,
                           .metric_name = m->name,
                           .measure = m->unit,
                           .self_report = m->self_report,
                           .indicator = nd->id,
                           .indicator_name = nd->name,
                           .points = nd->points[g],
                           .standard = nd->standard,
                           .source = nd->source};
        range_of(m->unit, r);
    }
    if (nrows == 0) {
        pg_error(&d, NULL, 0,
                 "unit %s (%s) has nothing to fill in for scheme %s: none of its indicators "
                 "takes a fed value or a self-report",
                 un->id, un->name, scheme);
        goto done;
    }
    ps = pg_plugins_load(NULL);
    char why[2048], err[512] = "";
    const pg_plugin_form *fw = pg_plugins_find_form(ps, format, why, sizeof why);
    if (!fw) {
        fprintf(stderr, "pinggu template: %s\n", why);
        goto done;
    }
    char title[512];
    snprintf(title, sizeof title, "%s %s %s 数据报送表（%s）", rs->name ? rs->name : rs->id,
             sc->name ? sc->name : sc->id, period, un->name);
    pg_form f = {.title = title,
                 .ruleset_id = rs->id,
                 .ruleset_name = rs->name,
                 .scheme_id = sc->id,
                 .scheme_name = sc->name,
                 .period = period,
                 .unit_id = un->id,
                 .unit_name = un->name,
                 .group_name = rs->groups[g].name,
                 .rows = rows,
                 .nrows = nrows};
    path = out ? pg_xstrdup(out) : pg_xasprintf("%s-%s-%s.%s", sc->id, period, un->id, format);
    if (fw->write(&f, path, err, sizeof err) != 0) {
        fprintf(stderr, "pinggu template: %s\n", *err ? err : "the form writer failed");
        goto done;
    }
    printf("%s: %d values to fill in for %s (%s), %s %s\n", path, nrows, un->name, un->id, sc->id,
           period);
    rc = 0;
done:
    pg_diags_print(&d, stderr);
    pg_diags_free(&d);
    free(rows);
    free(nodes);
    free(path);
    if (ps) pg_plugins_free(ps);
    pg_ruleset_free(rs);
    return rc;
}
