/* strmap.h — a string → int map for id lookups (units, metrics, nodes, schemes).
 *
 * Keys are borrowed: the caller keeps each key alive for the map's lifetime (they are the
 * id strings owned by the rule set). Open addressing with linear probing; ids are few. */
#ifndef PG_STRMAP_H
#define PG_STRMAP_H

typedef struct {
    const char **keys;
    int *vals;
    int cap, n;
} pg_strmap;

/* Returns 0, or -EEXIST when the key is already present (the map is unchanged). */
int pg_strmap_put(pg_strmap *m, const char *key, int val);
/* Returns the value, or -1 when the key is absent. */
int pg_strmap_get(const pg_strmap *m, const char *key);
void pg_strmap_free(pg_strmap *m);

#endif
