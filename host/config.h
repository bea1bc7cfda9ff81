/* config.h — the host's configuration file and its access tokens.
 *
 * A JSON file (every key optional; command-line options override it):
 *
 *   { "listen": "127.0.0.1:8080", "rules": ["rules/shanwei-2021", "rules/shanwei-2022"],
 *     "data_dir": "/var/lib/pinggu",
 *     "pool": 2, "body_limit_mb": 64, "read_timeout_ms": 30000, "idle_timeout_ms": 60000,
 *     "header_timeout_ms": 10000, "max_connections": 1024, "max_connections_per_ip": 256,
 *     "body_memory_mb": 256,
 *     "lua": { "instructions": 1000000, "memory_mb": 32 },
 *     "rule_load_deadline_ms": 10000, "rule_call_deadline_ms": 2000, "job_deadline_ms": 120000,
 *     "drain_timeout_ms": 10000, "result_cache_mb": 512, "bulletin_cache_mb": 128,
 *     "reload": { "debounce_ms": 100, "rescan_ms": 2000, "retry_ms": 1000,
 *                 "retry_max_ms": 300000 }, "log_level": "info",
 *     "web_dir": "/usr/share/pinggu/web", "retention_days": 90,
 *     "rule_edits": { "approval": "two_person" },
 *     "pulls": [ { "source": "cases", "from": "postgres:", "at": ["01:00"],
 *                  "before_cutoff_min": 120, "every_s": 0, "full_at": ["03:00"],
 *                  "connection": "host=db.example dbname=gov user=pinggu_reader" } ],
 *     "tokens": [ { "name": "ops", "role": "admin", "sha256": "<64 hex digits>" },
 *                 { "name": "lufeng", "role": "unit", "unit": "lufeng", "sha256": "…" } ] }
 *
 * "rules" is one rule set directory or a list of them, one year each (a period is evaluated
 * with the rules of its year). Tokens are stored only as the SHA-256 of the secret (`pinggu token`
 * makes one). Unknown keys and wrong types are errors naming the key path ("tokens[1].role: …"),
 * never ignored: a typo in a security setting must not pass silently.
 *
 * "pulls" (pull.c): sources of the rule set read through their plugin on a schedule, as
 * `pinggu ingest --source SOURCE --from FROM` would: every `every_s` seconds, at each local
 * time of `at` ("HH:MM" in the rule set's zone), and `before_cutoff_min` minutes before each
 * cut-off (24:00 on the 25th, and the close of the year); at least one of them. `from` is
 * "<reader>:[LOCATION]" (a table for postgres), never a connection: a `from` holding "=" or
 * "://" is refused. The connection is `connection` (a libpq connection string or
 * postgresql:// URI, TLS options and all), else the host's environment (PINGGU_PG_DSN, PGHOST,
 * ~/.pgpass …); never in a rule file. It is not logged, and no message repeats it: a password
 * in it stays in this file (keep the file readable by the host's user only, or put the
 * password in ~/.pgpass). For a source whose options name an `updated_at` field, the pulls
 * read only the rows changed since the last one, except those at the local times of
 * `full_at`, which read every record (a deleted row stops counting then). */
#ifndef PG_CONFIG_H
#define PG_CONFIG_H

#include "base.h"
#include "http.h"

typedef enum {
    PG_ROLE_NONE,
    PG_ROLE_VIEWER,
    PG_ROLE_UNIT,
    PG_ROLE_EVALUATOR,
    PG_ROLE_ADMIN
} pg_role;

/* One scheduled pull ("pulls" in the file). */
typedef struct {
    char *source, *from;
    char *connection; /* the reader's connection (libpq string or URI); NULL: the host's
                       * environment. Never logged nor echoed in a message. */
    long every_s;     /* 0: not by interval */
    int at[24];       /* minutes after local midnight */
    int nat;
    long before_cutoff_min; /* 0: not before cut-offs */
    int full_at[24];        /* minutes after local midnight: pulls that read every record */
    int nfull_at;
} pg_pull_cfg;

typedef struct {
    char *name;
    pg_role role;
    char *unit; /* PG_ROLE_UNIT: the unit id it is bound to */
    unsigned char hash[32];
} pg_token;

typedef struct {
    char *listen_host;
    int listen_port;
    char **rules; /* rule set directories, one year each */
    int nrules;
    char *data_dir;
    char *web_dir; /* the dashboard's files; NULL: web/ next to the executable */
    int pool;      /* workers that run Lua; 0: the number of cores */
    pg_http_limits http;
    long lua_instructions; /* ceilings on a rule set's own budget; 0: none */
    long lua_memory_mb;
    /* wall-clock deadlines of rule code (pg_sandbox_set_deadlines); 0: the defaults */
    long rule_load_deadline_ms, rule_call_deadline_ms;
    /* all the rule code of one job (pool.h); past it and a grace, the worker counts as stuck */
    unsigned job_deadline_ms;
    /* how long shutdown waits for requests and jobs in flight before it exits without them */
    unsigned drain_timeout_ms;
    /* the results cache's budget (cache.c); 0: unbounded */
    unsigned result_cache_mb;
    /* the loop's cache of published bulletins' parts (publish.c); 0: none, every read goes to
       the store */
    unsigned bulletin_cache_mb;
    unsigned debounce_ms, rescan_ms;
    /* a failed reload's backoff (reload.c); 0: the defaults */
    unsigned retry_ms, retry_max_ms;
    /* reload.effective = "open_month": a rule set without `effective` governs from the current
       open sampling month (reload.c); 0: the whole year */
    int effective_open_month;
    /* rule_edits.approval = "two_person": an edit made on the dashboard or the API waits as a
       proposal until another staff member approves it (approval.c); 0: saved at once */
    int two_person;
    int log_level;      /* pg_log_level */
    int retention_days; /* unpublished runs older than this are pruned daily; 0: kept */
    pg_token *tokens;
    int ntokens;
    pg_pull_cfg *pulls; /* scheduled pulls (pull.c) */
    int npulls;
} pg_config;

/* Fills `c` with the defaults (127.0.0.1:8080, nothing else set). */
void pg_config_defaults(pg_config *c);
/* Reads `path` over what `c` holds. Returns 0, or -EINVAL/-errno with the reasons in `d`. */
int pg_config_load(pg_config *c, const char *path, pg_diags *d);
/* Parses "HOST:PORT" or ":PORT" or "PORT" into the listen fields. Returns 0 or -EINVAL. */
int pg_config_listen(pg_config *c, const char *s);
void pg_config_free(pg_config *c);
/* Replaces the rule set directories with `list`, comma-separated ("a,b"). */
void pg_config_rules(pg_config *c, const char *list);

const char *pg_role_name(pg_role r);
/* The token an "Authorization: Bearer <secret>" header presents, or NULL (no header, another
 * scheme, or an unknown secret). Every stored hash is compared, in constant time, so the time
 * taken says nothing about which one nearly matched. */
const pg_token *pg_config_token(const pg_config *c, const char *authorization);

#endif
