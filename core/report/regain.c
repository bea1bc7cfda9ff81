/* regain.c — what it would take a unit to regain the points it lost on one indicator, in
 * words ("按期办结率 需由 80.82% 提升至 95.00% 以上可得满分"), and a measured value in its unit.
 *
 * The words are computed from the method's own parameters, the way core/score/method.c scores:
 * a linear method is full at hi (lo when lower is better), a target at the target, steps at the
 * nearest threshold whose share is the best one, a deduction at its free allowance, a count of
 * events at per × count = the item's points. Relative methods depend on the group: the words
 * name what the group did this period (its best value, the value at the rank that scores full,
 * the z-score's threshold), which another unit's progress can move; they say so. A value
 * that is missing is regained by having data, not by a number. The function is pure (no
 * rule set, no result) so that tests check it against hand-computed thresholds. */
#include "report.h"
#include "base.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pg_report_measured(const char *unit, double v, char *buf)
{
    if (!unit) unit = "";
    if (!isfinite(v)) {
        snprintf(buf, 64, "—");
        return buf;
    }
    double r = v == floor(v) ? v : pg_round(v, 2);
    if (strcmp(unit, "share") == 0)
        snprintf(buf, 64, "%.2f%%", pg_round(v * 100, 2));
    else if (strcmp(unit, "hours") == 0)
        snprintf(buf, 64, "%g 小时", r);
    else if (strcmp(unit, "days") == 0)
        snprintf(buf, 64, "%g 天", r);
    else if (strcmp(unit, "count") == 0)
        snprintf(buf, 64, "%g 件", r);
    else if (strcmp(unit, "score") == 0)
        snprintf(buf, 64, "%g 分", r);
    else if (strcmp(unit, "flag") == 0)
        snprintf(buf, 64, "%s", v != 0 ? "是" : "否");
    else if (!*unit)
        snprintf(buf, 64, "%g", r);
    else
        snprintf(buf, 64, "%g %s", r, unit);
    return buf;
}

static char *say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = pg_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* "需由 A 提升至 B 以上" / "需由 A 降至 B 以下", both in the unit; when the two print the same
 * (94.999% against 95%), with four decimals so that the distance shows. */
static char *move(const char *name, const char *unit, double v, double to, int lower,
                  const char *then)
{
    char a[64], b[64];
    pg_report_measured(unit, v, a);
    pg_report_measured(unit, to, b);
    if (strcmp(a, b) == 0 && strcmp(unit ? unit : "", "share") == 0)
        snprintf(a, sizeof a, "%.4f%%", v * 100), snprintf(b, sizeof b, "%.4f%%", to * 100);
    /* nothing is above 100% of a share: "提升至 100.00%" is the whole of it */
    int whole = !lower && to >= 1 && strcmp(unit ? unit : "", "share") == 0;
    return say("%s 需由 %s %s %s%s%s", name, a, lower ? "降至" : "提升至", b,
               whole   ? ""
               : lower ? " 以下"
                       : " 以上",
               then);
}

/* The share steps give v (method.c: the first threshold reached, in the order written). */
static double steps_share(const pg_method *m, double v)
{
    for (int i = 0; i < m->nsteps; i++)
        if (m->lower ? v <= m->step_at[i] : v >= m->step_at[i]) return m->step_share[i];
    return m->otherwise;
}

