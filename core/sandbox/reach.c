/* reach.c — every function a rule can reach, and why none can hold a worker past its deadline.
 *
 * The mechanism (see limits.c for the hook and the allocator): a wall-clock deadline per
 * entry, checked
 *   1. in the count hook, every PG__HOOK_EVERY (1000) VM instructions, or after every instruction
 *      while the state holds a block of 64 KiB or more ("heavy": a long string, a big table,
 *      a deep stack, which make single instructions and single calls long);
 *   2. in the allocator, on every block of 64 KiB or more; past the deadline such a block is
 *      refused, so a long C function that builds output stops at its next growth;
 *   3. in our own C functions (pattern.c, tablib.c), every PG__CHARGE_EVERY steps of any loop
 *      a rule controls.
 * We chose bounding every function over killing a worker process at the deadline: it keeps
 * the state (and the rule set's other rows) usable after a kill, costs nothing per call, and
 * needs no process per pool slot. Its price is this table: a C function not in it cannot be
 * reached, and each one in it has a stated worst case.
 *
 * The worst case of a call is stated in terms of S, the bytes the state holds (at most the
 * memory cap: 32 MiB for a call, 64 MiB for a load, by default), and the overrun is the time
 * the deadline can be passed by: at most one call, or 1000 instructions that each cost
 * O(64 KiB). Only the libraries listed here are opened; io, debug, package, coroutine, load,
 * dofile, loadfile, collectgarbage, rawget/rawset/rawequal are not in the base at all (see
 * the base list in sandbox.c). */
#include "sandbox_internal.h"

#include <lauxlib.h>
#include <string.h>

typedef enum {
    NATIVE, /* Lua's own C function: bounded as the worst case says */
    OURS,   /* replaced in pattern.c or tablib.c: step-charged */
    LUA,    /* a Lua wrapper in sandbox.c's hardening (runs under the count hook) */
    DROPPED /* removed: cannot be bounded, or has no use in a rule */
} how;

