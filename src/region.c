/* region.c - scratch memory with marks (see region.h). */
#include "region.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Large enough that evaluating a shipment rarely needs a second block. */
#define REGION_BLOCK_SIZE 16384

struct region_block {
    region_block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

void region_init(region *r)
{
    r->first = r->cur = NULL;
    r->failed = false;
}

void region_free(region *r)
{
    region_block *b = r->first;
    while (b) {
        region_block *next = b->next;
        free(b);
        b = next;
    }
    region_init(r);
}

static region_block *block_new(size_t at_least)
{
    size_t size = at_least > REGION_BLOCK_SIZE ? at_least : REGION_BLOCK_SIZE;
    region_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

/* next_block: moves r->cur to a block with room for size bytes, reusing
 * the blocks a restore gave back before allocating a new one. */
static bool next_block(region *r, size_t size)
{
    region_block *next = r->cur ? r->cur->next : r->first;
    if (next && next->size >= size) {
        next->used = 0;
        r->cur = next;
        return true;
    }
    region_block *b = block_new(size);
    if (!b) {
        r->failed = true;
        return false;
    }
    b->next = next;
    if (r->cur)
        r->cur->next = b;
    else
        r->first = b;
    r->cur = b;
    return true;
}

void *region_alloc(region *r, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2) {
        r->failed = true;
        return NULL;
    }
    size = (size + align - 1) & ~(align - 1);
    if (!r->cur || r->cur->size - r->cur->used < size) {
        if (!next_block(r, size))
            return NULL;
    }
    void *p = r->cur->data + r->cur->used;
    r->cur->used += size;
    memset(p, 0, size);
    return p;
}

char *region_strndup(region *r, const char *s, size_t n)
{
    char *p = region_alloc(r, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

region_mark region_save(const region *r)
{
    region_mark m = { r->cur, r->cur ? r->cur->used : 0 };
    return m;
}

void region_restore(region *r, region_mark m)
{
    if (!m.block) {
        region_reset(r);
        return;
    }
    r->cur = m.block;
    r->cur->used = m.used;
}

void region_reset(region *r)
{
    r->cur = r->first;
    if (r->cur)
        r->cur->used = 0;
}

