/* print_pdf.c — a bulletin's HTML printed to PDF by a headless Chromium, for `pinggu report
 * --format pdf` and the host's documents of a published bulletin (host/documents.c).
 *
 * The HTML report is already laid out for A4 (print CSS, page breaks, page numbers, the Noto CJK
 * faces named), so the PDF is that page printed, not a second layout written here: a browser's
 * print engine lays out CJK text and tables as the page was designed and embeds the fonts it used
 * as subsets. Chromium is found as $PINGGU_CHROMIUM, else `chromium` on PATH (Debian's package);
 * it is a dependency of this one format only. Its profile goes to a fresh temporary directory, so
 * two prints at once never share one, and a print that takes longer than two minutes is killed
 * and reported rather than left to hang the command.
 *
 * A group of more than 50 units has its units' sections in an 附件 file of its own,
 * <basename>-units-<group>.html (report_html.c); pg_print_pdf_annexes prints each of those beside
 * it as <basename>-units-<group>.pdf, the same way and with the same fonts embedded. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "report.h"

#include <fcntl.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PRINT_LIMIT_S 120

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) != 0 ? -1 : 0;
}

/* The browser's profile, a few dozen files it wrote. */
static void remove_tree(const char *dir)
{
    if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "pinggu: warning: could not remove the browser profile %s\n", dir);
}

int pg_print_pdf(const char *html, const char *pdf, pg_diags *d)
{
    const char *browser = getenv("PINGGU_CHROMIUM");
    if (!browser || !*browser) browser = "chromium";
    char abs[PATH_MAX], profile[] = "/tmp/pinggu-pdf-XXXXXX";
    if (!realpath(html, abs)) {
        pg_error(d, html, 0, "cannot print it to PDF: %s", strerror(errno));
        return -1;
    }
    if (!mkdtemp(profile)) {
        pg_error(d, NULL, 0, "cannot make a temporary directory for the browser: %s",
                 strerror(errno));
        return -1;
    }
    char *url = pg_xasprintf("file://%s", abs), *out = pg_xasprintf("--print-to-pdf=%s", pdf);
    char *prof = pg_xasprintf("--user-data-dir=%s", profile);
    char *argv[] = {(char *)browser,
                    "--headless",
                    "--disable-gpu",
                    "--no-sandbox", /* as root (a service, CI) Chromium refuses to start without */
                    "--no-pdf-header-footer",
                    "--no-first-run",
                    prof,
                    out,
                    url,
                    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    unlink(pdf); /* so an old file is never taken for this print */
    int rc = posix_spawnp(&pid, browser, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        pg_error(d, NULL, 0,
                 "cannot start %s to print the PDF: %s (install Debian's chromium, or set "
                 "PINGGU_CHROMIUM to a Chromium binary)",
                 browser, strerror(rc));
    } else {
        int status = 0, waited = 0;
        struct timespec tick = {0, 100 * 1000 * 1000};
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (++waited > PRINT_LIMIT_S * 10) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                pg_error(d, pdf, 0, "%s did not finish printing within %d s", browser,
                         PRINT_LIMIT_S);
                rc = -1;
                break;
            }
            nanosleep(&tick, NULL);
        }
        struct stat st;
        if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || stat(pdf, &st) != 0 ||
                        st.st_size == 0)) {
            pg_error(d, pdf, 0, "%s could not print %s to PDF (exit status %d)", browser, html,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            rc = -1;
        }
    }
    remove_tree(profile);
    free(url), free(out), free(prof);
    return rc == 0 ? 0 : -1;
}

/* qsort: the annexes in name order, so the files are printed and listed the same way twice */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pg_print_pdf_annexes(const char *dir, const char *basename, FILE *list, pg_diags *d)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        pg_error(d, dir, 0, "cannot read the directory: %s", strerror(errno));
        return -1;
    }
    char *prefix = pg_xasprintf("%s-units-", basename);
    size_t plen = strlen(prefix);
    char **names = NULL;
    int n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        size_t len = strlen(e->d_name);
        if (len <= plen + 5 || strncmp(e->d_name, prefix, plen) != 0 ||
            strcmp(e->d_name + len - 5, ".html") != 0)
            continue;
        if (n == cap) names = pg_xrealloc(names, (size_t)(cap = cap ? 2 * cap : 8) * sizeof *names);
        names[n++] = pg_xstrdup(e->d_name);
    }
    closedir(dp);
    if (n) qsort(names, (size_t)n, sizeof *names, by_name);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char *src = pg_xasprintf("%s/%s", dir, names[i]);
        char *dst = pg_xasprintf("%s/%.*s.pdf", dir, (int)(strlen(names[i]) - 5), names[i]);
        if (rc == 0 && (rc = pg_print_pdf(src, dst, d)) == 0 && list) fprintf(list, "%s\n", dst);
        free(src), free(dst), free(names[i]);
    }
    free(names), free(prefix);
    return rc;
}
