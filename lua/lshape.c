/*
 * lshape.c — shape changes, views and conversions: reshape, view,
 * transpose, permute, squeeze, unsqueeze, expand, contiguous, clone, to and
 * its shorthands. Dims are 1-based (negative from the end).
 */
#include "lgl.h"

static int s_reshape_or_view(lua_State *L, gl_tensor *(*fn)(const gl_tensor *, const int64_t *, int))
{
    gl_tensor *t = lgl_check(L, 1);
    int64_t shape[GL_MAX_DIMS];
    int n;
    int next = lgl_checksizes(L, 2, shape, &n, 1);
    luaL_argcheck(L, lua_isnone(L, next), next, "sizes expected (integers or one table)");
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, fn(t, shape, n));
    return 1;
}

static int s_reshape(lua_State *L) { return s_reshape_or_view(L, gl_reshape); }
static int s_view(lua_State *L) { return s_reshape_or_view(L, gl_view); }
static int s_expand(lua_State *L) { return s_reshape_or_view(L, gl_expand); }

static int s_transpose(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int n = gl_ndim(t);
    int d0 = lgl_checkdim(L, 2, n), d1 = lgl_checkdim(L, 3, n);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_transpose(t, d0, d1));
    return 1;
}

static int s_permute(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int n = gl_ndim(t), perm[GL_MAX_DIMS], k = 0;
    int table = lua_type(L, 2) == LUA_TTABLE;
    int count = table ? (int)luaL_len(L, 2) : lua_gettop(L) - 1;
    if (count != n)
        return luaL_argerror(L, 2,
                             lua_pushfstring(L, "%d dims given for a %d-dim tensor", count, n));
    for (int i = 0; i < n; i++) {
        if (table) {
            lua_geti(L, 2, i + 1);
            int ok;
            lua_Integer d = lua_tointegerx(L, -1, &ok);
            if (!ok)
                return luaL_argerror(L, 2, lua_pushfstring(L, "entry %d must be an integer dim", i + 1));
            perm[k++] = lgl_todim(L, d, 2, n);
            lua_pop(L, 1);
        } else {
            perm[k++] = lgl_checkdim(L, 2 + i, n);
        }
    }
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_permute(t, perm, n));
    return 1;
}

static int s_squeeze(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int d = lgl_optdim(L, 2, gl_ndim(t), GL_ALL_DIMS);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_squeeze(t, d));
    return 1;
}

/* The new dim may go after the last: 1..n+1, or -1 for a new last dim. */
static int s_unsqueeze(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int d = lgl_checkdim(L, 2, gl_ndim(t) + 1);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_unsqueeze(t, d));
    return 1;
}

#define UNARY(NAME, CALL)                                                                        \
    static int NAME(lua_State *L)                                                                \
    {                                                                                            \
        gl_tensor *t = lgl_check(L, 1);                                                          \
        gl_tensor **slot = lgl_newslot(L);                                                       \
        lgl_set(L, slot, CALL);                                                                  \
        return 1;                                                                                \
    }
UNARY(s_contiguous, gl_contiguous(t))
UNARY(s_clone, gl_clone(t))
UNARY(s_float, gl_to_dtype(t, GL_FLOAT32))
UNARY(s_double, gl_to_dtype(t, GL_FLOAT64))
UNARY(s_long, gl_to_dtype(t, GL_INT64))
UNARY(s_bool, gl_to_dtype(t, GL_BOOL))

static int s_to(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    gl_dtype dt = lgl_checkdtype(L, 2);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_to_dtype(t, dt));
    return 1;
}

static const lgl_reg fns[] = {
    {"reshape", s_reshape, LGL_BOTH, "x:reshape(size...|{size}) -> Tensor",
     "The same elements in a new shape; one size may be -1 (inferred). A view when the strides "
     "allow, otherwise a copy."},
    {"view", s_view, LGL_BOTH, "x:view(size...|{size}) -> Tensor",
     "As reshape, but always a view sharing storage: an error when the strides don't allow one "
     "(call contiguous() first)."},
    {"expand", s_expand, LGL_BOTH, "x:expand(size...|{size}) -> Tensor",
     "A view with size-1 dims stretched to the given sizes (-1 keeps a size); no copy."},
    {"transpose", s_transpose, LGL_BOTH, "x:transpose(dim1, dim2) -> Tensor",
     "A view with two dims swapped (1-based, negative from the end)."},
    {"permute", s_permute, LGL_BOTH, "x:permute(dims...|{dims}) -> Tensor",
     "A view with the dims reordered: x:permute(2, 1) is the transpose of a matrix."},
    {"squeeze", s_squeeze, LGL_BOTH, "x:squeeze([dim]) -> Tensor",
     "Removes dims of size 1 (all of them, or just dim if it has size 1)."},
    {"unsqueeze", s_unsqueeze, LGL_BOTH, "x:unsqueeze(dim) -> Tensor",
     "Inserts a dim of size 1 at position dim (1..ndim+1; -1 adds a last dim)."},
    {"contiguous", s_contiguous, LGL_BOTH, "x:contiguous() -> Tensor",
     "x itself if its elements are in row-major order already, else a row-major copy."},
    {"clone", s_clone, LGL_BOTH, "x:clone() -> Tensor",
     "A copy with its own storage (differentiable, as torch.clone)."},
    {"to", s_to, LGL_METHOD, "x:to(dtype) -> Tensor",
     "x converted to dtype (\"float32\", \"float64\", \"int64\", \"bool\"); x itself if it has it."},
    {"float", s_float, LGL_METHOD, "x:float() -> Tensor", "x:to(\"float32\")."},
    {"double", s_double, LGL_METHOD, "x:double() -> Tensor", "x:to(\"float64\")."},
    {"long", s_long, LGL_METHOD, "x:long() -> Tensor", "x:to(\"int64\")."},
    {"bool", s_bool, LGL_METHOD, "x:bool() -> Tensor", "x:to(\"bool\")."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_shape(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
