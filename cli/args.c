/* args.c — a subcommand's options from a table (args.h), over getopt_long. */
#include "args.h"

#include "base.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_OPTS 16

int cli_args(int argc, char **argv, const cli_opt *opts, const char *usage)
{
    struct option lo[MAX_OPTS + 2];
    int n = 0;
    for (; opts[n].name && n < MAX_OPTS; n++)
        lo[n] = (struct option){opts[n].name, opts[n].value ? required_argument : no_argument, 0,
                                256 + n};
    lo[n] = (struct option){"help", no_argument, 0, 'h'};
    lo[n + 1] = (struct option){0, 0, 0, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (c < 256 || c >= 256 + n) {
            fputs(usage, stderr);
            return 2;
        }
        const cli_opt *o = &opts[c - 256];
        if (o->value)
            *o->value = optarg;
        else
            *o->flag = 1;
    }
    return -1;
}

int cli_period(const char *cmd, const char *period)
{
    int code = pg_period_parse(period);
    if (code < 0)
        fprintf(stderr, "pinggu %s: --period %s: use YYYY-MM (a sampling month) or YYYY\n", cmd,
                period);
    return code;
}

const char *cli_actor(const char *given)
{
    static char name[80];
    if (given && *given) return given;
    const struct passwd *pw = getpwuid(getuid());
    if (pw)
        snprintf(name, sizeof name, "cli:%s", pw->pw_name);
    else
        snprintf(name, sizeof name, "cli:uid%u", (unsigned)getuid());
    return name;
}
