/* ruleset_load.c — from the declarations a rule set's Lua files made to C structures.
 *
 * Loading happens in three steps: run ruleset.lua (which requires the rest) in a sandbox
 * with the DSL installed; read every declaration into pg_ruleset, type-checking each field
 * and resolving ids; then run the semantic checks of ruleset_check.c. Every problem becomes
 * a diagnostic at the file and line of the declaration, and loading carries on past errors
 * so that one `pinggu check` shows them all. */
#include "rules.h"
#include "prelude.h"
#include "ruleset_internal.h"

#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Splits a Lua error "file:line: message" into a diagnostic. */
static void lua_failure(pg_diags *d, const char *msg)
{
    const char *c1 = strchr(msg, ':');
    if (c1) {
        char *end;
        long line = strtol(c1 + 1, &end, 10);
        if (end > c1 + 1 && *end == ':' && line > 0) {
            char *file = pg_xstrdup(msg);
            file[c1 - msg] = '\0';
            pg_error(d, file, (int)line, "%s", end[1] == ' ' ? end + 2 : end + 1);
            free(file);
            return;
        }
    }
    pg_error(d, NULL, 0, "%s", msg);
}

static int parse_missing(loader *ld, const char *s, const where *w, pg_missing *out)
{
    for (int i = PG_MISS_ZERO; i <= PG_MISS_NOT_SUBMITTED; i++)
        if (strcmp(s, pg_missing_name((pg_missing)i)) == 0) return *out = (pg_missing)i, 0;
    BAD(ld, w,
        "%s '%s': missing = \"%s\" is not a policy (zero, not_applicable, carry_forward, "
        "no_business, not_submitted)",
        w->kind, w->id, s);
    return -1;
}

static int better_lower(loader *ld, int args, const where *w, const char *m)
{
    char *b = pg__opt_string(ld, args, "better", w, 0);
    int lower = 0;
    if (b && strcmp(b, "lower") == 0)
        lower = 1;
    else if (b && strcmp(b, "higher") != 0)
        BAD(ld, w, "indicator '%s': %s: better = \"%s\" must be \"higher\" or \"lower\"", w->id, m,
            b);
    free(b);
    return lower;
}

static double *number_list(loader *ld, int t, const where *w, const char *what, int *n)
{
    lua_State *L = ld->L;
    int len = (int)lua_rawlen(L, t);
    double *v = pg_xcalloc((size_t)len, sizeof *v);
    for (int i = 0; i < len; i++) {
        if (lua_rawgeti(L, t, i + 1) != LUA_TNUMBER)
            BAD(ld, w, "indicator '%s': %s[%d] must be a number", w->id, what, i + 1);
        v[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    *n = len;
    return v;
}

/* Reads a built-in method object (the table at `mi`) into m. */
static void read_builtin(loader *ld, int mi, const where *w, pg_method *m)
{
    lua_State *L = ld->L;
    pg__rawfield(L, mi, "method");
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    for (int k = PG_M_LINEAR; k <= PG_M_VALUE; k++)
        if (strcmp(name, pg_method_name((pg_method_kind)k)) == 0) m->kind = (pg_method_kind)k;
    if (pg__rawfield(L, mi, "args") != LUA_TTABLE || m->kind == PG_M_NONE) {
        BAD(ld, w, "indicator '%s': method is not a built-in method object", w->id);
        m->kind = PG_M_NONE;
        lua_pop(L, 1);
        return;
    }
    name = pg_method_name(m->kind);
    int a = lua_gettop(L);
    static const char *const common[] = {"better", NULL};
    static const char *const known[][6] = {
        [PG_M_LINEAR] = {"lo", "hi", "better", NULL},
        [PG_M_STEPS] = {"otherwise", "better", NULL},
        [PG_M_TARGET] = {"target", "better", NULL},
        [PG_M_BEST_RATIO] = {"better", NULL},
        [PG_M_RANK] = {"shares", "rest", "better", NULL},
        [PG_M_MINMAX] = {"better", NULL},
        [PG_M_ZSCORE] = {"base", "per_sd", "better", NULL},
        [PG_M_DEDUCT] = {"per", "free", NULL},
        [PG_M_PER_EVENT] = {"per", NULL},
        [PG_M_FLAG] = {NULL},
        [PG_M_VALUE] = {"scale", NULL},
    };
    where mw = {name, w->id, w->file, w->line};
    pg__warn_unknown(ld, a, &mw, m->kind <= PG_M_VALUE ? known[m->kind] : common);
    m->lower = better_lower(ld, a, w, name);
    switch (m->kind) {
    case PG_M_LINEAR:
        m->lo = pg__opt_number(ld, a, "lo", &mw, NAN);
        m->hi = pg__opt_number(ld, a, "hi", &mw, NAN);
        if (isnan(m->lo) || isnan(m->hi))
            BAD(ld, w,
                "indicator '%s': linear needs numbers lo and hi, as in linear { lo = 0.5, "
                "hi = 0.95 }",
                w->id);
        break;
    case PG_M_STEPS: {
        m->otherwise = pg__opt_number(ld, a, "otherwise", &mw, 0);
        int n = (int)lua_rawlen(L, a);
        m->nsteps = n;
        m->step_at = pg_xcalloc((size_t)n, sizeof(double));
        m->step_share = pg_xcalloc((size_t)n, sizeof(double));
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, a, i + 1);
            int ok = lua_istable(L, -1) && lua_rawgeti(L, -1, 1) == LUA_TNUMBER &&
                     lua_rawgeti(L, -2, 2) == LUA_TNUMBER;
            if (ok) {
                m->step_at[i] = lua_tonumber(L, -2);
                m->step_share[i] = lua_tonumber(L, -1);
            } else
                BAD(ld, w, "indicator '%s': steps row %d must be { threshold, share }", w->id,
                    i + 1);
            lua_settop(L, a);
        }
        if (n == 0)
            BAD(ld, w, "indicator '%s': steps needs at least one { threshold, share } row", w->id);
        break;
    }
    case PG_M_TARGET:
        m->target = pg__opt_number(ld, a, "target", &mw, NAN);
        if (isnan(m->target))
            BAD(ld, w, "indicator '%s': target needs a number target = ..", w->id);
        break;
    case PG_M_RANK:
        m->rest = pg__opt_number(ld, a, "rest", &mw, 0);
        if (pg__rawfield(L, a, "shares") == LUA_TTABLE)
            m->shares = number_list(ld, lua_gettop(L), w, "rank.shares", &m->nshares);
        lua_pop(L, 1);
        break;
    case PG_M_VALUE:
        m->scale = pg__opt_number(ld, a, "scale", &mw, 1);
        if (!(m->scale > 0))
            BAD(ld, w, "indicator '%s': value: scale must be a number above 0", w->id);
        break;
    case PG_M_ZSCORE:
        m->base = pg__opt_number(ld, a, "base", &mw, 0.6);
        m->per_sd = pg__opt_number(ld, a, "per_sd", &mw, 0.2);
        break;
    case PG_M_DEDUCT:
    case PG_M_PER_EVENT:
        m->per = pg__opt_number(ld, a, "per", &mw, NAN);
        m->free = pg__opt_number(ld, a, "free", &mw, 0);
        if (isnan(m->per))
            BAD(ld, w, "indicator '%s': %s needs per = <points per event>", w->id, name);
        break;
    default:
        break;
    }
    lua_settop(L, a - 1);
}

/* evaluator_score {} is a method object like the built-ins, but it scores nothing itself:
 * the points are an evaluator's, entered with a reason (record.h) and read by eval.c. It takes
 * no parameters. */
