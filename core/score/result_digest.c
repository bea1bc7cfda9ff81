/* result_digest.c — a SHA-256 of everything a result holds, so that a re-score whose result
 * did not change can keep what was printed from the last one (the host's evaluations).
 *
 * Everything a report prints is a function of the result and its rule set; the rule set enters
 * by its revision (the hash of its files), each sub-result's by its own. Fields are hashed one
 * by one, never as structs, so that padding does not enter: two equal results always hash
 * alike. Two different ones hashing alike would serve a stale body, so the hash is SHA-256 and
 * the asserts below stop a new field from being left out silently: a struct that grows must
 * have its field added here. Bits, not values, are hashed: -0 and 0, or two NaNs, may differ,
 * which costs a needless print and never a wrong one. */
#include "score.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(pg_cell) == 72, "pg_cell changed: hash the new field in result_digest.c");
_Static_assert(sizeof(pg_unit_result) == 72,
               "pg_unit_result changed: hash the new field in result_digest.c");
_Static_assert(sizeof(pg_result) == 120,
               "pg_result changed: hash the new field in result_digest.c");
_Static_assert(sizeof(pg_appeal_applied) == 40,
               "pg_appeal_applied changed: hash the new field in result_digest.c");
_Static_assert(sizeof(pg_auth_flag) == 32,
               "pg_auth_flag changed: hash the new field in result_digest.c");

typedef struct {
    pg_sha256 *sha;
    size_t n;
    unsigned char buf[1 << 16];
} hasher;

static void put(hasher *h, const void *p, size_t n)
{
    if (h->n + n > sizeof h->buf) {
        pg_sha256_add(h->sha, h->buf, h->n);
        h->n = 0;
    }
    if (n > sizeof h->buf) {
        pg_sha256_add(h->sha, p, n);
        return;
    }
    memcpy(h->buf + h->n, p, n);
    h->n += n;
}

static void put_int(hasher *h, long v)
{
    put(h, &v, sizeof v);
}

static void put_num(hasher *h, double v)
{
    put(h, &v, sizeof v);
}

/* with its length first, so that ("ab", "c") and ("a", "bc") differ; NULL unlike "" */
static void put_str(hasher *h, const char *s)
{
    put_int(h, s ? (long)strlen(s) : -1);
    if (s) put(h, s, strlen(s));
}

static void put_result(hasher *h, const pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    put_str(h, rs->revision);
    put_int(h, res->scheme), put_int(h, res->period), put_int(h, res->has_prev);
    put_int(h, rs->nunits), put_int(h, rs->nnodes);
    for (int u = 0; u < rs->nunits; u++) {
        const pg_unit_result *r = &res->units[u];
        put_int(h, r->ranked), put_num(h, r->total), put_num(h, r->raw_total);
        put_int(h, r->rank), put_int(h, r->position), put_int(h, r->prev_rank);
        put_num(h, r->prev_total), put_int(h, r->band), put_int(h, r->veto_node);
        put_int(h, r->tie_breaker), put_int(h, r->errors), put_int(h, r->clamped);
        put_int(h, r->note);
    }
    size_t nparts = (size_t)rs->schemes[res->scheme].nparts;
    put_int(h, res->parts != NULL);
    if (res->parts) put(h, res->parts, (size_t)rs->nunits * nparts * sizeof *res->parts);
    put_int(h, res->cells != NULL);
    for (size_t i = 0; res->cells && i < (size_t)rs->nnodes * (size_t)rs->nunits; i++) {
        const pg_cell *c = &res->cells[i];
        put_num(h, c->value), put_num(h, c->n), put_num(h, c->points), put_num(h, c->max);
        put_num(h, c->weight), put_int(h, c->carried_from), put_int(h, c->status);
        put_int(h, c->capped), put_int(h, c->note), put_num(h, c->applicable);
        put_int(h, c->thin);
    }
    put_int(h, res->thin != NULL);
    if (res->thin) put(h, res->thin, (size_t)rs->nnodes * (size_t)rs->nunits);
    put_int(h, res->nnotes);
    for (int i = 0; i < res->nnotes; i++) put_str(h, res->notes[i]);
    put_int(h, res->nappeals);
    for (int i = 0; i < res->nappeals; i++) {
        const pg_appeal_applied *a = &res->appeals[i];
        put_int(h, a->unit), put_int(h, a->node), put_int(h, a->id);
        put_num(h, a->granted), put_num(h, a->applied), put_str(h, a->reason);
    }
    put_int(h, res->nflags);
    for (int i = 0; i < res->nflags; i++) {
        const pg_auth_flag *f = &res->flags[i];
        put_int(h, f->unit), put_int(h, f->metric), put_int(h, f->period);
        put_num(h, f->reported), put_num(h, f->measured);
    }
    put_int(h, res->nsub);
    for (int i = 0; i < res->nsub; i++) {
        put_int(h, res->sub_part ? res->sub_part[i] : -1);
        put_int(h, res->sub[i] != NULL);
        if (res->sub[i]) put_result(h, res->sub[i]);
    }
}

void pg_result_digest(const pg_result *res, char hex[65])
{
    hasher *h = pg_xmalloc(sizeof *h);
    h->sha = pg_sha256_new();
    h->n = 0;
    put_result(h, res);
    pg_sha256_add(h->sha, h->buf, h->n);
    pg_sha256_end(h->sha, hex);
    free(h);
}
