/*
 * lviz.c — gl.viz: the window (viz/viz.h) from Lua.
 *
 *   local viz = gl.viz
 *   viz.surface{target = f, model = function(p) return model(p) end,
 *               xlim = {-2, 2}, ylim = {-2, 2}, n = 50, title = "fit"}
 *   local plot = viz.loss{title = "training loss", log = true}
 *   plot:add("train", epoch, loss:item())
 *   viz.heatmap{values = t, xlim = {-2, 2}, ylim = {-2, 2}}
 *   viz.save("fit.png"); viz.close()
 *
 * What this layer adds to viz/:
 *  - tensors in, doubles out: a surface's functions are called ONCE each on
 *    the whole (n*n, 2) float32 grid, under no_grad, and must give n*n
 *    values; n-by-n tensors are copied as they are;
 *  - errors as Lua errors named after the Lua call ("viz.surface: ..."), and
 *    NaN/Inf warnings on io.stderr, once per loss series / surface pane;
 *  - a frame budget for surfaces. Evaluating a model on a 50x50 grid costs
 *    as much as a training step or more, and the window shows at most ~30
 *    frames a second, so a call that comes sooner than the next frame is
 *    not evaluated at once: its arguments wait (one pending call per pane,
 *    the latest) until a later call, viz.pump, the REPL's idle hook (when
 *    its frame is due), viz.save or viz.wait (at once). The gap between
 *    evaluations is at least 1/30 s and at least 9 times the last
 *    evaluation's cost, so evaluating costs a loop that draws every step
 *    at most ~10% (bench/viz_overhead.lua: ~2% headless; with a real
 *    window, viz/'s own redraws come on top). A put-off call that fails
 *    raises its error from the call that evaluates it;
 *  - the REPL's idle hook (repl/repl.h: the program stores its address in
 *    the registry under "gradlab.repl_idle_hook"), set to pump the window
 *    and evaluate waiting surfaces while the prompt waits.
 *
 * State lives in the registry of the Lua state: a table title -> surface
 * state (a userdata owning its buffers; its user value holds the Lua
 * values: the target function whose values are cached, the pending
 * sources), and a sentinel whose __gc closes the window and unhooks the
 * REPL when the state closes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgl.h"
#include "viz.h"

/* repl/repl.h: the program stores &repl_idle_hook here (a light userdata);
 * absent in a stock lua5.4. */
#define IDLE_HOOK_KEY "gradlab.repl_idle_hook"

#define SURFACES_KEY "gradlab.viz.surfaces"
#define SENTINEL_KEY "gradlab.viz.sentinel"
#define SURF_TYPE "gradlab.viz.Surface"
#define PLOT_TYPE "gradlab.viz.Plot"

#define FRAME_GAP (1.0 / 30) /* seconds between surface evaluations, at least */
#define COST_FACTOR 9.0      /* ... and this many times what one evaluation cost */

#define DEFAULT_N 50
#define DEFAULT_LIM_LO (-1.0)
#define DEFAULT_LIM_HI 1.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- errors */

/* glv_error() with its "glv_xxx: " prefix replaced by the Lua name. */
static void push_viz_error(lua_State *L, const char *name)
{
    const char *msg = glv_error();
    if (strncmp(msg, "glv_", 4) == 0) {
        const char *colon = strstr(msg, ": ");
        if (colon)
            msg = colon + 2;
    }
    lua_pushfstring(L, "%s: %s", name, *msg ? msg : "failed");
}

static int viz_fail(lua_State *L, const char *name)
{
    luaL_where(L, 1);
    push_viz_error(L, name);
    lua_concat(L, 2);
    return lua_error(L);
}

/* Writes "warning: <msg>\n" through io.stderr (so tests can catch it), or
 * to the C stderr when io is missing or its write fails. Never raises. */
static int warn_write(lua_State *L)
{
    lua_getglobal(L, "io");
    lua_getfield(L, -1, "stderr");
    lua_getfield(L, -1, "write");
    lua_insert(L, -2); /* io, write, stderr */
    lua_pushliteral(L, "warning: ");
    lua_pushvalue(L, 1);
    lua_pushliteral(L, "\n");
    lua_call(L, 4, 0);
    return 0;
}

static void warn(lua_State *L, const char *msg)
{
    lua_pushcfunction(L, warn_write);
    lua_pushstring(L, msg);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        fprintf(stderr, "warning: %s\n", msg);
    }
}

/* ------------------------------------------------------------- arguments */

