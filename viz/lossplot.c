/* lossplot.c — the loss pane: named series of (x, y) points as lines, a
 * legend, a y axis that toggles between linear and log, and a view that
 * follows the data as points arrive.
 *
 * A glv_plot belongs to the caller (the Lua userdata) and to the pane that
 * shows it: two references. Closing the window drops the pane's; the
 * caller's plot keeps its points and is shown again by its next point. */
#include "vizint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 10
#define MARKERS_BELOW 30 /* points per series under which each point gets a dot */

typedef struct {
    char name[64];
    glv_color color;
    double (*xy)[2]; /* n points, capacity cap */
    size_t n, cap;
} series;

typedef struct loss_pane loss_pane;

struct glv_plot {
    int refs;
    char title[128];
    bool log;
    series s[MAX_SERIES];
    int nseries;
    loss_pane *pane; /* NULL while not shown */
};

struct loss_pane {
    glv_pane base;
    glv_plot *plot;
};

static void plot_release(glv_plot *p)
{
    if (!p || --p->refs > 0)
        return;
    for (int i = 0; i < p->nseries; i++)
        free(p->s[i].xy);
    free(p);
}

/* ---------------------------------------------------------- drawing */

typedef struct {
    bool any;
    double xlo, xhi, ylo, yhi;
} extent;

static extent data_extent(const glv_plot *p)
{
    extent e = {false, HUGE_VAL, -HUGE_VAL, HUGE_VAL, -HUGE_VAL};
    for (int k = 0; k < p->nseries; k++)
        for (size_t i = 0; i < p->s[k].n; i++) {
            double x = p->s[k].xy[i][0], y = p->s[k].xy[i][1];
            if (p->log && !(y > 0))
                continue;
            e.any = true;
            if (x < e.xlo) e.xlo = x;
            if (x > e.xhi) e.xhi = x;
            if (y < e.ylo) e.ylo = y;
            if (y > e.yhi) e.yhi = y;
        }
    return e;
}

/* The frame's data range: the data with a small margin, in log10 units for
 * a log axis. */
static void view_range(const glv_plot *p, glv_frame *f)
{
    extent e = data_extent(p);
    if (!e.any) {
        e.xlo = 0, e.xhi = 1;
        e.ylo = p->log ? 0.1 : 0, e.yhi = 1;
    }
    if (e.xhi - e.xlo <= 1e-12 * fmax(1, fabs(e.xlo)))
        e.xlo -= 1, e.xhi += 1;
    double xpad = 0.02 * (e.xhi - e.xlo);
    f->x0 = e.xlo - xpad, f->x1 = e.xhi + xpad;
    double y0 = p->log ? log10(e.ylo) : e.ylo, y1 = p->log ? log10(e.yhi) : e.yhi;
    if (y1 - y0 <= 1e-12 * fmax(1, fabs(y0))) {
        double pad = p->log ? 0.5 : (fabs(y0) > 0 ? fabs(y0) * 0.1 : 1);
        y0 -= pad, y1 += pad;
    }
    double ypad = 0.06 * (y1 - y0);
    f->y0 = y0 - ypad, f->y1 = y1 + ypad;
    f->ylog = p->log;
    f->yflip = false;
}

/* One series as a polyline. Points closer than a pixel apart in x are
 * merged into a vertical span per pixel column, so a series of a million
 * points costs about as much as the pane is wide. */
