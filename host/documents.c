/* documents.c — a published bulletin's documents over HTTP, for the 通报 tab's links:
 *
 *   GET /api/v1/bulletins/{scheme}/{period}/{revision}/documents
 *       {"documents": [{"name": "monthly-2021-05.html", "type": "text/html", "bytes": 276198},
 *                      …, {"name": "monthly-2021-05.pdf", "type": "application/pdf",
 *                          "bytes": null}]}
 *   GET /api/v1/bulletins/{scheme}/{period}/{revision}/documents/{name}
 *       the file itself, as an attachment
 *
 * The documents are what the publish wrote once to DATA/bulletins/<scheme>-<period>-r<N>/ (the
 * HTML 通报, each group's CSV, the lost points CSV, an XLSX when the exporter plugin wrote one),
 * never rewritten, so a link keeps giving what was circulated. Each HTML file has its PDF: the
 * 通报's, and that of each large group's 附件 of its units' sections
 * (<basename>-units-<group>.html, issue 19 §7), printed by headless Chromium
 * (core/report/print_pdf.c, the fonts embedded, a link to an 附件's HTML made one to its PDF)
 * the first time someone asks for it, then kept beside it; listed with bytes null until then.
 * Two first requests at once print it once: the second waits for the first's PDF.
 *
 * Who may: staff and the leaders' viewer role, who read the whole 通报. A unit's token may not:
 * the documents carry every unit's lost points, and a unit sees its own only (its slice is GET
 * /bulletins/…, filtered). A name is one file of that directory and nothing else: no '/', no
 * leading '.', only the characters the publish writes. Files are read, and the PDF printed, on
 * the pool, never on the loop. */
#include "call.h"
#include "reply.h"

#include "base.h"
#include "record.h"
#include "report.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PG_ROLES_DOCUMENTS (PG_ROLES_STAFF | PG_ROLES_VIEWER)

typedef struct {
    pg_job job;
    pg_http_req *req;
    char *dir;  /* the bulletin's documents directory */
    char *name; /* the file asked for; NULL: the list */
    int status;
    pg_blob *body;
    cJSON *list;
    pg_diags d;
} doc_job;

static const char *type_of(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".pdf", "application/pdf"},
        {".csv", "text/csv; charset=utf-8"},
        {".json", "application/json"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i][0]) == 0) return types[i][1];
    return NULL;
}

/* A name the publish could have written: letters, digits, '-', '_', '.', not starting with '.'. */
static int safe_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 200) return 0;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

/* "x.html" → "x.pdf" (malloc'd), or NULL when the name is not an HTML file's. */
static char *pdf_of(const char *name)
{
    size_t n = strlen(name);
    if (n <= 5 || strcmp(name + n - 5, ".html") != 0) return NULL;
    return pg_xasprintf("%.*s.pdf", (int)(n - 5), name);
}

static void list_work(doc_job *x)
{
    DIR *dp = opendir(x->dir);
    if (!dp) {
        x->status = errno == ENOENT ? 404 : 500;
        pg_error(&x->d, NULL, 0, "the bulletin's documents were not written (%s)", strerror(errno));
        return;
    }
    x->list = cJSON_CreateArray();
    for (struct dirent *e; (e = readdir(dp));) {
        struct stat st;
        char *path = pg_xasprintf("%s/%s", x->dir, e->d_name);
        if (safe_name(e->d_name) && type_of(e->d_name) && stat(path, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", e->d_name);
            cJSON_AddStringToObject(o, "type", type_of(e->d_name));
            cJSON_AddNumberToObject(o, "bytes", (double)st.st_size);
            cJSON_AddItemToArray(x->list, o);
            /* an HTML file's PDF, printed when first asked for */
            char *pdf = pdf_of(e->d_name), *ppath = pdf ? pg_xasprintf("%s/%s", x->dir, pdf) : NULL;
            if (pdf && stat(ppath, &st) != 0) {
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "name", pdf);
                cJSON_AddStringToObject(o, "type", "application/pdf");
                cJSON_AddNullToObject(o, "bytes");
                cJSON_AddItemToArray(x->list, o);
            }
            free(pdf), free(ppath);
        }
        free(path);
    }
    closedir(dp);
    x->status = 200;
}

/* The whole file into a blob; 0 or a negative errno. */
static int read_whole(const char *path, pg_blob **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -errno;
    struct stat st;
    int rc = fstat(fileno(f), &st) == 0 ? 0 : -errno;
    if (rc == 0) {
        pg_blob *b = pg_blob_new(NULL, (size_t)st.st_size);
        if (fread(b->data, 1, b->len, f) != b->len) {
            rc = -EIO;
            pg_blob_unref(b);
        } else {
            *out = b;
        }
    }
    fclose(f);
    return rc;
}

/* Prints DIR/<name>.html to the PDF `path`, unless another print of it finished first. Prints
 * of one document go one at a time: each holds an exclusive lock (flock) on the HTML file while
 * it prints, so a second reader of a PDF not yet printed waits for the first print and then finds
 * its result. Each print goes to a temporary name of its own (mkstemps), renamed over `path`
 * when whole: a reader never sees half a PDF, nor two prints mixed in one file. 0, or -1 with the
 * error in d (a missing HTML file is not an error: the PDF is then simply not there). */
