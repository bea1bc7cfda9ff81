/* watch.h — noticing that a rule set directory changed, robustly.
 *
 * Any uv_fs_event on the directory or one of its subdirectories marks it dirty; a trailing
 * debounce (opts.debounce_ms after the last event, but no later than opts.max_wait_ms after
 * the first) then rescans. A periodic rescan every opts.rescan_ms backs the events up, since
 * inotify drops events on overflow, network file systems send none, and replacing a watched
 * directory ends its watch. A rescan compares the files' (name, size, mtime, inode) with the
 * last scan and hashes the content only when they differ; `on_change` is called only when the
 * content hash differs from the last one reported (the first scan reports the initial hash).
 * So an editor that writes a temp file and renames it over the original, a burst of writes,
 * or a touch that changes nothing, cost at most one callback, and only for new content.
 *
 * If a watch cannot be set up (ENOSPC, EMFILE, ...) the watcher says so in pg_watch_degraded()
 * and keeps working on the periodic rescans alone; every rescan tries the missing watches again
 * and the watcher stops being degraded once they are all set up. New subdirectories are watched
 * from the next rescan that sees them, and a directory replaced under the same name (a new
 * inode, or removed and re-created) is watched again from the next rescan that finds it. While
 * the directory is missing or unreadable, rescans report nothing and keep the last hash.
 *
 * Lifetimes: a pg_watch lives from pg_watch_start() until pg_watch_stop(), which closes its
 * handles and frees it once they are closed (no callback runs after pg_watch_stop returns).
 * Loop thread only. */
#ifndef PG_WATCH_H
#define PG_WATCH_H

#include <uv.h>

typedef struct pg_watch pg_watch;

typedef struct {
    unsigned debounce_ms; /* default 100 */
    unsigned max_wait_ms; /* default 1000 */
    unsigned rescan_ms;   /* default 2000 */
    int poll_only;        /* 1: set up no file events, rescan only (a network file system where
                             events never come; tests of the degraded path) */
} pg_watch_opts;

/* `hash` is the new content hash (64 hex digits), valid during the call. */
typedef void (*pg_watch_cb)(void *ctx, const char *hash);

/* Starts watching `dir` (zeroed opts fields take their defaults). The first scan runs from the
 * loop soon after, not inside this call. Returns 0 or a negative errno (-ENOENT: no such
 * directory). */
int pg_watch_start(uv_loop_t *loop, const char *dir, const pg_watch_opts *opts, pg_watch_cb cb,
                   void *ctx, pg_watch **out);
/* Asks for a rescan now (SIGHUP, the reload API): it runs from the loop right after, not inside
 * this call, and the callback runs only if the content changed since the last report —
 * pg_watch_forget() first to force one. */
void pg_watch_rescan(pg_watch *w);
/* Forgets the last reported hash, so the next scan reports whatever it finds. */
void pg_watch_forget(pg_watch *w);
/* 1 when file events could not be set up and only periodic rescans run; `why` gets the reason
 * (valid until the next call) if not NULL. */
int pg_watch_degraded(const pg_watch *w, const char **why);
void pg_watch_stop(pg_watch *w);

#endif
