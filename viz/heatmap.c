/* heatmap.c — the heat map pane: a matrix of values in the viridis
 * colormap, with numbered axes and a color bar. */
#include "vizint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAN_COLOR GLV_RGB(190, 190, 190)

typedef struct {
    glv_pane base;
    int rows, cols;
    bool matrix; /* no extent: axes count rows and columns, row 0 on top */
    double xlim[2], ylim[2];
    double *v;   /* rows*cols, row-major */
    double lo, hi; /* the color range */
} heat_pane;

/* Index ticks for a matrix axis of n cells: every index when few, else nice
 * integer steps. */
static void index_ticks(glv_ticks *t, int n, int target)
{
    if (n - 1 <= target) {
        t->n = 0;
        for (int i = 0; i < n && t->n < GLV_MAX_TICKS; i++, t->n++) {
            t->v[t->n] = i;
            glv_format_number(i, 1, t->label[t->n], sizeof t->label[0]);
        }
    } else {
        glv_ticks_linear(t, 0, n - 1, target);
    }
}

static double norm(const heat_pane *p, double v)
{
    return (v - p->lo) / (p->hi - p->lo);
}

static void heat_draw(glv_pane *base, SDL_Surface *s, SDL_Rect r)
{
    heat_pane *p = (heat_pane *)base;
    int top = glv_draw_title(s, r, base->title);
    glv_frame f;
    f.ylog = false;
    f.yflip = p->matrix;
    if (p->matrix) {
        f.x0 = -0.5, f.x1 = p->cols - 0.5, f.y0 = -0.5, f.y1 = p->rows - 0.5;
    } else {
        f.x0 = p->xlim[0], f.x1 = p->xlim[1], f.y0 = p->ylim[0], f.y1 = p->ylim[1];
    }
    int plot_h = r.h - top - 40;
    int ytarget = plot_h / 55 < 3 ? 3 : plot_h / 55 > 8 ? 8 : plot_h / 55;
    glv_ticks xt, yt, ct;
    if (p->matrix)
        index_ticks(&yt, p->rows, ytarget);
    else
        glv_ticks_linear(&yt, f.y0, f.y1, ytarget);
    glv_ticks_linear(&ct, p->lo, p->hi, ytarget + 1);
    int left = 16 + glv_ticks_width(&yt, GLV_FONT_TICK) + 10;
    int right = 18 + 16 + 8 + glv_ticks_width(&ct, GLV_FONT_TICK) + 16;
    f.area = (SDL_Rect){r.x + left, r.y + top + 4, r.w - left - right, plot_h - 4};
    if (f.area.w < 20 || f.area.h < 20)
        return;
    int xtarget = f.area.w / 85 < 2 ? 2 : f.area.w / 85 > 10 ? 10 : f.area.w / 85;
    if (p->matrix)
        index_ticks(&xt, p->cols, xtarget);
    else
        glv_ticks_linear(&xt, f.x0, f.x1, xtarget);

    /* The cells, pixel by pixel in runs of one cell: exact for any number
     * of cells, however many share a pixel. */
    SDL_Rect a = f.area;
    int *col_of = malloc((size_t)a.w * sizeof *col_of);
    if (col_of) {
        for (int i = 0; i < a.w; i++) {
            int c = (int)((i + 0.5) / a.w * p->cols);
            col_of[i] = c < p->cols ? c : p->cols - 1;
        }
        for (int j = 0; j < a.h; j++) {
            double u = (j + 0.5) / a.h; /* 0 at the top */
            int row = (int)((p->matrix ? u : 1 - u) * p->rows);
            if (row >= p->rows) row = p->rows - 1;
            const double *vals = p->v + (size_t)row * (size_t)p->cols;
            int run = 0;
            for (int i = 1; i <= a.w; i++) {
                if (i < a.w && col_of[i] == col_of[run])
                    continue;
                double v = vals[col_of[run]];
                glv_color c = isfinite(v) ? glv_viridis(norm(p, v)) : NAN_COLOR;
                glv_fill_rect(s, (float)(a.x + run), (float)(a.y + j), (float)(i - run), 1, c);
                run = i;
            }
        }
        free(col_of);
    }
    glv_frame_draw(s, &f, &xt, &yt, false);

    /* The color bar, values growing upward, numbered on its right. */
    float bx = (float)(a.x + a.w + 18), bw = 16;
    for (int j = 0; j < a.h; j++)
        glv_fill_rect(s, bx, (float)(a.y + j), bw, 1, glv_viridis(1 - (j + 0.5) / a.h));
    glv_fill_rect(s, bx - 1, (float)a.y - 1, bw + 2, 1, GLV_FRAME);
    glv_fill_rect(s, bx - 1, (float)(a.y + a.h), bw + 2, 1, GLV_FRAME);
    glv_fill_rect(s, bx - 1, (float)a.y, 1, (float)a.h, GLV_FRAME);
    glv_fill_rect(s, bx + bw, (float)a.y, 1, (float)a.h, GLV_FRAME);
    for (int t = 0; t < ct.n; t++) {
        float y = floorf((float)(a.y + a.h) - (float)norm(p, ct.v[t]) * (float)a.h) + 0.5f;
        glv_line(s, bx + bw + 1, y, bx + bw + 5, y, 1, GLV_FRAME);
        glv_text(s, ct.label[t], GLV_FONT_TICK, GLV_TEXT, bx + bw + 8, y, GLV_LEFT | GLV_MIDDLE, false);
    }
}

