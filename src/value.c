/* value.c - runtime values, shipments, text buffers and printing. */
#include "value.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *value_kind_name(value_kind k)
{
    static const char *const names[] = {
        [V_NONE] = "nothing",      [V_BOOL] = "bool",
        [V_NUMBER] = "number",     [V_RATE] = "rate",
        [V_MONEY] = "money",       [V_DATE] = "date",
        [V_DURATION] = "duration", [V_TEXT] = "text",
        [V_COUNTRY] = "country",   [V_COUNTRY_SET] = "country set",
        [V_PRODUCT] = "product",   [V_PRODUCT_SET] = "product set",
        [V_SHIPMENT] = "shipment", [V_EXPLANATION] = "explanation",
        [V_TIMELINE] = "timeline", [V_UNIT] = "unit",
        [V_DECL] = "declaration",
    };
    return k <= V_DECL ? names[k] : "?";
}

value_kind value_kind_of_type(type t)
{
    switch (t) {
    case T_BOOL: return V_BOOL;
    case T_NUMBER: return V_NUMBER;
    case T_RATE: return V_RATE;
    case T_MONEY: return V_MONEY;
    case T_DATE: return V_DATE;
    case T_DURATION: return V_DURATION;
    case T_TEXT: return V_TEXT;
    case T_COUNTRY: return V_COUNTRY;
    case T_COUNTRY_SET: return V_COUNTRY_SET;
    case T_PRODUCT: return V_PRODUCT;
    case T_PRODUCT_SET: return V_PRODUCT_SET;
    case T_SHIPMENT: return V_SHIPMENT;
    case T_EXPLANATION: return V_EXPLANATION;
    case T_TIMELINE: return V_TIMELINE;
    case T_UNIT: return V_UNIT;
    case T_MEASURE:
    case T_MODIFIER:
    case T_COMMITMENT:
    case T_SCENARIO:
    case T_SCHEDULE: return V_DECL;
    default: return V_NONE;
    }
}

bool rate_equal(rate_value a, rate_value b)
{
    if (dec_cmp(a.ad_valorem, b.ad_valorem) != 0)
        return false;
    if (!rate_is_specific(a) && !rate_is_specific(b))
        return true;
    /* A specific part of $0 is no specific part. */
    if (dec_is_zero(a.specific) && dec_is_zero(b.specific))
        return true;
    return a.unit == b.unit && dec_cmp(a.specific, b.specific) == 0;
}

static bool ship_equal(const shipment *a, const shipment *b)
{
    if (a->nfields != b->nfields)
        return false;
    for (int i = 0; i < a->nfields; i++)
        if (!value_equal(&a->fields[i], &b->fields[i]))
            return false;
    return true;
}

bool value_equal(const value *a, const value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case V_NONE: return true;
    case V_BOOL: return a->as.b == b->as.b;
    case V_NUMBER:
    case V_MONEY: return dec_cmp(a->as.num, b->as.num) == 0;
    case V_RATE: return rate_equal(a->as.rate, b->as.rate);
    case V_DATE: return a->as.day == b->as.day;
    case V_DURATION: return a->as.dur.count == b->as.dur.count && a->as.dur.unit == b->as.dur.unit;
    case V_TEXT: return strcmp(a->as.text, b->as.text) == 0;
    case V_COUNTRY: return a->as.country == b->as.country;
    case V_COUNTRY_SET: return bitset_equal(a->as.countries, b->as.countries);
    case V_PRODUCT: return hs_equal(a->as.product, b->as.product);
    case V_PRODUCT_SET: return pset_equal(a->as.products, b->as.products);
    case V_SHIPMENT: return ship_equal(a->as.ship, b->as.ship);
    case V_UNIT: return a->as.unit == b->as.unit;
    case V_DECL: return a->as.decl == b->as.decl;
    case V_EXPLANATION: return a->as.expl == b->as.expl;
    case V_TIMELINE: return a->as.tl == b->as.tl;
    }
    return false;
}

/* ---- Shipments ---------------------------------------------------------- */

