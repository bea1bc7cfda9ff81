/* call.c — reading what a request of the API brings: its JSON body, the year it asks for, and
 * who is acting (call.h). */
#include "call.h"

#include "reply.h"

#include <stdio.h>
#include <stdlib.h>

cJSON *pg_call_body(pg_call *c)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(c->req->body, c->req->body_len, &end, 0);
    if (!j || !cJSON_IsObject(j)) {
        pg_reply_error(c->req, 400, "the body is not a JSON object (at byte %ld)",
                       j ? 0L : (long)(end ? end - c->req->body : 0));
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

const char *pg_call_body_string(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int pg_call_year(pg_call *c)
{
    char *y = pg_http_query_param(c->req, "year");
    c->gen = y ? pg_host_gen(c->h, atoi(y)) : c->h->gen;
    if (!c->gen)
        pg_reply_error(c->req, 404,
                       "no rule set is loaded for year '%s' (GET /api/v1/rules/status)", y);
    free(y);
    return c->gen ? 0 : -1;
}

const char *pg_call_actor(const pg_call *c, char buf[96])
{
    if (c->tok->name && *c->tok->name)
        snprintf(buf, 96, "%s:%s", pg_role_name(c->tok->role), c->tok->name);
    else
        snprintf(buf, 96, "%s", pg_role_name(c->tok->role));
    return buf;
}