/* A table field as a 1-based lim {lo, hi} (finite, lo < hi) into lim, or
 * def when absent. Returns 1 when given, 0 when defaulted. */
static int opt_lim(lua_State *L, int opts, const char *key, const char *fname, double lim[2],
                   const double def[2])
{
    int t = lua_getfield(L, opts, key);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        if (def) {
            lim[0] = def[0];
            lim[1] = def[1];
        }
        return 0;
    }
    int ok = t == LUA_TTABLE && luaL_len(L, -1) == 2;
    for (int i = 0; ok && i < 2; i++) {
        lua_geti(L, -1, i + 1);
        int isnum;
        lim[i] = lua_tonumberx(L, -1, &isnum);
        lua_pop(L, 1);
        ok = isnum && isfinite(lim[i]);
    }
    if (!ok)
        luaL_error(L, "%s: %s must be {lo, hi}, two finite numbers, got %s", fname, key,
                   t == LUA_TTABLE ? lua_pushfstring(L, "a table of %I values", (lua_Integer)luaL_len(L, -1))
                                   : luaL_typename(L, -1));
    if (!(lim[0] < lim[1]))
        luaL_error(L, "%s: %s = {%f, %f}: lo must be less than hi", fname, key, lim[0], lim[1]);
    lua_pop(L, 1);
    return 1;
}

/* Pushes an optional string field (a number is converted), or def when it
 * is absent or empty, and returns it: it stays valid while on the stack. */
static const char *opt_string(lua_State *L, int opts, const char *key, const char *fname,
                              const char *def)
{
    int t = lua_getfield(L, opts, key);
    if (t != LUA_TNIL && t != LUA_TSTRING && t != LUA_TNUMBER)
        luaL_error(L, "%s: %s must be a string, got %s", fname, key, luaL_typename(L, -1));
    if (t == LUA_TNUMBER)
        lua_tostring(L, -1); /* converts the stack slot: now a string */
    if (t == LUA_TNIL || lua_rawlen(L, -1) == 0) {
        lua_pop(L, 1);
        lua_pushstring(L, def);
    }
    return lua_tostring(L, -1);
}

/* Errors on keys of the options table that are not in known (NULL-ended). */
static void check_keys(lua_State *L, int opts, const char *fname, const char *const *known)
{
    lua_pushnil(L);
    while (lua_next(L, opts)) {
        lua_pop(L, 1);
        int found = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (const char *const *k = known; *k && !found; k++)
                found = strcmp(lua_tostring(L, -1), *k) == 0;
        if (!found) {
            const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
            luaL_error(L, "%s: unknown option '%s'", fname, name);
        }
    }
}

/* The options table at arg 1 (a missing one is {}). */
static int check_opts(lua_State *L, const char *fname)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    if (!lua_istable(L, 1))
        luaL_error(L, "%s: expected a table of options, e.g. %s{...}, got %s", fname, fname,
                   luaL_typename(L, 1));
    return 1;
}

/* A number, or the value of a one-element tensor. */
static double check_value(lua_State *L, int arg, const char *fname, const char *what)
{
    if (lua_type(L, arg) == LUA_TNUMBER)
        return lua_tonumber(L, arg);
    gl_tensor *t = lgl_test(L, arg);
    double v;
    if (t && gl_numel(t) == 1 && gl_item(t, &v) == 0)
        return v;
    char shape[64];
    if (t)
        return luaL_error(L, "%s: %s must be a number or a one-element tensor, got a %s tensor", fname,
                          what, gl_shape_str(gl_shape(t), gl_ndim(t), shape, sizeof shape));
    return luaL_error(L, "%s: %s must be a number or a one-element tensor, got %s", fname, what,
                      luaL_typename(L, arg));
}

static int is_callable(lua_State *L, int idx)
{
    if (lua_isfunction(L, idx))
        return 1;
    if (lgl_test(L, idx) || !luaL_getmetafield(L, idx, "__call"))
        return 0;
    lua_pop(L, 1);
    return 1;
}

/* --------------------------------------------------------------- surface */

typedef struct surf {
    int n;
    double xlim[2], ylim[2];
    double *target, *model; /* n*n values each, malloc'd */
    int has_target, has_model;
    double last, cost; /* when the last evaluation ended; what it took (s) */
    int pending;       /* a call waits for its frame (sources in the user value) */
    int warned;        /* NaN/Inf values were reported */
} surf;

/* Fields of a surface state's user value (a table). */
#define UV_TARGET_FN "target_fn" /* the function whose values are in ->target */
#define UV_PEND_TARGET "pending_target"
#define UV_PEND_MODEL "pending_model"