static const char *const builtin_field_names[F_BUILTIN_COUNT] = {
/* clang-format off */
#define FIELD(id, name, type, kind) [id] = name,
#include "fields.def"
    /* clang-format on */
};

static const value_kind builtin_field_kinds[F_BUILTIN_COUNT] = {
/* clang-format off */
#define FIELD(id, name, type, kind) [id] = kind,
#include "fields.def"
    /* clang-format on */
};

int ship_field_count(const program *p)
{
    return F_BUILTIN_COUNT + (int)p->decls.attributes.n;
}

shipment *ship_new(arena *r, const program *p)
{
    int n = ship_field_count(p);
    shipment *s = arena_alloc(r, sizeof *s + (size_t)n * sizeof s->fields[0]);
    if (s)
        s->nfields = n;
    return s;
}

shipment *ship_copy(arena *r, const shipment *s)
{
    size_t size = sizeof *s + (size_t)s->nfields * sizeof s->fields[0];
    shipment *c = arena_alloc(r, size);
    if (c)
        memcpy(c, s, size);
    return c;
}

void ship_clear(shipment *s)
{
    for (int i = 0; i < s->nfields; i++)
        s->fields[i].kind = V_NONE;
}

int ship_field_lookup(const program *p, const char *name)
{
    for (int f = 0; f < F_BUILTIN_COUNT; f++)
        if (strcmp(builtin_field_names[f], name) == 0)
            return f;
    for (size_t i = 0; i < p->decls.attributes.n; i++)
        if (strcmp(p->decls.attributes.v[i]->name, name) == 0)
            return F_BUILTIN_COUNT + (int)i;
    return -1;
}

/* ship_field_kind: an attribute holds the kind of value its checked type
 * names (attribute_types.def). */
value_kind ship_field_kind(const program *p, int f)
{
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return builtin_field_kinds[f];
    size_t i = (size_t)(f - F_BUILTIN_COUNT);
    if (f < F_BUILTIN_COUNT || i >= p->decls.attributes.n)
        return V_NONE;
    return value_kind_of_type(p->decls.attributes.v[i]->ty);
}

static const char *field_label(const program *p, int f)
{
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return builtin_field_names[f];
    size_t i = (size_t)(f - F_BUILTIN_COUNT);
    return i < p->decls.attributes.n ? p->decls.attributes.v[i]->name : "?";
}

bool ship_set(shipment *s, const program *p, int f, value v, char *err, size_t errlen)
{
    if (f < 0 || f >= s->nfields) {
        snprintf(err, errlen, "no such field");
        return false;
    }
    value_kind want = ship_field_kind(p, f);
    if (v.kind == V_NUMBER && want == V_MONEY)
        v.kind = V_MONEY;
    if (v.kind != want && v.kind != V_NONE) {
        snprintf(err, errlen, "'%s' is a %s, not a %s", field_label(p, f), value_kind_name(want),
                 value_kind_name(v.kind));
        return false;
    }
    s->fields[f] = v;
    return true;
}

int country_lookup(const program *p, const char *code, size_t n)
{
    /* Through the name table: one hash, not a scan of ~250 codes. */
    char name[64];
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, code, n);
    name[n] = '\0';
    const node *d = symtab_get(&p->globals, name);
    if (d && d->kind == N_COUNTRY && d->index >= 0 && (size_t)d->index < p->decls.countries.n &&
        p->decls.countries.v[d->index] == d)
        return d->index;
    return -1;
}

const char *country_code(const program *p, int country)
{
    if (country < 0 || (size_t)country >= p->decls.countries.n)
        return "?";
    return p->decls.countries.v[country]->name;
}

/* trim: drops blanks at both ends of s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
    while (*n && isspace((unsigned char)s[0])) {
        s++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

/* parse_amount: a number with an optional '$' and ',' thousands separators. */
static bool parse_amount(const char *s, size_t n, bool money, dec *out)
{
    char buf[64];
    size_t k = 0;
    bool neg = false;
    if (n && s[0] == '-') {
        neg = true;
        s++;
        n--;
    }
    if (money && n && s[0] == '$') {
        s++;
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',')
            continue;
        if (k + 2 >= sizeof buf)
            return false;
        buf[k++] = s[i];
    }
    if (k == 0)
        return false;
    dec d;
    if (dec_parse(buf, k, &d) != DEC_OK || dec_is_neg(d))
        return false;
    if (neg && dec_neg(d, &d) != DEC_OK)
        return false;
    *out = d;
    return true;
}

