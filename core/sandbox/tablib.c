/* tablib.c — the table functions whose loop a rule controls, with a charge in the loop.
 *
 * Why: concat, insert, remove, move and unpack walk a range the rule chooses, and every
 * element is read (and written) through lua_geti/lua_seti, which follow __index/__newindex
 * chains of tables up to 2000 deep without running a Lua instruction. A proxy table can thus
 * make one call do range × 2000 lookups while the state stays tiny, so neither the count
 * hook nor the memory cap sees it. These versions, written from the reference manual (§6.6),
 * behave as Lua's and charge one step per element to the entry's budget and deadline (see
 * pg__sandbox_charge). table.sort keeps Lua's own algorithm (its order among equal elements
 * is what rule sets get today) but compares through a shim that charges each comparison; the
 * element reads between two comparisons are a bounded handful. */
#include "sandbox_internal.h"

#include <lauxlib.h>
#include <limits.h>
#include <string.h>

#define NEED_READ 1
#define NEED_WRITE 2
#define NEED_LEN 4

static void charge(lua_State *L, long *steps, const char *fname)
{
    if (++*steps >= PG__CHARGE_EVERY) {
        pg__sandbox_charge(L, *steps, fname);
        *steps = 0;
    }
}

static int has_field(lua_State *L, const char *key)
{
    int t = lua_getfield(L, -1, key);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

/* Argument `arg` must be a table, or something whose metatable offers what `need` says. */
static void check_table(lua_State *L, int arg, int need)
{
    if (lua_type(L, arg) == LUA_TTABLE) return;
    if (lua_getmetatable(L, arg)) {
        int ok = (!(need & NEED_READ) || has_field(L, "__index")) &&
                 (!(need & NEED_WRITE) || has_field(L, "__newindex")) &&
                 (!(need & NEED_LEN) || has_field(L, "__len"));
        lua_pop(L, 1);
        if (ok) return;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
}

static lua_Integer length(lua_State *L, int arg, int need)
{
    check_table(L, arg, need | NEED_LEN);
    return luaL_len(L, arg);
}

static int tab_concat(lua_State *L)
{
    lua_Integer last = length(L, 1, NEED_READ);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    long steps = 0;
    for (; i <= last; i++) {
        charge(L, &steps, "table.concat");
        lua_geti(L, 1, i);
        if (!lua_isstring(L, -1))
            return luaL_error(L, "invalid value (at index %I) in table for 'concat'",
                              (LUAI_UACINT)i);
        luaL_addvalue(&b);
        if (i != last) luaL_addlstring(&b, sep, lsep);
        if (i == LUA_MAXINTEGER) break;
    }
    pg__sandbox_charge(L, steps, "table.concat");
    luaL_pushresult(&b);
    return 1;
}

static int tab_insert(lua_State *L)
{
    lua_Integer end = length(L, 1, NEED_READ | NEED_WRITE) + 1, pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = end;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2, "position out of bounds");
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    long steps = 0;
    for (lua_Integer k = end; k > pos; k--) { /* t[k] = t[k - 1], from the top down */
        charge(L, &steps, "table.insert");
        lua_geti(L, 1, k - 1);
        lua_seti(L, 1, k);
    }
    pg__sandbox_charge(L, steps, "table.insert");
    lua_seti(L, 1, pos);
    return 0;
}

static int tab_remove(lua_State *L)
{
    lua_Integer size = length(L, 1, NEED_READ | NEED_WRITE);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos); /* the result */
    long steps = 0;
    for (; pos < size; pos++) {
        charge(L, &steps, "table.remove");
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    pg__sandbox_charge(L, steps, "table.remove");
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int tab_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int dest = lua_isnoneornil(L, 5) ? 1 : 5;
    check_table(L, 1, NEED_READ);
    check_table(L, dest, NEED_WRITE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        long steps = 0;
        if (t > e || t <= f || (dest != 1 && !lua_compare(L, 1, dest, LUA_OPEQ))) {
            for (lua_Integer k = 0; k < n; k++) {
                charge(L, &steps, "table.move");
                lua_geti(L, 1, f + k);
                lua_seti(L, dest, t + k);
            }
        } else { /* overlapping, destination after the source: from the end */
            for (lua_Integer k = n - 1; k >= 0; k--) {
                charge(L, &steps, "table.move");
                lua_geti(L, 1, f + k);
                lua_seti(L, dest, t + k);
            }
        }
        pg__sandbox_charge(L, steps, "table.move");
    }
    lua_pushvalue(L, dest);
    return 1;
}

static int tab_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
    if (i > e) return 0;
    lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i;
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n)))
        return luaL_error(L, "too many results to unpack");
    long steps = 0;
    for (; i < e; i++) {
        charge(L, &steps, "table.unpack");
        lua_geti(L, 1, i);
    }
    lua_geti(L, 1, e);
    pg__sandbox_charge(L, steps, "table.unpack");
    return (int)n;
}

/* The comparison table.sort makes: the rule's function (upvalue 1) or `<`. */
static int sort_compare(lua_State *L)
{
    pg__sandbox_charge(L, 1, "table.sort");
    if (lua_isnil(L, lua_upvalueindex(1))) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* Upvalue 1 is Lua's table.sort. */
static int tab_sort(lua_State *L)
{
    check_table(L, 1, NEED_READ | NEED_WRITE | NEED_LEN);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sort_compare, 1);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        /* Lua's sort raises its own errors ("invalid order function for sorting") at the
         * level of its caller, which is now this function: give them the rule's place. */
        const char *m = lua_tostring(L, -1);
        if (m && (strncmp(m, "invalid order function", 22) == 0 ||
                  strncmp(m, "array too big", 13) == 0)) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return 0;
}

void pg__tablib_open(lua_State *L)
{
    static const luaL_Reg fns[] = {{"concat", tab_concat}, {"insert", tab_insert},
                                   {"remove", tab_remove}, {"move", tab_move},
                                   {"unpack", tab_unpack}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lua_getfield(L, -1, "sort");
    lua_pushcclosure(L, tab_sort, 1);
    lua_setfield(L, -2, "sort");
}
