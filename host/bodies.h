/* bodies.h — an evaluation's response bodies for every audience, cut from one printed text.
 *
 * The full result, the rankings, one group's ranking and one unit's breakdown are parts of the
 * same report tree. Printing the tree once per audience printed every group three times and
 * every unit twice, which at 300 units was most of a re-score's CPU (issue 19 §1). Here the
 * tree is printed once, pretty, as the run records it (pg_run_result_print), and every body is
 * cut and joined from the compact copy of that text: the same bytes as printing each audience's
 * tree with cJSON_PrintUnformatted (tests/host/lib/test_rescore_bodies.c compares the two). */
#ifndef PG_BODIES_H
#define PG_BODIES_H

#include "host.h"

#include <cJSON.h>
#include <stddef.h>

/* `text` (len bytes of cJSON's printed JSON, formatted or not) without the whitespace outside
 * its strings: cJSON_PrintUnformatted's text of the same tree. malloc'd, NUL-terminated, its
 * length in *out_len. cJSON_Minify is not used: it takes the quote after an escaped backslash
 * ("a\\") for an escaped quote. */
char *pg_bodies_compact(const char *text, size_t len, size_t *out_len);

/* A value's bytes within a compact text; for an object's member, `key` is its quoted name. */
typedef struct {
    const char *key, *val;
    size_t klen, vlen;
} pg_bodies_span;

/* The members of the compact object (or the elements of the compact array) at `text`, of
 * len bytes, into *out (malloc'd; *n of them). -EINVAL when it is not one (an element's key
 * is NULL). */
int pg_bodies_split(const char *text, size_t len, pg_bodies_span **out, int *n);

/* Fills o->full, ranking, groups (ngroups) and units (nunits) from the report tree `full`
 * (pg_report_json_tree(res, -1), not changed) and each unit's rows and issues as printed texts
 * (NULL: none), which the unit's own body carries as its last two members. *result_text gets the
 * run's result text (pg_run_result_print(full)), or NULL with every body on no memory. */
void pg_bodies_render(pg_outcome *o, const cJSON *full, char *const *rows, char *const *issues,
                      int ngroups, int nunits, char **result_text);

#endif
