/* report_bcsv.c — a bulletin as CSV for Excel (`pinggu report --format csv`): one file per
 * group's ranking, <basename>-<group>.csv, and every unit's lost points in
 * <basename>-lost.csv. UTF-8 with a byte-order mark, because Excel reads a CSV without one in
 * the machine's ANSI code page and garbles the Chinese; CRLF line ends, RFC 4180 quoting.
 * Numbers are plain decimals (no thousands separators, no units) so they stay numbers. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void field(FILE *f, const char *s, int first)
{
    if (!first) fputc(',', f);
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A number at `digits` decimals, rounded as the rule set rounds (never printf's half). */
static void number(FILE *f, const pg_bulletin *b, double v, int digits)
{
    fputc(',', f);
    if (isfinite(v)) fprintf(f, "%.*f", digits, pg_bl_round(b, v, digits));
}

static const char *reason_words(const char *reason)
{
    return strcmp(reason, "not_ranked") == 0    ? "不参与排名"
           : strcmp(reason, "no_business") == 0 ? "未排名：本期无业务"
           : strcmp(reason, "error") == 0       ? "未排名：计分出错"
                                                : "未排名：无数据";
}

static void ranking(const pg_bulletin *b, int gi, FILE *f)
{
    const pg_bl_group *g = &b->groups[gi];
    fputs("\xEF\xBB\xBF", f);
    fputs("排名,单位,单位代码,总分", f);
    for (int k = 0; k < b->nparts; k++) field(f, b->parts[k].name, 0);
    fputs(",环比,变动,等次\r\n", f);
    for (int i = 0; i < g->nrows; i++) {
        const pg_bl_row *r = &g->rows[i];
        const pg_bl_unit *u = &b->units[r->unit];
        fprintf(f, "%d", r->rank);
        field(f, u->name, 0);
        field(f, u->code, 0);
        number(f, b, r->total, b->rounding);
        for (int k = 0; k < b->nparts; k++) number(f, b, r->parts[k], b->rounding);
        number(f, b, r->change, b->rounding);
        field(f, r->mark, 0);
        field(f, r->band, 0);
        fputs("\r\n", f);
    }
    /* a ranked = false group's units: no rank, their totals and parts, highest first, 不参与排名
     * where the movement would be */
    int *obs = pg_xcalloc((size_t)g->nunranked + 1, sizeof(int));
    int nobs = pg_bl_observers(b, gi, obs);
    for (int i = 0; i < nobs; i++) {
        const pg_bl_unit *u = &b->units[obs[i]];
        field(f, NULL, 1);
        field(f, u->name, 0);
        field(f, u->code, 0);
        number(f, b, u->total, b->rounding);
        for (int k = 0; k < b->nparts; k++) number(f, b, u->parts[k], b->rounding);
        fputc(',', f);
        field(f, reason_words("not_ranked"), 0);
        field(f, u->band, 0);
        fputs("\r\n", f);
    }
    free(obs);
    for (int i = 0; i < g->nunranked; i++) {
        const pg_bl_unit *u = &b->units[g->unranked[i].unit];
        if (!strcmp(g->unranked[i].reason, "not_ranked") && isfinite(u->total)) continue;
        field(f, NULL, 1);
        field(f, u->name, 0);
        field(f, u->code, 0);
        for (int k = 0; k <= b->nparts + 1; k++) fputc(',', f);
        field(f, reason_words(g->unranked[i].reason), 0);
        field(f, NULL, 0);
        fputs("\r\n", f);
    }
}

static void lost(const pg_bulletin *b, FILE *f)
{
    fputs("\xEF\xBB\xBF", f);
    fputs("分组,单位,单位代码,部分,指标代码,指标,满分,得分,折算系数,失分,总分失分,状态,原因,数据项,"
          "数值,样本量\r\n",
          f);
    for (int u = 0; u < b->nunits; u++) {
        const pg_bl_unit *bu = &b->units[u];
        for (int i = 0; i < bu->nlost; i++) {
            const pg_bl_lost *l = &bu->lost[i];
            field(f, b->groups[bu->group].name, 1);
            field(f, bu->name, 0);
            field(f, bu->code, 0);
            field(f, l->part >= 0 ? b->parts[l->part].name : NULL, 0);
            field(f, l->indicator, 0);
            field(f, l->name, 0);
            number(f, b, l->max, 4);
            number(f, b, l->got, 4);
            number(f, b, l->weight, 6);
            number(f, b, l->lost, 4);
            number(f, b, l->lost_total, 4);
            field(f, l->status, 0);
            field(f, l->why, 0);
            field(f, l->metric_name, 0);
            field(f, l->value_text, 0);
            number(f, b, l->n, 0);
            fputs("\r\n", f);
        }
    }
}

