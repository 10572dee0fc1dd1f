/* window.c — the one window: opening it (or deciding to stay offscreen), the
 * pane layout, rendering into the canvas, the event pump, the frame rate
 * limit, and saving PNGs. */
#include "vizint.h"

#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_W 1200
#define DEFAULT_H 800
#define MIN_FRAME_MS 33  /* drawing calls redraw at most ~30 times a second */
#define PUMP_FRAME_MS 15 /* the idle hook may redraw at ~60 */

static struct {
    bool open;         /* a window, real or offscreen, exists */
    bool headless;     /* no real window: the canvas is all there is */
    bool video_init;   /* we initialized SDL's video subsystem */
    SDL_Window *win;   /* NULL when headless */
    SDL_Surface *canvas;
    int w, h;          /* the size asked for (glv_set_size) */
    glv_pane *panes[GLV_MAX_PANES];
    int npanes;
    bool dirty;
    Uint32 last_frame, frame_cost; /* ms */
    glv_pane *drag;    /* the pane under a left-button drag */
    int mouse_x, mouse_y;
    char status[160];  /* "saved gradlab-1.png", shown on screen only */
    Uint32 status_until;
} W = {.w = DEFAULT_W, .h = DEFAULT_H, .mouse_x = -1, .mouse_y = -1};

/* ------------------------------------------------------------- display */

static bool is_offscreen_driver(const char *drv)
{
    return drv && (SDL_strcasecmp(drv, "offscreen") == 0 || SDL_strcasecmp(drv, "dummy") == 0);
}

/* Whether to try a real window at all. Without a display SDL would only
 * fail, or fall back to a driver that grabs the console or shows nothing. */
static bool display_available(void)
{
    const char *drv = getenv("SDL_VIDEODRIVER");
    if (is_offscreen_driver(drv))
        return false;
#if defined(__unix__) && !defined(__APPLE__) && !defined(__ANDROID__)
    if (!(drv && *drv)) {
        const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
        bool has_x = x && *x, has_wl = wl && *wl;
        if (!has_x && !has_wl)
            return false;
        /* Only the display we have: no noisy tries of the others. */
        if (has_x != has_wl)
            SDL_SetHint(SDL_HINT_VIDEODRIVER, has_x ? "x11" : "wayland");
    }
#endif
    return true;
}

static SDL_Surface *new_canvas(int w, int h)
{
    return SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
}

/* Makes the canvas w x h; keeps the old one if that fails. */
static void resize_canvas(int w, int h)
{
    if (W.canvas && W.canvas->w == w && W.canvas->h == h)
        return;
    SDL_Surface *c = new_canvas(w, h);
    if (!c)
        return;
    SDL_FreeSurface(W.canvas);
    W.canvas = c;
    W.dirty = true;
}

static int open_window(const char *fn)
{
    if (W.open)
        return 0;
    W.canvas = new_canvas(W.w, W.h);
    if (!W.canvas) {
        glv_set_error("%s: cannot make a %dx%d picture: %s", fn, W.w, W.h, SDL_GetError());
        return -1;
    }
    glv_text_init(); /* without a font, the picture just has no text */
    W.headless = true;
    if (display_available()) {
        /* The REPL owns SIGINT (Ctrl-C interrupts a training loop), and the
         * window must not steal the keyboard from the terminal. */
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
#ifdef SDL_HINT_WINDOW_NO_ACTIVATION_WHEN_SHOWN
        SDL_SetHint(SDL_HINT_WINDOW_NO_ACTIVATION_WHEN_SHOWN, "1");
#endif
        SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
        if (!W.video_init && SDL_InitSubSystem(SDL_INIT_VIDEO) == 0)
            W.video_init = true;
        /* SDL falls back to its offscreen driver when the display fails:
         * that window would show nothing, so we are headless. */
        if (W.video_init && !is_offscreen_driver(SDL_GetCurrentVideoDriver())) {
            W.win = SDL_CreateWindow("gradlab  (drag: rotate, wheel: zoom, r: reset, l: log, s: save, q: close)",
                                     SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, W.w, W.h,
                                     SDL_WINDOW_RESIZABLE);
            W.headless = W.win == NULL;
        }
    }
    W.open = true;
    W.dirty = true;
    W.last_frame = 0;
    W.frame_cost = 0;
    W.drag = NULL;
    W.status[0] = '\0';
    return 0;
}

void glv_close(void)
{
    if (!W.open)
        return;
    for (int i = 0; i < W.npanes; i++)
        W.panes[i]->kind->destroy(W.panes[i]);
    W.npanes = 0;
    W.drag = NULL;
    if (W.win)
        SDL_DestroyWindow(W.win);
    W.win = NULL;
    SDL_FreeSurface(W.canvas);
    W.canvas = NULL;
    W.open = false;
    W.headless = false;
    glv_text_quit();
}

int glv_is_open(void) { return W.open; }

int glv_headless(void) { return W.open ? W.headless : !display_available(); }

