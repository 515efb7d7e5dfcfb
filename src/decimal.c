/* decimal.c - exact fixed-point decimals (see decimal.h).
 *
 * Every result is computed in a 128-bit integer, rounded once, and then
 * checked against the int64 range; nothing ever wraps.  Any int64 is a valid
 * dec, INT64_MIN included, so negation and absolute values go through the
 * wide type or through uint64_t magnitudes.
 */
#include "decimal.h"

#include <string.h>

/* __int128 is a GCC/Clang extension; __extension__ keeps -pedantic quiet. */
__extension__ typedef __int128 wide;
__extension__ typedef unsigned __int128 uwide;

/* pow10_table[k] is 10^k for the place counts used here (0..12). */
static const int64_t pow10_table[] = {
    INT64_C(1),
    INT64_C(10),
    INT64_C(100),
    INT64_C(1000),
    INT64_C(10000),
    INT64_C(100000),
    INT64_C(1000000),
    INT64_C(10000000),
    INT64_C(100000000),
    INT64_C(1000000000),
    INT64_C(10000000000),
    INT64_C(100000000000),
    INT64_C(1000000000000),
};

/* A rounding request outside 0..DEC_PLACES asks for places a dec cannot
 * hold (or negative ones); such calls report DEC_PRECISION. */
static bool places_valid(int places)
{
    return places >= 0 && places <= DEC_PLACES;
}

/* fit: store w in *out when it is a valid int64 count of millionths. */
static dec_status fit(wide w, dec *out)
{
    if (w > INT64_MAX || w < INT64_MIN)
        return DEC_OVERFLOW;
    out->units = (int64_t)w;
    return DEC_OK;
}

/* div_half_up: num / den rounded half away from zero; den != 0.  Callers
 * keep |num| far below 2^127, so negating it cannot overflow. */
static wide div_half_up(wide num, wide den)
{
    bool neg = (num < 0) != (den < 0);
    wide n = num < 0 ? -num : num;
    wide d = den < 0 ? -den : den;
    wide q = n / d;
    if ((n % d) * 2 >= d)
        q += 1;
    return neg ? -q : q;
}

/* round_to_places: w, a count of 10^-from_places, rounded half-up to
 * `places` decimals and expressed in millionths. */
static dec_status round_to_places(wide w, int from_places, int places, dec *out)
{
    wide q = div_half_up(w, pow10_table[from_places - places]);
    return fit(q * pow10_table[DEC_PLACES - places], out);
}

dec_status dec_from_int(int64_t n, dec *out)
{
    return fit((wide)n * DEC_SCALE, out);
}

dec_status dec_add(dec a, dec b, dec *out)
{
    return fit((wide)a.units + b.units, out);
}

dec_status dec_sub(dec a, dec b, dec *out)
{
    return fit((wide)a.units - b.units, out);
}

dec_status dec_neg(dec a, dec *out)
{
    return fit(-(wide)a.units, out);
}

dec_status dec_mul(dec a, dec b, dec *out)
{
    return dec_mul_round(a, b, DEC_PLACES, out);
}

/* The exact product of two counts of millionths is a count of 10^-12 with
 * |product| <= 2^126, so it fits the signed 128-bit type; only a sum of
 * two products near the extremes can leave it, and that is an overflow. */
dec_status dec_mul_add_round(dec a, dec b, dec c, dec d, int places, dec *out)
{
    if (!places_valid(places))
        return DEC_PRECISION;
    const wide wide_max = (wide)(~(uwide)0 >> 1);
    wide p = (wide)a.units * b.units, q = (wide)c.units * d.units;
    if ((p > 0 && q > wide_max - p) || (p < 0 && q < -wide_max - p))
        return DEC_OVERFLOW;
    return round_to_places(p + q, 2 * DEC_PLACES, places, out);
}

dec_status dec_mul_round(dec a, dec b, int places, dec *out)
{
    return dec_mul_add_round(a, b, dec_zero(), dec_zero(), places, out);
}

dec_status dec_div(dec a, dec b, dec *out)
{
    if (b.units == 0)
        return DEC_DIV_ZERO;
    wide q = div_half_up((wide)a.units * DEC_SCALE, b.units);
    return fit(q, out);
}

