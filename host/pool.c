/* pool.c — worker slots over libuv's thread pool (see pool.h). */
#include "pool.h"

#include "log.h"

#include <stdlib.h>
#include <string.h>

typedef struct pg_slot {
    int busy;
    pg_gen *gen;     /* whose rule set `rs` is (a reference), or NULL */
    pg_ruleset *rs;  /* this worker's; touched by one thread at a time */
    pg_ruleset *old; /* a rule set of an older generation, freed by the next job */
    size_t memory;   /* of rs's Lua state after the last job */
} pg_slot;

struct pg_pool {
    uv_loop_t *loop;
    pg_slot *slots;
    int nslots, running;
    pg_job *head, *tail; /* waiting */
    int waiting;
    void (*drained)(void *);
    void *drained_arg;
};

pg_pool *pg_pool_new(uv_loop_t *loop, int workers)
{
    pg_pool *p = pg_xcalloc(1, sizeof *p);
    p->loop = loop;
    p->nslots = workers > 0 ? workers : 1;
    p->slots = pg_xcalloc((size_t)p->nslots, sizeof *p->slots);
    return p;
}

static void run(uv_work_t *req)
{
    pg_job *j = req->data;
    pg_slot *s = j->slot;
    j->started_ns = uv_hrtime();
    pg_ruleset_free(s->old);
    s->old = NULL;
    if (j->gen && !s->rs) {
        pg_diags d = {0};
        if (pg_gen_load(j->gen, &s->rs, &d) != 0)
            j->error = pg_xasprintf("loading %s for a worker failed (%d errors; first: %s)",
                                    j->gen->shown, d.errors, d.n ? d.v[0].msg : "?");
        pg_diags_free(&d);
    }
    j->rs = j->gen ? s->rs : NULL;
    if (!j->error) j->work(j);
    if (s->rs) s->memory = pg_sandbox_memory(s->rs->sb);
    j->finished_ns = uv_hrtime();
}

static void dispatch(pg_pool *p);

static void finished(uv_work_t *req, int status)
{
    pg_job *j = req->data;
    pg_pool *p = j->pool;
    j->slot->busy = 0;
    p->running--;
    pg_gen *gen = j->gen;
    char *error = j->error;
    if (status == UV_ECANCELED && !error) error = pg_xstrdup("cancelled");
    j->error = error;
    j->done(j); /* owns j from here */
    free(error);
    pg_gen_unref(gen);
    dispatch(p);
    if (p->drained && p->running == 0 && p->waiting == 0) {
        void (*cb)(void *) = p->drained;
        p->drained = NULL;
        cb(p->drained_arg);
    }
}

static void dispatch(pg_pool *p)
{
    while (p->head && p->running < p->nslots) {
        pg_slot *s = NULL;
        /* prefer a free slot that already has this generation loaded */
        for (int i = 0; i < p->nslots; i++)
            if (!p->slots[i].busy && (!s || p->slots[i].gen == p->head->gen)) s = &p->slots[i];
        pg_job *j = p->head;
        p->head = j->next;
        if (!p->head) p->tail = NULL;
        p->waiting--;
        if (j->gen && s->gen != j->gen) {
            pg_ruleset_free(s->old); /* never set here: a finished job freed it */
            s->old = s->rs;
            s->rs = NULL;
            pg_gen_unref(s->gen);
            s->gen = pg_gen_ref(j->gen);
        }
        s->busy = 1;
        p->running++;
        j->slot = s;
        j->req.data = j;
        int rc = uv_queue_work(p->loop, &j->req, run, finished);
        if (rc != 0) { /* only for a bad argument: report it as the job's error */
            char *error = j->error = pg_xasprintf("cannot queue work: %s", uv_strerror(rc));
            pg_gen *gen = j->gen;
            s->busy = 0;
            p->running--;
            j->done(j);
            free(error);
            pg_gen_unref(gen);
        }
    }
}

void pg_pool_submit(pg_pool *p, pg_job *j)
{
    j->pool = p;
    j->next = NULL;
    j->error = NULL;
    j->rs = NULL;
    j->queued_ns = uv_hrtime();
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->waiting++;
    dispatch(p);
}

int pg_pool_pending(const pg_pool *p)
{
    return p->running + p->waiting;
}

size_t pg_pool_lua_memory(const pg_pool *p)
{
    size_t sum = 0;
    for (int i = 0; i < p->nslots; i++) sum += p->slots[i].rs ? p->slots[i].memory : 0;
    return sum;
}

static void clear_slot(pg_slot *s)
{
    pg_ruleset_free(s->rs), pg_ruleset_free(s->old);
    s->rs = s->old = NULL;
    pg_gen_unref(s->gen);
    s->gen = NULL;
}

void pg_pool_trim(pg_pool *p, const pg_gen *const *keep, int n)
{
    for (int i = 0; i < p->nslots; i++) {
        int kept = 0;
        for (int k = 0; k < n; k++) kept |= p->slots[i].gen == keep[k];
        if (!p->slots[i].busy && !kept) clear_slot(&p->slots[i]);
    }
}

void pg_pool_drain(pg_pool *p, void (*cb)(void *arg), void *arg)
{
    if (p->running == 0 && p->waiting == 0) {
        cb(arg);
        return;
    }
    p->drained = cb;
    p->drained_arg = arg;
}

void pg_pool_free(pg_pool *p)
{
    if (!p) return;
    for (int i = 0; i < p->nslots; i++) clear_slot(&p->slots[i]);
    free(p->slots);
    free(p);
}
