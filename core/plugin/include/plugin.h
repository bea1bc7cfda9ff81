/* plugin.h — the public header of core/plugin/.
 *
 * The C plugin ABI: what a plugin exports, the bulletin model an exporter is handed, and the
 * loader. Self-contained, like redismodule.h: a plugin in plugins/ includes this header and
 * links nothing of the core.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/plugin/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_PLUGIN_H
#define PG_PLUGIN_H

#include <stddef.h>
#include <stdio.h>

/* The bulletin model — the document model of a bulletin (月度通报) or a year report (年终考核,
 * 年度综合评分): what `pinggu report` writes as HTML, CSV, JSON, and what exporter plugins get.
 *
 * pg_bulletin_build() evaluates the scheme once (plus the months before it, for the trends),
 * and assembles everything a reader sees into plain C data: per group the ranking table
 * (排名, 单位, 总分, each part, 环比, movement, band), the units not ranked, the units with no
 * business, the biggest improvements; per unit the points it lost (indicator, max, got, lost,
 * why, the data behind it), its monthly trend and, for a scheme of schemes, how the composite
 * was computed. Renderers only lay this out, so the formats can never disagree.
 *
 * The model is plain data with no pointers into the rule set, and this header includes nothing
 * of the core: a plugin (plugin.h) compiles against it alone. Its layout is part of the plugin
 * ABI — change it and bump PG_PLUGIN_ABI. Numbers that do not exist are NAN. Strings are UTF-8
 * and unescaped; every renderer escapes for its own format. */

typedef struct {
    const char *id, *name;
    double weight;
    const char *scheme; /* a scheme-of-schemes part: the scheme it aggregates, else NULL */
    const char *scheme_name;
    int month_from, month_to; /* the months averaged; 0 when the whole period */
} pg_bl_part;

typedef struct {
    int rank;             /* within the group */
    int unit;             /* index into pg_bulletin.units */
    double total;         /* rounded */
    const double *parts;  /* nparts part scores */
    int prev_rank;        /* 0 when there is none */
    double change;        /* 环比: total minus the previous total */
    const char *movement; /* "up", "down", "same" or "new" */
    const char *mark;     /* the same without colour: "↑2", "↓1", "=", "新" */
    const char *band;     /* NULL when the rule set has no bands */
} pg_bl_row;

/* A unit listed on its own: not ranked (reason "no_business", "no_data" or "error"), or with
 * indicators that had no business this period (indicators: their names, "、"-separated). */
typedef struct {
    int unit;
    const char *reason;
    const char *indicators;
} pg_bl_aside;

typedef struct {
    const char *id, *name;
    pg_bl_row *rows; /* rank order */
    int nrows;
    pg_bl_aside *unranked;
    int nunranked;
    pg_bl_aside *no_business;
    int nno_business;
    int *improved; /* indexes into rows: the biggest positive changes, biggest first */
    int nimproved;
    /* ABI 2: the group's 总体情况, generated: size, mean and median and their change, band
     * counts, the first and last three, the biggest gains and falls, units last for months in
     * a row */
    const char *summary;
} pg_bl_group;

/* One indicator on which a unit lost points. max and got are on the indicator's own scale;
 * lost is on its part's scale ((max − got) × weight, the weight carrying rescaling), so the
 * lost points of a part add up to what the unit lost on it. */
typedef struct {
    const char *indicator, *name;
    int part; /* index into pg_bulletin.parts */
    double max, got, weight, lost;
    const char *status; /* ok missing na carried no_business not_submitted error veto */
    const char *why;    /* status, note and the scoring rule in words */
    const char *metric, *metric_name;
    double value, n;
    const char *value_text; /* the value in the metric's unit ("77.48%"), or NULL */
    const char *doc;        /* link to the indicator's documentation: doc/<group>.html#ind-<id> */
    /* ABI 2: what the unit's total lost (lost × the part's weight in the total, scaled up as
     * the total is when parts were dropped); NAN when a composite of the rule set's own makes
     * the total. Lists are ordered by it. */
    double lost_total;
} pg_bl_lost;

/* ABI 5: one item of a unit's 问题清单 (core/report/issues_list.c): an indicator on which it
 * lost points, with the rule set's 整改要求 and deadline. */
