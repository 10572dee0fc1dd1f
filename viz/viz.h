/*
 * viz.h — the gradlab window: a plain C API (libSDL2, SDL2_ttf, SDL2_image;
 * no Lua, no engine types). Data comes in as plain double arrays; the Lua
 * binding (gl.viz) converts tensors and turns a -1 into a Lua error.
 *
 * One window, opened by the first drawing call, laid out in panes that
 * appear as they are used: one pane fills the window, two sit side by side,
 * three or four make a 2x2 grid (a last row with fewer panes is stretched),
 * and so on. Three kinds of pane:
 *
 *   surface   two surfaces over the same n-by-n grid of two inputs, the
 *             target (blue) and the model's learned function (orange),
 *             shaded and depth-sorted, in a 3D box with numbered axes.
 *             Drag rotates, the wheel zooms, `r` resets the view.
 *   loss      named series of (x, y) points in distinct colors with a
 *             legend; the view follows new points; `l` toggles a log y axis.
 *   heat map  a matrix of values in a perceptual (viridis) colormap with a
 *             color bar.
 *
 * A worked example, a training loop (f, model_grid, train_step assumed):
 *
 *     enum { N = 40 };
 *     double target[N * N], model[N * N];
 *     double xlim[2] = {0, 2}, ylim[2] = {0, 2};
 *     f(target, N);                                    // target[i*N+j] = f(x_i, y_j)
 *     glv_plot *loss = glv_loss_new("training loss", 1);
 *     for (int epoch = 1; epoch <= 1000; epoch++) {
 *         double l = train_step();
 *         if (glv_loss_add(loss, "train", epoch, l) == 1)
 *             fprintf(stderr, "warning: %s\n", glv_error());  // NaN loss, skipped
 *         if (epoch % 10 == 0) {
 *             model_grid(model, N);
 *             glv_surface("fit", target, model, N, xlim, ylim);  // same title: updated in place
 *         }
 *     }
 *     glv_save("fit.png");                             // the whole window, also when headless
 *     glv_loss_free(loss);                             // the pane stays until the window closes
 *
 * Conventions
 * - Functions returning int return 0 on success and -1 on bad arguments;
 *   functions returning a pointer return NULL. Then glv_error() holds a
 *   message that names the function and the argument, e.g.
 *       "glv_surface: n must be at least 2 (got 1)".
 *   Nothing is drawn or changed by a failing call, and nothing crashes.
 * - Some calls return a positive count of non-finite values they skipped
 *   (NaN, Inf): a warning the caller may pass on, with glv_error() saying
 *   what was skipped.
 * - A missing display is never an error. Without one (DISPLAY and
 *   WAYLAND_DISPLAY unset, SDL_VIDEODRIVER=offscreen or dummy, or SDL
 *   failing to open a window) everything is drawn offscreen and glv_save
 *   writes the same picture. The picture is always rendered in software into
 *   an SDL_Surface (1200x800 unless resized); a real window shows a copy.
 * - The window stays responsive: glv_pump() handles pending events and
 *   redraws if needed; the drawing calls do the same, at most ~30 times a
 *   second, so a training loop that draws every step is hardly slowed.
 * - Keys in the window: drag rotates and the wheel zooms the surface under
 *   the mouse, `r` resets its view, `l` toggles the log scale of the loss
 *   plot under the mouse (of every loss plot when the mouse is elsewhere),
 *   `s` saves gradlab-N.png in the current directory, `q`, Esc or the close
 *   button close the window (never the process).
 * - Closing the window (by the user or glv_close) removes every pane. The
 *   next drawing call opens a fresh window; a loss plot made before keeps its
 *   points and is shown again by its next glv_loss_add.
 * - Single-threaded: call from the thread that runs the REPL.
 */
#ifndef GRADLAB_VIZ_H
#define GRADLAB_VIZ_H

#include <signal.h>

/* ---------------------------------------------------------------- errors */

/* The message of the last failed call, or of the last warning ("" if none). */
const char *glv_error(void);

/* ---------------------------------------------------------------- window */

/* Handles pending events (mouse, keys, resize, close) and redraws the
 * window if something changed (at most ~60 times a second). Cheap when
 * nothing happened: call it from the REPL's idle hook while it waits for
 * input (with readline: rl_event_hook, and rl_set_keyboard_input_timeout
 * of about 20 ms so dragging stays smooth). Returns 1 while a window (real
 * or offscreen) is open, 0 otherwise. Never fails. */
int glv_pump(void);

/* Blocks, handling events, until the user closes the window or *stop becomes
 * nonzero (pass &gl_interrupted; NULL waits for the window only). Returns at
 * once when no real window is shown (headless). For scripts that end with a
 * picture the user should look at. */
void glv_wait(volatile sig_atomic_t *stop);

