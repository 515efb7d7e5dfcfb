/* arena.c - bump allocation in blocks kept in order, with marks (see
 * arena.h). */
#include "arena.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Big enough that a typical policy, or the evaluation of a shipment,
 * needs few blocks; small enough that a one-line REPL statement does not
 * cost much. */
#define ARENA_BLOCK_SIZE 16384

struct arena_block {
    arena_block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

void arena_init(arena *a, const mem *m)
{
    a->first = a->cur = NULL;
    a->failed = false;
    a->mem = mem_or_libc(m);
}

void arena_free(arena *a)
{
    arena_block *b = a->first;
    while (b) {
        arena_block *next = b->next;
        mem_free(a->mem, b);
        b = next;
    }
    arena_init(a, a->mem);
}

static arena_block *block_new(const mem *m, size_t at_least)
{
    size_t size = at_least > ARENA_BLOCK_SIZE ? at_least : ARENA_BLOCK_SIZE;
    arena_block *b = mem_alloc(m, sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

/* next_block: moves a->cur to a block with room for size bytes, reusing
 * the blocks a restore gave back before allocating a new one. */
static bool next_block(arena *a, size_t size)
{
    arena_block *next = a->cur ? a->cur->next : a->first;
    if (next && next->size >= size) {
        next->used = 0;
        a->cur = next;
        return true;
    }
    arena_block *b = block_new(a->mem, size);
    if (!b) {
        a->failed = true;
        return false;
    }
    b->next = next;
    if (a->cur)
        a->cur->next = b;
    else
        a->first = b;
    a->cur = b;
    return true;
}

void *arena_alloc(arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2) {
        a->failed = true;
        return NULL;
    }
    size = (size + align - 1) & ~(align - 1);
    if (!a->cur || a->cur->size - a->cur->used < size) {
        if (!next_block(a, size))
            return NULL;
    }
    void *p = a->cur->data + a->cur->used;
    a->cur->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

arena_mark arena_save(const arena *a)
{
    arena_mark m = { a->cur, a->cur ? a->cur->used : 0 };
    return m;
}

void arena_restore(arena *a, arena_mark m)
{
    if (!m.block) {
        arena_reset(a);
        return;
    }
    a->cur = m.block;
    a->cur->used = m.used;
}

void arena_reset(arena *a)
{
    a->cur = a->first;
    if (a->cur)
        a->cur->used = 0;
}
