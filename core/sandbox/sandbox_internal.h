/* sandbox_internal.h — not a public header: what the sandbox's own library replacements
 * (pattern.c, tablib.c, reach.c) need from sandbox.c.
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

#define PG__CHARGE_EVERY 4096

/* sandbox.c */
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
