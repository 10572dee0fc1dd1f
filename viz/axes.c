/* axes.c — tick positions ("nice numbers": 1, 2, 5 x 10^k), tick labels,
 * and the 2D plot frame the loss plot and the heat map share. */
#include "vizint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ numbers */

/* The smallest of 1, 2, 5 x 10^k that is >= x (x > 0). */
static double nice_step(double x)
{
    double e = floor(log10(x)), p = pow(10, e), f = x / p;
    double nf = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
    return nf * p;
}

/* Copies src into dst replacing '-' by the typographic minus U+2212. */
static void with_minus_sign(char *dst, size_t n, const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src[i] && j + 4 < n; i++) {
        if (src[i] == '-') {
            memcpy(dst + j, "\xe2\x88\x92", 3);
            j += 3;
        } else {
            dst[j++] = src[i];
        }
    }
    dst[j] = '\0';
}

void glv_format_number(double v, double step, char *buf, size_t n)
{
    char tmp[64];
    if (!(step > 0) || !isfinite(step))
        step = fabs(v) > 0 ? fabs(v) : 1;
    if (fabs(v) < step * 1e-6 || v == 0) {
        snprintf(buf, n, "0");
        return;
    }
    double av = fabs(v);
    if (av >= 1e5 || av < 1e-4) {
        /* 1.5e-5: as many mantissa digits as the step needs. */
        int e = (int)floor(log10(av) + 1e-12);
        int digits = e - (int)floor(log10(step) + 1e-12);
        if (digits < 0) digits = 0;
        if (digits > 6) digits = 6;
        double m = v / pow(10, e);
        snprintf(tmp, sizeof tmp, "%.*fe%d", digits, m, e);
    } else {
        int decimals = -(int)floor(log10(step) + 1e-9);
        if (decimals < 0) decimals = 0;
        if (decimals > 10) decimals = 10;
        snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    }
    with_minus_sign(buf, n, tmp);
}

/* "10" followed by k in superscript digits: 10⁻³. */
static void power_of_ten_label(int k, char *buf, size_t n)
{
    static const char *sup[10] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3",
                                  "\xe2\x81\xb4", "\xe2\x81\xb5", "\xe2\x81\xb6",
                                  "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9"};
    char digits[16];
    snprintf(digits, sizeof digits, "%d", k < 0 ? -k : k);
    size_t j = (size_t)snprintf(buf, n, "10%s", k < 0 ? "\xe2\x81\xbb" : "");
    for (size_t i = 0; digits[i] && j + 4 < n; i++) {
        size_t len = strlen(sup[digits[i] - '0']);
        memcpy(buf + j, sup[digits[i] - '0'], len);
        j += len;
    }
    buf[j < n ? j : n - 1] = '\0';
}

/* -------------------------------------------------------------- ticks */

static void add_tick(glv_ticks *t, double v, const char *label)
{
    if (t->n >= GLV_MAX_TICKS)
        return;
    t->v[t->n] = v;
    snprintf(t->label[t->n], sizeof t->label[0], "%s", label);
    t->n++;
}

void glv_ticks_linear(glv_ticks *t, double lo, double hi, int target)
{
    t->n = 0;
    if (!isfinite(lo) || !isfinite(hi))
        return;
    if (target < 2)
        target = 2;
    char buf[24];
    if (!(hi > lo)) {
        glv_format_number(lo, fabs(lo) > 0 ? fabs(lo) / 100 : 1, buf, sizeof buf);
        add_tick(t, lo, buf);
        return;
    }
    double step = nice_step((hi - lo) / target);
    double k0 = ceil(lo / step - 1e-9), k1 = floor(hi / step + 1e-9);
    for (double k = k0; k <= k1 && t->n < GLV_MAX_TICKS; k++) {
        double v = k * step;
        if (fabs(v) < step * 1e-9)
            v = 0;
        glv_format_number(v, step, buf, sizeof buf);
        add_tick(t, v, buf);
    }
}

