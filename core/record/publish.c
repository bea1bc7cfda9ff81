/* publish.c — publishing runs as bulletins, corrections, and reading bulletins (see
 * publish.h).
 *
 * The evaluation and the comparison with revision N (which re-runs revision N from its frozen
 * inputs) happen before the write transaction, so the store's write lock is held only for the
 * inserts. The transaction then checks that revision N is still the latest: two publishers of
 * the same (scheme, period) cannot both make revision N+1, and the loser is told to retry
 * rather than silently correcting a revision it never compared with.
 *
 * Effective dating: when the host keeps a chain of rule revisions by month for the period's year
 * (DATA/rules/chain-<year>.json, host/reload.c), the rules given must be the ones that govern the
 * period by it, so that `pinggu publish` with today's directory cannot publish (or correct) June
 * with July's rules, nor an annual composite whose months other revisions govern, which only a
 * caller that supplies each month under its own rules (the host) can evaluate.
 *
 * Parts (schema 8, issue 19 §3): a bulletin is also stored cut to its readers, in the publishing
 * transaction — the head (the result without the units' breakdowns: what a viewer reads), the
 * summary (the head without the groups' rows, which it counts), each group and each unit, every
 * part compact JSON in a content-addressed blob (units' sixteen to a blob: put_parts says why). A
 * unit's read is then the head and its own part, two indexed reads, and nobody parses the whole
 * result to answer a reader. The result itself is stored as before (reproduction compares its
 * bytes). */
#include "record.h"

#include "score.h"
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- reading --------------------------------------------------------------------------- */

#define BULLETIN_SELECT                                                                            \
    "SELECT b.id, b.scheme, b.period, b.revision, b.run, r.revision, b.published_by,"              \
    " b.published_at, b.reason, b.changes, r.base FROM bulletin b JOIN run r ON r.id = b.run"

static void add_col_str(cJSON *o, const char *k, sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (t)
        cJSON_AddStringToObject(o, k, (const char *)t);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *row_json(sqlite3_stmt *s, int full)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(s, 0));
    add_col_str(o, "scheme", s, 1);
    add_col_str(o, "period", s, 2);
    cJSON_AddNumberToObject(o, "revision", sqlite3_column_int(s, 3));
    cJSON_AddNumberToObject(o, "run", (double)sqlite3_column_int64(s, 4));
    add_col_str(o, "rules_revision", s, 5);
    add_col_str(o, "published_by", s, 6);
    add_col_str(o, "published_at", s, 7);
    add_col_str(o, "reason", s, 8);
    if (!full) return o;
    const char *changes = (const char *)sqlite3_column_text(s, 9);
    cJSON *c = changes ? cJSON_Parse(changes) : NULL;
    cJSON_AddItemToObject(o, "changes", c ? c : cJSON_CreateNull());
    if (sqlite3_column_type(s, 10) == SQLITE_NULL)
        cJSON_AddNullToObject(o, "base");
    else
        cJSON_AddNumberToObject(o, "base", (double)sqlite3_column_int64(s, 10));
    return o;
}

/* Runs a prepared bulletin query: every row into an array (`one` = 0), or the first row as an
 * object (-ENOENT when none). */
static int collect(pg_store *st, sqlite3_stmt *s, int one, cJSON **out, pg_diags *d)
{
    *out = NULL;
    cJSON *a = one ? NULL : cJSON_CreateArray();
    int step, rc = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (one) {
            *out = row_json(s, 1);
            break;
        }
        cJSON_AddItemToArray(a, row_json(s, 0));
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = pg_store_fail(st, "reading bulletins", d);
        cJSON_Delete(a);
        cJSON_Delete(*out), *out = NULL;
    } else if (one) {
        if (!*out) rc = -ENOENT;
    } else {
        *out = a;
    }
    sqlite3_finalize(s);
    return rc;
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

int pg_publish_list(pg_store *st, const char *scheme, const char *period, cJSON **out, pg_diags *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    int rc = pg_store_prepare(
        st,
        BULLETIN_SELECT " WHERE (?1 IS NULL OR b.scheme = ?1) AND (?2 IS NULL OR b.period = ?2)"
                        " ORDER BY b.scheme, b.period, b.revision",
        &s, d);
    if (rc != 0) return rc;
    bind_opt(s, 1, scheme);
    bind_opt(s, 2, period);
    return collect(st, s, 0, out, d);
}

