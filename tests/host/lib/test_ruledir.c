/* test_ruledir.c — which files make a rule set, their content hash, the snapshot copy.
 *
 * Every test builds a small rule set in a fresh directory: ruleset.lua, units.csv, a
 * subdirectory with a module, and the debris an editor or an operator leaves beside them. */
#include "htest.h"

#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *root; /* the scratch directory */
    char *dir;  /* root/rules: the rule set */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->root = ht_tmpdir();
    f->dir = ht_ruleset(f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    assert_int_equal(pg_ruledir_remove(f->root), 0);
    free(f->dir);
    free(f->root);
    free(f);
    return 0;
}

static char *listing(const char *dir)
{
    pg_ruledir_file *files;
    int n;
    assert_int_equal(pg_ruledir_scan(dir, &files, &n), 0);
    char *s = calloc(1, 4096);
    for (int i = 0; i < n; i++) {
        strcat(s, files[i].rel);
        strcat(s, " ");
    }
    pg_ruledir_free(files, n);
    return s;
}

static void hash_of(const char *dir, char hex[65])
{
    assert_int_equal(pg_ruledir_hash(dir, hex), 0);
    assert_int_equal(strlen(hex), 64);
}

static void scan_lists_rule_files_only(void **state)
{
    fixture *f = *state;
    ht_write(f->dir, ".ruleset.lua.swp", "vim swap");
    ht_write(f->dir, "ruleset.lua~", "backup");
    ht_write(f->dir, ".#ruleset.lua", "emacs lock");
    ht_write(f->dir, "lib/.#m.lua", "emacs lock");
    ht_write(f->dir, "lib/m.lua~", "backup");
    ht_write(f->dir, "lib/units.csv", "not the top-level units.csv");
    ht_write(f->dir, ".git/hooks.lua", "hidden directory");
    ht_write(f->dir, "notes.txt", "not a rule file");
    char *s = listing(f->dir);
    assert_string_equal(s, "lib/m.lua ruleset.lua units.csv ");
    free(s);
}

static void scan_follows_file_links_not_directory_links(void **state)
{
    fixture *f = *state;
    ht_write(f->root, "shared/common.lua", "return 1\n");
    char *target = ht_path(f->root, "shared/common.lua");
    ht_symlink(target, f->dir, "common.lua");
    ht_symlink("..", f->dir, "lib/loop"); /* would loop forever if followed */
    ht_symlink("/nonexistent/gone.lua", f->dir, "gone.lua");
    char *s = listing(f->dir);
    assert_string_equal(s, "common.lua lib/m.lua ruleset.lua units.csv ");
    free(s);

    /* The directories are listed too, the top one first as "". */
    pg_ruledir_file *files, *dirs;
    int n, nd;
    assert_int_equal(pg_ruledir_scan_dirs(f->dir, &files, &n, &dirs, &nd), 0);
    assert_int_equal(nd, 2);
    assert_string_equal(dirs[0].rel, "");
    assert_string_equal(dirs[1].rel, "lib");
    pg_ruledir_free(files, n);
    pg_ruledir_free(dirs, nd);
    free(target);
}

static void scan_missing_directory(void **state)
{
    fixture *f = *state;
    char *missing = ht_path(f->root, "nope");
    pg_ruledir_file *files;
    int n;
    assert_int_equal(pg_ruledir_scan(missing, &files, &n), -ENOENT);
    char hex[65];
    assert_int_equal(pg_ruledir_hash(missing, hex), -ENOENT);
    free(missing);
}

static void hash_follows_content_only(void **state)
{
    fixture *f = *state;
    char a[65], b[65];
    hash_of(f->dir, a);

    ht_touch(f->dir, "ruleset.lua");                       /* a new mtime */
    ht_replace(f->dir, "units.csv", "id,name\nu1,一局\n"); /* a new inode, same bytes */
    hash_of(f->dir, b);
    assert_string_equal(a, b);

    ht_write(f->dir, ".ruleset.lua.swp", "x");
    ht_write(f->dir, "ruleset.lua~", "x");
    ht_write(f->dir, ".#ruleset.lua", "x");
    hash_of(f->dir, b);
    assert_string_equal(a, b);

    ht_write(f->dir, "lib/m.lua", "return { a = 0.6 }\n");
    hash_of(f->dir, b);
    assert_string_not_equal(a, b);

    /* The same bytes split differently between two files are another rule set. */
    char c[65], d[65];
    ht_write(f->dir, "lib/m.lua", "return");
    ht_write(f->dir, "ruleset.lua", "x");
    hash_of(f->dir, c);
    ht_write(f->dir, "lib/m.lua", "retur");
    ht_write(f->dir, "ruleset.lua", "nx");
    hash_of(f->dir, d);
    assert_string_not_equal(c, d);
}

