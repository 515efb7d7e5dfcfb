/* check.h - name resolution, types and static checks.
 *
 * program_check takes a program (program.h) as the loader left it (load.h)
 * and resolves, types and checks it.  The checker leaves on each node what
 * later stages need (see ast.h): `ty` on every expression, `sym`/`ref`/
 * `index` on every name, a dense `index` on every declaration.
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
/* The stages before the checker: the stages after it (and their tests)
 * include check.h alone to see the whole front end. */
#include "load.h"
#include "program.h"
#include "symtab.h"

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
