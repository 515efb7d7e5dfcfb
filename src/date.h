/* date.h - calendar dates and durations.
 *
 * A date is a day number in the proleptic Gregorian calendar, counted from
 * 1970-01-01 = 0; valid years are 1..9999.  Months and years add by the
 * calendar, clamping to the month's last day (2025-01-31 + 1 month is
 * 2025-02-28).
 */
#ifndef LEVY_DATE_H
#define LEVY_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t date;

#define DATE_MIN_YEAR 1
#define DATE_MAX_YEAR 9999

typedef enum duration_unit { DUR_DAYS, DUR_WEEKS, DUR_MONTHS, DUR_YEARS } duration_unit;

typedef struct duration {
    int64_t count;
    duration_unit unit;
} duration;

typedef enum date_status {
    DATE_OK = 0,
    DATE_BAD_SYNTAX,  /* not YYYY-MM-DD */
    DATE_BAD_MONTH,   /* month outside 1..12 */
    DATE_BAD_DAY,     /* day outside the month (2025-02-30) */
    DATE_BAD_YEAR,    /* year outside 1..9999 */
    DATE_OUT_OF_RANGE /* arithmetic left 0001-01-01..9999-12-31 */
} date_status;

bool date_is_leap_year(int year);
int date_days_in_month(int year, int month);
date_status date_from_ymd(int year, int month, int day, date *out);
void date_to_ymd(date d, int *year, int *month, int *day);
/* date_parse: exactly "YYYY-MM-DD" in s[0..n). */
date_status date_parse(const char *s, size_t n, date *out);
/* date_format: "YYYY-MM-DD"; buf needs 11 bytes. */
void date_format(date d, char buf[11]);

date_status date_add_days(date d, int64_t days, date *out);
date_status date_add_months(date d, int64_t months, date *out);
/* date_add_duration: d + dur (negated when sign < 0). */
date_status date_add_duration(date d, duration dur, int sign, date *out);
/* date_diff_days: b - a in days. */
static inline int64_t date_diff_days(date a, date b)
{
    return (int64_t)b - (int64_t)a;
}

/* "90 days", "1 year": singular when count is 1. buf needs 32 bytes. */
void duration_format(duration dur, char buf[32]);

const char *date_status_message(date_status s);

#endif
