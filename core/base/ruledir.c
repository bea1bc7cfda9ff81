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
 * very same bytes.
 *
 * A rule set that extends another (ruleset { extends = "../shanwei-2021" }, docs/rules.md)
 * is made of its own files and its parent's: the parent's are listed under the name
 * ".extends/<rel>" (a hidden name, so it never meets a file of the child's own walk), with the
 * path they are read from. So the hash, the revision and the snapshot cover the parent's files
 * too: a parent edit is a new revision of the child, and a snapshot holds a frozen copy of the
 * parent in <snapshot>/.extends/. Where the parent is read from: dir/.extends when that
 * directory exists (a snapshot's frozen copy), else the directory `extends` names, relative to
 * dir. The name is found in ruleset.lua's text, without running it (the host's watcher has no
 * Lua): the first `extends = "..."` outside comments and strings. The loader checks that what
 * Lua declares is the same string, so a computed extends cannot make the two disagree. A
 * parent that is missing or makes a cycle is left out of the listing here (the loader reports
 * it at ruleset.lua's line). */
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
/* Years built one on another: far more than an office keeps live. */
#define MAX_EXTENDS 8

typedef struct {
    pg_ruledir_file *v;
    int n, cap;
} flist;

static void flist_push(flist *l, pg_ruledir_file f)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = pg_xrealloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = f;
}

static void flist_add(flist *l, char *rel, const struct stat *st)
{
    flist_push(l, (pg_ruledir_file){rel, (int64_t)st->st_size,
                                    (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                                    (uint64_t)st->st_ino, NULL});
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

static int read_all(const char *dir, const pg_ruledir_file *f, unsigned char **buf, size_t *len);

/* Length of a Lua long bracket opening at s ("[[", "[==["): its level + 2, or 0 if none. */
static size_t long_open(const char *s, const char *end)
{
    const char *p = s + 1;
    if (s >= end || *s != '[') return 0;
    while (p < end && *p == '=') p++;
    return p < end && *p == '[' ? (size_t)(p - s) + 1 : 0;
}

/* Skips past the long bracket of `level` equals signs that closes at or after p. */
static const char *long_close(const char *p, const char *end, size_t level, int *line)
{
    for (; p < end; p++) {
        if (*p == '\n') ++*line;
        if (*p != ']') continue;
        const char *q = p + 1;
        while (q < end && *q == '=') q++;
        if (q < end && *q == ']' && (size_t)(q - p - 1) == level) return q + 1;
    }
    return end;
}

static int ident_char(char c)
{
    return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

/* The first `extends = "..."` in Lua source text, outside comments and strings. */
static int find_extends(const char *s, size_t n, char **out, int *at)
{
    const char *p = s, *end = s + n;
    int line = 1;
    while (p < end) {
        size_t lb;
        if (*p == '\n') {
            line++, p++;
        } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
            p += 2;
            if ((lb = long_open(p, end)) != 0) {
                p = long_close(p + lb, end, lb - 2, &line);
            } else {
                while (p < end && *p != '\n') p++;
            }
        } else if ((lb = long_open(p, end)) != 0) {
            p = long_close(p + lb, end, lb - 2, &line);
        } else if (*p == '"' || *p == '\'') {
            char q = *p++;
            while (p < end && *p != q && *p != '\n') p += *p == '\\' && p + 1 < end ? 2 : 1;
            p++;
        } else if (ident_char(*p) && !(*p >= '0' && *p <= '9')) {
            const char *id = p;
            while (p < end && ident_char(*p)) p++;
            if (p - id != 7 || memcmp(id, "extends", 7) != 0) continue;
            const char *q = p;
            while (q < end && (*q == ' ' || *q == '\t')) q++;
            if (q >= end || *q != '=' || (q + 1 < end && q[1] == '=')) continue;
            q++;
            while (q < end && (*q == ' ' || *q == '\t')) q++;
            if (q >= end || (*q != '"' && *q != '\'')) continue;
            const char *v = q + 1, *e = v;
            while (e < end && *e != *q && *e != '\n' && *e != '\\') e++;
            if (e >= end || *e != *q) continue; /* escapes: not a plain literal */
            *out = pg_xmalloc((size_t)(e - v) + 1);
            memcpy(*out, v, (size_t)(e - v));
            (*out)[e - v] = '\0';
            *at = line;
            return 0;
        } else {
            p++;
        }
    }
    return 0;
}

int pg_ruledir_extends(const char *dir, char **extends, int *line)
{
    *extends = NULL;
    *line = 0;
    pg_ruledir_file f = {.rel = (char *)"ruleset.lua"};
    unsigned char *buf;
    size_t len;
    int rc = read_all(dir, &f, &buf, &len);
    if (rc == -ENOENT || rc == -ENOTDIR) return 0;
    if (rc < 0) return rc;
    find_extends((const char *)buf, len, extends, line);
    free(buf);
    return 0;
}

char *pg_ruledir_parent(const char *dir)
{
    char *frozen = pg_xasprintf("%s/.extends", dir);
    struct stat st;
    if (stat(frozen, &st) == 0 && S_ISDIR(st.st_mode)) return frozen;
    free(frozen);
    char *ext;
    int line;
    if (pg_ruledir_extends(dir, &ext, &line) != 0 || !ext) return NULL;
    char *parent = ext[0] == '/' ? pg_xstrdup(ext) : pg_ruledir_join(dir, ext);
    free(ext);
    return parent;
}

char *pg_ruledir_join(const char *dir, const char *rel)
{
    if (rel[0] == '/') return pg_xstrdup(rel);
    char *all = pg_xasprintf("%s/%s", dir, rel);
    int abs = all[0] == '/';
    /* Split on '/', drop "." and empty parts, let ".." eat the part before it when there is
     * one that is not itself "..". */
    char **part = pg_xcalloc(strlen(all) + 1, sizeof *part);
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(all, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (strcmp(tok, ".") == 0) continue;
        if (strcmp(tok, "..") == 0 && n > 0 && strcmp(part[n - 1], "..") != 0)
            n--;
        else if (!(strcmp(tok, "..") == 0 && abs))
            part[n++] = tok;
    }
    size_t cap = strlen(dir) + strlen(rel) + 4;
    char *out = pg_xmalloc(cap);
    out[0] = '\0';
    if (abs) strcat(out, "/");
    for (int i = 0; i < n; i++) {
        if (i) strcat(out, "/");
        strcat(out, part[i]);
    }
    if (!out[0]) strcat(out, ".");
    free(part);
    free(all);
    return out;
}

/* Moves the entries of `from` (a walk of `root`) into `to`, renamed prefix/rel and read from
 * root/rel. */
static void flist_move(flist *to, flist *from, const char *prefix, const char *root)
{
    for (int i = 0; i < from->n; i++) {
        pg_ruledir_file f = from->v[i];
        char *rel = f.rel[0] ? pg_xasprintf("%s/%s", prefix, f.rel) : pg_xstrdup(prefix);
        char *path = f.path     ? pg_xstrdup(f.path)
                     : f.rel[0] ? pg_xasprintf("%s/%s", root, f.rel)
                                : pg_xstrdup(root);
        free(f.rel), free(f.path);
        f.rel = rel;
        f.path = path;
        flist_push(to, f);
    }
    free(from->v);
    *from = (flist){0};
}

/* Walks `dir` and then, leniently, the chain of parents it extends (`seen` holds the real
 * paths of the directories already in the chain). */
static int scan_chain(const char *dir, int depth, char **seen, flist *files, flist *dirs)
{
    struct stat st;
    int rc = stat(dir, &st) == 0 ? 0 : -errno;
    if (rc == 0 && !S_ISDIR(st.st_mode)) rc = -ENOTDIR;
    if (rc == 0) rc = walk(dir, "", &st, 0, files, dirs);
    if (rc < 0) return rc;
    seen[depth] = realpath(dir, NULL);
    char *parent = pg_ruledir_parent(dir);
    char *real = parent ? realpath(parent, NULL) : NULL;
    int loop = !real || !seen[depth] || depth + 1 >= MAX_EXTENDS;
    for (int i = 0; i <= depth && !loop; i++) loop = strcmp(seen[i], real) == 0;
    if (!loop) {
        flist pf = {0}, pd = {0};
        /* A parent that cannot be read is left out: the loader says why, at ruleset.lua. */
        if (scan_chain(parent, depth + 1, seen, &pf, dirs ? &pd : NULL) == 0) {
            flist_move(files, &pf, ".extends", parent);
            if (dirs) flist_move(dirs, &pd, ".extends", parent);
        }
        pg_ruledir_free(pf.v, pf.n);
        pg_ruledir_free(pd.v, pd.n);
    }
    free(real);
    free(parent);
    return 0;
}

int pg_ruledir_scan_dirs(const char *dir, pg_ruledir_file **files, int *n, pg_ruledir_file **dirs,
                         int *ndirs)
{
    flist f = {0}, d = {0};
    char *seen[MAX_EXTENDS] = {0};
    int rc = scan_chain(dir, 0, seen, &f, dirs ? &d : NULL);
    for (int i = 0; i < MAX_EXTENDS; i++) free(seen[i]);
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
    for (int i = 0; i < n; i++) free(files[i].rel), free(files[i].path);
    free(files);
}

/* Reads all of a listed file (dir/rel, or its own path) into *buf (the caller frees it). */
static int read_all(const char *dir, const pg_ruledir_file *f, unsigned char **buf, size_t *len)
{
    char *path = f->path ? pg_xstrdup(f->path) : pg_xasprintf("%s/%s", dir, f->rel);
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
        rc = read_all(dir, &files[i], &buf, &len);
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
