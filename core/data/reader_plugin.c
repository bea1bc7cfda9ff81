/* reader_plugin.c — a batch pulled through a source plugin (plugin.h, "Source readers"):
 * `pinggu ingest --source cases --from postgres:[LOCATION]`.
 *
 * The reader's records, one text value per declared field, are written as CSV — a header of
 * the declared field names, then one line per record in the order emitted, quoted as RFC 4180
 * says — into a temporary file, and that file is ingested as any CSV batch of the source
 * (pg_batch_ingest_as), under the name "<reader>:<about>". Why a CSV and not records handed
 * straight to the aggregation: then a plugin's batch *is* a batch, with nothing of its own to
 * get wrong. Its id is the SHA-256 of the records read (a content hash of what was read), its
 * raw copy is the CSV, read again when keys settle or a metric's definition changes; it is
 * all-or-nothing, audited, withdrawable and replaceable; values are typed by the CSV reader's
 * code in the rule set's zone, so a pull and a CSV export of the same rows cannot differ. The
 * price is one extra write of the records to the temporary directory ($TMPDIR, else /tmp),
 * removed before this returns.
 *
 * A source whose options say pushdown = "true" is pulled another way (plugin ABI 4): its
 * metrics are compiled into SQL (pushdown.c), the plugin's query function runs the statements
 * in one snapshot, and the rows it returns — partials per (metric, unit, bucket), never
 * records — become one batch (pg_batch_ingest_partials). The plugin must declare the dialect
 * the statements are written in ("postgresql").
 *
 * The plugin runs on the calling thread (never the host's loop thread: the caller sees to
 * that); emit and row are only called from inside read and query. */
#include "data.h"
#include "batch_row.h"
#include "plugin.h"
#include "pull_since.h"
#include "pushdown.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(PG_PF_STRING == (int)PG_FT_STRING && PG_PF_INT == (int)PG_FT_INT &&
                   PG_PF_NUMBER == (int)PG_FT_NUMBER && PG_PF_BOOL == (int)PG_FT_BOOL &&
                   PG_PF_TIME == (int)PG_FT_TIME && PG_PF_ENUM == (int)PG_FT_ENUM,
               "plugin.h's field types mirror rules.h's");

typedef struct {
    FILE *f;
    int nfields;
    const pg_plugin_field *fields;
    long records;
    int werr;          /* errno of a failed write, 0 */
    char problem[256]; /* a record pinggu cannot write as CSV, "" */
} sink;

