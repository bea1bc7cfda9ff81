/* attrib.c — who changed the rule files the watcher saw change (attrib.h).
 *
 * git runs as a child (posix_spawnp with an argument vector, no shell, so no file name is ever
 * read as a command), with --no-optional-locks so that `git status` never takes the index lock
 * an author's own git may be holding, stdin from /dev/null and stderr thrown away. A git that
 * is absent, a directory that is no work tree, a repository git refuses (another owner) all
 * end the same way: a non-zero exit, and the file owner is asked instead. Keep it simple: the
 * audit entry says which of the two answered, so a reader knows how much to trust it. */
#include "attrib.h"

#include "base.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Runs git with `args` in `dir`; its stdout (at most `cap`-1 bytes, trailing newline removed)
 * into out. Returns git's exit status, or -1 when it could not run. */
static int git(const char *dir, const char *const *args, int nargs, char *out, size_t cap)
{
    const char *argv[64];
    int k = 0;
    argv[k++] = "git";
    argv[k++] = "--no-optional-locks";
    argv[k++] = "-C";
    argv[k++] = dir;
    for (int i = 0; i < nargs && k < 62; i++) argv[k++] = args[i];
    argv[k] = NULL;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    size_t len = 0;
    if (rc == 0) {
        ssize_t r;
        char sink[4096];
        while ((r = read(fds[0], len + 1 < cap ? out + len : sink,
                         len + 1 < cap ? cap - 1 - len : sizeof sink)) > 0)
            if (len + 1 < cap) len += (size_t)r;
    }
    close(fds[0]);
    out[len] = '\0';
    while (len && out[len - 1] == '\n') out[--len] = '\0';
    if (rc != 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 1 when the files differ in content (or one is missing). */
static int differ(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int diff = !fa || !fb;
    while (!diff) {
        char ba[4096], bb[4096];
        size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
        diff = na != nb || memcmp(ba, bb, na) != 0;
        if (na == 0) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return diff;
}

int pg_rule_files_changed(const char *a, const char *b, char ***out)
{
    pg_ruledir_file *fa = NULL, *fb = NULL;
    int na = 0, nb = 0, n = 0;
    *out = NULL;
    if (pg_ruledir_scan(a, &fa, &na) != 0) na = 0;
    if (pg_ruledir_scan(b, &fb, &nb) != 0) nb = 0;
    for (int i = 0, j = 0; i < na || j < nb;) { /* both listings are sorted by rel */
        int c = i >= na ? 1 : j >= nb ? -1 : strcmp(fa[i].rel, fb[j].rel);
        const char *rel = c <= 0 ? fa[i].rel : fb[j].rel;
        int changed = c != 0;
        if (c == 0) {
            /* a parent's file (".extends/...") is read where it lives */
            char *pa = fa[i].path ? pg_xstrdup(fa[i].path) : pg_xasprintf("%s/%s", a, rel);
            char *pb = fb[j].path ? pg_xstrdup(fb[j].path) : pg_xasprintf("%s/%s", b, rel);
            changed = differ(pa, pb);
            free(pa), free(pb);
        }
        if (changed) {
            *out = pg_xrealloc(*out, sizeof **out * (size_t)(n + 1));
            (*out)[n++] = pg_xstrdup(rel);
        }
        i += c <= 0, j += c >= 0;
    }
    pg_ruledir_free(fa, na);
    pg_ruledir_free(fb, nb);
    return n;
}

/* "git:NAME <EMAIL>" when every changed file still in `dir` is committed and unchanged since. */
static char *by_git(const char *dir, char **files, int n)
{
    if (n > 40) return NULL; /* a whole new set: the owner says as much, and argv stays short */
    const char *args[48];
    char buf[512];
    int k = 0;
    args[k++] = "status";
    args[k++] = "--porcelain";
    args[k++] = "--";
    for (int i = 0; i < n; i++) args[k++] = files[i];
    if (git(dir, args, k, buf, sizeof buf) != 0 || buf[0]) return NULL; /* not clean */
    k = 0;
    args[k++] = "log";
    args[k++] = "-1";
    args[k++] = "--format=%an <%ae>";
    args[k++] = "--";
    for (int i = 0; i < n; i++) args[k++] = files[i];
    if (git(dir, args, k, buf, sizeof buf) != 0 || !buf[0]) return NULL;
    return pg_xasprintf("git:%s", buf);
}

/* "file-owner:LOGIN" of the most recently modified changed file still in `dir`. */
static char *by_owner(const char *dir, char **files, int n)
{
    struct stat newest = {0};
    int found = 0;
    for (int i = 0; i < n; i++) {
        char *p = pg_xasprintf("%s/%s", dir, files[i]);
        struct stat st;
        if (stat(p, &st) == 0 && (!found || st.st_mtim.tv_sec > newest.st_mtim.tv_sec ||
                                  (st.st_mtim.tv_sec == newest.st_mtim.tv_sec &&
                                   st.st_mtim.tv_nsec > newest.st_mtim.tv_nsec)))
            newest = st, found = 1;
        free(p);
    }
    if (!found) return NULL;
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(newest.st_uid, &pw, buf, sizeof buf, &res) != 0 || !res)
        return pg_xasprintf("file-owner:uid %u", (unsigned)newest.st_uid);
    return pg_xasprintf("file-owner:%s", res->pw_name);
}

char *pg_attribute(const char *dir, const char *before)
{
    char **files;
    int n = pg_rule_files_changed(before, dir, &files);
    char *who = n ? by_git(dir, files, n) : NULL;
    if (!who && n) who = by_owner(dir, files, n);
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
    return who;
}
