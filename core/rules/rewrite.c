/* rewrite.c — one literal of a rule file rewritten in place (rules.h, "rewrite"): the points
 * of an indicator, a parameter of its built-in method, the weight of a scheme's part, the
 * rule set's effective month. The dashboard's rule edits (host/rule_edit.c) write the office's
 * Lua files through this, so the files stay the source of truth and a reviewer reads a diff of
 * one number.
 *
 * How a literal is found, and why not by pattern: the loader knows the line of each declaration
 * (pg_node.line, pg_scheme.line, pg_ruleset.line: where `indicator "id"` is written). From
 * there a small Lua tokenizer (comments, short and long strings, numbers, names, punctuation,
 * with their byte offsets and lines) reads the declaration's table constructor field by field;
 * a field's value is skipped by bracket and block depth (( { [ and function/if/do/repeat …
 * end/until), so a comma inside a nested table or a function body never ends it. Only a value
 * that is one number token (with an optional minus) is a literal we rewrite; anything else —
 * an expression, a name, a call — is refused with the file:line of the value and the advice to
 * edit the file, as is a field written twice, a declaration that cannot be told apart from
 * another on its line, or an id that is not a plain string. Nothing but the literal's bytes
 * changes: comments, spacing, quotes and the rest of the line are kept.
 *
 * Points written as one number for every group (`points = 8`) and edited to differ by group
 * become a table of the groups (`points = { dept = 9, county = 8 }`): the one place the
 * rewrite writes more than a number. An effective month that is absent is added as a new line
 * `effective = "YYYY-MM",` after the `year = …,` field, with its indentation. */
#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_NAME, T_NUMBER, T_STRING, T_PUNCT } ttype;

typedef struct {
    ttype t;
    size_t at, len; /* bytes of the token in the text */
    int line;
} tok;

typedef struct {
    const char *name; /* for messages */
    const char *s;
    size_t n;
    tok *v;
    int nv, cap;
    pg_diags *d;
} lexer;

static void push(lexer *lx, ttype t, size_t at, size_t len, int line)
{
    if (lx->nv == lx->cap)
        lx->v = pg_xrealloc(lx->v, sizeof *lx->v * (size_t)(lx->cap = lx->cap ? lx->cap * 2 : 256));
    lx->v[lx->nv++] = (tok){t, at, len, line};
}

/* The level of a long bracket [==[ at i (its '='s), or -1 when there is none. */
static int long_open(const char *s, size_t n, size_t i)
{
    if (i >= n || s[i] != '[') return -1;
    size_t j = i + 1;
    while (j < n && s[j] == '=') j++;
    return j < n && s[j] == '[' ? (int)(j - i - 1) : -1;
}

/* Skips a long bracket of `level` opening at i; returns the offset after it, or 0 if unclosed.
 * Counts its newlines. */
static size_t long_skip(const char *s, size_t n, size_t i, int level, int *line)
{
    for (i += (size_t)level + 2; i < n; i++) {
        if (s[i] == '\n') (*line)++;
        if (s[i] != ']') continue;
        size_t j = i + 1;
        while (j < n && s[j] == '=') j++;
        if ((int)(j - i - 1) == level && j < n && s[j] == ']') return j + 1;
    }
    return 0;
}

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Tokenizes the whole text. Returns 0, or -EINVAL with a located error (an unfinished string or
 * comment: the file would not load either). */
