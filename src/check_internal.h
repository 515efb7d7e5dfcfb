/* check_internal.h - what the checker's files share, and nothing else uses.
 *
 * The checker is four files, one a stage of program_check:
 *   check.c      the entry point; declaring names, scopes, lookups and
 *                suggestions, and the helpers every stage reports with;
 *   typecheck.c  expressions, calls and shipments: the check_expr family,
 *                and declarations checked on first use;
 *   rules.c      the rules of the policy: windows, groups' countries, rate
 *                tables and schedules, the clauses of measures, pauses and
 *                concessions, scenarios, tests and statements, and the
 *                checks of the whole policy (`replaces` cycles, unused
 *                definitions);
 *   analysis.c   W103 and W104, on a policy that checked clean.
 * This header is theirs alone: it is not installed and no other stage
 * includes it.  What later stages may use is in check.h.
 */
#ifndef LEVY_CHECK_INTERNAL_H
#define LEVY_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "arena.h"
#include "sets.h"

/* ---- Fixed names (check.c) ------------------------------------------------- */

struct field_def {
    const char *name;
    type ty;
};
extern const struct field_def builtin_fields[F_BUILTIN_COUNT];

struct builtin_def {
    const char *name;
    int min_args, max_args;
    const char *usage;
};
extern const struct builtin_def builtins[B_BUILTIN_COUNT];

/* builtin_lookup / builtin_field_lookup: the number of a built-in function
 * or field by name, or -1. */
int builtin_lookup(const char *name);
int builtin_field_lookup(const char *name);

/* ---- Declaration classes (check.c) ----------------------------------------- */

/* The classes of named declaration (decl_class, DC_*) are program.h's,
 * generated from decl_kinds.def. */

/* Candidates for suggestions: declaration classes as bits, and these. */
#define CAND_DECLS ((1u << DC_COUNT) - 1)
#define CAND_FIELDS (1u << DC_COUNT)
#define CAND_BUILTINS (1u << (DC_COUNT + 1))
#define CAND_UNITS (1u << (DC_COUNT + 2))
#define CAND_BIT(dc) (1u << (dc))

/* "a group", "an attribute": what a declaration is, for messages. */
const char *decl_phrase(const node *d);
/* "a bool", "money": what a value of type t is, for messages. */
const char *type_phrase(type t);

/* ---- The checker's state ---------------------------------------------------- */

typedef struct decl_info {
    int uses;      /* references resolved to the declaration */
    int root_refs; /* names in root files spelling it: ranks suggestions */
} decl_info;

typedef struct checker {
    program *p;
    diag_list *diags;
    decl_info *info[DC_COUNT];
    size_t ninfo[DC_COUNT];
    node **locals; /* the lets of the test or `under` block being checked */
    size_t nlocals, cap_locals;
    bool quiet_unknown; /* a file did not parse: its names would be missing */
    bool out_of_memory;
    /* The countries of each group and let, computed on demand (for by-origin tables
       and modifiers' scopes), in group_mem until the check ends; country
       sets needed only while folding are in scratch, given back by mark. */
    arena group_mem, scratch;
    const bitset **group_sets;
    unsigned char *group_set_state; /* 0 not yet, 1 busy, 2 done, 3 not constant */
    size_t ngroup_sets;
    int depth;     /* of check_expr calls, lazy checks included */
    bool too_deep; /* reported: stop descending */
} checker;

/* Where an expression is: whose names are visible, and whether the
 * shipment's fields are. */
typedef struct ctx {
    node *scenario;    /* its own declarations are visible; NULL for none */
    size_t local_base; /* the visible lets are locals[local_base..nlocals) */
    bool shipment;     /* shipment fields may be used */
} ctx;

/* info_of: what the checker counts about declaration d, or NULL for a
 * declaration that is not numbered. */
decl_info *info_of(checker *ck, const node *d);
void note_use(checker *ck, const node *d);
/* push_list: appends n to list, noting when memory runs out. */
void push_list(checker *ck, node_list *list, node *n);
const source_text *source_of(const checker *ck, span at);
/* The span of the first word of n (a keyword such as `base`, `import`). */
span keyword_span(const checker *ck, const node *n);
/* The span of a declaration's name: after its keyword on the first line
 * (`measure baseline ...`), or the keyword when the name is elsewhere. */
span name_span(const checker *ck, const node *d);
/* The source text of a one-line span, shortened for a message. */
const char *snippet(const checker *ck, span at, char *buf, size_t n);
/* A sub-span: the last `len` columns of a one-line span (the unit of
 * `$0.05 per kg`). */
span tail_span(span s, size_t len);

