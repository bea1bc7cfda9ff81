/* base.h — the public header of core/base/.
 *
 * The small base every subsystem stands on: diagnostics (file:line: message),
 * string maps, timestamps and the calendar, period codes, rounding, CSV files, durable copies
 * and rule directories. It includes nothing of pinggu.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/base/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_BASE_H
#define PG_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

/* diag.c — diagnostics: the errors and warnings that reach a rule author or a data clerk.
 *
 * Every problem pinggu reports about an input (a rule file, units.csv, a data file) is
 * collected here as "file:line[:col]: severity: message" so that a command can print them
 * all at once instead of stopping at the first. A pg_diags is owned by the caller; zero-
 * initialise it, pass it to loaders, then pg_diags_free() it. */

typedef enum { PG_ERROR, PG_WARNING } pg_severity;

typedef struct {
    pg_severity sev;
    char *file; /* NULL when the problem has no file */
    int line;   /* 0 when unknown */
    int col;    /* 0 when unknown */
    char *msg;
} pg_diag;

typedef struct {
    pg_diag *v;
    int n, cap;
    int errors, warnings;
} pg_diags;

void pg_diag_add(pg_diags *d, pg_severity sev, const char *file, int line, int col, const char *fmt,
                 ...) __attribute__((format(printf, 6, 7)));
#define pg_error(d, file, line, ...) pg_diag_add((d), PG_ERROR, (file), (line), 0, __VA_ARGS__)
#define pg_warn(d, file, line, ...) pg_diag_add((d), PG_WARNING, (file), (line), 0, __VA_ARGS__)

/* Prints one diagnostic a line, "file:line: error: message". */
void pg_diags_print(const pg_diags *d, FILE *out);
/* Prints only the errors: what stopped a command (warnings are `pinggu check`'s business). */
void pg_diags_print_errors(const pg_diags *d, FILE *out);
void pg_diags_free(pg_diags *d);

/* Small helpers shared by every module: xmalloc-style allocation that aborts only on a real
 * out-of-memory, and a printf into a fresh string. */
void *pg_xmalloc(size_t n);
void *pg_xcalloc(size_t n, size_t size);
void *pg_xrealloc(void *p, size_t n);
/* The capacity a growing text of capacity `cap` (0: none yet) takes to hold `need` bytes: twice
 * as much, and once past 1 MiB at least 64 MiB. Why: a run's texts at 3,003 units grow to
 * 30–60 MB by doubling, and each realloc in glibc's heaps copied the text and faulted in fresh
 * pages for the copy. A block of 64 MiB is always a mapping of its own (above the 32 MiB most
 * glibc keeps in its heaps), which grows by mremap, never copied, its pages touched once, as
 * written; the untouched rest is address space only, and a realloc to the text's length at the
 * end gives it back. Measured at 3,003 units: recording a new data version's run 0.60 → 0.48 s
 * of CPU (the inputs' 46 MB text), the host's peak 563 → 545 MB. */
size_t pg_text_cap(size_t cap, size_t need);
char *pg_xstrdup(const char *s);
char *pg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* DIR/name where DIR holds the running executable (/proc/self/exe), or plain `name` when that
 * cannot be read: where the plugins and the dashboard are installed beside pinggu. */
char *pg_beside_executable(const char *name);

/* strmap.c — a string → int map for id lookups (units, metrics, nodes, schemes).
 *
 * Keys are borrowed: the caller keeps each key alive for the map's lifetime (they are the
 * id strings owned by the rule set). Open addressing with linear probing; ids are few. */

typedef struct {
    const char **keys;
    int *vals;
    int cap, n;
} pg_strmap;

/* Returns 0, or -EEXIST when the key is already present (the map is unchanged). */
int pg_strmap_put(pg_strmap *m, const char *key, int val);
/* Returns the value, or -1 when the key is absent. */
int pg_strmap_get(const pg_strmap *m, const char *key);
void pg_strmap_free(pg_strmap *m);

/* nearest.c — the declared name nearest to one that was not found, for "did you mean". */

/* Edit distance of a[0..alen) and b[0..blen) in bytes: insertions, deletions, substitutions
 * and swaps of two neighbours count one each. Names over 64 bytes are 1000 apart. */