void glv_ticks_log(glv_ticks *t, double lo, double hi, int target)
{
    t->n = 0;
    if (!(lo > 0) || !(hi > lo) || !isfinite(hi))
        return;
    if (target < 2)
        target = 2;
    char buf[24];
    double l0 = log10(lo), l1 = log10(hi);
    int k0 = (int)ceil(l0 - 1e-9), k1 = (int)floor(l1 + 1e-9);
    int decades = k1 - k0 + 1;
    /* With three or more powers of ten inside, label those; with fewer the
     * 1-2-5 numbers below read better. */
    int n125 = 0;
    for (int k = (int)floor(l0) - 1; k <= (int)ceil(l1); k++)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
            n125 += m * pow(10, k) >= lo * (1 - 1e-9) && m * pow(10, k) <= hi * (1 + 1e-9);
    if (decades >= 3 || (decades == 2 && n125 > 2 * target)) {
        /* Powers of ten, every stride-th one when there are many. */
        int stride = (decades + target - 1) / target;
        for (int k = k0; k <= k1; k++) {
            if (((k % stride) + stride) % stride != 0)
                continue;
            power_of_ten_label(k, buf, sizeof buf);
            add_tick(t, pow(10, k), buf);
        }
        if (stride == 1 && decades <= 6) /* unlabelled minor ticks 2..9 x 10^k */
            for (int k = k0 - 1; k <= k1; k++)
                for (int m = 2; m <= 9; m++) {
                    double v = m * pow(10, k);
                    if (v >= lo && v <= hi)
                        add_tick(t, v, "");
                }
        return;
    }
    /* Less than two decades: plain numbers at 1-2-5 or 1..9 x 10^k. */
    static const int sets[2][9] = {{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int set_len[2] = {3, 9};
    for (int s = 0; s < 2; s++) {
        int count = 0;
        for (int k = (int)floor(l0) - 1; k <= (int)ceil(l1); k++)
            for (int m = 0; m < set_len[s]; m++) {
                double v = sets[s][m] * pow(10, k);
                count += v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
            }
        if (count < 3 || count > 2 * target)
            continue;
        for (int k = (int)floor(l0) - 1; k <= (int)ceil(l1); k++)
            for (int m = 0; m < set_len[s]; m++) {
                double v = sets[s][m] * pow(10, k);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                    glv_format_number(v, pow(10, k), buf, sizeof buf);
                    add_tick(t, v, buf);
                }
            }
        return;
    }
    glv_ticks_linear(t, lo, hi, target);
}

int glv_ticks_width(const glv_ticks *t, glv_font f)
{
    int widest = 0;
    for (int i = 0; i < t->n; i++) {
        int w, h;
        glv_text_size(t->label[i], f, &w, &h);
        if (w > widest)
            widest = w;
    }
    return widest;
}

/* -------------------------------------------------------------- frame */

float glv_frame_x(const glv_frame *f, double x)
{
    return (float)(f->area.x + (x - f->x0) / (f->x1 - f->x0) * f->area.w);
}

float glv_frame_y(const glv_frame *f, double y)
{
    double v = f->ylog ? (y > 0 ? log10(y) : -HUGE_VAL) : y;
    double u = (v - f->y0) / (f->y1 - f->y0);
    return (float)(f->yflip ? f->area.y + u * f->area.h : f->area.y + f->area.h - u * f->area.h);
}

/* Pixel-center coordinate of the pixel column/row containing v, so 1-pixel
 * lines are crisp. */
static float crisp(float v)
{
    return floorf(v) + 0.5f;
}

void glv_frame_draw(SDL_Surface *s, const glv_frame *f, const glv_ticks *xt,
                    const glv_ticks *yt, bool grid)
{
    const SDL_Rect a = f->area;
    float left = (float)a.x, right = (float)(a.x + a.w), top = (float)a.y, bottom = (float)(a.y + a.h);
    for (int i = 0; i < xt->n; i++) {
        float x = crisp(glv_frame_x(f, xt->v[i]));
        if (x < left - 0.5f || x > right + 0.5f)
            continue;
        bool major = xt->label[i][0] != '\0';
        if (grid)
            glv_line(s, x, top, x, bottom, 1, major ? GLV_GRID : GLV_RGB(242, 242, 242));
        glv_line(s, x, bottom, x, bottom + (major ? 5.0f : 3.0f), 1, GLV_FRAME);
        if (major)
            glv_text(s, xt->label[i], GLV_FONT_TICK, GLV_TEXT, x, bottom + 7, GLV_CENTER | GLV_TOP, false);
    }
    for (int i = 0; i < yt->n; i++) {
        float y = crisp(glv_frame_y(f, yt->v[i]));
        if (y < top - 0.5f || y > bottom + 0.5f)
            continue;
        bool major = yt->label[i][0] != '\0';
        if (grid)
            glv_line(s, left, y, right, y, 1, major ? GLV_GRID : GLV_RGB(242, 242, 242));
        glv_line(s, left - (major ? 5.0f : 3.0f), y, left, y, 1, GLV_FRAME);
        if (major)
            glv_text(s, yt->label[i], GLV_FONT_TICK, GLV_TEXT, left - 8, y, GLV_RIGHT | GLV_MIDDLE, false);
    }
    /* The frame: 1-pixel lines just outside the data area. */
    glv_fill_rect(s, left - 1, top - 1, (float)a.w + 2, 1, GLV_FRAME);
    glv_fill_rect(s, left - 1, bottom, (float)a.w + 2, 1, GLV_FRAME);
    glv_fill_rect(s, left - 1, top, 1, (float)a.h, GLV_FRAME);
    glv_fill_rect(s, right, top, 1, (float)a.h, GLV_FRAME);
}

int glv_draw_title(SDL_Surface *s, SDL_Rect r, const char *title)
{
    int w, h;
    glv_text_size(title, GLV_FONT_TITLE, &w, &h);
    glv_text(s, title, GLV_FONT_TITLE, GLV_TEXT, r.x + r.w / 2.0f, r.y + 10.0f, GLV_CENTER | GLV_TOP, false);
    return 10 + (h ? h : 18) + 6;
}
