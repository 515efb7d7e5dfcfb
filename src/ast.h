/* ast.h - the syntax tree.
 *
 * One node type for every construct; its kind says which fields are used
 * (the table below).  Nodes live in an arena and keep their source span.
 * The parser fills the syntactic fields; the checker (check.c) fills `ty`,
 * `ref`, `sym` and `index`, which later stages rely on.
 */
#ifndef LEVY_AST_H
#define LEVY_AST_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "date.h"
#include "decimal.h"
#include "diag.h"
#include "hs.h"
#include "strbuf.h"

typedef struct node node;

typedef struct node_list {
    node **v;
    size_t n, cap;
} node_list;

/* Node kinds, with the fields each uses.
 *   name: identifier, declared name, field name or string value
 *   desc: the description string of a declaration
 */
typedef enum node_kind {
    /* Statements and declarations */
    N_PROGRAM,    /* items: statements */
    N_IMPORT,     /* name: library name or path; flags: IMPORT_PATH */
    N_IMPORTER,   /* a: N_NAME of the country */
    N_COUNTRY,    /* name, desc (the country's name) */
    N_GROUP,      /* name, desc, a: set expression */
    N_PRODUCTS,   /* name, desc, a: set expression */
    N_LET,        /* name, a: expression */
    N_ATTRIBUTE,  /* name, desc, a: N_NAME of the type, b: default or NULL */
    N_SCHEDULE,   /* name, desc, items: N_ENTRY (inline) or
                      b: N_STRING file path, c: N_STRING column or NULL */
    N_MEASURE,    /* name, desc, items: clauses */
    N_PAUSE,      /* name, desc, items: clauses */
    N_CONCESSION, /* name, desc, items: clauses */
    N_COMMITMENT, /* name, desc */
    N_COMMIT,     /* a: country set expression, b: N_NAME commitment,
                      c: N_WINDOW or NULL */
    N_SCENARIO,   /* name, desc, items: declarations and N_DROP */
    N_DROP,       /* items: N_NAME */
    N_TEST,       /* name: the test's title, items: N_LET, N_EXPECT, N_UNDER */
    N_EXPECT,     /* a: bool expression */
    N_UNDER,      /* a: N_NAME of the scenario, items: statements */
    N_EXPR_STMT,  /* a: expression (top level: evaluate and print) */

    /* Clauses of measures, pauses and concessions */
    N_ON,        /* a: product set */
    N_FROM,      /* a: country set */
    N_WHEN,      /* a: bool expression */
    N_RATE,      /* a: rate expression, b: N_WINDOW or NULL */
    N_RATE_BY,   /* flags: BY_ORIGIN or BY_PRODUCT, items: N_ENTRY,
                      b: N_WINDOW or NULL; flags 0 and a: the N_NAME
                      written after 'by' when it is neither */
    N_BASE,      /* a: money expression */
    N_REPLACES,  /* items: N_NAME, b: N_WINDOW or NULL */
    N_CITATION,  /* name: the citation text */
    N_SUSPEND,   /* items: N_NAME (measures), flags: SUSPEND_ALL (then items
                      are the exceptions), a: rate (`to R`) or NULL */
    N_SET_TO,    /* a: N_NAME measure, b: rate */
    N_CAP,       /* a: N_NAME measure, b: rate */
    N_REDUCE,    /* a: N_NAME measure, b: rate */
    N_EFFECTIVE, /* b: N_WINDOW (the window of a pause or concession) */
    N_OVERRIDES, /* items: N_NAME */

    N_ENTRY,      /* a: key (country/group name or product code), b: rate */
    N_WINDOW,     /* flags: WIN_FROM, WIN_UNTIL, WIN_THROUGH or WIN_FOR;
                      a: start date, b: end date or duration (NULL for WIN_FROM) */
    N_FIELD_INIT, /* name: field, a: value */

    /* Expressions */
    N_NAME,     /* name */
    N_NUMBER,   /* v.num */
    N_PERCENT,  /* v.num (a fraction: 25% is 0.25) */
    N_MONEY,    /* v.num */
    N_DATE,     /* v.day */
    N_DURATION, /* v.dur */
    N_STRING,   /* name: the text, escapes resolved */
    N_BOOL,     /* flags: 1 for true */
    N_HS,       /* v.hs.lo */
    N_HS_RANGE, /* v.hs.lo, v.hs.hi (equal lengths checked by the checker) */
    N_ALL,      /* `all`: every country or every product, by context */
    N_SET,      /* items: elements */
    N_SPECIFIC, /* a: money expression, name: unit ("kg") -- `$0.05 per kg` */
    N_BINARY,   /* flags: op, a, b */
    N_UNARY,    /* flags: op, a */
    N_IF,       /* a: condition, b: then, c: else */
    N_CALL,     /* a: N_NAME of the function, items: arguments */
    N_DOT,      /* a: expression, name: field */
    N_WITH,     /* a: shipment expression, items: N_FIELD_INIT */
    N_SHIPMENT, /* items: N_FIELD_INIT */

    N_KIND_COUNT
} node_kind;

