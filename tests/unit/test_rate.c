/* test_rate.c - units, rate_format, rate_parse_levy and rate_parse_usitc. */
#include <criterion/criterion.h>
#include <string.h>

#include "rate.h"

/* Rates are compared by their exact millionths: 16.5% is 165000, $0.105 is
 * 105000. */
static void check_rate(rate_value r, int64_t av, int64_t specific, unit u, const char *text)
{
    cr_assert_eq(r.ad_valorem.units, av, "%s: ad valorem %lld, expected %lld", text,
                 (long long)r.ad_valorem.units, (long long)av);
    cr_assert_eq(r.specific.units, specific, "%s: specific %lld, expected %lld", text,
                 (long long)r.specific.units, (long long)specific);
    cr_assert_eq(r.unit, u, "%s: unit %s, expected %s", text, unit_name(r.unit), unit_name(u));
}

static void levy_ok(const char *text, int64_t av, int64_t specific, unit u)
{
    rate_value r;
    cr_assert(rate_parse_levy(text, strlen(text), &r), "levy \"%s\" should parse", text);
    check_rate(r, av, specific, u, text);
}

static void levy_bad(const char *text)
{
    rate_value r;
    cr_assert_not(rate_parse_levy(text, strlen(text), &r), "levy \"%s\" should not parse", text);
}

static void usitc_ok(const char *text, int64_t av, int64_t specific, unit u)
{
    rate_value r;
    cr_assert(rate_parse_usitc(text, strlen(text), &r), "usitc \"%s\" should parse", text);
    check_rate(r, av, specific, u, text);
}

static void usitc_bad(const char *text)
{
    rate_value r;
    cr_assert_not(rate_parse_usitc(text, strlen(text), &r), "usitc \"%s\" should not parse", text);
}

static rate_value make(int64_t av, int64_t specific, unit u)
{
    rate_value r = { dec_from_units(av), dec_from_units(specific), u };
    return r;
}

static void format_is(rate_value r, const char *expected)
{
    char buf[RATE_FMT_MAX];
    size_t n = rate_format(r, buf, sizeof buf);
    cr_assert_str_eq(buf, expected);
    cr_assert_eq(n, strlen(expected));
}

/* ---- units ---- */

Test(unit, names_round_trip)
{
    cr_assert_str_eq(unit_name(UNIT_NONE), "");
    cr_assert_str_eq(unit_name(UNIT_KG), "kg");
    cr_assert_str_eq(unit_name(UNIT_PF_L), "pf_l");
    cr_assert_str_eq(unit_name(UNIT_THOUSAND), "thousand");
    for (int u = UNIT_NONE + 1; u < UNIT_COUNT; u++) {
        const char *name = unit_name((unit)u);
        cr_assert_gt(strlen(name), 0);
        cr_assert_eq(unit_from_name(name, strlen(name)), (unit)u, "%s", name);
    }
}

Test(unit, unknown_names)
{
    cr_assert_eq(unit_from_name("", 0), UNIT_NONE);
    cr_assert_eq(unit_from_name("KG", 2), UNIT_NONE);
    cr_assert_eq(unit_from_name("kgs", 3), UNIT_NONE);
    cr_assert_eq(unit_from_name("kg", 1), UNIT_NONE); /* "k" */
    cr_assert_eq(unit_from_name("liter", 5), UNIT_NONE);
    cr_assert_str_eq(unit_name(UNIT_COUNT), "");
}

Test(rate, ad_valorem)
{
    rate_value r = rate_ad_valorem(dec_from_units(250000));
    check_rate(r, 250000, 0, UNIT_NONE, "25%");
    cr_assert_not(rate_is_specific(r));
}

/* ---- rate_format ---- */

