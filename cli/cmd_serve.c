/* cmd_serve.c — `pinggu serve`, the long-running host, and `pinggu token`, which makes an
 * access token and the line the host's configuration stores for it. */
#include "args.h"
#include "cli.h"
#include "serve.h"
#include "base.h"

#include <unistd.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char serve_usage[] =
    "usage: pinggu serve --rules DIR[,DIR...] --data-dir DIR [--listen HOST:PORT]\n"
    "                    [--config FILE] [--pool N] [--log-level debug|info|warn|error]\n"
    "                    [--clock TIME]\n"
    "  --rules       one rule set directory per year, comma-separated; a period is evaluated\n"
    "                with the rules of its year\n"
    "  --clock TIME  inject the clock: start at TIME (e.g. 2021-01-20T00:00:00+08:00), and let\n"
    "                POST /api/v1/clock move it forward (for tests and drills)\n";

int cmd_serve(int argc, char **argv)
{
    const char *rules = NULL, *data = NULL, *listen = NULL, *config = NULL, *pool = NULL,
               *level = NULL, *clock = NULL;
    const cli_opt opts[] = {CLI_OPTION("rules", &rules),   CLI_OPTION("data-dir", &data),
                            CLI_OPTION("listen", &listen), CLI_OPTION("config", &config),
                            CLI_OPTION("pool", &pool),     CLI_OPTION("log-level", &level),
                            CLI_OPTION("clock", &clock),   CLI_END};
    int rc0 = cli_args(argc, argv, opts, serve_usage);
    if (rc0 >= 0) return rc0;
    if (cli_operands(argc, argv, 0, 0, serve_usage)) return 2;
    pg_config cfg;
    pg_config_defaults(&cfg);
    int rc = 2;
    if (config) {
        pg_diags d = {0};
        int bad = pg_config_load(&cfg, config, &d) != 0;
        pg_diags_print(&d, stderr);
        pg_diags_free(&d);
        if (bad) {
            rc = 1;
            goto done;
        }
    }
    if (rules) pg_config_rules(&cfg, rules);
    if (data) free(cfg.data_dir), cfg.data_dir = pg_xstrdup(data);
    if (!cfg.nrules || !cfg.data_dir) {
        fprintf(stderr, "pinggu serve: --rules and --data-dir are needed (or in --config)\n%s",
                serve_usage);
        goto done;
    }
    if (listen && pg_config_listen(&cfg, listen) != 0) {
        fprintf(stderr, "pinggu serve: --listen %s: use HOST:PORT, e.g. 127.0.0.1:8080\n", listen);
        goto done;
    }
    if (pool) {
        char *end;
        long n = strtol(pool, &end, 10);
        if (*end || n < 1 || n > 64) {
            fprintf(stderr, "pinggu serve: --pool %s: a number of workers from 1 to 64\n", pool);
            goto done;
        }
        cfg.pool = (int)n;
    }
    if (level) {
        static const char *const names[] = {"debug", "info", "warn", "error"};
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(level, names[i]) == 0) found = i;
        if (found < 0) {
            fprintf(stderr, "pinggu serve: --log-level %s: debug, info, warn or error\n", level);
            goto done;
        }
        cfg.log_level = found;
    }
    double fake = -1;
    if (clock && (pg_time_parse(clock, strlen(clock), 8 * 3600, &fake) != 0 || fake < 0)) {
        fprintf(stderr, "pinggu serve: --clock %s: use YYYY-MM-DDTHH:MM:SS+08:00\n", clock);
        goto done;
    }
    rc = pg_serve(&cfg, clock ? (int64_t)fake : -1);
done:
    pg_config_free(&cfg);
    return rc;
}

static const char token_usage[] =
    "usage: pinggu token --role admin|evaluator|unit|viewer [--unit ID] [--name NAME]\n"
    "  prints a new secret token on stdout and, on stderr, the entry to add to the\n"
    "  \"tokens\" of the host's configuration (which stores only its SHA-256)\n";

int cmd_token(int argc, char **argv)
{
    const char *role = NULL, *unit = NULL, *name = NULL;
    const cli_opt opts[] = {CLI_OPTION("role", &role), CLI_OPTION("unit", &unit),
                            CLI_OPTION("name", &name), CLI_END};
    int rc0 = cli_args(argc, argv, opts, token_usage);
    if (rc0 >= 0) return rc0;
    int known = role && (!strcmp(role, "admin") || !strcmp(role, "evaluator") ||
                         !strcmp(role, "unit") || !strcmp(role, "viewer"));
    if (!known || optind != argc || (!strcmp(role, "unit")) != (unit != NULL)) {
        fputs(token_usage, stderr);
        if (known && !!strcmp(role, "unit") == (unit == NULL))
            fprintf(stderr, "pinggu token: --unit goes with --role unit, and only with it\n");
        return 2;
    }
    unsigned char raw[24];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        perror("pinggu token: getrandom");
        return 1;
    }
    char secret[2 * sizeof raw + 4] = "pg_", hash[65];
    for (size_t i = 0; i < sizeof raw; i++) sprintf(secret + 3 + 2 * i, "%02x", raw[i]);
    SHA256Data((const uint8_t *)secret, strlen(secret), hash);
    printf("%s\n", secret);
    fprintf(stderr, "{ \"name\": \"%s\", \"role\": \"%s\", %s%s%s\"sha256\": \"%s\" }\n",
            name ? name : (unit ? unit : role), role, unit ? "\"unit\": \"" : "", unit ? unit : "",
            unit ? "\", " : "", hash);
    return 0;
}
