/* bulletin_summary.c — the 总体情况 of a bulletin: one paragraph per group, generated from the
 * document model, that says what a leader reads page 1 for.
 *
 * Everything comes from the model already built (the ranking rows and the monthly trends), so
 * the paragraph can never disagree with the tables it sums up: the group's size, its mean and
 * median and their change against the month before, how many units fell in each band, the
 * first and last three, the biggest gains and falls, and the units that have been last in
 * their group for two months or more in a row. A figure that cannot be known (no month before,
 * a year report) is left out, never guessed. */
#include "bulletin_summary.h"
#include "base.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string; every append is formatted. */
typedef struct {
    char *s;
    size_t len;
} text;

static void add(text *t, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0) return;
    t->s = pg_xrealloc(t->s, t->len + (size_t)n + 1);
    va_start(ap, f);
    vsnprintf(t->s + t->len, (size_t)n + 1, f, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Mean and median of n values (sorted in place); NAN when n is 0. */
static void centre(double *v, int n, double *mean, double *median)
{
    *mean = *median = NAN;
    if (!n) return;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += v[i];
    qsort(v, (size_t)n, sizeof(double), by_value);
    *mean = sum / n;
    *median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Index into b->trend_periods of the bulletin's own month, or -1 (a year report, or no trend
 * of this scheme). */
static int own_month(const pg_bulletin *b)
{
    if (b->year_report || !b->trend_scheme || strcmp(b->trend_scheme, b->scheme_id) != 0 ||
        !b->ntrend || strcmp(b->trend_periods[b->ntrend - 1], b->period) != 0)
        return -1;
    return b->ntrend - 1;
}

/* The group's totals in trend month m, ranked units only; returns the count. */
static int month_totals(const pg_bulletin *b, int g, int m, double *v)
{
    int n = 0;
    for (int u = 0; u < b->nunits; u++)
        if (b->units[u].group == g && b->units[u].trend && isfinite(b->units[u].trend[m]))
            v[n++] = b->units[u].trend[m];
    return n;
}

/* now and before are figures already rounded as the rule set rounds: their difference is a
 * whole number of the last digit, and rounding to nearest only takes off the binary noise (a
 * truncation could turn 0.0999… into 0). */
static void change(text *t, const pg_bulletin *b, double now, double before)
{
    if (!isfinite(before)) return;
    double d = pg_round(now - before, b->rounding);
    if (d == 0)
        add(t, "（与上期持平）");
    else
        add(t, "（比上期%s %.*f 分）", d > 0 ? "提高" : "下降", b->rounding, fabs(d));
}

static void centres(text *t, const pg_bulletin *b, int g, int m)
{
    const pg_bl_group *gr = &b->groups[g];
    double *v = pg_xmalloc(sizeof(double) * (size_t)(b->nunits ? b->nunits : 1));
    for (int i = 0; i < gr->nrows; i++) v[i] = gr->rows[i].total;
    double mean, median, pmean = NAN, pmedian = NAN;
    centre(v, gr->nrows, &mean, &median);
    if (m > 0) centre(v, month_totals(b, g, m - 1, v), &pmean, &pmedian);
    /* the mean and median are new figures: rounded as the rule set rounds its totals */
    int d = b->rounding;
    add(t, "平均 %.*f 分", d, pg_bl_round(b, mean, d));
    change(t, b, pg_bl_round(b, mean, d), pg_bl_round(b, pmean, d));
    add(t, "，中位数 %.*f 分", d, pg_bl_round(b, median, d));
    change(t, b, pg_bl_round(b, median, d), pg_bl_round(b, pmedian, d));
    add(t, "。");
    free(v);
}

static void bands(text *t, const pg_bulletin *b, const pg_bl_group *gr)
{
    int any = 0;
    for (int k = 0; k < b->nbands; k++) {
        int n = 0;
        for (int i = 0; i < gr->nrows; i++)
            n += gr->rows[i].band && strcmp(gr->rows[i].band, b->bands[k]) == 0;
        if (!n) continue;
        add(t, "%s%s %d 个", any ? "、" : "等次：", b->bands[k], n);
        any = 1;
    }
    if (any) add(t, "。");
}

static void row(text *t, const pg_bulletin *b, const pg_bl_row *r, int first)
{
    add(t, "%s%s %.*f 分", first ? "" : "、", b->units[r->unit].name, b->rounding,
        pg_bl_round(b, r->total, b->rounding));
}

static void ends(text *t, const pg_bulletin *b, const pg_bl_group *gr)
{
    int n = gr->nrows, top = n < 3 ? n : 3;
    if (!n) return;
    add(t, "前%s名：", top == 1 ? "一" : top == 2 ? "两" : "三");
    for (int i = 0; i < top; i++) row(t, b, &gr->rows[i], i == 0);
    int bottom = n - top < 3 ? n - top : 3;
    if (bottom > 0) {
        add(t, "；后%s名：", bottom == 1 ? "一" : bottom == 2 ? "两" : "三");
        for (int i = n - bottom; i < n; i++) row(t, b, &gr->rows[i], i == n - bottom);
    }
    add(t, "。");
}

/* The three biggest changes of one sign, biggest first (rank order among equals): sign +1
 * gains, -1 falls. */
static void moves(text *t, const pg_bulletin *b, const pg_bl_group *gr, int sign)
{
    int pick[3], np = 0;
    for (int i = 0; i < gr->nrows; i++) {
        double c = gr->rows[i].change * sign;
        if (!(c > 0)) continue;
        int at = np;
        while (at > 0 && gr->rows[pick[at - 1]].change * sign < c) at--;
        if (at >= 3) continue;
        if (np < 3) np++;
        memmove(pick + at + 1, pick + at, sizeof(int) * (size_t)(np - 1 - at));
        pick[at] = i;
    }
    if (!np) return;
    add(t, "%s：", sign > 0 ? "进步最大" : "退步最大");
    for (int i = 0; i < np; i++) {
        const pg_bl_row *r = &gr->rows[pick[i]];
        add(t, "%s%s（%+.*f 分", i ? "、" : "", b->units[r->unit].name, b->rounding,
            pg_bl_round(b, r->change, b->rounding));
        if (r->movement && (!strcmp(r->movement, "up") || !strcmp(r->movement, "down")))
            add(t, "，排名%s", r->mark);
        add(t, "）");
    }
    add(t, "。");
}

/* Units last in their group in trend month m and each month before it, two months or more.
 * Each month's lowest total is found once, so a province's 3,000 units cost a pass a month. */
static void last_in_a_row(text *t, const pg_bulletin *b, int g, int m)
{
    double *low = pg_xmalloc(sizeof(double) * (size_t)(m + 1));
    for (int k = 0; k <= m; k++) {
        int n = 0;
        low[k] = NAN;
        for (int u = 0; u < b->nunits; u++) {
            if (b->units[u].group != g || !b->units[u].trend) continue;
            double v = b->units[u].trend[k];
            if (!isfinite(v)) continue;
            if (!n++ || v < low[k]) low[k] = v;
        }
        if (n < 2) low[k] = NAN; /* one unit is not last among others */
    }
    int any = 0;
    for (int u = 0; u < b->nunits; u++) {
        if (b->units[u].group != g || !b->units[u].trend) continue;
        int months = 0;
        for (int k = m; k >= 0 && b->units[u].trend[k] == low[k]; k--) months++;
        if (months < 2) continue;
        add(t, "%s%s连续 %d 个月排名末位", any ? "；" : "", b->units[u].name, months);
        any = 1;
    }
    if (any) add(t, "。");
    free(low);
}

/* A group declared ranked = false: how many were evaluated, their mean and median, highest and
 * lowest; nothing about ranks. */
static char *observers(const pg_bulletin *b, int g, const int *obs, int n)
{
    const pg_bl_group *gr = &b->groups[g];
    text t = {NULL, 0};
    double *v = pg_xmalloc(sizeof(double) * (size_t)n), mean, median;
    for (int i = 0; i < n; i++) v[i] = b->units[obs[i]].total;
    centre(v, n, &mean, &median);
    free(v);
    int d = b->rounding;
    add(&t, "%s共 %d 个单位参加评估、不参与排名", gr->name, n);
    if (gr->nunranked > n) add(&t, "（另有 %d 个未评估）", gr->nunranked - n);
    add(&t, "，平均 %.*f 分，中位数 %.*f 分", d, pg_bl_round(b, mean, d), d,
        pg_bl_round(b, median, d));
    if (n > 1)
        add(&t, "；最高为%s %.*f 分，最低为%s %.*f 分", b->units[obs[0]].name, d,
            pg_bl_round(b, b->units[obs[0]].total, d), b->units[obs[n - 1]].name, d,
            pg_bl_round(b, b->units[obs[n - 1]].total, d));
    add(&t, "。");
    return t.s;
}

char *pg_bl_group_summary(const pg_bulletin *b, int g)
{
    const pg_bl_group *gr = &b->groups[g];
    if (!gr->nrows && gr->nunranked) {
        int *obs = pg_xmalloc(sizeof(int) * (size_t)gr->nunranked);
        int n = pg_bl_observers(b, g, obs);
        char *s = n ? observers(b, g, obs, n) : NULL;
        free(obs);
        if (s) return s;
    }
    text t = {NULL, 0};
    add(&t, "%s共 %d 个单位参加排名", gr->name, gr->nrows);
    if (gr->nunranked) add(&t, "（另有 %d 个未排名）", gr->nunranked);
    if (!gr->nrows) {
        add(&t, "。");
        return t.s;
    }
    add(&t, "，");
    int m = own_month(b);
    centres(&t, b, g, m);
    bands(&t, b, gr);
    ends(&t, b, gr);
    moves(&t, b, gr, +1);
    moves(&t, b, gr, -1);
    if (m >= 0) last_in_a_row(&t, b, g, m);
    return t.s;
}
