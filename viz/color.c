/* color.c — the series palette and the viridis colormap. */
#include "vizint.h"

#include <math.h>

glv_color glv_palette(int i)
{
    /* Tableau 10: distinct hues that stay distinct for most color-blind
     * viewers in the first few entries. */
    static const glv_color tab10[10] = {
        GLV_RGB(31, 119, 180), GLV_RGB(255, 127, 14), GLV_RGB(44, 160, 44),
        GLV_RGB(214, 39, 40),  GLV_RGB(148, 103, 189), GLV_RGB(140, 86, 75),
        GLV_RGB(227, 119, 194), GLV_RGB(127, 127, 127), GLV_RGB(188, 189, 34),
        GLV_RGB(23, 190, 207),
    };
    return tab10[((i % 10) + 10) % 10];
}

glv_color glv_viridis(double t)
{
    /* A degree-6 polynomial fit of matplotlib's viridis, within about 0.01
     * of the table everywhere: perceptually uniform, readable in grey. */
    static const double c[7][3] = {
        {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
        {0.1050930431085774, 1.404613529898575, 1.384590162594685},
        {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
        {-4.634230498983486, -5.799100973351585, -19.33244095627987},
        {6.228269936347081, 14.17993336680509, 56.69055260068105},
        {4.776384997670288, -13.74514537774601, -65.35303263337234},
        {-5.435455855934631, 4.645852612178535, 26.3124352495832},
    };
    if (!(t >= 0)) t = 0; /* NaN too */
    if (t > 1) t = 1;
    double rgb[3];
    for (int k = 0; k < 3; k++) {
        double v = c[6][k];
        for (int d = 5; d >= 0; d--)
            v = v * t + c[d][k];
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        rgb[k] = v;
    }
    return GLV_RGB((Uint8)lround(rgb[0] * 255), (Uint8)lround(rgb[1] * 255), (Uint8)lround(rgb[2] * 255));
}