char *pg_regain_words(const pg_regain_in *in)
{
    const pg_method *m = in->method;
    const char *name = in->name ? in->name : "该项";
    const char *unit = in->unit;
    const pg_regain_group *g = in->group;
    double v = in->value;
    char a[64], b[64];
    if (!(in->lost > 0.00005)) return NULL;
    if (in->veto) return say("%s 需降为 0（消除否决事项）可不再否决", name);
    if (in->evaluator) return say("%s 为定性评价：需对照评分标准整改，由评估方下期重新评分", name);
    if (in->missing || !isfinite(v))
        return say("%s 本期无有效数据：需按时报送或产生该项数据，并达到评分标准", name);
    switch (m->kind) {
    case PG_M_LINEAR:
        return move(name, unit, v, m->lower ? m->lo : m->hi, m->lower, "可得满分");
    case PG_M_TARGET:
        return move(name, unit, v, m->target, m->lower, "可得满分");
    case PG_M_STEPS: {
        /* the best share the steps give, and the nearest threshold that gives it */
        double best = m->otherwise;
        for (int i = 0; i < m->nsteps; i++) best = fmax(best, m->step_share[i]);
        double to = NAN;
        for (int i = 0; i < m->nsteps; i++) {
            double t = m->step_at[i];
            if (steps_share(m, t) < best) continue;
            if (isnan(to) || (m->lower ? t > to : t < to)) to = t;
        }
        if (isnan(to)) return say("%s 需达到评分标准的最高档", name);
        if (best >= 1) return move(name, unit, v, to, m->lower, "可得满分");
        char *s = move(name, unit, v, to, m->lower, "");
        char *r = say("%s可得本项 %g%% 的分值（最高档）", s, pg_round(best * 100, 6));
        free(s);
        return r;
    }
    case PG_M_DEDUCT:
        if (m->free > 0) return move(name, unit, v, m->free, 1, "可不扣分");
        return say("%s 需由 %s 降为 0 可不扣分（每 %s扣 %g 分）", name,
                   pg_report_measured(unit, v, a), pg_report_measured(unit, 1, b), m->per);
    case PG_M_PER_EVENT:
        if (in->points < 0)
            return say("%s 需由 %s 降为 0 可不扣分", name, pg_report_measured(unit, v, a));
        if (!(m->per > 0)) return say("%s 需达到评分标准", name);
        return move(name, unit, v, fabs(in->points) / m->per, 0, "可得满分");
    case PG_M_FLAG:
        return say("%s 需由“否”变为“是”（数据不为 0）可得满分", name);
    case PG_M_BEST_RATIO:
    case PG_M_MINMAX:
        if (!g || g->n < 1) break;
        if (m->kind == PG_M_BEST_RATIO && m->lower) {
            /* full at v <= 0 or at the group's lowest positive value */
            if (!(g->min > 0)) return move(name, unit, v, 0, 1, "可得满分");
        }
        return say("%s 需达到本组本期%s值 %s（现为 %s）可得满分；相对计分，随本组水平变化", name,
                   m->lower ? "最低" : "最高",
                   pg_report_measured(unit, m->lower ? g->min : g->max, b),
                   pg_report_measured(unit, v, a));
    case PG_M_RANK: {
        if (!g || g->n < 1 || !g->sorted) break;
        int full = 1; /* the lowest rank that still scores full */
        if (m->nshares) {
            full = 0;
            for (int i = 0; i < m->nshares; i++)
                if (m->shares[i] >= 1) full = i + 1;
            if (!full) return say("%s 按排名计分，需在本组排名靠前（见评分标准）", name);
        }
        if (full > g->n) full = g->n;
        /* the value now at that rank: sorted is ascending */
        double at = m->lower ? g->sorted[full - 1] : g->sorted[g->n - full];
        return say("%s 需进入本组前 %d 名（本期第 %d 名为 %s，现为 %s）可得满分；相对计分，"
                   "随本组水平变化",
                   name, full, full, pg_report_measured(unit, at, b),
                   pg_report_measured(unit, v, a));
    }
    case PG_M_ZSCORE: {
        if (!g || g->n < 1 || !(m->per_sd > 0)) break;
        if (!(g->sd > 0)) return say("%s 本组本期数值相同，按基准分计分，需高于本组平均水平", name);
        double k = (1 - m->base) / m->per_sd; /* standard deviations from the mean */
        double to = m->lower ? g->mean - k * g->sd : g->mean + k * g->sd;
        char *s = move(name, unit, v, to, m->lower, "可得满分");
        char *r = say("%s（本组平均%s %.10g 个标准差）；相对计分，随本组水平变化", s,
                      m->lower ? "之下" : "之上", pg_round(k, 4));
        free(s);
        return r;
    }
    case PG_M_CUSTOM:
        return say("%s 为自定义计分：需对照评分标准（见指标说明）提升该项", name);
    case PG_M_NONE:
        return say("%s 需补齐下级指标的数据并逐项达到评分标准", name);
    default: /* a method these words do not know yet: the standard says what to reach */
        return say("%s 需对照评分标准（见指标说明）提升该项", name);
    }
    return say("%s 需对照评分标准提升该项（本组本期无可比数据）", name);
}
