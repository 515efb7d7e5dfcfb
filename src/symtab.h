/* symtab.h - the name table: declarations by name.
 *
 * Open addressing over interned strings (the arena's, which outlive the
 * table); the table owns its slots only.
 */
#ifndef LEVY_SYMTAB_H
#define LEVY_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "alloc.h"
#include "ast.h"

/* A name table: open addressing over interned strings. */
typedef struct symtab_entry {
    const char *name;
    node *decl;
} symtab_entry;

typedef struct symtab {
    symtab_entry *slots;
    size_t count, cap;
    const mem *mem; /* where the slots come from */
} symtab;

/* symtab_init: an empty table allocating from m (NULL: the C library). */
void symtab_init(symtab *t, const mem *m);
void symtab_free(symtab *t);
node *symtab_get(const symtab *t, const char *name);
/* symtab_put: adds or replaces; false when out of memory. */
bool symtab_put(symtab *t, const char *name, node *decl);

#endif
