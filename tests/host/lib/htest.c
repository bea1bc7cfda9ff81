/* htest.c — the helpers of htest.h. */
#include "htest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *ht_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/pg-hostlib-XXXXXX", base && base[0] ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    return strdup(path);
}

char *ht_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static void make_parents(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
}

static void write_path(char *path, const char *text)
{
    make_parents(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

void ht_write(const char *dir, const char *rel, const char *text)
{
    char *path = ht_path(dir, rel);
    write_path(path, text);
    free(path);
}

char *ht_ruleset(const char *root)
{
    char *dir = ht_path(root, "rules");
    ht_write(dir, "ruleset.lua", "return { weight = 1 }\n");
    ht_write(dir, "units.csv", "id,name\nu1,一局\n");
    ht_write(dir, "lib/m.lua", "return 1\n");
    return dir;
}

void ht_symlink(const char *target, const char *dir, const char *rel)
{
    char *path = ht_path(dir, rel);
    assert_int_equal(symlink(target, path), 0);
    free(path);
}

void ht_replace(const char *dir, const char *rel, const char *text)
{
    char *path = ht_path(dir, rel);
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    snprintf(tmp, n, "%s.saving", path);
    write_path(tmp, text);
    assert_int_equal(rename(tmp, path), 0);
    free(tmp);
    free(path);
}

void ht_touch(const char *dir, const char *rel)
{
    char *path = ht_path(dir, rel);
    assert_int_equal(utimensat(AT_FDCWD, path, NULL, 0), 0);
    free(path);
}

char *ht_read(const char *dir, const char *rel)
{
    char *path = ht_path(dir, rel);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0)
        if ((n += r) == cap - 1) buf = realloc(buf, cap *= 2);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* ht_run_until's state. A callback that meets the condition runs at the start of a loop turn,
 * and the same turn would then block in poll until the next timer; the prepare handle, which
 * runs just before the poll, stops the loop so that the poll does not wait. */
typedef struct {
    uv_timer_t safety;
    uv_prepare_t check;
    const int *count;
    int target;
    int expired;
    int open; /* handles not closed yet */
} waiter;

static int waiter_done(const waiter *w)
{
    return w->expired || (w->count && *w->count >= w->target);
}

static void on_safety(uv_timer_t *t)
{
    waiter *w = t->data;
    w->expired = 1;
    uv_stop(t->loop);
}

static void on_check(uv_prepare_t *p)
{
    if (waiter_done(p->data)) uv_stop(p->loop);
}

static void on_waiter_closed(uv_handle_t *h)
{
    ((waiter *)h->data)->open--;
}

void ht_run_until(uv_loop_t *loop, const int *count, int target, unsigned ms)
{
    waiter w = {.count = count, .target = target, .open = 2};
    uv_timer_init(loop, &w.safety);
    uv_prepare_init(loop, &w.check);
    w.safety.data = w.check.data = &w;
    uv_timer_start(&w.safety, on_safety, ms, 0);
    uv_prepare_start(&w.check, on_check);
    while (!waiter_done(&w)) uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&w.safety, on_waiter_closed);
    uv_close((uv_handle_t *)&w.check, on_waiter_closed);
    /* The handles live on this stack: see their close through before returning. */
    while (w.open > 0) uv_run(loop, UV_RUN_NOWAIT);
}

void ht_loop_close(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT); /* runs the pending close callbacks, then finds nothing */
    assert_int_equal(uv_loop_close(loop), 0);
}
