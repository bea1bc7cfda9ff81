/* evidence.c — the files behind self-reports, content-addressed at DATA/evidence/<sha256>.
 *
 * The bytes go to a temporary file in the same directory, are fsynced, and are renamed into
 * place (then the directory is fsynced), so a crash leaves either no file or the whole file;
 * the row in `evidence` is written after the file, with its audit entry, so a row always
 * names bytes that are there. The same bytes again (any name) change nothing, except that a
 * unit uploading them becomes one of their owners (evidence_owner): a unit's self-report cites
 * only evidence it uploaded itself, so that no unit claims another's materials by their hash. */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_EVIDENCE (64L << 20)

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        p += n, len -= (size_t)n;
    }
    return 0;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) fsync(fd), close(fd);
}

static void hex_sha256(const void *data, size_t len, char hash[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n && i < 32; i++) snprintf(hash + 2 * i, 3, "%02x", md[i]);
    hash[64] = '\0';
}

/* A name as uploaded must be a plain file name: it is shown, never used as a path. */
static int plain_name(const char *name)
{
    return name && *name && strlen(name) < 256 && !strchr(name, '/') && strcmp(name, ".") &&
           strcmp(name, "..") && !strpbrk(name, "\r\n");
}

int pg_evidence_put(pg_store *st, const char *datadir, const char *name, const void *data,
                    size_t len, const char *actor, const char *unit, char hash[65], pg_diags *d)
{
    if (!plain_name(name)) {
        pg_error(d, NULL, 0, "evidence name '%s': a plain file name, like 证明材料.pdf",
                 name ? name : "");
        return -EINVAL;
    }
    if (len == 0 || (long)len > MAX_EVIDENCE) {
        pg_error(d, NULL, 0, "evidence '%s': %s", name,
                 len ? "larger than 64 MB" : "the file is empty");
        return -EINVAL;
    }
    hex_sha256(data, len, hash);
    char *dir = pg_xasprintf("%s/evidence", datadir);
    char *path = pg_xasprintf("%s/%s", dir, hash);
    char *tmp = pg_xasprintf("%s/.%s.%ld.tmp", dir, hash, (long)getpid());
    int rc = 0;
    struct stat sb;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rc = -errno;
    } else if (stat(path, &sb) != 0 || sb.st_size != (off_t)len) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            rc = -errno;
        else {
            rc = write_all(fd, data, len);
            if (rc == 0 && fsync(fd) != 0) rc = -errno;
            if (close(fd) != 0 && rc == 0) rc = -errno;
            if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
            if (rc != 0) unlink(tmp);
            if (rc == 0) sync_dir(dir);
        }
    }
    if (rc != 0) pg_error(d, dir, 0, "cannot keep evidence '%s': %s", name, strerror(-rc));
    char now[32];
    pg_store_now(now);
    if (rc == 0) rc = pg_store_begin(st, d);
    if (rc == 0) {
        sqlite3_stmt *s;
        rc = pg_store_prepare(st,
                              "INSERT OR IGNORE INTO evidence (hash, name, type, bytes, stored_by,"
                              " stored_at) VALUES (?, ?, NULL, ?, ?, ?)",
                              &s, d);
        if (rc == 0) {
            sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, (sqlite3_int64)len);
            sqlite3_bind_text(s, 4, actor, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "recording evidence", d);
            sqlite3_finalize(s);
        }
        int added = rc == 0 && sqlite3_changes(pg_store_db(st)) == 1;
        if (rc == 0 && unit) {
            rc = pg_store_prepare(
                st, "INSERT OR IGNORE INTO evidence_owner (hash, unit) VALUES (?, ?)", &s, d);
            if (rc == 0) {
                sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 2, unit, -1, SQLITE_STATIC);
                if (sqlite3_step(s) != SQLITE_DONE)
                    rc = pg_store_fail(st, "recording who uploaded evidence", d);
                else
                    added |= sqlite3_changes(pg_store_db(st)) == 1;
                sqlite3_finalize(s);
            }
        }
        if (rc == 0 && added) {
            char object[80], u[160] = "";
            if (unit) {
                cJSON *js = cJSON_CreateString(unit);
                char *q = cJSON_PrintUnformatted(js);
                snprintf(u, sizeof u, ",\"unit\":%s", q);
                free(q), cJSON_Delete(js);
            }
            char *after = pg_xasprintf("{\"hash\":\"%s\",\"bytes\":%ld%s}", hash, (long)len, u);
            snprintf(object, sizeof object, "evidence/%s", hash);
            rc = pg_audit_append(st, actor, "evidence.store", object, NULL, after, d);
            free(after);
        }
        if (rc == 0) rc = pg_store_commit(st, d);
        if (rc != 0) pg_store_rollback(st);
    }
    free(dir), free(path), free(tmp);
    return rc;
}

int pg_evidence_put_file(pg_store *st, const char *datadir, const char *path, const char *actor,
                         const char *unit, char hash[65], pg_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        pg_error(d, path, 0, "cannot read the evidence file: %s", strerror(e));
        return -EINVAL;
    }
    size_t cap = 1 << 16, len = 0, n;
    char *buf = pg_xmalloc(cap);
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len > (size_t)MAX_EVIDENCE) break;
        if (len == cap) buf = pg_xrealloc(buf, cap *= 2);
    }
    int err = ferror(f);
    fclose(f);
    const char *base = strrchr(path, '/');
    int rc =
        err ? (pg_error(d, path, 0, "cannot read the evidence file"), -EIO)
            : pg_evidence_put(st, datadir, base ? base + 1 : path, buf, len, actor, unit, hash, d);
    free(buf);
    return rc;
}
