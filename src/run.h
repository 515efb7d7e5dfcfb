/* run.h - what `levy run` and `levy test` do, as library functions.
 *
 * Both write through a caller-supplied writer and never print otherwise.
 * Evaluation errors become diagnostics (E6xx) and running goes on with the
 * next statement (or the next test).  The compiled policies, one for the
 * base declarations and one per scenario used, are kept in a policy_set so
 * that a caller (the API, the REPL) compiles each at most once.
 */
#ifndef LEVY_RUN_H
#define LEVY_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "diag.h"
#include "eval.h"

/* A sink for output; text is not NUL-terminated. */
typedef void (*run_write_fn)(void *ud, const char *text, size_t len);
/* Called as each diagnostic is added by a run (after it is in the list). */
typedef void (*run_diag_fn)(void *ud, const diagnostic *d);

/* ---- Compiled policies of one program ------------------------------------ */

typedef struct policy_set {
    const program *p;
    policy_index *base;
    policy_index **scenarios; /* by position in p->decls.scenarios */
    bool base_tried;
    bool *tried;
} policy_set;

/* policy_set_init: false when out of memory.  p must stay checked and alive. */
bool policy_set_init(policy_set *ps, const program *p);
void policy_set_free(policy_set *ps);
/* policy_set_get: the index for scenario (NULL: the base policy), compiled
 * on first use (problems reading schedules etc. go to diags then).  NULL
 * when out of memory. */
const policy_index *policy_set_get(policy_set *ps, const node *scenario, diag_list *diags);

/* ---- Running --------------------------------------------------------------- */

typedef struct run_options {
    const char *scenario; /* evaluate everything under it; NULL: the policy */
    bool tap;             /* run_tests: TAP version 13 */
    bool coverage;        /* run_tests: list the measures and modifiers of the
                                 root files that no test exercised */
    const char *run_pattern; /* run_tests: only the tests whose name matches this
                                POSIX extended regular expression; NULL: all */
    bool json;            /* run_program: each value as a line of JSON;
                             run_tests: the report as one JSON object
                             (doc/json.md) */
    run_write_fn write;   /* required */
    void *write_ud;
    run_diag_fn on_diag; /* optional */
    void *diag_ud;
    const volatile int *interrupt; /* optional: non-zero stops the run */
} run_options;

typedef struct run_result {
    size_t statements;     /* statements run (run_program) */
    size_t errors;         /* evaluation errors reported */
    size_t passed, failed; /* test blocks (run_tests) */
    size_t selected;       /* test blocks chosen to run (run_tests) */
} run_result;

/* run_program: evaluates each top-level statement of the root files in
 * order and writes its value (an explanation as the entry summary, a
 * timeline as its table); `under S { ... }` runs its block under scenario
 * S, and `expect` inside one reports E608 when it does not hold.  Errors go
 * to diags (and on_diag) with their file:line:col; the next statement runs.
 * false when any statement failed or the scenario option names none. */
bool run_program(policy_set *ps, const run_options *o, diag_list *diags, run_result *res);

/* run_tests: runs every test block of the root files: its lets in order,
 * each expect.  Writes, for each failed expect,
 *     FILE:LINE:COL: expect failed: <expression as written>
 *       left:  145%
 *       right: 10%
 * (the two lines for comparisons), evaluation errors as GCC-style
 * diagnostics, and last the line "N passed, N failed".  With tap: TAP
 * version 13, the failures as "# " lines under each "not ok".  With
 * coverage: then the measures, pauses and concessions of the root files
 * that no test exercised.  Failed expects (E608) and evaluation errors are
 * also appended to diags, for a host to show another way (`levy test
 * --format=github` annotates their lines): the report has their text
 * already, so do not print them as text again.  false when any test
 * failed. */
bool run_tests(policy_set *ps, const run_options *o, diag_list *diags, run_result *res);

#endif
