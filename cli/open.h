/* open.h — what the commands that evaluate one scheme share: opening the rule set, the scheme
 * and the data directory, and printing a JSON answer. */
#ifndef PG_CLI_OPEN_H
#define PG_CLI_OPEN_H

#include "record.h"

/* Loads the rule set `rules`, finds `scheme` in it and opens the data directory `data`.
 * Returns the scheme's index, or -1 with the reason in d; *rs and *ds are set as far as it
 * got, for the caller to free either way. */
int cli_open(const char *rules, const char *scheme, const char *data, pg_ruleset **rs,
             pg_dataset **ds, pg_diags *d);

/* Prints j (freed here) on stdout, indented, with a final newline. Returns 0, or -1 when it
 * cannot be written. */
int cli_print_json(cJSON *j);

#endif
