/* test_eval.c - the semantics of LANGUAGE.md §4, one rule a test.
 *
 * Each test loads a small policy from text (with a few countries of its
 * own, so no library is needed), checks it, compiles it, and evaluates
 * named lets; show() gives a value as `levy run` prints it, or
 * "error CODE: message".
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

#define PRELUDE                                                                                    \
    "country CN \"China\"\ncountry VN \"Viet Nam\"\ncountry JP \"Japan\"\n"                        \
    "country DE \"Germany\"\ncountry FR \"France\"\ncountry MX \"Mexico\"\n"                       \
    "country CA \"Canada\"\ncountry GB \"United Kingdom\"\n"                                       \
    "group EU = {DE, FR}\n"

static fixture fx;
static const policy_index *base; /* the policy without a scenario */
static char shown[4096];

static void load(const char *body)
{
    size_t n = strlen(PRELUDE) + strlen(body) + 1;
    char *text = malloc(n);
    cr_assert_not_null(text);
    snprintf(text, n, "%s%s", PRELUDE, body);
    fixture_load_text(&fx, "test.levy", text, NULL);
    free(text);
    base = fixture_policy(&fx);
}

static void unload(void)
{
    fixture_free(&fx);
}

/* show: the value of `let name`, or "error CODE: message". */
static const char *show_in(const policy_index *ix, const char *name)
{
    fixture_show(&fx, ix, name, shown, sizeof shown);
    return shown;
}

static const char *show(const char *name)
{
    return show_in(base, name);
}

#define EXPECT(name, text) cr_expect_str_eq(show(name), text, "let %s: got '%s'", name, shown)
/* EXPECT_ERROR: an error with this code whose message contains `part`. */
#define EXPECT_ERROR(name, code, part)                                                             \
    do {                                                                                           \
        const char *s_ = show(name);                                                               \
        cr_expect(strncmp(s_, "error " code ":", strlen("error " code ":")) == 0 &&                \
                      strstr(s_, part) != NULL,                                                    \
                  "let %s: got '%s', wanted error %s with '%s'", name, s_, code, part);            \
    } while (0)

TestSuite(eval, .fini = unload);

/* ---- Windows -------------------------------------------------------------- */

Test(eval, windows_of_each_form)
{
    load("measure m {\n"
         "  rate 1% effective 2025-01-01 until 2025-02-01\n"
         "  rate 2% effective 2025-02-01 through 2025-02-10\n"
         "  rate 3% effective 2025-02-11 for 10 days\n"
         "  rate 4% effective 2025-03-31 for 1 month\n"
         "  rate 5% effective 2025-06-01\n"
         "}\n"
         "let s = shipment { origin: CN, product: hs 01, value: $100, entered: 2024-12-31 }\n"
         "let r0 = rate(s)\n"
         "let r1 = rate(s with { entered: 2025-01-31 })\n"
         "let r2 = rate(s with { entered: 2025-02-01 })\n"
         "let r3 = rate(s with { entered: 2025-02-10 })\n"
         "let r4 = rate(s with { entered: 2025-02-20 })\n"
         "let r5 = rate(s with { entered: 2025-02-21 })\n"
         "let r6 = rate(s with { entered: 2025-04-29 })\n"
         "let r7 = rate(s with { entered: 2025-04-30 })\n"
         "let r8 = rate(s with { entered: 2030-01-01 })\n");
    EXPECT("r0", "0%");
    EXPECT("r1", "1%");
    EXPECT("r2", "2%");
    EXPECT("r3", "2%"); /* through: the end day included */
    EXPECT("r4", "3%"); /* 02-11 + 10 days = 02-21, excluded */
    EXPECT("r5", "0%");
    EXPECT("r6", "4%"); /* 03-31 + 1 month clamps to 04-30, excluded */
    EXPECT("r7", "0%");
    EXPECT("r8", "5%");
}

Test(eval, window_dates_from_lets_and_arithmetic)
{
    load("let start = 2025-04-09\n"
         "measure m { rate 10% effective start + 1 day until start + 2 weeks }\n"
         "let s = shipment { origin: CN, product: hs 01, entered: 2025-04-09 }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { entered: 2025-04-10 })\n"
         "let c = rate(s with { entered: 2025-04-23 })\n"
         "let d = 2025-04-23 - start\n"
         "let e = start + 3 months\n");
    EXPECT("a", "0%");
    EXPECT("b", "10%");
    EXPECT("c", "0%");
    EXPECT("d", "14 days");
    EXPECT("e", "2025-07-09");
}

