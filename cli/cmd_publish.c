/* cmd_publish.c — `pinggu publish`, `pinggu bulletins` and `pinggu reproduce`: making a run the
 * bulletin of its period (or a correction of it), listing the published bulletins, and
 * re-running one from what it froze to show that its numbers come back byte for byte. The rules
 * are named by their revision (rules.h), the id eval and the reports print too. */
#include "args.h"
#include "report.h"
#include "cli.h"
#include "record.h"
#include "base.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char publish_usage[] =
    "usage: pinggu publish --rules DIR --data DIR --scheme NAME --period P\n"
    "                      [--reason TEXT] [--actor NAME]\n"
    "  publishing a (scheme, period) again is a correction: a new revision, with --reason\n";

static const char bulletins_usage[] =
    "usage: pinggu bulletins --data DIR [--scheme NAME] [--period P] [--show ID]\n"
    "                        [--format text|json]\n";

static const char reproduce_usage[] = "usage: pinggu reproduce --data DIR --bulletin ID\n";

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void print_side_value(const cJSON *side, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(side, k);
    if (cJSON_IsNumber(v))
        printf("%g", v->valuedouble);
    else if (cJSON_IsString(v))
        printf("%s", v->valuestring);
    else
        printf("-");
}

/* The differences a correction stored, one unit a line and its indicators under it. */
static void print_changes(const cJSON *changes)
{
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(changes, "summary");
    printf("changes from revision %g: %g totals, %g ranks, %g bands changed\n",
           num(changes, "from_revision"), num(sum, "total_changes"), num(sum, "rank_changes"),
           num(sum, "band_changes"));
    const cJSON *g, *u, *c;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(changes, "groups"))
    {
        cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(g, "units"))
        {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(u, "a");
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(u, "b");
            printf("  [%s] %s %s: total ", str(g, "id"), str(u, "unit"), str(u, "name"));
            print_side_value(a, "total"), printf(" -> "), print_side_value(b, "total");
            printf(", rank ");
            print_side_value(a, "rank"), printf(" -> "), print_side_value(b, "rank");
            printf(", band ");
            print_side_value(a, "band"), printf(" -> "), print_side_value(b, "band");
            putchar('\n');
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(u, "causes")) printf(
                "      %s %s: %+.4g\n", str(c, "indicator"), str(c, "name"), num(c, "change"));
        }
    }
}

static void print_row(const cJSON *b)
{
    const char *rules = str(b, "rules_revision");
    printf("%-4g %-10s %-8s r%-3g run %-5g rules revision %.12s  %s  %s%s%s\n", num(b, "id"),
           str(b, "scheme"), str(b, "period"), num(b, "revision"), num(b, "run"),
           rules ? rules : "", str(b, "published_at"), str(b, "published_by"),
           str(b, "reason") ? "  reason: " : "", str(b, "reason") ? str(b, "reason") : "");
}

static int store_of(const char *data, pg_store **st, pg_diags *d)
{
    if (access(data, F_OK) != 0) {
        pg_error(d, data, 0, "no such data directory");
        return -ENOENT;
    }
    return pg_store_open(data, st, d);
}

