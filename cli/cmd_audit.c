/* cmd_audit.c — `pinggu audit`: read the append-only audit log of a data directory, filtered by
 * actor, action, object and time, as text (one entry a line) or JSON. */
#include "args.h"
#include "cli.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: pinggu audit --data DIR [--actor A] [--action A] [--object O] [--since T]\n"
    "                    [--until T] [--limit N] [--format text|json]\n"
    "  --object matches the object and everything under it (batch matches batch/…);\n"
    "  --since and --until are ISO 8601 times in UTC, e.g. 2021-03-26 or 2021-03-26T08:00:00Z\n";

/* Prints one of before/after compactly: JSON as one line, absent as "-". */
static void print_side(const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) {
        fputs("-", stdout);
        return;
    }
    char *t = cJSON_PrintUnformatted(v);
    fputs(t, stdout);
    free(t);
}

int cmd_audit(int argc, char **argv)
{
    const char *data = NULL, *limit = NULL, *format = "text";
    pg_audit_filter f = {0};
    const cli_opt opts[] = {CLI_REQUIRED("data", &data),
                            CLI_OPTION("actor", &f.actor),
                            CLI_OPTION("action", &f.action),
                            CLI_OPTION("object", &f.object),
                            CLI_OPTION("since", &f.since),
                            CLI_OPTION("until", &f.until),
                            CLI_OPTION("limit", &limit),
                            CLI_ONEOF("format", &format, "text|json"),
                            CLI_END};
    int rc0 = cli_args(argc, argv, opts, usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, usage)) return 2;
    if (limit && (f.limit = atoi(limit)) <= 0) {
        fprintf(stderr, "pinggu audit: --limit %s: expected a positive number\n", limit);
        return 2;
    }
    /* "2021-03-26" as --until means the whole of that day */
    char until[40];
    if (f.until && strlen(f.until) == 10) {
        snprintf(until, sizeof until, "%sT23:59:59.999Z", f.until);
        f.until = until;
    }
    pg_diags d = {0};
    pg_store *st = NULL;
    char *json = NULL;
    int rc = 1;
    if (access(data, F_OK) != 0) {
        pg_error(&d, data, 0, "no such data directory");
    } else if (pg_store_open(data, &st, &d) == 0 && pg_audit_query(st, &f, &json, &d) == 0) {
        rc = 0;
        if (strcmp(format, "json") == 0) {
            puts(json);
        } else {
            cJSON *arr = cJSON_Parse(json);
            const cJSON *e;
            cJSON_ArrayForEach(e, arr)
            {
                printf("%s  %s  %s  %s  ", cJSON_GetObjectItem(e, "at")->valuestring,
                       cJSON_GetObjectItem(e, "actor")->valuestring,
                       cJSON_GetObjectItem(e, "action")->valuestring,
                       cJSON_GetObjectItem(e, "object")->valuestring);
                print_side(cJSON_GetObjectItem(e, "before"));
                fputs(" -> ", stdout);
                print_side(cJSON_GetObjectItem(e, "after"));
                putchar('\n');
            }
            cJSON_Delete(arr);
        }
    }
    pg_diags_print_errors(&d, stderr);
    pg_diags_free(&d);
    free(json);
    pg_store_close(st);
    return rc;
}
