/* api_internal.h - what the library's own clients of levy_policy (the
 * session behind the REPL) see of it.  Not installed. */
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

struct levy_policy {
    mem mem; /* the host's allocator (config.alloc), or libc's:
                           every structure below allocates through it */
    arena arena;
    source_set sources;
    diag_list diags;
    program prog;
    char **search_path; /* NULL-terminated */
    size_t nsearch;
    char *stdlib_dir;
    bool checked;        /* levy_policy_check ran */
    bool valid;          /* ... and found no error */
    policy_set compiled; /* the base policy and each scenario, once valid */
    bool compiled_init;
    const policy_index *index; /* the base policy, for levy_evaluate */
    levy_scenario *scenarios;  /* one handle per scenario, once valid */
    const source_set *cache;   /* file texts to reuse (load_options.cache) */
    levy_config config;        /* the host's, as levy_policy_new_with took it */
    size_t delivered;          /* diagnostics handed to config.diagnostic so far */
    int expressions_from;      /* the first source of levy_policy_load_expression,
                                  whose statements alone run; -1: none */
    char error[512];
};

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
