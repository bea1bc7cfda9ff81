/* rtest.h — shared by the reader tests: a source with a field of every type, a callback that
 * records what it is handed, a temporary directory to write batch files into, and the
 * readers' in-memory entry points (which core/data/reader_csv.c and core/data/reader_ndjson.c
 * define for tests and fuzzing, without a header of their own).
 *
 * A record is rendered as one string, "L<line>|<field>|<field>|...", in declaration order:
 * null as "~", strings as their bytes, enums as "#<index>:<text>", everything else as the
 * number ("%.17g"; times in epoch seconds). Comparing whole records as strings keeps each
 * test to the point and shows the whole record when it fails. */
#ifndef PG_RTEST_H
#define PG_RTEST_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "reader.h"

/* The test source "cases", fields in this order (SH is Asia/Shanghai's offset):
 *   0 id    string, required        4 ok   bool, nullable
 *   1 unit  string, required        5 at   time, nullable
 *   2 n     int, nullable           6 ch   enum 窗口 网上 粤省事, nullable
 *   3 x     number, nullable        7 note string, nullable */
#define SH (8 * 3600)
const pg_source *rt_source(void);
/* The same fields, every one required. */
const pg_source *rt_source_required(void);
/* rt_source with extra_columns = "ignore": undeclared columns and keys are skipped. */
const pg_source *rt_source_lenient(void);

typedef struct {
    char **rec; /* rendered records */
    int n, cap;
    int stop_after; /* when > 0: return 99 from the callback that sees this many records */
} rt_got;

int rt_collect(void *ud, const pg_value *rec, int line);
void rt_got_free(rt_got *g);
/* Asserts that g holds exactly the records listed (rendered as above), NULL-terminated. */
void rt_assert_recs(const rt_got *g, ...);

/* A fresh directory under $TMPDIR (or /tmp); rt_write puts a file in it and returns its path
 * (static storage, overwritten by the next call); rt_cleanup removes them all. */
void rt_mkdir(void);
const char *rt_write(const char *name, const char *data, size_t len);
#define rt_write_str(name, s) rt_write((name), (s), strlen(s))
void rt_cleanup(void);

/* Whether some diagnostic is an error at `line` (and `col`, unless col < 0) whose message
 * contains `needle`; fails the test with the whole list if none is. */
void rt_assert_diag(const pg_diags *d, int line, int col, const char *needle);
/* Prints every diagnostic (for failing tests). */
void rt_print_diags(const pg_diags *d);

/* Reads `text` from a file with the CSV (or NDJSON) reader into *g, *st and *d (which it
 * zeroes first); returns the reader's value. The _mem variants read from memory with the
 * given block size. */
int rt_csv(const char *text, rt_got *g, pg_read_stats *st, pg_diags *d);
int rt_ndjson(const char *text, rt_got *g, pg_read_stats *st, pg_diags *d);
/* The same with another source (its fields must be rt_source's, for rt_collect). */
int rt_csv_src(const pg_source *src, const char *text, rt_got *g, pg_read_stats *st, pg_diags *d);
int rt_ndjson_src(const pg_source *src, const char *text, rt_got *g, pg_read_stats *st,
                  pg_diags *d);

#endif
