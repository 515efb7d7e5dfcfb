/* region.h - scratch memory for evaluation: bump allocation with marks.
 *
 * Values built while evaluating a shipment (sets, shipments, explanations)
 * live in a region.  region_save/region_restore give back everything after
 * a mark without calling free, and blocks are kept for reuse, so a warm
 * evaluation loop calls no malloc at all.  (The arena, arena.h, is the
 * simpler allocator for what lives as long as a parse.)
 */
#ifndef LEVY_REGION_H
#define LEVY_REGION_H

#include <stdbool.h>
#include <stddef.h>

typedef struct region_block region_block;

typedef struct region {
    region_block *first; /* blocks in order; kept for reuse after a restore */
    region_block *cur;   /* the block being filled */
    bool failed;         /* an allocation failed since init */
} region;

typedef struct region_mark {
    region_block *block;
    size_t used;
} region_mark;

void region_init(region *r);
void region_free(region *r);
/* region_alloc: zeroed memory aligned for any object; NULL when out of
 * memory (and r->failed is set). */
void *region_alloc(region *r, size_t size);
char *region_strndup(region *r, const char *s, size_t n);
/* region_save / region_restore: everything allocated after the save is
 * given back (its blocks are kept for the next allocations). */
region_mark region_save(const region *r);
void region_restore(region *r, region_mark m);
/* region_reset: gives back everything. */
void region_reset(region *r);

#endif
