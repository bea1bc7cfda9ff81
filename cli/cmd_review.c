/* cmd_review.c — `pinggu selfreport`, `pinggu score` and `pinggu appeal`: self-reports
 * (自报材料), evaluator scores (定性评价) and appeals (申诉) in a data directory's store.
 *
 * Writes check against the rule set (--rules) and record who acted (--actor, else the login
 * name) in the audit log; lists read the store alone. The store does the work
 * (core/record/include/record.h); this file reads options and prints. Exit codes: 0 done, 1 refused
 * (the message says why), 2 a malformed command line. */
#include "args.h"
#include "cli.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char selfreport_usage[] =
    "usage: pinggu selfreport submit --rules DIR --data DIR --unit U --period P --metric M\n"
    "                                --value V [--n N] (--file PATH | --link URL | --evidence "
    "HASH)\n"
    "                                [--note TEXT] [--actor A]\n"
    "       pinggu selfreport review --data DIR ID (--accept | --reject) --reason TEXT [--actor "
    "A]\n"
    "       pinggu selfreport list   --data DIR [--unit U] [--period P] [--metric M]\n"
    "                                [--status submitted|accepted|rejected|superseded]\n"
    "                                [--format text|json]\n"
    "  A unit reports a value of a metric the rule set opens to it (self_report = true), with\n"
    "  evidence: --file stores a copy in DATA/evidence/, --link names where it is. Only an\n"
    "  accepted report counts; it replaces a fed value of the same metric and period.\n";

static const char score_usage[] =
    "usage: pinggu score set  --rules DIR --data DIR --unit U --period P --indicator I\n"
    "                         --score X --reason TEXT [--actor A]\n"
    "       pinggu score list --data DIR [--unit U] [--period P] [--indicator I] [--all]\n"
    "                         [--format text|json]\n"
    "  An evaluator's points for an indicator scored by method = evaluator_score {}; a new\n"
    "  score replaces the one before for the same unit, period and indicator. --all lists the\n"
    "  replaced ones too.\n";

static const char appeal_usage[] =
    "usage: pinggu appeal submit --rules DIR --data DIR --unit U --period P --indicator I\n"
    "                            --claim TEXT [--actor A]\n"
    "       pinggu appeal decide --rules DIR --data DIR ID (--uphold --adjust POINTS | "
    "--reject)\n"
    "                            --reason TEXT [--actor A]\n"
    "       pinggu appeal list   --data DIR [--unit U] [--period P] [--indicator I]\n"
    "                            [--status open|upheld|rejected] [--format text|json]\n"
    "  An upheld appeal adds POINTS (negative to take away) to the indicator's points for that\n"
    "  unit and period, never past its maximum nor below 0.\n";

/* A number option, or NAN (and a message) when it is not one. */
static double number(const char *cmd, const char *opt, const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || *end || end == s || !isfinite(v)) {
        fprintf(stderr, "pinggu %s: --%s %s: expected a number\n", cmd, opt, s ? s : "");
        return NAN;
    }
    return v;
}

static long record_id(const char *cmd, const char *s)
{
    char *end;
    long id = strtol(s, &end, 10);
    if (*end || id <= 0) {
        fprintf(stderr, "pinggu %s: '%s' is not a record id (a number such as 12)\n", cmd, s);
        return -1;
    }
    return id;
}

static int exit_code(int rc)
{
    return rc == 0 ? 0 : 1;
}

static int open_store(const char *data, pg_store **st, pg_diags *d)
{
    if (access(data, F_OK) != 0) {
        pg_error(d, data, 0, "no such data directory");
        return -ENOENT;
    }
    return pg_store_open(data, st, d);
}

/* Prints the outcome of a write: the record, or the diagnostics. */
static int finish(int rc, pg_diags *d, const char *what, long id, pg_store *st, cJSON *rec)
{
    if (rc == 0) {
        printf("%s #%ld\n", what, id);
        if (rec) {
            char *t = cJSON_PrintUnformatted(rec);
            puts(t);
            free(t);
        }
    }
    pg_diags_print_errors(d, stderr);
    pg_diags_free(d);
    cJSON_Delete(rec);
    pg_store_close(st);
    return exit_code(rc);
}

