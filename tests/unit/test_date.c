/* test_date.c - unit tests for src/date.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "date.h"

/* ymd: the date, failing the test if it is not one. */
static date ymd(int y, int m, int d)
{
    date out = 0;
    date_status st = date_from_ymd(y, m, d, &out);
    cr_assert_eq(st, DATE_OK, "%04d-%02d-%02d: status %d", y, m, d, st);
    return out;
}

static date_status parse_status(const char *s)
{
    date d;
    return date_parse(s, strlen(s), &d);
}

#define assert_date(d, expected)                                                                   \
    do {                                                                                           \
        char buf_[11];                                                                             \
        date_format((d), buf_);                                                                    \
        cr_assert_str_eq(buf_, (expected));                                                        \
    } while (0)

/* assert_add: start + count unit == expected (a "YYYY-MM-DD" string). */
static void assert_add(date start, int64_t count, duration_unit unit, int sign,
                       const char *expected)
{
    duration dur = { count, unit };
    date out = 0;
    date_status st = date_add_duration(start, dur, sign, &out);
    cr_assert_eq(st, DATE_OK, "status %d", st);
    assert_date(out, expected);
}

static date_status add_status(date start, int64_t count, duration_unit unit, int sign)
{
    duration dur = { count, unit };
    date out;
    return date_add_duration(start, dur, sign, &out);
}

/* ---- calendar ---- */

Test(date_calendar, leap_years)
{
    cr_assert_not(date_is_leap_year(1900));
    cr_assert(date_is_leap_year(2000));
    cr_assert(date_is_leap_year(2024));
    cr_assert_not(date_is_leap_year(2025));
    cr_assert_not(date_is_leap_year(2100));
    cr_assert(date_is_leap_year(2400));
    cr_assert(date_is_leap_year(4));
    cr_assert_not(date_is_leap_year(1));
}

