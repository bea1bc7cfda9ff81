/* api.h — what a module of the HTTP API needs to add routes: the call a handler receives, the
 * role bits of a route's "who may", and the helpers that read a JSON body.
 *
 * Each module keeps its own route table, ended by an entry whose pattern is NULL, and api.c
 * dispatches over all of them (api_tables in api.c lists them). A handler runs on the loop
 * thread and answers the request exactly once: now, or later from a callback. The call and
 * its segments live only until the handler returns; copy what a callback needs. */
#ifndef PG_API_H
#define PG_API_H

#include "host.h"

#define PG_API_MAX_SEGS 8

/* Roles as bits, for a route's "who may". */
#define R(role) (1u << (role))
#define ANY (R(PG_ROLE_ADMIN) | R(PG_ROLE_EVALUATOR) | R(PG_ROLE_UNIT) | R(PG_ROLE_VIEWER))
#define STAFF (R(PG_ROLE_ADMIN) | R(PG_ROLE_EVALUATOR))
#define ADMIN R(PG_ROLE_ADMIN)

typedef struct {
    pg_host *h;
    pg_http_req *req;
    const pg_token *tok;
    char *seg[PG_API_MAX_SEGS]; /* the decoded path split at '/': "api", "v1", … */
    int nseg;
    pg_gen *gen; /* the rules a scheme/period (or ?year=) resolved to; the newest by default */
} pg_call;

typedef struct {
    pg_http_method method;
    const char *pattern; /* segments after /api/v1; "*" matches one; NULL ends a table */
    unsigned roles;
    void (*fn)(pg_call *c);
} pg_route;

/* The body as a JSON object, or NULL after answering 400. */
cJSON *pg_api_body(pg_call *c);
/* A string member of a body, or NULL. */
const char *pg_api_body_string(const cJSON *j, const char *key);
/* The generation for "?year=YYYY" (the newest without it) in c->gen; 0, or -1 after answering
 * 404 for a year no rule set serves. */
int pg_api_year(pg_call *c);
/* Who is acting, for the audit log: the token's name ("role:name" when it has one). */
const char *pg_api_actor(const pg_call *c, char buf[96]);

/* The route tables of the modules beside api.c. */
extern const pg_route pg_audit_routes[];   /* audit.c */
extern const pg_route pg_publish_routes[]; /* publish.c */
extern const pg_route pg_review_routes[];  /* review.c */

#endif
