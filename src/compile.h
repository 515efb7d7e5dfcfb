/* compile.h - compiling a checked program into a policy index.
 *
 * A checked program is compiled once per scenario into a policy_index: its
 * measures and modifiers with their clauses and targets, tables by origin
 * and by product, schedules (those from CSV files are read here, and only
 * here) and commitments.  The compiler evaluates nothing: what needs an
 * expression's value (windows as dates, scopes as sets, constant rates,
 * table rows, the constant `let`s, groups and product sets) the evaluator
 * fills in right after (eval_prepare, eval.h), and it then indexes
 * measures and modifiers by origin and by HS chapter (index_candidates),
 * so evaluating a shipment looks only at the few that can apply to it.
 * An index is read-only once prepared, so threads may share one.
 *
 * Problems are diagnostics; nothing here prints or exits.
 */
#ifndef LEVY_COMPILE_H
#define LEVY_COMPILE_H

#include "diag.h"
#include "program.h"

typedef struct policy_index policy_index;

/* index_build: compiles checked program p for `scenario` (an N_SCENARIO of
 * p->decls.scenarios, or NULL for the policy itself): the base
 * declarations minus the scenario's `drop`s plus its own declarations (a
 * scenario's declaration also stands in for a base one of the same name).
 * Reads the CSV files of `schedule ... from`, relative to the declaring
 * file's folder; `base`, when not NULL, is an index of the same program
 * whose loaded files are shared instead of read again (it must outlive the
 * new index).  Problems go to diags: E703 for a file that cannot be read,
 * W703 summarising rate text not understood.  NULL only when out of
 * memory.  The index is not ready until eval_prepare (eval.h) has filled
 * in its values. */
policy_index *index_build(const program *p, const node *scenario, const policy_index *base,
                          diag_list *diags);
void index_free(policy_index *ix);
const program *index_program(const policy_index *ix);
const node *index_scenario(const policy_index *ix);

/* find_scenario: the scenario called name, or NULL. */
const node *find_scenario(const program *p, const char *name);

#endif
