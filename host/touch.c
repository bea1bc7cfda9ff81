/* touch.c — whether a data change can move the numbers of one cached (scheme, period).
 *
 * A change names the cells it touched (core/data, batch_cells.c: partial cells by metric
 * definition and bucket, fed values by metric, unit and period; or one review decision: a
 * self-report's metric or a score's or appeal's indicator, in one period). An evaluation of
 * (scheme, P) reads, and so is reached by a touched cell in bucket b when:
 *
 *   - monthly P, under the generation in force in P:
 *       any cell in P or P-1, of any metric: whether a period has data at all decides whether
 *       it is evaluated, and P-1's evaluation gives P its 环比 ranks (score/eval.c);
 *       a metric or indicator the scheme reads (its tree, its parts' schemes, every
 *       authenticity check, whose flags every result lists) in P or P-1, and back to
 *       P-1-carry_limit when its node carries missing data forward (carry_forward);
 *     a year-to-date or rolling metric is counted into every month its window covers
 *     (aggregate.h), so a record of March is a cell of every later month: nothing more to do;
 *   - a year Y: any cell from carry_limit months before January of Y to December, or in a
 *     year bucket from Y-carry_limit to Y. A yearly scheme reads its year's months through the
 *     composite's monthly totals (under each month's generation, months.h) and the authenticity
 *     checks of every month, so no finer line is drawn;
 *   - and every evaluation when the change may fail the loading of the data (a value given
 *     twice, a fed value of a metric the rules compute or of a unit they do not have) or when
 *     its cells cannot be told (every bucket of a source or definition; a computed metric
 *     with no partial row for the batch, which is computed from the raw file when read).
 *
 * When unsure, it says "reached": a re-score too many costs time, a stale number is wrong. */
#include "host.h"
#include "base.h"

#include <stdlib.h>
#include <string.h>

/* Month index of a period code's month (a year code: its January). */
static int month_index(int code)
{
    int m = code % 100;
    return pg_period_year(code) * 12 + (m ? m - 1 : 0);
}

/* What one scheme of rs reads, by metric and by node: READ, and CARRIED when a node of it
 * carries missing data forward from earlier periods. */
enum { READ = 1, CARRIED = 2 };
typedef struct {
    const pg_ruleset *rs;
    unsigned char *metric, *node, *scheme;
} reads;

static void read_node(reads *r, int n)
{
    const pg_node *nd = &r->rs->nodes[n];
    if (r->node[n]) return;
    int how = READ | (nd->missing == PG_MISS_CARRY ? CARRIED : 0);
    r->node[n] = (unsigned char)how;
    if (nd->metric >= 0) r->metric[nd->metric] |= (unsigned char)how;
    for (int i = 0; i < nd->nchildren; i++) read_node(r, nd->children[i]);
}

static void read_scheme(reads *r, int s)
{
    if (r->scheme[s]) return;
    r->scheme[s] = 1;
    const pg_scheme *sc = &r->rs->schemes[s];
    for (int i = 0; i < sc->norder; i++) read_node(r, sc->order[i]);
    for (int k = 0; k < sc->nparts; k++) {
        if (sc->parts[k].node >= 0) read_node(r, sc->parts[k].node);
        if (sc->parts[k].scheme >= 0) read_scheme(r, sc->parts[k].scheme);
    }
}

static void reads_free(reads *r)
{
    free(r->metric), free(r->node), free(r->scheme);
}

/* Monthly period P: whether a cell of bucket b reaches it; `how`: what the scheme makes of the
 * cell's metric or node (READ, CARRIED). */
static int month_reached(const reads *r, int period, int b, int how)
{
    if (pg_period_is_year(b)) return 0; /* a month reads month buckets only */
    int p = month_index(period), x = month_index(b);
    if (x == p || x == p - 1) return 1;
    return (how & CARRIED) && x < p && x >= p - 1 - r->rs->carry_limit;
}

