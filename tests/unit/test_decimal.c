/* test_decimal.c - unit tests for src/decimal.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "decimal.h"

/* parse: s as a number, failing the test if it is not one. */
static dec parse(const char *s)
{
    dec d = dec_zero();
    dec_status st = dec_parse(s, strlen(s), &d);
    cr_assert_eq(st, DEC_OK, "dec_parse(\"%s\") = %d", s, st);
    return d;
}

static dec_status parse_status(const char *s)
{
    dec d;
    return dec_parse(s, strlen(s), &d);
}

static dec percent(const char *s)
{
    dec d = dec_zero();
    dec_status st = dec_parse_percent(s, strlen(s), &d);
    cr_assert_eq(st, DEC_OK, "dec_parse_percent(\"%s\") = %d", s, st);
    return d;
}

#define assert_units(d, expected)                                                                  \
    cr_assert_eq((d).units, (int64_t)(expected), "units %lld, expected %lld",                      \
                 (long long)(d).units, (long long)(expected))

#define assert_format(d, min_places, expected)                                                     \
    do {                                                                                           \
        char buf_[DEC_FMT_MAX];                                                                    \
        dec_format((d), (min_places), buf_, sizeof buf_);                                          \
        cr_assert_str_eq(buf_, (expected));                                                        \
    } while (0)

#define assert_money(d, expected)                                                                  \
    do {                                                                                           \
        char buf_[DEC_FMT_MAX];                                                                    \
        dec_format_money((d), buf_, sizeof buf_);                                                  \
        cr_assert_str_eq(buf_, (expected));                                                        \
    } while (0)

#define assert_percent(d, expected)                                                                \
    do {                                                                                           \
        char buf_[DEC_FMT_MAX];                                                                    \
        dec_format_percent((d), buf_, sizeof buf_);                                                \
        cr_assert_str_eq(buf_, (expected));                                                        \
    } while (0)

static const dec dec_max_value = { INT64_MAX };
static const dec dec_min_value = { INT64_MIN };

/* ---- parsing ---- */

Test(decimal_parse, integers_and_fractions)
{
    assert_units(parse("12"), 12000000);
    assert_units(parse("12.5"), 12500000);
    assert_units(parse("0"), 0);
    assert_units(parse("-0"), 0);
    assert_units(parse("-3"), -3000000);
    assert_units(parse("0.000001"), 1);
    assert_units(parse("-0.000001"), -1);
    assert_units(parse("007.10"), 7100000);
}

Test(decimal_parse, digit_separators)
{
    assert_units(parse("1_000_000"), INT64_C(1000000000000));
    assert_units(parse("1_200.50"), 1200500000);
    assert_units(parse("0.123_456"), 123456);
    assert_units(parse("-1_0"), -10000000);
}

Test(decimal_parse, misplaced_separators_are_syntax_errors)
{
    cr_assert_eq(parse_status("_1"), DEC_SYNTAX);
    cr_assert_eq(parse_status("1_"), DEC_SYNTAX);
    cr_assert_eq(parse_status("1__0"), DEC_SYNTAX);
    cr_assert_eq(parse_status("1_.5"), DEC_SYNTAX);
    cr_assert_eq(parse_status("1._5"), DEC_SYNTAX);
    cr_assert_eq(parse_status("-_1"), DEC_SYNTAX);
}

Test(decimal_parse, garbage)
{
    const char *bad[] = { "",    "-",  ".",  ".5",  "5.", "1.2.3", "+1",   "1e3",
                          "12a", " 1", "1 ", "--1", "$1", "1,000", "0x10", "1.-5" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse_status(bad[i]), DEC_SYNTAX, "\"%s\"", bad[i]);
}

Test(decimal_parse, uses_only_the_given_length)
{
    dec d;
    cr_assert_eq(dec_parse("12.5xyz", 4, &d), DEC_OK);
    assert_units(d, 12500000);
    cr_assert_eq(dec_parse("12.5", 0, &d), DEC_SYNTAX);
}

Test(decimal_parse, too_many_places)
{
    cr_assert_eq(parse_status("1.0000001"), DEC_PRECISION);
    cr_assert_eq(parse_status("0.1234567"), DEC_PRECISION);
    /* trailing zeros past the sixth place lose nothing */
    assert_units(parse("1.50000000"), 1500000);
}

