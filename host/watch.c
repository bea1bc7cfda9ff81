/* watch.c — the rule directory watcher: inotify events as hints, rescans as the truth.
 *
 * Events never say what changed: any event only marks the directory dirty and (re)starts the
 * debounce timer. What changed is decided by a rescan, which lists the files with their stat
 * signature and hashes the content only when the signature moved. The same rescan keeps the
 * set of watched directories in step with the tree: one uv_fs_event per directory, because
 * inotify is not recursive.
 *
 * A watch dies quietly when its directory is removed or renamed away (inotify sends one last
 * event and libuv keeps the dead handle), so a "rename" event that concerns the watched
 * directory itself marks its watch stale, and the next rescan arms it again on whatever now has
 * that name. The periodic rescan backs all of this up.
 *
 * A rule set that extends another (ruleset { extends = "../shanwei-2021" }) lists its parent's
 * files and directories too (core/base/ruledir.c), so the parent's directories are watched as
 * well: an edit of last year's file is a new revision of this year's set, reloaded like any save.
 *
 * Kernel file times move by clock ticks, so a file rewritten in the tick of a scan can keep the
 * signature that scan saw. Like git's "racily clean" entries, a listing with a file modified
 * within the last second is not trusted: the next scan hashes again, whatever the stat says. */
#include "watch.h"

#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A file modified less than this before a scan makes the scan's listing untrustworthy. */
#define RACY_NS 1000000000LL

typedef struct {
    uv_fs_event_t ev; /* first: the handle pointer is the wdir pointer */
    pg_watch *w;
    char *rel;
    char *path;
    uint64_t ino;
    int stale; /* the directory was removed or renamed away: arm again */
} wdir;

struct pg_watch {
    uv_loop_t *loop;
    char *dir;
    pg_watch_opts opts;
    pg_watch_cb cb;
    void *ctx;
    uv_timer_t debounce; /* the trailing debounce, and the "rescan soon" of start and rescan */
    uv_timer_t periodic;
    wdir **dirs; /* the armed watches */
    int ndirs;
    int handles; /* open handles, timers included: freed when the last one is closed */
    int closing;
    int dirty;              /* an event came since the last rescan */
    int urgent;             /* a rescan is due now: events must not postpone it */
    uint64_t dirty_since;   /* uv_now() of the first event since the last rescan */
    pg_ruledir_file *files; /* the last listing, or NULL when none was hashed yet */
    int nfiles;
    int racy;      /* the last listing had a file changed within RACY_NS of the scan */
    char hash[65]; /* the content hash of `files` */
    char reported[65];
    int has_reported;
    int degraded;
    char why[256];
};

static void watch_free(pg_watch *w)
{
    pg_ruledir_free(w->files, w->nfiles);
    free(w->dirs);
    free(w->dir);
    free(w);
}

static void handle_closed(pg_watch *w)
{
    if (--w->handles == 0 && w->closing) watch_free(w);
}

static void timer_closed(uv_handle_t *h)
{
    handle_closed(h->data);
}

static void wdir_closed(uv_handle_t *h)
{
    wdir *d = (wdir *)h;
    pg_watch *w = d->w;
    free(d->rel);
    free(d->path);
    free(d);
    handle_closed(w);
}

static void wdir_close(wdir *d)
{
    uv_close((uv_handle_t *)&d->ev, wdir_closed);
}

static void on_debounce(uv_timer_t *t);

/* Schedules the trailing rescan: debounce_ms after this event, but no later than max_wait_ms
 * after the first event since the last rescan. */
static void mark_dirty(pg_watch *w)
{
    if (w->urgent || w->closing) return;
    uint64_t now = uv_now(w->loop);
    if (!w->dirty) {
        w->dirty = 1;
        w->dirty_since = now;
    }
    uint64_t due = now + w->opts.debounce_ms;
    uint64_t cap = w->dirty_since + w->opts.max_wait_ms;
    if (due > cap) due = cap;
    uv_timer_start(&w->debounce, on_debounce, due > now ? due - now : 0, 0);
}

