/* test_rescore_bodies.c — an evaluation's bodies cut from one printed text (host/bodies.c) are
 * byte for byte what printing each audience's tree gives: the way host/evaluate.c rendered them
 * before issue 19's re-score work, kept here as the reference (detach "units", print the
 * rankings; detach "groups", print the head; each group and each unit, the unit with its rows
 * and issues added, printed and appended to the head). Random report-like trees, with strings
 * that end in an escaped backslash, hold quotes, spaces, tabs, newlines and Chinese, empty
 * objects and arrays, and numbers of every kind cJSON prints. */
#include "htest.h"

#include "bodies.h"
#include "blob.h"
#include "base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 19;
static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng >> 33) % n;
}

static const char *const strings[] = {
    "",
    "a",
    "a\\",
    "\\",
    "\"",
    "say \"hi\"",
    " lead",
    "trail ",
    "t\tb",
    "line\nnext",
    "市教育局（7）",
    "\\\"",
    "{[,:]}",
    "\x01\x1f",
    "a\\\\",
    "/",
    "\\n",
    "\xe2\x80\xa8",
    "null",
    "1e5",
    " ",
};
static const char *const keys[] = {"id",   "name", "total", "rank",   "a\\",   "say \"k\"",
                                   "分数", "x y",  "rows",  "issues", "parts", "\t"};

static cJSON *number(void)
{
    static const double v[] = {0,       -0.0,
                               1,       -1,
                               0.1,     85.00,
                               72.8,    1e-300,
                               1e300,   123456789012345678.0,
                               1.0 / 3, 2.5e-7,
                               100,     99.99999999999999};
    switch (rnd(4)) {
    case 0:
        return cJSON_CreateNumber(NAN);
    case 1:
        return cJSON_CreateNumber((double)rnd(100000) / (1 + rnd(1000)));
    default:
        return cJSON_CreateNumber(v[rnd(sizeof v / sizeof *v)]);
    }
}

static cJSON *value(int depth)
{
    unsigned k = rnd(depth > 3 ? 5 : 8);
    switch (k) {
    case 0:
        return cJSON_CreateString(strings[rnd(sizeof strings / sizeof *strings)]);
    case 1:
        return number();
    case 2:
        return cJSON_CreateBool(rnd(2));
    case 3:
        return cJSON_CreateNull();
    case 4:
        return rnd(2) ? cJSON_CreateObject() : cJSON_CreateArray();
    case 5:
    case 6: {
        cJSON *o = cJSON_CreateObject();
        for (unsigned i = 0, n = rnd(5); i < n; i++)
            cJSON_AddItemToObject(o, keys[rnd(sizeof keys / sizeof *keys)], value(depth + 1));
        return o;
    }
    default: {
        cJSON *a = cJSON_CreateArray();
        for (unsigned i = 0, n = rnd(5); i < n; i++) cJSON_AddItemToArray(a, value(depth + 1));
        return a;
    }
    }
}

/* A report-like tree: some members, "groups" and "units" among them in a random place (now and
 * then missing), each group and unit an object (a unit now and then "{}"). */
static cJSON *report(int ngroups, int nunits)
{
    cJSON *t = cJSON_CreateObject();
    int where_g = (int)rnd(4), where_u = (int)rnd(4);
    for (int i = 0; i < 4; i++) {
        if (i == where_g && rnd(8)) {
            cJSON *g = cJSON_AddArrayToObject(t, "groups");
            for (int k = 0; k < ngroups; k++) cJSON_AddItemToArray(g, value(3));
        }
        if (i == where_u && rnd(8)) {
            cJSON *u = cJSON_AddArrayToObject(t, "units");
            for (int k = 0; k < nunits; k++)
                cJSON_AddItemToArray(u, rnd(6) ? value(5) : cJSON_CreateObject());
        }
        cJSON_AddItemToObject(t, keys[rnd(sizeof keys / sizeof *keys)], value(1));
    }
    return t;
}

static pg_blob *print_blob(const cJSON *j)
{
    char *text = cJSON_PrintUnformatted(j);
    if (!text) return NULL;
    pg_blob *b = pg_blob_str(text);
    cJSON_free(text);
    return b;
}