int pg_publish_get(pg_store *st, long id, cJSON **out, pg_diags *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    int rc = pg_store_prepare(st, BULLETIN_SELECT " WHERE b.id = ?", &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_int64(s, 1, id);
    return collect(st, s, 1, out, d);
}

int pg_publish_find(pg_store *st, const char *scheme, const char *period, int revision, cJSON **out,
                    pg_diags *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    int rc = pg_store_prepare(st,
                              BULLETIN_SELECT " WHERE b.scheme = ?1 AND b.period = ?2"
                                              " AND (?3 = 0 OR b.revision = ?3)"
                                              " ORDER BY b.revision DESC LIMIT 1",
                              &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, revision);
    return collect(st, s, 1, out, d);
}

char *pg_publish_docs_dir(const char *datadir, const char *scheme, const char *period, int revision)
{
    return pg_xasprintf("%s/bulletins/%s-%s-r%d", datadir, scheme, period, revision);
}

/* The line of unit `key` in a pack of units' texts (put_pack): the JSON after the key and a
 * tab, malloc'd, its length into *len; NULL when the pack has no such line (a damaged store). */
static char *pack_line(const char *pack, const char *key, size_t *len)
{
    size_t k = strlen(key);
    for (const char *l = pack; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        if (strncmp(l, key, k) != 0 || l[k] != '\t') continue;
        const char *json = l + k + 1, *end = strchr(json, '\n');
        size_t n = end ? (size_t)(end - json) : strlen(json);
        char *one = pg_xmalloc(n + 1);
        memcpy(one, json, n), one[n] = 0;
        if (len) *len = n;
        return one;
    }
    return NULL;
}

static int not_in_pack(pg_store *st, long id, const char *key, pg_diags *d)
{
    pg_error(d, pg_store_path(st), 0, "bulletin %ld: unit '%s' is not in its stored pack", id, key);
    return -EIO;
}

/* The blob that holds part (kind, key) of bulletin `id` into `hash`: its own, or its pack's. */
static int part_hash(pg_store *st, long id, const char *kind, const char *key, char hash[65],
                     pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT body FROM bulletin_part WHERE bulletin = ? AND kind = ?"
                              " AND key = ?",
                              &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, key ? key : "", -1, SQLITE_STATIC);
    *hash = 0;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(s, 0));
    else if (step == SQLITE_DONE)
        rc = -ENOENT;
    else
        rc = pg_store_fail(st, "reading a bulletin's part", d);
    sqlite3_finalize(s);
    return rc;
}

int pg_bulletin_part(pg_store *st, long id, const char *kind, const char *key, char **text,
                     size_t *len, pg_diags *d)
{
    *text = NULL;
    char hash[65];
    int rc = part_hash(st, id, kind, key, hash, d);
    if (rc != 0) return rc;
    if ((rc = pg_store_blob_get(st, hash, text, len, d)) != 0 || **text == '{') return rc;
    char *one = pack_line(*text, key, len);
    free(*text);
    *text = one;
    return one ? 0 : not_in_pack(st, id, key, d);
}

int pg_bulletin_unit_pack(pg_store *st, long id, const char *key,
                          void (*each)(void *arg, const char *unit, const char *text, size_t len),
                          void *arg, pg_diags *d)
{
    char hash[65], *text = NULL;
    size_t len = 0;
    int rc = part_hash(st, id, "unit", key, hash, d);
    if (rc == 0) rc = pg_store_blob_get(st, hash, &text, &len, d);
    if (rc != 0) return rc;
    if (*text == '{') { /* stored alone */
        each(arg, key, text, len);
        free(text);
        return 0;
    }
    int found = 0;
    for (char *l = text; *l;) {
        char *tab = strchr(l, '\t'), *end = strchr(l, '\n');
        if (!end) end = l + strlen(l);
        if (tab && tab < end) {
            *tab = 0;
            found |= strcmp(l, key) == 0;
            each(arg, l, tab + 1, (size_t)(end - tab - 1));
        }
        l = *end ? end + 1 : end;
    }
    free(text);
    return found ? 0 : not_in_pack(st, id, key, d);
}

/* --- publishing ------------------------------------------------------------------------ */

static char *print(const cJSON *j);

/* The overdue 整改 items of the bulletin being published, as of `at` (the publication's time,
 * its local day by the rule set's offset), made by core/report from the store's records now,
 * into *o. */