/* The records as text, one a line, with the given columns; or as JSON. */
static int print_list(int rc, cJSON *arr, const char *format, const char *const *cols, pg_diags *d,
                      pg_store *st)
{
    if (rc == 0 && strcmp(format, "json") == 0) {
        char *t = cJSON_Print(arr);
        puts(t);
        free(t);
    } else if (rc == 0) {
        const cJSON *row;
        cJSON_ArrayForEach(row, arr)
        {
            for (int i = 0; cols[i]; i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, cols[i]);
                if (i) fputs("  ", stdout);
                if (cJSON_IsNumber(v))
                    printf(i == 0 ? "#%.10g" : "%.10g", v->valuedouble);
                else if (cJSON_IsString(v))
                    fputs(v->valuestring, stdout);
                else
                    fputs("-", stdout);
            }
            putchar('\n');
        }
    }
    cJSON_Delete(arr);
    pg_diags_print_errors(d, stderr);
    pg_diags_free(d);
    pg_store_close(st);
    return exit_code(rc);
}

static int bad_format(const char *format)
{
    return strcmp(format, "text") != 0 && strcmp(format, "json") != 0;
}

/* --- selfreport ------------------------------------------------------------------------ */

static int selfreport_submit(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *actor = NULL, *value = NULL, *n = NULL, *file = NULL;
    pg_selfreport_in in = {0};
    const cli_opt opts[] = {CLI_OPTION("rules", &rules),
                            CLI_OPTION("data", &data),
                            CLI_OPTION("unit", &in.unit),
                            CLI_OPTION("period", &in.period),
                            CLI_OPTION("metric", &in.metric),
                            CLI_OPTION("value", &value),
                            CLI_OPTION("n", &n),
                            CLI_OPTION("file", &file),
                            CLI_OPTION("link", &in.link),
                            CLI_OPTION("evidence", &in.evidence),
                            CLI_OPTION("note", &in.note),
                            CLI_OPTION("actor", &actor),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, selfreport_usage);
    if (rc0 >= 0) return rc0;
    if (!rules || !data || !in.unit || !in.period || !in.metric || !value || optind != argc ||
        (!!file + !!in.link + !!in.evidence) != 1) {
        fputs(selfreport_usage, stderr);
        return 2;
    }
    in.value = number("selfreport submit", "value", value);
    in.n = n ? number("selfreport submit", "n", n) : NAN;
    if (isnan(in.value) || (n && isnan(in.n))) return 2;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_store *st = NULL;
    long id = 0;
    char hash[65];
    int rc = pg_ruleset_load(rules, &rs, &d);
    if (rc == 0) rc = open_store(data, &st, &d);
    if (rc == 0 && file) {
        rc = pg_evidence_put_file(st, data, file, cli_actor(actor), NULL, hash, &d);
        in.evidence = hash;
    }
    if (rc == 0) rc = pg_selfreport_submit(st, rs, &in, cli_actor(actor), &id, &d);
    int code = finish(rc, &d, "self-report", id, st, rc == 0 ? pg_selfreport_get(st, id) : NULL);
    pg_ruleset_free(rs);
    return code;
}

static int selfreport_review(int argc, char **argv)
{
    const char *data = NULL, *actor = NULL, *reason = NULL;
    int accept = 0, reject = 0;
    const cli_opt opts[] = {CLI_OPTION("data", &data),   CLI_FLAG("accept", &accept),
                            CLI_FLAG("reject", &reject), CLI_OPTION("reason", &reason),
                            CLI_OPTION("actor", &actor), CLI_END};
    int rc0 = cli_args(argc, argv, opts, selfreport_usage);
    if (rc0 >= 0) return rc0;
    if (!data || optind != argc - 1 || accept == reject) {
        fputs(selfreport_usage, stderr);
        return 2;
    }
    long id = record_id("selfreport review", argv[optind]);
    if (id < 0) return 2;
    pg_diags d = {0};
    pg_store *st = NULL;
    int rc = open_store(data, &st, &d);
    if (rc == 0) rc = pg_selfreport_review(st, id, accept, reason, cli_actor(actor), &d);
    return finish(rc, &d, accept ? "accepted self-report" : "rejected self-report", id, st,
                  rc == 0 ? pg_selfreport_get(st, id) : NULL);
}

