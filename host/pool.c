/* pool.c — worker slots over libuv's thread pool, and their watchdog (see pool.h). */
#include "pool.h"

#include "log.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* How long past its deadline a job may run before its worker counts as stuck: more than the
 * sandbox's residual overrun (one library call, bounded by the memory cap), so a rule stopped
 * at its deadline never shows as stuck. The watchdog looks every WATCH_MS. */
#define GRACE_MS 1000
#define WATCH_MS 250
/* The workers run at a lower CPU priority than the loop thread: on a machine with few cores,
 * an evaluation (or a rule that spends its whole deadline) then takes the CPU the loop leaves,
 * rather than halving what the loop has for answering cached rankings. Linux applies a nice
 * value to one thread (setpriority on its tid); it is raised once per thread and never
 * lowered, which an unprivileged process could not do anyway. */
#define WORKER_NICE 10

typedef struct pg_slot {
    int busy;
    pg_job *job;                 /* running; loop thread */
    _Atomic uint64_t started_ns; /* set by the worker when it begins the job; 0: not yet */
    int stuck;
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
    uv_timer_t watch; /* runs while a job with a deadline does */
    int nstuck;
    uint64_t overruns;
    unsigned stall_ms; /* PINGGU_TEST_STALL_MS: tests' stand-in for C code that hangs */
};

pg_pool *pg_pool_new(uv_loop_t *loop, int workers)
{
    pg_pool *p = pg_xcalloc(1, sizeof *p);
    p->loop = loop;
    p->nslots = workers > 0 ? workers : 1;
    p->slots = pg_xcalloc((size_t)p->nslots, sizeof *p->slots);
    uv_timer_init(loop, &p->watch);
    p->watch.data = p;
    const char *stall = getenv("PINGGU_TEST_STALL_MS");
    p->stall_ms = stall ? (unsigned)strtoul(stall, NULL, 10) : 0;
    return p;
}

static void lower_priority(void)
{
#ifdef __linux__
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int now = getpriority(PRIO_PROCESS, tid);
    if (errno == 0 && now < WORKER_NICE) setpriority(PRIO_PROCESS, tid, WORKER_NICE);
#endif
}

static void run(uv_work_t *req)
{
    pg_job *j = req->data;
    pg_slot *s = j->slot;
    lower_priority();
    j->started_ns = uv_hrtime();
    atomic_store(&s->started_ns, j->started_ns);
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
    if (j->rs && j->deadline_ms)
        pg_sandbox_set_deadline_at(j->rs->sb,
                                   pg_sandbox_clock_ns() + (long long)j->deadline_ms * 1000000LL,
                                   (long)j->deadline_ms);
    if (!j->error) j->work(j);
    if (j->rs) pg_sandbox_set_deadline_at(j->rs->sb, 0, 0);
    if (j->pool->stall_ms && j->deadline_ms) uv_sleep(j->pool->stall_ms);
    if (s->rs) s->memory = pg_sandbox_memory(s->rs->sb);
    /* an evaluation or a publication at 3,003 units frees hundreds of MB of trees and texts,
     * which glibc keeps in this thread's arena: the host's RSS reached 4.6 GB with a 1 GB
     * results cache. Give the whole free pages back. */
    malloc_trim(0);
    j->finished_ns = uv_hrtime();
}

static void dispatch(pg_pool *p);

static void finished(uv_work_t *req, int status)
{
    pg_job *j = req->data;
    pg_pool *p = j->pool;
    pg_slot *s = j->slot;
    if (s->stuck) {
        char ms[24];
        snprintf(ms, sizeof ms, "%llu",
                 (unsigned long long)((uv_hrtime() - j->started_ns) / 1000000));
        pg_log(PG_LOG_WARN, "worker", "job", j->what ? j->what : "work", "recovered_after_ms", ms,
               NULL);
        s->stuck = 0;
        p->nstuck--;
    }
    s->busy = 0;
    s->job = NULL;
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

/* Marks the workers whose jobs outlived their deadlines; stops when no job has one. */
static void watch(uv_timer_t *t)
{
    pg_pool *p = t->data;
    uint64_t now = uv_hrtime();
    int watched = 0;
    for (int i = 0; i < p->nslots; i++) {
        pg_slot *s = &p->slots[i];
        if (!s->busy || !s->job->deadline_ms) continue;
        watched++;
        uint64_t started = atomic_load(&s->started_ns);
        if (s->stuck || !started ||
            now - started <= (uint64_t)(s->job->deadline_ms + GRACE_MS) * 1000000u)
            continue;
        s->stuck = 1;
        p->nstuck++;
        p->overruns++;
        char ms[24], worker[16];
        snprintf(ms, sizeof ms, "%u", s->job->deadline_ms);
        snprintf(worker, sizeof worker, "%d", i);
        pg_log(PG_LOG_WARN, "worker", "worker", worker, "job", s->job->what ? s->job->what : "work",
               "stuck", "past its deadline", "deadline_ms", ms, NULL);
    }
    if (!watched) uv_timer_stop(t);
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
        s->job = j;
        atomic_store(&s->started_ns, 0);
        p->running++;
        j->slot = s;
        if (j->deadline_ms && !uv_is_active((uv_handle_t *)&p->watch))
            uv_timer_start(&p->watch, watch, WATCH_MS, WATCH_MS);
        j->req.data = j;
        int rc = uv_queue_work(p->loop, &j->req, run, finished);
        if (rc != 0) { /* only for a bad argument: report it as the job's error */
            char *error = j->error = pg_xasprintf("cannot queue work: %s", uv_strerror(rc));
            pg_gen *gen = j->gen;
            s->busy = 0;
            s->job = NULL;
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
    j->slot = NULL;
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

int pg_pool_workers(const pg_pool *p)
{
    return p->nslots;
}

int pg_pool_stuck(const pg_pool *p)
{
    return p->nstuck;
}

int pg_pool_blocked(const pg_pool *p)
{
    return p->nstuck >= p->nslots;
}

int pg_job_stuck(const pg_job *j)
{
    return j->slot && j->slot->busy && j->slot->job == j && j->slot->stuck;
}

uint64_t pg_pool_overruns(const pg_pool *p)
{
    return p->overruns;
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

static void closed(uv_handle_t *hd)
{
    (void)hd;
}

void pg_pool_close(pg_pool *p)
{
    if (p && !uv_is_closing((uv_handle_t *)&p->watch)) uv_close((uv_handle_t *)&p->watch, closed);
}

void pg_pool_free(pg_pool *p)
{
    if (!p) return;
    for (int i = 0; i < p->nslots; i++) clear_slot(&p->slots[i]);
    free(p->slots);
    free(p);
}