static int print_once(const char *dir, const char *name, const char *path, pg_diags *d)
{
    size_t n = strlen(name);
    char *src = pg_xasprintf("%s/%.*s.html", dir, (int)(n - 4), name);
    int fd = open(src, O_RDONLY | O_CLOEXEC), rc = 0;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        free(src);
        return 0;
    }
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            pg_error(d, src, 0, "cannot lock it to print its PDF: %s", strerror(errno));
            rc = -1;
            break;
        }
    /* printed while this one waited for the lock: that print is the answer */
    if (rc == 0 && stat(path, &st) != 0) {
        char *tmp = pg_xasprintf("%s/.%s.XXXXXX.tmp", dir, name);
        int tfd = mkstemps(tmp, 4);
        if (tfd < 0) {
            pg_error(d, dir, 0, "cannot make a temporary file to print the PDF: %s",
                     strerror(errno));
            rc = -1;
        } else {
            close(tfd);
            rc = pg_print_pdf(src, tmp, d);
            if (rc == 0 && rename(tmp, path) != 0) {
                pg_error(d, path, 0, "cannot keep the printed PDF: %s", strerror(errno));
                rc = -1;
            }
            unlink(tmp); /* a failed print's leftovers; gone already after the rename */
        }
        free(tmp);
    }
    close(fd); /* and the lock with it */
    free(src);
    return rc;
}

static void file_work(doc_job *x)
{
    char *path = pg_xasprintf("%s/%s", x->dir, x->name);
    struct stat st;
    size_t n = strlen(x->name);
    /* the PDF of an HTML file of the directory, printed the first time it is asked for */
    if (stat(path, &st) != 0 && n > 4 && strcmp(x->name + n - 4, ".pdf") == 0 &&
        print_once(x->dir, x->name, path, &x->d) != 0) {
        x->status = 500;
        free(path);
        return;
    }
    int rc = read_whole(path, &x->body);
    x->status = rc == 0 ? 200 : rc == -ENOENT ? 404 : 500;
    if (rc != 0) pg_error(&x->d, NULL, 0, "the bulletin has no document '%s'", x->name);
    free(path);
}

static void work(pg_job *j)
{
    doc_job *x = (doc_job *)j;
    if (x->name)
        file_work(x);
    else
        list_work(x);
}

static void done(pg_job *j)
{
    doc_job *x = (doc_job *)j;
    if (x->status == 200 && x->body) {
        char headers[320];
        snprintf(headers, sizeof headers, "Content-Disposition: attachment; filename=\"%s\"\r\n",
                 x->name);
        pg_reply_send(x->req, 200, type_of(x->name), headers, x->body);
    } else if (x->status == 200) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "documents", x->list);
        x->list = NULL;
        pg_reply_json(x->req, 200, o);
    } else {
        pg_reply_diags(x->req, x->status, "cannot give the bulletin's documents", &x->d, 5);
    }
    pg_blob_unref(x->body);
    cJSON_Delete(x->list);
    pg_diags_free(&x->d);
    free(x->dir), free(x->name), free(x);
}

static void get_documents(pg_call *c)
{
    pg_host *h = c->h;
    int code = pg_period_parse(c->seg[4]);
    char pbuf[PG_PERIOD_BUF], *end;
    long rev = strtol(c->seg[5], &end, 10);
    if (code < 0 || *end || rev <= 0 || rev > 1000000) {
        pg_reply_error(c->req, 400, "expected /bulletins/{scheme}/{period}/{revision}/documents");
        return;
    }
    const char *name = c->nseg == 8 ? c->seg[7] : NULL;
    if (name && (!safe_name(name) || !type_of(name))) {
        pg_reply_error(c->req, 404, "the bulletin has no document '%s'", name);
        return;
    }
    pg_diags d = {0};
    cJSON *b = NULL;
    int rc = pg_publish_find(h->store, c->seg[3], pg_period_format(code, pbuf), (int)rev, &b, &d);
    cJSON_Delete(b);
    if (rc != 0) {
        if (rc == -ENOENT)
            pg_reply_error(c->req, 404, "no bulletin %s %s revision %ld is published", c->seg[3],
                           pbuf, rev);
        else
            pg_reply_diags(c->req, 500, "cannot read the bulletin", &d, 5);
        pg_diags_free(&d);
        return;
    }
    if (h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
        return;
    }
    doc_job *x = pg_xcalloc(1, sizeof *x);
    x->req = c->req;
    x->dir = pg_publish_docs_dir(h->cfg.data_dir, c->seg[3], pbuf, (int)rev);
    x->name = name ? pg_xstrdup(name) : NULL;
    x->job.work = work;
    x->job.done = done;
    x->job.what = "documents";
    pg_pool_submit(h->pool, &x->job);
}

const pg_route pg_documents_routes[] = {
    {PG_HTTP_GET, "bulletins/*/*/*/documents", PG_ROLES_DOCUMENTS, get_documents},
    {PG_HTTP_GET, "bulletins/*/*/*/documents/*", PG_ROLES_DOCUMENTS, get_documents},
    {0, NULL, 0, NULL},
};
