/* args.h — reading a subcommand's options. Every pinggu command takes --name VALUE options and
 * --name flags, plus -h/--help, and answers a mistake with its usage on stderr and exit code 2;
 * one table per command says which, instead of a getopt switch in each. */
#ifndef PG_CLI_ARGS_H
#define PG_CLI_ARGS_H

typedef struct {
    const char *name;   /* the long option, without "--" */
    const char **value; /* where its argument goes; NULL for a flag */
    int *flag;          /* a flag: set to 1 when given */
    const char *oneof;  /* NULL, or the only values it takes, '|'-separated: "text|json" */
    int required;       /* the command cannot go on without it */
} cli_opt;

/* One entry of a command's table: an option that takes a value (optional, required, or one of
 * a '|'-separated list such as "text|json"), a flag, and the end of the table. */
#define CLI_OPTION(name, var)                                                                      \
    {                                                                                              \
        (name), (var), NULL, NULL, 0                                                               \
    }
#define CLI_REQUIRED(name, var)                                                                    \
    {                                                                                              \
        (name), (var), NULL, NULL, 1                                                               \
    }
#define CLI_ONEOF(name, var, list)                                                                 \
    {                                                                                              \
        (name), (var), NULL, (list), 0                                                             \
    }
#define CLI_FLAG(name, var)                                                                        \
    {                                                                                              \
        (name), NULL, (var), NULL, 0                                                               \
    }
#define CLI_END                                                                                    \
    {                                                                                              \
        NULL, NULL, NULL, NULL, 0                                                                  \
    }

/* Parses argv[1..] against `opts` (ended by CLI_END).
 * Returns -1 when the command goes on, with optind at the first operand; otherwise the exit
 * code: 0 after --help (usage printed on stdout), 2 after an unknown option, a missing
 * argument, a required option not given or a value not in its `oneof` (a line naming the
 * option, then the usage, on stderr). The usage's first line names the command in
 * those lines. */
int cli_args(int argc, char **argv, const cli_opt *opts, const char *usage);

/* Checks the operands after the options (argv[optind..]): at least `min`, at most `max`.
 * Returns 0, or 2 after saying what is wrong and printing the usage on stderr. */
int cli_operands(int argc, char **argv, int min, int max, const char *usage);

/* The period code of "YYYY-MM" or "YYYY", or -1 after telling the user on stderr what `cmd`
 * expects. */
int cli_period(const char *cmd, const char *period);

/* Who is acting, for the audit log: `given` (--actor) when set, else "cli:" and the login name
 * of the user running the command (or its uid). The returned string lives until exit. */
const char *cli_actor(const char *given);

#endif
