/* months.c — supplying an annual composite with each month's total under its own rules
 * (months.h). */
#include "months.h"

#include "record.h"
#include "score.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pg_mix {
    pg_gen *month[13]; /* the generation governing month m when not the composite's; else NULL */
    pg_gen **gens;     /* the distinct ones, each referenced once */
    pg_ruleset **rs;   /* pool thread: each one's rule set … */
    pg_dataset **ds;   /* … and its data */
    int ngens;
    const pg_ruleset *top; /* the composite's rule set */
    pg_eval_months src;
};

pg_mix *pg_mix_new(const pg_host *h, int scheme, int period)
{
    const pg_gen *cur = pg_host_gen_for(h, period);
    if (!cur || !pg_period_is_year(period) || scheme < 0) return NULL;
    const pg_ruleset *rs = cur->rs;
    const pg_scheme *s = &rs->schemes[scheme];
    pg_mix *m = NULL;
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *p = &s->parts[k];
        if (p->scheme < 0 || rs->schemes[p->scheme].period != PG_PERIOD_MONTH) continue;
        for (int mo = p->month_from; mo >= 1 && mo <= p->month_to && mo <= 12; mo++) {
            pg_gen *g = pg_host_gen_for(h, pg_period_year(period) * 100 + mo);
            if (g == cur || (m && m->month[mo])) continue;
            if (!m) m = pg_xcalloc(1, sizeof *m);
            m->month[mo] = g;
            int seen = 0;
            for (int i = 0; i < m->ngens && !seen; i++) seen = m->gens[i] == g;
            if (seen) continue;
            m->gens = pg_xrealloc(m->gens, sizeof *m->gens * (size_t)(m->ngens + 1));
            m->gens[m->ngens++] = pg_gen_ref(g);
        }
    }
    return m;
}

/* pg_eval_months's fn: month `period`'s total of monthly scheme `scheme` under its own rules. */
static int month_result(void *arg, const char *scheme, int period, pg_result **out, pg_diags *d)
{
    pg_mix *m = arg;
    const pg_gen *g = m->month[period % 100];
    if (!g) return 1; /* the composite's own rules govern it */
    int k = 0;
    while (k < m->ngens && m->gens[k] != g) k++;
    const pg_ruleset *rs = m->rs[k];
    char buf[PG_PERIOD_BUF];
    const char *at = pg_period_format(period, buf);
    int s = pg_strmap_get(&rs->scheme_ids, scheme);
    if (s < 0) {
        pg_error(d, NULL, 0,
                 "%s is governed by revision %.12s, which has no scheme '%s': the composite "
                 "cannot take its total",
                 at, rs->revision, scheme);
        return -EINVAL;
    }
    /* the composite puts each month's total beside the unit of the same index */
    int same = rs->nunits == m->top->nunits;
    for (int u = 0; same && u < rs->nunits; u++)
        same = strcmp(rs->units[u].id, m->top->units[u].id) == 0;
    if (!same) {
        pg_error(d, NULL, 0,
                 "%s is governed by revision %.12s, whose units differ from those of revision "
                 "%.12s (the year's): the composite cannot put their totals side by side; make "
                 "the unit change effective from January, or keep the units the same",
                 at, rs->revision, m->top->revision);
        return -EINVAL;
    }
    if (!pg_dataset_has_period(m->ds[k], period)) return -ENOENT;
    pg_diags md = {0};
    int rc = pg_eval(rs, m->ds[k], s, period, out, &md);
    if (rc != 0 && rc != -ENOENT)
        for (int i = 0; i < md.n; i++)
            if (md.v[i].sev == PG_ERROR)
                pg_error(d, md.v[i].file, md.v[i].line, "%s (revision %.12s): %s", at, rs->revision,
                         md.v[i].msg);
    pg_diags_free(&md);
    return rc;
}

int pg_mix_begin(pg_mix *m, const pg_ruleset *rs, const char *datadir, unsigned deadline_ms,
                 pg_diags *d)
{
    m->top = rs;
    m->rs = pg_xcalloc((size_t)m->ngens, sizeof *m->rs);
    m->ds = pg_xcalloc((size_t)m->ngens, sizeof *m->ds);
    for (int k = 0; k < m->ngens; k++) {
        int rc = pg_gen_load(m->gens[k], &m->rs[k], d);
        if (rc == 0 && deadline_ms)
            pg_sandbox_set_deadline_at(m->rs[k]->sb,
                                       pg_sandbox_clock_ns() + (long long)deadline_ms * 1000000LL,
                                       (long)deadline_ms);
        if (rc == 0) rc = pg_datadir_load(m->rs[k], datadir, &m->ds[k], d);
        if (rc != 0) return rc;
    }
    m->src = (pg_eval_months){month_result, m};
    pg_eval_months_set(&m->src);
    return 0;
}

void pg_mix_end(pg_mix *m)
{
    if (!m) return;
    pg_eval_months_set(NULL);
    for (int k = 0; m->rs && k < m->ngens; k++) {
        pg_dataset_free(m->ds[k]);
        pg_ruleset_free(m->rs[k]);
    }
    free(m->rs), free(m->ds);
    m->rs = NULL, m->ds = NULL;
}

void pg_mix_free(pg_mix *m)
{
    if (!m) return;
    for (int k = 0; k < m->ngens; k++) pg_gen_unref(m->gens[k]);
    free(m->gens), free(m);
}
