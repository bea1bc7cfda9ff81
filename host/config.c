/* config.c — reading the host's JSON configuration and checking access tokens (config.h). */
#include "config.h"

#include "log.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const role_names[] = {"none", "viewer", "unit", "evaluator", "admin"};

const char *pg_role_name(pg_role r)
{
    return role_names[r];
}

void pg_config_defaults(pg_config *c)
{
    memset(c, 0, sizeof *c);
    c->listen_host = pg_xstrdup("127.0.0.1");
    c->listen_port = 8080;
    c->log_level = PG_LOG_INFO;
    c->retention_days = 90;
    c->job_deadline_ms = 120000;
    c->drain_timeout_ms = 10000;
    c->result_cache_mb = 256;
    c->bulletin_cache_mb = 128;
}

void pg_config_free(pg_config *c)
{
    for (int i = 0; i < c->nrules; i++) free(c->rules[i]);
    free(c->listen_host), free(c->rules), free(c->data_dir), free(c->web_dir);
    for (int i = 0; i < c->ntokens; i++) free(c->tokens[i].name), free(c->tokens[i].unit);
    free(c->tokens);
    for (int i = 0; i < c->npulls; i++)
        free(c->pulls[i].source), free(c->pulls[i].from), free(c->pulls[i].connection);
    free(c->pulls);
    memset(c, 0, sizeof *c);
}

int pg_config_listen(pg_config *c, const char *s)
{
    const char *colon = strrchr(s, ':');
    const char *port = colon ? colon + 1 : s;
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535) return -EINVAL;
    if (colon && colon > s) {
        free(c->listen_host);
        c->listen_host = pg_xasprintf("%.*s", (int)(colon - s), s);
    }
    c->listen_port = (int)p;
    return 0;
}

/* Reading one file: the path of the key being read, for messages. */
typedef struct {
    const char *file;
    pg_diags *d;
} reader;

#define BAD(r, ...) pg_error((r)->d, (r)->file, 0, __VA_ARGS__)

static int get_string(reader *r, const cJSON *o, const char *key, const char *path, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 0;
    if (!cJSON_IsString(v) || !*v->valuestring) {
        BAD(r, "%s: expected a non-empty string", path);
        return -1;
    }
    free(*out);
    *out = pg_xstrdup(v->valuestring);
    return 1;
}

static int get_long(reader *r, const cJSON *o, const char *key, long lo, long hi, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 0;
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(x >= lo && x <= hi) || x != (double)(long)x) {
        BAD(r, "%s: expected a whole number from %ld to %ld", key, lo, hi);
        return -1;
    }
    *out = (long)x;
    return 1;
}

/* Every key of `o` must be one of `known`. */
static void only_keys(reader *r, const cJSON *o, const char *where, const char *const *known)
{
    for (const cJSON *it = o->child; it; it = it->next) {
        const char *const *k = known;
        while (*k && strcmp(*k, it->string)) k++;
        if (!*k) BAD(r, "%s%s%s: unknown setting", where, *where ? "." : "", it->string);
    }
}

