/* ruletest.c — running rule tests (see score.h).
 *
 * A test file runs like a rule file, in the rule set's sandbox under the load budget. The
 * test DSL below only records what the file declares; each test table is then read into C
 * (in a protected call, as the loader does: the Lua API raises on a memory error) and
 * evaluated with pg_eval on a dataset that holds only the test's values. No Lua runs while
 * expectations are checked, except the rule set's own custom methods inside pg_eval. */
#include "score.h"
#include "data.h"
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

static const char test_dsl[] =
    "local getinfo = ...\n"
    "local type, error, setmetatable, select, ipairs, tostring =\n"
    "      type, error, setmetatable, select, ipairs, tostring\n"
    "local decls, mt = {}, { __name = 'pinggu.expectation', __metatable = false }\n"
    "local function where(level)\n"
    "  local info = getinfo(level + 1, 'Sl')\n"
    "  if not info then return '?', 0 end\n"
    "  local src = info.source\n"
    "  if src:sub(1, 1) == '@' then src = src:sub(2) else src = info.short_src end\n"
    "  return src, info.currentline\n"
    "end\n"
    "local function test(name)\n"
    "  local file, line = where(2)\n"
    "  if type(name) ~= 'string' or name == '' then\n"
    "    error('test: expected a name, as in test \"name\" { ... }', 2)\n"
    "  end\n"
    "  return function(t)\n"
    "    if type(t) ~= 'table' then\n"
    "      error(('test \"%s\": expected a table { ... } after the name'):format(name), 2)\n"
    "    end\n"
    "    decls[#decls + 1] = { name = name, t = t, file = file, line = line }\n"
    "  end\n"
    "end\n"
    "local kinds = 'points, share, lost, value, status, note, total, rank, band, unranked, part'\n"
    "local expect = {}\n"
    "for kind in kinds:gmatch('%a+') do\n"
    "  expect[kind] = function(...)\n"
    "    local file, line = where(2)\n"
    "    return setmetatable({ kind = kind, n = select('#', ...), file = file, line = line,\n"
    "                          ... }, mt)\n"
    "  end\n"
    "end\n"
    "local proxy = setmetatable({}, {\n"
    "  __index = function(_, k)\n"
    "    local f = expect[k]\n"
    "    if not f then\n"
    "      error(('expect.%s: no such expectation (%s)'):format(tostring(k), kinds), 2)\n"
    "    end\n"
    "    return f\n"
    "  end,\n"
    "  __newindex = function() error('expect is read-only', 2) end,\n"
    "  __metatable = false })\n"
    "return test, proxy, decls, mt\n";

#define REG_DECLS "pinggu.ruletest.decls"
#define REG_MT "pinggu.ruletest.mt"

/* Adds `test` and `expect` to the sandbox's base, once. */
static int install(pg_sandbox *sb, char **err)
{
    lua_State *L = pg_sandbox_state(sb);
    if (lua_getfield(L, LUA_REGISTRYINDEX, REG_DECLS) == LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pop(L, 1);
    if (luaL_loadbufferx(L, test_dsl, sizeof test_dsl - 1, "=pinggu-test", "t") != LUA_OK)
        goto fail;
    luaL_requiref(L, LUA_DBLIBNAME, luaopen_debug, 0);
    lua_getfield(L, -1, "getinfo");
    lua_remove(L, -2);
    if (lua_pcall(L, 1, 4, 0) != LUA_OK) goto fail;
    lua_setfield(L, LUA_REGISTRYINDEX, REG_MT);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_DECLS);
    pg_sandbox_push_base(sb);
    lua_insert(L, -3);
    lua_setfield(L, -3, "expect");
    lua_setfield(L, -2, "test");
    lua_pop(L, 1);
    return 0;
fail:
    *err = pg_xstrdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
}

/* ---- a test, read into C ---- */

typedef enum {
    X_POINTS,
    X_SHARE, /* points ÷ the indicator's points for the unit's group */
    X_LOST,
    X_VALUE,
    X_STATUS,
    X_NOTE,
    X_TOTAL,
    X_RANK,
    X_BAND,
    X_UNRANKED,
    X_PART
} xkind;

static const char *const xnames[] = {"points", "share", "lost", "value",    "status", "note",
                                     "total",  "rank",  "band", "unranked", "part"};

typedef struct {
    xkind kind;
    const char *file; /* kept by the rule set */
    int line;
    int unit, node, part; /* -1 when the kind has none */
    double num, tol;
    char *str;
} expectation;

