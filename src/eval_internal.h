/* eval_internal.h - the evaluator's own helpers, shared by its files.
 *
 * eval.c evaluates expressions, shipment fields, constants and schedule
 * lookups; assess.c what a shipment owes (measures, modifiers,
 * replacements, amounts, timelines); builtins.c the built-in functions.
 * prepare.c uses the same helpers to fill in what index_build left for
 * the evaluator.  Nothing outside those files includes this.
 */
#ifndef LEVY_EVAL_INTERNAL_H
#define LEVY_EVAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "eval.h"
#include "policy_index.h"

/* ---- Errors (eval.c) --------------------------------------------------------- */

/* ev_fail: fills err; returns false, so that `return ev_fail(...)` fails. */
bool ev_fail(eval_error *err, const char *code, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* ev_note: adds a note to err (up to EVAL_MAX_NOTES). */
void ev_note(eval_error *err, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
bool ev_fail_kind(eval_error *err, const node *at, const value *v, const char *want);
bool ev_fail_overflow(eval_error *err, dec_status st, const node *at);
bool ev_fail_specific(eval_env *env, eval_error *err, const node *e, const char *opname,
                      const value *a, const value *b);
bool ev_fail_no_shipment(eval_env *env, const node *at, int f, eval_error *err);
bool ev_out_of_memory(eval_error *err, const node *at);
/* ev_file_name: the name of the file at points into, for messages. */
const char *ev_file_name(const program *p, span at);
/* ev_decl_word: "measure", "pause", "let" ... for d's kind. */
const char *ev_decl_word(const node *d);

/* is_amount: a number or money, which arithmetic treats alike. */
static inline bool is_amount(value_kind k)
{
    return k == V_NUMBER || k == V_MONEY;
}

/* ---- Expressions (eval.c) ------------------------------------------------------ */

/* ev_expr: eval_expr without the check for an interrupt. */
bool ev_expr(eval_env *env, const node *e, value *out, eval_error *err);
/* ev_kind, ev_rate, ev_bool: an expression that must be of one kind. */
bool ev_kind(eval_env *env, const node *e, value_kind want, value *out, eval_error *err);
bool ev_rate(eval_env *env, const node *e, rate_value *out, eval_error *err);
bool ev_bool(eval_env *env, const node *e, bool *out, eval_error *err);
/* ev_set: an expression as a set of kind want (V_COUNTRY_SET or
 * V_PRODUCT_SET); a single country or product is a set of one. */
bool ev_set(eval_env *env, const node *e, value_kind want, value *out, eval_error *err);
/* ev_order: how a compares with b (<0, 0, >0). */
bool ev_order(eval_env *env, const node *e, const value *a, const value *b, int *out,
              eval_error *err);
bool ev_date_plus(const node *e, date d, duration dur, int sign, value *out, eval_error *err);
/* ev_field_of_name: the shipment field a name denotes, or -1. */
int ev_field_of_name(const eval_env *env, const node *e);
/* ev_decl_of_name: the declaration a name denotes in this index, or NULL. */
const node *ev_decl_of_name(const eval_env *env, const node *e);
/* ev_read_field: field f of s: `via` falls back to `origin`, an attribute
 * to its default. */
bool ev_read_field(eval_env *env, const shipment *s, int f, const node *at, value *out,
                   eval_error *err);

/* ---- Schedules (eval.c) -------------------------------------------------------- */

/* ev_lookup_schedule: the rate of the shipment's product in a schedule; a
 * partial lookup may find nothing (*found false). */
bool ev_lookup_schedule(eval_env *env, const c_schedule *cs, const node *at, bool partial,
                        rate_value *out, bool *found, eval_error *err);
/* ev_entry_rate: the rate of a table entry's expression; a schedule named
 * there must find a line (E603). */
bool ev_entry_rate(eval_env *env, const node *rate_expr, bool *found, rate_value *out,
                   eval_error *err);
/* ev_row_rate: the rate of a table row found for the shipment. */
bool ev_row_rate(eval_env *env, const sched_row *row, bool *found, rate_value *out,
                 eval_error *err);

/* ---- Constants (eval.c) ------------------------------------------------------- */

/* eval_const_slot: the slot of a numbered let, group or product set, or
 * NULL. */
const_slot *eval_const_slot(const policy_index *ix, const node *d);
/* eval_fill_constant: evaluates constant declaration d into its slot, in
 * ix's memory.  Only while ix is being prepared (eval_prepare). */
void eval_fill_constant(const policy_index *ix, const node *d, const_slot *slot);

/* ---- Built-in functions (builtins.c) ------------------------------------------ */

/* ev_call_builtin: a call of has, rate, duty, explain, applies, commits,
 * max, min, timeline ... */
bool ev_call_builtin(eval_env *env, const node *e, value *out, eval_error *err);

#endif