int pg_edit_distance(const char *a, size_t alen, const char *b, size_t blen);
/* The index of the candidate nearest to name[0..len) (NULL entries skipped; the first of
 * equals wins), or -1 when none is within 1 edit (names up to 4 bytes), 2 (up to 8) or 3.
 * A candidate that differs only in ASCII case counts as 1 edit. */
int pg_nearest_name(const char *name, size_t len, const char *const *cands, int n);

/* timefmt.c — timestamps, sampling months and the working-day calendar.
 *
 * Times are seconds since the epoch (UTC) as doubles. A rule set names its time zone; the
 * zones we support have a fixed offset (China has kept UTC+8 without daylight saving since
 * 1991), so local time is t + offset. A sampling month M is [00:00 on the 26th of M−1,
 * 00:00 on the 26th of M) local time: the data up to 24:00 on the 25th. */

/* The fixed UTC offset, in seconds, of a zone name ("Asia/Shanghai", "UTC", "+08:00").
 * Returns 0, or -EINVAL for a zone we do not know. */
int pg_tz_offset(const char *name, int *offset);

/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" or the same with 'T', optionally followed
 * by "Z" or "+HH:MM" / "-HH:MM" / "+HHMM". Without an offset the time is local at `offset`.
 * Returns 0 with *t, or -EINVAL for anything else (including impossible dates and times). */
int pg_time_parse(const char *s, size_t len, int offset, double *t);
/* The same, remembering the last good date: records come in time order, so most share the
 * date of the one before, and its calendar arithmetic is skipped. One memo per reader and
 * field (zero-initialised); the result is always pg_time_parse's. */
typedef struct {
    char date[10];
    long day;
    int valid;
    /* the month of the last date parsed in full ("YYYY-MM"): its first day's number and its
     * length, so that a new day of the same month costs an addition */
    char month[8]; /* "YYYY-MM-" */
    long month_day0;
    int month_len;
} pg_time_memo;
int pg_time_parse_memo(const char *s, size_t len, int offset, pg_time_memo *m, double *t);

/* The local calendar day of t, as days since 1970-01-01. */
long pg_time_day(double t, int offset);
/* The day number of a calendar date; the inverse, into *y, *m, *d. */
long pg_days_from_civil(int y, int m, int d);
void pg_civil_from_days(long day, int *y, int *m, int *d);

/* The sampling month of t: the period code YYYYMM (see period.c), with the cut-off at 00:00
 * on the 26th local time. */
int pg_time_sampling_month(double t, int offset);
/* Whether t's local date falls within the year-end window, 10 Oct – 31 Dec of `year`. */
int pg_time_in_year_end(double t, int offset, int year);

/* Working days: weekdays that are not holidays, plus weekend days declared working days
 * (调休). Day numbers as pg_time_day. The arrays are sorted; the caller owns them. */
typedef struct {
    long *holidays;
    int nholidays;
    long *workdays;
    int nworkdays;
} pg_calendar;

int pg_calendar_is_workday(const pg_calendar *cal, long day);
/* Working days after the local date of a up to and including the local date of b (0 when
 * both fall on the same day; negative when b is before a). */
long pg_calendar_workdays_between(const pg_calendar *cal, double a, double b, int offset);

/* period.c — evaluation periods as small integers.
 *
 * A sampling month M of year Y is coded Y*100+M ("2021-05" → 202105); a year is Y*100
 * ("2021" → 202100). Month M holds the data up to 24:00 on the 25th of M; assigning raw
 * records to months is the data core's job, not this file's. */

/* Parses "YYYY-MM" or "YYYY". Returns the code, or -1 if `s` is neither. */
int pg_period_parse(const char *s);
/* Writes "YYYY-MM" or "YYYY" into buf (PG_PERIOD_BUF bytes). */
#define PG_PERIOD_BUF 16
const char *pg_period_format(int code, char *buf);
static inline int pg_period_is_year(int code)
{
    return code % 100 == 0;
}
static inline int pg_period_year(int code)
{
    return code / 100;
}
/* The period before: the previous month (December of the year before for January) or year. */
int pg_period_prev(int code);

/* round.c — decimal rounding, and the text of a number in a message. */

