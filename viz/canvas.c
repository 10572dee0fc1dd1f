/* canvas.c — the drawing primitives: rectangles, polygons, anti-aliased lines
 * and discs on an ARGB8888 SDL_Surface, clipped to its clip rectangle. */
#include "vizint.h"

#include <math.h>

/* The clip rectangle as a half-open pixel box [x0,x1) x [y0,y1). */
typedef struct {
    int x0, y0, x1, y1;
} box;

static box clip_box(const SDL_Surface *s)
{
    SDL_Rect r = s->clip_rect;
    return (box){r.x, r.y, r.x + r.w, r.y + r.h};
}

/* Blends c with coverage a256 (0..256) into the pixel at p. */
static inline void blend(Uint32 *p, glv_color c, unsigned a256)
{
    unsigned a = (c.a * a256 + 128) >> 8; /* 0..255 */
    if (a == 0)
        return;
    if (a >= 255) {
        *p = 0xff000000u | (Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b;
        return;
    }
    Uint32 d = *p;
    unsigned dr = (d >> 16) & 0xff, dg = (d >> 8) & 0xff, db = d & 0xff;
    unsigned na = 255 - a;
    unsigned r = (c.r * a + dr * na + 127) / 255;
    unsigned g = (c.g * a + dg * na + 127) / 255;
    unsigned b = (c.b * a + db * na + 127) / 255;
    *p = 0xff000000u | r << 16 | g << 8 | b;
}

static inline Uint32 *pixel_row(SDL_Surface *s, int y)
{
    return (Uint32 *)((Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch);
}

/* Keeps huge or NaN coordinates (a zoomed-in 3D view) out of int casts. */
static inline float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v; /* NaN falls through to v */
}

glv_color glv_shade(glv_color c, float f)
{
    float r = c.r * f, g = c.g * f, b = c.b * f;
    return (glv_color){(Uint8)clampf(r, 0, 255), (Uint8)clampf(g, 0, 255),
                       (Uint8)clampf(b, 0, 255), c.a};
}

void glv_fill_rect(SDL_Surface *s, float x, float y, float w, float h, glv_color c)
{
    if (!(w > 0 && h > 0))
        return;
    box b = clip_box(s);
    int x0 = (int)lroundf(clampf(x, -1e6f, 1e6f)), y0 = (int)lroundf(clampf(y, -1e6f, 1e6f));
    int x1 = (int)lroundf(clampf(x + w, -1e6f, 1e6f)), y1 = (int)lroundf(clampf(y + h, -1e6f, 1e6f));
    if (x0 < b.x0) x0 = b.x0;
    if (y0 < b.y0) y0 = b.y0;
    if (x1 > b.x1) x1 = b.x1;
    if (y1 > b.y1) y1 = b.y1;
    for (int j = y0; j < y1; j++) {
        Uint32 *row = pixel_row(s, j);
        for (int i = x0; i < x1; i++)
            blend(&row[i], c, 256);
    }
}

void glv_fill_poly(SDL_Surface *s, const float *xy, int n, glv_color c)
{
    if (n < 3 || n > 16)
        return;
    float ymin = xy[1], ymax = xy[1];
    for (int k = 0; k < n; k++) {
        if (!isfinite(xy[2 * k]) || !isfinite(xy[2 * k + 1]))
            return;
        if (xy[2 * k + 1] < ymin) ymin = xy[2 * k + 1];
        if (xy[2 * k + 1] > ymax) ymax = xy[2 * k + 1];
    }
    box b = clip_box(s);
    /* Rows whose centers j + 0.5 lie in [ymin, ymax). */
    int j0 = (int)ceilf(clampf(ymin, -1e6f, 1e6f) - 0.5f);
    int j1 = (int)ceilf(clampf(ymax, -1e6f, 1e6f) - 0.5f);
    if (j0 < b.y0) j0 = b.y0;
    if (j1 > b.y1) j1 = b.y1;
    for (int j = j0; j < j1; j++) {
        float yc = (float)j + 0.5f, xs[16];
        int m = 0;
        for (int k = 0; k < n; k++) {
            const float *p = xy + 2 * k, *q = xy + 2 * ((k + 1) % n);
            if ((p[1] <= yc) != (q[1] <= yc))
                xs[m++] = p[0] + (yc - p[1]) * (q[0] - p[0]) / (q[1] - p[1]);
        }
        for (int a = 1; a < m; a++) /* insertion sort: m is tiny */
            for (int k = a; k > 0 && xs[k - 1] > xs[k]; k--) {
                float t = xs[k]; xs[k] = xs[k - 1]; xs[k - 1] = t;
            }
        Uint32 *row = pixel_row(s, j);
        for (int k = 0; k + 1 < m; k += 2) {
            /* Pixels whose centers i + 0.5 lie in [xs[k], xs[k+1]). */
            int i0 = (int)ceilf(clampf(xs[k], -1e6f, 1e6f) - 0.5f);
            int i1 = (int)ceilf(clampf(xs[k + 1], -1e6f, 1e6f) - 0.5f);
            if (i0 < b.x0) i0 = b.x0;
            if (i1 > b.x1) i1 = b.x1;
            for (int i = i0; i < i1; i++)
                blend(&row[i], c, 256);
        }
    }
}

/* Coverage of a pixel whose center is at distance d from a shape's core,
 * for a shape of half-width r: a one-pixel ramp centered on the edge. */
static inline unsigned coverage(float d, float r)
{
    float cov = r + 0.5f - d;
    if (cov <= 0)
        return 0;
    return cov >= 1 ? 256u : (unsigned)(cov * 256.0f);
}

void glv_line(SDL_Surface *s, float x0, float y0, float x1, float y1, float width, glv_color c)
{
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1) || !(width > 0))
        return;
    /* Lines thinner than a pixel are drawn one pixel wide and fainter. */
    float r = width / 2;
    if (width < 1) {
        c.a = (Uint8)(c.a * width);
        r = 0.5f;
    }
    float reach = r + 1;
    box b = clip_box(s);
    /* Whole line outside the clip box: nothing to do (and no huge loops). */
    if (fminf(x0, x1) - reach >= b.x1 || fmaxf(x0, x1) + reach < b.x0 ||
        fminf(y0, y1) - reach >= b.y1 || fmaxf(y0, y1) + reach < b.y0)
        return;
    float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    int j0 = (int)floorf(clampf(fminf(y0, y1) - reach, -1e6f, 1e6f));
    int j1 = (int)ceilf(clampf(fmaxf(y0, y1) + reach, -1e6f, 1e6f));
    if (j0 < b.y0) j0 = b.y0;
    if (j1 > b.y1) j1 = b.y1;
    for (int j = j0; j < j1; j++) {
        float py = (float)j + 0.5f;
        /* The x extent of the part of the segment within reach of this row,
         * widened by reach: every pixel near the segment lies inside it. */
        float xa, xb;
        if (fabsf(dy) < 1e-6f) {
            xa = fminf(x0, x1);
            xb = fmaxf(x0, x1);
        } else {
            float ta = (py - reach - y0) / dy, tb = (py + reach - y0) / dy;
            if (ta > tb) { float t = ta; ta = tb; tb = t; }
            ta = clampf(ta, 0, 1);
            tb = clampf(tb, 0, 1);
            xa = fminf(x0 + ta * dx, x0 + tb * dx);
            xb = fmaxf(x0 + ta * dx, x0 + tb * dx);
        }
        int i0 = (int)floorf(clampf(xa - reach, -1e6f, 1e6f));
        int i1 = (int)ceilf(clampf(xb + reach, -1e6f, 1e6f));
        if (i0 < b.x0) i0 = b.x0;
        if (i1 > b.x1) i1 = b.x1;
        Uint32 *row = pixel_row(s, j);
        for (int i = i0; i < i1; i++) {
            float px = (float)i + 0.5f;
            float t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
            t = clampf(t, 0, 1);
            float ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
            unsigned a = coverage(sqrtf(ex * ex + ey * ey), r);
            if (a)
                blend(&row[i], c, a);
        }
    }
}

void glv_disc(SDL_Surface *s, float cx, float cy, float radius, glv_color c)
{
    if (!isfinite(cx) || !isfinite(cy) || !(radius > 0))
        return;
    glv_line(s, cx, cy, cx, cy, 2 * radius, c);
}
