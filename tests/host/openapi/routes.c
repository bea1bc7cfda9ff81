/* routes.c — prints the host's route table, the one the router dispatches over (api.h), one
 * route a line: "METHOD PATH ROLES", PATH with {} for each "*" segment and ROLES the role names
 * joined by "," ("-" when no token is needed). routes.lua compares it with docs/openapi.yaml. */
#include "api.h"

#include <stdio.h>
#include <string.h>

static const char *method_name(pg_http_method m)
{
    switch (m) {
    case PG_HTTP_GET:
        return "GET";
    case PG_HTTP_HEAD:
        return "HEAD";
    case PG_HTTP_POST:
        return "POST";
    case PG_HTTP_PUT:
        return "PUT";
    case PG_HTTP_DELETE:
        return "DELETE";
    default:
        return "OTHER";
    }
}

static void print(const char *prefix, const pg_route *r)
{
    printf("%s %s", method_name(r->method), prefix);
    for (const char *p = r->pattern; *p; p++)
        if (*p == '*')
            fputs("{}", stdout);
        else
            putchar(*p);
    const char *sep = " ";
    if (!r->roles) fputs(" -", stdout);
    for (pg_role role = PG_ROLE_VIEWER; role <= PG_ROLE_ADMIN; role++)
        if (r->roles & PG_ROLE_BIT(role)) printf("%s%s", sep, pg_role_name(role)), sep = ",";
    putchar('\n');
}

int main(void)
{
    for (const pg_route *r = pg_api_own_routes; r->pattern; r++) print("", r);
    for (const pg_route *const *t = pg_api_tables; *t; t++)
        for (const pg_route *r = *t; r->pattern; r++) print("/api/v1/", r);
    return 0;
}
