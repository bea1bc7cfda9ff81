/* reader_value.h — converting a field's text to its declared type (reader_value.c), shared by
 * the CSV and NDJSON readers. Not a public header.
 *
 * A plan is built once per file from the source (enum tables, the time zone); it also
 * remembers the last date of each time field, so it belongs to one reader (one thread). */
#ifndef PG_READER_VALUE_H
#define PG_READER_VALUE_H

#include "source.h"

#include <stddef.h>

typedef struct pg_rv_plan pg_rv_plan;

pg_rv_plan *pg_rv_plan_new(const pg_source *src, int offset);
void pg_rv_plan_free(pg_rv_plan *p);

#define PG_RV_WHY 512
/* Converts s[0..len) into *v for field `field`. Returns NULL, or the reason it does not
 * convert (pointing into `why` or a static string). */
const char *pg_rv_convert(pg_rv_plan *p, int field, const char *s, size_t len, pg_value *v,
                          char why[PG_RV_WHY]);
/* Sets *v to null; returns the reason when the field is required. */
const char *pg_rv_null(const pg_rv_plan *p, int field, pg_value *v);
/* Writes s, cut and escaped for an error message, into out. */
void pg_rv_show(char *out, size_t outsz, const char *s, size_t len);

#endif
