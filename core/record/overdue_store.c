/* overdue_store.c — the overdue 整改 items a bulletin is published with (table bulletin_rectify,
 * schema 10), stored with it and read back.
 *
 * A bulletin freezes the items of every earlier month not yet verified, so December's holds eleven
 * months of them, most of them November's again. Stored whole per bulletin, they were a third of
 * what a monthly publication added to pinggu.db at 3,003 units (3.2 MB in December), and grew
 * month by month. They are therefore stored in pieces that do not change between bulletins:
 * - units go into packs by their place in the rule set, RECTIFY_PACK to a pack, so that a pack
 *   holds the same units in every bulletin of a rule revision;
 * - a pack is a blob kept in pieces (pg_store_blob_put_pieces), one per month the items are of,
 *   each line "unit TAB [that unit's items of that month]": a month whose items and states did
 *   not change since the last bulletin is the same piece, stored once;
 * - an item's "days" overdue, which moves every day, is not stored: it is as_of − due, put back
 *   in its place (before "state") when read.
 * The row '' keeps as_of and the units in order; each unit with items has a row naming its
 * pack. Bulletins stored before (a unit's items on one line, their days with them) read as they
 * were. */
#include "record.h"

#include "base.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECTIFY_PACK 16

/* --- storing ---------------------------------------------------------------------------- */

static const char *member(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Runs in pack order: by pack, then month, then unit. */
static int by_pack_month_unit(const void *a, const void *b)
{
    const pg_overdue_run *x = *(pg_overdue_run *const *)a, *y = *(pg_overdue_run *const *)b;
    int px = x->unit / RECTIFY_PACK, py = y->unit / RECTIFY_PACK;
    if (px != py) return px < py ? -1 : 1;
    if (x->period != y->period) return x->period < y->period ? -1 : 1;
    return (x->unit > y->unit) - (x->unit < y->unit);
}

/* Stores the pack of runs v[0..n) (one pack's, month by month) and a row for each of its units
 * naming it. */
static int put_pack(pg_store *st, const pg_ruleset *rs, sqlite3_stmt *row, long id,
                    pg_overdue_run *const *v, int n, pg_diags *d)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) len += strlen(rs->units[v[i]->unit].id) + strlen(v[i]->stored) + 2;
    char *body = pg_xmalloc(len + 1), *p = body, hash[65];
    size_t *cuts = pg_xmalloc(sizeof *cuts * (size_t)n);
    int ncuts = 0, rc;
    for (int i = 0; i < n; i++) {
        if (i && v[i]->period != v[i - 1]->period) cuts[ncuts++] = (size_t)(p - body);
        p += sprintf(p, "%s\t%s\n", rs->units[v[i]->unit].id, v[i]->stored);
    }
    /* one month: the piece itself, which the next bulletin's pack then names as its first */
    rc = ncuts ? pg_store_blob_put_pieces(st, body, len, cuts, ncuts, hash, d)
               : pg_store_blob_put(st, body, len, hash, d);
    free(body), free(cuts);
    unsigned char seen[RECTIFY_PACK] = {0};
    for (int i = 0; rc == 0 && i < n; i++) {
        if (seen[v[i]->unit % RECTIFY_PACK]++) continue;
        sqlite3_reset(row);
        sqlite3_bind_int64(row, 1, id);
        sqlite3_bind_text(row, 2, rs->units[v[i]->unit].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(row, 3, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(row, 4, hash, -1, SQLITE_STATIC);
        if (sqlite3_step(row) != SQLITE_DONE)
            rc = pg_store_fail(st, "storing the bulletin's 整改 state", d);
    }
    return rc;
}

int pg_bulletin_overdue_put(pg_store *st, const pg_ruleset *rs, long id, const pg_overdue *o,
                            pg_diags *d)
{
    /* the row '': as of which day, and the units with items in order */
    cJSON *head = cJSON_CreateObject();
    cJSON_AddStringToObject(head, "as_of", o->as_of);
    cJSON *order = cJSON_AddArrayToObject(head, "units");
    pg_overdue_run **v = pg_xcalloc((size_t)o->n + 1, sizeof *v);
    for (int i = 0; i < o->n; i++) {
        v[i] = &o->v[i];
        if (o->v[i].unit < 0 || o->v[i].unit >= rs->nunits) {
            pg_error(d, NULL, 0, "an overdue 整改 item names unit %d, not in the rules",
                     o->v[i].unit);
            cJSON_Delete(head), free(v);
            return -EINVAL;
        }
        if (!i || o->v[i].unit != o->v[i - 1].unit)
            cJSON_AddItemToArray(order, cJSON_CreateString(rs->units[o->v[i].unit].id));
    }
    qsort(v, (size_t)o->n, sizeof *v, by_pack_month_unit);
    char *text = pg_json_print(head, 0, NULL);
    cJSON_Delete(head);
    sqlite3_stmt *s;
    int rc = pg_store_prepare(
        st, "INSERT INTO bulletin_rectify(bulletin, unit, body, pack) VALUES (?, ?, ?, ?)", &s, d);
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
        sqlite3_bind_null(s, 4);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = pg_store_fail(st, "storing the bulletin's 整改 state", d);
    }
    for (int i = 0, j; rc == 0 && i < o->n; i = j) {
        for (j = i + 1; j < o->n && v[j]->unit / RECTIFY_PACK == v[i]->unit / RECTIFY_PACK;) j++;
        rc = put_pack(st, rs, s, id, v + i, j - i, d);
    }
    if (s) sqlite3_finalize(s);
    free(v), free(text);
    return rc;
}

