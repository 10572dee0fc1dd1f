/*
 * complete.c — Tab completion of globals, fields and methods.
 *
 * The word before the cursor is a dotted path: `gl.ten`, `gl.nn.Li`, `x:ba`.
 * Everything up to the last '.' or ':' is looked up (protected: __index may
 * run code or fail), then the names that the value offers are matched:
 *   - a table's own string keys;
 *   - through its metatable: __index when it is a table (following the chain
 *     of classes), and the listings __methods and __fields when present (a
 *     list of names, a set of names, or a function returning one); for a
 *     userdata whose __index is a function, the metatable's own names too;
 *   - after ':' only what can be called.
 * Names starting with "__" are offered only if the word does. A unique match
 * gets "(" if it can be called, "." if it is a plain table.
 */
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "internal.h"

enum { KIND_VALUE, KIND_CALL, KIND_TABLE };
enum { MAX_CHAIN = 8 };

static lua_State *CL;

static const char *const keywords[] = {
    "and", "break", "do",  "else", "elseif", "end",    "false",  "for",  "function", "goto", "if",
    "in",  "local", "nil", "not",  "or",     "repeat", "return", "then", "true",     "until", "while",
};

/* ------------------------------------------------- gathering names (Lua) */

static int kind_of(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if (t == LUA_TFUNCTION)
        return KIND_CALL;
    if (luaL_getmetafield(L, idx, "__call") != LUA_TNIL) {
        lua_pop(L, 1);
        return KIND_CALL;
    }
    return t == LUA_TTABLE ? KIND_TABLE : KIND_VALUE;
}

/* names[name] = kind, unless it is there already or unwanted. */
static void add_name(lua_State *L, int names, int name, int kind, bool calls_only)
{
    if (calls_only && kind != KIND_CALL)
        return;
    lua_pushvalue(L, name);
    if (lua_rawget(L, names) == LUA_TNIL) {
        lua_pushvalue(L, name);
        lua_pushinteger(L, kind);
        lua_rawset(L, names);
    }
    lua_pop(L, 1);
}

/* The string keys of the table at t, with the kinds of their values. */
static void add_keys(lua_State *L, int names, int t, bool calls_only)
{
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING)
            add_name(L, names, lua_gettop(L) - 1, kind_of(L, lua_gettop(L)), calls_only);
        lua_pop(L, 1);
    }
}

/* A __methods / __fields listing at idx: {"a", "b"}, {a = true}, or a
 * function of the value returning one of those. */
static void add_listing(lua_State *L, int names, int idx, int value, int kind, bool calls_only)
{
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        lua_pushvalue(L, idx);
        lua_pushvalue(L, value);
        lua_call(L, 1, 1);
        idx = lua_gettop(L);
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        return;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        int v = lua_gettop(L), k = v - 1;
        if (lua_type(L, v) == LUA_TSTRING)
            add_name(L, names, v, kind, calls_only);
        else if (lua_type(L, k) == LUA_TSTRING)
            add_name(L, names, k, kind, calls_only);
        lua_pop(L, 1);
    }
}

/* Everything the value at v offers through its metatable. */
static void add_meta(lua_State *L, int names, int v, bool calls_only)
{
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
        int top = lua_gettop(L);
        if (!lua_getmetatable(L, v))
            return;
        int mt = lua_gettop(L);
        if (lua_getfield(L, mt, "__methods") != LUA_TNIL)
            add_listing(L, names, lua_gettop(L), v, KIND_CALL, calls_only);
        lua_settop(L, mt);
        if (lua_getfield(L, mt, "__fields") != LUA_TNIL)
            add_listing(L, names, lua_gettop(L), v, KIND_VALUE, calls_only);
        lua_settop(L, mt);
        int t = lua_getfield(L, mt, "__index");
        if (t == LUA_TFUNCTION && lua_type(L, v) != LUA_TTABLE)
            add_keys(L, names, mt, calls_only); /* methods kept in the metatable */
        if (t != LUA_TTABLE) {
            lua_settop(L, top);
            return;
        }
        add_keys(L, names, lua_gettop(L), calls_only);
        /* go on up the class chain: __index's own metatable */
        lua_replace(L, v);
        lua_settop(L, v);
    }
}

/* Runs protected. Arguments: the path before the separator ("" for
 * globals), the separator ("", "." or ":"). Returns the table name -> kind. */
