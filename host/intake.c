/* intake.c — batches posted over HTTP, replacements, and withdrawals.
 *
 * A posted body is put at <upload>/<name> by a pool thread, <upload> a fresh directory
 * (mkdtemp) in this host's DATA/incoming/host-XXXXXX (incoming.c): a long body, which the
 * server already keeps in an unnamed file in that directory (http.h), is linked there without
 * a copy; a short one is written. It is ingested from
 * there exactly as `pinggu ingest` would (same reader, same all-or-nothing rule, same errors,
 * named after the uploaded file), then the temporary copy is removed. The answer (201) is sent
 * only after the batch's transaction committed (data.h). `?replaces=ID` makes the new batch
 * replace an active one in the same transaction. Writes go one at a time, in arrival order,
 * so that the answers come in the order the store took them. The audit actor is the token
 * that the request presents, as the router names it (pg_call_actor). An accepted batch or a
 * withdrawal bumps the data version and re-scores the periods evaluated so far that it reaches:
 * the same job reads which cells the change touched (pg_batch_touched: the batch's and those of
 * the batches it replaced), and touch.c matches them against each cached (scheme, period). */
#include "data.h"
#include "host.h"
#include "log.h"
#include "reply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pg_intake {
    pg_job job;
    pg_host *h;
    pg_http_req *req;
    char *source, *name, *id; /* id: a withdrawal */
    char *replaces;           /* ?replaces=ID of a post */
    char actor[96];
    char *datadir;
    char *incoming; /* the host's upload directory */
    int body_fd;    /* the server's file of a long body, or -1 (read on the loop thread) */
    pg_batch batch;
    int again, rc;
    pg_touched touched; /* what the change touched, when touched_rc is 0 */
    int touched_rc;
    pg_diags d;
    struct pg_intake *next;
} pg_intake;

static int write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), rc = 0;
    if (fd < 0) return -errno;
    for (size_t off = 0; !rc && off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno != EINTR) rc = -errno;
        if (n > 0) off += (size_t)n;
    }
    if (close(fd) != 0 && !rc) rc = -errno;
    return rc;
}

/* Gives the server's unnamed file of a long body the name `path` (same file system: both are
 * in the upload directory). Fails for a spill file that had a name once (no O_TMPFILE). */
static int link_body(int fd, const char *path)
{
    char proc[48];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

/* Messages name the uploaded file, not where it waited. */
static void rename_files(pg_diags *d, const char *tmpdir)
{
    size_t n = strlen(tmpdir);
    for (int i = 0; i < d->n; i++) {
        char *f = d->v[i].file;
        if (f && strncmp(f, tmpdir, n) == 0 && f[n] == '/') {
            d->v[i].file = pg_xstrdup(f + n + 1);
            free(f);
        }
    }
}

/* A posted value batch beside the data directory's *.csv files: whether one of its values is
 * also in a file, which fails every evaluation. A few values are looked up (each lookup reads
 * the files); more count as "maybe". A withdrawal removes values and cannot add a clash. */
#define FED_LOOKUPS 16

static int clashes_with_files(const pg_ruleset *rs, const char *datadir, const pg_touched *t)
{
    int looked = 0;
    for (int i = 0; i < t->ncells; i++) {
        const pg_touch_cells *c = &t->cells[i];
        if (!c->metric) continue;
        int m = pg_strmap_get(&rs->metric_ids, c->metric);
        int u = pg_unit_find(rs, c->unit ? c->unit : "");
        if (m < 0 || u < 0 || c->nbuckets != 1 || ++looked > FED_LOOKUPS) return 1;
        char **lines = NULL;
        int n = 0;
        pg_dataset_fed_rows(rs, datadir, m, u, c->buckets[0], &lines, &n);
        for (int k = 0; k < n; k++) free(lines[k]);
        free(lines);
        if (n) return 1;
    }
    return 0;
}

/* Reads what the committed change touched. When it cannot (logged), every period is re-scored. */
static void touched(pg_intake *in)
{
    pg_diags d = {0};
    in->touched_rc = pg_batch_touched(in->datadir, in->batch.id, &in->touched, &d);
    if (in->touched_rc == 0 && in->touched.fed_files && !in->id &&
        clashes_with_files(in->job.rs, in->datadir, &in->touched))
        in->touched.everything = 1;
    if (in->touched_rc != 0)
        pg_log(PG_LOG_WARN, "rescore", "batch", in->batch.id, "error",
               "cannot read what the batch touched; every period is re-scored", "why",
               d.n ? d.v[0].msg : NULL, NULL);
    pg_diags_free(&d);
}

/* The change for pg_rescore_data. */
static pg_data_change change_of(const pg_intake *in)
{
    return (pg_data_change){.batches = in->touched_rc == 0 ? &in->touched : NULL,
                            .everything = in->touched_rc != 0};
}

static void ingest(pg_job *j)
{
    pg_intake *in = (pg_intake *)j;
    if (in->id) {
        in->rc = pg_batch_withdraw(in->datadir, in->id, in->actor, &in->batch, &in->d);
        if (in->rc == 0) touched(in);
        return;
    }
    char *dir = pg_xasprintf("%s/XXXXXX", in->incoming); /* unique, whatever the PID */
    int made = mkdtemp(dir) ? 0 : -errno;
    char *path = pg_xasprintf("%s/%s", dir, in->name);
    if ((in->rc = made) == 0 && !(in->body_fd >= 0 && link_body(in->body_fd, path) == 0))
        in->rc = write_file(path, in->req->body, in->req->body_len);
    if (in->rc != 0) {
        pg_error(&in->d, NULL, 0, "cannot keep the upload in %s: %s", in->incoming,
                 strerror(-in->rc));
    } else {
        pg_batch_req rq = {in->source, path, in->actor, in->replaces, 1};
        in->rc = pg_batch_ingest(j->rs, in->datadir, &rq, &in->batch, &in->again, &in->d);
        rename_files(&in->d, dir);
        if (in->rc == 0 && !in->again) touched(in);
    }
    if (made == 0) unlink(path), rmdir(dir);
    free(dir), free(path);
}

static void next_write(pg_host *h);

static void ingested(pg_job *j)
{
    pg_intake *in = (pg_intake *)j;
    pg_host *h = in->h;
    if (j->error) pg_error(&in->d, NULL, 0, "%s", j->error);
    if (j->error || in->rc != 0) {
        h->n.ingest_errors++;
        int status = in->rc == -ENOENT   ? 404
                     : in->rc == -EINVAL ? 422
                     : in->rc == -EEXIST ? 409
                                         : 500;
        const char *what =
            in->id ? "the withdrawal failed" : "the batch was rejected; nothing was stored";
        pg_log(PG_LOG_WARN, in->id ? "withdraw" : "ingest", "source", in->source, "file", in->name,
               "batch", in->id, "result", "rejected", "errors", in->d.n ? in->d.v[0].msg : NULL,
               NULL);
        pg_reply_diags(in->req, status, what, &in->d, 20);
    } else if (in->id) {
        h->data_version++;
        pg_log(PG_LOG_INFO, "withdraw", "batch", in->batch.id, "actor", in->actor, NULL);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "withdrawn", in->batch.id);
        cJSON_AddItemToObject(o, "batch", pg_batch_json(&in->batch));
        pg_reply_json(in->req, 200, o);
        pg_data_change ch = change_of(in);
        pg_rescore_data(h, &ch, "data");
    } else {
        char recs[24];
        snprintf(recs, sizeof recs, "%ld", in->batch.records);
        if (!in->again) {
            h->data_version++;
            h->n.ingested_batches++;
            h->n.ingested_records += (uint64_t)in->batch.records;
        }
        pg_log(PG_LOG_INFO, "ingest", "source", in->source, "file", in->name, "batch", in->batch.id,
               "records", recs, "actor", in->actor, "replaces", in->replaces, "result",
               in->again ? "already ingested" : "accepted", NULL);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "batch", pg_batch_json(&in->batch));
        cJSON_AddBoolToObject(o, "already_ingested", in->again);
        if (in->replaces) cJSON_AddStringToObject(o, "replaced", in->replaces);
        pg_reply_json(in->req, in->again ? 200 : 201, o);
        if (!in->again) {
            pg_data_change ch = change_of(in);
            pg_rescore_data(h, &ch, "data");
        }
    }
    pg_batch_clear(&in->batch);
    pg_touched_free(&in->touched);
    pg_diags_free(&in->d);
    free(in->source), free(in->name), free(in->id), free(in->replaces), free(in->datadir);
    free(in->incoming);
    free(in);
    h->writing = 0;
    next_write(h);
}