static int is_evaluator_score(loader *ld, int mi, const where *w)
{
    lua_State *L = ld->L;
    pg__rawfield(L, mi, "method");
    int yes = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "evaluator_score") == 0;
    lua_pop(L, 1);
    if (yes && pg__rawfield(L, mi, "args") == LUA_TTABLE) {
        static const char *const none[] = {NULL};
        where mw = {"evaluator_score", w->id, w->file, w->line};
        pg__warn_unknown(ld, lua_gettop(L), &mw, none);
    }
    if (yes) lua_pop(L, 1);
    return yes;
}

static void read_method(loader *ld, int t, const where *w, pg_node *n)
{
    lua_State *L = ld->L;
    n->method.fn_ref = LUA_NOREF;
    int ty = pg__rawfield(L, t, "method");
    if (ty == LUA_TFUNCTION) {
        n->method.kind = PG_M_CUSTOM;
        n->method.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        return;
    }
    if (ty == LUA_TTABLE && lua_getmetatable(L, -1)) {
        int marked = lua_rawequal(L, -1, ld->method_mt);
        lua_pop(L, 1);
        if (marked && is_evaluator_score(ld, lua_gettop(L), w)) {
            n->evaluator = 1;
            lua_pop(L, 1);
            return;
        }
        if (marked) {
            read_builtin(ld, lua_gettop(L), w, &n->method);
            lua_pop(L, 1);
            return;
        }
    }
    if (ty != LUA_TNIL)
        BAD(ld, w,
            "indicator '%s': method must be a built-in such as linear { ... } or a "
            "function(v, group, unit, period, params)",
            w->id);
    lua_pop(L, 1);
}

/* Reads `points` (a number or { group = points }) and `groups` into n->points. Groups that
 * are not named stay NAN until the tree pass gives them the parent's groups. */
