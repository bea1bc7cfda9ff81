/* ruledir.c — listing, hashing and copying the files of a rule set directory.
 *
 * The walk is opendir/readdir/lstat. Names that are hidden or end in '~' are skipped before
 * anything else, which also skips "." and ".." and whole hidden directories. A symbolic link is
 * followed only when its name is a rule file's and it points to a regular file; directory links
 * are never entered, so the walk always ends. Entries that vanish during the walk are skipped:
 * the watcher sees the change on its next scan anyway.
 *
 * The hash feeds, per file in `rel` order, "rel NUL, content length (8 bytes little-endian),
 * content": the length prefix keeps two different sets from ever feeding the same bytes. Each
 * file is read whole into memory once (rule files are small), so a copy writes and hashes the
 * very same bytes. */
#include "base.h"


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deep enough for any real rule set; a bind mount of a parent is the only way to get deeper. */
#define MAX_DEPTH 32

typedef struct {
    pg_ruledir_file *v;
    int n, cap;
} flist;

static void flist_add(flist *l, char *rel, const struct stat *st)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = pg_xrealloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = (pg_ruledir_file){rel, (int64_t)st->st_size,
                                     (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                                     (uint64_t)st->st_ino};
}

static int cmp_rel(const void *a, const void *b)
{
    return strcmp(((const pg_ruledir_file *)a)->rel, ((const pg_ruledir_file *)b)->rel);
}

static void flist_sort(flist *l)
{
    if (l->n > 1) qsort(l->v, (size_t)l->n, sizeof *l->v, cmp_rel);
}

static int ignored(const char *name)
{
    size_t len = strlen(name);
    return name[0] == '.' || name[len - 1] == '~';
}

static int rule_name(const char *name, int top)
{
    size_t len = strlen(name);
    return (len > 4 && strcmp(name + len - 4, ".lua") == 0) ||
           (top && strcmp(name, "units.csv") == 0);
}

/* Walks root/rel, which has the stat `self`. `dirs` may be NULL. */
static int walk(const char *root, const char *rel, const struct stat *self, int depth, flist *files,
                flist *dirs)
{
    char *path = rel[0] ? pg_xasprintf("%s/%s", root, rel) : pg_xstrdup(root);
    DIR *dp = opendir(path);
    if (!dp) {
        int rc = -errno;
        free(path);
        return rc;
    }
    if (dirs) flist_add(dirs, pg_xstrdup(rel), self);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (errno = 0, e = readdir(dp))) {
        if (ignored(e->d_name)) continue;
        char *full = pg_xasprintf("%s/%s", path, e->d_name);
        char *sub = rel[0] ? pg_xasprintf("%s/%s", rel, e->d_name) : pg_xstrdup(e->d_name);
        struct stat st;
        int ok = lstat(full, &st) == 0;
        if (!ok && errno != ENOENT) rc = -errno;
        /* A link counts as its target, but only a file's: never a directory's. */
        if (ok && S_ISLNK(st.st_mode))
            ok = rule_name(e->d_name, !rel[0]) && stat(full, &st) == 0 && S_ISREG(st.st_mode);
        if (ok && S_ISDIR(st.st_mode)) {
            if (depth >= MAX_DEPTH) {
                rc = -ELOOP;
            } else {
                rc = walk(root, sub, &st, depth + 1, files, dirs);
                /* Gone or unreadable (a root-only lost+found): not part of the set. */
                if (rc == -ENOENT || rc == -ENOTDIR || rc == -EACCES) rc = 0;
            }
        } else if (ok && S_ISREG(st.st_mode) && rule_name(e->d_name, !rel[0])) {
            flist_add(files, sub, &st);
            sub = NULL;
        }
        free(sub);
        free(full);
    }
    if (rc == 0 && errno != 0) rc = -errno;
    closedir(dp);
    free(path);
    return rc;
}

int pg_ruledir_scan_dirs(const char *dir, pg_ruledir_file **files, int *n, pg_ruledir_file **dirs,
                         int *ndirs)
{
    flist f = {0}, d = {0};
    struct stat st;
    int rc = stat(dir, &st) == 0 ? 0 : -errno;
    if (rc == 0 && !S_ISDIR(st.st_mode)) rc = -ENOTDIR;
    if (rc == 0) rc = walk(dir, "", &st, 0, &f, dirs ? &d : NULL);
    if (rc < 0) {
        pg_ruledir_free(f.v, f.n);
        pg_ruledir_free(d.v, d.n);
        return rc;
    }
    flist_sort(&f);
    *files = f.v;
    *n = f.n;
    if (dirs) {
        flist_sort(&d);
        *dirs = d.v;
        *ndirs = d.n;
    }
    return 0;
}