static int hex_digest(const char *s, unsigned char out[32])
{
    if (strlen(s) != 64) return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

static void read_tokens(reader *r, const cJSON *a, pg_config *c)
{
    static const char *const keys[] = {"name", "role", "unit", "sha256", NULL};
    if (!cJSON_IsArray(a)) {
        BAD(r, "tokens: expected an array of { name, role, sha256[, unit] }");
        return;
    }
    int n = cJSON_GetArraySize(a), i = 0;
    c->tokens = pg_xcalloc((size_t)n + 1, sizeof *c->tokens);
    for (const cJSON *t = a->child; t; t = t->next, i++) {
        char where[32], path[64];
        snprintf(where, sizeof where, "tokens[%d]", i);
        if (!cJSON_IsObject(t)) {
            BAD(r, "%s: expected an object", where);
            continue;
        }
        only_keys(r, t, where, keys);
        pg_token *k = &c->tokens[c->ntokens++];
        char *role = NULL, *hash = NULL;
        snprintf(path, sizeof path, "%s.name", where);
        if (get_string(r, t, "name", path, &k->name) == 0) k->name = pg_xasprintf("%s", where);
        snprintf(path, sizeof path, "%s.unit", where);
        get_string(r, t, "unit", path, &k->unit);
        snprintf(path, sizeof path, "%s.role", where);
        if (get_string(r, t, "role", path, &role) == 0)
            BAD(r, "%s: missing (admin, evaluator, unit or viewer)", path);
        else if (role) {
            for (int j = PG_ROLE_VIEWER; j <= PG_ROLE_ADMIN; j++)
                if (strcmp(role, role_names[j]) == 0) k->role = (pg_role)j;
            if (k->role == PG_ROLE_NONE)
                BAD(r, "%s: '%s' is not a role (admin, evaluator, unit or viewer)", path, role);
        }
        if (k->role == PG_ROLE_UNIT && !k->unit)
            BAD(r, "%s: a unit token needs \"unit\": the unit id it may see", where);
        if (k->role != PG_ROLE_UNIT && k->role != PG_ROLE_NONE && k->unit)
            BAD(r, "%s: only a unit token is bound to a unit", where);
        snprintf(path, sizeof path, "%s.sha256", where);
        if (get_string(r, t, "sha256", path, &hash) == 0)
            BAD(r, "%s: missing; store the SHA-256 of the secret (pinggu token makes one)", path);
        else if (hash && hex_digest(hash, k->hash) != 0)
            BAD(r, "%s: expected 64 hex digits (the SHA-256 of the secret)", path);
        for (int j = 0; j < c->ntokens - 1 && hash; j++)
            if (memcmp(c->tokens[j].hash, k->hash, 32) == 0)
                BAD(r, "%s: the same secret as tokens[%d]", path, j);
        free(role), free(hash);
    }
}

static void add_rules(pg_config *c, const char *dir)
{
    c->rules = pg_xrealloc(c->rules, sizeof *c->rules * (size_t)(c->nrules + 1));
    c->rules[c->nrules++] = pg_xstrdup(dir);
}

static void clear_rules(pg_config *c)
{
    for (int i = 0; i < c->nrules; i++) free(c->rules[i]);
    free(c->rules);
    c->rules = NULL, c->nrules = 0;
}

void pg_config_rules(pg_config *c, const char *list)
{
    clear_rules(c);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        char *dir = pg_xasprintf("%.*s", (int)n, p);
        if (*dir) add_rules(c, dir);
        free(dir);
        p += n + (p[n] == ',');
    }
}

/* "rules": "dir" or ["dir", …] */
static void read_rules(reader *r, const cJSON *v, pg_config *c)
{
    if (!v) return;
    clear_rules(c);
    if (cJSON_IsString(v)) {
        add_rules(c, v->valuestring);
        return;
    }
    const cJSON *e;
    int i = 0;
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) cJSON_ArrayForEach(e, v)
        {
            if (cJSON_IsString(e) && *e->valuestring)
                add_rules(c, e->valuestring);
            else
                BAD(r, "rules[%d]: expected a directory name", i);
            i++;
        }
    else
        BAD(r, "rules: expected a directory or a list of directories");
}

/* "HH:MM" local times of a pull entry's `at` or `full_at` (at most 24) into v, *n */
static void read_times(reader *r, const cJSON *e, const char *key, const char *where, int *v,
                       int *n)
{
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, key);
    if (at && !cJSON_IsArray(at)) BAD(r, "%s.%s: expected a list of \"HH:MM\"", where, key);
    const cJSON *t;
    int k = 0;
    if (cJSON_IsArray(at)) cJSON_ArrayForEach(t, at)
        {
            int hh, mm, len = 0;
            if (!cJSON_IsString(t) || sscanf(t->valuestring, "%2d:%2d%n", &hh, &mm, &len) != 2 ||
                t->valuestring[len] || strlen(t->valuestring) != 5 || hh > 23 || mm > 59 ||
                hh < 0 || mm < 0)
                BAD(r, "%s.%s[%d]: expected a local time \"HH:MM\" (00:00 to 23:59)", where, key,
                    k);
            else if (*n == 24)
                BAD(r, "%s.%s: at most 24 times a day", where, key);
            else
                v[(*n)++] = hh * 60 + mm;
            k++;
        }
}

