/* fuzz_check - libFuzzer harness: load and check a policy from bytes.
 *
 * The input is one policy source (fuzz.levy).  It must load and check
 * without a crash, leak, undefined behaviour or hang, and the outcome must
 * agree with the diagnostics (fuzz_common.h).  Built and run by
 * tests/fuzz/run. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    levy_status st;
    levy_policy *p = fuzz_policy(data, size, &st);
    levy_policy_free(p);
    return 0;
}
