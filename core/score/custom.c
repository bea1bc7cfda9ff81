/* custom.c — the bridge from the evaluator to rule authors' Lua functions. */
#include "custom.h"
#include "base.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

struct pg_custom {
    const pg_ruleset *rs;
    lua_State *L;
    int units_ref;  /* array of unit tables, built on first use */
    int period_ref; /* the period string */
    int ids_ref;    /* array of the unit id strings, built on first use */
};

pg_custom *pg_custom_begin(const pg_ruleset *rs, int period)
{
    pg_custom *c = pg_xcalloc(1, sizeof *c);
    c->rs = rs;
    c->L = pg_sandbox_state(rs->sb);
    c->units_ref = LUA_NOREF;
    c->ids_ref = LUA_NOREF;
    char buf[PG_PERIOD_BUF];
    lua_pushstring(c->L, pg_period_format(period, buf));
    c->period_ref = luaL_ref(c->L, LUA_REGISTRYINDEX);
    return c;
}

void pg_custom_end(pg_custom *c)
{
    if (!c) return;
    luaL_unref(c->L, LUA_REGISTRYINDEX, c->units_ref);
    luaL_unref(c->L, LUA_REGISTRYINDEX, c->ids_ref);
    luaL_unref(c->L, LUA_REGISTRYINDEX, c->period_ref);
    free(c);
}

static void push_units(pg_custom *c)
{
    lua_State *L = c->L;
    if (c->units_ref == LUA_NOREF) {
        const pg_ruleset *rs = c->rs;
        lua_createtable(L, rs->nunits, 0);
        for (int u = 0; u < rs->nunits; u++) {
            const pg_unit *x = &rs->units[u];
            lua_createtable(L, 0, 4);
            lua_pushstring(L, x->id);
            lua_setfield(L, -2, "id");
            lua_pushstring(L, x->name);
            lua_setfield(L, -2, "name");
            lua_pushstring(L, rs->groups[x->group].id);
            lua_setfield(L, -2, "group");
            lua_pushstring(L, x->code);
            lua_setfield(L, -2, "code");
            lua_rawseti(L, -2, u + 1);
        }
        c->units_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->units_ref);
}

int pg_custom_group(pg_custom *c, const pg_group_stats *gs, const int *units, const double *values,
                    int n)
{
    lua_State *L = c->L;
    /* The unit ids are interned once per evaluation: lua_setfield with a C string would hash
     * and look up each id again for every indicator and group. */
    if (c->ids_ref == LUA_NOREF) {
        lua_createtable(L, c->rs->nunits, 0);
        for (int u = 0; u < c->rs->nunits; u++) {
            lua_pushstring(L, c->rs->units[u].id);
            lua_rawseti(L, -2, u + 1);
        }
        c->ids_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->ids_ref);
    int ids = lua_gettop(L);
    lua_createtable(L, 0, 6);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, ids, units[i] + 1);
        lua_pushnumber(L, values[i]);
        lua_rawset(L, -3);
    }
    lua_setfield(L, -2, "values");
    lua_createtable(L, gs->n, 0);
    for (int i = 0; i < gs->n; i++) {
        lua_pushnumber(L, gs->sorted[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "sorted");
    lua_pushinteger(L, gs->n);
    lua_setfield(L, -2, "n");
    if (gs->n) {
        lua_pushnumber(L, gs->min);
        lua_setfield(L, -2, "min");
        lua_pushnumber(L, gs->max);
        lua_setfield(L, -2, "max");
        lua_pushnumber(L, gs->mean);
        lua_setfield(L, -2, "mean");
    }
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1); /* ids */
    return ref;
}

void pg_custom_group_release(pg_custom *c, int group)
{
    luaL_unref(c->L, LUA_REGISTRYINDEX, group);
}

/* Where the function was written, for messages about what it returned. */
static char *function_site(lua_State *L, int ref)
{
    lua_Debug ar;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_getinfo(L, ">S", &ar);
    return pg_xasprintf("%s:%d", ar.short_src, ar.linedefined);
}

int pg_custom_share(pg_custom *c, const pg_node *node, int group, int unit, double v, double *share,
                    char **note, char **err)
{
    lua_State *L = c->L;
    *note = NULL;
    lua_rawgeti(L, LUA_REGISTRYINDEX, node->method.fn_ref);
    lua_pushnumber(L, v);
    lua_rawgeti(L, LUA_REGISTRYINDEX, group);
    push_units(c);
    lua_rawgeti(L, -1, unit + 1);
    lua_replace(L, -2); /* a copy, where lua_remove rotates the stack */
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->period_ref);
    if (node->params_ref != LUA_NOREF)
        lua_rawgeti(L, LUA_REGISTRYINDEX, node->params_ref);
    else
        lua_newtable(L);
    if (pg_sandbox_call(c->rs->sb, 5, 2, err) != 0) {
        if (strncmp(*err, "memory cap", 10) == 0) { /* Lua does not say where for these */
            char *site = function_site(L, node->method.fn_ref), *m = *err;
            *err = pg_xasprintf("%s: %s", site, m);
            free(site), free(m);
        }
        return -1;
    }
    int isnum = lua_type(L, -2) == LUA_TNUMBER;
    double s = lua_tonumber(L, -2);
    if (!isnum || !(s >= 0 && s <= 1)) {
        char *site = function_site(L, node->method.fn_ref);
        char t[PG_NUM_BUF];
        if (isnum)
            *err = pg_xasprintf("%s: the method returned %s; it must return a share between 0 "
                                "and 1",
                                site, pg_num_text(s, t));
        else
            *err = pg_xasprintf("%s: the method returned %s; it must return a number (a share "
                                "between 0 and 1)",
                                site, luaL_typename(L, -2));
        free(site);
        lua_pop(L, 2);
        return -1;
    }
    if (lua_type(L, -1) == LUA_TSTRING) *note = pg_xstrdup(lua_tostring(L, -1));
    lua_pop(L, 2);
    *share = s;
    return 0;
}

int pg_custom_composite(pg_custom *c, const pg_scheme *s, int unit, const double *parts,
                        double *total, char **err)
{
    lua_State *L = c->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->composite_ref);
    lua_createtable(L, 0, s->nparts);
    for (int k = 0; k < s->nparts; k++) {
        if (isnan(parts[k])) continue;
        lua_pushnumber(L, parts[k]);
        lua_setfield(L, -2, s->parts[k].id);
    }
    push_units(c);
    lua_rawgeti(L, -1, unit + 1);
    lua_remove(L, -2);
    if (pg_sandbox_call(c->rs->sb, 2, 1, err) != 0) return -1;
    int isnum = lua_type(L, -1) == LUA_TNUMBER;
    *total = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!isnum || !isfinite(*total)) {
        char *site = function_site(L, s->composite_ref);
        *err = pg_xasprintf("%s: scheme '%s': composite must return a number", site, s->id);
        free(site);
        return -1;
    }
    return 0;
}
