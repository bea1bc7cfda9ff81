/* timefmt.c — timestamps, sampling months and the working-day calendar, by pure arithmetic.
 *
 * Nothing here looks at the process time zone, the locale or libc's TZ database: the zones we
 * support have a fixed offset, so local time is UTC plus that offset, and calendar dates come
 * from Howard Hinnant's public-domain days_from_civil / civil_from_days algorithms
 * (https://howardhinnant.github.io/date_algorithms.html), which work in the proleptic
 * Gregorian calendar for negative day numbers too. Every function is a pure function of its
 * arguments: thread-safe, no allocation, no global state.
 *
 * Parsing decisions (pg_time_parse is strict; the reader decides what to trim):
 *   - exactly "YYYY-MM-DD", then optionally 'T' or one space and "HH:MM", optionally ":SS",
 *     optionally "." and 1–9 digits; then optionally "Z", "+HH:MM", "-HH:MM", "+HHMM" or
 *     "-HHMM". A bare date is 00:00 local and takes no offset (a zone on a calendar date
 *     means nothing). Upper-case 'T' and 'Z' only, '.' only as the decimal mark.
 *   - years 0000–9999 (four digits, proleptic Gregorian); month 1–12; day within the month,
 *     with leap years; hour 0–23 (no "24:00"); minute and second 0–59. A leap second
 *     ("23:59:60") is rejected: POSIX time, which every exporting system uses, has none, and
 *     folding it into the next minute could move a record across the 26th cut-off.
 *   - offsets as RFC 3339 writes them: hours 00–23, minutes 00–59; "-00:00" is UTC.
 *   - no leading or trailing spaces, nothing after the zone: the input is exactly `len`
 *     bytes (not necessarily NUL-terminated, never read past `len`), and any byte left over
 *     is an error. Trimming is the reader's policy, stated once there, not guessed here.
 *   - a fraction never moves a time into the next second: 23:59:59.999999999 is stored as
 *     the largest double below 24:00:00, so the day and sampling month are those of the
 *     second as written, whatever the double rounding.
 *
 * Times that are not a number (NAN, the expression engine's null) have no day: pg_time_day
 * returns 0 for them, pg_time_sampling_month 0 (no period), pg_time_in_year_end 0 and
 * pg_calendar_workdays_between 0. Callers that care test isnan() first. Day numbers are
 * clamped to about ±19 million years so that period codes (year*100+month) still fit an int;
 * no real timestamp comes near that. */
#include "base.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The day-number range we compute with: ±7e9 days (±19 million years), so that y*100+12
 * fits an int, or a quarter of LONG_MAX where long is 32 bits, so that day differences
 * cannot overflow. */
#define DAY_LIMIT ((long long)LONG_MAX / 4 < 7000000000LL ? (long long)LONG_MAX / 4 : 7000000000LL)

static long long clamp_day(long long d)
{
    return d < -DAY_LIMIT ? -DAY_LIMIT : d > DAY_LIMIT ? DAY_LIMIT : d;
}

/* Floor division and modulo for b > 0 (C's / and % truncate toward zero, wrong for negative
 * days). */
static long long floor_div(long long a, long long b)
{
    return a / b - (a % b < 0);
}

static long long floor_mod(long long a, long long b)
{
    long long r = a % b;
    return r < 0 ? r + b : r;
}

static int is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long long y, int m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* ---- civil dates (after Howard Hinnant, public domain) ---- */

/* A month outside 1–12 rolls into the neighbouring years and the day counts linearly, so
 * (2022, 0, 26) is 2021-12-26 and (2021, 3, 0) is the last day of February: handy for
 * "the 26th of the month before" without special cases. */
long pg_days_from_civil(int y, int m, int d)
{
    long long yy = (long long)y + floor_div((long long)m - 1, 12);
    long long mm = floor_mod((long long)m - 1, 12) + 1; /* 1..12 */
    yy -= mm <= 2;
    long long era = floor_div(yy, 400);
    long long yoe = yy - era * 400;                                     /* [0, 399] */
    long long doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + d - 1; /* [0, 365] for a real d */
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              /* [0, 146096] */
    return (long)clamp_day(era * 146097 + doe - 719468);
}