static int pending_total; /* surfaces with a pending call, over all states */

static void set_pending(surf *s, int on)
{
    if (s->pending == on)
        return;
    s->pending = on;
    pending_total += on ? 1 : -1;
}

static int surf_gc(lua_State *L)
{
    surf *s = luaL_checkudata(L, 1, SURF_TYPE);
    free(s->target);
    free(s->model);
    s->target = s->model = NULL;
    set_pending(s, 0);
    return 0;
}

static void push_surfaces(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, SURFACES_KEY) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, SURFACES_KEY);
}

/* Pushes the state of the pane with this title (making it if new) and
 * returns it. */
static surf *push_surf(lua_State *L, const char *title)
{
    push_surfaces(L);
    if (lua_getfield(L, -1, title) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return lua_touserdata(L, -1);
    }
    lua_pop(L, 1);
    surf *s = lua_newuserdatauv(L, sizeof *s, 1);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SURF_TYPE);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, title);
    lua_remove(L, -2);
    return s;
}

/* Makes the buffers fit an n x n grid over xlim x ylim; a new grid drops
 * what was cached. Returns 1 when the grid changed. */
static int surf_set_grid(lua_State *L, int sidx, surf *s, int n, const double xlim[2],
                         const double ylim[2])
{
    if (s->target && s->n == n && s->xlim[0] == xlim[0] && s->xlim[1] == xlim[1] &&
        s->ylim[0] == ylim[0] && s->ylim[1] == ylim[1])
        return 0;
    size_t m = (size_t)n * (size_t)n;
    double *t = malloc(m * sizeof *t), *md = malloc(m * sizeof *md);
    if (!t || !md) {
        free(t);
        free(md);
        luaL_error(L, "viz.surface: out of memory for a %dx%d grid", n, n);
    }
    free(s->target);
    free(s->model);
    s->target = t;
    s->model = md;
    s->n = n;
    memcpy(s->xlim, xlim, sizeof s->xlim);
    memcpy(s->ylim, ylim, sizeof s->ylim);
    s->has_target = s->has_model = 0;
    s->last = 0;
    lua_getiuservalue(L, sidx, 1);
    lua_pushnil(L);
    lua_setfield(L, -2, UV_TARGET_FN);
    lua_pop(L, 1);
    return 1;
}

/* Pushes the grid: an (n*n, 2) float32 tensor, row i*n+j = (x_i, y_j). */
static void push_grid(lua_State *L, const surf *s)
{
    int n = s->n;
    int64_t shape[2] = {(int64_t)n * n, 2};
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_empty(shape, 2, GL_FLOAT32));
    float *d = gl_data_ptr(*slot);
    double dx = (s->xlim[1] - s->xlim[0]) / (n - 1), dy = (s->ylim[1] - s->ylim[0]) / (n - 1);
    for (int i = 0; i < n; i++) {
        float x = (float)(i == n - 1 ? s->xlim[1] : s->xlim[0] + i * dx);
        for (int j = 0; j < n; j++) {
            d[2 * ((size_t)i * n + j)] = x;
            d[2 * ((size_t)i * n + j) + 1] = (float)(j == n - 1 ? s->ylim[1] : s->ylim[0] + j * dy);
        }
    }
}

/* Fills s's target (which = 0) or model (1) buffer with the n*n values of
 * the source at idx (a callable or a tensor). Raises a Lua error on a
 * wrong result. The buffer and n are read after the call: a function that
 * draws into this very pane (with another grid) cannot make us write into
 * freed memory. */
static void eval_source(lua_State *L, int idx, surf *s, int which)
{
    const char *what = which ? "model" : "target";
    char shape[64];
    idx = lua_absindex(L, idx);
    gl_tensor *t = lgl_test(L, idx);
    if (t) {
        int64_t m = (int64_t)s->n * s->n;
        if (gl_numel(t) != m)
            luaL_error(L, "viz.surface: %s is a %s tensor; expected %dx%d = %I values (n = %d)", what,
                       gl_shape_str(gl_shape(t), gl_ndim(t), shape, sizeof shape), s->n, s->n,
                       (lua_Integer)m, s->n);
        gl_copy_to_doubles(t, which ? s->model : s->target);
        return;
    }
    lua_pushvalue(L, idx);
    push_grid(L, s);
    bool prev = gl_set_grad_enabled(false);
    int status = lua_pcall(L, 1, 1, 0);
    gl_set_grad_enabled(prev);
    if (status != LUA_OK)
        lua_error(L); /* the function's own error, as it was */
    int64_t m = (int64_t)s->n * s->n;
    t = lgl_test(L, -1);
    if (!t)
        luaL_error(L, "viz.surface: %s returned %s; expected a tensor of %I values (one per grid point)",
                   what, lua_isnil(L, -1) ? "nothing" : luaL_typename(L, -1), (lua_Integer)m);
    if (gl_numel(t) != m)
        luaL_error(L, "viz.surface: %s returned a %s tensor; expected %I values (one per grid point)", what,
                   gl_shape_str(gl_shape(t), gl_ndim(t), shape, sizeof shape), (lua_Integer)m);
    gl_copy_to_doubles(t, which ? s->model : s->target);
    lua_pop(L, 1);
}

