/* open.c — opening a rule set, one of its schemes and a data directory, and printing JSON, as
 * every command that evaluates one scheme does (open.h). */
#include "open.h"

#include "base.h"

#include <stdio.h>
#include <stdlib.h>

int cli_open(const char *rules, const char *scheme, const char *data, pg_ruleset **rs,
             pg_dataset **ds, pg_diags *d)
{
    *rs = NULL, *ds = NULL;
    if (pg_ruleset_load(rules, rs, d) != 0) return -1;
    int s = pg_strmap_get(&(*rs)->scheme_ids, scheme);
    if (s < 0) {
        pg_error(d, NULL, 0, "--scheme %s: the rule set has no such scheme", scheme);
        return -1;
    }
    return pg_datadir_load(*rs, data, ds, d) == 0 ? s : -1;
}

int cli_print_json(cJSON *j)
{
    char *text = j ? cJSON_Print(j) : NULL;
    int rc = text && fputs(text, stdout) >= 0 && fputc('\n', stdout) != EOF ? 0 : -1;
    free(text);
    cJSON_Delete(j);
    return rc;
}
