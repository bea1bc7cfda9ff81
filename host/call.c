/* call.c — reading what a request of the API brings: its JSON body, its query parameters of
 * each kind, the year it asks for, and who is acting (call.h).
 *
 * A body is refused (400) when a string of it holds a NUL, "\u0000": cJSON keeps the byte, and
 * every C string read from the tree would end there, so "lufeng\u0000x" would act as "lufeng".
 *
 * The query readers are the only place a route turns a parameter into a number, a time or a
 * period: one parser per kind, so that `?since=garbage` or `?limit=5x` is a 400 naming the
 * parameter on every route alike, never a silent default (atoi's 0) or an empty answer. */
#include "call.h"

#include "reply.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a string of the JSON text holds a NUL (the escape \u0000): cJSON keeps it, and every
 * reader of the parsed string would see the text cut short there. Names the member it is in
 * (the key before it, or the key itself) in `field`. A lexical pass: strings, their escapes,
 * and whether a string is followed by ':' (a key); the rest is skipped. */
static int nul_in_string(const char *s, size_t len, char field[64])
{
    const char *key = NULL;
    size_t keylen = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '"') continue;
        size_t start = ++i;
        int nul = 0;
        for (; i < len && s[i] != '"'; i++) {
            if (s[i] != '\\' || ++i >= len) continue;
            if (s[i] == 'u' && i + 4 < len && memcmp(s + i + 1, "0000", 4) == 0) nul = 1;
        }
        size_t end = i, k = i + 1;
        while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n')) k++;
        int is_key = k < len && s[k] == ':';
        if (is_key) key = s + start, keylen = end - start;
        if (nul) {
            snprintf(field, 64, "%.*s", key ? (int)(keylen < 60 ? keylen : 60) : 0, key ? key : "");
            return 1;
        }
    }
    return 0;
}

cJSON *pg_call_body(pg_call *c)
{
    const char *end = NULL, *body = c->req->body;
    size_t len = c->req->body_len;
    char field[64];
    const char *nul = len ? memchr(body, '\0', len) : NULL;
    if (nul) {
        pg_reply_error(c->req, 400, "the body holds a NUL byte (at byte %ld): not JSON",
                       (long)(nul - body));
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!j || !cJSON_IsObject(j)) {
        pg_reply_error(c->req, 400, "the body is not a JSON object (at byte %ld)",
                       j ? 0L : (long)(end ? end - body : 0));
        cJSON_Delete(j);
        return NULL;
    }
    if (nul_in_string(body, len, field)) {
        pg_reply_error(c->req, 400, "%s%s%s: a string may not hold \\u0000 (NUL)",
                       *field ? "field '" : "a string", field, *field ? "'" : "");
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

/* Whether the raw query names `name` as a key (keys of ours are plain ASCII, never encoded):
 * tells a parameter that is absent from one whose value did not decode. */
static int query_has(const pg_http_req *req, const char *name)
{
    size_t n = strlen(name);
    for (const char *q = req->query; q && *q;) {
        if (strncmp(q, name, n) == 0 && (q[n] == '=' || q[n] == '&' || !q[n])) return 1;
        q = strchr(q, '&');
        if (q) q++;
    }
    return 0;
}

/* The decoded value of `name` in *v (the caller frees it): 0 absent, 1 present, -1 after
 * answering 400 for a value that is not valid percent-encoding. */
static int query_raw(pg_call *c, const char *name, char **v)
{
    *v = pg_http_query_param(c->req, name);
    if (*v) return 1;
    if (!query_has(c->req, name)) return 0;
    pg_reply_error(c->req, 400,
                   "%s: the value is not valid percent-encoding (nor may it hold %%00)", name);
    return -1;
}

int pg_call_query_int(pg_call *c, const char *name, long min, long max, long *out)
{
    char *v;
    int rc = query_raw(c, name, &v);
    if (rc <= 0) return rc;
    const char *p = v + (*v == '-');
    char *end = NULL;
    errno = 0;
    long n = *p >= '0' && *p <= '9' ? strtol(v, &end, 10) : 0;
    if (!end || *end || errno == ERANGE || n < min || n > max) {
        if (max == LONG_MAX)
            pg_reply_error(c->req, 400, "%s=%s: expected a whole number, %ld or more", name, v,
                           min);
        else
            pg_reply_error(c->req, 400, "%s=%s: expected a whole number from %ld to %ld", name, v,
                           min, max);
        rc = -1;
    } else {
        *out = n;
    }
    free(v);
    return rc;
}

int pg_call_query_time(pg_call *c, const char *name, double *out)
{
    char *v;
    int rc = query_raw(c, name, &v);
    if (rc <= 0) return rc;
    double t;
    if (pg_time_parse(v, strlen(v), 0, &t) != 0) {
        pg_reply_error(c->req, 400,
                       "%s=%s: expected an ISO 8601 time, like 2021-05-26 or 2021-05-26T08:00:00Z "
                       "(UTC without an offset)",
                       name, v);
        rc = -1;
    } else {
        *out = t;
    }
    free(v);
    return rc;
}

int pg_call_query_period(pg_call *c, const char *name, char buf[PG_PERIOD_BUF], const char **out)
{
    char *v;
    int rc = query_raw(c, name, &v);
    if (rc <= 0) return rc;
    int code = pg_period_parse(v);
    if (code < 0) {
        pg_reply_error(c->req, 400, "%s=%s: expected a period, YYYY-MM (a month) or YYYY (a year)",
                       name, v);
        rc = -1;
    } else {
        *out = pg_period_format(code, buf);
    }
    free(v);
    return rc;
}

int pg_call_year(pg_call *c)
{
    long y = 0;
    int rc = pg_call_query_int(c, "year", 1000, 9999, &y);
    if (rc < 0) return -1;
    c->gen = rc ? pg_host_gen(c->h, (int)y) : c->h->gen;
    if (!c->gen && rc)
        pg_reply_error(c->req, 404, "no rule set is loaded for year %ld (GET /api/v1/rules/status)",
                       y);
    else if (!c->gen)
        pg_reply_error(c->req, 404, "no rule set is loaded (GET /api/v1/rules/status)");
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
