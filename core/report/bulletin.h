/* bulletin.h — building a bulletin's document model (bulletin_model.h) from an evaluation,
 * and the renderers `pinggu report` writes it with. */
#ifndef PG_BULLETIN_H
#define PG_BULLETIN_H

#include "bulletin_model.h"
#include "dataset.h"
#include "eval.h"
#include "ruleset.h"

#include <stdio.h>

/* Evaluates `scheme` (an index into rs->schemes) for `period` (a period code) on ds and
 * builds the bulletin. Returns 0 and *out, or a negative errno with a diagnostic (pg_eval's). */
int pg_bulletin_build(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                      pg_bulletin **out, pg_diags *d);
/* The bulletin of an evaluation already made (the host's scheduled one); `ds` is the data it
 * was made from, which the monthly trends read. */
pg_bulletin *pg_bulletin_of(const pg_result *res, const pg_dataset *ds);
void pg_bulletin_free(pg_bulletin *b);

/* Renderers (report_html.c, report_bcsv.c, report_bjson.c). Each writes its files into the
 * existing directory `dir`, named from b->basename, and returns 0 or a negative errno; the
 * paths written are printed to `list` (one a line) when it is not NULL. */
int pg_bulletin_html(const pg_bulletin *b, const char *dir, FILE *list);
int pg_bulletin_csv(const pg_bulletin *b, const char *dir, FILE *list);
int pg_bulletin_json(const pg_bulletin *b, const char *dir, FILE *list);

#endif
