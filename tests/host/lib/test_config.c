/* test_config.c — the host's configuration file (host/config.c): every setting read, unknown
 * keys and wrong types refused with the key's path, tokens checked by their hash only. */
#include "htest.h"

#include "config.h"
#include "base.h"

#include <sha2.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = ht_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pg_ruledir_remove(dir);
    free(dir);
    return 0;
}

static const char *hash_of(const char *secret, char hex[65])
{
    return SHA256Data((const uint8_t *)secret, strlen(secret), hex);
}

/* Loads `json` as a config file; returns the rc, with the diagnostics in *d. */
static int load(const char *json, pg_config *c, pg_diags *d)
{
    ht_write(dir, "pinggu.json", json);
    char *path = ht_path(dir, "pinggu.json");
    pg_config_defaults(c);
    int rc = pg_config_load(c, path, d);
    free(path);
    return rc;
}

static int has_error(const pg_diags *d, const char *text)
{
    for (int i = 0; i < d->n; i++)
        if (d->v[i].sev == PG_ERROR && strstr(d->v[i].msg, text)) return 1;
    return 0;
}

static void every_setting(void **state)
{
    (void)state;
    char a[65], u[65], json[2048];
    snprintf(json, sizeof json,
             "{\"listen\": \"0.0.0.0:9090\", \"rules\": \"r\", \"data_dir\": \"d\", \"pool\": 3,"
             " \"body_limit_mb\": 2, \"read_timeout_ms\": 500, \"idle_timeout_ms\": 700,"
             " \"lua\": {\"instructions\": 5000, \"memory_mb\": 8},"
             " \"reload\": {\"debounce_ms\": 10, \"rescan_ms\": 300}, \"log_level\": \"warn\","
             " \"rule_edits\": {\"approval\": \"two_person\"},"
             " \"tokens\": [{\"name\": \"ops\", \"role\": \"admin\", \"sha256\": \"%s\"},"
             " {\"role\": \"unit\", \"unit\": \"lufeng\", \"sha256\": \"%s\"}]}",
             hash_of("secret-a", a), hash_of("secret-u", u));
    pg_config c;
    pg_diags d = {0};
    assert_int_equal(load(json, &c, &d), 0);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9090);
    assert_int_equal(c.nrules, 1);
    assert_string_equal(c.rules[0], "r");
    assert_string_equal(c.data_dir, "d");
    assert_int_equal(c.pool, 3);
    assert_int_equal(c.http.max_body, 2u << 20);
    assert_int_equal(c.http.read_ms, 500);
    assert_int_equal(c.http.idle_ms, 700);
    assert_int_equal(c.lua_instructions, 5000);
    assert_int_equal(c.lua_memory_mb, 8);
    assert_int_equal(c.debounce_ms, 10);
    assert_int_equal(c.rescan_ms, 300);
    assert_int_equal(c.log_level, 2);
    assert_int_equal(c.two_person, 1);
    assert_int_equal(c.ntokens, 2);

    const pg_token *t = pg_config_token(&c, "Bearer secret-a");
    assert_non_null(t);
    assert_string_equal(t->name, "ops");
    assert_int_equal(t->role, PG_ROLE_ADMIN);
    t = pg_config_token(&c, "bearer   secret-u");
    assert_non_null(t);
    assert_int_equal(t->role, PG_ROLE_UNIT);
    assert_string_equal(t->unit, "lufeng");
    assert_string_equal(t->name, "tokens[1]");
    assert_null(pg_config_token(&c, "Bearer secret-x"));
    assert_null(pg_config_token(&c, "Bearer "));
    assert_null(pg_config_token(&c, "Basic secret-a"));
    assert_null(pg_config_token(&c, NULL));
    /* the secret itself is nowhere in the configuration */
    assert_null(pg_config_token(&c, a));
    pg_config_free(&c);
    pg_diags_free(&d);
}

