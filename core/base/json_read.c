/* json_read.c — a large JSON object read member by member, and one of its arrays element by
 * element, each value handed over as its text for cJSON to parse alone.
 *
 * Frozen texts at 3,003 units hold millions of entries: a run's inputs (3 M values, 46 MB) and a
 * bulletin's overdue 整改 items (226 K items, 57 MB). Parsed whole, cJSON made a node of ~80 bytes
 * with its strings for every value: 1.4 GB and 0.4 GB of tree to read them once. Here only the
 * extent of each value is found (strings with their escapes, nesting); cJSON still reads every
 * value, one entry at a time. */
#include "base.h"

#include <string.h>

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* Past the JSON value at p (a string; an array or object with what they hold; a number or a
 * literal up to the next delimiter), or NULL when the text ends or closes inside it. */
static const char *value_end(const char *p)
{
    int depth = 0;
    do {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (!*p++) return NULL;
        } else if (*p == '[' || *p == '{') {
            depth++, p++;
        } else if (*p == ']' || *p == '}') {
            if (--depth < 0) return NULL;
            p++;
        } else if (!*p) {
            return NULL;
        } else if (depth == 0) {
            const char *s = p;
            while (*p && !strchr(",]} \t\n\r", *p)) p++;
            if (p == s) return NULL;
        } else {
            p++;
        }
    } while (depth > 0);
    return p;
}

/* The elements of the array at *p, each to each(arg, key, text, len) after one call with text
 * NULL; *p past the array. 0, -1 on a malformed array, or each's return. */
static int each_element(const char **p, const char *key,
                        int (*each)(void *arg, const char *key, const char *text, size_t len),
                        void *arg)
{
    int rc = each(arg, key, NULL, 0);
    const char *q = skip_space(*p + 1);
    while (rc == 0 && *q != ']') {
        const char *e = value_end(q);
        if (!e) return *p = q, -1;
        if ((rc = each(arg, key, q, (size_t)(e - q))) != 0) break;
        if (*(q = skip_space(e)) == ',') {
            if (*(q = skip_space(q + 1)) == ']') return *p = q, -1; /* a comma before the end */
        } else if (*q != ']') {
            return *p = q, -1;
        }
    }
    *p = rc == 0 ? q + 1 : q;
    return rc;
}

int pg_json_each_member(const char *json, const char *spread,
                        int (*each)(void *arg, const char *key, const char *text, size_t len),
                        void *arg, size_t *at)
{
    const char *p = skip_space(json);
    int rc = 0;
    if (*p != '{') goto bad;
    for (p = skip_space(p + 1); *p != '}';) {
        const char *e = *p == '"' ? value_end(p) : NULL;
        cJSON *key = e ? cJSON_ParseWithLength(p, (size_t)(e - p)) : NULL;
        if (!cJSON_IsString(key) || *(p = skip_space(e)) != ':') {
            cJSON_Delete(key);
            goto bad;
        }
        p = skip_space(p + 1);
        if (spread && strcmp(key->valuestring, spread) == 0) {
            rc = *p == '[' ? each_element(&p, key->valuestring, each, arg) : -1;
        } else if ((e = value_end(p))) {
            rc = each(arg, key->valuestring, p, (size_t)(e - p));
            p = e;
        } else {
            rc = -1;
        }
        cJSON_Delete(key);
        if (rc == -1) goto bad;
        if (rc != 0) return rc;
        if (*(p = skip_space(p)) == ',') {
            if (*(p = skip_space(p + 1)) != '"') goto bad;
        } else if (*p != '}') {
            goto bad;
        }
    }
    return 0;
bad:
    if (at) *at = (size_t)(p - json);
    return -1;
}