static void read_points(loader *ld, int t, const where *w, pg_node *n, int *explicit_groups)
{
    lua_State *L = ld->L;
    pg_ruleset *rs = ld->rs;
    n->points = pg_xcalloc((size_t)rs->ngroups, sizeof(double));
    for (int g = 0; g < rs->ngroups; g++) n->points[g] = NAN;
    double all = NAN;
    int ty = pg__rawfield(L, t, "points");
    int pt = lua_gettop(L);
    *explicit_groups = 0;
    if (ty == LUA_TNUMBER && isfinite(lua_tonumber(L, -1)))
        all = lua_tonumber(L, -1);
    else if (ty == LUA_TNUMBER)
        BAD(ld, w, "indicator '%s': points must be a finite number", w->id);
    else if (ty == LUA_TTABLE) {
        *explicit_groups = 1;
        lua_pushnil(L);
        while (lua_next(L, pt)) {
            int g = lua_type(L, -2) == LUA_TSTRING
                        ? pg_strmap_get(&rs->group_ids, lua_tostring(L, -2))
                        : -1;
            if (g < 0)
                BAD(ld, w, "indicator '%s': points names group '%s', which is not declared", w->id,
                    lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?");
            else if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
                BAD(ld, w, "indicator '%s': points.%s must be a finite number", w->id,
                    lua_tostring(L, -2));
            else
                n->points[g] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
    } else if (ty != LUA_TNIL)
        BAD(ld, w, "indicator '%s': points must be a number or { group = points, ... }", w->id);
    lua_pop(L, 1);

    if (pg__rawfield(L, t, "groups") == LUA_TTABLE) {
        int gt = lua_gettop(L);
        int len = (int)lua_rawlen(L, gt);
        double *named = pg_xcalloc((size_t)rs->ngroups, sizeof(double));
        for (int g = 0; g < rs->ngroups; g++) named[g] = NAN;
        for (int i = 1; i <= len; i++) {
            lua_rawgeti(L, gt, i);
            const char *gid = lua_tostring(L, -1);
            int g = gid ? pg_strmap_get(&rs->group_ids, gid) : -1;
            if (g < 0)
                BAD(ld, w, "indicator '%s': groups names '%s', which is not a declared group",
                    w->id, gid ? gid : "?");
            else if (*explicit_groups && isnan(n->points[g]))
                BAD(ld, w, "indicator '%s': applies to group '%s' but points gives it none", w->id,
                    gid);
            else
                named[g] = *explicit_groups ? n->points[g] : all;
            lua_pop(L, 1);
        }
        free(n->points);
        n->points = named;
        *explicit_groups = 1;
    } else if (lua_type(L, -1) != LUA_TNIL)
        BAD(ld, w, "indicator '%s': groups must be a list such as { \"dept\", \"county\" }", w->id);
    lua_pop(L, 1);
    if (!*explicit_groups)
        for (int g = 0; g < rs->ngroups; g++) n->points[g] = all;
}

static const char *const ruleset_fields[] = {
    "id",      "name",         "year",         "timezone", "rounding",
    "ranking", "tie_breakers", "bands",        "missing",  "carry_limit",
    "budget",  "effective",    "extends",      "issuer",   "rounding_mode",
    "rank_on", "rectify",      "rectify_days", NULL};

static void read_ruleset(loader *ld, int t, const where *w)
{
    pg_ruleset *rs = ld->rs;
    lua_State *L = ld->L;
    pg__warn_unknown(ld, t, w, ruleset_fields);
    rs->file = w->file;
    rs->line = w->line;
    rs->id = pg__opt_string(ld, t, "id", w, 1);
    rs->name = pg__opt_string(ld, t, "name", w, 1);
    rs->issuer = pg__opt_string(ld, t, "issuer", w, 0);
    rs->rectify = pg__opt_string(ld, t, "rectify", w, 0);
    double days = pg__opt_number(ld, t, "rectify_days", w, 15);
    if (!(days >= 1 && days <= 366 && days == floor(days)))
        BAD(ld, w, "ruleset: rectify_days must be a whole number of days from 1 to 366, e.g. 15");
    else
        rs->rectify_days = (int)days;
    /* The parent was found in ruleset.lua's text before any Lua ran (core/base/ruledir.c):
     * what Lua declares must be that very string, or the hash and the files would disagree. */
    char *extends = pg__opt_string(ld, t, "extends", w, 0);
    if ((extends || rs->extends) && (!extends || !rs->extends || strcmp(extends, rs->extends) != 0))
        BAD(ld, w,
            "ruleset: extends must be written in ruleset.lua as a plain string, as in extends = "
            "\"../shanwei-2021\" (pinggu finds the parent in the file's text, without running it)");
    free(extends);
    rs->timezone = pg__opt_string(ld, t, "timezone", w, 0);
    if (!rs->timezone) rs->timezone = pg_xstrdup("Asia/Shanghai");
    if (pg_tz_offset(rs->timezone, &rs->tz_offset) != 0)
        BAD(ld, w,
            "ruleset: timezone '%s' is not one pinggu knows (a fixed-offset zone such as "
            "Asia/Shanghai, UTC or +08:00)",
            rs->timezone);
    double year = pg__opt_number(ld, t, "year", w, NAN);
    if (isnan(year) || year < 2000 || year > 2100 || year != floor(year))
        BAD(ld, w, "ruleset: year must be a year such as 2021");
    rs->year = isnan(year) ? 0 : (int)year;
    /* effective = "2021-07": the month a change takes effect from, within the set's year */
    char *effective = pg__opt_string(ld, t, "effective", w, 0);
    int eff = effective ? pg_period_parse(effective) : -1;
    rs->effective = 0;
    if (effective && (eff < 0 || pg_period_is_year(eff) || pg_period_year(eff) != rs->year))
        BAD(ld, w, "ruleset: effective = \"%s\" must be a sampling month of %d, e.g. \"%d-07\"",
            effective, rs->year, rs->year);
    else if (effective)
        rs->effective = eff % 100;
    free(effective);
    double rounding = pg__opt_number(ld, t, "rounding", w, 2);
    if (!(rounding >= 0 && rounding <= 6 && rounding == floor(rounding)))
        BAD(ld, w, "ruleset: rounding must be a whole number of digits from 0 to 6");
    else
        rs->rounding = (int)rounding;
    char *mode = pg__opt_string(ld, t, "rounding_mode", w, 0);
    if (!mode || strcmp(mode, "half_away") == 0)
        rs->rounding_mode = PG_ROUND_HALF_AWAY;
    else if (strcmp(mode, "half_even") == 0)
        rs->rounding_mode = PG_ROUND_HALF_EVEN;
    else if (strcmp(mode, "truncate") == 0)
        rs->rounding_mode = PG_ROUND_TRUNCATE;
    else
        BAD(ld, w,
            "ruleset: rounding_mode = \"%s\" must be \"half_away\", \"half_even\" or "
            "\"truncate\"",
            mode);
    free(mode);
    char *rank_on = pg__opt_string(ld, t, "rank_on", w, 0);
    rs->rank_unrounded = rank_on && strcmp(rank_on, "unrounded") == 0;
    if (rank_on && !rs->rank_unrounded && strcmp(rank_on, "rounded") != 0)
        BAD(ld, w, "ruleset: rank_on = \"%s\" must be \"rounded\" or \"unrounded\"", rank_on);
    free(rank_on);
    char *ranking = pg__opt_string(ld, t, "ranking", w, 0);
    if (ranking && strcmp(ranking, "dense") == 0)
        rs->dense = 1;
    else if (ranking && strcmp(ranking, "competition") != 0)
        BAD(ld, w, "ruleset: ranking = \"%s\" must be \"competition\" or \"dense\"", ranking);
    free(ranking);
    char *missing = pg__opt_string(ld, t, "missing", w, 0);
    if (missing) parse_missing(ld, missing, w, &rs->missing);
    free(missing);
    double carry = pg__opt_number(ld, t, "carry_limit", w, 3);
    rs->carry_limit = carry >= 1 && carry <= 24 ? (int)carry : 3;
    if (!(carry >= 1 && carry <= 24)) BAD(ld, w, "ruleset: carry_limit must be from 1 to 24");

    if (pg__rawfield(L, t, "tie_breakers") == LUA_TTABLE) {
        int tt = lua_gettop(L);
        rs->ntie = (int)lua_rawlen(L, tt);
        rs->tie_breakers = pg_xcalloc((size_t)rs->ntie, sizeof(char *));
        for (int i = 0; i < rs->ntie; i++) {
            lua_rawgeti(L, tt, i + 1);
            const char *s = lua_tostring(L, -1);
            if (!s) BAD(ld, w, "ruleset: tie_breakers[%d] must be a node id string", i + 1);
            rs->tie_breakers[i] = pg_xstrdup(s ? s : "");
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    if (pg__rawfield(L, t, "bands") == LUA_TTABLE) {
        int bt = lua_gettop(L);
        rs->nbands = (int)lua_rawlen(L, bt);
        rs->bands = pg_xcalloc((size_t)rs->nbands, sizeof(pg_band));
        for (int i = 0; i < rs->nbands; i++) {
            lua_rawgeti(L, bt, i + 1);
            int ok = lua_istable(L, -1) && lua_rawgeti(L, -1, 1) == LUA_TSTRING &&
                     lua_rawgeti(L, -2, 2) == LUA_TNUMBER;
            if (ok) {
                rs->bands[i].label = pg_xstrdup(lua_tostring(L, -2));
                rs->bands[i].min = lua_tonumber(L, -1);
            } else {
                BAD(ld, w, "ruleset: bands[%d] must be { \"label\", minimum total }", i + 1);
                rs->bands[i].label = pg_xstrdup("?");
            }
            lua_settop(L, bt);
        }
    }
    lua_pop(L, 1);

    if (pg__rawfield(L, t, "budget") == LUA_TTABLE) {
        where bw = {"ruleset", "budget", w->file, w->line};
        double ins = pg__opt_number(ld, lua_gettop(L), "instructions", &bw, 0);
        double mb = pg__opt_number(ld, lua_gettop(L), "memory_mb", &bw, 0);
        if (!(ins >= 0 && ins <= 1e12) || !(mb >= 0 && mb <= 256))
            BAD(ld, w, "ruleset: budget must have instructions > 0 and memory_mb from 1 to 256");
        else
            rs->budget = (pg_budget){(long)ins, (size_t)(mb * 1024 * 1024)};
    }
    lua_pop(L, 1);
}

static const char *const node_fields[] = {
    "name",      "parent",  "points",         "groups",       "standard", "source",    "desc",
    "metric",    "method",  "params",         "missing",      "min_n",    "kind",      "plus",
    "minus",     "veto",    "min_applicable", "below",        "rectify",  "aggregate", "weight",
    "transform", "na_when", "winsor",         "weight_range", NULL};

/* min_applicable = 0.5, below = "group_median": the thin-evidence policy of an inner node
 * (eval.c's roll-up applies it). The share and the choice are read here; that the node has
 * children is checked with the tree (ruleset_check.c). `below` has no default: dropping the
 * node and giving it the group's median move a unit's total in opposite directions, so the
 * author says which. */
static void read_thin(loader *ld, int t, const where *w, pg_node *n)
{
    n->min_applicable = pg__opt_number(ld, t, "min_applicable", w, 0);
    char *below = pg__opt_string(ld, t, "below", w, 0);
    if (!(n->min_applicable >= 0 && n->min_applicable <= 1))
        BAD(ld, w,
            "indicator '%s': min_applicable must be a share of the node's points from 0 to 1, "
            "e.g. 0.5",
            w->id);
    if (below && strcmp(below, "not_applicable") == 0)
        n->below = PG_BELOW_NA;
    else if (below && strcmp(below, "group_median") == 0)
        n->below = PG_BELOW_GROUP_MEDIAN;
    else if (below)
        BAD(ld, w, "indicator '%s': below = \"%s\" must be \"not_applicable\" or \"group_median\"",
            w->id, below);
    if (n->min_applicable > 0 && !below)
        BAD(ld, w,
            "indicator '%s': min_applicable needs below = \"not_applicable\" or "
            "\"group_median\": what the node scores when less of it applies",
            w->id);
    if (below && !(n->min_applicable > 0) && n->below != PG_BELOW_NONE)
        pg_warn(ld->d, w->file, w->line,
                "indicator '%s': below = \"%s\" has no effect without min_applicable", w->id,
                below);
    if (!(n->min_applicable > 0)) n->below = PG_BELOW_NONE;
    free(below);
}

static void read_node(loader *ld, int t, const where *w, pg_node *n, int *explicit_groups)
{
    lua_State *L = ld->L;
    pg_ruleset *rs = ld->rs;
    pg__warn_unknown(ld, t, w, node_fields);
    n->id = pg_xstrdup(w->id);
    n->file = w->file;
    n->line = w->line;
    n->parent = -1;
    n->metric = -1;
    n->params_ref = LUA_NOREF;
    n->method.fn_ref = LUA_NOREF;
    n->name = pg__opt_string(ld, t, "name", w, 1);
    n->standard = pg__opt_string(ld, t, "standard", w, 0);
    n->source = pg__opt_string(ld, t, "source", w, 0);
    n->desc = pg__opt_string(ld, t, "desc", w, 0);
    n->rectify = pg__opt_string(ld, t, "rectify", w, 0);
    n->min_n = pg__opt_number(ld, t, "min_n", w, 0);
    n->missing = rs->missing;
    char *missing = pg__opt_string(ld, t, "missing", w, 0);
    if (missing) parse_missing(ld, missing, w, &n->missing);
    free(missing);
    char *kind = pg__opt_string(ld, t, "kind", w, 0);
    if (kind && strcmp(kind, "adjust") == 0) {
        n->adjust = 1;
        n->plus = pg__opt_number(ld, t, "plus", w, NAN);
        n->minus = pg__opt_number(ld, t, "minus", w, NAN);
        if (!(n->plus >= 0) || !(n->minus >= 0))
            BAD(ld, w,
                "indicator '%s': an adjust node needs plus = <max bonus> and minus = <max "
                "penalty>, both >= 0",
                w->id);
    } else if (kind)
        BAD(ld, w, "indicator '%s': kind = \"%s\" is unknown (the only kind is \"adjust\")", w->id,
            kind);
    free(kind);
    if (pg__rawfield(L, t, "veto") != LUA_TNIL) {
        n->veto = 1;
        n->veto_score = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(n->veto_score))
            BAD(ld, w, "indicator '%s': veto must be the fixed total, e.g. veto = 0", w->id);
    }
    lua_pop(L, 1);
    read_points(ld, t, w, n, explicit_groups);
    read_method(ld, t, w, n);
    read_thin(ld, t, w, n);
    pg__read_compose(ld, t, w, n);
    int ty = pg__rawfield(L, t, "params");
    if (ty == LUA_TTABLE)
        n->params_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    else {
        if (ty != LUA_TNIL) BAD(ld, w, "indicator '%s': params must be a table", w->id);
        lua_pop(L, 1);
    }
}

/* self_report = true, and authenticity = { measured = "m", tolerance = 0.1, into = "m2" }:
 * which metrics units report for themselves, and which of those the system's own figure
 * checks. The ids are resolved once every metric is known (resolve()). */
static void read_metric_review(loader *ld, int t, const where *w, pg_metric *m)
{
    lua_State *L = ld->L;
    m->auth_measured = m->auth_into = -1;
    int ty = pg__rawfield(L, t, "self_report");
    if (ty == LUA_TBOOLEAN)
        m->self_report = lua_toboolean(L, -1);
    else if (ty != LUA_TNIL)
        BAD(ld, w, "metric '%s': self_report must be true or false, not a %s", w->id,
            lua_typename(L, ty));
    lua_pop(L, 1);
    ty = pg__rawfield(L, t, "authenticity");
    if (ty == LUA_TTABLE) {
        int a = lua_gettop(L);
        where aw = {"metric authenticity", w->id, w->file, w->line};
        static const char *const known[] = {"measured", "tolerance", "into", NULL};
        pg__warn_unknown(ld, a, &aw, known);
        char *measured = pg__opt_string(ld, a, "measured", &aw, 1);
        char *into = pg__opt_string(ld, a, "into", &aw, 0);
        m->auth_measured_id = measured ? pg__keep(ld->rs, measured) : NULL;
        m->auth_into_id = into ? pg__keep(ld->rs, into) : NULL;
        free(measured), free(into);
        m->auth_tolerance = pg__opt_number(ld, a, "tolerance", &aw, NAN);
        if (!(m->auth_tolerance >= 0 && m->auth_tolerance <= 10))
            BAD(ld, w,
                "metric '%s': authenticity needs tolerance = a share from 0 to 10, e.g. 0.10 "
                "(a report more than 10%% above the measured figure is flagged)",
                w->id);
    } else if (ty != LUA_TNIL)
        BAD(ld, w,
            "metric '%s': authenticity must be a table, as in authenticity = { measured = "
            "\"<metric>\", tolerance = 0.10, into = \"<metric>\" }",
            w->id);
    lua_pop(L, 1);
}

static const char *const scheme_fields[] = {"name",      "period", "max", "parts",
                                            "composite", "number", NULL};

/* number = "汕数评〔{year}〕{month}号": only {year}, and {month} in a monthly scheme, may be
 * filled in; anything else in braces is a typo the office would print. */
static void read_number(loader *ld, int t, const where *w, pg_scheme *s)
{
    s->number = pg__opt_string(ld, t, "number", w, 0);
    for (const char *p = s->number ? strchr(s->number, '{') : NULL; p; p = strchr(p + 1, '{')) {
        if (strncmp(p, "{year}", 6) == 0) continue;
        if (strncmp(p, "{month}", 7) == 0 && s->period == PG_PERIOD_MONTH) continue;
        const char *end = strchr(p, '}');
        BAD(ld, w,
            "scheme '%s': number may contain {year}%s and nothing else in braces, not '%.*s'",
            w->id, s->period == PG_PERIOD_MONTH ? " and {month}" : "",
            end ? (int)(end - p + 1) : (int)strlen(p), p);
        break;
    }
}

/* A part's weight_range = { lo, hi } (the interval sensitivity draws its weight from, as an
 * indicator's, compose.c): two finite numbers, 0 < lo <= weight <= hi. */
static void read_part_range(loader *ld, int e, const where *w, pg_part *p, int i)
{
    lua_State *L = ld->L;
    int ty = pg__rawfield(L, e, "weight_range");
    if (ty != LUA_TNIL) {
        double v[2] = {NAN, NAN};
        if (!pg__number_pair(L, -1, v))
            BAD(ld, w,
                "scheme '%s': parts[%d]: weight_range must be two finite numbers { lo, hi }, "
                "such as weight_range = { 0.7, 0.9 }",
                w->id, i + 1);
        else if (!(v[0] > 0 && v[0] <= v[1] && v[0] <= p->weight && p->weight <= v[1]))
            BAD(ld, w,
                "scheme '%s': parts[%d]: weight_range = { %g, %g } must hold its weight %g, with "
                "0 < lo <= hi",
                w->id, i + 1, v[0], v[1], p->weight);
        else
            p->has_wr = 1, p->wr_lo = v[0], p->wr_hi = v[1];
    }
    lua_pop(L, 1);
}

static void read_scheme(loader *ld, int t, const where *w, pg_scheme *s)
{
    lua_State *L = ld->L;
    pg__warn_unknown(ld, t, w, scheme_fields);
    s->id = pg_xstrdup(w->id);
    s->file = w->file;
    s->line = w->line;
    s->name = pg__opt_string(ld, t, "name", w, 1);
    s->max = pg__opt_number(ld, t, "max", w, 100);
    s->composite_ref = LUA_NOREF;
    char *period = pg__opt_string(ld, t, "period", w, 1);
    if (period && strcmp(period, "year") == 0)
        s->period = PG_PERIOD_YEAR;
    else if (period && strcmp(period, "month") != 0)
        BAD(ld, w, "scheme '%s': period = \"%s\" must be \"month\" or \"year\"", w->id, period);
    free(period);
    read_number(ld, t, w, s);
    int ty = pg__rawfield(L, t, "composite");
    if (ty == LUA_TFUNCTION)
        s->composite_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    else {
        if (ty != LUA_TNIL) BAD(ld, w, "scheme '%s': composite must be a function", w->id);
        lua_pop(L, 1);
    }
    if (pg__rawfield(L, t, "parts") != LUA_TTABLE) {
        BAD(ld, w, "scheme '%s': parts = { { id = \"...\", weight = w }, ... } is required", w->id);
        lua_pop(L, 1);
        return;
    }
    int pt = lua_gettop(L);
    s->nparts = (int)lua_rawlen(L, pt);
    s->parts = pg_xcalloc((size_t)s->nparts, sizeof(pg_part));
    for (int i = 0; i < s->nparts; i++) {
        pg_part *p = &s->parts[i];
        p->node = p->scheme = -1;
        p->weight = 1;
        lua_rawgeti(L, pt, i + 1);
        int e = lua_gettop(L);
        if (!lua_istable(L, e)) {
            BAD(ld, w, "scheme '%s': parts[%d] must be a table { id = \"...\", weight = w }", w->id,
                i + 1);
            lua_settop(L, pt);
            continue;
        }
        where pw = {"scheme part", w->id, w->file, w->line};
        static const char *const part_fields[] = {"id",   "weight",       "scheme", "months",
                                                  "name", "weight_range", NULL};
        pg__warn_unknown(ld, e, &pw, part_fields);
        p->id = pg__opt_string(ld, e, "id", &pw, 0);
        if (!p->id && lua_rawgeti(L, e, 1) == LUA_TSTRING) p->id = pg_xstrdup(lua_tostring(L, -1));
        lua_settop(L, e);
        p->weight = pg__opt_number(ld, e, "weight", &pw, NAN);
        if (isnan(p->weight)) {
            p->weight = 1;
            if (lua_rawgeti(L, e, 2) == LUA_TNUMBER) p->weight = lua_tonumber(L, -1);
            lua_settop(L, e);
        }
        p->name = pg__opt_string(ld, e, "name", &pw, 0);
        read_part_range(ld, e, w, p, i);
        p->ref = pg__opt_string(ld, e, "scheme", &pw, 0);
        if (p->ref) {
            if (!p->id) p->id = pg_xstrdup(p->ref);
            p->month_from = 1;
            p->month_to = 12;
            if (pg__rawfield(L, e, "months") == LUA_TTABLE) {
                lua_rawgeti(L, -1, 1);
                lua_rawgeti(L, -2, 2);
                if (lua_isinteger(L, -2) && lua_isinteger(L, -1)) {
                    p->month_from = (int)lua_tointeger(L, -2);
                    p->month_to = (int)lua_tointeger(L, -1);
                } else
                    BAD(ld, w,
                        "scheme '%s': part '%s': months must be { first, last }, e.g. "
                        "{ 4, 12 }",
                        w->id, p->id ? p->id : "?");
            }
            lua_settop(L, e);
        }
        if (!p->id) BAD(ld, w, "scheme '%s': parts[%d] needs an id", w->id, i + 1);
        lua_settop(L, pt);
    }
    lua_pop(L, 1);
}

/* Pushes decls[i].t and fills w; returns the table's stack index. */
static int decl_at(loader *ld, int i, where *w)
{
    lua_State *L = ld->L;
    lua_rawgeti(L, ld->decls, i);
    int e = lua_gettop(L);
    pg__rawfield(L, e, "kind");
    w->kind = pg__keep(ld->rs, lua_tostring(L, -1));
    pg__rawfield(L, e, "id");
    w->id = pg__keep(ld->rs, lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    pg__rawfield(L, e, "file");
    w->file = pg__keep(ld->rs, lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    pg__rawfield(L, e, "line");
    w->line = (int)lua_tointeger(L, -1);
    lua_pop(L, 4);
    pg__rawfield(L, e, "t");
    lua_remove(L, e);
    return lua_gettop(L);
}

/* Gives nodes without explicit groups their parent's, top-down, and computes depths. */
static void inherit_groups(pg_ruleset *rs, int i, const int *explicit_groups, int depth)
{
    pg_node *n = &rs->nodes[i];
    n->depth = depth;
    for (int c = 0; c < n->nchildren; c++) {
        pg_node *k = &rs->nodes[n->children[c]];
        if (!explicit_groups[n->children[c]]) {
            double all = NAN;
            for (int g = 0; g < rs->ngroups; g++)
                if (!isnan(k->points[g])) all = k->points[g];
            for (int g = 0; g < rs->ngroups; g++)
                k->points[g] = isnan(n->points[g]) ? NAN : (isnan(all) ? 0 : all);
        }
        inherit_groups(rs, n->children[c], explicit_groups, depth + 1);
    }
}

/* Appends node i's subtree to the order, children first. */
static void post_order(pg_ruleset *rs, pg_scheme *s, int i)
{
    pg_node *n = &rs->nodes[i];
    for (int c = 0; c < n->nchildren; c++) post_order(rs, s, n->children[c]);
    s->order = pg_xrealloc(s->order, sizeof(int) * (size_t)(s->norder + 1));
    s->order[s->norder++] = i;
}

static void build_tree(loader *ld, int *explicit_groups)
{
    pg_ruleset *rs = ld->rs;
    for (int i = 0; i < rs->nnodes; i++) {
        pg_node *n = &rs->nodes[i];
        if (n->parent < 0) continue;
        pg_node *p = &rs->nodes[n->parent];
        p->children = pg_xrealloc(p->children, sizeof(int) * (size_t)(p->nchildren + 1));
        p->children[p->nchildren++] = i;
    }
    /* A cycle leaves nodes unreachable from any part; find them before recursing. */
    for (int i = 0; i < rs->nnodes; i++) {
        int hops = 0, j = i;
        while (j >= 0 && hops <= rs->nnodes) j = rs->nodes[j].parent, hops++;
        if (j >= 0) {
            pg_error(ld->d, rs->nodes[i].file, rs->nodes[i].line,
                     "indicator '%s': its parent chain loops back on itself", rs->nodes[i].id);
            return;
        }
    }
    for (int i = 0; i < rs->nnodes; i++) {
        pg_node *n = &rs->nodes[i];
        if (n->parent >= 0) continue;
        if (!explicit_groups[i])
            for (int g = 0; g < rs->ngroups; g++)
                if (isnan(n->points[g])) n->points[g] = n->adjust ? 0 : NAN;
        inherit_groups(rs, i, explicit_groups, 0);
    }
    for (int i = 0; i < rs->nnodes; i++) {
        pg_node *n = &rs->nodes[i];
        if (n->adjust || n->veto)
            for (int g = 0; g < rs->ngroups; g++)
                if (n->veto && !isnan(n->points[g])) n->points[g] = 0;
    }
}

static void resolve(loader *ld, const where *nw, const where *sw, const char *const *metric_of,
                    const char *const *parent_of)
{
    pg_ruleset *rs = ld->rs;
    for (int i = 0; i < rs->nnodes; i++) {
        pg_node *n = &rs->nodes[i];
        if (parent_of[i]) {
            n->parent = pg_strmap_get(&rs->node_ids, parent_of[i]);
            if (n->parent < 0)
                BAD(ld, &nw[i], "indicator '%s': parent '%s' is not a declared indicator", n->id,
                    parent_of[i]);
        }
        if (metric_of[i]) {
            n->metric = pg_strmap_get(&rs->metric_ids, metric_of[i]);
            if (n->metric < 0)
                BAD(ld, &nw[i], "indicator '%s': metric '%s' is not declared", n->id, metric_of[i]);
        }
    }
    for (int i = 0; i < rs->nmetrics; i++) {
        pg_metric *m = &rs->metrics[i];
        if (m->auth_measured_id &&
            (m->auth_measured = pg_strmap_get(&rs->metric_ids, m->auth_measured_id)) < 0)
            pg_error(ld->d, m->file, m->line,
                     "metric '%s': authenticity.measured names metric '%s', which is not declared",
                     m->id, m->auth_measured_id);
        if (m->auth_into_id && (m->auth_into = pg_strmap_get(&rs->metric_ids, m->auth_into_id)) < 0)
            pg_error(ld->d, m->file, m->line,
                     "metric '%s': authenticity.into names metric '%s', which is not declared",
                     m->id, m->auth_into_id);
    }
    for (int i = 0; i < rs->nschemes; i++) {
        pg_scheme *s = &rs->schemes[i];
        for (int k = 0; k < s->nparts; k++) {
            pg_part *p = &s->parts[k];
            if (!p->id) continue;
            if (p->ref) {
                p->scheme = pg_strmap_get(&rs->scheme_ids, p->ref);
                if (p->scheme < 0 || p->scheme == i)
                    BAD(ld, &sw[i], "scheme '%s': part '%s' names scheme '%s', which is not %s",
                        s->id, p->id, p->ref, p->scheme == i ? "another scheme" : "declared");
                if (!p->name && p->scheme >= 0) p->name = pg_xstrdup(rs->schemes[p->scheme].name);
                continue;
            }
            p->node = pg_strmap_get(&rs->node_ids, p->id);
            if (p->node < 0)
                BAD(ld, &sw[i], "scheme '%s': part '%s' is not a declared indicator", s->id, p->id);
            else if (rs->nodes[p->node].parent >= 0)
                BAD(ld, &sw[i], "scheme '%s': part '%s' has a parent; a part must be a root", s->id,
                    p->id);
            else if (!p->name)
                p->name = pg_xstrdup(rs->nodes[p->node].name);
        }
    }
}

static void read_decls(loader *ld)
{
    pg_ruleset *rs = ld->rs;
    lua_State *L = ld->L;
    int n = (int)lua_rawlen(L, ld->decls);
    int counts[6] = {0};
    static const char *const kinds[] = {"ruleset",   "group",  "metric",
                                        "indicator", "scheme", "source"};
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, ld->decls, i);
        pg__rawfield(L, -1, "kind");
        for (int k = 0; k < 6; k++)
            if (strcmp(lua_tostring(L, -1), kinds[k]) == 0) counts[k]++;
        lua_pop(L, 2);
    }
    rs->groups = pg_xcalloc((size_t)counts[1], sizeof(pg_group));
    rs->metrics = pg_xcalloc((size_t)counts[2], sizeof(pg_metric));
    rs->nodes = pg_xcalloc((size_t)counts[3], sizeof(pg_node));
    rs->schemes = pg_xcalloc((size_t)counts[4], sizeof(pg_scheme));
    rs->sources = pg_xcalloc((size_t)counts[5], sizeof(pg_source));
    where *nw = pg_xcalloc((size_t)counts[3], sizeof(where));
    where *sw = pg_xcalloc((size_t)counts[4], sizeof(where));
    char **metric_of = pg_xcalloc((size_t)counts[3], sizeof(char *));
    char **parent_of = pg_xcalloc((size_t)counts[3], sizeof(char *));
    int *explicit_groups = pg_xcalloc((size_t)counts[3], sizeof(int));

    /* The ruleset, groups, sources and the calendar first: points tables name groups, and
     * metric expressions are compiled against sources, the calendar and the time zone. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 1; i <= n; i++) {
            where w;
            int t = decl_at(ld, i, &w);
            int is_first = strcmp(w.kind, "ruleset") == 0 || strcmp(w.kind, "group") == 0 ||
                           strcmp(w.kind, "source") == 0 || strcmp(w.kind, "calendar") == 0;
            if (is_first != (pass == 0)) {
                lua_settop(L, t - 1);
                continue;
            }
            if (strcmp(w.kind, "ruleset") == 0) {
                if (rs->file)
                    BAD(ld, &w, "ruleset is declared twice (first at %s:%d)", rs->file, rs->line);
                else
                    read_ruleset(ld, t, &w);
            } else if (strcmp(w.kind, "group") == 0) {
                pg_group *g = &rs->groups[rs->ngroups];
                static const char *const fields[] = {"name", "ranked", NULL};
                pg__warn_unknown(ld, t, &w, fields);
                *g = (pg_group){pg_xstrdup(w.id), pg__opt_string(ld, t, "name", &w, 1), w.file,
                                w.line, 0};
                /* ranked = false: evaluated and shown, never ranked (partners, observers) */
                int rt = pg__rawfield(L, t, "ranked");
                if (rt == LUA_TBOOLEAN)
                    g->unranked = !lua_toboolean(L, -1);
                else if (rt != LUA_TNIL)
                    BAD(ld, &w, "group '%s': ranked must be true or false", w.id);
                lua_pop(L, 1);
                if (pg_strmap_put(&rs->group_ids, g->id, rs->ngroups) != 0)
                    BAD(ld, &w, "group '%s' is declared twice", w.id);
                rs->ngroups++;
            } else if (strcmp(w.kind, "source") == 0) {
                pg_source *src = &rs->sources[rs->nsources];
                pg__read_source(ld, t, &w, src);
                if (pg_strmap_put(&rs->source_ids, src->name, rs->nsources) != 0)
                    BAD(ld, &w, "source '%s' is declared twice", w.id);
                rs->nsources++;
            } else if (strcmp(w.kind, "calendar") == 0) {
                pg__read_calendar(ld, t, &w);
            } else if (strcmp(w.kind, "metric") == 0) {
                pg_metric *m = &rs->metrics[rs->nmetrics];
                static const char *const fields[] = {
                    "name",  "unit",        "desc",         "from",        "kind",
                    "where", "value",       "condition",    "denominator", "over",
                    "due",   "self_report", "authenticity", NULL};
                pg__warn_unknown(ld, t, &w, fields);
                m->id = pg_xstrdup(w.id);
                m->name = pg__opt_string(ld, t, "name", &w, 1);
                m->unit = pg__opt_string(ld, t, "unit", &w, 0);
                m->desc = pg__opt_string(ld, t, "desc", &w, 0);
                m->file = w.file;
                m->line = w.line;
                pg__read_metric_plan(ld, t, &w, m);
                read_metric_review(ld, t, &w, m);
                if (pg_strmap_put(&rs->metric_ids, m->id, rs->nmetrics) != 0)
                    BAD(ld, &w, "metric '%s' is declared twice", w.id);
                rs->nmetrics++;
            } else if (strcmp(w.kind, "indicator") == 0) {
                int k = rs->nnodes++;
                nw[k] = w;
                read_node(ld, t, &w, &rs->nodes[k], &explicit_groups[k]);
                metric_of[k] = pg__opt_string(ld, t, "metric", &w, 0);
                parent_of[k] = pg__opt_string(ld, t, "parent", &w, 0);
                if (pg_strmap_put(&rs->node_ids, rs->nodes[k].id, k) != 0)
                    BAD(ld, &w, "indicator id '%s' is used twice", w.id);
            } else if (strcmp(w.kind, "scheme") == 0) {
                int k = rs->nschemes++;
                sw[k] = w;
                read_scheme(ld, t, &w, &rs->schemes[k]);
                if (pg_strmap_put(&rs->scheme_ids, rs->schemes[k].id, k) != 0)
                    BAD(ld, &w, "scheme '%s' is declared twice", w.id);
            }
            lua_settop(L, t - 1);
        }
    }
    if (!rs->file) pg_error(ld->d, NULL, 0, "%s/ruleset.lua declares no ruleset { ... }", rs->dir);
    if (rs->ngroups == 0) pg_error(ld->d, rs->file, rs->line, "the rule set declares no group");
    resolve(ld, nw, sw, (const char *const *)metric_of, (const char *const *)parent_of);
    if (ld->d->errors == 0) build_tree(ld, explicit_groups);
    /* min_applicable needs the tree: a leaf is applicable or not, and a bonus/penalty part
     * keeps no maximum to rescale, so on either the policy could never apply */
    for (int i = 0; ld->d->errors == 0 && i < rs->nnodes; i++) {
        const pg_node *nd = &rs->nodes[i];
        if (nd->min_applicable > 0 && (nd->nchildren == 0 || nd->adjust))
            BAD(ld, &nw[i],
                "indicator '%s': min_applicable belongs on a node with children (it limits how "
                "far their points are scaled up), not on a %s",
                nd->id, nd->adjust ? "kind = \"adjust\" node" : "leaf");
    }
    if (ld->d->errors == 0) {
        for (int i = 0; i < rs->nschemes; i++)
            for (int k = 0; k < rs->schemes[i].nparts; k++)
                if (rs->schemes[i].parts[k].node >= 0)
                    post_order(rs, &rs->schemes[i], rs->schemes[i].parts[k].node);
    }
    for (int i = 0; i < counts[3]; i++) {
        free(metric_of[i]);
        free(parent_of[i]);
    }
    free(metric_of);
    free(parent_of);
    free(explicit_groups);
    free(nw);
    free(sw);
}