/* The list subcommands differ only in their names, columns and lister. */
typedef struct {
    const char *usage, *what; /* the option that names the metric or indicator */
    const char *const *cols;
    int (*list)(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d);
    int all; /* `--all` (replaced ones too) instead of `--status S` */
} list_kind;

static int list_records(int argc, char **argv, const list_kind *k)
{
    const char *data = NULL, *format = "text";
    int all = 0;
    pg_review_filter f = {0};
    const cli_opt opts[] = {CLI_OPTION("data", &data),
                            CLI_OPTION("unit", &f.unit),
                            CLI_OPTION("period", &f.period),
                            CLI_OPTION(k->what, &f.what),
                            k->all ? (cli_opt)CLI_FLAG("all", &all)
                                   : (cli_opt)CLI_OPTION("status", &f.status),
                            CLI_OPTION("format", &format),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, k->usage);
    if (rc0 >= 0) return rc0;
    if (!data || optind != argc || bad_format(format)) {
        fputs(k->usage, stderr);
        return 2;
    }
    if (all) f.status = "all";
    pg_diags d = {0};
    pg_store *st = NULL;
    cJSON *arr = NULL;
    int rc = open_store(data, &st, &d);
    if (rc == 0) rc = k->list(st, &f, &arr, &d);
    return print_list(rc, arr, format, k->cols, &d, st);
}

static int selfreport_list(int argc, char **argv)
{
    static const char *const cols[] = {"id",     "unit",         "period", "metric", "value",
                                       "status", "submitted_by", "reason", NULL};
    const list_kind k = {selfreport_usage, "metric", cols, pg_selfreport_list, 0};
    return list_records(argc, argv, &k);
}

/* Runs the subcommand named by argv[1] from a table. */
typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} sub;

static int dispatch(const char *cmd, const sub *subs, const char *usage, int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    for (const sub *s = subs; s->name; s++)
        if (strcmp(argv[1], s->name) == 0) return s->fn(argc - 1, argv + 1);
    fprintf(stderr, "pinggu %s: unknown subcommand '%s'\n%s", cmd, argv[1], usage);
    return 2;
}

int cmd_selfreport(int argc, char **argv)
{
    static const sub subs[] = {{"submit", selfreport_submit},
                               {"review", selfreport_review},
                               {"list", selfreport_list},
                               {NULL, NULL}};
    return dispatch("selfreport", subs, selfreport_usage, argc, argv);
}

/* --- score ----------------------------------------------------------------------------- */

static int score_set(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *actor = NULL, *unit = NULL, *period = NULL,
               *indicator = NULL, *score = NULL, *reason = NULL;
    const cli_opt opts[] = {CLI_OPTION("rules", &rules),
                            CLI_OPTION("data", &data),
                            CLI_OPTION("unit", &unit),
                            CLI_OPTION("period", &period),
                            CLI_OPTION("indicator", &indicator),
                            CLI_OPTION("score", &score),
                            CLI_OPTION("reason", &reason),
                            CLI_OPTION("actor", &actor),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, score_usage);
    if (rc0 >= 0) return rc0;
    if (!rules || !data || !unit || !period || !indicator || !score || optind != argc) {
        fputs(score_usage, stderr);
        return 2;
    }
    double v = number("score set", "score", score);
    if (isnan(v)) return 2;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_store *st = NULL;
    long id = 0;
    int rc = pg_ruleset_load(rules, &rs, &d);
    if (rc == 0) rc = open_store(data, &st, &d);
    if (rc == 0)
        rc = pg_score_set(st, rs, unit, period, indicator, v, reason, cli_actor(actor), &id, &d);
    int code = finish(rc, &d, "score", id, st, NULL);
    pg_ruleset_free(rs);
    return code;
}

