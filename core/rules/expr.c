/* expr.c — the expression language of rules.h: compiler and evaluator.
 *
 * Compiling is one pass over the text in two steps. A tokenizer turns the whole text into an
 * array of tokens first, so that the parser can look two tokens ahead (`is not null`,
 * `x not in (...)`, a name followed by `(` being a call). A recursive-descent parser, one
 * function per precedence level, then builds the plan and checks types as it goes: every
 * operation is resolved to a specialised operation for its operand types (a number
 * comparison, an enum-index test, a string in-list, ...), so every error is found with the
 * column of the token that caused it and evaluation never looks at a type again.
 *
 * The plan is a flat array of nodes whose children are indices into the same array, plus
 * constant pools (decoded string literals, in-list numbers and string spans, enum membership
 * sets). Evaluation is a tree walk over that array by three small switch functions, one per
 * kind of result: num() for numbers and times, bit() for bools, str() for strings. A tree
 * walk beats a stack bytecode here because the expressions are small (a dozen nodes), the
 * walk needs no operand stack, and short-circuit `and`/`or` fall out of C's own && and ||.
 * Nothing is allocated and nothing is written during evaluation, so a plan can be shared by
 * threads.
 *
 * Nulls. A number (or time) null is NAN inside the evaluator: IEEE arithmetic carries it
 * through + - * / and every ordered comparison and == with a NAN is false, which is exactly
 * the language's rule, so only !=, division by zero and the functions need an explicit test.
 * (A consequence: a NAN that arises from arithmetic, such as inf - inf, is a null too.) A
 * bool is three-valued, 0, 1 or B_NULL, but only a nullable bool field can produce B_NULL:
 * comparisons, `in`, `is` and the logic operators always give 0 or 1, and the logic operators
 * read a null operand as false (so `not flag` is true when flag is null). */
#include "rules.h"
#include "base.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Limits that keep both the parser's and the evaluator's recursion shallow whatever the
 * input: real expressions nest a handful of levels. */
#define MAX_NEST 64        /* parentheses, calls, unary minus and `not` inside each other */
#define MAX_DEPTH 256      /* levels of the compiled tree (a chain a + b + c ... is one per term) */
#define MAX_TEXT (1 << 20) /* bytes of text, so that offsets and columns fit an int */

#define B_NULL 2

/* ---- the plan ---- */

enum {
    /* numbers and times: a double, NAN for null */
    X_CONST,  /* k */
    X_NFIELD, /* field a (int, number, time) */
    X_NEG,    /* -a */
    X_ADD,    /* a + b, and so on */
    X_SUB,
    X_MUL,
    X_DIV,
    X_MOD,
    X_DAYS,     /* days(a, b) */
    X_WORKDAYS, /* workdays(a, b) */
    X_ADDDAYS,  /* add_days(a, b): time a plus b days, a time */
    X_ADDWORK,  /* add_workdays(a, b): the last instant of the b-th working day after a's date */
    /* bools: 0, 1, or B_NULL */
    X_BCONST, /* a: 0 or 1 */
    X_BFIELD, /* field a */
    X_NOT,
    X_AND,
    X_OR,
    X_LT, /* numbers or times */
    X_LE,
    X_GT,
    X_GE,
    X_EQ,
    X_NE,
    X_BEQ, /* bools */
    X_BNE,
    X_SEQ, /* strings (and enums compared as text), byte for byte */
    X_SNE,
    X_EEQ, /* enum field a against the value index k */
    X_ENE,
    X_NIN,    /* a in nums[b .. b+n); neg: `not in` */
    X_BIN,    /* a bool in nums[b .. b+n) holding 0/1 */
    X_SIN,    /* a in the string spans spans[2b .. 2(b+n)) */
    X_EIN,    /* enum field a: sets[b + index] for index < n */
    X_ISNULL, /* a is null (neg: is not null); ctype: a's type */
    /* strings: a pointer and a length */
    X_SCONST, /* strs + a, length b */
    X_SFIELD, /* field a (string or enum) */
};

/* Compile-time types. An enum is a string that knows its field, so that a comparison with a
 * literal can be turned into an index test. */
enum { TY_BOOL, TY_NUM, TY_STR, TY_ENUM, TY_TIME };

typedef struct {
    unsigned char op;
    unsigned char neg;
    unsigned char ctype;
    int a, b, n;
    double k;
} xnode;

struct pg_expr {
    xnode *nodes;
    int nnodes, capnodes;
    int root;
    int rtype;  /* TY_* of the root */
    char *strs; /* decoded string literals */
    int nstrs, capstrs;
    double *nums; /* in-list numbers */
    int nnums, capnums;
    int *spans; /* in-list strings: offset, length pairs into strs */
    int nspans, capspans;
    unsigned char *sets; /* enum in-lists: one byte per declared value */
    int nsets, capsets;
    const pg_calendar *cal;
    int offset;
    int cutoff; /* reads `cutoff`: rec[nfields], which the caller fills with the window's end */
};

/* ---- evaluation ---- */

static double num(const pg_expr *e, int i, const pg_value *r);
static int bit(const pg_expr *e, int i, const pg_value *r);

/* A string operand: 1 with the text in *s, *len, or 0 for null. */
static int str(const pg_expr *e, int i, const pg_value *r, const char **s, int *len)
{
    const xnode *n = &e->nodes[i];
    if (n->op == X_SCONST) {
        *s = e->strs + n->a;
        *len = n->b;
        return 1;
    }
    const pg_value *v = &r[n->a];
    if (v->null) return 0;
    *s = v->str;
    *len = v->len;
    return 1;
}

static int same_bytes(const char *a, int alen, const char *b, int blen)
{
    /* memcmp only on a non-empty span: an empty field may carry a NULL pointer */
    return alen == blen && (alen == 0 || memcmp(a, b, (size_t)alen) == 0);
}

/* An operand of a number operation. Most operands are fields and literals; reading them
 * here, behind two well-predicted tests, saves a call and an indirect jump through num()'s
 * switch, which the branch predictor cannot follow well because every node shares it. */
static inline double operand(const pg_expr *e, int i, const pg_value *r)
{
    const xnode *n = &e->nodes[i];
    if (n->op == X_NFIELD) return r[n->a].null ? NAN : r[n->a].num;
    if (n->op == X_CONST) return n->k;
    return num(e, i, r);
}