/* Rounding a value up in magnitude can overflow (INT64_MAX to 0 places). */
dec_status dec_round(dec a, int places, dec *out)
{
    if (!places_valid(places))
        return DEC_PRECISION;
    return round_to_places(a.units, DEC_PLACES, places, out);
}

int dec_cmp(dec a, dec b)
{
    return (a.units > b.units) - (a.units < b.units);
}

dec dec_min(dec a, dec b)
{
    return a.units <= b.units ? a : b;
}

dec dec_max(dec a, dec b)
{
    return a.units >= b.units ? a : b;
}

/* ---- Parsing ---------------------------------------------------------- */

/* What the scanner has read so far.  The magnitude saturates just above
 * 2^63 so that absurdly long numbers still scan to their end (a syntax
 * error later in the text wins over overflow). */
typedef struct number_scan {
    wide magnitude;   /* digits read, as a count of 10^-places */
    int places;       /* fraction digits the result may keep */
    int frac_digits;  /* fraction digits seen */
    bool too_precise; /* a nonzero digit beyond `places` */
    bool too_large;   /* the magnitude passed 2^63 */
} number_scan;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void scan_add_digit(number_scan *ns, int digit)
{
    if (ns->too_large)
        return;
    ns->magnitude = ns->magnitude * 10 + digit;
    if (ns->magnitude > (wide)INT64_MAX + 1)
        ns->too_large = true;
}

/* Integer digits multiply the magnitude by ten; fraction digits do so only
 * while places remain.  A zero beyond the places loses nothing, so
 * "1.50000000" is accepted while "1.0000001" is DEC_PRECISION. */
static void scan_digit(number_scan *ns, char c, bool in_fraction)
{
    int digit = c - '0';
    if (!in_fraction) {
        scan_add_digit(ns, digit);
        return;
    }
    ns->frac_digits++;
    if (ns->frac_digits <= ns->places)
        scan_add_digit(ns, digit);
    else if (digit != 0)
        ns->too_precise = true;
}

/* scan_digits: reads one run of digits that '_' may separate, starting at
 * s[i].  An underscore needs a digit on each side: "1_000" but not "_1",
 * "1_" or "1__0".  Returns the index after the run, or 0 when it is empty. */
static size_t scan_digits(const char *s, size_t i, size_t n, number_scan *ns, bool in_fraction)
{
    size_t start = i;
    for (; i < n; i++) {
        if (is_digit(s[i]))
            scan_digit(ns, s[i], in_fraction);
        else if (s[i] == '_' && i > start && i + 1 < n && is_digit(s[i + 1]))
            continue; /* not first, so after a digit; next is a digit */
        else
            break;
    }
    return i > start ? i : 0;
}

/* scan_pad_fraction: after fewer fraction digits than places ("12.5"),
 * scale the magnitude up to a count of 10^-places. */
static void scan_pad_fraction(number_scan *ns)
{
    for (int k = ns->frac_digits; k < ns->places && !ns->too_large; k++)
        scan_add_digit(ns, 0);
}

/* parse_scaled: s[0..n) as [-]digits[.digits], read as a count of
 * 10^-places that becomes the result's millionths.  places is 6 for plain
 * numbers; it is 4 for percentages, which is the value divided by 100. */
static dec_status parse_scaled(const char *s, size_t n, int places, dec *out)
{
    number_scan ns = { 0, places, 0, false, false };
    size_t i = 0;
    bool neg = n > 0 && s[0] == '-';
    if (neg)
        i = 1;
    i = scan_digits(s, i, n, &ns, false);
    if (i == 0)
        return DEC_SYNTAX;
    if (i < n && s[i] == '.') {
        i = scan_digits(s, i + 1, n, &ns, true);
        if (i == 0)
            return DEC_SYNTAX;
    }
    if (i != n)
        return DEC_SYNTAX;
    if (ns.too_precise)
        return DEC_PRECISION;
    scan_pad_fraction(&ns);
    if (ns.too_large)
        return DEC_OVERFLOW;
    return fit(neg ? -ns.magnitude : ns.magnitude, out);
}

dec_status dec_parse(const char *s, size_t n, dec *out)
{
    return parse_scaled(s, n, DEC_PLACES, out);
}

