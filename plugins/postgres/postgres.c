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
 * Incremental (plugin ABI 7, options.updated_at = "FIELD"): the read runs in one REPEATABLE
 * READ snapshot that first takes max(FIELD) — the high-water mark handed back in rq->mark —
 * and then, when pinggu hands the previous mark in rq->since, reads only every row of the keys
 * that have a row with FIELD > since (or null), ordered as a full read; pinggu merges them with
 * the previous pull (core/data/pull_since.c). Without since it reads every row. A deleted row
 * is not seen by such a read: a full one (--full, the host's full_at) drops it.
 *
 * A connection string (the config's or $PINGGU_PG_DSN) is never put in a message: it may hold
 * a password, and libpq's message about a malformed one quotes it.
 *
 * Push-down (plugin ABI 4, options.pushdown = "true"): pinggu compiles the source's metrics into
 * plain PostgreSQL statements (core/data/pushdown.c) and this reader only runs them, in one
 * REPEATABLE READ READ ONLY snapshot, handing each result row back as text in the statements'
 * order. The statements pinggu marks concurrent (a scan split into disjoint parts of the rows)
 * run at once on two connections, the second importing the first's snapshot
 * (pg_export_snapshot, SET TRANSACTION SNAPSHOT): two backends, where one statement would
 * compute in one. It adds nothing to the statements and reads none of the table itself. */
#include "plugin.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>

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

/* options.updated_at: a declared field, time or int, never null, on a source with a key that
 * is never null, pulled as records. Its values decide which rows a pull reads, so a null one
 * would be a row no incremental pull sees, and without a key a changed row could not be put
 * in place of what was read of it before. */
static int updated_at_ok(const pg_plugin_read_req *rq, const char *value, char *err, size_t errlen)
{
    const char *pd = option(rq, "pushdown");
    if (pd && strcmp(pd, "true") == 0) {
        snprintf(err, errlen,
                 "option updated_at is for pulls of records; a push-down pull reads the whole "
                 "table every time (partials of a changed row cannot be subtracted)");
        return -EINVAL;
    }
    int f = -1;
    for (int i = 0; i < rq->nfields; i++)
        if (strcmp(rq->fields[i].name, value) == 0) f = i;
    if (f < 0) {
        snprintf(err, errlen, "option updated_at names '%s', which is not a declared field", value);
        return -EINVAL;
    }
    if (rq->fields[f].type != PG_PF_TIME && rq->fields[f].type != PG_PF_INT) {
        snprintf(err, errlen, "option updated_at: field '%s' must be a time or an int", value);
        return -EINVAL;
    }
    if (rq->fields[f].nullable) {
        snprintf(err, errlen,
                 "option updated_at: field '%s' is nullable; a row without a value would never "
                 "be read by an incremental pull",
                 value);
        return -EINVAL;
    }
    if (rq->key_field < 0 || rq->fields[rq->key_field].nullable) {
        snprintf(err, errlen,
                 "option updated_at needs a key that is never null (key = \"field\"): a changed "
                 "row replaces what was read of its key before");
        return -EINVAL;
    }
    return 0;
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
        if (strcmp(name, "updated_at") == 0) {
            int rc = updated_at_ok(rq, value, err, errlen);
            if (rc) return rc;
            continue;
        }
        if (strcmp(name, "table") != 0) {
            snprintf(err, errlen,
                     "unknown option '%s' (the postgres reader takes table, pushdown and "
                     "updated_at)",
                     name);
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

/* "s"."t", quoted by libpq (malloc'd), or NULL */
static char *quoted_table(PGconn *c, const char *table)
{
    char *sql = NULL;
    size_t n = 0, cap = 0;
    const char *dot = strchr(table, '.');
    const char *parts[2] = {table, dot ? dot + 1 : NULL};
    size_t lens[2] = {dot ? (size_t)(dot - table) : strlen(table), dot ? strlen(dot + 1) : 0};
    for (int k = 0; k < 2 && parts[k]; k++) {
        char *q = PQescapeIdentifier(c, parts[k], lens[k]);
        if (!q) {
            free(sql);
            return NULL;
        }
        if (k) append(&sql, &n, &cap, ".", 1);
        append(&sql, &n, &cap, q, strlen(q));
        PQfreemem(q);
    }
    return sql;
}

/* SELECT "a", "b" FROM "s"."t" [where] ORDER BY 1, 2 — every name quoted by libpq. NULL with
 * err when libpq cannot quote one. */
static char *select_sql(PGconn *c, const pg_plugin_read_req *rq, const char *table,
                        const char *where, char *err, size_t errlen)
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
    char *qt = quoted_table(c, table);
    if (!qt) goto bad;
    append(&sql, &n, &cap, qt, strlen(qt));
    free(qt);
    if (where) append(&sql, &n, &cap, where, strlen(where));
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
 * environment); NULL with err when that fails. The string itself is never put in err: it may
 * hold a password, and libpq's own message about a malformed one quotes it. */
static PGconn *connect_to(const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    const char *dsn = rq->connection ? rq->connection : getenv("PINGGU_PG_DSN");
    if (dsn && *dsn) {
        char *why = NULL;
        PQconninfoOption *o = PQconninfoParse(dsn, &why);
        if (!o) {
            snprintf(err, errlen,
                     "postgres: %s is not a libpq connection string or postgresql:// URI (not "
                     "shown: it may hold a password)",
                     rq->connection ? "the connection of the host's configuration"
                                    : "$PINGGU_PG_DSN");
            PQfreemem(why);
            return NULL;
        }
        PQconninfoFree(o);
    }
    PGconn *c = PQconnectdb(dsn ? dsn : "");
    if (PQstatus(c) != CONNECTION_OK) {
        message(err, errlen, "postgres: cannot connect", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Push-down: a statement pinggu marks so (core/data/pushdown.c: a scan split into disjoint
 * parts of the rows) may run at the same time as the other marked ones, on another connection
 * that shares the first one's snapshot. PostgreSQL runs a statement's layers above its parallel
 * workers in one backend; two statements are two backends, both cores of a 2-core server. */
#define CONCURRENT PG_PLUGIN_CONCURRENT
#define LANES 2 /* connections; pushdown.c splits each scan in as many parts */

static int is_concurrent(const char *sql)
{
    return strncmp(sql, CONCURRENT, strlen(CONCURRENT)) == 0;
}

/* Opens a lane: the session's settings and a REPEATABLE READ READ ONLY transaction, importing
 * `snap` (another lane's pg_export_snapshot()) when given, so that every lane reads the same
 * snapshot. */
static PGconn *lane_open(const pg_plugin_read_req *rq, const char *snap, char *err, size_t errlen)
{
    PGconn *c = connect_to(rq, err, errlen);
    if (!c) return NULL;
    int rc = exec_ok(c,
                     "SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; SET "
                     "extra_float_digits = 3; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                     err, errlen);
    if (rc == 0 && snap) {
        char *lit = PQescapeLiteral(c, snap, strlen(snap));
        char *sql = lit ? malloc(strlen(lit) + 32) : NULL;
        if (!sql) {
            message(err, errlen, "postgres: cannot quote the snapshot", PQerrorMessage(c));
            rc = -EIO;
        } else {
            sprintf(sql, "SET TRANSACTION SNAPSHOT %s", lit);
            rc = exec_ok(c, sql, err, errlen);
        }
        free(sql);
        PQfreemem(lit);
    }
    if (rc) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* The result of the statement in flight on c, once it is complete (*out, NULL while not);
 * 0, or -EIO with err when the engine refused it or the connection broke. */
static int lane_result(PGconn *c, PGresult **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!PQconsumeInput(c)) {
        message(err, errlen, "postgres", PQerrorMessage(c));
        return -EIO;
    }
    if (PQisBusy(c)) return 0;
    PGresult *r, *first = NULL;
    while ((r = PQgetResult(c)) != NULL) {
        if (!first)
            first = r;
        else
            PQclear(r);
    }
    ExecStatusType st = first ? PQresultStatus(first) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        message(err, errlen, "postgres", first ? PQresultErrorMessage(first) : PQerrorMessage(c));
        PQclear(first);
        return -EIO;
    }
    *out = first;
    return 0;
}

/* Waits until a statement in flight completes (busy[i] its index, -1 for an idle lane) and
 * keeps its result in res; with `all`, until none is in flight. */
static int lanes_wait(PGconn **c, int *busy, int n, PGresult **res, int all, char *err,
                      size_t errlen)
{
    for (;;) {
        struct pollfd fds[LANES];
        int inflight = 0, done = 0;
        for (int i = 0; i < n; i++) {
            if (busy[i] < 0) continue;
            PGresult *r;
            int rc = lane_result(c[i], &r, err, errlen);
            if (rc) return rc;
            if (r) {
                res[busy[i]] = r;
                busy[i] = -1;
                done++;
                continue;
            }
            /* poll, not select: a host's descriptors may number beyond FD_SETSIZE */
            fds[inflight++] = (struct pollfd){.fd = PQsocket(c[i]), .events = POLLIN};
        }
        if (!inflight || (done && !all)) return 0;
        if (poll(fds, (nfds_t)inflight, -1) < 0 && errno != EINTR) {
            snprintf(err, errlen, "postgres: waiting for the server: %s", strerror(errno));
            return -EIO;
        }
    }
}

/* Push-down: the statements pinggu compiled, in one read-only snapshot, every row handed back
 * as text in the statements' order. Results are small (partials per unit and bucket), so each
 * is taken whole. Statements marked CONCURRENT run on LANES connections at once: the first
 * lane exports its snapshot (pg_export_snapshot) and the others import it before reading
 * anything; every other statement (the session's settings, the column types) runs on every
 * lane, in order, only the first lane's rows handed back. An engine that cannot export a
 * snapshot runs them all on the one connection, in a fresh transaction; a second connection
 * that cannot be opened leaves them all to the first. */
static int pg_query(const pg_plugin_read_req *rq, const pg_plugin_query *q, pg_plugin_row_fn row,
                    void *sink, char *about, size_t aboutlen, char *err, size_t errlen)
{
    int rc = pg_check(rq, err, errlen);
    if (rc) return rc;
    PGconn *c[LANES] = {NULL};
    int busy[LANES], n = 1, marked = 0;
    for (int i = 0; i < LANES; i++) busy[i] = -1;
    c[0] = lane_open(rq, NULL, err, errlen);
    if (!c[0]) return -ECONNREFUSED;
    snprintf(about, aboutlen, "%s@%s", table_of(rq), PQdb(c[0]));
    for (int k = 0; k < q->nstatements; k++) marked += is_concurrent(q->statements[k]);
    if (marked > 1) {
        PGresult *r = PQexec(c[0], "SELECT pg_export_snapshot()");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            /* a lane that cannot connect (the server at its connection limit): the
             * statements run on those open, the same batch */
            for (; n < LANES; n++) {
                c[n] = lane_open(rq, PQgetvalue(r, 0, 0), err, errlen);
                if (!c[n]) {
                    *err = '\0';
                    break;
                }
            }
        } else {
            /* the transaction is aborted: a new one, nothing was read in the first */
            rc = exec_ok(c[0], "ROLLBACK; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err,
                         errlen);
        }
        PQclear(r);
    }
    PGresult **res = calloc((size_t)q->nstatements + 1, sizeof *res);
    if (!res) abort();
    for (int k = 0; rc == 0 && k < q->nstatements; k++) {
        const char *sql = q->statements[k];
        if (n > 1 && is_concurrent(sql)) {
            int i = 0;
            while (i < n && busy[i] >= 0) i++;
            if (i == n) {
                rc = lanes_wait(c, busy, n, res, 0, err, errlen);
                for (i = 0; i < n && busy[i] >= 0; i++) {
                }
            }
            if (rc == 0 && !PQsendQuery(c[i], sql)) {
                message(err, errlen, "postgres", PQerrorMessage(c[i]));
                rc = -EIO;
            }
            if (rc == 0) busy[i] = k;
            continue;
        }
        rc = lanes_wait(c, busy, n, res, 1, err, errlen);
        for (int i = 0; rc == 0 && i < n; i++) {
            PGresult *r = PQexec(c[i], sql);
            ExecStatusType st = PQresultStatus(r);
            if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
                message(err, errlen, "postgres", PQresultErrorMessage(r));
                rc = -EIO;
            }
            if (i == 0 && rc == 0)
                res[k] = r;
            else
                PQclear(r);
        }
    }
    if (rc == 0) rc = lanes_wait(c, busy, n, res, 1, err, errlen);
    const char **vals = NULL;
    size_t *lens = NULL;
    for (int k = 0; rc == 0 && k < q->nstatements; k++) {
        PGresult *r = res[k];
        int ncols = r ? PQnfields(r) : 0, nrows = r ? PQntuples(r) : 0;
        if (ncols > 0) {
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
    }
    for (int i = 0; rc == 0 && i < n; i++) rc = exec_ok(c[i], "COMMIT", err, errlen);
    for (int k = 0; k < q->nstatements; k++) PQclear(res[k]);
    free(res), free(vals), free(lens);
    for (int i = 0; i < n; i++) PQfinish(c[i]); /* closing a lane ends what it still runs */
    return rc;
}

/* An incremental source (options.updated_at): opens the snapshot the read runs in, writes the
 * greatest value of the column in it to rq->mark ("" for an empty table), and, when rq->since
 * is given, the WHERE clause that reads every row of each key having a row changed after it
 * ($1) or without a value (which the ingest then refuses, located). *where is malloc'd. */
static int mark_of(PGconn *c, const pg_plugin_read_req *rq, const char *table, const char *upd,
                   char **where, char *err, size_t errlen)
{
    int rc = exec_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen);
    if (rc) return rc;
    const char *key = rq->fields[rq->key_field].name;
    char *qt = quoted_table(c, table), *qu = PQescapeIdentifier(c, upd, strlen(upd)),
         *qk = PQescapeIdentifier(c, key, strlen(key)), *sql = NULL;
    size_t n = 0, cap = 0;
    if (!qt || !qu || !qk) {
        message(err, errlen, "postgres: cannot quote a name", PQerrorMessage(c));
        rc = -EINVAL;
        goto out;
    }
    const char *parts[] = {"SELECT max(", qu, ")::text FROM ", qt};
    for (int i = 0; i < 4; i++) append(&sql, &n, &cap, parts[i], strlen(parts[i]));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        message(err, errlen, "postgres", PQresultErrorMessage(r));
        rc = -EIO;
    } else {
        const char *m = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
        if (!rq->mark || strlen(m) >= rq->marklen) {
            snprintf(err, errlen, "postgres: the greatest %s is longer than pinggu keeps", upd);
            rc = -EOVERFLOW;
        } else {
            memcpy(rq->mark, m, strlen(m) + 1);
        }
    }
    PQclear(r);
    if (rc == 0 && rq->since) {
        n = 0;
        const char *w[] = {" WHERE ", qk, " IN (SELECT ", qk, " FROM ",   qt,
                           " WHERE ", qu, " > $1 OR ",    qu, " IS NULL)"};
        for (int i = 0; i < 11; i++) append(&sql, &n, &cap, w[i], strlen(w[i]));
        *where = sql;
        sql = NULL;
    }
out:
    free(qt), free(sql);
    if (qu) PQfreemem(qu);
    if (qk) PQfreemem(qk);
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
    /* an incremental source reads in a snapshot of its own: the mark, then the rows */
    const char *upd = option(rq, "updated_at");
    char *where = NULL;
    if (rc == 0 && upd) rc = mark_of(c, rq, table, upd, &where, err, errlen);
    char *sql = rc ? NULL : select_sql(c, rq, table, where, err, errlen);
    free(where);
    if (!sql) {
        PQfinish(c);
        return rc ? rc : -EINVAL;
    }
    int sent = upd && rq->since ? PQsendQueryParams(c, sql, 1, NULL, &rq->since, NULL, NULL, 0)
                                : PQsendQuery(c, sql);
    if (!sent || !PQsetSingleRowMode(c)) {
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
    if (upd && !stop && rc == 0) rc = exec_ok(c, "COMMIT", err, errlen);
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
    .version = "3",
    .readers = readers,
    .nreaders = 1,
};

PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void)
{
    return &me;
}