static void draw_series(SDL_Surface *s, const glv_frame *f, const series *se, bool log)
{
    const float width = 2.0f;
    bool have_last = false, in_col = false;
    float lx = 0, ly = 0, colx = 0, cmin = 0, cmax = 0, cfirst = 0, clast = 0;
#define FLUSH_COLUMN()                                                             \
    do {                                                                           \
        if (in_col) {                                                              \
            if (have_last)                                                         \
                glv_line(s, lx, ly, colx, cfirst, width, se->color);               \
            if (cmax - cmin > 0.5f)                                                \
                glv_line(s, colx, cmin, colx, cmax, width, se->color);             \
            else if (!have_last)                                                   \
                glv_line(s, colx, cfirst, colx, clast, width, se->color);          \
            lx = colx, ly = clast, have_last = true, in_col = false;               \
        }                                                                          \
    } while (0)
    for (size_t i = 0; i < se->n; i++) {
        double x = se->xy[i][0], y = se->xy[i][1];
        if (log && !(y > 0)) { /* not drawable on a log axis: lift the pen */
            FLUSH_COLUMN();
            have_last = false;
            continue;
        }
        float sx = glv_frame_x(f, x), sy = glv_frame_y(f, y);
        if (in_col && fabsf(sx - colx) < 1.0f) {
            cmin = fminf(cmin, sy), cmax = fmaxf(cmax, sy), clast = sy;
            continue;
        }
        FLUSH_COLUMN();
        colx = sx, cmin = cmax = cfirst = clast = sy, in_col = true;
    }
    FLUSH_COLUMN();
#undef FLUSH_COLUMN
    if (se->n < MARKERS_BELOW)
        for (size_t i = 0; i < se->n; i++)
            if (!log || se->xy[i][1] > 0)
                glv_disc(s, glv_frame_x(f, se->xy[i][0]), glv_frame_y(f, se->xy[i][1]), 3.2f, se->color);
}

static void draw_legend(SDL_Surface *s, const glv_plot *p, SDL_Rect area)
{
    if (p->nseries == 0)
        return;
    int widest = 0, th = 15;
    for (int k = 0; k < p->nseries; k++) {
        int w, h;
        glv_text_size(p->s[k].name, GLV_FONT_LABEL, &w, &h);
        if (w > widest) widest = w;
        if (h) th = h;
    }
    float row = (float)th + 4, bw = 10 + 26 + 6 + (float)widest + 10, bh = 8 + row * (float)p->nseries + 4;
    float bx = (float)(area.x + area.w) - bw - 10, by = (float)area.y + 10;
    glv_fill_rect(s, bx, by, bw, bh, GLV_RGBA(255, 255, 255, 225));
    glv_line(s, bx + 0.5f, by + 0.5f, bx + bw - 0.5f, by + 0.5f, 1, GLV_SEPARATOR);
    glv_line(s, bx + 0.5f, by + bh - 0.5f, bx + bw - 0.5f, by + bh - 0.5f, 1, GLV_SEPARATOR);
    glv_line(s, bx + 0.5f, by + 0.5f, bx + 0.5f, by + bh - 0.5f, 1, GLV_SEPARATOR);
    glv_line(s, bx + bw - 0.5f, by + 0.5f, bx + bw - 0.5f, by + bh - 0.5f, 1, GLV_SEPARATOR);
    for (int k = 0; k < p->nseries; k++) {
        float y = by + 6 + row * (float)k + row / 2;
        glv_line(s, bx + 10, y, bx + 36, y, 2.5f, p->s[k].color);
        glv_text(s, p->s[k].name, GLV_FONT_LABEL, GLV_TEXT, bx + 42, y, GLV_LEFT | GLV_MIDDLE, false);
    }
}

static void loss_draw(glv_pane *base, SDL_Surface *s, SDL_Rect r)
{
    glv_plot *p = ((loss_pane *)base)->plot;
    int top = glv_draw_title(s, r, base->title);
    glv_frame f;
    view_range(p, &f);

    /* The left margin fits the widest y label: find the ticks first. */
    int plot_h = r.h - top - 40;
    int ytarget = plot_h / 55 < 3 ? 3 : plot_h / 55 > 8 ? 8 : plot_h / 55;
    glv_ticks yt, xt;
    if (p->log)
        glv_ticks_log(&yt, pow(10, f.y0), pow(10, f.y1), ytarget);
    else
        glv_ticks_linear(&yt, f.y0, f.y1, ytarget);
    int left = 16 + glv_ticks_width(&yt, GLV_FONT_TICK) + 10;
    f.area = (SDL_Rect){r.x + left, r.y + top + 4, r.w - left - 22, plot_h - 4};
    if (f.area.w < 20 || f.area.h < 20)
        return;
    int xtarget = f.area.w / 85 < 2 ? 2 : f.area.w / 85 > 10 ? 10 : f.area.w / 85;
    glv_ticks_linear(&xt, f.x0, f.x1, xtarget);
    glv_frame_draw(s, &f, &xt, &yt, true);

    SDL_Rect clip;
    SDL_IntersectRect(&f.area, &r, &clip);
    SDL_SetClipRect(s, &clip);
    for (int k = 0; k < p->nseries; k++)
        draw_series(s, &f, &p->s[k], p->log);
    draw_legend(s, p, f.area);
    SDL_SetClipRect(s, &r);
}

