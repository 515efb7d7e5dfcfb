/* eval.h - evaluating expressions and shipments against a compiled policy.
 *
 * Evaluating a shipment follows the normative order of the design (§4):
 * the measures that apply (window on `entered`, then `on`, `from`, `when`,
 * then a rate from the clause), the active modifiers (overrides first;
 * disagreeing modifiers are a conflict), replacements (no revival), then
 * amounts rounded half-up to the cent per measure (dec_mul_add_round).
 *
 * Evaluation does no I/O and prints nothing.  It allocates only in the
 * caller's arena (env->mem), never with malloc, and reads the index
 * without changing it, so threads may share one index, each with its own
 * arena.  (Only eval_prepare, which finishes an index that index_build
 * made, writes to an index: windows, sets, constant rates and the values
 * of constants, in the index's memory.)  For the caller's bookkeeping,
 * coverage_init allocates the coverage arrays and eval_error_to_diag
 * appends to a diagnostic list.
 *
 * Errors are values (eval_error); nothing here prints or exits.
 */
#ifndef LEVY_EVAL_H
#define LEVY_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "assessment.h"
#include "compile.h"
#include "diag.h"
#include "program.h"
#include "sets.h"
#include "value.h"

/* ---- Errors ---------------------------------------------------------------- */

#define EVAL_MAX_NOTES 2

typedef struct eval_note {
    span at;
    char message[256];
} eval_note;

typedef struct eval_error {
    const char *code; /* D_EVAL_* (diag_codes.h) */
    span at;          /* where: the expression or clause at fault */
    char message[512];
    size_t nnotes;
    eval_note notes[EVAL_MAX_NOTES];
    bool needs_shipment; /* internal: a field was read with no shipment */
} eval_error;

/* eval_error_to_diag: appends err to diags as an error diagnostic (with its
 * notes); returns it, or NULL when out of memory. */
diagnostic *eval_error_to_diag(const eval_error *err, diag_list *diags);

/* ---- Coverage ---------------------------------------------------------------- */

/* Which measures and modifiers evaluation has touched, by their decl index
 * (decls.measures, decls.modifiers).  A measure is touched when it applied
 * on a shipment (charged, or left out by a modifier or a replacement); a
 * modifier when it was active on a shipment. */
typedef struct eval_coverage {
    bool *measures;
    bool *modifiers;
    size_t nmeasures, nmodifiers;
    const mem *mem; /* the program's allocator */
} eval_coverage;

bool coverage_init(eval_coverage *c, const program *p);
void coverage_free(eval_coverage *c);

/* ---- Environments ---------------------------------------------------------- */

/* A value bound by a `let` inside a test or `under` block. */
typedef struct eval_local {
    const node *let; /* the N_LET */
    value v;
} eval_local;

typedef struct eval_env {
    const policy_index *ix;
    arena *mem;               /* values built while evaluating go here */
    const shipment *ship;     /* whose fields are in scope, or NULL */
    const eval_local *locals; /* lets of the enclosing blocks */
    size_t nlocals;
    eval_coverage *cov;            /* NULL: not recorded */
    const volatile int *interrupt; /* non-zero: stop with "interrupted" */
    /* The evaluator's own bookkeeping, for messages; start them at zero. */
    const node *owner;  /* the declaration being evaluated */
    const node *clause; /* its clause */
    int depth;
    int const_depth; /* constants being filled around this evaluation (eval.c) */
    /* Visit every measure and modifier instead of the index's candidate
       lists (policy_index.h): the same results, slower; for the tests that
       compare both. */
    bool full_walk;
} eval_env;

/* eval_prepare: finishes an index that index_build (compile.h) made, before
 * anything else reads it: evaluates its windows, `on`/`from` sets, rates
 * that are constants, the rows of tables and inline schedules, its
 * commitments, the dates where a charge may change, and every constant
 * let, group and product set once.  Problems go to diags (E6xx for a
 * constant that cannot be evaluated).  False only when out of memory
 * (then free ix).  Afterwards ix is read-only. */
bool eval_prepare(policy_index *ix, diag_list *diags);

/* eval_env_init: an environment with no shipment, no locals, no coverage. */
void eval_env_init(eval_env *env, const policy_index *ix, arena *scratch);

/* eval_expr: the value of a checked expression. */
bool eval_expr(eval_env *env, const node *e, value *out, eval_error *err);

/* ---- Shipments ------------------------------------------------------------- */

enum assess_flags {
    ASSESS_AMOUNTS = 1 /* also compute each amount and the duty */
};

/* eval_assess: what shipment s owes under env->ix.  out's arrays are
 * allocated in env->mem (valid until it is restored).  Shipments that lack
 * a field evaluation needs fail with E602 naming the field and the clause;
 * disagreeing modifiers with E601. */
bool eval_assess(eval_env *env, const shipment *s, int flags, assessment *out, eval_error *err);

/* eval_needs: does s carry `origin`, `product` and (when need_entered)
 * `entered`, which every evaluation needs before any measure is looked at?
 * If not, fails with E602 at `at`, naming the missing fields and `who`
 * (the built-in, "rate()"), so that whether a shipment is an error never
 * depends on which measures the index skipped.  eval_assess checks it too,
 * at span_none, for callers that have no call to point at. */
bool eval_needs(const shipment *s, bool need_entered, span at, const char *who, eval_error *err);

/* eval_applies: is `measure` (an N_MEASURE) charged on s, after modifiers
 * and replacements? */
bool eval_applies(eval_env *env, const node *measure, const shipment *s, bool *out,
                  eval_error *err);

/* eval_timeline: s's charge as a step function of its entry date over
 * [from, until): the maximal intervals on which the total rate and the set
 * of charged measures stay the same.  Evaluates s once at `from` and at
 * each date in range where a window of the policy starts or ends (or a
 * constant date of a condition falls). */
bool eval_timeline(eval_env *env, const shipment *s, date from, date until, timeline *out,
                   eval_error *err);

#endif
