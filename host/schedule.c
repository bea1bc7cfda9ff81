/* schedule.c — the evaluation calendar and the timer that fires it.
 *
 * The scheduler keeps one thing: the next event to fire. When the clock reaches it, the state
 * file is rewritten with that event's time, the next event is computed from it (not from the
 * clock, so a jump over a year walks every cut-off in between), and the callback runs. The
 * timer is re-armed for the next event but never further than a minute ahead: the real clock
 * is wall time, which NTP or an operator can move, and libuv's timers run on the monotonic
 * clock, so a long sleep would not notice.
 *
 * A daily chore (pg_sched_daily) rides on the same timer and clock, but is not an event: it is
 * not in the state file, and it is called once for a jump however many days it passed.
 *
 * The injected clock is an anchor: the injected time, and the loop time when it was set. It
 * runs at the loop's speed from there, in milliseconds so that a timer never wakes a hair
 * before the event it was armed for. */
#include "schedule.h"

#include "base.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400
/* The longest the timer sleeps before looking at the wall clock again, in ms. */
#define MAX_SLEEP_MS 60000
/* A state file is a line of JSON; anything much bigger is not ours. */
#define MAX_STATE 4096

struct pg_sched {
    uv_loop_t *loop;
    uv_timer_t timer;
    int tz;
    int fake;           /* the injected clock */
    int64_t fake_ms;    /* the injected time at `fake_base`, Unix ms */
    uint64_t fake_base; /* uv_now() when the injected time was set */
    char *state_path;   /* NULL: nothing kept */
    pg_sched_cb cb;
    void *ctx;
    pg_sched_event next;
    pg_sched_daily_cb daily; /* the daily chore, or NULL */
    void *daily_ctx;
    int daily_hour;
    int64_t daily_at; /* its next call, Unix seconds */
    int firing;
    int closing;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t local_midnight(int y, int m, int d)
{
    return (int64_t)pg_days_from_civil(y, m, d) * DAY;
}

void pg_sched_next(int64_t after, int tz_offset, pg_sched_event *ev)
{
    int64_t local = after + tz_offset;
    int y, m, d;
    pg_civil_from_days((long)floor_div(local, DAY), &y, &m, &d);
    /* This month's cut-off if it is still ahead, else next month's; and the close of this
     * year, which is always ahead. The earlier of the two is the next event. */
    int cy = y, cm = m;
    int64_t cut = local_midnight(cy, cm, 26);
    if (local >= cut) {
        if (++cm > 12) {
            cm = 1;
            cy++;
        }
        cut = local_midnight(cy, cm, 26);
    }
    int64_t close = local_midnight(y + 1, 1, 1);
    if (close < cut)
        *ev = (pg_sched_event){close - tz_offset, PG_SCHED_YEAR, y * 100};
    else
        *ev = (pg_sched_event){cut - tz_offset, PG_SCHED_MONTH, cy * 100 + cm};
}

static int64_t now_ms(const pg_sched *s)
{
    if (s->fake) return s->fake_ms + (int64_t)(uv_now(s->loop) - s->fake_base);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pg_sched_now(const pg_sched *s)
{
    return floor_div(now_ms(s), 1000);
}

/* Reads the time of the last fired event; *has = 0 when there is no state file. */
static int load_state(const char *path, int64_t *last, int *has)
{
    *has = 0;
    if (!path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -errno;
    char buf[MAX_STATE];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int rc = -errno;
            close(fd);
            return rc;
        }
        if (r == 0) break;
        len += (size_t)r;
        if (len == sizeof buf) break;
    }
    close(fd);
    if (len == sizeof buf) return -EINVAL;
    cJSON *json = cJSON_ParseWithLength(buf, len);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, "last_fired");
    int rc = -EINVAL;
    /* Whole seconds between 1970 and the year 10000. */
    if (cJSON_IsObject(json) && cJSON_IsNumber(v) && v->valuedouble >= 0 &&
        v->valuedouble < 253402300800.0 && v->valuedouble == (double)(int64_t)v->valuedouble) {
        *last = (int64_t)v->valuedouble;
        *has = 1;
        rc = 0;
    }
    cJSON_Delete(json);
    return rc;
}

/* Writes the state next to the file and renames it over: a crash leaves the old state or the
 * new, never half of one. */
static int save_state(const char *path, const pg_sched_event *ev)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "last_fired", (double)ev->at);
    cJSON_AddNumberToObject(json, "period", ev->period);
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!text) return -ENOMEM;
    char *tmp = pg_xasprintf("%s.tmp-XXXXXX", path);
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = -errno;
    } else {
        size_t len = strlen(text);
        text[len] = '\n'; /* cJSON's terminating NUL becomes the line's end */
        errno = 0;
        if (write(fd, text, len + 1) != (ssize_t)(len + 1)) rc = errno ? -errno : -EIO;
        if (rc == 0 && fsync(fd) != 0) rc = -errno;
        if (close(fd) != 0 && rc == 0) rc = -errno;
        if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
        if (rc < 0) unlink(tmp);
    }
    free(tmp);
    cJSON_free(text);
    return rc;
}

