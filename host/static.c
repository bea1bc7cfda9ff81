/* static.c — the dashboard's files (web/), served from memory without a token.
 *
 * The web directory is `web_dir` from the config, or web/ next to the executable (the build
 * copies the source tree's web/ there, as it puts plugins/ there). It is read once, on the
 * first request for a file: a handful of small files, so one blocking read on the loop thread
 * costs less than the machinery of reading them off it. Only regular files with a known
 * extension are kept, none hidden, none whose real path leaves the directory (a symlink out is
 * skipped), so a request can only ever name a file found there: serving is a lookup in that
 * list, and ".." or a hidden segment is refused before the lookup anyway.
 *
 * The pages hold no data; every data call from them carries the token. A missing or empty web
 * directory answers / with a 404 that says the dashboard is not installed; the API is unaffected.
 * The files are kept for the life of the process (the host is one per process), in a static
 * list only the loop thread touches. Editing web/ needs a restart. */
#include "host.h"
#include "log.h"
#include "reply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 256
#define MAX_FILE_BYTES (4u << 20) /* a dashboard file, not a download area */
#define MAX_DEPTH 4

typedef struct {
    char *name; /* relative to the web directory, e.g. "js/app.js" */
    const char *type;
    pg_blob *body;
} web_file;

static struct {
    int loaded;
    char *dir; /* real path, or NULL when there is none */
    web_file v[MAX_FILES];
    int n;
} web;

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
};

static const char *type_of(const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        size_t e = strlen(types[i].ext);
        if (len > e && strcmp(name + len - e, types[i].ext) == 0) return types[i].type;
    }
    return NULL;
}

/* Reads a whole file into a blob. Returns 0 or a negative errno. */
static int read_file(const char *path, pg_blob **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -errno;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
    } else if (!S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_FILE_BYTES) {
        rc = -EFBIG;
    } else {
        pg_blob *b = pg_blob_new(NULL, (size_t)st.st_size);
        size_t got = 0;
        while (got < b->len) {
            ssize_t r = read(fd, b->data + got, b->len - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break; /* shrank under us: keep what was there */
            got += (size_t)r;
        }
        b->len = got;
        b->data[got] = '\0';
        *out = b;
    }
    close(fd);
    return rc;
}

/* Adds the files under `rel` (a directory relative to the web root, "" for the root). */
static void scan(const char *rel, int depth)
{
    char *path = *rel ? pg_xasprintf("%s/%s", web.dir, rel) : pg_xstrdup(web.dir);
    DIR *d = opendir(path);
    free(path);
    if (!d) return;
    size_t root_len = strlen(web.dir);
    for (struct dirent *e; (e = readdir(d)) && web.n < MAX_FILES;) {
        if (e->d_name[0] == '.') continue; /* hidden, and . and .. */
        char *name = *rel ? pg_xasprintf("%s/%s", rel, e->d_name) : pg_xstrdup(e->d_name);
        char *full = pg_xasprintf("%s/%s", web.dir, name);
        char real[PATH_MAX];
        struct stat st;
        /* the real path must stay inside the web directory: a symlink out is not served */
        int inside = realpath(full, real) && strncmp(real, web.dir, root_len) == 0 &&
                     real[root_len] == '/' && stat(real, &st) == 0;
        if (inside && S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
            scan(name, depth + 1);
        } else if (inside && S_ISREG(st.st_mode) && type_of(name)) {
            web_file *f = &web.v[web.n];
            if (read_file(real, &f->body) == 0) {
                f->name = name, name = NULL;
                f->type = type_of(f->name);
                web.n++;
            } else {
                pg_log(PG_LOG_WARN, "web", "file", full, "skipped", "unreadable or too large",
                       NULL);
            }
        }
        free(name), free(full);
    }
    closedir(d);
}

static void free_web(void)
{
    for (int i = 0; i < web.n; i++) free(web.v[i].name), pg_blob_unref(web.v[i].body);
    free(web.dir);
    memset(&web, 0, sizeof web);
}

/* The configured web directory, or web/ beside the executable. */
static char *web_dir(const pg_config *cfg)
{
    return cfg->web_dir ? pg_xstrdup(cfg->web_dir) : pg_beside_executable("web");
}

static void load(const pg_config *cfg)
{
    web.loaded = 1;
    atexit(free_web); /* so a leak checker sees the process end clean */
    char *dir = web_dir(cfg), real[PATH_MAX];
    if (realpath(dir, real)) {
        web.dir = pg_xstrdup(real);
        scan("", 0);
    }
    char files[16];
    snprintf(files, sizeof files, "%d", web.n);
    pg_log(web.n ? PG_LOG_INFO : PG_LOG_WARN, "web", "dir", dir, "files", files, NULL);
    free(dir);
}

/* 1 when a decoded path may name a dashboard file: no "..", no hidden segment, no backslash,
 * no empty segment. (A %00 never gets here: the HTTP layer answers it with a 400.) */
static int acceptable(const char *path)
{
    if (strchr(path, '\\')) return 0;
    for (const char *p = path; *p;) {
        if (*p == '/') p++;
        size_t seg = strcspn(p, "/");
        if (seg == 0 && *p) return 0;
        if (seg && p[0] == '.') return 0; /* ., .., .hidden */
        p += seg;
    }
    return 1;
}

/* The file `name` (relative to the web directory), or NULL. */
static const web_file *find(const char *name)
{
    for (int i = 0; i < web.n; i++)
        if (strcmp(web.v[i].name, name) == 0) return &web.v[i];
    return NULL;
}

static void send_file(pg_http_req *req, const web_file *f)
{
    pg_reply_send(req, 200, f->type,
                  "Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n", f->body);
}

void pg_static_send(pg_host *h, pg_http_req *req, const char *name, const char *missing)
{
    if (!web.loaded) load(&h->cfg);
    const web_file *f = find(name);
    if (f)
        send_file(req, f);
    else
        pg_reply_error(req, 404, "%s", missing);
}

void pg_static_serve(pg_host *h, pg_http_req *req)
{
    if (!web.loaded) load(&h->cfg);
    if (req->method != PG_HTTP_GET && req->method != PG_HTTP_HEAD) {
        pg_reply_error(req, 405, "the dashboard's files answer GET");
        return;
    }
    if (!web.n) {
        pg_reply_error(req, 404,
                       "the dashboard is not installed (no web directory; set \"web_dir\" in the "
                       "config); the API is under /api/v1");
        return;
    }
    const char *path = req->path;
    if (strcmp(path, "/") == 0) path = "/index.html";
    const web_file *f = acceptable(path) ? find(path + 1) : NULL;
    if (f) {
        send_file(req, f);
        return;
    }
    pg_reply_error(req, 404, "no such file: %s (the API is under /api/v1)", req->path);
}
