/* sandbox.c — one capped, allowlisted Lua state per rule set.
 *
 * Budgets: a count hook fires every HOOK_EVERY instructions and compares the running count
 * with the budget of the current entry. When it is spent, the hook re-arms itself to fire on
 * every instruction and raises each time, so a rule that wraps its loop in pcall cannot
 * swallow the kill (the Redis trick). Memory is capped in the allocator: past the limit it
 * returns NULL and Lua raises a memory error inside the call, never in the host.
 *
 * Deadline: every entry also has a wall-clock deadline (pg_sandbox_set_deadlines: one for a
 * load, one for a call). The instruction budget alone does not bound time: a single
 * instruction or C call can cost as much as the state is big (comparing two 30 MB strings,
 * tonumber on one), and Lua's own pattern matcher backtracks without ever returning to the VM.
 * So the deadline is checked where the time goes, never per instruction: in the count hook
 * (with the instruction count, on the same call); in the allocator, for blocks of BIG_BLOCK
 * bytes or more (a clock read is nothing beside filling them); and in every loop a rule
 * controls inside our own library functions (pg__sandbox_charge, from pattern.c and
 * tablib.c). While the state holds any block of BIG_BLOCK or more the hook fires after every
 * instruction instead of every HOOK_EVERY, so that no more than one expensive instruction or
 * call runs past the deadline; a rule set without big strings or tables never pays for it.
 * reach.c lists every function a rule can reach with its worst case. The clock is
 * CLOCK_MONOTONIC_COARSE: a read is a few nanoseconds, its resolution (a few ms) is far below
 * any deadline. Passing the deadline kills the entry like a spent budget: the message names
 * the rule's file:line and the function it was in, and a rule's pcall cannot swallow it.
 *
 * Environments: each file runs with its own _ENV whose __index reads the shared base and
 * raises on unknown names. Library tables in the base are copies, so a rule that assigns to
 * string.format changes only its own rule set's copy; string.dump and math.random are gone
 * from the real tables (the first loads bytecode's mirror image, the second would make
 * scores differ between runs). */
#include "sandbox.h"
#include "base.h"
#include "sandbox_internal.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOOK_EVERY 1000
#define BIG_BLOCK (64u << 10)
#define PRINT_MAX 4096

/* Process-wide, set before any thread runs rule code (pg_sandbox_set_deadlines). */
static long load_deadline_ms = PG_DEFAULT_LOAD_DEADLINE_MS;
static long call_deadline_ms = PG_DEFAULT_CALL_DEADLINE_MS;

struct pg_sandbox {
    lua_State *L;
    char *root;   /* the directory as messages and chunk names show it */
    char *fsroot; /* where its files are read from: root, or a snapshot of it */
    size_t used, limit;
    long count, allowed;
    int dying;             /* the entry is being unwound: every instruction raises kill_msg */
    int over_memory;       /* the allocator refused memory during this entry */
    int in_entry;          /* inside pg_sandbox_run_file/pg_sandbox_call */
    int closing;           /* lua_close is freeing everything: leave the hook alone */
    int late;              /* the allocator saw the deadline passed and armed the hook */
    int nbig;              /* live blocks of BIG_BLOCK bytes or more */
    int hook_every;        /* instructions between two hook calls when not dying */
    long long deadline_ns; /* CLOCK_MONOTONIC_COARSE; 0: none (outside an entry) */
    long deadline_ms;
    long long outer_ns; /* pg_sandbox_set_deadline_at; 0: none */
    char kill_msg[256];
    size_t call_memory;
    pg_budget budget;
    char **files;
    int nfiles;
    int base_ref, loaded_ref;
};

static pg_sandbox *sandbox_of(lua_State *L)
{
    return *(pg_sandbox **)lua_getextraspace(L);
}

static void budget_hook(lua_State *L, lua_Debug *ar);

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int past_deadline(const pg_sandbox *sb)
{
    return sb->deadline_ns && now_ns() > sb->deadline_ns;
}

