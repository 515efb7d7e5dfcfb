/* rate.c - tariff rates: units, formatting, and the two textual forms
 * (Levy's own and the USITC's).
 *
 * Both parsers read a rate as one or two terms joined by '+': at most one
 * ad valorem term and at most one specific term.  Amounts go straight from
 * their digits to exact decimals; cents become dollars by moving the point
 * two places (10.5¢ = $0.105), and an amount that would need more than
 * DEC_PLACES places is refused rather than rounded.
 */
#include "rate.h"

#include <stdio.h>
#include <string.h>

static const char *const unit_names[UNIT_COUNT] = {
    [UNIT_NONE] = "",     [UNIT_KG] = "kg",   [UNIT_L] = "l",         [UNIT_ITEM] = "item",
    [UNIT_PAIR] = "pair", [UNIT_DOZ] = "doz", [UNIT_M2] = "m2",       [UNIT_M3] = "m3",
    [UNIT_T] = "t",       [UNIT_BBL] = "bbl", [UNIT_GROSS] = "gross", [UNIT_THOUSAND] = "thousand",
    [UNIT_PF_L] = "pf_l",
};

const char *unit_name(unit u)
{
    return (unsigned)u < UNIT_COUNT ? unit_names[u] : "";
}

unit unit_from_name(const char *s, size_t n)
{
    for (int u = UNIT_NONE + 1; u < UNIT_COUNT; u++)
        if (strlen(unit_names[u]) == n && memcmp(unit_names[u], s, n) == 0)
            return (unit)u;
    return UNIT_NONE;
}

rate_value rate_ad_valorem(dec fraction)
{
    rate_value r = { fraction, dec_zero(), UNIT_NONE };
    return r;
}

size_t rate_format(rate_value r, char *buf, size_t n)
{
    char percent[DEC_FMT_MAX], money[DEC_FMT_MAX];
    int len;
    dec_format_percent(r.ad_valorem, percent, sizeof percent);
    if (!rate_is_specific(r)) {
        len = snprintf(buf, n, "%s", percent);
    } else {
        dec_format_money(r.specific, money, sizeof money);
        if (dec_is_zero(r.ad_valorem))
            len = snprintf(buf, n, "%s per %s", money, unit_name(r.unit));
        else
            len = snprintf(buf, n, "%s + %s per %s", percent, money, unit_name(r.unit));
    }
    return len < 0 ? 0 : (size_t)len;
}

/* ---- Scanning ---------------------------------------------------------- */

/* A view of the text still to read. */
typedef struct cursor {
    const char *p, *end;
} cursor;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static cursor trimmed(const char *s, size_t n)
{
    cursor c = { s, s + n };
    while (c.p < c.end && is_blank(*c.p))
        c.p++;
    while (c.end > c.p && is_blank(c.end[-1]))
        c.end--;
    return c;
}

static size_t left(cursor c)
{
    return (size_t)(c.end - c.p);
}

static void skip_blanks(cursor *c)
{
    while (c->p < c->end && is_blank(*c->p))
        c->p++;
}

/* eat: consumes the literal lit if the text continues with it. */
static bool eat(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if (left(*c) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* is_whole_ci: is the whole of c the word `word`, in any case? */
static bool is_whole_ci(cursor c, const char *word)
{
    size_t n = strlen(word);
    if (left(c) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = c.p[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != word[i])
            return false;
    }
    return true;
}

/* grouping_ok: commas in s[0..n) group the integer part by thousands:
 * "1,000" and "12,345.5" but not "1,5" or "1,0000", which would otherwise
 * read a decimal comma as a separator and multiply the value. */
static bool grouping_ok(const char *s, size_t n)
{
    size_t int_len = 0, first_comma = n;
    while (int_len < n && s[int_len] != '.')
        int_len++;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ',')
            continue;
        if (i >= int_len)
            return false; /* a comma in the fraction */
        if (first_comma == n)
            first_comma = i;
    }
    if (first_comma == n)
        return true;
    if (first_comma == 0 || first_comma > 3 || memchr(s, '_', n))
        return false;
    for (size_t i = first_comma; i < int_len; i += 4)
        if (s[i] != ',' || int_len - i < 4 || !is_digit(s[i + 1]) || !is_digit(s[i + 2]) ||
            !is_digit(s[i + 3]))
            return false;
    return true;
}

/* scan_amount: a non-negative number at c (digits, '.', and '_' or ','
 * between groups), read as a decimal divided by 100 when `hundredths`
 * (percentages and cents).  False, consuming nothing, when there is no
 * number or it cannot be held exactly. */
static bool scan_amount(cursor *c, bool hundredths, dec *out)
{
    const char *start = c->p, *q = c->p;
    char digits[48];
    if (q == c->end || !is_digit(*q))
        return false;
    while (q < c->end && (is_digit(*q) || *q == '.' || *q == '_' || *q == ','))
        q++;
    while (q > start && (q[-1] == ',' || q[-1] == '.'))
        q--; /* "5¢ each, ..." : punctuation after a number is not part of it */
    size_t n = (size_t)(q - start);
    if (n >= sizeof digits || !grouping_ok(start, n))
        return false;
    for (size_t i = 0; i < n; i++)
        digits[i] = start[i] == ',' ? '_' : start[i];
    dec_status st = hundredths ? dec_parse_percent(digits, n, out) : dec_parse(digits, n, out);
    if (st != DEC_OK)
        return false;
    c->p = q;
    return true;
}