Test(date_calendar, days_in_month)
{
    int expected[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    for (int m = 1; m <= 12; m++)
        cr_assert_eq(date_days_in_month(2025, m), expected[m - 1], "month %d", m);
    cr_assert_eq(date_days_in_month(2024, 2), 29);
    cr_assert_eq(date_days_in_month(2000, 2), 29);
    cr_assert_eq(date_days_in_month(1900, 2), 28);
    cr_assert_eq(date_days_in_month(2025, 0), 0);
    cr_assert_eq(date_days_in_month(2025, 13), 0);
}

Test(date_calendar, epoch_and_known_day_numbers)
{
    cr_assert_eq(ymd(1970, 1, 1), 0);
    cr_assert_eq(ymd(1970, 1, 2), 1);
    cr_assert_eq(ymd(1969, 12, 31), -1);
    cr_assert_eq(ymd(2000, 3, 1), 11017);
    cr_assert_eq(ymd(2025, 4, 9), 20187);
    cr_assert_eq(ymd(1, 1, 1), -719162);
    cr_assert_eq(ymd(9999, 12, 31), 2932896);
}

/* Every day of the whole range converts to y-m-d and back, and the days
 * follow each other. */
Test(date_calendar, round_trip_every_day)
{
    int py = 0, pm = 0, pd = 0;
    for (date d = ymd(1, 1, 1); d <= ymd(9999, 12, 31); d++) {
        int y, m, dd;
        date_to_ymd(d, &y, &m, &dd);
        date back;
        cr_assert_eq(date_from_ymd(y, m, dd, &back), DATE_OK);
        cr_assert_eq(back, d);
        if (py != 0) {
            bool next_day = y == py && m == pm && dd == pd + 1;
            bool next_month = y == py && m == pm + 1 && dd == 1;
            bool next_year = y == py + 1 && m == 1 && dd == 1 && pm == 12;
            cr_assert(next_day || next_month || next_year, "%d-%d-%d", y, m, dd);
        }
        py = y, pm = m, pd = dd;
    }
}

Test(date_calendar, invalid_dates)
{
    date d = 123;
    cr_assert_eq(date_from_ymd(2025, 2, 29, &d), DATE_BAD_DAY);
    cr_assert_eq(date_from_ymd(2025, 2, 30, &d), DATE_BAD_DAY);
    cr_assert_eq(date_from_ymd(1900, 2, 29, &d), DATE_BAD_DAY);
    cr_assert_eq(date_from_ymd(2025, 4, 31, &d), DATE_BAD_DAY);
    cr_assert_eq(date_from_ymd(2025, 1, 0, &d), DATE_BAD_DAY);
    cr_assert_eq(date_from_ymd(2025, 1, 32, &d), DATE_BAD_DAY);
    cr_assert_eq(date_from_ymd(2025, 13, 1, &d), DATE_BAD_MONTH);
    cr_assert_eq(date_from_ymd(2025, 0, 1, &d), DATE_BAD_MONTH);
    cr_assert_eq(date_from_ymd(0, 1, 1, &d), DATE_BAD_YEAR);
    cr_assert_eq(date_from_ymd(10000, 1, 1, &d), DATE_BAD_YEAR);
    cr_assert_eq(date_from_ymd(-5, 1, 1, &d), DATE_BAD_YEAR);
    cr_assert_eq(d, 123); /* untouched on failure */
    cr_assert_eq(date_from_ymd(2024, 2, 29, &d), DATE_OK);
    cr_assert_eq(date_from_ymd(2000, 2, 29, &d), DATE_OK);
}

/* ---- text ---- */

Test(date_text, parse_and_format)
{
    date d;
    cr_assert_eq(date_parse("2025-04-09", 10, &d), DATE_OK);
    cr_assert_eq(d, ymd(2025, 4, 9));
    assert_date(d, "2025-04-09");
    cr_assert_eq(date_parse("0001-01-01", 10, &d), DATE_OK);
    assert_date(d, "0001-01-01");
    cr_assert_eq(date_parse("9999-12-31", 10, &d), DATE_OK);
    assert_date(d, "9999-12-31");
    cr_assert_eq(date_parse("2024-02-29", 10, &d), DATE_OK);
    assert_date(d, "2024-02-29");
    cr_assert_eq(date_parse("2025-04-09 and more", 10, &d), DATE_OK);
}

Test(date_text, parse_errors)
{
    cr_assert_eq(parse_status("2025-02-30"), DATE_BAD_DAY);
    cr_assert_eq(parse_status("2025-02-29"), DATE_BAD_DAY);
    cr_assert_eq(parse_status("2025-04-00"), DATE_BAD_DAY);
    cr_assert_eq(parse_status("2025-13-01"), DATE_BAD_MONTH);
    cr_assert_eq(parse_status("2025-00-01"), DATE_BAD_MONTH);
    cr_assert_eq(parse_status("0000-01-01"), DATE_BAD_YEAR);
    const char *bad[] = { "",           "2025-4-9",    "2025-04-9",   "25-04-09",
                          "2025/04/09", "2025-04-091", "20250409",    "2025-04-0a",
                          "+025-04-09", "2025-4-091",  " 2025-04-09", "-025-04-09",
                          "2025--4-09" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse_status(bad[i]), DATE_BAD_SYNTAX, "\"%s\"", bad[i]);
}

Test(date_text, duration_format)
{
    struct {
        duration dur;
        const char *text;
    } cases[] = {
        { { 90, DUR_DAYS }, "90 days" },
        { { 1, DUR_DAYS }, "1 day" },
        { { 0, DUR_DAYS }, "0 days" },
        { { 12, DUR_WEEKS }, "12 weeks" },
        { { 1, DUR_WEEKS }, "1 week" },
        { { 3, DUR_MONTHS }, "3 months" },
        { { 1, DUR_MONTHS }, "1 month" },
        { { 1, DUR_YEARS }, "1 year" },
        { { 2, DUR_YEARS }, "2 years" },
        { { -1, DUR_DAYS }, "-1 day" },
        { { -30, DUR_DAYS }, "-30 days" },
        { { INT64_MIN, DUR_MONTHS }, "-9223372036854775808 months" },
        { { INT64_MAX, DUR_WEEKS }, "9223372036854775807 weeks" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        duration_format(cases[i].dur, buf);
        cr_assert_str_eq(buf, cases[i].text);
    }
}

/* ---- arithmetic ---- */

Test(date_arith, add_days)
{
    date d;
    cr_assert_eq(date_add_days(ymd(2025, 4, 9), 90, &d), DATE_OK);
    assert_date(d, "2025-07-08");
    cr_assert_eq(date_add_days(ymd(2024, 2, 28), 1, &d), DATE_OK);
    assert_date(d, "2024-02-29");
    cr_assert_eq(date_add_days(ymd(2025, 2, 28), 1, &d), DATE_OK);
    assert_date(d, "2025-03-01");
    cr_assert_eq(date_add_days(ymd(2025, 1, 1), -1, &d), DATE_OK);
    assert_date(d, "2024-12-31");
    cr_assert_eq(date_add_days(ymd(2025, 1, 1), 0, &d), DATE_OK);
    assert_date(d, "2025-01-01");
    cr_assert_eq(date_diff_days(ymd(2025, 4, 9), ymd(2025, 7, 8)), 90);
    cr_assert_eq(date_diff_days(ymd(2025, 7, 8), ymd(2025, 4, 9)), -90);
}

Test(date_arith, every_unit)
{
    date start = ymd(2025, 4, 9);
    assert_add(start, 90, DUR_DAYS, 1, "2025-07-08");
    assert_add(start, 90, DUR_DAYS, -1, "2025-01-09");
    assert_add(start, 12, DUR_WEEKS, 1, "2025-07-02");
    assert_add(start, 1, DUR_WEEKS, -1, "2025-04-02");
    assert_add(start, 3, DUR_MONTHS, 1, "2025-07-09");
    assert_add(start, 3, DUR_MONTHS, -1, "2025-01-09");
    assert_add(start, 1, DUR_YEARS, 1, "2026-04-09");
    assert_add(start, 1, DUR_YEARS, -1, "2024-04-09");
    assert_add(start, 0, DUR_YEARS, 1, "2025-04-09");
    assert_add(start, -2, DUR_DAYS, 1, "2025-04-07");
    assert_add(start, -2, DUR_DAYS, -1, "2025-04-11");
    assert_add(start, 5, DUR_DAYS, 0, "2025-04-14"); /* only sign < 0 negates */
}

Test(date_arith, months_clamp_to_month_end)
{
    date d;
    cr_assert_eq(date_add_months(ymd(2025, 1, 31), 1, &d), DATE_OK);
    assert_date(d, "2025-02-28");
    cr_assert_eq(date_add_months(ymd(2024, 1, 31), 1, &d), DATE_OK);
    assert_date(d, "2024-02-29");
    cr_assert_eq(date_add_months(ymd(2025, 3, 31), -1, &d), DATE_OK);
    assert_date(d, "2025-02-28");
    cr_assert_eq(date_add_months(ymd(2025, 5, 31), 1, &d), DATE_OK);
    assert_date(d, "2025-06-30");
    cr_assert_eq(date_add_months(ymd(2025, 1, 31), 2, &d), DATE_OK);
    assert_date(d, "2025-03-31");
    cr_assert_eq(date_add_months(ymd(2025, 11, 15), 2, &d), DATE_OK);
    assert_date(d, "2026-01-15");
    cr_assert_eq(date_add_months(ymd(2025, 1, 15), -1, &d), DATE_OK);
    assert_date(d, "2024-12-15");
    cr_assert_eq(date_add_months(ymd(2025, 1, 15), -25, &d), DATE_OK);
    assert_date(d, "2022-12-15");
    cr_assert_eq(date_add_months(ymd(2025, 8, 31), 18, &d), DATE_OK);
    assert_date(d, "2027-02-28");
}

Test(date_arith, years_clamp_leap_day)
{
    date start = ymd(2024, 2, 29);
    assert_add(start, 1, DUR_YEARS, 1, "2025-02-28");
    assert_add(start, 4, DUR_YEARS, 1, "2028-02-29");
    assert_add(start, 1, DUR_YEARS, -1, "2023-02-28");
    assert_add(ymd(2000, 2, 29), 100, DUR_YEARS, 1, "2100-02-28");
    assert_add(ymd(2000, 2, 29), 400, DUR_YEARS, 1, "2400-02-29");
}

Test(date_arith, range_limits)
{
    date first = ymd(1, 1, 1), last = ymd(9999, 12, 31);
    date d = 77;
    cr_assert_eq(date_add_days(last, 1, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_days(first, -1, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(d, 77); /* untouched on failure */
    cr_assert_eq(date_add_days(first, last - first, &d), DATE_OK);
    cr_assert_eq(d, last);
    cr_assert_eq(date_add_days(last, first - last, &d), DATE_OK);
    cr_assert_eq(d, first);
    cr_assert_eq(date_add_days(first, INT64_MAX, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_days(last, INT64_MIN, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_months(ymd(9999, 12, 1), 1, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_months(ymd(1, 1, 31), -1, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_months(ymd(9999, 11, 30), 1, &d), DATE_OK);
    assert_date(d, "9999-12-30");
    cr_assert_eq(date_add_months(first, 9999 * 12 - 1, &d), DATE_OK);
    assert_date(d, "9999-12-01");
    cr_assert_eq(date_add_months(first, 9999 * 12, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_months(first, INT64_MAX, &d), DATE_OUT_OF_RANGE);
    cr_assert_eq(date_add_months(last, INT64_MIN, &d), DATE_OUT_OF_RANGE);
}

Test(date_arith, duration_overflow)
{
    date mid = ymd(2025, 4, 9);
    duration_unit units[] = { DUR_DAYS, DUR_WEEKS, DUR_MONTHS, DUR_YEARS };
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(add_status(mid, INT64_MAX, units[i], 1), DATE_OUT_OF_RANGE);
        cr_assert_eq(add_status(mid, INT64_MIN, units[i], 1), DATE_OUT_OF_RANGE);
        cr_assert_eq(add_status(mid, INT64_MIN, units[i], -1), DATE_OUT_OF_RANGE);
        cr_assert_eq(add_status(mid, INT64_MAX, units[i], -1), DATE_OUT_OF_RANGE);
        cr_assert_eq(add_status(mid, INT64_MAX / 7 + 1, units[i], 1), DATE_OUT_OF_RANGE);
        cr_assert_eq(add_status(mid, INT64_MAX / 12 + 1, units[i], -1), DATE_OUT_OF_RANGE);
    }
    cr_assert_eq(add_status(mid, 7975, DUR_YEARS, 1), DATE_OUT_OF_RANGE);
    cr_assert_eq(add_status(mid, 7974, DUR_YEARS, 1), DATE_OK);
    cr_assert_eq(add_status(mid, 2024, DUR_YEARS, -1), DATE_OK);
    cr_assert_eq(add_status(mid, 2025, DUR_YEARS, -1), DATE_OUT_OF_RANGE);
    cr_assert_eq(add_status(ymd(9999, 12, 25), 1, DUR_WEEKS, 1), DATE_OUT_OF_RANGE);
    cr_assert_eq(add_status(ymd(9999, 12, 24), 1, DUR_WEEKS, 1), DATE_OK);
}

Test(date_status, messages)
{
    date_status all[] = { DATE_OK,      DATE_BAD_SYNTAX, DATE_BAD_MONTH,
                          DATE_BAD_DAY, DATE_BAD_YEAR,   DATE_OUT_OF_RANGE };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *m = date_status_message(all[i]);
        cr_assert(m != NULL && m[0] >= 'a' && m[0] <= 'z', "message for %d", all[i]);
    }
    cr_assert_str_eq(date_status_message(DATE_BAD_MONTH), "month must be 01 to 12");
    cr_assert_str_eq(date_status_message(DATE_BAD_DAY), "no such day in that month");
}