static const struct {
    const char *lib, *name;
    how how;
    const char *worst; /* the documentation; not used at run time */
} reach[] = {
    /* base (the list sandbox.c copies into the base) */
    {"_G", "assert", NATIVE, "O(1)"},
    {"_G", "error", NATIVE, "O(1)"},
    {"_G", "ipairs", NATIVE,
     "O(1); each step is an instruction (an __index chain: <= 2000 lookups)"},
    {"_G", "next", NATIVE, "O(table size) on a sparse table, <= S: heavy when big"},
    {"_G", "pairs", NATIVE, "O(1); __pairs runs as Lua"},
    {"_G", "pcall", LUA, "O(1); cannot catch a kill (the hook raises again)"},
    {"_G", "select", NATIVE, "O(1)"},
    {"_G", "tonumber", NATIVE, "O(string length) <= S: heavy when long"},
    {"_G", "tostring", NATIVE, "O(1); __tostring runs as Lua"},
    {"_G", "type", NATIVE, "O(1)"},
    {"_G", "xpcall", LUA, "the handler runs after unwinding, with the hook on"},
    {"_G", "setmetatable", LUA, "O(1); __gc refused (finalizers run without the hook)"},
    {"_G", "getmetatable", NATIVE, "O(1)"},
    {"_G", "rawlen", NATIVE, "O(log n)"},
    {"_G", "print", NATIVE, "ours (sandbox.c): at most 4 KiB written per call"},
    {"_G", "require", NATIVE, "ours (sandbox.c): O(file size); the file's code runs as Lua"},
    /* string */
    {"string", "byte", NATIVE, "O(j - i) values pushed; the stack grows, so heavy past 4 Ki"},
    {"string", "char", NATIVE, "O(arguments); output allocated"},
    {"string", "dump", DROPPED, "loads bytecode's mirror image"},
    {"string", "find", OURS, "steps charged; plain find O(n + m) (memmem)"},
    {"string", "format", NATIVE, "O(output) <= S; each directive's output is bounded"},
    {"string", "gmatch", OURS, "steps charged per iteration"},
    {"string", "gsub", OURS, "steps charged, including each replacement string"},
    {"string", "len", NATIVE, "O(1)"},
    {"string", "lower", NATIVE, "O(output) <= S, allocated"},
    {"string", "match", OURS, "steps charged"},
    {"string", "rep", LUA, "O(output) <= S, allocated up front; an empty result is O(1)"},
    {"string", "reverse", NATIVE, "O(output) <= S, allocated"},
    {"string", "sub", NATIVE, "O(output) <= S, allocated"},
    {"string", "upper", NATIVE, "O(output) <= S, allocated"},
    {"string", "pack", DROPPED, "format loops without output; rules have no binary data"},
    {"string", "packsize", DROPPED, "as pack"},
    {"string", "unpack", DROPPED, "as pack"},
    /* table */
    {"table", "concat", OURS, "one step per element"},
    {"table", "insert", OURS, "one step per element shifted"},
    {"table", "move", OURS, "one step per element (and at most 1e7, hardening)"},
    {"table", "pack", NATIVE, "O(arguments), allocated"},
    {"table", "remove", OURS, "one step per element shifted"},
    {"table", "sort", OURS, "Lua's sort; one step per comparison"},
    {"table", "unpack", OURS, "one step per element"},
    /* math: O(1) each, except max and min, O(arguments) (a deep stack: heavy) */
    {"math", "abs", NATIVE, "O(1)"},
    {"math", "ceil", NATIVE, "O(1)"},
    {"math", "cos", NATIVE, "O(1)"},
    {"math", "deg", NATIVE, "O(1)"},
    {"math", "exp", NATIVE, "O(1)"},
    {"math", "floor", NATIVE, "O(1)"},
    {"math", "fmod", NATIVE, "O(1)"},
    {"math", "log", NATIVE, "O(1)"},
    {"math", "max", NATIVE, "O(arguments)"},
    {"math", "min", NATIVE, "O(arguments)"},
    {"math", "modf", NATIVE, "O(1)"},
    {"math", "rad", NATIVE, "O(1)"},
    {"math", "sin", NATIVE, "O(1)"},
    {"math", "sqrt", NATIVE, "O(1)"},
    {"math", "tan", NATIVE, "O(1)"},
    {"math", "acos", NATIVE, "O(1)"},
    {"math", "asin", NATIVE, "O(1)"},
    {"math", "atan", NATIVE, "O(1)"},
    {"math", "tointeger", NATIVE, "O(1)"},
    {"math", "type", NATIVE, "O(1)"},
    {"math", "ult", NATIVE, "O(1)"},
    {"math", "random", DROPPED, "scores would differ between runs"},
    {"math", "randomseed", DROPPED, "as random"},
    /* utf8 */
    {"utf8", "char", NATIVE, "O(arguments), allocated"},
    {"utf8", "codes", NATIVE, "O(1); each step O(run of continuation bytes) <= S: heavy"},
    {"utf8", "codepoint", NATIVE, "O(j - i) values pushed: heavy past 4 Ki"},
    {"utf8", "len", NATIVE, "O(string length) <= S: heavy when long"},
    {"utf8", "offset", NATIVE, "O(string length) <= S: heavy when long"},
    /* os: only these three are copied into the base */
    {"os", "clock", NATIVE, "O(1)"},
    {"os", "date", NATIVE, "O(output) <= S: each directive is O(1), allocated"},
    {"os", "time", NATIVE, "O(1)"},
};

static int listed(const char *lib, const char *name)
{
    for (size_t i = 0; i < sizeof reach / sizeof reach[0]; i++)
        if (strcmp(reach[i].lib, lib) == 0 && strcmp(reach[i].name, name) == 0)
            return reach[i].how != DROPPED;
    return 0;
}

/* Removes from the library table on top of the stack every function the table does not list
 * as reachable (so a newer Lua's additions are not reachable until someone bounds them). */
static void prune(lua_State *L, const char *lib)
{
    lua_newtable(L); /* the names to remove, collected first: no writes while traversing */
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_gettable(L, -4);
            int fn = lua_isfunction(L, -1);
            lua_pop(L, 1);
            if (fn && !listed(lib, lua_tostring(L, -1))) {
                lua_pushvalue(L, -1);
                lua_rawseti(L, -3, ++n);
            }
        }
    }
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_pushnil(L);
        lua_settable(L, -4);
    }
    lua_pop(L, 1);
}

void pg__reach_open(lua_State *L)
{
    static const char *const libs[] = {"string", "table", "math", "utf8", "os", NULL};
    for (const char *const *lib = libs; *lib; lib++) {
        lua_getglobal(L, *lib);
        if (strcmp(*lib, "string") == 0) pg__pattern_open(L);
        if (strcmp(*lib, "table") == 0) pg__tablib_open(L);
        if (strcmp(*lib, "os") != 0) prune(L, *lib); /* os: sandbox.c copies three */
        lua_pop(L, 1);
    }
}
