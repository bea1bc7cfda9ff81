/* pull_since.h — incremental pulls by an updated-at field (pull_since.c). Internal to data:
 * reader_plugin.c is its one caller. */
#ifndef PG_PULL_SINCE_H
#define PG_PULL_SINCE_H

#include "data.h"

#include <stdio.h>

/* The field a source's options name as `updated_at`, or NULL. */
const char *pg_since_field(const pg_source *src);

/* The previous pull of an incremental source. */
typedef struct {
    int found; /* an active pull of the source through the reader: base */
    pg_batch base;
    char *about; /* base's "<reader>:<about>", its label without the mark */
    char *mark;  /* base's high-water mark, NULL when its label carries none */
    char *raw;   /* base's raw copy, NULL when it cannot serve (missing, other header) */
} pg_since;

/* Finds the source's latest active batch pulled through reader `reader` (its file
 * "<reader>:…"), with the mark of `field` its label carries and its raw copy when that copy
 * has `header` as its first line (a CSV of the fields declared now). Returns 0 (out->found
 * says whether there is one) or a store error. */
int pg_since_find(const char *datadir, const char *source, const char *reader, const char *field,
                  const char *header, pg_since *out, pg_diags *d);
void pg_since_free(pg_since *s);

/* The batch's file label: "<reader>:<about> [FIELD <= MARK]", or without the bracket when
 * mark is NULL or "" (an empty table: the next pull reads every record). malloc'd. */
char *pg_since_label(const char *reader, const char *about, const char *field, const char *mark);

/* Writes to `out` the CSV of the table as it is now, as far as an incremental read can know:
 * `header`, then base's records whose key (field `key`, 0-based) is not among the keys of the
 * records of `fresh` (the CSV of the incremental read, with the same header), in base's order,
 * then fresh's records in its order. A key's records therefore all come from one of the two,
 * each in the order of a full read, so the record that counts for a key repeated within the
 * batch is the one a full read would count. *kept: base's records written. Returns 0 or a
 * negative errno with a diagnostic. */
int pg_since_merge(const char *base_raw, const char *fresh, int key, const char *header,
                   const char *out, long *kept, pg_diags *d);

#endif
