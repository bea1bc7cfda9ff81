/* ruleset_data.c — the data declarations of a rule set: sources, the working-day calendar and
 * how each computed metric aggregates its source.
 *
 *     source "cases" { name = "办件", unit = "org_code", time = "accept_date", key = "project_no",
 *       fields = { { "project_no", "string" }, { "org_code", "string" },
 *                  { "accept_date", "time" }, { "channel", "enum", values = { "窗口", "网上" } },
 *                  { "result_date", "time", nullable = true } } }
 *     calendar { holidays = { "2021-01-01", ... }, workdays = { "2021-02-07", ... } }
 *     metric "online_share" { name = "网上申办率", unit = "share", from = "cases",
 *       kind = "share", condition = "channel ~= '窗口'" }
 *
 * Expressions are compiled here, once per revision (expr.c); an error names the metric, the
 * field (where, value, ...) and the column inside the expression. */
#include "rules.h"
#include "ruleset_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <sha2.h>
#include <stdio.h>
#include <string.h>

static const char *const ftype_names[] = {"string", "int", "number", "bool", "time", "enum"};

/* Whether expressions can refer to a field of this name (expr.c's identifiers). */
static int expression_name(const char *s)
{
    static const char *const keywords[] = {"and",  "or",   "not",   "in", "is",
                                           "null", "true", "false", NULL};
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
    for (const char *p = s; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return 0;
    for (const char *const *k = keywords; *k; k++)
        if (strcmp(s, *k) == 0) return 0;
    return 1;
}

static void read_field(loader *ld, int e, const where *w, int i, pg_field *f)
{
    lua_State *L = ld->L;
    const char *name = lua_rawgeti(L, e, 1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    const char *type = lua_rawgeti(L, e, 2) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    f->name = pg_xstrdup(name ? name : "?");
    if (!name || !type)
        BAD(ld, w, "source '%s': fields[%d] must be { \"name\", \"type\" }", w->id, i + 1);
    else if (!expression_name(name))
        BAD(ld, w,
            "source '%s': field name '%s' must be letters, digits and '_' (not starting with a "
            "digit) and not a keyword, so that expressions can name it",
            w->id, name);
    int known = 0;
    for (int k = 0; type && k < 6; k++)
        if (strcmp(type, ftype_names[k]) == 0) f->type = (pg_ftype)k, known = 1;
    if (type && !known)
        BAD(ld, w,
            "source '%s': field '%s': type '%s' is not string, int, number, bool, time or enum",
            w->id, f->name, type);
    lua_pop(L, 2);
    f->nullable = pg__rawfield(L, e, "nullable") == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    f->optional = pg__rawfield(L, e, "optional") == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    /* a file without the column has every value null, which only a nullable field allows */
    if (f->optional && !f->nullable)
        BAD(ld, w,
            "source '%s': field '%s': optional = true needs nullable = true (a file without "
            "the column has every value null)",
            w->id, f->name);
    /* a misspelled option (nulable = true) would otherwise be dropped without a word */
    static const char *const options[] = {"nullable", "optional", "values", NULL};
    lua_pushnil(L);
    while (lua_next(L, e)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        const char *k = lua_tostring(L, -1), *const *o = options;
        while (*o && strcmp(*o, k) != 0) o++;
        if (!*o) {
            int near = pg_nearest_name(k, strlen(k), options, 3);
            pg_warn(ld->d, w->file, w->line,
                    "source '%s': field '%s': unknown option '%s' is ignored%s%s%s", w->id, f->name,
                    k, near >= 0 ? "; did you mean '" : "", near >= 0 ? options[near] : "",
                    near >= 0 ? "'?" : "");
        }
    }
    if (pg__rawfield(L, e, "values") == LUA_TTABLE) {
        int vt = lua_gettop(L);
        f->nenums = (int)lua_rawlen(L, vt);
        f->enums = pg_xcalloc((size_t)f->nenums, sizeof(char *));
        for (int k = 0; k < f->nenums; k++) {
            const char *v = lua_rawgeti(L, vt, k + 1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (!v) BAD(ld, w, "source '%s': field '%s': values must be strings", w->id, f->name);
            f->enums[k] = pg_xstrdup(v ? v : "");
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (f->type == PG_FT_ENUM && f->nenums == 0)
        BAD(ld, w, "source '%s': enum field '%s' needs values = { ... }", w->id, f->name);
}

static int field_ref(loader *ld, int t, const where *w, const pg_source *src, const char *key,
                     int required)
{
    char *name = pg__opt_string(ld, t, key, w, required);
    if (!name) return -1;
    int i = pg_source_field(src, name, (int)strlen(name));
    if (i < 0) BAD(ld, w, "source '%s': %s = '%s' is not one of its fields", w->id, key, name);
    free(name);
    return i;
}

void pg__read_source(loader *ld, int t, const where *w, pg_source *src)
{
    lua_State *L = ld->L;
    static const char *const known[] = {"name",   "unit",          "time",         "key",
                                        "fields", "extra_columns", "on_duplicate", NULL};
    pg__warn_unknown(ld, t, w, known);
    src->name = pg_xstrdup(w->id);
    src->file = w->file;
    src->line = w->line;
    src->unit_field = src->time_field = src->key_field = -1;
    char *extra = pg__opt_string(ld, t, "extra_columns", w, 0);
    if (extra && strcmp(extra, "ignore") != 0 && strcmp(extra, "error") != 0)
        BAD(ld, w, "source '%s': extra_columns = '%s' is not \"error\" (the default) or \"ignore\"",
            w->id, extra);
    src->extra_ignore = extra && strcmp(extra, "ignore") == 0;
    free(extra);
    if (pg__rawfield(L, t, "fields") != LUA_TTABLE) {
        BAD(ld, w, "source '%s': fields = { { \"name\", \"type\" }, ... } is required", w->id);
        lua_pop(L, 1);
        return;
    }
    int ft = lua_gettop(L);
    src->nfields = (int)lua_rawlen(L, ft);
    src->fields = pg_xcalloc((size_t)src->nfields, sizeof(pg_field));
    for (int i = 0; i < src->nfields; i++) {
        if (lua_rawgeti(L, ft, i + 1) == LUA_TTABLE)
            read_field(ld, lua_gettop(L), w, i, &src->fields[i]);
        else {
            BAD(ld, w, "source '%s': fields[%d] must be { \"name\", \"type\" }", w->id, i + 1);
            src->fields[i].name = pg_xstrdup("?");
        }
        lua_pop(L, 1);
        for (int k = 0; k < i; k++)
            if (strcmp(src->fields[k].name, src->fields[i].name) == 0)
                BAD(ld, w, "source '%s': field '%s' is declared twice", w->id, src->fields[i].name);
    }
    lua_pop(L, 1);
    src->unit_field = field_ref(ld, t, w, src, "unit", 1);
    src->time_field = field_ref(ld, t, w, src, "time", 1);
    src->key_field = field_ref(ld, t, w, src, "key", 0);
    /* which of two batches' records with one key counts (core/data/batch.c, docs/data.md) */
    char *dup = pg__opt_string(ld, t, "on_duplicate", w, 0);
    if (dup && strcmp(dup, "keep_first") == 0)
        src->on_duplicate = PG_DUP_KEEP_FIRST;
    else if (dup && strcmp(dup, "replace") == 0)
        src->on_duplicate = PG_DUP_REPLACE;
    else if (dup && strcmp(dup, "reject") != 0)
        BAD(ld, w,
            "source '%s': on_duplicate = '%s' is not \"reject\" (the default), \"keep_first\" "
            "or \"replace\"",
            w->id, dup);
    if (dup && src->key_field < 0)
        BAD(ld, w, "source '%s': on_duplicate needs a key = \"field\" to compare records by",
            w->id);
    free(dup);
    if (src->time_field >= 0 &&
        (src->fields[src->time_field].type != PG_FT_TIME || src->fields[src->time_field].nullable))
        BAD(ld, w, "source '%s': time = '%s' must name a required field of type time", w->id,
            src->fields[src->time_field].name);
    if (src->unit_field >= 0 && src->fields[src->unit_field].nullable)
        BAD(ld, w, "source '%s': unit = '%s' must name a required field", w->id,
            src->fields[src->unit_field].name);
    if (src->unit_field >= 0 && src->fields[src->unit_field].type != PG_FT_STRING &&
        src->fields[src->unit_field].type != PG_FT_INT &&
        src->fields[src->unit_field].type != PG_FT_ENUM)
        BAD(ld, w, "source '%s': unit = '%s' must name a string, int or enum field", w->id,
            src->fields[src->unit_field].name);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static long *date_list(loader *ld, int t, const where *w, const char *key, int *n)
{
    lua_State *L = ld->L;
    *n = 0;
    if (pg__rawfield(L, t, key) != LUA_TTABLE) {
        if (!lua_isnil(L, -1)) BAD(ld, w, "calendar: %s must be a list of \"YYYY-MM-DD\"", key);
        lua_pop(L, 1);
        return NULL;
    }
    int lt = lua_gettop(L), len = (int)lua_rawlen(L, lt);
    long *days = pg_xcalloc((size_t)len, sizeof(long));
    for (int i = 0; i < len; i++) {
        const char *s = lua_rawgeti(L, lt, i + 1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        double when;
        if (strlen(s) != 10 || pg_time_parse(s, 10, 0, &when) != 0)
            BAD(ld, w, "calendar: %s[%d] = '%s' is not a date YYYY-MM-DD", key, i + 1, s);
        else
            days[(*n)++] = pg_time_day(when, 0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    qsort(days, (size_t)*n, sizeof(long), cmp_long);
    return days;
}

void pg__read_calendar(loader *ld, int t, const where *w)
{
    pg_ruleset *rs = ld->rs;
    static const char *const known[] = {"holidays", "workdays", NULL};
    pg__warn_unknown(ld, t, w, known);
    if (rs->calendar.holidays || rs->calendar.workdays) {
        BAD(ld, w, "calendar is declared twice");
        return;
    }
    rs->calendar.holidays = date_list(ld, t, w, "holidays", &rs->calendar.nholidays);
    rs->calendar.workdays = date_list(ld, t, w, "workdays", &rs->calendar.nworkdays);
}

static const char *const agg_names[] = {"fed",   "count", "sum",      "mean", "min", "max",
                                        "share", "ratio", "distinct", "p50",  "p90"};
static const char *const over_names[] = {"month", "year_to_date", "year", "year_end"};

/* Compiles t[key] if present; checks its type. */
static struct pg_expr *compile(loader *ld, int t, const where *w, const pg_source *src,
                               const char *key, int want_bool, int required, SHA2_CTX *def,
                               char **keep)
{
    char *text = pg__opt_string(ld, t, key, w, 0);
    if (!text) {
        if (required) BAD(ld, w, "metric '%s': this kind needs %s = \"<expression>\"", w->id, key);
        SHA256Update(def, (const uint8_t *)"", 1);
        return NULL;
    }
    SHA256Update(def, (const uint8_t *)text, strlen(text) + 1);
    *keep = pg_xstrdup(text);
    pg_xtype type;
    char *err = NULL;
    int col = 0;
    pg_expr *e =
        pg_expr_compile(text, src, &ld->rs->calendar, ld->rs->tz_offset, &type, &err, &col);
    if (!e)
        BAD(ld, w, "metric '%s': %s, column %d: %s", w->id, key, col, err ? err : "invalid");
    else if (want_bool && type != PG_X_BOOL)
        BAD(ld, w, "metric '%s': %s must be a condition (true or false), not a %s", w->id, key,
            type == PG_X_STRING ? "string" : "number");
    else if (!want_bool && type == PG_X_STRING)
        BAD(ld, w, "metric '%s': %s must be a number, not a string", w->id, key);
    free(err);
    free(text);
    /* a condition where a number is wanted counts 1 when true and 0 when false, so that
     * kind = "sum", value = "level <= 2" counts matching records and is 0, not missing, for a
     * unit that has records but none that match */
    if (e && ((want_bool && type != PG_X_BOOL) || type == PG_X_STRING)) {
        pg_expr_free(e);
        e = NULL;
    }
    return e;
}

void pg__read_metric_plan(loader *ld, int t, const where *w, pg_metric *m)
{
    pg_ruleset *rs = ld->rs;
    m->source = -1;
    m->agg = PG_AGG_FED;
    char *from = pg__opt_string(ld, t, "from", w, 0);
    char *kind = pg__opt_string(ld, t, "kind", w, 0);
    char *over = pg__opt_string(ld, t, "over", w, 0);
    if (!from) {
        if (kind || over) BAD(ld, w, "metric '%s': kind and over need from = \"<source>\"", w->id);
        free(kind), free(over);
        return;
    }
    m->source = pg_strmap_get(&rs->source_ids, from);
    if (m->source < 0) BAD(ld, w, "metric '%s': from = '%s' is not a declared source", w->id, from);
    for (int k = PG_AGG_COUNT; kind && k <= PG_AGG_P90; k++)
        if (strcmp(kind, agg_names[k]) == 0) m->agg = (pg_agg_kind)k;
    if (m->agg == PG_AGG_FED)
        BAD(ld, w,
            "metric '%s': kind = '%s' must be count, sum, mean, min, max, share, ratio, distinct, "
            "p50 or p90",
            w->id, kind ? kind : "");
    for (int k = 0; over && k < 4; k++)
        if (strcmp(over, over_names[k]) == 0) m->over = (pg_over)k;
    if (over && strcmp(over, over_names[m->over]) != 0)
        BAD(ld, w, "metric '%s': over = '%s' must be month, year_to_date, year or year_end", w->id,
            over);
    if (m->source >= 0 && m->agg != PG_AGG_FED) {
        const pg_source *src = &rs->sources[m->source];
        SHA2_CTX def;
        SHA256Init(&def);
        SHA256Update(&def, (const uint8_t *)from, strlen(from) + 1);
        for (int i = 0; i < src->nfields; i++) {
            SHA256Update(&def, (const uint8_t *)src->fields[i].name,
                         strlen(src->fields[i].name) + 1);
            SHA256Update(&def, (const uint8_t *)ftype_names[src->fields[i].type], 1);
        }
        SHA256Update(&def, (const uint8_t *)agg_names[m->agg], strlen(agg_names[m->agg]) + 1);
        SHA256Update(&def, (const uint8_t *)over_names[m->over], strlen(over_names[m->over]) + 1);
        int needs_value =
            m->agg != PG_AGG_COUNT && m->agg != PG_AGG_SHARE && m->agg != PG_AGG_DISTINCT;
        m->where = compile(ld, t, w, src, "where", 1, 0, &def, &m->text[0]);
        m->condition =
            compile(ld, t, w, src, "condition", 1, m->agg == PG_AGG_SHARE, &def, &m->text[1]);
        m->field = -1;
        if (m->agg == PG_AGG_DISTINCT) { /* counts the values of one field, as text */
            char *name = pg__opt_string(ld, t, "value", w, 1);
            if (name) {
                SHA256Update(&def, (const uint8_t *)name, strlen(name) + 1);
                m->field = pg_source_field(src, name, (int)strlen(name));
                if (m->field < 0)
                    BAD(ld, w,
                        "metric '%s': kind = \"distinct\" counts a field; '%s' is not a "
                        "field of source '%s'",
                        w->id, name, src->name);
            }
            m->text[2] = name;
        }
        m->value = m->agg == PG_AGG_DISTINCT
                       ? NULL
                       : compile(ld, t, w, src, "value", 0, needs_value, &def, &m->text[2]);
        m->denominator =
            compile(ld, t, w, src, "denominator", 0, m->agg == PG_AGG_RATIO, &def, &m->text[3]);
        if (m->condition && m->agg != PG_AGG_SHARE)
            BAD(ld, w, "metric '%s': condition belongs to kind = \"share\"; use where to filter",
                w->id);
        if (m->value && !needs_value)
            BAD(ld, w, "metric '%s': kind = \"%s\" takes no value", w->id, agg_names[m->agg]);
        if (m->denominator && m->agg != PG_AGG_RATIO)
            BAD(ld, w, "metric '%s': denominator belongs to kind = \"ratio\"", w->id);
        SHA256End(&def, m->def);
    }
    free(from), free(kind), free(over);
}

void pg__free_data(pg_ruleset *rs)
{
    for (int i = 0; i < rs->nsources; i++) {
        pg_source *src = &rs->sources[i];
        for (int k = 0; k < src->nfields; k++) {
            for (int j = 0; j < src->fields[k].nenums; j++) free(src->fields[k].enums[j]);
            free(src->fields[k].enums);
            free(src->fields[k].name);
        }
        free(src->fields);
        free(src->name);
    }
    free(rs->sources);
    for (int i = 0; i < rs->nmetrics; i++) {
        pg_expr_free(rs->metrics[i].where);
        pg_expr_free(rs->metrics[i].value);
        pg_expr_free(rs->metrics[i].condition);
        pg_expr_free(rs->metrics[i].denominator);
        for (int k = 0; k < 4; k++) free(rs->metrics[i].text[k]);
    }
    free(rs->calendar.holidays);
    free(rs->calendar.workdays);
}
