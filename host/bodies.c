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

/* What each unit printed into the result text adds to the bodies (pg_bodies_render). */
typedef struct {
    pg_outcome *o;
    const pg_bodies_units *units;
    int nunits, printed;
    int cut;   /* the units' bodies are cut (the head is an object with "units") */
    buf *full; /* the compact full body being written */
} render_ctx;

static cJSON *render_item(void *arg, int k)
{
    const pg_bodies_units *u = ((render_ctx *)arg)->units;
    return u->item(u->arg, k);
}

/* Unit k, printed into the result text: its compact text into the full body, where its own body
 * will find it. */
static void render_unit(void *arg, int k, const cJSON *it)
{
    render_ctx *r = arg;
    if (r->printed++) put(r->full, ",", 1);
    size_t at = r->full->len;
    pg_jtext_value(r->full, it, 0, 0);
    if (k < r->nunits && r->cut)
        r->o->cuts[k] = (pg_unit_cut){at - sizeof(pg_blob), r->full->len - at};
}

/* What unit k's item `val` gains in its own body: its rows and issues (printed texts) as
 * members of an object, elements of an array (anything else does not print them), written
 * where the item's last byte was. */
static void unit_adds(buf *b, const char *val, size_t vlen, const char *rows, const char *issues)
{
    int object = val[0] == '{', has = vlen > 2;
    if (!object && val[0] != '[') return;
    const char *add[2] = {rows, issues};
    static const char *const names[2] = {"\"rows\":", "\"issues\":"};
    for (int k = 0; k < 2; k++) {
        if (!add[k]) continue;
        if (has) put(b, ",", 1);
        if (object) put(b, names[k], strlen(names[k]));
        put(b, add[k], strlen(add[k]));
        has = 1;
    }
}

pg_blob *pg_bodies_unit(const pg_outcome *o, int k, pg_bodies_texts texts, void *arg)
{
    if (k < 0 || k >= o->nunits || !o->cuts || !o->cuts[k].item_len) return NULL;
    const pg_unit_cut *c = &o->cuts[k];
    const pg_blob *h = o->unit_head;
    const char *item = o->full->data + c->item;
    pg_jtext rows = {0}, issues = {0};
    if (texts) texts(arg, k, &rows, &issues);
    put(&rows, "", 0), put(&issues, "", 0); /* NUL-terminated; empty: none */
    buf one = {0};                          /* the item with its additions before its last byte */
    put(&one, item, c->item_len - 1);
    unit_adds(&one, item, c->item_len, rows.len ? rows.p : NULL, issues.len ? issues.p : NULL);
    put(&one, item + c->item_len - 1, 1);
    pg_blob *b = with_member(h->data, h->len, "units", one.p, one.len);
    free(rows.p), free(issues.p), free(one.p);
    return b;
}

void pg_bodies_render(pg_outcome *o, cJSON *head, const pg_bodies_units *units, int ngroups,
                      int nunits, char **result_text)
{
    o->ngroups = ngroups;
    o->groups = pg_xcalloc((size_t)ngroups + 1, sizeof *o->groups);
    o->nunits = nunits;
    o->cuts = pg_xcalloc((size_t)nunits + 1, sizeof *o->cuts);
    *result_text = NULL;
    /* the head printed compactly with "units": [] (the rankings, the groups' and the units'
     * heads, and the full body around its units) */
    size_t clen;
    char *c = pg_json_print(head, 0, &clen);
    if (!c) return;
    pg_bodies_span *m = NULL, *g = NULL;
    int nm = 0, ng = 0, ui = -1, gi = -1;
    if (c[0] == '{' && pg_bodies_split(c, clen, &m, &nm) == 0) {
        ui = member(m, nm, "\"units\""), gi = member(m, nm, "\"groups\"");
        o->ranking = object_without(m, nm, ui, -1);
        o->unit_head = object_without(m, nm, ui, gi);
        if (gi >= 0 && pg_bodies_split(m[gi].val, m[gi].vlen, &g, &ng) != 0) ng = 0;
        for (int k = 0; k < ngroups && k < ng; k++)
            o->groups[k] =
                with_member(o->unit_head->data, o->unit_head->len, "groups", g[k].val, g[k].vlen);
    }
    /* each unit printed in its place in both texts, one at a time: the whole tree is never
     * built, nor every unit's rows at once, nor each unit's body (at 3,003 units each was
     * hundreds of MB of fresh memory, whose page faults were most of an evaluation's CPU) */
    buf full = {0};
    render_ctx r = {o, units, nunits, 0, ui >= 0, &full};
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
    free(m), free(g), free(c);
}
