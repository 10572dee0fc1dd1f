/* pool.c — reuse of tensor buffers, and (at the end) the free lists of
 * small structs, gl_freelist. A training loop makes and drops the same
 * sizes every step; asking malloc for each one costs a fresh mmap and a
 * page fault per 4 KiB for every large tensor. Freed buffers wait here, keyed by
 * their exact size, and the next request of that size takes one back.
 *
 * Bounded: at most POOL_MAX_BYTES wait in total (the rest go back to
 * malloc), at most POOL_SIZES distinct sizes are tracked (a size that
 * finds no slot is simply freed), and of one size at most POOL_DEPTH
 * buffers or POOL_CLASS_BYTES, whichever allows more, wait; POOL_DEPTH_SMALL
 * of a size up to POOL_SMALL bytes. Garbage collection hands back dropped
 * tensors in batches: a loop of tiny ops drops hundreds at a time, a loop
 * of 64x64 products ~60 16 KB results, and what the pool can't hold goes
 * through free() and malloc again (malloc_consolidate was 1% of that loop).
 * Not thread-safe: the engine is used from one thread, as the Lua state
 * that drives it. */
#include "internal.h"

#include <stdlib.h>

/* Compiled with -DGL_NO_POOL (the fuzzers: make fuzz-lib), every buffer is
 * its exact size and freed at once, so AddressSanitizer sees each overrun
 * and each use after free that pooling and rounding would hide. */
#ifdef GL_NO_POOL
void *gl_pool_alloc(size_t nbytes)
{
    void *p = NULL;
    return posix_memalign(&p, 64, nbytes ? nbytes : 1) == 0 ? p : NULL;
}
void gl_pool_free(void *p, size_t nbytes)
{
    (void)nbytes;
    free(p);
}
void gl_pool_trim(void) {}
size_t gl_pool_bytes(void) { return 0; }
void *gl_freelist_get(gl_freelist *l, size_t size)
{
    (void)l;
    return calloc(1, size);
}
void gl_freelist_put(gl_freelist *l, void *p)
{
    (void)l;
    free(p);
}
#else

#define POOL_SIZES 64
#define POOL_DEPTH 16
#define POOL_SMALL 1024
#define POOL_DEPTH_SMALL 1024
#ifndef POOL_CLASS_BYTES
#define POOL_CLASS_BYTES ((size_t)4 << 20)
#endif
#define POOL_MAX_BYTES ((size_t)256 << 20)

/* The waiting buffers of one size, linked through their first bytes (every
 * buffer has at least 64: gl_pool_alloc rounds up). */
typedef struct {
    size_t nbytes;  /* 0: free slot */
    int count;
    void *head;
} pool_class;

static void *class_pop(pool_class *c)
{
    void *p = c->head;
    c->head = *(void **)p;
    c->count--;
    return p;
}

static pool_class classes[POOL_SIZES];
static size_t pooled_bytes;
static unsigned next_victim;

static pool_class *find_class(size_t nbytes, bool create)
{
    pool_class *empty = NULL;
    for (int i = 0; i < POOL_SIZES; i++) {
        if (classes[i].nbytes == nbytes)
            return &classes[i];
        if (!empty && classes[i].count == 0)
            empty = &classes[i];
    }
    if (!create)
        return NULL;
    if (!empty) /* every slot holds buffers: evict one class, round robin */
    {
        pool_class *c = &classes[next_victim++ % POOL_SIZES];
        while (c->count > 0) {
            free(class_pop(c));
            pooled_bytes -= c->nbytes;
        }
        empty = c;
    }
    empty->nbytes = nbytes;
    return empty;
}

void *gl_pool_alloc(size_t nbytes)
{
    pool_class *c = find_class(nbytes, false);
    if (c && c->count > 0) {
        pooled_bytes -= nbytes;
        return class_pop(c);
    }
    /* 64-byte alignment: whole cache lines, and aligned vector loads */
    size_t rounded = (nbytes + 63) & ~(size_t)63;
    return aligned_alloc(64, rounded ? rounded : 64);
}

static int pool_depth(size_t nbytes)
{
    if (nbytes <= POOL_SMALL)
        return POOL_DEPTH_SMALL;
    size_t by_bytes = POOL_CLASS_BYTES / nbytes;
    return by_bytes > POOL_DEPTH ? (int)by_bytes : POOL_DEPTH;
}

void gl_pool_free(void *p, size_t nbytes)
{
    if (!p)
        return;
    if (nbytes <= POOL_MAX_BYTES / 4 && pooled_bytes + nbytes <= POOL_MAX_BYTES) {
        pool_class *c = find_class(nbytes, true);
        if (c->count < pool_depth(nbytes)) {
            *(void **)p = c->head;
            c->head = p;
            c->count++;
            pooled_bytes += nbytes;
            return;
        }
    }
    free(p);
}

void gl_pool_trim(void)
{
    for (int i = 0; i < POOL_SIZES; i++) {
        while (classes[i].count > 0)
            free(class_pop(&classes[i]));
        classes[i].nbytes = 0;
    }
    pooled_bytes = 0;
}

size_t gl_pool_bytes(void) { return pooled_bytes; }

void *gl_freelist_get(gl_freelist *l, size_t size)
{
    return l->n > 0 ? memset(l->items[--l->n], 0, size) : calloc(1, size);
}

void gl_freelist_put(gl_freelist *l, void *p)
{
    if (!p)
        return;
    if (l->n < GL_FREELIST_MAX)
        l->items[l->n++] = p;
    else
        free(p);
}
#endif