void pg_civil_from_days(long day, int *y, int *m, int *d)
{
    /* within an era everything is small and non-negative: unsigned 32-bit arithmetic lets
     * the compiler turn each division by a constant into a cheap multiplication */
    long long z = clamp_day(day) + 719468;
    long long era = floor_div(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)((long long)yoe + era * 400 + (*m <= 2));
}

/* 0 = Sunday … 6 = Saturday; day 0, 1970-01-01, was a Thursday. */
static int weekday(long long day)
{
    return (int)((floor_mod(day, 7) + 4) % 7);
}

static int is_weekday(long long day)
{
    int w = weekday(day);
    return w >= 1 && w <= 5;
}

/* ---- zones and parsing ---- */

/* Exactly n decimal digits at s, into *v. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* The whole of s[0..n) as a zone suffix: "Z", "+HH:MM", "-HH:MM", "+HHMM" or "-HHMM". */
static int parse_zone(const char *s, size_t n, int *offset)
{
    int hh, mm;
    if (n == 1 && s[0] == 'Z') {
        *offset = 0;
        return 0;
    }
    if ((n != 5 && n != 6) || (s[0] != '+' && s[0] != '-')) return -EINVAL;
    if (digits(s + 1, 2, &hh) || (n == 6 && s[3] != ':') || digits(s + n - 2, 2, &mm))
        return -EINVAL;
    if (hh > 23 || mm > 59) return -EINVAL;
    *offset = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return 0;
}

int pg_tz_offset(const char *name, int *offset)
{
    /* Fixed offsets only. China has had no daylight saving since 1991, Hong Kong, Macau and
     * Taiwan none since 1979, so these are exact for any data we will see. PRC and the
     * Chongqing/Harbin names are tzdata's backward links to Asia/Shanghai. Asia/Urumqi is
     * tzdata's Xinjiang time, UTC+6, which many clocks in Xinjiang keep although official
     * time there is Beijing time; a rule set that means Beijing time should say
     * Asia/Shanghai. */
    static const struct {
        const char *name;
        int offset;
    } zones[] = {
        {"Asia/Shanghai", 8 * 3600},
        {"Asia/Hong_Kong", 8 * 3600},
        {"Asia/Macau", 8 * 3600},
        {"Asia/Taipei", 8 * 3600},
        {"PRC", 8 * 3600},
        {"Asia/Chongqing", 8 * 3600},
        {"Asia/Chungking", 8 * 3600},
        {"Asia/Harbin", 8 * 3600},
        {"Asia/Urumqi", 6 * 3600},
        {"UTC", 0},
        {"Etc/UTC", 0},
    };
    if (!name || !offset) return -EINVAL;
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        if (strcmp(name, zones[i].name) == 0) {
            *offset = zones[i].offset;
            return 0;
        }
    }
    return parse_zone(name, strlen(name), offset);
}

/* "YYYY-MM-DD" at s (10 bytes) as a day number; -EINVAL for anything else. */
static int parse_date(const char *s, long *day)
{
    int y, mo, d;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return -EINVAL;
    *day = pg_days_from_civil(y, mo, d);
    return 0;
}

