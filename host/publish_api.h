/* publish_api.h — the host's side of the record (host/publish.c): publishing bulletins over HTTP,
 * reading them by role, and the runs the host records (evaluate.c records one per evaluation,
 * core/record/include/record.h).
 *
 * Routes (pg_publish_routes, api.h):
 *   POST /api/v1/bulletins {"scheme","period","reason"?}     staff: publish (201)
 *   GET  /api/v1/bulletins[?scheme=&period=]                 any role: the list
 *   GET  /api/v1/bulletins/{scheme}/{period}[/{revision}]    any role: one, the latest by
 *        default, with its revisions and its frozen result (viewer: the rankings; unit: the
 *        rankings and its own unit's breakdown; staff: everything)
 *   GET  /api/v1/runs/{id}                                   staff: a run, its inputs, result */
#ifndef PG_PUBLISH_API_H
#define PG_PUBLISH_API_H

#include "call.h"

/* GET /api/v1/runs[?scheme=&period=&limit=]: the recorded runs, newest first, from the store
 * (they survive a restart): {"runs": [pg_run_json…]}. For api.c's `runs` route. */
void pg_runs_list(pg_call *c);

#endif
