/* decimal.h - exact fixed-point decimals for numbers, rates and money.
 *
 * Every number, rate and amount of money in Levy is a dec: a signed 64-bit
 * count of millionths (DEC_SCALE).  A rate is stored as a fraction, so 16.5%
 * is 0.165 and $10,000 is 10000.  Products and quotients go through 128-bit
 * intermediates; every operation that could lose the value reports
 * DEC_OVERFLOW or DEC_DIV_ZERO instead of wrapping.  Rounding is half-up,
 * that is half away from zero, as customs rounds.
 */
#ifndef LEVY_DECIMAL_H
#define LEVY_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_PLACES 6
#define DEC_SCALE INT64_C(1000000)

typedef struct dec {
    int64_t units; /* value * DEC_SCALE */
} dec;

typedef enum dec_status {
    DEC_OK = 0,
    DEC_OVERFLOW, /* the result does not fit */
    DEC_DIV_ZERO, /* division by zero */
    DEC_SYNTAX,   /* not a number */
    DEC_PRECISION /* more decimal places than DEC_PLACES */
} dec_status;

static inline dec dec_from_units(int64_t units)
{
    dec d = { units };
    return d;
}
static inline dec dec_zero(void)
{
    return dec_from_units(0);
}

/* dec_from_int: n as a decimal; DEC_OVERFLOW when |n| is too large. */
dec_status dec_from_int(int64_t n, dec *out);

/* dec_parse: reads [-]digits[.digits] where '_' may separate digits
 * ("1_000_000", "12.5").  The whole of s[0..n) must be the number. */
dec_status dec_parse(const char *s, size_t n, dec *out);

/* dec_parse_percent: as dec_parse, then divided by 100 ("16.5" -> 0.165).
 * DEC_PRECISION when the fraction no longer fits in DEC_PLACES. */
dec_status dec_parse_percent(const char *s, size_t n, dec *out);

dec_status dec_add(dec a, dec b, dec *out);
dec_status dec_sub(dec a, dec b, dec *out);
dec_status dec_neg(dec a, dec *out);
/* dec_mul: a*b rounded half-up to DEC_PLACES. */
dec_status dec_mul(dec a, dec b, dec *out);
/* dec_mul_round: a*b computed exactly, then rounded half-up once to
 * `places` decimals (0..DEC_PLACES).  Amounts of duty use places = 2. */
dec_status dec_mul_round(dec a, dec b, int places, dec *out);
/* dec_mul_add_round: a*b + c*d computed exactly, then rounded half-up once
 * to `places` decimals (0..DEC_PLACES).  The duty of a measure is base x
 * ad valorem + quantity x specific, with places = 2. */
dec_status dec_mul_add_round(dec a, dec b, dec c, dec d, int places, dec *out);
/* dec_div: a/b rounded half-up to DEC_PLACES. */
dec_status dec_div(dec a, dec b, dec *out);
/* dec_round: a rounded half-up to `places` decimals (0..DEC_PLACES). */
dec_status dec_round(dec a, int places, dec *out);

int dec_cmp(dec a, dec b); /* -1, 0, 1 */
static inline bool dec_is_zero(dec a)
{
    return a.units == 0;
}
static inline bool dec_is_neg(dec a)
{
    return a.units < 0;
}
dec dec_min(dec a, dec b);
dec dec_max(dec a, dec b);

/* Formatting.  Each writes a NUL-terminated string into buf (at most n
 * bytes, truncating) and returns the length it needed, like snprintf.
 * DEC_FMT_MAX bytes are always enough. */
#define DEC_FMT_MAX 48
/* "12.5", "-3", "0.000001": no trailing zeros, at least min_places places. */
size_t dec_format(dec a, int min_places, char *buf, size_t n);
/* Money: "$10,000.00", "-$5.25"; at least two places, more when needed
 * ("$0.063"). */
size_t dec_format_money(dec a, char *buf, size_t n);
/* Rate as percent: 0.145 -> "14.5%", 1.45 -> "145%", 0.000001 -> "0.0001%". */
size_t dec_format_percent(dec a, char *buf, size_t n);

const char *dec_status_message(dec_status s);

#endif
