/*
 * vizint.h — what the files of viz/ share and users never see: the pane
 * type every kind of pane starts with, the drawing primitives on the
 * software canvas, text, and axis ticks.
 *
 * Everything is drawn by our own small rasterizer into one ARGB8888
 * SDL_Surface (the canvas); a real window only shows a copy of it, so the
 * picture on screen, offscreen and in a saved PNG is the same. Coordinates
 * are in pixels, floats, with (0,0) the top-left corner of the canvas and
 * pixel (i,j) covering [i,i+1) x [j,j+1). Every primitive clips to the
 * surface's clip rectangle (SDL_SetClipRect), which a pane sets to its own
 * rectangle while it draws.
 */
#ifndef GRADLAB_VIZINT_H
#define GRADLAB_VIZINT_H

#include "viz.h"

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

/* ---------------------------------------------------------------- errors */

void glv_set_error(const char *fmt, ...);
/* 0 if lim is 2 finite doubles with lim[0] < lim[1], else -1 with an error
 * naming fn and the argument. */
int glv_check_lim(const char *fn, const char *name, const double lim[2]);
/* Copies title (fallback when NULL or "") into dst, cut at a character
 * boundary to fit n bytes. */
void glv_copy_title(char *dst, size_t n, const char *title, const char *fallback);

/* ----------------------------------------------------------------- panes */

typedef struct glv_pane glv_pane;

/* What a kind of pane does. Every hook but draw and destroy may be NULL.
 * The input hooks return 1 when the pane must be redrawn. */
typedef struct {
    const char *name;
    void (*draw)(glv_pane *p, SDL_Surface *s, SDL_Rect r);
    int (*drag)(glv_pane *p, int dx, int dy);
    int (*wheel)(glv_pane *p, int dy);
    int (*key)(glv_pane *p, SDL_Keycode key);
    void (*destroy)(glv_pane *p); /* frees the pane itself too */
} glv_pane_kind;

/* The first member of each kind's struct. */
struct glv_pane {
    const glv_pane_kind *kind;
    char title[128];
    SDL_Rect rect; /* where the last layout put it */
};

#define GLV_MAX_PANES 16

/* The pane of this kind and title, or NULL. */
glv_pane *glv_find_pane(const glv_pane_kind *kind, const char *title);
/* Adds a pane (its kind and title set), opening the window if needed; the
 * window owns it from then on. -1 with an error when there are too many
 * panes: the caller still owns p then. */
int glv_add_pane(glv_pane *p, const char *fn);
/* Something changed: redraw soon. Called by every drawing call; it also
 * handles pending events and redraws when a frame is due (rate-limited). */
void glv_touch(void);

/* --------------------------------------------------------------- drawing */

typedef struct {
    Uint8 r, g, b, a;
} glv_color;

#define GLV_RGB(r, g, b) ((glv_color){(r), (g), (b), 255})
#define GLV_RGBA(r, g, b, a) ((glv_color){(r), (g), (b), (a)})

/* The palette every pane uses. */
#define GLV_BG GLV_RGB(255, 255, 255)
#define GLV_TEXT GLV_RGB(34, 34, 34)
#define GLV_FRAME GLV_RGB(110, 110, 110)
#define GLV_GRID GLV_RGB(228, 228, 228)
#define GLV_SEPARATOR GLV_RGB(215, 215, 215)

/* Scales the rgb of c by f (0..1 darkens, >1 lightens, clamped). */
glv_color glv_shade(glv_color c, float f);

void glv_fill_rect(SDL_Surface *s, float x, float y, float w, float h, glv_color c);
/* Fills a polygon of n <= 16 points (xy: 2n floats) with the even-odd rule,
 * sampling pixel centers: polygons that share an edge neither overlap nor
 * leave a gap. Not anti-aliased. */
void glv_fill_poly(SDL_Surface *s, const float *xy, int n, glv_color c);
/* An anti-aliased line of the given width with round ends. */
void glv_line(SDL_Surface *s, float x0, float y0, float x1, float y1, float width, glv_color c);
/* An anti-aliased filled disc. */
void glv_disc(SDL_Surface *s, float cx, float cy, float radius, glv_color c);

/* ------------------------------------------------------------------ text */

typedef enum { GLV_FONT_TICK, GLV_FONT_LABEL, GLV_FONT_TITLE, GLV_FONT_COUNT } glv_font;

/* Alignment of the point given to glv_text: where it sits on the text box. */
enum {
    GLV_LEFT = 0, GLV_CENTER = 1, GLV_RIGHT = 2,  /* horizontal */
    GLV_TOP = 0, GLV_MIDDLE = 4, GLV_BOTTOM = 8   /* vertical, or'ed in */
};

/* Loads the fonts (DejaVu Sans; GRADLAB_FONT overrides). Without a font the
 * text is simply not drawn: returns -1, and text calls do nothing. */
int glv_text_init(void);
void glv_text_quit(void);
/* Size of a UTF-8 string in pixels (0,0 without fonts). */
void glv_text_size(const char *str, glv_font f, int *w, int *h);
/* Draws str at (x, y) with the given alignment; rotated 90 degrees
 * counter-clockwise when vertical (reading upward). */
void glv_text(SDL_Surface *s, const char *str, glv_font f, glv_color c, float x, float y,
              int align, bool vertical);

/* ------------------------------------------------------------------ axes */

#define GLV_MAX_TICKS 40

typedef struct {
    int n;
    double v[GLV_MAX_TICKS];        /* tick positions in data units */
    char label[GLV_MAX_TICKS][24];  /* "" for an unlabelled (minor) tick */
} glv_ticks;

/* "Nice numbers" (1, 2, 5 x 10^k) ticks inside [lo, hi], about target many. */
void glv_ticks_linear(glv_ticks *t, double lo, double hi, int target);
/* Ticks for a log axis over [lo, hi] (0 < lo < hi): powers of ten labelled
 * 10^k when the range spans enough decades, else plain 1-2-5 numbers. */
void glv_ticks_log(glv_ticks *t, double lo, double hi, int target);
/* Formats v for a tick label given the tick step (decimals follow the step;
 * very large or small numbers in the form 1.5e-5). */
void glv_format_number(double v, double step, char *buf, size_t n);

/* A 2D plot frame: data ranges mapped onto a pixel rectangle. */
typedef struct {
    SDL_Rect area;         /* the data area in pixels */
    double x0, x1, y0, y1; /* data range (log10 of it when ylog) */
    bool ylog;
    bool yflip;            /* y grows downward (matrix rows) */
} glv_frame;

float glv_frame_x(const glv_frame *f, double x);
float glv_frame_y(const glv_frame *f, double y); /* y in data units (not log10) */
/* Draws grid lines, the frame, the tick marks and their numbers outside the
 * area (x below, y to the left). Ticks outside the range are skipped. */
void glv_frame_draw(SDL_Surface *s, const glv_frame *f, const glv_ticks *xt,
                    const glv_ticks *yt, bool grid);
/* The width of the widest label of t. */
int glv_ticks_width(const glv_ticks *t, glv_font f);

/* A pane's title, centered at the top of r; returns the height it used. */
int glv_draw_title(SDL_Surface *s, SDL_Rect r, const char *title);

/* The color of the series/surface palette entry i (tab10-like). */
glv_color glv_palette(int i);
/* The viridis colormap at t in [0, 1]. */
glv_color glv_viridis(double t);

#endif