typedef struct {
    char *name;
    const char *file;
    int line;
    int scheme, period;
    pg_dataset *ds;
    expectation *x;
    int nx;
    int layer;      /* 0: the set's own test; 1: its parent's (inherited), ... */
    char **skipped; /* inherited: expectations left out, "file:line: why" */
    int nskipped;
    char *err; /* why the test cannot run; reported at err_file:err_line */
    const char *err_file;
    int err_line;
} rtest;

typedef struct {
    pg_ruleset *rs;
    rtest *t;
    int mt; /* stack index of the expectation metatable */
} reader;

static void bad(reader *r, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(reader *r, const char *file, int line, const char *fmt, ...)
{
    if (r->t->err) return; /* the first problem is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    r->t->err = pg_xstrdup(buf);
    r->t->err_file = file;
    r->t->err_line = line;
}

static const char *keep(pg_ruleset *rs, const char *s)
{
    rs->strings = pg_xrealloc(rs->strings, sizeof(char *) * (size_t)(rs->nstrings + 1));
    return rs->strings[rs->nstrings++] = pg_xstrdup(s);
}

static int rawfield(lua_State *L, int t, const char *key)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

/* Whether the rule set retires `id` (an indicator or a metric of the set it extends). */
static int retired(const pg_ruleset *rs, const char *id)
{
    for (int i = 0; i < rs->nlineage; i++)
        if (rs->lineage[i].status == PG_LINEAGE_RETIRED && strcmp(rs->lineage[i].id, id) == 0)
            return 1;
    return 0;
}

/* A test's period: "YYYY-MM" or "YYYY", or one taken from the rule set, so that a test
 * survives into the next year's set that inherits it: "year", "first_month" (the month the
 * set takes effect from, January when it names none), "last_month" (December), "YYYY-05" (May
 * of the set's year). -1 when it is none of these. */
static int test_period(const pg_ruleset *rs, const char *s)
{
    if (strcmp(s, "year") == 0 || strcmp(s, "YYYY") == 0) return rs->year * 100;
    if (strcmp(s, "first_month") == 0) return rs->year * 100 + (rs->effective ? rs->effective : 1);
    if (strcmp(s, "last_month") == 0) return rs->year * 100 + 12;
    if (strncmp(s, "YYYY-", 5) == 0) {
        char *buf = pg_xasprintf("%04d-%s", rs->year, s + 5);
        int p = pg_period_parse(buf);
        free(buf);
        return p;
    }
    return pg_period_parse(s);
}

/* Reads one unit's metric table at stack index `mt` into the dataset. */
static void read_metrics(reader *r, lua_State *L, int mt, int unit, int period, const char *what)
{
    pg_ruleset *rs = r->rs;
    rtest *t = r->t;
    if (!lua_istable(L, mt)) {
        bad(r, t->file, t->line, "test '%s': %s: expected { metric = value, ... }", t->name, what);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, mt)) {
        const char *mid = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int m = pg_strmap_get(&rs->metric_ids, mid);
        /* An indicator id feeds the metric it reads: tests then survive a metric's rename. */
        int node = m < 0 ? pg_strmap_get(&rs->node_ids, mid) : -1;
        if (node >= 0) m = rs->nodes[node].metric;
        /* An inherited test's data for what this set retires feeds nothing: left out. */
        if (m < 0 && t->layer > 0 && retired(rs, mid)) {
            lua_pop(L, 1);
            continue;
        }
        double v = NAN, n = NAN;
        if (lua_type(L, -1) == LUA_TNUMBER)
            v = lua_tonumber(L, -1);
        else if (lua_istable(L, -1)) {
            if (lua_rawgeti(L, -1, 1) == LUA_TNUMBER) v = lua_tonumber(L, -1);
            lua_pop(L, 1);
            int ty = rawfield(L, -1, "n");
            if (ty == LUA_TNUMBER)
                n = lua_tonumber(L, -1);
            else if (ty != LUA_TNIL)
                v = NAN;
            lua_pop(L, 1);
        }
        if (m < 0)
            bad(r, t->file, t->line,
                "test '%s': %s: '%s' is neither a metric nor an indicator that reads one", t->name,
                what, mid);
        else if (!isfinite(v))
            bad(r, t->file, t->line,
                "test '%s': %s.%s: expected a number or { value, n = sample size }", t->name, what,
                mid);
        else if (pg_dataset_set(t->ds, period, m, unit, v, n) != 0)
            bad(r, t->file, t->line, "test '%s': %s.%s: the unit is given twice (by id and alias?)",
                t->name, what, mid);
        lua_pop(L, 1);
    }
}

/* Reads { unit = { metric = value } } at stack index `ut` for `period`; marks named units. */
static void read_units(reader *r, lua_State *L, int ut, int period, const char *what, char *named)
{
    rtest *t = r->t;
    if (!lua_istable(L, ut)) {
        bad(r, t->file, t->line, "test '%s': %s must be { unit = { metric = value, ... } }",
            t->name, what);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, ut)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int u = pg_unit_find(r->rs, key);
        char *sub = pg_xasprintf("%s.%s", what, key);
        if (u < 0)
            bad(r, t->file, t->line, "test '%s': %s: unit '%s' is not in units.csv", t->name, what,
                key);
        else {
            if (named) named[u] = 1;
            read_metrics(r, L, lua_gettop(L), u, period, sub);
        }
        free(sub);
        lua_pop(L, 1);
    }
}