/* evaluate.c's with_member before bodies.c: head with "key":[item] appended. */
static pg_blob *ref_with_member(const char *head, size_t hlen, const char *key, const cJSON *item)
{
    char *it = cJSON_PrintUnformatted(item);
    if (!it) return NULL;
    size_t ilen = strlen(it), klen = strlen(key);
    int comma = hlen > 2;
    pg_blob *b = pg_blob_new(NULL, hlen - 1 + (size_t)comma + klen + ilen + 6);
    char *t = b->data;
    memcpy(t, head, hlen - 1), t += hlen - 1;
    if (comma) *t++ = ',';
    *t++ = '"', memcpy(t, key, klen), t += klen;
    memcpy(t, "\":[", 3), t += 3;
    memcpy(t, it, ilen), t += ilen;
    memcpy(t, "]}", 2);
    cJSON_free(it);
    return b;
}

/* The bodies as evaluate.c kept them before bodies.c: each unit's printed whole. */
typedef struct {
    pg_blob *full, *ranking, **groups, **units;
    int ngroups, nunits;
} ref_outcome;

/* evaluate.c's render before bodies.c, on a copy of the tree and of the rows and issues. */
static void ref_render(ref_outcome *o, const cJSON *tree, cJSON *const *rows0,
                       cJSON *const *issues0, int ngroups, int nunits)
{
    cJSON *full = cJSON_Duplicate(tree, 1);
    o->full = print_blob(full);
    cJSON *units = cJSON_DetachItemFromObjectCaseSensitive(full, "units");
    o->ranking = print_blob(full);
    cJSON *all = cJSON_DetachItemFromObjectCaseSensitive(full, "groups");
    char *head = cJSON_PrintUnformatted(full);
    size_t hlen = head ? strlen(head) : 0;
    o->ngroups = ngroups;
    o->groups = pg_xcalloc((size_t)ngroups + 1, sizeof *o->groups);
    for (int g = 0; head && g < ngroups; g++)
        o->groups[g] = ref_with_member(head, hlen, "groups", cJSON_GetArrayItem(all, g));
    o->nunits = nunits;
    o->units = pg_xcalloc((size_t)nunits + 1, sizeof *o->units);
    int u = 0;
    for (cJSON *it = units ? units->child : NULL; head && it && u < nunits; it = it->next, u++) {
        cJSON_AddItemToObject(it, "rows", rows0[u] ? cJSON_Duplicate(rows0[u], 1) : NULL);
        cJSON_AddItemToObject(it, "issues", issues0[u] ? cJSON_Duplicate(issues0[u], 1) : NULL);
        o->units[u] = ref_with_member(head, hlen, "units", it);
    }
    cJSON_free(head);
    cJSON_Delete(all), cJSON_Delete(units), cJSON_Delete(full);
}

static void same_blob(const pg_blob *want, const pg_blob *got, const char *what, int i)
{
    if (!want) {
        if (got) fail_msg("%s %d: a body where printing gives none: %s", what, i, got->data);
        return;
    }
    if (!got) fail_msg("%s %d: no body; printing gives %s", what, i, want->data);
    if (want->len != got->len || memcmp(want->data, got->data, want->len) != 0)
        fail_msg("%s %d differs:\n want %s\n got  %s", what, i, want->data, got->data);
}

static void ref_clear(ref_outcome *o)
{
    pg_blob_unref(o->full), pg_blob_unref(o->ranking);
    for (int i = 0; i < o->ngroups; i++) pg_blob_unref(o->groups[i]);
    for (int i = 0; i < o->nunits; i++) pg_blob_unref(o->units[i]);
    free(o->groups), free(o->units);
}

static void outcome_clear(pg_outcome *o)
{
    pg_blob_unref(o->full), pg_blob_unref(o->ranking);
    for (int i = 0; i < o->ngroups; i++) pg_blob_unref(o->groups[i]);
    pg_blob_unref(o->unit_head);
    free(o->groups), free(o->cuts);
}

typedef struct {
    const cJSON *units; /* the tree's */
    int n;
    char **rows, **issues;
} items_arg;

static cJSON *item_of(void *arg, int k)
{
    return cJSON_Duplicate(cJSON_GetArrayItem(((items_arg *)arg)->units, k), 1);
}

static void texts_of(void *arg, int k, pg_jtext *rows, pg_jtext *issues)
{
    items_arg *a = arg;
    if (k < a->n && a->rows[k]) pg_jtext_put(rows, a->rows[k], strlen(a->rows[k]));
    if (k < a->n && a->issues[k]) pg_jtext_put(issues, a->issues[k], strlen(a->issues[k]));
}

