/* cmd_diff.c — `pinggu diff`: re-score one period under the rules in force (A) and under a
 * second rule set or a weight-overrides file (B), and show every unit's change in total, rank
 * and band with the indicators that cause it (core/score/diff.c does the comparison).
 *
 * Across years (A is shanwei-2021, B shanwei-2022, the period 2021-05): the set written for
 * another year is evaluated as if it governed the period's year, on the period's data, with the
 * working-day calendar of the set that does govern it. Why this and not mapping the period
 * (2021-05 ↔ 2022-05): the question is what the same units' same numbers score under next
 * year's rules, and the data of a mapped period would be another month's data, or none; a
 * calendar belongs to its year's dates (2022's holidays say nothing of 2021's working days).
 * The output says so, in text and JSON. */
#include "args.h"
#include "cli.h"
#include "record.h"
#include "score.h"
#include "rules.h"
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: pinggu diff --rules DIR --against DIR|FILE --data DIR --scheme NAME --period P\n"
    "                   [--format text|json]\n"
    "  --against DIR   a second rule set; FILE: weight overrides of --rules (docs/tools.md)\n"
    "                  a set of another year is evaluated as if it governed P's year\n";

/* Loads the rule set B: a directory, or A's directory with the overrides file applied. */
static int load_against(const char *rules, const char *against, pg_ruleset **out, int *overrides,
                        pg_diags *d)
{
    struct stat st;
    *overrides = !(stat(against, &st) == 0 && S_ISDIR(st.st_mode));
    if (!*overrides) return pg_ruleset_load(against, out, d);
    int rc = pg_ruleset_load(rules, out, d);
    if (rc == 0 && (rc = pg_overrides_apply(*out, against, d)) != 0) {
        pg_ruleset_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Makes `rs`, written for another year, govern `year` for this comparison: its year, and the
 * working-day calendar of `other`, which governs it (metric plans hold &rs->calendar, so they
 * read the new lists). Returns the year rs was written for, or 0 when it already governs. */
static int as_if_governing(pg_ruleset *rs, const pg_ruleset *other, int year, pg_diags *d)
{
    if (rs->year == year) return 0;
    if (other->year != year) {
        pg_error(d, NULL, 0,
                 "--period %d: neither rule set governs that year (%s: %d, %s: %d); one of them "
                 "must, so that its calendar applies to the year's dates",
                 year, other->dir, other->year, rs->dir, rs->year);
        return -1;
    }
    int was = rs->year;
    pg_calendar *c = &rs->calendar;
    free(c->holidays), free(c->workdays);
    const pg_calendar *o = &other->calendar;
    c->holidays = pg_xcalloc((size_t)o->nholidays + 1, sizeof(long));
    c->workdays = pg_xcalloc((size_t)o->nworkdays + 1, sizeof(long));
    if (o->nholidays) memcpy(c->holidays, o->holidays, sizeof(long) * (size_t)o->nholidays);
    if (o->nworkdays) memcpy(c->workdays, o->workdays, sizeof(long) * (size_t)o->nworkdays);
    c->nholidays = o->nholidays;
    c->nworkdays = o->nworkdays;
    rs->year = year;
    rs->effective = 0; /* its effective month was of its own year */
    return was;
}

/* Evaluates scheme `scheme` of rs for the period. */
static int evaluate(const pg_ruleset *rs, const char *data, const char *scheme, int period,
                    pg_dataset **ds, pg_result **res, pg_diags *d)
{
    int s = pg_strmap_get(&rs->scheme_ids, scheme);
    if (s < 0) {
        pg_error(d, rs->dir, 0, "--scheme %s: the rule set has no such scheme", scheme);
        return -1;
    }
    if (pg_datadir_load(rs, data, ds, d) != 0) return -1;
    return pg_eval(rs, *ds, s, period, res, d);
}

int cmd_diff(int argc, char **argv)
{
    const char *rules = NULL, *against = NULL, *data = NULL, *scheme = NULL, *period = NULL;
    const char *format = "text";
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("against", &against),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_ONEOF("format", &format, "text|json"),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    int code = cli_period("diff", period);
    if (code < 0) return 2;
    int rc = 1;
    pg_diags d = {0};
    pg_ruleset *ra = NULL, *rb = NULL;
    pg_dataset *da = NULL, *db = NULL;
    pg_result *resa = NULL, *resb = NULL;
    pg_diff *df = NULL;
    int overrides = 0;
    if (pg_ruleset_load(rules, &ra, &d) != 0 ||
        load_against(rules, against, &rb, &overrides, &d) != 0)
        goto done;
    int year = pg_period_year(code), year_a = 0, year_b = 0;
    if ((year_b = as_if_governing(rb, ra, year, &d)) < 0 ||
        (year_a = as_if_governing(ra, rb, year, &d)) < 0)
        goto done;
    if (evaluate(ra, data, scheme, code, &da, &resa, &d) != 0 ||
        evaluate(rb, data, scheme, code, &db, &resb, &d) != 0 ||
        pg_diff_compute(resa, resb, &df, &d) != 0)
        goto done;
    df->overrides = overrides;
    df->year_a = year_a;
    df->year_b = year_b;
    int wrc = 0;
    if (strcmp(format, "json") == 0) {
        cJSON *j = pg_diff_json(df, against);
        char *s = cJSON_Print(j);
        wrc = s && fputs(s, stdout) >= 0 && fputc('\n', stdout) != EOF ? 0 : -1;
        cJSON_free(s);
        cJSON_Delete(j);
    } else
        wrc = pg_diff_text(df, against, stdout);
    if (wrc == 0 && fflush(stdout) == 0)
        rc = 0;
    else
        pg_error(&d, NULL, 0, "cannot write the output");
done:
    /* Warnings of the overrides matter here (children that no longer add up); rule warnings
     * are `pinggu check`'s business. */
    for (int i = 0; i < d.n; i++)
        if (d.v[i].sev == PG_ERROR ||
            (against && d.v[i].file && strcmp(d.v[i].file, against) == 0)) {
            pg_diags one = {&d.v[i], 1, 1, 1, 0};
            pg_diags_print(&one, stderr);
        }
    pg_diff_free(df);
    pg_result_free(resa), pg_result_free(resb);
    pg_dataset_free(da), pg_dataset_free(db);
    pg_ruleset_free(ra), pg_ruleset_free(rb);
    pg_diags_free(&d);
    return rc;
}
