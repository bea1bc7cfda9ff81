/* timefmt.h — timestamps, sampling months and the working-day calendar.
 *
 * Times are seconds since the epoch (UTC) as doubles. A rule set names its time zone; the
 * zones we support have a fixed offset (China has kept UTC+8 without daylight saving since
 * 1991), so local time is t + offset. A sampling month M is [00:00 on the 26th of M−1,
 * 00:00 on the 26th of M) local time: the data up to 24:00 on the 25th. */
#ifndef PG_TIMEFMT_H
#define PG_TIMEFMT_H

#include <stddef.h>

/* The fixed UTC offset, in seconds, of a zone name ("Asia/Shanghai", "UTC", "+08:00").
 * Returns 0, or -EINVAL for a zone we do not know. */
int pg_tz_offset(const char *name, int *offset);

/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" or the same with 'T', optionally followed
 * by "Z" or "+HH:MM" / "-HH:MM" / "+HHMM". Without an offset the time is local at `offset`.
 * Returns 0 with *t, or -EINVAL for anything else (including impossible dates and times). */
int pg_time_parse(const char *s, size_t len, int offset, double *t);
/* The same, remembering the last good date: records come in time order, so most share the
 * date of the one before, and its calendar arithmetic is skipped. One memo per reader and
 * field (zero-initialised); the result is always pg_time_parse's. */
typedef struct {
    char date[10];
    long day;
    int valid;
    /* the month of the last date parsed in full ("YYYY-MM"): its first day's number and its
     * length, so that a new day of the same month costs an addition */
    char month[8]; /* "YYYY-MM-" */
    long month_day0;
    int month_len;
} pg_time_memo;
int pg_time_parse_memo(const char *s, size_t len, int offset, pg_time_memo *m, double *t);

/* The local calendar day of t, as days since 1970-01-01. */
long pg_time_day(double t, int offset);
/* The day number of a calendar date; the inverse, into *y, *m, *d. */
long pg_days_from_civil(int y, int m, int d);
void pg_civil_from_days(long day, int *y, int *m, int *d);

/* The sampling month of t: the period code YYYYMM (see period.h), with the cut-off at 00:00
 * on the 26th local time. */
int pg_time_sampling_month(double t, int offset);
/* Whether t's local date falls within the year-end window, 10 Oct – 31 Dec of `year`. */
int pg_time_in_year_end(double t, int offset, int year);

/* Working days: weekdays that are not holidays, plus weekend days declared working days
 * (调休). Day numbers as pg_time_day. The arrays are sorted; the caller owns them. */
typedef struct {
    long *holidays;
    int nholidays;
    long *workdays;
    int nworkdays;
} pg_calendar;

int pg_calendar_is_workday(const pg_calendar *cal, long day);
/* Working days after the local date of a up to and including the local date of b (0 when
 * both fall on the same day; negative when b is before a). */
long pg_calendar_workdays_between(const pg_calendar *cal, double a, double b, int offset);

#endif