/* Evaluates the sources at tidx and midx (nil: keep what the pane has) for
 * the surface state at sidx and shows the pane. */
static void surf_eval(lua_State *L, int sidx, surf *s, const char *title, int tidx, int midx)
{
    tidx = lua_absindex(L, tidx);
    midx = lua_absindex(L, midx);
    double t0 = now();
    set_pending(s, 0);
    lua_getiuservalue(L, sidx, 1);
    int uv = lua_gettop(L);
    lua_pushnil(L);
    lua_setfield(L, uv, UV_PEND_TARGET);
    lua_pushnil(L);
    lua_setfield(L, uv, UV_PEND_MODEL);

    if (!lua_isnil(L, tidx)) {
        lua_getfield(L, uv, UV_TARGET_FN);
        int cached = s->has_target && !lgl_test(L, tidx) && lua_rawequal(L, -1, tidx);
        lua_pop(L, 1);
        if (!cached) {
            s->has_target = 0;
            eval_source(L, tidx, s, 0);
            s->has_target = 1;
            lua_pushvalue(L, tidx); /* a tensor too: a function given later is not cached */
            lua_setfield(L, uv, UV_TARGET_FN);
        }
    }
    if (!lua_isnil(L, midx)) {
        s->has_model = 0;
        eval_source(L, midx, s, 1);
        s->has_model = 1;
    }
    lua_pop(L, 1); /* uv */
    int rc = glv_surface(title, s->has_target ? s->target : NULL, s->has_model ? s->model : NULL, s->n,
                         s->xlim, s->ylim);
    s->last = now();
    s->cost = s->last - t0;
    if (rc < 0)
        viz_fail(L, "viz.surface");
    if (rc > 0 && !s->warned) {
        s->warned = 1;
        push_viz_error(L, lua_pushfstring(L, "viz.surface '%s'", title));
        warn(L, lua_tostring(L, -1));
        lua_pop(L, 2);
    }
}

/* Forgets the pending call of the surface state at sidx. */
static void drop_pending(lua_State *L, int sidx, surf *s)
{
    set_pending(s, 0);
    lua_getiuservalue(L, sidx, 1);
    lua_pushnil(L);
    lua_setfield(L, -2, UV_PEND_TARGET);
    lua_pushnil(L);
    lua_setfield(L, -2, UV_PEND_MODEL);
    lua_pop(L, 1);
}

/* Forgets every pending call (the window closed, or one failed while idle). */
static void drop_all_pending(lua_State *L)
{
    push_surfaces(L);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        surf *s = luaL_testudata(L, -1, SURF_TYPE);
        if (s)
            drop_pending(L, lua_gettop(L), s);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int surf_due(const surf *s)
{
    double gap = COST_FACTOR * s->cost;
    return now() - s->last >= (gap > FRAME_GAP ? gap : FRAME_GAP);
}

/* Evaluates the pending calls: all of them (force) or those whose frame is
 * due. When the window has been closed meanwhile (by the user), they are
 * dropped: only a new drawing call opens it again. */
static void flush_pending(lua_State *L, int force)
{
    if (pending_total <= 0)
        return;
    int top = lua_gettop(L);
    push_surfaces(L);
    int tab = lua_gettop(L);
    lua_newtable(L); /* titles first: evaluating runs Lua code that may add panes */
    int list = lua_gettop(L);
    lua_Integer k = 0;
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        surf *s = luaL_testudata(L, -1, SURF_TYPE);
        if (s && s->pending && lua_type(L, -2) == LUA_TSTRING) {
            lua_pushvalue(L, -2);
            lua_rawseti(L, list, ++k);
        }
        lua_pop(L, 1);
    }
    for (lua_Integer i = 1; i <= k; i++) {
        lua_rawgeti(L, list, i);
        const char *title = lua_tostring(L, -1);
        lua_getfield(L, tab, title);
        surf *s = luaL_testudata(L, -1, SURF_TYPE);
        if (s && s->pending) {
            if (!glv_is_open()) {
                drop_pending(L, lua_gettop(L), s);
            } else if (force || surf_due(s)) {
                int sidx = lua_gettop(L);
                lua_getiuservalue(L, sidx, 1);
                lua_getfield(L, -1, UV_PEND_TARGET);
                lua_getfield(L, -2, UV_PEND_MODEL);
                surf_eval(L, sidx, s, title, -2, -1);
            }
        }
        lua_settop(L, list);
    }
    lua_settop(L, top);
}

