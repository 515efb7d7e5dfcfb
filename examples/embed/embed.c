/* embed.c - using liblevy from C: what a customs system does.
 *
 * Loads a small policy from a string, checks it, evaluates one shipment and
 * prints the total rate, the duty, each charged measure and each measure
 * that matched but was not charged.  Build it against an installed Levy:
 *
 *     cc embed.c $(pkg-config --cflags --libs levy) -o embed
 *     ./embed [STDLIB_DIR]
 *
 * STDLIB_DIR is where Levy's standard library is, when it is not where
 * liblevy was built to find it (a staged install, a build tree): the
 * library reads no environment, so a host says such things itself.
 *
 * Exit status 0 when the duty is the one the policy's author expected.
 */
#include <stdio.h>
#include <string.h>

#include <levy.h>

static const char policy_text[] =
    "import countries\n"
    "measure fentanyl_cn \"IEEPA tariff on China\" {\n"
    "    from {CN}\n"
    "    rate 20% effective 2025-03-04\n"
    "    citation \"EO 14228\"\n"
    "}\n"
    "measure baseline \"Reciprocal tariff, 10% baseline\" {\n"
    "    rate 10% effective 2025-04-05\n"
    "}\n"
    "measure reciprocal_cn \"Reciprocal tariff on China\" {\n"
    "    from {CN}\n"
    "    rate 125% effective 2025-04-10 until 2025-05-14\n"
    "    replaces baseline\n"
    "}\n";

/* The library writes through a callback; this one writes to stderr. */
static void to_stderr(void *userdata, const char *text, size_t len) {
    (void)userdata;
    fwrite(text, 1, len, stderr);
}

static int fail(const char *what, const char *why) {
    fprintf(stderr, "embed: %s: %s\n", what, why);
    return 1;
}

int main(int argc, char **argv) {
    levy_policy *policy = levy_policy_new();
    if (!policy)
        return fail("levy_policy_new", "out of memory");
    if (argc > 1 && levy_policy_set_stdlib_dir(policy, argv[1]) != LEVY_OK) {
        levy_policy_free(policy);
        return fail("levy_policy_set_stdlib_dir", "out of memory");
    }
    if (levy_policy_load_string(policy, "policy.levy", policy_text, strlen(policy_text)) != LEVY_OK ||
        levy_policy_check(policy) != LEVY_OK) {
        levy_policy_write_diagnostics(policy, LEVY_FORMAT_TEXT, to_stderr, NULL);
        levy_policy_free(policy);
        return 1;
    }

    levy_shipment *toys = levy_shipment_new(policy);
    const char *fields[][2] = {
        { "origin", "CN" },
        { "product", "9503.00.00" },
        { "value", "10000" },
        { "entered", "2025-04-15" },
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (levy_shipment_set(toys, fields[i][0], fields[i][1]) != LEVY_OK)
            return fail(fields[i][0], levy_shipment_error(toys));

    levy_result *result = levy_result_new();
    int status = 0;
    if (levy_evaluate(policy, NULL, toys, result) != LEVY_OK) {
        status = fail("levy_evaluate", levy_result_error(result));
    } else {
        char rate[32], duty[32], amount[32];
        printf("rate %s, duty %s\n",
               levy_format_decimal(levy_result_rate(result), LEVY_PERCENT, rate, sizeof rate),
               levy_format_decimal(levy_result_duty(result), LEVY_MONEY, duty, sizeof duty));
        for (size_t i = 0; i < levy_result_charge_count(result); i++) {
            levy_charge c;
            levy_result_charge(result, i, &c);
            printf("  %-14s %6s %12s  %s\n", c.measure, c.rate,
                   levy_format_decimal(c.amount, LEVY_MONEY, amount, sizeof amount), c.note);
        }
        for (size_t i = 0; i < levy_result_exclusion_count(result); i++) {
            levy_exclusion x;
            levy_result_exclusion(result, i, &x);
            printf("  not applied: %s (%s)\n", x.measure, x.reason);
        }
        /* 20% + 125% of $10,000 */
        if (levy_result_duty(result) != 14500 * LEVY_DECIMAL_SCALE)
            status = fail("duty", "expected $14,500.00");
    }
    levy_result_free(result);
    levy_shipment_free(toys);
    levy_policy_free(policy);
    return status;
}