/* "pulls": [ { source, from, connection, every_s, at, before_cutoff_min, full_at } ] */
static void read_pulls(reader *r, const cJSON *v, pg_config *c)
{
    static const char *const keys[] = {"source", "from",    "connection",        "every_s",
                                       "at",     "full_at", "before_cutoff_min", NULL};
    if (!cJSON_IsArray(v)) {
        BAD(r, "pulls: expected a list of { source, from, connection, every_s, at, "
               "before_cutoff_min, full_at }");
        return;
    }
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        char where[32], path[64];
        snprintf(where, sizeof where, "pulls[%d]", i++);
        if (!cJSON_IsObject(e)) {
            BAD(r,
                "%s: expected { source, from, connection, every_s, at, before_cutoff_min, "
                "full_at }",
                where);
            continue;
        }
        only_keys(r, e, where, keys);
        pg_pull_cfg p = {0};
        snprintf(path, sizeof path, "%s.source", where);
        if (get_string(r, e, "source", path, &p.source) == 0)
            BAD(r, "%s.source: missing (the rule set's source to pull)", where);
        snprintf(path, sizeof path, "%s.from", where);
        if (get_string(r, e, "from", path, &p.from) == 0)
            BAD(r, "%s.from: missing (\"<reader>:[LOCATION]\", e.g. \"postgres:\")", where);
        if (p.from && (!strchr(p.from, ':') || *p.from == ':'))
            BAD(r, "%s.from: '%s' is not \"<reader>:[LOCATION]\" (e.g. \"postgres:\")", where,
                p.from);
        else if (p.from && (strchr(p.from, '=') || strstr(p.from, "://")))
            BAD(r,
                "%s.from: looks like a connection string; the connection goes in the entry's "
                "connection or the host's environment (PINGGU_PG_DSN, PGHOST, ~/.pgpass), never "
                "in from or a rule file",
                where);
        /* the connection: a string, never repeated in a message (it may hold a password) */
        const cJSON *conn = cJSON_GetObjectItemCaseSensitive(e, "connection");
        if (conn && (!cJSON_IsString(conn) || !*conn->valuestring))
            BAD(r, "%s.connection: expected a libpq connection string or postgresql:// URI", where);
        else if (conn)
            p.connection = pg_xstrdup(conn->valuestring);
        get_long(r, e, "every_s", 1, 86400 * 366, &p.every_s);
        get_long(r, e, "before_cutoff_min", 1, 60 * 24 * 20, &p.before_cutoff_min);
        read_times(r, e, "at", where, p.at, &p.nat);
        read_times(r, e, "full_at", where, p.full_at, &p.nfull_at);
        if (!p.every_s && !p.nat && !p.before_cutoff_min && !p.nfull_at)
            BAD(r, "%s: says no time to pull (every_s, at, before_cutoff_min or full_at)", where);
        for (int j = 0; j < c->npulls && p.source; j++)
            if (c->pulls[j].source && strcmp(c->pulls[j].source, p.source) == 0)
                BAD(r, "%s.source: '%s' is pulled by pulls[%d] already (one entry a source)", where,
                    p.source, j);
        c->pulls = pg_xrealloc(c->pulls, sizeof *c->pulls * (size_t)(c->npulls + 1));
        c->pulls[c->npulls++] = p;
    }
}

