/* cmd_explain.c — `pinggu explain`: evaluate one scheme and period, then print one unit's full
 * trace (core/report/explain.c), or only one indicator's with --indicator; as text (the
 * default) or, with --format json, as the unit's part of `pinggu eval --format json` with the
 * trace's facts added. */
#include "args.h"
#include "cli.h"
#include "record.h"
#include "report.h"
#include "base.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

static const char usage[] =
    "usage: pinggu explain --rules DIR --data DIR --unit ID --scheme NAME --period P\n"
    "                      [--indicator ID] [--format text|json]\n";

/* Whether node is one of the scheme's tree nodes. */
static int in_scheme(const pg_scheme *s, int node)
{
    for (int i = 0; i < s->norder; i++)
        if (s->order[i] == node) return 1;
    return 0;
}

int cmd_explain(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *unit = NULL, *scheme = NULL, *period = NULL;
    const char *indicator = NULL, *format = "text";
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("unit", &unit),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_OPTION("indicator", &indicator),
                            CLI_ONEOF("format", &format, "text|json"),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    int json = strcmp(format, "json") == 0;
    int code = cli_period("explain", period);
    if (code < 0) return 2;
    int rc = 1, u, s, node = -1;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_result *res = NULL;
    if (pg_ruleset_load(rules, &rs, &d) != 0) goto done;
    if ((s = pg_strmap_get(&rs->scheme_ids, scheme)) < 0) {
        pg_error(&d, NULL, 0, "--scheme %s: the rule set has no such scheme", scheme);
        goto done;
    }
    if ((u = pg_unit_find(rs, unit)) < 0) {
        pg_error(&d, NULL, 0, "--unit %s: not in %s/units.csv", unit, rules);
        goto done;
    }
    if (indicator) {
        node = pg_strmap_get(&rs->node_ids, indicator);
        if (node < 0 || !in_scheme(&rs->schemes[s], node)) {
            pg_error(&d, NULL, 0, "--indicator %s: %s", indicator,
                     node < 0 ? "the rule set declares no such indicator"
                              : "not an indicator of this scheme");
            goto done;
        }
        if (isnan(rs->nodes[node].points[rs->units[u].group])) {
            pg_error(&d, NULL, 0, "--indicator %s: does not apply to group %s", indicator,
                     rs->groups[rs->units[u].group].id);
            goto done;
        }
    }
    if (pg_datadir_load(rs, data, &ds, &d) != 0 || pg_eval(rs, ds, s, code, &res, &d) != 0)
        goto done;
    int wrc = json ? pg_explain_json(res, u, node, data, stdout)
                   : pg_explain_text(res, u, node, data, stdout);
    if (wrc == 0 && fflush(stdout) == 0)
        rc = 0;
    else
        pg_error(&d, NULL, 0, "cannot write the output");
done:
    pg_diags_print_errors(&d, stderr);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
