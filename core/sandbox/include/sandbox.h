/* sandbox.h — the Lua state a rule set runs in.
 *
 * A pg_sandbox owns one lua_State. Rule files are loaded as text only, each into its own
 * environment that reads a shared, allowlisted base: the safe base functions, string (without
 * dump), table, math, utf8 and os.time/date/clock; no io, debug, package, load or dofile.
 * Reading a global that is not defined raises "unknown global", which catches typos when a
 * file loads. `require "a.b"` resolves only to a/b.lua (or a/b/init.lua) under the rule
 * set's directory.
 *
 * Every entry into Lua goes through pg_sandbox_run_file() or pg_sandbox_call(), which run
 * under an instruction budget (a count hook), a memory cap (the allocator) and a wall-clock
 * deadline (checked in the hook, the allocator and inside every library function a rule can
 * reach; reach.c lists them with their worst cases). A runaway or failing rule returns an
 * error message naming its file:line; it never aborts the process and never holds the thread
 * much past the deadline (at most one call whose cost is bounded by the memory cap).
 *
 * Lifetime: create with pg_sandbox_new(), free with pg_sandbox_free(), which closes the
 * state. A sandbox (like any lua_State) is used by one thread at a time. */
#ifndef PG_SANDBOX_H
#define PG_SANDBOX_H

#include <lua.h>
#include <stddef.h>

typedef struct pg_sandbox pg_sandbox;

typedef struct {
    long instructions; /* per call; 0 means the default */
    size_t memory;     /* bytes a call may add to the state; 0 means the default */
} pg_budget;

#define PG_DEFAULT_INSTRUCTIONS 1000000L
#define PG_DEFAULT_MEMORY (32u << 20)
#define PG_LOAD_INSTRUCTIONS 100000000L
#define PG_LOAD_MEMORY (64u << 20)
#define PG_RULE_FILE_MAX (4 << 20) /* bytes of one rule file */
#define PG_STATE_MEMORY (512u << 20)
#define PG_DEFAULT_LOAD_DEADLINE_MS 10000L
#define PG_DEFAULT_CALL_DEADLINE_MS 2000L

/* `root` is the rule set's directory as the user named it; it prefixes every chunk name, so
 * messages read "rules/shanwei-2021/basic.lua:12: ...". Returns NULL if Lua cannot start. */
pg_sandbox *pg_sandbox_new(const char *root);
void pg_sandbox_free(pg_sandbox *sb);
lua_State *pg_sandbox_state(pg_sandbox *sb);

/* Pushes the shared base environment table, so a caller can add its own globals (the rule
 * DSL) before any file runs. */
void pg_sandbox_push_base(pg_sandbox *sb);

/* Runs root/relpath in a fresh environment under the load budget, leaving its first result
 * on the stack. Returns 0, or -1 with a malloc'd message in *err and nothing pushed. */
int pg_sandbox_run_file(pg_sandbox *sb, const char *relpath, char **err);

/* Calls the function below `nargs` arguments on the stack under the per-call budget,
 * like lua_pcall. Returns 0 with `nresults` results pushed, or -1 with a malloc'd message in
 * *err and the stack popped to below the function. */
int pg_sandbox_call(pg_sandbox *sb, int nargs, int nresults, char **err);

/* Reads the rule files from `fsroot` (a snapshot of the set) while chunk names and messages
 * keep naming them under `root`, so an author reads "rules/x/basic.lua:12" whatever copy the
 * host loaded. */
void pg_sandbox_read_from(pg_sandbox *sb, const char *fsroot);
/* Moves the sandbox to another directory (a rule set's parent, ruleset { extends = ... }):
 * names under `root`, files read from `fsroot`, and a fresh table of required modules, so
 * `require "schemes"` finds that directory's file, not one a previous directory loaded. */
void pg_sandbox_set_root(pg_sandbox *sb, const char *root, const char *fsroot);
void pg_sandbox_set_budget(pg_sandbox *sb, pg_budget b);

/* The wall-clock deadlines of every sandbox in the process: a load (pg_sandbox_run_file: a
 * rule set's files, a test file) and one call (pg_sandbox_call: a custom method, a
 * composite). 0 or less means the default. Set them before any thread runs rule code (the
 * host does at start-up, from its config); they are not synchronised. */
void pg_sandbox_set_deadlines(long load_ms, long call_ms);
void pg_sandbox_deadlines(long *load_ms, long *call_ms);
/* An outer deadline for this sandbox, on pg_sandbox_clock_ns()'s clock: no entry runs past it,
 * whatever its own deadline (an evaluation job that calls many methods); an entry it stops
 * says "the job's deadline exceeded (total_ms ms)". 0 clears it. */
void pg_sandbox_set_deadline_at(pg_sandbox *sb, long long at_ns, long total_ms);
long long pg_sandbox_clock_ns(void);
/* Bytes the Lua state holds now. */
size_t pg_sandbox_memory(const pg_sandbox *sb);
/* The files loaded so far, relative to root, in load order. */
int pg_sandbox_files(const pg_sandbox *sb, const char *const **files);

#endif
