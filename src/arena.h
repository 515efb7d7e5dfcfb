/* arena.h - a bump allocator for everything that lives as long as a parse.
 *
 * AST nodes, their strings and the checker's tables are allocated here and
 * freed at once with arena_free, so a failed parse leaks nothing and no node
 * needs its own free.
 */
#ifndef LEVY_ARENA_H
#define LEVY_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *head;
    size_t total; /* bytes handed out, for statistics */
} arena;

void arena_init(arena *a);
void arena_free(arena *a);
/* arena_alloc: zeroed memory aligned for any object; NULL when out of memory. */
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

#endif
