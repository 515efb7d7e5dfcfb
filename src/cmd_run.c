/* cmd_run.c - `levy run` and `levy test`. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "levy.h"

/* --scenario NAME: the scenario's handle in *out (NULL for none, or for
 * "none"); false (after saying why) when there is no such scenario, a
 * usage error. */
bool cli_choose_scenario(levy_policy *policy, const cli_options *o, const levy_scenario **out)
{
    *out = NULL;
    if (!o->scenario || strcmp(o->scenario, "none") == 0 ||
        levy_policy_scenario(policy, o->scenario, out) == LEVY_OK)
        return true;
    fprintf(stderr, "levy: %s\n", levy_policy_error(policy));
    return false;
}

int cli_run(const cli_options *o)
{
    int status;
    levy_policy *policy = cli_load(o, &status);
    if (!policy)
        return status;
    const levy_scenario *scenario;
    if (!cli_choose_scenario(policy, o, &scenario)) {
        levy_policy_free(policy);
        return 2;
    }
    /* Errors are written as they are found, between the values. */
    levy_status st = levy_policy_run_reporting(policy, scenario, cli_write_stdout,
                                               cli_diagnostic_writer(o), o->format, NULL);
    fflush(stdout);
    levy_policy_free(policy);
    return st == LEVY_OK ? 0 : 1;
}

int cli_test(const cli_options *o)
{
    if (o->format == LEVY_FORMAT_JSON && o->tap) {
        fputs("levy: --tap and --format=json do not go together\nTry 'levy --help'.\n", stderr);
        return 2;
    }
    int status;
    levy_policy *policy = cli_load(o, &status);
    if (!policy)
        return status;
    levy_test_options topts = { .tap = o->tap,
                               .coverage = o->coverage,
                               .json = o->format == LEVY_FORMAT_JSON,
                               .run = o->run };
    size_t passed = 0, failed = 0;
    /* Tests run as written: a scenario is theirs to choose (`under`). */
    levy_status st =
        levy_policy_test(policy, NULL, &topts, cli_write_stdout, NULL, &passed, &failed);
    if (st == LEVY_ERROR_ARGUMENT) {
        fprintf(stderr, "levy: --run: %s\n", levy_policy_error(policy));
        levy_policy_free(policy);
        return 2;
    }
    /* A selection that runs nothing would pass in CI without testing. */
    if (o->run && st == LEVY_OK && passed + failed == 0) {
        fflush(stdout);
        fprintf(stderr, "levy: no test name matches '%s'\n", o->run);
        st = LEVY_ERROR_EVAL;
    }
    /* The report has said it all in text; GitHub also gets an annotation
       on each failed expect's line (and each evaluation error's). */
    if (o->format == LEVY_FORMAT_GITHUB)
        levy_policy_write_diagnostics(policy, o->format, cli_write_stdout, NULL);
    fflush(stdout);
    levy_policy_free(policy);
    return st == LEVY_OK && failed == 0 ? 0 : 1;
}