static const char *const surface_keys[] = {"target", "model", "xlim", "ylim", "n", "title", NULL};

/* viz.surface{target =, model =, xlim =, ylim =, n =, title =} */
static int v_surface(lua_State *L)
{
    const char *F = "viz.surface";
    check_opts(L, F);
    lua_settop(L, 1);
    check_keys(L, 1, F, surface_keys);
    lua_getfield(L, 1, "target");                                  /* 2 */
    lua_getfield(L, 1, "model");                                   /* 3 */
    const char *title = opt_string(L, 1, "title", F, "surface");   /* 4 */
    int has_fn = 0, square = 0;
    for (int i = 2; i <= 3; i++) {
        const char *what = i == 2 ? "target" : "model";
        if (lua_isnil(L, i))
            continue;
        gl_tensor *t = lgl_test(L, i);
        if (t) {
            if (!square && gl_ndim(t) == 2 && gl_shape(t)[0] == gl_shape(t)[1])
                square = (int)(gl_shape(t)[0] < 1 << 20 ? gl_shape(t)[0] : 1 << 20);
        } else if (is_callable(L, i)) {
            has_fn = 1;
        } else {
            luaL_error(L, "%s: %s must be a function of an (M,2) tensor of grid points or an n-by-n "
                          "tensor, got %s", F, what, luaL_typename(L, i));
        }
    }
    if (lua_isnil(L, 2) && lua_isnil(L, 3))
        luaL_error(L, "%s: give target and/or model (each a function of an (M,2) tensor of grid "
                      "points, or an n-by-n tensor)", F);
    int n = square ? square : DEFAULT_N;
    if (lua_getfield(L, 1, "n") != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 2 || v > 1000)
            luaL_error(L, "%s: n must be a whole number in 2..1000, got %s", F,
                       luaL_tolstring(L, -1, NULL));
        n = (int)v;
    }
    lua_pop(L, 1);
    static const double def[2] = {DEFAULT_LIM_LO, DEFAULT_LIM_HI};
    double xlim[2], ylim[2];
    opt_lim(L, 1, "xlim", F, xlim, def);
    opt_lim(L, 1, "ylim", F, ylim, xlim); /* ylim defaults to xlim */

    surf *s = push_surf(L, title); /* 5 */
    int changed = surf_set_grid(L, 5, s, n, xlim, ylim);
    lua_getiuservalue(L, 5, 1); /* 6 */
    if (changed || !has_fn || !glv_is_open() || surf_due(s)) {
        /* A source left out now may still wait from a call that was put off. */
        for (int i = 2; i <= 3; i++) {
            if (lua_isnil(L, i)) {
                lua_getfield(L, 6, i == 2 ? UV_PEND_TARGET : UV_PEND_MODEL);
                lua_replace(L, i);
            }
        }
        surf_eval(L, 5, s, title, 2, 3);
        return 0;
    }
    /* Too soon for another frame: keep the latest sources for later. */
    for (int i = 2; i <= 3; i++) {
        if (!lua_isnil(L, i)) {
            lua_pushvalue(L, i);
            lua_setfield(L, 6, i == 2 ? UV_PEND_TARGET : UV_PEND_MODEL);
        }
    }
    set_pending(s, 1);
    return 0;
}

/* ------------------------------------------------------------------ loss */

typedef struct plot_box {
    glv_plot *p;
    char title[128];
} plot_box;

static plot_box *check_plot(lua_State *L)
{
    plot_box *b = luaL_checkudata(L, 1, PLOT_TYPE);
    if (!b->p)
        luaL_error(L, "plot:add: the plot has been closed");
    return b;
}

static const char *const loss_keys[] = {"title", "log", NULL};

