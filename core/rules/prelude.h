/* prelude.h — the rule DSL (ruleset, group, source, calendar, metric, indicator, scheme and
 * the built-in method constructors), written in Lua and installed into a sandbox's base environment.
 *
 * The DSL only records declarations: each call appends { kind, id, t, file, line } to a
 * list that ruleset_load.c reads back once the files have run. */
#ifndef PG_PRELUDE_H
#define PG_PRELUDE_H

#include "sandbox.h"

/* Installs the DSL into sb's base. On success leaves two values on the stack: the
 * declaration list (below) and the metatable that marks built-in method objects (top).
 * Returns 0, or -1 with a malloc'd message in *err. */
int pg_prelude_install(pg_sandbox *sb, char **err);

#endif