/* --- reading ---------------------------------------------------------------------------- */

/* The day of "YYYY-MM-DD", or LONG_MIN. */
static long day_of(const char *s)
{
    int y, m, dd;
    char more;
    if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &more) != 3) return LONG_MIN;
    return pg_days_from_civil(y, m, dd);
}

/* The items of unit `key` in a pack (each of its lines, month by month) in one array; NULL when
 * the pack has no line of it or a line is not a JSON array (a damaged store). An item without
 * its "days" gets them back, as_of − due, before its "state", where pg_overdue_make puts them. */
static cJSON *pack_items(const char *pack, const char *key, long as_of)
{
    size_t k = strlen(key);
    cJSON *all = NULL, *it;
    for (const char *l = pack; *l;) {
        const char *end = strchr(l, '\n');
        if (!end) end = l + strlen(l);
        if (strncmp(l, key, k) == 0 && l[k] == '\t') {
            cJSON *one = cJSON_ParseWithLength(l + k + 1, (size_t)(end - (l + k + 1)));
            if (!cJSON_IsArray(one)) {
                cJSON_Delete(one), cJSON_Delete(all);
                return NULL;
            }
            if (!all) all = cJSON_CreateArray();
            while (one->child)
                cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(one, one->child));
            cJSON_Delete(one);
        }
        l = *end ? end + 1 : end;
    }
    cJSON_ArrayForEach(it, all)
    {
        if (cJSON_GetObjectItemCaseSensitive(it, "days")) continue;
        long due = day_of(member(it, "due"));
        if (due == LONG_MIN || as_of == LONG_MIN) {
            cJSON_Delete(all);
            return NULL;
        }
        cJSON *state = cJSON_DetachItemFromObjectCaseSensitive(it, "state");
        cJSON_AddNumberToObject(it, "days", (double)(as_of - due));
        if (state) cJSON_AddItemToObject(it, "state", state);
    }
    return all;
}

/* A unit's items read from its row: inline (`inl`) or from its pack (`packed`, the text of the
 * blob the row names); NULL with a diagnostic when they cannot be read. */
static cJSON *unit_items(pg_store *st, long id, const char *unit, const char *inl,
                         const char *packed, long as_of, pg_diags *d)
{
    cJSON *body = packed ? pack_items(packed, unit, as_of) : cJSON_Parse(inl ? inl : "[]");
    if (!body)
        pg_error(d, pg_store_path(st), 0,
                 "bulletin %ld: the 整改 state of unit '%s' is missing from its stored pack or is "
                 "not JSON",
                 id, unit);
    return body;
}

/* The row '' of a bulletin (as_of, the units in order) parsed, its as_of's day into *as_of. */
static cJSON *head_of(pg_store *st, long id, const char *text, long *as_of, pg_diags *d)
{
    cJSON *head = cJSON_Parse(text ? text : "");
    if (!head) pg_error(d, pg_store_path(st), 0, "bulletin %ld: its 整改 state is not JSON", id);
    *as_of = day_of(member(head, "as_of"));
    return head;
}

/* Reads the pack `in` names into *packed unless it is the one read last (`pack`): rows come
 * pack by pack. */
static int read_pack(pg_store *st, const char *in, char pack[65], char **packed, pg_diags *d)
{
    if (!in || strcmp(in, pack) == 0) return 0;
    free(*packed), *packed = NULL;
    snprintf(pack, 65, "%s", in);
    return pg_store_blob_get(st, pack, packed, NULL, d);
}

