/* bcache.c — the loop's byte-budgeted LRU map of immutable texts (bcache.h): a chained hash table
 * of keys, and a doubly linked list of the same entries by recency, newest first, which eviction
 * walks from its old end. */
#include "bcache.h"

#include "base.h"

#include <stdlib.h>
#include <string.h>

struct pg_bcache_entry {
    pg_bcache_entry *chain; /* next in the bucket */
    pg_bcache_entry *newer, *older;
    uint64_t hash;
    size_t bytes; /* what it counts against the budget */
    pg_blob *text;
    char key[]; /* NUL-terminated */
};

/* what an entry costs besides its text and key: the entry, the blob's header, the allocators' */
#define OVERHEAD 96

static uint64_t hash_of(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void pg_bcache_init(pg_bcache *c, size_t budget)
{
    memset(c, 0, sizeof *c);
    c->budget = budget;
}

static void unlink_recency(pg_bcache *c, pg_bcache_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(pg_bcache *c, pg_bcache_entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest) c->newest->newer = e;
    c->newest = e;
    if (!c->oldest) c->oldest = e;
}

static pg_bcache_entry **slot_of(pg_bcache *c, const char *key, uint64_t h)
{
    pg_bcache_entry **p = &c->buckets[h & (c->nbuckets - 1)];
    while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0)) p = &(*p)->chain;
    return p;
}

static void drop(pg_bcache *c, pg_bcache_entry *e)
{
    pg_bcache_entry **p = slot_of(c, e->key, e->hash);
    *p = e->chain;
    unlink_recency(c, e);
    c->bytes -= e->bytes;
    c->n--;
    pg_blob_unref(e->text);
    free(e);
}

static void grow(pg_bcache *c)
{
    size_t nb = c->nbuckets ? c->nbuckets * 2 : 256;
    pg_bcache_entry **b = pg_xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < c->nbuckets; i++)
        for (pg_bcache_entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

pg_blob *pg_bcache_get(pg_bcache *c, const char *key)
{
    if (!c->n) return NULL;
    pg_bcache_entry *e = *slot_of(c, key, hash_of(key));
    if (!e) return NULL;
    unlink_recency(c, e);
    push_newest(c, e);
    return e->text;
}

void pg_bcache_put(pg_bcache *c, const char *key, pg_blob *b)
{
    size_t klen = strlen(key), cost = b->len + klen + OVERHEAD;
    uint64_t h = hash_of(key);
    if (c->n) {
        pg_bcache_entry *old = *slot_of(c, key, h);
        if (old) drop(c, old);
    }
    if (c->budget && cost > c->budget) return;
    if (c->n + 1 > c->nbuckets) grow(c);
    pg_bcache_entry *e = pg_xmalloc(sizeof *e + klen + 1);
    memcpy(e->key, key, klen + 1);
    e->hash = h;
    e->bytes = cost;
    e->text = pg_blob_ref(b);
    pg_bcache_entry **slot = &c->buckets[h & (c->nbuckets - 1)];
    e->chain = *slot;
    *slot = e;
    e->newer = e->older = NULL;
    push_newest(c, e);
    c->bytes += cost;
    c->n++;
    while (c->budget && c->bytes > c->budget && c->oldest != e) {
        drop(c, c->oldest);
        c->evictions++;
    }
}

void pg_bcache_free(pg_bcache *c)
{
    while (c->oldest) drop(c, c->oldest);
    free(c->buckets);
    size_t budget = c->budget;
    pg_bcache_init(c, budget);
}