/* Rounds half away from zero at `digits` decimals, tolerating binary representation error
 * (2.675 → 2.68). */
double pg_round(double x, int digits);
/* How a rule set rounds its totals (ruleset { rounding_mode }): half away from zero (pg_round),
 * half to even (banker's: 6.25 → 6.2, 6.35 → 6.4), or toward zero. A value is at the half when
 * it is within a few units in the last place of it, so that 2.675 (stored as 2.67499…) rounds
 * as the 2.675 it was written as. */
typedef enum { PG_ROUND_HALF_AWAY, PG_ROUND_HALF_EVEN, PG_ROUND_TRUNCATE } pg_round_mode;
double pg_round_as(double x, int digits, pg_round_mode mode);
/* The shortest decimal text that reads back as exactly v ("1.0000001", "0.1", "2.5", "nan"),
 * in buf: what a message shows of a value it refuses, where %g's six digits would show
 * 1.0000001 as "1". Returns buf. */
#define PG_NUM_BUF 32
const char *pg_num_text(double v, char buf[PG_NUM_BUF]);

/* csvfile.c — read a CSV file row by row, with the line each row starts on.
 *
 * A thin layer over libcsv (strict RFC 4180 quoting): it strips a UTF-8 byte-order mark,
 * tracks line numbers for error messages, and hands each row to a callback. Fields are
 * NUL-terminated and valid only during the callback. */

typedef struct {
    char **f; /* fields */
    int n;    /* number of fields */
    int line; /* 1-based line the row starts on */
} pg_csvrow;

/* Return 0 to go on, non-zero to stop reading (pg_csv_read then returns that value). */
typedef int (*pg_csv_row_fn)(void *ud, const pg_csvrow *row);

/* Reads `path`. Returns 0, the callback's non-zero value, or -errno / -EINVAL with a
 * diagnostic (file:line) added to `d` for unreadable files and malformed quoting. */
int pg_csv_read(const char *path, pg_csv_row_fn fn, void *ud, pg_diags *d);

/* One value as a CSV field, as pinggu writes the CSV a pull or a workbook becomes: bare unless
 * it holds ',', '"', CR or LF, quoted with '"' doubled otherwise; "" for an empty string;
 * nothing for null (v NULL). libcsv's csv_fwrite quotes every field, and these bytes are
 * hashed into batch ids, so the minimal form is written here, once. */
void pg_csv_put(FILE *f, const char *v, size_t len);

/* digest.c: the SHA-256 of n bytes at p as 64 lowercase hex digits (what libmd's SHA256Data
 * writes), by OpenSSL's faster code. */
void pg_sha256_hex(const void *p, size_t n, char hex[65]);
/* 32 bytes of a digest as 64 lowercase hex digits. */
void pg_hex32(const unsigned char md[32], char hex[65]);
/* The same over bytes given in pieces: pg_sha256_new (aborts on no memory, as pg_xmalloc),
 * pg_sha256_add as often as needed, pg_sha256_end writes the hex digits and frees it. */
typedef struct pg_sha256 pg_sha256;
pg_sha256 *pg_sha256_new(void);
void pg_sha256_add(pg_sha256 *h, const void *p, size_t n);
void pg_sha256_end(pg_sha256 *h, char hex[65]);

/* rawcopy.c — the content-addressed copy of a batch file, made and hashed on a thread of its
 * own while the records are read (rawcopy.c).
 *
 * Ingest needs three things from a batch file's bytes: its SHA-256 (the batch id), a durable
 * copy in the store, and its records. The first two only read the bytes once more and can run
 * beside the parse, so pg_rawcopy_start returns at once and pg_rawcopy_finish waits. */

typedef struct pg_rawcopy pg_rawcopy;

/* Starts copying `from` into a new file `to` (replaced if present) and hashing it, on a new
 * thread. Returns 0 with the handle in *out, or a negative errno with a diagnostic when a file
 * cannot be opened or the thread cannot start (then nothing is left behind). */
int pg_rawcopy_start(const char *from, const char *to, pg_rawcopy **out, pg_diags *d);
/* Waits for the copy, flushed to disk, and frees the handle. Returns 0 with the lower-case hex
 * SHA-256 of the bytes in id, or a negative errno with a diagnostic (then `to` is removed). */
