/* htest.h — shared by the hostlib tests: a scratch directory, small file helpers, and running a
 * libuv loop until something has happened or a safety timeout has passed. */
#ifndef PG_HTEST_H
#define PG_HTEST_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

/* A fresh directory under $TMPDIR (or /tmp); the caller removes it with pg_ruledir_remove()
 * and frees the string. */
char *ht_tmpdir(void);
/* "a/b", freshly allocated. */
char *ht_path(const char *a, const char *b);
/* A small rule set in root/rules (ruleset.lua, units.csv, lib/m.lua); returns that path. */
char *ht_ruleset(const char *root);
/* Makes dir/rel a symbolic link to `target`. */
void ht_symlink(const char *target, const char *dir, const char *rel);
/* Writes `text` to dir/rel in place (truncate and write), creating parent directories. */
void ht_write(const char *dir, const char *rel, const char *text);
/* Writes `text` to a temporary file beside dir/rel and renames it over: an editor's save. */
void ht_replace(const char *dir, const char *rel, const char *text);
/* Sets the modification time of dir/rel to now, content untouched. */
void ht_touch(const char *dir, const char *rel);
/* The content of dir/rel, or NULL when it cannot be read. The caller frees it. */
char *ht_read(const char *dir, const char *rel);

/* Runs the loop until *count >= target or `ms` have passed. With count NULL, runs for `ms`. */
void ht_run_until(uv_loop_t *loop, const int *count, int target, unsigned ms);
/* Closes a loop whose handles are all being closed; fails the test if one is left open. */
void ht_loop_close(uv_loop_t *loop);

#endif