static int read_decls_protected(lua_State *L)
{
    loader *ld = lua_touserdata(L, 1);
    ld->decls = 2;
    ld->method_mt = 3;
    read_decls(ld);
    return 0;
}

/* evaluator_score { }: a method object marked like the built-ins (the prelude's metatable is
 * its upvalue), so read_method knows it for one. */
static int evaluator_score_new(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    } else if (!lua_istable(L, 1)) {
        luaL_where(L, 2);
        lua_pushstring(L, "evaluator_score: expected a table, as in evaluator_score {}");
        lua_concat(L, 2);
        return lua_error(L);
    }
    lua_settop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushliteral(L, "evaluator_score");
    lua_setfield(L, -2, "method");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "args");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setmetatable(L, -2);
    return 1;
}

static void install_evaluator_score(pg_sandbox *sb, int method_mt)
{
    lua_State *L = pg_sandbox_state(sb);
    pg_sandbox_push_base(sb);
    lua_pushvalue(L, method_mt);
    lua_pushcclosure(L, evaluator_score_new, 1);
    lua_setfield(L, -2, "evaluator_score");
    lua_pop(L, 1);
}

static char *strip_slashes(const char *dir)
{
    char *s = pg_xstrdup(dir);
    for (size_t len = strlen(s); len > 1 && s[len - 1] == '/'; len--) s[len - 1] = '\0';
    return s;
}