static int lex(lexer *lx)
{
    const char *s = lx->s;
    size_t n = lx->n, i = 0;
    int line = 1;
    if (n >= 1 && s[0] == '#') /* a first line "#!…" is skipped by Lua */
        while (i < n && s[i] != '\n') i++;
    while (i < n) {
        char c = s[i];
        if (c == '\n') {
            line++, i++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            i++;
        } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
            int lv = long_open(s, n, i + 2), at = line;
            if (lv >= 0) {
                i = long_skip(s, n, i + 2, lv, &line);
                if (!i) goto unclosed_comment;
                (void)at;
            } else {
                while (i < n && s[i] != '\n') i++;
            }
        } else if (c == '"' || c == '\'') {
            size_t at = i++;
            int l0 = line;
            while (i < n && s[i] != c) {
                if (s[i] == '\n') goto unclosed_string;
                if (s[i] == '\\' && i + 1 < n) {
                    if (s[i + 1] == '\n') line++;
                    if (s[i + 1] == 'z') { /* \z skips the whitespace after it, newlines too */
                        for (i += 2; i < n && s[i] && strchr(" \t\r\n\f\v", s[i]); i++)
                            if (s[i] == '\n') line++;
                    } else {
                        i += 2;
                    }
                    continue;
                }
                i++;
            }
            if (i >= n) goto unclosed_string;
            push(lx, T_STRING, at, ++i - at, l0);
        } else if (c == '[' && long_open(s, n, i) >= 0) {
            size_t at = i;
            int l0 = line;
            i = long_skip(s, n, i, long_open(s, n, i), &line);
            if (!i) {
                line = l0;
                goto unclosed_string;
            }
            push(lx, T_STRING, at, i - at, l0);
        } else if (is_digit(c) || (c == '.' && i + 1 < n && is_digit(s[i + 1]))) {
            size_t at = i;
            int hex = c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X');
            if (hex) i += 2;
            while (i < n) {
                char e = s[i];
                if ((hex ? (e == 'p' || e == 'P') : (e == 'e' || e == 'E')) && i + 1 < n &&
                    (s[i + 1] == '+' || s[i + 1] == '-'))
                    i += 2;
                else if (is_digit(e) || is_name_start(e) || e == '.')
                    i++;
                else
                    break;
            }
            push(lx, T_NUMBER, at, i - at, line);
        } else if (is_name_start(c) || (unsigned char)c >= 0x80) {
            size_t at = i;
            while (i < n && (is_name_start(s[i]) || is_digit(s[i]) || (unsigned char)s[i] >= 0x80))
                i++;
            push(lx, T_NAME, at, i - at, line);
        } else {
            push(lx, T_PUNCT, i++, 1, line);
        }
    }
    return 0;
unclosed_string:
    pg_error(lx->d, lx->name, line, "an unfinished string: the file does not load as it is");
    return -EINVAL;
unclosed_comment:
    pg_error(lx->d, lx->name, line, "an unfinished comment: the file does not load as it is");
    return -EINVAL;
}

static int is(const lexer *lx, int k, const char *text)
{
    if (k < 0 || k >= lx->nv) return 0;
    size_t len = strlen(text);
    return lx->v[k].len == len && memcmp(lx->s + lx->v[k].at, text, len) == 0 &&
           (lx->v[k].t == T_PUNCT || lx->v[k].t == T_NAME);
}

/* The contents of a short string token without escapes, or NULL (a long string, or escapes:
 * compared only when plain, which every id the office writes is). */
static char *plain_string(const lexer *lx, int k)
{
    const tok *t = &lx->v[k];
    if (t->t != T_STRING || lx->s[t->at] == '[') return NULL;
    if (memchr(lx->s + t->at, '\\', t->len)) return NULL;
    return pg_xasprintf("%.*s", (int)t->len - 2, lx->s + t->at + 1);
}

/* The index of the token closing the bracket opened at k, or -1. */
static int closing(const lexer *lx, int k)
{
    int depth = 0;
    for (int i = k; i < lx->nv; i++) {
        if (is(lx, i, "(") || is(lx, i, "{") || is(lx, i, "[")) depth++;
        if (is(lx, i, ")") || is(lx, i, "}") || is(lx, i, "]"))
            if (--depth == 0) return i;
    }
    return -1;
}

/* One field of a table constructor: `name = value`, `["name"] = value` or a positional value;
 * the value is tokens [v0, v1). */
