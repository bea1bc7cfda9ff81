/* period.h — evaluation periods as small integers.
 *
 * A sampling month M of year Y is coded Y*100+M ("2021-05" → 202105); a year is Y*100
 * ("2021" → 202100). Month M holds the data up to 24:00 on the 25th of M; assigning raw
 * records to months is the data core's job, not this file's. */
#ifndef PG_PERIOD_H
#define PG_PERIOD_H

#include "ruleset.h"

/* Parses "YYYY-MM" or "YYYY". Returns the code, or -1 if `s` is neither. */
int pg_period_parse(const char *s);
/* Writes "YYYY-MM" or "YYYY" into buf (PG_PERIOD_BUF bytes). */
#define PG_PERIOD_BUF 16
const char *pg_period_format(int code, char *buf);
static inline int pg_period_is_year(int code)
{
    return code % 100 == 0;
}
static inline int pg_period_year(int code)
{
    return code / 100;
}
/* The period before: the previous month (December of the year before for January) or year. */
int pg_period_prev(int code);

#endif
