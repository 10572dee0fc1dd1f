/* error.c — the thread's last error message. */
#include "internal.h"

#include <stdio.h>

volatile sig_atomic_t gl_interrupted = 0;

static _Thread_local char error_message[1024];

const char *gl_error(void) { return error_message; }

void gl_clear_error(void) { error_message[0] = '\0'; }

void gl_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
}

char *gl_shape_str(const int64_t *shape, int ndim, char *buf, size_t n)
{
    size_t used = 0;
    if (n == 0)
        return buf;
    used += (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < ndim && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, i ? ",%lld" : "%lld", (long long)shape[i]);
    if (used < n)
        snprintf(buf + used, n - used, ")");
    return buf;
}

const char *gl_tshape(const gl_tensor *t, char *buf)
{
    return gl_shape_str(t->shape, t->ndim, buf, GL_SHAPE_BUF);
}
