/* cmd_ingest.c — `pinggu ingest`: take raw batch files of one source, or a CSV of fed values,
 * into a data directory's store (all-or-nothing per file, a no-op for a file already active),
 * list the batches, withdraw one, or replace one by a new file in one step. A line saying a
 * batch was stored is printed only once its transaction has committed. On a terminal, an
 * ingest of raw files that runs longer than about 2 s shows a progress line (progress.h).
 * --dry-run reads the files as an ingest would and says how their columns map to the
 * source's fields and what is wrong, without opening the data directory: a clerk can try an
 * export before anything is kept. --from pulls one batch through the source plugin the
 * source names (`--from postgres:` reads its options.table), as a batch like any file's. */
#include "data.h"
#include "args.h"
#include "cli.h"
#include "progress.h"
#include "rules.h"

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: pinggu ingest --rules DIR --data DIR --source NAME [--threads N] [--actor WHO] "
    "FILE|DIR...\n"
    "       pinggu ingest --rules DIR [--data DIR] --source NAME --dry-run [--threads N] "
    "FILE|DIR...\n"
    "       pinggu ingest --rules DIR --data DIR --source NAME --from PLUGIN:[LOCATION] "
    "[--full] [--replace ID] [--actor WHO]\n"
    "       pinggu ingest --rules DIR --data DIR --values FILE.csv [--actor WHO]\n"
    "       pinggu ingest --rules DIR --data DIR --source NAME --replace ID [--actor WHO] FILE\n"
    "       pinggu ingest --rules DIR --data DIR --values FILE.csv --replace ID [--actor WHO]\n"
    "       pinggu ingest --data DIR --withdraw ID [--actor WHO]\n"
    "       pinggu ingest --data DIR --list\n";

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

/* What the raw files named on the command line hold in all (directories by their batch files),
 * for the progress line's percentage and ETA; -1 when one cannot be read. */
static long long total_size(int argc, char **argv)
{
    long long total = 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) return -1;
        if (!S_ISDIR(st.st_mode)) {
            total += st.st_size;
            continue;
        }
        int n;
        char **files = dir_files(argv[i], &n);
        for (int k = 0; k < n; k++) {
            if (stat(files[k], &st) == 0) total += st.st_size;
            free(files[k]);
        }
        free(files);
    }
    return total;
}

/* One file (a workbook, book.xlsx[#SHEET], through the xlsx plugin), or with `from` one pull
 * through a source plugin (named then by the batch's file, "postgres:public.cases@db"). */
static int ingest_one(const pg_ruleset *rs, const char *data, const pg_batch_req *rq,
                      const char *from, int full, cli_progress *progress, pg_diags *d)
{
    pg_batch b;
    int again;
    int before = d->n;
    pg_pull_opts po = {NULL, full}; /* --full: an updated_at source read whole */
    int rc = from                      ? pg_batch_pull_with(rs, data, rq, from, &po, &b, &again, d)
             : pg_sheet_path(rq->path) ? pg_batch_ingest_sheet(rs, data, rq, &b, &again, d)
                                       : pg_batch_ingest(rs, data, rq, &b, &again, d);
    const char *path = from ? (rc == 0 ? b.file : from) : rq->path;
    cli_progress_pause(progress); /* the lines below may go to the same terminal */
    pg_diags_print(&(pg_diags){d->v + before, d->n - before, 0, 0, 0}, stderr);
    if (rc == 0) {
        if (again)
            printf("%s: already ingested as batch %.12s; nothing changed\n", path, b.id);
        else if (strcmp(rq->source, PG_BATCH_VALUES) == 0)
            printf("%s: batch %.12s: %ld values\n", path, b.id, b.records);
        else
            printf("%s: batch %.12s: %ld records of %s\n", path, b.id, b.records, rq->source);
        if (!again && b.duplicates)
            printf("%s: %ld records repeat an earlier key and were counted once\n", path,
                   b.duplicates);
        if (rq->replaces && !again)
            printf("batch %s replaced by batch %.12s\n", rq->replaces, b.id);
        pg_batch_clear(&b);
    }
    fflush(stdout);
    cli_progress_resume(progress);
    return rc;
}

/* --dry-run of one raw file: the mapping on stdout, the problems (the first 20, as an ingest
 * reports them) on stderr, and one line saying what an ingest would do. Returns 0 when an
 * ingest would take the file. */