/* viz.loss{title = "loss", log = false} (or viz.loss("title")) -> plot */
static int v_loss(lua_State *L)
{
    const char *F = "viz.loss";
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, 1);
        lua_setfield(L, -2, "title");
        lua_replace(L, 1);
    }
    check_opts(L, F);
    lua_settop(L, 1);
    check_keys(L, 1, F, loss_keys);
    const char *title = opt_string(L, 1, "title", F, "loss"); /* 2 */
    lua_getfield(L, 1, "log");
    int log = lua_toboolean(L, -1);
    lua_pop(L, 1);
    plot_box *b = lua_newuserdatauv(L, sizeof *b, 1); /* owned before glv makes the plot */
    b->p = NULL;
    snprintf(b->title, sizeof b->title, "%s", title);
    luaL_setmetatable(L, PLOT_TYPE);
    lua_newtable(L); /* series already warned about */
    lua_setiuservalue(L, -2, 1);
    b->p = glv_loss_new(title, log);
    if (!b->p)
        return viz_fail(L, F);
    return 1;
}

/* plot:add([series,] x, y) */
static int p_add(lua_State *L)
{
    const char *F = "plot:add";
    plot_box *b = check_plot(L);
    if (lua_gettop(L) == 3 && lua_type(L, 2) != LUA_TSTRING) { /* plot:add(x, y) */
        lua_pushnil(L);
        lua_insert(L, 2);
    }
    const char *series = "loss";
    if (lua_type(L, 2) == LUA_TSTRING)
        series = lua_tostring(L, 2);
    else if (!lua_isnil(L, 2))
        return luaL_error(L, "%s: series must be a name (a string), got %s", F, luaL_typename(L, 2));
    if (!*series)
        series = "loss";
    double x = check_value(L, 3, F, "x");
    double y = check_value(L, 4, F, "y");
    int rc = glv_loss_add(b->p, series, x, y);
    if (rc < 0)
        return viz_fail(L, F);
    if (rc > 0) {
        lua_getiuservalue(L, 1, 1);
        if (lua_getfield(L, -1, series) == LUA_TNIL) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -3, series);
            push_viz_error(L, lua_pushfstring(L, "viz loss plot '%s'", b->title));
            lua_pushliteral(L, " (later NaN/Inf points of this series are skipped without a warning)");
            lua_concat(L, 2);
            warn(L, lua_tostring(L, -1));
        }
    }
    return 0;
}

/* plot:set_log(on) */
static int p_set_log(lua_State *L)
{
    plot_box *b = check_plot(L);
    luaL_checkany(L, 2);
    glv_loss_set_log(b->p, lua_toboolean(L, 2));
    return 0;
}

static int p_gc(lua_State *L)
{
    plot_box *b = luaL_checkudata(L, 1, PLOT_TYPE);
    glv_loss_free(b->p);
    b->p = NULL;
    return 0;
}

static int p_tostring(lua_State *L)
{
    plot_box *b = luaL_checkudata(L, 1, PLOT_TYPE);
    lua_pushfstring(L, "viz loss plot '%s'%s", b->title, b->p ? "" : " (closed)");
    return 1;
}

/* -------------------------------------------------------------- heat map */

static const char *const heatmap_keys[] = {"values", "xlim", "ylim", "title", NULL};

/* viz.heatmap{values = 2-D tensor, xlim =, ylim =, title =} */
static int v_heatmap(lua_State *L)
{
    const char *F = "viz.heatmap";
    check_opts(L, F);
    lua_settop(L, 1);
    check_keys(L, 1, F, heatmap_keys);
    const char *title = opt_string(L, 1, "title", F, "heat map"); /* 2 */
    double xlim[2], ylim[2];
    int hx = opt_lim(L, 1, "xlim", F, xlim, NULL);
    int hy = opt_lim(L, 1, "ylim", F, ylim, NULL);
    if (hx != hy)
        luaL_error(L, "%s: give both xlim and ylim (the extent) or neither (a matrix view)", F);
    int vt = lua_getfield(L, 1, "values"); /* 3 */
    if (vt == LUA_TNIL)
        luaL_error(L, "%s: values (a 2-D tensor) required", F);
    if (vt != LUA_TTABLE && !lgl_test(L, 3))
        luaL_error(L, "%s: values must be a 2-D tensor, got %s", F, luaL_typename(L, 3));
    gl_tensor *t = lgl_totensor(L, 3, GL_FLOAT64);
    char shape[64];
    if (gl_ndim(t) != 2)
        luaL_error(L, "%s: values must be a 2-D tensor, got a %s tensor", F,
                   gl_shape_str(gl_shape(t), gl_ndim(t), shape, sizeof shape));
    int64_t r = gl_shape(t)[0], c = gl_shape(t)[1];
    if (r < 1 || c < 1 || r > 4096 || c > 4096)
        luaL_error(L, "%s: values is a %s tensor; rows and columns must be in 1..4096", F,
                   gl_shape_str(gl_shape(t), gl_ndim(t), shape, sizeof shape));
    char **buf = lgl_guard(L);
    *buf = malloc((size_t)(r * c) * sizeof(double));
    if (!*buf)
        luaL_error(L, "%s: out of memory", F);
    gl_copy_to_doubles(t, (double *)*buf);
    int rc = glv_heatmap(title, (double *)*buf, (int)r, (int)c, hx ? xlim : NULL, hy ? ylim : NULL);
    lgl_guard_free(L, -1);
    if (rc < 0)
        return viz_fail(L, F);
    return 0;
}