/* rest = { group = { metric = value } }: every unit of the group that `values` does not name. */
static void read_rest(reader *r, lua_State *L, int rt, const char *named)
{
    pg_ruleset *rs = r->rs;
    rtest *t = r->t;
    if (!lua_istable(L, rt)) {
        bad(r, t->file, t->line, "test '%s': rest must be { group = { metric = value, ... } }",
            t->name);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, rt)) {
        const char *gid = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int g = pg_strmap_get(&rs->group_ids, gid);
        char *sub = pg_xasprintf("rest.%s", gid);
        if (g < 0)
            bad(r, t->file, t->line, "test '%s': rest: group '%s' is not declared", t->name, gid);
        else
            for (int u = 0; u < rs->nunits; u++)
                if (rs->units[u].group == g && !named[u])
                    read_metrics(r, L, lua_gettop(L), u, t->period, sub);
        free(sub);
        lua_pop(L, 1);
    }
}

static int scheme_has_node(const pg_ruleset *rs, int scheme, int node)
{
    const pg_scheme *s = &rs->schemes[scheme];
    for (int i = 0; i < s->norder; i++)
        if (s->order[i] == node) return 1;
    return 0;
}

/* Reads the expectation at stack index `e`. */
static void read_expectation(reader *r, lua_State *L, int e, int index)
{
    pg_ruleset *rs = r->rs;
    rtest *t = r->t;
    int marked = lua_getmetatable(L, e) && lua_rawequal(L, -1, r->mt);
    if (lua_gettop(L) > e) lua_settop(L, e);
    if (!marked) {
        bad(r, t->file, t->line,
            "test '%s': item %d is not an expectation; write expect.points(...) and the like",
            t->name, index);
        return;
    }
    expectation x = {.unit = -1, .node = -1, .part = -1, .num = NAN, .tol = 1e-6};
    rawfield(L, e, "kind");
    const char *kind = lua_tostring(L, -1);
    for (int k = 0; k <= X_PART; k++)
        if (kind && strcmp(kind, xnames[k]) == 0) x.kind = (xkind)k;
    rawfield(L, e, "file");
    x.file = keep(rs, lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    rawfield(L, e, "line");
    x.line = (int)lua_tointeger(L, -1);
    rawfield(L, e, "n");
    int nargs = (int)lua_tointeger(L, -1);
    lua_settop(L, e);

    /* Arguments: unit, then the node (or part), then the expected value, then a tolerance. */
    static const char *const shapes[] = {[X_POINTS] = "(unit, indicator, points[, tolerance])",
                                         [X_SHARE] = "(unit, indicator, share of its points[, "
                                                     "tolerance])",
                                         [X_LOST] = "(unit, indicator, lost points[, tolerance])",
                                         [X_VALUE] = "(unit, indicator, value[, tolerance])",
                                         [X_STATUS] = "(unit, indicator, \"status\")",
                                         [X_NOTE] = "(unit, indicator, \"text the note contains\")",
                                         [X_TOTAL] = "(unit, total[, tolerance])",
                                         [X_RANK] = "(unit, rank)",
                                         [X_BAND] = "(unit, \"band\")",
                                         [X_UNRANKED] = "(unit)",
                                         [X_PART] = "(unit, part, score[, tolerance])"};
    int has_node = x.kind <= X_NOTE || x.kind == X_PART;
    int want = x.kind == X_UNRANKED ? 1 : has_node ? 3 : 2;
    int is_num = x.kind <= X_VALUE || x.kind == X_TOTAL || x.kind == X_RANK || x.kind == X_PART;
    const char *shape = shapes[x.kind];
    if (nargs < want || nargs > want + (is_num && x.kind != X_RANK)) {
        bad(r, x.file, x.line, "expect.%s%s: wrong number of arguments", xnames[x.kind], shape);
        return;
    }
    lua_rawgeti(L, e, 1);
    const char *ukey = lua_tostring(L, -1);
    x.unit = ukey ? pg_unit_find(rs, ukey) : -1;
    if (x.unit < 0) {
        bad(r, x.file, x.line, "expect.%s: unit '%s' is not in units.csv", xnames[x.kind],
            ukey ? ukey : "?");
        return;
    }
    lua_settop(L, e);
    if (has_node) {
        lua_rawgeti(L, e, 2);
        const char *id = lua_tostring(L, -1);
        const pg_scheme *s = &rs->schemes[t->scheme];
        if (x.kind == X_PART) {
            for (int k = 0; id && k < s->nparts; k++)
                if (strcmp(s->parts[k].id, id) == 0) x.part = k;
            if (x.part < 0) {
                bad(r, x.file, x.line, "expect.part: scheme '%s' has no part '%s'", s->id,
                    id ? id : "?");
                return;
            }
        } else {
            x.node = id ? pg_strmap_get(&rs->node_ids, id) : -1;
            if (x.node < 0 && id && t->layer > 0 && retired(rs, id)) {
                /* inherited, about an indicator this set retires: no longer a claim */
                t->skipped = pg_xrealloc(t->skipped, sizeof(char *) * (size_t)(t->nskipped + 1));
                t->skipped[t->nskipped++] =
                    pg_xasprintf("%s:%d: expect.%s names '%s', which %s retires", x.file, x.line,
                                 xnames[x.kind], id, rs->dir);
                return;
            }
            if (x.node < 0) {
                bad(r, x.file, x.line, "expect.%s: indicator '%s' is not declared", xnames[x.kind],
                    id ? id : "?");
                return;
            }
            if (!scheme_has_node(rs, t->scheme, x.node)) {
                bad(r, x.file, x.line, "expect.%s: indicator '%s' is not in scheme '%s'",
                    xnames[x.kind], id, s->id);
                return;
            }
        }
        lua_settop(L, e);
    }
    int vi = has_node ? 3 : 2;
    if (x.kind != X_UNRANKED) {
        int ty = lua_rawgeti(L, e, vi);
        if (is_num && ty == LUA_TNUMBER && isfinite(lua_tonumber(L, -1)))
            x.num = lua_tonumber(L, -1);
        else if (!is_num && ty == LUA_TSTRING)
            x.str = pg_xstrdup(lua_tostring(L, -1));
        else {
            bad(r, x.file, x.line, "expect.%s%s: argument %d must be a %s", xnames[x.kind], shape,
                vi, is_num ? "number" : "string");
            return;
        }
        if (x.kind == X_STATUS) {
            int ok = 0;
            for (int s = PG_ST_OK; s <= PG_ST_OFF; s++) ok |= strcmp(x.str, pg_status_name(s)) == 0;
            if (!ok) {
                bad(r, x.file, x.line,
                    "expect.status: '%s' is not a status (ok, missing, na, carried, "
                    "no_business, not_submitted, error, veto, off)",
                    x.str);
                free(x.str);
                return;
            }
        }
        if (nargs > vi && lua_rawgeti(L, e, vi + 1) == LUA_TNUMBER) x.tol = lua_tonumber(L, -1);
        lua_settop(L, e);
    }
    t->x = pg_xrealloc(t->x, sizeof(expectation) * (size_t)(t->nx + 1));
    t->x[t->nx++] = x;
}

static void read_test_table(reader *r, lua_State *L, int tt)
{
    pg_ruleset *rs = r->rs;
    rtest *t = r->t;
    static const char *const fields[] = {"scheme", "period", "values", "rest", "periods", NULL};
    lua_pushnil(L);
    while (lua_next(L, tt)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        const char *k = lua_tostring(L, -1);
        const char *const *p = fields;
        while (*p && strcmp(*p, k) != 0) p++;
        if (!*p)
            bad(r, t->file, t->line,
                "test '%s': unknown field '%s' (scheme, period, values, rest, periods, then "
                "expectations)",
                t->name, k);
    }
    rawfield(L, tt, "scheme");
    const char *sid = lua_tostring(L, -1);
    t->scheme = sid ? pg_strmap_get(&rs->scheme_ids, sid) : -1;
    lua_pop(L, 1);
    if (t->scheme < 0) {
        bad(r, t->file, t->line, "test '%s': scheme = \"%s\" is not a declared scheme", t->name,
            sid ? sid : "?");
        return;
    }
    const pg_scheme *s = &rs->schemes[t->scheme];
    int ty = rawfield(L, tt, "period");
    if (ty == LUA_TSTRING)
        t->period = test_period(rs, lua_tostring(L, -1));
    else if (ty == LUA_TNIL)
        t->period = s->period == PG_PERIOD_YEAR ? rs->year * 100 : rs->year * 100 + 5;
    else
        t->period = -1;
    lua_pop(L, 1);
    if (t->period >= 0 && pg_period_year(t->period) != rs->year) {
        char buf[PG_PERIOD_BUF];
        pg_period_format(t->period, buf);
        bad(r, t->file, t->line,
            "test '%s': period %s is not of the rule set's year %d; write the period the set's "
            "way, as \"%s\", so the test follows the set into the next year",
            t->name, buf, rs->year,
            pg_period_is_year(t->period) ? "year" : "YYYY-MM with the year written YYYY");
        return;
    }
    if (t->period < 0 || pg_period_is_year(t->period) != (s->period == PG_PERIOD_YEAR)) {
        bad(r, t->file, t->line, "test '%s': period must be %s for scheme '%s' (%s)", t->name,
            s->period == PG_PERIOD_YEAR ? "\"YYYY\"" : "\"YYYY-MM\"", s->id,
            s->period == PG_PERIOD_YEAR
                ? "or \"year\", the rule set's year"
                : "or one taken from the rule set: \"first_month\", \"last_month\", or \"YYYY-05\" "
                  "for May of its year");
        return;
    }
    t->ds = pg_dataset_new(rs);
    char *named = pg_xcalloc((size_t)rs->nunits + 1, 1);
    if (rawfield(L, tt, "values") != LUA_TNIL)
        read_units(r, L, lua_gettop(L), t->period, "values", named);
    lua_pop(L, 1);
    if (rawfield(L, tt, "rest") != LUA_TNIL) read_rest(r, L, lua_gettop(L), named);
    lua_pop(L, 1);
    free(named);
    if (rawfield(L, tt, "periods") != LUA_TNIL) {
        int pt = lua_gettop(L);
        if (!lua_istable(L, pt))
            bad(r, t->file, t->line,
                "test '%s': periods must be { [\"YYYY-MM\"] = { unit = ... } }", t->name);
        else {
            lua_pushnil(L);
            while (lua_next(L, pt)) {
                const char *ps = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
                int p = test_period(rs, ps);
                char *what = pg_xasprintf("periods[\"%s\"]", ps);
                if (p < 0)
                    bad(r, t->file, t->line,
                        "test '%s': periods: '%s' is not YYYY-MM or YYYY (or one of the "
                        "rule set's, as \"YYYY-04\")",
                        t->name, ps);
                else
                    read_units(r, L, lua_gettop(L), p, what, NULL);
                free(what);
                lua_pop(L, 1);
            }
        }
    }
    lua_pop(L, 1);
    int n = (int)lua_rawlen(L, tt);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, tt, i);
        read_expectation(r, L, lua_gettop(L), i);
        lua_pop(L, 1);
    }
    if (n == 0) bad(r, t->file, t->line, "test '%s' expects nothing", t->name);
}