static int score_list(int argc, char **argv)
{
    static const char *const cols[] = {"id",    "unit",       "period",        "indicator",
                                       "score", "entered_by", "superseded_by", "reason",
                                       NULL};
    const list_kind k = {score_usage, "indicator", cols, pg_score_list, 1};
    return list_records(argc, argv, &k);
}

int cmd_score(int argc, char **argv)
{
    static const sub subs[] = {{"set", score_set}, {"list", score_list}, {NULL, NULL}};
    return dispatch("score", subs, score_usage, argc, argv);
}

/* --- appeal ---------------------------------------------------------------------------- */

static int appeal_submit(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *actor = NULL, *unit = NULL, *period = NULL,
               *indicator = NULL, *claim = NULL;
    const cli_opt opts[] = {CLI_OPTION("rules", &rules),         CLI_OPTION("data", &data),
                            CLI_OPTION("unit", &unit),           CLI_OPTION("period", &period),
                            CLI_OPTION("indicator", &indicator), CLI_OPTION("claim", &claim),
                            CLI_OPTION("actor", &actor),         CLI_END};
    int rc0 = cli_args(argc, argv, opts, appeal_usage);
    if (rc0 >= 0) return rc0;
    if (!rules || !data || !unit || !period || !indicator || optind != argc) {
        fputs(appeal_usage, stderr);
        return 2;
    }
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_store *st = NULL;
    long id = 0;
    int rc = pg_ruleset_load(rules, &rs, &d);
    if (rc == 0) rc = open_store(data, &st, &d);
    if (rc == 0)
        rc = pg_appeal_submit(st, rs, unit, period, indicator, claim, cli_actor(actor), &id, &d);
    int code = finish(rc, &d, "appeal", id, st, rc == 0 ? pg_appeal_get(st, id) : NULL);
    pg_ruleset_free(rs);
    return code;
}

static int appeal_decide(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *actor = NULL, *adjust = NULL, *reason = NULL;
    int uphold = 0, reject = 0;
    const cli_opt opts[] = {CLI_OPTION("rules", &rules),   CLI_OPTION("data", &data),
                            CLI_FLAG("uphold", &uphold),   CLI_FLAG("reject", &reject),
                            CLI_OPTION("adjust", &adjust), CLI_OPTION("reason", &reason),
                            CLI_OPTION("actor", &actor),   CLI_END};
    int rc0 = cli_args(argc, argv, opts, appeal_usage);
    if (rc0 >= 0) return rc0;
    if (!rules || !data || optind != argc - 1 || uphold == reject || (uphold && !adjust)) {
        fputs(appeal_usage, stderr);
        return 2;
    }
    long id = record_id("appeal decide", argv[optind]);
    double adj = adjust ? number("appeal decide", "adjust", adjust) : 0;
    if (id < 0 || isnan(adj)) return 2;
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_store *st = NULL;
    int rc = pg_ruleset_load(rules, &rs, &d);
    if (rc == 0) rc = open_store(data, &st, &d);
    if (rc == 0) rc = pg_appeal_decide(st, rs, id, uphold, adj, reason, cli_actor(actor), &d);
    int code = finish(rc, &d, uphold ? "upheld appeal" : "rejected appeal", id, st,
                      rc == 0 ? pg_appeal_get(st, id) : NULL);
    pg_ruleset_free(rs);
    return code;
}

static int appeal_list(int argc, char **argv)
{
    static const char *const cols[] = {"id",         "unit",  "period",   "indicator", "status",
                                       "adjustment", "claim", "decision", NULL};
    const list_kind k = {appeal_usage, "indicator", cols, pg_appeal_list, 0};
    return list_records(argc, argv, &k);
}

int cmd_appeal(int argc, char **argv)
{
    static const sub subs[] = {
        {"submit", appeal_submit}, {"decide", appeal_decide}, {"list", appeal_list}, {NULL, NULL}};
    return dispatch("appeal", subs, appeal_usage, argc, argv);
}
