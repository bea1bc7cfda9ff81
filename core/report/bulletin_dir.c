/* bulletin_dir.c — writing a bulletin's documents into a directory (see report.h).
 *
 * Removing a directory tree is core/base/ruledir.c's; the include reaches across because that
 * module still lives with the host (see snapshot.c). */
#include "report.h"

#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pg_bulletin_write_dir(const pg_result *res, const pg_dataset *ds, const pg_bl_issue *issue,
                          const char *dest, int replace, pg_diags *d)
{
    struct stat st;
    if (!replace && stat(dest, &st) == 0) return 0;
    char *parent = pg_xstrdup(dest), *slash = strrchr(parent, '/');
    if (slash) *slash = 0;
    if (slash && mkdir(parent, 0755) != 0 && errno != EEXIST) {
        pg_error(d, parent, 0, "cannot create: %s", strerror(errno));
        free(parent);
        return -errno;
    }
    free(parent);
    pg_bulletin *b = pg_bulletin_of(res, ds);
    if (issue) pg_bulletin_issue(b, issue);
    char *annex = pg_issues_html(b); /* 附件4 问题清单 (issues_list.c) */
    int rc = 0;
    char *tmp = pg_xasprintf("%s.tmp-XXXXXX", dest), *old = pg_xasprintf("%s.old-XXXXXX", dest);
    if (!mkdtemp(tmp))
        rc = -errno;
    else if ((rc = pg_bulletin_html_with(b, annex, tmp, NULL)) == 0 &&
             (rc = pg_bulletin_csv(b, tmp, NULL)) == 0 &&
             (rc = pg_doc_write_dir(res->rs, tmp, d)) == 0) {
        /* the previous version moves aside first: rename() cannot replace a full directory */
        int made = replace && mkdtemp(old), had = made && rename(dest, old) == 0;
        if (made && !had) rmdir(old); /* there was no previous version */
        if (rename(tmp, dest) != 0) rc = -errno;
        if (had) pg_ruledir_remove(old);
        if (rc == -EEXIST || rc == -ENOTEMPTY) rc = 0; /* written meanwhile by another */
    }
    if (rc != 0) {
        pg_error(d, dest, 0, "cannot write the documents: %s", strerror(-rc));
        pg_ruledir_remove(tmp);
    } else {
        pg_ruledir_remove(tmp); /* gone when renamed; left over when another was first */
    }
    free(tmp), free(old), free(annex);
    pg_bulletin_free(b);
    return rc;
}