/* Protected: reads decls[first..] into the rtest array. Args: reader list, decls, mt. */
typedef struct {
    pg_ruleset *rs;
    rtest *tests;
    int first, n;
    int layer;
} batch;

static int read_tests_protected(lua_State *L)
{
    batch *b = lua_touserdata(L, 1);
    for (int i = 0; i < b->n; i++) {
        rtest *t = &b->tests[i];
        lua_rawgeti(L, 2, b->first + i);
        int e = lua_gettop(L);
        rawfield(L, e, "name");
        t->name = pg_xstrdup(lua_tostring(L, -1));
        rawfield(L, e, "file");
        t->file = keep(b->rs, lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
        rawfield(L, e, "line");
        t->line = (int)lua_tointeger(L, -1);
        rawfield(L, e, "t");
        t->layer = b->layer;
        reader r = {b->rs, t, 3};
        read_test_table(&r, L, lua_gettop(L));
        lua_settop(L, e - 1);
    }
    return 0;
}

/* ---- running ---- */

static void fail(pg_rt_report *rep, const char *file, int line, const char *test, char *msg)
{
    rep->fail = pg_xrealloc(rep->fail, sizeof(pg_rt_failure) * (size_t)(rep->nfail + 1));
    rep->fail[rep->nfail++] =
        (pg_rt_failure){pg_xstrdup(file), line, test ? pg_xstrdup(test) : NULL, msg};
}

static void fmt_num(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "none");
    else
        snprintf(buf, n, "%.10g", v + 0.0);
}

