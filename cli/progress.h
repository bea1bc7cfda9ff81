/* progress.h — a progress line on the terminal for commands that run long (progress.c).
 *
 * `pinggu ingest` and `pinggu eval` can take minutes on a year of raw records. When stderr is a
 * terminal and the work has gone on for longer than a threshold (2 s; the environment variable
 * PINGGU_PROGRESS_AFTER_MS sets another, 0 for at once), one line on stderr says how far it
 * is, redrawn in place with \r at most four times a second:
 *
 *     pinggu ingest: 180.0/766.0 MiB (23%), ETA 0:07, 1,179,745 records, 588,610/s
 *
 * It shows only what is known: bytes against a total when the total is known in advance (the
 * files' sizes), records when something reads records, an ETA only from bytes against their
 * total, and otherwise the stage and the time so far.
 * The line is erased when the work ends. When stderr is not a terminal (a pipe, a log, a test,
 * CI) nothing at all is written, and no thread is started.
 *
 * Threads: cli_progress_start starts one drawing thread; cli_progress_stop stops and joins it
 * and erases the line. Both are called by the command's thread. The other calls may be made
 * from any thread: one mutex guards the state and the drawing. The counts come from
 * pg_ingest_progress (core/data), which is safe to read from the drawing thread at any time.
 * Whatever else the command writes to the terminal while a progress runs goes between
 * cli_progress_pause (erases the line and holds the drawing) and cli_progress_resume, so that
 * a line is never drawn into the middle of it. Every function accepts NULL, the progress of a
 * command not on a terminal, and then does nothing. */
#ifndef PG_CLI_PROGRESS_H
#define PG_CLI_PROGRESS_H

typedef struct cli_progress cli_progress;

/* Starts the progress of `command` ("ingest"); total_bytes is what the readers will read in
 * all (-1 when unknown). Returns NULL when stderr is not a terminal. */
cli_progress *cli_progress_start(const char *command, long long total_bytes);
/* What the work is doing now ("loading the data"), shown when nothing else says more; NULL
 * for nothing. The string is copied. */
void cli_progress_stage(cli_progress *p, const char *stage);
/* Erases the line and holds the drawing until cli_progress_resume, so that the caller can
 * write to the terminal. Not to be nested. */
void cli_progress_pause(cli_progress *p);
void cli_progress_resume(cli_progress *p);
/* Stops the drawing thread, erases the line and frees p. */
void cli_progress_stop(cli_progress *p);

#endif
