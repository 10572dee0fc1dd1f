/*
 * lgl.h — what the files of the Lua binding (module `gradlab`) share.
 *
 * A tensor in Lua is a full userdata of type "gradlab.Tensor" holding one
 * engine reference (lgl_box). The binding's rules:
 *   - Push the result's box (empty) BEFORE calling the engine, then store
 *     the engine's result in it (lgl_newslot + lgl_set): a Lua error at any
 *     point leaves every engine reference owned by some box, so nothing leaks.
 *   - Engine failures become Lua errors in one place (lgl_fail), with the
 *     engine's message (gl_error()).
 *   - Dims and indices are 1-based in Lua, negative from the end; they are
 *     converted to the engine's 0-based dims in one helper (lgl_checkdim).
 *   - Every new tensor is reported to Lua's collector (lgl_account) so
 *     loops that make and drop big tensors stay bounded.
 *
 * Each file registers its functions with lgl_register from a table of
 * lgl_reg rows {name, function, where, signature, doc}: the docs live next
 * to the bindings, and gl.help finds them by function value.
 */
#ifndef LGL_H
#define LGL_H

#include <lauxlib.h>
#include <lua.h>

#include "gradlab.h"

#define LGL_TENSOR "gradlab.Tensor"

typedef struct lgl_box {
    gl_tensor *t;    /* NULL while being filled, and after __gc / __close */
    const void *tag; /* &box_tag (ltensor.c): how tobox knows a box */
} lgl_box;

/* ---------------------------------------------------------- registration */

enum { LGL_FN = 1, LGL_METHOD = 2, LGL_BOTH = 3 };

typedef struct lgl_reg {
    const char *name;
    lua_CFunction fn;
    int where;       /* LGL_FN: gl.<name>; LGL_METHOD: x:<name>(); or both */
    const char *sig; /* one line: "gl.zeros(size...[, opts]) -> Tensor" */
    const char *doc; /* a few sentences */
} lgl_reg;

/* Stack indices of the module table and the Tensor method table while
 * luaopen_gradlab runs. */
typedef struct lgl_tables {
    int gl, methods;
} lgl_tables;

/* Sets gl[name] and/or methods[name] for each row up to {NULL}, and records
 * each signature and doc (lgl_doc_set). */
void lgl_register(lua_State *L, const lgl_tables *tb, const lgl_reg *r);

/* Each file's rows, registered by luaopen_gradlab. */
void lgl_open_tensor(lua_State *L, const lgl_tables *tb); /* ltensor.c: the type; first */
void lgl_open_create(lua_State *L, const lgl_tables *tb);
void lgl_open_shape(lua_State *L, const lgl_tables *tb);
void lgl_open_index(lua_State *L, const lgl_tables *tb);
void lgl_open_ops(lua_State *L, const lgl_tables *tb); /* also the operator metamethods */
void lgl_open_autograd(lua_State *L, const lgl_tables *tb);
void lgl_open_broadcast(lua_State *L, const lgl_tables *tb);
void lgl_open_io(lua_State *L, const lgl_tables *tb);
void lgl_open_testing(lua_State *L, const lgl_tables *tb);
void lgl_open_help(lua_State *L, const lgl_tables *tb);
void lgl_open_sys(lua_State *L, const lgl_tables *tb);
void lgl_open_anomaly(lua_State *L, const lgl_tables *tb); /* lanomaly.c */
void lgl_open_embedded(lua_State *L); /* package.preload from lgl_embedded_sources */

/* lhelp.c: docs[fn] = {sig, doc} in a weak-keyed registry table; fn at idx. */
void lgl_doc_set(lua_State *L, int idx, const char *sig, const char *doc);

/* ----------------------------------------------------------- the userdata */

/* Pushes a new empty box and returns the slot to store the engine's result in. */
gl_tensor **lgl_newslot(lua_State *L);
/* Stores r (a new reference) in *slot and reports its memory; r == NULL
 * raises the engine's error. */
void lgl_set(lua_State *L, gl_tensor **slot, gl_tensor *r);
/* Pushes a new box holding a new reference to t (t borrowed, not NULL). */
void lgl_push_retained(lua_State *L, gl_tensor *t);
/* Raises gl_error() as a Lua error (with the caller's position). */
int lgl_fail(lua_State *L);

