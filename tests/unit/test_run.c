/* test_run.c - `levy run` and `levy test` as library calls. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static fixture fx;
static strbuf out;

static void capture(void *ud, const char *text, size_t len)
{
    sb_putn(ud, text, len);
}

static void load(const char *path, const char *text)
{
    sb_init(&out, NULL);
    if (path)
        fixture_load_file(&fx, path, LEVY_SOURCE_STDLIB_DIR);
    else
        fixture_load_text(&fx, "t.levy", text, LEVY_SOURCE_STDLIB_DIR);
    diag_list_clear(&fx.diags);
}

static void teardown(void)
{
    fixture_free(&fx);
    sb_free(&out);
}

TestSuite(run, .fini = teardown);

static run_options options(void)
{
    run_options o = { .write = capture, .write_ud = &out };
    return o;
}

#define PRELUDE "country CN \"China\"\ncountry VN \"Viet Nam\"\n"

Test(run, the_design_program_runs_and_tests)
{
    load(LEVY_SOURCE_STDLIB_DIR "/../examples/reciprocal.levy", NULL);
    run_options o = options();
    run_result res;
    cr_assert(run_program(&fx.ps, &o, &fx.diags, &res));
    cr_expect_eq(res.statements, 1);
    cr_expect_eq(res.errors, 0);
    cr_expect_str_eq(sb_cstr(&out), "hs 9503.00.00 from CN, entered 2025-04-15, value $10,000.00\n"
                                    "  measure          rate         duty   note\n"
                                    "  fentanyl_cn       20%    $2,000.00   EO 14195; EO 14228\n"
                                    "  reciprocal_cn    125%   $12,500.00   replaces reciprocal\n"
                                    "  total            145%   $14,500.00\n"
                                    "  not applied: baseline (replaced by reciprocal), reciprocal "
                                    "(replaced by reciprocal_cn)\n");
    sb_clear(&out);
    cr_assert(run_tests(&fx.ps, &o, &fx.diags, &res));
    cr_expect_eq(res.passed, 4);
    cr_expect_eq(res.failed, 0);
    cr_expect_str_eq(sb_cstr(&out), "4 passed, 0 failed\n");
}

Test(run, values_print_and_errors_continue)
{
    load(NULL, PRELUDE
         "measure m { from {CN} rate 10% effective 2025-01-01 }\n"
         "let s = shipment { origin: CN, product: hs 01, value: $100, entered: 2025-02-01 }\n"
         "rate(s)\n"
         "duty(s)\n"
         "rate(shipment { origin: CN, product: hs 01 })\n"
         "s.origin\n"
         "2025-01-31 + 1 month\n");
    run_options o = options();
    run_result res;
    cr_expect_not(run_program(&fx.ps, &o, &fx.diags, &res));
    cr_expect_eq(res.statements, 5);
    cr_expect_eq(res.errors, 1);
    cr_expect_str_eq(sb_cstr(&out), "10%\n$10.00\nCN\n2025-02-28\n");
    cr_assert_eq(fx.diags.count, 1);
    cr_expect_str_eq(fx.diags.items[0].code, "E602");
    cr_expect_eq(fx.diags.items[0].at.first_line, 7);
    cr_expect(
        strstr(fx.diags.items[0].message, "shipment has no 'entered' date, needed by rate()"));
}

Test(run, under_blocks_and_scenario_option)
{
    load(NULL, PRELUDE
         "measure m { rate 10% }\n"
         "measure n { rate 5% }\n"
         "scenario nom { drop m }\n"
         "let s = shipment { origin: CN, product: hs 01, value: $100, entered: 2025-01-01 }\n"
         "rate(s)\n"
         "under nom { rate(s) }\n");
    run_options o = options();
    run_result res;
    cr_assert(run_program(&fx.ps, &o, &fx.diags, &res));
    cr_expect_str_eq(sb_cstr(&out), "15%\n5%\n");
    sb_clear(&out);
    o.scenario = "nom";
    cr_assert(run_program(&fx.ps, &o, &fx.diags, &res));
    cr_expect_str_eq(sb_cstr(&out), "5%\n5%\n");
    o.scenario = "nope";
    cr_expect_not(run_program(&fx.ps, &o, &fx.diags, &res));
    cr_expect_str_eq(fx.diags.items[fx.diags.count - 1].code, "E307");
}

#define FAILING                                                                                    \
    PRELUDE                                                                                        \
    "measure m { from {CN} rate 145% }\n"                                                          \
    "scenario half { drop m  measure m2 { from {CN} rate 72.5% } }\n"                              \
    "let s = shipment { origin: CN, product: hs 01, value: $100, entered: 2025-01-01 }\n"          \
    "test \"passes\" {\n"                                                                          \
    "    expect rate(s) == 145%\n"                                                                 \
    "    under half { expect rate(s) == 72.5% }\n"                                                 \
    "}\n"                                                                                          \
    "test \"fails twice\" {\n"                                                                     \
    "    let v = s with { origin: VN }\n"                                                          \
    "    expect rate(v) == 10%\n"                                                                  \
    "    expect duty(s) <\n"                                                                       \
    "        $1\n"                                                                                 \
    "    expect applies(m, s)\n"                                                                   \
    "}\n"                                                                                          \
    "test \"errors\" {\n"                                                                          \
    "    expect rate(s with { product: hs 02 }) == 1 / 0 * 1%\n"                                   \
    "    expect false\n"                                                                           \
    "}\n"

Test(run, test_report)
{
    load(NULL, FAILING);
    run_options o = options();
    run_result res;
    cr_expect_not(run_tests(&fx.ps, &o, &fx.diags, &res));
    cr_expect_eq(res.passed, 1);
    cr_expect_eq(res.failed, 2);
    cr_expect_str_eq(sb_cstr(&out),
                     "t.levy:12:12: expect failed: rate(v) == 10%\n"
                     "  left:  0%\n"
                     "  right: 10%\n"
                     "t.levy:13:12: expect failed: duty(s) < $1\n"
                     "  left:  $145.00\n"
                     "  right: $1.00\n"
                     "t.levy:18:47: error[E604]: division by zero\n"
                     "   18 |     expect rate(s with { product: hs 02 }) == 1 / 0 * 1%\n"
                     "      |                                               ^~~~~\n"
                     "t.levy:19:12: expect failed: false\n"
                     "1 passed, 2 failed\n");
    /* Each failed expect is kept as a diagnostic too (E608, for GitHub
       annotations), besides the evaluation error. */
    cr_expect_eq(fx.diags.count, 4);
    cr_expect_str_eq(fx.diags.items[0].code, "E608");
}

