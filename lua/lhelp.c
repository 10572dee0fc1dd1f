/*
 * lhelp.c — registration and help. Every public function carries a one-line
 * signature and a short doc, written next to its binding (the lgl_reg rows)
 * or given by Lua code through gl._doc(fn, signature, doc) (gl.nn,
 * gl.optim). They are kept in a weak-keyed registry table keyed by the
 * function value, so gl.help(gl.tensor) and gl.help(x.reshape) find them.
 */
#include <string.h>

#include "lgl.h"

#define DOCS_KEY "gradlab.docs"

static void push_docs(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, DOCS_KEY) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, DOCS_KEY);
}

void lgl_doc_set(lua_State *L, int idx, const char *sig, const char *doc)
{
    idx = lua_absindex(L, idx);
    push_docs(L);
    lua_pushvalue(L, idx);
    lua_createtable(L, 2, 0);
    lua_pushstring(L, sig);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, doc ? doc : "");
    lua_rawseti(L, -2, 2);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void lgl_register(lua_State *L, const lgl_tables *tb, const lgl_reg *r)
{
    for (; r->name; r++) {
        lua_pushcfunction(L, r->fn);
        if (r->where & LGL_FN) {
            lua_pushvalue(L, -1);
            lua_setfield(L, tb->gl, r->name);
        }
        if (r->where & LGL_METHOD) {
            lua_pushvalue(L, -1);
            lua_setfield(L, tb->methods, r->name);
        }
        lgl_doc_set(L, -1, r->sig, r->doc);
        lua_pop(L, 1);
    }
}

/* Pushes docs[v] (a table {sig, doc}) or nil. */
static int get_doc(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    push_docs(L);
    lua_pushvalue(L, idx);
    int t = lua_rawget(L, -2);
    lua_remove(L, -2);
    return t;
}

/* The name in a signature: "gl.zeros(...)" -> "zeros", "x:reshape(...)" -> "reshape". */
static int sig_name_is(const char *sig, const char *name)
{
    const char *open = strchr(sig, '(');
    size_t end = open ? (size_t)(open - sig) : strlen(sig);
    size_t start = 0;
    for (size_t i = 0; i < end; i++)
        if (sig[i] == '.' || sig[i] == ':')
            start = i + 1;
    return end - start == strlen(name) && strncmp(sig + start, name, end - start) == 0;
}

/* Appends "sig\n  doc" (doc wrapped at 78 columns) to b. */
static void add_entry(luaL_Buffer *b, const char *sig, const char *doc)
{
    luaL_addstring(b, sig);
    size_t col = 78;
    const char *p = doc;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - w);
        if (len == 0)
            break;
        if (col + 1 + len > 78) {
            luaL_addstring(b, "\n  ");
            col = 2;
        } else {
            luaL_addchar(b, ' ');
            col++;
        }
        luaL_addlstring(b, w, len);
        col += len;
    }
}

/* gl.doc(f) -> signature, doc (nil if f has none). */
static int h_doc(lua_State *L)
{
    luaL_checkany(L, 1);
    if (get_doc(L, 1) != LUA_TTABLE)
        return 0;
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    return 2;
}

/* Pushes the sorted signatures, one per line, of the documented functions
 * in the set {fn = true} at stack index only (0: of all of them). */
static void push_listing(lua_State *L, int only)
{
    lua_newtable(L); /* the signatures */
    int list = lua_gettop(L);
    push_docs(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        int keep = 1;
        if (only) {
            lua_pushvalue(L, -2);
            lua_rawget(L, only);
            keep = lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        if (keep) {
            lua_rawgeti(L, -1, 1);
            lua_rawseti(L, list, ++n);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushvalue(L, list);
    lua_call(L, 1, 0);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "concat");
    lua_remove(L, -2);
    lua_pushvalue(L, list);
    lua_pushliteral(L, "\n");
    lua_call(L, 2, 1);
    lua_remove(L, list);
}

/* Pushes a set {fn = true} of the functions in the table at idx. */
static void push_function_set(lua_State *L, int idx)
{
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_isfunction(L, -1)) {
            lua_pushboolean(L, 1);
            lua_rawset(L, -4);
        } else {
            lua_pop(L, 1);
        }
    }
}