/* ---------------------------------------------------------------- window */

static int v_save(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    flush_pending(L, 1);
    if (glv_save(path) != 0)
        return viz_fail(L, "viz.save");
    return 0;
}

static void clear_surfaces(lua_State *L)
{
    drop_all_pending(L);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SURFACES_KEY);
}

static int v_close(lua_State *L)
{
    glv_close();
    clear_surfaces(L);
    return 0;
}

static int v_wait(lua_State *L)
{
    flush_pending(L, 1);
    glv_wait(&gl_interrupted);
    return 0;
}

static int v_pump(lua_State *L)
{
    if (glv_pump())
        flush_pending(L, 0);
    lua_pushboolean(L, glv_is_open());
    return 1;
}

static int v_size(lua_State *L)
{
    lua_Integer w = luaL_checkinteger(L, 1), h = luaL_checkinteger(L, 2);
    if (w < 200 || w > 8192 || h < 200 || h > 8192)
        return luaL_error(L, "viz.size: width and height must be in 200..8192, got %I, %I", w, h);
    if (glv_set_size((int)w, (int)h) != 0)
        return viz_fail(L, "viz.size");
    return 0;
}

static int v_is_open(lua_State *L)
{
    lua_pushboolean(L, glv_is_open());
    return 1;
}

static int v_headless(lua_State *L)
{
    lua_pushboolean(L, glv_headless());
    return 1;
}

/* ------------------------------------------------- the REPL's idle hook */

static lua_State *idle_L;           /* the main thread of the program's state */
static void (**idle_slot)(void);    /* &repl_idle_hook */

static int idle_flush(lua_State *L)
{
    flush_pending(L, 0);
    return 0;
}

static int idle_drop(lua_State *L)
{
    drop_all_pending(L);
    return 0;
}

/* While the prompt waits: events, redraws, and surfaces whose frame is due.
 * Must not raise: an error in a model function is printed, the pending
 * calls dropped. */