static int check_one(const pg_ruleset *rs, const char *source, const char *path, int threads,
                     pg_diags *d)
{
    int s = pg_strmap_get(&rs->source_ids, source);
    const pg_source *src = s >= 0 ? &rs->sources[s] : NULL;
    pg_batch_check c;
    int before = d->n;
    int rc = pg_batch_check_file(rs, source, path, threads, &c, d);
    if (src && c.ncols) {
        int ndjson = strcmp(c.format, "ndjson") == 0;
        printf("%s: %s of %s\n", path,
               ndjson ? "the keys of the first record" : "the header's columns", source);
        static const char *const types[] = {"string", "int", "number", "bool", "time", "enum"};
        int w = 4;
        for (int i = 0; i < c.ncols; i++)
            if ((int)strlen(c.col[i]) > w) w = (int)strlen(c.col[i]);
        if (w > 40) w = 40;
        for (int i = 0; i < c.ncols; i++) {
            const pg_field *f = c.field[i] >= 0 ? &src->fields[c.field[i]] : NULL;
            printf("  %3d  %-*s  ", i + 1, w, c.col[i]);
            if (f)
                printf("-> %s (%s%s)\n", f->name, types[f->type], f->nullable ? ", nullable" : "");
            else if (src->extra_ignore)
                printf("-> (not declared: skipped, extra_columns = \"ignore\")\n");
            else
                printf("-> (not declared)\n");
        }
        /* the declared fields the file does not name: null throughout, or an error */
        for (int k = 0; k < src->nfields; k++) {
            int named = 0;
            for (int i = 0; i < c.ncols && !named; i++) named = c.field[i] == k;
            if (named) continue;
            const pg_field *f = &src->fields[k];
            printf("  %3s  %-*s  <- %s (%s%s): %s\n", "-", w, "", f->name, types[f->type],
                   f->nullable ? ", nullable" : "",
                   ndjson ? (f->nullable ? "no key in this record (null)" : "no key in this record")
                   : f->optional ? "no column (optional: null in every record)"
                                 : "no column");
        }
    }
    fflush(stdout); /* the mapping before the problems, where both go to one terminal */
    pg_diags_print(&(pg_diags){d->v + before, d->n - before, 0, 0, 0}, stderr);
    if (rc == 0) {
        printf("%s: dry run: %ld records of %s would be ingested; nothing stored\n", path,
               c.records, source);
        if (c.duplicates)
            printf("%s: %ld records repeat an earlier key and would be counted once\n", path,
                   c.duplicates);
    } else {
        printf("%s: dry run: an ingest would refuse this file; nothing stored\n", path);
    }
    fflush(stdout);
    pg_batch_check_clear(&c);
    return rc;
}

static int list(const char *data)
{
    pg_diags d = {0};
    pg_batch *b;
    int n;
    pg_batch_list(data, &b, &n, &d);
    pg_diags_print(&d, stderr);
    printf("%-12s  %-10s  %-9s  %9s  %-24s  %-16s  %s\n", "batch", "source", "status", "records",
           "ingested", "actor", "file");
    for (int i = 0; i < n; i++) {
        printf("%.12s  %-10s  %-9s  %9ld  %-24s  %-16s  %s", b[i].id, b[i].source, b[i].status,
               b[i].records, b[i].ingested_at, b[i].actor, b[i].file);
        if (b[i].replaced_by[0]) printf("  (replaced by %.12s)", b[i].replaced_by);
        putchar('\n');
    }
    pg_batch_list_free(b, n);
    int bad = d.errors > 0;
    pg_diags_free(&d);
    return bad;
}

