/*
 * lbroadcast.c — broadcast warnings: gl.broadcast_mode("warn"|"allow"|"error").
 *
 * The engine calls our hook for every op whose broadcast result is larger
 * than both operands. In "warn" mode the hook prints, once per call site
 * (source:line of the nearest Lua frame that is not gradlab's own Lua code),
 *
 *   warning: broadcast (10000) - (10000,1) -> (10000,10000) at fit.lua:12; did you mean to reshape one side?
 *
 * to stderr; in "error" mode it makes the op fail (the engine's error names
 * the op and the shapes). The hook runs inside an engine call, so it never
 * raises a Lua error or allocates from Lua: the seen call sites are a C
 * hash set. The engine's hook is process-wide, and so are the mode and the
 * set; lgl_newslot records which lua_State is about to call the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgl.h"

enum { MODE_ALLOW, MODE_WARN, MODE_ERROR };
static const char *const mode_names[] = {"allow", "warn", "error", NULL};

static int mode = MODE_WARN;
static lua_State *current_L; /* the state whose C function is calling the engine */

/* Call sites already warned about: open addressing on 64-bit hashes of
 * "source:line" (0 marks an empty slot). */
static uint64_t *seen;
static size_t seen_cap, seen_count;

static uint64_t site_hash(const char *src, int line)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = src; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ (uint64_t)(unsigned)line) * 1099511628211ull;
    return h ? h : 1;
}

/* True if h was not seen before (and records it). On allocation failure
 * it answers true: a repeated warning beats a lost one. */
static bool first_time(uint64_t h)
{
    if (seen_count * 2 >= seen_cap) {
        size_t ncap = seen_cap ? seen_cap * 2 : 64;
        uint64_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return true;
        for (size_t i = 0; i < seen_cap; i++)
            if (seen[i])
                for (size_t j = seen[i] & (ncap - 1);; j = (j + 1) & (ncap - 1))
                    if (!ns[j]) {
                        ns[j] = seen[i];
                        break;
                    }
        free(seen);
        seen = ns;
        seen_cap = ncap;
    }
    for (size_t j = h & (seen_cap - 1);; j = (j + 1) & (seen_cap - 1)) {
        if (seen[j] == h)
            return false;
        if (!seen[j]) {
            seen[j] = h;
            seen_count++;
            return true;
        }
    }
}

/* gradlab's own Lua modules (chunk names "@lua/lib/...", see lembed.c) are
 * skipped so a warning from nn.mse_loss names the user's line. */
static bool find_site(lua_State *L, lua_Debug *ar)
{
    for (int level = 0; lua_getstack(L, level, ar); level++) {
        if (!lua_getinfo(L, "Sl", ar) || ar->currentline <= 0)
            continue;
        if (strncmp(ar->source, "@lua/lib/", 9) == 0)
            continue;
        return true;
    }
    return false;
}

/* "source:line" of the nearest user Lua frame of the state now calling the
 * engine, into buf (the anomaly mode's site hook, lanomaly.c). */
bool lgl_call_site(char *buf, size_t n)
{
    lua_Debug ar;
    if (!current_L || !find_site(current_L, &ar))
        return false;
    snprintf(buf, n, "%s:%d", ar.short_src, ar.currentline);
    return true;
}

static const char *op_symbol(const char *op)
{
    static const char *const ops[][2] = {
        {"add", "+"}, {"sub", "-"}, {"mul", "*"}, {"div", "/"}, {"pow", "^"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i][0]) == 0)
            return ops[i][1];
    return NULL;
}

static int hook(void *ud, const char *op, const gl_tensor *a, const gl_tensor *b,
                const int64_t *out_shape, int out_ndim)
{
    (void)ud;
    if (mode == MODE_ERROR)
        return 1;
    lua_Debug ar;
    const char *where = "?";
    int line = 0;
    if (current_L && find_site(current_L, &ar)) {
        where = ar.short_src;
        line = ar.currentline;
    }
    if (!first_time(site_hash(where, line)))
        return 0;
    char sa[160], sb[160], so[160];
    gl_shape_str(gl_shape(a), gl_ndim(a), sa, sizeof sa);
    gl_shape_str(gl_shape(b), gl_ndim(b), sb, sizeof sb);
    gl_shape_str(out_shape, out_ndim, so, sizeof so);
    const char *sym = op_symbol(op);
    if (sym)
        fprintf(stderr, "warning: broadcast %s %s %s -> %s", sa, sym, sb, so);
    else
        fprintf(stderr, "warning: broadcast %s(%s, %s) -> %s", op, sa, sb, so);
    if (line > 0)
        fprintf(stderr, " at %s:%d", where, line);
    fprintf(stderr, "; did you mean to reshape one side?\n");
    fflush(stderr);
    return 0;
}

static void forget_sites(void)
{
    free(seen);
    seen = NULL;
    seen_cap = seen_count = 0;
}

/* L NULL: the state is closing (gradlab.c): forget it, and the call sites
 * warned about (in gradlab.so, a dlclose at lua_close would otherwise lose
 * the only pointer to the set: a leak). */
void lgl_broadcast_enter(lua_State *L)
{
    current_L = L;
    if (!L)
        forget_sites();
}

static void apply_mode(int m)
{
    mode = m;
    gl_set_broadcast_hook(m == MODE_ALLOW ? NULL : hook, NULL);
}

static int b_broadcast_mode(lua_State *L)
{
    int prev = mode;
    if (!lua_isnoneornil(L, 1))
        apply_mode(luaL_checkoption(L, 1, NULL, mode_names));
    lua_pushstring(L, mode_names[prev]);
    return 1;
}

/* Forgets the call sites already warned about (tests, lessons that replay). */
static int b_reset_warnings(lua_State *L)
{
    (void)L;
    forget_sites();
    return 0;
}

static const lgl_reg fns[] = {
    {"broadcast_mode", b_broadcast_mode, LGL_FN, "gl.broadcast_mode([mode]) -> previous mode",
     "How ops treat a broadcast that makes the result larger than both operands (as (N) - (N,1) -> "
     "(N,N)): \"warn\" (the default) prints one warning per call site with the shapes and the line, "
     "\"allow\" says nothing, \"error\" fails the op. Without an argument, returns the mode."},
    {"reset_broadcast_warnings", b_reset_warnings, LGL_FN, "gl.reset_broadcast_warnings()",
     "Forgets which call sites were warned about, so each warns once again."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_broadcast(lua_State *L, const lgl_tables *tb)
{
    apply_mode(mode);
    lgl_register(L, tb, fns);
}