static void test_same_bytes(void **state)
{
    (void)state;
    for (int round = 0; round < 400; round++) {
        int ngroups = (int)rnd(4), nunits = (int)rnd(7);
        /* the rule set may name more groups or units than the tree has, or fewer */
        int rs_groups = ngroups + (int)rnd(3) - 1, rs_units = nunits + (int)rnd(3) - 1;
        if (rs_groups < 0) rs_groups = 0;
        if (rs_units < 0) rs_units = 0;
        cJSON *tree = report(ngroups, nunits);
        cJSON **rows = calloc((size_t)rs_units + 1, sizeof *rows);
        cJSON **issues = calloc((size_t)rs_units + 1, sizeof *issues);
        for (int u = 0; u < rs_units; u++) {
            rows[u] = rnd(5) ? value(2) : NULL;
            issues[u] = rnd(5) ? value(3) : NULL;
        }
        ref_outcome want = {0};
        pg_outcome got = {0};
        ref_render(&want, tree, rows, issues, rs_groups, rs_units);
        /* the host gives each unit's item apart from a head whose "units" is empty, and its
         * rows and issues as texts (pg_unit_texts_add) when its body is read */
        items_arg a = {cJSON_GetObjectItemCaseSensitive(tree, "units"), rs_units,
                       calloc((size_t)rs_units + 1, sizeof(char *)),
                       calloc((size_t)rs_units + 1, sizeof(char *))};
        for (int u = 0; u < rs_units; u++) {
            a.rows[u] = rows[u] ? cJSON_PrintUnformatted(rows[u]) : NULL;
            a.issues[u] = issues[u] ? cJSON_PrintUnformatted(issues[u]) : NULL;
        }
        cJSON *head = cJSON_Duplicate(tree, 1);
        if (a.units) cJSON_ReplaceItemInObjectCaseSensitive(head, "units", cJSON_CreateArray());
        pg_bodies_units units = {item_of, &a, cJSON_GetArraySize(a.units)};
        char *text = NULL;
        pg_bodies_render(&got, head, &units, rs_groups, rs_units, &text);
        cJSON_Delete(head);
        char *pretty = cJSON_Print(tree);
        assert_non_null(text);
        assert_int_equal(strlen(pretty) + 1, strlen(text));
        assert_memory_equal(pretty, text, strlen(pretty));
        assert_int_equal('\n', text[strlen(pretty)]);
        same_blob(want.full, got.full, "full", round);
        same_blob(want.ranking, got.ranking, "ranking", round);
        assert_int_equal(want.ngroups, got.ngroups);
        assert_int_equal(want.nunits, got.nunits);
        for (int g = 0; g < rs_groups; g++) same_blob(want.groups[g], got.groups[g], "group", g);
        for (int u = 0; u < rs_units; u++) {
            pg_blob *b = pg_bodies_unit(&got, u, texts_of, &a);
            same_blob(want.units[u], b, "unit", u);
            pg_blob_unref(b);
        }
        assert_null(pg_bodies_unit(&got, rs_units, texts_of, &a));
        for (int u = 0; u < rs_units; u++) cJSON_free(a.rows[u]), cJSON_free(a.issues[u]);
        free(a.rows), free(a.issues);
        ref_clear(&want), outcome_clear(&got);
        for (int u = 0; u < rs_units; u++) cJSON_Delete(rows[u]), cJSON_Delete(issues[u]);
        free(rows), free(issues), free(text);
        cJSON_free(pretty);
        cJSON_Delete(tree);
    }
}

/* Splitting refuses what is not one compact object or array. */
static void test_split_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "{\"a\":\"x}", "[1]x", "x", "{\"a\":1\"b\":2}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pg_bodies_span *s;
        int n;
        assert_int_equal(-EINVAL, pg_bodies_split(bad[i], strlen(bad[i]), &s, &n));
        assert_null(s);
    }
    pg_bodies_span *s;
    int n;
    const char *ok = "{\"a\\\"\":[1,{\"b\":\"]\"}],\"c\":null}";
    assert_int_equal(0, pg_bodies_split(ok, strlen(ok), &s, &n));
    assert_int_equal(2, n);
    assert_int_equal(5, (int)s[0].klen);
    assert_memory_equal("[1,{\"b\":\"]\"}]", s[0].val, s[0].vlen);
    assert_memory_equal("null", s[1].val, s[1].vlen);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes),

        cmocka_unit_test(test_split_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