int pg_config_load(pg_config *c, const char *path, pg_diags *d)
{
    /* clang-format off */
    static const char *const keys[] = {
        "listen",          "rules", "data_dir", "pool",      "body_limit_mb", "read_timeout_ms",
        "idle_timeout_ms", "lua",   "reload",   "log_level", "tokens",        "web_dir",
        "retention_days",  "rule_load_deadline_ms", "rule_call_deadline_ms",
        "max_connections", "max_connections_per_ip", "header_timeout_ms", "body_memory_mb",
        "job_deadline_ms", "drain_timeout_ms", "result_cache_mb", "bulletin_cache_mb", "rule_edits",
        "pulls", NULL};
    /* clang-format on */
    static const char *const lua_keys[] = {"instructions", "memory_mb", NULL};
    static const char *const reload_keys[] = {"debounce_ms",  "rescan_ms", "retry_ms",
                                              "retry_max_ms", "effective", NULL};
    reader rd = {path, d}, *r = &rd;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        pg_error(d, path, 0, "cannot read: %s", strerror(e));
        return -e;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 > cap) text = pg_xrealloc(text, cap = cap * 2 + 8192);
        got = fread(text + len, 1, cap - len, f);
        len += got;
    } while (got > 0 && len < (1u << 20));
    fclose(f);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root || !cJSON_IsObject(root)) {
        int line = 1, col = 1;
        for (const char *p = text; end && p < end; p++)
            line += *p == '\n', col = *p == '\n' ? 1 : col + 1;
        pg_diag_add(d, PG_ERROR, path, line, col, "%s",
                    root ? "expected a JSON object" : "not valid JSON");
        cJSON_Delete(root);
        free(text);
        return -EINVAL;
    }
    free(text);
    int before = d->errors;
    only_keys(r, root, "", keys);
    char *listen = NULL, *level = NULL;
    if (get_string(r, root, "listen", "listen", &listen) > 0 && pg_config_listen(c, listen) != 0)
        BAD(r, "listen: '%s' is not HOST:PORT", listen);
    read_rules(r, cJSON_GetObjectItemCaseSensitive(root, "rules"), c);
    get_string(r, root, "data_dir", "data_dir", &c->data_dir);
    get_string(r, root, "web_dir", "web_dir", &c->web_dir);
    long v;
    if (get_long(r, root, "pool", 1, 64, &v) > 0) c->pool = (int)v;
    /* up to 100 years; 0 keeps every run */
    if (get_long(r, root, "retention_days", 0, 36500, &v) > 0) c->retention_days = (int)v;
    if (get_long(r, root, "body_limit_mb", 1, 4096, &v) > 0) c->http.max_body = (size_t)v << 20;
    if (get_long(r, root, "read_timeout_ms", 100, 3600000, &v) > 0) c->http.read_ms = (unsigned)v;
    if (get_long(r, root, "idle_timeout_ms", 100, 3600000, &v) > 0) c->http.idle_ms = (unsigned)v;
    if (get_long(r, root, "header_timeout_ms", 100, 3600000, &v) > 0)
        c->http.header_ms = (unsigned)v;
    if (get_long(r, root, "max_connections", 1, 1000000, &v) > 0) c->http.max_conns = (int)v;
    if (get_long(r, root, "max_connections_per_ip", 1, 1000000, &v) > 0)
        c->http.max_conns_per_ip = (int)v;
    if (get_long(r, root, "body_memory_mb", 1, 65536, &v) > 0)
        c->http.body_memory = (size_t)v << 20;
    /* wall-clock deadlines of rule code (sandbox.h): a load, one custom method or composite */
    get_long(r, root, "rule_load_deadline_ms", 10, 3600000, &c->rule_load_deadline_ms);
    get_long(r, root, "rule_call_deadline_ms", 10, 3600000, &c->rule_call_deadline_ms);
    /* all the rule code of one evaluation, preview, publication or reload (pool.h) */
    if (get_long(r, root, "job_deadline_ms", 10, 86400000, &v) > 0)
        c->job_deadline_ms = (unsigned)v;
    /* 0: unbounded */
    if (get_long(r, root, "result_cache_mb", 0, 1 << 20, &v) > 0) c->result_cache_mb = (unsigned)v;
    /* 0: no bulletin cache */
    if (get_long(r, root, "bulletin_cache_mb", 0, 1 << 20, &v) > 0)
        c->bulletin_cache_mb = (unsigned)v;
    if (get_long(r, root, "drain_timeout_ms", 100, 3600000, &v) > 0)
        c->drain_timeout_ms = (unsigned)v;
    const cJSON *lua = cJSON_GetObjectItemCaseSensitive(root, "lua");
    if (lua && !cJSON_IsObject(lua)) BAD(r, "lua: expected { instructions, memory_mb }");
    if (cJSON_IsObject(lua)) {
        only_keys(r, lua, "lua", lua_keys);
        get_long(r, lua, "instructions", 1000, LONG_MAX / 2, &c->lua_instructions);
        get_long(r, lua, "memory_mb", 1, 256, &c->lua_memory_mb);
    }
    const cJSON *rl = cJSON_GetObjectItemCaseSensitive(root, "reload");
    if (rl && !cJSON_IsObject(rl))
        BAD(r, "reload: expected { debounce_ms, rescan_ms, retry_ms, retry_max_ms, effective }");
    if (cJSON_IsObject(rl)) {
        only_keys(r, rl, "reload", reload_keys);
        if (get_long(r, rl, "debounce_ms", 0, 60000, &v) > 0) c->debounce_ms = (unsigned)v;
        if (get_long(r, rl, "rescan_ms", 100, 3600000, &v) > 0) c->rescan_ms = (unsigned)v;
        if (get_long(r, rl, "retry_ms", 10, 3600000, &v) > 0) c->retry_ms = (unsigned)v;
        if (get_long(r, rl, "retry_max_ms", 10, 86400000, &v) > 0) c->retry_max_ms = (unsigned)v;
        char *eff = NULL;
        if (get_string(r, rl, "effective", "reload.effective", &eff) > 0) {
            if (strcmp(eff, "open_month") == 0)
                c->effective_open_month = 1;
            else if (strcmp(eff, "year") != 0)
                BAD(r,
                    "reload.effective: \"%s\" must be \"year\" (a rule set without effective "
                    "governs its whole year) or \"open_month\" (from the current open month)",
                    eff);
        }
        free(eff);
    }
    /* rule_edits.approval: "two_person" holds a dashboard edit until someone else approves it
     * (approval.c). Not under "rules", which names the directories. */
    const cJSON *re = cJSON_GetObjectItemCaseSensitive(root, "rule_edits");
    if (re && !cJSON_IsObject(re)) BAD(r, "rule_edits: expected { approval }");
    if (cJSON_IsObject(re)) {
        static const char *const re_keys[] = {"approval", NULL};
        only_keys(r, re, "rule_edits", re_keys);
        char *ap = NULL;
        if (get_string(r, re, "approval", "rule_edits.approval", &ap) > 0) {
            if (strcmp(ap, "two_person") == 0)
                c->two_person = 1;
            else if (strcmp(ap, "none") != 0)
                BAD(r,
                    "rule_edits.approval: \"%s\" must be \"none\" (a dashboard edit is saved "
                    "at once) or \"two_person\" (it waits for another person's approval)",
                    ap);
        }
        free(ap);
    }
    if (get_string(r, root, "log_level", "log_level", &level) > 0) {
        static const char *const levels[] = {"debug", "info", "warn", "error"};
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(level, levels[i]) == 0) found = i;
        if (found < 0)
            BAD(r, "log_level: '%s' is not debug, info, warn or error", level);
        else
            c->log_level = found;
    }
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(root, "tokens");
    if (tokens) read_tokens(r, tokens, c);
    const cJSON *pulls = cJSON_GetObjectItemCaseSensitive(root, "pulls");
    if (pulls) read_pulls(r, pulls, c);
    free(listen), free(level);
    cJSON_Delete(root);
    return d->errors > before ? -EINVAL : 0;
}

const pg_token *pg_config_token(const pg_config *c, const char *authorization)
{
    /* RFC 9110: the scheme is case-insensitive, and a field value may carry optional white
     * space (spaces, tabs) around it; between the scheme and the token, one or more. */
    if (!authorization) return NULL;
    while (*authorization == ' ' || *authorization == '\t') authorization++;
    if (strncasecmp(authorization, "Bearer", 6) != 0 ||
        (authorization[6] != ' ' && authorization[6] != '\t'))
        return NULL;
    const char *secret = authorization + 6;
    while (*secret == ' ' || *secret == '\t') secret++;
    size_t len = strlen(secret);
    while (len && (secret[len - 1] == ' ' || secret[len - 1] == '\t')) len--;
    if (!len) return NULL;
    unsigned char h[32];
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    SHA256Update(&ctx, (const uint8_t *)secret, len);
    SHA256Final(h, &ctx);
    const pg_token *found = NULL;
    for (int i = 0; i < c->ntokens; i++) {
        unsigned diff = 0;
        for (int j = 0; j < 32; j++) diff |= (unsigned)(h[j] ^ c->tokens[i].hash[j]);
        if (diff == 0) found = &c->tokens[i];
    }
    return found;
}
