/* alloc.c - allocation through the host's function or the C library's
 * (see alloc.h). */
#include "alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const mem mem_libc = { NULL, NULL, NULL };

/* What precedes a block from a host allocator: its size, padded so that
 * the block stays aligned for any object. */
typedef union block_header {
    size_t size;
    max_align_t align;
} block_header;

const mem *mem_or_libc(const mem *m)
{
    return m ? m : &mem_libc;
}

/* refused: NULL, counted in m->failures. */
static void *refused(const mem *m)
{
    if (m->failures)
        (*m->failures)++;
    return NULL;
}

static void *header_of(void *p)
{
    return (block_header *)p - 1;
}

void *mem_alloc(const mem *m, size_t size)
{
    m = mem_or_libc(m);
    if (!m->fn) {
        void *p = malloc(size ? size : 1);
        return p ? p : refused(m);
    }
    if (size > SIZE_MAX - sizeof(block_header))
        return refused(m);
    block_header *h = m->fn(m->userdata, NULL, 0, sizeof *h + size);
    if (!h)
        return refused(m);
    h->size = size;
    return h + 1;
}

void *mem_calloc(const mem *m, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return refused(mem_or_libc(m));
    void *p = mem_alloc(m, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *mem_realloc(const mem *m, void *p, size_t size)
{
    m = mem_or_libc(m);
    if (!p)
        return mem_alloc(m, size);
    if (!m->fn) {
        void *q = realloc(p, size ? size : 1);
        return q ? q : refused(m);
    }
    if (size > SIZE_MAX - sizeof(block_header))
        return refused(m);
    block_header *h = header_of(p);
    block_header *grown = m->fn(m->userdata, h, sizeof *h + h->size, sizeof *h + size);
    if (!grown)
        return refused(m);
    grown->size = size;
    return grown + 1;
}

void mem_free(const mem *m, void *p)
{
    if (!p)
        return;
    m = mem_or_libc(m);
    if (!m->fn) {
        free(p);
        return;
    }
    block_header *h = header_of(p);
    m->fn(m->userdata, h, sizeof *h + h->size, 0);
}

char *mem_strndup(const mem *m, const char *s, size_t n)
{
    char *p = mem_alloc(m, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *mem_strdup(const mem *m, const char *s)
{
    return mem_strndup(m, s, strlen(s));
}

bool mem_grow(const mem *m, void *array_ptr, size_t *cap, size_t n, size_t elem_size, size_t first)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : first;
    if (want <= *cap || want > SIZE_MAX / elem_size)
        return false; /* the doubling or the byte size would overflow */
    void *old;
    memcpy(&old, array_ptr, sizeof old);
    void *grown = mem_realloc(m, old, want * elem_size);
    if (!grown)
        return false;
    memcpy(array_ptr, &grown, sizeof grown);
    *cap = want;
    return true;
}
