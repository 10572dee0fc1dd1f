/* surface.c — the 3D surface pane: a target and a model surface over one
 * n-by-n grid, drawn as shaded quads sorted back to front (the painter's
 * algorithm) inside a box with numbered axes, seen through an orthographic
 * camera that the mouse turns. */
#include "vizint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_AZ -60.0f /* degrees; matplotlib's default view */
#define DEFAULT_EL 30.0f
#define BOX_HZ 0.75f      /* half-height of the box; its base is [-1,1]^2 */
#define DEG (3.14159265358979f / 180.0f)

enum { TARGET, MODEL, NSURF };
static const char *const surf_name[NSURF] = {"target", "model"};

/* One quad of a surface's mesh, or a piece of one: where the target and
 * the model cross inside a grid cell, both quads are cut along the
 * crossing, so that each piece lies wholly above or below the other
 * surface and the depth sort puts it right. */
typedef struct {
    float depth; /* along the view direction: larger is nearer */
    glv_color fill;
    int surf, i, j;
    int piece; /* -1: the whole quad; else an index into pieces */
} quad;

#define PIECE_MAX 8
typedef struct {
    int nv;
    float xy[2 * PIECE_MAX]; /* screen points */
} piece;

typedef struct {
    glv_pane base;
    int n;
    double xlim[2], ylim[2];
    double *z[NSURF]; /* n*n values, or NULL when absent */
    float az, el, zoom;
    /* scratch for drawing, kept between frames */
    float *proj[NSURF]; /* per grid point: screen x, screen y, depth */
    quad *quads;
    size_t quad_cap;
    piece *pieces;
    size_t npieces, piece_cap;
} surface_pane;

static glv_color surf_color(int s)
{
    return s == TARGET ? GLV_RGB(47, 111, 214) : GLV_RGB(255, 140, 26);
}

/* ------------------------------------------------------------- camera */

typedef struct {
    float e[3], rt[3], up[3]; /* toward the eye, screen right, screen up */
    float cx, cy, scale;      /* pixels */
} camera;

static camera make_camera(const surface_pane *p, SDL_Rect plot)
{
    camera c;
    float az = p->az * DEG, el = p->el * DEG;
    c.e[0] = cosf(el) * cosf(az), c.e[1] = cosf(el) * sinf(az), c.e[2] = sinf(el);
    c.rt[0] = -sinf(az), c.rt[1] = cosf(az), c.rt[2] = 0;
    c.up[0] = -sinf(el) * cosf(az), c.up[1] = -sinf(el) * sinf(az), c.up[2] = cosf(el);
    /* As large as fits the box seen from any azimuth at this elevation,
     * with room for the labels: turning the box about z never changes its
     * size. Across, the box spans at most its diagonal, 2 sqrt 2; up and
     * down, its height and the depth of its base seen at this elevation. */
    const float side = 64, above = 20, below = 50;
    float span_w = 2.83f, span_h = 2 * BOX_HZ * fabsf(cosf(el)) + 2.83f * fabsf(sinf(el));
    float fit_w = ((float)plot.w - 2 * side) / span_w;
    float fit_h = ((float)plot.h - above - below) / span_h;
    c.scale = p->zoom * fmaxf(10, fminf(fit_w, fit_h));
    c.cx = (float)plot.x + (float)plot.w / 2;
    c.cy = (float)plot.y + above + ((float)plot.h - above - below) / 2;
    return c;
}

