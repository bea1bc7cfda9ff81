/* cmd_backup.c — `pinggu backup --data DIR DEST`: a consistent copy of a data directory while
 * the host may be running and writing (core/record/include/record.h). Restoring is: stop the host,
 * put the backup in place of the data directory, start the host. */
#include "args.h"
#include "record.h"
#include "cli.h"

#include <stdio.h>
#include <unistd.h>

static const char usage[] = "usage: pinggu backup --data DIR DEST\n"
                            "  DEST must not exist, or be an empty directory\n";

int cmd_backup(int argc, char **argv)
{
    const char *data = NULL;
    const cli_opt opts[] = {CLI_REQUIRED("data", &data), CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 1, 1, usage)) return 2;
    const char *dest = argv[optind];
    pg_diags d = {0};
    pg_backup_stats st;
    int rc = pg_backup(data, dest, &st, &d);
    pg_diags_print(&d, stderr);
    pg_diags_free(&d);
    if (rc != 0) return 1;
    printf("backed up %s into %s: the database, %ld batch file%s, %ld evidence file%s, %ld rule "
           "snapshot%s, %ld other file%s; %.1f MB\n",
           data, dest, st.batches, st.batches == 1 ? "" : "s", st.evidence,
           st.evidence == 1 ? "" : "s", st.snapshots, st.snapshots == 1 ? "" : "s", st.files,
           st.files == 1 ? "" : "s", (double)st.bytes / 1e6);
    return 0;
}
