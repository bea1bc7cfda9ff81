/* diag.h — diagnostics: the errors and warnings that reach a rule author or a data clerk.
 *
 * Every problem pinggu reports about an input (a rule file, units.csv, a data file) is
 * collected here as "file:line[:col]: severity: message" so that a command can print them
 * all at once instead of stopping at the first. A pg_diags is owned by the caller; zero-
 * initialise it, pass it to loaders, then pg_diags_free() it. */
#ifndef PG_DIAG_H
#define PG_DIAG_H

#include <stdio.h>
#include <stdlib.h>

typedef enum { PG_ERROR, PG_WARNING } pg_severity;

typedef struct {
    pg_severity sev;
    char *file; /* NULL when the problem has no file */
    int line;   /* 0 when unknown */
    int col;    /* 0 when unknown */
    char *msg;
} pg_diag;

typedef struct {
    pg_diag *v;
    int n, cap;
    int errors, warnings;
} pg_diags;

void pg_diag_add(pg_diags *d, pg_severity sev, const char *file, int line, int col, const char *fmt,
                 ...) __attribute__((format(printf, 6, 7)));
#define pg_error(d, file, line, ...) pg_diag_add((d), PG_ERROR, (file), (line), 0, __VA_ARGS__)
#define pg_warn(d, file, line, ...) pg_diag_add((d), PG_WARNING, (file), (line), 0, __VA_ARGS__)

/* Prints one diagnostic a line, "file:line: error: message". */
void pg_diags_print(const pg_diags *d, FILE *out);
/* Prints only the errors: what stopped a command (warnings are `pinggu check`'s business). */
void pg_diags_print_errors(const pg_diags *d, FILE *out);
void pg_diags_free(pg_diags *d);

/* Small helpers shared by every module: xmalloc-style allocation that aborts only on a real
 * out-of-memory, and a printf into a fresh string. */
void *pg_xmalloc(size_t n);
void *pg_xcalloc(size_t n, size_t size);
void *pg_xrealloc(void *p, size_t n);
char *pg_xstrdup(const char *s);
char *pg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* DIR/name where DIR holds the running executable (/proc/self/exe), or plain `name` when that
 * cannot be read: where the plugins and the dashboard are installed beside pinggu. */
char *pg_beside_executable(const char *name);

#endif