static int year_reached(int carry_limit, int year, int b)
{
    int y = pg_period_year(b);
    if (pg_period_is_year(b)) return y >= year - carry_limit && y <= year;
    int x = month_index(b);
    return x >= year * 12 - carry_limit && x <= year * 12 + 11;
}

/* The row of batch `seq` for metric definition `def`, or NULL. */
static const pg_touch_cells *row_of(const pg_touched *t, long seq, const char *def)
{
    for (int i = 0; i < t->ncells; i++)
        if (t->cells[i].def && t->cells[i].batch == seq && strcmp(t->cells[i].def, def) == 0)
            return &t->cells[i];
    return NULL;
}

/* The cells of touched source `s` under rs (a monthly entry). */
static int source_reaches(const reads *r, int period, const pg_touched *t,
                          const pg_touch_source *ts)
{
    const pg_ruleset *rs = r->rs;
    int si = pg_strmap_get(&rs->source_ids, ts->name);
    if (si < 0) return 0; /* this generation reads no such source: its batches do not count */
    if (ts->all || (rs->sources[si].key_field >= 0 && !ts->keys_indexed)) return 1;
    for (int m = 0; m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        if (me->source != si || me->agg == PG_AGG_FED) continue;
        /* each changed batch of the source: its row of the definition, or none (computed from
         * the raw file when read: untold) */
        for (int b = 0; b < ts->nbatches; b++) {
            const pg_touch_cells *c = row_of(t, ts->batches[b], me->def);
            if (!c || c->all) return 1;
            for (int i = 0; i < c->nbuckets; i++)
                if (month_reached(r, period, c->buckets[i], r->metric[m])) return 1;
        }
    }
    return 0;
}

/* A fed value that fails the loading of the data under rs: given twice (fed, and computed by
 * these rules), or of a unit these rules lack. A metric these rules do not have is skipped. */
static int value_breaks(const pg_ruleset *rs, const pg_touch_cells *c)
{
    int m = pg_strmap_get(&rs->metric_ids, c->metric ? c->metric : "");
    return m >= 0 &&
           (rs->metrics[m].agg != PG_AGG_FED || pg_unit_find(rs, c->unit ? c->unit : "") < 0);
}

static int value_reaches(const reads *r, int period, const pg_touch_cells *c)
{
    const pg_ruleset *rs = r->rs;
    int m = pg_strmap_get(&rs->metric_ids, c->metric ? c->metric : "");
    if (m < 0) return 0; /* a metric of another year's rules: not read with these */
    if (value_breaks(rs, c) || c->all) return 1;
    for (int i = 0; i < c->nbuckets; i++)
        if (month_reached(r, period, c->buckets[i], r->metric[m])) return 1;
    return 0;
}

static int month_entry_reached(const pg_host *h, const pg_entry *e, const pg_data_change *ch)
{
    const pg_gen *g = pg_host_gen_for(h, e->period);
    if (!g) return 1;
    const pg_ruleset *rs = g->rs;
    int s = pg_strmap_get(&rs->scheme_ids, e->scheme);
    if (s < 0) return 1; /* answered 404 by its evaluation: re-run it */
    reads r = {rs, pg_xcalloc((size_t)rs->nmetrics + 1, 1), pg_xcalloc((size_t)rs->nnodes + 1, 1),
               pg_xcalloc((size_t)rs->nschemes + 1, 1)};
    read_scheme(&r, s);
    /* every result lists the authenticity flags of its period, of every check */
    for (int k = 0; k < rs->nmetrics; k++)
        if (rs->metrics[k].auth_measured >= 0)
            r.metric[k] |= READ, r.metric[rs->metrics[k].auth_measured] |= READ;
    int hit = 0;
    const pg_touched *t = ch->batches;
    for (int i = 0; t && !hit && i < t->nsrc; i++)
        if (strcmp(t->src[i].name, PG_BATCH_VALUES) != 0)
            hit = source_reaches(&r, e->period, t, &t->src[i]);
    for (int i = 0; t && !hit && i < t->ncells; i++)
        if (t->cells[i].metric) hit = value_reaches(&r, e->period, &t->cells[i]);
    if (!hit && ch->metric) {
        int m = pg_strmap_get(&rs->metric_ids, ch->metric);
        hit = month_reached(&r, e->period, ch->period, m < 0 ? READ | CARRIED : r.metric[m]);
    }
    if (!hit && ch->node) {
        int n = pg_strmap_get(&rs->node_ids, ch->node);
        hit = month_reached(&r, e->period, ch->period, n < 0 ? READ | CARRIED : r.node[n]);
    }
    reads_free(&r);
    return hit;
}

