/* nearest.c — the declared name nearest to one that was not found, for "did you mean".
 *
 * A misspelled column, key or field name is usually one or two keystrokes away from the one
 * meant: a letter dropped, added, changed or two swapped. The distance is the optimal string
 * alignment (Damerau–Levenshtein without moving a swapped pair again), counted in bytes: the
 * names compared are identifiers and column headings, short, and mostly ASCII. */
#include "base.h"

#include <string.h>
#include <strings.h>

/* Names longer than this are not compared (nobody mistypes a paragraph). */
#define NEAREST_MAX 64

int pg_edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen > NEAREST_MAX || blen > NEAREST_MAX) return 1000;
    /* three rows: the one before the previous is needed for a swap */
    int r0[NEAREST_MAX + 1], r1[NEAREST_MAX + 1], r2[NEAREST_MAX + 1];
    int *pp = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= blen; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= alen; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= blen; j++) {
            int best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            cur[j] = best;
        }
        int *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[blen];
}

int pg_nearest_name(const char *name, size_t len, const char *const *cands, int n)
{
    /* a couple of typos, fewer for short names, so that a short name is not "near" every
     * other short name; and never as many as the name is long */
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    int best = -1, bestd = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!cands[i]) continue;
        size_t clen = strlen(cands[i]);
        /* "CH" for "ch" is one mistake (the shift key), not two */
        int d = clen == len && strncasecmp(name, cands[i], len) == 0
                    ? 1
                    : pg_edit_distance(name, len, cands[i], clen);
        if (d < bestd && (size_t)d < len) best = i, bestd = d;
    }
    return best;
}