typedef struct {
    int unit; /* index into pg_bulletin.units */
    const char *indicator, *name;
    double lost_total;  /* what the unit's total lost; NAN when a composite makes the total */
    double lost_part;   /* on its part's scale */
    const char *rule;   /* the scoring rule in words */
    const char *data;   /* the value in its unit and the 说明 */
    const char *regain; /* what would regain the points, in words */
    const char *rectify, *due; /* 整改要求; the deadline, YYYY-MM-DD */
    int recurring;             /* lost in the two sampling months before too (连续失分) */
} pg_bl_problem;

/* One 整改 item of an earlier period overdue when the bulletin was published: lost then, its
 * deadline passed, not verified by an evaluator (core/report/issues_list.c, pg_overdue_make). */
typedef struct {
    int unit; /* index into pg_bulletin.units */
    const char *period, *indicator, *name;
    double lost_total, lost_part; /* what it lost in its own period, as pg_bl_problem */
    const char *due;              /* YYYY-MM-DD */
    int days;                     /* overdue on overdue_as_of */
    const char *state;            /* "none" (never marked), "submitted" or "rejected" */
} pg_bl_overdue;

typedef struct {
    const char *id, *name, *code;
    int group; /* index into pg_bulletin.groups */
    int rank;  /* 0 when not ranked */
    double total;
    const char *band, *mark;
    double change;
    const double *parts; /* nparts */
    pg_bl_lost *lost;    /* biggest first */
    int nlost;
    const double *trend;   /* ntrend totals of the trend scheme, NAN where none */
    const char *composite; /* scheme of schemes: "85.10 × 0.4 + 88.20 × 0.6 = 87.36", else NULL */
    const char *note;
} pg_bl_unit;

typedef struct pg_bulletin {
    const char *title;
    const char *ruleset_id, *ruleset_name, *revision;
    const char *scheme_id, *scheme_name;
    const char *period, *previous_period; /* previous_period NULL when there is none */
    const char *basename;                 /* "<scheme>-<period>": the output files' stem */
    int year_report;                      /* a year scheme: year end or annual */
    int rounding;
    double max;
    pg_bl_part *parts;
    int nparts;
    pg_bl_group *groups;
    int ngroups;
    pg_bl_unit *units;
    int nunits;
    const char *trend_scheme; /* the monthly scheme the trends show, NULL when none */
    const char **trend_periods;
    int ntrend;
    const char *composite; /* the composite formula in words, NULL unless scheme of schemes */
    void *priv;            /* the allocations, for pg_bulletin_free */
    /* Plain sentences on how this bulletin was scored that a reader needs once, not per unit
     * (e.g. that the thin-evidence policy gave some units their group's median). Appended
     * after every older field. */
    const char **notes;
    int nnotes;
    /* ABI 2 — the document as issued. issuer and number (文号) come from the rule set's
     * `bulletin` table, NULL when it declares none. edition is 0 for a draft (`pinggu report`,
     * the host's unpublished documents), 1 when published, N + 1 for the N-th correction, whose
     * reason is `correction`. issued_on is the publication's local date ("2021年12月26日"),
     * or the day the draft was made. bands: the rule set's labels, best first, so that a
     * renderer can colour a band by its place (first green, last red, the others amber). */
    const char *issuer, *number, *issued_on;
    int edition;
    const char *correction;
    const char **bands;
    int nbands;
    /* ABI 5 — the 问题清单: every unit's items, units in order, each unit's biggest loss of the
     * total first; none for a scheme of schemes. */
    const pg_bl_problem *issues;
    int nissues;
    /* How `rounding` rounds (ruleset { rounding_mode }): 0 half away from zero, 1 half to
     * even, 2 toward zero, as core/base's pg_round_mode. A renderer rounds every figure it
     * prints this way, the ones it computes itself (a mean, a median) included. */
    int rounding_mode;
    /* Appended after every older field: the 整改 items of earlier periods overdue on the
     * publication's day (overdue_as_of, YYYY-MM-DD), units in order, as the store froze them
     * with the bulletin; overdue_as_of is NULL in a draft, which has no such list. */
    const pg_bl_overdue *overdue;
    int noverdue;
    const char *overdue_as_of;
} pg_bulletin;

