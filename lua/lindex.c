/*
 * lindex.c — Torch7 indexing and assignment, 1-based, negative from the end:
 *
 *   x[2]              row 2 (a view); on a 1-D tensor, the element as a number
 *   x[{1, {2, 3}}]    row 1, columns 2..3 (ranges include both ends)
 *   x[{{}, 1}]        every row, column 1;  {i} keeps dim i with one entry
 *   x[{1, 2}]         a number when every dim is given an index
 *   x[{{}, 1}] = 0    assignment fills (number) or copies (tensor, table)
 *
 * A key is first checked against the shape (so an error names the index,
 * the dim and the size before anything is made), then applied as a chain
 * of the engine's select and slice views, so gradients flow through it.
 * Also x:select(dim, index) and x:narrow(dim, start, length).
 */
#include "lgl.h"

typedef struct {
    int select; /* 1: take one index (the dim goes); 0: keep [start, end) */
    int64_t start, end;
} index_op;

/* A 1-based index (negative from the end) into a dim of `size` as 0-based. */
static int64_t check_index(lua_State *L, lua_Integer i, int dim, int64_t size)
{
    int64_t j = i > 0 ? i - 1 : size + i;
    if (i == 0 || j < 0 || j >= size)
        luaL_error(L, "index %I is out of range for dim %d (size %I)%s", i, dim, (lua_Integer)size,
                   i == 0 ? ": indices are 1-based" : "");
    return j;
}

static lua_Integer entry_integer(lua_State *L, int idx, const char *what, int pos)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, idx, &ok);
    if (!ok)
        luaL_error(L, "index %s %d must be an integer, got %s", what, pos,
                   lua_type(L, idx) == LUA_TNUMBER ? "a non-integer number" : luaL_typename(L, idx));
    return v;
}

/* A range entry {}, {i} or {first, last} for dim `dim` (1-based) of size. */
static void parse_range(lua_State *L, int idx, int dim, int64_t size, index_op *op)
{
    lua_Integer n = luaL_len(L, idx);
    op->select = 0;
    if (n == 0) {
        op->start = 0;
        op->end = size;
        return;
    }
    if (n > 2)
        luaL_error(L, "index range for dim %d has %I entries; expected {}, {i} or {first, last}", dim, n);
    lua_geti(L, idx, 1);
    lua_Integer first = entry_integer(L, -1, "range of dim", dim);
    lua_geti(L, idx, n);
    lua_Integer last = entry_integer(L, -1, "range of dim", dim);
    lua_pop(L, 2);
    op->start = check_index(L, first, dim, size);
    int64_t e = check_index(L, last, dim, size);
    if (e < op->start - 1)
        luaL_error(L, "index range {%I, %I} for dim %d (size %I) runs backwards", first, last, dim,
                   (lua_Integer)size);
    op->end = e + 1;
}

/* Reads the key at stack index 2 into ops (one per dim it covers). */
static int parse_key(lua_State *L, const gl_tensor *t, index_op *ops)
{
    int ndim = gl_ndim(t);
    const int64_t *shape = gl_shape(t);
    if (ndim == 0)
        luaL_error(L, "a 0-dim tensor can't be indexed (use x:item())");
    if (lua_type(L, 2) == LUA_TNUMBER) {
        ops[0].select = 1;
        ops[0].start = check_index(L, entry_integer(L, 2, "for dim", 1), 1, shape[0]);
        return 1;
    }
    lua_Integer n = luaL_len(L, 2);
    if (n > ndim)
        luaL_error(L, "%I indices given for a %d-dim tensor", n, ndim);
    for (int i = 0; i < n; i++) {
        int type = lua_geti(L, 2, i + 1);
        if (type == LUA_TNUMBER) {
            ops[i].select = 1;
            ops[i].start = check_index(L, entry_integer(L, -1, "for dim", i + 1), i + 1, shape[i]);
        } else if (type == LUA_TTABLE) {
            parse_range(L, lua_gettop(L), i + 1, shape[i], &ops[i]);
        } else {
            luaL_error(L, "index entry %d is a %s; expected a number, {} or {first, last}", i + 1,
                       luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
    return (int)n;
}

/* Pushes the view that key (stack index 2) picks out of the tensor at 1. */
static gl_tensor *push_view(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    index_op ops[GL_MAX_DIMS];
    int nops = parse_key(L, t, ops);
    gl_tensor **slot = lgl_newslot(L);
    *slot = gl_retain(t);
    for (int i = 0, dim = 0; i < nops; i++) {
        gl_tensor *next = ops[i].select ? gl_select(*slot, dim, ops[i].start)
                                        : gl_slice(*slot, dim++, ops[i].start, ops[i].end, 1);
        if (!next)
            lgl_fail(L);
        gl_release(*slot);
        *slot = next;
    }
    lgl_account(L);
    return *slot;
}

int lgl_index_get(lua_State *L)
{
    gl_tensor *v = push_view(L);
    if (gl_ndim(v) == 0) /* every dim indexed: a number, as Torch7 */
        lgl_push_element(L, v, NULL);
    return 1;
}

int lgl_index_set(lua_State *L)
{
    gl_tensor *v = push_view(L);
    int rc;
    if (lgl_needs_int64(L, 3, gl_dtype_of(v)))
        rc = gl_fill_int64_(v, lua_tointeger(L, 3));
    else if (lua_type(L, 3) == LUA_TNUMBER || lua_type(L, 3) == LUA_TBOOLEAN)
        rc = gl_fill_(v, lua_type(L, 3) == LUA_TBOOLEAN ? lua_toboolean(L, 3) : lua_tonumber(L, 3));
    else
        rc = gl_copy_(v, lgl_totensor(L, 3, gl_dtype_of(v)));
    if (rc != 0)
        return lgl_fail(L);
    return 0;
}

/* ------------------------------------------------------ select, narrow */

static int i_select(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int dim = lgl_checkdim(L, 2, gl_ndim(t));
    int64_t size = gl_ndim(t) ? gl_shape(t)[dim] : 0;
    int64_t index = check_index(L, luaL_checkinteger(L, 3), dim + 1, size);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_select(t, dim, index));
    return 1;
}

static int i_narrow(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int dim = lgl_checkdim(L, 2, gl_ndim(t));
    int64_t size = gl_ndim(t) ? gl_shape(t)[dim] : 0;
    lua_Integer first = luaL_checkinteger(L, 3), length = luaL_checkinteger(L, 4);
    int64_t start = check_index(L, first, dim + 1, size);
    luaL_argcheck(L, length >= 0 && length <= size - start, 4, /* start + length may overflow */
                  lua_pushfstring(L, "length %I from index %I passes the end of dim %d (size %I)", length,
                                  first, dim + 1, (lua_Integer)size));
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_slice(t, dim, start, start + length, 1));
    return 1;
}

static const lgl_reg fns[] = {
    {"select", i_select, LGL_BOTH, "x:select(dim, index) -> Tensor",
     "The view at one index of dim, that dim removed (1-based, negative from the end): "
     "x:select(1, 2) is x[2]."},
    {"narrow", i_narrow, LGL_BOTH, "x:narrow(dim, start, length) -> Tensor",
     "The view of length entries of dim from index start (1-based), as Torch7."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_index(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