/* Checks one expectation; returns NULL when it holds, else the message (malloc'd). */
static char *check(const pg_result *res, const expectation *x)
{
    const pg_ruleset *rs = res->rs;
    const pg_unit_result *ur = &res->units[x->unit];
    const char *uid = rs->units[x->unit].id;
    const char *what = x->node >= 0   ? rs->nodes[x->node].id
                       : x->part >= 0 ? rs->schemes[res->scheme].parts[x->part].id
                                      : "";
    const pg_cell *c = x->node >= 0 && res->cells ? pg_result_cell(res, x->node, x->unit) : NULL;
    if (x->node >= 0 && !c)
        return pg_xasprintf("%s %s: the scheme has no indicator cells", uid, what);
    double got = NAN;
    const char *sgot = NULL;
    switch (x->kind) {
    case X_POINTS:
        got = c->points;
        break;
    case X_SHARE: {
        /* of the indicator's points for the unit's group: 0.5 stays 0.5 when a new year or a
         * weight change gives the indicator other points */
        double max = rs->nodes[x->node].points[rs->units[x->unit].group];
        got = isnan(c->points) || !(fabs(max) > 0) ? NAN : c->points / max;
        break;
    }
    case X_LOST:
        got = pg_result_lost(res, x->node, x->unit);
        break;
    case X_VALUE:
        got = c->value;
        break;
    case X_TOTAL:
        got = ur->total; /* a unit of a group declared ranked = false has one too */
        break;
    case X_RANK:
        got = ur->ranked ? ur->rank : NAN;
        break;
    case X_PART:
        got = pg_result_part(res, x->unit, x->part);
        break;
    case X_STATUS:
        sgot = pg_status_name(c->status);
        break;
    case X_NOTE:
        sgot = pg_result_note(res, c->note);
        break;
    case X_BAND:
        sgot = ur->ranked && ur->band >= 0 ? rs->bands[ur->band].label : NULL;
        break;
    case X_UNRANKED:
        if (!ur->ranked) return NULL;
        return pg_xasprintf("%s: expected unranked, got rank %d (total %.10g)", uid, ur->rank,
                            ur->total);
    }
    char e[64], g[64];
    const char *sep = *what ? " " : "";
    if (x->kind == X_STATUS || x->kind == X_BAND) {
        if (sgot && strcmp(sgot, x->str) == 0) return NULL;
        return pg_xasprintf("%s%s%s %s: expected %s, got %s", uid, sep, what, xnames[x->kind],
                            x->str, sgot ? sgot : "none");
    }
    if (x->kind == X_NOTE) {
        if (sgot && strstr(sgot, x->str)) return NULL;
        return pg_xasprintf("%s %s note: expected one containing \"%s\", got %s%s%s", uid, what,
                            x->str, sgot ? "\"" : "", sgot ? sgot : "none", sgot ? "\"" : "");
    }
    if (!isnan(got) && fabs(got - x->num) <= x->tol) return NULL;
    fmt_num(e, sizeof e, x->num);
    fmt_num(g, sizeof g, got);
    const char *why = "";
    if (isnan(got) && c && c->status == PG_ST_OFF)
        why = " (the indicator does not apply to the unit's group)";
    else if (isnan(got) && c)
        why = c->status == PG_ST_NA ? " (dropped: na)" : " (dropped)";
    else if (isnan(got) && (x->kind == X_TOTAL || x->kind == X_RANK))
        why = " (unranked)";
    return pg_xasprintf("%s%s%s %s: expected %s, got %s%s", uid, sep, what, xnames[x->kind], e, g,
                        why);
}

