/* decl.c — reading the fields of one declaration table, for every file that reads
 * declarations (ruleset_load.c, ruleset_data.c): type-checked, without metamethods, with a
 * diagnostic at the declaration's file:line for a field of the wrong type or one that is
 * missing, and a warning for a field nobody knows (a typo must not pass silently). */
#include "ruleset_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pg__keep(pg_ruleset *rs, const char *s)
{
    rs->strings = pg_xrealloc(rs->strings, sizeof(char *) * (size_t)(rs->nstrings + 1));
    return rs->strings[rs->nstrings++] = pg_xstrdup(s);
}

/* Reads t[key] without metamethods: a declaration table may carry a metatable, and this
 * code runs outside any budget. Returns the type, like lua_getfield. */
int pg__rawfield(lua_State *L, int t, const char *key)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

int pg__number_pair(lua_State *L, int idx, double v[2])
{
    idx = lua_absindex(L, idx);
    int ok = lua_type(L, idx) == LUA_TTABLE && lua_rawlen(L, idx) == 2;
    for (int i = 0; ok && i < 2; i++) {
        ok = lua_rawgeti(L, idx, i + 1) == LUA_TNUMBER && isfinite(lua_tonumber(L, -1));
        v[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    return ok;
}

void pg__warn_unknown(loader *ld, int t, const where *w, const char *const *known)
{
    lua_State *L = ld->L;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        const char *k = lua_tostring(L, -1);
        const char *const *p = known;
        while (*p && strcmp(*p, k) != 0) p++;
        if (!*p)
            pg_warn(ld->d, w->file, w->line, "%s '%s': unknown field '%s' is ignored", w->kind,
                    w->id, k);
    }
}

/* Reads t[key] as a string: NULL if absent (an error if required) or of the wrong type. */
char *pg__opt_string(loader *ld, int t, const char *key, const where *w, int required)
{
    lua_State *L = ld->L;
    char *s = NULL;
    int ty = pg__rawfield(L, t, key);
    if (ty == LUA_TSTRING)
        s = pg_xstrdup(lua_tostring(L, -1));
    else if (ty != LUA_TNIL)
        BAD(ld, w, "%s '%s': field '%s' must be a string, not a %s", w->kind, w->id, key,
            lua_typename(L, ty));
    else if (required)
        BAD(ld, w, "%s '%s': field '%s' is required", w->kind, w->id, key);
    lua_pop(L, 1);
    return s;
}

/* Reads t[key] as a number, or `dflt` if absent; NAN (with an error) if of the wrong type. */
double pg__opt_number(loader *ld, int t, const char *key, const where *w, double dflt)
{
    lua_State *L = ld->L;
    double v = dflt;
    int ty = pg__rawfield(L, t, key);
    if (ty == LUA_TNUMBER && isfinite(lua_tonumber(L, -1)))
        v = lua_tonumber(L, -1);
    else if (ty == LUA_TNUMBER) {
        BAD(ld, w, "%s '%s': field '%s' must be a finite number", w->kind, w->id, key);
        v = NAN;
    } else if (ty != LUA_TNIL) {
        BAD(ld, w, "%s '%s': field '%s' must be a number, not a %s", w->kind, w->id, key,
            lua_typename(L, ty));
        v = NAN;
    }
    lua_pop(L, 1);
    return v;
}
