/* plugin.c — finding and loading C plugins (plugin.h).
 *
 * Each *.so of the plugin directory is opened with RTLD_NOW | RTLD_LOCAL: NOW so that a
 * missing dependency (libxlsxwriter not installed) fails here with the loader's message
 * rather than at the first call, LOCAL so that two plugins' symbols cannot collide. Files are
 * taken in name order, so the first plugin to register a format wins deterministically. A
 * file that fails is kept in the list with its reason: "XLSX is unavailable" is only useful
 * when it says why. Handles stay open until pg_plugins_free, since the descriptors and
 * functions live in them. */
#include "plugin.h"
#include "base.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *file;
    void *handle;
    const pg_plugin *desc; /* NULL when refused */
    char *error;           /* why it was refused, or NULL */
} loaded;

struct pg_plugins {
    char *dir;
    loaded *v;
    int n;
    char *dir_error; /* the directory could not be read */
};

char *pg_plugin_dir(void)
{
    const char *env = getenv("PINGGU_PLUGIN_DIR");
    if (env && *env) return pg_xstrdup(env);
    return pg_beside_executable("plugins");
}

int pg_plugin_check(const pg_plugin *p, const char *file, char *err, size_t errlen)
{
    if (!p) {
        snprintf(err, errlen, "%s: %s() returned no descriptor", file, PG_PLUGIN_ENTRY);
        return -EPROTO;
    }
    if (p->abi != PG_PLUGIN_ABI) {
        snprintf(err, errlen,
                 "%s: refused: built for plugin ABI version %d, this pinggu speaks version %d "
                 "(rebuild the plugin against this core/plugin/include/plugin.h)",
                 file, p->abi, PG_PLUGIN_ABI);
        return -EPROTO;
    }
    if (!p->name || p->nexporters < 0 || (p->nexporters && !p->exporters)) {
        snprintf(err, errlen, "%s: refused: the descriptor has no name or a bad exporter list",
                 file);
        return -EPROTO;
    }
    for (int i = 0; i < p->nexporters; i++)
        if (!p->exporters[i].format || !p->exporters[i].write) {
            snprintf(err, errlen, "%s: refused: exporter %d has no format or function", file, i);
            return -EPROTO;
        }
    if (p->nreaders < 0 || (p->nreaders && !p->readers)) {
        snprintf(err, errlen, "%s: refused: the descriptor has a bad reader list", file);
        return -EPROTO;
    }
    for (int i = 0; i < p->nreaders; i++) {
        const pg_plugin_reader *r = &p->readers[i];
        if (!r->name || !r->read) {
            snprintf(err, errlen, "%s: refused: reader %d has no name or read function", file, i);
            return -EPROTO;
        }
        /* a slot this pinggu does not call must not be counted on by the plugin */
        for (int k = 0; k < 2; k++)
            if (r->reserved[k]) {
                snprintf(err, errlen,
                         "%s: refused: reader '%s' fills a reserved slot (not in plugin ABI %d)",
                         file, r->name, PG_PLUGIN_ABI);
                return -EPROTO;
            }
        if (!r->dialect != !r->query) {
            snprintf(err, errlen,
                     "%s: refused: reader '%s' declares a push-down dialect without a query "
                     "function, or the other way round",
                     file, r->name);
            return -EPROTO;
        }
    }
    return 0;
}

static void load_one(loaded *l)
{
    char err[512];
    dlerror();
    l->handle = dlopen(l->file, RTLD_NOW | RTLD_LOCAL);
    if (!l->handle) {
        const char *e = dlerror();
        l->error = pg_xstrdup(e ? e : l->file);
        return;
    }
    /* POSIX blesses this conversion from dlsym's void * (dlsym's own rationale). */
    pg_plugin_entry_fn entry;
    void *sym = dlsym(l->handle, PG_PLUGIN_ENTRY);
    memcpy(&entry, &sym, sizeof entry);
    if (!sym) {
        l->error = pg_xasprintf("%s: not a pinggu plugin (no %s symbol)", l->file, PG_PLUGIN_ENTRY);
        return;
    }
    const pg_plugin *p = entry();
    if (pg_plugin_check(p, l->file, err, sizeof err) != 0) {
        l->error = pg_xstrdup(err);
        return;
    }
    l->desc = p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const loaded *)a)->file, ((const loaded *)b)->file);
}