static void skip(pg_rt_report *rep, char *line)
{
    rep->skips = pg_xrealloc(rep->skips, sizeof(char *) * (size_t)(rep->nskips + 1));
    rep->skips[rep->nskips++] = line;
}

/* The name of the set's own test that replaces an inherited one, or NULL. */
static const rtest *own_named(const rtest *const *own, int nown, const char *name)
{
    for (int i = 0; i < nown; i++)
        if (own[i]->name && name && strcmp(own[i]->name, name) == 0) return own[i];
    return NULL;
}

static void run_test(pg_ruleset *rs, rtest *t, pg_rt_report *rep)
{
    for (int i = 0; i < t->nskipped; i++) {
        skip(rep, t->skipped[i]);
        t->skipped[i] = NULL;
    }
    if (t->err) {
        fail(rep, t->err_file, t->err_line, t->name, pg_xstrdup(t->err));
        rep->failed++;
        return;
    }
    pg_diags d = {0};
    pg_result *res = NULL;
    if (pg_eval(rs, t->ds, t->scheme, t->period, &res, &d) != 0) {
        const char *m = d.n ? d.v[d.n - 1].msg : "evaluation failed";
        fail(rep, t->file, t->line, t->name, pg_xasprintf("cannot evaluate: %s", m));
        rep->failed++;
        pg_diags_free(&d);
        return;
    }
    pg_diags_free(&d);
    int failed = 0;
    for (int i = 0; i < t->nx; i++) {
        const expectation *x = &t->x[i];
        rep->expectations++;
        if (x->node >= 0) rep->covered[x->node]++;
        char *msg = check(res, x);
        if (msg) {
            fail(rep, x->file, x->line, t->name, msg);
            failed = 1;
        }
    }
    if (failed)
        rep->failed++;
    else {
        rep->passed_names =
            pg_xrealloc(rep->passed_names, sizeof(char *) * (size_t)(rep->passed + 1));
        rep->passed_names[rep->passed++] = pg_xasprintf("%s:%d: %s", t->file, t->line, t->name);
    }
    pg_result_free(res);
}

