/* date.c - calendar dates and durations (see date.h).
 *
 * Day numbers convert to and from year-month-day with Howard Hinnant's
 * days_from_civil/civil_from_days algorithms, which count in 400-year eras
 * (146097 days each) of years starting in March, so February's leap day is
 * the last day of its year and needs no special case.
 */
#include "date.h"

#include <string.h>

#define DAYS_PER_ERA 146097
/* 0001-01-01 and 9999-12-31 as day numbers from 1970-01-01. */
#define DATE_FIRST_DAY (-719162)
#define DATE_LAST_DAY 2932896

bool date_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* date_days_in_month: 28..31, or 0 when month is not 1..12. */
int date_days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && date_is_leap_year(year))
        return 29;
    return days[month - 1];
}

/* Floor division, so that eras before year 0 are numbered correctly. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* 0..399 */
    int64_t mp = (m + 9) % 12;                           /* March is 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;            /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * DAYS_PER_ERA + doe - 719468;            /* 0000-03-01 to 1970-01-01 */
}

void date_to_ymd(date d, int *year, int *month, int *day)
{
    int64_t z = (int64_t)d + 719468;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;                                /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March is 0 */
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = m;
    *year = (int)(yoe + era * 400 + (m <= 2));
}

date_status date_from_ymd(int year, int month, int day, date *out)
{
    if (year < DATE_MIN_YEAR || year > DATE_MAX_YEAR)
        return DATE_BAD_YEAR;
    if (month < 1 || month > 12)
        return DATE_BAD_MONTH;
    if (day < 1 || day > date_days_in_month(year, month))
        return DATE_BAD_DAY;
    *out = (date)days_from_civil(year, month, day);
    return DATE_OK;
}

/* read_digits: s[0..count) as a decimal number, or -1 if any is not a digit. */
static int read_digits(const char *s, int count)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

date_status date_parse(const char *s, size_t n, date *out)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return DATE_BAD_SYNTAX;
    int year = read_digits(s, 4);
    int month = read_digits(s + 5, 2);
    int day = read_digits(s + 8, 2);
    if (year < 0 || month < 0 || day < 0)
        return DATE_BAD_SYNTAX;
    return date_from_ymd(year, month, day, out);
}

/* put_digits: value as exactly `count` digits, zero-padded. */
static void put_digits(char *s, int value, int count)
{
    for (int i = count - 1; i >= 0; i--) {
        s[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

/* Dates outside years 1..9999 never arise from this module; should one be
 * passed in anyway, its year is printed modulo 10000 rather than overrun. */
void date_format(date d, char buf[11])
{
    int year, month, day;
    date_to_ymd(d, &year, &month, &day);
    year = ((year % 10000) + 10000) % 10000;
    put_digits(buf, year, 4);
    buf[4] = '-';
    put_digits(buf + 5, month, 2);
    buf[7] = '-';
    put_digits(buf + 8, day, 2);
    buf[10] = '\0';
}

/* Both bounds are computed in int64, so no `days` can overflow them. */
date_status date_add_days(date d, int64_t days, date *out)
{
    if (days < DATE_FIRST_DAY - (int64_t)d || days > DATE_LAST_DAY - (int64_t)d)
        return DATE_OUT_OF_RANGE;
    *out = (date)(d + days);
    return DATE_OK;
}

/* Months count from 0001-01 as 0; more than this many months away from any
 * valid date is certainly out of range, and keeps the sums below small. */
#define MONTH_SPAN ((int64_t)(DATE_MAX_YEAR - DATE_MIN_YEAR + 1) * 12)

date_status date_add_months(date d, int64_t months, date *out)
{
    if (months < -MONTH_SPAN || months > MONTH_SPAN)
        return DATE_OUT_OF_RANGE;
    int year, month, day;
    date_to_ymd(d, &year, &month, &day);
    int64_t index = (int64_t)(year - DATE_MIN_YEAR) * 12 + (month - 1) + months;
    if (index < 0 || index >= MONTH_SPAN)
        return DATE_OUT_OF_RANGE;
    int new_year = (int)(index / 12) + DATE_MIN_YEAR;
    int new_month = (int)(index % 12) + 1;
    int last = date_days_in_month(new_year, new_month);
    return date_from_ymd(new_year, new_month, day < last ? day : last, out);
}

/* scaled: count * factor, or false when it would overflow int64. */
static bool scaled(int64_t count, int64_t factor, int64_t *out)
{
    if (count > INT64_MAX / factor || count < INT64_MIN / factor)
        return false;
    *out = count * factor;
    return true;
}

date_status date_add_duration(date d, duration dur, int sign, date *out)
{
    int64_t count = dur.count;
    if (sign < 0) {
        if (count == INT64_MIN) /* its negation does not fit */
            return DATE_OUT_OF_RANGE;
        count = -count;
    }
    switch (dur.unit) {
    case DUR_DAYS: return date_add_days(d, count, out);
    case DUR_WEEKS:
        if (!scaled(count, 7, &count))
            return DATE_OUT_OF_RANGE;
        return date_add_days(d, count, out);
    case DUR_MONTHS: return date_add_months(d, count, out);
    case DUR_YEARS:
        if (!scaled(count, 12, &count))
            return DATE_OUT_OF_RANGE;
        return date_add_months(d, count, out);
    }
    return DATE_BAD_SYNTAX; /* not a duration_unit */
}

static const char *unit_word(duration_unit unit, bool singular)
{
    switch (unit) {
    case DUR_DAYS: return singular ? "day" : "days";
    case DUR_WEEKS: return singular ? "week" : "weeks";
    case DUR_MONTHS: return singular ? "month" : "months";
    case DUR_YEARS: return singular ? "year" : "years";
    }
    return "?";
}

/* The longest output, "-9223372036854775808 months", is 27 bytes with NUL. */
void duration_format(duration dur, char buf[32])
{
    char digits[24];
    int count = 0;
    uint64_t v = dur.count < 0 ? 0 - (uint64_t)dur.count : (uint64_t)dur.count;
    do {
        digits[count++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    size_t len = 0;
    if (dur.count < 0)
        buf[len++] = '-';
    while (count > 0)
        buf[len++] = digits[--count];
    buf[len++] = ' ';
    /* "1 day" and "-1 day": English takes the singular for one either way. */
    const char *word = unit_word(dur.unit, dur.count == 1 || dur.count == -1);
    size_t word_len = strlen(word);
    memcpy(buf + len, word, word_len + 1);
}

const char *date_status_message(date_status s)
{
    switch (s) {
    case DATE_OK: return "ok";
    case DATE_BAD_SYNTAX: return "a date is written YYYY-MM-DD";
    case DATE_BAD_MONTH: return "month must be 01 to 12";
    case DATE_BAD_DAY: return "no such day in that month";
    case DATE_BAD_YEAR: return "year must be 0001 to 9999";
    case DATE_OUT_OF_RANGE: return "date outside 0001-01-01 to 9999-12-31";
    }
    return "unknown date error";
}