static float dot3(const float a[3], const float b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/* Box coordinates to screen: out[0..1] pixels, out[2] depth. */
static void project(const camera *c, float X, float Y, float Z, float out[3])
{
    float P[3] = {X, Y, Z};
    out[0] = c->cx + c->scale * dot3(P, c->rt);
    out[1] = c->cy - c->scale * dot3(P, c->up);
    out[2] = dot3(P, c->e);
}

static float sgn(float v) { return v >= 0 ? 1.0f : -1.0f; }

/* -------------------------------------------------------------- box */

typedef struct {
    double lo, hi; /* data range of this axis */
    glv_ticks t;
} axis;

/* Data value v on axis a to box coordinate in [-h, h]. */
static float to_box(const axis *a, double v, float h)
{
    return (float)(h * (2 * (v - a->lo) / (a->hi - a->lo) - 1));
}

/* A point of the box given as (X, Y, Z) with each coordinate chosen by axis
 * index: helps to write the three faces with one loop. */
static void box_point(const camera *c, int ax, float u, int bx, float v, int cx_, float w, float out[3])
{
    float P[3];
    P[ax] = u, P[bx] = v, P[cx_] = w;
    project(c, P[0], P[1], P[2], out);
}

/* The three faces at the back of the box (seen from inside), light grey,
 * with grid lines at the ticks of the two axes that span each. */
static void draw_back_faces(SDL_Surface *s, const camera *c, const axis ax[3])
{
    const float half[3] = {1, 1, BOX_HZ};
    for (int a = 0; a < 3; a++) {
        int b = (a + 1) % 3, d = (a + 2) % 3;
        float back = -sgn(c->e[a]) * half[a];
        float q[4][3], xy[8];
        box_point(c, a, back, b, -half[b], d, -half[d], q[0]);
        box_point(c, a, back, b, half[b], d, -half[d], q[1]);
        box_point(c, a, back, b, half[b], d, half[d], q[2]);
        box_point(c, a, back, b, -half[b], d, half[d], q[3]);
        for (int k = 0; k < 4; k++)
            xy[2 * k] = q[k][0], xy[2 * k + 1] = q[k][1];
        glv_fill_poly(s, xy, 4, GLV_RGB(240, 241, 244));
        for (int g = 0; g < 2; g++) { /* grid lines across the face */
            int along = g ? b : d;
            for (int t = 0; t < ax[along].t.n; t++) {
                float v = to_box(&ax[along], ax[along].t.v[t], half[along]), p0[3], p1[3];
                if (along == b) {
                    box_point(c, a, back, b, v, d, -half[d], p0);
                    box_point(c, a, back, b, v, d, half[d], p1);
                } else {
                    box_point(c, a, back, b, -half[b], d, v, p0);
                    box_point(c, a, back, b, half[b], d, v, p1);
                }
                glv_line(s, p0[0], p0[1], p1[0], p1[1], 1, GLV_RGB(214, 216, 222));
            }
        }
        for (int k = 0; k < 4; k++)
            glv_line(s, q[k][0], q[k][1], q[(k + 1) % 4][0], q[(k + 1) % 4][1], 1, GLV_RGB(190, 192, 198));
    }
}

/* Labels placed so far in this frame: a label that would overlap one is
 * left out (where two axes meet, or an axis seen end-on). */
typedef struct {
    int n;
    SDL_Rect r[3 * (GLV_MAX_TICKS + 1)];
} label_set;

static void place_label(SDL_Surface *s, label_set *ls, const char *text, glv_font font, float x, float y,
                        int align)
{
    int w, h;
    glv_text_size(text, font, &w, &h);
    SDL_Rect r = {(int)lroundf(x - ((align & 3) == GLV_CENTER ? (float)w / 2 : (align & 3) == GLV_RIGHT ? (float)w : 0)),
                  (int)lroundf(y - ((align & 12) == GLV_MIDDLE ? (float)h / 2 : (align & 12) == GLV_BOTTOM ? (float)h : 0)),
                  w, h};
    SDL_Rect grown = {r.x - 2, r.y, r.w + 4, r.h}; /* keep a little air between labels */
    for (int k = 0; k < ls->n; k++)
        if (SDL_HasIntersection(&grown, &ls->r[k]))
            return;
    if (ls->n < (int)(sizeof ls->r / sizeof ls->r[0]))
        ls->r[ls->n++] = r;
    glv_text(s, text, font, GLV_TEXT, x, y, align, false);
}

/* Ticks and numbers along the edge of the box through point edge (box
 * coordinates) parallel to axis dim, the labels pushed away from the box. */
static void draw_axis(SDL_Surface *s, const camera *c, const axis *ax, int dim, const float edge[3],
                      const char *name, label_set *ls)
{
    const float half[3] = {1, 1, BOX_HZ};
    float p0[3], p1[3], mid[3], center[3];
    float e0[3] = {edge[0], edge[1], edge[2]}, e1[3] = {edge[0], edge[1], edge[2]};
    e0[dim] = -half[dim], e1[dim] = half[dim];
    project(c, e0[0], e0[1], e0[2], p0);
    project(c, e1[0], e1[1], e1[2], p1);
    project(c, (e0[0] + e1[0]) / 2, (e0[1] + e1[1]) / 2, (e0[2] + e1[2]) / 2, mid);
    project(c, 0, 0, 0, center);
    glv_line(s, p0[0], p0[1], p1[0], p1[1], 1.2f, GLV_FRAME);
    /* Outward: from the center of the box to the edge, on screen, made
     * perpendicular to the edge so the labels do not slide along it. */
    float ox = mid[0] - center[0], oy = mid[1] - center[1];
    float ex = p1[0] - p0[0], ey = p1[1] - p0[1], el2 = ex * ex + ey * ey;
    if (el2 > 1) {
        float k = (ox * ex + oy * ey) / el2;
        ox -= k * ex, oy -= k * ey;
    }
    float ol = sqrtf(ox * ox + oy * oy);
    if (ol < 1e-3f)
        ox = 0, oy = 1, ol = 1;
    ox /= ol, oy /= ol;
    int align = (ox > 0.38f ? GLV_LEFT : ox < -0.38f ? GLV_RIGHT : GLV_CENTER) |
                (oy > 0.38f ? GLV_TOP : oy < -0.38f ? GLV_BOTTOM : GLV_MIDDLE);
    int widest = 0, th = 14;
    for (int t = 0; t < ax->t.n; t++) {
        float P[3] = {edge[0], edge[1], edge[2]}, q[3];
        P[dim] = to_box(ax, ax->t.v[t], half[dim]);
        project(c, P[0], P[1], P[2], q);
        glv_line(s, q[0], q[1], q[0] + 5 * ox, q[1] + 5 * oy, 1, GLV_FRAME);
        place_label(s, ls, ax->t.label[t], GLV_FONT_TICK, q[0] + 9 * ox, q[1] + 9 * oy, align);
        int w, h;
        glv_text_size(ax->t.label[t], GLV_FONT_TICK, &w, &h);
        if (w > widest) widest = w;
        if (h) th = h;
    }
    /* The axis name beyond the numbers. */
    float off = 9 + fabsf(ox) * (float)widest + fabsf(oy) * (float)th + 12;
    place_label(s, ls, name, GLV_FONT_LABEL, mid[0] + off * ox, mid[1] + off * oy, GLV_CENTER | GLV_MIDDLE);
}

/* ------------------------------------------------------------- quads */

static int by_depth(const void *a, const void *b)
{
    float da = ((const quad *)a)->depth, db = ((const quad *)b)->depth;
    return (da > db) - (da < db);
}

/* Shade of a quad from its corners' heights (box units, order 00, 10, 11,
 * 01) on a cell of side h: Lambert light from above-left of the eye, on
 * whichever side faces the eye (the underside a little darker). */
static float quad_shade(const camera *c, const float L[3], float h, const float Z[4])
{
    /* normal = (d11 - d00) x (d01 - d10), over the diagonals */
    float a[3] = {h, h, Z[2] - Z[0]}, b[3] = {-h, h, Z[3] - Z[1]};
    float nv[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    float nl = sqrtf(dot3(nv, nv));
    if (!(nl > 0))
        return 1;
    for (int k = 0; k < 3; k++)
        nv[k] /= nl;
    bool under = dot3(nv, c->e) < 0;
    if (under)
        for (int k = 0; k < 3; k++)
            nv[k] = -nv[k];
    float diffuse = fmaxf(0, dot3(nv, L));
    return (0.56f + 0.5f * diffuse) * (under ? 0.86f : 1.0f);
}

/* A free slot at the end of the quad list, growing it; NULL if out of
 * memory (the rest of the mesh is then left out of this frame). */
static quad *push_quad(surface_pane *p, size_t count)
{
    if (count == p->quad_cap) {
        size_t cap = p->quad_cap ? 2 * p->quad_cap : 1024;
        quad *q = realloc(p->quads, cap * sizeof *q);
        if (!q)
            return NULL;
        p->quads = q, p->quad_cap = cap;
    }
    return &p->quads[count];
}

static piece *push_piece(surface_pane *p)
{
    if (p->npieces == p->piece_cap) {
        size_t cap = p->piece_cap ? 2 * p->piece_cap : 256;
        piece *q = realloc(p->pieces, cap * sizeof *q);
        if (!q)
            return NULL;
        p->pieces = q, p->piece_cap = cap;
    }
    return &p->pieces[p->npieces++];
}

/* A corner of a cell, or a point on its border where the surfaces cross:
 * (u, v) in the cell's [0,1]^2 and both surfaces' heights there. */
typedef struct {
    float u, v;
    double z[NSURF];
} cell_point;

/* The part of cell (i, j) of surface sidx on one side of the crossing
 * (side = +1: where the target is above the model), as a projected piece
 * at the end of the quad list. Returns the new count of quads. */
static size_t add_piece(surface_pane *p, const camera *c, const axis *zax, int sidx, int i, int j,
                        float side, const cell_point corner[4], glv_color fill, size_t count)
{
    cell_point out[PIECE_MAX];
    int m = 0;
    for (int k = 0; k < 4; k++) { /* Sutherland-Hodgman against d >= 0 */
        const cell_point *a = &corner[k], *b = &corner[(k + 1) % 4];
        double fa = side * (a->z[TARGET] - a->z[MODEL]), fb = side * (b->z[TARGET] - b->z[MODEL]);
        if (fa >= 0)
            out[m++] = *a;
        if ((fa >= 0) != (fb >= 0)) {
            double t = fa / (fa - fb);
            cell_point x = {a->u + (float)t * (b->u - a->u), a->v + (float)t * (b->v - a->v), {0, 0}};
            for (int z = 0; z < NSURF; z++)
                x.z[z] = a->z[z] + t * (b->z[z] - a->z[z]);
            out[m++] = x;
        }
    }
    if (m < 3)
        return count;
    quad *q = push_quad(p, count);
    piece *pc = q ? push_piece(p) : NULL;
    if (!pc)
        return count;
    float h = 2.0f / (p->n - 1), depth = 0;
    pc->nv = m;
    for (int k = 0; k < m; k++) {
        float P[3];
        project(c, -1 + h * ((float)i + out[k].u), -1 + h * ((float)j + out[k].v),
                to_box(zax, out[k].z[sidx], BOX_HZ), P);
        pc->xy[2 * k] = P[0], pc->xy[2 * k + 1] = P[1];
        depth += P[2];
    }
    *q = (quad){depth / (float)m, fill, sidx, i, j, (int)(pc - p->pieces)};
    return count + 1;
}

/* Projects both surfaces and lists their quads (and pieces) back to
 * front. */
static size_t build_quads(surface_pane *p, const camera *c, const axis ax[3])
{
    int n = p->n;
    size_t count = 0;
    p->npieces = 0;
    float L[3];
    for (int k = 0; k < 3; k++)
        L[k] = 0.75f * c->e[k] + 0.55f * c->up[k] - 0.3f * c->rt[k];
    float ll = sqrtf(dot3(L, L));
    for (int k = 0; k < 3; k++)
        L[k] /= ll;
    for (int sidx = 0; sidx < NSURF; sidx++) {
        const double *z = p->z[sidx];
        if (!z)
            continue;
        float *pr = p->proj[sidx];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                float X = -1 + 2.0f * i / (n - 1), Y = -1 + 2.0f * j / (n - 1);
                float Z = isfinite(z[i * n + j]) ? to_box(&ax[2], z[i * n + j], BOX_HZ) : NAN;
                project(c, X, Y, Z, pr + 3 * (i * n + j));
            }
    }
    float h = 2.0f / (n - 1);
    for (int i = 0; i + 1 < n; i++)
        for (int j = 0; j + 1 < n; j++) {
            const int idx[4] = {i * n + j, (i + 1) * n + j, (i + 1) * n + j + 1, i * n + j + 1};
            bool finite[NSURF] = {false, false};
            cell_point corner[4];
            for (int k = 0; k < 4; k++) {
                corner[k].u = (float)(k == 1 || k == 2), corner[k].v = (float)(k >= 2);
                for (int sidx = 0; sidx < NSURF; sidx++)
                    corner[k].z[sidx] = p->z[sidx] ? p->z[sidx][idx[k]] : NAN;
            }
            for (int sidx = 0; sidx < NSURF; sidx++)
                finite[sidx] = p->z[sidx] && isfinite(corner[0].z[sidx]) && isfinite(corner[1].z[sidx]) &&
                               isfinite(corner[2].z[sidx]) && isfinite(corner[3].z[sidx]);
            /* Do the surfaces cross in this cell? */
            bool above = false, below = false;
            if (finite[TARGET] && finite[MODEL])
                for (int k = 0; k < 4; k++) {
                    double d = corner[k].z[TARGET] - corner[k].z[MODEL];
                    above |= d > 0, below |= d < 0;
                }
            for (int sidx = 0; sidx < NSURF; sidx++) {
                if (!finite[sidx])
                    continue;
                float Z[4];
                for (int k = 0; k < 4; k++)
                    Z[k] = to_box(&ax[2], corner[k].z[sidx], BOX_HZ);
                glv_color fill = glv_shade(surf_color(sidx), quad_shade(c, L, h, Z));
                if (above && below) {
                    count = add_piece(p, c, &ax[2], sidx, i, j, 1, corner, fill, count);
                    count = add_piece(p, c, &ax[2], sidx, i, j, -1, corner, fill, count);
                    continue;
                }
                quad *q = push_quad(p, count);
                if (!q)
                    continue;
                const float *pr = p->proj[sidx];
                float depth = (pr[3 * idx[0] + 2] + pr[3 * idx[1] + 2] + pr[3 * idx[2] + 2] + pr[3 * idx[3] + 2]) / 4;
                *q = (quad){depth, fill, sidx, i, j, -1};
                count++;
            }
        }
    qsort(p->quads, count, sizeof *p->quads, by_depth);
    return count;
}

static void draw_quads(SDL_Surface *s, const surface_pane *p, size_t count, float scale)
{
    int n = p->n;
    /* Edges on every quad while quads are large enough to show them, then
     * fainter, so a fine mesh does not turn dark. */
    float cell = scale * 2.0f / (n - 1);
    float edge_w = cell > 10 ? 0.8f : cell > 5 ? 0.55f : 0.3f;
    for (size_t k = 0; k < count; k++) {
        const quad *q = &p->quads[k];
        float xy[2 * PIECE_MAX];
        int nv = 4;
        if (q->piece >= 0) {
            nv = p->pieces[q->piece].nv;
            memcpy(xy, p->pieces[q->piece].xy, sizeof xy);
        } else {
            const float *pr = p->proj[q->surf];
            int idx[4] = {q->i * n + q->j, (q->i + 1) * n + q->j, (q->i + 1) * n + q->j + 1, q->i * n + q->j + 1};
            for (int v = 0; v < 4; v++)
                xy[2 * v] = pr[3 * idx[v]], xy[2 * v + 1] = pr[3 * idx[v] + 1];
        }
        glv_fill_poly(s, xy, nv, q->fill);
        /* A quad seen nearly edge-on is a sliver that its edges would paint
         * dark: they fade out as it gets thinner than a few pixels. */
        float area = 0, longest = 0;
        for (int v = 0; v < nv; v++) {
            int w = (v + 1) % nv;
            float ex = xy[2 * w] - xy[2 * v], ey = xy[2 * w + 1] - xy[2 * v + 1];
            area += xy[2 * v] * xy[2 * w + 1] - xy[2 * w] * xy[2 * v + 1];
            longest = fmaxf(longest, ex * ex + ey * ey);
        }
        float thickness = fabsf(area) / 2 / fmaxf(1, sqrtf(longest));
        if (thickness < 3)
            continue;
        glv_color edge = glv_shade(q->fill, 0.72f);
        if (thickness < 7)
            edge.a = (Uint8)(255 * (thickness - 3) / 4);
        for (int v = 0; v < nv; v++) {
            int w = (v + 1) % nv;
            glv_line(s, xy[2 * v], xy[2 * v + 1], xy[2 * w], xy[2 * w + 1], edge_w, edge);
        }
    }
}

/* ------------------------------------------------------------- pane */

/* The legend: a swatch and a name per surface, in a row from (x, y);
 * returns its width (drawing nothing when draw is false). */
static float legend(SDL_Surface *s, const surface_pane *p, float x, float y, bool draw)
{
    float x0 = x;
    for (int k = 0; k < NSURF; k++) {
        if (!p->z[k])
            continue;
        int w, h;
        glv_text_size(surf_name[k], GLV_FONT_LABEL, &w, &h);
        if (draw) {
            glv_fill_rect(s, x, y + 2, 14, 14, surf_color(k));
            glv_fill_rect(s, x, y + 2, 14, 1, glv_shade(surf_color(k), 0.7f));
            glv_text(s, surf_name[k], GLV_FONT_LABEL, GLV_TEXT, x + 20, y + 9, GLV_LEFT | GLV_MIDDLE, false);
        }
        x += 20 + (float)w + 18;
    }
    return x - x0 - 18;
}

static void surface_draw(glv_pane *base, SDL_Surface *s, SDL_Rect r)
{
    surface_pane *p = (surface_pane *)base;
    int top = glv_draw_title(s, r, p->base.title);
    /* The legend goes left of the title when there is room, else below. */
    int tw, th;
    glv_text_size(p->base.title, GLV_FONT_TITLE, &tw, &th);
    float lw = legend(s, p, 0, 0, false);
    bool beside = 16 + lw + 16 < (float)(r.w - tw) / 2;
    legend(s, p, (float)r.x + 16, (float)r.y + (beside ? 10 : (float)top - 4), true);
    int plot_top = top + (beside ? 0 : 16);
    SDL_Rect plot = {r.x, r.y + plot_top, r.w, r.h - plot_top}, clip;
    /* Zoomed in, the box may overflow: never over the title and legend. */
    SDL_IntersectRect(&plot, &r, &clip);
    SDL_SetClipRect(s, &clip);

    /* z spans the finite values of both surfaces. */
    double zlo = HUGE_VAL, zhi = -HUGE_VAL;
    for (int k = 0; k < NSURF; k++)
        if (p->z[k])
            for (int i = 0; i < p->n * p->n; i++)
                if (isfinite(p->z[k][i])) {
                    if (p->z[k][i] < zlo) zlo = p->z[k][i];
                    if (p->z[k][i] > zhi) zhi = p->z[k][i];
                }
    if (!(zlo <= zhi))
        zlo = -1, zhi = 1;
    if (zhi - zlo <= 1e-12 * fmax(1, fabs(zlo))) {
        double pad = fabs(zlo) > 0 ? fabs(zlo) * 0.1 : 1;
        zlo -= pad, zhi += pad;
    }
    axis ax[3] = {{p->xlim[0], p->xlim[1], {0}}, {p->ylim[0], p->ylim[1], {0}}, {zlo, zhi, {0}}};
    int target_ticks = plot.w < 420 ? 4 : 5;
    for (int a = 0; a < 3; a++)
        glv_ticks_linear(&ax[a].t, ax[a].lo, ax[a].hi, target_ticks);

    camera c = make_camera(p, plot);
    draw_back_faces(s, &c, ax);
    size_t count = build_quads(p, &c, ax);
    draw_quads(s, p, count, c.scale);

    /* Axes on the box's outer edges: x and y along the floor's front
     * edges, z on the vertical edge at the left of the picture. */
    float zb = -sgn(c.e[2]) * BOX_HZ; /* the floor: the back z face */
    float xedge[3] = {0, sgn(c.e[1]), zb}, yedge[3] = {sgn(c.e[0]), 0, zb};
    float cand[2][3] = {{-sgn(c.e[0]), sgn(c.e[1]), 0}, {sgn(c.e[0]), -sgn(c.e[1]), 0}};
    float s0[3], s1[3];
    project(&c, cand[0][0], cand[0][1], 0, s0);
    project(&c, cand[1][0], cand[1][1], 0, s1);
    const float *zedge = s0[0] <= s1[0] ? cand[0] : cand[1];
    label_set labels = {0};
    draw_axis(s, &c, &ax[0], 0, xedge, "x", &labels);
    draw_axis(s, &c, &ax[1], 1, yedge, "y", &labels);
    draw_axis(s, &c, &ax[2], 2, zedge, "z", &labels);
    SDL_SetClipRect(s, &r);
}

static int surface_drag(glv_pane *base, int dx, int dy)
{
    surface_pane *p = (surface_pane *)base;
    p->az = fmodf(p->az - 0.5f * (float)dx, 360.0f);
    p->el = fmaxf(-90, fminf(90, p->el + 0.5f * (float)dy));
    return 1;
}

static int surface_wheel(glv_pane *base, int dy)
{
    surface_pane *p = (surface_pane *)base;
    p->zoom = fmaxf(0.2f, fminf(8.0f, p->zoom * powf(1.15f, (float)dy)));
    return 1;
}

static int surface_key(glv_pane *base, SDL_Keycode k)
{
    surface_pane *p = (surface_pane *)base;
    if (k != SDLK_r)
        return 0;
    p->az = DEFAULT_AZ, p->el = DEFAULT_EL, p->zoom = 1;
    return 1;
}

static void surface_destroy(glv_pane *base)
{
    surface_pane *p = (surface_pane *)base;
    for (int k = 0; k < NSURF; k++) {
        free(p->z[k]);
        free(p->proj[k]);
    }
    free(p->quads);
    free(p->pieces);
    free(p);
}

static const glv_pane_kind surface_kind = {"surface", surface_draw, surface_drag, surface_wheel,
                                           surface_key, surface_destroy};

/* ----------------------------------------------------------------- API */

int glv_surface(const char *title, const double *target, const double *model, int n,
                const double xlim[2], const double ylim[2])
{
    static const char fn[] = "glv_surface";
    if (n < 2 || n > 1000) {
        glv_set_error("%s: n must be %s (got %d)", fn, n < 2 ? "at least 2" : "at most 1000", n);
        return -1;
    }
    if (glv_check_lim(fn, "xlim", xlim) || glv_check_lim(fn, "ylim", ylim))
        return -1;
    if (!target && !model) {
        glv_set_error("%s: target and model are both NULL", fn);
        return -1;
    }
    char name[128];
    glv_copy_title(name, sizeof name, title, "surface");
    surface_pane *p = (surface_pane *)glv_find_pane(&surface_kind, name);
    bool fresh = p == NULL;
    bool same_grid = !fresh && p->n == n && p->xlim[0] == xlim[0] && p->xlim[1] == xlim[1] &&
                     p->ylim[0] == ylim[0] && p->ylim[1] == ylim[1];

    /* Everything that can fail first, so a failure changes nothing. */
    size_t nn = (size_t)n * (size_t)n;
    const double *given[NSURF] = {target, model};
    double *copy[NSURF] = {NULL, NULL};
    float *proj[NSURF] = {NULL, NULL};
    bool ok = true;
    for (int k = 0; k < NSURF; k++) {
        proj[k] = malloc(3 * nn * sizeof(float));
        ok = ok && proj[k];
        if (given[k]) {
            copy[k] = malloc(nn * sizeof(double));
            ok = ok && copy[k];
        }
    }
    if (fresh) {
        p = calloc(1, sizeof *p);
        ok = ok && p;
    }
    if (!ok) {
        for (int k = 0; k < NSURF; k++)
            free(copy[k]), free(proj[k]);
        if (fresh)
            free(p);
        glv_set_error("%s: out of memory for a %dx%d grid", fn, n, n);
        return -1;
    }
    if (fresh) {
        p->base.kind = &surface_kind;
        memcpy(p->base.title, name, sizeof name);
        p->az = DEFAULT_AZ, p->el = DEFAULT_EL, p->zoom = 1;
    }

    int bad[NSURF] = {0, 0};
    for (int k = 0; k < NSURF; k++) {
        if (given[k]) {
            for (size_t i = 0; i < nn; i++) {
                copy[k][i] = given[k][i];
                bad[k] += !isfinite(given[k][i]);
            }
            free(p->z[k]);
            p->z[k] = copy[k];
        } else if (!same_grid) {
            free(p->z[k]); /* a kept surface must lie on the new grid */
            p->z[k] = NULL;
        }
        free(p->proj[k]);
        p->proj[k] = proj[k];
    }
    p->n = n;
    memcpy(p->xlim, xlim, sizeof p->xlim);
    memcpy(p->ylim, ylim, sizeof p->ylim);

    if (fresh && glv_add_pane(&p->base, fn) != 0) {
        surface_destroy(&p->base);
        return -1;
    }
    glv_touch();
    if (bad[TARGET] + bad[MODEL] > 0) {
        glv_set_error("%s: %d of the values are NaN or Inf (target %d, model %d); the quads around "
                      "them are left out", fn, bad[TARGET] + bad[MODEL], bad[TARGET], bad[MODEL]);
        return bad[TARGET] + bad[MODEL];
    }
    return 0;
}