static double num(const pg_expr *e, int i, const pg_value *r)
{
    const xnode *n = &e->nodes[i];
    switch (n->op) {
    case X_CONST:
        return n->k;
    case X_NFIELD:
        return r[n->a].null ? NAN : r[n->a].num;
    case X_NEG:
        return -operand(e, n->a, r);
    case X_ADD:
        return operand(e, n->a, r) + operand(e, n->b, r);
    case X_SUB:
        return operand(e, n->a, r) - operand(e, n->b, r);
    case X_MUL:
        return operand(e, n->a, r) * operand(e, n->b, r);
    case X_DIV: {
        double x = operand(e, n->a, r), y = operand(e, n->b, r);
        return y == 0 ? NAN : x / y;
    }
    case X_MOD: {
        double x = operand(e, n->a, r), y = operand(e, n->b, r);
        return y == 0 ? NAN : fmod(x, y);
    }
    case X_DAYS:
        return (operand(e, n->b, r) - operand(e, n->a, r)) / 86400;
    case X_ADDDAYS: /* to the millisecond, so that add_days(t, 60 / 1440) is t + 3600 s exactly */
        return operand(e, n->a, r) + nearbyint(operand(e, n->b, r) * 86400000) / 1000;
    case X_ADDWORK: {
        /* the deadline of "within b working days" as workdays() counts them: x <=
         * add_workdays(a, b) exactly when workdays(a, x) <= b, for x after a. The last instant
         * of that day is the largest double below the next day's 00:00, as `cutoff` is. */
        double a = operand(e, n->a, r), b = operand(e, n->b, r);
        if (isnan(a) || isnan(b) || b < 0 || b > 3660) return NAN;
        long day = pg_time_day(a, e->offset);
        for (long k = (long)b; k > 0;)
            if (pg_calendar_is_workday(e->cal, ++day)) k--;
        return nextafter((double)(day + 1) * 86400 - e->offset, -INFINITY);
    }
    case X_WORKDAYS: {
        double a = operand(e, n->a, r), b = operand(e, n->b, r);
        if (isnan(a) || isnan(b)) return NAN;
        return (double)pg_calendar_workdays_between(e->cal, a, b, e->offset);
    }
    }
    return NAN;
}

static int is_null(const pg_expr *e, const xnode *n, const pg_value *r)
{
    const char *s;
    int len;
    switch (n->ctype) {
    case TY_NUM:
    case TY_TIME:
        return isnan(operand(e, n->a, r));
    case TY_BOOL:
        return bit(e, n->a, r) == B_NULL;
    default:
        return !str(e, n->a, r, &s, &len);
    }
}

static int bit(const pg_expr *e, int i, const pg_value *r)
{
    const xnode *n = &e->nodes[i];
    switch (n->op) {
    case X_BCONST:
        return n->a;
    case X_BFIELD:
        return r[n->a].null ? B_NULL : r[n->a].num != 0;
    case X_NOT:
        return bit(e, n->a, r) != 1;
    case X_AND:
        return bit(e, n->a, r) == 1 && bit(e, n->b, r) == 1;
    case X_OR:
        return bit(e, n->a, r) == 1 || bit(e, n->b, r) == 1;
    /* IEEE: every ordered comparison and == is false when either side is NAN (null) */
    case X_LT:
        return operand(e, n->a, r) < operand(e, n->b, r);
    case X_LE:
        return operand(e, n->a, r) <= operand(e, n->b, r);
    case X_GT:
        return operand(e, n->a, r) > operand(e, n->b, r);
    case X_GE:
        return operand(e, n->a, r) >= operand(e, n->b, r);
    case X_EQ:
        return operand(e, n->a, r) == operand(e, n->b, r);
    case X_NE: {
        double x = operand(e, n->a, r), y = operand(e, n->b, r);
        return !isnan(x) && !isnan(y) && x != y;
    }
    case X_BEQ:
    case X_BNE: {
        int x = bit(e, n->a, r), y = bit(e, n->b, r);
        if (x == B_NULL || y == B_NULL) return 0;
        return (x == y) == (n->op == X_BEQ);
    }
    case X_SEQ:
    case X_SNE: {
        const char *s, *t;
        int slen, tlen;
        if (!str(e, n->a, r, &s, &slen) || !str(e, n->b, r, &t, &tlen)) return 0;
        return same_bytes(s, slen, t, tlen) == (n->op == X_SEQ);
    }
    case X_EEQ:
        return !r[n->a].null && r[n->a].num == n->k;
    case X_ENE:
        return !r[n->a].null && r[n->a].num != n->k;
    case X_NIN: {
        double x = operand(e, n->a, r);
        if (isnan(x)) return 0;
        int found = 0;
        for (int j = 0; j < n->n && !found; j++) found = e->nums[n->b + j] == x;
        return found != n->neg;
    }
    case X_BIN: {
        int x = bit(e, n->a, r);
        if (x == B_NULL) return 0;
        int found = 0;
        for (int j = 0; j < n->n && !found; j++) found = e->nums[n->b + j] == x;
        return found != n->neg;
    }
    case X_SIN: {
        const char *s;
        int len;
        if (!str(e, n->a, r, &s, &len)) return 0;
        int found = 0;
        for (int j = 0; j < n->n && !found; j++) {
            const int *sp = &e->spans[2 * (n->b + j)];
            found = same_bytes(s, len, e->strs + sp[0], sp[1]);
        }
        return found != n->neg;
    }
    case X_EIN: {
        const pg_value *v = &r[n->a];
        if (v->null) return 0;
        /* an index outside the declared values (which a reader never produces) is in no
         * list; the range test also keeps the conversion to int defined */
        int found = v->num >= 0 && v->num < n->n && e->sets[n->b + (int)v->num];
        return found != n->neg;
    }
    case X_ISNULL:
        return is_null(e, n, r) != n->neg;
    }
    return 0;
}

int pg_expr_uses_cutoff(const pg_expr *e)
{
    return e && e->cutoff;
}

/* A bool plan: null is 0. Other plans, so that a caller that ignores the type still gets
 * something sensible: a number is true when it is not null and not 0 (as in C), a time or a
 * string when it is not null. */
int pg_expr_test(const pg_expr *e, const pg_value *rec)
{
    const char *s;
    int len;
    switch (e->rtype) {
    case TY_BOOL: {
        /* The roots that most conditions have, here without the call into bit(): this runs
         * for every metric of every record, and the call cost as much as the test. Each case
         * is bit()'s own, which gives only 0 or 1 for them. */
        const xnode *n = &e->nodes[e->root];
        switch (n->op) {
        case X_BFIELD:
            return !rec[n->a].null && rec[n->a].num != 0;
        case X_LT:
            return operand(e, n->a, rec) < operand(e, n->b, rec);
        case X_LE:
            return operand(e, n->a, rec) <= operand(e, n->b, rec);
        case X_GT:
            return operand(e, n->a, rec) > operand(e, n->b, rec);
        case X_GE:
            return operand(e, n->a, rec) >= operand(e, n->b, rec);
        case X_EIN: {
            const pg_value *v = &rec[n->a];
            if (v->null) return 0;
            int found = v->num >= 0 && v->num < n->n && e->sets[n->b + (int)v->num];
            return found != n->neg;
        }
        case X_ISNULL:
            if (n->ctype == TY_NUM || n->ctype == TY_TIME)
                return isnan(operand(e, n->a, rec)) != n->neg;
            break;
        }
        return bit(e, e->root, rec) == 1;
    }
    case TY_NUM: {
        double x = num(e, e->root, rec);
        return !isnan(x) && x != 0;
    }
    case TY_TIME:
        return !isnan(num(e, e->root, rec));
    default:
        return str(e, e->root, rec, &s, &len);
    }
}

