/* reader.h — streaming readers of raw batch files into typed records.
 *
 * A batch file is CSV (RFC 4180: quotes, embedded commas and newlines, UTF-8 with or without
 * a BOM, CRLF or LF) with a header row naming the fields, or NDJSON (one flat JSON object a
 * line). Each record is converted to the source's declared types (source.h) and handed to a
 * callback; memory use does not grow with the file. A column or key the source does not
 * declare is an error naming it and the nearest declared name, unless the source says
 * extra_columns = "ignore"; a CSV file must have a column for every declared field but those
 * declared optional (an NDJSON record may leave out the key of any nullable field).
 *
 * Errors are per record: an enum value that is not declared, a number or time that does not
 * parse, a missing required field, a nested JSON value where a flat field is expected, a key
 * given twice, a malformed line. The first PG_READER_MAX_ERRORS go to `d` as
 * "file:line: field: reason"; all are counted. Reading goes on after a bad record so that the
 * count is complete; the callback sees only good records, and the caller decides (a batch is
 * all-or-nothing, so ingest discards everything when the count is not 0). */
#ifndef PG_READER_H
#define PG_READER_H

#include "base.h"
#include "rules.h"

#include <stddef.h>

#define PG_READER_MAX_ERRORS 20

/* Called once per good record with one value per source field. Return non-zero to stop. */
typedef int (*pg_record_fn)(void *ud, const pg_value *rec, int line);

typedef struct {
    long records; /* good records handed to the callback */
    long errors;  /* bad records (all of them, not only those reported) */
} pg_read_stats;

/* `offset` is the rule set's UTC offset, for times without one. Return 0 when the file was
 * read to the end (whatever the error count), the callback's non-zero value, or a negative
 * errno when the file cannot be read or is not CSV/NDJSON at all (a diagnostic says why). */
int pg_read_csv(const pg_source *src, const char *path, int offset, pg_record_fn fn, void *ud,
                pg_read_stats *stats, pg_diags *d);
int pg_read_ndjson(const pg_source *src, const char *path, int offset, pg_record_fn fn, void *ud,
                   pg_read_stats *stats, pg_diags *d);

/* Part of a file, so that several threads can read one file (ingest_parallel.c; a part from 0
 * with no stops is the whole file, read as without a part). Reading starts
 * at byte `start` (0, or the first byte of a line; the CSV reader takes its header from the top
 * of the file first, and a header reaching past `start` is -ERANGE) and stops before the first
 * record that starts exactly at one of `stops` (ascending offsets after `start`), or goes on to
 * the end of the file. Records and errors are those of a whole-file read over the same bytes
 * only when the part starts where a record starts; line numbers count from `start`. */
typedef struct {
    long long start;
    const long long *stops;
    int nstops;
    int stopped;  /* out: the index into stops where reading stopped, or -1 (end of the file) */
    long long at; /* out: how far reading has got, as an offset: updated at each block read
                   * (1 MiB) and exact when the read returns */
    /* NULL, or called on the reading thread with the record callback's ud after each block
     * read, `at` updated: a progress count at no cost per record */
    void (*on_block)(void *ud);
    /* NULL, or the name messages give the file instead of the path read (ingest_stream.c
     * reads a bad batch again from its raw copy, and reports it under the name it came by) */
    const char *name;
} pg_read_part;

int pg_read_csv_part(const pg_source *src, const char *path, int offset, pg_read_part *part,
                     pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d);
int pg_read_ndjson_part(const pg_source *src, const char *path, int offset, pg_read_part *part,
                        pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d);

/* The same readers over bytes in memory, read `block` bytes at a time (tests and fuzz targets
 * use tiny blocks to put a block boundary everywhere). `name` stands for the path in
 * messages. */
int pg_read_csv_mem(const pg_source *src, const char *name, const char *data, size_t len,
                    size_t block, int offset, pg_record_fn fn, void *ud, pg_read_stats *stats,
                    pg_diags *d);
int pg_read_ndjson_mem(const pg_source *src, const char *name, const char *data, size_t len,
                       size_t block, int offset, pg_record_fn fn, void *ud, pg_read_stats *stats,
                       pg_diags *d);

/* The same readers over a piece of a file held whole in memory, read in place (values are
 * unescaped where they are: buf is changed): `len` bytes at buf, with PG_INPUT_PAD + 1 bytes of
 * room after them. The CSV piece starts with the file's header (its first bytes, up to the
 * header's line end), then records from a record's start; the NDJSON piece starts at a line's
 * start, the file's first byte when at_start (only there is a byte-order mark skipped). Line
 * numbers count from the piece's start. ingest_stream.c reads its chunks this way. */
int pg_read_csv_buf(const pg_source *src, const char *name, char *buf, size_t len, int offset,
                    pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d);
int pg_read_ndjson_buf(const pg_source *src, const char *name, char *buf, size_t len, int at_start,
                       int offset, pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d);

/* The columns of a CSV file's header, or the keys of an NDJSON file's first record, as the
 * file writes them, each with the source field it maps to (-1: undeclared), for
 * `pinggu ingest --dry-run`. */
typedef struct {
    int n;
    char **name;
    int *field;
} pg_read_columns;

/* Read the header (CSV) or the first record that is a JSON object (NDJSON) only, filling
 * *out (free with pg_read_columns_free; empty when there is none). The CSV reader reports
 * the header's problems, as pg_read_csv would, into stats and d, and returns what it would;
 * the NDJSON one reports nothing (the records' problems are the full read's) and returns 0 or
 * a negative errno when the file cannot be read. */
int pg_read_csv_columns(const pg_source *src, const char *path, pg_read_columns *out,
                        pg_read_stats *stats, pg_diags *d);
int pg_read_ndjson_columns(const pg_source *src, const char *path, pg_read_columns *out,
                           pg_diags *d);
void pg_read_columns_free(pg_read_columns *c);

#endif