int pg_rawcopy_finish(pg_rawcopy *c, char id[65], pg_diags *d);

/* ruledir.c — the files that make up a rule set directory, their content hash, and a copy.
 *
 * A rule set is every regular file named *.lua under the directory (any depth) plus the
 * top-level units.csv. Hidden names (".x.lua.swp", ".#x.lua") and editor backups ("x.lua~")
 * are not part of it, at any depth, so an editor's temporary files never trigger a reload or
 * enter a snapshot; neither is anything under a hidden directory (".git/"). A symbolic link to a
 * file counts as that file (an operator may link a shared file into several sets), but a link to
 * a directory is never followed, so a link cannot make the walk loop. Plain blocking file I/O: a
 * rule set is a few dozen small files, and the host calls these from the loop thread (scan, hash)
 * or from a pool thread (copy). */

typedef struct {
    char *rel; /* path relative to the directory, '/'-separated, e.g. "monitoring.lua" */
    int64_t size;
    int64_t mtime_ns; /* modification time, nanoseconds */
    uint64_t ino;
    char *path; /* where the file is read from, when not dir/rel: a parent's file (below) */
} pg_ruledir_file;

/* Lists the rule set's files, sorted by `rel`. Returns 0 or a negative errno (e.g. -ENOENT
 * when `dir` does not exist). The caller frees with pg_ruledir_free(). */
int pg_ruledir_scan(const char *dir, pg_ruledir_file **files, int *n);
void pg_ruledir_free(pg_ruledir_file *files, int n);
/* The same listing, and also the directories a rule file could be in, sorted, the top one first
 * as "" (size 0; their mtime and inode tell a directory replaced under the same name). The
 * watcher uses them to know which directories to watch. Free both with pg_ruledir_free(). */
int pg_ruledir_scan_dirs(const char *dir, pg_ruledir_file **files, int *n, pg_ruledir_file **dirs,
                         int *ndirs);

/* SHA-256 (64 hex digits and a NUL into `hex`) over the sorted (rel, content) pairs: equal
 * content gives an equal hash whatever the times and inodes. Returns 0 or a negative errno.
 * A file that vanishes between the listing and the read gives -ENOENT: the caller retries
 * on its next scan. */
int pg_ruledir_hash(const char *dir, char hex[65]);
/* The same hash over a listing already made by pg_ruledir_scan() (the watcher hashes exactly the
 * files it has just compared). */
int pg_ruledir_hash_files(const char *dir, const pg_ruledir_file *files, int n, char hex[65]);

/* Copies the rule set's files into `dest` (created, with subdirectories as needed; it must not
 * exist yet) and writes the hash of what was copied into `hex`: the snapshot is then exactly
 * the content that hash names even if the source changes during the copy. Returns 0 or a
 * negative errno; on failure `dest` is removed. */
int pg_ruledir_copy(const char *dir, const char *dest, char hex[65]);

/* Removes a directory tree (a snapshot). Returns 0 or a negative errno. */
int pg_ruledir_remove(const char *dir);

/* A rule set that extends another (ruleset { extends = "../shanwei-2021" }) is its own files and
 * its parent's: every listing above also holds the parent's files (and its parent's, ...) as
 * ".extends/<rel>", with `path` naming where each is read from, so the hash, the revision and a
 * snapshot cover them (a snapshot keeps the parent frozen in <snapshot>/.extends/), and the
 * watcher watches the parent's directories too. A missing parent or a cycle is left out of the
 * listing; the loader reports it. */
/* The `extends = "..."` string written in dir/ruleset.lua (found in the text, outside comments
 * and strings, without running Lua) and its line: *extends is malloc'd, or NULL when there is
 * none. Returns 0 or a negative errno (not for a missing ruleset.lua). */
int pg_ruledir_extends(const char *dir, char **extends, int *line);
/* Where dir's parent is read from: dir/.extends when that directory exists (a snapshot's frozen
 * copy), else `extends` joined to dir; malloc'd, or NULL when dir extends nothing. */
char *pg_ruledir_parent(const char *dir);
/* dir/rel with "." and "dir/.." folded away ("rules/a" + "../b" = "rules/b"); malloc'd. */
char *pg_ruledir_join(const char *dir, const char *rel);