/* plugin.c — the C plugin ABI: shared objects that pinggu loads at run time (DESIGN.md,
 * "Plugins").
 *
 * A plugin exports one function, PG_PLUGIN_ENTRY ("pinggu_plugin_entry"), returning a static
 * descriptor: the ABI version it was built for, its name, and what it registers — exporters
 * (a format name and a function that writes a bulletin's document model into a directory),
 * source readers (records of a rule set's source read from a database or an API, below) and,
 * declared for later, scoring functions. A plugin includes this header only: it gets
 * everything through the arguments (the bulletin model and the read request are plain data),
 * so it links nothing of the core and the binary exports no symbols for it.
 *
 * Versioning: `abi` is the first field and is checked before anything else is read. Any
 * change to this header that moves a field bumps PG_PLUGIN_ABI; a
 * plugin built for another version is refused with a message saying both versions.
 * 3: source readers (pg_plugin_reader) became real.
 * 4: push-down: a reader may declare an SQL dialect and run the statements pinggu compiles a
 *    source's metrics into (pg_plugin_reader.dialect, .query), so that only partials leave
 *    the database.
 * 5: the bulletin model carries the 问题清单 (pg_bulletin.issues, pg_bl_problem).
 * 6: form writers (`pinggu template`): pg_plugin.forms and .nforms appended to the
 *    descriptor, with pg_plugin_form, pg_form and pg_form_row. They were first appended
 *    under 5; a plugin built against that earlier 5 header has a shorter pg_plugin, which
 *    pinggu would read past, so the number moved. Nothing else changed from 5.
 * 7: incremental pulls: pg_plugin_read_req.since, .mark and .marklen appended (a source whose
 *    options name an `updated_at` field reads only the rows changed since the last pull).
 *    In the same version the bulletin model got pg_bulletin.overdue, .noverdue and
 *    .overdue_as_of appended (pg_bl_overdue: a published bulletin's overdue 整改 items).
 * Every version is refused by every other: pinggu loads only plugins built for its own.
 *
 * Plugins are looked up in $PINGGU_PLUGIN_DIR if set, else in plugins/ next to the pinggu
 * binary (the build writes them to build/plugins/). */

#define PG_PLUGIN_ABI 7
#define PG_PLUGIN_ENTRY "pinggu_plugin_entry"

/* Writes the bulletin into the existing directory `dir` (files named from b->basename) and
 * prints each path written to `list` when it is not NULL. Returns 0, or a negative errno with
 * a message in err (errlen bytes, NUL-terminated). */
typedef int (*pg_export_fn)(const pg_bulletin *b, const char *dir, FILE *list, char *err,
                            size_t errlen);

typedef struct {
    const char *format; /* "xlsx": what --format names */
    const char *desc;   /* one line for listings */
    pg_export_fn write;
} pg_plugin_exporter;

/* ---- Writing a source plugin: the steps ----
 *
 * A connector of one's own (Hive, an HTTP API, a message queue) is a shared object that
 * includes this header and nothing of pinggu. plugins/example-source/example.c is a complete
 * one, about 200 lines, reading a tab-separated file; copy it. The steps:
 *
 *  1. Build a MODULE library from one .c file with -fvisibility=hidden, against this header
 *     only (plugins/CMakeLists.txt: pg_plugin(NAME file.c)); link the client library of the
 *     system read. pinggu loads every *.so in $PINGGU_PLUGIN_DIR, else in plugins/ next to
 *     its binary.
 *  2. Export one function, PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void),
 *     returning a static descriptor: .abi = PG_PLUGIN_ABI, .name, .version, .readers and
 *     .nreaders. Fill structures with designated initializers (.name = …), so that fields
 *     added later stay NULL.
 *  3. A pg_plugin_reader has a name (what `plugin = "NAME"` in a rule set and `--from
 *     NAME:LOCATION` say), a check() that looks at a request without reading (its options,
 *     the location: refuse what it does not know, with the reason) and a read().
 *  4. read() writes a short name of what it reads into `about` (never a password: pinggu
 *     records the batch's file as "NAME:about"), then calls emit() once per record with the
 *     record's values as text, one per declared field in rq->fields order, NULL for null, in
 *     the forms listed below. pinggu types them exactly as a CSV file's fields, keeps the
 *     batch whole or not at all, and reports a bad value at its record.
 *  5. Emit the records in an order that is the same on every read of the same data (sort,
 *     or the file's order): the batch id is a hash of what was read, so the same data is the
 *     same batch. Never filter, round or drop a record on your own account.
 *  6. Keep no mutable global state (read() may run on several threads at once) and copy
 *     nothing out of the request (it lives for the call). Credentials come from the host's
 *     config (rq->connection) or your own environment variables, never from the rule set.
 *  7. On failure, return a negative errno with one line in err saying what and where;
 *     pinggu discards whatever was emitted. When emit() returns non-zero, stop and return it.
 *  8. Test it as tests/plugins/example_source.lua does: the same rows as a CSV file must
 *     give the same partials, byte for byte.
 * A reader of sheets (rows and columns) also says each record's row and each field's column
 * (rq->sheet, rq->row, rq->bad), so that pinggu reports a bad value at its cell. */

