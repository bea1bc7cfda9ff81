/* cmd_ingest.c — `pinggu ingest`: take raw batch files of one source into a data directory
 * (all-or-nothing per file, a no-op for a file already taken), list the batches, or withdraw
 * one. */
#include "batch.h"
#include "args.h"
#include "cli.h"
#include "ingest_parallel.h"
#include "ruleset.h"

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: pinggu ingest --rules DIR --data DIR --source NAME [--threads N] FILE|DIR...\n"
    "       pinggu ingest --data DIR --list\n"
    "       pinggu ingest --data DIR --withdraw ID\n";

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The batch files of a directory, in name order: *.csv, *.ndjson, *.jsonl. */
static char **dir_files(const char *dir, int *n)
{
    DIR *dp = opendir(dir);
    char **v = NULL;
    *n = 0;
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        const char *dot = strrchr(e->d_name, '.');
        if (e->d_name[0] == '.' || !dot ||
            (strcmp(dot, ".csv") && strcmp(dot, ".ndjson") && strcmp(dot, ".jsonl")))
            continue;
        v = pg_xrealloc(v, sizeof(char *) * (size_t)(*n + 1));
        v[(*n)++] = pg_xasprintf("%s/%s", dir, e->d_name);
    }
    if (dp) closedir(dp);
    if (*n) qsort(v, (size_t)*n, sizeof(char *), cmp_str);
    return v;
}

static int ingest_one(const pg_ruleset *rs, const char *data, const char *source, const char *path,
                      int threads, pg_diags *d)
{
    pg_batch b;
    int again;
    int before = d->n;
    int rc = pg_batch_ingest(rs, data, source, path, threads, &b, &again, d);
    pg_diags_print(&(pg_diags){d->v + before, d->n - before, 0, 0, 0}, stderr);
    if (rc != 0) return rc;
    if (again)
        printf("%s: already ingested as batch %.12s; nothing changed\n", path, b.id);
    else
        printf("%s: batch %.12s: %ld records of %s\n", path, b.id, b.records, source);
    if (!again && b.duplicates)
        printf("%s: %ld records repeat an earlier key and were counted once\n", path, b.duplicates);
    pg_batch_clear(&b);
    return 0;
}

static int list(const char *data)
{
    pg_diags d = {0};
    pg_batch *b;
    int n;
    pg_batch_list(data, &b, &n, &d);
    pg_diags_print(&d, stderr);
    printf("%-12s  %-10s  %-9s  %9s  %-20s  %s\n", "batch", "source", "status", "records",
           "ingested", "file");
    for (int i = 0; i < n; i++)
        printf("%.12s  %-10s  %-9s  %9ld  %-20s  %s\n", b[i].id, b[i].source,
               b[i].active ? "active" : "withdrawn", b[i].records, b[i].ingested_at, b[i].file);
    pg_batch_list_free(b, n);
    int bad = d.errors > 0;
    pg_diags_free(&d);
    return bad;
}

int cmd_ingest(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *source = NULL, *withdraw = NULL, *nthreads = NULL;
    int do_list = 0, threads = pg_ingest_threads();
    const cli_opt opts[] = {
        {"rules", &rules, NULL},  {"data", &data, NULL},         {"source", &source, NULL},
        {"list", NULL, &do_list}, {"withdraw", &withdraw, NULL}, {"threads", &nthreads, NULL},
        {NULL, NULL, NULL}};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (nthreads) {
        char *end;
        long t = strtol(nthreads, &end, 10);
        if (*end || t < 1 || t > 64) {
            fprintf(stderr, "pinggu ingest: --threads takes a number from 1 to 64\n");
            return 2;
        }
        threads = (int)t;
    }
    if (!data) {
        fputs(usage, stderr);
        return 2;
    }
    if (do_list) return list(data);
    if (withdraw) {
        pg_diags d = {0};
        int rc = pg_batch_withdraw(data, withdraw, &d);
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        if (rc == 0) printf("batch %s withdrawn\n", withdraw);
        return rc ? 1 : 0;
    }
    if (!rules || !source || optind == argc) {
        fputs(usage, stderr);
        return 2;
    }
    pg_diags d = {0};
    pg_ruleset *rs = NULL;
    if (pg_ruleset_load(rules, &rs, &d) != 0) {
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        return 1;
    }
    int failed = 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            int n;
            char **files = dir_files(argv[i], &n);
            for (int k = 0; k < n; k++) {
                failed |= ingest_one(rs, data, source, files[k], threads, &d) != 0;
                free(files[k]);
            }
            free(files);
        } else
            failed |= ingest_one(rs, data, source, argv[i], threads, &d) != 0;
    }
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return failed ? 1 : 0;
}
