/* cmd_check.c — `pinggu check DIR`: load and validate a rule set without data. Prints every
 * error and warning as file:line: message; exit 1 if there is any error. */
#include "cli.h"
#include "rules.h"

#include <stdio.h>

int cmd_check(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: pinggu check DIR\n", stderr);
        return 2;
    }
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_ruleset_load(argv[1], &rs, &d);
    pg_diags_print(&d, stderr);
    int bad = d.errors > 0;
    if (rs) {
        int leaves = 0;
        for (int i = 0; i < rs->nnodes; i++)
            leaves += rs->nodes[i].nchildren == 0 && !rs->nodes[i].adjust;
        printf("%s: rule set %s (%d) revision %.12s: %d groups, %d units, %d metrics, "
               "%d indicators (%d leaves), %d schemes; %d warnings\n",
               argv[1], rs->id, rs->year, rs->revision, rs->ngroups, rs->nunits, rs->nmetrics,
               rs->nnodes, leaves, rs->nschemes, d.warnings);
    } else
        fprintf(stderr, "%s: %d errors, %d warnings\n", argv[1], d.errors, d.warnings);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return bad ? 1 : 0;
}
