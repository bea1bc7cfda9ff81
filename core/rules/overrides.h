/* overrides.h — weight overrides: "what if" points and part weights for a loaded rule set, so
 * that `pinggu diff` (and later the host's preview) can re-score a period without editing the
 * rule files.
 *
 * The file is plain text, one override a line; `#` starts a comment:
 *
 *     online              40              # every group the indicator applies to
 *     reviews             dept=60 county=50
 *     monthly/monitoring  0.7             # a scheme part's weight
 *
 * An id is an indicator id, or SCHEME/PART for a part's weight. Points set an indicator's
 * maximum exactly as `points =` in its declaration would; a parent whose children no longer
 * add up to its points scales them to its own, as the engine does whenever children drop out.
 * The file is taken whole or not at all: any bad line (unknown id, group or number, a group
 * the indicator does not apply to, a repeated id) is an error at file:line and nothing is
 * applied. */
#ifndef PG_OVERRIDES_H
#define PG_OVERRIDES_H

#include "ruleset.h"

/* Applies the overrides in `path` to rs. Returns 0 (warnings, such as children that no longer
 * add up, go to d), or a negative errno with errors in d and rs unchanged. */
int pg_overrides_apply(pg_ruleset *rs, const char *path, pg_diags *d);

#endif
