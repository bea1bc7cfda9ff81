/* call.h — what a module of the HTTP API needs to add routes: the call a handler receives, the
 * role bits of a route's "who may", and reading what a request brings (its JSON body, ?year=,
 * who is acting). Answering is reply.h's.
 *
 * Each module keeps its own route table, ended by an entry whose pattern is NULL, and the router
 * (api.c) dispatches over all of them (api.h lists them). A handler runs on the loop thread and
 * answers the request exactly once: now, or later from a callback. A handler module includes
 * this file and reply.h, never api.h: the router calls the handlers, not the other way round.
 *
 * Lifetimes: the call and its segments live only until the handler returns; copy what a
 * callback needs. */
#ifndef PG_CALL_H
#define PG_CALL_H

#include "host.h"

#define PG_CALL_MAX_SEGS 8

/* Roles as bits, for a route's "who may". */
#define PG_ROLE_BIT(role) (1u << (role))
#define PG_ROLES_ANY                                                                               \
    (PG_ROLE_BIT(PG_ROLE_ADMIN) | PG_ROLE_BIT(PG_ROLE_EVALUATOR) | PG_ROLE_BIT(PG_ROLE_UNIT) |     \
     PG_ROLE_BIT(PG_ROLE_VIEWER))
#define PG_ROLES_STAFF (PG_ROLE_BIT(PG_ROLE_ADMIN) | PG_ROLE_BIT(PG_ROLE_EVALUATOR))
#define PG_ROLES_ADMIN PG_ROLE_BIT(PG_ROLE_ADMIN)
#define PG_ROLES_UNIT PG_ROLE_BIT(PG_ROLE_UNIT)
#define PG_ROLES_VIEWER PG_ROLE_BIT(PG_ROLE_VIEWER)

typedef struct {
    pg_host *h;
    pg_http_req *req;
    const pg_token *tok;
    char *seg[PG_CALL_MAX_SEGS]; /* the decoded path split at '/': "api", "v1", … */
    int nseg;
    pg_gen *gen; /* the rules a scheme/period (or ?year=) resolved to; the newest by default */
} pg_call;

typedef struct {
    pg_http_method method;
    const char *pattern; /* segments after /api/v1; "*" matches one; NULL ends a table */
    unsigned roles;
    void (*fn)(pg_call *c);
} pg_route;

/* The body as a JSON object (the caller deletes it), or NULL after answering 400: for a body
 * that is not one, and for one with a NUL in a string ("\u0000", naming its member), which the
 * C strings of the tree would silently cut short. */
cJSON *pg_call_body(pg_call *c);
/* A string member of a body, or NULL. */
const char *pg_call_body_string(const cJSON *j, const char *key);

/* Query parameters that are not free text, read the same way on every route: each returns 0
 * when the parameter is absent (*out untouched), 1 with *out when it is well-formed, and -1
 * after answering 400 with a message that names the parameter, the value given and what it
 * expects. A value that is not valid percent-encoding is present and bad, never absent.
 *   int     a whole number in [min, max], decimal digits with an optional '-', nothing else
 *   time    ISO 8601 as pg_time_parse reads it ("2021-05-26", "2021-05-26T08:00:00Z",
 *           "…+08:00"); without an offset the time is UTC
 *   period  "YYYY-MM" (a month) or "YYYY" (a year), into buf in the stored form */
int pg_call_query_int(pg_call *c, const char *name, long min, long max, long *out);
int pg_call_query_time(pg_call *c, const char *name, double *out);
int pg_call_query_period(pg_call *c, const char *name, char buf[PG_PERIOD_BUF], const char **out);
/* The generation for "?year=YYYY" (the newest without it) in c->gen; 0, or -1 after answering
 * 400 for a year that is not YYYY or 404 for a year no rule set serves. */
int pg_call_year(pg_call *c);
/* Who is acting, for the audit log: the token's name ("role:name" when it has one), in buf. */
const char *pg_call_actor(const pg_call *c, char buf[96]);

#endif
