/* ruleset_internal.h — what the files that read a rule set's declarations share
 * (ruleset_load.c for the scoring tree, ruleset_data.c for sources, calendar and computed
 * metrics, decl.c for the fields of one declaration). Not a public header. */
#ifndef PG_RULESET_INTERNAL_H
#define PG_RULESET_INTERNAL_H

#include "rules.h"

#include <lua.h>

typedef struct {
    pg_ruleset *rs;
    lua_State *L;
    pg_diags *d;
    int decls;     /* stack index of the declaration list */
    int method_mt; /* stack index of the built-in method marker */
} loader;

/* What a declaration looks like while it is read: where it was written and what it is. */
typedef struct {
    const char *kind, *id, *file;
    int line;
} where;

#define BAD(ld, w, ...) pg_error((ld)->d, (w)->file, (w)->line, __VA_ARGS__)

/* decl.c */
/* A copy of s that lives as long as the rule set. */
const char *pg__keep(pg_ruleset *rs, const char *s);
/* t[key] without metamethods; returns the type, like lua_getfield. */
int pg__rawfield(lua_State *L, int t, const char *key);
/* Whether the value at idx is a table of exactly two finite numbers, put into v (weight_range). */
int pg__number_pair(lua_State *L, int idx, double v[2]);
void pg__warn_unknown(loader *ld, int t, const where *w, const char *const *known);
/* t[key] as a malloc'd string, or NULL (an error if required or of the wrong type). */
char *pg__opt_string(loader *ld, int t, const char *key, const where *w, int required);
/* t[key] as a finite number, `dflt` if absent, NAN (with an error) if of the wrong type. */
double pg__opt_number(loader *ld, int t, const char *key, const where *w, double dflt);

/* compose.c: aggregate, weight, transform, na_when, winsor of an indicator */
void pg__read_compose(loader *ld, int t, const where *w, pg_node *n);
void pg__free_compose(pg_node *n);

/* ruleset_data.c */
void pg__read_source(loader *ld, int t, const where *w, pg_source *src);
void pg__read_calendar(loader *ld, int t, const where *w);
/* The computed part of a metric (from, kind, where, value, condition, denominator, over). */
void pg__read_metric_plan(loader *ld, int t, const where *w, pg_metric *m);
void pg__free_data(pg_ruleset *rs);

#endif
