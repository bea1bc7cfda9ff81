/* report_csv.c — CSV for spreadsheets and scripts: the ranking (one row per ranked unit), or
 * with a unit, its indicator breakdown. Fields are quoted by libcsv. */
#include "base.h"
#include "score.h"
#include "report.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Quotes (through libcsv) only the fields that need it, so numbers stay numbers. */
static void field(FILE *out, const char *s, int last)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\r\n"))
        csv_fwrite(out, s, strlen(s));
    else
        fputs(s, out);
    fputc(last ? '\n' : ',', out);
}

static void number(FILE *out, double v, int digits, int last)
{
    char buf[64] = "";
    if (isfinite(v)) snprintf(buf, sizeof buf, "%.*f", digits, pg_round(v, digits));
    field(out, buf, last);
}

/* A total, a part or a change, rounded as the rule set rounds (digits and rounding_mode). */
static void figure(FILE *out, const pg_ruleset *rs, double v, int last)
{
    char buf[64] = "";
    if (isfinite(v)) snprintf(buf, sizeof buf, "%.*f", rs->rounding, pg_rs_round(rs, v));
    field(out, buf, last);
}

static void ranking(const pg_result *res, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    fputs("group,rank,unit,name,total", out);
    for (int k = 0; k < s->nparts; k++) fprintf(out, ",%s", s->parts[k].id);
    fputs(",previous_rank,movement,change,band\n", out);
    for (int g = 0; g < rs->ngroups; g++) {
        int *order = pg_result_group_order(res, g);
        for (int i = 0; order[i] >= 0; i++) {
            int u = order[i];
            const pg_unit_result *ur = &res->units[u];
            field(out, rs->groups[g].id, 0);
            number(out, ur->rank, 0, 0);
            field(out, rs->units[u].id, 0);
            field(out, rs->units[u].name, 0);
            figure(out, rs, ur->total, 0);
            for (int k = 0; k < s->nparts; k++) figure(out, rs, pg_result_part(res, u, k), 0);
            number(out, ur->prev_rank ? ur->prev_rank : NAN, 0, 0);
            field(out, pg_movement(ur), 0);
            figure(out, rs, ur->prev_rank ? ur->total - ur->prev_total : NAN, 0);
            field(out, ur->band >= 0 ? rs->bands[ur->band].label : "", 1);
        }
        free(order);
    }
}

/* A scheme of schemes: the totals each part was built from, period by period. */
static void sources(const pg_result *res, int u, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    char buf[PG_PERIOD_BUF];
    fputs("unit,part,weight,part_score,period,total\n", out);
    for (int k = 0; k < s->nparts; k++)
        for (int i = 0; i < res->nsub; i++) {
            if (res->sub_part[i] != k) continue;
            const pg_unit_result *sr = &res->sub[i]->units[u];
            field(out, rs->units[u].id, 0);
            field(out, s->parts[k].id, 0);
            number(out, s->parts[k].weight, 4, 0);
            figure(out, rs, pg_result_part(res, u, k), 0);
            field(out, pg_period_format(res->sub[i]->period, buf), 0);
            figure(out, rs, sr->ranked ? sr->total : NAN, 1);
        }
}

static void breakdown(const pg_result *res, int u, FILE *out)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    fputs("unit,part,indicator,name,parent,depth,value,n,method,points,max,lost,status,note\n",
          out);
    int *order, n = pg_scheme_preorder(rs, s, &order);
    for (int i = 0; i < n; i++) {
        const pg_node *node = &rs->nodes[order[i]];
        const pg_cell *c = pg_result_cell(res, order[i], u);
        if (c->status == PG_ST_OFF) continue;
        int leaf = node->nchildren == 0 && !node->adjust;
        int part = order[i];
        while (rs->nodes[part].parent >= 0) part = rs->nodes[part].parent;
        field(out, rs->units[u].id, 0);
        field(out, rs->nodes[part].id, 0);
        field(out, node->id, 0);
        field(out, node->name, 0);
        field(out, node->parent >= 0 ? rs->nodes[node->parent].id : "", 0);
        number(out, node->depth, 0, 0);
        number(out, leaf ? c->value : NAN, 6, 0);
        number(out, leaf ? c->n : NAN, 0, 0);
        field(out,
              !leaf             ? ""
              : node->veto      ? "veto"
              : node->evaluator ? "evaluator_score"
                                : pg_method_name(node->method.kind),
              0);
        number(out, c->points, 4, 0);
        number(out, c->max, 4, 0);
        number(out, pg_result_lost(res, order[i], u), 4, 0);
        field(out, pg_status_name((pg_status)c->status), 0);
        field(out, pg_result_note(res, c->note), 1);
    }
    free(order);
}

int pg_report_csv(const pg_result *res, int unit, FILE *out)
{
    if (unit < 0)
        ranking(res, out);
    else if (!res->cells)
        sources(res, unit, out);
    else
        breakdown(res, unit, out);
    return ferror(out) ? -EIO : 0;
}