/* Years built one on another: far more than an office keeps live (ruledir.c has the same). */
#define MAX_LAYERS 8

/* Follows ruleset { extends = ... } from rs->dir: fills rs->layers, the set's own directory
 * first. A parent that is missing, is not a rule set, or leads back to a directory already in
 * the chain is an error at the line of `extends` in the child's ruleset.lua. */
static int resolve_layers(pg_ruleset *rs, pg_diags *d)
{
    rs->layers = pg_xcalloc(MAX_LAYERS, sizeof *rs->layers);
    rs->layers[0] = (pg_rule_layer){pg_xstrdup(rs->dir), pg_xstrdup(rs->fsdir)};
    rs->nlayers = 1;
    char *real[MAX_LAYERS] = {realpath(rs->fsdir, NULL)};
    int rc = 0;
    for (int i = 0; rc == 0; i++) {
        char *ext = NULL;
        int line = 0;
        if (pg_ruledir_extends(rs->layers[i].fsdir, &ext, &line) != 0 || !ext) break;
        if (i == 0) rs->extends = pg_xstrdup(ext);
        char *file = pg_xasprintf("%s/ruleset.lua", rs->layers[i].dir);
        char *fs = pg_ruledir_parent(rs->layers[i].fsdir);
        char *shown = pg_ruledir_join(rs->layers[i].dir, ext);
        char *probe = pg_xasprintf("%s/ruleset.lua", fs);
        struct stat st;
        char *r = NULL;
        rc = -EINVAL;
        errno = 0;
        if (stat(fs, &st) != 0 || !S_ISDIR(st.st_mode))
            pg_error(d, file, line,
                     "ruleset: extends = \"%s\": there is no rule set directory %s (%s)", ext,
                     shown, errno ? strerror(errno) : "not a directory");
        else if (access(probe, F_OK) != 0)
            pg_error(d, file, line,
                     "ruleset: extends = \"%s\": %s has no ruleset.lua, so it is not a rule set",
                     ext, shown);
        else if (!(r = realpath(fs, NULL)))
            pg_error(d, file, line, "ruleset: extends = \"%s\": cannot resolve %s: %s", ext, shown,
                     strerror(errno));
        else {
            int loop = -1;
            for (int k = 0; k <= i && loop < 0; k++)
                if (real[k] && strcmp(real[k], r) == 0) loop = k;
            if (loop >= 0) {
                size_t cap = strlen(shown) + 64;
                for (int k = loop; k <= i; k++) cap += strlen(rs->layers[k].dir) + 8;
                char *chain = pg_xmalloc(cap);
                chain[0] = '\0';
                for (int k = loop; k <= i; k++) strcat(strcat(chain, rs->layers[k].dir), " → ");
                strcat(chain, shown);
                pg_error(d, file, line,
                         "ruleset: extends = \"%s\" makes a cycle: %s; a year builds on an "
                         "earlier one, never on itself",
                         ext, chain);
                free(chain);
            } else if (i + 1 >= MAX_LAYERS) {
                pg_error(d, file, line,
                         "ruleset: extends = \"%s\": more than %d rule sets built one on another",
                         ext, MAX_LAYERS);
            } else {
                real[i + 1] = r;
                r = NULL;
                rs->layers[rs->nlayers++] = (pg_rule_layer){shown, fs};
                shown = fs = NULL;
                rc = 0;
            }
        }
        free(r), free(probe), free(shown), free(fs), free(file), free(ext);
    }
    for (int i = 0; i < MAX_LAYERS; i++) free(real[i]);
    return rc;
}

