/* bulletin_dir.h — a bulletin's documents as one directory: the HTML with its charts, the
 * indicator documentation it links to (doc/<group>.html) and the CSV. The host's scheduled
 * drafts (DATA/drafts/<scheme>-<period>/, replaced at each cut-off) and published bulletins
 * (DATA/bulletins/<scheme>-<period>-r<N>/, written once) are both written here. The directory
 * is filled under a temporary name and renamed into place, so a reader never sees half of it. */
#ifndef PG_BULLETIN_DIR_H
#define PG_BULLETIN_DIR_H

#include "dataset.h"
#include "eval.h"

/* Writes the documents of `res` (whose data were `ds`) into `dest`; its parent is created when
 * missing. An existing `dest` is replaced whole when `replace`, else kept as it is (a published
 * bulletin's documents never change). Returns 0 or a negative errno with the reason in `d`. */
int pg_bulletin_write_dir(const pg_result *res, const pg_dataset *ds, const char *dest, int replace,
                          pg_diags *d);

#endif
