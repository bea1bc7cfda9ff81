/* pattern.c — string.find, match, gmatch and gsub for rule code, with a matcher that counts
 * its steps.
 *
 * Why our own matcher: Lua's (lstrlib.c) runs in C to completion. The count hook never fires
 * inside it, and it backtracks super-linearly: 'a*a*a*a*b' against a long run of a's takes
 * time growing as the subject's length to the power of the pattern's quantifiers, and even a
 * pattern with no quantifier costs subject × pattern ('a' .. 'b' repeated), so no check of
 * the arguments beforehand bounds it. A rule is untrusted; the only bound that holds whatever
 * the pattern is to count the work while doing it. This file is a clean-room implementation of
 * the pattern language as the Lua 5.4 reference manual (§6.4.1) defines it, written so that
 * every loop a rule controls goes through step(): every PG__CHARGE_EVERY steps the count is
 * charged to the entry's instruction budget and the entry's wall-clock deadline is checked
 * (pg__sandbox_charge raises past either, naming the rule's file:line and the function).
 *
 * Results are Lua's: same matches, same captures (position captures as integers), same
 * anchors, frontier, balance and back-reference rules, the same "pattern too complex" depth
 * (200) and "too many captures" (32) limits and the same error texts. A plain find (the
 * `plain` flag, or a pattern with no magic character) goes through glibc's memmem, which is
 * linear (two-way); Lua's own is subject × needle.
 *
 * Costs, n the subject's length, m the pattern's, r the replacement's: every step is O(1)
 * except a set [...] (O(its length), charged as such), a back-reference (O(capture), charged)
 * and one replacement string (O(r), charged per match). So the time of a call is at most
 * proportional to the steps charged, and the steps are bounded by the budget. */
#define _GNU_SOURCE /* memmem */
#include "sandbox_internal.h"

#include <ctype.h>
#include <lauxlib.h>
#include <string.h>

#define ESC '%'
#define SPECIALS "^$*+?.([%-"
#define MAX_CAPTURES 32
#define MAX_DEPTH 200
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)

typedef struct {
    lua_State *L;
    const char *fname; /* for the budget's message: "string.find" */
    const char *src_init, *src_end, *p_end;
    long steps; /* not yet charged */
    int depth;  /* recursion left */
    int level;  /* captures open or closed */
    struct {
        const char *init;
        ptrdiff_t len; /* or CAP_UNFINISHED, CAP_POSITION */
    } capture[MAX_CAPTURES];
} matcher;

static void step(matcher *m, long n)
{
    m->steps += n;
    if (m->steps >= PG__CHARGE_EVERY) {
        long s = m->steps;
        m->steps = 0;
        pg__sandbox_charge(m->L, s, m->fname);
    }
}

static void settle(matcher *m)
{
    long s = m->steps;
    m->steps = 0;
    if (s) pg__sandbox_charge(m->L, s, m->fname);
}

static void begin(matcher *m, lua_State *L, const char *fname, const char *s, size_t ls,
                  const char *p, size_t lp)
{
    m->L = L;
    m->fname = fname;
    m->src_init = s;
    m->src_end = s + ls;
    m->p_end = p + lp;
    m->steps = 0;
    m->level = 0;
    m->depth = MAX_DEPTH;
}

static void restart(matcher *m)
{
    m->level = 0;
    m->depth = MAX_DEPTH;
}

static unsigned char uc(char c)
{
    return (unsigned char)c;
}

/* The end of the single-character class at p (a character, %x or a set). Lua strings end in a
 * '\0' past their length, which is what *p reads at p_end. */
static const char *class_end(matcher *m, const char *p)
{
    const char *start = p;
    switch (*p++) {
    case ESC:
        if (p >= m->p_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^') p++;
        do { /* the first character of a set is taken as is, even ']' */
            if (p >= m->p_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == ESC && p < m->p_end) p++;
        } while (*p != ']');
        step(m, (p - start) >> 3);
        return p + 1;
    default:
        return p;
    }
}

static int class_has(int c, int cl)
{
    int r;
    switch (tolower(cl)) {
    case 'a':
        r = isalpha(c);
        break;
    case 'c':
        r = iscntrl(c);
        break;
    case 'd':
        r = isdigit(c);
        break;
    case 'g':
        r = isgraph(c);
        break;
    case 'l':
        r = islower(c);
        break;
    case 'p':
        r = ispunct(c);
        break;
    case 's':
        r = isspace(c);
        break;
    case 'u':
        r = isupper(c);
        break;
    case 'w':
        r = isalnum(c);
        break;
    case 'x':
        r = isxdigit(c);
        break;
    case 'z':
        r = c == 0;
        break; /* deprecated in the manual, still accepted by Lua 5.4 */
    default:
        return cl == c;
    }
    if (isupper(cl)) r = !r;
    return r != 0;
}

/* p at '[', ec at the closing ']'. */
static int set_has(matcher *m, int c, const char *p, const char *ec)
{
    int in = 1;
    step(m, (ec - p) >> 3);
    if (p[1] == '^') {
        in = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == ESC) {
            p++;
            if (class_has(c, uc(*p))) return in;
        } else if (p[1] == '-' && p + 2 < ec) {
            p += 2;
            if (uc(p[-2]) <= c && c <= uc(*p)) return in;
        } else if (uc(*p) == c) {
            return in;
        }
    }
    return !in;
}