int glv_set_size(int width, int height)
{
    if (width < 200 || width > 8192 || height < 200 || height > 8192) {
        glv_set_error("glv_set_size: width and height must be in 200..8192 (got %d, %d)", width, height);
        return -1;
    }
    W.w = width;
    W.h = height;
    if (W.open) {
        if (W.win)
            SDL_SetWindowSize(W.win, width, height); /* the canvas follows in present() */
        else
            resize_canvas(width, height);
        W.dirty = true;
    }
    return 0;
}

/* --------------------------------------------------------------- panes */

glv_pane *glv_find_pane(const glv_pane_kind *kind, const char *title)
{
    for (int i = 0; i < W.npanes; i++)
        if (W.panes[i]->kind == kind && strcmp(W.panes[i]->title, title) == 0)
            return W.panes[i];
    return NULL;
}

int glv_add_pane(glv_pane *p, const char *fn)
{
    if (W.open && W.npanes >= GLV_MAX_PANES) {
        glv_set_error("%s: too many panes (at most %d); close the window first", fn, GLV_MAX_PANES);
        return -1;
    }
    if (open_window(fn) != 0)
        return -1;
    W.panes[W.npanes++] = p;
    W.dirty = true;
    return 0;
}

/* One pane fills the window, two sit side by side, then a grid of
 * ceil(sqrt(n)) columns whose last row is stretched to the full width. */
static void layout(int w, int h)
{
    int n = W.npanes;
    if (n == 0)
        return;
    int cols = (int)ceil(sqrt((double)n));
    int rows = (n + cols - 1) / cols;
    for (int i = 0; i < n; i++) {
        int row = i / cols, col = i % cols;
        int in_row = row == rows - 1 ? n - row * cols : cols;
        SDL_Rect *r = &W.panes[i]->rect;
        r->x = w * col / in_row;
        r->w = w * (col + 1) / in_row - r->x;
        r->y = h * row / rows;
        r->h = h * (row + 1) / rows - r->y;
    }
}

static glv_pane *pane_at(int x, int y)
{
    SDL_Point pt = {x, y};
    for (int i = 0; i < W.npanes; i++)
        if (SDL_PointInRect(&pt, &W.panes[i]->rect))
            return W.panes[i];
    return NULL;
}

/* ------------------------------------------------------------- drawing */

/* Draws every pane into the canvas; the status line only when shown on
 * screen (overlay), never into a saved file. */
static void render(bool overlay)
{
    SDL_Surface *s = W.canvas;
    SDL_SetClipRect(s, NULL);
    SDL_FillRect(s, NULL, SDL_MapRGB(s->format, GLV_BG.r, GLV_BG.g, GLV_BG.b));
    layout(s->w, s->h);
    for (int i = 0; i < W.npanes; i++) {
        glv_pane *p = W.panes[i];
        SDL_SetClipRect(s, &p->rect);
        p->kind->draw(p, s, p->rect);
    }
    SDL_SetClipRect(s, NULL);
    for (int i = 0; i < W.npanes; i++) { /* thin lines between panes */
        SDL_Rect r = W.panes[i]->rect;
        if (r.x > 0)
            glv_fill_rect(s, (float)r.x, (float)r.y + 8, 1, (float)r.h - 16, GLV_SEPARATOR);
        if (r.y > 0)
            glv_fill_rect(s, (float)r.x + 8, (float)r.y, (float)r.w - 16, 1, GLV_SEPARATOR);
    }
    if (overlay && W.status[0] && !SDL_TICKS_PASSED(SDL_GetTicks(), W.status_until)) {
        int tw, th;
        glv_text_size(W.status, GLV_FONT_LABEL, &tw, &th);
        glv_fill_rect(s, 0, (float)(s->h - th - 8), (float)tw + 16, (float)th + 8, GLV_RGBA(255, 255, 224, 235));
        glv_text(s, W.status, GLV_FONT_LABEL, GLV_TEXT, 8, (float)(s->h - 4), GLV_LEFT | GLV_BOTTOM, false);
    }
}

/* Renders and shows the canvas in the real window. */
static void present(void)
{
    Uint32 t0 = SDL_GetTicks();
    SDL_Surface *ws = SDL_GetWindowSurface(W.win);
    if (!ws)
        return;
    resize_canvas(ws->w, ws->h); /* the picture follows the window's size */
    if (W.canvas->w != ws->w || W.canvas->h != ws->h)
        return; /* out of memory: try again next time */
    W.w = ws->w;
    W.h = ws->h;
    render(true);
    SDL_BlitSurface(W.canvas, NULL, ws, NULL);
    SDL_UpdateWindowSurface(W.win);
    W.dirty = false;
    W.last_frame = SDL_GetTicks();
    W.frame_cost = W.last_frame - t0;
}

/* ------------------------------------------------------------------ PNG */

