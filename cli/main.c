/* main.c — the pinggu command: dispatches to one subcommand per file in cli/. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#define PINGGU_VERSION "0.1.0"

static const char usage[] =
    "usage: pinggu <command> [options]\n"
    "\n"
    "commands:\n"
    "  eval   --rules DIR --data DIR --scheme NAME --period P [--format json|csv|text]\n"
    "         [--unit ID]      evaluate a scheme for a period (P is YYYY-MM or YYYY)\n"
    "  ingest --rules DIR --data DIR --source NAME FILE|DIR...\n"
    "                          take raw batch files (CSV, NDJSON) of a source\n"
    "  ingest --data DIR --list | --withdraw ID\n"
    "                          list the ingested batches, or withdraw one\n"
    "  check  DIR              validate a rule set; errors as file:line: message\n"
    "  serve  --rules DIR --data-dir DIR [--listen HOST:PORT] [--config FILE] [--clock T]\n"
    "                          run the host: the HTTP API, hot reload, scheduled evaluations\n"
    "  token  --role ROLE [--unit ID] [--name NAME]\n"
    "                          make an access token for the host's configuration\n"
    "  test   DIR [FILE...] [--coverage] [--verbose]\n"
    "                          run the rule tests in DIR/tests/*.lua\n"
    "  diff   --rules DIR --against DIR|FILE --data DIR --scheme NAME --period P\n"
    "         [--format text|json]\n"
    "                          re-score a period under a second rule set or weight overrides\n"
    "  explain --rules DIR --data DIR --unit ID --scheme NAME --period P [--indicator ID]\n"
    "                          a unit's full trace: values, batches, methods, points\n"
    "  doc    DIR [--out DIR]  indicator documentation (Markdown, HTML) per group\n"
    "  report --rules DIR --data DIR --scheme NAME --period P --format html|csv|json|xlsx\n"
    "         --out DIR        the bulletin or year report as documents, with charts\n"
    "  version                 print the version\n"
    "\n"
    "See README.md for the rule language and the JSON output.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        puts("pinggu " PINGGU_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "eval") == 0) return cmd_eval(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0) return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "ingest") == 0) return cmd_ingest(argc - 1, argv + 1);
    if (strcmp(argv[1], "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "token") == 0) return cmd_token(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0) return cmd_test(argc - 1, argv + 1);
    if (strcmp(argv[1], "diff") == 0) return cmd_diff(argc - 1, argv + 1);
    if (strcmp(argv[1], "explain") == 0) return cmd_explain(argc - 1, argv + 1);
    if (strcmp(argv[1], "doc") == 0) return cmd_doc(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0) return cmd_report(argc - 1, argv + 1);
    fprintf(stderr, "pinggu: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