/* Runs each directory's ruleset.lua as one layer of declarations, the farthest parent first,
 * the set itself last (so the sandbox ends in the set's own directory, with its modules). */
static int run_layers(loader *ld, int control, pg_diags *d)
{
    pg_ruleset *rs = ld->rs;
    lua_State *L = ld->L;
    for (int l = 1, i = rs->nlayers - 1; i >= 0; i--, l++) {
        if (rs->nlayers > 1) pg_sandbox_set_root(rs->sb, rs->layers[i].dir, rs->layers[i].fsdir);
        lua_getfield(L, control, "layer");
        lua_pushinteger(L, l);
        lua_call(L, 1, 0);
        char *err = NULL;
        if (pg_sandbox_run_file(rs->sb, "ruleset.lua", &err) != 0) {
            lua_failure(d, err);
            free(err);
            return -1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* Protected: control.merge(top, parent) and the lineage and problems it returns. */
static int merge_protected(lua_State *L)
{
    loader *ld = lua_touserdata(L, 1);
    pg_ruleset *rs = ld->rs;
    lua_getfield(L, 2, "merge");
    lua_pushinteger(L, rs->nlayers);
    lua_pushstring(L, rs->nlayers > 1 ? rs->layers[1].dir : "");
    lua_call(L, 2, 2);
    int lin = lua_gettop(L) - 1, probs = lin + 1;
    int n = (int)lua_rawlen(L, probs);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, probs, i);
        int e = lua_gettop(L);
        pg__rawfield(L, e, "file");
        pg__rawfield(L, e, "line");
        pg__rawfield(L, e, "msg");
        pg_error(ld->d, lua_tostring(L, -3), (int)lua_tointeger(L, -2), "%s", lua_tostring(L, -1));
        lua_settop(L, e - 1);
    }
    n = (int)lua_rawlen(L, lin);
    rs->lineage = pg_xcalloc((size_t)n + 1, sizeof *rs->lineage);
    static const char *const statuses[] = {"inherited", "overridden", "added", "retired"};
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, lin, i);
        int e = lua_gettop(L);
        pg_lineage *g = &rs->lineage[rs->nlineage++];
        pg__rawfield(L, e, "status");
        for (int k = 0; k < 4; k++)
            if (strcmp(lua_tostring(L, -1), statuses[k]) == 0) g->status = (pg_lineage_status)k;
        static const char *const keys[] = {"kind", "id", "file", "from_file"};
        const char **dst[] = {&g->kind, &g->id, &g->file, &g->from_file};
        for (int k = 0; k < 4; k++) {
            pg__rawfield(L, e, keys[k]);
            *dst[k] = lua_isstring(L, -1) ? pg__keep(rs, lua_tostring(L, -1)) : NULL;
        }
        pg__rawfield(L, e, "line");
        g->line = (int)lua_tointeger(L, -1);
        pg__rawfield(L, e, "from_line");
        g->from_line = (int)lua_tointeger(L, -1);
        lua_settop(L, e - 1);
    }
    return 0;
}