/* ---- Source readers (ABI 3) ----
 *
 * A rule set names the plugin that reads a source the way it names a file source:
 *
 *     source "cases" { ..., plugin = "postgres", options = { table = "public.cases" } }
 *
 * and `pinggu ingest --source cases --from postgres:[LOCATION]` pulls one batch through the
 * reader named "postgres". The reader streams the records to pinggu one at a time, every field
 * as text, through `emit`. pinggu then does with them exactly what it does with a CSV file:
 *
 * - It writes them as CSV (a header of the declared field names, then one line per record in
 *   the order emitted, RFC 4180 quoting), and that CSV *is* the batch. Its SHA-256 is the batch
 *   id (a content hash of what was read), it is the raw copy kept in DATA/batches/raw and read
 *   again when keys settle or a metric's definition changes, and the batch is all-or-nothing,
 *   audited (actor, source, file "<reader>:<about>"), withdrawable and replaceable
 *   (--replace). Pulling the same rows again in the same order is the same batch: nothing
 *   changes. So a reader emits its records in a deterministic order (the postgres reader
 *   sorts by every column).
 * - The text is converted to the declared types by the same code as a CSV file's fields, in
 *   the rule set's time zone; a value that does not convert is a bad record reported as
 *   "<reader>:<about>:LINE: field: reason" (LINE is the record's line in that CSV: record N is
 *   line N + 1), and one bad record refuses the whole batch. Keys and duplicates follow the
 *   source's key and on_duplicate, as for files.
 *
 * The text a field's value must have is the text a CSV file of the source would hold:
 *   NULL (or "")  null; refused for a field not declared nullable
 *   string        any UTF-8
 *   int, number   decimal ("12", "-3.5", "1e3"); no NaN or infinity
 *   bool          "true" or "false"
 *   time          "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" or with 'T', then optionally "Z"
 *                 or "+HH:MM"/"-HH:MM"; without an offset it is local time in the rule set's
 *                 zone (pg_plugin_read_req.utc_offset)
 *   enum          one of the declared values, exactly
 * A reader converts its engine's own forms (PostgreSQL's "t"/"f", "+00") into these; it
 * never filters, rounds or drops records on its own account.
 *
 * Push-down (ABI 4) — partials computed where the data live, so that only per (metric, unit,
 * bucket) aggregates leave the platform (数据不出域). A reader that declares a `dialect`
 * ("postgresql") and a `query` function gets, for a source whose options say
 * `pushdown = "true"`, not a request for records but a list of SQL statements that pinggu
 * compiled from the source's metric plan (core/data/pushdown.c): one transaction, read-only,
 * one snapshot. The reader runs them in order, in that one snapshot, and hands every result
 * row back as text through `row`; pinggu turns the rows into the partials of one batch. The
 * reader adds nothing to the SQL and interprets none of it: what the statements mean, and
 * that they mean exactly what the local aggregation would compute, is pinggu's business. The
 * batch's id is the SHA-256 of the statements, of what the reader says it read (`about`) and
 * of the content fingerprint the statements compute (the engine's snapshot identity): the
 * same rows give the same batch, and it is audited, withdrawn and replaced like any other.
 * Nothing is emitted record by record and no raw copy of records exists: the batch's kept
 * copy is the statements and their result.
 *
 * Concurrent statements. A statement whose text begins with PG_PLUGIN_CONCURRENT (an SQL
 * comment that says "pinggu: concurrent", then a space) is one part of a scan that pinggu split
 * into disjoint parts of the rows (two today), so that an engine that computes one statement's
 * aggregation in one process can use more than one. A reader may run such statements at the
 * same time on separate connections, provided every connection reads the same snapshot
 * (PostgreSQL: the first exports it with pg_export_snapshot(), the others SET TRANSACTION
 * SNAPSHOT), or run them in order on one connection: the result is the same. Either way it
 * hands the rows of each statement back in the statements' order (all of statement k before
 * any of k+1), so that the batch's id does not depend on timing. A reader that cannot give
 * every connection the same snapshot runs them on one.
 *
 * Lifetimes. The descriptor and every string in it are static: they live as long as the
 * plugin is loaded. A request (pg_plugin_read_req) and everything it points to are valid only
 * during the call they are passed to; a reader keeps no pointer into them. The values passed
 * to emit are copied before emit returns, so a reader may reuse its buffers (a libpq row is
 * freed after emit returns).
 *
 * The statements handed to query, the row values and their lengths live only during the call
 * (row copies what it keeps). A query runs on the thread that calls it, like read; row is
 * called only from inside query, on that thread.
 *
 * Threading. check and read run on a worker thread, never the host's loop thread, and may
 * run on several threads at once for different sources: a reader keeps no mutable global
 * state (libpq is thread-safe per connection). emit is called only on the thread that called
 * read and only during that call. A read may block (network) for as long as it needs; it
 * stops early when emit returns non-zero.
 *
 * Errors. A reader returns a negative errno with one line in err (errlen bytes,
 * NUL-terminated): what failed and where ("postgres: connection to server on socket … failed:
 * …"), never a password. Whatever it emitted before failing is discarded: nothing is stored. */

