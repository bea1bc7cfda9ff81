/* cmd_prune.c — `pinggu prune`: delete the recorded runs that no bulletin publishes, finished
 * before a given time, and the inputs and results only they named. The host records a run for
 * every evaluation it makes, and a re-score that changes the numbers stores a new result; this
 * is how an operator keeps the store from growing without end. Published runs always stay. */
#include "args.h"
#include "cli.h"
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: pinggu prune --data DIR --before TIME [--actor WHO]\n"
    "  deletes the runs finished before TIME (ISO 8601 in UTC, e.g. 2021-06-01) that no bulletin\n"
    "  publishes, and the inputs and results no remaining run names; published bulletins and\n"
    "  their runs are never touched\n";

int cmd_prune(int argc, char **argv)
{
    const char *data = NULL, *before = NULL, *actor = NULL;
    const cli_opt opts[] = {CLI_REQUIRED("data", &data), CLI_REQUIRED("before", &before),
                            CLI_OPTION("actor", &actor), CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    /* a date or a time, as the store writes them: the comparison is on the text */
    if (strlen(before) < 10 || before[4] != '-' || before[7] != '-') {
        fprintf(stderr, "pinggu prune: --before %s: expected YYYY-MM-DD[THH:MM:SSZ]\n", before);
        return 2;
    }
    pg_diags d = {0};
    pg_store *st = NULL;
    long runs = 0, blobs = 0;
    int rc = 1;
    if (access(data, F_OK) != 0)
        pg_error(&d, data, 0, "no such data directory");
    else if (pg_store_open(data, &st, &d) == 0 &&
             pg_runs_prune(st, before, cli_actor(actor), &runs, &blobs, &d) == 0) {
        printf("pruned %ld runs and %ld stored inputs or results finished before %s\n", runs, blobs,
               before);
        rc = 0;
    }
    pg_diags_print_errors(&d, stderr);
    pg_diags_free(&d);
    pg_store_close(st);
    return rc;
}
