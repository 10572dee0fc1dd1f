/* text.c — fonts (DejaVu Sans through SDL2_ttf) and a cache of rendered
 * strings, so tick labels are not rasterized again on every frame. */
#include "vizint.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEJAVU_DIR "/usr/share/fonts/truetype/dejavu/"

static const int font_px[GLV_FONT_COUNT] = {12, 13, 15};
static TTF_Font *fonts[GLV_FONT_COUNT];
static bool we_init_ttf;

/* Rendered strings, keyed by text, font, color and orientation. When the
 * table fills up it is simply emptied: a frame needs far fewer entries. */
#define CACHE_SLOTS 512
#define CACHE_TEXT 48
typedef struct {
    char text[CACHE_TEXT];
    int font;
    Uint32 color;
    bool vertical;
    SDL_Surface *surface;
} cache_entry;
static cache_entry cache[CACHE_SLOTS];
static int cache_used;

static void cache_clear(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        SDL_FreeSurface(cache[i].surface);
        cache[i].surface = NULL;
    }
    cache_used = 0;
}

static TTF_Font *open_font(const char *path, int px)
{
    return path ? TTF_OpenFont(path, px) : NULL;
}

int glv_text_init(void)
{
    if (fonts[0])
        return 0;
    if (!TTF_WasInit()) {
        if (TTF_Init() != 0)
            return -1;
        we_init_ttf = true;
    }
    const char *env = getenv("GRADLAB_FONT");
    const char *regular = env && *env ? env : DEJAVU_DIR "DejaVuSans.ttf";
    for (int f = 0; f < GLV_FONT_COUNT; f++) {
        if (f == GLV_FONT_TITLE && !(env && *env))
            fonts[f] = open_font(DEJAVU_DIR "DejaVuSans-Bold.ttf", font_px[f]);
        if (!fonts[f]) {
            fonts[f] = open_font(regular, font_px[f]);
            if (fonts[f] && f == GLV_FONT_TITLE)
                TTF_SetFontStyle(fonts[f], TTF_STYLE_BOLD);
        }
    }
    if (!fonts[0]) {
        glv_text_quit();
        return -1;
    }
    return 0;
}

void glv_text_quit(void)
{
    cache_clear();
    for (int f = 0; f < GLV_FONT_COUNT; f++) {
        if (fonts[f])
            TTF_CloseFont(fonts[f]);
        fonts[f] = NULL;
    }
    if (we_init_ttf) {
        TTF_Quit();
        we_init_ttf = false;
    }
}

void glv_text_size(const char *str, glv_font f, int *w, int *h)
{
    *w = *h = 0;
    if (!str || !*str || !fonts[f])
        return;
    if (TTF_SizeUTF8(fonts[f], str, w, h) != 0)
        *w = *h = 0;
}

/* Turns a horizontal text surface into one reading upward. */
static SDL_Surface *rotate_ccw(SDL_Surface *src)
{
    SDL_Surface *dst = SDL_CreateRGBSurfaceWithFormat(0, src->h, src->w, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!dst)
        return NULL;
    for (int y = 0; y < src->h; y++) {
        const Uint32 *srow = (const Uint32 *)((const Uint8 *)src->pixels + (size_t)y * (size_t)src->pitch);
        for (int x = 0; x < src->w; x++) {
            /* src (x, y) goes to dst (y, w-1-x) */
            Uint32 *drow = (Uint32 *)((Uint8 *)dst->pixels + (size_t)(src->w - 1 - x) * (size_t)dst->pitch);
            drow[y] = srow[x];
        }
    }
    return dst;
}

static SDL_Surface *render(const char *str, glv_font f, glv_color c, bool vertical)
{
    SDL_Surface *raw = TTF_RenderUTF8_Blended(fonts[f], str, (SDL_Color){c.r, c.g, c.b, c.a});
    if (!raw)
        return NULL;
    SDL_Surface *argb = raw->format->format == SDL_PIXELFORMAT_ARGB8888
                            ? raw
                            : SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    if (argb != raw)
        SDL_FreeSurface(raw);
    if (!argb)
        return NULL;
    if (vertical) {
        SDL_Surface *rot = rotate_ccw(argb);
        SDL_FreeSurface(argb);
        argb = rot;
        if (!argb)
            return NULL;
    }
    SDL_SetSurfaceBlendMode(argb, SDL_BLENDMODE_BLEND);
    return argb;
}

/* The cached surface for the string, or a fresh one (*owned set) when the
 * string is too long to cache. */
static SDL_Surface *lookup(const char *str, glv_font f, glv_color c, bool vertical, bool *owned)
{
    *owned = false;
    size_t len = strlen(str);
    if (len >= CACHE_TEXT) {
        *owned = true;
        return render(str, f, c, vertical);
    }
    Uint32 color = (Uint32)c.r << 24 | (Uint32)c.g << 16 | (Uint32)c.b << 8 | c.a;
    Uint32 h = 2166136261u; /* FNV-1a over the whole key */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (Uint8)str[i]) * 16777619u;
    h = (h ^ (Uint32)f ^ color ^ (vertical ? 0x9e3779b9u : 0)) * 16777619u;
    for (int probe = 0; probe < CACHE_SLOTS; probe++) {
        cache_entry *e = &cache[(h + (Uint32)probe) % CACHE_SLOTS];
        if (!e->surface) {
            if (cache_used >= CACHE_SLOTS * 3 / 4) {
                cache_clear();
                return lookup(str, f, c, vertical, owned);
            }
            SDL_Surface *surf = render(str, f, c, vertical);
            if (!surf)
                return NULL;
            memcpy(e->text, str, len + 1);
            e->font = (int)f;
            e->color = color;
            e->vertical = vertical;
            e->surface = surf;
            cache_used++;
            return surf;
        }
        if (e->font == (int)f && e->color == color && e->vertical == vertical && strcmp(e->text, str) == 0)
            return e->surface;
    }
    return NULL; /* unreachable: the table is never full */
}

void glv_text(SDL_Surface *s, const char *str, glv_font f, glv_color c, float x, float y,
              int align, bool vertical)
{
    if (!str || !*str || !fonts[f])
        return;
    bool owned;
    SDL_Surface *t = lookup(str, f, c, vertical, &owned);
    if (!t)
        return;
    float w = (float)t->w, h = (float)t->h;
    float left = x - ((align & 3) == GLV_CENTER ? w / 2 : (align & 3) == GLV_RIGHT ? w : 0);
    float top = y - ((align & 12) == GLV_MIDDLE ? h / 2 : (align & 12) == GLV_BOTTOM ? h : 0);
    SDL_Rect dst = {(int)lroundf(left), (int)lroundf(top), t->w, t->h};
    SDL_BlitSurface(t, NULL, s, &dst);
    if (owned)
        SDL_FreeSurface(t);
}