Test(run, tap_and_coverage)
{
    load(NULL, FAILING "measure never { on {hs 99} rate 1% }\n"
                       "pause idle { suspend never effective 2025-01-01 for 1 day }\n");
    run_options o = options();
    o.tap = true;
    o.coverage = true;
    run_result res;
    cr_expect_not(run_tests(&fx.ps, &o, &fx.diags, &res));
    cr_expect_str_eq(sb_cstr(&out),
                     "TAP version 13\n"
                     "1..3\n"
                     "ok 1 - passes\n"
                     "not ok 2 - fails twice\n"
                     "# t.levy:12:12: expect failed: rate(v) == 10%\n"
                     "#   left:  0%\n"
                     "#   right: 10%\n"
                     "# t.levy:13:12: expect failed: duty(s) < $1\n"
                     "#   left:  $145.00\n"
                     "#   right: $1.00\n"
                     "not ok 3 - errors\n"
                     "# t.levy:18:47: error[E604]: division by zero\n"
                     "#    18 |     expect rate(s with { product: hs 02 }) == 1 / 0 * 1%\n"
                     "#       |                                               ^~~~~\n"
                     "# t.levy:19:12: expect failed: false\n"
                     "# 1 passed, 2 failed\n"
                     "# coverage: 2 of 4 measures and modifiers not exercised:\n"
                     "#   t.levy:21: measure never\n"
                     "#   t.levy:22: pause idle\n");
}

Test(run, coverage_all_exercised)
{
    load(NULL, PRELUDE "measure m { rate 1% }\n"
                       "test \"t\" { expect rate(shipment { origin: CN, product: hs 01, entered: "
                       "2025-01-01 }) == 1% }\n");
    run_options o = options();
    o.coverage = true;
    run_result res;
    cr_expect(run_tests(&fx.ps, &o, &fx.diags, &res));
    cr_expect_str_eq(sb_cstr(&out),
                     "1 passed, 0 failed\ncoverage: all 1 measures and modifiers exercised\n");
}

Test(run, interrupt_stops)
{
    load(NULL, PRELUDE "1 + 1\n2 + 2\n");
    volatile int stop = 1;
    run_options o = options();
    o.interrupt = &stop;
    run_result res;
    cr_expect_not(run_program(&fx.ps, &o, &fx.diags, &res));
    cr_expect_str_eq(sb_cstr(&out), "");
}