static int overdue_now(pg_store *st, const pg_publish_in *in, const pg_result *res, const char *at,
                       pg_overdue *o, pg_diags *d)
{
    cJSON *records = NULL;
    double t;
    if (pg_time_parse(at, strlen(at), 0, &t) != 0) {
        pg_error(d, NULL, 0, "publication time '%s' is not a time", at);
        return -EINVAL;
    }
    int rc = pg_rectify_list(st, NULL, NULL, NULL, &records, d); /* a year: its months' */
    if (rc != 0) return rc;
    pg_overdue_make(res, in->ds, records, pg_time_day(t, in->rs->tz_offset), o);
    cJSON_Delete(records);
    return 0;
}

/* One part of a bulletin being published: its kind, key and compact text. */
typedef struct {
    const char *kind;
    char *key, *text;
} part;

static void part_add(part *v, int *n, const char *kind, const char *key, const cJSON *j)
{
    v[*n] = (part){kind, pg_xstrdup(key ? key : ""), print(j)};
    (*n)++;
}

static void parts_free(part *v, int n)
{
    for (int i = 0; i < n; i++) free(v[i].key), free(v[i].text);
    free(v);
}

static int size_of(const cJSON *o, const char *k)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* The units of a result printed one at a time (pg_json_print_items), each also as its part. */
typedef struct {
    const pg_result *res;
    part *units;
} by_unit;

static cJSON *unit_tree(void *arg, int u)
{
    return pg_report_json_unit(((by_unit *)arg)->res, u);
}

static void unit_part(void *arg, int u, const cJSON *it)
{
    by_unit *b = arg;
    b->units[u] = (part){"unit", pg_xstrdup(b->res->rs->units[u].id), print(it)};
}

/* Cuts a result tree without its units into its parts, the units' parts (nunits, made as they
 * were printed) after them; the tree is changed. */
static part *cut_result(cJSON *tree, part *units, int nunits, int *n)
{
    cJSON_DeleteItemFromObjectCaseSensitive(tree, "units");
    cJSON *groups = cJSON_DetachItemFromObjectCaseSensitive(tree, "groups");
    part *v = pg_xcalloc((size_t)(2 + cJSON_GetArraySize(groups) + nunits), sizeof *v);
    *n = 0;
    cJSON *index = cJSON_AddArrayToObject(tree, "groups"), *g;
    cJSON_ArrayForEach(g, groups)
    {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "id", cJSON_Duplicate(cJSON_GetObjectItem(g, "id"), 1));
        cJSON_AddItemToObject(x, "name", cJSON_Duplicate(cJSON_GetObjectItem(g, "name"), 1));
        cJSON_AddNumberToObject(x, "ranked", size_of(g, "ranking"));
        cJSON_AddNumberToObject(x, "unranked", size_of(g, "unranked"));
        cJSON_AddNumberToObject(x, "no_business", size_of(g, "no_business"));
        cJSON_AddItemToArray(index, x);
    }
    part_add(v, n, "summary", NULL, tree);
    cJSON_DeleteItemFromObjectCaseSensitive(tree, "groups");
    cJSON_AddItemToObject(tree, "groups", groups);
    part_add(v, n, "head", NULL, tree);
    cJSON_ArrayForEach(g, groups)
        part_add(v, n, "group", cJSON_GetStringValue(cJSON_GetObjectItem(g, "id")), g);
    for (int k = 0; k < nunits; k++) v[(*n)++] = units[k];
    return v;
}

/* 1 when a unit's part can go into a pack: its key has no tab or newline, which end it there. */
static int packable(const part *p)
{
    return strcmp(p->kind, "unit") == 0 && p->key[0] && !strpbrk(p->key, "\t\n");
}

/* Units' texts go into packs of UNITS_PER_PACK consecutive units, one blob each, "key TAB json
 * NEWLINE" per unit (compact JSON has no raw newline), and each unit's row names its pack:
 * compressed alone, a unit's part took ten times its share of the whole result (zstd sees no
 * other unit to find the repeated names in), which made the parts most of what a publication
 * stores; in packs of 16 they take about what the result does, and a read still decompresses
 * 16 units, not 3,003. put_pack stores the pack that starts at v[i] (packable) and returns
 * where it ends; its hash into `hash`. */