/* Counts the live big blocks; the hook runs after every instruction while there are any. */
static void count_big(pg_sandbox *sb, size_t old, size_t nsize)
{
    int delta = (nsize >= BIG_BLOCK) - (old >= BIG_BLOCK);
    if (!delta) return;
    sb->nbig += delta;
    if (sb->closing || !sb->L || (sb->nbig != 0 && sb->nbig != delta)) return;
    sb->hook_every = sb->nbig ? 1 : HOOK_EVERY;
    if (!sb->dying && !sb->over_memory && !sb->late)
        lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, sb->hook_every);
}

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    pg_sandbox *sb = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        sb->used -= old;
        count_big(sb, old, 0);
        return NULL;
    }
    if (nsize >= BIG_BLOCK && sb->L && !sb->closing && !sb->late && !sb->dying &&
        past_deadline(sb)) {
        /* A C function building a big result: let it finish (its cost is bounded by the
         * memory cap) and end the entry at the next instruction. */
        sb->late = 1;
        lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, 1);
    }
    if (nsize > old && sb->used + (nsize - old) > sb->limit) {
        /* A rule's own pcall would catch the memory error and carry on; arm the hook so the
         * next instruction ends the entry, as for a spent instruction budget. */
        if (sb->L && !sb->over_memory) {
            sb->over_memory = 1;
            lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, 1);
        }
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p) {
        sb->used = sb->used - old + nsize;
        count_big(sb, old, nsize);
    }
    return p;
}

/* The innermost rule file's place at or above stack level `level`: wrappers in the
 * hardening chunk and C functions say nothing to an author. */
static void rule_site(lua_State *L, int level, char *buf, size_t size)
{
    lua_Debug ar;
    for (; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.source[0] == '@' && ar.currentline > 0) {
            snprintf(buf, size, "%s:%d", ar.short_src, ar.currentline);
            return;
        }
    }
    snprintf(buf, size, "(no rule file on the stack)");
}

/* What the running Lua function is, for the deadline's message. */
static void function_name(lua_State *L, lua_Debug *ar, char *buf, size_t size)
{
    if (!lua_getinfo(L, "nS", ar))
        snprintf(buf, size, "rule code");
    else if (strcmp(ar->what, "main") == 0)
        snprintf(buf, size, "the main chunk of %s", ar->short_src);
    else if (ar->name)
        snprintf(buf, size, "function '%s'", ar->name);
    else
        snprintf(buf, size, "the function at %s:%d", ar->short_src, ar->linedefined);
}

static int deadline_message(pg_sandbox *sb, const char *site, const char *where)
{
    return snprintf(sb->kill_msg, sizeof sb->kill_msg,
                    "%s: deadline exceeded (%ld ms) in %s; the rule runs too long, or the "
                    "deadline is too short for it",
                    site, sb->deadline_ms, where);
}

/* Ends the entry: every later instruction raises the same message (see budget_hook). */
static int kill_entry(pg_sandbox *sb, lua_State *L)
{
    sb->dying = 1;
    sb->limit += 1u << 20; /* headroom for unwinding and the message itself */
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, sb->kill_msg);
    return lua_error(L);
}