/* ---- Scope ------------------------------------------------------------------ */

Test(eval, scope_on_from_when_and_origin_not_via)
{
    load("products toys = {hs 9503}\n"
         "attribute usmca: bool = false\n"
         "measure m { on all except toys from EU when not usmca rate 10% }\n"
         "let s = shipment { origin: DE, via: CN, product: hs 8471, value: $100, entered: "
         "2025-01-01 }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { product: hs 9503.00.00 })\n"
         "let c = rate(s with { origin: CN, via: DE })\n"
         "let d = rate(s with { usmca: true })\n"
         "let e = s.via\n"
         "let f = (s with { via: DE }).via\n"
         "let g = shipment { origin: MX, entered: 2025-01-01 }.via\n");
    EXPECT("a", "10%");
    EXPECT("b", "0%");
    EXPECT("c", "0%"); /* origin, not the country of export */
    EXPECT("d", "0%");
    EXPECT("e", "CN");
    EXPECT("f", "DE");
    EXPECT("g", "MX"); /* via defaults to origin */
}

/* ---- Tables and schedules -------------------------------------------------- */

Test(eval, by_origin_country_beats_group_and_is_partial)
{
    load("group ASIA = {CN, VN, JP}\n"
         "measure m { rate by origin { ASIA: 20%, VN: 46%, EU: 15% } }\n"
         "let s = shipment { origin: VN, product: hs 01, value: $100, entered: 2025-01-01 }\n"
         "let vn = rate(s)\n"
         "let cn = rate(s with { origin: CN })\n"
         "let fr = rate(s with { origin: FR })\n"
         "let gb = rate(s with { origin: GB })\n"
         "let gb_applies = applies(m, s with { origin: GB })\n");
    EXPECT("vn", "46%");
    EXPECT("cn", "20%");
    EXPECT("fr", "15%");
    EXPECT("gb", "0%");
    EXPECT("gb_applies", "false");
}

Test(eval, by_product_longest_prefix)
{
    load("measure m { rate by product { hs 87: 25%, hs 8708: 10%, hs 8708.29: 2.5%, hs 72..73: 50% "
         "} }\n"
         "let s = shipment { origin: CN, product: hs 8703.23, value: $100, entered: 2025-01-01 }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { product: hs 8708.10 })\n"
         "let c = rate(s with { product: hs 8708.29.50 })\n"
         "let d = rate(s with { product: hs 7308 })\n"
         "let e = rate(s with { product: hs 74 })\n");
    EXPECT("a", "25%");
    EXPECT("b", "10%");
    EXPECT("c", "2.5%");
    EXPECT("d", "50%");
    EXPECT("e", "0%");
}

Test(eval, schedule_whole_rate_is_partial_but_inside_an_expression_must_find)
{
    load("schedule mfn { hs 9503: 0%, hs 6403: 10%, hs 6403.99: 8.5%, hs 0201: 26.4% }\n"
         "measure whole { from {CN} rate mfn }\n"
         "measure deal { from EU rate max(15% - mfn, 0%) }\n"
         "let s = shipment { origin: CN, product: hs 6403.99.90, value: $1000, entered: 2025-01-01 "
         "}\n"
         "let a = rate(s)\n"
         "let b = rate(s with { product: hs 8471 })\n"
         "let c = rate(s with { origin: FR })\n"
         "let d = rate(s with { origin: FR, product: hs 0201.10 })\n"
         "let e = rate(s with { origin: FR, product: hs 8471 })\n"
         "let f = applies(deal, s with { origin: FR, product: hs 0201.10 })\n");
    EXPECT("a", "8.5%");
    EXPECT("b", "0%"); /* no entry: the measure does not apply */
    EXPECT("c", "6.5%");
    EXPECT("d", "0%");
    EXPECT_ERROR(
        "e", "E603",
        "schedule mfn has no rate for hs 8471, needed by the rate of measure deal at test.levy:");
    EXPECT("f", "true"); /* 0% is a rate */
}

/* A schedule named as a table's entry must find a line: the table may
 * have no entry, its entry must yield a rate.  Before, a missing line
 * dropped the measure silently. */
