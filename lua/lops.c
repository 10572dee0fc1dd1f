/*
 * lops.c — the engine's ops, each both gl.<op>(x, ...) and x:<op>(...):
 * elementwise math and comparisons, where/masked_fill, reductions,
 * matmul, softmax, cat/stack, in-place updates, and the C parts of the
 * losses and optimizers that gl.nn and gl.optim wrap (gl._mse_loss, ...).
 * Numbers mix with tensors anywhere a tensor operand is expected.
 * Indices returned to Lua (max/min with a dim, argmax, argmin) are 1-based.
 */
#include <string.h>

#include "lgl.h"

/* ------------------------------------------------------------ elementwise */

#define UNARY(NAME)                                                                              \
    static int o_##NAME(lua_State *L)                                                            \
    {                                                                                            \
        gl_tensor *t = lgl_totensor(L, 1, GL_FLOAT32);                                           \
        gl_tensor **slot = lgl_newslot(L);                                                       \
        lgl_set(L, slot, gl_##NAME(t));                                                          \
        return 1;                                                                                \
    }
UNARY(neg)
UNARY(exp)
UNARY(log)
UNARY(sqrt)
UNARY(abs)
UNARY(sin)
UNARY(cos)
UNARY(tanh)
UNARY(sigmoid)
UNARY(relu)
UNARY(square)

#define BINARY(NAME)                                                                             \
    static int o_##NAME(lua_State *L)                                                            \
    {                                                                                            \
        gl_tensor *a, *b;                                                                        \
        luaL_checkany(L, 2);                                                                     \
        lgl_operands(L, 1, 2, &a, &b);                                                           \
        gl_tensor **slot = lgl_newslot(L);                                                       \
        lgl_set(L, slot, gl_##NAME(a, b));                                                       \
        return 1;                                                                                \
    }
BINARY(add)
BINARY(sub)
BINARY(mul)
BINARY(div)
BINARY(pow)
BINARY(eq)
BINARY(ne)
BINARY(lt)
BINARY(le)
BINARY(gt)
BINARY(ge)
BINARY(matmul)

static int o_where(lua_State *L)
{
    gl_tensor *cond = lgl_totensor(L, 1, GL_BOOL), *a, *b;
    luaL_checkany(L, 3);
    lgl_operands(L, 2, 3, &a, &b);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_where(cond, a, b));
    return 1;
}

static int o_masked_fill(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    gl_tensor *mask = lgl_totensor(L, 2, GL_BOOL);
    double value = lua_isboolean(L, 3) ? lua_toboolean(L, 3) : luaL_checknumber(L, 3);
    if (lgl_needs_int64(L, 3, gl_dtype_of(t))) {
        /* masked_fill checks the shapes and makes the result; where then
         * puts the exact value (an int64 tensor has no graph to keep) */
        gl_tensor *v = lgl_totensor(L, 3, GL_INT64);
        gl_tensor **shaped = lgl_newslot(L);
        lgl_set(L, shaped, gl_masked_fill(t, mask, 0));
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, gl_where(mask, v, *shaped));
        return 1;
    }
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_masked_fill(t, mask, value));
    return 1;
}

/* ------------------------------------------------------------- reductions */

typedef gl_tensor *(*reduce_fn)(const gl_tensor *, int, bool);

static int reduce(lua_State *L, reduce_fn fn)
{
    gl_tensor *t = lgl_check(L, 1);
    int dim = lgl_optdim(L, 2, gl_ndim(t), GL_ALL_DIMS);
    bool keepdim = lua_toboolean(L, 3);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, fn(t, dim, keepdim));
    return 1;
}

static int o_sum(lua_State *L) { return reduce(L, gl_sum); }
static int o_mean(lua_State *L) { return reduce(L, gl_mean); }

/* argmax/argmin: 1-based indices; over all elements, the flat (row-major) index. */
static int arg_reduce(lua_State *L, reduce_fn fn)
{
    reduce(L, fn);
    if (lgl_shift_index(lgl_test(L, -1), 1) != 0)
        return lgl_fail(L);
    return 1;
}

static int o_argmax(lua_State *L) { return arg_reduce(L, gl_argmax); }
static int o_argmin(lua_State *L) { return arg_reduce(L, gl_argmin); }