static bool parse_product(const char *s, size_t n, hs_code *out)
{
    if (n > 2 && (s[0] == 'h' || s[0] == 'H') && (s[1] == 's' || s[1] == 'S')) {
        s += 2;
        n -= 2;
        s = trim(s, &n);
    }
    if (hs_parse(s, n, out) == HS_OK)
        return true;
    /* Data files dot codes their own way ("0101.21.00.10"), but a product
       is still 2, 4, 6, 8 or 10 digits: "851" is a typo, not a chapter. */
    return hs_parse_loose(s, n, out) == HS_OK && out->len % 2 == 0;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
    static const char *const yes[] = { "true", "yes", "1" }, *const no[] = { "false", "no", "0" };
    for (size_t i = 0; i < 3; i++) {
        if (strlen(yes[i]) == n && strncmp(yes[i], s, n) == 0) {
            *out = true;
            return true;
        }
        if (strlen(no[i]) == n && strncmp(no[i], s, n) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool parse_duration(const char *s, size_t n, duration *out)
{
    static const struct {
        const char *word;
        duration_unit unit;
    } units[] = {
        { "day", DUR_DAYS },    { "days", DUR_DAYS },    { "week", DUR_WEEKS },
        { "weeks", DUR_WEEKS }, { "month", DUR_MONTHS }, { "months", DUR_MONTHS },
        { "year", DUR_YEARS },  { "years", DUR_YEARS },
    };
    size_t i = 0;
    int64_t count = 0;
    while (i < n && isdigit((unsigned char)s[i])) {
        if (count > INT64_MAX / 10 - 10)
            return false;
        count = count * 10 + (s[i++] - '0');
    }
    if (i == 0)
        return false;
    while (i < n && s[i] == ' ')
        i++;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strlen(units[u].word) == n - i && strncmp(units[u].word, s + i, n - i) == 0) {
            out->count = count;
            out->unit = units[u].unit;
            return true;
        }
    }
    return false;
}

/* parse_field_text: text as a value of kind `want`. */
static bool parse_field_text(const program *p, arena *r, value_kind want, const char *s, size_t n,
                             value *v)
{
    v->kind = want;
    switch (want) {
    case V_COUNTRY: return (v->as.country = country_lookup(p, s, n)) >= 0;
    case V_PRODUCT: return parse_product(s, n, &v->as.product);
    case V_MONEY: return parse_amount(s, n, true, &v->as.num);
    case V_NUMBER: return parse_amount(s, n, false, &v->as.num);
    case V_DATE: return date_parse(s, n, &v->as.day) == DATE_OK;
    case V_RATE: return rate_parse_levy(s, n, &v->as.rate);
    case V_BOOL: return parse_bool(s, n, &v->as.b);
    case V_UNIT: return (v->as.unit = unit_from_name(s, n)) != UNIT_NONE;
    case V_DURATION: return parse_duration(s, n, &v->as.dur);
    case V_TEXT: return (v->as.text = arena_strndup(r, s, n)) != NULL;
    default: return false;
    }
}

bool ship_set_text(shipment *s, const program *p, arena *r, int f, const char *text, size_t len,
                   char *err, size_t errlen)
{
    if (f < 0 || f >= s->nfields) {
        snprintf(err, errlen, "no such field");
        return false;
    }
    value_kind want = ship_field_kind(p, f);
    if (want != V_TEXT)
        text = trim(text, &len);
    if (len == 0) {
        s->fields[f].kind = V_NONE;
        return true;
    }
    value v;
    if (!parse_field_text(p, r, want, text, len, &v)) {
        if (want == V_COUNTRY)
            snprintf(err, errlen, "unknown country '%.*s' in '%s'", (int)len, text,
                     field_label(p, f));
        else
            snprintf(err, errlen, "'%.*s' is not a %s (field '%s')", (int)len, text,
                     value_kind_name(want), field_label(p, f));
        return false;
    }
    s->fields[f] = v;
    return true;
}

/* ---- Fixed fast parsers -------------------------------------------------- */

void country2_fill(const program *p, int16_t t[26 * 26])
{
    for (int a = 0; a < 26; a++)
        for (int b = 0; b < 26; b++) {
            char code[2] = { (char)('A' + a), (char)('A' + b) };
            t[a * 26 + b] = (int16_t)country_lookup(p, code, 2);
        }
}

static bool all_digits(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* plain_amount: D+ or D+.D{1,6}, at most 12 digits before the point, so
 * that no multiplication can overflow. */
static bool plain_amount(const char *s, size_t n, dec *out)
{
    size_t dot = 0;
    while (dot < n && s[dot] != '.')
        dot++;
    size_t frac = dot < n ? n - dot - 1 : 0;
    uint64_t whole, part = 0;
    if (dot == 0 || dot > 12 || (dot < n && (frac == 0 || frac > 6)) || !all_digits(s, dot, &whole) ||
        !all_digits(s + dot + 1, frac, &part))
        return false;
    static const uint64_t scale[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };
    out->units = (int64_t)(whole * (uint64_t)DEC_SCALE + part * scale[frac]);
    return true;
}

bool value_parse_plain(value_kind want, const int16_t *t, const char *s, size_t n, value *out)
{
    out->kind = want;
    switch (want) {
    case V_COUNTRY: {
        unsigned a = (unsigned char)s[0] - 'A', b = n == 2 ? (unsigned char)s[1] - 'A' : 26;
        if (n != 2 || a >= 26 || b >= 26 || t[a * 26 + b] < 0)
            return false;
        out->as.country = t[a * 26 + b];
        return true;
    }
    case V_PRODUCT: {
        uint64_t d;
        if (n < 2 || n > HS_MAX_DIGITS || n % 2 || !all_digits(s, n, &d))
            return false;
        out->as.product.digits = d;
        out->as.product.len = (uint8_t)n;
        return true;
    }
    case V_MONEY:
    case V_NUMBER: return plain_amount(s, n, &out->as.num);
    case V_DATE: return date_parse(s, n, &out->as.day) == DATE_OK;
    case V_BOOL:
        if (n == 4 && memcmp(s, "true", 4) == 0)
            out->as.b = true;
        else if (n == 5 && memcmp(s, "false", 5) == 0)
            out->as.b = false;
        else
            return false;
        return true;
    default: return false;
    }
}

/* ---- Printing ------------------------------------------------------------ */

void money_format(dec d, strbuf *out)
{
    char buf[DEC_FMT_MAX];
    dec_format_money(d, buf, sizeof buf);
    sb_puts(out, buf);
}

void rate_format_sb(rate_value r, strbuf *out)
{
    char buf[RATE_FMT_MAX];
    rate_format(r, buf, sizeof buf);
    sb_puts(out, buf);
}

void product_format(hs_code c, strbuf *out)
{
    char buf[HS_FMT_MAX];
    hs_format(c, buf);
    sb_puts(out, "hs ");
    sb_puts(out, buf);
}

static void country_set_format(const bitset *s, const program *p, strbuf *out)
{
    if (s->nbits > 0 && bitset_is_full(s)) {
        sb_puts(out, "all");
        return;
    }
    sb_putc(out, '{');
    const char *sep = "";
    for (long c = bitset_next(s, 0); c >= 0; c = bitset_next(s, (size_t)c + 1)) {
        sb_printf(out, "%s%s", sep, country_code(p, (int)c));
        sep = ", ";
    }
    sb_putc(out, '}');
}

typedef struct code_printer {
    strbuf *out;
    const char *sep;
} code_printer;

static bool print_code(void *ud, hs_code lo, hs_code hi)
{
    code_printer *cp = ud;
    char a[HS_FMT_MAX], b[HS_FMT_MAX];
    hs_format(lo, a);
    sb_printf(cp->out, "%shs %s", cp->sep, a);
    if (!hs_equal(lo, hi)) {
        hs_format(hi, b);
        sb_printf(cp->out, "..%s", b);
    }
    cp->sep = ", ";
    return true;
}

/* Sets that cover most codes read better as what they leave out. */
static void product_set_format(const pset *s, strbuf *out)
{
    if (pset_is_all(s)) {
        sb_puts(out, "all");
        return;
    }
    uint64_t covered = 0;
    for (size_t i = 0; i < s->n; i++)
        covered += s->iv[i].hi - s->iv[i].lo + 1;
    code_printer cp = { out, "" };
    if (covered > HS_SPACE / 2) {
        arena r;
        arena_init(&r, out->mem);
        pset *all = pset_all(&r);
        pset *rest = all ? pset_minus(&r, all, s) : NULL;
        if (rest) {
            sb_puts(out, "all except {");
            pset_codes(rest, print_code, &cp);
            sb_putc(out, '}');
            arena_free(&r);
            return;
        }
        arena_free(&r);
    }
    sb_putc(out, '{');
    pset_codes(s, print_code, &cp);
    sb_putc(out, '}');
}

static void duration_format_sb(duration d, strbuf *out)
{
    char buf[32];
    duration_format(d, buf);
    sb_puts(out, buf);
}

static void decl_format(const node *decl, strbuf *out)
{
    sb_puts(out, decl && decl->name ? decl->name : "?");
}

/* field_value_format: a field's value as a shipment literal writes it. */
static void field_value_format(const value *v, const program *p, strbuf *out)
{
    if (v->kind == V_TEXT) {
        sb_putc(out, '"');
        sb_puts(out, v->as.text);
        sb_putc(out, '"');
    } else {
        value_format(v, p, out);
    }
}

/* shipment_money: money as a literal is written, "$1000.50". */
static void shipment_money(dec d, strbuf *out)
{
    char buf[DEC_FMT_MAX];
    dec_format(d, 2, buf, sizeof buf);
    sb_printf(out, "%s$%s", buf[0] == '-' ? "-" : "", buf[0] == '-' ? buf + 1 : buf);
}

void ship_format(const shipment *s, const program *p, strbuf *out)
{
    sb_puts(out, "shipment {");
    const char *sep = " ";
    for (int f = 0; f < s->nfields; f++) {
        if (s->fields[f].kind == V_NONE)
            continue;
        sb_printf(out, "%s%s: ", sep, field_label(p, f));
        if (s->fields[f].kind == V_MONEY)
            shipment_money(s->fields[f].as.num, out);
        else
            field_value_format(&s->fields[f], p, out);
        sep = ", ";
    }
    sb_puts(out, " }");
}

void value_format(const value *v, const program *p, strbuf *out)
{
    char buf[DEC_FMT_MAX], day[11];
    switch (v->kind) {
    case V_NONE: sb_puts(out, "(none)"); break;
    case V_BOOL: sb_puts(out, v->as.b ? "true" : "false"); break;
    case V_NUMBER:
        dec_format(v->as.num, 0, buf, sizeof buf);
        sb_puts(out, buf);
        break;
    case V_RATE: rate_format_sb(v->as.rate, out); break;
    case V_MONEY: money_format(v->as.num, out); break;
    case V_DATE:
        date_format(v->as.day, day);
        sb_puts(out, day);
        break;
    case V_DURATION: duration_format_sb(v->as.dur, out); break;
    case V_TEXT: sb_puts(out, v->as.text); break;
    case V_COUNTRY: sb_puts(out, country_code(p, v->as.country)); break;
    case V_COUNTRY_SET: country_set_format(v->as.countries, p, out); break;
    case V_PRODUCT: product_format(v->as.product, out); break;
    case V_PRODUCT_SET: product_set_format(v->as.products, out); break;
    case V_SHIPMENT: ship_format(v->as.ship, p, out); break;
    case V_EXPLANATION:
    case V_TIMELINE:
        sb_puts(out, value_kind_name(v->kind)); /* in full: explain_value */
        break;
    case V_UNIT: sb_puts(out, unit_name(v->as.unit)); break;
    case V_DECL: decl_format(v->as.decl, out); break;
    }
}