static void mistakes_name_their_key(void **state)
{
    (void)state;
    static const struct {
        const char *json, *error;
    } cases[] = {
        {"{\"listne\": \"x\"}", "listne: unknown setting"},
        {"{\"lua\": {\"memroy_mb\": 3}}", "lua.memroy_mb: unknown setting"},
        {"{\"pool\": 0}", "pool: expected a whole number from 1 to 64"},
        {"{\"pool\": 1.5}", "pool: expected a whole number"},
        {"{\"rules\": 7}", "rules: expected a directory or a list of directories"},
        {"{\"rules\": []}", "rules: expected a directory or a list of directories"},
        {"{\"rules\": [\"a\", 7]}", "rules[1]: expected a directory name"},
        {"{\"listen\": \"nowhere\"}", "listen: 'nowhere' is not HOST:PORT"},
        {"{\"log_level\": \"loud\"}", "log_level: 'loud' is not"},
        {"{\"rule_edits\": {\"approval\": \"two\"}}",
         "rule_edits.approval: \"two\" must be \"none\""},
        {"{\"rule_edits\": {\"aproval\": \"none\"}}", "rule_edits.aproval: unknown setting"},
        {"{\"rule_edits\": \"two_person\"}", "rule_edits: expected { approval }"},
        {"{\"tokens\": {}}", "tokens: expected an array"},
        {"{\"tokens\": [{\"role\": \"admn\", \"sha256\": \"00\"}]}", "'admn' is not a role"},
        {"{\"tokens\": [{\"role\": \"admin\", \"sha256\": \"00\"}]}",
         "tokens[0].sha256: expected 64 hex digits"},
        {"{\"tokens\": [{\"role\": \"admin\"}]}", "tokens[0].sha256: missing"},
        {"{\"tokens\": [{\"role\": \"unit\", \"sha256\": "
         "\"0000000000000000000000000000000000000000000000000000000000000000\"}]}",
         "a unit token needs \"unit\""},
        {"{\"tokens\": [{\"role\": \"admin\", \"unit\": \"x\", \"sha256\": "
         "\"0000000000000000000000000000000000000000000000000000000000000000\"}]}",
         "only a unit token is bound to a unit"},
        {"{\"tokens\": [{\"role\": \"admin\", \"sha256\": "
         "\"0000000000000000000000000000000000000000000000000000000000000000\"}, {\"role\": "
         "\"viewer\", \"sha256\": "
         "\"0000000000000000000000000000000000000000000000000000000000000000\"}]}",
         "the same secret as tokens[0]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pg_config c;
        pg_diags d = {0};
        assert_int_not_equal(load(cases[i].json, &c, &d), 0);
        if (!has_error(&d, cases[i].error)) {
            pg_diags_print(&d, stderr);
            fail_msg("%s: expected an error containing \"%s\"", cases[i].json, cases[i].error);
        }
        pg_config_free(&c);
        pg_diags_free(&d);
    }
}

static void bad_json_gives_line_and_column(void **state)
{
    (void)state;
    pg_config c;
    pg_diags d = {0};
    assert_int_not_equal(load("{\n  \"pool\": 2,\n  \"rules\" \"x\"\n}\n", &c, &d), 0);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.v[0].line, 3);
    assert_true(d.v[0].col > 1);
    pg_config_free(&c);
    pg_diags_free(&d);
}

static void listen_forms(void **state)
{
    (void)state;
    pg_config c;
    pg_config_defaults(&c);
    assert_int_equal(pg_config_listen(&c, ":9000"), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(pg_config_listen(&c, "9001"), 0);
    assert_int_equal(c.listen_port, 9001);
    assert_int_equal(pg_config_listen(&c, "::1:9002"), 0);
    assert_string_equal(c.listen_host, "::1");
    assert_int_not_equal(pg_config_listen(&c, "host:70000"), 0);
    assert_int_not_equal(pg_config_listen(&c, "host:"), 0);
    pg_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_setting),
        cmocka_unit_test(mistakes_name_their_key),
        cmocka_unit_test(bad_json_gives_line_and_column),
        cmocka_unit_test(listen_forms),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