/* A number or time plan: the value, NAN for null. A bool plan gives 1 or 0 (NAN when a
 * nullable bool field is null); a string plan has no number and gives NAN. */
double pg_expr_number(const pg_expr *e, const pg_value *rec)
{
    switch (e->rtype) {
    case TY_NUM:
    case TY_TIME:
        return operand(e, e->root, rec);
    case TY_BOOL: {
        int b = bit(e, e->root, rec);
        return b == B_NULL ? NAN : b;
    }
    default:
        return NAN;
    }
}

/* ---- the plan, read from outside (rules.h: pg_xnode) ---- */

_Static_assert(X_CONST == (int)PG_XN_CONST && X_ADDWORK == (int)PG_XN_ADDWORK &&
                   X_BCONST == (int)PG_XN_BCONST && X_ISNULL == (int)PG_XN_ISNULL &&
                   X_SCONST == (int)PG_XN_SCONST && X_SFIELD == (int)PG_XN_SFIELD,
               "rules.h's pg_xnode_op mirrors the plan's operations, in order");

static pg_xtype public_type(int ty)
{
    switch (ty) {
    case TY_BOOL:
        return PG_X_BOOL;
    case TY_NUM:
        return PG_X_NUMBER;
    case TY_TIME:
        return PG_X_TIME;
    default:
        return PG_X_STRING; /* an enum is a string that knows its field */
    }
}

int pg_expr_root(const pg_expr *e)
{
    return e->root;
}

pg_xtype pg_expr_type(const pg_expr *e)
{
    return public_type(e->rtype);
}

int pg_expr_node(const pg_expr *e, int i, pg_xnode *out)
{
    memset(out, 0, sizeof *out);
    if (i < 0 || i >= e->nnodes) return -1;
    const xnode *n = &e->nodes[i];
    out->op = (pg_xnode_op)n->op;
    out->a = n->a, out->b = n->b, out->n = n->n, out->neg = n->neg, out->k = n->k;
    out->type = public_type(n->ctype);
    if (n->op == X_SCONST) out->s = e->strs + n->a, out->slen = n->b;
    return 0;
}

double pg_expr_item_num(const pg_expr *e, int i, int j)
{
    return e->nums[e->nodes[i].b + j];
}

const char *pg_expr_item_str(const pg_expr *e, int i, int j, int *len)
{
    const int *sp = &e->spans[2 * (e->nodes[i].b + j)];
    *len = sp[1];
    return e->strs + sp[0];
}

int pg_expr_item_enum(const pg_expr *e, int i, int j)
{
    return e->sets[e->nodes[i].b + j];
}

void pg_expr_free(pg_expr *e)
{
    if (!e) return;
    free(e->nodes);
    free(e->strs);
    free(e->nums);
    free(e->spans);
    free(e->sets);
    free(e);
}

/* ---- tokens ---- */

enum {
    T_END,
    T_NUM,
    T_STR,
    T_IDENT,
    T_AND,
    T_OR,
    T_NOT,
    T_IN,
    T_IS,
    T_NULL,
    T_TRUE,
    T_FALSE,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PERCENT,
    T_EQ,
    T_NE, /* ~= and != */
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_LP,
    T_RP,
    T_COMMA,
};

typedef struct {
    int kind;
    int pos, len;   /* byte offset and length in the text */
    double num;     /* T_NUM */
    int soff, slen; /* T_STR: the decoded text in the plan's string pool */
} token;

static const struct {
    const char *word;
    int kind;
} keywords[] = {{"and", T_AND}, {"or", T_OR},     {"not", T_NOT},   {"in", T_IN},
                {"is", T_IS},   {"null", T_NULL}, {"true", T_TRUE}, {"false", T_FALSE}};

typedef struct {
    const char *text;
    const pg_source *src;
    const pg_calendar *cal;
    token *toks;
    int ntoks, captoks, at;
    pg_expr *e;
    int *depth; /* tree depth of each node, parallel to e->nodes */
    int capdepth;
    int nest;
    char *err;
    int errpos;
} parser;

/* A parsed operand: its node, its type and the span of text it came from (for messages). */
typedef struct {
    int node;
    int type;
    int pos, end;
} opnd;

static const opnd BAD = {-1, TY_BOOL, 0, 0};

static void grow(void **v, int *cap, int need, size_t size)
{
    if (need <= *cap) return;
    int c = *cap ? *cap : 8;
    while (c < need) c *= 2;
    *v = pg_xrealloc(*v, (size_t)c * size);
    *cap = c;
}

