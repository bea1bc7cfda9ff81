/* wrongabi.c — a plugin built for another ABI version than this pinggu's, exporting the format
 * "wrongabi": `pinggu report --format wrongabi` must refuse it with a message naming both
 * versions, and never call its exporter. */
#include "plugin.h"

static int never(const pg_bulletin *b, const char *dir, FILE *list, char *err, size_t errlen)
{
    (void)b;
    (void)dir;
    fputs("the exporter of a refused plugin was called\n", list ? list : stdout);
    snprintf(err, errlen, "called");
    return -1;
}

static const pg_plugin_exporter exporters[] = {{"wrongabi", "never called", never}};

static const pg_plugin plugin = {
    .abi = PG_PLUGIN_ABI + 1,
    .name = "wrongabi",
    .version = "0",
    .exporters = exporters,
    .nexporters = 1,
};

PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void);
PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void)
{
    return &plugin;
}
