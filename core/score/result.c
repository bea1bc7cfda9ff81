/* result.c — what an evaluation leaves behind: reading its cells, the points each unit lost,
 * the trees in display order, and freeing it. The evaluation (eval.c) fills it and ranking
 * (rank.c) orders it; everything that prints a result (report/) reads it through here. */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    "ok", "missing", "na", "carried", "no_business", "not_submitted", "error", "veto", "off"};

const char *pg_status_name(pg_status s)
{
    return status_names[s];
}

const char *pg_result_note(const pg_result *res, int note)
{
    return note >= 0 && note < res->nnotes ? res->notes[note] : NULL;
}

const char *pg_result_unranked_reason(const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    if (res->rs->groups[res->rs->units[u].group].unranked && !isnan(res->units[u].total))
        return "not_ranked";
    if (res->units[u].errors) return "error";
    for (int k = 0; res->cells && k < s->nparts; k++)
        if (s->parts[k].node >= 0 &&
            pg_result_cell(res, s->parts[k].node, u)->status == PG_ST_NO_BUSINESS)
            return "no_business";
    return "no_data";
}

double pg_result_lost(const pg_result *res, int node, int unit)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    const pg_cell *c = pg_result_cell(res, node, unit);
    if (isnan(c->points) || n->adjust) return 0;
    /* On a bonus/penalty item only a penalty taken is lost; an unearned bonus is not. */
    if (n->parent >= 0 && rs->nodes[n->parent].adjust) return c->points < 0 ? -c->points : 0;
    if (!(c->max > 0)) return 0;
    return (c->max - c->points) * c->weight;
}

static void preorder(const pg_ruleset *rs, int node, int *out, int *n)
{
    out[(*n)++] = node;
    for (int k = 0; k < rs->nodes[node].nchildren; k++)
        preorder(rs, rs->nodes[node].children[k], out, n);
}

int pg_scheme_preorder(const pg_ruleset *rs, const pg_scheme *s, int **out)
{
    int n = 0;
    *out = pg_xmalloc(sizeof(int) * (size_t)(s->norder + 1));
    for (int k = 0; k < s->nparts; k++)
        if (s->parts[k].node >= 0) preorder(rs, s->parts[k].node, *out, &n);
    return n;
}

size_t pg_result_bytes(const pg_result *res)
{
    if (!res) return 0;
    const pg_ruleset *rs = res->rs;
    size_t units = (size_t)rs->nunits, cells = (size_t)rs->nnodes * units;
    size_t n = sizeof *res + units * sizeof *res->units +
               units * (size_t)rs->schemes[res->scheme].nparts * sizeof *res->parts +
               (res->cells ? cells * sizeof *res->cells : 0) + (res->thin ? cells : 0) +
               (size_t)res->nappeals * sizeof *res->appeals +
               (size_t)res->nflags * sizeof *res->flags;
    for (int i = 0; i < res->nnotes; i++)
        n += sizeof *res->notes + (res->notes[i] ? strlen(res->notes[i]) + 1 : 0);
    for (int i = 0; i < res->nsub; i++) n += pg_result_bytes(res->sub[i]);
    return n;
}

void pg_result_trim(pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    size_t ncells = (size_t)rs->nnodes * (size_t)rs->nunits;
    for (size_t i = 0; res->cells && i < ncells; i++) {
        if (!res->cells[i].thin) continue;
        if (!res->thin) res->thin = pg_xcalloc(ncells, 1);
        res->thin[i] = res->cells[i].thin;
    }
    free(res->cells), res->cells = NULL;
    /* the units' own notes, renumbered; the cells' went with them */
    int *to = pg_xmalloc(sizeof(int) * (size_t)(res->nnotes + 1)), kept = 0;
    char **notes = pg_xmalloc(sizeof(char *) * (size_t)(res->nnotes + 1));
    for (int i = 0; i < res->nnotes; i++) to[i] = -1;
    for (int u = 0; u < rs->nunits; u++) {
        int k = res->units[u].note;
        if (k < 0 || k >= res->nnotes) continue;
        if (to[k] < 0) to[k] = kept, notes[kept++] = res->notes[k], res->notes[k] = NULL;
        res->units[u].note = to[k];
    }
    for (int i = 0; i < res->nnotes; i++) free(res->notes[i]);
    free(res->notes), free(to);
    res->notes = notes, res->nnotes = kept;
    for (int i = 0; i < res->nsub; i++) pg_result_free(res->sub[i]);
    for (int i = 0; i < res->nappeals; i++) free(res->appeals[i].reason);
    free(res->sub), free(res->sub_part), free(res->appeals), free(res->flags);
    res->sub = NULL, res->sub_part = NULL, res->appeals = NULL, res->flags = NULL;
    res->nsub = res->nappeals = res->nflags = 0;
}

void pg_result_free(pg_result *res)
{
    if (!res) return;
    for (int i = 0; i < res->nnotes; i++) free(res->notes[i]);
    for (int i = 0; i < res->nsub; i++) pg_result_free(res->sub[i]);
    for (int i = 0; i < res->nappeals; i++) free(res->appeals[i].reason);
    free(res->appeals), free(res->flags);
    free(res->notes), free(res->sub), free(res->sub_part);
    free(res->units), free(res->parts), free(res->cells), free(res->thin);
    free(res);
}
