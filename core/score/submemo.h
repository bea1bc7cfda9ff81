/* submemo.h — what eval.c asks of the memo of monthly sub-results (submemo.c; the memo itself
 * is declared in score.h). */
#ifndef PG_SUBMEMO_H
#define PG_SUBMEMO_H

#include "score.h"

/* The key of scheme's result for month `period` under rs on ds: 0, or -1 when rs has no
 * revision to name it by. */
int pg__submemo_key(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                    char key[65]);
/* A copy of the month kept under key, made for rs: 1 and *out, or 0 when none is kept. */
int pg__submemo_get(pg_submemo *m, const char key[65], const pg_ruleset *rs, int scheme, int period,
                    pg_result **out);
/* Keeps a copy of the trimmed result res under key. */
void pg__submemo_put(pg_submemo *m, const char key[65], const pg_result *res);

#endif
