/* postgres.c — the PostgreSQL source plugin: the records of a rule set's source read from a
 * table or view through libpq (Debian: libpq-dev), for
 *
 *     source "cases" { ..., plugin = "postgres", options = { table = "public.cases" } }
 *     pinggu ingest --source cases --from postgres:            (options.table)
 *     pinggu ingest --source cases --from postgres:other.table (a table named here instead)
 *
 * The connection is never in the rule set: it is the host config's (pg_plugin_read_req's
 * connection), else $PINGGU_PG_DSN (a libpq connection string or URI), else libpq's own
 * environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD or ~/.pgpass, PGSSLMODE and the
 * other TLS variables, PGSERVICE). The role needs SELECT on the table or view, nothing more.
 *
 * What is read: SELECT "field1", "field2", … FROM table ORDER BY 1, 2, …, every declared
 * field by its own name, in one statement (one snapshot), streamed a row at a time
 * (libpq's single-row mode: memory does not grow with the table). Sorting by every column
 * makes the same rows the same batch (pinggu's batch id is a hash of what was read), whatever
 * order the engine stores them in. Values go to pinggu as PostgreSQL prints them with
 * DateStyle ISO and TimeZone UTC, except the two forms pinggu's CSV reader does not read:
 * booleans ("t"/"f" become "true"/"false") and a timestamptz's "+00" (becomes "Z"). Anything
 * else the engine prints that is not a value of the declared type (NaN, infinity, a BC date)
 * reaches the reader as it is and is refused there as a bad record, never altered here.
 *
 * Push-down (plugin ABI 4, options.pushdown = "true"): pinggu compiles the source's metrics into
 * plain PostgreSQL statements (core/data/pushdown.c) and this reader only runs them, in one
 * REPEATABLE READ READ ONLY transaction (one snapshot for all of them), streaming each result
 * row back as text. It adds nothing to the statements and reads none of the table itself. */
#include "plugin.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_type.h's OIDs (server headers are not needed for two numbers) */
#define BOOLOID 16
#define TIMESTAMPTZOID 1184

/* A table name as written unquoted in SQL: one or two lower-case identifiers. Upper case
 * would mean something else quoted than unquoted, so it is refused rather than guessed. */
static int table_name_ok(const char *t)
{
    int parts = 0, len = 0;
    for (const char *p = t;; p++) {
        if (*p == '.' || *p == '\0') {
            if (len == 0) return 0;
            parts++, len = 0;
            if (*p == '\0') break;
            continue;
        }
        int ok = (*p >= 'a' && *p <= 'z') || *p == '_' || (len > 0 && *p >= '0' && *p <= '9');
        if (!ok) return 0;
        len++;
    }
    return parts >= 1 && parts <= 2;
}

static const char *option(const pg_plugin_read_req *rq, const char *name)
{
    for (int i = 0; i < rq->noptions; i++)
        if (strcmp(rq->options[2 * i], name) == 0) return rq->options[2 * i + 1];
    return NULL;
}

static const char *table_of(const pg_plugin_read_req *rq)
{
    return rq->location && *rq->location ? rq->location : option(rq, "table");
}

static int pg_check(const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    for (int i = 0; i < rq->noptions; i++) {
        const char *name = rq->options[2 * i], *value = rq->options[2 * i + 1];
        if (strcmp(name, "pushdown") == 0) {
            if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
                snprintf(err, errlen, "option pushdown is \"true\" or \"false\", not '%s'", value);
                return -EINVAL;
            }
            continue;
        }
        if (strcmp(name, "table") != 0) {
            snprintf(err, errlen,
                     "unknown option '%s' (the postgres reader takes table and pushdown)", name);
            return -EINVAL;
        }
    }
    const char *t = table_of(rq);
    if (!t) {
        snprintf(err, errlen,
                 "no table to read: give options = { table = \"schema.table\" } or --from "
                 "postgres:schema.table");
        return -EINVAL;
    }
    if (!table_name_ok(t)) {
        snprintf(err, errlen,
                 "table '%s' must be a lower-case table or schema.table name (letters, digits, "
                 "'_')",
                 t);
        return -EINVAL;
    }
    return 0;
}

