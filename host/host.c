/* host.c — the state every module of the host reads (host.h): the clock, and which rule
 * generation serves a year.
 *
 * These read pg_host and nothing else, so that the modules that need them (evaluations,
 * reloads, the handlers) do not call into start-up (serve.c) or the reloads (reload.c) for
 * them. Loop thread only. */
#include "host.h"

#include <time.h>

int64_t pg_host_now(const pg_host *h)
{
    return h->sched ? pg_sched_now(h->sched) : (int64_t)time(NULL);
}

pg_gen *pg_host_gen(const pg_host *h, int year)
{
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->gen && h->rules[i]->year == year) return h->rules[i]->gen;
    return NULL;
}
