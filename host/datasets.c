/* datasets.c — the data an evaluation reads, loaded once for the evaluations that read the same.
 *
 * A batch of one record re-scores every cached period it reaches: at 3,003 units seven periods,
 * and each job loaded the whole store again (pg_datadir_load: every active batch's totals, the
 * fed values, the review decisions), ~0.5 s of CPU each, to read the same data. Here the jobs
 * of one generation and one data version share one load: the first to ask loads it, those that
 * ask meanwhile wait for it, and later ones borrow it. pg_eval reads a dataset without changing
 * it, so borrowers on two pool threads need no more than the count of borrowers.
 *
 * Keyed by the data version the loop gave the job (evaluate.c's x->made_at, which
 * the loop does not move on as it does x->data_version): a job starts
 * after its version was announced, so any load made under that key holds every change up to it
 * (and maybe one committed since, as a job's own load would). Two slots: a re-score's jobs and
 * a request's under a new version at most; a load that finds both in use is the job's own.
 * A slot no job borrows is kept for the next job, and freed when a newer version of the same
 * generation is released or the slot is taken for another key: an idle host keeps one
 * dataset (~60 MB at 3,003 units). The next version of the same generation is loaded into the
 * older one's memory (pg_datadir_reload): fresh memory cost a page fault per 4 KB, a third of
 * the load at 3,003 units. Data changed behind the host's back (`pinggu ingest` beside it,
 * a fed values file in DATA edited) is read with the next change the host makes or sees, as
 * docs/operations.md says: every result of one data version reads the same data.
 *
 * A run names its inputs by the stored text of every value it read (pg_run_inputs_text: 46 MB
 * at 3,003 units, made and hashed whole): made once per data version (pg_inputs_stored) too.
 *
 * At start the host loads the current rules' data and stores its inputs (pg_datasets_warm), so
 * that the first reader after a restart, or after `pinggu ingest` ran while the host was down
 * (the first load merges the new batches into the totals, totals.c), waits for an evaluation
 * only: at 3,003 units the first read took 4 s, of which ~3 s were these. */
#include "record.h"
#include "host.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pg_datasets_init(pg_host *h)
{
    uv_mutex_init(&h->data.lock);
    uv_cond_init(&h->data.loaded);
    memset(h->data.slot, 0, sizeof h->data.slot);
}

void pg_datasets_free(pg_host *h)
{
    for (int i = 0; i < 2; i++) pg_dataset_free(h->data.slot[i].ds), h->data.slot[i].ds = NULL;
    uv_cond_destroy(&h->data.loaded);
    uv_mutex_destroy(&h->data.lock);
}

static struct pg_data_slot *find(pg_host *h, long gen_id, long version)
{
    for (int i = 0; i < 2; i++) {
        struct pg_data_slot *s = &h->data.slot[i];
        if ((s->ds || s->loading) && s->gen_id == gen_id && s->version == version) return s;
    }
    return NULL;
}

/* A slot to load version `version` of generation `gen_id` into: one holding an older version
 * of it that no job borrows (its memory is written again, and that data would not be read
 * again), else an empty one, else the one of the older version no job borrows. */
static struct pg_data_slot *free_slot(pg_host *h, long gen_id, long version)
{
    struct pg_data_slot *best = NULL;
    for (int i = 0; i < 2; i++) {
        struct pg_data_slot *s = &h->data.slot[i];
        if (s->loading || s->refs) continue;
        if (s->ds && s->gen_id == gen_id && s->version < version) return s;
    }
    for (int i = 0; i < 2; i++) {
        struct pg_data_slot *s = &h->data.slot[i];
        if (s->loading || s->refs) continue;
        if (!s->ds) return s;
        if (!best || s->version < best->version) best = s;
    }
    return best;
}

int pg_datasets_get(pg_host *h, const pg_gen *g, long version, const char *datadir,
                    pg_dataset **out, pg_diags *d)
{
    uv_mutex_lock(&h->data.lock);
    struct pg_data_slot *s;
    while ((s = find(h, g->id, version)) && !s->ds) uv_cond_wait(&h->data.loaded, &h->data.lock);
    if (s) {
        s->refs++;
        *out = s->ds;
        uv_mutex_unlock(&h->data.lock);
        return 0;
    }
    pg_dataset *old = NULL; /* its memory is written again (pg_datadir_reload) */
    if ((s = free_slot(h, g->id, version))) {
        old = s->ds;
        *s = (struct pg_data_slot){.gen_id = g->id, .version = version, .loading = 1};
    }
    uv_mutex_unlock(&h->data.lock);
    int rc = pg_datadir_reload(g->rs, datadir, old, out, d);
    if (!s) return rc; /* the job's own: pg_datasets_release frees it */
    uv_mutex_lock(&h->data.lock);
    s->loading = 0;
    if (rc == 0)
        s->ds = *out, s->refs = 1;
    else /* each waiter loads for itself, and gets its own diagnostics */
        s->gen_id = 0;
    uv_cond_broadcast(&h->data.loaded);
    uv_mutex_unlock(&h->data.lock);
    return rc;
}