dec_status dec_parse_percent(const char *s, size_t n, dec *out)
{
    return parse_scaled(s, n, DEC_PLACES - 2, out);
}

/* ---- Formatting ------------------------------------------------------- */

/* Output is built here, then copied out with snprintf's truncation rules.
 * DEC_FMT_MAX comfortably exceeds the longest output: "-$" + 13 integer
 * digits with 4 commas + "." + 6 places + NUL is 27 bytes. */
typedef struct text {
    char buf[DEC_FMT_MAX];
    size_t len;
} text;

static void text_put(text *t, char c)
{
    if (t->len + 1 < sizeof t->buf)
        t->buf[t->len++] = c;
}

static void text_puts(text *t, const char *s)
{
    while (*s)
        text_put(t, *s++);
}

/* text_integer: the digits of v, with a comma every three when grouped. */
static void text_integer(text *t, uint64_t v, bool grouped)
{
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (int k = count - 1; k >= 0; k--) {
        text_put(t, digits[k]);
        if (grouped && k > 0 && k % 3 == 0)
            text_put(t, ',');
    }
}

/* text_fraction: frac, a count of 10^-places, without trailing zeros but
 * with at least min_places digits; nothing at all when that is none. */
static void text_fraction(text *t, uint64_t frac, int places, int min_places)
{
    int shown = places;
    while (shown > min_places && frac % 10 == 0) {
        frac /= 10;
        shown--;
    }
    if (shown == 0)
        return;
    text_put(t, '.');
    for (int k = shown - 1; k >= 0; k--)
        text_put(t, (char)('0' + frac / (uint64_t)pow10_table[k] % 10));
}

/* text_fixed: magnitude m, a count of 10^-places, as digits. */
static void text_fixed(text *t, uint64_t m, int places, int min_places, bool grouped)
{
    uint64_t scale = (uint64_t)pow10_table[places];
    text_integer(t, m / scale, grouped);
    text_fraction(t, m % scale, places, min_places);
}

/* magnitude: |a.units| without overflow, INT64_MIN included. */
static uint64_t magnitude(dec a)
{
    return a.units < 0 ? 0 - (uint64_t)a.units : (uint64_t)a.units;
}

/* text_emit: copy t into buf like snprintf: truncate, always terminate. */
static size_t text_emit(const text *t, char *buf, size_t n)
{
    if (n > 0) {
        size_t copy = t->len < n - 1 ? t->len : n - 1;
        memcpy(buf, t->buf, copy);
        buf[copy] = '\0';
    }
    return t->len;
}

static int clamp_places(int places)
{
    return places < 0 ? 0 : places > DEC_PLACES ? DEC_PLACES : places;
}

size_t dec_format(dec a, int min_places, char *buf, size_t n)
{
    text t = { { 0 }, 0 };
    if (dec_is_neg(a))
        text_put(&t, '-');
    text_fixed(&t, magnitude(a), DEC_PLACES, clamp_places(min_places), false);
    return text_emit(&t, buf, n);
}

size_t dec_format_money(dec a, char *buf, size_t n)
{
    text t = { { 0 }, 0 };
    text_puts(&t, dec_is_neg(a) ? "-$" : "$");
    text_fixed(&t, magnitude(a), DEC_PLACES, 2, true);
    return text_emit(&t, buf, n);
}

/* A rate r is r*100 percent; millionths of r are ten-thousandths of a
 * percent, so the same digits print with four places instead of six. */
size_t dec_format_percent(dec a, char *buf, size_t n)
{
    text t = { { 0 }, 0 };
    if (dec_is_neg(a))
        text_put(&t, '-');
    text_fixed(&t, magnitude(a), DEC_PLACES - 2, 0, false);
    text_put(&t, '%');
    return text_emit(&t, buf, n);
}

const char *dec_status_message(dec_status s)
{
    switch (s) {
    case DEC_OK: return "ok";
    case DEC_OVERFLOW: return "number too large";
    case DEC_DIV_ZERO: return "division by zero";
    case DEC_SYNTAX: return "not a number";
    case DEC_PRECISION: return "more than 6 decimal places";
    }
    return "unknown decimal error";
}
