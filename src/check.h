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
    /* Texts to use instead of reading a file again, found by resolved path
       (the sources of an earlier load); NULL to read every file.  The REPL
       passes its last good policy's sources, so that a file edited into a
       broken state does not break what was already loaded. */
    const source_set *cache;
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
    /* N_LET inside tests and `under` blocks (flags has LET_LOCAL): index =
       position here.  They are not in `lets` and have ref == NULL. */
    node_list local_lets;
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
    /* A scenario's own names: the key is "SCENARIO.NAME" (names have no
       dots); see check_scenario_lookup. */
    symtab scenario_names;
    symtab loaded;             /* resolved path of each file read -> its N_PROGRAM */
    bool incomplete;           /* some file did not parse: its names are missing,
                                  so unknown names are not reported */
} program;

/* Bits in node->flags that the loader and the checker set on nodes whose
 * flags are otherwise unused (see ast.h). */
enum check_flags {
    PROGRAM_ROOT = 1,       /* N_PROGRAM: a file the user named */
    PROGRAM_FAILED = 2,     /* N_PROGRAM: did not parse (not in p->files) */
    PROGRAM_CHECKED = 4,    /* N_PROGRAM: program_check has been through it */
    LET_LOCAL = 1,          /* N_LET: inside a test or an `under` block */
    DECL_BUSY = 1 << 8,     /* internal to check.c: being checked */
    DECL_DONE = 1 << 9      /* internal to check.c: checked */
};

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

/* What else the checker leaves on nodes, beyond ast.h:
 *   - declarations: `ty` is their type (N_LET: its value's; N_ATTRIBUTE: the
 *     attribute's; N_GROUP T_COUNTRY_SET; N_PRODUCTS T_PRODUCT_SET;
 *     N_COUNTRY T_COUNTRY; N_SCHEDULE T_SCHEDULE; N_MEASURE T_MEASURE;
 *     N_PAUSE/N_CONCESSION T_MODIFIER; N_COMMITMENT T_COMMITMENT;
 *     N_SCENARIO T_SCENARIO).  A top-level or scenario N_LET whose value
 *     uses the shipment (a derived field) has uses_shipment set.
 *   - N_NAME of an attribute: sym SYM_FIELD, index F_BUILTIN_COUNT + its
 *     number, and ref the N_ATTRIBUTE.
 *   - N_NAME naming a measure, modifier, commitment or scenario (suspend,
 *     replaces, applies, commits, under, drop, overrides, commit ...):
 *     sym SYM_DECL, ref, and ty T_MEASURE / T_MODIFIER / T_COMMITMENT /
 *     T_SCENARIO.  An N_NAME that is a schedule in an expression has type
 *     T_RATE: the shipment's looked-up rate.
 *   - N_DOT and N_FIELD_INIT: sym SYM_FIELD and index = the field number.
 *   - N_SPECIFIC: index = its `unit` (rate.h).
 *   - N_ENTRY: the key has sym/ref (a country or group) or is N_HS /
 *     N_HS_RANGE; the entry's ty is T_RATE.
 *   - has(F): the argument N_NAME has sym SYM_FIELD and index (it is not
 *     evaluated).
 *   - timeline(s, from, until): the window is given as two dates.
 */

/* Expressions nest at most this deep in a program that checked clean
 * (the lets an expression uses count too), so stages that recurse over
 * them need no guard of their own.  Deeper ones are an error (E202). */
#define CHECK_MAX_DEPTH 1000

/* check_suggest: the declared name closest to `name` (for "did you mean"),
 * or NULL. */
const char *check_suggest(const program *p, const char *name);

/* field_name: the name of field number f ("origin", ..., or an attribute). */
const char *field_name(const program *p, int f);
/* check_field_lookup: the field number of a built-in field or attribute
 * named `name`, or -1. */
int check_field_lookup(const program *p, const char *name);
/* check_field_type: the type of field number f (T_UNKNOWN if none). */
type check_field_type(const program *p, int f);
/* builtin_name: "has", "rate", ... */
const char *builtin_name(builtin_id b);

/* check_scenario_lookup: the declaration named `name` inside `scenario`
 * (an N_SCENARIO), or NULL; global names are in p->globals. */
node *check_scenario_lookup(const program *p, const node *scenario, const char *name);

/* Constant dates.  After checking, the dates of every window are constant:
 * date literals, lets of constant dates, and date +/- duration of those.
 * check_const_date / check_const_duration fold such an expression; false
 * when it is not constant (or overflows). */
bool check_const_date(const node *e, date *out);
bool check_const_duration(const node *e, duration *out);
/* check_window_bounds: the days [*from, *until_excl) of an N_WINDOW; for
 * `effective D` alone *open_ended is true and *until_excl is left as is.
 * `through E` ends after E; `for N days` at D + N days.  false when the
 * window is not constant (never after a clean check). */
bool check_window_bounds(const node *window, date *from, date *until_excl, bool *open_ended);

#endif
