/* cmd_analyze.c — `pinggu analyze`: which indicators matter. Evaluates a scheme for a period
 * (or every month of a year, for a monthly scheme) and writes, per indicator and group, its
 * coverage, distribution, 区分度, correlations and nominal against effective weight
 * (core/score/analyze.c), as text or JSON. */
#include "args.h"
#include "cli.h"
#include "open.h"
#include "score.h"
#include "base.h"
#include "record.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: pinggu analyze --rules DIR --data DIR --scheme NAME --period P [--format text|json]\n"
    "       (P is YYYY-MM or YYYY; a year of a monthly scheme pools its months)\n";

int cmd_analyze(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *scheme = NULL, *period = NULL, *format = "text";
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_ONEOF("format", &format, "text|json"),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    int code = cli_period("analyze", period);
    if (code < 0) return 2;
    int rc = 1;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_analysis *an = NULL;
    int s = cli_open(rules, scheme, data, &rs, &ds, &d);
    if (s < 0 || pg_analyze(rs, ds, s, code, &an, &d) != 0) goto done;
    int wrc = strcmp(format, "json") == 0 ? cli_print_json(pg_analysis_json(an))
                                          : pg_analysis_text(an, stdout);
    if (wrc == 0 && fflush(stdout) == 0)
        rc = 0;
    else
        pg_error(&d, NULL, 0, "cannot write the output");
done:
    pg_diags_print_errors(&d, stderr);
    pg_analysis_free(an);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
