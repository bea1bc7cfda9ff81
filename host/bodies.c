/* bodies.c — an evaluation's response bodies for every audience, cut from one printed text
 * (see bodies.h).
 *
 * Why the cut bodies are the bytes cJSON_PrintUnformatted would give: cJSON prints a value the
 * same way formatted or not, except for the whitespace it puts between tokens ("\n", "\t", and
 * the space after an array's comma), never inside a string, where it escapes every control
 * character; an object prints as "{" its members joined by "," "}", each member as its quoted
 * name, ":" and its value, in the tree's order; an array likewise without names. So the
 * whitespace outside strings removed from the pretty text is the compact text; an object with a
 * member detached prints as the others joined; a member appended prints at the end. */
#include "bodies.h"

#include "record.h"
#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *pg_bodies_compact(const char *text, size_t len, size_t *out_len)
{
    char *out = pg_xmalloc(len + 1), *o = out;
    const char *p = text, *end = text + len;
    while (p < end) {
        char c = *p++;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        *o++ = c;
        if (c != '"') continue;
        while (p < end && *p != '"') { /* a string, copied as it is, escapes and all */
            if (*p == '\\' && p + 1 < end) *o++ = *p++;
            *o++ = *p++;
        }
        if (p < end) *o++ = *p++; /* its closing quote */
    }
    *o = 0;
    *out_len = (size_t)(o - out);
    return out;
}

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

/* A growing byte string. */
typedef struct {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = pg_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
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
static void unit_item(buf *b, const pg_bodies_span *it, const char *rows, const char *issues)
{
    int object = it->val[0] == '{';
    if (!object && it->val[0] != '[') {
        put(b, it->val, it->vlen);
        return;
    }
    put(b, it->val, it->vlen - 1);
    int has = it->vlen > 2;
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

void pg_bodies_render(pg_outcome *o, const cJSON *full, char *const *rows, char *const *issues,
                      int ngroups, int nunits, char **result_text)
{
    o->ngroups = ngroups;
    o->groups = pg_xcalloc((size_t)ngroups + 1, sizeof *o->groups);
    o->nunits = nunits;
    o->units = pg_xcalloc((size_t)nunits + 1, sizeof *o->units);
    char *pretty = *result_text = pg_run_result_print(full);
    if (!pretty) return;
    size_t clen;
    char *c = pg_bodies_compact(pretty, strlen(pretty), &clen);
    o->full = pg_blob_new(c, clen);
    pg_bodies_span *m = NULL, *g = NULL, *u = NULL;
    int nm = 0, ng = 0, nu = 0;
    if (pg_bodies_split(c, clen, &m, &nm) != 0 || c[0] != '{') goto done;
    int ui = member(m, nm, "\"units\""), gi = member(m, nm, "\"groups\"");
    o->ranking = object_without(m, nm, ui, -1);
    pg_blob *head = object_without(m, nm, ui, gi);
    if (gi >= 0 && pg_bodies_split(m[gi].val, m[gi].vlen, &g, &ng) != 0) ng = 0;
    for (int k = 0; k < ngroups && k < ng; k++)
        o->groups[k] = with_member(head->data, head->len, "groups", g[k].val, g[k].vlen);
    if (ui >= 0 && pg_bodies_split(m[ui].val, m[ui].vlen, &u, &nu) != 0) nu = 0;
    for (int k = 0; k < nunits && k < nu; k++) {
        buf b = {0};
        unit_item(&b, &u[k], rows ? rows[k] : NULL, issues ? issues[k] : NULL);
        o->units[k] = with_member(head->data, head->len, "units", b.p, b.len);
        free(b.p);
    }
    pg_blob_unref(head);
done:
    free(m), free(g), free(u), free(c);
}