int pg_ruledir_scan(const char *dir, pg_ruledir_file **files, int *n)
{
    return pg_ruledir_scan_dirs(dir, files, n, NULL, NULL);
}

void pg_ruledir_free(pg_ruledir_file *files, int n)
{
    for (int i = 0; i < n; i++) free(files[i].rel);
    free(files);
}

/* Reads all of dir/rel into *buf (the caller frees it). */
static int read_all(const char *dir, const char *rel, unsigned char **buf, size_t *len)
{
    char *path = pg_xasprintf("%s/%s", dir, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0) return -errno;
    size_t cap = 8192, n = 0;
    unsigned char *b = pg_xmalloc(cap);
    for (;;) {
        if (n == cap) b = pg_xrealloc(b, cap *= 2);
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int rc = -errno;
            close(fd);
            free(b);
            return rc;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = n;
    return 0;
}

static void hash_entry(SHA2_CTX *ctx, const char *rel, const unsigned char *buf, size_t len)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)((uint64_t)len >> (8 * i));
    SHA256Update(ctx, (const uint8_t *)rel, strlen(rel) + 1);
    SHA256Update(ctx, le, sizeof le);
    SHA256Update(ctx, buf, len);
}

/* Creates the directories of `rel` below `root` (not the file itself). */
static int make_parents(const char *root, const char *rel)
{
    char *path = pg_xasprintf("%s/%s", root, rel);
    size_t skip = strlen(root) + 1;
    int rc = 0;
    for (char *p = strchr(path + skip, '/'); p && rc == 0; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) rc = -errno;
        *p = '/';
    }
    free(path);
    return rc;
}

static int write_all(const char *root, const char *rel, const unsigned char *buf, size_t len)
{
    int rc = make_parents(root, rel);
    if (rc < 0) return rc;
    char *path = pg_xasprintf("%s/%s", root, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0) return -errno;
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            rc = -errno;
            break;
        }
        buf += w;
        len -= (size_t)w;
    }
    if (close(fd) != 0 && rc == 0) rc = -errno;
    return rc;
}

/* Hashes the listed files; with `dest`, also writes each one below it. */
static int hash_copy(const char *dir, const pg_ruledir_file *files, int n, const char *dest,
                     char hex[65])
{
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        unsigned char *buf;
        size_t len;
        rc = read_all(dir, files[i].rel, &buf, &len);
        if (rc < 0) break;
        hash_entry(&ctx, files[i].rel, buf, len);
        if (dest) rc = write_all(dest, files[i].rel, buf, len);
        free(buf);
    }
    SHA256End(&ctx, hex);
    return rc;
}

int pg_ruledir_hash_files(const char *dir, const pg_ruledir_file *files, int n, char hex[65])
{
    return hash_copy(dir, files, n, NULL, hex);
}

int pg_ruledir_hash(const char *dir, char hex[65])
{
    pg_ruledir_file *files;
    int n;
    int rc = pg_ruledir_scan(dir, &files, &n);
    if (rc < 0) return rc;
    rc = hash_copy(dir, files, n, NULL, hex);
    pg_ruledir_free(files, n);
    return rc;
}

int pg_ruledir_copy(const char *dir, const char *dest, char hex[65])
{
    struct stat st;
    if (lstat(dest, &st) == 0) return -EEXIST;
    if (errno != ENOENT) return -errno;
    pg_ruledir_file *files;
    int n;
    int rc = pg_ruledir_scan(dir, &files, &n);
    if (rc < 0) return rc;
    /* Build beside `dest` and rename: a reader never sees half a snapshot. */
    char *tmp = pg_xasprintf("%s.tmp-XXXXXX", dest);
    if (!mkdtemp(tmp)) {
        rc = -errno;
    } else {
        rc = hash_copy(dir, files, n, tmp, hex);
        if (rc == 0 && rename(tmp, dest) != 0) rc = errno == ENOTEMPTY ? -EEXIST : -errno;
        if (rc < 0) pg_ruledir_remove(tmp);
    }
    free(tmp);
    pg_ruledir_free(files, n);
    return rc;
}

int pg_ruledir_remove(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0) return -errno;
    /* Never opendir() a link: that would empty the directory it points to. */
    if (!S_ISDIR(st.st_mode)) return unlink(dir) == 0 ? 0 : -errno;
    DIR *dp = opendir(dir);
    if (!dp) return -errno;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *path = pg_xasprintf("%s/%s", dir, e->d_name);
        int r = pg_ruledir_remove(path);
        if (r < 0 && r != -ENOENT && rc == 0) rc = r;
        free(path);
    }
    closedir(dp);
    if (rmdir(dir) != 0 && rc == 0) rc = -errno;
    return rc;
}
