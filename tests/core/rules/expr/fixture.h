/* fixture.h — the source and records the expression tests share.
 *
 * A source "cases" with a field of every type, some nullable, two enums, built by hand as the
 * rule loader would; a record filled by hand as a reader would; and a small working-day
 * calendar for May 2021 (the Labour Day holidays 3–5 May are weekdays, and Saturday 8 May is
 * a working day, 调休). Everything is static so each test file includes its own copy. */
#ifndef PG_TEST_EXPR_FIXTURE_H
#define PG_TEST_EXPR_FIXTURE_H

#include "rules.h"

#include <string.h>

enum {
    F_NAME,      /* string */
    F_COUNT,     /* int */
    F_SCORE,     /* number, nullable */
    F_FLAG,      /* bool */
    F_OK,        /* bool, nullable */
    F_RECEIVED,  /* time */
    F_COMPLETED, /* time, nullable */
    F_CHANNEL,   /* enum, nullable */
    F_PROMISED,  /* int */
    F_NOTE,      /* string, nullable */
    F_KIND,      /* enum */
    NF
};

static char *channel_values[] = {"粤省事", "粤商通", "pc"};
static char *kind_values[] = {"new", "renew"};

static pg_field fixture_fields[NF] = {
    [F_NAME] = {"name", PG_FT_STRING, 0, NULL, 0, 0},
    [F_COUNT] = {"count", PG_FT_INT, 0, NULL, 0, 0},
    [F_SCORE] = {"score", PG_FT_NUMBER, 1, NULL, 0, 1},
    [F_FLAG] = {"flag", PG_FT_BOOL, 0, NULL, 0, 0},
    [F_OK] = {"ok", PG_FT_BOOL, 1, NULL, 0, 1},
    [F_RECEIVED] = {"received_at", PG_FT_TIME, 0, NULL, 0, 0},
    [F_COMPLETED] = {"completed_at", PG_FT_TIME, 1, NULL, 0, 1},
    [F_CHANNEL] = {"channel", PG_FT_ENUM, 1, channel_values, 3, 1},
    [F_PROMISED] = {"promised_days", PG_FT_INT, 0, NULL, 0, 0},
    [F_NOTE] = {"note", PG_FT_STRING, 1, NULL, 0, 1},
    [F_KIND] = {"kind", PG_FT_ENUM, 0, kind_values, 2, 0},
};

static const pg_source fixture_source = {
    .name = "cases",
    .fields = fixture_fields,
    .nfields = NF,
    .unit_field = F_NAME,
    .time_field = F_RECEIVED,
    .key_field = -1,
    .file = "fixture",
    .line = 1,
};

/* Day numbers (days since 1970-01-01): 2021-05-03 is 18750. */
static long fixture_holidays[] = {18750, 18751, 18752}; /* Mon 3 – Wed 5 May 2021 */
static long fixture_workdays[] = {18755};               /* Sat 8 May 2021 */
static const pg_calendar fixture_calendar = {fixture_holidays, 3, fixture_workdays, 1};

#define UTC8 (8 * 3600)
#define T_APR30_1000 1619748000.0 /* 2021-04-30 10:00 +08:00, a Friday */
#define T_MAY10_2200 1620655200.0 /* 2021-05-10 22:00 +08:00, a Monday: 10.5 days later */

static inline void set_num(pg_value *r, int f, double v)
{
    r[f] = (pg_value){.num = v};
}

static inline void set_null(pg_value *r, int f)
{
    r[f] = (pg_value){.null = 1};
}

static inline void set_str(pg_value *r, int f, const char *s)
{
    r[f] = (pg_value){.str = s, .len = (int)strlen(s)};
}

static inline void set_enum(pg_value *r, int f, int index)
{
    const pg_field *fd = &fixture_fields[f];
    r[f] = (pg_value){.num = index, .str = fd->enums[index], .len = (int)strlen(fd->enums[index])};
}

/* The default record: nothing null. */
static inline void fixture_record(pg_value *r)
{
    set_str(r, F_NAME, "汕尾市");
    set_num(r, F_COUNT, 3);
    set_num(r, F_SCORE, 2.5);
    set_num(r, F_FLAG, 1);
    set_num(r, F_OK, 0);
    set_num(r, F_RECEIVED, T_APR30_1000);
    set_num(r, F_COMPLETED, T_MAY10_2200);
    set_enum(r, F_CHANNEL, 0);
    set_num(r, F_PROMISED, 10);
    set_str(r, F_NOTE, "it's");
    set_enum(r, F_KIND, 0);
}

#endif