/* Records the first error: the message and the byte offset it points at. */
static void fail(parser *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(parser *p, int pos, const char *fmt, ...)
{
    if (p->err) return;
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    p->err = pg_xmalloc((size_t)n + 1);
    vsnprintf(p->err, (size_t)n + 1, fmt, ap);
    va_end(ap);
    p->errpos = pos;
}

/* How many bytes of text at pos to quote in a message: at most about 40, cut at a UTF-8
 * character boundary. */
static int quote_len(const char *s, int len)
{
    if (len <= 40) return len;
    int n = 40;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

#define TOKTEXT(p, t) quote_len((p)->text + (t)->pos, (t)->len), (p)->text + (t)->pos
#define OPNDTEXT(p, o) quote_len((p)->text + (o).pos, (o).end - (o).pos), (p)->text + (o).pos

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(int c)
{
    return is_ident_start(c) || is_digit(c);
}

static void put_str(parser *p, char c)
{
    pg_expr *e = p->e;
    grow((void **)&e->strs, &e->capstrs, e->nstrs + 1, 1);
    e->strs[e->nstrs++] = c;
}

/* Scans a number at i: digits, an optional fraction, an optional exponent, and nothing that
 * could continue a name (so 12abc and 0x10 are errors, not 12 followed by abc). Returns the
 * offset after it, or -1 after an error. */
static int lex_number(parser *p, int i, token *t)
{
    const char *s = p->text;
    int j = i;
    while (is_digit(s[j])) j++;
    if (s[j] == '.') {
        j++;
        while (is_digit(s[j])) j++;
    }
    if (s[j] == 'e' || s[j] == 'E') {
        int k = j + 1;
        if (s[k] == '+' || s[k] == '-') k++;
        if (is_digit(s[k])) {
            while (is_digit(s[k])) k++;
            j = k;
        } else {
            j = k; /* 1e or 1e+: an exponent without digits */
            while (is_ident(s[j]) || s[j] == '.') j++;
            fail(p, i, "malformed number '%.*s'", quote_len(s + i, j - i), s + i);
            return -1;
        }
    }
    if (is_ident(s[j]) || s[j] == '.') {
        while (is_ident(s[j]) || s[j] == '.') j++;
        fail(p, i, "malformed number '%.*s'", quote_len(s + i, j - i), s + i);
        return -1;
    }
    /* strtod reads exactly the span scanned above: it starts with a digit or '.', and hex,
     * inf and nan cannot get here. (It follows LC_NUMERIC; pinggu never changes the locale
     * from "C", and a host that did would see a number stop short, reported here.) */
    char *end;
    t->num = strtod(s + i, &end);
    if (end != s + j || isinf(t->num)) {
        fail(p, i, "number '%.*s' is out of range", quote_len(s + i, j - i), s + i);
        return -1;
    }
    return j;
}

/* Scans a quoted string at i into the string pool. Returns the offset after the closing
 * quote, or -1 after an error. */
static int lex_string(parser *p, int i, token *t)
{
    const char *s = p->text;
    char q = s[i];
    int j = i + 1;
    t->soff = p->e->nstrs;
    for (;;) {
        char c = s[j];
        if (c == '\0') {
            fail(p, i, "unterminated string: the opening %c is never closed", q);
            return -1;
        }
        if (c == q) break;
        if (c != '\\') {
            put_str(p, c);
            j++;
            continue;
        }
        char x = s[j + 1];
        switch (x) {
        case '\\':
        case '\'':
        case '"':
            put_str(p, x);
            break;
        case 'n':
            put_str(p, '\n');
            break;
        case 't':
            put_str(p, '\t');
            break;
        case 'r':
            put_str(p, '\r');
            break;
        case '\0':
            fail(p, i, "unterminated string: the opening %c is never closed", q);
            return -1;
        default:
            if (x > ' ' && x < 0x7f)
                fail(p, j, "unknown escape '\\%c' in a string (known: \\\\ \\' \\\" \\n \\t \\r)",
                     x);
            else
                fail(p, j, "unknown escape in a string (known: \\\\ \\' \\\" \\n \\t \\r)");
            return -1;
        }
        j += 2;
    }
    t->slen = p->e->nstrs - t->soff;
    return j + 1;
}

/* The length of the UTF-8 character at s (1 for a stray byte), for quoting it. */
static int char_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (int k = 1; k < n; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80) return 1;
    return n;
}

/* One-character tokens, in the order of their kinds. */
static const char single[] = "+-*/%<>(),";
static const int single_kinds[] = {T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT,
                                   T_LT,   T_GT,    T_LP,   T_RP,    T_COMMA};

static int lex(parser *p)
{
    const char *s = p->text;
    int i = 0;
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' ||
               s[i] == '\v')
            i++;
        grow((void **)&p->toks, &p->captoks, p->ntoks + 1, sizeof(token));
        token *t = &p->toks[p->ntoks];
        *t = (token){.kind = T_END, .pos = i};
        char c = s[i], d = c ? s[i + 1] : '\0';
        int j = i + 1;
        if (c == '\0') {
            p->ntoks++;
            return 0;
        } else if (is_digit(c) || (c == '.' && is_digit(d))) {
            t->kind = T_NUM;
            j = lex_number(p, i, t);
        } else if (is_ident_start(c)) {
            while (is_ident(s[j])) j++;
            t->kind = T_IDENT;
            for (size_t k = 0; k < sizeof(keywords) / sizeof(*keywords); k++)
                if ((int)strlen(keywords[k].word) == j - i &&
                    memcmp(keywords[k].word, s + i, (size_t)(j - i)) == 0)
                    t->kind = keywords[k].kind;
        } else if (c == '\'' || c == '"') {
            t->kind = T_STR;
            j = lex_string(p, i, t);
        } else if ((c == '=' || c == '~' || c == '!' || c == '<' || c == '>') && d == '=') {
            t->kind = c == '=' ? T_EQ : c == '<' ? T_LE : c == '>' ? T_GE : T_NE;
            j = i + 2;
        } else if (strchr(single, c)) {
            t->kind = single_kinds[strchr(single, c) - single];
        } else {
            /* a character from another language's operators gets a hint */
            static const char *const hints[][2] = {
                {"=", "compare with '=='"},
                {"!", "negate with 'not' (or compare with '!=')"},
                {"&", "use 'and'"},
                {"|", "use 'or'"},
                {"~", "compare with '~=' or '!='"}};
            for (size_t k = 0; k < sizeof(hints) / sizeof(*hints); k++)
                if (c == hints[k][0][0]) {
                    fail(p, i, "unexpected '%c'; %s", c, hints[k][1]);
                    return -1;
                }
            fail(p, i, "unexpected character '%.*s'", char_len(s + i), s + i);
            return -1;
        }
        if (j < 0) return -1;
        t->len = j - i;
        p->ntoks++;
        i = j;
    }
}

/* ---- parser helpers ---- */

static token *peek(parser *p)
{
    return &p->toks[p->at];
}

static token *peek2(parser *p)
{
    return p->at + 1 < p->ntoks ? &p->toks[p->at + 1] : &p->toks[p->ntoks - 1];
}

static token *next(parser *p)
{
    token *t = &p->toks[p->at];
    if (t->kind != T_END) p->at++;
    return t;
}

/* Adds a node with `kids` children among a and b (0, 1 or 2) and checks the tree's depth;
 * returns its index, or -1 after an error at pos. */
static int node(parser *p, int op, int a, int b, int kids, int pos)
{
    pg_expr *e = p->e;
    int d = 1;
    if (kids >= 1 && p->depth[a] + 1 > d) d = p->depth[a] + 1;
    if (kids >= 2 && p->depth[b] + 1 > d) d = p->depth[b] + 1;
    if (d > MAX_DEPTH) {
        fail(p, pos, "expression too deeply nested (more than %d levels)", MAX_DEPTH);
        return -1;
    }
    grow((void **)&e->nodes, &e->capnodes, e->nnodes + 1, sizeof(xnode));
    grow((void **)&p->depth, &p->capdepth, e->nnodes + 1, sizeof(int));
    e->nodes[e->nnodes] = (xnode){.op = (unsigned char)op, .a = a, .b = b};
    p->depth[e->nnodes] = d;
    return e->nnodes++;
}

static opnd mk(int node_, int type, int pos, int end)
{
    return (opnd){node_, type, pos, end};
}

static const char *type_name(int t)
{
    switch (t) {
    case TY_BOOL:
        return "a bool";
    case TY_NUM:
        return "a number";
    case TY_STR:
        return "a string";
    case TY_ENUM:
        return "an enum";
    default:
        return "a time";
    }
}