static void heat_destroy(glv_pane *base)
{
    free(((heat_pane *)base)->v);
    free(base);
}

static const glv_pane_kind heat_kind = {"heatmap", heat_draw, NULL, NULL, NULL, heat_destroy};

int glv_heatmap(const char *title, const double *values, int n_rows, int n_cols,
                const double xlim[2], const double ylim[2])
{
    static const char fn[] = "glv_heatmap";
    if (!values) {
        glv_set_error("%s: values is NULL", fn);
        return -1;
    }
    if (n_rows < 1 || n_rows > 4096 || n_cols < 1 || n_cols > 4096) {
        glv_set_error("%s: n_rows and n_cols must be in 1..4096 (got %d, %d)", fn, n_rows, n_cols);
        return -1;
    }
    bool matrix = !xlim && !ylim;
    if (!matrix && (glv_check_lim(fn, "xlim", xlim) || glv_check_lim(fn, "ylim", ylim)))
        return -1;
    char name[128];
    glv_copy_title(name, sizeof name, title, "heat map");
    size_t count = (size_t)n_rows * (size_t)n_cols;
    double *copy = malloc(count * sizeof *copy);
    heat_pane *p = (heat_pane *)glv_find_pane(&heat_kind, name);
    bool fresh = p == NULL;
    if (fresh)
        p = calloc(1, sizeof *p);
    if (!copy || !p) {
        free(copy);
        if (fresh)
            free(p);
        glv_set_error("%s: out of memory for %dx%d values", fn, n_rows, n_cols);
        return -1;
    }
    int bad = 0;
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t i = 0; i < count; i++) {
        double v = copy[i] = values[i];
        if (!isfinite(v)) {
            bad++;
            continue;
        }
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    if (!(lo <= hi))
        lo = 0, hi = 1;
    if (hi - lo <= 1e-12 * fmax(1, fabs(lo))) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.1 : 0.5;
        lo -= pad, hi += pad;
    }
    free(p->v);
    p->v = copy;
    p->rows = n_rows, p->cols = n_cols;
    p->matrix = matrix;
    if (!matrix) {
        memcpy(p->xlim, xlim, sizeof p->xlim);
        memcpy(p->ylim, ylim, sizeof p->ylim);
    }
    p->lo = lo, p->hi = hi;
    if (fresh) {
        p->base.kind = &heat_kind;
        memcpy(p->base.title, name, sizeof name);
        if (glv_add_pane(&p->base, fn) != 0) {
            heat_destroy(&p->base);
            return -1;
        }
    }
    glv_touch();
    if (bad) {
        glv_set_error("%s: %d of %zu values are NaN or Inf; their cells are grey", fn, bad, count);
        return bad;
    }
    return 0;
}
