/* cmd_rules.c — `pinggu rules diff A B`: what changed from rule set A to rule set B, in words,
 * one change a line (or as JSON): the same semantic diff the host records in its audit log at
 * every swap (core/rules/rulediff.c), for any two directories, of any years.
 *
 * Both sets are loaded and checked as `pinggu check` would; a set with errors is reported at
 * file:line and the command exits 1, since a diff against rules that do not load would
 * describe something no host could serve. */
#include "args.h"
#include "cli.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: pinggu rules diff A B [--format text|json]\n"
                            "  A, B   two rule set directories (any years): what changed from A "
                            "to B\n";

static int diff(int argc, char **argv)
{
    const char *format = "text";
    const cli_opt opts[] = {CLI_ONEOF("format", &format, "text|json"), CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 2, 2, usage)) return 2;
    int json = strcmp(format, "json") == 0;
    pg_ruleset *rs[2] = {NULL, NULL};
    pg_diags d = {0};
    int bad = 0;
    for (int i = 0; i < 2; i++) bad |= pg_ruleset_load(argv[optind + i], &rs[i], &d) != 0;
    pg_diags_print_errors(&d, stderr);
    if (bad) {
        fprintf(stderr, "pinggu: error: cannot diff rules that do not load\n");
    } else {
        pg_rule_change *ch;
        int n = pg_rulediff(rs[0], rs[1], &ch);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            const char *side[2] = {"from", "to"};
            for (int i = 0; i < 2; i++) {
                cJSON *s = cJSON_AddObjectToObject(o, side[i]);
                cJSON_AddStringToObject(s, "directory", argv[optind + i]);
                cJSON_AddStringToObject(s, "id", rs[i]->id);
                cJSON_AddNumberToObject(s, "year", rs[i]->year);
                cJSON_AddStringToObject(s, "revision", rs[i]->revision);
            }
            cJSON_AddItemToObject(o, "changes", pg_rule_changes_json(ch, n));
            char *text = cJSON_Print(o);
            puts(text);
            free(text);
            cJSON_Delete(o);
        } else {
            printf("%s (%d, revision %.12s) → %s (%d, revision %.12s): %d change%s\n", argv[optind],
                   rs[0]->year, rs[0]->revision, argv[optind + 1], rs[1]->year, rs[1]->revision, n,
                   n == 1 ? "" : "s");
            for (int i = 0; i < n; i++) printf("  %-18s %s\n", ch[i].kind, ch[i].text);
        }
        pg_rule_changes_free(ch, n);
    }
    for (int i = 0; i < 2; i++) pg_ruleset_free(rs[i]);
    pg_diags_free(&d);
    return bad ? 1 : 0;
}

int cmd_rules(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "diff") == 0) return diff(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