int cmd_publish(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *scheme = NULL, *period = NULL, *reason = NULL;
    const char *actor = NULL;
    const cli_opt opts[] = {CLI_REQUIRED("rules", &rules),
                            CLI_REQUIRED("data", &data),
                            CLI_REQUIRED("scheme", &scheme),
                            CLI_REQUIRED("period", &period),
                            CLI_OPTION("reason", &reason),
                            CLI_OPTION("actor", &actor),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, publish_usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, publish_usage)) return 2;
    int code = cli_period("publish", period);
    if (code < 0) return 2;

    int rc = 1;
    pg_diags d = {0};
    char hex[65];
    pg_ruleset *rs = NULL;
    pg_dataset *ds = NULL;
    pg_store *st = NULL;
    pg_publish_out out = {0};
    char *docs = NULL;
    if (access(data, F_OK) != 0) {
        pg_error(&d, data, 0, "no such data directory");
        goto done;
    }
    /* the rules are evaluated from their snapshot: exactly what the run will name */
    char *snap = pg_snapshot_rules(rules, data, hex, &d);
    if (!snap) goto done;
    int lrc = pg_snapshot_load(snap, rules, &rs, &d);
    free(snap);
    if (lrc != 0) goto done;
    assert(strcmp(rs->revision, hex) == 0); /* a snapshot re-hashes to its name */
    int s = pg_strmap_get(&rs->scheme_ids, scheme);
    if (s < 0) {
        pg_error(&d, NULL, 0, "--scheme %s: the rule set has no such scheme", scheme);
        goto done;
    }
    if (pg_datadir_load(rs, data, &ds, &d) != 0) goto done;
    if (pg_store_open(data, &st, &d) != 0) goto done;
    pg_publish_in in = {data, rs, hex, ds, s, code, "publish", cli_actor(actor), reason, 0};
    if (pg_publish(st, &in, &out, &d) != 0) goto done;
    rc = 0;
    const cJSON *b = out.bulletin;
    printf("published %s %s revision %d: bulletin %g, run %g, rules revision %.12s\n",
           str(b, "scheme"), str(b, "period"), out.revision, num(b, "id"), num(b, "run"), hex);
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(b, "base");
    if (cJSON_IsNumber(base)) printf("movement measured against bulletin %g\n", base->valuedouble);
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(b, "changes");
    if (cJSON_IsObject(changes)) print_changes(changes);
    docs = pg_publish_docs_dir(data, str(b, "scheme"), str(b, "period"), out.revision);
    pg_bl_issue issue = pg_publish_issue(&out);
    if (pg_bulletin_write_dir(out.res, ds, &issue, docs, 0, &d) == 0)
        printf("documents: %s\n", docs);
    else
        fprintf(stderr, "pinggu publish: the bulletin is published, but its documents were not "
                        "written (pinggu report can write them):\n");
done:
    pg_diags_print_errors(&d, stderr);
    pg_diags_free(&d);
    pg_publish_out_free(&out);
    pg_store_close(st);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
    free(docs);
    return rc;
}

/* The frozen result of bulletin `b` with the list of its revisions: the shape the API answers
 * to staff. */
static cJSON *bulletin_view(pg_store *st, cJSON *b, pg_diags *d)
{
    cJSON *revs = NULL, *result = NULL;
    if (pg_publish_list(st, str(b, "scheme"), str(b, "period"), &revs, d) != 0 ||
        pg_frozen_result(st, (long)num(b, "id"), &result, d) != 0) {
        cJSON_Delete(revs), cJSON_Delete(b);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "bulletin", b);
    cJSON_AddItemToObject(o, "revisions", revs);
    cJSON_AddItemToObject(o, "result", result);
    return o;
}

static void print_view(const cJSON *v)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(v, "bulletin");
    print_row(b);
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(b, "base");
    if (cJSON_IsNumber(base)) printf("movement measured against bulletin %g\n", base->valuedouble);
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(b, "changes");
    if (cJSON_IsObject(changes)) print_changes(changes);
    const cJSON *g, *r;
    cJSON_ArrayForEach(g,
                       cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(v, "result"), "groups"))
    {
        printf("\n%s %s\n", str(g, "id"), str(g, "name"));
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(g, "ranking"))
        {
            printf("  %3g  %-24s %8.2f  %-4s %s\n", num(r, "rank"), str(r, "name"), num(r, "total"),
                   str(r, "movement"), str(r, "band") ? str(r, "band") : "");
        }
    }
    printf("\nrevisions:\n");
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(v, "revisions")) print_row(r);
}

