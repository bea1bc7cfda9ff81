/* schedule.h — the evaluation calendar, and the clock that drives it.
 *
 * (Not "sched.h": the host directory is on the include path of everything that links the host,
 * and <pthread.h>, which <uv.h> includes, includes the system <sched.h>.)
 *
 * Two kinds of events, in the rule set's time zone (a fixed UTC offset, +08:00 for Shanwei):
 *   PG_SCHED_MONTH  00:00 on the 26th of month M, i.e. 24:00 on the 25th: sampling month M has
 *                   closed, evaluate it (period Y*100+M, as period.h codes it).
 *   PG_SCHED_YEAR   00:00 on 1 January of Y+1: the year-end window (10 Oct – 31 Dec) and year
 *                   Y have closed, evaluate the year schemes (period Y*100).
 * pg_sched_next() is the pure calendar; pg_sched is the timer that fires the events.
 *
 * The clock is real time, or — for tests and drills — an injected time: it starts at a given
 * instant and runs at real speed from there, and pg_sched_set_now() jumps it (forward only).
 * Either way every event fires once, in order: a jump over twelve cut-offs fires twelve
 * callbacks. The time of the last fired event is kept in `state_path` (written atomically
 * before the callback runs), so a restart does not fire it again; a host started after cut-offs
 * it missed fires each missed one once. A host with no state file treats the most recent
 * past event as missed (it fires it once) and nothing older.
 *
 * Lifetimes: pg_sched lives from pg_sched_start() to pg_sched_stop(), which closes its timer
 * and frees it after the close (no callback after it returns). Loop thread only. */
#ifndef PG_SCHEDULE_H
#define PG_SCHEDULE_H

#include <stdint.h>
#include <uv.h>

typedef enum { PG_SCHED_MONTH, PG_SCHED_YEAR } pg_sched_kind;

typedef struct {
    int64_t at; /* Unix seconds */
    pg_sched_kind kind;
    int period; /* 202105 for the May cut-off, 202100 for the close of 2021 */
} pg_sched_event;

/* The first event strictly after `after` (Unix seconds) for a zone `tz_offset` seconds east of
 * UTC. */
void pg_sched_next(int64_t after, int tz_offset, pg_sched_event *ev);

typedef struct pg_sched pg_sched;
typedef void (*pg_sched_cb)(void *ctx, const pg_sched_event *ev);

/* `fake_now` < 0: the real clock; otherwise the injected clock starts at that Unix time.
 * `state_path` may be NULL (nothing kept: every start treats the last event as missed).
 * Returns 0 or a negative errno: a state file that exists but cannot be parsed is an error, not
 * a silent reset (-EINVAL), and one that cannot be read gives the read's errno (-EACCES, ...).
 * Due events fire from the loop, not inside this call. If the state file cannot be written
 * when an event is due, the event still fires (a cut-off evaluated again after a restart is
 * better than one skipped) and the failure goes to stderr. */
int pg_sched_start(uv_loop_t *loop, int tz_offset, int64_t fake_now, const char *state_path,
                   pg_sched_cb cb, void *ctx, pg_sched **out);
/* Now, by this scheduler's clock (Unix seconds). */
int64_t pg_sched_now(const pg_sched *s);
/* Jumps an injected clock to `t` and fires every event that became due, in order, before
 * returning (called from inside a callback, it only moves the clock: the firing in progress
 * goes on with the events that became due). Returns 0, -EPERM on the real clock, -EINVAL if `t` is
 * before the clock's now. */
int pg_sched_set_now(pg_sched *s, int64_t t);
/* The next event that will fire. */
void pg_sched_upcoming(const pg_sched *s, pg_sched_event *ev);

/* A daily chore beside the calendar: calls `cb` with the clock's now (Unix seconds) once soon
 * after this call (from the loop: a start-up run), then every day at `hour`:00 in the zone,
 * by this scheduler's clock, so an injected clock drives it too. A jump over several days calls
 * it once, and nothing of it is kept in the state file (a restart calls it again): for chores
 * that may run any number of times, like retention, never for events that must fire once. One
 * chore per scheduler; a second call replaces the first. */
typedef void (*pg_sched_daily_cb)(void *ctx, int64_t now);
void pg_sched_daily(pg_sched *s, int hour, pg_sched_daily_cb cb, void *ctx);
void pg_sched_stop(pg_sched *s);

#endif
