/* log.h — structured log lines on stderr, one event a line, in logfmt:
 *
 *   ts=2026-11-27T18:03:11.402Z level=info event=reload result=ok revision=6f1c… ms=12
 *
 * The event name says what happened; the fields are key=value pairs, a value quoted (with \"
 * and \\ escaped) when it holds a space, a quote, '=' or a control character. A whole line is
 * written with one fputs, so lines from pool threads never interleave. */
#ifndef PG_LOG_H
#define PG_LOG_H

typedef enum { PG_LOG_DEBUG, PG_LOG_INFO, PG_LOG_WARN, PG_LOG_ERROR } pg_log_level;

/* Lines below `min` are dropped. Call before any thread starts. */
void pg_log_set_level(pg_log_level min);

/* 1 when lines of `level` are written: skip building costly fields otherwise. */
int pg_log_enabled(pg_log_level level);

/* Writes one line. `kv` is NULL-terminated pairs of key and value strings (a NULL value writes
 * nothing for that key): pg_log(PG_LOG_INFO, "reload", "result", "ok", "file", f, NULL). */
void pg_log(pg_log_level level, const char *event, ...) __attribute__((sentinel));

#endif