/* libpq's messages end in a newline, and may span lines */
static void message(char *err, size_t errlen, const char *what, const char *pq)
{
    /* a server error's "LINE 1: …" and caret quote our own query back: not the reader's news */
    const char *line = pq ? strstr(pq, "\nLINE ") : NULL;
    int len = line ? (int)(line - pq) : (int)strlen(pq ? pq : "");
    snprintf(err, errlen, "%s: %.*s", what, len, pq ? pq : "");
    for (char *p = err; *p; p++)
        if (*p == '\n') *p = ' ';
    size_t n = strlen(err);
    while (n && err[n - 1] == ' ') err[--n] = '\0';
}

/* Appends s to the growing buffer *b (len *n, capacity *cap). */
static void append(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n + len + 1 > *cap) {
        while (*n + len + 1 > *cap) *cap = *cap ? *cap * 2 : 256;
        char *nb = realloc(*b, *cap);
        if (!nb) abort(); /* as pinggu's own allocations do */
        *b = nb;
    }
    memcpy(*b + *n, s, len);
    *n += len;
    (*b)[*n] = '\0';
}

/* SELECT "a", "b" FROM "s"."t" ORDER BY 1, 2 — every name quoted by libpq. NULL with err
 * when libpq cannot quote one. */
static char *select_sql(PGconn *c, const pg_plugin_read_req *rq, const char *table, char *err,
                        size_t errlen)
{
    char *sql = NULL;
    size_t n = 0, cap = 0;
    append(&sql, &n, &cap, "SELECT ", 7);
    for (int i = 0; i < rq->nfields; i++) {
        char *q = PQescapeIdentifier(c, rq->fields[i].name, strlen(rq->fields[i].name));
        if (!q) goto bad;
        if (i) append(&sql, &n, &cap, ", ", 2);
        append(&sql, &n, &cap, q, strlen(q));
        PQfreemem(q);
    }
    append(&sql, &n, &cap, " FROM ", 6);
    const char *dot = strchr(table, '.');
    const char *parts[2] = {table, dot ? dot + 1 : NULL};
    size_t lens[2] = {dot ? (size_t)(dot - table) : strlen(table), dot ? strlen(dot + 1) : 0};
    for (int k = 0; k < 2 && parts[k]; k++) {
        char *q = PQescapeIdentifier(c, parts[k], lens[k]);
        if (!q) goto bad;
        if (k) append(&sql, &n, &cap, ".", 1);
        append(&sql, &n, &cap, q, strlen(q));
        PQfreemem(q);
    }
    append(&sql, &n, &cap, " ORDER BY ", 10);
    for (int i = 0; i < rq->nfields; i++) {
        char num[16];
        int len = snprintf(num, sizeof num, "%s%d", i ? ", " : "", i + 1);
        append(&sql, &n, &cap, num, (size_t)len);
    }
    return sql;
bad:
    message(err, errlen, "postgres: cannot quote a name", PQerrorMessage(c));
    free(sql);
    return NULL;
}

static int exec_ok(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) message(err, errlen, "postgres", PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -EIO;
}

/* Connects as the request says (the config's connection, else $PINGGU_PG_DSN, else libpq's
 * environment); NULL with err when that fails. */