void pg__sandbox_charge(lua_State *L, long steps, const char *fname)
{
    pg_sandbox *sb = sandbox_of(L);
    if (!sb->in_entry) return;
    if (sb->dying) {
        lua_pushstring(L, sb->kill_msg);
        lua_error(L);
    }
    sb->count += steps;
    char site[200];
    if (past_deadline(sb)) {
        rule_site(L, 1, site, sizeof site);
        deadline_message(sb, site, fname);
    } else if (sb->count > sb->allowed) {
        rule_site(L, 1, site, sizeof site);
        snprintf(sb->kill_msg, sizeof sb->kill_msg,
                 "%s: instruction budget exceeded (%ld instructions) in %s; the rule runs away "
                 "or needs a larger budget",
                 site, sb->allowed, fname);
    } else {
        return;
    }
    kill_entry(sb, L);
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    pg_sandbox *sb = sandbox_of(L);
    if (!sb->dying) {
        sb->count += sb->hook_every;
        if (!sb->over_memory && !past_deadline(sb) && sb->count <= sb->allowed) {
            if (sb->late) { /* armed by the allocator, but the deadline moved (a new entry) */
                sb->late = 0;
                lua_sethook(L, budget_hook, LUA_MASKCOUNT, sb->hook_every);
            }
            return;
        }
        lua_getinfo(L, "Sl", ar);
        if (sb->over_memory) {
            snprintf(sb->kill_msg, sizeof sb->kill_msg,
                     "%s:%d: memory cap exceeded (%zu MiB); the rule builds too much or needs a "
                     "larger budget",
                     ar->short_src, ar->currentline, sb->call_memory >> 20);
        } else if (past_deadline(sb)) {
            char site[200], where[200];
            rule_site(L, 0, site, sizeof site);
            function_name(L, ar, where, sizeof where);
            deadline_message(sb, site, where);
        } else if (sb->count > sb->allowed)
            snprintf(sb->kill_msg, sizeof sb->kill_msg,
                     "%s:%d: instruction budget exceeded (%ld instructions); the rule runs away "
                     "or needs a larger budget",
                     ar->short_src, ar->currentline, sb->allowed);
        else
            return;
        sb->dying = 1;
        sb->limit += 1u << 20; /* headroom for unwinding and the message itself */
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushstring(L, sb->kill_msg);
    lua_error(L);
}

static void enter(pg_sandbox *sb, long instructions, size_t memory, long deadline_ms)
{
    long long now = now_ns();
    sb->deadline_ms = deadline_ms;
    sb->deadline_ns = now + (long long)deadline_ms * 1000000LL;
    if (sb->outer_ns && sb->outer_ns < sb->deadline_ns) sb->deadline_ns = sb->outer_ns;
    if (sb->deadline_ns <= 0) sb->deadline_ns = 1; /* already past: still "set" */
    sb->in_entry = 1;
    sb->count = 0;
    sb->allowed = instructions;
    sb->dying = 0;
    sb->over_memory = 0;
    sb->call_memory = memory;
    sb->limit = sb->used + memory < PG_STATE_MEMORY ? sb->used + memory : PG_STATE_MEMORY;
}

static void leave(pg_sandbox *sb)
{
    if (sb->dying || sb->over_memory || sb->late)
        lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, sb->hook_every);
    sb->dying = 0;
    sb->over_memory = 0;
    sb->late = 0;
    sb->in_entry = 0;
    sb->deadline_ns = 0;
    sb->limit = PG_STATE_MEMORY;
}

/* No __tostring: the handler may run with hooks off, where rule code must not run. */
static int message_handler(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}

/* Runs the function; turns a failure into a malloc'd message. The handler is not put under
 * the function for every call (a push and two stack rotations per call): it only turns an
 * error object that is not a string into one, which can as well be done after lua_pcall has
 * returned, in a protected call of its own, on the rare error path. */
static int protected_call(pg_sandbox *sb, int nargs, int nresults, char **err)
{
    lua_State *L = sb->L;
    int st = lua_pcall(L, nargs, nresults, 0);
    int dying = sb->dying;
    leave(sb);
    if (st == LUA_OK) return 0;
    if (!dying && st != LUA_ERRMEM && lua_type(L, -1) != LUA_TSTRING) {
        lua_pushcfunction(L, message_handler);
        lua_insert(L, -2);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            lua_pop(L, 1);
            lua_pushnil(L); /* "unknown error" below */
        }
    }
    if (dying)
        *err = pg_xstrdup(sb->kill_msg);
    else if (st == LUA_ERRMEM)
        *err = pg_xasprintf("memory cap exceeded (%zu MiB); the rule builds too much or needs a "
                            "larger budget",
                            sb->call_memory >> 20);
    else
        *err = pg_xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "unknown error");
    lua_pop(L, 1);
    return -1;
}

static int strict_index(lua_State *L)
{
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    if (!lua_isnil(L, -1)) return 1;
    const char *name = luaL_tolstring(L, 2, NULL);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        lua_pushfstring(L,
                        "%s:%d: unknown global '%s' (a typo, or a name this sandbox does not "
                        "offer)",
                        ar.short_src, ar.currentline, name);
    else
        lua_pushfstring(L, "unknown global '%s'", name);
    return lua_error(L);
}

/* At most PRINT_MAX bytes a call: a rule's print is for its author, and a long write to a
 * pipe could block past the deadline. */
