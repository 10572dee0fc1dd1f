/*
 * lanomaly.c — gl.detect_anomaly: the first NaN or Inf made in forward or
 * backward is an error naming the op and the Lua line that created it.
 *
 *   gl.detect_anomaly(true)          -- on (returns the previous setting)
 *   local y = x:log()                -- error: "anomaly: log produced -inf ..." if x has a 0
 *   loss:backward()                  -- error: "anomaly: the backward of 'sqrt'
 *                                    --   (created at model.lua:7) produced inf for input 1"
 *   gl.detect_anomaly(false)         -- off; gl.detect_anomaly() asks
 *   gl.detect_anomaly(function() ... end)   -- on for one call, then as before
 *
 * Optimizer steps are neither forward nor backward, but a step that sends a
 * parameter to inf is where a training run's nan usually starts: in anomaly
 * mode opt:step() fails after a step that made a finite parameter nan/inf
 * (optim.lua, with gl._nonfinite from here).
 *
 * The engine does the checks (engine/anomaly.c); this file gives it the
 * site hook: "file:line" of the nearest Lua frame outside gradlab's own
 * lua/lib code, found as the broadcast warnings find theirs (lbroadcast.c).
 */
#include "lgl.h"

static bool site_hook(void *ud, char *buf, size_t n)
{
    (void)ud;
    return lgl_call_site(buf, n);
}

/* With a function: anomaly mode on around fn(...), restored even when fn
 * raises (the error passes through unchanged). */
static int an_detect_anomaly(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TFUNCTION) {
        bool prev = gl_set_detect_anomaly(true);
        int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
        gl_set_detect_anomaly(prev);
        if (status != LUA_OK)
            return lua_error(L);
        return lua_gettop(L);
    }
    bool prev = gl_is_anomaly_enabled();
    if (!lua_isnoneornil(L, 1)) {
        luaL_argexpected(L, lua_isboolean(L, 1), 1, "boolean or function");
        gl_set_detect_anomaly(lua_toboolean(L, 1));
    }
    lua_pushboolean(L, prev);
    return 1;
}

static int an_is_anomaly_enabled(lua_State *L)
{
    lua_pushboolean(L, gl_is_anomaly_enabled());
    return 1;
}

/* gl._nonfinite(t) -> "nan" | "inf" | "-inf" | "nan and inf" ... | nil */
static int an_nonfinite(lua_State *L)
{
    static const char *const names[8] = {
        NULL, "nan", "inf", "nan and inf", "-inf", "nan and -inf", "inf and -inf",
        "nan, inf and -inf",
    };
    const char *what = names[gl_nonfinite(lgl_check(L, 1)) & 7];
    if (what)
        lua_pushstring(L, what);
    else
        lua_pushnil(L);
    return 1;
}

static const lgl_reg fns[] = {
    {"detect_anomaly", an_detect_anomaly, LGL_FN,
     "gl.detect_anomaly([on | fn, ...]) -> previous setting | fn's results",
     "Anomaly detection, as torch.autograd.detect_anomaly. On, the first NaN or Inf is an error "
     "naming the op and the Lua line that created it: in forward, the first op whose result has "
     "nan/inf while none of its inputs had (ops that only pass on nan/inf they were given are "
     "not flagged); in backward, the first op whose backward gives an input a gradient with "
     "nan/inf (inputs counted from 1), with the line where that op was created; and an optimizer "
     "step that makes a finite parameter nan/inf. Slower (every "
     "result is scanned): for finding a bug. gl.detect_anomaly(true/false) sets it and returns "
     "the previous setting; gl.detect_anomaly() returns it; gl.detect_anomaly(fn, ...) turns "
     "it on for one call and returns fn's results."},
    {"is_anomaly_enabled", an_is_anomaly_enabled, LGL_FN, "gl.is_anomaly_enabled() -> boolean",
     "True while anomaly detection (gl.detect_anomaly) is on."},
    {"_nonfinite", an_nonfinite, LGL_FN, "gl._nonfinite(t) -> string | nil",
     "Which non-finite values t holds (\"nan\", \"inf\", \"-inf\", or several joined by "
     "\"and\"), nil when none: for the optimizers' anomaly check."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_anomaly(lua_State *L, const lgl_tables *tb)
{
    gl_set_site_hook(site_hook, NULL);
    lgl_register(L, tb, fns);
}
