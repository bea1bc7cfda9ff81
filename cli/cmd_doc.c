/* cmd_doc.c — `pinggu doc DIR [--out DIR]`: the indicator documentation of a rule set. With
 * --out, writes <group>.md and <group>.html for every group into that directory (created if
 * need be); without, prints every group's Markdown to stdout. */
#include "args.h"
#include "cli.h"
#include "report.h"
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] = "usage: pinggu doc DIR [--out DIR]\n";

/* Writes one file; returns 0 or -1 with a diagnostic. */
static int write_file(const pg_ruleset *rs, int g, pg_doc_format fmt, const char *dir, pg_diags *d)
{
    char *path =
        pg_xasprintf("%s/%s.%s", dir, rs->groups[g].id, fmt == PG_DOC_HTML ? "html" : "md");
    FILE *f = fopen(path, "w");
    int rc = f ? pg_doc_write(rs, g, fmt, f) : -errno;
    if (f && fclose(f) != 0 && rc == 0) rc = -errno;
    if (rc != 0) pg_error(d, path, 0, "cannot write: %s", strerror(-rc));
    free(path);
    return rc ? -1 : 0;
}

int cmd_doc(int argc, char **argv)
{
    const char *out = NULL;
    const cli_opt opts[] = {CLI_OPTION("out", &out), CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 1, 1, usage)) return 2;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    int rc = 1;
    if (pg_ruleset_load(argv[optind], &rs, &d) != 0) goto done;
    if (out && mkdir(out, 0777) != 0 && errno != EEXIST) {
        pg_error(&d, out, 0, "cannot create the directory: %s", strerror(errno));
        goto done;
    }
    int failed = 0;
    for (int g = 0; g < rs->ngroups && !failed; g++) {
        if (out)
            failed = write_file(rs, g, PG_DOC_MARKDOWN, out, &d) ||
                     write_file(rs, g, PG_DOC_HTML, out, &d);
        else
            failed = pg_doc_write(rs, g, PG_DOC_MARKDOWN, stdout) != 0;
    }
    if (!out && (failed || fflush(stdout) != 0)) {
        pg_error(&d, NULL, 0, "cannot write the output");
        failed = 1;
    }
    if (out && !failed)
        for (int g = 0; g < rs->ngroups; g++)
            printf("%s/%s.md\n%s/%s.html\n", out, rs->groups[g].id, out, rs->groups[g].id);
    rc = failed;
done:
    pg_diags_print_errors(&d, stderr);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