static int gather(lua_State *L)
{
    size_t plen;
    const char *path = luaL_checklstring(L, 1, &plen);
    const char *sep = luaL_checkstring(L, 2);
    bool calls_only = sep[0] == ':';
    lua_newtable(L);
    int names = lua_gettop(L);

    lua_pushglobaltable(L);
    if (plen == 0) {
        add_keys(L, names, lua_gettop(L), false);
        add_meta(L, names, lua_gettop(L), false);
        for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
            lua_pushstring(L, keywords[i]);
            add_name(L, names, lua_gettop(L), KIND_VALUE, false);
            lua_pop(L, 1);
        }
        lua_settop(L, names);
        return 1;
    }
    /* walk the path: each step may run __index, or fail (a number) */
    const char *p = path, *end = path + plen;
    while (p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        const char *stop = dot ? dot : end;
        if (lua_isnil(L, -1)) {
            lua_settop(L, names);
            return 1;
        }
        lua_pushlstring(L, p, (size_t)(stop - p));
        lua_gettable(L, -2);
        lua_remove(L, -2);
        p = stop + 1;
    }
    int v = lua_gettop(L);
    if (lua_type(L, v) == LUA_TTABLE)
        add_keys(L, names, v, calls_only);
    add_meta(L, names, v, calls_only);
    lua_settop(L, names);
    return 1;
}

/* --------------------------------------------------- readline's side */

static char **found;   /* the full completions, NULL-terminated */
static int *found_kind;
static size_t nfound;

static void clear_found(void)
{
    for (size_t i = 0; i < nfound; i++)
        free(found[i]);
    free(found);
    free(found_kind);
    found = NULL;
    found_kind = NULL;
    nfound = 0;
}

static char *generator(const char *text, int state)
{
    static size_t next;
    (void)text;
    if (state == 0)
        next = 0;
    return next < nfound ? strdup(found[next++]) : NULL;
}

static bool path_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(c == '_' || c == '.' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z')))
            return false;
    }
    return n == 0 || (s[0] != '.' && s[n - 1] != '.' && strstr(s, "..") == NULL);
}

static void find(const char *text)
{
    lua_State *L = CL;
    clear_found();
    const char *cut = NULL;
    for (const char *q = text; *q; q++)
        if (*q == '.' || *q == ':')
            cut = q;
    size_t plen = cut ? (size_t)(cut - text) : 0;
    const char *partial = cut ? cut + 1 : text;
    if (!path_ok(text, plen) || (cut && *cut == ':' && memchr(text, ':', plen)))
        return;
    size_t partlen = strlen(partial);
    bool show_private = partial[0] == '_' && partial[1] == '_';

    int top = lua_gettop(L);
    lua_pushcfunction(L, gather);
    lua_pushlstring(L, text, plen);
    lua_pushstring(L, cut ? (*cut == ':' ? ":" : ".") : "");
    if (repl_docall(L, 2, 1) != LUA_OK || lua_type(L, -1) != LUA_TTABLE) {
        lua_settop(L, top);
        return;
    }
    size_t cap = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        int kind = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (klen < partlen || strncmp(k, partial, partlen) != 0 || strlen(k) != klen)
            continue;
        if (!show_private && k[0] == '_' && k[1] == '_')
            continue;
        if (cut && !path_ok(k, klen))
            continue; /* t["a b"] cannot be written as t.a b */
        if (nfound + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nf = realloc(found, ncap * sizeof *nf);
            if (nf == NULL)
                break;
            found = nf;
            int *nk = realloc(found_kind, ncap * sizeof *nk);
            if (nk == NULL)
                break;
            found_kind = nk;
            cap = ncap;
        }
        char *full = malloc(plen + 1 + klen + 1);
        if (full == NULL)
            break;
        memcpy(full, text, plen + (cut ? 1 : 0));
        memcpy(full + plen + (cut ? 1 : 0), k, klen + 1);
        found[nfound] = full;
        found_kind[nfound] = kind;
        nfound++;
    }
    lua_settop(L, top);
}

static char **attempt(const char *text, int start, int end)
{
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1; /* never fall back to file names */
    find(text);
    rl_completion_append_character = '\0';
    if (nfound == 1) {
        if (found_kind[0] == KIND_CALL)
            rl_completion_append_character = '(';
        else if (found_kind[0] == KIND_TABLE)
            rl_completion_append_character = '.';
        else
            for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
                if (strcmp(found[0], keywords[i]) == 0)
                    rl_completion_append_character = ' ';
    }
    char **matches = nfound ? rl_completion_matches(text, generator) : NULL;
    clear_found();
    return matches;
}

void repl_complete_init(lua_State *L)
{
    CL = L;
    rl_attempted_completion_function = attempt;
    /* '.' and ':' belong to the word: gl.nn.Li, x:ba */
    rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{}()[],+-*/%^#~!";
    rl_completer_word_break_characters = rl_basic_word_break_characters;
}