/* The rest of pg_time_parse, after a good date at s[0..10) that is day number `day`. */
static int parse_after_date(const char *s, size_t len, long day, int offset, double *t)
{
    static const int scale[10] = {1,      10,      100,      1000,      10000,
                                  100000, 1000000, 10000000, 100000000, 1000000000};
    int h = 0, mi = 0, sec = 0, frac = 0, fracdigits = 0;
    size_t i = 10;
    if (len > i) {
        if ((s[i] != 'T' && s[i] != ' ') || len < i + 6) return -EINVAL;
        if (digits(s + i + 1, 2, &h) || s[i + 3] != ':' || digits(s + i + 4, 2, &mi))
            return -EINVAL;
        i += 6;
        if (len >= i + 3 && s[i] == ':') {
            if (digits(s + i + 1, 2, &sec)) return -EINVAL;
            i += 3;
            if (len > i && s[i] == '.') {
                for (i++; len > i && s[i] >= '0' && s[i] <= '9'; i++) {
                    if (++fracdigits > 9) return -EINVAL;
                    frac = frac * 10 + (s[i] - '0');
                }
                if (fracdigits == 0) return -EINVAL;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return -EINVAL;
        /* whatever follows must be exactly one zone, to the last byte */
        if (len > i && parse_zone(s + i, len - i, &offset)) return -EINVAL;
    }

    long long whole = (long long)day * 86400 + h * 3600 + mi * 60 + sec - offset;
    double v = (double)whole;
    if (fracdigits) {
        v += (double)frac / scale[fracdigits];
        /* 0.999999999 s added to ~1.6e9 rounds up to the next whole second; keep it below */
        if (v >= (double)(whole + 1)) v = nextafter((double)(whole + 1), -INFINITY);
    }
    *t = v;
    return 0;
}

int pg_time_parse(const char *s, size_t len, int offset, double *t)
{
    long day;
    if (!s || !t || len < 10 || parse_date(s, &day)) return -EINVAL;
    return parse_after_date(s, len, day, offset, t);
}

/* The day number of the date at s[0..10) through the memo: the same date as last time, or
 * another day of the same month, costs no calendar arithmetic. -EINVAL for a bad date. */
static inline int memo_date(const char *s, pg_time_memo *m, long *day)
{
    /* words, not memcmp: a call costs more than the compare (s has at least 10 bytes) */
    uint64_t w, mw, dw;
    uint16_t t, mt;
    memcpy(&w, s, 8);
    memcpy(&t, s + 8, 2);
    memcpy(&dw, m->date, 8);
    memcpy(&mt, m->date + 8, 2);
    memcpy(&mw, m->month, 8);
    if (m->valid && w == dw && t == mt) {
        *day = m->day;
        return 0;
    }
    if (m->valid > 1 && w == mw) {
        unsigned d1 = (unsigned char)s[8] - '0', d0 = (unsigned char)s[9] - '0';
        int d = (int)(d1 * 10 + d0);
        if (d1 > 9 || d0 > 9 || d < 1 || d > m->month_len) return -EINVAL;
        m->day = m->month_day0 + d - 1;
    } else {
        int y, mo;
        if (parse_date(s, &m->day)) return -EINVAL; /* m->date still matches m->day */
        /* parse_date checked the digits */
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        mo = (s[5] - '0') * 10 + (s[6] - '0');
        memcpy(m->month, s, 8);
        m->month_len = days_in_month(y, mo);
        m->month_day0 = m->day - ((s[8] - '0') * 10 + (s[9] - '0')) + 1;
    }
    memcpy(m->date, s, 10);
    m->valid = 2;
    *day = m->day;
    return 0;
}

/* Whether all eight bytes of w are ASCII digits. */
static inline int digits8(uint64_t w)
{
    return ((w & 0xF0F0F0F0F0F0F0F0ull) |
            (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
}

/* Two ASCII digits at s (already checked) as a number. */
static inline int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

int pg_time_parse_memo(const char *s, size_t len, int offset, pg_time_memo *m, double *t)
{
    long day;
    if (!s || !t || len < 10) return -EINVAL;
        /* The usual shape, "YYYY-MM-DD HH:MM:SS" (or with 'T') and then nothing, "Z" or an
         * offset, in straight-line code: the separators by position, the fourteen digits with two
         * word tests. Anything else (a fraction, no seconds, a bad byte) takes the general path
         * below, which also gives every error, so the result is always pg_time_parse's. The word
         * masks are little-endian (byte i at bits 8i); elsewhere only the general path runs. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' &&
        s[16] == ':' && (len == 19 || s[19] != '.')) {
        uint64_t a, b;
        memcpy(&a, s, 8);      /* YYYY-MM- */
        memcpy(&b, s + 11, 8); /* HH:MM:SS */
        /* the separators read as '0', so that a digit test covers the whole word */
        a = (a & ~0xFF0000FF00000000ull) | 0x3000003000000000ull;
        b = (b & ~0x0000FF0000FF0000ull) | 0x0000300000300000ull;
        unsigned d1 = (unsigned char)s[8] - '0', d0 = (unsigned char)s[9] - '0';
        int h = two(s + 11), mi = two(s + 14), sec = two(s + 17);
        if (digits8(a) && digits8(b) && d1 <= 9 && d0 <= 9 && h <= 23 && mi <= 59 && sec <= 59 &&
            (len == 19 || parse_zone(s + 19, len - 19, &offset) == 0)) {
            if (memo_date(s, m, &day)) return -EINVAL;
            *t = (double)((long long)day * 86400 + h * 3600 + mi * 60 + sec - offset);
            return 0;
        }
    }
#endif
    if (memo_date(s, m, &day)) return -EINVAL;
    return parse_after_date(s, len, day, offset, t);
}

/* ---- days, months, windows ---- */

long pg_time_day(double t, int offset)
{
    if (isnan(t)) return 0;
    /* floor first, then integers: adding the offset in double could round across midnight */
    double lim = (double)DAY_LIMIT * 86400.0;
    double f = floor(t);
    f = f < -lim ? -lim : f > lim ? lim : f;
    return (long)clamp_day(floor_div((long long)f + offset, 86400));
}

int pg_time_sampling_month(double t, int offset)
{
    int y, m, d;
    if (isnan(t)) return 0;
    pg_civil_from_days(pg_time_day(t, offset), &y, &m, &d);
    /* from 00:00 on the 26th the record counts towards the next month */
    if (d >= 26 && ++m > 12) {
        m = 1;
        y++;
    }
    return y * 100 + m;
}

int pg_time_in_year_end(double t, int offset, int year)
{
    int y, m, d;
    if (isnan(t)) return 0;
    pg_civil_from_days(pg_time_day(t, offset), &y, &m, &d);
    return y == year && (m > 10 || (m == 10 && d >= 10));
}

/* ---- the working-day calendar ---- */

/* The first index in a[0..n) whose value is greater than x. */
static int upper_bound(const long *a, int n, long long x)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int contains(const long *a, int n, long x)
{
    int i = upper_bound(a, n, x);
    return i > 0 && a[i - 1] == x;
}

/* A declared working day wins over a holiday: 调休 is the exception to the holiday block,
 * so a day listed in both is worked. */
int pg_calendar_is_workday(const pg_calendar *cal, long day)
{
    if (cal && cal->workdays && cal->nworkdays > 0 && contains(cal->workdays, cal->nworkdays, day))
        return 1;
    if (cal && cal->holidays && cal->nholidays > 0 && contains(cal->holidays, cal->nholidays, day))
        return 0;
    return is_weekday(day);
}

/* Weekdays (Monday–Friday) among the days up to x, counted from day 4 (1970-01-05, a
 * Monday); only differences matter, and floor division keeps it right below day 4 too. */
static long long weekdays_upto(long long x)
{
    long long n = x - 3; /* days from the Monday, day 4, through x */
    return 5 * floor_div(n, 7) + (floor_mod(n, 7) < 5 ? floor_mod(n, 7) : 5);
}

/* Working days in (lo, hi], lo < hi: the weekdays, counted arithmetically, corrected for
 * each calendar entry inside the range by how much it changes that day (a weekday holiday
 * −1, a weekend working day +1, a holiday on a weekend 0). Holidays are announced as whole
 * blocks, weekends included (元旦 1.1–1.3), so the lists need not be restricted to
 * weekdays/weekends; walking the entries in range (found by binary search) handles that and
 * duplicates, at a cost of the ~40 entries per year spanned rather than every day. */
static long long workdays_in(const pg_calendar *cal, long long lo, long long hi)
{
    long long n = weekdays_upto(hi) - weekdays_upto(lo);
    if (!cal) return n;
    int nh = cal->holidays ? cal->nholidays : 0, nw = cal->workdays ? cal->nworkdays : 0;
    int i = nh > 0 ? upper_bound(cal->holidays, nh, lo) : 0;
    int j = nw > 0 ? upper_bound(cal->workdays, nw, lo) : 0;
    for (;;) {
        int hin = i < nh && cal->holidays[i] <= hi, win = j < nw && cal->workdays[j] <= hi;
        if (!hin && !win) break;
        long long day = !win || (hin && cal->holidays[i] < cal->workdays[j]) ? cal->holidays[i]
                                                                             : cal->workdays[j];
        int worked = win && cal->workdays[j] == day;
        while (i < nh && cal->holidays[i] == day) i++;
        while (j < nw && cal->workdays[j] == day) j++;
        n += worked - is_weekday(day);
    }
    return n;
}

long pg_calendar_workdays_between(const pg_calendar *cal, double a, double b, int offset)
{
    if (isnan(a) || isnan(b)) return 0;
    long long da = pg_time_day(a, offset), db = pg_time_day(b, offset);
    if (da == db) return 0;
    return (long)(da < db ? workdays_in(cal, da, db) : -workdays_in(cal, db, da));
}
