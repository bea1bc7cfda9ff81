/* args.h — reading a subcommand's options. Every pinggu command takes --name VALUE options and
 * --name flags, plus -h/--help, and answers a mistake with its usage on stderr and exit code 2;
 * one table per command says which, instead of a getopt switch in each. */
#ifndef PG_CLI_ARGS_H
#define PG_CLI_ARGS_H

typedef struct {
    const char *name;   /* the long option, without "--" */
    const char **value; /* where its argument goes; NULL for a flag */
    int *flag;          /* a flag: set to 1 when given */
} cli_opt;

/* Parses argv[1..] against `opts` (ended by a {NULL} entry). Returns -1 when the command goes
 * on, with optind at the first operand; otherwise the exit code: 0 after --help (usage printed
 * on stdout), 2 after an unknown option or a missing argument (usage on stderr). */
int cli_args(int argc, char **argv, const cli_opt *opts, const char *usage);

/* The period code of "YYYY-MM" or "YYYY", or -1 after telling the user on stderr what `cmd`
 * expects. */
int cli_period(const char *cmd, const char *period);

/* Who is acting, for the audit log: `given` (--actor) when set, else "cli:" and the login name
 * of the user running the command (or its uid). The returned string lives until exit. */
const char *cli_actor(const char *given);

#endif
