/* diff_report.c — writing a pg_diff as JSON (for programs and the host's preview API) and as
 * a terminal table (for rule authors). Both list every unit; the table shows the three
 * largest causes of each change, the JSON all of them. */
#include "score.h"
#include "base.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static cJSON *num_or_null(double v, int digits)
{
    return isfinite(v) ? cJSON_CreateNumber(pg_round(v, digits) + 0.0) : cJSON_CreateNull();
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *side_json(const pg_result *res, const char *source, int overrides)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ruleset", res->rs->id);
    cJSON_AddStringToObject(o, "revision", res->rs->revision);
    cJSON_AddStringToObject(o, "source", source);
    cJSON_AddBoolToObject(o, "overrides", overrides);
    return o;
}

static cJSON *unit_side(int present, int ranked, double total, int rank, const char *band,
                        const char *veto, int digits)
{
    if (!present) return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "total", num_or_null(ranked ? total : NAN, digits));
    cJSON_AddItemToObject(o, "rank", ranked ? cJSON_CreateNumber(rank) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "band", str_or_null(band));
    cJSON_AddItemToObject(o, "veto", str_or_null(veto));
    return o;
}

/* The group a diff row is shown under. */
static const pg_group *group_of(const pg_diff *df, const pg_diff_unit *u)
{
    return u->group_a >= 0 ? &df->a->rs->groups[u->group_a] : &df->b->rs->groups[u->group_b];
}

/* Across years, in words (Chinese for the table, English in the JSON): the set written for
 * another year was evaluated as if it governed the period's year, not the period mapped to its
 * own year: the data is the period's, unchanged. */
static char *years_text(const pg_diff *df, char *buf, int zh)
{
    int y = pg_period_year(df->a->period);
    const char *side = df->year_b ? "B" : "A";
    int other = df->year_b ? df->year_b : df->year_a;
    pg_period_format(df->a->period, buf);
    if (zh)
        return pg_xasprintf("跨年度对比：%s 为 %d 年规则集，视同其规定 %d 年，按其规则评估 %s 的"
                            "数据（同一数据，不换算周期；工作日历用 %d 年的）",
                            side, other, y, buf, y);
    return pg_xasprintf("across years: %s, the rules of %d, evaluated as if they governed %d, on "
                        "the same data of %s (the period is not mapped to %d; %d's working-day "
                        "calendar)",
                        side, other, y, buf, other, y);
}

cJSON *pg_diff_json(const pg_diff *df, const char *against)
{
    const pg_ruleset *ra = df->a->rs;
    char buf[PG_PERIOD_BUF];
    int digits = ra->rounding;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scheme", ra->schemes[df->a->scheme].id);
    cJSON_AddStringToObject(root, "period", pg_period_format(df->a->period, buf));
    cJSON_AddItemToObject(root, "a", side_json(df->a, ra->dir, 0));
    cJSON_AddItemToObject(root, "b", side_json(df->b, against, df->overrides));
    if (df->year_a || df->year_b) {
        /* across years: which set was made to govern the period's year, and how */
        cJSON *y = cJSON_AddObjectToObject(root, "years");
        cJSON_AddStringToObject(y, "mode", "as_if_governing");
        cJSON_AddNumberToObject(y, "period_year", pg_period_year(df->a->period));
        cJSON_AddNumberToObject(y, "a", df->year_a ? df->year_a : pg_period_year(df->a->period));
        cJSON_AddNumberToObject(y, "b", df->year_b ? df->year_b : pg_period_year(df->a->period));
        char *text = years_text(df, buf, 0);
        cJSON_AddStringToObject(y, "text", text);
        free(text);
    }
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "units", df->nunits);
    cJSON_AddNumberToObject(sum, "rank_changes", df->rank_changes);
    cJSON_AddNumberToObject(sum, "band_changes", df->band_changes);
    cJSON_AddNumberToObject(sum, "total_changes", df->total_changes);
    cJSON *groups = cJSON_AddArrayToObject(root, "groups"), *units = NULL;
    const pg_group *cur = NULL;
    for (int i = 0; i < df->nunits; i++) {
        const pg_diff_unit *u = &df->units[i];
        if (group_of(df, u) != cur) {
            cur = group_of(df, u);
            cJSON *g = cJSON_CreateObject();
            cJSON_AddStringToObject(g, "id", cur->id);
            cJSON_AddStringToObject(g, "name", cur->name);
            units = cJSON_AddArrayToObject(g, "units");
            cJSON_AddItemToArray(groups, g);
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "unit", u->id);
        cJSON_AddStringToObject(o, "name", u->name);
        cJSON_AddItemToObject(o, "a",
                              unit_side(u->unit_a >= 0, u->ranked_a, u->total_a, u->rank_a,
                                        u->band_a, u->veto_a, digits));
        cJSON_AddItemToObject(o, "b",
                              unit_side(u->unit_b >= 0, u->ranked_b, u->total_b, u->rank_b,
                                        u->band_b, u->veto_b, digits));
        cJSON_AddItemToObject(o, "change", num_or_null(u->total_b - u->total_a, digits));
        /* Places gained: positive when the unit moves up. */
        cJSON_AddItemToObject(o, "rank_change",
                              u->ranked_a && u->ranked_b ? cJSON_CreateNumber(u->rank_a - u->rank_b)
                                                         : cJSON_CreateNull());
        cJSON *causes = cJSON_AddArrayToObject(o, "causes");
        for (int k = 0; k < u->ncauses; k++) {
            const pg_diff_cause *c = &u->causes[k];
            cJSON *co = cJSON_CreateObject();
            cJSON_AddStringToObject(co, "indicator", c->id);
            cJSON_AddStringToObject(co, "name", c->name);
            cJSON_AddItemToObject(co, "a", num_or_null(c->a, 4));
            cJSON_AddItemToObject(co, "b", num_or_null(c->b, 4));
            cJSON_AddItemToObject(co, "change", num_or_null(c->b - c->a, 4));
            cJSON_AddItemToArray(causes, co);
        }
        cJSON_AddItemToArray(units, o);
    }
    return root;
}

