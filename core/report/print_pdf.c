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
 * it as <basename>-units-<group>.pdf, the same way and with the same fonts embedded.
 *
 * Links, so that a reader of the PDF set stays in it: the HTML links an 附件's HTML file (and a
 * unit's section there), which is right on screen; its PDF should open the 附件's PDF. So the
 * page printed is a copy of the HTML, beside it, whose links to <basename>-units-*.html name the
 * .pdf instead (the HTML itself is left as it is: published documents are frozen). And Chromium
 * writes each link of the PDF as the absolute URL it resolved, file:///<the directory printed
 * in>/…, which names a place on the machine that printed it. A link into that directory is made
 * relative again (PDF 32000 §12.6.4.7: a URI without a base is taken relative to the document),
 * so the set works wherever it is copied, and through the host's documents route, whose URLs put
 * the files side by side too. That edit is made in the file Chromium wrote, in place: the
 * relative URI is a tail of the absolute one, written in the same string's place and padded
 * with blanks after it, so no byte moves and the cross-reference table stays true. A link it
 * cannot edit so (an escape in the string, not in an uncompressed object) is left absolute. */
#define _GNU_SOURCE /* nftw, memmem */
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

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= 0) {
        buf = pg_xmalloc((size_t)st.st_size + 1);
        *len = fread(buf, 1, (size_t)st.st_size, f);
        if (*len != (size_t)st.st_size) {
            free(buf);
            buf = NULL;
        } else {
            buf[*len] = 0;
        }
    }
    fclose(f);
    return buf;
}

static int name_char(char c)
{
    return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '-' ||
           c == '_';
}

/* The HTML `text` of the document <base>.html with each name of an 附件 of it,
 * <base>-units-<group>.html — a link's target, and the file named in words beside it — made
 * the 附件's PDF's (malloc'd); NULL when it names none. */
static char *pdf_links(const char *text, const char *base)
{
    char *lead = pg_xasprintf("%s-units-", base);
    size_t llen = strlen(lead), n = 0, cap = 0;
    char *out = NULL;
    const char *from = text, *at = text;
    while ((at = strstr(at, lead))) {
        const char *q = at + llen;
        while (name_char(*q)) q++;
        int whole = (at == text || (!name_char(at[-1]) && at[-1] != '/' && at[-1] != '.')) &&
                    q > at + llen && strncmp(q, ".html", 5) == 0 && !name_char(q[5]) && q[5] != '.';
        if (!whole) {
            at += llen;
            continue;
        }
        size_t keep = (size_t)(q - from); /* up to ".html", then ".pdf" */
        if (n + keep + 5 > cap) out = pg_xrealloc(out, cap = 2 * (n + keep + 5) + 4096);
        memcpy(out + n, from, keep);
        memcpy(out + n + keep, ".pdf", 4);
        n += keep + 4;
        at = from = q + 5;
    }
    free(lead);
    if (!out) return NULL;
    size_t rest = strlen(from);
    if (n + rest + 1 > cap) out = pg_xrealloc(out, n + rest + 1);
    memcpy(out + n, from, rest + 1);
    return out;
}

