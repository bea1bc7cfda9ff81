/* cache.c — the outcomes the results cache holds, and its budget (host.h, cache.c).
 *
 * Every (scheme, period) read keeps its latest outcome, rendered for each audience, so that a
 * read costs a lookup. Unbounded, that is a leak in slow motion: at province scale one period's
 * outcome is hundreds of megabytes, and every period anyone opens stays. So the outcomes count
 * their bytes against result_cache_mb, and past it the least recently read are dropped. An
 * entry with an evaluation running or requests waiting for one is never dropped, nor is the
 * one just stored (a single outcome larger than the budget is still served). A dropped entry
 * is evaluated again when next read; meanwhile no data change or swap re-scores it
 * (pg_rescore touches entries with an outcome only), so a period nobody reads costs nothing.
 * Loop thread only. */
#include "host.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

pg_outcome *pg_outcome_ref(const pg_outcome *o)
{
    pg_outcome *m = (pg_outcome *)o; /* the count is not what the outcome says */
    m->refs++;
    return m;
}

void pg_outcome_free(pg_outcome *o)
{
    if (!o) return;
    if (o->refs) {
        o->refs--;
        return;
    }
    pg_blob_unref(o->full), pg_blob_unref(o->ranking), pg_blob_unref(o->summary);
    for (int i = 0; i < o->ngroups; i++) pg_blob_unref(o->groups[i]);
    pg_blob_unref(o->unit_head);
    pg_unit_texts_free(o->texts); /* before the result it reads, then the rules res reads */
    pg_result_free(o->res);
    pg_gen_unref(o->gen);
    free(o->groups), free(o->cuts), free(o->headers), free(o->trigger), free(o->error);
    free(o);
}

static size_t blob_len(const pg_blob *b)
{
    return b ? b->len : 0;
}

size_t pg_outcome_bytes(const pg_outcome *o)
{
    if (!o) return 0;
    size_t n = sizeof *o + blob_len(o->full) + blob_len(o->ranking) + blob_len(o->summary);
    for (int i = 0; i < o->ngroups; i++) n += blob_len(o->groups[i]) + sizeof *o->groups;
    n += blob_len(o->unit_head) + (size_t)o->nunits * sizeof *o->cuts + pg_result_bytes(o->res);
    n += o->headers ? strlen(o->headers) : 0;
    n += o->error ? strlen(o->error) : 0;
    return n;
}

void pg_cache_read(pg_host *h, pg_entry *e, int hit)
{
    e->used = ++h->cache.tick;
    if (hit)
        h->cache.hits++;
    else
        h->cache.misses++;
}

/* Drops the least recently read outcomes, sparing `keep`, until the cache fits its budget. */
static void trim(pg_host *h, const pg_entry *keep)
{
    size_t budget = (size_t)h->cfg.result_cache_mb << 20;
    while (budget && h->cache.bytes > budget) {
        pg_entry *lru = NULL;
        for (pg_entry *e = h->entries; e; e = e->next)
            if (e != keep && e->cur && !e->running && !e->waiters && (!lru || e->used < lru->used))
                lru = e;
        if (!lru) return; /* everything left is in use */
        h->cache.bytes -= pg_outcome_bytes(lru->cur);
        h->cache.evictions++;
        pg_outcome_free(lru->cur);
        lru->cur = NULL;
    }
}

void pg_cache_put(pg_host *h, pg_entry *e, pg_outcome *o)
{
    h->cache.bytes -= pg_outcome_bytes(e->cur);
    pg_outcome_free(e->cur);
    e->cur = o;
    h->cache.bytes += pg_outcome_bytes(o);
    e->used = ++h->cache.tick;
    trim(h, e);
}