typedef struct {
    char *name; /* NULL: positional, or a key that is not a plain name or string */
    int key, v0, v1;
} field;

static int opens(const lexer *lx, int k)
{
    return is(lx, k, "(") || is(lx, k, "{") || is(lx, k, "[") || is(lx, k, "function") ||
           is(lx, k, "if") || is(lx, k, "do") || is(lx, k, "repeat");
}
static int closes(const lexer *lx, int k)
{
    return is(lx, k, ")") || is(lx, k, "}") || is(lx, k, "]") || is(lx, k, "end") ||
           is(lx, k, "until");
}

/* The fields of the table constructor whose '{' is at `open`. Returns the number (*out is
 * malloc'd, free with free_fields), or -1 when the braces do not balance. */
static int fields_of(const lexer *lx, int open, field **out)
{
    *out = NULL;
    int n = 0, i = open + 1;
    while (i < lx->nv && !is(lx, i, "}")) {
        field f = {NULL, -1, i, i};
        if (lx->v[i].t == T_NAME && is(lx, i + 1, "=") && !is(lx, i + 2, "=")) {
            f.name = pg_xasprintf("%.*s", (int)lx->v[i].len, lx->s + lx->v[i].at);
            f.key = i, i += 2;
        } else if (is(lx, i, "[")) {
            int c = closing(lx, i);
            if (c < 0 || !is(lx, c + 1, "=")) return -1;
            if (c == i + 2 && lx->v[i + 1].t == T_STRING) f.name = plain_string(lx, i + 1);
            f.key = i + 1, i = c + 2;
        }
        f.v0 = i;
        int depth = 0;
        for (; i < lx->nv; i++) {
            if (depth == 0 && (is(lx, i, ",") || is(lx, i, ";") || is(lx, i, "}"))) break;
            if (opens(lx, i)) depth++;
            if (closes(lx, i) && --depth < 0) return -1;
        }
        if (i >= lx->nv) return -1;
        f.v1 = i;
        *out = pg_xrealloc(*out, sizeof **out * (size_t)(n + 1));
        (*out)[n++] = f;
        if (!is(lx, i, "}")) i++;
    }
    return i < lx->nv ? n : -1;
}

static void free_fields(field *f, int n)
{
    for (int i = 0; i < n; i++) free(f[i].name);
    free(f);
}

/* The field named `name`: its index, -1 when absent, -2 when written more than once. */
static int find(const field *f, int n, const char *name)
{
    int at = -1;
    for (int i = 0; i < n; i++)
        if (f[i].name && strcmp(f[i].name, name) == 0) {
            if (at >= 0) return -2;
            at = i;
        }
    return at;
}

/* 1 when the value is one number token, with an optional minus before it. */
static int number_literal(const lexer *lx, const field *f)
{
    if (f->v1 - f->v0 == 1) return lx->v[f->v0].t == T_NUMBER;
    return f->v1 - f->v0 == 2 && is(lx, f->v0, "-") && lx->v[f->v0 + 1].t == T_NUMBER;
}

