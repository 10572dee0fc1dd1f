/*
 * print.c — how the REPL shows values.
 *
 * Tensors and anything else with __tostring print through tostring; tables
 * without one are pretty-printed: one line when they fit, else one item per
 * line, nested, with cycles shown as <cycle>, at most MAX_DEPTH levels and
 * MAX_ITEMS items per table. Keys come in order: 1..n, then numbers, then
 * strings, then the rest. On a terminal (and without NO_COLOR) values are
 * colored by type. The text goes out through the global `print`, as lua.c
 * does, so it follows redirections and pipes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "internal.h"

enum { MAX_DEPTH = 5, MAX_ITEMS = 64, MAX_STRING = 200, MAX_SORTED_KEYS = 100000 };

bool repl_color_out = false, repl_color_err = false;

void repl_print_init(void)
{
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    bool off = (no_color != NULL && no_color[0] != '\0') || (term != NULL && strcmp(term, "dumb") == 0);
    repl_color_out = !off && isatty(STDOUT_FILENO);
    repl_color_err = !off && isatty(STDERR_FILENO);
}

const char *repl_color_error(void) { return repl_color_err ? "\033[31m" : ""; }
const char *repl_color_reset_err(void) { return repl_color_err ? "\033[0m" : ""; }

typedef enum { C_PLAIN, C_NUMBER, C_STRING, C_BOOLEAN, C_NIL, C_FUNCTION, C_OTHER, C_DIM } color_id;

static const char *const ansi[] = {
    [C_PLAIN] = "",          [C_NUMBER] = "\033[36m",   [C_STRING] = "\033[32m", [C_BOOLEAN] = "\033[33m",
    [C_NIL] = "\033[90m",    [C_FUNCTION] = "\033[35m", [C_OTHER] = "\033[34m",  [C_DIM] = "\033[90m",
};

typedef struct {
    lua_State *L;
    bool color;
    int width; /* columns a one-line table may use */
    int seen;  /* stack index of the set of tables being printed (cycles) */
} printer;

/* ------------------------------------------------------------- leaves */

/* Columns taken by s (UTF-8: continuation bytes take none). */
static int text_width(const char *s, size_t len)
{
    int w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* Colors the string on top of the stack in place. */
static void colorize(printer *p, color_id c)
{
    if (!p->color || c == C_PLAIN)
        return;
    lua_State *L = p->L;
    lua_pushstring(L, ansi[c]);
    lua_insert(L, -2);
    lua_pushliteral(L, "\033[0m");
    lua_concat(L, 3);
}

/* Replaces the string on top by itself with `col` spaces after each newline,
 * so a multi-line text (a tensor) stays aligned where it is placed. */
static void indent_lines(lua_State *L, int col)
{
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (col <= 0 || memchr(s, '\n', len) == NULL)
        return;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < len; i++) {
        luaL_addchar(&b, s[i]);
        if (s[i] == '\n')
            for (int k = 0; k < col; k++)
                luaL_addchar(&b, ' ');
    }
    luaL_pushresult(&b);
    lua_remove(L, -2);
}

/* Pushes the string form of a non-table (or __tostring) value; returns its
 * width, or -1 if it spans lines. */
static int leaf(printer *p, int idx, int col)
{
    lua_State *L = p->L;
    color_id c;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: c = C_NIL; break;
    case LUA_TBOOLEAN: c = C_BOOLEAN; break;
    case LUA_TNUMBER: c = C_NUMBER; break;
    case LUA_TSTRING: c = C_STRING; break;
    case LUA_TFUNCTION: c = C_FUNCTION; break;
    default: /* a tensor prints as itself; other userdata in a color */
        c = luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL ? C_PLAIN : C_OTHER;
        if (c == C_PLAIN)
            lua_pop(L, 1);
        break;
    }
    size_t len;
    const char *s = luaL_tolstring(L, idx, &len);
    int w = memchr(s, '\n', len) ? -1 : text_width(s, len);
    indent_lines(L, col);
    colorize(p, c);
    return w;
}

/* Pushes the string at idx quoted as Lua source, cut at MAX_STRING bytes. */
static int quoted(printer *p, int idx)
{
    lua_State *L = p->L;
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    size_t n = len > MAX_STRING ? MAX_STRING : len;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': luaL_addstring(&b, "\\\""); break;
        case '\\': luaL_addstring(&b, "\\\\"); break;
        case '\n': luaL_addstring(&b, "\\n"); break;
        case '\t': luaL_addstring(&b, "\\t"); break;
        case '\r': luaL_addstring(&b, "\\r"); break;
        default:
            if (ch < 32 || ch == 127) {
                char esc[8];
                snprintf(esc, sizeof esc, "\\%d", ch);
                luaL_addstring(&b, esc);
            } else {
                luaL_addchar(&b, (char)ch);
            }
        }
    }
    luaL_addchar(&b, '"');
    if (n < len)
        lua_pushfstring(L, "...(%I bytes)", (lua_Integer)len);
    else
        lua_pushliteral(L, "");
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    size_t rlen;
    const char *r = lua_tolstring(L, -1, &rlen);
    int w = text_width(r, rlen);
    colorize(p, C_STRING);
    return w;
}