Test(eval, schedule_named_as_a_table_entry_must_find_a_line)
{
    load("schedule mfn { hs 8703: 2.5% }\n"
         "measure o { rate by origin { CN: mfn, JP: 10% } }\n"
         "measure p { from {FR} rate by product { hs 95: mfn, hs 61: 1% } }\n"
         "let s = shipment { origin: CN, product: hs 8703.23, value: $1000, entered: 2025-01-01 }\n"
         "let a = rate(s)\n"
         "let b = duty(s with { product: hs 9503 })\n"
         "let c = rate(s with { origin: DE, product: hs 9503 })\n"
         "let d = rate(s with { origin: FR, product: hs 6109 })\n"
         "let e = applies(p, s with { origin: FR, product: hs 9503 })\n");
    EXPECT("a", "2.5%");
    EXPECT_ERROR("b", "E603",
                 "schedule mfn has no rate for hs 9503, needed by the rate of measure o at "
                 "test.levy:11");
    EXPECT("c", "0%"); /* no entry in either table: neither applies */
    EXPECT("d", "1%");
    EXPECT_ERROR("e", "E603",
                 "schedule mfn has no rate for hs 9503, needed by the rate of measure p at "
                 "test.levy:12");
}

Test(eval, schedule_from_a_csv_file)
{
    /* Below the current folder: a policy given as text reads only there
       (E704 elsewhere). */
    char dir[] = "levy-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128], policy[512];
    snprintf(path, sizeof path, "%s/rates.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("hs,rate\n9503,0%\n6403,10%\n2204,$0.063 per l\n", f);
    fclose(f);
    snprintf(
        policy, sizeof policy,
        "schedule mfn from \"%s\"\n"
        "measure m { rate mfn }\n"
        "let s = shipment { origin: CN, product: hs 6403.99, value: $100, entered: 2025-01-01 }\n"
        "let a = rate(s)\n"
        "let b = duty(s with { product: hs 2204.21, quantity: 100, unit: l })\n",
        path);
    load(policy);
    EXPECT("a", "10%");
    EXPECT("b", "$6.30");
    unlink(path);
    rmdir(dir);
}

Test(eval, schedule_file_missing_is_an_error_at_compile_time)
{
    load("schedule mfn from \"/nonexistent/rates.csv\"\n"
         "measure m { rate mfn }\n"
         "let s = shipment { origin: CN, product: hs 6403.99, value: $100, entered: 2025-01-01 }\n"
         "let a = rate(s)\n");
    bool found = false;
    for (size_t i = 0; i < fx.diags.count; i++)
        found |= strcmp(fx.diags.items[i].code, "E703") == 0;
    cr_expect(found, "E703 reported");
    EXPECT_ERROR("a", "E603", "could not be read");
}

/* ---- Modifiers ---------------------------------------------------------------- */

#define RECIPROCAL                                                                                 \
    "measure baseline { rate 10% }\n"                                                              \
    "measure recip { rate by origin { CN: 34%, VN: 46%, JP: 24% } replaces baseline }\n"           \
    "let s = shipment { origin: VN, product: hs 6403, value: $1000, entered: 2025-04-15 }\n"

Test(eval, suspension_revives_what_the_measure_replaced)
{
    load(RECIPROCAL
         "pause p { suspend recip from all except {CN} effective 2025-04-10 for 90 days }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { origin: CN })\n"
         "let c = rate(s with { entered: 2025-07-09 })\n"
         "let d = applies(baseline, s)\n");
    EXPECT("a", "10%");
    EXPECT("b", "34%");
    EXPECT("c", "46%");
    EXPECT("d", "true");
}

Test(eval, suspend_to_set_cap_reduce)
{
    load(RECIPROCAL
         "pause geneva { suspend recip to 10% from {CN} effective 2025-05-14 for 90 days }\n"
         "concession capj { from {JP} cap recip at 10% }\n"
         "concession setv { from {VN} set recip to 20% effective 2025-08-07 }\n"
         "concession redv { from {VN} reduce recip by 50% effective 2025-01-01 until 2025-02-01 }\n"
         "concession redc { from {CN} reduce recip by 4% effective 2025-01-01 until 2025-02-01 }\n"
         "let cn = rate(s with { origin: CN, entered: 2025-06-01 })\n"
         "let jp = rate(s with { origin: JP })\n"
         "let vn = rate(s with { entered: 2025-08-07 })\n"
         "let floor = rate(s with { entered: 2025-01-15 })\n"
         "let cn_red = rate(s with { origin: CN, entered: 2025-01-15 })\n");
    EXPECT("cn", "10%");
    EXPECT("jp", "10%");
    EXPECT("vn", "20%");
    EXPECT("floor", "0%"); /* max(46% - 50%, 0%): still applies, so it still replaces */
    EXPECT("cn_red", "30%");
}

Test(eval, cap_above_the_rate_changes_nothing)
{
    load(RECIPROCAL "concession c40 { cap recip at 40% }\n"
                    "let a = rate(s with { origin: JP })\n"
                    "let b = rate(s)\n");
    EXPECT("a", "24%");
    EXPECT("b", "40%");
}

Test(eval, suspend_all_except)
{
    load(RECIPROCAL "measure fent { from {CN} rate 20% }\n"
                    "pause deminimis { suspend all except fent when value < $800 effective "
                    "2025-01-01 until 2025-08-29 }\n"
                    "let small = rate(s with { value: $500 })\n"
                    "let big = rate(s)\n"
                    "let cn_small = rate(s with { origin: CN, value: $500 })\n"
                    "let later = rate(s with { value: $500, entered: 2025-08-29 })\n");
    EXPECT("small", "0%");
    EXPECT("big", "46%");
    EXPECT("cn_small", "20%");
    EXPECT("later", "46%");
}

Test(eval, modifiers_that_agree_do_not_conflict)
{
    load(RECIPROCAL
         "concession c1 { from {JP} cap recip at 10% }\n"
         "concession c2 { from {JP} set recip to 10% }\n"
         "pause p1 { suspend recip from {VN} effective 2025-01-01 for 1 year }\n"
         "pause p2 { suspend recip, baseline from {VN} effective 2025-01-01 for 1 year }\n"
         "let jp = rate(s with { origin: JP })\n"
         "let vn = rate(s)\n");
    EXPECT("jp", "10%");
    EXPECT("vn", "0%");
}

Test(eval, disagreeing_modifiers_conflict)
{
    load(RECIPROCAL "concession c1 { from {JP} cap recip at 10% }\n"
                    "concession c2 { from {JP} set recip to 15% }\n"
                    "pause p1 { suspend recip from {VN} effective 2025-01-01 for 1 year }\n"
                    "concession c3 { from {VN} set recip to 20% }\n"
                    "let jp = rate(s with { origin: JP })\n"
                    "let vn = rate(s)\n"
                    "let cn = rate(s with { origin: CN })\n");
    EXPECT_ERROR("jp", "E601",
                 "concession c1 (test.levy:13) makes it charge 10%, concession c2 (test.levy:14) "
                 "makes it charge 15%");
    EXPECT_ERROR(
        "vn", "E601",
        "pause p1 (test.levy:15) suspends it, concession c3 (test.levy:16) makes it charge 20%");
    EXPECT("cn", "34%");
}

Test(eval, overrides_drops_the_overridden_modifier)
{
    load(RECIPROCAL
         "concession c1 { from {JP} cap recip at 10% }\n"
         "concession c2 { from {JP} set recip to 15% overrides c1 effective 2025-03-01 }\n"
         "let a = rate(s with { origin: JP })\n"
         "let b = rate(s with { origin: JP, entered: 2025-02-01 })\n");
    EXPECT("a", "15%");
    EXPECT("b", "10%");
}

Test(eval, modifier_scope_and_window)
{
    load(RECIPROCAL "concession cv { on {hs 64} from {VN} when value > $500 cap recip at 5% "
                    "effective 2025-04-01 }\n"
                    "let a = rate(s)\n"
                    "let b = rate(s with { value: $500 })\n"
                    "let c = rate(s with { product: hs 6203 })\n"
                    "let d = rate(s with { entered: 2025-03-31 })\n");
    EXPECT("a", "5%");
    EXPECT("b", "46%");
    EXPECT("c", "46%");
    EXPECT("d", "46%");
}

/* ---- Replacement ------------------------------------------------------------- */

Test(eval, replacement_chain_without_revival)
{
    load("measure c { rate 1% }\n"
         "measure b { from {CN, JP} rate 2% replaces c }\n"
         "measure a { from {CN} rate 4% replaces b }\n"
         "measure zero { from {JP} rate 0% replaces c }\n"
         "measure w { from {VN} rate 8% replaces c effective 2025-06-01 }\n"
         "let s = shipment { origin: CN, product: hs 01, value: $100, entered: 2025-01-01 }\n"
         "let cn = rate(s)\n"
         "let jp = rate(s with { origin: JP })\n"
         "let vn_before = rate(s with { origin: VN })\n"
         "let vn_after = rate(s with { origin: VN, entered: 2025-06-01 })\n"
         "let c_on_cn = applies(c, s)\n");
    EXPECT("cn", "4%"); /* a replaces b, b replaces c: only a remains */
    EXPECT("jp", "2%"); /* zero (0%) applies and replaces c */
    EXPECT("vn_before", "9%");
    EXPECT("vn_after", "8%"); /* w replaces c from 06-01 only */
    EXPECT("c_on_cn", "false");
}

/* ---- Amounts -------------------------------------------------------------------- */

Test(eval, specific_and_compound_rates)
{
    load("measure wine { on {hs 2204} rate $0.063 per l }\n"
         "measure beef { on {hs 0201} rate 6.8% + $0.012 per kg }\n"
         "let w = shipment { entered: 2025-01-01, origin: FR, product: hs 2204.21, value: $1000, "
         "quantity: 750, unit: l "
         "}\n"
         "let a = duty(w)\n"
         "let b = rate(w)\n"
         "let c = duty(shipment { origin: FR, product: hs 0201.10, value: $1000, quantity: 1000, "
         "unit: kg, entered: 2025-01-01 })\n"
         "let d = duty(w with { quantity: 10 })\n"
         "let e = duty(shipment { origin: FR, product: hs 2204.21, value: $1000, entered: "
         "2025-01-01 })\n"
         "let f = duty(w with { unit: kg })\n");
    EXPECT("a", "$47.25");
    EXPECT("b", "0%"); /* rate(s) sums the ad valorem parts */
    EXPECT("c", "$80.00");
    EXPECT("d", "$0.63");
    EXPECT_ERROR("e", "E605",
                 "measure wine charges $0.063 per l, but the shipment has no quantity in l");
    EXPECT_ERROR("f", "E605", "gives its quantity in kg, not in l");
}

Test(eval, specific_rates_refuse_minus_max_min)
{
    load("let a = 15% - $0.05 per kg\n"
         "let b = max(15%, $0.05 per kg)\n"
         "let c = min($0.05 per kg, 2%)\n"
         "let d = 6.8% + $0.012 per kg\n"
         "let e = max(15% - 26.4%, 0%)\n"
         "let f = min(2%, 3%, 1.5%)\n");
    EXPECT_ERROR("a", "E605",
                 "'-' is defined on ad valorem rates only, not on 15% and $0.05 per kg");
    EXPECT_ERROR("b", "E605",
                 "'max' is defined on ad valorem rates only, not on 15% and $0.05 per kg");
    EXPECT_ERROR("c", "E605", "'min'");
    EXPECT("d", "6.8% + $0.012 per kg");
    EXPECT("e", "0%");
    EXPECT("f", "1.5%");
}

Test(eval, base_and_rounding_per_measure)
{
    load("attribute steel_content: money = value * 40%\n"
         "measure steel { on {hs 73} rate 50% base steel_content }\n"
         "measure other { rate 2.5% }\n"
         "measure tiny { on {hs 99} rate 0.5% }\n"
         "let s = shipment { origin: CN, product: hs 7308, value: $1000, entered: 2025-01-01 }\n"
         "let a = duty(s)\n"
         "let b = duty(s with { steel_content: $100.01 })\n"
         "let c = duty(shipment { origin: CN, product: hs 9903, value: $1.00, entered: 2025-01-01 "
         "})\n"
         "let d = effective_rate(shipment { origin: CN, product: hs 9903, value: $3.00, entered: "
         "2025-01-01 })\n"
         "let e = rate(s)\n");
    EXPECT("a", "$225.00"); /* 400 x 50% + 1000 x 2.5% */
    EXPECT("b", "$75.01");  /* 50.005 -> 50.01, + 25.00 */
    EXPECT("c", "$0.04");   /* 0.025 -> 0.03 and 0.005 -> 0.01, each rounded */
    EXPECT("d", "3.3333%"); /* $0.10 / $3.00, to 0.0001% */
    EXPECT("e", "52.5%");
}

/* ---- Fields ------------------------------------------------------------------------ */

Test(eval, missing_fields_name_the_field_and_the_clause)
{
    load("attribute vessel: bool = false\n"
         "measure intransit { rate 10% when vessel and loaded < 2025-04-09 }\n"
         "measure strict { rate 1% when loaded < 2025-04-09 }\n"
         "measure dated { on {hs 01} rate 5% effective 2025-01-01 }\n"
         "let s = shipment { origin: CN, product: hs 02, value: $100, entered: 2025-01-01 }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { loaded: 2025-04-01 })\n"
         "let c = rate(s with { vessel: true, loaded: 2025-04-01, product: hs 01 })\n"
         "let d = rate(s with { loaded: 2025-04-01, product: hs 01 })\n"
         "let e = duty(shipment { origin: CN, product: hs 02, loaded: 2025-04-01, entered: "
         "2025-01-01 })\n");
    EXPECT_ERROR(
        "a", "E602",
        "shipment has no 'loaded' date, needed by the 'when' of measure strict at test.levy:12");
    EXPECT("b", "1%");
    EXPECT("c", "16%");
    EXPECT("d", "6%");
    EXPECT_ERROR("e", "E602", "shipment has no 'value', needed by measure strict");
}

/* origin, product and entered are checked at the call, before any measure
 * is looked at; before, the answer depended on which measures the index
 * skipped (cn_dated, for China only, is never asked for its window on a
 * German shipment, and no measure reads the product). */
Test(eval, origin_product_entered_are_needed_up_front)
{
    load("measure cn_dated { from {CN} rate 20% effective 2025-03-04 }\n"
         "measure all_goods { rate 5% }\n"
         "let s = shipment { origin: DE, product: hs 9503, value: $100 }\n"
         "let a = rate(s)\n"
         "let b = duty(s)\n"
         "let c = effective_rate(s)\n"
         "let d = applies(all_goods, s)\n"
         "let e = rate(shipment { origin: DE, value: $1, entered: 2025-04-01 })\n"
         "let f = rate(shipment { product: hs 01, entered: 2025-04-01 })\n"
         "let g = rate(shipment { value: $1 })\n"
         "let h = rate(s with { entered: 2025-04-01 })\n"
         "let i = explain(s)\n");
    EXPECT_ERROR("a", "E602", "shipment has no 'entered' date, needed by rate()");
    EXPECT_ERROR("b", "E602", "shipment has no 'entered' date, needed by duty()");
    EXPECT_ERROR("c", "E602", "shipment has no 'entered' date, needed by effective_rate()");
    EXPECT_ERROR("d", "E602", "shipment has no 'entered' date, needed by applies()");
    EXPECT_ERROR("e", "E602", "shipment has no 'product', needed by rate()");
    EXPECT_ERROR("f", "E602", "shipment has no 'origin', needed by rate()");
    EXPECT_ERROR("g", "E602",
                 "shipment has no 'origin', 'product' or 'entered' date, needed by rate()");
    EXPECT("h", "5%");
    EXPECT_ERROR("i", "E602", "shipment has no 'entered' date, needed by explain()");
    /* eval_assess, for callers with no call to point at (levy_evaluate). */
    shipment *sh = ship_new(&fx.mem, &fx.p);
    char err[128];
    cr_assert(ship_set_text(sh, &fx.p, &fx.mem, F_ORIGIN, "DE", 2, err, sizeof err));
    cr_assert(ship_set_text(sh, &fx.p, &fx.mem, F_ENTERED, "2025-04-15", 10, err, sizeof err));
    eval_env env;
    eval_env_init(&env, base, &fx.mem);
    assessment as;
    eval_error e;
    cr_assert_not(eval_assess(&env, sh, ASSESS_AMOUNTS, &as, &e));
    cr_expect_str_eq(e.code, "E602");
    cr_expect_str_eq(e.message, "shipment has no 'product', needed by every evaluation");
}

/* rate and applies need only what decides the charged measures and their
 * ad valorem rates; amounts need value, quantity and unit, and base. */
Test(eval, rate_and_applies_need_no_amount_fields)
{
    load("attribute steel_content: money\n"
         "measure beef { on {hs 0201} rate 6.8% + $0.012 per kg }\n"
         "measure steel { on {hs 73} rate 50% base steel_content }\n"
         "let b = shipment { origin: CN, product: hs 0201.10, entered: 2025-01-01 }\n"
         "let t = shipment { origin: CN, product: hs 7308, value: $10, entered: 2025-01-01 }\n"
         "let a = rate(b)\n"
         "let c = applies(beef, b)\n"
         "let d = duty(b with { value: $1000 })\n"
         "let e = rate(t)\n"
         "let f = applies(steel, t)\n"
         "let g = effective_rate(t)\n"
         "let h = duty(t with { steel_content: $4 })\n");
    EXPECT("a", "6.8%");
    EXPECT("c", "true");
    EXPECT_ERROR("d", "E605", "the shipment has no quantity in kg");
    EXPECT("e", "50%");
    EXPECT("f", "true");
    EXPECT_ERROR("g", "E602",
                 "shipment has no 'steel_content', needed by the base of measure steel");
    EXPECT("h", "$2.00");
}

/* has(via) is false when via only defaults to origin. */
Test(eval, has_via_is_false_when_via_is_defaulted)
{
    load("measure m { when has(via) rate 1% }\n"
         "let s = shipment { origin: CN, product: hs 02, value: $100, entered: 2025-01-01 }\n"
         "let a = rate(s)\n"
         "let b = s.via\n"
         "let c = rate(s with { via: CN })\n");
    EXPECT("a", "0%");
    EXPECT("b", "CN");
    EXPECT("c", "1%");
}

Test(eval, has_and_short_circuits)
{
    load("measure m { rate 10% when has(loaded) and loaded < 2025-04-09 }\n"
         "measure n { rate 1% when if has(quantity) then quantity > 10 else false }\n"
         "let s = shipment { origin: CN, product: hs 02, value: $100, entered: 2025-01-01 }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { loaded: 2025-04-08, quantity: 11 })\n");
    EXPECT("a", "0%");
    EXPECT("b", "11%");
}

Test(eval, derived_lets_and_attribute_defaults)
{
    load("attribute us_content: money = $0\n"
         "let foreign = if us_content >= value * 20% then value - us_content else value\n"
         "measure recip { rate 10% base foreign }\n"
         "let s = shipment { origin: CN, product: hs 02, value: $1000, entered: 2025-01-01 }\n"
         "let a = duty(s)\n"
         "let b = duty(s with { us_content: $300 })\n"
         "let c = duty(s with { us_content: $100 })\n");
    EXPECT("a", "$100.00");
    EXPECT("b", "$70.00");
    EXPECT("c", "$100.00");
}

/* ---- Arithmetic ------------------------------------------------------------------- */

Test(eval, arithmetic_is_exact_and_checked)
{
    load("let a = $0.10 + $0.20\n"
         "let b = 1 / 0\n"
         "let c = $9000000000000 * 10\n"
         "let d = $1000 * 16.5%\n"
         "let e = 10% + 5% * 2\n"
         "let f = -$5 + $2\n"
         "let g = $10 / 4\n"
         "let h = 2025-03-01 - 2025-02-01\n");
    EXPECT("a", "$0.30");
    EXPECT_ERROR("b", "E604", "division by zero");
    EXPECT_ERROR("c", "E604", "overflow");
    EXPECT("d", "$165.00");
    EXPECT("e", "20%");
    EXPECT("f", "-$3.00");
    EXPECT("g", "$2.50");
    EXPECT("h", "28 days");
}

/* ---- Built-ins ----------------------------------------------------------------------- */

Test(eval, commits_over_time)
{
    load("commitment no_tx\n"
         "commit {VN, JP} to no_tx effective 2025-07-02\n"
         "commit {GB} to no_tx effective 2025-01-01 until 2025-02-01\n"
         "measure m { rate 20% }\n"
         "concession cap_m { when commits(origin, no_tx) cap m at 10% }\n"
         "let s = shipment { origin: VN, product: hs 02, value: $100, entered: 2025-07-15 }\n"
         "let a = rate(s)\n"
         "let b = rate(s with { entered: 2025-07-01 })\n"
         "let c = rate(s with { origin: CN })\n"
         "let d = commits(GB, no_tx, 2025-01-31)\n"
         "let e = commits(GB, no_tx, 2025-02-01)\n");
    EXPECT("a", "10%");
    EXPECT("b", "20%");
    EXPECT("c", "20%");
    EXPECT("d", "true");
    EXPECT("e", "false");
}

Test(eval, timeline_steps_at_window_boundaries)
{
    load("measure a { from {CN} rate 10% effective 2025-02-04 until 2025-03-04 rate 20% effective "
         "2025-03-04 }\n"
         "measure b { rate 5% when entered < 2025-05-01 }\n"
         "let s = shipment { origin: CN, product: hs 02, value: $100, entered: 2025-01-01 }\n"
         "let t = timeline(s, 2025-01-01, 2025-12-31)\n");
    const char *t = show("t");
    cr_expect(strstr(t, "2025-01-01   2025-02-04      5%   b 5%\n"), "%s", t);
    cr_expect(strstr(t, "2025-02-04   2025-03-04     15%   a 10%, b 5%\n"), "%s", t);
    cr_expect(strstr(t, "2025-03-04   2025-05-01     25%   a 20%, b 5%\n"), "%s", t);
    cr_expect(strstr(t, "2025-05-01   2025-12-31     20%   a 20%\n"), "%s", t);
}

Test(eval, sets_and_membership)
{
    load("products steel = {hs 72, hs 73} except {hs 7302}\n"
         "let a = hs 7302.10 in steel\n"
         "let b = hs 7301 in steel\n"
         "let c = CN in EU\n"
         "let d = FR in {EU, JP}\n"
         "let e = steel\n"
         "let f = {EU, JP} except {DE}\n");
    EXPECT("a", "false");
    EXPECT("b", "true");
    EXPECT("c", "false");
    EXPECT("d", "true");
    EXPECT("e", "{hs 72, hs 7300..7301, hs 7303..7399}");
    EXPECT("f", "{JP, FR}");
}

/* ---- Scenarios ----------------------------------------------------------------------- */

Test(eval, scenario_drops_and_adds)
{
    load("measure steel { on {hs 72} rate 25% }\n"
         "measure other { rate 5% }\n"
         "scenario deal { drop other  measure steel2 { on {hs 72} rate 15% replaces steel } }\n"
         "let s = shipment { origin: CN, product: hs 7208, value: $1000, entered: 2025-01-01 }\n"
         "let r = rate(s)\n");
    EXPECT("r", "30%");
    const node *deal = find_scenario(&fx.p, "deal");
    cr_assert_not_null(deal);
    const policy_index *ix = policy_set_get(&fx.ps, deal, &fx.diags);
    cr_assert_not_null(ix);
    cr_expect_str_eq(show_in(ix, "r"), "15%");
}

/* A dropped declaration keeps its name and acts on nothing. */
Test(eval, dropped_declarations_keep_their_names_and_act_on_nothing)
{
    load("measure general { rate 20% }\n"
         "measure special { rate 5% replaces general }\n"
         "pause p { suspend general to 1% effective 2025-01-01 until 2025-02-01 }\n"
         "scenario s1 { drop special, p }\n"
         "let s = shipment { origin: CN, product: hs 02, value: $100, entered: 2025-01-15 }\n"
         "let a = applies(special, s)\n"
         "let b = applies(general, s)\n"
         "let r = rate(s)\n");
    EXPECT("a", "true");
    EXPECT("b", "false");
    EXPECT("r", "5%");
    const node *s1 = find_scenario(&fx.p, "s1");
    cr_assert_not_null(s1);
    const policy_index *ix = policy_set_get(&fx.ps, s1, &fx.diags);
    cr_assert_not_null(ix);
    cr_expect_str_eq(show_in(ix, "a"), "false");
    cr_expect_str_eq(show_in(ix, "b"), "true");
    cr_expect_str_eq(show_in(ix, "r"), "20%"); /* p, dropped, no longer suspends general */
}

/* ---- Shipments from text (the API and data rows) ------------------------------------------ */

Test(eval, assess_a_shipment_built_from_text)
{
    load("measure m { from {CN} rate 20% citation \"EO\" }\n"
         "measure n { rate 10% }\n"
         "measure o { from {CN} rate 125% replaces n }\n");
    shipment *s = ship_new(&fx.mem, &fx.p);
    char err[128];
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_ORIGIN, "CN", 2, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_PRODUCT, "9503.00.00", 10, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_VALUE, "$10,000", 7, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_ENTERED, "2025-04-15", 10, err, sizeof err));
    eval_env env;
    eval_env_init(&env, base, &fx.mem);
    assessment a;
    eval_error e;
    cr_assert(eval_assess(&env, s, ASSESS_AMOUNTS, &a, &e), "%s", e.message);
    cr_expect_eq(a.napplied, 2);
    cr_expect_str_eq(a.applied[0].measure->name, "m");
    cr_expect_eq(a.applied[1].amount.units, INT64_C(12500) * DEC_SCALE);
    cr_expect_eq(a.duty.units, INT64_C(14500) * DEC_SCALE);
    cr_expect_eq(a.total.ad_valorem.units, INT64_C(1450000));
    cr_expect_eq(a.nskipped, 1);
    cr_expect_eq(a.skipped[0].why, SKIP_REPLACED);
    cr_expect_str_eq(a.skipped[0].by->name, "o");
}