pg_plugins *pg_plugins_load(const char *dir)
{
    pg_plugins *ps = pg_xcalloc(1, sizeof *ps);
    ps->dir = dir ? pg_xstrdup(dir) : pg_plugin_dir();
    DIR *d = opendir(ps->dir);
    if (!d) {
        ps->dir_error =
            pg_xasprintf("cannot read the plugin directory %s: %s", ps->dir, strerror(errno));
        return ps;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0) continue;
        ps->v = pg_xrealloc(ps->v, sizeof(loaded) * (size_t)(ps->n + 1));
        ps->v[ps->n++] = (loaded){pg_xasprintf("%s/%s", ps->dir, e->d_name), NULL, NULL, NULL};
    }
    closedir(d);
    if (ps->n) qsort(ps->v, (size_t)ps->n, sizeof(loaded), by_name);
    for (int i = 0; i < ps->n; i++) load_one(&ps->v[i]);
    return ps;
}

void pg_plugins_free(pg_plugins *ps)
{
    if (!ps) return;
    for (int i = 0; i < ps->n; i++) {
        if (ps->v[i].handle) dlclose(ps->v[i].handle);
        free(ps->v[i].file);
        free(ps->v[i].error);
    }
    free(ps->v);
    free(ps->dir);
    free(ps->dir_error);
    free(ps);
}

/* Why nothing provides `what`: the directory, and what each file that did not load said. */
/* Appends to why at *len, truncating at why_len and keeping *len on the terminator. */
static void appendf(char *why, size_t why_len, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *why, size_t why_len, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= why_len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why + *len, why_len - *len, fmt, ap);
    va_end(ap);
    if (n > 0) *len += (size_t)n < why_len - *len ? (size_t)n : why_len - *len - 1;
}

static void not_found(const pg_plugins *ps, const char *what, char *why, size_t why_len)
{
    size_t len = 0;
    if (why_len) why[0] = 0;
    appendf(why, why_len, &len, "no plugin in %s %s", ps->dir, what);
    if (ps->dir_error) appendf(why, why_len, &len, " (%s)", ps->dir_error);
    for (int i = 0; i < ps->n; i++)
        if (ps->v[i].error) appendf(why, why_len, &len, "; %s", ps->v[i].error);
}

const pg_plugin_exporter *pg_plugins_find(const pg_plugins *ps, const char *format, char *why,
                                          size_t why_len)
{
    for (int i = 0; i < ps->n; i++)
        for (int k = 0; ps->v[i].desc && k < ps->v[i].desc->nexporters; k++)
            if (strcmp(ps->v[i].desc->exporters[k].format, format) == 0)
                return &ps->v[i].desc->exporters[k];
    char what[256];
    snprintf(what, sizeof what, "exports '%s'", format);
    not_found(ps, what, why, why_len);
    return NULL;
}

const pg_plugin_form *pg_plugins_find_form(const pg_plugins *ps, const char *format, char *why,
                                           size_t why_len)
{
    for (int i = 0; i < ps->n; i++)
        for (int k = 0; ps->v[i].desc && k < ps->v[i].desc->nforms; k++)
            if (strcmp(ps->v[i].desc->forms[k].format, format) == 0)
                return &ps->v[i].desc->forms[k];
    char what[256];
    snprintf(what, sizeof what, "writes forms as '%s'", format);
    not_found(ps, what, why, why_len);
    return NULL;
}

const pg_plugin_reader *pg_plugins_find_reader(const pg_plugins *ps, const char *name, char *why,
                                               size_t why_len)
{
    for (int i = 0; i < ps->n; i++)
        for (int k = 0; ps->v[i].desc && k < ps->v[i].desc->nreaders; k++)
            if (strcmp(ps->v[i].desc->readers[k].name, name) == 0)
                return &ps->v[i].desc->readers[k];
    char what[256];
    snprintf(what, sizeof what, "reads sources named '%s'", name);
    not_found(ps, what, why, why_len);
    return NULL;
}