/* The text gl.help prints for its argument at stack index 1. */
static void push_help(lua_State *L)
{
    switch (lua_type(L, 1)) {
    case LUA_TNONE:
    case LUA_TNIL:
        lua_pushliteral(L, "gradlab " GRADLAB_VERSION ": gl.help(f) shows one function "
                           "(gl.help(gl.tensor), gl.help(\"reshape\")); gl.help(x) lists a "
                           "tensor's methods; gl.help(gl.nn) a table's functions.\n\n");
        push_listing(L, 0);
        lua_concat(L, 2);
        return;
    case LUA_TSTRING: {
        const char *name = lua_tostring(L, 1);
        push_docs(L);
        lua_pushnil(L);
        while (lua_next(L, -2)) { /* docs, fn, {sig, doc} */
            lua_rawgeti(L, -1, 1);
            int match = sig_name_is(lua_tostring(L, -1), name);
            lua_pop(L, 2);
            if (match) { /* help for the function itself */
                lua_replace(L, 1);
                lua_settop(L, 1);
                push_help(L);
                return;
            }
        }
        lua_pop(L, 1);
        lua_pushfstring(L, "no help for '%s' (gl.help() lists every function)", name);
        return;
    }
    case LUA_TTABLE:
        push_function_set(L, 1);
        push_listing(L, lua_gettop(L));
        lua_remove(L, -2);
        return;
    default:
        if (lgl_test(L, 1)) {
            luaL_getmetatable(L, LGL_TENSOR);
            lua_getfield(L, -1, "__methods");
            push_function_set(L, lua_gettop(L));
            push_listing(L, lua_gettop(L));
            lua_replace(L, -4);
            lua_pop(L, 2);
            return;
        }
        if (get_doc(L, 1) == LUA_TTABLE) {
            luaL_Buffer b;
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            const char *sig = lua_tostring(L, -2), *doc = lua_tostring(L, -1);
            luaL_buffinit(L, &b);
            add_entry(&b, sig, doc);
            luaL_pushresult(&b);
            lua_replace(L, -4);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        lua_pushfstring(L, "no help for this %s (gl.help() lists every function)", luaL_typename(L, 1));
    }
}

/* gl.help([f]): prints the help text (and returns nothing, so the REPL
 * shows it once). gl.doc(f) returns the pieces. */
static int h_help(lua_State *L)
{
    lua_settop(L, 1);
    push_help(L);
    if (lua_getglobal(L, "print") == LUA_TFUNCTION) {
        lua_insert(L, -2);
        lua_call(L, 1, 0);
    } else {
        lua_pop(L, 1);
        lua_writestring(lua_tostring(L, -1), lua_rawlen(L, -1));
        lua_writeline();
    }
    return 0;
}

/* gl._help_text([f]) -> the text gl.help prints (for tests and the REPL). */
static int h_help_text(lua_State *L)
{
    lua_settop(L, 1);
    push_help(L);
    return 1;
}

static int h_set_doc(lua_State *L)
{
    luaL_argcheck(L, lua_isfunction(L, 1) || lua_istable(L, 1), 1, "function expected");
    const char *sig = luaL_checkstring(L, 2), *doc = luaL_optstring(L, 3, "");
    lgl_doc_set(L, 1, sig, doc);
    lua_settop(L, 1);
    return 1;
}

static const lgl_reg fns[] = {
    {"help", h_help, LGL_FN, "gl.help([f | name | table | tensor])",
     "Prints the signature and doc of a function (gl.help(gl.tensor), gl.help(\"reshape\")), the "
     "functions of a table (gl.help(gl.nn)), a tensor's methods (gl.help(x)), or everything."},
    {"doc", h_doc, LGL_FN, "gl.doc(f) -> signature, doc",
     "The one-line signature and the doc of f, or nothing if it has none."},
    {"_help_text", h_help_text, LGL_FN, "gl._help_text([f]) -> string", "The text gl.help would print."},
    {"_doc", h_set_doc, LGL_FN, "gl._doc(fn, signature, doc) -> fn",
     "Registers the help of a Lua function (gl.nn, gl.optim use it); returns fn, so "
     "M.f = gl._doc(function ... end, \"nn.f(x)\", \"...\") reads well."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_help(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
