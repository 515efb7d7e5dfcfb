/* api_internal.h - what the library's own clients of levy_policy (the
 * session behind the REPL) see of it: accessors, not its struct.  Not
 * installed. */
#ifndef LEVY_API_INTERNAL_H
#define LEVY_API_INTERNAL_H

#include <stdbool.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "levy.h"
#include "run.h"

/* A compiled scenario: what levy_evaluate uses in place of the base index.
 * Filled in by levy_policy_scenario and unchanged afterwards. */
struct levy_scenario {
    const levy_policy *policy;
    const node *decl;
    const policy_index *index;
    bool failed; /* compiling it added errors */
};

/* What the session sees of a policy (struct levy_policy is api.c's own). */
const source_set *api_policy_sources(const levy_policy *policy);
const diag_list *api_policy_diags(const levy_policy *policy);
const program *api_policy_program(const levy_policy *policy);
/* api_policy_reuse_sources: read the files of later loads from cache's
 * texts instead of the disk (load_options.cache); NULL reads them. */
void api_policy_reuse_sources(levy_policy *policy, const source_set *cache);
/* api_policy_set_line_offset: the lines source number `source` (if there
 * is one) is shifted by in diagnostics, for a script's own line numbers. */
void api_policy_set_line_offset(levy_policy *policy, size_t source, int offset);
/* api_policy_run_sources: run the top-level statements of sources
 * first..last only (a REPL input, or a file just loaded), as `o` says; the
 * errors are added to the policy's diagnostics.  *ran is false when those
 * sources have no statement. */
levy_status api_policy_run_sources(levy_policy *policy, int first, int last, const run_options *o,
                                   bool *ran);

/* api_policy_valid: checked without errors, so it can evaluate. */
bool api_policy_valid(const levy_policy *policy);
/* api_policy_mem: the policy's allocator. */
const mem *api_policy_mem(const levy_policy *policy);
/* api_evaluate_shipment: levy_evaluate of an internal shipment (the batch
 * API's); publish false skips building the charges' texts (the result then
 * has a rate, a duty and levy_result_explain, but no charges). */
struct shipment;
levy_status api_evaluate_shipment(const levy_policy *policy, const levy_scenario *scenario,
                                  const struct shipment *ship, levy_result *r, bool publish);

/* api_policy_index: the compiled policy that evaluates under scenario
 * (NULL: the policy itself); NULL when it cannot evaluate. */
const policy_index *api_policy_index(const levy_policy *policy, const levy_scenario *scenario);
/* api_shipment_of: the shipment inside s, when s is one of policy's. */
const struct shipment *api_shipment_of(const levy_shipment *s, const levy_policy *policy);

/* api_publish_assessment: a's charges and exclusions as the API hands
 * them out (levy_result_charge, levy_result_exclusion), their texts in
 * into; false when out of memory. */
struct assessment;
bool api_publish_assessment(arena *into, const mem *alloc, const struct assessment *a,
                            levy_charge **charges, levy_exclusion **exclusions);

/* api_config_copy: the members of from that its size covers (NULL: none),
 * the others zero. */
void api_config_copy(levy_config *to, const levy_config *from);
/* api_mem_of: the allocator a config names (the C library's when it names
 * none). */
mem api_mem_of(const levy_config *config);
/* api_deliver_diagnostic: call fn (if any) with d and its notes as the API
 * shows them. */
void api_deliver_diagnostic(levy_diagnostic_fn fn, void *userdata, const source_set *srcs,
                            const diagnostic *d);

#endif
