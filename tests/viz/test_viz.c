/*
 * test_viz.c — the window library's pictures, checked pixel by pixel.
 *
 *   test_viz offscreen OUTDIR   every pane drawn offscreen (SDL_VIDEODRIVER=offscreen)
 *   test_viz nodisplay OUTDIR   no DISPLAY, no WAYLAND_DISPLAY, no SDL_VIDEODRIVER
 *   test_viz deaddisplay OUTDIR DISPLAY names no server (DISPLAY=:4242)
 *   test_viz x11 OUTDIR         a real window (under xvfb-run, SDL_VIDEODRIVER=x11)
 *   test_viz docs docs          draws the pictures in docs/ (not a test)
 *
 * Each test prints "ok - name" or "not ok - name" with the reason; the
 * suite (tests/suites/viz.sh) counts them. The pictures are left in OUTDIR
 * to be looked at.
 */
#include "viz.h"

#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *outdir = ".";
static char failure[512];

#define CHECK(cond, ...)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            int n_ = snprintf(failure, sizeof failure, "line %d: %s: ", __LINE__, #cond); \
            snprintf(failure + n_, sizeof failure - (size_t)n_, __VA_ARGS__);       \
            return false;                                                           \
        }                                                                           \
    } while (0)

#define CHECK_ERROR(expected)                                                       \
    CHECK(strcmp(glv_error(), (expected)) == 0, "error was \"%s\"", glv_error())

static int passed, failed;

static void run(const char *name, bool (*test)(void))
{
    glv_close();
    failure[0] = '\0';
    bool ok = test();
    glv_close();
    if (ok) {
        passed++;
        printf("ok - %s\n", name);
    } else {
        failed++;
        printf("not ok - %s: %s\n", name, failure);
    }
    fflush(stdout);
}

/* ------------------------------------------------------------ pictures */

typedef struct {
    SDL_Surface *s; /* ARGB8888 */
    int w, h;
} pic;

static char *out_path(const char *name)
{
    static char path[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", outdir, name);
    return path[k];
}

/* Saves the window to OUTDIR/name and loads the file back. */
static bool snapshot(const char *name, pic *p)
{
    p->s = NULL;
    if (glv_save(out_path(name)) != 0)
        return false;
    SDL_Surface *raw = IMG_Load(out_path(name));
    if (!raw)
        return false;
    p->s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    if (!p->s)
        return false;
    p->w = p->s->w, p->h = p->s->h;
    return true;
}

static void pic_free(pic *p)
{
    SDL_FreeSurface(p->s);
    p->s = NULL;
}

typedef struct {
    int r, g, b;
} rgb;

static rgb px(const pic *p, int x, int y)
{
    Uint32 v = ((const Uint32 *)((const Uint8 *)p->s->pixels + (size_t)y * (size_t)p->s->pitch))[x];
    return (rgb){(int)((v >> 16) & 255), (int)((v >> 8) & 255), (int)(v & 255)};
}

typedef bool (*color_test)(rgb c);

/* The blues of the target surface, shaded light or dark. */
static bool is_target(rgb c) { return c.b > c.r + 40 && c.b > c.g + 20; }
/* The oranges of the model surface. */
static bool is_model(rgb c) { return c.r > 100 && c.r > c.g + 40 && c.g > c.b + 30; }
/* Text: dark and without hue (anti-aliased grey on white). */
static bool is_text(rgb c)
{
    return c.r < 110 && abs(c.r - c.g) < 14 && abs(c.g - c.b) < 14 && abs(c.r - c.b) < 14;
}
static bool near(rgb c, int r, int g, int b, int tol)
{
    return abs(c.r - r) <= tol && abs(c.g - g) <= tol && abs(c.b - b) <= tol;
}
static rgb want;
static bool is_want(rgb c) { return near(c, want.r, want.g, want.b, 30); }

static int count(const pic *p, int x0, int y0, int x1, int y1, color_test t)
{
    int n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < p->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < p->w; x++)
            n += t(px(p, x, y));
    return n;
}