static int hex(char c)
{
    return '0' <= c && c <= '9'   ? c - '0'
           : 'a' <= c && c <= 'f' ? c - 'a' + 10
           : 'A' <= c && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* 1 when the PDF string s[0..len) (its bytes between the parentheses) is a URL of a file in
 * directory `dir` (absolute, no trailing '/'); *tail then is where the name within it starts. */
static int in_dir(const char *s, size_t len, const char *dir, size_t *tail)
{
    static const char scheme[] = "file://";
    size_t sl = sizeof scheme - 1, dl = strlen(dir), i = sl, k = 0;
    if (len <= sl || memcmp(s, scheme, sl) != 0) return 0;
    /* the directory as Chromium wrote it: percent-encoded where it had to be */
    while (k < dl && i < len) {
        if (s[i] == '%' && i + 2 < len && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            if ((char)(hex(s[i + 1]) * 16 + hex(s[i + 2])) != dir[k]) return 0;
            i += 3;
        } else {
            if (s[i] != dir[k]) return 0;
            i++;
        }
        k++;
    }
    if (k != dl || i >= len || s[i] != '/' || i + 1 >= len) return 0;
    *tail = i + 1;
    return 1;
}

/* Makes the PDF's links into directory `dir` relative, in place (see the top of the file).
 * Returns how many were made so, or -1 when the file could not be written back (it may then be
 * damaged: the caller fails the print). */
static int relative_links(const char *pdf, const char *dir)
{
    size_t len = 0;
    char *buf = read_all(pdf, &len);
    if (!buf) return 0;
    static const char key[] = "/URI (";
    int made = 0;
    for (char *at = buf; (at = memmem(at, len - (size_t)(at - buf), key, sizeof key - 1));) {
        char *s = at + sizeof key - 1, *close = memchr(s, ')', len - (size_t)(s - buf));
        at = s;
        size_t tail;
        if (!close || memchr(s, '\\', (size_t)(close - s)) || memchr(s, '(', (size_t)(close - s)) ||
            !in_dir(s, (size_t)(close - s), dir, &tail))
            continue;
        size_t keep = (size_t)(close - s) - tail;
        memmove(s, s + tail, keep);
        s[keep] = ')';
        memset(s + keep + 1, ' ', (size_t)(close - s) - keep);
        made++;
    }
    if (made) {
        FILE *f = fopen(pdf, "r+b");
        if (!f || fwrite(buf, 1, len, f) != len) made = -1;
        if (f && fclose(f) != 0) made = -1;
    }
    free(buf);
    return made;
}

/* Chromium prints the page at the absolute path `abs` (the document `html`, or a copy of it) to
 * `pdf`. 0 or -1. */
static int print_page(const char *abs, const char *html, const char *pdf, pg_diags *d)
{
    const char *browser = getenv("PINGGU_CHROMIUM");
    if (!browser || !*browser) browser = "chromium";
    char profile[] = "/tmp/pinggu-pdf-XXXXXX";
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

int pg_print_pdf(const char *html, const char *pdf, pg_diags *d)
{
    char abs[PATH_MAX];
    if (!realpath(html, abs)) {
        pg_error(d, html, 0, "cannot print it to PDF: %s", strerror(errno));
        return -1;
    }
    const char *file = strrchr(abs, '/') + 1; /* realpath's answer is absolute */
    size_t fl = strlen(file);
    char *dir = pg_xasprintf("%.*s", (int)(file - 1 - abs), abs);
    char *base =
        pg_xasprintf("%.*s", (int)(fl > 5 && !strcmp(file + fl - 5, ".html") ? fl - 5 : fl), file);
    size_t len = 0;
    char *text = read_all(abs, &len), *copy = text ? pdf_links(text, base) : NULL;
    int rc;
    if (copy) {
        /* the page with its 附件 links made the PDFs', beside the original so that everything
         * else it names resolves the same */
        char *page = pg_xasprintf("%s/.%s.XXXXXX.html", dir, base);
        int fd = mkstemps(page, 5);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        int ok = f && fputs(copy, f) >= 0;
        if (f && fclose(f) != 0) ok = 0;
        if (!f && fd >= 0) close(fd);
        if (ok) {
            rc = print_page(page, html, pdf, d);
        } else {
            pg_error(d, html, 0, "cannot write the page to print beside it: %s", strerror(errno));
            rc = -1;
        }
        if (fd >= 0) unlink(page);
        free(page);
    } else {
        rc = print_page(abs, html, pdf, d);
    }
    if (rc == 0 && relative_links(pdf, dir) < 0) {
        pg_error(d, pdf, 0, "cannot make its links relative: %s", strerror(errno));
        rc = -1;
    }
    free(text), free(copy), free(dir), free(base);
    return rc;
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