int cmd_bulletins(int argc, char **argv)
{
    const char *data = NULL, *scheme = NULL, *period = NULL, *show = NULL, *format = "text";
    const cli_opt opts[] = {CLI_REQUIRED("data", &data),
                            CLI_OPTION("scheme", &scheme),
                            CLI_OPTION("period", &period),
                            CLI_OPTION("show", &show),
                            CLI_ONEOF("format", &format, "text|json"),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, bulletins_usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, bulletins_usage)) return 2;
    char *end = NULL;
    long id = show ? strtol(show, &end, 10) : 0;
    if (show && (*end || id <= 0)) {
        fprintf(stderr, "pinggu bulletins: --show %s: expected a bulletin id (a number)\n", show);
        return 2;
    }
    if (period && cli_period("bulletins", period) < 0) return 2;
    int rc = 1, json = strcmp(format, "json") == 0;
    pg_diags d = {0};
    pg_store *st = NULL;
    cJSON *o = NULL;
    if (store_of(data, &st, &d) != 0) goto done;
    if (show) {
        cJSON *b = NULL;
        int grc = pg_publish_get(st, id, &b, &d);
        if (grc == -ENOENT)
            pg_error(&d, data, 0, "no bulletin %ld (pinggu bulletins lists them)", id);
        if (grc != 0 || !(o = bulletin_view(st, b, &d))) goto done;
        if (!json) print_view(o);
    } else {
        cJSON *list = NULL;
        if (pg_publish_list(st, scheme, period, &list, &d) != 0) goto done;
        if (!json) {
            const cJSON *b;
            cJSON_ArrayForEach(b, list) print_row(b);
        }
        o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "bulletins", list);
    }
    if (json) {
        char *t = cJSON_Print(o);
        puts(t);
        cJSON_free(t);
    }
    rc = 0;
done:
    pg_diags_print_errors(&d, stderr);
    pg_diags_free(&d);
    cJSON_Delete(o);
    pg_store_close(st);
    return rc;
}

int cmd_reproduce(int argc, char **argv)
{
    const char *data = NULL, *bulletin = NULL;
    const cli_opt opts[] = {CLI_REQUIRED("data", &data), CLI_REQUIRED("bulletin", &bulletin),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, reproduce_usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, reproduce_usage)) return 2;
    char *end = NULL;
    long id = strtol(bulletin, &end, 10);
    if (*end || id <= 0) {
        fprintf(stderr, "pinggu reproduce: --bulletin %s: expected a bulletin id (a number)\n",
                bulletin);
        return 2;
    }
    int rc = 1;
    pg_diags d = {0};
    pg_store *st = NULL;
    cJSON *b = NULL;
    pg_rerun r = {0};
    if (store_of(data, &st, &d) != 0) goto done;
    int grc = pg_publish_get(st, id, &b, &d);
    if (grc == -ENOENT) pg_error(&d, data, 0, "no bulletin %ld (pinggu bulletins lists them)", id);
    if (grc != 0) goto done;
    if (pg_reproduce_run(st, data, (long)num(b, "run"), &r, &d) != 0) goto done;
    int ndiff = pg_rerun_differences(&r, 10, NULL);
    if (ndiff == 0) {
        printf("identical: bulletin %ld (%s %s revision %g) re-ran to the same %zu bytes "
               "(rules revision %.12s, inputs %.12s, result %.12s)\n",
               id, str(b, "scheme"), str(b, "period"), num(b, "revision"), strlen(r.text),
               r.run.revision, r.run.inputs, r.run.result);
        rc = 0;
    } else {
        printf("different: bulletin %ld (%s %s revision %g) re-ran to other numbers; %d lines "
               "differ, the first:\n",
               id, str(b, "scheme"), str(b, "period"), num(b, "revision"), ndiff);
        pg_rerun_differences(&r, 10, stdout);
    }
done:
    pg_diags_print_errors(&d, stderr);
    pg_diags_free(&d);
    pg_rerun_free(&r);
    cJSON_Delete(b);
    pg_store_close(st);
    return rc;
}