static int print_to_stderr(lua_State *L)
{
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar))
        fprintf(stderr, "%s:%d:", ar.short_src, ar.currentline);
    size_t room = PRINT_MAX;
    for (int i = 1, n = lua_gettop(L); i <= n && room > 0; i++) {
        size_t len;
        const char *v = luaL_tolstring(L, i, &len);
        if (len > room - 1) len = room - 1;
        fprintf(stderr, " %.*s", (int)len, v);
        room -= len + 1;
        lua_pop(L, 1);
    }
    if (room == 0) fputs(" [...]", stderr);
    fputc('\n', stderr);
    return 0;
}

static int valid_module_name(const char *s)
{
    if (!*s || *s == '.') return 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.' && (p[1] == '.' || p[1] == '\0')) return 0;
        if (*p != '.' && *p != '_' && *p != '-' && !(*p >= 'a' && *p <= 'z') &&
            !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
            return 0;
    }
    return 1;
}

static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) buf = pg_xrealloc(buf, cap = cap ? cap * 2 : 8192);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Pushes root/relpath compiled (text only) with a fresh strict environment, or returns -1
 * with a message pushed instead. */
static int load_rule_file(pg_sandbox *sb, const char *relpath)
{
    lua_State *L = sb->L;
    char *fspath = pg_xasprintf("%s/%s", sb->fsroot, relpath);
    size_t len = 0;
    char *buf = read_whole(fspath, &len);
    free(fspath);
    char *path = pg_xasprintf("%s/%s", sb->root, relpath);
    if (!buf) {
        lua_pushfstring(L, "%s: cannot read: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    char *chunkname = pg_xasprintf("@%s", path);
    int st = luaL_loadbufferx(L, buf, len, chunkname, "t");
    free(buf);
    free(chunkname);
    if (st != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        if (m && strncmp(m, path, strlen(path)) != 0) {
            lua_pushfstring(L, "%s: %s", path, m);
            lua_remove(L, -2);
        }
        free(path);
        return -1;
    }
    free(path);
    lua_newtable(L); /* the file's _ENV */
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->base_ref);
    lua_pushcclosure(L, strict_index, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setupvalue(L, -2, 1);
    sb->files = pg_xrealloc(sb->files, sizeof(char *) * (size_t)(sb->nfiles + 1));
    sb->files[sb->nfiles++] = pg_xstrdup(relpath);
    return 0;
}

static int file_exists(const pg_sandbox *sb, const char *relpath)
{
    char *path = pg_xasprintf("%s/%s", sb->fsroot, relpath);
    FILE *f = fopen(path, "rb");
    free(path);
    if (f) fclose(f);
    return f != NULL;
}

static int rule_require(lua_State *L)
{
    pg_sandbox *sb = sandbox_of(L);
    const char *name = luaL_checkstring(L, 1);
    if (!valid_module_name(name))
        return luaL_error(L,
                          "require '%s': a module name is letters, digits, '_' and '-', "
                          "separated by dots",
                          name);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->loaded_ref);
    int loaded = lua_gettop(L);
    if (lua_getfield(L, loaded, name) != LUA_TNIL) {
        if (lua_islightuserdata(L, -1))
            return luaL_error(L, "require '%s': the module requires itself (a cycle)", name);
        return 1;
    }
    lua_pop(L, 1);
    char *base = pg_xstrdup(name);
    for (char *p = base; *p; p++)
        if (*p == '.') *p = '/';
    char *rel = pg_xasprintf("%s.lua", base);
    if (!file_exists(sb, rel)) {
        free(rel);
        rel = pg_xasprintf("%s/init.lua", base);
    }
    free(base);
    if (!file_exists(sb, rel)) {
        free(rel);
        return luaL_error(L, "require '%s': no file %s/%s.lua in the rule set", name, sb->root,
                          name);
    }
    lua_pushlightuserdata(L, sb); /* "loading" marker */
    lua_setfield(L, loaded, name);
    int st = load_rule_file(sb, rel);
    free(rel);
    if (st != 0 || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        lua_pushnil(L); /* a failed module is not "loading" any more: the next require retries */
        lua_setfield(L, loaded, name);
        return lua_error(L);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, loaded, name);
    return 1;
}

/* Copies the listed fields of the table at `src` into a new table set as base[name]. */
static void copy_lib(lua_State *L, int base, const char *name, const char *const *keep)
{
    lua_getglobal(L, name);
    lua_newtable(L);
    if (keep) {
        for (; *keep; keep++) {
            lua_getfield(L, -2, *keep);
            lua_setfield(L, -2, *keep);
        }
    } else {
        lua_pushnil(L);
        while (lua_next(L, -3)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, -4);
        }
    }
    lua_setfield(L, base, name);
    lua_pop(L, 1);
}

