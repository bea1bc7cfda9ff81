/* test_attrib.c — who made a rule edit (host/attrib.c): the files that differ between a snapshot
 * and the directory; the owner of a changed file when the directory is no git work tree or the
 * change is not committed; the latest commit's author when it is committed and unchanged since;
 * nobody when nothing changed. The git cases are skipped (passing) when git is absent. */
#include "htest.h"

#include "attrib.h"
#include "base.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *root, *before, *dir;

static int setup(void **state)
{
    (void)state;
    root = ht_tmpdir();
    before = ht_path(root, "snapshot");
    dir = ht_path(root, "rules");
    const char *files[] = {"ruleset.lua", "units.csv", "lib/m.lua"};
    for (int i = 0; i < 3; i++) {
        ht_write(before, files[i], "-- v1\n");
        ht_write(dir, files[i], "-- v1\n");
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pg_ruledir_remove(root);
    free(root), free(before), free(dir);
    return 0;
}

static char *owner(void)
{
    struct passwd *pw = getpwuid(geteuid());
    return pg_xasprintf("file-owner:%s", pw ? pw->pw_name : "?");
}

static void changed_files(void **state)
{
    (void)state;
    char **v;
    assert_int_equal(pg_rule_files_changed(before, dir, &v), 0);
    free(v);
    ht_replace(dir, "lib/m.lua", "-- v2\n");
    ht_write(dir, "extra.lua", "-- new\n");
    ht_write(before, "gone.lua", "-- old\n");
    int n = pg_rule_files_changed(before, dir, &v);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "extra.lua");
    assert_string_equal(v[1], "gone.lua");
    assert_string_equal(v[2], "lib/m.lua");
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
    /* back as they were for the next test */
    ht_replace(dir, "lib/m.lua", "-- v1\n");
    char *p = ht_path(dir, "extra.lua"), *q = ht_path(before, "gone.lua");
    unlink(p), unlink(q);
    free(p), free(q);
}

static void nobody_without_a_change(void **state)
{
    (void)state;
    assert_null(pg_attribute(dir, before));
}

static void the_owner_outside_git(void **state)
{
    (void)state;
    ht_replace(dir, "ruleset.lua", "-- v2\n");
    char *who = pg_attribute(dir, before), *want = owner();
    assert_non_null(who);
    assert_string_equal(who, want);
    free(who), free(want);
}

static int git(const char *args)
{
    char *cmd = pg_xasprintf("git -C '%s' -c user.name=Setup -c user.email=setup@example.org %s "
                             ">/dev/null 2>&1",
                             dir, args);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

static void the_commit_author_in_git(void **state)
{
    (void)state;
    if (system("git --version >/dev/null 2>&1") != 0) skip();
    assert_int_equal(git("init -q"), 0);
    assert_int_equal(git("add -A"), 0);
    assert_int_equal(git("commit -q -m start --author='Alice <alice@example.org>'"), 0);
    /* ruleset.lua differs from the snapshot and is committed as it is: Alice */
    char *who = pg_attribute(dir, before);
    assert_non_null(who);
    assert_string_equal(who, "git:Alice <alice@example.org>");
    free(who);
    /* edited since the commit: the commit does not say who; the owner does */
    ht_replace(dir, "ruleset.lua", "-- v3\n");
    char *want = owner();
    who = pg_attribute(dir, before);
    assert_string_equal(who, want);
    free(who);
    /* committed by Bob: Bob, though Alice made the first commit */
    assert_int_equal(git("commit -q -a -m v3 --author='Bob <bob@example.org>'"), 0);
    who = pg_attribute(dir, before);
    assert_string_equal(who, "git:Bob <bob@example.org>");
    free(who), free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(changed_files),
        cmocka_unit_test(nobody_without_a_change),
        cmocka_unit_test(the_owner_outside_git),
        cmocka_unit_test(the_commit_author_in_git),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
