/* revision.c — the revision of a rule set: SHA-256 over every file that was loaded and
 * units.csv, each as "path NUL content NUL" in load order. Two directories with the same
 * files give the same revision; any edit gives a new one. */
#include "rules.h"

#include <errno.h>
#include <stdlib.h>
#include <sha2.h>
#include <string.h>

static int hash_file(SHA2_CTX *ctx, const char *dir, const char *rel, pg_diags *d)
{
    char *path = pg_xasprintf("%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        pg_error(d, path, 0, "cannot read: %s", strerror(errno));
        free(path);
        return -errno;
    }
    SHA256Update(ctx, (const uint8_t *)rel, strlen(rel) + 1);
    unsigned char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) SHA256Update(ctx, buf, n);
    SHA256Update(ctx, (const uint8_t *)"", 1);
    fclose(f);
    free(path);
    return 0;
}

int pg_revision_compute(pg_ruleset *rs, pg_diags *d)
{
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    const char *const *files;
    int n = pg_sandbox_files(rs->sb, &files);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) rc = hash_file(&ctx, rs->fsdir, files[i], d);
    if (rc == 0) rc = hash_file(&ctx, rs->fsdir, "units.csv", d);
    SHA256End(&ctx, rs->revision);
    return rc;
}
