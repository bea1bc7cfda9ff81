/* bcache.h — a byte-budgeted, least-recently-used map of immutable texts by key, held by the loop
 * thread: the parts of published bulletins that readers ask for (publish.c).
 *
 * A published bulletin never changes (its rows cannot be updated or deleted, core/store), so a
 * part read from the store once is right for good and can be kept by a key naming the bulletin's
 * id; what changes when a period is published again is which id is the latest, which publish.c
 * asks the store at every read. The map only keeps texts and counts; it never reads the store.
 * Each text is a pg_blob with a reference of its own: a reply that borrowed it (pg_blob_ref) keeps
 * it alive after it is evicted. Loop thread only, like pg_host itself. */
#ifndef PG_BCACHE_H
#define PG_BCACHE_H

#include "blob.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pg_bcache_entry pg_bcache_entry;

typedef struct {
    size_t budget;                    /* bytes; 0: unbounded */
    size_t bytes;                     /* held: texts, keys and a fixed overhead per entry */
    size_t n;                         /* entries */
    uint64_t hits, misses;            /* reads answered from it, and reads that went to the store */
    uint64_t evictions;               /* entries dropped to stay within the budget */
    pg_bcache_entry **buckets;        /* chained by key hash */
    size_t nbuckets;                  /* a power of two, or 0 before the first put */
    pg_bcache_entry *newest, *oldest; /* the recency list */
} pg_bcache;

/* An empty map of `budget` bytes (0: unbounded). */
void pg_bcache_init(pg_bcache *c, size_t budget);
/* Drops every entry (a text still borrowed lives on until its last reference goes). */
void pg_bcache_free(pg_bcache *c);
/* The text kept under `key`, made the most recently used, or NULL. The reference stays the map's:
 * take one (pg_blob_ref) to keep it past the next put. Counts neither a hit nor a miss (the
 * caller knows whether the read as a whole was answered). */
pg_blob *pg_bcache_get(pg_bcache *c, const char *key);
/* Keeps `b` under `key` (taking a reference of its own; an entry of that key is replaced), then
 * drops the least recently used entries while over the budget. A text larger than the whole
 * budget is not kept. */
void pg_bcache_put(pg_bcache *c, const char *key, pg_blob *b);

#endif