static PGconn *connect_to(const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    const char *dsn = rq->connection ? rq->connection : getenv("PINGGU_PG_DSN");
    PGconn *c = PQconnectdb(dsn ? dsn : "");
    if (PQstatus(c) != CONNECTION_OK) {
        message(err, errlen, "postgres: cannot connect", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Push-down: the statements pinggu compiled, in one read-only snapshot, every row handed back
 * as text. Results are small (partials per unit and bucket), so each is taken whole. */
static int pg_query(const pg_plugin_read_req *rq, const pg_plugin_query *q, pg_plugin_row_fn row,
                    void *sink, char *about, size_t aboutlen, char *err, size_t errlen)
{
    int rc = pg_check(rq, err, errlen);
    if (rc) return rc;
    PGconn *c = connect_to(rq, err, errlen);
    if (!c) return -ECONNREFUSED;
    snprintf(about, aboutlen, "%s@%s", table_of(rq), PQdb(c));
    rc = exec_ok(c,
                 "SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; SET "
                 "extra_float_digits = 3; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                 err, errlen);
    const char **vals = NULL;
    size_t *lens = NULL;
    for (int k = 0; rc == 0 && k < q->nstatements; k++) {
        PGresult *r = PQexec(c, q->statements[k]);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            message(err, errlen, "postgres", PQresultErrorMessage(r));
            rc = -EIO;
        }
        int ncols = PQnfields(r), nrows = PQntuples(r);
        if (rc == 0 && ncols > 0) {
            vals = realloc(vals, sizeof *vals * (size_t)ncols);
            lens = realloc(lens, sizeof *lens * (size_t)ncols);
            if (!vals || !lens) abort();
        }
        for (int i = 0; rc == 0 && i < nrows; i++) {
            for (int j = 0; j < ncols; j++) {
                int null = PQgetisnull(r, i, j);
                vals[j] = null ? NULL : PQgetvalue(r, i, j);
                lens[j] = null ? 0 : (size_t)PQgetlength(r, i, j);
            }
            rc = row(sink, k, ncols, vals, lens);
        }
        PQclear(r);
    }
    if (rc == 0) rc = exec_ok(c, "COMMIT", err, errlen);
    free(vals), free(lens);
    PQfinish(c);
    return rc;
}

static int pg_read(const pg_plugin_read_req *rq, pg_plugin_emit_fn emit, void *sink, char *about,
                   size_t aboutlen, char *err, size_t errlen)
{
    int rc = pg_check(rq, err, errlen);
    if (rc) return rc;
    const char *table = table_of(rq);
    PGconn *c = connect_to(rq, err, errlen);
    if (!c) return -ECONNREFUSED;
    snprintf(about, aboutlen, "%s@%s", table, PQdb(c));
    /* the forms pinggu reads: ISO dates, UTC offsets, UTF-8, floats to the last bit */
    rc = exec_ok(c,
                 "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET client_encoding = "
                 "'UTF8'; SET extra_float_digits = 3",
                 err, errlen);
    char *sql = rc ? NULL : select_sql(c, rq, table, err, errlen);
    if (!sql) {
        PQfinish(c);
        return rc ? rc : -EINVAL;
    }
    if (!PQsendQuery(c, sql) || !PQsetSingleRowMode(c)) {
        message(err, errlen, "postgres", PQerrorMessage(c));
        free(sql);
        PQfinish(c);
        return -EIO;
    }
    free(sql);
    int n = rq->nfields, checked = 0, stop = 0;
    const char **vals = calloc((size_t)n, sizeof *vals);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    Oid *types = calloc((size_t)n, sizeof *types);
    char(*conv)[64] = calloc((size_t)n, sizeof *conv); /* booleans and "+00" rewritten */
    if (!vals || !lens || !types || !conv) abort();
    PGresult *r;
    rc = 0;
    while ((r = PQgetResult(c))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && !stop && !rc) {
            if (!checked) {
                for (int i = 0; i < n; i++) types[i] = PQftype(r, i);
                checked = 1;
            }
            for (int i = 0; i < n; i++) {
                if (PQgetisnull(r, 0, i)) {
                    vals[i] = NULL, lens[i] = 0;
                    continue;
                }
                const char *v = PQgetvalue(r, 0, i);
                size_t len = (size_t)PQgetlength(r, 0, i);
                if (types[i] == BOOLOID && len == 1 && (*v == 't' || *v == 'f')) {
                    v = *v == 't' ? "true" : "false";
                    len = strlen(v);
                } else if (types[i] == TIMESTAMPTZOID && len >= 3 && len < sizeof conv[i] &&
                           strcmp(v + len - 3, "+00") == 0) {
                    /* TimeZone is UTC: every timestamptz prints with +00 */
                    memcpy(conv[i], v, len - 3);
                    conv[i][len - 3] = 'Z';
                    v = conv[i];
                    len -= 2;
                }
                vals[i] = v, lens[i] = len;
            }
            stop = emit(sink, vals, lens);
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !rc) {
            message(err, errlen, "postgres", PQresultErrorMessage(r));
            rc = -EIO;
        }
        PQclear(r);
        /* pinggu stopped the read: closing the connection ends the query */
        if (stop) break;
    }
    free(vals), free(lens), free(types), free(conv);
    PQfinish(c);
    return stop ? stop : rc;
}

static const pg_plugin_reader readers[] = {
    {.name = "postgres",
     .desc = "a PostgreSQL table or view through libpq (connection from the config, "
             "PINGGU_PG_DSN or PG* variables)",
     .check = pg_check,
     .read = pg_read,
     .dialect = "postgresql",
     .query = pg_query,
     .reserved = {NULL, NULL}},
};

static const pg_plugin me = {
    .abi = PG_PLUGIN_ABI,
    .name = "postgres",
    .version = "2",
    .readers = readers,
    .nreaders = 1,
};

PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void)
{
    return &me;
}