static int loss_key(glv_pane *base, SDL_Keycode k)
{
    if (k != SDLK_l)
        return 0;
    glv_plot *p = ((loss_pane *)base)->plot;
    p->log = !p->log;
    return 1;
}

static void loss_destroy(glv_pane *base)
{
    loss_pane *lp = (loss_pane *)base;
    lp->plot->pane = NULL;
    plot_release(lp->plot);
    free(lp);
}

static const glv_pane_kind loss_kind = {"loss", loss_draw, NULL, NULL, loss_key, loss_destroy};

/* Shows p in a pane of its title: takes over a loss pane with that title
 * (whose old plot stays valid, unshown) or adds one. */
static int attach(glv_plot *p, const char *fn)
{
    loss_pane *lp = (loss_pane *)glv_find_pane(&loss_kind, p->title);
    if (lp) {
        lp->plot->pane = NULL;
        plot_release(lp->plot);
    } else {
        lp = calloc(1, sizeof *lp);
        if (!lp) {
            glv_set_error("%s: out of memory", fn);
            return -1;
        }
        lp->base.kind = &loss_kind;
        memcpy(lp->base.title, p->title, sizeof p->title);
        if (glv_add_pane(&lp->base, fn) != 0) {
            free(lp);
            return -1;
        }
    }
    lp->plot = p;
    p->refs++;
    p->pane = lp;
    return 0;
}

/* ----------------------------------------------------------------- API */

glv_plot *glv_loss_new(const char *title, int log)
{
    glv_plot *p = calloc(1, sizeof *p);
    if (!p) {
        glv_set_error("glv_loss_new: out of memory");
        return NULL;
    }
    p->refs = 1;
    p->log = log != 0;
    glv_copy_title(p->title, sizeof p->title, title, "loss");
    if (attach(p, "glv_loss_new") != 0) {
        free(p);
        return NULL;
    }
    glv_touch();
    return p;
}

int glv_loss_add(glv_plot *p, const char *series_name, double x, double y)
{
    static const char fn[] = "glv_loss_add";
    if (!p) {
        glv_set_error("%s: plot is NULL", fn);
        return -1;
    }
    if (!isfinite(x)) {
        glv_set_error("%s: x must be finite (got %g)", fn, x);
        return -1;
    }
    char name[64];
    glv_copy_title(name, sizeof name, series_name, "loss");
    series *se = NULL;
    for (int k = 0; k < p->nseries && !se; k++)
        if (strcmp(p->s[k].name, name) == 0)
            se = &p->s[k];
    if (!se && p->nseries >= MAX_SERIES) {
        glv_set_error("%s: plot '%s' has %d series already, the most it can show", fn, p->title, MAX_SERIES);
        return -1;
    }
    if (!isfinite(y)) {
        glv_set_error("%s: series '%s': y is %s at x = %g, point skipped", fn, name,
                      isnan(y) ? "nan" : y > 0 ? "inf" : "-inf", x);
        return 1;
    }
    if (!p->pane && attach(p, fn) != 0)
        return -1;
    if (!se || se->n == se->cap) {
        size_t cap = se && se->cap ? 2 * se->cap : 64;
        double(*xy)[2] = realloc(se ? se->xy : NULL, cap * sizeof *xy);
        if (!xy) {
            glv_set_error("%s: out of memory", fn);
            return -1;
        }
        if (!se) {
            se = &p->s[p->nseries];
            memset(se, 0, sizeof *se);
            memcpy(se->name, name, sizeof name);
            se->color = glv_palette(p->nseries);
            p->nseries++;
        }
        se->xy = xy;
        se->cap = cap;
    }
    se->xy[se->n][0] = x;
    se->xy[se->n][1] = y;
    se->n++;
    glv_touch();
    return 0;
}

void glv_loss_set_log(glv_plot *p, int log)
{
    if (!p || p->log == (log != 0))
        return;
    p->log = log != 0;
    if (p->pane)
        glv_touch();
}

void glv_loss_free(glv_plot *p)
{
    plot_release(p);
}
