/* args.c — a subcommand's options from a table (args.h), over getopt_long. */
#include "args.h"

#include "base.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPTS 16

/* Whether `v` is one of the '|'-separated `list`. */
static int oneof(const char *list, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = list; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) return 1;
        p += len + (bar != NULL);
    }
    return 0;
}

/* The command as its usage names it: "usage: pinggu rules diff A B …" gives "pinggu rules diff"
 * (the words before the first option or operand), so that a subcommand is named whole. */
static const char *command_of(const char *usage, char *buf, size_t size)
{
    const char *p = strncmp(usage, "usage: ", 7) == 0 ? usage + 7 : "pinggu";
    size_t n = 0;
    for (;;) {
        size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
        if (w == 0 || *p == '-' || (p[w] != ' ' && p[w] != '\n') || n + w + 1 >= size) break;
        memcpy(buf + n, p, w), n += w, buf[n++] = ' ';
        p += w + 1;
    }
    buf[n ? n - 1 : 0] = '\0';
    return buf;
}

/* "text|json" as "text or json", "json|csv|text" as "json, csv or text", on stderr. */
static void say_choices(const char *list)
{
    for (const char *p = list; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        fprintf(stderr, "%.*s", (int)len, p);
        if (bar) fputs(strchr(bar + 1, '|') ? ", " : " or ", stderr);
        p += len + (bar != NULL);
    }
}

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
    char cmd[64];
    for (const cli_opt *o = opts; o->name; o++) {
        const char *v = o->value ? *o->value : NULL;
        if (o->required && !v) {
            fprintf(stderr, "%s: --%s is required\n%s", command_of(usage, cmd, sizeof cmd), o->name,
                    usage);
            return 2;
        }
        if (o->oneof && v && !oneof(o->oneof, v)) {
            fprintf(stderr, "%s: --%s %s: use ", command_of(usage, cmd, sizeof cmd), o->name, v);
            say_choices(o->oneof);
            fprintf(stderr, "\n%s", usage);
            return 2;
        }
    }
    return -1;
}

int cli_operands(int argc, char **argv, int min, int max, const char *usage)
{
    int n = argc - optind;
    char cmd[64];
    if (n > max)
        fprintf(stderr, "%s: unexpected argument '%s'\n%s", command_of(usage, cmd, sizeof cmd),
                argv[optind + max], usage);
    else if (n < min)
        fputs(usage, stderr);
    return n < min || n > max ? 2 : 0;
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