static void on_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    wdir *d = (wdir *)h;
    /* The watched directory itself was renamed or removed (libuv names it by its basename), or
     * no longer is what we armed: this watch is dead, arm it again at the next rescan. */
    if (events & UV_RENAME) {
        const char *base = strrchr(d->path, '/');
        base = base ? base + 1 : d->path;
        struct stat st;
        if (!name || strcmp(name, base) == 0 || stat(d->path, &st) != 0 ||
            (uint64_t)st.st_ino != d->ino)
            d->stale = 1;
    }
    mark_dirty(d->w);
}

static void set_degraded(pg_watch *w, const char *rel, int rc)
{
    w->degraded = 1;
    snprintf(w->why, sizeof w->why, "cannot watch %s/%s: %s; rescanning every %u ms", w->dir, rel,
             uv_strerror(rc), w->opts.rescan_ms);
}

/* Arms a watch on one directory; NULL (and degraded) when the kernel refuses. */
static wdir *arm(pg_watch *w, const pg_ruledir_file *f)
{
    wdir *d = pg_xcalloc(1, sizeof *d);
    d->w = w;
    d->rel = pg_xstrdup(f->rel);
    /* A parent's directory (ruleset { extends = ... }) is listed with its own path. */
    d->path = f->path     ? pg_xstrdup(f->path)
              : f->rel[0] ? pg_xasprintf("%s/%s", w->dir, f->rel)
                          : pg_xstrdup(w->dir);
    d->ino = f->ino;
    uv_fs_event_init(w->loop, &d->ev);
    w->handles++;
    int rc = uv_fs_event_start(&d->ev, on_event, d->path, 0);
    if (rc < 0) {
        set_degraded(w, f->rel, rc);
        wdir_close(d);
        return NULL;
    }
    return d;
}

/* Makes the armed watches exactly the directories of the last listing: keeps the live ones,
 * closes the stale and the vanished, arms the new. */
static void sync_watches(pg_watch *w, const pg_ruledir_file *dirs, int ndirs)
{
    wdir **next = pg_xcalloc((size_t)ndirs + 1, sizeof *next);
    int n = 0;
    w->degraded = w->opts.poll_only;
    for (int i = 0; i < ndirs && !w->opts.poll_only; i++) {
        wdir *keep = NULL;
        for (int j = 0; j < w->ndirs && !keep; j++) {
            wdir *d = w->dirs[j];
            if (d && !d->stale && d->ino == dirs[i].ino && strcmp(d->rel, dirs[i].rel) == 0) {
                keep = d;
                w->dirs[j] = NULL;
            }
        }
        if (!keep) keep = arm(w, &dirs[i]);
        if (keep) next[n++] = keep;
    }
    for (int j = 0; j < w->ndirs; j++)
        if (w->dirs[j]) wdir_close(w->dirs[j]);
    free(w->dirs);
    w->dirs = next;
    w->ndirs = n;
}

static void unwatch_all(pg_watch *w)
{
    for (int j = 0; j < w->ndirs; j++) wdir_close(w->dirs[j]);
    w->ndirs = 0;
}

static int same_listing(const pg_ruledir_file *a, int na, const pg_ruledir_file *b, int nb)
{
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i].size != b[i].size || a[i].mtime_ns != b[i].mtime_ns || a[i].ino != b[i].ino ||
            strcmp(a[i].rel, b[i].rel) != 0)
            return 0;
    return 1;
}

static int racy_listing(const pg_ruledir_file *f, int n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    for (int i = 0; i < n; i++)
        if (f[i].mtime_ns > now - RACY_NS) return 1;
    return 0;
}