static void next_write(pg_host *h)
{
    if (h->writing || !h->intake_head) return;
    pg_intake *in = h->intake_head;
    h->intake_head = in->next;
    if (!h->intake_head) h->intake_tail = NULL;
    if (h->stopping || !h->gen) {
        pg_reply_error(in->req, 503, "the host is %s", h->stopping ? "shutting down" : "starting");
        free(in->source), free(in->name), free(in->id), free(in->replaces), free(in->datadir);
        free(in->incoming);
        free(in);
        next_write(h);
        return;
    }
    h->writing = 1;
    in->job.gen = in->id ? NULL : pg_gen_ref(h->gen);
    pg_pool_submit(h->pool, &in->job);
}

static void enqueue(pg_host *h, pg_intake *in, const char *actor)
{
    if (pg_host_refuse_stuck(h, in->req, NULL)) {
        free(in->source), free(in->name), free(in->id), free(in->replaces), free(in);
        return;
    }
    in->h = h;
    in->body_fd = in->id ? -1 : pg_http_body_fd(in->req);
    snprintf(in->actor, sizeof in->actor, "%s", actor);
    in->datadir = pg_xstrdup(h->cfg.data_dir);
    in->job.work = ingest;
    in->job.what = "ingest";
    in->job.done = ingested;
    in->incoming =
        h->incoming ? pg_xstrdup(h->incoming) : pg_xasprintf("%s/incoming", h->cfg.data_dir);
    if (h->intake_tail)
        h->intake_tail->next = in;
    else
        h->intake_head = in;
    h->intake_tail = in;
    next_write(h);
}

void pg_intake_post(pg_host *h, pg_http_req *req, const char *actor, const char *source,
                    const char *name)
{
    pg_intake *in = pg_xcalloc(1, sizeof *in);
    in->req = req;
    in->source = pg_xstrdup(source);
    in->name = pg_xstrdup(name);
    in->replaces = pg_http_query_param(req, "replaces");
    if (in->replaces && !*in->replaces) free(in->replaces), in->replaces = NULL;
    enqueue(h, in, actor);
}

void pg_intake_withdraw(pg_host *h, pg_http_req *req, const char *actor, const char *id)
{
    pg_intake *in = pg_xcalloc(1, sizeof *in);
    in->req = req;
    in->id = pg_xstrdup(id);
    enqueue(h, in, actor);
}