/* A field's declared type, as the rule set's source declares it (rules.h's pg_ftype). */
typedef enum {
    PG_PF_STRING,
    PG_PF_INT,
    PG_PF_NUMBER,
    PG_PF_BOOL,
    PG_PF_TIME,
    PG_PF_ENUM
} pg_plugin_ftype;

typedef struct {
    const char *name;
    int type;                 /* pg_plugin_ftype */
    int nullable;             /* null is allowed */
    const char *const *enums; /* PG_PF_ENUM: the declared values */
    int nenums;
} pg_plugin_field;

/* One pull of one source. */
typedef struct {
    const char *source;            /* the rule set's source name */
    const pg_plugin_field *fields; /* in declaration order: emit's values are in this order */
    int nfields;
    int key_field;              /* the field holding the record key, or -1 */
    const char *const *options; /* the source's options: name, value, … sorted by name */
    int noptions;
    const char *location;   /* what --from gave after "<reader>:" ("" when nothing), e.g. a
                             * table overriding options.table; never a connection */
    const char *connection; /* the connection the host's config gives this reader, or NULL:
                             * the reader then takes its own environment variables
                             * (PINGGU_PG_DSN, PGHOST, … for postgres) */
    const char *time_zone;  /* the rule set's zone ("Asia/Shanghai") */
    int utc_offset;         /* its fixed offset in seconds east of UTC */
    const char *decl_file;  /* where the source is declared, for messages */
    int decl_line;
    /* Cells, for a reader of sheets (a workbook: plugins/xlsx). Appended to ABI 3 before any
     * plugin outside this tree was built for it. pinggu sets all three; a reader of anything
     * else ignores them. They let a bad value be reported at its cell, "book.xlsx:Sheet1!C17:
     * field: reason", instead of at a line of the CSV pinggu writes. Each takes the sink that
     * read was given.
     * - sheet(sink, name, columns): once, before the first emit: the sheet read and, per
     *   field, its column ("C"), or NULL for a field the sheet has no column for (pinggu then
     *   refuses the sheet unless the field may be left out, as for a CSV header);
     * - row(sink, n): before each emit: the sheet row the record is read from (1-based);
     * - bad(sink, cell, field, reason): a cell the reader itself cannot turn into text ("C17",
     *   the field's name or NULL, why: a formula error, a date serial out of range, a merged
     *   header). The reader goes on to report every such cell, then returns -EINVAL. */
    void (*sheet)(void *sink, const char *name, const char *const *columns);
    void (*row)(void *sink, long n);
    void (*bad)(void *sink, const char *cell, const char *field, const char *reason);
    /* ABI 7, incremental pulls: a source whose options say updated_at = "FIELD" (a declared
     * field, time or int, not nullable, on a source with a key) and a reader that takes
     * that option. Every read of such a source, full or not, takes the greatest value of
     * FIELD in the snapshot it reads and writes it as text to mark (marklen bytes; "" for an
     * empty table): the high-water mark, which pinggu keeps with the batch (in its file
     * label) and hands back as `since` to the next pull. since == NULL: read every record, as
     * without the option. since != NULL: read only the records of the keys that have a
     * record with FIELD > since or FIELD null (every record of such a key, so that pinggu can
     * put them in place of what the previous pull read of that key), in the order of a full
     * read. A reader that does not take updated_at leaves these alone (its check() refuses
     * the option). */
    const char *since;
    char *mark;
    size_t marklen;
} pg_plugin_read_req;

