/* cmd_eval.c — `pinggu eval`: load a rule set and a data directory, evaluate one scheme for
 * one period, and write the result to stdout as JSON, CSV or a text table. */
#include "args.h"
#include "cli.h"
#include "progress.h"
#include "record.h"
#include "score.h"
#include "base.h"
#include "report.h"
#include "rules.h"

#include <stdio.h>
#include <unistd.h>
#include <string.h>

static const char usage[] = "usage: pinggu eval --rules DIR --data DIR --scheme NAME --period P\n"
                            "                   [--format json|csv|text] [--unit ID]\n";

int cmd_eval(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *scheme = NULL, *period = NULL, *unit = NULL;
    const char *format = "json";
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_ONEOF("format", &format, "json|csv|text"),
                            CLI_OPTION("unit", &unit),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    int code = cli_period("eval", period);
    if (code < 0) return 2;

    int rc = 1;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_result *res = NULL;
    cli_progress *progress = NULL;
    if (pg_ruleset_load(rules, &rs, &d) != 0) goto done;
    int s = pg_strmap_get(&rs->scheme_ids, scheme);
    if (s < 0) {
        pg_error(&d, NULL, 0, "--scheme %s: the rule set has no such scheme", scheme);
        for (int i = 0; i < rs->nschemes; i++)
            fprintf(stderr, "  %s  %s\n", rs->schemes[i].id, rs->schemes[i].name);
        goto done;
    }
    int u = -1;
    if (unit && (u = pg_unit_find(rs, unit)) < 0) {
        pg_error(&d, NULL, 0, "--unit %s: not in %s/units.csv", unit, rules);
        goto done;
    }
    /* on a terminal, after 2 s: the stage and the time so far, and the raw records read when
     * a changed metric makes the data directory read its batches again (progress.h) */
    progress = cli_progress_start("eval", -1);
    cli_progress_stage(progress, "loading the data");
    if (pg_datadir_load(rs, data, &ds, &d) != 0) goto done;
    cli_progress_stage(progress, "evaluating");
    int evaluated_from = d.n;
    if (pg_eval(rs, ds, s, code, &res, &d) != 0) goto done;
    /* rule code that failed for some units: the ranking lacks their points, so say which */
    for (int i = evaluated_from; i < d.n; i++) {
        if (d.v[i].sev != PG_WARNING) continue;
        pg_diags one = {&d.v[i], 1, 1, 0, 1};
        pg_diags_print(&one, stderr);
    }
    cli_progress_stop(progress);
    progress = NULL;
    {
        /* the rules given are evaluated as asked; but the host may serve this period with other
         * rules (a change effective within the year), and the numbers would then differ */
        pg_diags cd = {0};
        if (pg_chain_check(data, rs, rs->revision, s, code, &cd) != 0)
            for (int i = 0; i < cd.n; i++)
                if (cd.v[i].sev == PG_ERROR)
                    fprintf(stderr,
                            "pinggu eval: warning: %s: %s; these numbers are the given rules' for "
                            "every month, not the host's\n",
                            cd.v[i].file ? cd.v[i].file : data, cd.v[i].msg);
        pg_diags_free(&cd);
    }
    int wrc = strcmp(format, "json") == 0  ? pg_report_json(res, u, stdout)
              : strcmp(format, "csv") == 0 ? pg_report_csv(res, u, stdout)
                                           : pg_report_text(res, u, stdout);
    if (wrc == 0 && fflush(stdout) == 0)
        rc = 0;
    else
        pg_error(&d, NULL, 0, "cannot write the output");
done:
    cli_progress_stop(progress);
    /* Rule warnings are `pinggu check`'s business; eval shows only what stopped it. */
    for (int i = 0; i < d.n; i++)
        if (d.v[i].sev == PG_ERROR) {
            pg_diags one = {&d.v[i], 1, 1, 1, 0};
            pg_diags_print(&one, stderr);
        }
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