/* Byte-wise edit distance of two short names, for "did you mean". */
static int edit_distance(const char *a, int alen, const char *b, int blen)
{
    int row[65];
    if (alen > 64 || blen > 64) return 1000;
    for (int j = 0; j <= blen; j++) row[j] = j;
    for (int i = 1; i <= alen; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= blen; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[blen];
}

/* Whether `cand` is close enough to the unknown name to suggest: a couple of typos, scaled
 * to the length so that short names are not matched by anything short. */
static int close_enough(const char *name, int len, const char *cand, int *best)
{
    int d = edit_distance(name, len, cand, (int)strlen(cand));
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    if (d <= limit && d < len && d < *best) {
        *best = d;
        return 1;
    }
    return 0;
}

static opnd parse_or(parser *p);

/* ---- primary: literals, fields, calls, parentheses ---- */

static opnd parse_call(parser *p)
{
    /* add_days(t, n) makes a deadline such as `due = "add_days(submitted_at, 7)"` */
    static const char *const funcs[] = {"days", "workdays", "add_days", "add_workdays"};
    token *name = next(p), *lp = next(p);
    const char *s = p->text + name->pos;
    int fn = -1;
    for (int k = 0; k < 4; k++)
        if ((int)strlen(funcs[k]) == name->len && memcmp(funcs[k], s, (size_t)name->len) == 0)
            fn = k;
    if (fn < 0) {
        if (pg_source_field(p->src, s, name->len) >= 0) {
            fail(p, name->pos,
                 "'%.*s' is a field, not a function (the functions are days, workdays, "
                 "add_days and add_workdays)",
                 TOKTEXT(p, name));
            return BAD;
        }
        int best = 1000;
        const char *guess = NULL;
        for (int k = 0; k < 4; k++)
            if (close_enough(s, name->len, funcs[k], &best)) guess = funcs[k];
        if (guess)
            fail(p, name->pos, "unknown function '%.*s'; did you mean '%s'?", TOKTEXT(p, name),
                 guess);
        else
            fail(p, name->pos,
                 "unknown function '%.*s' (the functions are days, workdays, add_days and "
                 "add_workdays)",
                 TOKTEXT(p, name));
        return BAD;
    }
    if ((fn == 1 || fn == 3) && !p->cal) {
        fail(p, name->pos, "%s() needs a working-day calendar, and none is declared", funcs[fn]);
        return BAD;
    }
    if (++p->nest > MAX_NEST) {
        fail(p, name->pos, "expression too deeply nested (more than %d levels)", MAX_NEST);
        return BAD;
    }
    opnd args[2];
    int nargs = 0;
    if (peek(p)->kind != T_RP) {
        for (;;) {
            opnd a = parse_or(p);
            if (p->err) return BAD;
            if (nargs < 2) args[nargs] = a;
            nargs++;
            if (peek(p)->kind != T_COMMA) break;
            next(p);
        }
    }
    token *rp = peek(p);
    if (rp->kind == T_END) {
        fail(p, lp->pos, "unbalanced parentheses: this '(' is never closed");
        return BAD;
    }
    if (rp->kind != T_RP) {
        fail(p, rp->pos, "expected ',' or ')' in the arguments of %s(), got '%.*s'", funcs[fn],
             TOKTEXT(p, rp));
        return BAD;
    }
    next(p);
    p->nest--;
    if (nargs != 2) {
        fail(p, name->pos, "%s() takes 2 arguments (%s), got %d", funcs[fn],
             fn >= 2 ? "a time and a number of days" : "two times", nargs);
        return BAD;
    }
    if (fn >= 2) {
        if (args[0].type != TY_TIME || args[1].type != TY_NUM) {
            int k = args[0].type != TY_TIME ? 0 : 1;
            fail(p, args[k].pos, "%s() takes a time and a number of days, but %.*s is %s",
                 funcs[fn], OPNDTEXT(p, args[k]), type_name(args[k].type));
            return BAD;
        }
        int n = node(p, fn == 2 ? X_ADDDAYS : X_ADDWORK, args[0].node, args[1].node, 2, name->pos);
        return n < 0 ? BAD : mk(n, TY_TIME, name->pos, rp->pos + 1);
    }
    for (int k = 0; k < 2; k++)
        if (args[k].type != TY_TIME) {
            fail(p, args[k].pos, "%s() takes two times, but %.*s is %s", funcs[fn],
                 OPNDTEXT(p, args[k]), type_name(args[k].type));
            return BAD;
        }
    int n = node(p, fn == 0 ? X_DAYS : X_WORKDAYS, args[0].node, args[1].node, 2, name->pos);
    return n < 0 ? BAD : mk(n, TY_NUM, name->pos, rp->pos + 1);
}

static opnd parse_field(parser *p)
{
    token *t = next(p);
    const char *s = p->text + t->pos;
    /* `cutoff`: the end of the record's window, a time. It is read like a field from the slot
     * after the last one, which only the aggregator fills (once per window), so the plan stays
     * immutable and shareable; a source may not declare a field of that name (ruleset_data.c). */
    if (t->len == 6 && memcmp(s, "cutoff", 6) == 0) {
        int n = node(p, X_NFIELD, p->src->nfields, 0, 0, t->pos);
        p->e->cutoff = 1;
        return n < 0 ? BAD : mk(n, TY_TIME, t->pos, t->pos + t->len);
    }
    int f = pg_source_field(p->src, s, t->len);
    if (f < 0) {
        /* a keyword in capitals is a likely slip */
        for (size_t k = 0; k < sizeof(keywords) / sizeof(*keywords); k++)
            if ((int)strlen(keywords[k].word) == t->len &&
                strncasecmp(keywords[k].word, s, (size_t)t->len) == 0) {
                fail(p, t->pos, "unknown field '%.*s'; keywords are lower case: '%s'",
                     TOKTEXT(p, t), keywords[k].word);
                return BAD;
            }
        int best = 1000;
        const char *guess = NULL;
        for (int k = 0; k < p->src->nfields; k++)
            if (close_enough(s, t->len, p->src->fields[k].name, &best))
                guess = p->src->fields[k].name;
        if (guess)
            fail(p, t->pos, "unknown field '%.*s'; did you mean '%s'?", TOKTEXT(p, t), guess);
        else
            fail(p, t->pos, "unknown field '%.*s' (not a field of source '%s')", TOKTEXT(p, t),
                 p->src->name ? p->src->name : "?");
        return BAD;
    }
    int op, type;
    switch (p->src->fields[f].type) {
    case PG_FT_STRING:
        op = X_SFIELD, type = TY_STR;
        break;
    case PG_FT_ENUM:
        op = X_SFIELD, type = TY_ENUM;
        break;
    case PG_FT_BOOL:
        op = X_BFIELD, type = TY_BOOL;
        break;
    case PG_FT_TIME:
        op = X_NFIELD, type = TY_TIME;
        break;
    default:
        op = X_NFIELD, type = TY_NUM;
        break;
    }
    int n = node(p, op, f, 0, 0, t->pos);
    return n < 0 ? BAD : mk(n, type, t->pos, t->pos + t->len);
}

static opnd parse_primary(parser *p)
{
    token *t = peek(p);
    int n;
    switch (t->kind) {
    case T_NUM:
        next(p);
        if ((n = node(p, X_CONST, 0, 0, 0, t->pos)) < 0) return BAD;
        p->e->nodes[n].k = t->num;
        return mk(n, TY_NUM, t->pos, t->pos + t->len);
    case T_STR:
        next(p);
        if ((n = node(p, X_SCONST, t->soff, t->slen, 0, t->pos)) < 0) return BAD;
        return mk(n, TY_STR, t->pos, t->pos + t->len);
    case T_TRUE:
    case T_FALSE:
        next(p);
        if ((n = node(p, X_BCONST, t->kind == T_TRUE, 0, 0, t->pos)) < 0) return BAD;
        return mk(n, TY_BOOL, t->pos, t->pos + t->len);
    case T_NULL:
        fail(p, t->pos, "null is not a value; test for it with 'is null' or 'is not null'");
        return BAD;
    case T_IDENT:
        return peek2(p)->kind == T_LP ? parse_call(p) : parse_field(p);
    case T_LP: {
        next(p);
        if (++p->nest > MAX_NEST) {
            fail(p, t->pos, "expression too deeply nested (more than %d levels)", MAX_NEST);
            return BAD;
        }
        opnd o = parse_or(p);
        if (p->err) return BAD;
        token *rp = peek(p);
        if (rp->kind == T_END) {
            fail(p, t->pos, "unbalanced parentheses: this '(' is never closed");
            return BAD;
        }
        if (rp->kind != T_RP) {
            fail(p, rp->pos, "expected ')' or an operator, got '%.*s'", TOKTEXT(p, rp));
            return BAD;
        }
        next(p);
        p->nest--;
        return mk(o.node, o.type, t->pos, rp->pos + 1);
    }
    case T_END:
        fail(p, t->pos, "expected a value at the end of the expression");
        return BAD;
    default:
        fail(p, t->pos, "expected a value, got '%.*s'", TOKTEXT(p, t));
        return BAD;
    }
}

/* ---- arithmetic ---- */

/* Checks that an arithmetic operand is a number; times get a hint, since subtracting two
 * times is the usual reason to try. */
static int need_number(parser *p, const token *op, opnd o)
{
    if (o.type == TY_NUM) return 1;
    if (o.type == TY_TIME)
        fail(p, o.pos,
             "'%.*s' needs numbers, but %.*s is a time (days() and workdays() give "
             "the time between two times)",
             TOKTEXT(p, op), OPNDTEXT(p, o));
    else
        fail(p, o.pos, "'%.*s' needs numbers, but %.*s is %s", TOKTEXT(p, op), OPNDTEXT(p, o),
             type_name(o.type));
    return 0;
}

static opnd parse_unary(parser *p)
{
    token *t = peek(p);
    if (t->kind != T_MINUS) return parse_primary(p);
    next(p);
    if (++p->nest > MAX_NEST) {
        fail(p, t->pos, "expression too deeply nested (more than %d levels)", MAX_NEST);
        return BAD;
    }
    opnd o = parse_unary(p);
    if (p->err || !need_number(p, t, o)) return BAD;
    p->nest--;
    xnode *x = &p->e->nodes[o.node];
    if (x->op == X_CONST) {
        /* fold -literal, so that `-1` is a constant (and `x / -0` is a division by zero) */
        x->k = -x->k;
        return mk(o.node, TY_NUM, t->pos, o.end);
    }
    int n = node(p, X_NEG, o.node, 0, 1, t->pos);
    return n < 0 ? BAD : mk(n, TY_NUM, t->pos, o.end);
}

static opnd parse_mul(parser *p)
{
    opnd l = parse_unary(p);
    while (!p->err) {
        token *t = peek(p);
        int op = t->kind == T_STAR      ? X_MUL
                 : t->kind == T_SLASH   ? X_DIV
                 : t->kind == T_PERCENT ? X_MOD
                                        : -1;
        if (op < 0) break;
        next(p);
        opnd r = parse_unary(p);
        if (p->err || !need_number(p, t, l) || !need_number(p, t, r)) return BAD;
        if (op != X_MUL && p->e->nodes[r.node].op == X_CONST && p->e->nodes[r.node].k == 0) {
            fail(p, r.pos, "%s by zero ('%.*s')", op == X_DIV ? "division" : "remainder",
                 OPNDTEXT(p, r));
            return BAD;
        }
        int n = node(p, op, l.node, r.node, 2, t->pos);
        if (n < 0) return BAD;
        l = mk(n, TY_NUM, l.pos, r.end);
    }
    return p->err ? BAD : l;
}

static opnd parse_add(parser *p)
{
    opnd l = parse_mul(p);
    while (!p->err) {
        token *t = peek(p);
        if (t->kind != T_PLUS && t->kind != T_MINUS) break;
        next(p);
        opnd r = parse_mul(p);
        if (p->err || !need_number(p, t, l) || !need_number(p, t, r)) return BAD;
        int n = node(p, t->kind == T_PLUS ? X_ADD : X_SUB, l.node, r.node, 2, t->pos);
        if (n < 0) return BAD;
        l = mk(n, TY_NUM, l.pos, r.end);
    }
    return p->err ? BAD : l;
}

/* ---- comparisons, in, is ---- */

static int is_cmp(int kind)
{
    return kind == T_EQ || kind == T_NE || kind == T_LT || kind == T_LE || kind == T_GT ||
           kind == T_GE;
}

/* The index of the decoded string literal strs[soff .. soff+slen) among enum field f's
 * values; or -1 after an error at the literal (pos .. end in the text) that lists them. */
static int enum_index(parser *p, int f, int soff, int slen, int pos, int end)
{
    const pg_field *fd = &p->src->fields[f];
    const char *text = p->e->strs + soff;
    for (int k = 0; k < fd->nenums; k++)
        if ((int)strlen(fd->enums[k]) == slen && memcmp(fd->enums[k], text, (size_t)slen) == 0)
            return k;
    /* list the values, up to a readable length */
    char list[480];
    size_t len = 0;
    list[0] = '\0';
    for (int k = 0; k < fd->nenums; k++) {
        if (len + strlen(fd->enums[k]) + 8 > 400) {
            snprintf(list + len, sizeof(list) - len, "%s…", k ? ", " : "");
            break;
        }
        len +=
            (size_t)snprintf(list + len, sizeof(list) - len, "%s'%s'", k ? ", " : "", fd->enums[k]);
    }
    int qlen = quote_len(p->text + pos, end - pos);
    if (fd->nenums)
        fail(p, pos, "%.*s is not a value of %s (its values: %s)", qlen, p->text + pos, fd->name,
             list);
    else
        fail(p, pos, "%.*s is not a value of %s (it declares no values)", qlen, p->text + pos,
             fd->name);
    return -1;
}

static opnd compare(parser *p, const token *t, opnd l, opnd r)
{
    static const int num_ops[] = {
        [T_EQ] = X_EQ, [T_NE] = X_NE, [T_LT] = X_LT, [T_LE] = X_LE, [T_GT] = X_GT, [T_GE] = X_GE};
    int ordered = t->kind != T_EQ && t->kind != T_NE, eq = t->kind == T_EQ;
    int ls = l.type == TY_STR || l.type == TY_ENUM, rs = r.type == TY_STR || r.type == TY_ENUM;
    xnode *nodes = p->e->nodes;
    int n;
    if (ls && rs) {
        if (ordered) {
            fail(p, t->pos, "'%.*s' does not apply to strings: only ==, ~= and != compare them",
                 TOKTEXT(p, t));
            return BAD;
        }
        /* an enum against a literal becomes an index test, checked against the values */
        opnd f = l, s = r;
        if (r.type == TY_ENUM && nodes[l.node].op == X_SCONST) f = r, s = l;
        if (f.type == TY_ENUM && nodes[s.node].op == X_SCONST) {
            const xnode *c = &nodes[s.node];
            int k = enum_index(p, nodes[f.node].a, c->a, c->b, s.pos, s.end);
            if (k < 0) return BAD;
            /* the field's leaf node is not shared: reuse it as the test */
            xnode *x = &p->e->nodes[f.node];
            x->op = eq ? X_EEQ : X_ENE;
            x->k = k;
            return mk(f.node, TY_BOOL, l.pos, r.end);
        }
        n = node(p, eq ? X_SEQ : X_SNE, l.node, r.node, 2, t->pos);
        return n < 0 ? BAD : mk(n, TY_BOOL, l.pos, r.end);
    }
    if (l.type != r.type) {
        fail(p, r.pos, "cannot compare %.*s (%s) with %.*s (%s)", OPNDTEXT(p, l), type_name(l.type),
             OPNDTEXT(p, r), type_name(r.type));
        return BAD;
    }
    if (l.type == TY_BOOL) {
        if (ordered) {
            fail(p, t->pos, "'%.*s' does not apply to bools: only ==, ~= and != compare them",
                 TOKTEXT(p, t));
            return BAD;
        }
        n = node(p, eq ? X_BEQ : X_BNE, l.node, r.node, 2, t->pos);
    } else {
        n = node(p, num_ops[t->kind], l.node, r.node, 2, t->pos);
    }
    return n < 0 ? BAD : mk(n, TY_BOOL, l.pos, r.end);
}

typedef struct {
    int type;
    double num;
    int soff, slen;
    int pos, end;
} item;

/* `l in (literal, ...)`, or `l not in (...)` when neg. `in` is the `in` token. */
static opnd in_list(parser *p, const token *in, opnd l, int neg)
{
    token *lp = peek(p);
    if (lp->kind != T_LP) {
        fail(p, lp->pos, "expected '(' and a list of values after 'in'");
        return BAD;
    }
    next(p);
    if (peek(p)->kind == T_RP) {
        fail(p, lp->pos, "empty list after 'in': give at least one value");
        return BAD;
    }
    item *items = NULL;
    int nitems = 0, cap = 0;
    opnd res = BAD;
    for (;;) {
        token *t = next(p);
        item it = {.pos = t->pos, .end = t->pos + t->len};
        switch (t->kind) {
        case T_MINUS:
            if (peek(p)->kind == T_NUM) {
                token *v = next(p);
                it.type = TY_NUM, it.num = -v->num, it.end = v->pos + v->len;
                break;
            }
            fail(p, t->pos,
                 "a list after 'in' holds only literal values (numbers, strings, "
                 "true, false)");
            goto out;
        case T_NUM:
            it.type = TY_NUM, it.num = t->num;
            break;
        case T_STR:
            it.type = TY_STR, it.soff = t->soff, it.slen = t->slen;
            break;
        case T_TRUE:
        case T_FALSE:
            it.type = TY_BOOL, it.num = t->kind == T_TRUE;
            break;
        case T_NULL:
            fail(p, t->pos, "null cannot be in a list; test for it with 'is null'");
            goto out;
        case T_END:
            fail(p, lp->pos, "unbalanced parentheses: this '(' is never closed");
            goto out;
        default:
            fail(p, t->pos,
                 "a list after 'in' holds only literal values (numbers, strings, "
                 "true, false), not '%.*s'",
                 TOKTEXT(p, t));
            goto out;
        }
        if (nitems && it.type != items[0].type) {
            fail(p, it.pos, "mixed types in the list: %.*s is %s, but the list began with %s",
                 quote_len(p->text + it.pos, it.end - it.pos), p->text + it.pos, type_name(it.type),
                 type_name(items[0].type));
            goto out;
        }
        grow((void **)&items, &cap, nitems + 1, sizeof(item));
        items[nitems++] = it;
        token *sep = next(p);
        if (sep->kind == T_RP) break;
        if (sep->kind == T_COMMA) continue;
        if (sep->kind == T_END)
            fail(p, lp->pos, "unbalanced parentheses: this '(' is never closed");
        else
            fail(p, sep->pos, "expected ',' or ')' in the list, got '%.*s'", TOKTEXT(p, sep));
        goto out;
    }
    int end = p->toks[p->at - 1].pos + 1; /* just after the ')' */
    pg_expr *e = p->e;
    int ltype = l.type == TY_ENUM ? TY_STR : l.type, n;
    if (l.type == TY_TIME) {
        fail(p, in->pos, "'in' does not apply to times");
        goto out;
    }
    if (ltype != items[0].type) {
        fail(p, items[0].pos, "%.*s is %s, but the list holds %ss", OPNDTEXT(p, l),
             type_name(l.type), type_name(items[0].type) + 2);
        goto out;
    }
    if (l.type == TY_ENUM) {
        /* a membership byte per declared value, so evaluation is one index */
        int field = e->nodes[l.node].a, nv = p->src->fields[field].nenums;
        for (int k = 0; k < nitems; k++) {
            int ix = enum_index(p, field, items[k].soff, items[k].slen, items[k].pos, items[k].end);
            if (ix < 0) goto out;
            items[k].num = ix;
        }
        /* every item is a declared value, so nv > 0 here */
        grow((void **)&e->sets, &e->capsets, e->nsets + nv, 1);
        int base = e->nsets;
        memset(e->sets + base, 0, (size_t)nv);
        e->nsets += nv;
        for (int k = 0; k < nitems; k++) e->sets[base + (int)items[k].num] = 1;
        xnode *x = &e->nodes[l.node]; /* the field's leaf, not shared: reuse it */
        x->op = X_EIN, x->b = base, x->n = nv, x->neg = (unsigned char)neg;
        res = mk(l.node, TY_BOOL, l.pos, end);
        goto out;
    }
    if (ltype == TY_STR) {
        grow((void **)&e->spans, &e->capspans, 2 * (e->nspans + nitems), sizeof(int));
        for (int k = 0; k < nitems; k++) {
            e->spans[2 * (e->nspans + k)] = items[k].soff;
            e->spans[2 * (e->nspans + k) + 1] = items[k].slen;
        }
        if ((n = node(p, X_SIN, l.node, e->nspans, 1, in->pos)) < 0) goto out;
        e->nspans += nitems;
    } else {
        grow((void **)&e->nums, &e->capnums, e->nnums + nitems, sizeof(double));
        for (int k = 0; k < nitems; k++) e->nums[e->nnums + k] = items[k].num;
        if ((n = node(p, ltype == TY_NUM ? X_NIN : X_BIN, l.node, e->nnums, 1, in->pos)) < 0)
            goto out;
        e->nnums += nitems;
    }
    e->nodes[n].n = nitems;
    e->nodes[n].neg = (unsigned char)neg;
    res = mk(n, TY_BOOL, l.pos, end);
out:
    free(items);
    return p->err ? BAD : res;
}

static opnd parse_cmp(parser *p)
{
    opnd l = parse_add(p);
    if (p->err) return BAD;
    token *t = peek(p);
    if (is_cmp(t->kind)) {
        next(p);
        opnd r = parse_add(p);
        if (p->err) return BAD;
        l = compare(p, t, l, r);
    } else if (t->kind == T_IN) {
        next(p);
        l = in_list(p, t, l, 0);
    } else if (t->kind == T_NOT && peek2(p)->kind == T_IN) {
        next(p);
        t = next(p);
        l = in_list(p, t, l, 1);
    } else if (t->kind == T_IS) {
        next(p);
        int neg = 0;
        if (peek(p)->kind == T_NOT) next(p), neg = 1;
        token *nul = peek(p);
        if (nul->kind != T_NULL) {
            fail(p, nul->pos, "expected 'null' or 'not null' after 'is'");
            return BAD;
        }
        next(p);
        int n = node(p, X_ISNULL, l.node, 0, 1, t->pos);
        if (n < 0) return BAD;
        p->e->nodes[n].neg = (unsigned char)neg;
        p->e->nodes[n].ctype = (unsigned char)l.type;
        l = mk(n, TY_BOOL, l.pos, nul->pos + nul->len);
    } else {
        return l;
    }
    if (p->err) return BAD;
    t = peek(p);
    if (is_cmp(t->kind) || t->kind == T_IN || t->kind == T_IS ||
        (t->kind == T_NOT && peek2(p)->kind == T_IN)) {
        fail(p, t->pos, "comparisons do not chain: join them with 'and' (at '%.*s')",
             TOKTEXT(p, t));
        return BAD;
    }
    return l;
}

/* ---- logic ---- */

static int need_bool(parser *p, const token *op, opnd o)
{
    if (o.type == TY_BOOL) return 1;
    fail(p, o.pos, "'%.*s' needs bools, but %.*s is %s", TOKTEXT(p, op), OPNDTEXT(p, o),
         type_name(o.type));
    return 0;
}

static opnd parse_not(parser *p)
{
    token *t = peek(p);
    if (t->kind != T_NOT) return parse_cmp(p);
    next(p);
    if (++p->nest > MAX_NEST) {
        fail(p, t->pos, "expression too deeply nested (more than %d levels)", MAX_NEST);
        return BAD;
    }
    opnd o = parse_not(p);
    if (p->err || !need_bool(p, t, o)) return BAD;
    p->nest--;
    int n = node(p, X_NOT, o.node, 0, 1, t->pos);
    return n < 0 ? BAD : mk(n, TY_BOOL, t->pos, o.end);
}

static opnd parse_and(parser *p)
{
    opnd l = parse_not(p);
    while (!p->err && peek(p)->kind == T_AND) {
        token *t = next(p);
        opnd r = parse_not(p);
        if (p->err || !need_bool(p, t, l) || !need_bool(p, t, r)) return BAD;
        int n = node(p, X_AND, l.node, r.node, 2, t->pos);
        if (n < 0) return BAD;
        l = mk(n, TY_BOOL, l.pos, r.end);
    }
    return p->err ? BAD : l;
}

static opnd parse_or(parser *p)
{
    opnd l = parse_and(p);
    while (!p->err && peek(p)->kind == T_OR) {
        token *t = next(p);
        opnd r = parse_and(p);
        if (p->err || !need_bool(p, t, l) || !need_bool(p, t, r)) return BAD;
        int n = node(p, X_OR, l.node, r.node, 2, t->pos);
        if (n < 0) return BAD;
        l = mk(n, TY_BOOL, l.pos, r.end);
    }
    return p->err ? BAD : l;
}

/* ---- compile ---- */

/* Text left over after a complete expression. A keyword in capitals (`AND`) lands here, so
 * it gets a hint. */
static void trailing(parser *p, const token *t)
{
    for (size_t k = 0; t->kind == T_IDENT && k < sizeof(keywords) / sizeof(*keywords); k++)
        if ((int)strlen(keywords[k].word) == t->len &&
            strncasecmp(keywords[k].word, p->text + t->pos, (size_t)t->len) == 0) {
            fail(p, t->pos, "unexpected '%.*s'; keywords are lower case: '%s'", TOKTEXT(p, t),
                 keywords[k].word);
            return;
        }
    fail(p, t->pos, "unexpected '%.*s' after a complete expression", TOKTEXT(p, t));
}

pg_expr *pg_expr_compile(const char *text, const pg_source *src, const pg_calendar *cal, int offset,
                         pg_xtype *type, char **err, int *col)
{
    parser p = {.text = text ? text : "", .src = src, .cal = cal};
    p.e = pg_xcalloc(1, sizeof(pg_expr));
    p.e->cal = cal;
    p.e->offset = offset;
    /* the string pool always exists, so that an empty literal's pointer (strs + 0) is a real
     * pointer and not NULL + 0 */
    grow((void **)&p.e->strs, &p.e->capstrs, 16, 1);
    if (err) *err = NULL;
    if (col) *col = 0;
    if (strlen(p.text) > MAX_TEXT) {
        fail(&p, 0, "expression too long (more than %d bytes)", MAX_TEXT);
    } else if (lex(&p) == 0) {
        if (p.toks[0].kind == T_END) {
            fail(&p, 0, "empty expression");
        } else {
            opnd o = parse_or(&p);
            token *t = peek(&p);
            if (!p.err && t->kind == T_RP)
                fail(&p, t->pos, "unbalanced parentheses: this ')' has no matching '('");
            else if (!p.err && t->kind != T_END)
                trailing(&p, t);
            if (!p.err) {
                p.e->root = o.node;
                p.e->rtype = o.type;
            }
        }
    }
    free(p.toks);
    free(p.depth);
    if (p.err) {
        pg_expr_free(p.e);
        if (col) *col = p.errpos + 1;
        if (err)
            *err = p.err;
        else
            free(p.err);
        return NULL;
    }
    if (type) {
        static const pg_xtype pub[] = {[TY_BOOL] = PG_X_BOOL,
                                       [TY_NUM] = PG_X_NUMBER,
                                       [TY_STR] = PG_X_STRING,
                                       [TY_ENUM] = PG_X_STRING,
                                       [TY_TIME] = PG_X_TIME};
        *type = pub[p.e->rtype];
    }
    return p.e;
}