/* combine: the rate of two terms, one ad valorem and one specific, in
 * either order.  Two of a kind are refused: "5% + 3%" is not a rate one
 * would print, and "1¢/kg + 2¢/liter" has no single unit. */
static bool combine(rate_value a, rate_value b, rate_value *out)
{
    if (rate_is_specific(a) == rate_is_specific(b))
        return false;
    rate_value spec = rate_is_specific(a) ? a : b;
    rate_value av = rate_is_specific(a) ? b : a;
    out->ad_valorem = av.ad_valorem;
    out->specific = spec.specific;
    out->unit = spec.unit;
    return true;
}

typedef bool (*term_parser)(cursor c, rate_value *out);

/* parse_terms: "Free", or one term, or two joined by '+'; blanks around the
 * '+' are optional ("40¢/kg +10.4%").  A third term is refused. */
static bool parse_terms(const char *s, size_t n, term_parser term, rate_value *out)
{
    cursor all = trimmed(s, n);
    if (is_whole_ci(all, "free")) {
        *out = rate_ad_valorem(dec_zero());
        return true;
    }
    const char *plus = memchr(all.p, '+', left(all));
    if (!plus)
        return term(all, out);
    cursor first = trimmed(all.p, (size_t)(plus - all.p));
    cursor second = trimmed(plus + 1, (size_t)(all.end - plus - 1));
    if (memchr(second.p, '+', left(second)))
        return false;
    rate_value a, b;
    return term(first, &a) && term(second, &b) && combine(a, b, out);
}

/* ---- Levy's syntax ----------------------------------------------------- */

/* levy_term: "25%" or "$0.063 per l" (the whole of c). */
static bool levy_term(cursor c, rate_value *out)
{
    dec amount;
    if (eat(&c, "$")) {
        if (!scan_amount(&c, false, &amount) || left(c) == 0 || !is_blank(*c.p))
            return false;
        skip_blanks(&c);
        if (!eat(&c, "per") || left(c) == 0 || !is_blank(*c.p))
            return false;
        skip_blanks(&c);
        unit u = unit_from_name(c.p, left(c));
        if (u == UNIT_NONE)
            return false;
        out->ad_valorem = dec_zero();
        out->specific = amount;
        out->unit = u;
        return true;
    }
    if (!scan_amount(&c, true, &amount) || !eat(&c, "%") || left(c) != 0)
        return false;
    *out = rate_ad_valorem(amount);
    return true;
}

bool rate_parse_levy(const char *s, size_t n, rate_value *out)
{
    return parse_terms(s, n, levy_term, out);
}

/* ---- The USITC's printing ---------------------------------------------- */

/* How the HTS names the unit after '/' in a specific rate, and the Levy
 * unit it is.  Anything else after the '/' ("kg on drained weight",
 * "clean kg", "jewel", "m") is not understood: it either measures a part of
 * the goods or uses a unit Levy does not have. */
static const struct usitc_unit {
    const char *text;
    unit unit;
} usitc_units[] = {
    { "kg", UNIT_KG },
    { "liter", UNIT_L },
    { "pf. liter", UNIT_PF_L },
    { "pf.liter", UNIT_PF_L },
    { "proof liter", UNIT_PF_L },
    { "bbl", UNIT_BBL },
    { "pr.", UNIT_PAIR },
    { "doz.", UNIT_DOZ },
    { "gross", UNIT_GROSS },
    { "t", UNIT_T },
    { "m2", UNIT_M2 },
    { "m3", UNIT_M3 },
    { "1000", UNIT_THOUSAND },
    { "1,000", UNIT_THOUSAND },
    { "thousand", UNIT_THOUSAND },
    { "No.", UNIT_ITEM },
    { "head", UNIT_ITEM },
};

static unit usitc_unit(cursor c)
{
    for (size_t i = 0; i < sizeof usitc_units / sizeof usitc_units[0]; i++)
        if (strlen(usitc_units[i].text) == left(c) &&
            memcmp(usitc_units[i].text, c.p, left(c)) == 0)
            return usitc_units[i].unit;
    return UNIT_NONE;
}

/* usitc_money: "10.5¢" (cents) or "$1.35" (dollars), as dollars. */
static bool usitc_money(cursor *c, dec *out)
{
    if (eat(c, "$"))
        return scan_amount(c, false, out);
    /* Cents are hundredths of a dollar, read as percent are of one. */
    return scan_amount(c, true, out) && eat(c, "\xC2\xA2"); /* U+00A2 ¢ */
}

/* usitc_term: "6.5%", "2.5¢/kg", "$1.35/kg", "5¢ each", "4.5¢/ liter". */
static bool usitc_term(cursor c, rate_value *out)
{
    dec amount;
    cursor probe = c;
    if (scan_amount(&probe, true, &amount) && eat(&probe, "%")) {
        if (left(probe) != 0)
            return false; /* "3% on the case" */
        *out = rate_ad_valorem(amount);
        return true;
    }
    if (!usitc_money(&c, &amount))
        return false;
    unit u;
    skip_blanks(&c);
    if (eat(&c, "/")) {
        skip_blanks(&c);
        u = usitc_unit(c);
    } else {
        u = left(c) == 4 && memcmp(c.p, "each", 4) == 0 ? UNIT_ITEM : UNIT_NONE;
    }
    if (u == UNIT_NONE)
        return false;
    out->ad_valorem = dec_zero();
    out->specific = amount;
    out->unit = u;
    return true;
}

bool rate_parse_usitc(const char *s, size_t n, rate_value *out)
{
    return parse_terms(s, n, usitc_term, out);
}
