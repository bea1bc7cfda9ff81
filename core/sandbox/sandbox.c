/* sandbox.c — one capped, allowlisted Lua state per rule set.
 *
 * Budgets, the memory cap and the wall-clock deadline are limits.c's; the functions a rule can
 * reach are reach.c's.
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
#include <sys/stat.h>
#include <time.h>

#define PRINT_MAX 4096

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
    pg__leave(sb);
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

/* Reads a rule file whole. Its bytes are the host's memory, not Lua's, so no memory cap
 * counts them: a file over PG_RULE_FILE_MAX is refused before it is read (-EFBIG, its size in
 * *len). */
static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > PG_RULE_FILE_MAX) {
        fclose(f);
        *len = (size_t)st.st_size;
        errno = EFBIG;
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) buf = pg_xrealloc(buf, cap = cap ? cap * 2 : 8192);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0 && n <= PG_RULE_FILE_MAX); /* it may grow while read */
    int bad = ferror(f);
    fclose(f);
    if (bad || n > PG_RULE_FILE_MAX) {
        free(buf);
        if (n > PG_RULE_FILE_MAX) *len = n, errno = EFBIG;
        return NULL;
    }
    *len = n;
    return buf;
}

/* The start of line `n` (1-based) of buf, or NULL; its length in *len. */
static const char *line_at(const char *buf, size_t size, int n, size_t *len)
{
    const char *p = buf, *end = buf + size;
    for (int i = 1; i < n && p; i++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (p) p++;
    }
    if (!p || p > end) return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    return p;
}

/* 1 when the line holds only blanks or a comment. */
static int blank_line(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
    return i == len || (i + 1 < len && p[i] == '-' && p[i + 1] == '-');
}

/* A hint for the syntax error `msg` ("PATH:L: '}' expected (to close '{' at line N) near 'X'")
 * of the file text buf, or NULL. Lua reports a missing comma between two fields, the commonest
 * slip in a rule file, at the next field's name, a line after the real mistake, and a missing
 * closing brace at the next declaration, often many lines later: the hint names the line to
 * look at. Only these two shapes get one; a guess on anything else would mislead. */
static char *syntax_hint(const char *buf, size_t size, const char *path, const char *msg)
{
    size_t plen = strlen(path);
    if (strncmp(msg, path, plen) != 0 || msg[plen] != ':') return NULL;
    int at = atoi(msg + plen + 1);
    const char *text = strstr(msg + plen + 1, ": ");
    if (at <= 0 || !text || strncmp(text + 2, "'}' expected", 12) != 0) return NULL;
    const char *open = strstr(text, "(to close '{' at line ");
    int opened = open ? atoi(open + 22) : at;
    const char *near = strstr(text, " near '");
    if (!near) {
        if (strstr(text, "near <eof>") && open)
            return pg_xasprintf("a '}' may be missing to close the '{' at line %d", opened);
        return NULL;
    }
    const char *tok = near + 7;
    size_t tlen = strlen(tok);
    if (tlen < 2 || tok[tlen - 1] != '\'') return NULL;
    tlen--;
    size_t llen;
    const char *line = line_at(buf, size, at, &llen);
    if (!line) return NULL;
    size_t i = 0;
    while (i < llen && (line[i] == ' ' || line[i] == '\t')) i++;
    int first = llen - i >= tlen && memcmp(line + i, tok, tlen) == 0;
    size_t j = i + tlen;
    while (first && j < llen && (line[j] == ' ' || line[j] == '\t')) j++;
    int field = first && j < llen && line[j] == '=' && (j + 1 >= llen || line[j + 1] != '=');
    int prev = at - 1;
    const char *pl = NULL;
    size_t pll = 0;
    while (prev > 0 && (pl = line_at(buf, size, prev, &pll)) && blank_line(pl, pll)) prev--;
    if (field && prev >= opened && prev > 0) /* the field before this one ends without a comma */
        return pg_xasprintf("a ',' may be missing at the end of line %d", prev);
    if (first && i == 0 && open && prev > 0) /* a new declaration while one is still open */
        return pg_xasprintf("a '}' may be missing at the end of line %d (to close the '{' at "
                            "line %d)",
                            prev, opened);
    return NULL;
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
    if (!buf && errno == EFBIG) {
        lua_pushfstring(L, "%s: %I bytes, more than a rule file may hold (%d MiB)", path,
                        (lua_Integer)len, PG_RULE_FILE_MAX >> 20);
        free(path);
        return -1;
    }
    if (!buf) {
        lua_pushfstring(L, "%s: cannot read: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    char *chunkname = pg_xasprintf("@%s", path);
    int st = luaL_loadbufferx(L, buf, len, chunkname, "t");
    free(chunkname);
    if (st != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        if (m && strncmp(m, path, strlen(path)) != 0) {
            lua_pushfstring(L, "%s: %s", path, m);
            lua_remove(L, -2);
        }
        char *hint = st == LUA_ERRSYNTAX ? syntax_hint(buf, len, path, lua_tostring(L, -1)) : NULL;
        if (hint) {
            lua_pushfstring(L, "%s; hint: %s", lua_tostring(L, -1), hint);
            lua_remove(L, -2);
            free(hint);
        }
        free(buf);
        free(path);
        return -1;
    }
    free(buf);
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
    pg_sandbox *sb = pg__sandbox_of(L);
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
    sb->hook_every = PG__HOOK_EVERY;
    sb->budget = (pg_budget){PG_DEFAULT_INSTRUCTIONS, PG_DEFAULT_MEMORY};
    sb->root = pg_xstrdup(root);
    sb->fsroot = pg_xstrdup(root);
    lua_State *L = sb->L = lua_newstate(pg__alloc, sb);
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
    lua_sethook(L, pg__budget_hook, LUA_MASKCOUNT, PG__HOOK_EVERY);
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
    pg__enter(sb, PG_LOAD_INSTRUCTIONS, PG_LOAD_MEMORY, pg__load_deadline_ms);
    return protected_call(sb, 0, 1, err);
}

int pg_sandbox_call(pg_sandbox *sb, int nargs, int nresults, char **err)
{
    pg__enter(sb, sb->budget.instructions, sb->budget.memory, pg__call_deadline_ms);
    return protected_call(sb, nargs, nresults, err);
}

void pg_sandbox_read_from(pg_sandbox *sb, const char *fsroot)
{
    free(sb->fsroot);
    sb->fsroot = pg_xstrdup(fsroot);
}

void pg_sandbox_set_root(pg_sandbox *sb, const char *root, const char *fsroot)
{
    free(sb->root);
    free(sb->fsroot);
    sb->root = pg_xstrdup(root);
    sb->fsroot = pg_xstrdup(fsroot);
    /* Each directory has its own modules: a parent's "schemes" is not the child's. */
    lua_newtable(sb->L);
    lua_rawseti(sb->L, LUA_REGISTRYINDEX, sb->loaded_ref);
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
