/* hs.c - Harmonized System product codes (see hs.h).
 *
 * A code is kept as its digits read as a number plus their count, so the
 * first k digits of a code are digits / 10^(len - k): prefixes, ranges and
 * string order all reduce to integer arithmetic on truncated codes.
 */
#include "hs.h"

static uint64_t pow10_u64(int k)
{
    uint64_t p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Strict codes take a dot only where the printed groups meet:
 * 8471.30.01.00, after the 4th, 6th and 8th digit. */
static bool strict_dot_allowed(int digits_before)
{
    return digits_before == 4 || digits_before == 6 || digits_before == 8;
}

/* parse_code: the digits of s[0..n), where a dot must follow a digit and
 * precede one.  When strict, a dot must also follow digit 4, 6 or 8.  Stops
 * counting past HS_MAX_DIGITS, so a long input is HS_BAD_LENGTH rather
 * than an overflow; the caller checks the length. */
static hs_status parse_code(const char *s, size_t n, bool strict, hs_code *out)
{
    uint64_t digits = 0;
    int len = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_digit(s[i])) {
            if (len < HS_MAX_DIGITS)
                digits = digits * 10 + (uint64_t)(s[i] - '0');
            len++;
        } else if (s[i] != '.') {
            return HS_BAD_CHAR;
        } else if (i == 0 || !is_digit(s[i - 1]) || i + 1 == n || !is_digit(s[i + 1])) {
            return HS_BAD_DOT;
        } else if (strict && !strict_dot_allowed(len)) {
            return HS_BAD_DOT;
        }
    }
    if (len == 0 || len > HS_MAX_DIGITS)
        return HS_BAD_LENGTH;
    out->digits = digits;
    out->len = (uint8_t)len;
    return HS_OK;
}

hs_status hs_parse(const char *s, size_t n, hs_code *out)
{
    hs_code code;
    hs_status st = parse_code(s, n, true, &code);
    if (st != HS_OK)
        return st;
    if (code.len % 2 != 0)
        return HS_BAD_LENGTH;
    *out = code;
    return HS_OK;
}

hs_status hs_parse_loose(const char *s, size_t n, hs_code *out)
{
    return parse_code(s, n, false, out);
}

/* Out-of-range lengths clamp: at most the whole code, at least nothing. */
hs_code hs_truncate(hs_code code, int len)
{
    if (len >= code.len)
        return code;
    if (len < 0)
        len = 0;
    hs_code prefix = { code.digits / pow10_u64(code.len - len), (uint8_t)len };
    return prefix;
}

bool hs_has_prefix(hs_code code, hs_code prefix)
{
    return prefix.len <= code.len && hs_truncate(code, prefix.len).digits == prefix.digits;
}

bool hs_equal(hs_code a, hs_code b)
{
    return a.len == b.len && a.digits == b.digits;
}

/* Compare the digits both codes have; if those agree, the shorter code is a
 * prefix of the longer and sorts first, as strings do. */
int hs_compare(hs_code a, hs_code b)
{
    int common = a.len < b.len ? a.len : b.len;
    uint64_t x = hs_truncate(a, common).digits;
    uint64_t y = hs_truncate(b, common).digits;
    if (x != y)
        return x < y ? -1 : 1;
    return (a.len > b.len) - (a.len < b.len);
}

/* A code shorter than the bounds names products both in and out of the
 * range (hs 72 against 7201..7205), so it is not in it.  Bounds of unequal
 * length break the contract and match nothing. */
bool hs_in_range(hs_code code, hs_code lo, hs_code hi)
{
    if (lo.len != hi.len || code.len < lo.len)
        return false;
    uint64_t p = hs_truncate(code, lo.len).digits;
    return lo.digits <= p && p <= hi.digits;
}

/* Groups of 4, 2, 2, 2 digits; odd lengths from hs_parse_loose end with a
 * short group ("8471.30.0").  At most 10 digits and 3 dots fit the buffer. */
void hs_format(hs_code c, char buf[HS_FMT_MAX])
{
    int len = c.len > HS_MAX_DIGITS ? HS_MAX_DIGITS : c.len;
    int pos = 0;
    for (int i = 0; i < len; i++) {
        if (i >= 4 && i % 2 == 0)
            buf[pos++] = '.';
        buf[pos++] = (char)('0' + c.digits / pow10_u64(len - 1 - i) % 10);
    }
    buf[pos] = '\0';
}

const char *hs_status_message(hs_status s)
{
    switch (s) {
    case HS_OK: return "ok";
    case HS_BAD_CHAR: return "an hs code has only digits and dots";
    case HS_BAD_LENGTH: return "an hs code has 2, 4, 6, 8 or 10 digits";
    case HS_BAD_DOT: return "a dot may stand only after digit 4, 6 or 8";
    }
    return "unknown hs code error";
}