static int emit(void *ud, const char *const *values, const size_t *lens)
{
    sink *k = ud;
    for (int i = 0; i < k->nfields; i++)
        if (values[i] && memchr(values[i], '\0', lens[i])) {
            /* a NUL cannot be told from the end of the text in a CSV field */
            snprintf(k->problem, sizeof k->problem, "record %ld: %s: the value holds a NUL byte",
                     k->records + 1, k->fields[i].name);
            return 1;
        }
    for (int i = 0; i < k->nfields; i++) {
        if (i) putc(',', k->f);
        pg_csv_put(k->f, values[i], lens[i]);
    }
    putc('\n', k->f);
    k->records++;
    if (ferror(k->f)) {
        k->werr = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

static int pushdown_row(void *ud, int stmt, int ncols, const char *const *values,
                        const size_t *lens)
{
    return pg_pushdown_row(ud, stmt, ncols, values, lens) ? 1 : 0;
}

/* The pull of a pushed-down source: statements in, partials out, one batch. */
static int pull_pushdown(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                         const pg_plugin_reader *r, const pg_plugin_read_req *req, pg_batch *out,
                         int *again, pg_diags *d)
{
    const pg_source *src = &rs->sources[pg_strmap_get(&rs->source_ids, rq->source)];
    if (!r->query || !r->dialect || strcmp(r->dialect, "postgresql") != 0) {
        pg_error(d, src->file, src->line,
                 "source '%s': options.pushdown = \"true\", but reader '%s' runs no PostgreSQL "
                 "statements (plugin ABI 4 dialect \"postgresql\"): pull its rows instead "
                 "(pushdown = \"false\")",
                 src->name, r->name);
        return -ENOTSUP;
    }
    const char *table = req->location && *req->location ? req->location : NULL;
    for (int i = 0; !table && i < src->noptions; i++)
        if (strcmp(src->options[2 * i], "table") == 0) table = src->options[2 * i + 1];
    if (!table) {
        pg_error(d, src->file, src->line, "source '%s': no table to push the metrics down to",
                 src->name);
        return -EINVAL;
    }
    pg_pushdown *p = pg_pushdown_compile(rs, (int)(src - rs->sources), table, d);
    if (!p) return -EINVAL;
    const char *const *stmts;
    int n = pg_pushdown_statements(p, &stmts);
    pg_plugin_query q = {stmts, n};
    char err[1024] = "", about[256] = "";
    int rc = r->query(req, &q, pushdown_row, p, about, sizeof about, err, sizeof err);
    about[sizeof about - 1] = '\0';
    char *label = pg_xasprintf("%s:%s", r->name, *about ? about : src->name);
    pg_agg *agg = NULL;
    if (rc > 0) {
        pg_error(d, label, 0, "%s", pg_pushdown_error(p));
        rc = -EPROTO;
    } else if (rc < 0) {
        pg_error(d, label, 0, "%s; nothing stored",
                 *err ? err : "the plugin failed without saying why");
    } else {
        char id[65];
        long records = 0, duplicates = 0;
        agg = pg_pushdown_finish(p, about, id, &records, &duplicates);
        if (!agg) {
            pg_error(d, label, 0, "%s", pg_pushdown_error(p));
            rc = -EINVAL;
        } else {
            size_t len;
            const char *t = pg_pushdown_transcript(p, &len);
            rc = pg_batch_ingest_partials(rs, datadir, rq, label, id, t, len, agg, records,
                                          duplicates, out, again, d);
        }
    }
    pg_agg_free(agg);
    free(label);
    pg_pushdown_free(p);
    return rc;
}

/* "name:location" → the reader's name (malloc'd) and where the location starts. */
static char *split_from(const char *from, const char **location)
{
    const char *colon = strchr(from, ':');
    *location = colon ? colon + 1 : "";
    return colon ? pg_xasprintf("%.*s", (int)(colon - from), from) : pg_xstrdup(from);
}

int pg_batch_pull(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                  const char *from, pg_batch *out, int *again, pg_diags *d)
{
    return pg_batch_pull_with(rs, datadir, rq, from, NULL, out, again, d);
}

/* The records read, in the CSV at `tmp`, ingested as the batch `label` — for a source with an
 * updated_at field (pull_since.c), merged first with the previous pull when they are only the
 * changed keys, and always in place of the previous pull. */
static int ingest_read(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                       const pg_source *src, const char *tmp, long records, const char *label,
                       const char *field, const pg_since *prev, const char *since,
                       const char *header, pg_batch *out, int *again, pg_diags *d)
{
    pg_batch_req pull = *rq;
    pull.path = tmp;
    if (!field) return pg_batch_ingest_as(rs, datadir, &pull, label, out, again, d);
    if (prev->found && !pull.replaces) pull.replaces = prev->base.id;
    if (!since) return pg_batch_ingest_as(rs, datadir, &pull, label, out, again, d);
    size_t alen = strlen(prev->about);
    if (strncmp(label, prev->about, alen) != 0 || label[alen] != ' ') {
        pg_error(d, label, 0,
                 "the previous pull of source '%s' read %s: an incremental pull (updated_at = "
                 "\"%s\") continues the same table; pull with --full to read another; nothing "
                 "stored",
                 src->name, prev->about, field);
        return -EINVAL;
    }
    if (records == 0) { /* no key changed since the previous pull: it stays as it is */
        pg_batch_copy(out, &prev->base);
        *again = 1;
        return 0;
    }
    char *merged = pg_xasprintf("%s.merged.csv", tmp);
    long kept;
    int rc = pg_since_merge(prev->raw, tmp, src->key_field, header, merged, &kept, d);
    if (rc == 0) {
        pull.path = merged;
        rc = pg_batch_ingest_as(rs, datadir, &pull, label, out, again, d);
    }
    unlink(merged);
    free(merged);
    return rc;
}

int pg_batch_pull_with(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                       const char *from, const pg_pull_opts *o, pg_batch *out, int *again,
                       pg_diags *d)
{
    memset(out, 0, sizeof *out);
    *again = 0;
    int s = pg_strmap_get(&rs->source_ids, rq->source);
    if (s < 0) {
        pg_error(d, NULL, 0, "--source %s: the rule set declares no such source", rq->source);
        return -EINVAL;
    }
    const pg_source *src = &rs->sources[s];
    if (!src->plugin) {
        pg_error(d, src->file, src->line,
                 "source '%s' names no plugin to read it from (plugin = \"postgres\", options = "
                 "{ table = \"...\" }); ingest its files instead of --from",
                 src->name);
        return -EINVAL;
    }
    const char *location;
    char *name = split_from(from, &location);
    if (strcmp(name, src->plugin) != 0) {
        pg_error(d, src->file, src->line,
                 "--from %s: source '%s' is read by plugin '%s' (--from %s:...), not '%s'", from,
                 src->name, src->plugin, src->plugin, name);
        free(name);
        return -EINVAL;
    }
    free(name);
    pg_plugins *ps = pg_plugins_load(NULL);
    char why[2048];
    const pg_plugin_reader *r = pg_plugins_find_reader(ps, src->plugin, why, sizeof why);
    if (!r) {
        pg_error(d, src->file, src->line, "source '%s': %s", src->name, why);
        pg_plugins_free(ps);
        return -ENOENT;
    }

    pg_plugin_field *fields = pg_xcalloc((size_t)src->nfields, sizeof *fields);
    for (int i = 0; i < src->nfields; i++) {
        const pg_field *f = &src->fields[i];
        /* pg_plugin_ftype mirrors pg_ftype, value for value */
        fields[i] = (pg_plugin_field){f->name, (int)f->type, f->nullable,
                                      (const char *const *)f->enums, f->nenums};
    }
    pg_plugin_read_req req = {.source = src->name,
                              .fields = fields,
                              .nfields = src->nfields,
                              .key_field = src->key_field,
                              .options = (const char *const *)src->options,
                              .noptions = src->noptions,
                              .location = location,
                              .connection = o ? o->connection : NULL,
                              .time_zone = rs->timezone,
                              .utc_offset = rs->tz_offset,
                              .decl_file = src->file,
                              .decl_line = src->line};
    char err[1024] = "", about[256] = "";
    int rc = r->check ? r->check(&req, err, sizeof err) : 0;
    if (rc != 0) {
        pg_error(d, src->file, src->line, "source '%s': %s: %s", src->name, r->name,
                 *err ? err : "the plugin refused the request");
        goto out_fields;
    }

    if (pg_source_pushdown(src)) {
        rc = pull_pushdown(rs, datadir, rq, r, &req, out, again, d);
        goto out_fields;
    }

    /* an updated_at field: the previous pull's mark, and the keys changed since it */
    const char *field = pg_since_field(src);
    pg_since prev = {0};
    char *header = NULL, mark[256] = "";
    size_t hlen = 0, hcap = 0;
    for (int i = 0; i < src->nfields; i++) {
        const char *fname = src->fields[i].name;
        size_t need = hlen + strlen(fname) + 2;
        if (need > hcap) header = pg_xrealloc(header, hcap = need * 2);
        hlen += (size_t)sprintf(header + hlen, "%s%s", i ? "," : "", fname);
    }
    if (field) {
        rc = pg_since_find(datadir, src->name, r->name, field, header, &prev, d);
        if (rc) goto out_header;
        if (prev.found && rq->replaces &&
            strncmp(prev.base.id, rq->replaces, strlen(rq->replaces)) != 0) {
            pg_error(d, src->file, src->line,
                     "source '%s' is pulled by its updated_at field: a pull replaces the latest "
                     "pull, batch %.12s, not %s",
                     src->name, prev.base.id, rq->replaces);
            rc = -EINVAL;
            goto out_header;
        }
        if (!(o && o->full) && prev.raw) req.since = prev.mark;
        req.mark = mark;
        req.marklen = sizeof mark;
    }

    const char *tmpdir = getenv("TMPDIR");
    char *tmp = pg_xasprintf("%s/pinggu-pull-XXXXXX.csv", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(tmp, 4);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        rc = -errno;
        pg_error(d, tmp, 0, "cannot write the pulled records: %s", strerror(-rc));
        if (fd >= 0) close(fd), unlink(tmp);
        free(tmp);
        goto out_header;
    }
    fprintf(f, "%s\n", header);
    sink k = {.f = f, .nfields = src->nfields, .fields = fields};
    rc = r->read(&req, emit, &k, about, sizeof about, err, sizeof err);
    about[sizeof about - 1] = '\0';
    if (fclose(f) != 0 && !k.werr) k.werr = errno ? errno : EIO;
    mark[sizeof mark - 1] = '\0';
    char *label = field ? pg_since_label(r->name, *about ? about : src->name, field, mark)
                        : pg_xasprintf("%s:%s", r->name, *about ? about : src->name);
    if (k.werr) {
        rc = -k.werr;
        pg_error(d, tmp, 0, "cannot write the pulled records: %s", strerror(k.werr));
    } else if (*k.problem) {
        rc = -EINVAL;
        pg_error(d, label, 0, "%s: nothing stored", k.problem);
    } else if (rc != 0) {
        pg_error(d, label, 0, "%s; nothing stored",
                 *err ? err : "the plugin failed without saying why");
        if (rc > 0) rc = -EIO;
    } else if (field && strpbrk(mark, "[]\n")) {
        rc = -EPROTO;
        pg_error(d, label, 0,
                 "reader '%s' wrote a mark of %s that pinggu cannot keep; nothing stored", r->name,
                 field);
    } else {
        rc = ingest_read(rs, datadir, rq, src, tmp, k.records, label, field, &prev, req.since,
                         header, out, again, d);
    }
    unlink(tmp);
    free(tmp);
    free(label);
out_header:
    pg_since_free(&prev);
    free(header);
out_fields:
    free(fields);
    pg_plugins_free(ps);
    return rc;
}