/* Mean x of the pixels passing t in the rows y0..y1 (-1 if none). */
static double mean_x(const pic *p, int y0, int y1, color_test t)
{
    double sum = 0;
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < p->w; x++)
            if (t(px(p, x, y)))
                sum += x, n++;
    return n ? sum / n : -1;
}

/* One pane only: a title in the middle of the top row and nothing to its
 * right (a surface pane's legend sits to the left of its title). */
static bool single_pane(const pic *p)
{
    return count(p, p->w * 2 / 5, 4, p->w * 3 / 5, 30, is_text) > 20 &&
           count(p, p->w * 3 / 5 + 20, 4, p->w, 30, is_text) == 0;
}

static bool same_picture(const pic *a, const pic *b)
{
    if (a->w != b->w || a->h != b->h)
        return false;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            rgb u = px(a, x, y), v = px(b, x, y);
            if (u.r != v.r || u.g != v.g || u.b != v.b)
                return false;
        }
    return true;
}

/* -------------------------------------------------------------- data */

enum { N = 40 };
static double target[N * N], model[N * N], model2[N * N];
static const double lim02[2] = {0, 2};

/* The scenario: a target z = 2 sin x + 3 cos 2y + 1.3 on [0,2]^2 and a
 * model that has only learned its mean, plus a little tilt. */
static void make_grids(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double x = 2.0 * i / (N - 1), y = 2.0 * j / (N - 1);
            target[i * N + j] = 2 * sin(x) + 3 * cos(2 * y) + 1.3;
            model[i * N + j] = 2.15 + 0.3 * x - 0.2 * y;
            model2[i * N + j] = 1.0 + 1.5 * sin(x) + 2.0 * cos(2 * y);
        }
}

/* --------------------------------------------------------------- tests */

static bool surface_pane(void)
{
    CHECK(glv_headless() == 1, "expected to be headless");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(glv_is_open() == 1, "no window");
    pic p;
    CHECK(snapshot("surface.png", &p), "%s", glv_error());
    CHECK(p.w == 1200 && p.h == 800, "size %dx%d", p.w, p.h);
    rgb c0 = px(&p, 0, 0), c1 = px(&p, p.w - 1, p.h - 1);
    CHECK(near(c0, 255, 255, 255, 0) && near(c1, 255, 255, 255, 0), "background %d,%d,%d", c0.r, c0.g, c0.b);
    double area = (double)p.w * p.h;
    double blue = count(&p, 0, 0, p.w, p.h, is_target) / area;
    double orange = count(&p, 0, 0, p.w, p.h, is_model) / area;
    CHECK(blue > 0.03 && blue < 0.5, "target covers %.3f of the pane", blue);
    CHECK(orange > 0.05 && orange < 0.5, "model covers %.3f of the pane", orange);
    /* Numbers on the axes: text below the box and left of it. */
    int below = count(&p, 0, p.h * 3 / 4, p.w, p.h, is_text);
    int left = count(&p, 0, 100, p.w / 3, p.h, is_text);
    CHECK(below > 150, "only %d text pixels in the bottom quarter", below);
    CHECK(left > 60, "only %d text pixels left of the box", left);
    CHECK(single_pane(&p), "not one title centered over one pane");
    pic_free(&p);
    return true;
}