static void copy_is_exact(void **state)
{
    fixture *f = *state;
    ht_write(f->dir, ".ruleset.lua.swp", "vim swap");
    ht_write(f->dir, "lib/deep/er/x.lua", "return 'deep'\n");
    char *dest = ht_path(f->root, "snap/r1");
    char *parent = ht_path(f->root, "snap");
    assert_int_equal(mkdir(parent, 0755), 0);
    char hex[65], src[65], copied[65];
    hash_of(f->dir, src);
    assert_int_equal(pg_ruledir_copy(f->dir, dest, hex), 0);
    assert_string_equal(hex, src);
    hash_of(dest, copied);
    assert_string_equal(copied, src);

    char *a = listing(f->dir), *b = listing(dest);
    assert_string_equal(a, b);
    free(a);
    free(b);
    const char *rels[] = {"ruleset.lua", "units.csv", "lib/m.lua", "lib/deep/er/x.lua"};
    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
        char *x = ht_read(f->dir, rels[i]), *y = ht_read(dest, rels[i]);
        assert_non_null(y);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    char *swp = ht_read(dest, ".ruleset.lua.swp");
    assert_null(swp);

    /* The destination must be new; a refused or failed copy leaves nothing behind. */
    assert_int_equal(pg_ruledir_copy(f->dir, dest, hex), -EEXIST);
    char *missing = ht_path(f->root, "nope");
    char *dest2 = ht_path(f->root, "snap/r2");
    assert_int_equal(pg_ruledir_copy(missing, dest2, hex), -ENOENT);
    struct stat st;
    assert_int_equal(lstat(dest2, &st), -1);
    /* Exactly one entry in snap/, r1: no "r2.tmp-XXXXXX" left over. */
    DIR *dp = opendir(parent);
    assert_non_null(dp);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(dp)))
        if (e->d_name[0] != '.') {
            assert_string_equal(e->d_name, "r1");
            entries++;
        }
    closedir(dp);
    assert_int_equal(entries, 1);
    free(missing);
    free(dest2);
    free(dest);
    free(parent);
}

static void copy_of_linked_file_holds_the_content(void **state)
{
    fixture *f = *state;
    ht_write(f->root, "shared/common.lua", "return 'shared'\n");
    char *target = ht_path(f->root, "shared/common.lua");
    ht_symlink(target, f->dir, "common.lua");
    char *dest = ht_path(f->root, "snap");
    char hex[65];
    assert_int_equal(pg_ruledir_copy(f->dir, dest, hex), 0);
    char *p = ht_path(dest, "common.lua");
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISREG(st.st_mode)); /* a file, so the snapshot stays what it was */
    char *text = ht_read(dest, "common.lua");
    assert_string_equal(text, "return 'shared'\n");
    free(text);
    free(p);
    free(dest);
    free(target);
}

static void remove_does_not_follow_links(void **state)
{
    fixture *f = *state;
    ht_write(f->root, "keep/precious.lua", "return 1\n");
    char *target = ht_path(f->root, "keep");
    ht_symlink(target, f->dir, "lib/keep");
    assert_int_equal(pg_ruledir_remove(f->dir), 0);
    struct stat st;
    assert_int_equal(lstat(f->dir, &st), -1);
    char *text = ht_read(f->root, "keep/precious.lua");
    assert_string_equal(text, "return 1\n");
    free(text);
    assert_int_equal(pg_ruledir_remove(f->dir), -ENOENT);
    free(target);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(scan_lists_rule_files_only, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_follows_file_links_not_directory_links, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(scan_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(hash_follows_content_only, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_of_linked_file_holds_the_content, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_does_not_follow_links, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
