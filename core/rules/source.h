/* source.h — the declared shape of raw records (a source) and one record's typed values.
 *
 * A source is declared in the rule set (`source "cases" { ... }`): its fields and their
 * types, the field that names the unit, the timestamp that assigns the period, and an
 * optional key. Readers (reader.h) turn each line of a batch file into an array of pg_value,
 * one per declared field in declaration order; the expression plan (expr.h) and the
 * aggregation read that array. Nothing here calls Lua. */
#ifndef PG_SOURCE_H
#define PG_SOURCE_H

typedef enum { PG_FT_STRING, PG_FT_INT, PG_FT_NUMBER, PG_FT_BOOL, PG_FT_TIME, PG_FT_ENUM } pg_ftype;

typedef struct {
    char *name;
    pg_ftype type;
    int nullable; /* an empty CSV field / JSON null / absent key is allowed */
    char **enums; /* PG_FT_ENUM: the allowed values */
    int nenums;
} pg_field;

typedef struct {
    char *name;
    pg_field *fields;
    int nfields;
    int unit_field;   /* index of the field that names the unit (mapped through units.csv) */
    int time_field;   /* index of the PG_FT_TIME field that assigns the period */
    int key_field;    /* index of the key field, or -1 */
    const char *file; /* where it was declared */
    int line;
} pg_source;

/* One field's value. `num` holds int, number, bool (0/1), time (seconds since the epoch,
 * UTC) and enum (the index into pg_field.enums). `str`/`len` hold the text of string and
 * enum fields; they point into the reader's buffer and are valid only until the next
 * record. */
typedef struct {
    unsigned char null;
    double num;
    const char *str;
    int len;
} pg_value;

/* The index of the field named `name`, or -1. */
int pg_source_field(const pg_source *src, const char *name, int len);

#endif
