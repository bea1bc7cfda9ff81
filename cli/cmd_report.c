/* cmd_report.c — `pinggu report`: the bulletin of one scheme and period as documents people
 * read. Evaluates once into the document model (bulletin.h), then writes it as HTML, CSV or
 * JSON, or hands it to the exporter plugin that registered the format (xlsx). The indicator
 * documentation (`pinggu doc`) goes into DIR/doc/ so the HTML's indicator links resolve.
 * Prints the paths written. */
#include "report.h"
#include "args.h"
#include "cli.h"
#include "open.h"
#include "record.h"
#include "base.h"
#include "plugin.h"
#include "rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: pinggu report --rules DIR --data DIR --scheme NAME --period P\n"
    "                     --format html|pdf|csv|json|xlsx|PLUGIN-FORMAT --out DIR\n";

static int make_dir(const char *dir, pg_diags *d)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
    pg_error(d, dir, 0, "cannot create the directory: %s", strerror(errno));
    return -1;
}

/* "XLSX" from "xlsx": how the unavailability message names the format. */
static void upper(char *dst, size_t n, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++) dst[i] = (char)toupper((unsigned char)s[i]);
    dst[i] = '\0';
}

/* Writes the bulletin through the plugin that exports `format`. Returns 0 or 1. */
static int export_plugin(const pg_bulletin *b, const char *format, const char *out)
{
    char why[2048], name[32];
    upper(name, sizeof name, format);
    pg_plugins *ps = pg_plugins_load(NULL);
    const pg_plugin_exporter *x = pg_plugins_find(ps, format, why, sizeof why);
    int rc = 1;
    if (!x)
        fprintf(stderr, "pinggu report: %s is unavailable: %s\n", name, why);
    else if (x->write(b, out, stdout, why, sizeof why) != 0)
        fprintf(stderr, "pinggu report: %s: %s\n", format, why);
    else
        rc = 0;
    pg_plugins_free(ps);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *scheme = NULL, *period = NULL, *out = NULL;
    const char *format = "html";
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_OPTION("format", &format),
                            CLI_REQUIRED("out", &out),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    if (!*format) {
        fputs(usage, stderr);
        return 2;
    }
    int code = cli_period("report", period);
    if (code < 0) return 2;
    /* pdf: the HTML report, then that page printed by a headless Chromium (core/report/print_pdf.c)
     */
    int pdf = !strcmp(format, "pdf");
    int html = pdf || !strcmp(format, "html");
    int builtin = html || !strcmp(format, "csv") || !strcmp(format, "json");

    int rc = 1;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_bulletin *b = NULL;
    int s = cli_open(rules, scheme, data, &rs, &ds, &d);
    if (s < 0 || pg_bulletin_build(rs, ds, s, code, &b, &d) != 0) goto done;
    if (make_dir(out, &d) != 0) goto done;
    if (builtin) {
        /* the annual report carries the year's indicator analysis and rank stability
         * (core/report/analysis_html.c); a part it cannot analyse is left out, said on stderr */
        char *extra = NULL;
        if (html && rs->schemes[s].period == PG_PERIOD_YEAR && rs->schemes[s].norder == 0) {
            pg_diags ad = {0};
            long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
            extra = pg_annual_analysis_html(rs, ds, s, code, ncpu > 0 ? (int)ncpu : 1, &ad);
            for (int i = 0; i < ad.n; i++)
                if (ad.v[i].sev == PG_ERROR)
                    fprintf(stderr, "pinggu report: warning: the analysis section: %s\n",
                            ad.v[i].msg);
            pg_diags_free(&ad);
        }
        /* 附件4 问题清单 (core/report/issues_list.c), before the analysis */
        char *issues = html ? pg_issues_html(b) : NULL;
        if (issues) {
            char *both = pg_xasprintf("%s%s", issues, extra ? extra : "");
            free(issues), free(extra);
            extra = both;
        }
        int wrc = html ? pg_bulletin_html_with(b, extra, out, pdf ? NULL : stdout)
                  : !strcmp(format, "csv") ? pg_bulletin_csv(b, out, stdout)
                                           : pg_bulletin_json(b, out, stdout);
        free(extra);
        if (wrc != 0) {
            pg_error(&d, out, 0, "cannot write the %s report: %s", format, strerror(-wrc));
            goto done;
        }
        if (html && pg_doc_write_dir(rs, out, &d) != 0) goto done;
        if (pdf) {
            char *src = pg_xasprintf("%s/%s.html", out, b->basename);
            char *dst = pg_xasprintf("%s/%s.pdf", out, b->basename);
            int prc = pg_print_pdf(src, dst, &d);
            if (prc == 0) printf("%s\n", dst);
            /* and each large group's 附件 of its units' sections, as its own PDF */
            if (prc == 0) prc = pg_print_pdf_annexes(out, b->basename, stdout, &d);
            free(src), free(dst);
            if (prc != 0) goto done;
        }
        rc = 0;
    } else
        rc = export_plugin(b, format, out);
done:
    pg_diags_print_errors(&d, stderr);
    pg_bulletin_free(b);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return rc;
}