int cmd_ingest(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *source = NULL, *withdraw = NULL, *nthreads = NULL;
    const char *replace = NULL, *values = NULL, *actor = NULL, *from = NULL;
    int do_list = 0, dry_run = 0, full = 0, threads = pg_ingest_threads();
    const cli_opt opts[] = {CLI_OPTION("rules", &rules),
                            CLI_OPTION("data", &data),
                            CLI_OPTION("source", &source),
                            CLI_FLAG("list", &do_list),
                            CLI_OPTION("withdraw", &withdraw),
                            CLI_OPTION("threads", &nthreads),
                            CLI_OPTION("replace", &replace),
                            CLI_OPTION("values", &values),
                            CLI_OPTION("actor", &actor),
                            CLI_FLAG("dry-run", &dry_run),
                            CLI_OPTION("from", &from),
                            CLI_FLAG("full", &full),
                            CLI_END};
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
    /* a dry run reads files against the rule set only; it changes no batch */
    if (dry_run &&
        (!rules || !source || values || replace || withdraw || do_list || optind == argc)) {
        fputs("pinggu ingest: --dry-run takes --rules, --source and the files (not --values, "
              "--replace, --withdraw or --list)\n",
              stderr);
        fputs(usage, stderr);
        return 2;
    }
    if (!data && !dry_run) {
        fputs(usage, stderr);
        return 2;
    }
    if (full && !from) {
        fputs("pinggu ingest: --full is for a pull (--from): it reads every record of a source "
              "pulled by its updated_at field\n",
              stderr);
        return 2;
    }
    if (do_list) return list(data);
    /* --from: one pull, in place of files */
    if (from && (!rules || !source || values || dry_run || withdraw || optind != argc)) {
        fputs("pinggu ingest: --from takes --rules, --data and --source (not files, --values, "
              "--dry-run or --withdraw)\n",
              stderr);
        fputs(usage, stderr);
        return 2;
    }
    if (from) {
        pg_diags d = {0};
        pg_ruleset *rs = NULL;
        int rc = pg_ruleset_load(rules, &rs, &d);
        if (rc != 0) {
            pg_diags_print(&d, stderr);
        } else {
            pg_batch_req rq = {source, NULL, cli_actor(actor), replace, threads};
            rc = ingest_one(rs, data, &rq, from, full, NULL, &d);
        }
        pg_ruleset_free(rs);
        pg_diags_free(&d);
        return rc ? 1 : 0;
    }
    if (withdraw) {
        pg_diags d = {0};
        pg_batch b;
        int rc = pg_batch_withdraw(data, withdraw, cli_actor(actor), &b, &d);
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        if (rc == 0) printf("batch %.12s (%s, %s) withdrawn\n", b.id, b.source, b.file);
        pg_batch_clear(&b);
        return rc ? 1 : 0;
    }
    /* one of --source FILE|DIR... and --values FILE; --replace takes exactly one file */
    int nfiles = argc - optind + (values != NULL);
    if (!rules || !source == !values || nfiles == 0 || (values && optind != argc) ||
        (replace && nfiles != 1)) {
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
    if (dry_run) {
        /* said once, not once a file */
        if (pg_strmap_get(&rs->source_ids, source) < 0) {
            fprintf(stderr, "pinggu ingest: --source %s: the rule set declares no such source\n",
                    source);
            failed = 1;
        }
        for (int i = optind; i < argc && !failed; i++) {
            struct stat st;
            if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                int n;
                char **files = dir_files(argv[i], &n);
                for (int k = 0; k < n; k++) {
                    failed |= check_one(rs, source, files[k], threads, &d) != 0;
                    free(files[k]);
                }
                free(files);
            } else {
                failed |= check_one(rs, source, argv[i], threads, &d) != 0;
            }
        }
        pg_ruleset_free(rs);
        pg_diags_free(&d);
        return failed ? 1 : 0;
    }
    pg_batch_req rq = {source ? source : PG_BATCH_VALUES, values, cli_actor(actor), replace,
                       threads};
    /* values files are small and read by the dataset's reader: no progress for them */
    cli_progress *progress = values ? NULL : cli_progress_start("ingest", total_size(argc, argv));
    if (values) failed = ingest_one(rs, data, &rq, NULL, 0, NULL, &d) != 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            int n;
            char **files = dir_files(argv[i], &n);
            if (replace && n != 1) {
                cli_progress_pause(progress);
                fprintf(stderr, "pinggu ingest: --replace takes one file; %s holds %d\n", argv[i],
                        n);
                cli_progress_resume(progress);
                failed = 1;
            }
            for (int k = 0; k < n; k++) {
                rq.path = files[k];
                if (!failed || !replace)
                    failed |= ingest_one(rs, data, &rq, NULL, 0, progress, &d) != 0;
                free(files[k]);
            }
            free(files);
        } else {
            rq.path = argv[i];
            failed |= ingest_one(rs, data, &rq, NULL, 0, progress, &d) != 0;
        }
    }
    cli_progress_stop(progress);
    pg_ruleset_free(rs);
    pg_diags_free(&d);
    return failed ? 1 : 0;
}