/* The 问题清单 (附件4): one row per item, units in order, each unit's biggest loss of the total
 * first — the columns of the HTML's table, the losses at 2 decimals as it prints them — then
 * the 整改 items of earlier periods overdue on the publication's day (附件5; a published
 * bulletin's only): their period, days overdue and state in the last three columns, which this
 * period's items leave empty. */
/* The first seven columns of a 问题清单 row, this period's item or an earlier overdue one: the
 * unit, the item, and what it lost of the total and of its part. */
static void item_lead(FILE *f, const pg_bulletin *b, const pg_bl_unit *u, const char *indicator,
                      const char *name, double lost_total, double lost_part)
{
    field(f, b->groups[u->group].name, 1);
    field(f, u->name, 0);
    field(f, u->code, 0);
    field(f, indicator, 0);
    field(f, name, 0);
    number(f, b, lost_total, 2);
    number(f, b, lost_part, 2);
}

static void problems(const pg_bulletin *b, FILE *f)
{
    fputs("\xEF\xBB\xBF", f);
    fputs("分组,单位,单位代码,指标代码,问题（指标）,总分失分,本部分失分,评分规则,数据,整改要求,"
          "可挽回,整改期限,连续失分,评估期,逾期天数,整改状态\r\n",
          f);
    for (int i = 0; i < b->nissues; i++) {
        const pg_bl_problem *p = &b->issues[i];
        const pg_bl_unit *u = &b->units[p->unit];
        item_lead(f, b, u, p->indicator, p->name, p->lost_total, p->lost_part);
        field(f, p->rule, 0);
        field(f, p->data, 0);
        field(f, p->rectify, 0);
        field(f, p->regain, 0);
        field(f, p->due, 0);
        field(f, p->recurring ? "是" : "否", 0);
        field(f, b->period, 0);
        field(f, "", 0);
        field(f, "", 0);
        fputs("\r\n", f);
    }
    for (int i = 0; i < b->noverdue; i++) {
        const pg_bl_overdue *p = &b->overdue[i];
        const pg_bl_unit *u = &b->units[p->unit];
        char days[24];
        snprintf(days, sizeof days, "%d", p->days);
        item_lead(f, b, u, p->indicator, p->name, p->lost_total, p->lost_part);
        for (int k = 0; k < 4; k++)
            field(f, "", 0); /* rule, data, 整改要求, 可挽回: see its period */
        field(f, p->due, 0);
        field(f, "", 0);
        field(f, p->period, 0);
        field(f, days, 0);
        field(f, pg_rectify_state_words(p->state), 0);
        fputs("\r\n", f);
    }
}

/* Writes one file: group g's ranking, the lost points when g is -1, the 问题清单 when -2.
 * Returns 0 or a negative errno. */
static int write_file(const pg_bulletin *b, int g, const char *path, FILE *list)
{
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    if (g >= 0)
        ranking(b, g, f);
    else if (g == -1)
        lost(b, f);
    else
        problems(b, f);
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0) rc = -errno;
    if (rc == 0 && list) fprintf(list, "%s\n", path);
    return rc;
}

int pg_bulletin_csv(const pg_bulletin *b, const char *dir, FILE *list)
{
    int rc = 0;
    for (int g = 0; g < b->ngroups && rc == 0; g++) {
        char *path = pg_xasprintf("%s/%s-%s.csv", dir, b->basename, b->groups[g].id);
        rc = write_file(b, g, path, list);
        free(path);
    }
    if (rc == 0) {
        char *path = pg_xasprintf("%s/%s-lost.csv", dir, b->basename);
        rc = write_file(b, -1, path, list);
        free(path);
    }
    if (rc == 0 && b->issues) { /* none for a scheme of schemes */
        char *path = pg_xasprintf("%s/%s-issues.csv", dir, b->basename);
        rc = write_file(b, -2, path, list);
        free(path);
    }
    return rc;
}
