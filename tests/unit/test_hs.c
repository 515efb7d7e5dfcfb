/* test_hs.c - unit tests for src/hs.c. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"

/* code: s parsed strictly, failing the test if it is not a code. */
static hs_code code(const char *s)
{
    hs_code c = { 0, 0 };
    hs_status st = hs_parse(s, strlen(s), &c);
    cr_assert_eq(st, HS_OK, "hs_parse(\"%s\") = %d", s, st);
    return c;
}

static hs_code loose(const char *s)
{
    hs_code c = { 0, 0 };
    hs_status st = hs_parse_loose(s, strlen(s), &c);
    cr_assert_eq(st, HS_OK, "hs_parse_loose(\"%s\") = %d", s, st);
    return c;
}

static hs_status strict_status(const char *s)
{
    hs_code c;
    return hs_parse(s, strlen(s), &c);
}

static hs_status loose_status(const char *s)
{
    hs_code c;
    return hs_parse_loose(s, strlen(s), &c);
}

#define assert_code(c, d, l)                                                                       \
    do {                                                                                           \
        cr_assert_eq((c).digits, (uint64_t)(d));                                                   \
        cr_assert_eq((c).len, (l));                                                                \
    } while (0)

#define assert_format(c, expected)                                                                 \
    do {                                                                                           \
        char buf_[HS_FMT_MAX];                                                                     \
        hs_format((c), buf_);                                                                      \
        cr_assert_str_eq(buf_, (expected));                                                        \
    } while (0)

/* ---- strict parsing ---- */

Test(hs_parse, plain_digits)
{
    assert_code(code("72"), 72, 2);
    assert_code(code("8517"), 8517, 4);
    assert_code(code("851713"), 851713, 6);
    assert_code(code("95030000"), 95030000, 8);
    assert_code(code("8471300100"), UINT64_C(8471300100), 10);
    assert_code(code("9999999999"), UINT64_C(9999999999), 10);
}

Test(hs_parse, leading_zeros_matter)
{
    assert_code(code("0201"), 201, 4);
    assert_code(code("02"), 2, 2);
    assert_code(code("0201.10"), 20110, 6);
    assert_code(code("00"), 0, 2);
    cr_assert_not(hs_equal(code("0201"), code("201000")));
}

Test(hs_parse, dotted_forms)
{
    assert_code(code("8517.13"), 851713, 6);
    assert_code(code("9503.00.00"), 95030000, 8);
    assert_code(code("8471.30.0100"), UINT64_C(8471300100), 10);
    assert_code(code("8471.30.01.00"), UINT64_C(8471300100), 10);
    assert_code(code("8471.300100"), UINT64_C(8471300100), 10);
    assert_code(code("847130.01.00"), UINT64_C(8471300100), 10);
    assert_code(code("84713001.00"), UINT64_C(8471300100), 10);
}

Test(hs_parse, bad_dots)
{
    const char *bad[] = { "84.71",    "8.517",    "851.7",         ".8517",        "8517.",
                          "8517..13", "8517.1.3", "8471.30.010.0", "8471.3.00100", "." };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(strict_status(bad[i]), HS_BAD_DOT, "\"%s\"", bad[i]);
}