/* json.c — a value that may be missing, written into a JSON object as itself or as null. */

/* key: v, or null when v is NULL. */
void pg_json_str(cJSON *o, const char *key, const char *v);
/* key: v, or null when v is not finite (NaN marks a missing number throughout pinggu). */
void pg_json_num(cJSON *o, const char *key, double v);

/* json_print.c — cJSON's text of a tree (libcjson 1.7.15's bytes exactly), printed faster. */

#define PG_JSON_NUMBER_BUF 32
/* d as cJSON prints a number ("null" when not finite) into b; returns its length. */
int pg_json_number(char b[PG_JSON_NUMBER_BUF], double d);
/* cJSON_Print's text of item (formatted) or cJSON_PrintUnformatted's; malloc'd (free), its
 * length in *len when len is not NULL; NULL where cJSON would print nothing (an item of no
 * type, a raw item without text). */
char *pg_json_print(const cJSON *item, int formatted, size_t *len);

/* A JSON text written piece by piece with the bytes cJSON_PrintUnformatted gives the same tree:
 * for texts of many small objects made without building the tree. Start it {0}. */
typedef struct {
    char *p;
    size_t len, cap;
    int bad; /* pg_json_print: an item cJSON would not print */
} pg_jtext;
void pg_jtext_put(pg_jtext *t, const char *s, size_t n);
/* s quoted with cJSON's escapes; null for NULL (pg_json_str's null). */
void pg_jtext_str(pg_jtext *t, const char *s);
/* d as cJSON prints it; null when not finite (pg_json_num's null). */
void pg_jtext_num(pg_jtext *t, double d);
/* "key": with a comma before it unless *members is 0 (counts an object's members). */
void pg_jtext_key(pg_jtext *t, const char *key, int *members);
/* item's text appended as cJSON prints it (formatted or not) where it sits `depth` containers
 * deep in a larger tree, which a formatted text's indentation depends on: 0 for the tree
 * itself, 1 for a member of it, 2 for an element of an array that is a member of it. Sets
 * t->bad where pg_json_print would give NULL. */
void pg_jtext_value(pg_jtext *t, const cJSON *item, int formatted, int depth);
/* The text (malloc'd, NUL-terminated; its length in *len when len is not NULL), t emptied. */
char *pg_jtext_take(pg_jtext *t, size_t *len);
/* cJSON_Print's text of the object `obj` as if its member `name`, an empty array in obj, held n
 * items: item(arg, k) makes the k-th (NULL: left out), which is printed into its place, handed
 * to each(arg, k, it) when each is not NULL, and deleted, so that the items are never all in
 * memory at once (a report's units at 3,003 units were hundreds of MB). obj is changed while
 * printing, the member a new empty array after. malloc'd, its length in *len when len is not
 * NULL; NULL on no memory, when obj has no such member, or where pg_json_print gives NULL. */
char *pg_json_print_items(cJSON *obj, const char *name, int n, cJSON *(*item)(void *arg, int k),
                          void (*each)(void *arg, int k, const cJSON *it), void *arg, size_t *len);
/* The JSON object text at `text` (len bytes, printed by anyone: formatted or not) without its
 * first top-level member named `name` (unescaped), in place; returns the new length, len when
 * there is none. For a large stored text of which a reader needs the rest: "units" is nine
 * tenths of a frozen result. A text that is not an object is left as it is. */
size_t pg_json_text_drop(char *text, size_t len, const char *name);

/* json_read.c — a large JSON object read member by member, without a tree of the whole. */
/* Calls each(arg, key, text, len) with the text of each member's value of the object `json`
 * (key unescaped); for the member named `spread` (NULL: none), which must be an array, once with
 * text NULL and then once per element. each returns 0 to go on; anything else but -1 stops the
 * reading and is returned. Returns 0, or -1 when `json` is not such an object of JSON values,
 * with the byte where it stops being one in *at (when at is not NULL). Only the extent of each
 * value is checked: each parses it (cJSON_ParseWithLength). */
int pg_json_each_member(const char *json, const char *spread,
                        int (*each)(void *arg, const char *key, const char *text, size_t len),
                        void *arg, size_t *at);

#endif