/* -------------------------------------------------------------- tables */

static int render(printer *p, int idx, int depth, int indent, int col, bool top);

static bool is_identifier(const char *s, size_t len)
{
    static const char *const reserved[] = {
        "and",  "break", "do",  "else", "elseif", "end",    "false", "for",  "function", "goto", "if",
        "in",   "local", "nil", "not",  "or",     "repeat", "return", "then", "true",     "until", "while",
    };
    if (len == 0 || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z')))
            return false;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strcmp(s, reserved[i]) == 0)
            return false;
    return true;
}

typedef struct {
    int rank; /* 0 number, 1 string, 2 boolean, 3 other */
    lua_Number num;
    const char *str;
    size_t len;
    int pos; /* index in the keys table */
} keyinfo;

static int keycmp(const void *pa, const void *pb)
{
    const keyinfo *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    if (a->rank == 0 && a->num != b->num)
        return a->num < b->num ? -1 : 1;
    if (a->rank == 1) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->str, b->str, n);
        if (c != 0)
            return c;
        if (a->len != b->len)
            return a->len < b->len ? -1 : 1;
    }
    if (a->rank == 2 && a->num != b->num)
        return a->num < b->num ? -1 : 1;
    return a->pos - b->pos;
}

/* Pushes the key at idx as it prefixes its value: `name = ` or `[k] = `. */
static int key_prefix(printer *p, int idx)
{
    lua_State *L = p->L;
    size_t len;
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tolstring(L, idx, &len);
        if (is_identifier(s, len)) {
            lua_pushfstring(L, "%s = ", s);
            return text_width(s, len) + 3;
        }
    }
    int w = lua_type(L, idx) == LUA_TSTRING ? quoted(p, idx) : leaf(p, idx, 0);
    if (w < 0)
        w = (int)luaL_len(L, -1);
    lua_pushliteral(L, "[");
    lua_insert(L, -2);
    lua_pushliteral(L, "] = ");
    lua_concat(L, 3);
    return w + 5;
}