Test(rate_format, shapes)
{
    format_is(make(250000, 0, UNIT_NONE), "25%");
    format_is(make(0, 0, UNIT_NONE), "0%");
    format_is(make(165000, 0, UNIT_NONE), "16.5%");
    format_is(make(1450000, 0, UNIT_NONE), "145%");
    format_is(make(0, 63000, UNIT_L), "$0.063 per l");
    format_is(make(68000, 12000, UNIT_KG), "6.8% + $0.012 per kg");
    format_is(make(0, 105000, UNIT_BBL), "$0.105 per bbl");
    format_is(make(0, 1350000, UNIT_KG), "$1.35 per kg");
    format_is(make(0, 1240000, UNIT_T), "$1.24 per t");
    format_is(make(0, 189000, UNIT_PF_L), "$0.189 per pf_l");
    format_is(make(0, 1000000000, UNIT_T), "$1,000.00 per t");
}

Test(rate_format, truncates_like_snprintf)
{
    char buf[8];
    size_t n = rate_format(make(68000, 12000, UNIT_KG), buf, sizeof buf);
    cr_assert_eq(n, strlen("6.8% + $0.012 per kg"));
    cr_assert_str_eq(buf, "6.8% + ");
    cr_assert_eq(rate_format(make(250000, 0, UNIT_NONE), NULL, 0), 3);
}

Test(rate_format, round_trips_through_levy)
{
    rate_value rates[] = {
        make(250000, 0, UNIT_NONE), make(0, 63000, UNIT_L),      make(68000, 12000, UNIT_KG),
        make(1, 0, UNIT_NONE),      make(0, 1000000000, UNIT_T), make(35000, 200000, UNIT_THOUSAND),
    };
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        char buf[RATE_FMT_MAX];
        rate_value back;
        rate_format(rates[i], buf, sizeof buf);
        cr_assert(rate_parse_levy(buf, strlen(buf), &back), "%s", buf);
        check_rate(back, rates[i].ad_valorem.units, rates[i].specific.units, rates[i].unit, buf);
    }
}

/* ---- rate_parse_levy ---- */

Test(rate_parse_levy, ad_valorem)
{
    levy_ok("25%", 250000, 0, UNIT_NONE);
    levy_ok("16.5%", 165000, 0, UNIT_NONE);
    levy_ok("0%", 0, 0, UNIT_NONE);
    levy_ok("0.0001%", 1, 0, UNIT_NONE);
    levy_ok("145%", 1450000, 0, UNIT_NONE);
    levy_ok("  7.5%\t", 75000, 0, UNIT_NONE);
    levy_ok("1_000%", 10000000, 0, UNIT_NONE);
}

Test(rate_parse_levy, free_is_zero)
{
    levy_ok("Free", 0, 0, UNIT_NONE);
    levy_ok("free", 0, 0, UNIT_NONE);
    levy_ok(" FREE ", 0, 0, UNIT_NONE);
}

Test(rate_parse_levy, specific)
{
    levy_ok("$0.063 per l", 0, 63000, UNIT_L);
    levy_ok("$1.35 per kg", 0, 1350000, UNIT_KG);
    levy_ok("$2 per item", 0, 2000000, UNIT_ITEM);
    levy_ok("$0.76 per pair", 0, 760000, UNIT_PAIR);
    levy_ok("$0.028 per doz", 0, 28000, UNIT_DOZ);
    levy_ok("$0.145 per m2", 0, 145000, UNIT_M2);
    levy_ok("$1.13 per m3", 0, 1130000, UNIT_M3);
    levy_ok("$1.24 per t", 0, 1240000, UNIT_T);
    levy_ok("$0.105 per bbl", 0, 105000, UNIT_BBL);
    levy_ok("$0.14 per gross", 0, 140000, UNIT_GROSS);
    levy_ok("$0.896 per thousand", 0, 896000, UNIT_THOUSAND);
    levy_ok("$0.189 per pf_l", 0, 189000, UNIT_PF_L);
    levy_ok("$1_200.50 per t", 0, 1200500000, UNIT_T);
    levy_ok("$1,200.50 per t", 0, 1200500000, UNIT_T);
    levy_ok("$0.05  per\tkg", 0, 50000, UNIT_KG);
}

Test(rate_parse_levy, compound_either_order)
{
    levy_ok("6.8% + $0.012 per kg", 68000, 12000, UNIT_KG);
    levy_ok("$0.05 per kg + 3%", 30000, 50000, UNIT_KG);
    levy_ok("6.8%+$0.012 per kg", 68000, 12000, UNIT_KG);
}

