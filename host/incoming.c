/* incoming.c — where posted batches wait to be ingested (DATA/incoming/), and removing what a
 * killed host left behind.
 *
 * Each host makes its own directory, DATA/incoming/host-XXXXXX (mkdtemp), and holds an
 * exclusive flock(2) on it for as long as it runs; every upload gets a directory of its own
 * inside it, again by mkdtemp (intake.c), so two uploads never share a name, whatever the
 * PIDs. The names used to be <pid>-<seq>: a host killed mid-post left its folder, and the next
 * host with the same PID (PID 1 in a container, always) collided with it and answered 409.
 *
 * Start-up, before anything listens, removes leftovers and logs each file removed
 * (event=cleanup):
 *   - in DATA/incoming/, every directory whose lock it can take: no living host holds it. The
 *     lock, not the PID in a name, tells the dead from the living: the kernel drops the lock of
 *     a killed process, and a reused PID proves nothing. (Directories of the old <pid>-<seq>
 *     layout are never locked, so they go too.) A host that made its directory but had not yet
 *     locked it when another removed it notices (the path no longer names its directory) and
 *     makes another.
 *   - in DATA/batches/raw/, the temporary copies of killed ingests and the raw files of batches
 *     that were never committed (pg_batch_sweep, core/data/batch.c: batch.c owns those files
 *     and the batch table, and its lock keeps the sweep away from ingests in flight in any
 *     process, the CLI's included).
 * Loop thread, at start-up and shutdown only. */
#include "host.h"
#include "log.h"

#include "data.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Removes `name` under the directory `at` (a file, or a directory and everything in it, at most
 * `depth` levels down), logging each file as `shown`/… with `why`. Returns the files removed. */
static int remove_tree(int at, const char *name, const char *shown, int depth, const char *why)
{
    if (unlinkat(at, name, 0) == 0) {
        pg_log(PG_LOG_INFO, "cleanup", "removed", shown, "why", why, NULL);
        return 1;
    }
    if (errno != EISDIR && errno != EPERM) return 0;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dp) {
        if (fd >= 0) close(fd);
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while (depth > 0 && (e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *sub = pg_xasprintf("%s/%s", shown, e->d_name);
        n += remove_tree(fd, e->d_name, sub, depth - 1, why);
        free(sub);
    }
    closedir(dp);
    if (unlinkat(at, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        pg_log(PG_LOG_WARN, "cleanup", "directory", shown, "error", strerror(errno), NULL);
    return n;
}

/* Removes the directories in DATA/incoming that no living host holds. */
static void sweep_incoming(const char *root)
{
    int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dp = rfd >= 0 ? fdopendir(rfd) : NULL;
    if (!dp) {
        if (rfd >= 0) close(rfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        int fd = openat(rfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue; /* not a directory: not ours */
        int free_to_go = flock(fd, LOCK_EX | LOCK_NB) == 0;
        if (free_to_go) {
            char *shown = pg_xasprintf("incoming/%s", e->d_name);
            if (remove_tree(rfd, e->d_name, shown, 3, "an upload of a host that was killed") == 0)
                pg_log(PG_LOG_INFO, "cleanup", "removed", shown, "why",
                       "an empty upload directory of a host that was killed", NULL);
            free(shown);
        }
        close(fd); /* unlocks */
    }
    closedir(dp);
}

static void sweep_raw(const char *datadir)
{
    char **removed = NULL;
    int n = 0;
    pg_diags d = {0};
    int rc = pg_batch_sweep(datadir, &removed, &n, &d);
    for (int i = 0; i < n; i++) {
        pg_log(PG_LOG_INFO, "cleanup", "removed", removed[i], "why",
               strstr(removed[i], "/.incoming-") ? "the copy of an ingest that was killed"
                                                 : "the raw file of a batch never committed",
               NULL);
        free(removed[i]);
    }
    free(removed);
    if (rc == -EBUSY)
        pg_log(PG_LOG_INFO, "cleanup", "skipped", "batches/raw", "why",
               "an ingest is running (the CLI?); the next start removes what it leaves", NULL);
    else if (rc < 0)
        pg_log(PG_LOG_WARN, "cleanup", "skipped", "batches/raw", "error",
               d.n ? d.v[d.n - 1].msg : strerror(-rc), NULL);
    for (int i = 0; i < d.n; i++)
        if (d.v[i].sev == PG_WARNING)
            pg_log(PG_LOG_WARN, "cleanup", "file", d.v[i].file, "error", d.v[i].msg, NULL);
    pg_diags_free(&d);
}

int pg_incoming_start(pg_host *h)
{
    char *root = pg_xasprintf("%s/incoming", h->cfg.data_dir);
    int rc = 0;
    if (mkdir(root, 0700) != 0 && errno != EEXIST) rc = -errno;
    if (rc == 0) sweep_incoming(root);
    sweep_raw(h->cfg.data_dir);
    for (int tries = 0; rc == 0 && !h->incoming && tries < 10; tries++) {
        char *dir = pg_xasprintf("%s/host-XXXXXX", root);
        if (!mkdtemp(dir)) {
            rc = -errno;
            free(dir);
            break;
        }
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat a, b;
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &a) == 0 &&
            stat(dir, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            h->incoming = dir, h->incoming_fd = fd; /* ours, locked */
        } else {
            /* another host's start-up removed it before we locked it: make another */
            if (fd >= 0) close(fd);
            free(dir);
        }
    }
    if (rc == 0 && !h->incoming) rc = -EAGAIN;
    if (rc != 0) pg_log(PG_LOG_ERROR, "incoming", "directory", root, "error", strerror(-rc), NULL);
    free(root);
    return rc;
}

void pg_incoming_stop(pg_host *h)
{
    if (!h->incoming) return;
    char *parent = pg_xstrdup(h->incoming);
    char *name = strrchr(parent, '/');
    *name = '\0';
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd >= 0) {
        char *shown = pg_xasprintf("incoming/%s", name + 1);
        /* empty: every upload removes its own directory */
        remove_tree(pfd, name + 1, shown, 2, "an upload left at shutdown");
        free(shown);
        close(pfd);
    }
    close(h->incoming_fd);
    free(parent), free(h->incoming);
    h->incoming = NULL, h->incoming_fd = -1;
}
