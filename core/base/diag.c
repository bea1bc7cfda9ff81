/* diag.c — collecting and printing diagnostics, plus the allocation helpers every module
 * uses. Allocation failure in the C core is not recoverable in a useful way (the inputs are
 * bounded and small next to memory), so the helpers abort with a message rather than thread
 * NULL checks through every caller; Lua memory, which a rule controls, is capped separately
 * in sandbox.c. */
#include "base.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

static void oom(void)
{
    fputs("pinggu: out of memory\n", stderr);
    abort();
}

void *pg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *pg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom();
    return p;
}

void *pg_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) oom();
    return p;
}

size_t pg_text_cap(size_t cap, size_t need)
{
    if (!cap) cap = 256;
    while (cap < need) cap *= 2;
    return cap > ((size_t)1 << 20) && cap < ((size_t)64 << 20) ? (size_t)64 << 20 : cap;
}

char *pg_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(pg_xmalloc(n), s, n);
}

static char *vasprintf_x(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *s = pg_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *pg_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vasprintf_x(fmt, ap);
    va_end(ap);
    return s;
}

void pg_diag_add(pg_diags *d, pg_severity sev, const char *file, int line, int col, const char *fmt,
                 ...)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = pg_xrealloc(d->v, sizeof(*d->v) * (size_t)d->cap);
    }
    va_list ap;
    va_start(ap, fmt);
    d->v[d->n++] = (pg_diag){sev, file ? pg_xstrdup(file) : NULL, line, col, vasprintf_x(fmt, ap)};
    va_end(ap);
    if (sev == PG_ERROR)
        d->errors++;
    else
        d->warnings++;
}

void pg_diags_print(const pg_diags *d, FILE *out)
{
    for (int i = 0; i < d->n; i++) {
        const pg_diag *g = &d->v[i];
        const char *sev = g->sev == PG_ERROR ? "error" : "warning";
        if (g->file && g->line && g->col)
            fprintf(out, "%s:%d:%d: %s: %s\n", g->file, g->line, g->col, sev, g->msg);
        else if (g->file && g->line)
            fprintf(out, "%s:%d: %s: %s\n", g->file, g->line, sev, g->msg);
        else if (g->file)
            fprintf(out, "%s: %s: %s\n", g->file, sev, g->msg);
        else
            fprintf(out, "pinggu: %s: %s\n", sev, g->msg);
    }
}

void pg_diags_print_errors(const pg_diags *d, FILE *out)
{
    for (int i = 0; i < d->n; i++)
        if (d->v[i].sev == PG_ERROR) {
            pg_diags one = {&d->v[i], 1, 1, 1, 0};
            pg_diags_print(&one, out);
        }
}

void pg_diags_free(pg_diags *d)
{
    for (int i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    *d = (pg_diags){0};
}

char *pg_beside_executable(const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return pg_xstrdup(name);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    return pg_xasprintf("%s/%s", exe, name);
}
