/* arena.h - the one scratch allocator: bump allocation with marks.
 *
 * Everything that lives as long as a parse (AST nodes, their strings, the
 * checker's tables) is allocated in an arena and freed at once with
 * arena_free, so a failed parse leaks nothing and no node needs its own
 * free.  Values built while evaluating a shipment (sets, shipments,
 * explanations) live in an arena too: arena_save/arena_restore give back
 * everything after a mark without calling free, and blocks are kept for
 * reuse, so a warm evaluation loop calls no malloc at all.
 */
#ifndef LEVY_ARENA_H
#define LEVY_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "alloc.h"

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *first; /* blocks in order; kept for reuse after a restore */
    arena_block *cur;   /* the block being filled */
    bool failed;        /* an allocation failed since init */
    const mem *mem;     /* where its blocks come from */
} arena;

typedef struct arena_mark {
    arena_block *block;
    size_t used;
} arena_mark;

/* arena_init: an empty arena whose blocks come from m (NULL: the C
 * library's); m must outlive the arena. */
void arena_init(arena *a, const mem *m);
/* arena_free: gives every block back to its allocator (the arena stays
 * usable, with the same allocator). */
void arena_free(arena *a);
/* arena_alloc: zeroed memory aligned for any object; NULL when out of
 * memory (and a->failed is set). */
void *arena_alloc(arena *a, size_t size);
/* arena_strndup: a NUL-terminated copy of s[0..n). */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* arena_printf: a formatted string in the arena. */
char *arena_printf(arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* arena_save / arena_restore: everything allocated after the save is
 * given back (its blocks are kept for the next allocations). */
arena_mark arena_save(const arena *a);
void arena_restore(arena *a, arena_mark m);
/* arena_reset: gives back everything, keeping the blocks. */
void arena_reset(arena *a);

#endif