int pg_bulletin_overdue(pg_store *st, long id, const char *unit, char **text, pg_diags *d)
{
    *text = NULL;
    sqlite3_stmt *s;
    /* one unit's: two key lookups ('' sorts first), never a scan of every unit's list (with an
     * OR here SQLite read them all, 30 MB at 3,003 units, for each unit's read) */
    int rc = pg_store_prepare(st,
                              unit ? "SELECT unit, body, pack FROM bulletin_rectify"
                                     " WHERE bulletin = ?1 AND unit IN ('', ?2) ORDER BY unit"
                                   : "SELECT unit, body, pack FROM bulletin_rectify"
                                     " WHERE bulletin = ?1 ORDER BY unit = '' DESC, pack",
                              &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_int64(s, 1, id);
    if (unit) sqlite3_bind_text(s, 2, unit, -1, SQLITE_TRANSIENT);
    /* the row '' says as of which day; each unit's row is its items, in the units' order of
     * the publication, which their rowid-less table does not keep: they are put back in it */
    cJSON *whole = NULL, *lists = cJSON_CreateArray(), *mine = NULL;
    char pack[65] = "", *packed = NULL; /* the last pack read (rows come pack by pack), whole */
    long as_of = LONG_MIN;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        const char *inl = (const char *)sqlite3_column_text(s, 1);
        const char *in = (const char *)sqlite3_column_text(s, 2);
        if (!*k) {
            if (!(whole = head_of(st, id, inl, &as_of, d))) rc = -EIO;
        } else {
            cJSON *body = NULL;
            if ((rc = read_pack(st, in, pack, &packed, d)) == 0 &&
                !(body = unit_items(st, id, k, inl, in ? packed : NULL, as_of, d)))
                rc = -EIO;
            if (unit)
                cJSON_Delete(mine), mine = body;
            else if (body)
                cJSON_AddItemToArray(lists, body);
        }
        if (rc != 0) break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = pg_store_fail(st, "reading a bulletin's 整改 state", d);
    sqlite3_finalize(s);
    free(packed);
    if (rc == 0 && !whole) rc = -ENOENT;
    if (rc == 0 && unit) {
        cJSON_DeleteItemFromObjectCaseSensitive(whole, "units");
        cJSON_AddItemToObject(whole, "items", mine ? mine : cJSON_CreateArray());
        mine = NULL;
        *text = pg_json_print(whole, 0, NULL);
    } else if (rc == 0) {
        /* the units' lists, each an array, in the order the '' row names them */
        cJSON *order = cJSON_DetachItemFromObjectCaseSensitive(whole, "units"), *u, *l;
        int n = cJSON_GetArraySize(order), k = 0;
        cJSON **at = pg_xcalloc((size_t)(n ? n : 1), sizeof *at);
        pg_strmap place = {0};
        cJSON_ArrayForEach(u, order) if (cJSON_IsString(u))
            pg_strmap_put(&place, u->valuestring, k++);
        cJSON_ArrayForEach(l, lists)
        {
            int i = pg_strmap_get(&place, member(cJSON_GetArrayItem(l, 0), "unit"));
            if (i >= 0 && i < n) at[i] = l;
        }
        cJSON *items = cJSON_AddArrayToObject(whole, "items");
        for (int i = 0; i < n; i++)
            while (at[i] && at[i]->child)
                cJSON_AddItemToArray(items, cJSON_DetachItemViaPointer(at[i], at[i]->child));
        pg_strmap_free(&place);
        free(at);
        cJSON_Delete(order);
        *text = pg_json_print(whole, 0, NULL);
    }
    cJSON_Delete(whole), cJSON_Delete(lists), cJSON_Delete(mine);
    return rc;
}

int pg_bulletin_overdue_each(pg_store *st, long id, const char *const *units, int n,
                             void (*each)(void *arg, const char *unit, const char *text), void *arg,
                             pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT body, pack FROM bulletin_rectify WHERE bulletin = ?1"
                              " AND unit = ?2",
                              &s, d);
    if (rc != 0) return rc;
    cJSON *whole = NULL;
    char pack[65] = "", *packed = NULL; /* the last pack read, whole */
    long as_of = LONG_MIN;
    /* the row '' first (as of which day), then each unit's, as pg_bulletin_overdue reads them */
    for (int i = -1; rc == 0 && i < n; i++) {
        const char *u = i < 0 ? "" : units[i];
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, u, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        const char *inl = NULL, *in = NULL;
        if (step == SQLITE_ROW) {
            inl = (const char *)sqlite3_column_text(s, 0);
            in = (const char *)sqlite3_column_text(s, 1);
        } else if (step != SQLITE_DONE) {
            rc = pg_store_fail(st, "reading a bulletin's 整改 state", d);
            break;
        } else if (i < 0) {
            rc = -ENOENT; /* published before they were kept */
            break;
        }
        if (i < 0) {
            if (!(whole = head_of(st, id, inl, &as_of, d))) rc = -EIO;
            cJSON_DeleteItemFromObjectCaseSensitive(whole, "units");
            continue;
        }
        cJSON *body = NULL; /* no row: no items */
        if ((rc = read_pack(st, in, pack, &packed, d)) != 0 ||
            !(body = unit_items(st, id, u, step == SQLITE_ROW ? inl : NULL, in ? packed : NULL,
                                as_of, d))) {
            rc = rc ? rc : -EIO;
            break;
        }
        /* what pg_bulletin_overdue(st, id, u) answers: the row '' without its units, and u's
         * items as "items", its last member */
        cJSON_DeleteItemFromObjectCaseSensitive(whole, "items");
        cJSON_AddItemToObject(whole, "items", body);
        char *p = cJSON_PrintUnformatted(whole);
        each(arg, u, p);
        cJSON_free(p);
    }
    sqlite3_finalize(s);
    free(packed);
    cJSON_Delete(whole);
    return rc;
}
