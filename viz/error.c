/* error.c — the message of the last failed viz call. */
#include "vizint.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static char message[512];

const char *glv_error(void) { return message; }

void glv_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
}

int glv_check_lim(const char *fn, const char *name, const double lim[2])
{
    if (!lim) {
        glv_set_error("%s: %s is NULL", fn, name);
        return -1;
    }
    if (!isfinite(lim[0]) || !isfinite(lim[1]) || !(lim[0] < lim[1])) {
        glv_set_error("%s: %s must be finite with %s[0] < %s[1] (got %g, %g)", fn, name, name, name,
                      lim[0], lim[1]);
        return -1;
    }
    return 0;
}

void glv_copy_title(char *dst, size_t n, const char *title, const char *fallback)
{
    if (!title || !*title)
        title = fallback;
    size_t len = strlen(title);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)title[len] & 0xc0) == 0x80)
            len--; /* do not cut a UTF-8 sequence in half */
    }
    memcpy(dst, title, len);
    dst[len] = '\0';
}
