/* program.h - a program: the declarations of the files loaded, numbered.
 *
 * A `program` is every declaration of the files a user named and of the
 * libraries they import.  The loader (load.h) fills it with parsed files;
 * the checker (check.h) resolves, types and numbers what is in it.  The
 * kinds of declaration and the classes they are numbered in are
 * decl_kinds.def's; the functions at the end are generated from it.
 */
#ifndef LEVY_PROGRAM_H
#define LEVY_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "symtab.h"

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
    /* N_LET inside tests and `under` blocks (flags has LET_LOCAL): index =
       position here.  They are not in `lets` and have ref == NULL. */
    node_list local_lets;
} decl_table;

typedef struct program {
    arena *arena;        /* owns every node; borrowed */
    source_set *sources; /* borrowed */
    node_list files;     /* N_PROGRAM of each file, imports included */
    node_list roots;     /* N_PROGRAM of the files the user named */
    /* Statements to run, in order: the N_EXPR_STMT and N_UNDER of the root
       files (imports contribute declarations only). */
    node_list statements;
    decl_table decls;
    symtab globals; /* every top-level name -> its declaration */
    node *importer; /* N_IMPORTER or NULL */
    /* A scenario's own names: the key is "SCENARIO.NAME" (names have no
       dots); see check_scenario_lookup. */
    symtab scenario_names;
    symtab loaded;   /* resolved path of each file read -> its N_PROGRAM */
    bool incomplete; /* some file did not parse: its names are missing,
                                  so unknown names are not reported */
    /* The folders (resolved) a policy may read files in: the roots'
       folders, the search path, the standard library and --allow-read's
       (program_allow_read); imports and schedule files elsewhere are E704. */
    const char **read_dirs;
    size_t nread_dirs, cap_read_dirs;
} program;

/* Bits in node->flags that the loader and the checker set on nodes whose
 * flags are otherwise unused (see ast.h). */
enum check_flags {
    PROGRAM_ROOT = 1,    /* N_PROGRAM: a file the user named */
    PROGRAM_FAILED = 2,  /* N_PROGRAM: did not parse (not in p->files) */
    PROGRAM_CHECKED = 4, /* N_PROGRAM: program_check has been through it */
    LET_LOCAL = 1,       /* N_LET: inside a test or an `under` block */
    DECL_BUSY = 1 << 8,  /* internal to the checker: being checked */
    DECL_DONE = 1 << 9   /* internal to the checker: checked */
};

/* Declarations inside a scenario are numbered with the others (a scenario's
 * measure is in decls.measures) and have `ref` pointing at their
 * N_SCENARIO; their names are visible only inside that scenario and in
 * `under` blocks naming it.  Everything else has ref == NULL. */

void program_init(program *p, arena *a, source_set *srcs);
void program_free(program *p);
/* program_allow_read: the folder dir (resolved here; one that does not
 * resolve is left out) and all below it may be read; false when out of
 * memory. */
bool program_allow_read(program *p, const char *dir);
/* program_may_read: is the file at path (resolved here, symbolic links
 * followed) in a folder the policy may read?  True when it does not
 * resolve: opening it will say why. */
bool program_may_read(const program *p, const char *path);

/* ---- Kinds and classes of declaration (decl_kinds.def) ------------------- */

/* The classes of named declaration, each numbered in its decl_table list
 * (pauses and concessions share one); DC_NONE for the other kinds. */
typedef enum decl_class {
    DC_NONE = -1,
/* clang-format off */
#define DECL_CLASS(CLASS, member, type, compiled) DC_##CLASS,
#include "decl_kinds.def"
    /* clang-format on */
    DC_COUNT
} decl_class;

/* decl_kind_class: the class declarations of kind k are numbered in, or
 * DC_NONE. */
decl_class decl_kind_class(node_kind k);
/* decl_class_of: the class d is numbered in, or DC_NONE: its kind's, but
 * a let inside a test or `under` block (LET_LOCAL) is in none. */
decl_class decl_class_of(const node *d);
/* decl_class_list: the list of t that class dc (not DC_NONE) is numbered
 * in: t's own (as strchr, it is writable when t is). */
node_list *decl_class_list(const decl_table *t, decl_class dc);
/* decl_kind_list: the list of t that declarations of kind k are numbered
 * in (commits and tests too), or NULL. */
const node_list *decl_kind_list(const decl_table *t, node_kind k);
/* decl_class_per_scenario: does the compiler keep, per scenario, which
 * declarations of class dc stand in for others or are left out? */
bool decl_class_per_scenario(decl_class dc);
/* decl_class_type: the type of a name of class dc as soon as it is
 * declared, or T_UNKNOWN when the checker finds it later. */
type decl_class_type(decl_class dc);
/* decl_kind_in_scenario: may a scenario declare a kind k of its own? */
bool decl_kind_in_scenario(node_kind k);
/* decl_kind_keyword: the word that begins a declaration of kind k
 * ("measure"), or NULL for another kind. */
const char *decl_kind_keyword(node_kind k);
/* decl_kind_phrase: "a measure", "an attribute": what a declaration of
 * kind k is called in messages; "a declaration" for another kind. */
const char *decl_kind_phrase(node_kind k);
/* decl_list_kind: the i-th kind of declaration that can be listed
 * ("measures"), in the order of decl_kinds.def, with its node kind in
 * *kind; NULL past the end. */
const char *decl_list_kind(size_t i, node_kind *kind);

#endif