/* max/min: without a dim, the largest element (0-dim); with a dim, the
 * values and their 1-based int64 indices. */
static int extreme(lua_State *L, gl_tensor *(*fn)(const gl_tensor *, int, bool, gl_tensor **))
{
    gl_tensor *t = lgl_check(L, 1);
    if (lua_isnoneornil(L, 2)) {
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, fn(t, GL_ALL_DIMS, false, NULL));
        return 1;
    }
    int dim = lgl_checkdim(L, 2, gl_ndim(t));
    bool keepdim = lua_toboolean(L, 3);
    gl_tensor **values = lgl_newslot(L), **indices = lgl_newslot(L), *ix = NULL;
    gl_tensor *v = fn(t, dim, keepdim, &ix);
    *indices = ix;
    lgl_set(L, values, v);
    if (lgl_shift_index(ix, 1) != 0)
        return lgl_fail(L);
    return 2;
}

static int o_max(lua_State *L) { return extreme(L, gl_max); }
static int o_min(lua_State *L) { return extreme(L, gl_min); }

static int o_softmax_like(lua_State *L, gl_tensor *(*fn)(const gl_tensor *, int))
{
    gl_tensor *t = lgl_check(L, 1);
    int dim = lgl_optdim(L, 2, gl_ndim(t), -1);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, fn(t, dim));
    return 1;
}

static int o_softmax(lua_State *L) { return o_softmax_like(L, gl_softmax); }
static int o_log_softmax(lua_State *L) { return o_softmax_like(L, gl_log_softmax); }

/* ------------------------------------------------------------------ joins */

static int join(lua_State *L, gl_tensor *(*fn)(const gl_tensor *const *, int, int), int extra)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n > 0, 1, "a non-empty list of tensors expected");
    luaL_argcheck(L, n <= INT32_MAX / (int)sizeof(gl_tensor *), 1, "too many tensors");
    const gl_tensor **ts = lua_newuserdatauv(L, (size_t)n * sizeof *ts, 0);
    int list = lua_gettop(L) + 1;
    lua_createtable(L, (int)n, 0); /* keeps converted entries alive */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        if (!lgl_test(L, -1) && lua_type(L, -1) != LUA_TNUMBER && lua_type(L, -1) != LUA_TTABLE)
            return luaL_argerror(L, 1,
                                 lua_pushfstring(L, "entry %I is a %s, not a tensor", i, luaL_typename(L, -1)));
        ts[i - 1] = lgl_totensor(L, -1, GL_FLOAT32);
        lua_rawseti(L, list, i);
    }
    int dim = lgl_optdim(L, 2, gl_ndim(ts[0]) + extra, 0);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, fn(ts, (int)n, dim));
    return 1;
}

static int o_cat(lua_State *L) { return join(L, gl_cat, 0); }
static int o_stack(lua_State *L) { return join(L, gl_stack, 1); }

/* --------------------------------------------------------------- in place */

