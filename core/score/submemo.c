/* submemo.c — the monthly sub-results of schemes of schemes, kept between evaluations (see
 * score.h).
 *
 * An entry is a trimmed result without its rule set: the units' results, the parts, the thin
 * marks and the units' notes, each copied in and copied out, so that no entry is shared with
 * a result that a caller frees, and no entry outlives the rule set it was made with by
 * pointing at it. A lookup costs the key's hashing: the month's values and those it may carry
 * from (4 periods of nmetrics × nunits × 16 bytes with carry_limit 3, ~12 MB at 3,003 units,
 * ~6 ms) against ~0.1 s for evaluating the month. */
#include "submemo.h"

#include "data.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key[65];
    int nunits, nparts, nnotes;
    size_t ncells; /* of thin, 0 when NULL */
    pg_unit_result *units;
    double *parts;
    unsigned char *thin;
    char **notes;
    long used; /* the memo's clock at the last lookup that found it */
} entry;

struct pg_submemo {
    pthread_mutex_t lock;
    entry *v;
    int n, max;
    long clock, hits, misses;
    size_t bytes;
};

pg_submemo *pg_submemo_new(int max)
{
    pg_submemo *m = pg_xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->max = max > 0 ? max : 1;
    m->v = pg_xcalloc((size_t)m->max, sizeof *m->v);
    return m;
}

static size_t entry_bytes(const entry *e)
{
    size_t n = sizeof *e + sizeof *e->units * (size_t)e->nunits +
               sizeof *e->parts * (size_t)e->nunits * (size_t)e->nparts + e->ncells;
    for (int i = 0; i < e->nnotes; i++) n += strlen(e->notes[i]) + 1 + sizeof *e->notes;
    return n;
}

static void entry_free(entry *e)
{
    for (int i = 0; i < e->nnotes; i++) free(e->notes[i]);
    free(e->units), free(e->parts), free(e->thin), free(e->notes);
    memset(e, 0, sizeof *e);
}

void pg_submemo_free(pg_submemo *m)
{
    if (!m) return;
    for (int i = 0; i < m->n; i++) entry_free(&m->v[i]);
    free(m->v);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void pg_submemo_stats(pg_submemo *m, long *hits, long *misses, int *held, size_t *bytes)
{
    pthread_mutex_lock(&m->lock);
    *hits = m->hits, *misses = m->misses, *held = m->n, *bytes = m->bytes;
    pthread_mutex_unlock(&m->lock);
}

int pg__submemo_key(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                    char key[65])
{
    static const char tag[] = "pinggu monthly sub-result 1";
    if (!rs->revision[0]) return -1;
    pg_sha256 *h = pg_sha256_new();
    pg_sha256_add(h, tag, sizeof tag);
    pg_sha256_add(h, rs->revision, strlen(rs->revision) + 1);
    pg_sha256_add(h, rs->schemes[scheme].id, strlen(rs->schemes[scheme].id) + 1);
    /* what eval.c reads for the month: its own period, and what a missing value or one of too
     * small a sample is carried from (score_group, apply_missing): of each metric that a
     * carry_forward leaf reads, below the largest min_n of those leaves */
    double *min_n = pg_xmalloc(sizeof *min_n * (size_t)(rs->nmetrics + 1));
    for (int k = 0; k < rs->nmetrics; k++) min_n[k] = NAN;
    for (int k = 0; k < rs->nnodes; k++) {
        const pg_node *n = &rs->nodes[k];
        if (n->missing != PG_MISS_CARRY || n->metric < 0) continue;
        if (!(n->min_n <= min_n[n->metric])) min_n[n->metric] = n->min_n;
    }
    pg_dataset_period_hash(ds, period, h);
    pg_dataset_carry_hash(ds, period, rs->carry_limit, min_n, h);
    free(min_n);
    pg_sha256_end(h, key);
    return 0;
}

static void *dup(const void *p, size_t n)
{
    return p && n ? memcpy(pg_xmalloc(n), p, n) : NULL;
}

static char **dup_notes(char *const *v, int n)
{
    char **c = pg_xmalloc(sizeof *c * (size_t)(n + 1));
    for (int i = 0; i < n; i++) c[i] = pg_xstrdup(v[i]);
    return c;
}

static entry *find(pg_submemo *m, const char key[65])
{
    for (int i = 0; i < m->n; i++)
        if (memcmp(m->v[i].key, key, 64) == 0) return &m->v[i];
    return NULL;
}

int pg__submemo_get(pg_submemo *m, const char key[65], const pg_ruleset *rs, int scheme, int period,
                    pg_result **out)
{
    pthread_mutex_lock(&m->lock);
    entry *e = find(m, key);
    int nparts = rs->schemes[scheme].nparts ? rs->schemes[scheme].nparts : 1;
    if (!e || e->nunits != rs->nunits || e->nparts != nparts ||
        (e->ncells && e->ncells != (size_t)rs->nnodes * (size_t)rs->nunits)) {
        m->misses++;
        pthread_mutex_unlock(&m->lock);
        return 0;
    }
    pg_result *r = pg_xcalloc(1, sizeof *r);
    r->rs = rs, r->scheme = scheme, r->period = period;
    r->units = dup(e->units, sizeof *e->units * (size_t)e->nunits);
    r->parts = dup(e->parts, sizeof *e->parts * (size_t)e->nunits * (size_t)e->nparts);
    r->thin = dup(e->thin, e->ncells);
    r->notes = dup_notes(e->notes, e->nnotes), r->nnotes = e->nnotes;
    e->used = ++m->clock;
    m->hits++;
    pthread_mutex_unlock(&m->lock);
    *out = r;
    return 1;
}

void pg__submemo_put(pg_submemo *m, const char key[65], const pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    int nparts = rs->schemes[res->scheme].nparts ? rs->schemes[res->scheme].nparts : 1;
    entry e = {.nunits = rs->nunits, .nparts = nparts, .nnotes = res->nnotes};
    memcpy(e.key, key, 65);
    e.ncells = res->thin ? (size_t)rs->nnodes * (size_t)rs->nunits : 0;
    e.units = dup(res->units, sizeof *e.units * (size_t)e.nunits);
    e.parts = dup(res->parts, sizeof *e.parts * (size_t)e.nunits * (size_t)nparts);
    e.thin = dup(res->thin, e.ncells);
    e.notes = dup_notes(res->notes, res->nnotes);
    pthread_mutex_lock(&m->lock);
    entry *slot = find(m, key); /* another thread kept the same month meanwhile */
    if (!slot && m->n < m->max) slot = &m->v[m->n++];
    if (!slot) { /* the least recently used */
        slot = &m->v[0];
        for (int i = 1; i < m->n; i++)
            if (m->v[i].used < slot->used) slot = &m->v[i];
    }
    if (slot->units) m->bytes -= entry_bytes(slot), entry_free(slot);
    e.used = ++m->clock;
    *slot = e;
    m->bytes += entry_bytes(slot);
    pthread_mutex_unlock(&m->lock);
}
