/* main.c — the pinggu command: dispatches to one subcommand per file in cli/. */
#include "cli.h"
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    "  rules  diff A B [--format text|json]\n"
    "                          what changed from rule set A to B, in words\n"
    "  serve  --rules DIR[,DIR...] --data-dir DIR [--listen HOST:PORT] [--config FILE]\n"
    "                          run the host: the HTTP API, hot reload, scheduled evaluations\n"
    "  token  --role ROLE [--unit ID] [--name NAME]\n"
    "                          make an access token for the host's configuration\n"
    "  test   DIR [FILE...] [--coverage] [--verbose]\n"
    "                          run the rule tests in DIR/tests/*.lua\n"
    "  diff   --rules DIR --against DIR|FILE --data DIR --scheme NAME --period P\n"
    "         [--format text|json]\n"
    "                          re-score a period under a second rule set or weight overrides\n"
    "  explain --rules DIR --data DIR --unit ID --scheme NAME --period P [--indicator ID]\n"
    "         [--format text|json]\n"
    "                          a unit's full trace: values, batches, methods, points\n"
    "  template --rules DIR --scheme NAME --period P --unit ID --format xlsx [--out FILE]\n"
    "                          the workbook a unit fills in with its fed values and self-reports\n"
    "  doc    DIR [--out DIR]  indicator documentation (Markdown, HTML) per group\n"
    "  report --rules DIR --data DIR --scheme NAME --period P --format html|csv|json|xlsx\n"
    "         --out DIR        the bulletin or year report as documents, with charts\n"
    "  backup --data DIR DEST  a consistent copy of the store and the batch files, while the host\n"
    "                          runs (docs/operations.md: backups)\n"
    "  publish --rules DIR --data DIR --scheme NAME --period P [--reason TEXT]\n"
    "                          evaluate and publish the bulletin of a period (a correction when\n"
    "                          one is published already)\n"
    "  bulletins --data DIR [--scheme NAME] [--period P] [--show ID]\n"
    "                          the published bulletins and their revisions\n"
    "  reproduce --data DIR --bulletin ID\n"
    "                          re-run a published bulletin with its own rules and inputs\n"
    "  selfreport submit|review|list ...\n"
    "                          a unit's self-reported values and their review\n"
    "  score  set|list ...     evaluator scores of qualitative indicators\n"
    "  appeal submit|decide|list ...\n"
    "                          appeals (申诉) and their decisions\n"
    "  audit  --data DIR [--actor A] [--action A] [--object O] [--since T] [--until T]\n"
    "                          read the audit log\n"
    "  prune  --data DIR --before TIME\n"
    "                          delete unpublished runs finished before TIME, and what only they\n"
    "                          stored\n"
    "  analyze --rules DIR --data DIR --scheme NAME --period P [--format text|json]\n"
    "                          which indicators matter: coverage, 区分度, correlations, nominal\n"
    "                          against effective weight (P may be a year of a monthly scheme)\n"
    "  sensitivity --rules DIR --data DIR --scheme NAME --period P [--draws N] [--spread PCT]\n"
    "         [--seed S]       how stable each rank is when the weights move\n"
    "  version                 print the version\n"
    "\n"
    "The manual is in docs/: the rule language in docs/rules.md, the commands in docs/cli.md, the\n"
    "JSON output in docs/reports.md.\n";

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"eval", cmd_eval},           {"check", cmd_check},         {"ingest", cmd_ingest},
    {"serve", cmd_serve},         {"token", cmd_token},         {"test", cmd_test},
    {"diff", cmd_diff},           {"explain", cmd_explain},     {"doc", cmd_doc},
    {"report", cmd_report},       {"backup", cmd_backup},       {"publish", cmd_publish},
    {"bulletins", cmd_bulletins}, {"reproduce", cmd_reproduce}, {"selfreport", cmd_selfreport},
    {"score", cmd_score},         {"appeal", cmd_appeal},       {"audit", cmd_audit},
    {"prune", cmd_prune},         {"rules", cmd_rules},         {"sensitivity", cmd_sensitivity},
    {"analyze", cmd_analyze},     {"template", cmd_template},
};

/* The rule deadlines (see sandbox.h): the defaults, or these variables, which every command
 * reads (serve then takes its config's rule_load_deadline_ms / rule_call_deadline_ms). */
static void rule_deadlines(void)
{
    const char *load = getenv("PINGGU_RULE_LOAD_DEADLINE_MS");
    const char *call = getenv("PINGGU_RULE_CALL_DEADLINE_MS");
    pg_sandbox_set_deadlines(load ? atol(load) : 0, call ? atol(call) : 0);
}

int main(int argc, char **argv)
{
    rule_deadlines();
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        puts("pinggu " PINGGU_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "pinggu: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