enum import_flags { IMPORT_PATH = 1 };
enum by_flags { BY_ORIGIN = 1, BY_PRODUCT = 2 };
enum suspend_flags { SUSPEND_ALL = 1 };
enum window_kind { WIN_FROM = 0, WIN_UNTIL, WIN_THROUGH, WIN_FOR };

typedef enum op {
    OP_ADD = 1,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IN,
    OP_EXCEPT,
    OP_AND,
    OP_OR,
    OP_NOT,
    OP_NEG
} op;

/* Types of expressions, inferred by the checker. */
typedef enum type {
    T_UNKNOWN = 0, /* not yet checked, or after an error (never reported twice) */
    T_BOOL,
    T_NUMBER,
    T_RATE,
    T_MONEY,
    T_DATE,
    T_DURATION,
    T_TEXT,
    T_COUNTRY,
    T_COUNTRY_SET,
    T_PRODUCT,
    T_PRODUCT_SET,
    T_SHIPMENT,
    T_EXPLANATION,
    T_TIMELINE,
    T_UNIT,      /* a unit of quantity: kg, l, ... */
    T_EMPTY_SET, /* `{}`: a set of either kind until context decides */
    T_MEASURE,
    T_MODIFIER,
    T_COMMITMENT,
    T_SCENARIO,
    T_SCHEDULE,
    T_TYPE_COUNT
} type;

const char *type_name(type t);

/* What a name refers to, set by the checker in node->sym. */
typedef enum symbol_kind {
    SYM_NONE = 0,
    SYM_DECL,    /* a declaration: ref points at it */
    SYM_FIELD,   /* a shipment field: index is the field number (field_id) */
    SYM_BUILTIN, /* a built-in function: index is its builtin_id */
    SYM_UNIT     /* a unit of quantity: index is its `unit` */
} symbol_kind;

/* Built-in shipment fields (attributes come after these). */
typedef enum field_id {
/* clang-format off */
#define FIELD(id, name, type, kind) id,
#include "fields.def"
    /* clang-format on */
    F_BUILTIN_COUNT
} field_id;

typedef enum builtin_id {
/* clang-format off */
#define BUILTIN(id, name, min_args, max_args, usage) id,
#include "builtins.def"
    /* clang-format on */
    B_BUILTIN_COUNT
} builtin_id;

struct node {
    node_kind kind;
    span at;
    const char *name;
    const char *desc;
    node *a, *b, *c;
    node_list items;
    int flags;
    union {
        dec num;
        date day;
        duration dur;
        struct {
            hs_code lo, hi;
        } hs;
    } v;
    /* Filled by the checker. */
    type ty;
    symbol_kind sym;
    node *ref;          /* SYM_DECL: the declaration named */
    int index;          /* SYM_FIELD/SYM_BUILTIN/SYM_UNIT: which; declarations:
                       dense number within their kind */
    bool uses_shipment; /* expressions: depends on the shipment's fields */
};

node *ast_new(arena *a, node_kind kind, span at);
/* ast_push: appends n to list (growing it in the arena); false when out of
 * memory. */
bool ast_push(arena *a, node_list *list, node *n);
const char *ast_kind_name(node_kind k);
const char *op_name(op o); /* "+", "and", ... */
/* ast_is_declaration: a statement that declares a name or changes the policy
 * (everything but N_EXPR_STMT and N_UNDER). */
bool ast_is_declaration(const node *n);

/* ast_dump: the tree as indented text, one node a line with its span, for
 * `levy parse --dump-ast` and tests. */
void ast_dump(FILE *out, const node *n);
/* ast_format: appends what ast_dump writes. */
void ast_format(strbuf *out, const node *n);

#endif
