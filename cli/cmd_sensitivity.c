/* cmd_sensitivity.c — `pinggu sensitivity`: how stable each unit's rank is when the weights
 * move. Evaluates the scheme once (as `pinggu eval`), then re-aggregates it under --draws
 * weight vectors drawn within ±--spread % of the nominal weights (core/score/sensitivity.c)
 * and writes each unit's median rank, 5th–95th percentile interval, how often it keeps its
 * band and the weights that move it most, as text or JSON. */
#include "args.h"
#include "cli.h"
#include "open.h"
#include "score.h"
#include "base.h"
#include "record.h"
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: pinggu sensitivity --rules DIR --data DIR --scheme NAME --period P\n"
    "                          [--draws N] [--spread PCT] [--seed S] [--threads N]\n"
    "                          [--format text|json]\n";

/* A whole number within [lo, hi], or -1 after saying why. */
static long long whole(const char *opt, const char *s, long long lo, unsigned long long hi)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v < (unsigned long long)lo || v > hi) {
        fprintf(stderr, "pinggu sensitivity: --%s %s: a whole number from %lld to %llu\n", opt, s,
                lo, hi);
        return -1;
    }
    return (long long)v;
}

int cmd_sensitivity(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *scheme = NULL, *period = NULL;
    const char *format = "text", *draws = "1000", *spread = "20", *seed = "1", *threads = NULL;
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_OPTION("draws", &draws),
                            CLI_OPTION("spread", &spread),
                            CLI_OPTION("seed", &seed),
                            CLI_OPTION("threads", &threads),
                            CLI_ONEOF("format", &format, "text|json"),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    pg_sens_opts o = {0};
    long long v;
    if ((v = whole("draws", draws, 1, 10000000)) < 0) return 2;
    o.draws = (long)v;
    char *end;
    o.spread = strtod(spread, &end) / 100;
    if (!*spread || *end || !(o.spread > 0 && o.spread < 1)) {
        fprintf(stderr, "pinggu sensitivity: --spread %s: a percentage above 0 and below 100\n",
                spread);
        return 2;
    }
    errno = 0;
    o.seed = strtoull(seed, &end, 10);
    if (!*seed || *end || errno || seed[0] == '-') {
        fprintf(stderr, "pinggu sensitivity: --seed %s: a whole number from 0 to 2^64−1\n", seed);
        return 2;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = ncpu > 0 ? (int)ncpu : 1;
    if (threads) {
        if ((v = whole("threads", threads, 1, 64)) < 0) return 2;
        o.threads = (int)v;
    }
    int code = cli_period("sensitivity", period);
    if (code < 0) return 2;

    int rc = 1;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_result *res = NULL;
    pg_sens *sv = NULL;
    int s = cli_open(rules, scheme, data, &rs, &ds, &d);
    if (s < 0 || pg_eval(rs, ds, s, code, &res, &d) != 0) goto done;
    if (pg_sens_run(res, &o, &sv, &d) != 0) goto done;
    int wrc =
        strcmp(format, "json") == 0 ? cli_print_json(pg_sens_json(sv)) : pg_sens_text(sv, stdout);
    if (wrc == 0 && fflush(stdout) == 0)
        rc = 0;
    else
        pg_error(&d, NULL, 0, "cannot write the output");
done:
    pg_diags_print_errors(&d, stderr);
    pg_sens_free(sv);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