/* Writes the whole window (every pane) to a PNG file at path. Works without a
 * display. Returns 0, or -1 when path is NULL or empty, no window is open
 * ("glv_save: nothing to save: no window is open"), or the file cannot be
 * written (the message has SDL_image's reason). */
int glv_save(const char *path);

/* Closes the window and removes every pane. Nothing happens when none is
 * open. Loss plots stay valid (see glv_loss_new). */
void glv_close(void);

/* 1 while a window (real or offscreen) is open, 0 otherwise. */
int glv_is_open(void);

/* 1 when the picture is only drawn offscreen (no display), 0 when a real
 * window shows it. Decided when the window opens; 1 while none is open and no
 * display is available. */
int glv_headless(void);

/* Sets the size of the picture in pixels (and of the window, if one is
 * shown). 200 <= width, height <= 8192, else -1. Opens no window; applies to
 * the next one if none is open. */
int glv_set_size(int width, int height);

/* --------------------------------------------------------------- surface */

/* Shows a target and a model surface over one n-by-n grid in the pane with
 * this title, making the pane if it does not exist yet (opening the window),
 * or updating it in place otherwise (the view, rotation and zoom, is kept).
 *
 *   target, model  n*n doubles each, row-major: value[i*n + j] is the value
 *                  at x = xlim[0] + i*dx, y = ylim[0] + j*dy, where
 *                  dx = (xlim[1]-xlim[0])/(n-1) and dy likewise.
 *                  The arrays are copied. Either may be NULL: on a new pane
 *                  that surface is absent; on an update a NULL keeps the
 *                  pane's previous surface when n, xlim and ylim are
 *                  unchanged, and drops it otherwise. Both NULL is an error.
 *   n              2 <= n <= 1000 grid points along each axis
 *   xlim, ylim     2 doubles each, finite, lim[0] < lim[1]
 *   title          the pane's title and identity; NULL or "" means "surface"
 *
 * Returns 0; -1 on bad arguments; or k > 0 when k values were NaN or Inf:
 * the quads around them are left out and glv_error() says how many. */
int glv_surface(const char *title, const double *target, const double *model, int n,
                const double xlim[2], const double ylim[2]);

/* ------------------------------------------------------------------ loss */

typedef struct glv_plot glv_plot;

/* Makes a loss plot and shows it in the pane with this title: a new pane
 * (opening the window), or an existing loss pane of that title, taken over
 * (so running a lesson twice does not stack panes; the plot shown there
 * before keeps its points, unshown). log nonzero starts with a log-scale y
 * axis. title NULL or "" means "loss". The caller owns the returned plot and
 * frees it with glv_loss_free; the window keeps the pane until it closes.
 * Returns NULL only when out of memory or the window has too many panes
 * (16). */
glv_plot *glv_loss_new(const char *title, int log);

/* Appends the point (x, y) to the named series of the plot, making the
 * series (with the next color of the palette) the first time its name is
 * seen. Series are drawn as lines in order of addition, so x should grow.
 * series NULL or "" means "loss"; at most 10 series per plot.
 * Returns 0; -1 on bad arguments (plot NULL, x not finite, too many series);
 * 1 when y is NaN or Inf: the point is skipped and glv_error() says so
 * ("glv_loss_add: series 'train': y is nan at x = 12, point skipped").
 * If the plot's pane was closed with the window, it is shown again. */
int glv_loss_add(glv_plot *plot, const char *series, double x, double y);

/* Switches the y axis of the plot between linear (0) and log (1) scale.
 * In log scale, points with y <= 0 are not drawn (they are kept). */
void glv_loss_set_log(glv_plot *plot, int log);

/* Frees the caller's plot. Its pane stays on screen until the window
 * closes. NULL is allowed. */
void glv_loss_free(glv_plot *plot);

/* -------------------------------------------------------------- heat map */

/* Shows a matrix of values as a heat map in the pane with this title (made
 * if new, updated in place otherwise).
 *
 *   values          n_rows*n_cols doubles, row-major like an image:
 *                   values[r*n_cols + c] is the cell in row r, column c,
 *                   copied. (Note: transposed relative to glv_surface, where
 *                   the first index runs along x.)
 *   n_rows, n_cols  1 <= each <= 4096
 *   xlim, ylim      the extent (2 doubles each, lim[0] < lim[1]): columns
 *                   span xlim left to right, rows span ylim bottom to top
 *                   (row 0 at ylim[0]), like a plot of a function. Both
 *                   NULL: a matrix view, row 0 on top, axes numbered by
 *                   row and column index. Only one NULL is an error.
 *   title           the pane's title and identity; NULL or "" means "heat map"
 *
 * The colors span the finite minimum to maximum; NaN/Inf cells are grey.
 * Returns 0; -1 on bad arguments; k > 0 when k values were not finite. */
int glv_heatmap(const char *title, const double *values, int n_rows, int n_cols,
                const double xlim[2], const double ylim[2]);

#endif
