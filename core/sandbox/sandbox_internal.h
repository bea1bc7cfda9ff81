/* sandbox_internal.h — not a public header: what the sandbox's own library replacements
 * (pattern.c, tablib.c, reach.c) and limits.c need from each other, and the sandbox's struct.
 *
 * Every loop a rule controls inside a C function of ours calls pg__sandbox_charge() every
 * PG__CHARGE_EVERY steps or so. It adds the steps to the entry's instruction count and checks
 * the entry's wall-clock deadline; past either it raises (it does not return), with a message
 * naming the rule's file:line and `fname`, and arms the budget hook so a rule's pcall cannot
 * swallow the kill. Outside an entry (the sandbox's own set-up code) it does nothing.
 *
 * Threads: like the lua_State, the calling thread must be the one running the sandbox. */
#ifndef PG_SANDBOX_INTERNAL_H
#define PG_SANDBOX_INTERNAL_H

#include <lua.h>

#include "sandbox.h"

#include <stddef.h>

#define PG__CHARGE_EVERY 4096
#define PG__HOOK_EVERY 1000

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
    long deadline_ms;      /* of the deadline binding this entry, for its message */
    int outer_binds;       /* that deadline is the job's (pg_sandbox_set_deadline_at) */
    long long outer_ns;    /* pg_sandbox_set_deadline_at; 0: none */
    long outer_ms;
    char kill_msg[512];
    size_t call_memory;
    pg_budget budget;
    char **files;
    int nfiles;
    int base_ref, loaded_ref;
};

static inline pg_sandbox *pg__sandbox_of(lua_State *L)
{
    return *(pg_sandbox **)lua_getextraspace(L);
}

/* limits.c: the allocator and the count hook sandbox.c installs, an entry's start and end,
 * and the process-wide deadlines (pg_sandbox_set_deadlines). */
extern long pg__load_deadline_ms, pg__call_deadline_ms;
void *pg__alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void pg__budget_hook(lua_State *L, lua_Debug *ar);
void pg__enter(pg_sandbox *sb, long instructions, size_t memory, long deadline_ms);
void pg__leave(pg_sandbox *sb);
void pg__sandbox_charge(lua_State *L, long steps, const char *fname);

/* pattern.c: replaces find, match, gmatch and gsub in the string table on top of the stack. */
void pg__pattern_open(lua_State *L);

/* tablib.c: replaces concat, insert, remove, move, unpack and sort in the table library on top
 * of the stack. */
void pg__tablib_open(lua_State *L);

/* reach.c: wraps, removes or keeps every function of the libraries the base offers, following
 * its table of reachable functions. Expects the real libraries loaded as globals. */
void pg__reach_open(lua_State *L);

#endif
