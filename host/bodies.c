/* bodies.c — an evaluation's response bodies for every audience, cut from one printed text
 * (see bodies.h).
 *
 * Why the cut bodies are the bytes cJSON_PrintUnformatted would give: cJSON prints a value the
 * same way formatted or not, except for the whitespace it puts between tokens; an object prints
 * as "{" its members joined by "," "}", each member as its quoted name, ":" and its value, in
 * the tree's order; an array likewise without names. So an object with a member detached prints
 * as the others joined; a member appended prints at the end; an array's elements printed one by
 * one and joined by "," print as the array. */
#include "bodies.h"

#include "record.h"
#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Past the end of the compact value at p (before end), or NULL when it does not end there. */
static const char *value_end(const char *p, const char *end)
{
    int depth = 0;
    if (p >= end) return NULL;
    if (*p != '"' && *p != '{' && *p != '[') { /* a number, true, false or null */
        while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ':') p++;
        return p;
    }
    while (p < end) {
        char c = *p++;
        if (c == '"') {
            while (p < end && *p != '"') p += (*p == '\\' && p + 1 < end) ? 2 : 1;
            if (p >= end) return NULL;
            p++;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
        if (depth == 0) return p;
    }
    return NULL;
}

int pg_bodies_split(const char *text, size_t len, pg_bodies_span **out, int *n)
{
    const char *p = text, *end = text + len;
    *out = NULL, *n = 0;
    if (len < 2 || (text[0] != '{' && text[0] != '[') || end[-1] != (text[0] == '{' ? '}' : ']'))
        return -EINVAL;
    int object = text[0] == '{', cap = 0;
    p++;
    if (p == end - 1) return 0; /* {} or [] */
    for (;;) {
        pg_bodies_span s = {0};
        if (object) {
            const char *k = p;
            if (*p != '"' || !(p = value_end(p, end - 1)) || p >= end - 1 || *p != ':') break;
            s.key = k, s.klen = (size_t)(p - k);
            p++;
        }
        const char *v = p;
        if (!(p = value_end(p, end - 1)) || p == v) break;
        s.val = v, s.vlen = (size_t)(p - v);
        if (*n == cap) *out = pg_xrealloc(*out, (size_t)(cap = cap ? 2 * cap : 16) * sizeof **out);
        (*out)[(*n)++] = s;
        if (p == end - 1) return 0;
        if (*p++ != ',') break;
    }
    free(*out), *out = NULL, *n = 0;
    return -EINVAL;
}

/* A growing byte string, NUL-terminated after each put. */
typedef pg_jtext buf;

static void put(buf *b, const char *s, size_t n)
{
    pg_jtext_put(b, s, n); /* which leaves room for the NUL */
    b->p[b->len] = 0;
}

/* The object of members m[0..n) but the two indexes skipped (-1: none). */
static pg_blob *object_without(const pg_bodies_span *m, int n, int skip1, int skip2)
{
    buf b = {0};
    int first = 1;
    put(&b, "{", 1);
    for (int i = 0; i < n; i++) {
        if (i == skip1 || i == skip2) continue;
        if (!first) put(&b, ",", 1);
        put(&b, m[i].key, m[i].klen), put(&b, ":", 1), put(&b, m[i].val, m[i].vlen);
        first = 0;
    }
    put(&b, "}", 1);
    pg_blob *r = pg_blob_new(b.p, b.len);
    free(b.p);
    return r;
}

/* `head` (a printed object) with one more member "key":[item] appended. */
static pg_blob *with_member(const char *head, size_t hlen, const char *key, const char *item,
                            size_t ilen)
{
    size_t klen = strlen(key);
    int comma = hlen > 2; /* not "{}" */
    pg_blob *b = pg_blob_new(NULL, hlen - 1 + (size_t)comma + klen + ilen + 6);
    char *t = b->data;
    memcpy(t, head, hlen - 1), t += hlen - 1;
    if (comma) *t++ = ',';
    *t++ = '"', memcpy(t, key, klen), t += klen;
    memcpy(t, "\":[", 3), t += 3;
    memcpy(t, item, ilen), t += ilen;
    memcpy(t, "]}", 2);
    return b;
}

/* The index of the first member named `name` (quoted, as printed), or -1. */
static int member(const pg_bodies_span *m, int n, const char *quoted)
{
    size_t len = strlen(quoted);
    for (int i = 0; i < n; i++)
        if (m[i].klen == len && memcmp(m[i].key, quoted, len) == 0) return i;
    return -1;
}

/* A unit's printed item with its rows and issues (printed texts) appended, as members of an
 * object (an array prints what is added to it as elements, anything else does not print it). */