#define UNITS_PER_PACK 16
static int put_pack(pg_store *st, const part *v, int n, int i, char hash[65], int *end, pg_diags *d)
{
    size_t len = 0;
    int k;
    for (k = i; k < n && k < i + UNITS_PER_PACK && packable(&v[k]) && v[k].text; k++)
        len += strlen(v[k].key) + strlen(v[k].text) + 2;
    char *pack = pg_xmalloc(len + 1), *p = pack;
    for (int j = i; j < k; j++) p += sprintf(p, "%s\t%s\n", v[j].key, v[j].text);
    int rc = pg_store_blob_put(st, pack, len, hash, d);
    free(pack);
    *end = k;
    return rc;
}

/* Stores the parts, units' in packs (put_pack), the others each a blob. */
static int put_parts(pg_store *st, long id, const part *v, int n, pg_diags *d)
{
    sqlite3_stmt *s = NULL;
    int rc = pg_store_prepare(st,
                              "INSERT INTO bulletin_part(bulletin, kind, key, body)"
                              " VALUES (?, ?, ?, ?)",
                              &s, d);
    char hash[65];
    int pack_end = 0; /* the parts before it have their pack stored in `hash` */
    for (int i = 0; rc == 0 && i < n; i++) {
        if (!v[i].text) {
            rc = -ENOMEM;
            break;
        }
        if (packable(&v[i]) && i >= pack_end)
            rc = put_pack(st, v, n, i, hash, &pack_end, d);
        else if (!packable(&v[i]))
            rc = pg_store_blob_put(st, v[i].text, strlen(v[i].text), hash, d);
        if (rc != 0) break;
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, v[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, v[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, hash, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "storing a bulletin's part", d);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Keeps the units whose numbers changed (or whose indicators did), and the groups that still
 * have some: a correction lists its differences, not the whole ranking again. */
static void only_changes(cJSON *diff)
{
    cJSON *groups = cJSON_GetObjectItemCaseSensitive(diff, "groups");
    for (cJSON *g = groups ? groups->child : NULL; g;) {
        cJSON *gnext = g->next;
        cJSON *units = cJSON_GetObjectItemCaseSensitive(g, "units");
        for (cJSON *u = units ? units->child : NULL; u;) {
            cJSON *unext = u->next;
            cJSON *a = cJSON_GetObjectItemCaseSensitive(u, "a");
            cJSON *b = cJSON_GetObjectItemCaseSensitive(u, "b");
            cJSON *causes = cJSON_GetObjectItemCaseSensitive(u, "causes");
            if (cJSON_Compare(a, b, 1) && cJSON_GetArraySize(causes) == 0)
                cJSON_Delete(cJSON_DetachItemViaPointer(units, u));
            u = unext;
        }
        if (cJSON_GetArraySize(units) == 0) cJSON_Delete(cJSON_DetachItemViaPointer(groups, g));
        g = gnext;
    }
}

/* What revision `n` + 1 changes: revision n re-run from its frozen inputs, compared with
 * the new result by pg_diff_compute. */
static char *changes_from(pg_store *st, const char *datadir, long run, int n, const pg_result *res,
                          pg_diags *d)
{
    pg_rerun old = {0};
    char *text = NULL;
    if (pg_reproduce_run(st, datadir, run, &old, d) == 0) {
        pg_diff *df = NULL;
        if (pg_diff_compute(old.res, res, &df, d) == 0) {
            char against[32];
            snprintf(against, sizeof against, "revision %d", n + 1);
            cJSON *j = pg_diff_json(df, against);
            only_changes(j);
            cJSON_AddNumberToObject(j, "from_revision", n);
            cJSON_AddNumberToObject(j, "to_revision", n + 1);
            cJSON_AddBoolToObject(j, "from_reproduced", pg_rerun_differences(&old, 0, NULL) == 0);
            char *p = cJSON_PrintUnformatted(j);
            text = pg_xstrdup(p);
            cJSON_free(p);
            cJSON_Delete(j);
            pg_diff_free(df);
        }
    }
    pg_rerun_free(&old);
    return text;
}

/* A result recorded before the rule ids were unified names the old revision inside it
 * (reproduce.c). Re-published on the very same rules snapshot, its bytes differ only in that
 * id: then there is nothing to correct either. */
static int same_but_old_id(pg_store *st, const pg_run *was, const char *result, pg_diags *d)
{
    char *stored = NULL, rev[65];
    int same = 0;
    if (pg_store_blob_get(st, was->result, &stored, NULL, d) == 0 &&
        pg_result_text_revision(stored, rev) == 0 && strcmp(rev, was->revision) != 0) {
        cJSON *a = cJSON_Parse(stored), *b = cJSON_Parse(result);
        cJSON *ra = cJSON_GetObjectItemCaseSensitive(a, "ruleset");
        cJSON *rb = cJSON_GetObjectItemCaseSensitive(b, "ruleset");
        if (ra && rb) {
            cJSON_ReplaceItemInObjectCaseSensitive(ra, "revision", cJSON_CreateString(""));
            cJSON_ReplaceItemInObjectCaseSensitive(rb, "revision", cJSON_CreateString(""));
            same = cJSON_Compare(a, b, 1);
        }
        cJSON_Delete(a), cJSON_Delete(b);
    }
    free(stored);
    return same;
}

static int latest_revision(pg_store *st, const char *scheme, const char *period, pg_diags *d)
{
    sqlite3_stmt *s;
    if (pg_store_prepare(st,
                         "SELECT coalesce(max(revision), 0) FROM bulletin"
                         " WHERE scheme = ? AND period = ?",
                         &s, d) != 0)
        return -EIO;
    sqlite3_bind_text(s, 1, scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_TRANSIENT);
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0)
                                          : pg_store_fail(st, "reading bulletins", d);
    sqlite3_finalize(s);
    return v;
}

static int insert_bulletin(pg_store *st, const pg_run *run, int revision, const char *reason,
                           const char *changes, long *id, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "INSERT INTO bulletin(scheme, period, revision, run, published_by,"
                              " published_at, reason, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, run->scheme, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, run->period, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, revision);
    sqlite3_bind_int64(s, 4, run->id);
    sqlite3_bind_text(s, 5, run->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, run->finished_at, -1, SQLITE_STATIC);
    bind_opt(s, 7, reason);
    bind_opt(s, 8, changes);
    if (sqlite3_step(s) == SQLITE_DONE)
        *id = (long)sqlite3_last_insert_rowid(pg_store_db(st));
    else
        rc = pg_store_fail(st, "storing the bulletin", d);
    sqlite3_finalize(s);
    return rc;
}

static char *print(const cJSON *j)
{
    return j ? pg_json_print(j, 0, NULL) : NULL;
}

/* The content hash of the chain link that governs month `m` (1–12) of `chain`, or NULL. */
static const char *link_for(const cJSON *chain, int m)
{
    const char *content = NULL;
    const cJSON *l;
    cJSON_ArrayForEach(l, chain)
    {
        const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "from"));
        int p = from ? pg_period_parse(from) : -1;
        if (p < 0 || (content && p % 100 > m)) break;
        content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "content"));
    }
    return content;
}