/* Hands one record to pinggu: values[i] is the text of fields[i] (lens[i] bytes, no NUL
 * needed), or NULL for null. Returns 0, or non-zero when pinggu wants the reading stopped
 * (it could not keep the batch): the reader then stops and returns that value. */
typedef int (*pg_plugin_emit_fn)(void *sink, const char *const *values, const size_t *lens);

/* Push-down (ABI 4): the statements of one pull, run in order in one read-only snapshot. */
#define PG_PLUGIN_CONCURRENT "/* pinggu: concurrent */ " /* the mark of a statement above */
typedef struct {
    const char *const *statements; /* SQL text, one statement each, without a ';' */
    int nstatements;
} pg_plugin_query;

/* Hands one result row of statement `stmt` (0-based) to pinggu: values[i] is the text of
 * column i (lens[i] bytes), NULL for null, as the engine prints it. Returns 0, or non-zero to
 * stop: query then stops and returns that value. */
typedef int (*pg_plugin_row_fn)(void *sink, int stmt, int ncols, const char *const *values,
                                const size_t *lens);

typedef struct {
    const char *name; /* what `plugin =` and `--from NAME:` say: "postgres" */
    const char *desc; /* one line for listings */
    /* Checks a request without reading (options known and well formed). NULL: nothing to
     * check beyond what read finds. Returns 0, or a negative errno with a message in err. */
    int (*check)(const pg_plugin_read_req *rq, char *err, size_t errlen);
    /* Reads every record and emits it. Before the first emit it writes to `about` (aboutlen
     * bytes) a short name of what it reads, without credentials ("public.cases@pinggu"); pinggu
     * records the batch's file as "<name>:<about>". Returns 0 when every record was emitted,
     * emit's non-zero value when emit stopped it, or a negative errno with a message in err. */
    int (*read)(const pg_plugin_read_req *rq, pg_plugin_emit_fn emit, void *sink, char *about,
                size_t aboutlen, char *err, size_t errlen);
    /* ABI 4, push-down. dialect: the SQL the engine runs ("postgresql": plain PostgreSQL,
     * core functions only), or NULL when the reader cannot run statements. query: runs
     * q->statements in order in one read-only transaction with one snapshot (PostgreSQL:
     * REPEATABLE READ READ ONLY; statements marked concurrent may run at once on connections
     * sharing that snapshot, see above), hands every result row to `row` in the statements'
     * order, writes `about` as read does, and returns 0, row's non-zero value, or a negative errno
     * with a message in err. Statements that the engine refuses are an error of the whole query,
     * never skipped. */
    const char *dialect;
    int (*query)(const pg_plugin_read_req *rq, const pg_plugin_query *q, pg_plugin_row_fn row,
                 void *sink, char *about, size_t aboutlen, char *err, size_t errlen);
    void *reserved[2]; /* NULL */
} pg_plugin_reader;

/* Declared for later (a scoring method in C); pinggu does not call it yet. */
typedef struct {
    const char *method; /* the method name rules would use */
    double (*score)(double value, double n, const double *params, int nparams);
    void *reserved[4];
} pg_plugin_scorer;