static void unit_item(buf *b, const char *val, size_t vlen, const char *rows, const char *issues)
{
    int object = val[0] == '{';
    if (!object && val[0] != '[') {
        put(b, val, vlen);
        return;
    }
    put(b, val, vlen - 1);
    int has = vlen > 2;
    const char *add[2] = {rows, issues};
    static const char *const names[2] = {"\"rows\":", "\"issues\":"};
    for (int k = 0; k < 2; k++) {
        if (!add[k]) continue;
        if (has) put(b, ",", 1);
        if (object) put(b, names[k], strlen(names[k]));
        put(b, add[k], strlen(add[k]));
        has = 1;
    }
    put(b, object ? "}" : "]", 1);
}

/* What each unit printed into the result text adds to the bodies (pg_bodies_render). */
typedef struct {
    pg_outcome *o;
    const pg_bodies_units *units;
    int nunits, printed;
    const pg_blob *unit_head; /* the head of a unit's body; NULL: no unit bodies */
    buf *full, one, b;        /* the compact full body being written, and scratch */
    pg_jtext rows, issues;
} render_ctx;

static cJSON *render_item(void *arg, int k)
{
    const pg_bodies_units *u = ((render_ctx *)arg)->units;
    return u->item(u->arg, k);
}

/* Unit k, printed into the result text: its compact text into the full body, and its own body
 * cut with its rows and 问题清单. */
static void render_unit(void *arg, int k, const cJSON *it)
{
    render_ctx *r = arg;
    r->one.len = 0, put(&r->one, "", 0);
    pg_jtext_value(&r->one, it, 0, 0);
    if (r->printed++) put(r->full, ",", 1);
    put(r->full, r->one.p, r->one.len);
    if (k >= r->nunits || !r->unit_head) return;
    r->rows.len = r->issues.len = 0;
    if (r->units->texts) r->units->texts(r->units->arg, k, &r->rows, &r->issues);
    put(&r->rows, "", 0), put(&r->issues, "", 0); /* NUL-terminated; empty: none */
    r->b.len = 0;
    unit_item(&r->b, r->one.p, r->one.len, r->rows.len ? r->rows.p : NULL,
              r->issues.len ? r->issues.p : NULL);
    r->o->units[k] = with_member(r->unit_head->data, r->unit_head->len, "units", r->b.p, r->b.len);
}

void pg_bodies_render(pg_outcome *o, cJSON *head, const pg_bodies_units *units, int ngroups,
                      int nunits, char **result_text)
{
    o->ngroups = ngroups;
    o->groups = pg_xcalloc((size_t)ngroups + 1, sizeof *o->groups);
    o->nunits = nunits;
    o->units = pg_xcalloc((size_t)nunits + 1, sizeof *o->units);
    *result_text = NULL;
    /* the head printed compactly with "units": [] (the rankings, the groups' and the units'
     * heads, and the full body around its units) */
    size_t clen;
    char *c = pg_json_print(head, 0, &clen);
    if (!c) return;
    pg_bodies_span *m = NULL, *g = NULL;
    int nm = 0, ng = 0, ui = -1, gi = -1;
    pg_blob *unit_head = NULL;
    if (c[0] == '{' && pg_bodies_split(c, clen, &m, &nm) == 0) {
        ui = member(m, nm, "\"units\""), gi = member(m, nm, "\"groups\"");
        o->ranking = object_without(m, nm, ui, -1);
        unit_head = object_without(m, nm, ui, gi);
        if (gi >= 0 && pg_bodies_split(m[gi].val, m[gi].vlen, &g, &ng) != 0) ng = 0;
        for (int k = 0; k < ngroups && k < ng; k++)
            o->groups[k] =
                with_member(unit_head->data, unit_head->len, "groups", g[k].val, g[k].vlen);
    }
    /* each unit printed in its place in both texts and cut into its body, one at a time: the
     * whole tree is never built, nor every unit's rows at once (at 3,003 units both were
     * hundreds of MB of fresh memory, whose page faults were most of an evaluation's CPU) */
    buf full = {0};
    render_ctx r = {o, units, nunits, 0, unit_head, &full, {0}, {0}, {0}, {0}};
    size_t at = ui >= 0 ? (size_t)(m[ui].val - c) + 1 : clen, len = 0; /* past its '[' */
    pg_blob_begin(&full);
    put(&full, c, at);
    char *pretty =
        ui >= 0 ? pg_json_print_items(head, "units", units->n, render_item, render_unit, &r, &len)
                : pg_json_print(head, 1, &len);
    put(&full, c + at, clen - at);
    o->full = pg_blob_end(&full);
    if (pretty) /* pg_run_result_print's text: pg_report_json's bytes, the final newline too */
        pretty = pg_xrealloc(pretty, len + 2), memcpy(pretty + len, "\n", 2);
    *result_text = pretty;
    pg_blob_unref(unit_head);
    free(m), free(g), free(c), free(r.one.p), free(r.b.p), free(r.rows.p), free(r.issues.p);
}