void pg_datasets_release(pg_host *h, pg_dataset *ds)
{
    if (!ds) return;
    uv_mutex_lock(&h->data.lock);
    struct pg_data_slot *s = NULL;
    for (int i = 0; i < 2; i++)
        if (h->data.slot[i].ds == ds) s = &h->data.slot[i];
    if (!s) {
        pg_dataset_free(ds);
    } else if (--s->refs == 0) {
        /* the same generation's older data is not read again */
        struct pg_data_slot *o = &h->data.slot[s == &h->data.slot[0]];
        if (o->ds && !o->refs && o->gen_id == s->gen_id && o->version < s->version)
            pg_dataset_free(o->ds), *o = (struct pg_data_slot){0};
    }
    uv_mutex_unlock(&h->data.lock);
}

int pg_inputs_stored(pg_host *h, pg_store *st, const pg_dataset *ds, int again, char hash[65],
                     int *made, pg_diags *d)
{
    char digest[65];
    pg_dataset_digest(ds, digest);
    *made = 0;
    uv_mutex_lock(&h->inputs.lock);
    /* two jobs that start together both lack it: one makes it while the other waits */
    while (strcmp(digest, h->inputs.making) == 0) uv_cond_wait(&h->inputs.made, &h->inputs.lock);
    if (!again && strcmp(digest, h->inputs.digest) == 0) {
        memcpy(hash, h->inputs.hash, 65);
        uv_mutex_unlock(&h->inputs.lock);
        return 0;
    }
    memcpy(h->inputs.making, digest, sizeof digest);
    uv_mutex_unlock(&h->inputs.lock);
    char *text = pg_run_inputs_text(ds);
    int rc = text ? pg_store_begin(st, d) : -ENOMEM;
    if (rc == 0 && (rc = pg_store_blob_put_inputs(st, text, hash, d)) != 0) pg_store_rollback(st);
    if (rc == 0) rc = pg_store_commit(st, d);
    free(text);
    uv_mutex_lock(&h->inputs.lock);
    if (rc == 0) {
        memcpy(h->inputs.digest, digest, sizeof digest);
        memcpy(h->inputs.hash, hash, sizeof h->inputs.hash);
    }
    h->inputs.making[0] = 0;
    uv_cond_broadcast(&h->inputs.made);
    uv_mutex_unlock(&h->inputs.lock);
    *made = rc == 0;
    return rc;
}

typedef struct {
    pg_job job;
    pg_host *h;
    long version;
    char *datadir;
    int rc;
    char why[200];
} warm_job;

static void warm(pg_job *j)
{
    warm_job *x = (warm_job *)j;
    pg_diags d = {0};
    pg_dataset *ds = NULL;
    pg_store *st = NULL;
    char hash[65];
    int made;
    x->rc = pg_datasets_get(x->h, j->gen, x->version, x->datadir, &ds, &d);
    if (x->rc == 0) x->rc = pg_store_open(x->datadir, &st, &d);
    if (x->rc == 0) x->rc = pg_inputs_stored(x->h, st, ds, 0, hash, &made, &d);
    if (x->rc != 0) snprintf(x->why, sizeof x->why, "%s", d.n ? d.v[d.n - 1].msg : "no memory");
    pg_store_close(st);
    pg_datasets_release(x->h, ds);
    pg_diags_free(&d);
}

static void warmed(pg_job *j)
{
    warm_job *x = (warm_job *)j;
    char ms[32];
    snprintf(ms, sizeof ms, "%.1f", (double)(j->finished_ns - j->started_ns) / 1e6);
    /* no data yet is the normal state of a new host: its first ingest will tell */
    pg_log(x->rc == 0 ? PG_LOG_INFO : PG_LOG_DEBUG, "warm", "ms", ms, "error",
           x->rc == 0 ? NULL
           : j->error ? j->error
                      : x->why,
           NULL);
    free(x->datadir), free(x);
}

void pg_datasets_warm(pg_host *h)
{
    warm_job *x = pg_xcalloc(1, sizeof *x);
    x->h = h;
    x->version = h->data_version;
    x->datadir = pg_xstrdup(h->cfg.data_dir);
    x->job.gen = pg_gen_ref(h->gen);
    x->job.work = warm;
    x->job.done = warmed;
    x->job.what = "warm";
    pg_pool_submit(h->pool, &x->job);
}
