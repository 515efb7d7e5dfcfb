/* fixture.h - a policy loaded from a string or a file and checked, ready
 * to compile and evaluate: the set-up the unit tests of the evaluator,
 * explanations, running and values share (test_check.c has its own, for
 * programs that are meant to fail).
 *
 * fixture_load_* fail the running Criterion test, printing the
 * diagnostics, when the policy does not load or check.  The fixture owns
 * everything it made until fixture_free; tests use its members directly.
 */
#ifndef LEVY_TEST_FIXTURE_H
#define LEVY_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "eval.h"
#include "explain.h"
#include "run.h"

/* The source tree's standard library (set by Makefile.am). */
#ifndef LEVY_SOURCE_STDLIB_DIR
#define LEVY_SOURCE_STDLIB_DIR "stdlib"
#endif

typedef struct fixture {
    source_set srcs;
    diag_list diags;
    arena arena;
    program p;     /* checked */
    policy_set ps; /* its compiled policies, each compiled on first use */
    arena mem;     /* scratch memory for evaluations */
} fixture;

/* fixture_load_text: the policy `text` (named `name` in diagnostics), with
 * the standard library of stdlib_dir (NULL: none). */
void fixture_load_text(fixture *fx, const char *name, const char *text, const char *stdlib_dir);
/* fixture_load_file: the policy in the file at path. */
void fixture_load_file(fixture *fx, const char *path, const char *stdlib_dir);
void fixture_free(fixture *fx);

/* fixture_policy: the base policy, compiled; fails the test if it cannot be. */
const policy_index *fixture_policy(fixture *fx);

/* fixture_show: `let name` evaluated under ix and written into buf as
 * `levy run` prints it (explanations as their table).  False, with "error CODE: message" in buf, when the
 * evaluation fails; fails the test when there is no such let. */
bool fixture_show(fixture *fx, const policy_index *ix, const char *name, char *buf, size_t size);

#endif
