/* cmd_check.c — `pinggu check DIR`: load and validate a rule set without data. Prints every
 * error and warning as file:line: message; exit 1 if there is any error. For a set that extends
 * another (ruleset { extends = ... }), also what it inherits, overrides, adds and retires. */
#include "cli.h"
#include "data.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>

/* The lineage of a set that extends another: the inherited by kind (counted: they are the bulk),
 * then every override, addition and retirement with where it is written. */
static void print_lineage(const pg_ruleset *rs)
{
    printf("%s extends %s", rs->dir, rs->layers[1].dir);
    for (int i = 2; i < rs->nlayers; i++) printf(" (which extends %s)", rs->layers[i].dir);
    printf(":\n");
    static const char *const kinds[] = {"indicator", "metric", "scheme", "source", "group"};
    static const char *const plural[] = {"indicators", "metrics", "schemes", "sources", "groups"};
    printf("  inherited:");
    const char *sep = " ";
    for (int k = 0; k < 5; k++) {
        int n = 0;
        for (int i = 0; i < rs->nlineage; i++)
            n += rs->lineage[i].status == PG_LINEAGE_INHERITED &&
                 strcmp(rs->lineage[i].kind, kinds[k]) == 0;
        if (n) printf("%s%d %s", sep, n, n == 1 ? kinds[k] : plural[k]), sep = ", ";
    }
    sep = "; settings ";
    for (int i = 0; i < rs->nlineage; i++)
        if (rs->lineage[i].status == PG_LINEAGE_INHERITED &&
            strcmp(rs->lineage[i].kind, "setting") == 0)
            printf("%s%s", sep, rs->lineage[i].id), sep = ", ";
    if (rs->units_from && strcmp(rs->units_from, rs->dir) != 0)
        printf("; units.csv from %s", rs->units_from);
    printf("\n");
    for (int i = 0; i < rs->nlineage; i++) {
        const pg_lineage *g = &rs->lineage[i];
        if (g->status == PG_LINEAGE_OVERRIDDEN)
            printf("  overridden: %s %s at %s:%d (replaces %s:%d)\n", g->kind, g->id, g->file,
                   g->line, g->from_file, g->from_line);
    }
    for (int i = 0; i < rs->nlineage; i++) {
        const pg_lineage *g = &rs->lineage[i];
        if (g->status == PG_LINEAGE_ADDED)
            printf("  added: %s %s at %s:%d\n", g->kind, g->id, g->file, g->line);
    }
    for (int i = 0; i < rs->nlineage; i++) {
        const pg_lineage *g = &rs->lineage[i];
        if (g->status == PG_LINEAGE_RETIRED)
            printf("  retired: %s %s (%s:%d) by %s:%d\n", g->kind, g->id, g->file, g->line,
                   g->from_file, g->from_line);
    }
    printf("  calendar: its own (a year's holidays are never inherited)\n");
}

int cmd_check(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: pinggu check DIR\n", stderr);
        return 2;
    }
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    pg_ruleset_load(argv[1], &rs, &d);
    /* a source pulled with pushdown = "true": every metric compiles to SQL or says why not */
    if (rs) pg_pushdown_check(rs, &d);
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
        if (rs->nlayers > 1) print_lineage(rs);
    } else
        fprintf(stderr, "%s: %d errors, %d warnings\n", argv[1], d.errors, d.warnings);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return bad ? 1 : 0;
}