/* The live tensor at arg, or an argument error. */
gl_tensor *lgl_check(lua_State *L, int arg);
/* The tensor at idx, or NULL if it is not a (live) tensor. */
gl_tensor *lgl_test(lua_State *L, int idx);
/* A tensor from arg: a tensor as is; a number or boolean as a 0-dim tensor
 * (of dtype `like` for a number, except that a non-integer number with an
 * integer-or-bool `like` gives float32, and an integer with bool gives
 * int64); a nested table as gl.tensor would make it (dtype like when that
 * is a float or bool, else float32). Converted values replace the argument
 * on the stack so they stay alive. */
gl_tensor *lgl_totensor(lua_State *L, int arg, gl_dtype like);
/* Pushes a new tensor made from the nested table at idx (lcreate.c): dtype
 * dt, or bool when dt_explicit is 0 and every leaf is a boolean. */
int lgl_tensor_from_table(lua_State *L, int idx, gl_dtype dt, int dt_explicit);
/* Two operands of a binary op at a and b (numbers take the other side's dtype). */
void lgl_operands(lua_State *L, int a, int b, gl_tensor **ta, gl_tensor **tb);

/* Reports newly allocated tensor memory to Lua's collector. */
void lgl_account(lua_State *L);

/* ------------------------------------------------------- arguments */

/* A 1-based dim (negative from the end) for a tensor of ndim dims, as the
 * engine's 0-based dim; an argument error names the valid range. */
int lgl_checkdim(lua_State *L, int arg, int ndim);
int lgl_optdim(lua_State *L, int arg, int ndim, int def); /* def: engine dim when absent */
/* The same for a dim value d that came from argument arg (say, a table's entry). */
int lgl_todim(lua_State *L, lua_Integer d, int arg, int ndim);
/* Sizes from arg on: a table {2, 3} or integers up to the first non-number.
 * allow_neg1: one entry may be -1 (reshape/view/expand). Returns the index
 * of the first argument after the sizes. */
int lgl_checksizes(lua_State *L, int arg, int64_t *shape, int *ndim, int allow_neg1);
/* A dtype name at arg ("float32", "float", "float64", "double", "int64",
 * "long", "bool"). */
gl_dtype lgl_checkdtype(lua_State *L, int arg);
/* opts.dtype at table idx (or def) / opts.requires_grad (or false). */
gl_dtype lgl_opt_dtype(lua_State *L, int idx, gl_dtype def);
int lgl_opt_bool(lua_State *L, int idx, const char *key, int def);
double lgl_opt_number(lua_State *L, int idx, const char *key, double def);
/* Index tensors come back 0-based from the engine and go to Lua 1-based:
 * adds delta to every element of a fresh int64 tensor. */
int lgl_shift_index(gl_tensor *t, int64_t delta);

/* Pushes element `index` (ndim entries, 0-based) of t as a Lua value:
 * integer for int64, boolean for bool, number for floats. */
void lgl_push_element(lua_State *L, const gl_tensor *t, const int64_t *index);
/* True when the value at idx is a Lua integer beyond +-2^53 going into a
 * tensor of dtype dt == int64: no double holds it exactly, so it must go in
 * as lgl_int64_scalar or through gl_fill_int64_, not the engine's double
 * scalars. */
bool lgl_needs_int64(lua_State *L, int idx, gl_dtype dt);
gl_tensor *lgl_int64_scalar(lua_Integer v); /* 0-dim int64, exact; NULL on error */

/* A malloc'd pointer owned by Lua until freed: pushes a userdata whose
 * __gc frees *p, so an error between malloc and free leaks nothing.
 * lgl_guard_free frees now (idx: the guard's stack index). */
char **lgl_guard(lua_State *L);
void lgl_guard_free(lua_State *L, int idx);

/* lindex.c: __index/__newindex for number and table keys. */
int lgl_index_get(lua_State *L);
int lgl_index_set(lua_State *L);

/* lbroadcast.c: called by lgl_newslot so warnings can name the Lua line
 * of the op about to run; NULL when the state closes. */
void lgl_broadcast_enter(lua_State *L);
/* "source:line" of the nearest Lua frame outside gradlab's own lua/lib
 * code, of the state last seen by lgl_broadcast_enter; false if none. */
bool lgl_call_site(char *buf, size_t n);

#endif
