/* cmd_test.c — `pinggu test DIR [FILE...]`: run a rule set's tests (every .lua file in DIR/tests,
 * and those it inherits from the set it extends, or the files named) and print each failure as
 * file:line with expected against actual, then "N passed, M failed". With --coverage, also list the
 * scored indicators no expectation names, and fail if there is any. */
#include "args.h"
#include "cli.h"
#include "rules.h"
#include "score.h"

#include <stdio.h>
#include <unistd.h>
#include <string.h>

static const char usage[] = "usage: pinggu test DIR [FILE...] [--coverage] [--verbose]\n";

/* Lists the scored indicators no expectation names; returns how many. */
static int coverage(const pg_ruleset *rs, const pg_rt_report *rep)
{
    int scored = 0, untested = 0;
    for (int i = 0; i < rs->nnodes; i++) {
        if (!pg_ruletest_scored(rs, i)) continue;
        scored++;
        if (rep->covered[i]) continue;
        if (!untested++) printf("untested indicators:\n");
        printf("  %s  %s  (%s:%d)\n", rs->nodes[i].id, rs->nodes[i].name, rs->nodes[i].file,
               rs->nodes[i].line);
    }
    printf("coverage: %d of %d scored indicators tested\n", scored - untested, scored);
    return untested;
}

int cmd_test(int argc, char **argv)
{
    int want_coverage = 0, verbose = 0;
    const cli_opt opts[] = {CLI_FLAG("coverage", &want_coverage), CLI_FLAG("verbose", &verbose),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 1, argc, usage)) return 2;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    if (pg_ruleset_load(argv[optind], &rs, &d) != 0) {
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        return 1;
    }
    char **files = NULL;
    int nfiles = 0, rc = 1;
    if (optind + 1 < argc) {
        /* Files may be named from the current directory (DIR/tests/x.lua) or from DIR. */
        size_t dl = strlen(rs->dir);
        nfiles = argc - optind - 1;
        files = pg_xcalloc((size_t)nfiles, sizeof(char *));
        for (int i = 0; i < nfiles; i++) {
            const char *f = argv[optind + 1 + i];
            if (strncmp(f, rs->dir, dl) == 0 && f[dl] == '/') f += dl + 1;
            files[i] = pg_xstrdup(f);
        }
    } else if (pg_ruletest_files(rs, &files, &nfiles, &d) != 0) {
        pg_diags_print(&d, stderr);
        goto done;
    }
    if (nfiles == 0) {
        fprintf(stderr, "pinggu test: %s/tests holds no *.lua rule tests\n", rs->dir);
        goto done;
    }
    pg_rt_report rep = {0};
    int failed = pg_ruletest_run(rs, files, nfiles, &rep);
    if (verbose)
        for (int i = 0; i < rep.passed; i++) printf("ok    %s\n", rep.passed_names[i]);
    for (int i = 0; i < rep.nfail; i++) {
        const pg_rt_failure *f = &rep.fail[i];
        if (f->test)
            printf("%s:%d: FAIL %s: %s\n", f->file, f->line, f->test, f->msg);
        else
            printf("%s:%d: error: %s\n", f->file, f->line, f->msg);
    }
    /* An inherited test replaced, an expectation about a retired indicator: said, not hidden. */
    for (int i = 0; i < rep.nskips; i++) printf("skip  %s\n", rep.skips[i]);
    int untested = want_coverage ? coverage(rs, &rep) : 0;
    if (rep.skipped)
        printf("%d passed, %d failed, %d replaced by the set's own\n", rep.passed, rep.failed,
               rep.skipped);
    else
        printf("%d passed, %d failed\n", rep.passed, rep.failed);
    rc = failed || untested ? 1 : 0;
    pg_rt_report_free(&rep);
done:
    pg_ruletest_files_free(files, nfiles);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
