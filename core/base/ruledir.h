/* ruledir.h — the files that make up a rule set directory, their content hash, and a copy.
 *
 * A rule set is every regular file named *.lua under the directory (any depth) plus the
 * top-level units.csv. Hidden names (".x.lua.swp", ".#x.lua") and editor backups ("x.lua~")
 * are not part of it, at any depth, so an editor's temporary files never trigger a reload or
 * enter a snapshot; neither is anything under a hidden directory (".git/"). A symbolic link to a
 * file counts as that file (an operator may link a shared file into several sets), but a link to
 * a directory is never followed, so a link cannot make the walk loop. Plain blocking file I/O: a
 * rule set is a few dozen small files, and the host calls these from the loop thread (scan, hash)
 * or from a pool thread (copy). */
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
/* The same listing, and also the directories a rule file could be in, sorted, the top one first
 * as "" (size 0; their mtime and inode tell a directory replaced under the same name). The
 * watcher uses them to know which directories to watch. Free both with pg_ruledir_free(). */
int pg_ruledir_scan_dirs(const char *dir, pg_ruledir_file **files, int *n, pg_ruledir_file **dirs,
                         int *ndirs);

/* SHA-256 (64 hex digits and a NUL into `hex`) over the sorted (rel, content) pairs: equal
 * content gives an equal hash whatever the times and inodes. Returns 0 or a negative errno.
 * A file that vanishes between the listing and the read gives -ENOENT: the caller retries
 * on its next scan. */
int pg_ruledir_hash(const char *dir, char hex[65]);
/* The same hash over a listing already made by pg_ruledir_scan() (the watcher hashes exactly the
 * files it has just compared). */
int pg_ruledir_hash_files(const char *dir, const pg_ruledir_file *files, int n, char hex[65]);

/* Copies the rule set's files into `dest` (created, with subdirectories as needed; it must not
 * exist yet) and writes the hash of what was copied into `hex`: the snapshot is then exactly
 * the content that hash names even if the source changes during the copy. Returns 0 or a
 * negative errno; on failure `dest` is removed. */
int pg_ruledir_copy(const char *dir, const char *dest, char hex[65]);

/* Removes a directory tree (a snapshot). Returns 0 or a negative errno. */
int pg_ruledir_remove(const char *dir);

#endif