/* The largest carry_limit of the generations of the year's chain. */
static int year_carry(const pg_host *h, int year)
{
    int carry = 0;
    for (int i = 0; i < h->nrules; i++) {
        const pg_rules *set = h->rules[i];
        if (set->year != year) continue;
        for (int k = 0; k < set->nchain; k++)
            if (set->chain[k].gen && set->chain[k].gen->rs->carry_limit > carry)
                carry = set->chain[k].gen->rs->carry_limit;
        if (set->gen && set->gen->rs->carry_limit > carry) carry = set->gen->rs->carry_limit;
    }
    return carry;
}

static int cells_in_year(const pg_touch_cells *c, int carry, int year)
{
    if (c->all) return 1;
    for (int i = 0; i < c->nbuckets; i++)
        if (year_reached(carry, year, c->buckets[i])) return 1;
    return 0;
}

static int year_entry_reached(const pg_host *h, const pg_entry *e, const pg_data_change *ch)
{
    int year = pg_period_year(e->period), carry = year_carry(h, year);
    const pg_touched *t = ch->batches;
    for (int i = 0; t && i < t->nsrc; i++)
        if (t->src[i].all || !t->src[i].keys_indexed) return 1;
    for (int i = 0; t && i < t->ncells; i++)
        if (cells_in_year(&t->cells[i], carry, year)) return 1;
    for (int i = 0; t && i < h->nrules; i++) /* the months' generations load the data too */
        for (int k = 0; h->rules[i]->year == year && k < h->rules[i]->nchain; k++)
            for (int c = 0; c < t->ncells; c++)
                if (t->cells[c].metric && h->rules[i]->chain[k].gen &&
                    value_breaks(h->rules[i]->chain[k].gen->rs, &t->cells[c]))
                    return 1;
    /* a computed metric of a generation of the year with no row for the batch: read from the
     * raw file, so untold */
    for (int i = 0; t && i < h->nrules; i++) {
        const pg_rules *set = h->rules[i];
        if (set->year != year) continue;
        for (int k = 0; k < set->nchain; k++) {
            const pg_ruleset *rs = set->chain[k].gen ? set->chain[k].gen->rs : NULL;
            for (int m = 0; rs && m < rs->nmetrics; m++) {
                const pg_metric *me = &rs->metrics[m];
                if (me->agg == PG_AGG_FED || me->source < 0) continue;
                const char *name = rs->sources[me->source].name;
                for (int si = 0; si < t->nsrc; si++)
                    for (int b = 0; strcmp(t->src[si].name, name) == 0 && b < t->src[si].nbatches;
                         b++)
                        if (!row_of(t, t->src[si].batches[b], me->def)) return 1;
            }
        }
    }
    if (ch->metric || ch->node) return year_reached(carry, year, ch->period);
    return 0;
}

int pg_data_change_reaches(const pg_host *h, const pg_entry *e, const pg_data_change *ch)
{
    if (ch->everything || (ch->batches && ch->batches->everything)) return 1;
    return pg_period_is_year(e->period) ? year_entry_reached(h, e, ch)
                                        : month_entry_reached(h, e, ch);
}
