/* prelude.c — the rule DSL. It runs once per sandbox with debug.getinfo handed in as an
 * upvalue, so declarations can record the file and line they were written on while rule code
 * itself never sees the debug library. */
#include "prelude.h"
#include "base.h"

#include <lauxlib.h>
#include <lualib.h>

static const char dsl_source[] =
    "local getinfo = ...\n"
    "local type, error, setmetatable, ipairs = type, error, setmetatable, ipairs\n"
    "local decls, method_mt = {}, { __name = 'pinggu.method', __metatable = false }\n"
    "local function where(level)\n"
    "  local info = getinfo(level + 1, 'Sl')\n"
    "  if not info then return '?', 0 end\n"
    "  local src = info.source\n"
    "  if src:sub(1, 1) == '@' then src = src:sub(2) else src = info.short_src end\n"
    "  return src, info.currentline\n"
    "end\n"
    "local function add(kind, id, t, file, line)\n"
    "  decls[#decls + 1] = { kind = kind, id = id, t = t, file = file, line = line }\n"
    "end\n"
    "local function declarer(kind)\n"
    "  return function(id)\n"
    "    local file, line = where(2)\n"
    "    if type(id) ~= 'string' or id == '' then\n"
    "      error(('%s: expected an id string, as in %s \"id\" { ... }'):format(kind, kind), 2)\n"
    "    end\n"
    "    return function(t)\n"
    "      if type(t) ~= 'table' then\n"
    "        error(('%s \"%s\": expected a table { ... } after the id'):format(kind, id), 2)\n"
    "      end\n"
    "      add(kind, id, t, file, line)\n"
    "      return id\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local dsl = {}\n"
    "for _, kind in ipairs { 'group', 'metric', 'indicator', 'scheme', 'source' } do\n"
    "  dsl[kind] = declarer(kind)\n"
    "end\n"
    "function dsl.ruleset(t)\n"
    "  local file, line = where(2)\n"
    "  if type(t) ~= 'table' then\n"
    "    error('ruleset: expected a table, as in ruleset { id = \"...\", ... }', 2)\n"
    "  end\n"
    "  add('ruleset', t.id, t, file, line)\n"
    "end\n"
    "function dsl.calendar(t)\n"
    "  local file, line = where(2)\n"
    "  if type(t) ~= 'table' then\n"
    "    error('calendar: expected a table, as in calendar { holidays = { ... } }', 2)\n"
    "  end\n"
    "  add('calendar', 'calendar', t, file, line)\n"
    "end\n"
    "for _, name in ipairs { 'linear', 'steps', 'target', 'best_ratio', 'rank', 'minmax',\n"
    "                        'zscore', 'deduct', 'per_event', 'flag' } do\n"
    "  dsl[name] = function(t)\n"
    "    local file, line = where(2)\n"
    "    if t == nil then t = {} end\n"
    "    if type(t) ~= 'table' then\n"
    "      error(('%s: expected a table of parameters, as in %s { ... }'):format(name, name), 2)\n"
    "    end\n"
    "    return setmetatable({ method = name, args = t, file = file, line = line }, method_mt)\n"
    "  end\n"
    "end\n"
    "return dsl, decls, method_mt\n";

int pg_prelude_install(pg_sandbox *sb, char **err)
{
    lua_State *L = pg_sandbox_state(sb);
    if (luaL_loadbufferx(L, dsl_source, sizeof dsl_source - 1, "=pinggu-dsl", "t") != LUA_OK)
        goto fail;
    luaL_requiref(L, LUA_DBLIBNAME, luaopen_debug, 0);
    lua_getfield(L, -1, "getinfo");
    lua_remove(L, -2);
    if (lua_pcall(L, 1, 3, 0) != LUA_OK) goto fail;
    pg_sandbox_push_base(sb);
    lua_pushnil(L);
    while (lua_next(L, -5)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -4);
    }
    lua_pop(L, 1);     /* base */
    lua_remove(L, -3); /* dsl */
    return 0;
fail:
    *err = pg_xstrdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
}