/* Pushes the whole table at idx; returns its width or -1 if on many lines. */
static int table(printer *p, int idx, int depth, int indent)
{
    lua_State *L = p->L;
    int top0 = lua_gettop(L);

    lua_pushnil(L);
    if (lua_next(L, idx) == 0) {
        lua_pushliteral(L, "{}");
        return 2;
    }
    lua_pop(L, 2);
    if (depth >= MAX_DEPTH) {
        lua_pushliteral(L, "{...}");
        colorize(p, C_DIM);
        return 5;
    }
    lua_pushvalue(L, idx);
    if (lua_rawget(L, p->seen) != LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushliteral(L, "<cycle>");
        colorize(p, C_DIM);
        return 7;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, p->seen);

    /* the sequence 1..narr, and the other keys in order */
    lua_Integer narr = 0;
    while (lua_rawgeti(L, idx, narr + 1) != LUA_TNIL) {
        lua_pop(L, 1);
        narr++;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    int keys = lua_gettop(L);
    int nkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            if (k >= 1 && k <= narr)
                continue;
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++nkeys);
    }
    keyinfo *info = NULL;
    if (nkeys > 0 && nkeys <= MAX_SORTED_KEYS) {
        info = lua_newuserdatauv(L, sizeof *info * (size_t)nkeys, 0); /* freed by the collector */
        for (int i = 0; i < nkeys; i++) {
            keyinfo *k = &info[i];
            memset(k, 0, sizeof *k);
            k->pos = i + 1;
            lua_rawgeti(L, keys, i + 1);
            switch (lua_type(L, -1)) {
            case LUA_TNUMBER: k->rank = 0; k->num = lua_tonumber(L, -1); break;
            case LUA_TSTRING: k->rank = 1; k->str = lua_tolstring(L, -1, &k->len); break;
            case LUA_TBOOLEAN: k->rank = 2; k->num = lua_toboolean(L, -1); break;
            default: k->rank = 3; break;
            }
            lua_pop(L, 1); /* the keys table keeps the string alive */
        }
        qsort(info, (size_t)nkeys, sizeof *info, keycmp);
    }
    int base = lua_gettop(L);

    /* one string per item */
    lua_Integer total = narr + nkeys, shown = total < MAX_ITEMS ? total : MAX_ITEMS;
    luaL_checkstack(L, (int)shown + 8, "table too big to print");
    int sum = 0, widths[MAX_ITEMS + 1];
    bool oneline = true;
    for (lua_Integer i = 0; i < shown; i++) {
        int w;
        if (i < narr) {
            lua_rawgeti(L, idx, i + 1);
            w = render(p, lua_gettop(L), depth + 1, indent + 2, indent + 2, false);
            lua_remove(L, -2);
        } else {
            int pos = info ? info[i - narr].pos : (int)(i - narr + 1);
            lua_rawgeti(L, keys, pos);
            int kw = key_prefix(p, lua_gettop(L));
            lua_pushvalue(L, -2);
            lua_rawget(L, idx);
            w = render(p, lua_gettop(L), depth + 1, indent + 2, indent + 2 + kw, false);
            lua_remove(L, -2); /* the value */
            lua_concat(L, 2);  /* prefix .. value */
            lua_remove(L, -2); /* the key */
            w = w < 0 ? -1 : kw + w;
        }
        if (w < 0)
            oneline = false;
        else
            sum += w + 2;
        widths[i] = w;
    }
    if (shown < total) {
        lua_pushfstring(L, "...(%I more)", (lua_Integer)(total - shown));
        size_t mlen;
        lua_tolstring(L, -1, &mlen);
        widths[shown] = (int)mlen;
        sum += (int)mlen + 2;
        colorize(p, C_DIM);
    }
    int nitems = lua_gettop(L) - base;

    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int width;
    if (oneline && indent + sum + 2 <= p->width) {
        luaL_addchar(&b, '{');
        for (int i = 1; i <= nitems; i++) {
            if (i > 1)
                luaL_addstring(&b, ", ");
            lua_pushvalue(L, base + i);
            luaL_addvalue(&b);
        }
        luaL_addchar(&b, '}');
        width = sum; /* "{" + items + ", "*(n-1) + "}" */
    } else {
        /* one item per line; items that are all one-line share lines */
        luaL_addstring(&b, "{\n");
        int col = 0;
        for (int i = 1; i <= nitems; i++) {
            int w = widths[i - 1];
            if (col > 0 && (!oneline || col + 2 + w + 1 > p->width)) {
                luaL_addstring(&b, ",\n");
                col = 0;
            } else if (col > 0) {
                luaL_addstring(&b, ", ");
                col += 2;
            }
            if (col == 0) {
                for (int k = 0; k < indent + 2; k++)
                    luaL_addchar(&b, ' ');
                col = indent + 2;
            }
            lua_pushvalue(L, base + i);
            luaL_addvalue(&b);
            col += w < 0 ? 0 : w;
        }
        luaL_addchar(&b, '\n');
        for (int k = 0; k < indent; k++)
            luaL_addchar(&b, ' ');
        luaL_addchar(&b, '}');
        width = -1;
    }
    luaL_pushresult(&b);

    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, p->seen);

    lua_replace(L, top0 + 1);
    lua_settop(L, top0 + 1);
    return width;
}

/* Pushes the printed form of the value at idx (absolute). A string at the
 * top level prints as itself; inside a table, quoted. */
static int render(printer *p, int idx, int depth, int indent, int col, bool top)
{
    lua_State *L = p->L;
    luaL_checkstack(L, 16, "value too deep to print");
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return top ? leaf(p, idx, 0) : quoted(p, idx);
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            return leaf(p, idx, col);
        }
        return table(p, idx, depth, indent);
    default:
        return leaf(p, idx, col);
    }
}

/* ---------------------------------------------------------- printing */

static int terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

/* print(render(v1), render(v2), ...) for the arguments; runs protected. */
static int print_all(lua_State *L)
{
    int n = lua_gettop(L);
    printer p = {L, repl_color_out, terminal_width(), 0};
    lua_newtable(L);
    p.seen = lua_gettop(L);
    lua_getglobal(L, "print");
    for (int i = 1; i <= n; i++)
        render(&p, i, 0, 0, 0, true);
    lua_call(L, n, 0);
    return 0;
}

void repl_print_values(lua_State *L, int first)
{
    int top = lua_gettop(L);
    int n = top - first + 1;
    if (n <= 0)
        return;
    luaL_checkstack(L, n + 2, "too many values to print");
    lua_pushcfunction(L, print_all);
    for (int i = first; i <= top; i++)
        lua_pushvalue(L, i);
    repl_report(L, repl_docall(L, n, 0));
    repl_pipe_check();
    lua_settop(L, top);
}
