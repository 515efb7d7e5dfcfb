/* fuzz_common.h - what the libFuzzer harnesses share.
 *
 * Built only by tests/fuzz/run (make fuzz), with clang's
 * -fsanitize=fuzzer,address,undefined; not part of the Automake build.
 * FUZZ_STDLIB is the source tree's stdlib folder (the run script passes
 * it); the harnesses run in a scratch folder holding the CSV files of
 * examples/ and tests/golden, so `schedule ... from "mfn.csv"` finds one.
 */
#ifndef LEVY_FUZZ_COMMON_H
#define LEVY_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "levy.h"

#ifndef FUZZ_STDLIB
#define FUZZ_STDLIB "stdlib"
#endif

/* A writer that drops what it is given (the text is still formatted). */
static void fuzz_discard(void *userdata, const char *text, size_t len) {
    (void)userdata;
    (void)text;
    (void)len;
}

/* A policy from the bytes, loaded and checked: NULL when out of memory.
 * *status is the first failing status (LEVY_OK when it checked clean).
 * Every outcome must be consistent: a failure comes with an error
 * diagnostic, a success has none (abort otherwise, so it is a finding). */
static levy_policy *fuzz_policy(const uint8_t *data, size_t size, levy_status *status) {
    levy_policy *p = levy_policy_new();
    if (!p)
        return NULL;
    levy_policy_set_stdlib_dir(p, FUZZ_STDLIB);
    levy_status st = levy_policy_load_string(p, "fuzz.levy", (const char *)data, size);
    if (st == LEVY_OK || st == LEVY_ERROR_INVALID) {
        levy_status c = levy_policy_check(p);
        if (st == LEVY_OK)
            st = c;
    }
    size_t errors = levy_policy_error_count(p);
    if ((st == LEVY_OK) != (errors == 0) && st != LEVY_ERROR_NOMEM)
        __builtin_trap();
    /* The text and JSON renderings of whatever was found. */
    levy_policy_write_diagnostics(p, LEVY_FORMAT_TEXT, fuzz_discard, NULL);
    levy_policy_write_diagnostics(p, LEVY_FORMAT_JSON, fuzz_discard, NULL);
    *status = st;
    return p;
}

#endif
