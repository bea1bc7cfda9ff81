/* ruleset_data.c — the data declarations of a rule set: sources, the working-day calendar and
 * how each computed metric aggregates its source.
 *
 *     source "cases" { name = "办件", unit = "org_code", time = "accept_date", key = "project_no",
 *       fields = { { "project_no", "string" }, { "org_code", "string" },
 *                  { "accept_date", "time" }, { "channel", "enum", values = { "窗口", "网上" } },
 *                  { "result_date", "time", nullable = true } } }
 *     source "cases" { ..., plugin = "postgres", options = { table = "public.cases" } }
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
    /* `cutoff` is the end of the record's window in expressions (expr.c): a field of that name
     * would be shadowed by it */
    static const char *const keywords[] = {"and",  "or",   "not",   "in",     "is",
                                           "null", "true", "false", "cutoff", NULL};
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

static int cmp_option(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `plugin = "name"` and `options = { table = "…", … }`: what a source plugin reads the
 * source from (plugin.h). Option values are text (numbers and booleans as Lua prints them),
 * sorted by name so that the rule set's meaning does not depend on Lua's table order. A
 * connection is never in a rule file, which is versioned, shared and shown in the dashboard:
 * a connection parameter or a URI with credentials is refused here, saying where it goes. */
static void read_plugin(loader *ld, int t, const where *w, pg_source *src)
{
    static const char *const connection[] = {
        "dsn",      "conninfo",    "connection", "uri",    "url",      "host",
        "hostaddr", "port",        "user",       "dbname", "database", "password",
        "passwd",   "passfile",    "service",    "sslkey", "sslcert",  "sslrootcert",
        "sslmode",  "sslpassword", "options",    "secret", "token",    NULL};
    lua_State *L = ld->L;
    src->plugin = pg__opt_string(ld, t, "plugin", w, 0);
    if (src->plugin) {
        const char *p = src->plugin;
        for (; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
                break;
        if (*p || !*src->plugin)
            BAD(ld, w, "source '%s': plugin = '%s' must be a plugin's reader name (a-z, 0-9, _, -)",
                w->id, src->plugin);
    }
    int ty = pg__rawfield(L, t, "options");
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (!src->plugin)
        BAD(ld, w, "source '%s': options belong to a plugin source (plugin = \"name\")", w->id);
    if (ty != LUA_TTABLE) {
        BAD(ld, w, "source '%s': options must be a table { name = \"value\", ... }", w->id);
        lua_pop(L, 1);
        return;
    }
    int ot = lua_gettop(L), n = 0;
    char **kv = NULL;
    lua_pushnil(L);
    while (lua_next(L, ot)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            BAD(ld, w, "source '%s': options: every key must be a name", w->id);
            lua_pop(L, 1);
            continue;
        }
        const char *k = lua_tostring(L, -2);
        int vt = lua_type(L, -1);
        char *v = NULL;
        if (vt == LUA_TSTRING || vt == LUA_TNUMBER) {
            lua_pushvalue(L, -1); /* lua_tostring would change a number key's slot */
            v = pg_xstrdup(lua_tostring(L, -1));
            lua_pop(L, 1);
        } else if (vt == LUA_TBOOLEAN) {
            v = pg_xstrdup(lua_toboolean(L, -1) ? "true" : "false");
        } else {
            BAD(ld, w, "source '%s': options.%s must be a string, a number or a boolean", w->id, k);
        }
        int secret = 0;
        for (int i = 0; connection[i]; i++)
            if (strcmp(k, connection[i]) == 0) secret = 1;
        if (v && (strstr(v, "://") || strstr(v, "password="))) secret = 1;
        if (secret) {
            BAD(ld, w,
                "source '%s': options.%s: a connection never goes in a rule file (it is "
                "versioned and shown to every reader); give it in the config or the environment "
                "(for plugin postgres: PINGGU_PG_DSN, or PGHOST, PGDATABASE, PGUSER ...)",
                w->id, k);
            free(v);
            v = NULL;
        }
        if (v) {
            kv = pg_xrealloc(kv, sizeof(char *) * (size_t)(2 * n + 2));
            kv[2 * n] = pg_xstrdup(k);
            kv[2 * n + 1] = v;
            n++;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* a name and its value sort as one element: the name carries its value along */
    if (n > 1) qsort(kv, (size_t)n, 2 * sizeof(char *), cmp_option);
    src->options = kv;
    src->noptions = n;
}

void pg__read_source(loader *ld, int t, const where *w, pg_source *src)
{
    lua_State *L = ld->L;
    static const char *const known[] = {
        "name",          "unit",         "time",   "key",     "fields",
        "extra_columns", "on_duplicate", "plugin", "options", NULL};
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
    read_plugin(ld, t, w, src);
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

/* One window at stack index idx: a name, or { months = N } (rolling). `slot` is "" for the
 * window of `over = ...` itself, else "month" or "year" for over = { month = ..., year = ... }.
 * Returns the window, or -1 after an error. */
static int read_window(loader *ld, int idx, const where *w, const char *slot, int *months)
{
    lua_State *L = ld->L;
    int ty = lua_type(L, idx);
    const char *dot = *slot ? "." : "";
    if (ty == LUA_TSTRING) {
        const char *name = lua_tostring(L, idx);
        for (int k = 0; k < 4; k++)
            if (strcmp(name, over_names[k]) == 0) return k;
        BAD(ld, w,
            "metric '%s': over%s%s = '%s' must be month, year_to_date, year, year_end or "
            "{ months = N }",
            w->id, dot, slot, name);
        return -1;
    }
    if (ty == LUA_TTABLE) {
        idx = lua_absindex(L, idx);
        int ok = 1;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "months") != 0)
                ok = 0;
        }
        double n = pg__rawfield(L, idx, "months") == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
        lua_pop(L, 1);
        if (ok && n >= 1 && n <= 12 && n == (int)n) {
            *months = (int)n;
            return PG_OVER_MONTHS;
        }
        BAD(ld, w,
            "metric '%s': over%s%s as a table must be { months = N }, a rolling window of N "
            "sampling months (1 to 12)",
            w->id, dot, slot);
        return -1;
    }
    BAD(ld, w, "metric '%s': over%s%s must be a window name or { months = N }, not a %s", w->id,
        dot, slot, lua_typename(L, ty));
    return -1;
}

static int month_window(int k)
{
    return k == PG_OVER_MONTH || k == PG_OVER_YTD || k == PG_OVER_MONTHS;
}

/* `over`: absent (the sampling month), one window, or { month = ..., year = ... }: the window
 * for month periods and the one for year periods, which the scheme reading the metric picks by
 * its period kind. Fills win_month, win_year, months, over and over_text. */
static void read_over(loader *ld, int t, const where *w, pg_metric *m)
{
    lua_State *L = ld->L;
    m->win_month = PG_OVER_MONTH;
    m->win_year = PG_OVER_NONE;
    int ty = pg__rawfield(L, t, "over"), top = lua_gettop(L);
    int wins[2] = {PG_OVER_MONTH, PG_OVER_NONE};
    if (ty == LUA_TTABLE && pg__rawfield(L, top, "months") == LUA_TNIL) {
        lua_pop(L, 1);
        static const char *const slots[] = {"month", "year"};
        int named = 0;
        wins[0] = PG_OVER_NONE;
        lua_pushnil(L);
        while (lua_next(L, top)) {
            lua_pop(L, 1);
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
            if (strcmp(k, "month") != 0 && strcmp(k, "year") != 0)
                BAD(ld, w,
                    "metric '%s': over = { ... } takes month = <window> and year = <window> (the "
                    "windows of month and year periods), not '%s'",
                    w->id, k);
        }
        for (int s = 0; s < 2; s++) {
            if (pg__rawfield(L, top, slots[s]) != LUA_TNIL) {
                named = 1;
                int k = read_window(ld, -1, w, slots[s], &m->months);
                if (k >= 0 && month_window(k) != (s == 0))
                    BAD(ld, w,
                        "metric '%s': over.%s = '%s' is a window of %s periods; put it under "
                        "over.%s",
                        w->id, slots[s], k == PG_OVER_MONTHS ? "months" : over_names[k],
                        s ? "month" : "year", s ? "month" : "year");
                else if (k >= 0)
                    wins[s] = k;
            }
            lua_pop(L, 1);
        }
        if (!named) BAD(ld, w, "metric '%s': over = { ... } names no window", w->id);
    } else if (ty != LUA_TNIL) {
        if (ty == LUA_TTABLE) lua_pop(L, 1);
        int k = read_window(ld, top, w, "", &m->months);
        if (k >= 0) wins[month_window(k) ? 0 : 1] = k;
        if (k >= 0 && !month_window(k)) wins[0] = PG_OVER_NONE;
    }
    lua_settop(L, top - 1);
    m->win_month = (pg_over)wins[0];
    m->win_year = (pg_over)wins[1];
    m->over = m->win_month == PG_OVER_NONE     ? m->win_year
              : m->win_month == PG_OVER_MONTHS ? PG_OVER_MONTH
                                               : m->win_month;
    char month[32] = "", year[32] = "";
    if (m->win_month == PG_OVER_MONTHS)
        snprintf(month, sizeof month, "months = %d", m->months);
    else if (m->win_month != PG_OVER_NONE)
        snprintf(month, sizeof month, "%s", over_names[m->win_month]);
    if (m->win_year != PG_OVER_NONE) snprintf(year, sizeof year, "%s", over_names[m->win_year]);
    m->over_text = *month && *year ? pg_xasprintf("month = %s, year = %s", month, year)
                                   : pg_xstrdup(*month ? month : year);
}

void pg__read_metric_plan(loader *ld, int t, const where *w, pg_metric *m)
{
    pg_ruleset *rs = ld->rs;
    m->source = -1;
    m->agg = PG_AGG_FED;
    m->win_month = PG_OVER_MONTH;
    m->win_year = PG_OVER_NONE;
    char *from = pg__opt_string(ld, t, "from", w, 0);
    char *kind = pg__opt_string(ld, t, "kind", w, 0);
    char *due = pg__opt_string(ld, t, "due", w, 0);
    int has_over = pg__rawfield(ld->L, t, "over") != LUA_TNIL;
    lua_pop(ld->L, 1);
    if (!from) {
        if (kind || has_over || due)
            BAD(ld, w, "metric '%s': kind, over and due need from = \"<source>\"", w->id);
        free(kind), free(due);
        return;
    }
    read_over(ld, t, w, m);
    m->source = pg_strmap_get(&rs->source_ids, from);
    if (m->source < 0) BAD(ld, w, "metric '%s': from = '%s' is not a declared source", w->id, from);
    for (int k = PG_AGG_COUNT; kind && k <= PG_AGG_P90; k++)
        if (strcmp(kind, agg_names[k]) == 0) m->agg = (pg_agg_kind)k;
    if (m->agg == PG_AGG_FED)
        BAD(ld, w,
            "metric '%s': kind = '%s' must be count, sum, mean, min, max, share, ratio, distinct, "
            "p50 or p90",
            w->id, kind ? kind : "");
    if (m->source >= 0 && m->agg != PG_AGG_FED) {
        const pg_source *src = &rs->sources[m->source];
        if (due) { /* a time: a field, or one made with add_days() */
            char *words = pg_xasprintf("%s, due = %s", m->over_text, due);
            free(m->over_text);
            m->over_text = words;
            pg_xtype type;
            char *err = NULL;
            int col = 0;
            m->due = pg_expr_compile(due, src, &rs->calendar, rs->tz_offset, &type, &err, &col);
            if (!m->due)
                BAD(ld, w, "metric '%s': due, column %d: %s", w->id, col, err ? err : "invalid");
            else if (type != PG_X_TIME || pg_expr_uses_cutoff(m->due))
                BAD(ld, w,
                    "metric '%s': due = \"%s\" must be a time of the record (the deadline that "
                    "places it in its windows), such as a field or add_days(field, 7)%s",
                    w->id, due, pg_expr_uses_cutoff(m->due) ? "; it cannot read cutoff" : "");
            free(err);
            if (m->due && (type != PG_X_TIME || pg_expr_uses_cutoff(m->due))) {
                pg_expr_free(m->due);
                m->due = NULL;
            }
        }
        SHA2_CTX def;
        SHA256Init(&def);
        SHA256Update(&def, (const uint8_t *)from, strlen(from) + 1);
        for (int i = 0; i < src->nfields; i++) {
            SHA256Update(&def, (const uint8_t *)src->fields[i].name,
                         strlen(src->fields[i].name) + 1);
            SHA256Update(&def, (const uint8_t *)ftype_names[src->fields[i].type], 1);
        }
        SHA256Update(&def, (const uint8_t *)agg_names[m->agg], strlen(agg_names[m->agg]) + 1);
        /* A plain month or year_end window hashes as it always did, so that its stored partials
         * stay valid. The others changed meaning or layout (year: the calendar year; year_to_date:
         * one cumulative bucket a month), and rolling windows and due are new: their words go
         * into the hash, after a marker that no window name is. */
        if (!due && (m->over_text && (strcmp(m->over_text, "month") == 0 ||
                                      strcmp(m->over_text, "year_end") == 0))) {
            SHA256Update(&def, (const uint8_t *)m->over_text, strlen(m->over_text) + 1);
        } else {
            char *words = pg_xasprintf("windows/2: %s; due = %s", m->over_text ? m->over_text : "",
                                       due ? due : "");
            SHA256Update(&def, (const uint8_t *)words, strlen(words) + 1);
            free(words);
        }
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
        m->cutoff = pg_expr_uses_cutoff(m->where) || pg_expr_uses_cutoff(m->condition) ||
                    pg_expr_uses_cutoff(m->value) || pg_expr_uses_cutoff(m->denominator);
        SHA256End(&def, m->def);
    }
    free(from), free(kind), free(due);
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
        free(src->plugin);
        for (int k = 0; k < 2 * src->noptions; k++) free(src->options[k]);
        free(src->options);
    }
    free(rs->sources);
    for (int i = 0; i < rs->nmetrics; i++) {
        pg_expr_free(rs->metrics[i].where);
        pg_expr_free(rs->metrics[i].value);
        pg_expr_free(rs->metrics[i].condition);
        pg_expr_free(rs->metrics[i].denominator);
        for (int k = 0; k < 4; k++) free(rs->metrics[i].text[k]);
        free(rs->metrics[i].over_text);
        pg_expr_free(rs->metrics[i].due);
    }
    free(rs->calendar.holidays);
    free(rs->calendar.workdays);
}