/* 0 when `in->rules` govern the period by the host's chain (or there is none), else -EINVAL
 * with the reason. */
static int check_chain(const pg_publish_in *in, pg_diags *d);

int pg_chain_check(const char *datadir, const pg_ruleset *rs, const char *rules, int scheme,
                   int period, pg_diags *d)
{
    pg_publish_in in = {datadir, rs, rules, NULL, scheme, period, NULL, NULL, NULL, 0};
    return check_chain(&in, d);
}

static int check_chain(const pg_publish_in *in, pg_diags *d)
{
    int year = pg_period_year(in->period);
    char *path = pg_xasprintf("%s/rules/chain-%d.json", in->datadir, year);
    FILE *f = fopen(path, "rb");
    if (!f) {
        free(path);
        return 0;
    }
    char *text = NULL;
    size_t len = 0, n;
    char buf[4096];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        text = pg_xrealloc(text, len + n + 1);
        memcpy(text + len, buf, n), len += n;
    }
    fclose(f);
    if (text) text[len] = 0;
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(o, "chain");
    int rc = 0;
    char pbuf[PG_PERIOD_BUF];
    const char *period = pg_period_format(in->period, pbuf);
    const pg_scheme *sc = &in->rs->schemes[in->scheme];
    if (!cJSON_IsArray(chain) || cJSON_GetArraySize(chain) == 0) {
        pg_error(d, path, 0, "not a chain of rule revisions: cannot tell which rules govern %s",
                 period);
        rc = -EINVAL;
    } else if (!pg_period_is_year(in->period)) {
        const char *want = link_for(chain, in->period % 100);
        if (want && strcmp(want, in->rules) != 0) {
            pg_error(d, path, 0,
                     "%s is governed by rules revision %.12s, not by these (%.12s): publish it "
                     "with the rules in force in that month (the host's POST /api/v1/bulletins "
                     "does)",
                     period, want, in->rules);
            rc = -EINVAL;
        }
    } else {
        const char *cur = link_for(chain, 12);
        if (cur && strcmp(cur, in->rules) != 0) {
            pg_error(d, path, 0, "%s is governed by rules revision %.12s, not by these (%.12s)",
                     period, cur, in->rules);
            rc = -EINVAL;
        }
        for (int k = 0; rc == 0 && !in->months_own && k < sc->nparts; k++) {
            const pg_part *p = &sc->parts[k];
            if (p->scheme < 0 || in->rs->schemes[p->scheme].period != PG_PERIOD_MONTH) continue;
            for (int m = p->month_from; rc == 0 && m <= p->month_to && m <= 12; m++) {
                const char *want = link_for(chain, m);
                if (!want || strcmp(want, in->rules) == 0) continue;
                pg_error(d, path, 0,
                         "scheme '%s' for %s averages %d-%02d, which rules revision %.12s "
                         "governs: only the host takes each month under its own rules; publish "
                         "it there (POST /api/v1/bulletins)",
                         sc->id, period, year, m, want);
                rc = -EINVAL;
            }
        }
    }
    cJSON_Delete(o);
    free(path);
    return rc;
}

