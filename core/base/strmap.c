/* strmap.c — open-addressing string map (FNV-1a hash, linear probing, grows at 1/2 load). */
#include "base.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int slot(const pg_strmap *m, const char *key)
{
    uint32_t i = hash(key) & (uint32_t)(m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (uint32_t)(m->cap - 1);
    return (int)i;
}

static void grow(pg_strmap *m)
{
    pg_strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->keys = pg_xcalloc((size_t)m->cap, sizeof(*m->keys));
    m->vals = pg_xcalloc((size_t)m->cap, sizeof(*m->vals));
    for (int i = 0; i < old.cap; i++) {
        if (!old.keys[i]) continue;
        int s = slot(m, old.keys[i]);
        m->keys[s] = old.keys[i];
        m->vals[s] = old.vals[i];
    }
    free(old.keys);
    free(old.vals);
}

int pg_strmap_put(pg_strmap *m, const char *key, int val)
{
    if (2 * (m->n + 1) > m->cap) grow(m);
    int s = slot(m, key);
    if (m->keys[s]) return -EEXIST;
    m->keys[s] = key;
    m->vals[s] = val;
    m->n++;
    return 0;
}

int pg_strmap_get(const pg_strmap *m, const char *key)
{
    if (!m->cap) return -1;
    int s = slot(m, key);
    return m->keys[s] ? m->vals[s] : -1;
}

void pg_strmap_free(pg_strmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (pg_strmap){0};
}
