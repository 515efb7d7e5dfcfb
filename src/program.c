/* program.c - a program's tables: made empty, and freed. */
#include "program.h"

#include <string.h>

/* ---- Programs ------------------------------------------------------------ */

void program_init(program *p, arena *a, source_set *srcs) {
    memset(p, 0, sizeof *p);
    p->arena = a;
    p->sources = srcs;
    symtab_init(&p->globals);
    symtab_init(&p->scenario_names);
    symtab_init(&p->loaded);
}

void program_free(program *p) {
    /* Nodes and node lists live in the arena; only the tables are ours. */
    symtab_free(&p->globals);
    symtab_free(&p->scenario_names);
    symtab_free(&p->loaded);
    arena *a = p->arena;
    source_set *srcs = p->sources;
    memset(p, 0, sizeof *p);
    p->arena = a;
    p->sources = srcs;
}
