/* value.h - runtime values, shipments, and their printing.
 *
 * A value is a small tagged union passed by copy; what does not fit (sets,
 * shipments, explanations, timelines) is pointed to and lives in an arena
 * (sets.h) or in a compiled policy.  Numbers, rates and money are exact
 * decimals; a rate is a rate_value (ad valorem plus specific per unit).
 * Countries are indexes into the program's decls.countries, so printing
 * needs the program.
 */
#ifndef LEVY_VALUE_H
#define LEVY_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "date.h"
#include "decimal.h"
#include "hs.h"
#include "program.h"
#include "rate.h"
#include "sets.h"
#include "strbuf.h"

struct assessment; /* assessment.h */
struct timeline;   /* assessment.h */
typedef struct shipment shipment;

typedef enum value_kind {
    V_NONE = 0, /* absent (a shipment field not given) */
    V_BOOL,
    V_NUMBER,
    V_RATE,
    V_MONEY,
    V_DATE,
    V_DURATION,
    V_TEXT,
    V_COUNTRY,
    V_COUNTRY_SET,
    V_PRODUCT,
    V_PRODUCT_SET,
    V_SHIPMENT,
    V_EXPLANATION,
    V_TIMELINE,
    V_UNIT,
    V_DECL /* a measure, modifier, commitment ... named as an argument */
} value_kind;

typedef struct value {
    value_kind kind;
    union {
        bool b;
        dec num; /* V_NUMBER, V_MONEY */
        rate_value rate;
        date day;
        duration dur;
        const char *text;
        int country; /* index into decls.countries */
        const bitset *countries;
        hs_code product;
        const pset *products;
        const shipment *ship;
        const struct assessment *expl;
        const struct timeline *tl;
        unit unit;
        const node *decl;
    } as;
} value;

const char *value_kind_name(value_kind k);
/* value_kind_of_type: the kind of value an expression of type t yields. */
value_kind value_kind_of_type(type t);

static inline value value_bool(bool b)
{
    value v = { .kind = V_BOOL, .as.b = b };
    return v;
}
static inline value value_number(dec d)
{
    value v = { .kind = V_NUMBER, .as.num = d };
    return v;
}
static inline value value_money(dec d)
{
    value v = { .kind = V_MONEY, .as.num = d };
    return v;
}
static inline value value_rate(rate_value r)
{
    value v = { .kind = V_RATE, .as.rate = r };
    return v;
}
static inline value value_date(date d)
{
    value v = { .kind = V_DATE, .as.day = d };
    return v;
}
static inline value value_country(int c)
{
    value v = { .kind = V_COUNTRY, .as.country = c };
    return v;
}
static inline value value_product(hs_code c)
{
    value v = { .kind = V_PRODUCT, .as.product = c };
    return v;
}

/* value_equal: structural equality (rates compare every part; sets by
 * members; shipments field by field). */
bool value_equal(const value *a, const value *b);
bool rate_equal(rate_value a, rate_value b);

/* ---- Shipments ---------------------------------------------------------- */

/* A shipment is one value per field: the built-in fields (field_id) then
 * the program's attributes.  An absent field is V_NONE; `via` falls back
 * to `origin` and an attribute to its default when read (eval.h). */
struct shipment {
    int nfields;
    value fields[];
};

/* ship_field_count: F_BUILTIN_COUNT plus the program's attributes. */
int ship_field_count(const program *p);
/* ship_new: a shipment with every field absent, in r. */
shipment *ship_new(arena *r, const program *p);
shipment *ship_copy(arena *r, const shipment *s);
/* ship_clear: every field absent again (for reusing one buffer per row). */
void ship_clear(shipment *s);
/* ship_field_lookup: the field called name ("origin", an attribute ...),
 * or -1. */
int ship_field_lookup(const program *p, const char *name);
/* ship_field_kind: the kind of value field f holds. */
value_kind ship_field_kind(const program *p, int f);
static inline bool ship_has(const shipment *s, int f)
{
    return f >= 0 && f < s->nfields && s->fields[f].kind != V_NONE;
}
/* ship_set: sets field f; false (with a message) when v is of the wrong
 * kind for it.  Numbers are accepted for money fields. */
bool ship_set(shipment *s, const program *p, int f, value v, char *err, size_t errlen);
/*ship_set_text: sets field f from text, as a CSV row or an API caller
 * writes it (text values are copied into r): "CN"; "hs 9503.00.00" or "9503.00.00"; "$10000", "10,000.50"
 * or "10000"; "2025-04-15"; "25%"; "true"/"false"; "kg"; "90 days".  An
 * empty text leaves the field absent.  false with a message when the text
 * is not a value of the field's kind. */
bool ship_set_text(shipment *s, const program *p, arena *r, int f, const char *text, size_t len,
                   char *err, size_t errlen);

/* country_lookup: the country whose code is code[0..n), or -1. */
int country_lookup(const program *p, const char *code, size_t n);
const char *country_code(const program *p, int country);

/* ---- Printing ------------------------------------------------------------ */

/* value_format: appends v as `levy run` prints it: 145%, "6.8% + $0.012 per
 * kg", $14,500.00, 2025-04-15, 90 days, CN, hs 9503.00.00, true, text as
 * is, {CN, VN}, {hs 72..73}, a shipment literal.  An explanation or a
 * timeline prints as its kind only: explain_value (explain.h) prints them
 * in full. */
void value_format(const value *v, const program *p, strbuf *out);
/* ship_format: `shipment { origin: CN, ... }` with the fields present. */
void ship_format(const shipment *s, const program *p, strbuf *out);
/* ---- Fixed fast parsers (the batch path) ----------------------------------------- */

/* country2_fill: t[(a - 'A') * 26 + (b - 'A')] is the country whose code is
 * the two capital letters a b (as country_lookup finds it), or -1. */
void country2_fill(const program *p, int16_t t[26 * 26]);

/* value_parse_plain: the commonest spellings of a row's field, without
 * the general parsers: a country as two capital letters (through t, from
 * country2_fill), a product as 2 to 10 digits without dots (an even
 * number), money or a number as digits with an optional fraction of up to
 * 6 digits, a date as YYYY-MM-DD, a bool as true or false.  True, with
 * *out the value ship_set_text would set, when text is such a spelling;
 * false means "not one of these", never "invalid": then ship_set_text
 * decides (and words the message). */
bool value_parse_plain(value_kind want, const int16_t *t, const char *s, size_t n, value *out);

void money_format(dec d, strbuf *out);
void rate_format_sb(rate_value r, strbuf *out);
void product_format(hs_code c, strbuf *out); /* "hs 9503.00.00" */

#endif
