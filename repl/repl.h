/*
 * repl.h — what the rest of gradlab may use from the `gradlab` program (repl/).
 *
 * The program embeds Lua 5.4 with the module `gradlab` preloaded as the global
 * `gl`, and runs either a script or the interactive loop (GNU Readline, callback
 * interface). While the prompt waits for a key, the loop wakes at least every
 * 30 ms and calls repl_idle_hook, so a window can keep pumping its events.
 *
 * Only the program defines these symbols; build/gradlab.so (the module for a
 * stock lua5.4) does not. Code linked into both (viz/) should therefore either
 * declare the hook weak:
 *
 *     extern void (*repl_idle_hook)(void) __attribute__((weak));
 *     if (&repl_idle_hook) repl_idle_hook = viz_pump;
 *
 * or find it through the Lua registry, where the program stores its address as
 * a light userdata before `gradlab` is opened:
 *
 *     lua_getfield(L, LUA_REGISTRYINDEX, REPL_IDLE_HOOK_KEY);
 *     void (**hook)(void) = lua_touserdata(L, -1);   // NULL outside the program
 *     lua_pop(L, 1);
 *     if (hook) *hook = viz_pump;
 */
#ifndef GRADLAB_REPL_H
#define GRADLAB_REPL_H

#include <lua.h>

/* Registry key under which the program stores &repl_idle_hook. */
#define REPL_IDLE_HOOK_KEY "gradlab.repl_idle_hook"

/* Called while the prompt waits for input: at least every 30 ms and after
 * each key. NULL (the default) calls nothing. No chunk is running when it is
 * called; it must return quickly and must not raise a Lua error. */
extern void (*repl_idle_hook)(void);

/* Runs the interactive loop on L until :quit or Ctrl-D on an empty line.
 * Errors in chunks are printed and the session goes on. Returns 0. */
int repl_run(lua_State *L);

#endif
