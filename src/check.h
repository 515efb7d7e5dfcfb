/* check.h - loading, name resolution, types and static checks.
 *
 * A `program` is every declaration of the files a user named and of the
 * libraries they import, parsed, resolved and typed.  The checker leaves on
 * each node what later stages need (see ast.h): `ty` on every expression,
 * `sym`/`ref`/`index` on every name, a dense `index` on every declaration.
 * Nothing here evaluates a shipment; constant folding of dates in windows is
 * the one exception, so that windows can be checked for overlap.
 */
#ifndef LEVY_CHECK_H
#define LEVY_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* A name table: open addressing over interned strings. */
typedef struct symtab_entry {
    const char *name;
    node *decl;
} symtab_entry;

typedef struct symtab {
    symtab_entry *slots;
    size_t count, cap;
} symtab;

void symtab_init(symtab *t);
void symtab_free(symtab *t);
node *symtab_get(const symtab *t, const char *name);
/* symtab_put: adds or replaces; false when out of memory. */
bool symtab_put(symtab *t, const char *name, node *decl);

typedef struct load_options {
    const char *const *search_path; /* extra folders (LEVY_PATH), NULL-terminated; may be NULL */
    const char *stdlib_dir;         /* the standard library's folder; NULL for none */
} load_options;

/* Every declaration of one kind, numbered: decl->index is its position. */
typedef struct decl_table {
    node_list countries;   /* N_COUNTRY: index = country number, 0.. */
    node_list groups;      /* N_GROUP */
    node_list products;    /* N_PRODUCTS */
    node_list lets;        /* N_LET at top level or in scenarios */
    node_list attributes;  /* N_ATTRIBUTE: its field number is F_BUILTIN_COUNT + index */
    node_list schedules;   /* N_SCHEDULE */
    node_list measures;    /* N_MEASURE */
    node_list modifiers;   /* N_PAUSE and N_CONCESSION, one numbering */
    node_list commitments; /* N_COMMITMENT */
    node_list commits;     /* N_COMMIT */
    node_list scenarios;   /* N_SCENARIO */
    node_list tests;       /* N_TEST of the root files (not of imports) */
} decl_table;

typedef struct program {
    arena *arena;              /* owns every node; borrowed */
    source_set *sources;       /* borrowed */
    node_list files;           /* N_PROGRAM of each file, imports included */
    node_list roots;           /* N_PROGRAM of the files the user named */
    /* Statements to run, in order: the N_EXPR_STMT and N_UNDER of the root
       files (imports contribute declarations only). */
    node_list statements;
    decl_table decls;
    symtab globals;            /* every top-level name -> its declaration */
    node *importer;            /* N_IMPORTER or NULL */
} program;

/* Declarations inside a scenario are numbered with the others (a scenario's
 * measure is in decls.measures) and have `ref` pointing at their
 * N_SCENARIO; their names are visible only inside that scenario and in
 * `under` blocks naming it.  Everything else has ref == NULL. */

void program_init(program *p, arena *a, source_set *srcs);
void program_free(program *p);

/* program_load_file / program_load_text: parse a root source and everything
 * it imports (each library once, by resolved path), adding diagnostics.
 * Returns false when the file could not be read or did not parse. */
bool program_load_file(program *p, const char *path, const load_options *opts,
                       diag_list *diags);
bool program_load_text(program *p, const char *name, const char *text, size_t len,
                       const load_options *opts, diag_list *diags);

/* program_check: resolve and type everything loaded so far; static checks
 * (errors and warnings).  Returns false when any error was found. */
bool program_check(program *p, diag_list *diags);

/* check_suggest: the declared name closest to `name` (for "did you mean"),
 * or NULL. */
const char *check_suggest(const program *p, const char *name);

/* field_name: the name of field number f ("origin", ..., or an attribute). */
const char *field_name(const program *p, int f);

#endif