static void rank_text(char *buf, size_t n, const pg_diff_unit *u)
{
    char a[16] = "—", b[16] = "—";
    if (u->ranked_a) snprintf(a, sizeof a, "%d", u->rank_a);
    if (u->ranked_b) snprintf(b, sizeof b, "%d", u->rank_b);
    snprintf(buf, n, "%s → %s", a, b);
}

static void move_text(char *buf, size_t n, const pg_diff_unit *u)
{
    if (u->ranked_a && u->ranked_b && u->rank_a == u->rank_b)
        snprintf(buf, n, "=");
    else if (u->ranked_a && u->ranked_b)
        snprintf(buf, n, "%s%d", u->rank_b < u->rank_a ? "↑" : "↓", abs(u->rank_a - u->rank_b));
    else
        snprintf(buf, n, "%s", u->ranked_b ? "新" : u->ranked_a ? "出" : "");
}

static void total_text(char *buf, size_t n, double v, const pg_ruleset *rs)
{
    if (isfinite(v))
        snprintf(buf, n, "%.*f", rs->rounding, pg_rs_round(rs, v));
    else
        snprintf(buf, n, "—");
}

int pg_diff_text(const pg_diff *df, const char *against, FILE *out)
{
    const pg_ruleset *ra = df->a->rs, *rb = df->b->rs;
    const pg_scheme *s = &ra->schemes[df->a->scheme];
    int digits = ra->rounding;
    char buf[PG_PERIOD_BUF];
    fprintf(out, "%s — %s %s：调整前后对比\n", ra->name, s->name,
            pg_period_format(df->a->period, buf));
    fprintf(out, "A  %s（规则版本 %.12s）\n", ra->dir, ra->revision);
    fprintf(out, "B  %s（规则版本 %.12s%s）\n", against, rb->revision,
            df->overrides ? "，按该文件调整权重" : "");
    if (df->year_a || df->year_b) {
        char *text = years_text(df, buf, 1);
        fprintf(out, "%s\n", text);
        free(text);
    }
    fprintf(out, "%d 个单位排名变化，%d 个单位等次变化，%d 个单位总分变化\n", df->rank_changes,
            df->band_changes, df->total_changes);
    const pg_group *cur = NULL;
    for (int i = 0; i < df->nunits; i++) {
        const pg_diff_unit *u = &df->units[i];
        if (group_of(df, u) != cur) {
            cur = group_of(df, u);
            fprintf(out, "\n%s\n", cur->name);
            static const char *const head[] = {"排名",  "变动", "单位", "总分A",
                                               "总分B", "差值", "等次", "主要原因"};
            static const int widths[] = {9, 5, 10, -7, -7, -7, 16};
            for (int k = 0; k < 7; k++) pg_text_cell(out, head[k], widths[k]);
            fprintf(out, "%s\n", head[7]);
        }
        char rank[40], move[16], ta[32], tb[32], ch[32], band[96], causes[512] = "";
        rank_text(rank, sizeof rank, u);
        move_text(move, sizeof move, u);
        total_text(ta, sizeof ta, u->total_a, ra);
        total_text(tb, sizeof tb, u->total_b, ra);
        double delta = u->total_b - u->total_a;
        if (delta == 0)
            snprintf(ch, sizeof ch, "%.*f", digits, 0.0);
        else if (isfinite(delta))
            snprintf(ch, sizeof ch, "%+.*f", digits, pg_rs_round(ra, delta));
        else
            snprintf(ch, sizeof ch, "—");
        const char *ba = u->band_a ? u->band_a : "—", *bb = u->band_b ? u->band_b : "—";
        if (strcmp(ba, bb) == 0)
            snprintf(band, sizeof band, "%s", ba);
        else
            snprintf(band, sizeof band, "%s → %s", ba, bb);
        size_t len = 0;
        double shown = 0.5 * pow(10, -digits); /* a change rounding would hide is not a cause */
        for (int k = 0, listed = 0; k < u->ncauses && listed < 3; k++) {
            const pg_diff_cause *c = &u->causes[k];
            if (fabs(c->b - c->a) < shown) break;
            len +=
                (size_t)snprintf(causes + len, sizeof causes - len, "%s%s %+.*f",
                                 listed++ ? "；" : "", c->id, digits, pg_rs_round(ra, c->b - c->a));
            if (len >= sizeof causes) break;
        }
        if (u->veto_a || u->veto_b)
            snprintf(causes + strlen(causes), sizeof causes - strlen(causes), "%s单项否决 %s",
                     *causes ? "；" : "", u->veto_b ? u->veto_b : u->veto_a);
        char name[160];
        snprintf(name, sizeof name, "%s", u->name);
        pg_text_cell(out, rank, 9);
        pg_text_cell(out, move, 5);
        pg_text_cell(out, name, 10);
        pg_text_cell(out, ta, -7);
        pg_text_cell(out, tb, -7);
        pg_text_cell(out, ch, -7);
        pg_text_cell(out, band, 16);
        fprintf(out, "%s\n", causes);
    }
    return ferror(out) ? -EIO : 0;
}