static int single(matcher *m, const char *s, const char *p, const char *ep)
{
    if (s >= m->src_end) return 0;
    int c = uc(*s);
    switch (*p) {
    case '.':
        return 1;
    case ESC:
        return class_has(c, uc(p[1]));
    case '[':
        return set_has(m, c, p, ep - 1);
    default:
        return uc(*p) == c;
    }
}

static const char *do_match(matcher *m, const char *s, const char *p);

static const char *balance(matcher *m, const char *s, const char *p)
{
    if (p >= m->p_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p) return NULL;
    int open = *p, close = p[1], depth = 1;
    while (++s < m->src_end) {
        step(m, 1);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *max_expand(matcher *m, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (single(m, s + i, p, ep)) {
        step(m, 1);
        i++;
    }
    for (; i >= 0; i--) {
        const char *r = do_match(m, s + i, ep + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *min_expand(matcher *m, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *r = do_match(m, s, ep + 1);
        if (r) return r;
        if (!single(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *start_capture(matcher *m, const char *s, const char *p, ptrdiff_t what)
{
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].init = s;
    m->capture[m->level].len = what;
    m->level++;
    const char *r = do_match(m, s, p);
    if (!r) m->level--;
    return r;
}

static const char *end_capture(matcher *m, const char *s, const char *p)
{
    int l = m->level - 1;
    while (l >= 0 && m->capture[l].len != CAP_UNFINISHED) l--;
    if (l < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[l].len = s - m->capture[l].init;
    const char *r = do_match(m, s, p);
    if (!r) m->capture[l].len = CAP_UNFINISHED;
    return r;
}

static const char *back_reference(matcher *m, const char *s, int digit)
{
    int l = digit - '1';
    if (l < 0 || l >= m->level || m->capture[l].len == CAP_UNFINISHED)
        luaL_error(m->L, "invalid capture index %%%d", l + 1);
    ptrdiff_t len = m->capture[l].len;
    if (len < 0 || m->src_end - s < len) return NULL; /* a position capture never matches */
    step(m, len >> 3);
    return memcmp(m->capture[l].init, s, (size_t)len) == 0 ? s + len : NULL;
}

/* The match of pattern p (to p_end) at s: its end, or NULL. */
static const char *do_match(matcher *m, const char *s, const char *p)
{
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m, 1);
        if (p == m->p_end) break;
        switch (*p) {
        case '(':
            if (p[1] == ')')
                s = start_capture(m, s, p + 2, CAP_POSITION);
            else
                s = start_capture(m, s, p + 1, CAP_UNFINISHED);
            goto done;
        case ')':
            s = end_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->p_end) goto single_item;
            if (s != m->src_end) s = NULL;
            goto done;
        case ESC:
            if (p[1] == 'b') {
                s = balance(m, s, p + 2);
                if (!s) goto done;
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(m, p);
                int prev = s == m->src_init ? '\0' : uc(s[-1]);
                int cur = s < m->src_end ? uc(*s) : '\0';
                if (!set_has(m, prev, p, ep - 1) && set_has(m, cur, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            if (isdigit(uc(p[1]))) {
                s = back_reference(m, s, uc(p[1]));
                if (!s) goto done;
                p += 2;
                continue;
            }
            goto single_item;
        default:
        single_item : {
            const char *ep = class_end(m, p);
            if (!single(m, s, p, ep)) {
                if (*ep == '*' || *ep == '?' || *ep == '-') { /* may match zero times */
                    p = ep + 1;
                    continue;
                }
                s = NULL;
                goto done;
            }
            switch (*ep) {
            case '?': {
                const char *r = do_match(m, s + 1, ep + 1);
                if (r) {
                    s = r;
                    goto done;
                }
                p = ep + 1;
                continue;
            }
            case '+':
                s = max_expand(m, s + 1, p, ep);
                goto done;
            case '*':
                s = max_expand(m, s, p, ep);
                goto done;
            case '-':
                s = min_expand(m, s, p, ep);
                goto done;
            default:
                s++;
                p = ep;
                continue;
            }
        }
        }
    }
done:
    m->depth++;
    return s;
}

/* Pushes capture i (the whole match s..e when there are none and i is 0). */
static void push_capture(matcher *m, int i, const char *s, const char *e)
{
    lua_State *L = m->L;
    if (i >= m->level) {
        if (i != 0) luaL_error(L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->capture[i].len;
    if (len == CAP_UNFINISHED) luaL_error(L, "unfinished capture");
    if (len == CAP_POSITION)
        lua_pushinteger(L, (m->capture[i].init - m->src_init) + 1);
    else
        lua_pushlstring(L, m->capture[i].init, (size_t)len);
}

/* Pushes every capture, or the whole match (when s is not NULL) if there is none. */
static int push_captures(matcher *m, const char *s, const char *e)
{
    int n = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

/* A position as find, match and gmatch read their `init`: 1-based, negative from the end. */
static size_t start_at(lua_Integer pos, size_t len)
{
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int no_specials(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++)
        if (p[i] && strchr(SPECIALS, p[i])) return 0;
    return 1;
}

static int find_or_match(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_at(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
        /* Linear: glibc's memmem is two-way (or a shift table for short needles). */
        const char *hit = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
        pg__sandbox_charge(L, 1 + (long)((ls - init) >> 10), "string.find");
        if (hit) {
            lua_pushinteger(L, (hit - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    const char *s1 = s + init;
    int anchor = *p == '^';
    if (anchor) p++, lp--;
    begin(&m, L, find ? "string.find" : "string.match", s, ls, p, lp);
    do {
        restart(&m);
        const char *e = do_match(&m, s1, p);
        if (e) {
            settle(&m);
            if (!find) return push_captures(&m, s1, e);
            lua_pushinteger(L, (s1 - s) + 1);
            lua_pushinteger(L, e - s);
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (s1++ < m.src_end && !anchor);
    settle(&m);
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L)
{
    return find_or_match(L, 1);
}

static int str_match(lua_State *L)
{
    return find_or_match(L, 0);
}

/* gmatch's iterator: upvalues are the subject, the pattern and this state. */
typedef struct {
    size_t next;    /* where the next search starts */
    ptrdiff_t last; /* the end of the last match, or -1: an empty match there is skipped */
} gmatch_state;

static int gmatch_next(lua_State *L)
{
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    gmatch_state *st = lua_touserdata(L, lua_upvalueindex(3));
    matcher m;
    begin(&m, L, "string.gmatch", s, ls, p, lp);
    for (const char *src = s + st->next; src <= m.src_end; src++) {
        restart(&m);
        const char *e = do_match(&m, src, p);
        if (e && (e - s) != st->last) {
            st->next = (size_t)(e - s);
            st->last = e - s;
            settle(&m);
            return push_captures(&m, src, e);
        }
    }
    settle(&m);
    return 0;
}

static int str_gmatch(lua_State *L)
{
    size_t ls;
    luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_at(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) init = ls + 1;
    lua_settop(L, 2);
    gmatch_state *st = lua_newuserdatauv(L, sizeof *st, 0);
    st->next = init;
    st->last = -1;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/* The replacement string (argument 3) for the match s..e: %0-%9 and %%. */
static void add_string(matcher *m, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = m->L;
    size_t l;
    const char *r = lua_tolstring(L, 3, &l), *p;
    step(m, 1 + (long)(l >> 3));
    while ((p = memchr(r, ESC, l)) != NULL) {
        luaL_addlstring(b, r, (size_t)(p - r));
        p++; /* past the %; at the end of r, *p is the terminating '\0' */
        if (*p == ESC) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit(uc(*p))) {
            push_capture(m, *p - '1', s, e);
            luaL_tolstring(L, -1, NULL); /* a position capture is an integer */
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESC);
        }
        l -= (size_t)(p + 1 - r);
        r = p + 1;
    }
    luaL_addlstring(b, r, l);
}

/* Adds the replacement of s..e; returns whether it differs from the match. */
static int add_value(matcher *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
    lua_State *L = m->L;
    if (tr == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (tr == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_string(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) { /* false or nil: keep the match */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int str_gsub(lua_State *L)
{
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last = NULL;
    int tr = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1), n = 0;
    int anchor = *p == '^', changed = 0;
    luaL_argexpected(
        L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
        "string/function/table");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) p++, lp--;
    matcher m;
    begin(&m, L, "string.gsub", src, ls, p, lp);
    while (n < max) {
        restart(&m);
        const char *e = do_match(&m, src, p);
        if (e && e != last) {
            n++;
            changed = add_value(&m, &b, src, e, tr) | changed;
            src = last = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    settle(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void pg__pattern_open(lua_State *L)
{
    static const luaL_Reg fns[] = {{"find", str_find},
                                   {"match", str_match},
                                   {"gmatch", str_gmatch},
                                   {"gsub", str_gsub},
                                   {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
}