static void rescan(pg_watch *w)
{
    uv_timer_stop(&w->debounce);
    w->dirty = w->urgent = 0;
    pg_ruledir_file *files, *dirs;
    int n, ndirs;
    int rc = pg_ruledir_scan_dirs(w->dir, &files, &n, &dirs, &ndirs);
    if (rc < 0) {
        /* Gone (being replaced?) or unreadable: keep the last hash, and let a later rescan find
         * the directory again. The watches of a vanished tree are dead. */
        if (rc == -ENOENT || rc == -ENOTDIR) unwatch_all(w);
        return;
    }
    sync_watches(w, dirs, ndirs);
    pg_ruledir_free(dirs, ndirs);
    if (w->files && !w->racy && same_listing(files, n, w->files, w->nfiles)) {
        pg_ruledir_free(files, n);
    } else {
        char hex[65];
        if (pg_ruledir_hash_files(w->dir, files, n, hex) < 0) {
            /* A file vanished under the read: the next scan (due on its event) tries again. */
            pg_ruledir_free(files, n);
            return;
        }
        pg_ruledir_free(w->files, w->nfiles);
        w->files = files;
        w->nfiles = n;
        w->racy = racy_listing(files, n);
        memcpy(w->hash, hex, sizeof hex);
    }
    if (w->has_reported && strcmp(w->hash, w->reported) == 0) return;
    memcpy(w->reported, w->hash, sizeof w->reported);
    w->has_reported = 1;
    w->cb(w->ctx, w->reported); /* last: it may stop the watcher */
}

static void on_debounce(uv_timer_t *t)
{
    rescan(t->data);
}

static void on_periodic(uv_timer_t *t)
{
    rescan(t->data);
}

int pg_watch_start(uv_loop_t *loop, const char *dir, const pg_watch_opts *opts, pg_watch_cb cb,
                   void *ctx, pg_watch **out)
{
    if (!loop || !dir || !cb || !out) return -EINVAL;
    struct stat st;
    if (stat(dir, &st) != 0) return -errno;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    pg_watch *w = pg_xcalloc(1, sizeof *w);
    w->loop = loop;
    w->dir = pg_xstrdup(dir);
    if (opts) w->opts = *opts;
    if (!w->opts.debounce_ms) w->opts.debounce_ms = 100;
    if (!w->opts.max_wait_ms) w->opts.max_wait_ms = 1000;
    if (!w->opts.rescan_ms) w->opts.rescan_ms = 2000;
    if (w->opts.max_wait_ms < w->opts.debounce_ms) w->opts.max_wait_ms = w->opts.debounce_ms;
    w->cb = cb;
    w->ctx = ctx;
    if (w->opts.poll_only) {
        w->degraded = 1;
        snprintf(w->why, sizeof w->why, "file events off; rescanning every %u ms",
                 w->opts.rescan_ms);
    }
    uv_timer_init(loop, &w->debounce);
    uv_timer_init(loop, &w->periodic);
    w->debounce.data = w->periodic.data = w;
    w->handles = 2;
    /* The first scan arms the watches and reports the initial hash, from the loop. */
    w->urgent = 1;
    uv_timer_start(&w->debounce, on_debounce, 0, 0);
    uv_timer_start(&w->periodic, on_periodic, w->opts.rescan_ms, w->opts.rescan_ms);
    *out = w;
    return 0;
}

void pg_watch_rescan(pg_watch *w)
{
    if (w->closing) return;
    w->urgent = 1;
    uv_timer_start(&w->debounce, on_debounce, 0, 0);
}

void pg_watch_forget(pg_watch *w)
{
    w->has_reported = 0;
}

int pg_watch_degraded(const pg_watch *w, const char **why)
{
    if (why) *why = w->degraded ? w->why : NULL;
    return w->degraded;
}

void pg_watch_stop(pg_watch *w)
{
    if (!w || w->closing) return;
    w->closing = 1;
    unwatch_all(w);
    uv_close((uv_handle_t *)&w->debounce, timer_closed);
    uv_close((uv_handle_t *)&w->periodic, timer_closed);
}