/* The value's text as written, for messages (at most 60 bytes). */
static char *value_text(const lexer *lx, const field *f)
{
    if (f->v1 <= f->v0) return pg_xstrdup("");
    size_t a = lx->v[f->v0].at, b = lx->v[f->v1 - 1].at + lx->v[f->v1 - 1].len;
    int len = (int)(b - a), cut = len > 60;
    char *t = pg_xasprintf("%.*s%s", cut ? 57 : len, lx->s + a, cut ? "…" : "");
    for (char *p = t; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    return t;
}

void pg_rewrite_number(double v, char buf[32])
{
    if (v == 0) v = 0; /* no "-0" */
    if (fabs(v) < 1e15 && v == floor(v)) {
        snprintf(buf, 32, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

/* One replacement of bytes [a, b) by `with`. */
typedef struct {
    size_t a, b;
    char *with;
} splice;

typedef struct {
    splice *v;
    int n;
} splices;

static void add_splice(splices *sp, size_t a, size_t b, char *with)
{
    sp->v = pg_xrealloc(sp->v, sizeof *sp->v * (size_t)(sp->n + 1));
    sp->v[sp->n++] = (splice){a, b, with};
}

/* Replaces the number literal of `f` by `v` unless it already reads as `v`. */
static void set_number(const lexer *lx, const field *f, double v, splices *sp)
{
    size_t a = lx->v[f->v0].at, b = lx->v[f->v1 - 1].at + lx->v[f->v1 - 1].len;
    char *old = pg_xasprintf("%.*s", (int)(b - a), lx->s + a), *end = NULL;
    const char *digits = old[0] == '-' ? old + 1 : old;
    while (*digits == ' ' || *digits == '\t') digits++;
    double was = strtod(digits, &end);
    if (old[0] == '-') was = -was;
    int same = end && !*end && was == v;
    free(old);
    if (same) return;
    char buf[32];
    pg_rewrite_number(v, buf);
    add_splice(sp, a, b, pg_xstrdup(buf));
}

/* The '{' of the declaration `decl "id" {` (or `ruleset {`) written at `line`, or -1 with a
 * located error. */
static int find_decl(const lexer *lx, const pg_edit *e, const char *decl, pg_diags *d)
{
    int found = -1, count = 0;
    for (int k = 0; k < lx->nv; k++) {
        if (lx->v[k].line != e->line || !is(lx, k, decl)) continue;
        if (k > 0 && (is(lx, k - 1, ".") || is(lx, k - 1, ":"))) continue;
        int i = k + 1;
        if (e->id) {
            int paren = is(lx, i, "(");
            i += paren;
            char *id = i < lx->nv ? plain_string(lx, i) : NULL;
            int same = id && strcmp(id, e->id) == 0;
            free(id);
            if (!same) continue;
            i++;
            if (paren && !is(lx, i++, ")")) continue;
        }
        int paren = is(lx, i, "(");
        i += paren;
        if (!is(lx, i, "{")) continue;
        found = i, count++;
    }
    if (count == 1) return found;
    if (count == 0)
        pg_error(d, e->file, e->line,
                 "%s%s%s%s: no declaration `%s%s%s%s {` starts on this line, where the rules "
                 "loaded it from: the file changed since, or the declaration is not written "
                 "out; edit the file",
                 decl, e->id ? " \"" : "", e->id ? e->id : "", e->id ? "\"" : "", decl,
                 e->id ? " \"" : "", e->id ? e->id : "", e->id ? "\"" : "");
    else
        pg_error(d, e->file, e->line,
                 "%s \"%s\" is declared more than once on this line: it cannot be told which "
                 "to change; edit the file",
                 decl, e->id ? e->id : "");
    return -1;
}

/* The field `name` of the table at `open`, as one number literal; -1 with a located error. */
static int literal_field(const lexer *lx, const field *f, int n, const char *name, const char *what,
                         const pg_edit *e, pg_diags *d)
{
    int k = find(f, n, name);
    if (k == -2) {
        pg_error(d, e->file, e->line, "%s: `%s` is written more than once; edit the file", what,
                 name);
        return -1;
    }
    if (k < 0) {
        pg_error(d, e->file, e->line,
                 "%s: no `%s = <number>` is written here (the value is a default): add it in "
                 "the file",
                 what, name);
        return -1;
    }
    if (!number_literal(lx, &f[k])) {
        char *t = value_text(lx, &f[k]);
        pg_error(d, e->file, lx->v[f[k].v0].line,
                 "%s: `%s = %s` is not a number written out (computed by an expression or a "
                 "name): it cannot be changed here; edit the file",
                 what, name, t);
        free(t);
        return -1;
    }
    return k;
}

static int edit_points(const lexer *lx, int open, const pg_edit *e, splices *sp, pg_diags *d)
{
    field *f;
    int n = fields_of(lx, open, &f), rc = -EINVAL;
    char *what = pg_xasprintf("indicator \"%s\" points", e->id);
    int k = n < 0 ? -1 : find(f, n, "points");
    if (n < 0) {
        pg_error(d, e->file, e->line, "%s: the declaration's braces do not balance", what);
    } else if (k == -2) {
        pg_error(d, e->file, e->line, "%s: `points` is written more than once; edit the file",
                 what);
    } else if (k < 0) {
        pg_error(d, e->file, e->line, "%s: no `points` is written here; edit the file", what);
    } else if (number_literal(lx, &f[k])) {
        int same = 1;
        for (int g = 1; g < e->ngroups; g++) same &= e->values[g] == e->values[0];
        if (same) {
            set_number(lx, &f[k], e->values[0], sp);
        } else { /* one number for every group, now different by group */
            char *t = pg_xstrdup("{ ");
            for (int g = 0; g < e->ngroups; g++) {
                char buf[32], *next;
                pg_rewrite_number(e->values[g], buf);
                next = pg_xasprintf("%s%s%s = %s", t, g ? ", " : "", e->groups[g], buf);
                free(t), t = next;
            }
            char *with = pg_xasprintf("%s }", t);
            free(t);
            size_t a = lx->v[f[k].v0].at, b = lx->v[f[k].v1 - 1].at + lx->v[f[k].v1 - 1].len;
            add_splice(sp, a, b, with);
        }
        rc = 0;
    } else if (is(lx, f[k].v0, "{") && closing(lx, f[k].v0) == f[k].v1 - 1) {
        field *g;
        int ng = fields_of(lx, f[k].v0, &g);
        rc = 0;
        for (int i = 0; i < e->ngroups && rc == 0; i++) {
            char *gw = pg_xasprintf("%s for group %s", what, e->groups[i]);
            int at = ng < 0 ? -1 : literal_field(lx, g, ng, e->groups[i], gw, e, d);
            if (at < 0)
                rc = -EINVAL;
            else
                set_number(lx, &g[at], e->values[i], sp);
            free(gw);
        }
        if (ng >= 0) free_fields(g, ng);
    } else {
        char *t = value_text(lx, &f[k]);
        pg_error(d, e->file, lx->v[f[k].v0].line,
                 "%s: `points = %s` is not written out as a number or a table of numbers by "
                 "group: it cannot be changed here; edit the file",
                 what, t);
        free(t);
    }
    if (n >= 0) free_fields(f, n);
    free(what);
    return rc;
}

static int edit_param(const lexer *lx, int open, const pg_edit *e, splices *sp, pg_diags *d)
{
    field *f;
    int n = fields_of(lx, open, &f), rc = -EINVAL;
    char *what = pg_xasprintf("indicator \"%s\" method %s %s", e->id, e->method, e->key);
    int k = n < 0 ? -1 : find(f, n, "method");
    if (n < 0) {
        pg_error(d, e->file, e->line, "%s: the declaration's braces do not balance", what);
    } else if (k == -2) {
        pg_error(d, e->file, e->line, "%s: `method` is written more than once; edit the file",
                 what);
    } else if (k < 0) {
        pg_error(d, e->file, e->line, "%s: no `method = %s { … }` is written here; edit the file",
                 what, e->method);
    } else {
        int i = f[k].v0, paren = 0;
        int named = lx->v[i].t == T_NAME && lx->v[i].len == strlen(e->method) &&
                    memcmp(lx->s + lx->v[i].at, e->method, lx->v[i].len) == 0;
        if (named) paren = is(lx, i + 1, "(");
        int brace = i + 1 + paren, close = named ? closing(lx, brace) : -1;
        if (!named || !is(lx, brace, "{") || close < 0 || close + paren + 1 != f[k].v1 ||
            (paren && !is(lx, close + 1, ")"))) {
            char *t = value_text(lx, &f[k]);
            pg_error(d, e->file, lx->v[f[k].v0].line,
                     "%s: `method = %s` is not written as `%s { … }`: it cannot be changed "
                     "here; edit the file",
                     what, t, e->method);
            free(t);
        } else {
            field *p;
            int np = fields_of(lx, brace, &p);
            int at = np < 0 ? -1 : literal_field(lx, p, np, e->key, what, e, d);
            if (at >= 0) set_number(lx, &p[at], e->values[0], sp), rc = 0;
            if (np >= 0) free_fields(p, np);
        }
    }
    if (n >= 0) free_fields(f, n);
    free(what);
    return rc;
}

static int edit_weight(const lexer *lx, int open, const pg_edit *e, splices *sp, pg_diags *d)
{
    field *f;
    int n = fields_of(lx, open, &f), rc = -EINVAL;
    char *what = pg_xasprintf("scheme \"%s\" part %s weight", e->id, e->key);
    int k = n < 0 ? -1 : find(f, n, "parts");
    if (n < 0 || k < 0 || !is(lx, f[k].v0, "{") || closing(lx, f[k].v0) != f[k].v1 - 1) {
        pg_error(d, e->file, e->line, "%s: no `parts = { … }` table is written here; edit the file",
                 what);
    } else {
        field *parts;
        int np = fields_of(lx, f[k].v0, &parts), hit = -1, hits = 0;
        field *pf = NULL;
        int npf = 0;
        for (int i = 0; i < np; i++) {
            if (parts[i].name || !is(lx, parts[i].v0, "{") ||
                closing(lx, parts[i].v0) != parts[i].v1 - 1)
                continue;
            field *q;
            int nq = fields_of(lx, parts[i].v0, &q), id = nq < 0 ? -1 : find(q, nq, "id");
            char *s = id >= 0 && q[id].v1 - q[id].v0 == 1 ? plain_string(lx, q[id].v0) : NULL;
            if (s && strcmp(s, e->key) == 0) {
                hits++, hit = i;
                if (pf) free_fields(pf, npf);
                pf = q, npf = nq, q = NULL;
            }
            free(s);
            if (q && nq >= 0) free_fields(q, nq);
        }
        if (hits > 1) {
            pg_error(d, e->file, e->line, "%s: the part is written more than once; edit the file",
                     what);
        } else if (!hits) {
            pg_error(d, e->file, e->line,
                     "%s: no part `{ id = \"%s\", … }` is written out here; edit the file", what,
                     e->key);
        } else {
            (void)hit;
            int at = literal_field(lx, pf, npf, "weight", what, e, d);
            if (at >= 0) set_number(lx, &pf[at], e->values[0], sp), rc = 0;
        }
        if (pf) free_fields(pf, npf);
        if (np >= 0) free_fields(parts, np);
    }
    if (n >= 0) free_fields(f, n);
    free(what);
    return rc;
}

static int edit_effective(const lexer *lx, int open, const pg_edit *e, splices *sp, pg_diags *d)
{
    field *f;
    int n = fields_of(lx, open, &f), rc = -EINVAL;
    int k = n < 0 ? -1 : find(f, n, "effective");
    if (n < 0 || k == -2) {
        pg_error(d, e->file, e->line,
                 n < 0 ? "ruleset: the declaration's braces do not balance"
                       : "ruleset: `effective` is written more than once; edit the file");
    } else if (k >= 0) {
        if (f[k].v1 - f[k].v0 != 1 || lx->v[f[k].v0].t != T_STRING) {
            char *t = value_text(lx, &f[k]);
            pg_error(d, e->file, lx->v[f[k].v0].line,
                     "ruleset: `effective = %s` is not a string written out: it cannot be "
                     "changed here; edit the file",
                     t);
            free(t);
        } else {
            const tok *t = &lx->v[f[k].v0];
            char q = lx->s[t->at] == '\'' ? '\'' : '"';
            add_splice(sp, t->at, t->at + t->len, pg_xasprintf("%c%s%c", q, e->text, q));
            rc = 0;
        }
    } else {
        /* absent: a new line after `year = …,`, which must be a line of its own */
        int y = find(f, n, "year");
        const tok *key = y >= 0 ? &lx->v[f[y].key] : NULL;
        size_t bol = key ? key->at : 0;
        while (bol > 0 && lx->s[bol - 1] != '\n') bol--;
        int alone = key != NULL;
        for (size_t i = bol; key && i < key->at; i++) alone &= lx->s[i] == ' ' || lx->s[i] == '\t';
        int sep = y >= 0 ? f[y].v1 : -1; /* the ',' after the value */
        alone = alone && (is(lx, sep, ",") || is(lx, sep, ";")) &&
                (sep + 1 >= lx->nv || lx->v[sep + 1].line > lx->v[sep].line);
        const char *nl = alone ? memchr(lx->s + lx->v[sep].at, '\n', lx->n - lx->v[sep].at) : NULL;
        if (!nl) {
            pg_error(d, e->file, e->line,
                     "ruleset: no `effective` is written, and `year = …,` is not on a line of "
                     "its own to add it after: add effective = \"%s\" in the file",
                     e->text);
        } else {
            size_t at = (size_t)(nl - lx->s) + 1;
            add_splice(sp, at, at,
                       pg_xasprintf("%.*seffective = \"%s\",\n", (int)(key->at - bol), lx->s + bol,
                                    e->text));
            rc = 0;
        }
    }
    if (n >= 0) free_fields(f, n);
    return rc;
}

int pg_rewrite(const char *text, size_t len, const pg_edit *e, char **out, size_t *outlen,
               pg_diags *d)
{
    *out = NULL, *outlen = 0;
    lexer lx = {e->file, text, len, NULL, 0, 0, d};
    int rc = lex(&lx);
    const char *decl = e->kind == PG_EDIT_WEIGHT      ? "scheme"
                       : e->kind == PG_EDIT_EFFECTIVE ? "ruleset"
                                                      : "indicator";
    int open = rc == 0 ? find_decl(&lx, e, decl, d) : -1;
    splices sp = {0};
    if (open < 0)
        rc = -EINVAL;
    else if (e->kind == PG_EDIT_POINTS)
        rc = edit_points(&lx, open, e, &sp, d);
    else if (e->kind == PG_EDIT_PARAM)
        rc = edit_param(&lx, open, e, &sp, d);
    else if (e->kind == PG_EDIT_WEIGHT)
        rc = edit_weight(&lx, open, e, &sp, d);
    else
        rc = edit_effective(&lx, open, e, &sp, d);
    if (rc == 0) {
        /* the splices do not overlap; apply them in the order of the text */
        for (int i = 1; i < sp.n; i++)
            for (int j = i; j > 0 && sp.v[j].a < sp.v[j - 1].a; j--) {
                splice t = sp.v[j];
                sp.v[j] = sp.v[j - 1], sp.v[j - 1] = t;
            }
        size_t cap = len + 1;
        for (int i = 0; i < sp.n; i++) cap += strlen(sp.v[i].with);
        char *o = pg_xmalloc(cap);
        size_t w = 0, from = 0;
        for (int i = 0; i < sp.n; i++) {
            memcpy(o + w, text + from, sp.v[i].a - from), w += sp.v[i].a - from;
            size_t l = strlen(sp.v[i].with);
            memcpy(o + w, sp.v[i].with, l), w += l;
            from = sp.v[i].b;
        }
        memcpy(o + w, text + from, len - from), w += len - from;
        o[w] = '\0';
        *out = o, *outlen = w;
    }
    for (int i = 0; i < sp.n; i++) free(sp.v[i].with);
    free(sp.v);
    free(lx.v);
    return rc;
}
