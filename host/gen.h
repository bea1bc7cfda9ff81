/* gen.h — rule generations: an immutable, validated rule set the host serves from.
 *
 * A reload copies the rule set directory into a content-addressed snapshot under
 * DATA/rules/<content hash>/, loads and validates the snapshot (messages still name the
 * author's files), and only a set without errors becomes a generation. Everything that
 * evaluates for a generation loads its own pg_ruleset from the same snapshot, so work that
 * started on generation N finishes on N even after N+1 is swapped in, and a file edited during
 * a reload can never mix two versions.
 *
 * Lifetimes: pg_gen_build() runs on a pool thread and returns a generation with one reference.
 * References are taken and dropped on the loop thread only (the host holds one for the current
 * generation, every job one for the generation it runs on); the last unref frees it. The
 * snapshot directory stays on disk: published results name it. */
#ifndef PG_GEN_H
#define PG_GEN_H

#include "blob.h"
#include "rules.h"

#include <stdint.h>

typedef struct pg_gen {
    int refs;
    long id;             /* 1, 2, … in this process */
    char content[65];    /* hash of the snapshot's files (base.h) */
    char *shown;         /* the rule set directory as the operator named it */
    char *snapshot;      /* DATA/rules/<content> */
    pg_budget ceiling;   /* the host's caps on the set's own Lua budget; 0: none */
    pg_ruleset *rs;      /* for the loop thread's lookups (ids, names, tree); its Lua state is
                            never entered there */
    pg_blob *rules_json; /* the body of GET /api/v1/rules */
    int64_t loaded_at;   /* Unix seconds */
    int warnings;
} pg_gen;

/* Snapshots `dir` into `datadir`/rules/ and loads it. Returns 0 and *out, or a negative errno
 * with the reasons (file:line) in `d`; warnings go to `d` either way. `content` gets the hash
 * of the files the attempt read, good or bad ("" if it could not copy them). Pool thread. */
int pg_gen_build(const char *dir, const char *datadir, long id, pg_budget ceiling, char content[65],
                 pg_gen **out, pg_diags *d);
/* Makes a generation of snapshot `content` already under `datadir`/rules/ (a link of a year's
 * chain kept from before a restart, reload.c), named `shown`. Returns 0 and *out, or a negative
 * errno with the reasons in `d`. Blocking file I/O: start-up only. */
int pg_gen_open(const char *datadir, const char *content, const char *shown, long id,
                pg_budget ceiling, pg_gen **out, pg_diags *d);
/* Loads another pg_ruleset of generation `g` for one worker. Pool thread. */
int pg_gen_load(const pg_gen *g, pg_ruleset **out, pg_diags *d);

pg_gen *pg_gen_ref(pg_gen *g);
void pg_gen_unref(pg_gen *g);

#endif
