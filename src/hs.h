/* hs.h - Harmonized System product codes.
 *
 * A code is 2, 4, 6, 8 or 10 digits; leading zeros matter, so a code is its
 * digits as a number together with its length ("0201" is {201, 4}).  A code
 * denotes every product whose code starts with its digits.
 */
#ifndef LEVY_HS_H
#define LEVY_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_MAX_DIGITS 10

typedef struct hs_code {
    uint64_t digits; /* the digits read as a decimal number */
    uint8_t len;     /* how many digits: 2, 4, 6, 8 or 10 */
} hs_code;

typedef enum hs_status {
    HS_OK = 0,
    HS_BAD_CHAR,   /* something other than digits and dots */
    HS_BAD_LENGTH, /* not 2, 4, 6, 8 or 10 digits */
    HS_BAD_DOT     /* a dot not between digit groups: allowed after digit 4, 6 and 8 */
} hs_status;

/* hs_parse: "8517", "8517.13", "8471.30.0100", "8471.30.01.00",
 * "8471300100".  Dots may stand only after the 4th, 6th and 8th digit. */
hs_status hs_parse(const char *s, size_t n, hs_code *out);
/* hs_parse_loose: as hs_parse, but for data files: also accepts any number of
 * digits from 1 to 10 with dots anywhere between digits, e.g. "0101.21.00.10".
 * Odd lengths are accepted here (some schedules print 7 or 9 digits). */
hs_status hs_parse_loose(const char *s, size_t n, hs_code *out);

/* hs_has_prefix: does `code` start with the digits of `prefix`? */
bool hs_has_prefix(hs_code code, hs_code prefix);
/* hs_truncate: the first len digits of code (len <= code.len). */
hs_code hs_truncate(hs_code code, int len);
bool hs_equal(hs_code a, hs_code b);
/* hs_compare: order by digits as a string (so "01" < "0101" < "02"). */
int hs_compare(hs_code a, hs_code b);
/* hs_in_range: does code start with a prefix p, of the length of lo and hi,
 * with lo <= p <= hi?  lo and hi have equal lengths. */
bool hs_in_range(hs_code code, hs_code lo, hs_code hi);

/* hs_format: canonical dotted form: "72", "8517", "8517.13", "9503.00.00",
 * "8471.30.01.00".  buf needs HS_FMT_MAX bytes. */
#define HS_FMT_MAX 16
void hs_format(hs_code c, char buf[HS_FMT_MAX]);

const char *hs_status_message(hs_status s);

#endif