Test(decimal_parse, limits)
{
    assert_units(parse("9223372036854.775807"), INT64_MAX);
    assert_units(parse("-9223372036854.775808"), INT64_MIN);
    cr_assert_eq(parse_status("9223372036854.775808"), DEC_OVERFLOW);
    cr_assert_eq(parse_status("-9223372036854.775809"), DEC_OVERFLOW);
    cr_assert_eq(parse_status("9223372036855"), DEC_OVERFLOW);
    cr_assert_eq(parse_status("99999999999999999999999999999999999999999999"), DEC_OVERFLOW);
    assert_units(parse("00000000000000000000000000000000000000000001"), 1000000);
}

Test(decimal_parse, syntax_error_wins_over_overflow)
{
    cr_assert_eq(parse_status("99999999999999999999999999x"), DEC_SYNTAX);
}

Test(decimal_parse, percent)
{
    assert_units(percent("16.5"), 165000);
    assert_units(percent("25"), 250000);
    assert_units(percent("145"), 1450000);
    assert_units(percent("0.0001"), 1);
    assert_units(percent("-10"), -100000);
    assert_units(percent("1_000"), 10000000);
    dec d;
    cr_assert_eq(dec_parse_percent("0.00001", 7, &d), DEC_PRECISION);
    cr_assert_eq(dec_parse_percent("0.00010", 7, &d), DEC_OK);
    assert_units(d, 1);
    cr_assert_eq(dec_parse_percent("1%", 2, &d), DEC_SYNTAX);
}

Test(decimal_parse, percent_limits)
{
    /* a percentage may have more integer digits, as it shrinks by 100 */
    assert_units(percent("922337203685477.5807"), INT64_MAX);
    dec d;
    cr_assert_eq(dec_parse_percent("922337203685477.5808", 20, &d), DEC_OVERFLOW);
}

/* ---- formatting ---- */

Test(decimal_format, plain)
{
    assert_format(parse("12.5"), 0, "12.5");
    assert_format(parse("-3"), 0, "-3");
    assert_format(parse("0.000001"), 0, "0.000001");
    assert_format(parse("0"), 0, "0");
    assert_format(parse("1000000"), 0, "1000000");
    assert_format(parse("12.500"), 0, "12.5");
}

Test(decimal_format, min_places_keeps_trailing_zeros)
{
    assert_format(parse("12.5"), 2, "12.50");
    assert_format(parse("12"), 2, "12.00");
    assert_format(parse("12.125"), 2, "12.125");
    assert_format(parse("0"), 6, "0.000000");
    assert_format(parse("1"), 9, "1.000000");
    assert_format(parse("1"), -3, "1");
}

Test(decimal_format, extremes)
{
    assert_format(dec_max_value, 0, "9223372036854.775807");
    assert_format(dec_min_value, 0, "-9223372036854.775808");
    assert_money(dec_min_value, "-$9,223,372,036,854.775808");
    assert_percent(dec_min_value, "-922337203685477.5808%");
}

Test(decimal_format, money)
{
    assert_money(parse("10000"), "$10,000.00");
    assert_money(parse("-5.25"), "-$5.25");
    assert_money(parse("0.063"), "$0.063");
    assert_money(parse("0"), "$0.00");
    assert_money(parse("999"), "$999.00");
    assert_money(parse("1000"), "$1,000.00");
    assert_money(parse("1234567.5"), "$1,234,567.50");
    assert_money(parse("-100000"), "-$100,000.00");
    assert_money(parse("0.000001"), "$0.000001");
}

Test(decimal_format, percent)
{
    assert_percent(percent("14.5"), "14.5%");
    assert_percent(percent("145"), "145%");
    assert_percent(dec_from_units(1), "0.0001%");
    assert_percent(percent("0"), "0%");
    assert_percent(percent("-25"), "-25%");
    assert_percent(percent("10.00"), "10%");
    assert_percent(percent("1000"), "1000%");
}

Test(decimal_format, truncates_like_snprintf)
{
    char buf[6];
    size_t need = dec_format_money(parse("10000"), buf, sizeof buf);
    cr_assert_eq(need, strlen("$10,000.00"));
    cr_assert_str_eq(buf, "$10,0");
    char one[1] = { 'x' };
    cr_assert_eq(dec_format(parse("12.5"), 0, one, 1), 4);
    cr_assert_eq(one[0], '\0');
    cr_assert_eq(dec_format_percent(parse("1"), NULL, 0), 4);
}

/* ---- arithmetic ---- */

