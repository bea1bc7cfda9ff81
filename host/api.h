/* api.h — the router of the HTTP API (api.c): the handler the HTTP server calls, and the route
 * tables it dispatches over.
 *
 * Only serve.c (which starts the server with pg_api_handle) and the tests that compare the
 * routes with docs/openapi.yaml include this file; a handler module includes call.h and
 * reply.h instead, so that the router calls the handlers and no handler calls the router. */
#ifndef PG_API_H
#define PG_API_H

#include "call.h"

/* The pg_http_handler of the API (ctx: the pg_host): splits the path, checks the token and the
 * route's roles, and calls the route's handler; answers 401, 403, 404, 405 and 503 itself. */
void pg_api_handle(pg_http_req *req, void *ctx);
/* The head hook of the API (pg_http_set_head_hook, ctx: the pg_host): the same checks on a
 * request whose body has not been read, answering only a refusal (401, 403, 404, 405, 503), so
 * that a client without a valid token cannot make the host read, let alone hold, its body.
 * A request it lets through is checked again by pg_api_handle once whole. */
void pg_api_head(pg_http_req *req, void *ctx);

/* The routes the router answers itself, before any table: GET /healthz and
 * GET /api/v1/openapi.json without a token, GET /metrics for staff. Their patterns are whole
 * paths; roles 0 means no token is needed. Ended by an entry whose pattern is NULL. */
extern const pg_route pg_api_own_routes[];
/* Every route table under /api/v1 the router dispatches over, in order, ended by NULL; each
 * table ends with an entry whose pattern is NULL. Paths outside /api/ (and those three) go to
 * static.c, the dashboard's files. */
extern const pg_route *const pg_api_tables[];

/* The route tables of the modules beside api.c. */
extern const pg_route pg_audit_routes[];       /* audit.c */
extern const pg_route pg_publish_routes[];     /* publish.c */
extern const pg_route pg_review_routes[];      /* review.c */
extern const pg_route pg_rectify_routes[];     /* rectify.c */
extern const pg_route pg_series_routes[];      /* series.c */
extern const pg_route pg_rule_edit_routes[];   /* approval.c */
extern const pg_route pg_sensitivity_routes[]; /* sensitivity.c */
extern const pg_route pg_periods_routes[];     /* periods.c */
extern const pg_route pg_documents_routes[];   /* documents.c */

#endif