Test(rate_parse_levy, rejects)
{
    const char *bad[] = {
        "",
        "   ",
        "25",
        "25 %",
        "%",
        "-5%",
        "+5%",
        "5%%",
        "$5",
        "$5 per",
        "$5 per lb",
        "$5 per KG",
        "$5per kg",
        "$ 5 per kg",
        "$-5 per kg",
        "5% + 3%",
        "$1 per kg + $2 per l",
        "5% + ",
        "+",
        "5% + 3% + $1 per kg",
        "1,5%",
        "$1,00 per kg",
        "$1,0000 per kg",
        "$1000,000 per kg",
        "12.0000001%",
        "$0.0000001 per kg",
        "Free + 5%",
        "Freedom",
        "5¢/kg",
        "25 percent",
        "5.%",
        "abc",
        "99999999999999999999%",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        levy_bad(bad[i]);
}

Test(rate_parse_levy, length_is_respected)
{
    rate_value r;
    const char *text = "25%garbage";
    cr_assert(rate_parse_levy(text, 3, &r));
    check_rate(r, 250000, 0, UNIT_NONE, text);
    cr_assert_not(rate_parse_levy(text, 2, &r));
}

/* ---- rate_parse_usitc: every shape of the 2025 HTS General column ---- */

Test(rate_parse_usitc, free_and_percent)
{
    usitc_ok("Free", 0, 0, UNIT_NONE);
    usitc_ok("6.8%", 68000, 0, UNIT_NONE);
    usitc_ok("16.5%", 165000, 0, UNIT_NONE);
    usitc_ok("26.4%", 264000, 0, UNIT_NONE);
    usitc_ok("0.9%", 9000, 0, UNIT_NONE);
    usitc_ok("35%", 350000, 0, UNIT_NONE);
}

Test(rate_parse_usitc, cents_per_unit)
{
    usitc_ok("1¢/kg", 0, 10000, UNIT_KG);
    usitc_ok("10.5¢/bbl", 0, 105000, UNIT_BBL);
    usitc_ok("5.25¢/bbl", 0, 52500, UNIT_BBL);
    usitc_ok("0.34¢/liter", 0, 3400, UNIT_L);
    usitc_ok("4.5¢/ liter", 0, 45000, UNIT_L);
    usitc_ok("18.9¢/pf.liter", 0, 189000, UNIT_PF_L);
    usitc_ok("18.9¢/pf. liter", 0, 189000, UNIT_PF_L);
    usitc_ok("18.9¢/proof liter", 0, 189000, UNIT_PF_L);
    usitc_ok("2.8¢/doz.", 0, 28000, UNIT_DOZ);
    usitc_ok("6.5¢/gross", 0, 65000, UNIT_GROSS);
    usitc_ok("89.6¢/1000", 0, 896000, UNIT_THOUSAND);
    usitc_ok("39.7¢/t", 0, 397000, UNIT_T);
    usitc_ok("18.7¢/m2", 0, 187000, UNIT_M2);
    usitc_ok("68¢/head", 0, 680000, UNIT_ITEM);
    usitc_ok("3.6606¢/kg", 0, 36606, UNIT_KG);
}

Test(rate_parse_usitc, dollars_per_unit)
{
    usitc_ok("$1.646/kg", 0, 1646000, UNIT_KG);
    usitc_ok("$1.24/t", 0, 1240000, UNIT_T);
    usitc_ok("$1.34/1000", 0, 1340000, UNIT_THOUSAND);
    usitc_ok("$2/1,000", 0, 2000000, UNIT_THOUSAND);
    usitc_ok("$1.13/m3", 0, 1130000, UNIT_M3);
    usitc_ok("$1.32/pf. liter", 0, 1320000, UNIT_PF_L);
}

Test(rate_parse_usitc, each)
{
    usitc_ok("0.9¢ each", 0, 9000, UNIT_ITEM);
    usitc_ok("$2.16 each", 0, 2160000, UNIT_ITEM);
    usitc_ok("5¢/No.", 0, 50000, UNIT_ITEM);
}

Test(rate_parse_usitc, compound)
{
    usitc_ok("46.3¢/kg + 14.9%", 149000, 463000, UNIT_KG);
    usitc_ok("6.8% + 1.2¢/kg", 68000, 12000, UNIT_KG);
    usitc_ok("$1.104/kg + 14.9%", 149000, 1104000, UNIT_KG);
    usitc_ok("1¢ each + 2.8%", 28000, 10000, UNIT_ITEM);
    usitc_ok("5¢ each + 3%", 30000, 50000, UNIT_ITEM);
    usitc_ok("76¢/pr. + 32%", 320000, 760000, UNIT_PAIR);
    usitc_ok("16¢/pr. + 3%", 30000, 160000, UNIT_PAIR);
    usitc_ok("14¢/gross + 4.3%", 43000, 140000, UNIT_GROSS);
    usitc_ok("96¢/doz. + 1.4%", 14000, 960000, UNIT_DOZ);
    usitc_ok("23.5¢/liter + 14.9%", 149000, 235000, UNIT_L);
    usitc_ok("14.5¢/m2 + 0.4%", 4000, 145000, UNIT_M2);
    usitc_ok("20¢/thousand + 3.5%", 35000, 200000, UNIT_THOUSAND);
    /* spacing as printed in a few rows */
    usitc_ok("40¢/kg +10.4%", 104000, 400000, UNIT_KG);
    usitc_ok("$1.035/kg +13.6%", 136000, 1035000, UNIT_KG);
    usitc_ok("$9.92/kg+ 25%", 250000, 9920000, UNIT_KG);
    usitc_ok("2.2¢/kg  +  33.5%", 335000, 22000, UNIT_KG);
}

Test(rate_parse_usitc, not_understood)
{
    const char *bad[] = {
        "",
        " ",
        "The duty provided in the applicable subheading",
        "The duty provided in the applicable subheading + 25%",
        "The duty provided in the applicable subheading plus 25%",
        "3.7¢/kg on drained weight",
        "5.7¢/kg on drained weight + 8%",
        "5¢/kg on contents and container",
        "3.6606¢/kg of total sugars",
        "18.7¢/clean kg",
        "1.7¢/kg on lead content",
        "2.5% on the value of the lead content",
        "98¢ each + 3% on the case",
        "17¢ each + 2.5% + 1¢/jewel",
        "13.5¢/kg + 6.3% + 1.9¢/article",
        "4.4¢/liter + 31.4¢/pf. liter",
        "0.7¢/kg on copper content + 0.7¢/kg on lead content",
        "0.3¢/line/ gross + 4.6%",
        "10¢/1,000 pins + 3.5%",
        "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees",
        "Free, under bond, as prescribed in U.S. note 2 to this subchapter",
        "See additional U.S. note 1",
        "No change",
        "3 percent of the fair retail value",
        "33 1/3%",
        "37% /",
        "10¢/m",
        "3.3¢/lin. m",
        "10.6¢/g",
        "10¢/pack + 20%",
        "$2.50/thou- sand + 40%",
        "$3/t, including weight of container",
        "5% + 3%",
        "1¢/kg + 2¢/kg",
        "0.020668¢/kg", /* $0.00020668: more places than a dec holds */
        "5¢",
        "$5",
        "5¢/",
        "5¢/lb",
        "5 ¢/kg",
        "-5%",
        "$0.063 per l", /* Levy's syntax, not the USITC's */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        usitc_bad(bad[i]);
}

Test(rate_parse_usitc, not_understood_leaves_no_zero_behind)
{
    /* The caller decides what to keep; the parser only says no.  A zero
     * rate comes only from "Free". */
    rate_value r = make(123, 456, UNIT_KG);
    cr_assert_not(rate_parse_usitc("No change", 9, &r));
    rate_value f;
    cr_assert(rate_parse_usitc("Free", 4, &f));
    check_rate(f, 0, 0, UNIT_NONE, "Free");
}
