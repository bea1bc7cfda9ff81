/* yaml2json.c — the build's converter of docs/openapi.yaml into the JSON the host serves at
 * GET /api/v1/openapi.json: `yaml2json IN.yaml OUT.json`.
 *
 * Why at build time, and why this way: the description is written in YAML, which people edit
 * and review, but the host answers JSON and has no YAML parser, and should not gain one to
 * serve one static document. So the build converts it once, with Debian's libyaml (libyaml-dev,
 * a parser used by half the distribution) for the YAML and the cJSON the host already links
 * for the JSON; the host then serves the file from its web directory like the dashboard's
 * files. Nothing here is hand-parsed: libyaml builds the document tree (anchors and aliases
 * resolved), and this file only maps its nodes to JSON values.
 *
 * Scalars follow the YAML 1.2 core schema, as OpenAPI documents expect: a plain null, ~ or
 * empty value is null, true/false are booleans, a plain decimal integer or float is a number,
 * everything else (and every quoted scalar) is a string; mapping keys are always strings. YAML
 * 1.1's yes/no/on/off stay strings. A key given twice, a key that is not a scalar, or a
 * document whose top is not a mapping with an "openapi" version 3.1.x is an error naming the
 * line and column, and no output is written (the output is written to a temporary file and
 * renamed, so a failed run never leaves a half file). Exit status 0, or 1 with the reason on
 * stderr. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *in_path;

static void fail_at(const yaml_node_t *n, const char *fmt, const char *what)
{
    fprintf(stderr, "yaml2json: %s:%lu:%lu: ", in_path, (unsigned long)n->start_mark.line + 1,
            (unsigned long)n->start_mark.column + 1);
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
}

/* A plain scalar's value by the core schema. */
static cJSON *plain(const char *s, size_t len)
{
    if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
        strcmp(s, "NULL") == 0)
        return cJSON_CreateNull();
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
        return cJSON_CreateTrue();
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
        return cJSON_CreateFalse();
    /* [-+]?digits[.digits][(e|E)[-+]?digits], or [-+]?.digits…: strtod accepts more (hex, inf,
     * nan, leading spaces), so check the shape first */
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        digits += frac;
        p += 1 + frac;
    }
    if (digits && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (*q == '-' || *q == '+') q++;
        size_t exp = strspn(q, "0123456789");
        if (exp) p = q + exp;
    }
    if (digits && !*p) {
        double v = strtod(s, NULL);
        if (isfinite(v)) return cJSON_CreateNumber(v);
    }
    return cJSON_CreateString(s);
}

static cJSON *convert(yaml_document_t *doc, yaml_node_t *n, int depth)
{
    if (depth > 64) {
        fail_at(n, "%s", "nested too deeply (more than 64 levels)");
        return NULL;
    }
    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *s = (const char *)n->data.scalar.value;
        if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return cJSON_CreateString(s);
        return plain(s, n->data.scalar.length);
    }
    case YAML_SEQUENCE_NODE: {
        cJSON *a = cJSON_CreateArray();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            cJSON *v = convert(doc, yaml_document_get_node(doc, *i), depth + 1);
            if (!v) return cJSON_Delete(a), NULL;
            cJSON_AddItemToArray(a, v);
        }
        return a;
    }
    case YAML_MAPPING_NODE: {
        cJSON *o = cJSON_CreateObject();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            if (k->type != YAML_SCALAR_NODE) {
                fail_at(k, "%s", "a mapping key must be a scalar");
                return cJSON_Delete(o), NULL;
            }
            const char *key = (const char *)k->data.scalar.value;
            if (cJSON_GetObjectItemCaseSensitive(o, key)) {
                fail_at(k, "the key '%s' is given twice in this mapping", key);
                return cJSON_Delete(o), NULL;
            }
            cJSON *v = convert(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!v) return cJSON_Delete(o), NULL;
            cJSON_AddItemToObject(o, key, v);
        }
        return o;
    }
    default:
        fail_at(n, "%s", "an empty node");
        return NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: yaml2json IN.yaml OUT.json\n");
        return 2;
    }
    in_path = argv[1];
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        fprintf(stderr, "yaml2json: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, in);
    int ok = yaml_parser_load(&parser, &doc);
    fclose(in);
    if (!ok) {
        fprintf(stderr, "yaml2json: %s:%lu:%lu: %s%s%s\n", argv[1],
                (unsigned long)parser.problem_mark.line + 1,
                (unsigned long)parser.problem_mark.column + 1,
                parser.problem ? parser.problem : "not YAML", parser.context ? " " : "",
                parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return 1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    cJSON *json = NULL;
    if (!root)
        fprintf(stderr, "yaml2json: %s: the file holds no document\n", argv[1]);
    else if (root->type != YAML_MAPPING_NODE)
        fail_at(root, "%s", "the document must be a mapping (an OpenAPI object)");
    else
        json = convert(&doc, root, 0);
    const cJSON *v = json ? cJSON_GetObjectItemCaseSensitive(json, "openapi") : NULL;
    if (json && (!cJSON_IsString(v) || strncmp(v->valuestring, "3.1.", 4) != 0)) {
        fail_at(root, "%s", "expected \"openapi\": \"3.1.x\" at the top");
        cJSON_Delete(json), json = NULL;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (!json) return 1;

    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    size_t tlen = strlen(argv[2]) + 8;
    char *tmp = malloc(tlen);
    snprintf(tmp, tlen, "%s.tmp", argv[2]);
    FILE *out = text ? fopen(tmp, "wb") : NULL;
    int bad = !out || fputs(text, out) < 0 || fputc('\n', out) < 0;
    if (out && fclose(out) != 0) bad = 1;
    if (!bad && rename(tmp, argv[2]) != 0) bad = 1;
    if (bad) {
        fprintf(stderr, "yaml2json: %s: %s\n", argv[2], text ? strerror(errno) : "out of memory");
        remove(tmp);
    }
    free(tmp);
    cJSON_free(text);
    return bad ? 1 : 0;
}
