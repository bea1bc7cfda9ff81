/* bodies.h — an evaluation's response bodies for every audience, cut from one printed text.
 *
 * The full result, the rankings, one group's ranking and one unit's breakdown are parts of the
 * same report tree. Printing the tree once per audience printed every group three times and
 * every unit twice, which at 300 units was most of a re-score's CPU (issue 19 §1). Here the
 * head is printed once compactly and cut; the units are printed one at a time into their places
 * in the run's pretty text (pg_json_print_items) and in the full body, so that the whole tree is
 * never built. A unit's own body is put together when it is read, from the head, its item in the
 * full body and what its body adds (its rows and 问题清单): writing 3,003 bodies of ~30 KB at
 * each evaluation was a third of its CPU, in page faults and copies, and 100 MB of cache. Every
 * body has the same bytes as printing each audience's tree with cJSON_PrintUnformatted
 * (tests/host/lib/test_rescore_bodies.c compares the two). */
#ifndef PG_BODIES_H
#define PG_BODIES_H

#include "host.h"

#include <cJSON.h>
#include <stddef.h>

/* A value's bytes within a compact text; for an object's member, `key` is its quoted name. */
typedef struct {
    const char *key, *val;
    size_t klen, vlen;
} pg_bodies_span;

/* The members of the compact object (or the elements of the compact array) at `text`, of
 * len bytes, into *out (malloc'd; *n of them). -EINVAL when it is not one (an element's key
 * is NULL). */
int pg_bodies_split(const char *text, size_t len, pg_bodies_span **out, int *n);

/* What pg_bodies_render prints in the head's "units": n items, each a new tree from item(arg,
 * k) (deleted after printing). */
typedef struct {
    cJSON *(*item)(void *arg, int k);
    void *arg;
    int n;
} pg_bodies_units;

/* Fills o->full, ranking, groups (ngroups), unit_head and the units' cuts (nunits) from the
 * report tree `head`, whose "units" is an empty array (pg_report_json_tree(res,
 * PG_REPORT_NO_UNITS); changed), and the units' items printed in its place one at a time.
 * *result_text gets the run's result text (pg_run_result_print of the whole tree), or NULL with
 * every body on no memory. */
void pg_bodies_render(pg_outcome *o, cJSON *head, const pg_bodies_units *units, int ngroups,
                      int nunits, char **result_text);

/* Appends unit k's rows and 问题清单 as printed texts (nothing appended: none), which the unit's
 * own body carries as its breakdown's last two members. */
typedef void (*pg_bodies_texts)(void *arg, int k, pg_jtext *rows, pg_jtext *issues);

/* Unit k's own body: the head, and its breakdown with what texts(arg, k, …) gives (texts NULL:
 * nothing) appended, as a new blob with one reference; NULL when o has none for k. */
pg_blob *pg_bodies_unit(const pg_outcome *o, int k, pg_bodies_texts texts, void *arg);

#endif
