/* plugin.h — the C plugin ABI: shared objects that pinggu loads at run time (DESIGN.md,
 * "Plugins").
 *
 * A plugin exports one function, PG_PLUGIN_ENTRY ("pinggu_plugin_entry"), returning a static
 * descriptor: the ABI version it was built for, its name, and what it registers — exporters
 * (a format name and a function that writes a bulletin's document model into a directory),
 * and, declared for later, source readers and scoring functions. A plugin includes this
 * header only: it gets everything through the arguments (bulletin_model.h is plain data), so
 * it links nothing of the core and the binary exports no symbols for it.
 *
 * Versioning: `abi` is the first field and is checked before anything else is read. Any
 * change to this header or to bulletin_model.h that moves a field bumps PG_PLUGIN_ABI; a
 * plugin built for another version is refused with a message saying both versions.
 *
 * Plugins are looked up in $PINGGU_PLUGIN_DIR if set, else in plugins/ next to the pinggu
 * binary (the build writes them to build/plugins/). */
#ifndef PG_PLUGIN_H
#define PG_PLUGIN_H

#include "bulletin_model.h"

#include <stddef.h>
#include <stdio.h>

#define PG_PLUGIN_ABI 1
#define PG_PLUGIN_ENTRY "pinggu_plugin_entry"

/* Writes the bulletin into the existing directory `dir` (files named from b->basename) and
 * prints each path written to `list` when it is not NULL. Returns 0, or a negative errno with
 * a message in err (errlen bytes, NUL-terminated). */
typedef int (*pg_export_fn)(const pg_bulletin *b, const char *dir, FILE *list, char *err,
                            size_t errlen);

typedef struct {
    const char *format; /* "xlsx": what --format names */
    const char *desc;   /* one line for listings */
    pg_export_fn write;
} pg_plugin_exporter;

/* Declared for later plugins (e.g. a PostgreSQL source, a scoring method in C); pinggu does
 * not call these yet. `open` and `score` are opaque until their interfaces are fixed. */
typedef struct {
    const char *source; /* the rule set's source name it reads */
    void *(*open)(const char *location, char *err, size_t errlen);
    void *reserved[4];
} pg_plugin_reader;

typedef struct {
    const char *method; /* the method name rules would use */
    double (*score)(double value, double n, const double *params, int nparams);
    void *reserved[4];
} pg_plugin_scorer;

typedef struct {
    int abi; /* PG_PLUGIN_ABI of the plugin's build: always the first field */
    const char *name, *version;
    const pg_plugin_exporter *exporters;
    int nexporters;
    const pg_plugin_reader *readers;
    int nreaders;
    const pg_plugin_scorer *scorers;
    int nscorers;
} pg_plugin;

typedef const pg_plugin *(*pg_plugin_entry_fn)(void);

/* Marks the entry point exported even when a plugin hides its other symbols
 * (-fvisibility=hidden, as plugins/ builds them):
 *     PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void) { return &me; } */
#define PG_PLUGIN_EXPORT __attribute__((visibility("default")))

/* ---- the host side (plugin.c) ---- */

typedef struct pg_plugins pg_plugins;

/* The plugin directory: $PINGGU_PLUGIN_DIR, else <dir of the running binary>/plugins.
 * malloc'd. */
char *pg_plugin_dir(void);

/* Loads every *.so in dir (NULL: pg_plugin_dir()). Never fails: files that do not load (not
 * a plugin, a library missing, a wrong ABI) are remembered with the reason and reported by
 * pg_plugins_find when nothing else provides the format. */
pg_plugins *pg_plugins_load(const char *dir);
void pg_plugins_free(pg_plugins *ps);

/* The exporter for `format`, or NULL with a message in why (why_len bytes) that says what was
 * looked for, where, and what each plugin file said. */
const pg_plugin_exporter *pg_plugins_find(const pg_plugins *ps, const char *format, char *why,
                                          size_t why_len);

/* Checks a descriptor an entry point returned; returns 0, or -EPROTO with a message. */
int pg_plugin_check(const pg_plugin *p, const char *file, char *err, size_t errlen);

#endif
