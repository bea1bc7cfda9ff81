/* csvfile.h — read a CSV file row by row, with the line each row starts on.
 *
 * A thin layer over libcsv (strict RFC 4180 quoting): it strips a UTF-8 byte-order mark,
 * tracks line numbers for error messages, and hands each row to a callback. Fields are
 * NUL-terminated and valid only during the callback. */
#ifndef PG_CSVFILE_H
#define PG_CSVFILE_H

#include "diag.h"

typedef struct {
    char **f; /* fields */
    int n;    /* number of fields */
    int line; /* 1-based line the row starts on */
} pg_csvrow;

/* Return 0 to go on, non-zero to stop reading (pg_csv_read then returns that value). */
typedef int (*pg_csv_row_fn)(void *ud, const pg_csvrow *row);

/* Reads `path`. Returns 0, the callback's non-zero value, or -errno / -EINVAL with a
 * diagnostic (file:line) added to `d` for unreadable files and malformed quoting. */
int pg_csv_read(const char *path, pg_csv_row_fn fn, void *ud, pg_diags *d);

#endif
