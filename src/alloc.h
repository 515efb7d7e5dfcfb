/* alloc.h - the one door to the heap: every allocation the library makes
 * for a policy or a session goes through a `mem`.
 *
 * A mem is the host's allocator function (levy_config.alloc, Lua-style:
 * new_size 0 frees, NULL is failure) and its userdata, or the C library's
 * when the host gives none.  There is no global allocator: each owning
 * structure (arena, strbuf, symtab, source_set, diag_list, the compiled
 * policy...) keeps a `const mem *` to the one it was made with, and frees
 * with it.  The host's function is told the exact size of a block when
 * it is resized or freed, so callers here free without knowing it: a
 * block from a host allocator carries its size in a small header.
 */
#ifndef LEVY_ALLOC_H
#define LEVY_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

typedef void *(*mem_fn)(void *userdata, void *ptr, size_t old_size, size_t new_size);

typedef struct mem {
    mem_fn fn; /* NULL: the C library's malloc, realloc and free */
    void *userdata;
    /* When not NULL, counts the allocations that failed, so that a public
       call can tell "out of memory" from the errors it led to (a lost
       declaration, a diagnostic about it): see api.c. */
    size_t *failures;
} mem;

/* mem_libc: the C library's allocator (const: there is no mutable global). */
extern const mem mem_libc;

/* mem_or_libc: m, or mem_libc when m is NULL. */
const mem *mem_or_libc(const mem *m);

/* mem_alloc: size bytes (uninitialised), NULL when out of memory.
 * mem_calloc: n zeroed objects of size bytes (NULL on overflow too).
 * mem_realloc: as realloc (p may be NULL; on failure p is unchanged).
 * mem_free: gives p back (NULL is fine).  m may be NULL in each: the C
 * library's. */
void *mem_alloc(const mem *m, size_t size);
void *mem_calloc(const mem *m, size_t n, size_t size);
void *mem_realloc(const mem *m, void *p, size_t size);
void mem_free(const mem *m, void *p);
char *mem_strdup(const mem *m, const char *s);
/* mem_grow: makes room for one more element in a growable array: when
 * n == *cap, the array (*array_ptr, of elements of elem_size bytes) is
 * reallocated to twice *cap elements, or `first` when it has none.  false
 * when out of memory or when the size would overflow; the array is then
 * unchanged.  array_ptr is the address of the caller's `T *`. */
bool mem_grow(const mem *m, void *array_ptr, size_t *cap, size_t n, size_t elem_size, size_t first);
char *mem_strndup(const mem *m, const char *s, size_t n);

#endif