/* Run once on the real libraries before the base is copied from them, after reach.c has put
 * our step-charged pattern and table functions in and pruned what is not reachable. It
 * removes what must not exist even through the string metatable (string.dump; math.random,
 * which would make scores differ between runs) and wraps what is cheaper to bound in Lua
 * (string.rep of an empty string, which loops without allocating; table.move/concat ranges).
 * xpcall calls its handler after
 * unwinding, because Lua runs a handler with hooks off; setmetatable refuses __gc, because
 * finalizers also run without hooks. */
static const char hardening[] =
    "local string, table, math, type, error, pcall, rawget = string, table, math, type, error,\n"
    "  pcall, rawget\n"
    "local rep, move, concat, pack, unpack = string.rep, table.move, table.concat, table.pack,\n"
    "  table.unpack\n"
    "local MAX_N = 1e7\n"
    "string.dump, math.random, math.randomseed = nil, nil, nil\n"
    "getmetatable('').__metatable = false\n"
    "local function too_many(name, n)\n"
    "  error(('%s: %.0f is more than a rule may ask for (%.0f)'):format(name, n, MAX_N), 3)\n"
    "end\n"
    "string.rep = function(s, n, sep)\n"
    "  if s == '' and (sep == nil or sep == '') and type(n) == 'number' then return '' end\n"
    "  return rep(s, n, sep)\n"
    "end\n"
    "table.move = function(a1, f, e, t, a2)\n"
    "  if type(f) == 'number' and type(e) == 'number' and e - f > MAX_N then\n"
    "    too_many('table.move', e - f)\n"
    "  end\n"
    "  return move(a1, f, e, t, a2)\n"
    "end\n"
    "table.concat = function(list, sep, i, j)\n"
    "  if type(i) == 'number' and type(j) == 'number' and j - i > MAX_N then\n"
    "    too_many('table.concat', j - i)\n"
    "  end\n"
    "  return concat(list, sep, i, j)\n"
    "end\n"
    "xpcall = function(f, handler, ...)\n"
    "  local r = pack(pcall(f, ...))\n"
    "  if r[1] then return unpack(r, 1, r.n) end\n"
    "  return false, handler(r[2])\n"
    "end\n"
    "local setmt = setmetatable\n"
    "setmetatable = function(t, mt)\n"
    "  if type(t) ~= 'table' or (mt ~= nil and type(mt) ~= 'table') then\n"
    "    error('setmetatable: expects a table and a metatable (a table or nil)', 2)\n"
    "  end\n"
    "  if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then\n"
    "    error('setmetatable: __gc finalizers are not allowed in rules', 2)\n"
    "  end\n"
    "  return setmt(t, mt)\n"
    "end\n";

static const char *const base_funcs[] = {
    "assert",   "error", "ipairs", "next",         "pairs",        "pcall",  "select",   "tonumber",
    "tostring", "type",  "xpcall", "setmetatable", "getmetatable", "rawlen", "_VERSION", NULL};
static const char *const os_funcs[] = {"time", "date", "clock", NULL};