static void free_test(rtest *t)
{
    for (int i = 0; i < t->nskipped; i++) free(t->skipped[i]);
    free(t->skipped);
    for (int i = 0; i < t->nx; i++) free(t->x[i].str);
    free(t->x), free(t->name), free(t->err);
    pg_dataset_free(t->ds);
}

/* A Lua error "file:line: message" as a failure at that place. */
static void load_failure(pg_rt_report *rep, const char *relpath, const char *msg)
{
    const char *c1 = strchr(msg, ':');
    char *end = NULL;
    long line = c1 ? strtol(c1 + 1, &end, 10) : 0;
    if (c1 && end > c1 + 1 && *end == ':' && line > 0) {
        char *file = pg_xstrdup(msg);
        file[c1 - msg] = '\0';
        fail(rep, file, (int)line, NULL, pg_xstrdup(end[1] == ' ' ? end + 2 : end + 1));
        free(file);
    } else
        fail(rep, relpath, 0, NULL, pg_xstrdup(msg));
    rep->failed++;
}

/* How many parents up a listed test file is: ".extends/tests/x.lua" is the parent's. */
static int file_layer(const char *relpath, const char **rest)
{
    int layer = 0;
    while (strncmp(relpath, ".extends/", 9) == 0) relpath += 9, layer++;
    *rest = relpath;
    return layer;
}

/* The set's own tests, kept while the inherited ones run: one of the same name replaces an
 * inherited test. */
typedef struct {
    rtest **v;
    int n;
} own_tests;

static void run_file(pg_ruleset *rs, const char *relpath, pg_rt_report *rep, own_tests *own)
{
    lua_State *L = pg_sandbox_state(rs->sb);
    const char *rel;
    int layer = file_layer(relpath, &rel);
    if (layer >= rs->nlayers) {
        fail(rep, relpath, 0, NULL,
             pg_xasprintf("the rule set extends no set %d levels up (no such parent)", layer));
        rep->failed++;
        return;
    }
    /* An inherited file runs in its own directory, so that its messages name it there. */
    if (layer > 0) pg_sandbox_set_root(rs->sb, rs->layers[layer].dir, rs->layers[layer].fsdir);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_DECLS);
    int decls = lua_gettop(L);
    int first = (int)lua_rawlen(L, decls) + 1;
    char *err = NULL;
    batch b = {rs, NULL, first, 0, layer};
    if (pg_sandbox_run_file(rs->sb, rel, &err) != 0) {
        load_failure(rep, relpath, err);
        free(err);
        goto out;
    }
    lua_pop(L, 1);
    b.n = (int)lua_rawlen(L, decls) - first + 1;
    if (b.n == 0) {
        fail(rep, relpath, 0, NULL, pg_xstrdup("the file declares no test"));
        rep->failed++;
    }
    b.tests = pg_xcalloc((size_t)b.n + 1, sizeof(rtest));
    lua_pushcfunction(L, read_tests_protected);
    lua_pushlightuserdata(L, &b);
    lua_pushvalue(L, decls);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_MT);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
        load_failure(rep, relpath, lua_tostring(L, -1));
        lua_pop(L, 1);
    } else {
        for (int i = 0; i < b.n; i++) {
            rtest *t = &b.tests[i];
            const rtest *by =
                layer > 0 ? own_named((const rtest *const *)own->v, own->n, t->name) : NULL;
            if (by) {
                rep->skipped++;
                skip(rep, pg_xasprintf("%s:%d: test '%s' is replaced by %s:%d", t->file, t->line,
                                       t->name, by->file, by->line));
                continue;
            }
            run_test(rs, t, rep);
        }
    }
    for (int i = 0; i < b.n; i++) {
        if (layer == 0) {
            /* kept by name for the inherited files that follow */
            rtest *keep = pg_xcalloc(1, sizeof *keep);
            keep->name = b.tests[i].name ? pg_xstrdup(b.tests[i].name) : NULL;
            keep->file = b.tests[i].file;
            keep->line = b.tests[i].line;
            own->v = pg_xrealloc(own->v, sizeof(rtest *) * (size_t)(own->n + 1));
            own->v[own->n++] = keep;
        }
        free_test(&b.tests[i]);
    }
    free(b.tests);