int pg_publish(pg_store *st, const pg_publish_in *in, pg_publish_out *out, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    const pg_scheme *sc = &in->rs->schemes[in->scheme];
    char pbuf[PG_PERIOD_BUF], qbuf[PG_PERIOD_BUF];
    const char *period = pg_period_format(in->period, pbuf);
    const char *prev_period = pg_period_format(pg_period_prev(in->period), qbuf);
    pg_run run = {.scheme = pg_xstrdup(sc->id),
                  .period = pg_xstrdup(period),
                  .trigger = pg_xstrdup(in->trigger),
                  .actor = pg_xstrdup(in->actor)};
    snprintf(run.revision, sizeof run.revision, "%s", in->rules);
    pg_store_now(run.started_at);
    cJSON *base = NULL, *prev = NULL, *cur = NULL, *row = NULL;
    pg_overdue overdue = {0};
    char *result = NULL, *inputs = NULL, *changes = NULL, *before = NULL, *after = NULL;
    char what[160] = "";
    pg_result *res = NULL;
    part *parts = NULL;
    int nparts = 0;

    int rc = check_chain(in, d);
    if (rc != 0) goto done;
    /* 环比: against the latest bulletin of the previous period, when there is one */
    rc = pg_publish_find(st, sc->id, prev_period, 0, &prev, d);
    if (rc == 0) {
        run.base = (long)cJSON_GetObjectItem(prev, "id")->valuedouble;
        snprintf(what, sizeof what, "bulletin %s %s revision %d", sc->id, prev_period,
                 cJSON_GetObjectItem(prev, "revision")->valueint);
        rc = pg_frozen_result_head(st, run.base, &base, d);
    } else if (rc == -ENOENT) {
        rc = 0;
    }
    if (rc == 0) rc = pg_frozen_eval(in->rs, in->ds, in->scheme, in->period, base, what, &res, d);
    if (rc != 0) goto done;
    pg_store_now(run.finished_at);
    /* the 整改 state as of now, frozen with the bulletin: a later verification changes the
     * next bulletin, never this one */
    if ((rc = overdue_now(st, in, res, run.finished_at, &overdue, d)) != 0) goto done;
    cJSON *tree = pg_report_json_tree(res, PG_REPORT_NO_UNITS);
    part *units = pg_xcalloc((size_t)in->rs->nunits + 1, sizeof *units);
    by_unit bu = {res, units};
    size_t len;
    result = pg_json_print_items(tree, "units", in->rs->nunits, unit_tree, unit_part, &bu, &len);
    if (result) /* pg_run_result_print's bytes: pg_report_json's, its final newline too */
        result = pg_xrealloc(result, len + 2), memcpy(result + len, "\n", 2);
    if (result)
        parts = cut_result(tree, units, in->rs->nunits, &nparts), free(units);
    else
        parts_free(units, in->rs->nunits);
    cJSON_Delete(tree);
    inputs = pg_run_inputs_text(in->ds);
    if (!result || !inputs) {
        rc = -ENOMEM;
        goto done;
    }

    /* a correction: why, and what it changes from revision n */
    int n = 0;
    rc = pg_publish_find(st, sc->id, period, 0, &cur, d);
    if (rc == -ENOENT) {
        rc = 0;
    } else if (rc == 0) {
        n = cJSON_GetObjectItem(cur, "revision")->valueint;
        long cur_run = (long)cJSON_GetObjectItem(cur, "run")->valuedouble;
        if (!in->reason || !*in->reason) {
            pg_error(d, NULL, 0,
                     "%s %s is published (revision %d): publishing it again is a correction, "
                     "which needs a reason",
                     sc->id, period, n);
            rc = -EINVAL;
            goto done;
        }
        pg_run was = {0};
        char hash[65];
        pg_sha256_hex(result, strlen(result), hash);
        rc = pg_run_get(st, cur_run, &was, d);
        int same = rc == 0 && strcmp(was.result, hash) == 0;
        if (rc == 0 && !same && strcmp(was.revision, in->rules) == 0)
            same = same_but_old_id(st, &was, result, d);
        pg_run_clear(&was);
        if (rc != 0) goto done;
        if (same) {
            pg_error(d, NULL, 0,
                     "%s %s: the result is byte for byte revision %d's; there is nothing to "
                     "correct",
                     sc->id, period, n);
            rc = -EEXIST;
            goto done;
        }
        if (!(changes = changes_from(st, in->datadir, cur_run, n, res, d))) {
            pg_error(d, NULL, 0, "%s %s: cannot compare with revision %d", sc->id, period, n);
            rc = -EIO;
            goto done;
        }
        before = print(cur);
    } else {
        goto done;
    }

    if ((rc = pg_store_begin(st, d)) != 0) goto done;
    int latest = latest_revision(st, sc->id, period, d);
    if (latest != n) {
        if (latest >= 0) {
            pg_error(d, NULL, 0,
                     "%s %s: revision %d was published meanwhile; publish again to correct it",
                     sc->id, period, latest);
            rc = -EAGAIN;
        } else {
            rc = latest;
        }
    }
    if (rc == 0) rc = pg_run_record(st, &run, inputs, result, d);
    if (rc == 0) rc = insert_bulletin(st, &run, n + 1, n ? in->reason : NULL, changes, &out->id, d);
    if (rc == 0) rc = put_parts(st, out->id, parts, nparts, d);
    if (rc == 0) rc = pg_bulletin_overdue_put(st, in->rs, out->id, &overdue, d);
    if (rc == 0) rc = pg_publish_get(st, out->id, &row, d);
    if (rc == 0) {
        after = print(row);
        char *object = pg_xasprintf("bulletin/%s/%s", sc->id, period);
        rc = pg_audit_append(st, run.actor, "bulletin.publish", object, before, after, d);
        free(object);
    }
    if (rc == 0)
        rc = pg_store_commit(st, d);
    else
        pg_store_rollback(st);
    if (rc == 0) {
        out->revision = n + 1;
        out->bulletin = row, row = NULL;
        out->res = res, res = NULL;
        out->overdue = pg_overdue_text(&overdue);
    } else {
        out->id = 0;
    }
done:
    pg_run_clear(&run);
    cJSON_Delete(base), cJSON_Delete(prev), cJSON_Delete(cur), cJSON_Delete(row);
    pg_overdue_free(&overdue);
    free(result), free(inputs), free(changes), free(before), free(after);
    parts_free(parts, nparts);
    pg_result_free(res);
    return rc;
}

void pg_publish_out_free(pg_publish_out *out)
{
    cJSON_Delete(out->bulletin);
    pg_result_free(out->res);
    free(out->overdue);
    memset(out, 0, sizeof *out);
}

pg_bl_issue pg_publish_issue(const pg_publish_out *out)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(out->bulletin, "reason");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(out->bulletin, "published_at");
    return (pg_bl_issue){out->revision, cJSON_IsString(r) ? r->valuestring : NULL,
                         cJSON_IsString(at) ? at->valuestring : NULL, out->overdue};
}