static void idle_hook(void)
{
    if (!glv_pump() || !idle_L || pending_total <= 0)
        return;
    int top = lua_gettop(idle_L);
    lua_pushcfunction(idle_L, idle_flush);
    if (lua_pcall(idle_L, 0, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(idle_L, -1);
        fprintf(stderr, "\ngradlab: viz.surface, drawn while idle: %s\n", msg ? msg : "error");
        lua_settop(idle_L, top);
        lua_pushcfunction(idle_L, idle_drop);
        if (lua_pcall(idle_L, 0, 0, 0) != LUA_OK)
            pending_total = 0; /* out of memory: give up on them */
    }
    lua_settop(idle_L, top);
}

/* The state is closing: unhook, close the window. */
static int sentinel_gc(lua_State *L)
{
    (void)L;
    if (idle_slot && *idle_slot == idle_hook)
        *idle_slot = NULL;
    idle_slot = NULL;
    idle_L = NULL;
    glv_close();
    return 0;
}

/* -------------------------------------------------------------- the table */

typedef struct {
    const char *name;
    lua_CFunction fn;
    const char *sig, *doc;
} viz_reg;

static const viz_reg fns[] = {
    {"surface", v_surface,
     "viz.surface{target = f | t, model = f | t, xlim = {-1, 1}, ylim = xlim, n = 50, title = \"surface\"}",
     "Shows a target (blue) and a model (orange) surface over an n-by-n grid of two inputs, in the "
     "pane with this title (drag rotates, the wheel zooms). Each of target and model is a function "
     "called ONCE with the whole grid, an (n*n, 2) float32 tensor whose row i*n+j is (x_i, y_j), "
     "under no_grad, returning n*n values (an (n*n) or (n*n,1) tensor); or an n-by-n tensor t with "
     "t[i][j] the value at (x_i, y_j) (n then defaults to its size). Defaults: n = 50, xlim = {-1, 1}, "
     "ylim = xlim, title = \"surface\". Calling again with the same title updates the pane in place "
     "(model evaluated each time, target only when the grid or the target changes; either may be "
     "left out to keep the pane's). In a loop, calls faster than the window redraws (~30/s) are "
     "evaluated only for the frames shown, so drawing every step costs little."},
    {"loss", v_loss, "viz.loss{title = \"loss\", log = false} -> plot",
     "A loss plot in the pane with this title (a plot made again with the same title takes the pane "
     "over). plot:add(series, x, y) appends a point to a named series (a number or a one-element "
     "tensor each; several series in distinct colors); NaN/Inf points are skipped with one warning "
     "per series. plot:set_log(on) switches the y axis; `l` in the window toggles it."},
    {"heatmap", v_heatmap, "viz.heatmap{values = t, xlim = {lo, hi}, ylim = {lo, hi}, title = \"heat map\"}",
     "Shows a 2-D tensor as a heat map (viridis, with a color bar) in the pane with this title, "
     "updated in place when called again. With xlim and ylim, columns span xlim left to right and "
     "rows span ylim bottom to top (row 1 at ylim[1]), like a plot of a function; without them, a "
     "matrix view (row 1 on top, axes numbered by row and column)."},
    {"save", v_save, "viz.save(path)",
     "Writes the whole window (every pane) to a PNG file, also when headless (no display: drawn "
     "offscreen). An error names the path when it cannot be written."},
    {"close", v_close, "viz.close()",
     "Closes the window and removes every pane. The next drawing call opens a fresh one; a loss "
     "plot made before keeps its points and shows again at its next add."},
    {"wait", v_wait, "viz.wait()",
     "Blocks, keeping the window live, until the user closes it (q, Esc or the close button) or "
     "presses Ctrl-C; returns at once when headless. For scripts that end with a picture."},
    {"pump", v_pump, "viz.pump() -> open",
     "Handles the window's pending events and redraws it if needed; true while a window is open. "
     "The REPL does this while it waits at the prompt; call it in long loops that draw nothing."},
    {"size", v_size, "viz.size(width, height)",
     "Sets the size of the picture and of the window in pixels (200..8192 each; default 1200x800)."},
    {"is_open", v_is_open, "viz.is_open() -> boolean", "True while a window (real or offscreen) is open."},
    {"headless", v_headless, "viz.headless() -> boolean",
     "True when pictures are drawn offscreen only (no display, SDL_VIDEODRIVER=offscreen)."},
    {NULL, NULL, NULL, NULL},
};

static const viz_reg plot_methods[] = {
    {"add", p_add, "plot:add([series,] x, y)",
     "Appends the point (x, y) to the named series of a viz.loss plot (series defaults to \"loss\"; "
     "x and y numbers or one-element tensors; x should grow). A NaN or Inf y is skipped, with a "
     "warning the first time for each series; it is never an error."},
    {"set_log", p_set_log, "plot:set_log(on)", "Switches the plot's y axis to log (true) or linear scale."},
    {NULL, NULL, NULL, NULL},
};

int lgl_open_viz(lua_State *L)
{
    if (luaL_newmetatable(L, SURF_TYPE)) {
        lua_pushcfunction(L, surf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, PLOT_TYPE)) {
        lua_newtable(L);
        for (const viz_reg *r = plot_methods; r->name; r++) {
            lua_pushcfunction(L, r->fn);
            lgl_doc_set(L, -1, r->sig, r->doc);
            lua_setfield(L, -2, r->name);
        }
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, p_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, p_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, p_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);

    /* One sentinel per state, however often the module is opened. */
    if (lua_getfield(L, LUA_REGISTRYINDEX, SENTINEL_KEY) == LUA_TNIL) {
        lua_newuserdatauv(L, 1, 0);
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, sentinel_gc);
        lua_setfield(L, -2, "__gc");
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, SENTINEL_KEY);
        /* In the program: pump while the prompt waits. */
        lua_getfield(L, LUA_REGISTRYINDEX, IDLE_HOOK_KEY);
        void (**slot)(void) = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (slot) {
            idle_slot = slot;
            *slot = idle_hook;
            lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
            idle_L = lua_tothread(L, -1);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    lua_newtable(L);
    for (const viz_reg *r = fns; r->name; r++) {
        lua_pushcfunction(L, r->fn);
        lgl_doc_set(L, -1, r->sig, r->doc);
        lua_setfield(L, -2, r->name);
    }
    return 1;
}