/* In-place methods return x itself, for chaining. */
static int o_zero_(lua_State *L)
{
    if (gl_zero_(lgl_check(L, 1)) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int o_fill_(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int rc;
    if (lgl_needs_int64(L, 2, gl_dtype_of(t)))
        rc = gl_fill_int64_(t, lua_tointeger(L, 2));
    else
        rc = gl_fill_(t, lua_isboolean(L, 2) ? lua_toboolean(L, 2) : luaL_checknumber(L, 2));
    if (rc != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int o_copy_(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    luaL_checkany(L, 2);
    if (gl_copy_(t, lgl_totensor(L, 2, gl_dtype_of(t))) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int o_add_(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    luaL_checkany(L, 2);
    gl_tensor *src = lgl_totensor(L, 2, gl_dtype_of(t));
    if (gl_add_(t, src, luaL_optnumber(L, 3, 1.0)) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int o_mul_(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (gl_mul_scalar_(t, luaL_checknumber(L, 2)) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int o_uniform_(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (gl_uniform_(t, luaL_optnumber(L, 2, 0.0), luaL_optnumber(L, 3, 1.0)) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

/* ------------------------------------------------------ losses (for gl.nn) */

static gl_reduction check_reduction(lua_State *L, int arg)
{
    static const char *const names[] = {"mean", "sum", "none", NULL};
    static const gl_reduction values[] = {GL_REDUCTION_MEAN, GL_REDUCTION_SUM, GL_REDUCTION_NONE};
    return values[luaL_checkoption(L, arg, "mean", names)];
}

static int o_mse_loss(lua_State *L)
{
    gl_tensor *input = lgl_check(L, 1), *target = lgl_totensor(L, 2, gl_dtype_of(input));
    gl_reduction r = check_reduction(L, 3);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_mse_loss(input, target, r));
    return 1;
}

static int o_linear(lua_State *L)
{
    gl_tensor *x = lgl_check(L, 1), *w = lgl_check(L, 2);
    gl_tensor *b = lua_isnoneornil(L, 3) ? NULL : lgl_check(L, 3);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_linear(x, w, b));
    return 1;
}

static int o_bce_loss(lua_State *L)
{
    gl_tensor *p = lgl_check(L, 1), *target = lgl_totensor(L, 2, gl_dtype_of(p));
    gl_reduction r = check_reduction(L, 3);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_bce_loss(p, target, r));
    return 1;
}

/* Pushes a 0-based copy of the 1-based int64 class labels at arg, after
 * checking each is in 1..nclasses (the engine would name 0-based values). */
static gl_tensor *zero_based_labels(lua_State *L, int arg, int64_t nclasses, const char *op)
{
    gl_tensor *labels = lgl_check(L, arg);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_clone(labels));
    gl_tensor *c = *slot;
    int64_t n = gl_numel(c);
    if (gl_is_contiguous(c)) {
        const int64_t *p = gl_data_ptr(c);
        for (int64_t i = 0; i < n; i++)
            if (p[i] < 1 || p[i] > nclasses)
                luaL_error(L, "%s: class label %I at position %I is out of range 1..%I (labels are 1-based)",
                           op, (lua_Integer)p[i], (lua_Integer)(i + 1), (lua_Integer)nclasses);
    }
    if (lgl_shift_index(c, -1) != 0)
        lgl_fail(L);
    return c;
}

/* target: 1-based int64 class labels, or float probabilities / one-hot
 * rows with the logits' shape. */
static int o_cross_entropy(lua_State *L)
{
    gl_tensor *logits = lgl_check(L, 1), *target = lgl_check(L, 2);
    gl_reduction r = check_reduction(L, 3);
    if (gl_dtype_of(target) == GL_INT64) {
        int64_t nclasses = gl_ndim(logits) > 0 ? gl_shape(logits)[gl_ndim(logits) - 1] : 0;
        target = zero_based_labels(L, 2, nclasses, "cross_entropy");
    }
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_cross_entropy(logits, target, r));
    return 1;
}

static int o_one_hot(lua_State *L)
{
    lua_Integer nclasses = luaL_checkinteger(L, 2);
    luaL_argcheck(L, nclasses > 0, 2, "the number of classes must be positive");
    gl_tensor *labels = lgl_check(L, 1);
    if (gl_dtype_of(labels) != GL_INT64)
        return luaL_argerror(L, 1, lua_pushfstring(L, "int64 labels expected, got %s",
                                                   gl_dtype_name(gl_dtype_of(labels))));
    labels = zero_based_labels(L, 1, nclasses, "one_hot");
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_one_hot(labels, nclasses));
    return 1;
}

/* ----------------------------------------------- optimizer steps (gl.optim) */

static int o_sgd_step(lua_State *L)
{
    gl_tensor *p = lgl_check(L, 1), *g = lgl_check(L, 2);
    gl_tensor *buf = lua_isnil(L, 3) ? NULL : lgl_check(L, 3);
    double lr = luaL_checknumber(L, 4), momentum = luaL_optnumber(L, 5, 0);
    double dampening = luaL_optnumber(L, 6, 0), weight_decay = luaL_optnumber(L, 7, 0);
    if (gl_sgd_step(p, g, buf, lr, momentum, dampening, weight_decay, lua_toboolean(L, 8),
                    lua_toboolean(L, 9)) != 0)
        return lgl_fail(L);
    return 0;
}

static int o_adam_step(lua_State *L)
{
    gl_tensor *p = lgl_check(L, 1), *g = lgl_check(L, 2);
    gl_tensor *m = lgl_check(L, 3), *v = lgl_check(L, 4);
    lua_Integer step = luaL_checkinteger(L, 5);
    double lr = luaL_checknumber(L, 6), b1 = luaL_checknumber(L, 7), b2 = luaL_checknumber(L, 8);
    double eps = luaL_checknumber(L, 9), wd = luaL_optnumber(L, 10, 0);
    if (gl_adam_step(p, g, m, v, step, lr, b1, b2, eps, wd) != 0)
        return lgl_fail(L);
    return 0;
}

#define EW(name, what)                                                                           \
    {#name, o_##name, LGL_BOTH, "gl." #name "(x) -> Tensor  (or x:" #name "())", what " elementwise."}
#define BIN(name, sig, what) {#name, o_##name, LGL_BOTH, sig, what}
#define CMP(name, op)                                                                            \
    {#name, o_##name, LGL_BOTH, "gl." #name "(a, b) -> Tensor  (or a:" #name "(b))",             \
     "a " op " b elementwise, broadcast, as a bool tensor (no gradient). Numbers mix in."}

static const lgl_reg fns[] = {
    EW(neg, "-x"), EW(exp, "e^x"), EW(log, "The natural logarithm"), EW(sqrt, "The square root"),
    EW(abs, "|x|"), EW(sin, "sin x"), EW(cos, "cos x"), EW(tanh, "tanh x"),
    EW(sigmoid, "1 / (1 + e^-x)"),
    EW(relu, "max(x, 0) (its derivative at 0 is gl.set_relu_grad_at_zero's setting)"),
    EW(square, "x^2"),
    BIN(add, "gl.add(a, b) -> Tensor  (or a:add(b), a + b)", "a + b, broadcast (NumPy rules); numbers mix in."),
    BIN(sub, "gl.sub(a, b) -> Tensor  (or a:sub(b), a - b)", "a - b, broadcast; numbers mix in."),
    BIN(mul, "gl.mul(a, b) -> Tensor  (or a:mul(b), a * b)", "a * b elementwise, broadcast; numbers mix in."),
    BIN(div, "gl.div(a, b) -> Tensor  (or a:div(b), a / b)",
        "a / b elementwise, broadcast; true division (integers give float32)."),
    BIN(pow, "gl.pow(a, b) -> Tensor  (or a:pow(b), a ^ b)", "a to the power b elementwise, broadcast."),
    CMP(eq, "=="), CMP(ne, "~="), CMP(lt, "<"), CMP(le, "<="), CMP(gt, ">"), CMP(ge, ">="),
    BIN(matmul, "gl.matmul(a, b) -> Tensor  (or a:matmul(b))",
        "The matrix product as torch.matmul: 1-D x 1-D is a dot product, 2-D x 2-D a matrix product, "
        "1-D operands get a dim added then removed, batch dims broadcast."),
    BIN(where, "gl.where(cond, a, b) -> Tensor  (or cond:where(a, b))",
        "a where cond is true, else b, elementwise; all three broadcast; numbers mix in."),
    BIN(masked_fill, "x:masked_fill(mask, value) -> Tensor",
        "A copy of x with value wherever the bool mask (broadcast to x) is true."),
    BIN(sum, "x:sum([dim[, keepdim]]) -> Tensor",
        "The sum of all elements (0-dim), or along dim (1-based, negative from the end), keeping it "
        "as size 1 if keepdim."),
    BIN(mean, "x:mean([dim[, keepdim]]) -> Tensor", "The mean of all elements, or along dim."),
    BIN(max, "x:max([dim[, keepdim]]) -> Tensor | values, indices",
        "The largest element (0-dim; the gradient is shared between ties), or along dim: the values "
        "and their indices (int64, 1-based)."),
    BIN(min, "x:min([dim[, keepdim]]) -> Tensor | values, indices",
        "The smallest element, or along dim: the values and their indices (int64, 1-based)."),
    BIN(argmax, "x:argmax([dim[, keepdim]]) -> Tensor",
        "The 1-based int64 index of the largest element along dim (the first of ties); without dim, "
        "the 1-based position in row-major order."),
    BIN(argmin, "x:argmin([dim[, keepdim]]) -> Tensor",
        "The 1-based int64 index of the smallest element along dim (the first of ties)."),
    BIN(softmax, "x:softmax([dim]) -> Tensor",
        "exp(x) / sum(exp(x)) along dim (default -1, the last), computed stably."),
    BIN(log_softmax, "x:log_softmax([dim]) -> Tensor", "log(softmax(x, dim)), computed stably."),
    BIN(cat, "gl.cat({tensors...}[, dim]) -> Tensor",
        "The tensors joined along an existing dim (default 1); other dims must match."),
    BIN(stack, "gl.stack({tensors...}[, dim]) -> Tensor",
        "The tensors (all the same shape) joined along a new dim (default 1)."),
    {"zero_", o_zero_, LGL_METHOD, "x:zero_() -> x", "Sets every element to 0, in place."},
    {"fill_", o_fill_, LGL_METHOD, "x:fill_(value) -> x", "Sets every element to value, in place."},
    {"copy_", o_copy_, LGL_METHOD, "x:copy_(src) -> x", "Copies src (broadcast to x's shape) into x."},
    {"add_", o_add_, LGL_METHOD, "x:add_(src[, alpha]) -> x",
     "x += alpha * src in place (alpha 1); src broadcasts to x. In grad mode a leaf that requires "
     "grad can't change in place: use gl.no_grad."},
    {"mul_", o_mul_, LGL_METHOD, "x:mul_(s) -> x", "x *= s in place (s a number)."},
    {"uniform_", o_uniform_, LGL_METHOD, "x:uniform_([low[, high]]) -> x",
     "Fills x with uniform numbers in [low, high) (0, 1) from the seeded generator."},
    {"_mse_loss", o_mse_loss, LGL_FN, "gl._mse_loss(input, target[, reduction]) -> Tensor",
     "The C part of nn.mse_loss: mean (or \"sum\", \"none\") of (input - target)^2."},
    {"_linear", o_linear, LGL_FN, "gl._linear(x, w[, b]) -> Tensor",
     "The C part of nn.Linear: x (...,in) w^T + b, w (out,in), b (out), in one graph node."},
    {"_bce_loss", o_bce_loss, LGL_FN, "gl._bce_loss(p, target[, reduction]) -> Tensor",
     "The C part of nn.bce_loss: binary cross-entropy of probabilities p (log clamped at -100)."},
    {"_cross_entropy", o_cross_entropy, LGL_FN, "gl._cross_entropy(logits, target[, reduction]) -> Tensor",
     "The C part of nn.cross_entropy: logits (N,C) or (C); target int64 class labels 1..C (1-based), "
     "or probabilities / one-hot rows with the logits' shape."},
    {"_one_hot", o_one_hot, LGL_FN, "gl._one_hot(labels, nclasses) -> Tensor",
     "The C part of nn.one_hot: int64 labels 1..nclasses (1-based) to float32 one-hot rows."},
    {"_sgd_step", o_sgd_step, LGL_FN,
     "gl._sgd_step(p, grad, momentum_buf|nil, lr[, momentum, dampening, weight_decay, nesterov, first_step])",
     "The C part of optim.SGD: one update of parameter p in place (momentum_buf as p, from gl.zeros)."},
    {"_adam_step", o_adam_step, LGL_FN,
     "gl._adam_step(p, grad, exp_avg, exp_avg_sq, step, lr, beta1, beta2, eps[, weight_decay])",
     "The C part of optim.Adam: one update of parameter p in place; step counts from 1."},
    {NULL, NULL, 0, NULL, NULL},
};

/* x + y, 2 * x, x / 3, -x, x ^ 2: the same functions as gl.add, ... */
static const luaL_Reg operators[] = {
    {"__add", o_add}, {"__sub", o_sub}, {"__mul", o_mul}, {"__div", o_div},
    {"__pow", o_pow}, {"__unm", o_neg}, {NULL, NULL},
};

void lgl_open_ops(lua_State *L, const lgl_tables *tb)
{
    lgl_register(L, tb, fns);
    luaL_getmetatable(L, LGL_TENSOR);
    luaL_setfuncs(L, operators, 0);
    lua_pop(L, 1);
}