static void on_timer(uv_timer_t *t);

/* The first `daily_hour`:00 in the zone strictly after `after`. */
static int64_t next_daily(const pg_sched *s, int64_t after)
{
    int64_t local = after + s->tz;
    int64_t t = floor_div(local, DAY) * DAY + (int64_t)s->daily_hour * 3600;
    if (t <= local) t += DAY;
    return t - s->tz;
}

static void arm(pg_sched *s)
{
    int64_t at = s->daily && s->daily_at < s->next.at ? s->daily_at : s->next.at;
    int64_t wait = at * 1000 - now_ms(s);
    if (wait < 0) wait = 0;
    if (wait > MAX_SLEEP_MS) wait = MAX_SLEEP_MS;
    uv_timer_start(&s->timer, on_timer, (uint64_t)wait, 0);
}

/* Fires every event that is due, in order, then re-arms. Re-entered from a callback (which
 * moved the clock), it returns at once: the loop below sees the new time. */
static void fire_due(pg_sched *s)
{
    if (s->firing) return;
    s->firing = 1;
    while (!s->closing) {
        int64_t now = now_ms(s);
        int chore = s->daily && s->daily_at * 1000 <= now;
        if (s->next.at * 1000 > now && !chore) break;
        if (chore && s->daily_at <= s->next.at) {
            /* once, however many days a jump passed: the next call is after now */
            int64_t t = floor_div(now, 1000);
            s->daily_at = next_daily(s, t);
            s->daily(s->daily_ctx, t);
            continue;
        }
        pg_sched_event ev = s->next;
        pg_sched_next(ev.at, s->tz, &s->next);
        int rc = s->state_path ? save_state(s->state_path, &ev) : 0;
        if (rc < 0)
            fprintf(stderr, "pinggu: schedule: cannot write %s: %s; firing period %d anyway\n",
                    s->state_path, strerror(-rc), ev.period);
        s->cb(s->ctx, &ev);
    }
    s->firing = 0;
    if (!s->closing) arm(s);
}

static void on_timer(uv_timer_t *t)
{
    fire_due(t->data);
}

int pg_sched_start(uv_loop_t *loop, int tz_offset, int64_t fake_now, const char *state_path,
                   pg_sched_cb cb, void *ctx, pg_sched **out)
{
    if (!loop || !cb || !out) return -EINVAL;
    int64_t last;
    int has;
    int rc = load_state(state_path, &last, &has);
    if (rc < 0) return rc;
    pg_sched *s = pg_xcalloc(1, sizeof *s);
    s->loop = loop;
    s->tz = tz_offset;
    s->cb = cb;
    s->ctx = ctx;
    s->state_path = state_path ? pg_xstrdup(state_path) : NULL;
    if (fake_now >= 0) {
        s->fake = 1;
        s->fake_ms = fake_now * 1000;
        s->fake_base = uv_now(loop);
    }
    if (has) {
        pg_sched_next(last, tz_offset, &s->next);
    } else {
        /* No memory of what fired: the most recent past event is the one missed. Events are
         * never more than 31 days apart, so it follows the start of a 40-day look back. */
        int64_t now = pg_sched_now(s);
        pg_sched_event ev;
        pg_sched_next(now - 40 * DAY, tz_offset, &ev);
        do {
            s->next = ev;
            pg_sched_next(ev.at, tz_offset, &ev);
        } while (ev.at <= now);
    }
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, on_timer, 0, 0);
    *out = s;
    return 0;
}

int pg_sched_set_now(pg_sched *s, int64_t t)
{
    if (!s->fake) return -EPERM;
    int64_t now = now_ms(s);
    if (t < floor_div(now, 1000)) return -EINVAL;
    /* Within the current second, keep the milliseconds: the clock never runs back. */
    s->fake_ms = t * 1000 > now ? t * 1000 : now;
    s->fake_base = uv_now(s->loop);
    fire_due(s);
    return 0;
}

void pg_sched_daily(pg_sched *s, int hour, pg_sched_daily_cb cb, void *ctx)
{
    s->daily = cb;
    s->daily_ctx = ctx;
    s->daily_hour = hour;
    s->daily_at = pg_sched_now(s); /* due now: the start-up call */
    if (!s->firing && !s->closing) uv_timer_start(&s->timer, on_timer, 0, 0);
}

void pg_sched_upcoming(const pg_sched *s, pg_sched_event *ev)
{
    *ev = s->next;
}

static void sched_closed(uv_handle_t *h)
{
    pg_sched *s = h->data;
    free(s->state_path);
    free(s);
}

void pg_sched_stop(pg_sched *s)
{
    if (!s || s->closing) return;
    s->closing = 1;
    uv_close((uv_handle_t *)&s->timer, sched_closed);
}