int glv_save(const char *path)
{
    if (!path || !*path) {
        glv_set_error("glv_save: path must be a non-empty string");
        return -1;
    }
    if (!W.open) {
        glv_set_error("glv_save: nothing to save: no window is open");
        return -1;
    }
    if (W.win) {
        SDL_Surface *ws = SDL_GetWindowSurface(W.win);
        if (ws)
            resize_canvas(ws->w, ws->h);
    }
    render(false);
    W.dirty = true; /* the window still wants its status line */
    if (IMG_SavePNG(W.canvas, path) != 0) {
        glv_set_error("glv_save: cannot write '%s': %s", path, IMG_GetError());
        return -1;
    }
    return 0;
}

/* The `s` key: gradlab-1.png, gradlab-2.png, ... whichever is free. */
static void save_numbered(void)
{
    char path[64];
    for (int i = 1; i < 10000; i++) {
        snprintf(path, sizeof path, "gradlab-%d.png", i);
        FILE *f = fopen(path, "rb");
        if (!f)
            break;
        fclose(f);
    }
    if (glv_save(path) == 0)
        snprintf(W.status, sizeof W.status, "saved %s", path);
    else
        snprintf(W.status, sizeof W.status, "%s", glv_error());
    W.status_until = SDL_GetTicks() + 3000;
    W.dirty = true;
}

/* --------------------------------------------------------------- events */

/* The pane under the mouse gets the key; if it does not use it, every pane
 * does (so `l` works wherever the mouse is). */
static void key(SDL_Keycode k)
{
    if (k == SDLK_q || k == SDLK_ESCAPE) {
        glv_close();
        return;
    }
    if (k == SDLK_s) {
        save_numbered();
        return;
    }
    glv_pane *p = pane_at(W.mouse_x, W.mouse_y);
    if (p && p->kind->key && p->kind->key(p, k)) {
        W.dirty = true;
        return;
    }
    for (int i = 0; i < W.npanes; i++)
        if (W.panes[i]->kind->key && W.panes[i]->kind->key(W.panes[i], k))
            W.dirty = true;
}

static void handle_event(const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT:
        glv_close();
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_CLOSE)
            glv_close();
        else if (e->window.event == SDL_WINDOWEVENT_LEAVE)
            W.mouse_x = W.mouse_y = -1;
        else
            W.dirty = true; /* exposed, resized, restored: draw again */
        break;
    case SDL_KEYDOWN:
        key(e->key.keysym.sym);
        break;
    case SDL_MOUSEBUTTONDOWN:
        W.mouse_x = e->button.x;
        W.mouse_y = e->button.y;
        if (e->button.button == SDL_BUTTON_LEFT)
            W.drag = pane_at(e->button.x, e->button.y);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT)
            W.drag = NULL;
        break;
    case SDL_MOUSEMOTION:
        W.mouse_x = e->motion.x;
        W.mouse_y = e->motion.y;
        if (W.drag && (e->motion.state & SDL_BUTTON_LMASK) && W.drag->kind->drag &&
            W.drag->kind->drag(W.drag, e->motion.xrel, e->motion.yrel))
            W.dirty = true;
        break;
    case SDL_MOUSEWHEEL: {
        glv_pane *p = pane_at(W.mouse_x, W.mouse_y);
        int dy = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y;
        if (p && p->kind->wheel && p->kind->wheel(p, dy))
            W.dirty = true;
        break;
    }
    default:
        break;
    }
}

static void handle_events(void)
{
    if (!W.video_init)
        return;
    SDL_Event e;
    while (SDL_PollEvent(&e))
        if (W.open && W.win) /* after a close, old events are dropped */
            handle_event(&e);
}

void glv_touch(void)
{
    W.dirty = true;
    if (!W.open || !W.win)
        return; /* offscreen: drawn when saved */
    /* Rate limit, and keep drawing under ~5% of a training loop's time even
     * when a frame is slow (a big window, a fine mesh, a software X server):
     * the live plot may lag by a few frames; the loop must not. Waiting at
     * the prompt (glv_pump) redraws at full rate. */
    Uint32 gap = W.frame_cost * 20 > MIN_FRAME_MS ? W.frame_cost * 20 : MIN_FRAME_MS;
    if (!SDL_TICKS_PASSED(SDL_GetTicks(), W.last_frame + gap))
        return;
    handle_events();
    if (W.open && W.win && W.dirty)
        present();
}

int glv_pump(void)
{
    handle_events();
    if (!W.open)
        return 0;
    if (W.win) {
        if (W.status[0] && SDL_TICKS_PASSED(SDL_GetTicks(), W.status_until)) {
            W.status[0] = '\0'; /* the status line has been seen long enough */
            W.dirty = true;
        }
        if (W.dirty && SDL_TICKS_PASSED(SDL_GetTicks(), W.last_frame + PUMP_FRAME_MS))
            present();
    }
    return 1;
}

void glv_wait(volatile sig_atomic_t *stop)
{
    while (W.open && W.win && !(stop && *stop)) {
        SDL_WaitEventTimeout(NULL, 50);
        glv_pump();
    }
}