/* units.csv: the set's own, else the nearest parent's (a parent's is inherited whole). */
static void load_units(pg_ruleset *rs, pg_diags *d)
{
    for (int i = 0; i < rs->nlayers; i++) {
        char *path = pg_xasprintf("%s/units.csv", rs->layers[i].fsdir);
        if (i + 1 == rs->nlayers || access(path, F_OK) == 0) {
            rs->units_from = pg__keep(rs, rs->layers[i].dir);
            pg_units_load(rs, path, d);
            free(path);
            return;
        }
        free(path);
    }
}

int pg_ruleset_load(const char *dir, pg_ruleset **out, pg_diags *d)
{
    return pg_ruleset_load_at(dir, dir, out, d);
}

int pg_ruleset_load_at(const char *fsdir, const char *dir, pg_ruleset **out, pg_diags *d)
{
    *out = NULL;
    pg_ruleset *rs = pg_xcalloc(1, sizeof *rs);
    rs->dir = strip_slashes(dir);
    rs->fsdir = strip_slashes(fsdir);
    rs->sb = pg_sandbox_new(rs->dir);
    if (rs->sb) pg_sandbox_read_from(rs->sb, rs->fsdir);
    if (!rs->sb) {
        pg_error(d, NULL, 0, "cannot start a Lua state");
        pg_ruleset_free(rs);
        return -ENOMEM;
    }
    int errors_before = d->errors;
    char *err = NULL;
    lua_State *L = pg_sandbox_state(rs->sb);
    if (pg_prelude_install(rs->sb, &err) != 0) {
        pg_error(d, NULL, 0, "rule DSL: %s", err);
        free(err);
        pg_ruleset_free(rs);
        return -EINVAL;
    }
    loader ld = {rs, L, d, lua_gettop(L) - 2, lua_gettop(L) - 1};
    int control = lua_gettop(L);
    install_evaluator_score(rs->sb, ld.method_mt);
    if (resolve_layers(rs, d) == 0 && run_layers(&ld, control, d) == 0) {
        lua_pushcfunction(L, merge_protected);
        lua_pushlightuserdata(L, &ld);
        lua_pushvalue(L, control);
        int merged = lua_pcall(L, 2, 0, 0) == LUA_OK;
        if (!merged) {
            pg_error(d, rs->dir, 0, "merging the inherited declarations failed: %s",
                     lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        /* Reading declarations calls the Lua API, which raises on a memory error: run it
         * protected so that nothing a rule does can reach Lua's panic handler. */
        lua_pushcfunction(L, read_decls_protected);
        lua_pushlightuserdata(L, &ld);
        lua_pushvalue(L, ld.decls);
        lua_pushvalue(L, ld.method_mt);
        if (merged && lua_pcall(L, 3, 0, 0) != LUA_OK) {
            pg_error(d, rs->dir, 0, "reading the declarations failed: %s", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        load_units(rs, d);
        if (d->errors == errors_before) pg_revision_compute(rs, d);
        if (d->errors == errors_before) pg_ruleset_check(rs, d);
    }
    lua_settop(L, 0);
    if (d->errors > errors_before) {
        pg_ruleset_free(rs);
        return -EINVAL;
    }
    pg_sandbox_set_budget(rs->sb, rs->budget);
    *out = rs;
    return 0;
}

static void free_method(pg_method *m)
{
    free(m->step_at);
    free(m->step_share);
    free(m->shares);
}

void pg_ruleset_free(pg_ruleset *rs)
{
    if (!rs) return;
    pg__free_data(rs); /* before the metrics, whose expressions it frees */
    for (int i = 0; i < rs->ngroups; i++) free(rs->groups[i].id), free(rs->groups[i].name);
    for (int i = 0; i < rs->nunits; i++) {
        free(rs->units[i].id);
        free(rs->units[i].name);
        free(rs->units[i].code);
        free(rs->units[i].short_name);
    }
    for (int i = 0; i < rs->nmetrics; i++) {
        pg_metric *m = &rs->metrics[i];
        free(m->id), free(m->name), free(m->unit), free(m->desc);
    }
    for (int i = 0; i < rs->nnodes; i++) {
        pg_node *n = &rs->nodes[i];
        free(n->id), free(n->name), free(n->standard), free(n->source), free(n->desc);
        free(n->rectify);
        free(n->children), free(n->points);
        free_method(&n->method);
        pg__free_compose(n);
    }
    for (int i = 0; i < rs->nschemes; i++) {
        pg_scheme *s = &rs->schemes[i];
        for (int k = 0; k < s->nparts; k++)
            free(s->parts[k].id), free(s->parts[k].name), free(s->parts[k].ref);
        free(s->parts), free(s->order), free(s->id), free(s->name), free(s->number);
    }
    for (int i = 0; i < rs->ntie; i++) free(rs->tie_breakers[i]);
    for (int i = 0; i < rs->nbands; i++) free(rs->bands[i].label);
    for (int i = 0; i < rs->nstrings; i++) free(rs->strings[i]);
    free(rs->groups), free(rs->units), free(rs->metrics), free(rs->nodes), free(rs->schemes);
    free(rs->tie_breakers), free(rs->bands), free(rs->strings);
    pg_strmap_free(&rs->group_ids);
    pg_strmap_free(&rs->unit_ids);
    pg_strmap_free(&rs->metric_ids);
    pg_strmap_free(&rs->node_ids);
    pg_strmap_free(&rs->scheme_ids);
    pg_strmap_free(&rs->source_ids);
    pg_sandbox_free(rs->sb);
    for (int i = 0; i < rs->nlayers; i++) free(rs->layers[i].dir), free(rs->layers[i].fsdir);
    free(rs->layers), free(rs->lineage), free(rs->extends);
    free(rs->dir), free(rs->fsdir), free(rs->id), free(rs->name), free(rs->timezone);
    free(rs->issuer), free(rs->rectify);
    free(rs);
}