/* ---- Forms: the workbook a unit fills in (`pinggu template`) ----
 *
 * A form is what one unit is asked for in one period of one scheme: a row per metric of its
 * own indicators that takes a fed value or a self-report (not one pinggu computes from raw
 * records). A form writer lays it out so that pinggu reads it back as a values batch
 * (`pinggu ingest --values`) with no edit but the values typed in: columns unit, period,
 * metric, value, n, the first three filled in. Plain data, valid during the call; numbers
 * that do not exist are NAN. ABI 6 (appended after every field of ABI 5's pg_plugin). */
typedef struct {
    const char *metric, *metric_name;
    const char *measure;   /* the metric's unit of measure: "share", "count", "days", … */
    int self_report;       /* the unit reports it itself (else a value fed from elsewhere) */
    const char *indicator; /* the leaf indicator that reads it, its name and points */
    const char *indicator_name;
    double points;
    const char *standard; /* the scoring standard (评分标准), in words */
    const char *source;   /* where the figure comes from (数据来源) */
    double min, max;      /* the values allowed (a share: 0 to 1); NAN: unbounded */
    int whole;            /* only whole numbers (a count, a 0/1 flag) */
} pg_form_row;

typedef struct {
    const char *title;
    const char *ruleset_id, *ruleset_name, *scheme_id, *scheme_name, *period;
    const char *unit_id, *unit_name, *group_name;
    const pg_form_row *rows;
    int nrows;
} pg_form;

/* Writes the form to the file `path`. Returns 0, or a negative errno with a message in err. */
typedef int (*pg_form_fn)(const pg_form *f, const char *path, char *err, size_t errlen);

typedef struct {
    const char *format; /* "xlsx": what `pinggu template --format` names */
    const char *desc;
    pg_form_fn write;
} pg_plugin_form;

typedef struct {
    int abi; /* PG_PLUGIN_ABI of the plugin's build: always the first field */
    const char *name, *version;
    const pg_plugin_exporter *exporters;
    int nexporters;
    const pg_plugin_reader *readers;
    int nreaders;
    const pg_plugin_scorer *scorers;
    int nscorers;
    const pg_plugin_form *forms; /* ABI 6: form writers */
    int nforms;
} pg_plugin;

typedef const pg_plugin *(*pg_plugin_entry_fn)(void);

/* Marks the entry point exported even when a plugin hides its other symbols
 * (-fvisibility=hidden, as plugins/ builds them):
 *     PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void) { return &me; } */
#define PG_PLUGIN_EXPORT __attribute__((visibility("default")))

/* ---- the host side (plugin.c) ---- */

typedef struct pg_plugins pg_plugins;

/* The plugin directory: $PINGGU_PLUGIN_DIR, else <dir of the running binary>/plugins.
 * malloc'd. */
char *pg_plugin_dir(void);

/* Loads every *.so in dir (NULL: pg_plugin_dir()). Never fails: files that do not load (not
 * a plugin, a library missing, a wrong ABI) are remembered with the reason and reported by
 * pg_plugins_find when nothing else provides the format. */
pg_plugins *pg_plugins_load(const char *dir);
void pg_plugins_free(pg_plugins *ps);

/* The exporter for `format`, or NULL with a message in why (why_len bytes) that says what was
 * looked for, where, and what each plugin file said. */
const pg_plugin_exporter *pg_plugins_find(const pg_plugins *ps, const char *format, char *why,
                                          size_t why_len);
/* The source reader named `name`, or NULL with a message in why, as pg_plugins_find. */
const pg_plugin_reader *pg_plugins_find_reader(const pg_plugins *ps, const char *name, char *why,
                                               size_t why_len);

/* The form writer for `format` (`pinggu template`), or NULL with a message in why, as
 * pg_plugins_find. */
const pg_plugin_form *pg_plugins_find_form(const pg_plugins *ps, const char *format, char *why,
                                           size_t why_len);

/* Checks a descriptor an entry point returned; returns 0, or -EPROTO with a message. */
int pg_plugin_check(const pg_plugin *p, const char *file, char *err, size_t errlen);

#endif
