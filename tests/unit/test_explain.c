/* test_explain.c - explanations and timelines, as data and as text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "fixture.h"

static fixture fx;
static char shown[8192];

static void load_file_or_text(const char *path, const char *text)
{
    if (path)
        fixture_load_file(&fx, path, LEVY_SOURCE_STDLIB_DIR);
    else
        fixture_load_text(&fx, "x.levy", text, LEVY_SOURCE_STDLIB_DIR);
    fixture_policy(&fx);
}

static void teardown(void)
{
    fixture_free(&fx);
}

TestSuite(explain, .fini = teardown);

/* value of `let name`, printed (explanations print their table). */
static const char *show(const char *name)
{
    cr_assert(fixture_show(&fx, fixture_policy(&fx), name, shown, sizeof shown), "%s", shown);
    return shown;
}

#define RECIPROCAL LEVY_SOURCE_STDLIB_DIR "/../examples/reciprocal.levy"

Test(explain, the_design_example)
{
    load_file_or_text(RECIPROCAL, NULL);
    cr_expect_str_eq(show("toys_cn"),
                     "shipment { origin: CN, product: hs 9503.00.00, value: $10000.00, "
                     "entered: 2025-04-15 }");
    node *stmt = fx.p.statements.v[0];
    eval_env env;
    eval_env_init(&env, policy_set_get(&fx.ps, NULL, &fx.diags), &fx.mem);
    value v;
    eval_error err;
    cr_assert(eval_expr(&env, stmt->a, &v, &err), "%s", err.message);
    cr_assert_eq(v.kind, V_EXPLANATION);
    strbuf sb;
    sb_init(&sb, NULL);
    explain_format(v.as.expl, &sb);
    cr_expect_str_eq(sb_cstr(&sb), "hs 9503.00.00 from CN, entered 2025-04-15, value $10,000.00\n"
                                   "  measure          rate         duty   note\n"
                                   "  fentanyl_cn       20%    $2,000.00   EO 14195; EO 14228\n"
                                   "  reciprocal_cn    125%   $12,500.00   replaces reciprocal\n"
                                   "  total            145%   $14,500.00\n"
                                   "  not applied: baseline (replaced by reciprocal), reciprocal "
                                   "(replaced by reciprocal_cn)\n");
    sb_free(&sb);
    const assessment *a = v.as.expl;
    cr_expect_eq(a->napplied, 2);
    cr_expect_eq(a->nskipped, 2);
    cr_expect_eq(a->skipped[0].why, SKIP_REPLACED);
}

Test(explain, notes_say_what_changed_the_charge)
{
    load_file_or_text(
        NULL,
        "country VN \"Viet Nam\"\ncountry CN \"China\"\n"
        "commitment no_tx\ncommit {VN} to no_tx effective 2025-07-02\n"
        "measure baseline { rate 10% }\n"
        "measure recip { rate by origin { VN: 46%, CN: 34% } replaces baseline citation \"EO "
        "14257\" }\n"
        "pause ninety { suspend recip from {VN} effective 2025-04-10 for 90 days }\n"
        "concession clause { from {VN} when commits(origin, no_tx) cap recip at 10% effective "
        "2025-07-09 }\n"
        "pause geneva { suspend recip to 10% from {CN} effective 2025-05-14 for 90 days }\n"
        "let s = shipment { origin: VN, product: hs 6403.99, value: $2000, entered: 2025-07-15 }\n"
        "let capped = explain(s)\n"
        "let paused = explain(s with { entered: 2025-05-01 })\n"
        "let geneva_cn = explain(s with { origin: CN, entered: 2025-06-01 })\n");
    cr_expect_str_eq(show("capped"), "hs 6403.99 from VN, entered 2025-07-15, value $2,000.00\n"
                                     "  measure    rate      duty   note\n"
                                     "  recip       10%   $200.00   EO 14257; capped at 10% by "
                                     "clause (was 46%); replaces baseline\n"
                                     "  total       10%   $200.00\n"
                                     "  not applied: baseline (replaced by recip)\n");
    cr_expect_str_eq(show("paused"), "hs 6403.99 from VN, entered 2025-05-01, value $2,000.00\n"
                                     "  measure     rate      duty   note\n"
                                     "  baseline     10%   $200.00\n"
                                     "  total        10%   $200.00\n"
                                     "  not applied: recip (suspended by pause ninety)\n");
    cr_expect(strstr(show("geneva_cn"),
                     "EO 14257; suspended to 10% by geneva (was 34%); replaces baseline"),
              "%s", shown);
}

Test(explain, nothing_applies_and_specific_columns)
{
    load_file_or_text(NULL,
                      "country FR \"France\"\n"
                      "measure wine { on {hs 2204} rate 6.8% + $0.012 per kg }\n"
                      "let none = explain(shipment { origin: FR, product: hs 01, value: $5, "
                      "entered: 2025-01-01 })\n"
                      "let w = explain(shipment { origin: FR, via: FR, product: hs 2204.21, value: "
                      "$1000, quantity: 1000, unit: kg, entered: 2025-01-01 })\n");
    cr_expect_str_eq(show("none"), "hs 01 from FR, entered 2025-01-01, value $5.00\n"
                                   "  measure    rate    duty   note\n"
                                   "  total        0%   $0.00\n");
    cr_expect_str_eq(show("w"),
                     "hs 2204.21 from FR, entered 2025-01-01, value $1,000.00, quantity 1000 kg\n"
                     "  measure                   rate     duty   note\n"
                     "  wine      6.8% + $0.012 per kg   $80.00\n"
                     "  total     6.8% + $0.012 per kg   $80.00\n");
}

Test(explain, timelines)
{
    load_file_or_text(
        NULL,
        "country CN \"China\"\ncountry VN \"Viet Nam\"\n"
        "measure fent { from {CN} rate 10% effective 2025-02-04 until 2025-03-04 rate 20% "
        "effective 2025-03-04 }\n"
        "measure recip { rate 10% effective 2025-04-05 }\n"
        "let t = timeline(shipment { origin: CN, product: hs 9503, value: $100 }, 2025-01-01, "
        "2025-06-01)\n"
        "let u = timeline(shipment { origin: VN, product: hs 9503 }, 2025-01-01, 2025-02-01)\n");
    cr_expect_str_eq(show("t"),
                     "hs 9503 from CN, value $100.00, entered 2025-01-01 until 2025-06-01\n"
                     "  from         until         rate   charged\n"
                     "  2025-01-01   2025-02-04      0%   -\n"
                     "  2025-02-04   2025-03-04     10%   fent 10%\n"
                     "  2025-03-04   2025-04-05     20%   fent 20%\n"
                     "  2025-04-05   2025-06-01     30%   fent 20%, recip 10%\n");
    cr_expect_str_eq(show("u"), "hs 9503 from VN, entered 2025-01-01 until 2025-02-01\n"
                                "  from         until         rate   charged\n"
                                "  2025-01-01   2025-02-01      0%   -\n");
}