diagnostic *error_at(checker *ck, const char *code, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- Suggestions (check.c) ------------------------------------------------- */

bool equal_ignoring_case(const char *a, const char *b);

/* The best candidate so far.  Lower is better on each key in turn: the
 * distance (a case-only difference counts as 0), whether the candidate is
 * of a kind the context prefers, how often root files use it (CX is more
 * likely a slip for the CN the policy names than for CA), the name. */
typedef struct suggestion {
    const char *target;
    int limit;
    const char *best;
    int dist, mismatch, refs;
} suggestion;

void suggestion_init(suggestion *s, const char *target);
void consider(suggestion *s, const char *cand, bool preferred, int refs);
/* The name visible from cx closest to `name`, or NULL. */
const char *suggest_in(checker *ck, const ctx *cx, const char *name, unsigned accept,
                       unsigned prefer);
/* Adds "did you mean 'X'?" at the error's own span. */
void add_suggestion(diagnostic *d, const char *best);
/* As add_suggestion, for a declared name visible from cx. */
void suggest_decl(checker *ck, const ctx *cx, diagnostic *d, const char *best);

/* ---- Scopes and declaring names (check.c) ---------------------------------- */

/* The declaration `name` means at cx: a let of the test, a declaration of
 * the scenario, or a global one. */
node *lookup_decl(const checker *ck, const ctx *cx, const char *name);
/* field_lookup: the field number of `name` (and its N_ATTRIBUTE, if it is
 * one), or -1. */
int field_lookup(const program *p, const char *name, node **attribute);
/* reserved_name: reports a declaration whose name is reserved; true then. */
bool reserved_name(checker *ck, node *d);
void report_duplicate(checker *ck, node *d, const node *prev, bool in_scenario);

/* ---- Expressions (typecheck.c) --------------------------------------------- */

/* require: e (of type t) must have type want; fmt has one %s for what it
 * has.  Unknown types were reported where they arose. */
void require(checker *ck, const node *e, type t, type want, const char *fmt);
void require_set(checker *ck, const node *e, type t, type kind, const char *fmt);
void cycle_error(checker *ck, const node *e, const node *d);
void unknown_name(checker *ck, const ctx *cx, const node *e, type want);

/* What a name in a non-value position must name. */
typedef enum ref_want {
    REF_MEASURE,
    REF_MODIFIER,
    REF_COMMITMENT,
    REF_SCENARIO,
    REF_COUNTRY,
    REF_DROP
} ref_want;

/* resolve_ref: the declaration a name in a non-value position means
 * (`suspend M`, `commits(c, C)`, `under S` ...), or NULL after an error.
 * `drop` names a declaration of the policy, never one of the scenario. */
node *resolve_ref(checker *ck, const ctx *cx, node *name, ref_want want);
/* check_expr: resolves the names in e, infers its type (also left in
 * e->ty) and marks what depends on the shipment.  want is what the context
 * expects, as a hint only: it decides what `all` means and lets unit names
 * through; callers check the type they need. */
type check_expr(checker *ck, const ctx *cx, node *e, type want);
/* ensure_checked: checks a let, group, product set or attribute default
 * unless done already; false when it is being checked (it was reached
 * again from its own definition). */
bool ensure_checked(checker *ck, node *d);

/* ---- Policy rules (rules.c) ------------------------------------------------- */

/* Lets are followed a bounded number of times: a cycle of lets is an error
 * of its own and must not hang the folding. */
#define FOLD_DEPTH 64
/* check_through_lets: the expression a name of a let stands for, through
 * lets of lets (at most FOLD_DEPTH); e itself when it names no let. */
const node *check_through_lets(const node *e);

/* Days [lo, hi), as 64-bit numbers so that "always" fits. */
typedef struct interval {
    int64_t lo, hi;
} interval;

/* window_interval: the days of a constant window (NULL: always); false
 * when it is not constant. */
bool window_interval(const node *w, interval *iv);
/* Does some rate window of measure m meet the window w? */
bool windows_meet(const node *m, interval w);
/* country_set: an empty set over the program's countries, in r; NULL
 * (and ck->out_of_memory) when memory ran out. */
bitset *country_set(checker *ck, arena *r);
/* fold_countries: adds the countries of a constant country-set expression
 * to out; false when it is not constant. */
bool fold_countries(checker *ck, const node *e, bitset *out, int depth);
/* The countries of group g, computed once; NULL when not constant. */
const bitset *group_countries(checker *ck, const node *g);
/* find_clause: the first clause of kind k of declaration d, or NULL. */
const node *find_clause(const node *d, node_kind k);

/* check_file: every declaration, test and statement of one file. */
void check_file(checker *ck, node *prog);
/* Checks that need every measure checked first. */
void check_rule_reach(checker *ck, const node *prog);
/* A cycle of `replaces` is an error only if all its edges hold on one day
 * (see rules.c); for measures numbered first_new and after. */
void check_replaces_cycles(checker *ck, size_t first_new);
/* warn_unused: definitions of a root file that nothing uses. */
void warn_unused(checker *ck, const node *prog);
/* Counts the names in a root file that spell each global declaration, to
 * rank suggestions ("CX": the policy's CN rather than the stdlib's CA). */
void count_root_refs(checker *ck, const node *n, int depth);

/* ---- Static analysis (analysis.c) ------------------------------------------ */

/* W103 and W104, on a policy that checked clean (they reason about what
 * the policy means, which errors leave unsettled).  Reported for
 * declarations loaded since the last check. */
void check_policy_meaning(checker *ck, size_t first_measure, size_t first_modifier);

#endif
