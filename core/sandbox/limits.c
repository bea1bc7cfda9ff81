/* limits.c — what ends a rule's entry: the instruction budget, the memory cap and the
 * wall-clock deadline.
 *
 * Budgets: a count hook fires every PG__HOOK_EVERY (1000) instructions and compares the running
 * count with the budget of the current entry. When it is spent, the hook re-arms itself to fire on
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
 * instruction instead of every PG__HOOK_EVERY, so that no more than one expensive instruction or
 * call runs past the deadline; a rule set without big strings or tables never pays for it.
 * reach.c lists every function a rule can reach with its worst case. The clock is
 * CLOCK_MONOTONIC_COARSE: a read is a few nanoseconds, its resolution (a few ms) is far below
 * any deadline. Passing the deadline kills the entry like a spent budget: the message names
 * the rule's file:line and the function it was in, and a rule's pcall cannot swallow it.
 */
#include "sandbox.h"
#include "base.h"
#include "sandbox_internal.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BIG_BLOCK (64u << 10)

/* Process-wide, set before any thread runs rule code (pg_sandbox_set_deadlines). */
long pg__load_deadline_ms = PG_DEFAULT_LOAD_DEADLINE_MS;
long pg__call_deadline_ms = PG_DEFAULT_CALL_DEADLINE_MS;

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
    sb->hook_every = sb->nbig ? 1 : PG__HOOK_EVERY;
    if (!sb->dying && !sb->over_memory && !sb->late)
        lua_sethook(sb->L, pg__budget_hook, LUA_MASKCOUNT, sb->hook_every);
}

void *pg__alloc(void *ud, void *ptr, size_t osize, size_t nsize)
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
        lua_sethook(sb->L, pg__budget_hook, LUA_MASKCOUNT, 1);
    }
    if (nsize > old && sb->used + (nsize - old) > sb->limit) {
        /* A rule's own pcall would catch the memory error and carry on; arm the hook so the
         * next instruction ends the entry, as for a spent instruction budget. */
        if (sb->L && !sb->over_memory) {
            sb->over_memory = 1;
            lua_sethook(sb->L, pg__budget_hook, LUA_MASKCOUNT, 1);
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
                    "%s: %sdeadline exceeded (%ld ms) in %s; the rule runs too long, or the "
                    "deadline is too short for it",
                    site, sb->outer_binds ? "the job's " : "", sb->deadline_ms, where);
}

/* Ends the entry: every later instruction raises the same message (see budget_hook). */
static int kill_entry(pg_sandbox *sb, lua_State *L)
{
    sb->dying = 1;
    sb->limit += 1u << 20; /* headroom for unwinding and the message itself */
    lua_sethook(L, pg__budget_hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, sb->kill_msg);
    return lua_error(L);
}

void pg__sandbox_charge(lua_State *L, long steps, const char *fname)
{
    pg_sandbox *sb = pg__sandbox_of(L);
    if (!sb->in_entry) return;
    if (sb->dying) {
        lua_pushstring(L, sb->kill_msg);
        lua_error(L);
    }
    sb->count += steps;
    char site[160];
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

void pg__budget_hook(lua_State *L, lua_Debug *ar)
{
    pg_sandbox *sb = pg__sandbox_of(L);
    if (!sb->dying) {
        sb->count += sb->hook_every;
        if (!sb->over_memory && !past_deadline(sb) && sb->count <= sb->allowed) {
            if (sb->late) { /* armed by the allocator, but the deadline moved (a new entry) */
                sb->late = 0;
                lua_sethook(L, pg__budget_hook, LUA_MASKCOUNT, sb->hook_every);
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
            char site[160], where[160];
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
        lua_sethook(L, pg__budget_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushstring(L, sb->kill_msg);
    lua_error(L);
}

void pg__enter(pg_sandbox *sb, long instructions, size_t memory, long deadline_ms)
{
    long long now = now_ns();
    sb->deadline_ms = deadline_ms;
    sb->deadline_ns = now + (long long)deadline_ms * 1000000LL;
    sb->outer_binds = sb->outer_ns && sb->outer_ns < sb->deadline_ns;
    if (sb->outer_binds) sb->deadline_ns = sb->outer_ns, sb->deadline_ms = sb->outer_ms;
    if (sb->deadline_ns <= 0) sb->deadline_ns = 1; /* already past: still "set" */
    sb->in_entry = 1;
    sb->count = 0;
    sb->allowed = instructions;
    sb->dying = 0;
    sb->over_memory = 0;
    sb->call_memory = memory;
    sb->limit = sb->used + memory < PG_STATE_MEMORY ? sb->used + memory : PG_STATE_MEMORY;
}

void pg__leave(pg_sandbox *sb)
{
    if (sb->dying || sb->over_memory || sb->late)
        lua_sethook(sb->L, pg__budget_hook, LUA_MASKCOUNT, sb->hook_every);
    sb->dying = 0;
    sb->over_memory = 0;
    sb->late = 0;
    sb->in_entry = 0;
    sb->deadline_ns = 0;
    sb->limit = PG_STATE_MEMORY;
}

void pg_sandbox_set_deadlines(long load_ms, long call_ms)
{
    pg__load_deadline_ms = load_ms > 0 ? load_ms : PG_DEFAULT_LOAD_DEADLINE_MS;
    pg__call_deadline_ms = call_ms > 0 ? call_ms : PG_DEFAULT_CALL_DEADLINE_MS;
}

void pg_sandbox_deadlines(long *load_ms, long *call_ms)
{
    if (load_ms) *load_ms = pg__load_deadline_ms;
    if (call_ms) *call_ms = pg__call_deadline_ms;
}

void pg_sandbox_set_deadline_at(pg_sandbox *sb, long long at_ns, long total_ms)
{
    sb->outer_ns = at_ns;
    sb->outer_ms = total_ms;
}

long long pg_sandbox_clock_ns(void)
{
    return now_ns();
}
