/* symtab.c - the name table: open addressing over interned strings. */
#include "symtab.h"

#include <stdint.h>
#include <string.h>

/* ---- The name table ------------------------------------------------------ */

/* FNV-1a: short identifiers hash well with it and it needs no state. */
static size_t hash_name(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return (size_t)h;
}

void symtab_init(symtab *t, const mem *m)
{
    t->slots = NULL;
    t->count = t->cap = 0;
    t->mem = mem_or_libc(m);
}

void symtab_free(symtab *t)
{
    mem_free(t->mem, t->slots);
    symtab_init(t, t->mem);
}

/* The slot holding name, or the empty slot where it would go.  cap is a
 * power of two and the table is never full, so the probe ends. */
static symtab_entry *symtab_slot(const symtab *t, const char *name)
{
    size_t mask = t->cap - 1;
    size_t i = hash_name(name) & mask;
    while (t->slots[i].name && strcmp(t->slots[i].name, name) != 0)
        i = (i + 1) & mask;
    return &t->slots[i];
}

node *symtab_get(const symtab *t, const char *name)
{
    if (t->cap == 0 || !name)
        return NULL;
    symtab_entry *e = symtab_slot(t, name);
    return e->name ? e->decl : NULL;
}

static bool symtab_grow(symtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    symtab_entry *old = t->slots;
    size_t old_cap = t->cap;
    t->slots = mem_calloc(t->mem, cap, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return false;
    }
    t->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].name)
            *symtab_slot(t, old[i].name) = old[i];
    mem_free(t->mem, old);
    return true;
}

bool symtab_put(symtab *t, const char *name, node *decl)
{
    /* Keep the load factor under 3/4 so probes stay short. */
    if ((t->count + 1) * 4 > t->cap * 3 && !symtab_grow(t))
        return false;
    symtab_entry *e = symtab_slot(t, name);
    if (!e->name) {
        e->name = name;
        t->count++;
    }
    e->decl = decl;
    return true;
}
