/* period.c — parsing and stepping period codes. */
#include "base.h"

#include <stdio.h>
#include <string.h>

int pg_period_parse(const char *s)
{
    int y, m, len = (int)strlen(s);
    char tail;
    if (len == 4 && sscanf(s, "%4d%c", &y, &tail) == 1 && y >= 1900 && y <= 2999) return y * 100;
    if (len == 7 && s[4] == '-' && sscanf(s, "%4d-%2d%c", &y, &m, &tail) == 2 && y >= 1900 &&
        y <= 2999 && m >= 1 && m <= 12 && s[5] >= '0' && s[5] <= '1')
        return y * 100 + m;
    return -1;
}

const char *pg_period_format(int code, char *buf)
{
    if (pg_period_is_year(code))
        snprintf(buf, PG_PERIOD_BUF, "%04d", code / 100);
    else
        snprintf(buf, PG_PERIOD_BUF, "%04d-%02d", code / 100, code % 100);
    return buf;
}

int pg_period_prev(int code)
{
    if (pg_period_is_year(code)) return code - 100;
    return code % 100 == 1 ? (code / 100 - 1) * 100 + 12 : code - 1;
}