out:
    lua_settop(L, decls - 1);
    if (layer > 0) pg_sandbox_set_root(rs->sb, rs->layers[0].dir, rs->layers[0].fsdir);
}

int pg_ruletest_run(pg_ruleset *rs, char *const *files, int nfiles, pg_rt_report *rep)
{
    rep->covered = pg_xcalloc((size_t)rs->nnodes + 1, sizeof(int));
    char *err = NULL;
    if (install(rs->sb, &err) != 0) {
        fail(rep, rs->dir, 0, NULL, pg_xasprintf("test DSL: %s", err));
        rep->failed++;
        free(err);
        return 1;
    }
    /* The set's own files first, then its parent's, and so on: an own test replaces an
     * inherited one of the same name. */
    own_tests own = {0};
    for (int layer = 0; layer < rs->nlayers || layer == 0; layer++)
        for (int i = 0; i < nfiles; i++) {
            const char *rel;
            int l = file_layer(files[i], &rel);
            if (l == layer || (layer == 0 && l >= rs->nlayers)) run_file(rs, files[i], rep, &own);
        }
    for (int i = 0; i < own.n; i++) free(own.v[i]->name), free(own.v[i]);
    free(own.v);
    return rep->failed > 0;
}

void pg_rt_report_free(pg_rt_report *rep)
{
    for (int i = 0; i < rep->nfail; i++)
        free(rep->fail[i].file), free(rep->fail[i].test), free(rep->fail[i].msg);
    for (int i = 0; i < rep->passed; i++) free(rep->passed_names[i]);
    for (int i = 0; i < rep->nskips; i++) free(rep->skips[i]);
    free(rep->fail), free(rep->passed_names), free(rep->covered), free(rep->skips);
    memset(rep, 0, sizeof *rep);
}

int pg_ruletest_scored(const pg_ruleset *rs, int node)
{
    return rs->nodes[node].metric >= 0;
}

/* Adds layer's tests/NAME.lua, named ".extends/" × layer + "tests/NAME.lua", unless a nearer
 * layer already has a file of that name (a child's file replaces its parent's whole). */
static int add_layer_files(const pg_ruleset *rs, int layer, char ***files, int *n, pg_diags *d)
{
    char *dir = pg_xasprintf("%s/tests", rs->layers ? rs->layers[layer].fsdir : rs->fsdir);
    DIR *dp = opendir(dir);
    if (!dp) {
        int rc = errno == ENOENT ? 0 : -errno;
        if (rc) pg_error(d, dir, 0, "cannot read: %s", strerror(-rc));
        free(dir);
        return rc;
    }
    int before = *n;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0 || de->d_name[0] == '.') continue;
        int shadowed = 0;
        for (int i = 0; i < before && !shadowed; i++) {
            const char *rel;
            file_layer((*files)[i], &rel);
            shadowed = strcmp(rel + 6, de->d_name) == 0; /* past "tests/" */
        }
        if (shadowed) continue;
        char *prefix = pg_xcalloc((size_t)layer * 9 + 1, 1);
        for (int i = 0; i < layer; i++) strcat(prefix, ".extends/");
        *files = pg_xrealloc(*files, sizeof(char *) * (size_t)(*n + 1));
        (*files)[(*n)++] = pg_xasprintf("%stests/%s", prefix, de->d_name);
        free(prefix);
    }
    closedir(dp);
    free(dir);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pg_ruletest_files(const pg_ruleset *rs, char ***files, int *n, pg_diags *d)
{
    *files = NULL;
    *n = 0;
    int layers = rs->nlayers > 0 ? rs->nlayers : 1;
    for (int layer = 0; layer < layers; layer++) {
        int from = *n;
        int rc = add_layer_files(rs, layer, files, n, d);
        if (rc < 0) return rc;
        if (*n - from > 1) qsort(*files + from, (size_t)(*n - from), sizeof(char *), cmp_str);
    }
    return 0;
}

void pg_ruletest_files_free(char **files, int n)
{
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
}