Test(decimal_arith, from_int)
{
    dec d;
    cr_assert_eq(dec_from_int(42, &d), DEC_OK);
    assert_units(d, 42000000);
    cr_assert_eq(dec_from_int(-7, &d), DEC_OK);
    assert_units(d, -7000000);
    cr_assert_eq(dec_from_int(INT64_MAX / DEC_SCALE, &d), DEC_OK);
    cr_assert_eq(dec_from_int(INT64_MAX / DEC_SCALE + 1, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_from_int(INT64_MIN / DEC_SCALE, &d), DEC_OK);
    cr_assert_eq(dec_from_int(INT64_MIN / DEC_SCALE - 1, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_from_int(INT64_MAX, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_from_int(INT64_MIN, &d), DEC_OVERFLOW);
}

Test(decimal_arith, add_sub_neg)
{
    dec d;
    cr_assert_eq(dec_add(parse("1.5"), parse("2.25"), &d), DEC_OK);
    assert_units(d, 3750000);
    cr_assert_eq(dec_sub(parse("1.5"), parse("2.25"), &d), DEC_OK);
    assert_units(d, -750000);
    cr_assert_eq(dec_neg(parse("1.5"), &d), DEC_OK);
    assert_units(d, -1500000);
    cr_assert_eq(dec_neg(dec_zero(), &d), DEC_OK);
    assert_units(d, 0);
}

Test(decimal_arith, add_sub_overflow)
{
    dec d = parse("7");
    cr_assert_eq(dec_add(dec_max_value, dec_from_units(1), &d), DEC_OVERFLOW);
    assert_units(d, 7000000); /* untouched on failure */
    cr_assert_eq(dec_add(dec_min_value, dec_from_units(-1), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_sub(dec_min_value, dec_from_units(1), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_sub(dec_max_value, dec_from_units(-1), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_add(dec_max_value, dec_min_value, &d), DEC_OK);
    assert_units(d, -1);
    cr_assert_eq(dec_sub(dec_from_units(-1), dec_max_value, &d), DEC_OK);
    assert_units(d, INT64_MIN);
}

Test(decimal_arith, int64_min_edges)
{
    dec d;
    cr_assert_eq(dec_neg(dec_min_value, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_sub(dec_zero(), dec_min_value, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_min_value, parse("-1"), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_div(dec_min_value, parse("-1"), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_min_value, parse("1"), &d), DEC_OK);
    assert_units(d, INT64_MIN);
    cr_assert_eq(dec_div(dec_min_value, parse("1"), &d), DEC_OK);
    assert_units(d, INT64_MIN);
    cr_assert_eq(dec_round(dec_min_value, 0, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_round(dec_min_value, 6, &d), DEC_OK);
    assert_units(d, INT64_MIN);
    cr_assert_eq(dec_neg(dec_max_value, &d), DEC_OK);
    assert_units(d, -INT64_MAX);
}

Test(decimal_arith, mul)
{
    dec d;
    cr_assert_eq(dec_mul(parse("10000"), percent("145"), &d), DEC_OK);
    assert_units(d, INT64_C(14500000000));
    cr_assert_eq(dec_mul(parse("-2.5"), parse("4"), &d), DEC_OK);
    assert_units(d, -10000000);
    cr_assert_eq(dec_mul(parse("-2.5"), parse("-0.4"), &d), DEC_OK);
    assert_units(d, 1000000);
    cr_assert_eq(dec_mul(parse("123.456"), dec_zero(), &d), DEC_OK);
    assert_units(d, 0);
}

Test(decimal_arith, mul_rounds_half_up_to_millionths)
{
    dec d;
    /* 0.000001 * 0.5 = 0.0000005 -> 0.000001; negative rounds away from zero */
    cr_assert_eq(dec_mul(dec_from_units(1), parse("0.5"), &d), DEC_OK);
    assert_units(d, 1);
    cr_assert_eq(dec_mul(dec_from_units(-1), parse("0.5"), &d), DEC_OK);
    assert_units(d, -1);
    cr_assert_eq(dec_mul(dec_from_units(1), parse("0.499999"), &d), DEC_OK);
    assert_units(d, 0);
}

Test(decimal_arith, mul_overflow)
{
    dec d;
    cr_assert_eq(dec_mul(parse("10000000"), parse("10000000"), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_max_value, dec_max_value, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_min_value, dec_min_value, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_max_value, parse("-1"), &d), DEC_OK);
    assert_units(d, -INT64_MAX);
    cr_assert_eq(dec_mul(dec_max_value, parse("1.000001"), &d), DEC_OVERFLOW);
}

Test(decimal_arith, mul_round_to_cents)
{
    dec d;
    cr_assert_eq(dec_mul_round(parse("10000"), percent("145"), 2, &d), DEC_OK);
    assert_units(d, INT64_C(14500000000));
    assert_money(d, "$14,500.00");
    /* 1234.565 * 1 rounds once, half-up, to 1234.57 */
    cr_assert_eq(dec_mul_round(parse("1234.565"), parse("1"), 2, &d), DEC_OK);
    assert_money(d, "$1,234.57");
    cr_assert_eq(dec_mul_round(parse("-1234.565"), parse("1"), 2, &d), DEC_OK);
    assert_money(d, "-$1,234.57");
    /* 0.125 * 0.1 = 0.0125 -> 0.01; the exact product is rounded, once */
    cr_assert_eq(dec_mul_round(parse("0.125"), parse("0.1"), 2, &d), DEC_OK);
    assert_units(d, 10000);
    /* 33.33 * 0.15 = 4.9995 -> 5.00 */
    cr_assert_eq(dec_mul_round(parse("33.33"), percent("15"), 2, &d), DEC_OK);
    assert_money(d, "$5.00");
}

Test(decimal_arith, mul_round_rounds_once)
{
    dec d;
    /* 0.049995 * 0.1 = 0.0049995 exactly, which is below half a cent.
     * Rounding to millionths first would give 0.005 and then $0.01. */
    cr_assert_eq(dec_mul_round(parse("0.049995"), parse("0.1"), 2, &d), DEC_OK);
    assert_units(d, 0);
    cr_assert_eq(dec_mul(parse("0.049995"), parse("0.1"), &d), DEC_OK);
    assert_units(d, 5000);
    cr_assert_eq(dec_round(d, 2, &d), DEC_OK);
    assert_units(d, 10000);
}

Test(decimal_arith, mul_round_bad_places)
{
    dec d;
    cr_assert_eq(dec_mul_round(parse("1"), parse("1"), 7, &d), DEC_PRECISION);
    cr_assert_eq(dec_mul_round(parse("1"), parse("1"), -1, &d), DEC_PRECISION);
}

Test(decimal_arith, div)
{
    dec d;
    cr_assert_eq(dec_div(parse("1"), parse("3"), &d), DEC_OK);
    assert_units(d, 333333);
    cr_assert_eq(dec_div(parse("2"), parse("3"), &d), DEC_OK);
    assert_units(d, 666667);
    cr_assert_eq(dec_div(parse("-2"), parse("3"), &d), DEC_OK);
    assert_units(d, -666667);
    cr_assert_eq(dec_div(parse("2"), parse("-3"), &d), DEC_OK);
    assert_units(d, -666667);
    cr_assert_eq(dec_div(parse("-2"), parse("-3"), &d), DEC_OK);
    assert_units(d, 666667);
    cr_assert_eq(dec_div(parse("14500"), parse("10000"), &d), DEC_OK);
    assert_percent(d, "145%");
    /* 0.000001 / 2 = 0.0000005 -> half-up */
    cr_assert_eq(dec_div(dec_from_units(1), parse("2"), &d), DEC_OK);
    assert_units(d, 1);
    cr_assert_eq(dec_div(dec_from_units(-1), parse("2"), &d), DEC_OK);
    assert_units(d, -1);
}

Test(decimal_arith, div_by_zero_and_overflow)
{
    dec d = parse("5");
    cr_assert_eq(dec_div(parse("1"), dec_zero(), &d), DEC_DIV_ZERO);
    cr_assert_eq(dec_div(dec_zero(), dec_zero(), &d), DEC_DIV_ZERO);
    assert_units(d, 5000000);
    cr_assert_eq(dec_div(dec_max_value, parse("0.5"), &d), DEC_OVERFLOW);
    cr_assert_eq(dec_div(parse("1"), dec_from_units(1), &d), DEC_OK);
    assert_units(d, INT64_C(1000000000000));
}

Test(decimal_round, half_up_away_from_zero)
{
    dec d;
    cr_assert_eq(dec_round(parse("1234.565"), 2, &d), DEC_OK);
    assert_units(d, 1234570000);
    cr_assert_eq(dec_round(parse("-1234.565"), 2, &d), DEC_OK);
    assert_units(d, -1234570000);
    cr_assert_eq(dec_round(parse("2.5"), 0, &d), DEC_OK);
    assert_units(d, 3000000);
    cr_assert_eq(dec_round(parse("-2.5"), 0, &d), DEC_OK);
    assert_units(d, -3000000);
    cr_assert_eq(dec_round(parse("0.5"), 0, &d), DEC_OK);
    assert_units(d, 1000000);
    cr_assert_eq(dec_round(parse("-0.5"), 0, &d), DEC_OK);
    assert_units(d, -1000000);
    cr_assert_eq(dec_round(parse("1.004999"), 2, &d), DEC_OK);
    assert_units(d, 1000000);
    cr_assert_eq(dec_round(parse("-1.004999"), 2, &d), DEC_OK);
    assert_units(d, -1000000);
}

Test(decimal_round, places)
{
    dec d;
    cr_assert_eq(dec_round(parse("9.999999"), 6, &d), DEC_OK);
    assert_units(d, 9999999);
    cr_assert_eq(dec_round(parse("9.999999"), 5, &d), DEC_OK);
    assert_units(d, 10000000);
    cr_assert_eq(dec_round(parse("0.45"), 1, &d), DEC_OK);
    assert_units(d, 500000);
    cr_assert_eq(dec_round(parse("0.449999"), 1, &d), DEC_OK);
    assert_units(d, 400000);
    cr_assert_eq(dec_round(parse("1"), 7, &d), DEC_PRECISION);
    cr_assert_eq(dec_round(parse("1"), -1, &d), DEC_PRECISION);
}

Test(decimal_round, overflow)
{
    dec d;
    cr_assert_eq(dec_round(dec_max_value, 0, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_round(dec_max_value, 5, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_round(dec_max_value, 6, &d), DEC_OK);
    cr_assert_eq(dec_round(parse("9223372036854.4"), 0, &d), DEC_OK);
    assert_units(d, INT64_C(9223372036854000000));
}

/* ---- comparison ---- */

Test(decimal_cmp, order_min_max)
{
    cr_assert_eq(dec_cmp(parse("1"), parse("2")), -1);
    cr_assert_eq(dec_cmp(parse("2"), parse("1")), 1);
    cr_assert_eq(dec_cmp(parse("1.0"), parse("1")), 0);
    cr_assert_eq(dec_cmp(dec_min_value, dec_max_value), -1);
    assert_units(dec_min(parse("-1"), parse("1")), -1000000);
    assert_units(dec_max(parse("-1"), parse("1")), 1000000);
    cr_assert(dec_is_zero(parse("0.000")));
    cr_assert(dec_is_neg(parse("-0.000001")));
    cr_assert_not(dec_is_neg(parse("-0")));
}

Test(decimal_status, messages)
{
    dec_status all[] = { DEC_OK, DEC_OVERFLOW, DEC_DIV_ZERO, DEC_SYNTAX, DEC_PRECISION };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *m = dec_status_message(all[i]);
        cr_assert(m != NULL && m[0] >= 'a' && m[0] <= 'z', "message for %d", all[i]);
    }
    cr_assert_str_eq(dec_status_message(DEC_DIV_ZERO), "division by zero");
}

Test(decimal_arith, mul_add_round_rounds_the_sum_once)
{
    dec d;
    /* $1,000 at 2.5% + 12 kg at $0.0004: 25 + 0.0048 = 25.0048 -> $25.00 */
    cr_assert_eq(
        dec_mul_add_round(parse("1000"), percent("2.5"), parse("12"), parse("0.0004"), 2, &d),
        DEC_OK);
    assert_money(d, "$25.00");
    /* Each part alone is below half a cent; their sum is not:
     * 0.0049995 + 0.0000005 = 0.005 -> $0.01. */
    cr_assert_eq(
        dec_mul_add_round(parse("0.049995"), parse("0.1"), parse("0.000005"), parse("0.1"), 2, &d),
        DEC_OK);
    assert_units(d, 10000);
    /* Half away from zero for negative amounts too. */
    cr_assert_eq(
        dec_mul_add_round(parse("-1234.56"), parse("1"), parse("-0.005"), parse("1"), 2, &d),
        DEC_OK);
    assert_money(d, "-$1,234.57");
    /* No second part: the same as dec_mul_round. */
    cr_assert_eq(dec_mul_add_round(parse("33.33"), percent("15"), dec_zero(), dec_zero(), 2, &d),
                 DEC_OK);
    assert_money(d, "$5.00");
}

Test(decimal_arith, mul_add_round_limits)
{
    dec d;
    dec big = dec_from_units(INT64_MAX), small = dec_from_units(INT64_MIN);
    /* Products near 2^126 whose sum leaves the 128-bit range. */
    cr_assert_eq(dec_mul_add_round(small, small, small, small, 2, &d), DEC_OVERFLOW);
    /* In range for the 128-bit sum, but not as a dec. */
    cr_assert_eq(dec_mul_add_round(big, big, big, big, 2, &d), DEC_OVERFLOW);
    cr_assert_eq(dec_mul_add_round(parse("1"), parse("1"), dec_zero(), dec_zero(), 7, &d),
                 DEC_PRECISION);
    /* Opposite parts cancel exactly. */
    cr_assert_eq(dec_mul_add_round(big, parse("2"), big, parse("-2"), 2, &d), DEC_OK);
    assert_units(d, 0);
}
