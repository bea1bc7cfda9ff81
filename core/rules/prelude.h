/* prelude.h — the rule DSL (ruleset, group, source, calendar, metric, indicator, scheme and
 * the built-in method constructors), written in Lua and installed into a sandbox's base
 * environment.
 *
 * The DSL only records declarations: each call appends { kind, id, t, file, line } to a
 * list that ruleset_load.c reads back once the files have run. */
#ifndef PG_PRELUDE_H
#define PG_PRELUDE_H

#include "sandbox.h"

/* Installs the DSL into sb's base. On success leaves three values on the stack: the
 * declaration list (bottom), the metatable that marks built-in method objects, and the control
 * table (top): control.layer(n) numbers the declarations of the directory about to run (a
 * parent's before its child's, ruleset { extends = ... }), control.merge(top, parent_name)
 * makes them one list and returns the lineage and the problems (prelude.c says how).
 * Returns 0, or -1 with a malloc'd message in *err. */
int pg_prelude_install(pg_sandbox *sb, char **err);

#endif
