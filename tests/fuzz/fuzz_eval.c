/* fuzz_eval - libFuzzer harness: evaluate fixed shipments against a policy.
 *
 * The input is a policy source.  When it checks clean, a few fixed
 * shipments are evaluated under the policy and under each scenario it
 * names, each result explained, and the policy's own statements and test
 * blocks run.  Evaluation may fail (a missing field, a conflict), but only
 * with a status and a message.  Built and run by tests/fuzz/run. */
#include <string.h>

#include "fuzz_common.h"

typedef struct field {
    const char *name, *value;
} field;

/* Shipments that touch the examples' measures: origins with and without
 * agreements, products inside and outside the usual chapters. */
static const field shipments[][7] = {
    {{"origin", "CN"}, {"product", "9503.00.00"}, {"value", "10000"}, {"entered", "2025-04-15"}},
    {{"origin", "MX"}, {"product", "7208.10.15"}, {"value", "$2,500.50"}, {"quantity", "40"},
     {"unit", "kg"}, {"entered", "2025-06-01"}},
    {{"origin", "DE"}, {"product", "8703.23.01"}, {"value", "45000"}, {"entered", "2025-03-12"}},
    {{"origin", "CA"}, {"product", "0101.21.00"}, {"value", "1"}, {"quantity", "2"},
     {"unit", "number"}, {"entered", "2026-01-01"}},
    {{"origin", "JP"}, {"product", "hs 8471"}, {"value", "0"}, {"entered", "2024-12-31"}},
};

/* Scenario names worth trying: those the examples use and one unknown. */
static const char *const scenarios[] = {"baseline", "escalation", "truce", "no_such"};

static void evaluate_all(levy_policy *p, const levy_scenario *sc) {
    levy_result *r = levy_result_new();
    if (!r)
        return;
    for (size_t i = 0; i < sizeof shipments / sizeof shipments[0]; i++) {
        levy_shipment *s = levy_shipment_new(p);
        if (!s)
            break;
        for (size_t k = 0; k < 7 && shipments[i][k].name; k++)
            (void)levy_shipment_set(s, shipments[i][k].name, shipments[i][k].value);
        if (levy_evaluate(p, sc, s, r) == LEVY_OK) {
            levy_charge c;
            for (size_t k = 0; k < levy_result_charge_count(r); k++)
                (void)levy_result_charge(r, k, &c);
            levy_exclusion e;
            for (size_t k = 0; k < levy_result_exclusion_count(r); k++)
                (void)levy_result_exclusion(r, k, &e);
            (void)levy_result_explain(r);
        } else {
            (void)strlen(levy_result_error(r));
        }
        levy_shipment_free(s);
    }
    levy_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    levy_status st;
    levy_policy *p = fuzz_policy(data, size, &st);
    if (p && st == LEVY_OK) {
        evaluate_all(p, NULL);
        for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
            const levy_scenario *sc = NULL;
            if (levy_policy_scenario(p, scenarios[i], &sc) == LEVY_OK)
                evaluate_all(p, sc);
        }
        (void)levy_policy_run(p, NULL, fuzz_discard, NULL);
        levy_test_options opts = {0, 1};
        (void)levy_policy_test(p, NULL, &opts, fuzz_discard, NULL, NULL, NULL);
    }
    levy_policy_free(p);
    return 0;
}
