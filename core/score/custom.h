/* custom.h — calling rule authors' Lua functions: custom methods and composites.
 *
 * A pg_custom lives for one evaluation. It prepares, once, what every call shares (a table
 * per unit, the period string, a group table per indicator and group), so that one call
 * pushes six stack slots and builds no table: the cost is one lua_pcall, not a table per
 * call. Every call runs under the sandbox budget; a failure comes back as a message with
 * file:line and never unwinds into C. */
#ifndef PG_CUSTOM_H
#define PG_CUSTOM_H

#include "method.h"
#include "rules.h"

typedef struct pg_custom pg_custom;

pg_custom *pg_custom_begin(const pg_ruleset *rs, int period);
void pg_custom_end(pg_custom *c);

/* Builds the `group` argument for one indicator and group: { values = { [unit id] = v },
 * sorted, n, min, max, mean }. Returns a handle for pg_custom_share. */
int pg_custom_group(pg_custom *c, const pg_group_stats *gs, const int *units, const double *values,
                    int n);
void pg_custom_group_release(pg_custom *c, int group);

/* Calls node->method's function. Returns 0 with *share in [0, 1] (and *note, malloc'd, when
 * the function returned one), or -1 with a malloc'd *err. */
int pg_custom_share(pg_custom *c, const pg_node *node, int group, int unit, double v, double *share,
                    char **note, char **err);

/* Calls the scheme's composite(parts, unit). parts[k] is NAN for a dropped part (nil in
 * Lua). Returns 0 with *total, or -1 with a malloc'd *err. */
int pg_custom_composite(pg_custom *c, const pg_scheme *s, int unit, const double *parts,
                        double *total, char **err);

#endif
