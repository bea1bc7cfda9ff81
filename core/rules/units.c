/* units.c — units.csv: the evaluated units, their groups, codes and aliases.
 *
 * Columns are found by header name (id,name,group,code,code_kind,aliases,short), so a clerk may
 * reorder them; `short` is the 简称 a phone shows where the full name does not fit. Ids, codes and
 * aliases all resolve to the unit through rs->unit_ids; a key that would point at two units is an
 * error, because data would go to the wrong one. */
#include "base.h"
#include "rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { C_ID, C_NAME, C_GROUP, C_CODE, C_KIND, C_ALIASES, C_SHORT, NCOLS };
static const char *const columns[NCOLS] = {"id",        "name",    "group", "code",
                                           "code_kind", "aliases", "short"};

typedef struct {
    pg_ruleset *rs;
    pg_diags *d;
    const char *path;
    int col[NCOLS];
    int header_done;
} units_reader;

static const char *field(const units_reader *r, const pg_csvrow *row, int c)
{
    int i = r->col[c];
    return i >= 0 && i < row->n ? row->f[i] : "";
}

static void add_key(units_reader *r, const char *key, int unit, int line)
{
    if (!*key) return;
    pg_ruleset *rs = r->rs;
    int other = pg_strmap_get(&rs->unit_ids, key);
    if (other == unit) return;
    if (other >= 0) {
        pg_error(r->d, r->path, line, "'%s' already names unit '%s' (line %d)", key,
                 rs->units[other].id, rs->units[other].line);
        return;
    }
    char *k = pg_xstrdup(key);
    rs->strings = pg_xrealloc(rs->strings, sizeof(char *) * (size_t)(rs->nstrings + 1));
    rs->strings[rs->nstrings++] = k;
    pg_strmap_put(&rs->unit_ids, k, unit);
}

static int on_row(void *ud, const pg_csvrow *row)
{
    units_reader *r = ud;
    pg_ruleset *rs = r->rs;
    if (!r->header_done) {
        r->header_done = 1;
        for (int c = 0; c < NCOLS; c++) {
            r->col[c] = -1;
            for (int i = 0; i < row->n; i++)
                if (strcmp(row->f[i], columns[c]) == 0) r->col[c] = i;
        }
        for (int c = 0; c <= C_GROUP; c++)
            if (r->col[c] < 0)
                pg_error(r->d, r->path, row->line, "the header has no '%s' column (expected %s)",
                         columns[c], "id,name,group,code,code_kind,aliases,short");
        return r->d->errors && (r->col[C_ID] < 0 || r->col[C_GROUP] < 0) ? 1 : 0;
    }
    const char *id = field(r, row, C_ID), *name = field(r, row, C_NAME);
    const char *group = field(r, row, C_GROUP), *kind = field(r, row, C_KIND);
    if (!*id || !*name) {
        pg_error(r->d, r->path, row->line, "a unit needs an id and a name");
        return 0;
    }
    int g = pg_strmap_get(&rs->group_ids, group);
    if (g < 0) {
        pg_error(r->d, r->path, row->line, "unit '%s': group '%s' is not declared in the rules", id,
                 group);
        return 0;
    }
    if (*kind && strcmp(kind, "gbt2260") != 0 && strcmp(kind, "nonstandard") != 0)
        pg_error(r->d, r->path, row->line,
                 "unit '%s': code_kind '%s' must be gbt2260 or nonstandard", id, kind);
    if (pg_strmap_get(&rs->unit_ids, id) >= 0) {
        pg_error(r->d, r->path, row->line, "unit id '%s' is used twice", id);
        return 0;
    }
    int u = rs->nunits++;
    rs->units = pg_xrealloc(rs->units, sizeof(pg_unit) * (size_t)rs->nunits);
    rs->units[u] = (pg_unit){pg_xstrdup(id),
                             pg_xstrdup(name),
                             pg_xstrdup(field(r, row, C_CODE)),
                             g,
                             strcmp(kind, "gbt2260") == 0,
                             row->line,
                             *field(r, row, C_SHORT) ? pg_xstrdup(field(r, row, C_SHORT)) : NULL};
    pg_strmap_put(&rs->unit_ids, rs->units[u].id, u);
    add_key(r, rs->units[u].code, u, row->line);
    add_key(r, name, u, row->line);
    add_key(r, field(r, row, C_SHORT), u, row->line);
    char *aliases = pg_xstrdup(field(r, row, C_ALIASES));
    for (char *save = NULL, *a = strtok_r(aliases, "|", &save); a; a = strtok_r(NULL, "|", &save))
        add_key(r, a, u, row->line);
    free(aliases);
    return 0;
}

int pg_units_load(pg_ruleset *rs, const char *path, pg_diags *d)
{
    units_reader r = {.rs = rs, .d = d, .path = path};
    int before = d->errors;
    int rc = pg_csv_read(path, on_row, &r, d);
    if (rc < 0) return rc;
    if (rs->nunits == 0 && d->errors == before) pg_error(d, path, 0, "no units are listed");
    return d->errors > before ? -EINVAL : 0;
}

int pg_unit_find(const pg_ruleset *rs, const char *key)
{
    return pg_strmap_get(&rs->unit_ids, key);
}