pg_sandbox *pg_sandbox_new(const char *root)
{
    pg_sandbox *sb = pg_xcalloc(1, sizeof *sb);
    sb->limit = PG_STATE_MEMORY;
    sb->hook_every = HOOK_EVERY;
    sb->budget = (pg_budget){PG_DEFAULT_INSTRUCTIONS, PG_DEFAULT_MEMORY};
    sb->root = pg_xstrdup(root);
    sb->fsroot = pg_xstrdup(root);
    lua_State *L = sb->L = lua_newstate(capped_alloc, sb);
    if (!L) {
        free(sb->root);
        free(sb->fsroot);
        free(sb);
        return NULL;
    }
    *(pg_sandbox **)lua_getextraspace(L) = sb;
    luaL_requiref(L, "_G", luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
    lua_pop(L, 6);
    pg__reach_open(L);

    if (luaL_loadbufferx(L, hardening, sizeof hardening - 1, "=pinggu-sandbox", "t") != LUA_OK ||
        lua_pcall(L, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "pinggu: sandbox: %s\n", lua_tostring(L, -1));
        lua_close(L);
        free(sb->root);
        free(sb->fsroot);
        free(sb);
        return NULL;
    }

    lua_newtable(L);
    int base = lua_gettop(L);
    for (const char *const *f = base_funcs; *f; f++) {
        lua_getglobal(L, *f);
        lua_setfield(L, base, *f);
    }
    lua_pushcfunction(L, print_to_stderr);
    lua_setfield(L, base, "print");
    lua_pushcfunction(L, rule_require);
    lua_setfield(L, base, "require");
    copy_lib(L, base, "string", NULL);
    copy_lib(L, base, "table", NULL);
    copy_lib(L, base, "math", NULL);
    copy_lib(L, base, "utf8", NULL);
    copy_lib(L, base, "os", os_funcs);
    sb->base_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    sb->loaded_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    return sb;
}

void pg_sandbox_free(pg_sandbox *sb)
{
    if (!sb) return;
    sb->closing = 1;
    lua_close(sb->L);
    for (int i = 0; i < sb->nfiles; i++) free(sb->files[i]);
    free(sb->files);
    free(sb->root);
    free(sb->fsroot);
    free(sb);
}

lua_State *pg_sandbox_state(pg_sandbox *sb)
{
    return sb->L;
}

void pg_sandbox_push_base(pg_sandbox *sb)
{
    lua_rawgeti(sb->L, LUA_REGISTRYINDEX, sb->base_ref);
}

int pg_sandbox_run_file(pg_sandbox *sb, const char *relpath, char **err)
{
    if (load_rule_file(sb, relpath) != 0) {
        *err = pg_xstrdup(lua_tostring(sb->L, -1));
        lua_pop(sb->L, 1);
        return -1;
    }
    enter(sb, PG_LOAD_INSTRUCTIONS, PG_LOAD_MEMORY, load_deadline_ms);
    return protected_call(sb, 0, 1, err);
}

int pg_sandbox_call(pg_sandbox *sb, int nargs, int nresults, char **err)
{
    enter(sb, sb->budget.instructions, sb->budget.memory, call_deadline_ms);
    return protected_call(sb, nargs, nresults, err);
}

void pg_sandbox_read_from(pg_sandbox *sb, const char *fsroot)
{
    free(sb->fsroot);
    sb->fsroot = pg_xstrdup(fsroot);
}

void pg_sandbox_set_budget(pg_sandbox *sb, pg_budget b)
{
    sb->budget.instructions = b.instructions > 0 ? b.instructions : PG_DEFAULT_INSTRUCTIONS;
    sb->budget.memory = b.memory > 0 ? b.memory : PG_DEFAULT_MEMORY;
}

size_t pg_sandbox_memory(const pg_sandbox *sb)
{
    return sb->used;
}

int pg_sandbox_files(const pg_sandbox *sb, const char *const **files)
{
    *files = (const char *const *)sb->files;
    return sb->nfiles;
}

void pg_sandbox_set_deadlines(long load_ms, long call_ms)
{
    load_deadline_ms = load_ms > 0 ? load_ms : PG_DEFAULT_LOAD_DEADLINE_MS;
    call_deadline_ms = call_ms > 0 ? call_ms : PG_DEFAULT_CALL_DEADLINE_MS;
}

void pg_sandbox_deadlines(long *load_ms, long *call_ms)
{
    if (load_ms) *load_ms = load_deadline_ms;
    if (call_ms) *call_ms = call_deadline_ms;
}

void pg_sandbox_set_deadline_at(pg_sandbox *sb, long long at_ns)
{
    sb->outer_ns = at_ns;
}

long long pg_sandbox_clock_ns(void)
{
    return now_ns();
}