Test(hs_parse, bad_lengths)
{
    const char *bad[] = { "",
                          "8",
                          "851",
                          "85171",
                          "8517.131",
                          "8517.13.1",
                          "8471.30.01.0",
                          "84713001001",
                          "847130010012345678901234567890" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(strict_status(bad[i]), HS_BAD_LENGTH, "\"%s\"", bad[i]);
}

Test(hs_parse, bad_chars)
{
    const char *bad[] = { "85a7",    "8517 ", " 8517", "8517-13", "hs 8517",
                          "8517,13", "+8517", "-72",   "8517.1x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(strict_status(bad[i]), HS_BAD_CHAR, "\"%s\"", bad[i]);
}

Test(hs_parse, uses_only_the_given_length)
{
    hs_code c;
    cr_assert_eq(hs_parse("8517.13..72", 7, &c), HS_OK);
    assert_code(c, 851713, 6);
    cr_assert_eq(hs_parse("8517", 3, &c), HS_BAD_LENGTH);
    cr_assert_eq(hs_parse("8517", 0, &c), HS_BAD_LENGTH);
}

Test(hs_parse, failure_leaves_output)
{
    hs_code c = { 42, 2 };
    cr_assert_eq(hs_parse("851", 3, &c), HS_BAD_LENGTH);
    assert_code(c, 42, 2);
}

/* ---- loose parsing ---- */

Test(hs_parse_loose, accepts_any_length_and_dots_between_digits)
{
    assert_code(loose("0101.21.00.10"), UINT64_C(101210010), 10);
    assert_code(loose("8"), 8, 1);
    assert_code(loose("851"), 851, 3);
    assert_code(loose("8471.30.0"), 8471300, 7);
    assert_code(loose("84.71"), 8471, 4);
    assert_code(loose("8.4.7.1"), 8471, 4);
    assert_code(loose("8471.30.01.0"), 847130010, 9);
    assert_code(loose("8471300100"), UINT64_C(8471300100), 10);
}

Test(hs_parse_loose, rejects)
{
    cr_assert_eq(loose_status(""), HS_BAD_LENGTH);
    cr_assert_eq(loose_status("84713001001"), HS_BAD_LENGTH);
    cr_assert_eq(loose_status(".8471"), HS_BAD_DOT);
    cr_assert_eq(loose_status("8471."), HS_BAD_DOT);
    cr_assert_eq(loose_status("84..71"), HS_BAD_DOT);
    cr_assert_eq(loose_status("."), HS_BAD_DOT);
    cr_assert_eq(loose_status("8471 "), HS_BAD_CHAR);
    cr_assert_eq(loose_status("84x1"), HS_BAD_CHAR);
}

/* ---- prefixes, truncation, equality ---- */

Test(hs_prefix, has_prefix)
{
    cr_assert(hs_has_prefix(code("8517.13"), code("85")));
    cr_assert(hs_has_prefix(code("8517.13"), code("8517")));
    cr_assert(hs_has_prefix(code("8517.13"), code("8517.13")));
    cr_assert_not(hs_has_prefix(code("8517"), code("8517.13")));
    cr_assert_not(hs_has_prefix(code("8517.13"), code("8518")));
    cr_assert_not(hs_has_prefix(code("8517.13"), code("86")));
    /* leading zeros: 0201 is not a prefix of 2010... */
    cr_assert(hs_has_prefix(code("0201.10"), code("02")));
    cr_assert(hs_has_prefix(code("0201.10"), code("0201")));
    cr_assert_not(hs_has_prefix(code("2011.00"), code("0201")));
    cr_assert_not(hs_has_prefix(code("2011.00"), code("02")));
}

Test(hs_prefix, truncate)
{
    hs_code c = code("8471.30.01.00");
    assert_code(hs_truncate(c, 2), 84, 2);
    assert_code(hs_truncate(c, 4), 8471, 4);
    assert_code(hs_truncate(c, 6), 847130, 6);
    assert_code(hs_truncate(c, 8), 84713001, 8);
    assert_code(hs_truncate(c, 10), UINT64_C(8471300100), 10);
    assert_code(hs_truncate(c, 7), 8471300, 7);
    assert_code(hs_truncate(code("0201.10"), 4), 201, 4);
    assert_code(hs_truncate(c, 12), UINT64_C(8471300100), 10); /* clamped */
    assert_code(hs_truncate(c, 0), 0, 0);
}

Test(hs_prefix, equal)
{
    cr_assert(hs_equal(code("8517.13"), code("851713")));
    cr_assert(hs_equal(code("8471.30.0100"), code("8471.30.01.00")));
    cr_assert_not(hs_equal(code("85"), code("8500")));
    cr_assert_not(hs_equal(code("8517"), code("8518")));
}

/* ---- ordering and ranges ---- */

Test(hs_order, compare_as_digit_strings)
{
    cr_assert_eq(hs_compare(code("01"), code("0101")), -1);
    cr_assert_eq(hs_compare(code("0101"), code("02")), -1);
    cr_assert_eq(hs_compare(code("02"), code("01")), 1);
    cr_assert_eq(hs_compare(code("8517"), code("8517")), 0);
    cr_assert_eq(hs_compare(code("8517.13"), code("8517")), 1);
    cr_assert_eq(hs_compare(code("8518"), code("8517.99")), 1);
    cr_assert_eq(hs_compare(code("85"), code("8499.99.99.99")), 1);
    cr_assert_eq(hs_compare(code("0201"), code("20")), -1);
    cr_assert_eq(hs_compare(code("9999999999"), code("99")), 1);
}

/* Sorting a shuffled list with hs_compare gives string order. */
static int compare_for_qsort(const void *a, const void *b)
{
    return hs_compare(*(const hs_code *)a, *(const hs_code *)b);
}

Test(hs_order, sorts_like_strings)
{
    const char *sorted[] = { "01",       "0101",          "0101.21", "02",   "72",     "7201",
                             "72011000", "8471.30.01.00", "85",      "8517", "8517.13" };
    size_t count = sizeof sorted / sizeof sorted[0];
    hs_code codes[sizeof sorted / sizeof sorted[0]];
    for (size_t i = 0; i < count; i++)
        codes[i] = code(sorted[(i * 7) % count]); /* 7 is coprime to 11 */
    qsort(codes, count, sizeof codes[0], compare_for_qsort);
    for (size_t i = 0; i < count; i++)
        cr_assert(hs_equal(codes[i], code(sorted[i])), "position %zu", i);
}

Test(hs_range, in_range)
{
    hs_code lo = code("72"), hi = code("83");
    cr_assert(hs_in_range(code("72"), lo, hi));
    cr_assert(hs_in_range(code("83"), lo, hi));
    cr_assert(hs_in_range(code("7601.10"), lo, hi));
    cr_assert(hs_in_range(code("8311.90.00.00"), lo, hi));
    cr_assert_not(hs_in_range(code("71"), lo, hi));
    cr_assert_not(hs_in_range(code("8401"), lo, hi));
    cr_assert_not(hs_in_range(code("7199.99"), lo, hi));

    lo = code("8701"), hi = code("8705");
    cr_assert(hs_in_range(code("8703.23.01"), lo, hi));
    cr_assert(hs_in_range(code("8705"), lo, hi));
    cr_assert_not(hs_in_range(code("8706"), lo, hi));
    cr_assert_not(hs_in_range(code("8700.99"), lo, hi));
}

Test(hs_range, shorter_code_is_not_in_range)
{
    /* hs 87 covers 8706 too, so it is not inside 8701..8705 */
    cr_assert_not(hs_in_range(code("87"), code("8701"), code("8705")));
    cr_assert_not(hs_in_range(loose("870"), code("8701"), code("8705")));
}

Test(hs_range, leading_zeros_and_degenerate_ranges)
{
    cr_assert(hs_in_range(code("0201.10"), code("01"), code("05")));
    cr_assert_not(hs_in_range(code("2011"), code("01"), code("05")));
    cr_assert(hs_in_range(code("8517.13"), code("8517"), code("8517")));
    cr_assert_not(hs_in_range(code("8517.13"), code("8518"), code("8517")));
    /* unequal bound lengths break the contract and match nothing */
    cr_assert_not(hs_in_range(code("8517.13"), code("85"), code("8599")));
}

/* ---- formatting ---- */

Test(hs_format, canonical)
{
    assert_format(code("72"), "72");
    assert_format(code("8517"), "8517");
    assert_format(code("851713"), "8517.13");
    assert_format(code("95030000"), "9503.00.00");
    assert_format(code("8471.30.0100"), "8471.30.01.00");
    assert_format(code("0201.10"), "0201.10");
    assert_format(code("02"), "02");
    assert_format(code("0000000000"), "0000.00.00.00");
}

Test(hs_format, odd_lengths_from_loose_parse)
{
    assert_format(loose("8"), "8");
    assert_format(loose("851"), "851");
    assert_format(loose("84713"), "8471.3");
    assert_format(loose("8471300"), "8471.30.0");
    assert_format(loose("847130010"), "8471.30.01.0");
    assert_format(loose("0.1.0.1"), "0101");
}

Test(hs_format, round_trips_through_parse)
{
    const char *texts[] = { "72", "0201", "8517.13", "9503.00.00", "8471.30.01.00" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char buf[HS_FMT_MAX];
        hs_format(code(texts[i]), buf);
        cr_assert(hs_equal(code(buf), code(texts[i])));
        cr_assert_str_eq(buf, texts[i]);
    }
}

Test(hs_status, messages)
{
    hs_status all[] = { HS_OK, HS_BAD_CHAR, HS_BAD_LENGTH, HS_BAD_DOT };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *m = hs_status_message(all[i]);
        cr_assert(m != NULL && m[0] >= 'a' && m[0] <= 'z', "message for %d", all[i]);
    }
}