static bool surface_update_in_place(void)
{
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    pic a, b, c;
    CHECK(snapshot("update-0.png", &a), "%s", glv_error());
    /* Same title, model only: the target is kept, the model replaced, and
     * there is still one pane. */
    CHECK(glv_surface("fit", NULL, model2, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(snapshot("update-1.png", &b), "%s", glv_error());
    CHECK(!same_picture(&a, &b), "the model did not change");
    double area = (double)b.w * b.h;
    CHECK(count(&b, 0, 0, b.w, b.h, is_target) / area > 0.03, "the target was dropped");
    CHECK(count(&b, 0, 0, b.w, b.h, is_model) / area > 0.03, "no model");
    CHECK(single_pane(&b), "a second pane appeared");
    /* A new grid without a target: the old target cannot stay. */
    double xlim[2] = {-1, 1};
    CHECK(glv_surface("fit", NULL, model2, N, xlim, lim02) == 0, "%s", glv_error());
    CHECK(snapshot("update-2.png", &c), "%s", glv_error());
    int blue = count(&c, 0, 60, c.w, c.h, is_target);
    CHECK(blue < 50, "%d target pixels left after a change of grid", blue);
    pic_free(&a), pic_free(&b), pic_free(&c);
    /* Another title: a second pane, side by side. */
    CHECK(glv_surface("second", target, NULL, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(snapshot("update-3.png", &a), "%s", glv_error());
    CHECK(!single_pane(&a), "no second pane");
    CHECK(count(&a, 0, 4, 600, 30, is_text) > 30 && count(&a, 600, 4, 1200, 30, is_text) > 30,
          "expected one title in each half");
    pic_free(&a);
    return true;
}

static bool surface_nan(void)
{
    static double t[N * N];
    memcpy(t, target, sizeof t);
    t[5] = NAN, t[N * 3 + 7] = INFINITY, t[N * N - 1] = -INFINITY;
    CHECK(glv_surface(NULL, t, model, N, lim02, lim02) == 3, "%s", glv_error());
    CHECK_ERROR("glv_surface: 3 of the values are NaN or Inf (target 3, model 0); "
                "the quads around them are left out");
    pic p;
    CHECK(snapshot("surface-nan.png", &p), "%s", glv_error());
    CHECK(count(&p, 0, 0, p.w, p.h, is_target) > 20000, "the target is not drawn");
    pic_free(&p);
    return true;
}

/* The loss plot of a training run: three series falling at different
 * rates, one of them only every tenth epoch. */
static glv_plot *training_run(const char *title, int log)
{
    glv_plot *plot = glv_loss_new(title, log);
    if (!plot)
        return NULL;
    for (int e = 1; e <= 200; e++) {
        glv_loss_add(plot, "train", e, 4.0 * exp(-e / 30.0) + 0.03 + 0.01 * sin(e * 0.7));
        glv_loss_add(plot, "validation", e, 4.4 * exp(-e / 38.0) + 0.09);
        if (e % 10 == 0)
            glv_loss_add(plot, "test", e, 4.2 * exp(-e / 34.0) + 0.07);
    }
    return plot;
}

static bool falling(const pic *p, rgb color, const char **why)
{
    want = color;
    int first = -1, last = -1;
    for (int x = 0; x < p->w && first < 0; x++)
        if (count(p, x, 40, x + 1, p->h, is_want) > 0)
            first = x;
    for (int x = p->w - 1; x >= 0 && last < 0; x--)
        if (count(p, x, 40, x + 1, p->h, is_want) > 0)
            last = x;
    if (first < 0 || last - first < 400) {
        *why = "series too short or missing";
        return false;
    }
    /* mean screen y of the series in its first and last 8 columns */
    double y_first = 0, y_last = 0;
    int n_first = 0, n_last = 0;
    for (int y = 40; y < p->h; y++)
        for (int k = 0; k < 8; k++) {
            if (is_want(px(p, first + k, y))) y_first += y, n_first++;
            if (is_want(px(p, last - k, y))) y_last += y, n_last++;
        }
    y_first /= n_first, y_last /= n_last;
    if (!(y_first + 200 < y_last)) { /* the start is well above the end */
        *why = "the line does not fall";
        return false;
    }
    return true;
}

static bool loss_pane(void)
{
    glv_plot *plot = training_run("training loss", 0);
    CHECK(plot, "%s", glv_error());
    pic p, q;
    CHECK(snapshot("loss-linear.png", &p), "%s", glv_error());
    CHECK(p.w == 1200 && p.h == 800, "size %dx%d", p.w, p.h);
    const char *why = "";
    CHECK(falling(&p, (rgb){31, 119, 180}, &why), "train: %s", why);
    CHECK(falling(&p, (rgb){255, 127, 14}, &why), "validation: %s", why);
    want = (rgb){44, 160, 44};
    CHECK(count(&p, 0, 0, p.w, p.h, is_want) > 300, "no green test series");
    /* Numbers left of the plot and below it. */
    int left = count(&p, 0, 40, 48, p.h - 40, is_text), below = count(&p, 60, p.h - 30, p.w, p.h, is_text);
    CHECK(left > 60, "only %d text pixels in the left margin", left);
    CHECK(below > 60, "only %d text pixels in the bottom margin", below);
    /* A legend: the series names in the top-right corner. */
    int legend = count(&p, p.w - 240, 40, p.w, 140, is_text);
    CHECK(legend > 80, "only %d text pixels where the legend should be", legend);
    glv_loss_set_log(plot, 1);
    CHECK(snapshot("loss.png", &q), "%s", glv_error());
    CHECK(!same_picture(&p, &q), "log scale changed nothing");
    CHECK(falling(&q, (rgb){31, 119, 180}, &why), "train, log scale: %s", why);
    CHECK(count(&q, 0, 40, 48, q.h - 40, is_text) > 60, "no numbers on the log axis");
    pic_free(&p), pic_free(&q);
    glv_loss_free(plot);
    return true;
}

static bool loss_nan(void)
{
    glv_plot *plot = glv_loss_new("nan", 1);
    CHECK(plot, "%s", glv_error());
    CHECK(glv_loss_add(plot, "train", 1, 2.0) == 0, "%s", glv_error());
    CHECK(glv_loss_add(plot, "train", 2, 1.5) == 0, "%s", glv_error());
    CHECK(glv_loss_add(plot, "train", 3, NAN) == 1, "NaN not reported");
    CHECK_ERROR("glv_loss_add: series 'train': y is nan at x = 3, point skipped");
    CHECK(glv_loss_add(plot, "train", 4, INFINITY) == 1, "Inf not reported");
    CHECK_ERROR("glv_loss_add: series 'train': y is inf at x = 4, point skipped");
    CHECK(glv_loss_add(plot, "other", 4, -INFINITY) == 1, "-Inf not reported");
    CHECK_ERROR("glv_loss_add: series 'other': y is -inf at x = 4, point skipped");
    CHECK(glv_loss_add(plot, "train", 5, 0.5) == 0, "%s", glv_error());
    CHECK(glv_loss_add(plot, "train", NAN, 0.5) == -1, "NaN x accepted");
    CHECK_ERROR("glv_loss_add: x must be finite (got nan)");
    CHECK(glv_loss_add(NULL, "train", 1, 1) == -1, "NULL plot accepted");
    CHECK_ERROR("glv_loss_add: plot is NULL");
    for (int k = 0; k < 9; k++) {
        char name[16];
        snprintf(name, sizeof name, "s%d", k);
        CHECK(glv_loss_add(plot, name, 1, 1) == 0, "%s", glv_error());
    }
    CHECK(glv_loss_add(plot, "one too many", 1, 1) == -1, "an 11th series");
    CHECK_ERROR("glv_loss_add: plot 'nan' has 10 series already, the most it can show");
    pic p;
    CHECK(snapshot("loss-nan.png", &p), "%s", glv_error());
    want = (rgb){31, 119, 180};
    CHECK(count(&p, 0, 40, p.w - 260, p.h, is_want) > 300, "the train line is not drawn");
    pic_free(&p);
    glv_loss_free(plot);
    return true;
}

static bool bad_input(void)
{
    double rev[2] = {2, 1}, nan2[2] = {0, NAN};
    CHECK(glv_surface("x", target, model, 1, lim02, lim02) == -1, "n = 1 accepted");
    CHECK_ERROR("glv_surface: n must be at least 2 (got 1)");
    CHECK(glv_surface("x", target, model, 5000, lim02, lim02) == -1, "n = 5000 accepted");
    CHECK_ERROR("glv_surface: n must be at most 1000 (got 5000)");
    CHECK(glv_surface("x", NULL, NULL, N, lim02, lim02) == -1, "no surfaces accepted");
    CHECK_ERROR("glv_surface: target and model are both NULL");
    CHECK(glv_surface("x", target, model, N, rev, lim02) == -1, "reversed xlim accepted");
    CHECK_ERROR("glv_surface: xlim must be finite with xlim[0] < xlim[1] (got 2, 1)");
    CHECK(glv_surface("x", target, model, N, lim02, nan2) == -1, "NaN ylim accepted");
    CHECK_ERROR("glv_surface: ylim must be finite with ylim[0] < ylim[1] (got 0, nan)");
    CHECK(glv_surface("x", target, model, N, NULL, lim02) == -1, "NULL xlim accepted");
    CHECK_ERROR("glv_surface: xlim is NULL");
    CHECK(glv_heatmap("h", NULL, 3, 3, NULL, NULL) == -1, "NULL values accepted");
    CHECK_ERROR("glv_heatmap: values is NULL");
    CHECK(glv_heatmap("h", target, 0, 3, NULL, NULL) == -1, "0 rows accepted");
    CHECK_ERROR("glv_heatmap: n_rows and n_cols must be in 1..4096 (got 0, 3)");
    CHECK(glv_heatmap("h", target, 3, 3, lim02, NULL) == -1, "one extent accepted");
    CHECK_ERROR("glv_heatmap: ylim is NULL");
    CHECK(glv_set_size(10, 800) == -1, "a 10-pixel window accepted");
    CHECK_ERROR("glv_set_size: width and height must be in 200..8192 (got 10, 800)");
    CHECK(glv_save(out_path("nothing.png")) == -1, "saved without a window");
    CHECK_ERROR("glv_save: nothing to save: no window is open");
    CHECK(glv_is_open() == 0, "a failed call opened the window");
    /* With a window: bad paths. */
    CHECK(glv_surface("x", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(glv_save(NULL) == -1 && glv_save("") == -1, "empty path accepted");
    CHECK_ERROR("glv_save: path must be a non-empty string");
    CHECK(glv_save("/nonexistent-dir/x.png") == -1, "saved into a missing directory");
    CHECK(strncmp(glv_error(), "glv_save: cannot write '/nonexistent-dir/x.png': ", 49) == 0, "error was \"%s\"",
          glv_error());
    /* A failed update leaves the pane as it was. */
    pic a, b;
    CHECK(snapshot("bad-0.png", &a), "%s", glv_error());
    CHECK(glv_surface("x", target, NULL, N, rev, lim02) == -1, "reversed xlim accepted");
    CHECK(snapshot("bad-1.png", &b), "%s", glv_error());
    CHECK(same_picture(&a, &b), "a failed call changed the picture");
    pic_free(&a), pic_free(&b);
    glv_loss_free(NULL);
    glv_loss_set_log(NULL, 1);
    return true;
}

static bool heatmap_pane(void)
{
    enum { R = 30, C = 50 };
    static double v[R * C];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            v[r * C + c] = c + 0.2 * r; /* grows to the right */
    double xlim[2] = {-2, 2}, ylim[2] = {-1, 1};
    CHECK(glv_heatmap("activations", v, R, C, xlim, ylim) == 0, "%s", glv_error());
    pic p;
    CHECK(snapshot("heatmap.png", &p), "%s", glv_error());
    /* Viridis: dark purple on the left, yellow on the right. */
    want = (rgb){68, 1, 84};
    double purple_x = mean_x(&p, 390, 410, is_want);
    want = (rgb){253, 231, 37};
    double yellow_x = mean_x(&p, 390, 410, is_want);
    CHECK(purple_x > 0 && purple_x < 250, "purple at x = %.0f", purple_x);
    CHECK(yellow_x > 850 && yellow_x < 1150, "yellow at x = %.0f", yellow_x);
    /* The color bar at the right: yellow at its top, purple at its bottom,
     * numbers beside it. */
    want = (rgb){253, 231, 37};
    CHECK(count(&p, p.w - 110, 40, p.w, 120, is_want) > 100, "no yellow top of the color bar");
    want = (rgb){68, 1, 84};
    CHECK(count(&p, p.w - 110, p.h - 120, p.w, p.h - 40, is_want) > 100, "no purple bottom of the color bar");
    CHECK(count(&p, p.w - 60, 40, p.w, p.h - 40, is_text) > 60, "no numbers on the color bar");
    CHECK(count(&p, 0, 40, 50, p.h - 40, is_text) > 40, "no numbers on the y axis");
    pic_free(&p);
    /* A matrix (no extent), updated in place; NaN cells reported. */
    v[7] = NAN;
    CHECK(glv_heatmap("weights", v, R, C, NULL, NULL) == 1, "NaN cell not reported");
    CHECK_ERROR("glv_heatmap: 1 of 1500 values are NaN or Inf; their cells are grey");
    v[7] = 0;
    CHECK(glv_heatmap("weights", v, C, R, NULL, NULL) == 0, "%s", glv_error());
    CHECK(snapshot("heatmap-matrix.png", &p), "%s", glv_error());
    CHECK(count(&p, 600, 4, 1200, 30, is_text) > 30, "no second pane");
    pic_free(&p);
    return true;
}

static bool layout_close_reopen(void)
{
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    glv_plot *plot = training_run("loss", 1);
    CHECK(plot, "%s", glv_error());
    enum { R = 20, C = 20 };
    static double v[R * C];
    for (int k = 0; k < R * C; k++)
        v[k] = sin(k * 0.1);
    CHECK(glv_heatmap("map", v, R, C, NULL, NULL) == 0, "%s", glv_error());
    pic p;
    CHECK(snapshot("three-panes.png", &p), "%s", glv_error());
    /* Two panes on top, the third across the bottom, lines between. */
    rgb sep_v = px(&p, 600, 200), sep_h = px(&p, 300, 400);
    CHECK(near(sep_v, 215, 215, 215, 0) && near(sep_h, 215, 215, 215, 0), "no separators");
    CHECK(count(&p, 0, 4, 600, 30, is_text) > 30 && count(&p, 600, 4, 1200, 30, is_text) > 30,
          "expected two titles on top");
    double third = mean_x(&p, 404, 430, is_text);
    CHECK(fabs(third - 600) < 40, "third title at x = %.0f", third);
    CHECK(count(&p, 0, 0, 600, 400, is_target) > 2000, "the surface is not in the top-left pane");
    pic_free(&p);

    glv_close();
    CHECK(glv_is_open() == 0, "still open");
    CHECK(glv_save(out_path("closed.png")) == -1, "saved a closed window");
    CHECK_ERROR("glv_save: nothing to save: no window is open");
    /* The plot outlives the window and comes back with its points. */
    CHECK(glv_loss_add(plot, "train", 201, 0.05) == 0, "%s", glv_error());
    CHECK(glv_is_open() == 1, "not reopened");
    CHECK(snapshot("reopened.png", &p), "%s", glv_error());
    const char *why = "";
    CHECK(falling(&p, (rgb){31, 119, 180}, &why), "reopened plot: %s", why);
    CHECK(single_pane(&p), "reopened with more than the loss pane");
    pic_free(&p);
    glv_loss_free(plot);
    /* After the caller frees the plot, the pane still shows it. */
    CHECK(snapshot("after-free.png", &p), "%s", glv_error());
    pic_free(&p);
    glv_close();
    /* Resized pictures. */
    CHECK(glv_set_size(640, 480) == 0, "%s", glv_error());
    CHECK(glv_surface("small", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(snapshot("small.png", &p), "%s", glv_error());
    CHECK(p.w == 640 && p.h == 480, "size %dx%d", p.w, p.h);
    pic_free(&p);
    CHECK(glv_set_size(1200, 800) == 0, "%s", glv_error());
    return true;
}

static bool no_display(void)
{
    CHECK(!getenv("DISPLAY") && !getenv("SDL_VIDEODRIVER"), "run this with no display");
    CHECK(glv_headless() == 1, "a display was expected");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(glv_headless() == 1 && glv_is_open() == 1, "headless %d, open %d", glv_headless(), glv_is_open());
    CHECK(glv_pump() == 1, "pump says closed");
    glv_wait(NULL); /* returns at once when headless */
    pic p;
    CHECK(snapshot("nodisplay.png", &p), "%s", glv_error());
    CHECK(p.w == 1200 && p.h == 800, "size %dx%d", p.w, p.h);
    CHECK(count(&p, 0, 0, p.w, p.h, is_model) > 20000, "no model surface");
    pic_free(&p);
    return true;
}

static bool dead_display(void)
{
    /* DISPLAY names a server that is not there: SDL would fall back to its
     * offscreen driver; we must say headless, and glv_wait must not block. */
    CHECK(getenv("DISPLAY") && !getenv("SDL_VIDEODRIVER"), "run this with DISPLAY=:4242");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(glv_headless() == 1 && glv_is_open() == 1, "headless %d, open %d", glv_headless(), glv_is_open());
    glv_wait(NULL);
    pic p;
    CHECK(snapshot("deaddisplay.png", &p), "%s", glv_error());
    CHECK(count(&p, 0, 0, p.w, p.h, is_model) > 20000, "no model surface");
    pic_free(&p);
    return true;
}

/* ------------------------------------------------------ a real window */

static void push_key(SDL_Keycode k)
{
    SDL_Event e = {0};
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    SDL_PushEvent(&e);
}

static void pump_for(int ms)
{
    Uint32 end = SDL_GetTicks() + (Uint32)ms;
    while (!SDL_TICKS_PASSED(SDL_GetTicks(), end)) {
        glv_pump();
        SDL_Delay(5);
    }
}

static bool x11_window(void)
{
    CHECK(glv_headless() == 0, "no display under xvfb-run");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(glv_headless() == 0, "no real window was opened");
    pump_for(200);
    CHECK(glv_pump() == 1, "the window closed by itself");
    pic p;
    CHECK(snapshot("x11-surface.png", &p), "%s", glv_error());
    CHECK(p.w == 1200 && p.h == 800, "size %dx%d", p.w, p.h);
    double area = (double)p.w * p.h;
    double blue = count(&p, 0, 0, p.w, p.h, is_target) / area, orange = count(&p, 0, 0, p.w, p.h, is_model) / area;
    CHECK(blue > 0.03 && orange > 0.05, "target %.3f, model %.3f", blue, orange);
    /* On screen and offscreen, the same picture. */
    SDL_Surface *raw = IMG_Load(out_path("surface.png"));
    if (raw) {
        pic off = {SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0), raw->w, raw->h};
        SDL_FreeSurface(raw);
        CHECK(same_picture(&p, &off), "the window's picture differs from the offscreen one");
        pic_free(&off);
    }
    pic_free(&p);
    return true;
}

static bool x11_mouse_and_keys(void)
{
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    glv_plot *plot = training_run("loss", 0);
    CHECK(plot, "%s", glv_error());
    pump_for(100);
    pic a, b, c;
    CHECK(snapshot("x11-before.png", &a), "%s", glv_error());
    /* Drag on the surface pane: it turns. */
    SDL_Event e = {0};
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT, e.button.state = SDL_PRESSED, e.button.x = 300, e.button.y = 400;
    SDL_PushEvent(&e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.state = SDL_BUTTON_LMASK, e.motion.x = 380, e.motion.y = 420, e.motion.xrel = 80, e.motion.yrel = 20;
    SDL_PushEvent(&e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONUP;
    e.button.button = SDL_BUTTON_LEFT, e.button.state = SDL_RELEASED, e.button.x = 380, e.button.y = 420;
    SDL_PushEvent(&e);
    pump_for(100);
    CHECK(snapshot("x11-dragged.png", &b), "%s", glv_error());
    CHECK(!same_picture(&a, &b), "dragging did not turn the surface");
    pic_free(&b);
    /* `r` resets the view (the mouse is over the surface pane). */
    push_key(SDLK_r);
    pump_for(100);
    CHECK(snapshot("x11-reset.png", &c), "%s", glv_error());
    CHECK(same_picture(&a, &c), "r did not reset the view");
    /* `l` toggles the loss plot's log scale. */
    push_key(SDLK_l);
    pump_for(100);
    CHECK(snapshot("x11-log.png", &b), "%s", glv_error());
    CHECK(!same_picture(&c, &b), "l changed nothing");
    pic_free(&a), pic_free(&b), pic_free(&c);
    /* `s` saves gradlab-1.png in the current directory. */
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    CHECK(chdir(outdir) == 0, "chdir %s", outdir);
    remove("gradlab-1.png");
    push_key(SDLK_s);
    pump_for(100);
    SDL_Surface *saved = IMG_Load("gradlab-1.png");
    CHECK(chdir(cwd) == 0, "chdir back");
    CHECK(saved && saved->w == 1200 && saved->h == 800, "s did not save gradlab-1.png");
    SDL_FreeSurface(saved);
    glv_loss_free(plot);
    return true;
}

static bool x11_rate_limit(void)
{
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    glv_plot *plot = glv_loss_new("fast", 0);
    CHECK(plot, "%s", glv_error());
    /* A training loop that draws on every step: 20000 steps and 100
     * surface updates must not take much longer than the drawing alone
     * at 30 frames a second would. */
    Uint32 t0 = SDL_GetTicks();
    for (int step = 1; step <= 20000; step++) {
        CHECK(glv_loss_add(plot, "train", step, 1.0 / step) == 0, "%s", glv_error());
        if (step % 200 == 0)
            CHECK(glv_surface("fit", NULL, step % 400 ? model : model2, N, lim02, lim02) == 0, "%s", glv_error());
    }
    Uint32 took = SDL_GetTicks() - t0;
    CHECK(took < 3000, "20000 drawing calls took %u ms", took);
    CHECK(glv_pump() == 1, "closed");
    glv_loss_free(plot);
    return true;
}

static bool x11_close_and_reopen(void)
{
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    pump_for(50);
    push_key(SDLK_q); /* q closes the window, not the process */
    pump_for(50);
    CHECK(glv_is_open() == 0 && glv_pump() == 0, "q did not close the window");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    CHECK(glv_is_open() == 1 && glv_headless() == 0, "not reopened");
    pump_for(50);
    push_key(SDLK_ESCAPE);
    pump_for(50);
    CHECK(glv_is_open() == 0, "Esc did not close the window");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    pump_for(50);
    SDL_Event e = {0};
    e.type = SDL_QUIT; /* what the window manager's close button comes to */
    SDL_PushEvent(&e);
    pump_for(50);
    CHECK(glv_is_open() == 0, "SDL_QUIT did not close the window");
    CHECK(glv_surface("fit", target, model, N, lim02, lim02) == 0, "%s", glv_error());
    pic p;
    CHECK(snapshot("x11-reopened.png", &p), "%s", glv_error());
    CHECK(count(&p, 0, 0, p.w, p.h, is_model) > 20000, "no model after reopening");
    pic_free(&p);
    glv_close();
    CHECK(glv_is_open() == 0 && glv_pump() == 0, "glv_close left it open");
    return true;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s offscreen|nodisplay|x11 OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[2];
    make_grids();
    if (strcmp(argv[1], "offscreen") == 0) {
        run("surface pane offscreen: size, background, both surfaces, numbers", surface_pane);
        run("surface pane: same title updates in place, new title adds a pane", surface_update_in_place);
        run("surface pane: NaN and Inf values reported and left out", surface_nan);
        run("loss pane: falling lines, three series, legend, numbers, log scale", loss_pane);
        run("loss pane: NaN/Inf points skipped and reported, bad arguments", loss_nan);
        run("bad arguments: -1, the exact message, nothing drawn", bad_input);
        run("heat map pane: viridis cells, color bar with numbers", heatmap_pane);
        run("layout of three panes; close, reopen, resize", layout_close_reopen);
    } else if (strcmp(argv[1], "nodisplay") == 0) {
        run("no display at all: drawn offscreen, saved", no_display);
    } else if (strcmp(argv[1], "deaddisplay") == 0) {
        run("a display that does not answer: headless, glv_wait returns", dead_display);
    } else if (strcmp(argv[1], "x11") == 0) {
        run("x11: a real window, pumped, saved, same as offscreen", x11_window);
        run("x11: drag turns, r resets, l toggles log, s saves", x11_mouse_and_keys);
        run("x11: drawing calls are rate-limited", x11_rate_limit);
        run("x11: q, Esc and close end the window, not the process; reopen", x11_close_and_reopen);
    } else if (strcmp(argv[1], "docs") == 0) {
        /* The pictures in docs/: test_viz docs docs */
        glv_surface("target z = 2 sin x + 3 cos 2y + 1.3 and the model's fit", target, model, N, lim02, lim02);
        glv_save(out_path("surface.png"));
        glv_close();
        glv_plot *plot = training_run("training loss", 1);
        glv_save(out_path("loss.png"));
        glv_loss_free(plot);
        glv_close();
        return 0;
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
