/* ruledir.h — the files that make up a rule set directory, their content hash, and a copy.
 *
 * A rule set is every regular file named *.lua under the directory (any depth) plus the
 * top-level units.csv. Hidden names (".x.lua.swp", ".#x.lua") and editor backups ("x.lua~")
 * are not part of it, at any depth, so an editor's temporary files never trigger a reload or
 * enter a snapshot. Plain blocking file I/O: a rule set is a few dozen small files, and the
 * host calls these from the loop thread (scan, hash) or from a pool thread (copy). */
#ifndef PG_RULEDIR_H
#define PG_RULEDIR_H

#include <stdint.h>

typedef struct {
    char *rel; /* path relative to the directory, '/'-separated, e.g. "monitoring.lua" */
    int64_t size;
    int64_t mtime_ns; /* modification time, nanoseconds */
    uint64_t ino;
} pg_ruledir_file;

/* Lists the rule set's files, sorted by `rel`. Returns 0 or a negative errno (e.g. -ENOENT
 * when `dir` does not exist). The caller frees with pg_ruledir_free(). */
int pg_ruledir_scan(const char *dir, pg_ruledir_file **files, int *n);
void pg_ruledir_free(pg_ruledir_file *files, int n);

/* SHA-256 (64 hex digits and a NUL into `hex`) over the sorted (rel, content) pairs: equal
 * content gives an equal hash whatever the times and inodes. Returns 0 or a negative errno.
 * A file that vanishes between the listing and the read gives -ENOENT: the caller retries
 * on its next scan. */
int pg_ruledir_hash(const char *dir, char hex[65]);

/* Copies the rule set's files into `dest` (created, with subdirectories as needed; it must not
 * exist yet) and writes the hash of what was copied into `hex`: the snapshot is then exactly
 * the content that hash names even if the source changes during the copy. Returns 0 or a
 * negative errno; on failure `dest` is removed. */
int pg_ruledir_copy(const char *dir, const char *dest, char hex[65]);

/* Removes a directory tree (a snapshot). Returns 0 or a negative errno. */
int pg_ruledir_remove(const char *dir);

#endif
