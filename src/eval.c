/* eval.c - evaluating expressions (eval.h): errors, operators, names,
 * shipment literals and fields, constant declarations, schedule lookups.
 * What a shipment owes is assess.c; the built-in functions builtins.c.
 */
#include "eval.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "eval_internal.h"

/* ---- Errors ------------------------------------------------------------------ */

const char *ev_file_name(const program *p, span at)
{
    const source_text *src = source_set_get(p->sources, at.file);
    return src && src->name ? src->name : "<input>";
}

bool ev_fail(eval_error *err, const char *code, span at, const char *fmt, ...)
{
    err->code = code;
    err->at = at;
    err->nnotes = 0;
    err->needs_shipment = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

void ev_note(eval_error *err, span at, const char *fmt, ...)
{
    if (err->nnotes >= EVAL_MAX_NOTES)
        return;
    eval_note *n = &err->notes[err->nnotes++];
    n->at = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->message, sizeof n->message, fmt, ap);
    va_end(ap);
}

diagnostic *eval_error_to_diag(const eval_error *err, diag_list *diags)
{
    diagnostic *d = diag_add(diags, SEV_ERROR, err->code ? err->code : D_EVAL_TYPE, err->at, "%s",
                             err->message);
    for (size_t i = 0; d && i < err->nnotes; i++)
        diag_note(d, err->notes[i].at, "%s", err->notes[i].message);
    return d;
}

const char *ev_decl_word(const node *d)
{
    const char *word = decl_kind_keyword(d->kind);
    return word ? word : "declaration";
}

static const char *clause_word(const node *clause)
{
    if (!clause)
        return "";
    switch (clause->kind) {
    case N_WHEN: return "the 'when' of ";
    case N_ON: return "the 'on' of ";
    case N_FROM: return "the 'from' of ";
    case N_RATE:
    case N_RATE_BY:
    case N_ENTRY: return "the rate of ";
    case N_BASE: return "the base of ";
    case N_SUSPEND: return "the 'suspend' of ";
    case N_SET_TO: return "the 'set' of ";
    case N_CAP: return "the 'cap' of ";
    case N_REDUCE: return "the 'reduce' of ";
    case N_EFFECTIVE:
    case N_WINDOW: return "the window of ";
    case N_REPLACES: return "the 'replaces' of ";
    case N_ATTRIBUTE: return "the default of ";
    default: return "";
    }
}

/* needed_by: ", needed by the 'when' of measure intransit at policy.levy:40"
 * for the clause being evaluated, or "" outside declarations. */
static void needed_by(const eval_env *env, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!env->owner)
        return;
    span at = env->clause ? env->clause->at : env->owner->at;
    snprintf(buf, n, ", needed by %s%s %s at %s:%d", clause_word(env->clause),
             ev_decl_word(env->owner), env->owner->name ? env->owner->name : "?",
             ev_file_name(env->ix->p, at), at.first_line);
}

bool ev_fail_overflow(eval_error *err, dec_status st, const node *at)
{
    if (st == DEC_DIV_ZERO)
        return ev_fail(err, D_EVAL_ARITH, at->at, "division by zero");
    return ev_fail(err, D_EVAL_ARITH, at->at, "%s",
                   st == DEC_OVERFLOW ? "arithmetic overflow: the result is too large"
                                      : dec_status_message(st));
}

/* ---- Small value helpers -------------------------------------------------- */

static void describe(const eval_env *env, const value *v, char *buf, size_t n)
{
    strbuf sb;
    sb_init_fixed(&sb, buf, n); /* no malloc: truncated to fit */
    value_format(v, env->ix->p, &sb);
}

bool ev_fail_kind(eval_error *err, const node *at, const value *v, const char *want)
{
    return ev_fail(err, D_EVAL_TYPE, at->at, "expected %s here, got %s", want,
                   value_kind_name(v->kind));
}

/* to_countries: a country or a set of countries as a set. */
static const bitset *to_countries(eval_env *env, const value *v)
{
    if (v->kind == V_COUNTRY_SET)
        return v->as.countries;
    if (v->kind != V_COUNTRY)
        return NULL;
    return countries_of(env->mem, env->ix->ncountries, (size_t)v->as.country);
}

static const pset *to_products(eval_env *env, const value *v)
{
    if (v->kind == V_PRODUCT_SET)
        return v->as.products;
    if (v->kind != V_PRODUCT)
        return NULL;
    return products_of_code(env->mem, v->as.product);
}

bool ev_out_of_memory(eval_error *err, const node *at)
{
    return ev_fail(err, D_EVAL_LIMIT, at ? at->at : span_none, "out of memory");
}

/* ---- Expressions ------------------------------------------------------------- */

static bool const_decl(eval_env *env, const node *d, const node *at, value *out, eval_error *err);

bool ev_kind(eval_env *env, const node *e, value_kind want, value *out, eval_error *err)
{
    if (!ev_expr(env, e, out, err))
        return false;
    if (out->kind == V_NUMBER && want == V_MONEY)
        out->kind = V_MONEY;
    if (out->kind != want)
        return ev_fail_kind(err, e, out, value_kind_name(want));
    return true;
}

bool ev_rate(eval_env *env, const node *e, rate_value *out, eval_error *err)
{
    value v;
    if (!ev_kind(env, e, V_RATE, &v, err))
        return false;
    *out = v.as.rate;
    return true;
}

bool ev_bool(eval_env *env, const node *e, bool *out, eval_error *err)
{
    value v;
    if (!ev_kind(env, e, V_BOOL, &v, err))
        return false;
    *out = v.as.b;
    return true;
}

/* set_kind_hint: which kind of set a node denotes, from its type. */
static value_kind set_kind_hint(const node *e)
{
    if (e->ty == T_COUNTRY_SET || e->ty == T_COUNTRY)
        return V_COUNTRY_SET;
    if (e->ty == T_PRODUCT_SET || e->ty == T_PRODUCT)
        return V_PRODUCT_SET;
    return V_NONE;
}

static bool make_all(eval_env *env, value_kind kind, const node *e, value *out, eval_error *err)
{
    out->kind = kind;
    if (kind == V_COUNTRY_SET) {
        if (!(out->as.countries = countries_all(env->mem, env->ix->ncountries)))
            return ev_out_of_memory(err, e);
        return true;
    }
    if (kind == V_PRODUCT_SET) {
        if (!(out->as.products = pset_all(env->mem)))
            return ev_out_of_memory(err, e);
        return true;
    }
    return ev_fail(err, D_EVAL_TYPE, e->at, "'all' here is neither countries nor products");
}

static bool empty_set(eval_env *env, value_kind kind, const node *e, value *out, eval_error *err)
{
    out->kind = kind;
    if (kind == V_COUNTRY_SET) {
        out->as.countries = countries_none(env->mem, env->ix->ncountries);
        return out->as.countries ? true : ev_out_of_memory(err, e);
    }
    out->as.products = pset_empty(env->mem);
    return out->as.products ? true : ev_out_of_memory(err, e);
}

/* ev_set: a set expression as a set of `want` (V_COUNTRY_SET or
 * V_PRODUCT_SET, or V_NONE to take what it is); `all` and `{}` need the
 * hint when the checker left their type open. */
bool ev_set(eval_env *env, const node *e, value_kind want, value *out, eval_error *err)
{
    value_kind hint = set_kind_hint(e);
    if (hint == V_NONE)
        hint = want;
    if (e->kind == N_ALL)
        return make_all(env, hint, e, out, err);
    if (!ev_expr(env, e, out, err))
        return false;
    if (out->kind == V_COUNTRY || out->kind == V_COUNTRY_SET) {
        const bitset *s = to_countries(env, out);
        if (!s)
            return ev_out_of_memory(err, e);
        out->kind = V_COUNTRY_SET;
        out->as.countries = s;
    } else if (out->kind == V_PRODUCT || out->kind == V_PRODUCT_SET) {
        const pset *s = to_products(env, out);
        if (!s)
            return ev_out_of_memory(err, e);
        out->kind = V_PRODUCT_SET;
        out->as.products = s;
    } else if (out->kind == V_NONE && hint != V_NONE) {
        return empty_set(env, hint, e, out, err); /* `{}` */
    } else {
        return ev_fail_kind(err, e, out, "a set");
    }
    if (want != V_NONE && out->kind != want)
        return ev_fail_kind(err, e, out, value_kind_name(want));
    return true;
}

/* A set literal: the union of its elements (sets.h), countries or
 * products as the first element with a kind says. */
static bool ev_set_literal(eval_env *env, const node *e, value *out, eval_error *err)
{
    value_kind kind = set_kind_hint(e);
    size_t n = e->items.n;
    bitset *cs = countries_none(env->mem, env->ix->ncountries);
    products_literal ps;
    products_literal_init(&ps, env->mem, n);
    if (!cs || ps.failed)
        return ev_out_of_memory(err, e);
    for (size_t i = 0; i < n; i++) {
        const node *el = e->items.v[i];
        value v;
        if (el->kind == N_HS) {
            v = value_product(el->v.hs.lo);
        } else if (!ev_set(env, el, kind, &v, err)) {
            return false;
        }
        if (v.kind == V_COUNTRY_SET) {
            kind = V_COUNTRY_SET;
            bitset_union(cs, v.as.countries);
        } else if (v.kind == V_PRODUCT) {
            kind = V_PRODUCT_SET;
            products_literal_add_code(&ps, v.as.product);
        } else if (v.kind == V_PRODUCT_SET) {
            kind = V_PRODUCT_SET;
            products_literal_add_set(&ps, v.as.products);
            if (ps.failed)
                return ev_out_of_memory(err, el);
        }
    }
    if (kind == V_COUNTRY_SET) {
        out->kind = V_COUNTRY_SET;
        out->as.countries = cs;
        return true;
    }
    if (kind == V_NONE) {
        out->kind = V_NONE; /* `{}` of no known kind: ev_set decides */
        return true;
    }
    const pset *s = products_literal_finish(&ps);
    if (!s)
        return ev_out_of_memory(err, e);
    out->kind = V_PRODUCT_SET;
    out->as.products = s;
    return true;
}

static bool ev_except(eval_env *env, const node *e, value *out, eval_error *err)
{
    value a, b;
    value_kind want = set_kind_hint(e);
    /* `all except X`: the kind of `all` comes from X when not typed. */
    if (want == V_NONE && e->a->kind == N_ALL && set_kind_hint(e->a) == V_NONE) {
        if (!ev_set(env, e->b, V_NONE, &b, err))
            return false;
        want = b.kind;
    }
    if (!ev_set(env, e->a, want, &a, err) || !ev_set(env, e->b, a.kind, &b, err))
        return false;
    out->kind = a.kind;
    if (a.kind == V_COUNTRY_SET)
        out->as.countries = countries_except(env->mem, a.as.countries, b.as.countries);
    else
        out->as.products = products_except(env->mem, a.as.products, b.as.products);
    if (a.kind == V_COUNTRY_SET ? !out->as.countries : !out->as.products)
        return ev_out_of_memory(err, e);
    return true;
}

static bool ev_in(eval_env *env, const node *e, value *out, eval_error *err)
{
    value x, s;
    if (!ev_expr(env, e->a, &x, err))
        return false;
    value_kind want = x.kind == V_COUNTRY   ? V_COUNTRY_SET
                      : x.kind == V_PRODUCT ? V_PRODUCT_SET
                                            : V_NONE;
    if (want == V_NONE)
        return ev_fail_kind(err, e->a, &x, "a country or a product");
    if (!ev_set(env, e->b, want, &s, err))
        return false;
    if (x.kind == V_COUNTRY)
        *out = value_bool(countries_in(s.as.countries, (size_t)x.as.country));
    else
        *out = value_bool(products_in(s.as.products, x.as.product));
    return true;
}

/* ---- Arithmetic ---- */

bool ev_fail_specific(eval_env *env, eval_error *err, const node *e, const char *opname,
                      const value *a, const value *b)
{
    char x[RATE_FMT_MAX + 8], y[RATE_FMT_MAX + 8];
    describe(env, a, x, sizeof x);
    describe(env, b, y, sizeof y);
    return ev_fail(err, D_EVAL_SPECIFIC, e->at,
                   "'%s' is defined on ad valorem rates only, not on %s and %s", opname, x, y);
}

static bool add_rates(eval_env *env, const node *e, const value *a, const value *b, value *out,
                      eval_error *err)
{
    rate_value r = a->as.rate, s = b->as.rate;
    dec_status st = dec_add(r.ad_valorem, s.ad_valorem, &r.ad_valorem);
    if (st != DEC_OK)
        return ev_fail_overflow(err, st, e);
    if (rate_is_specific(s)) {
        if (!rate_is_specific(r)) {
            r.specific = s.specific;
            r.unit = s.unit;
        } else if (r.unit != s.unit) {
            char x[RATE_FMT_MAX + 8], y[RATE_FMT_MAX + 8];
            describe(env, a, x, sizeof x);
            describe(env, b, y, sizeof y);
            return ev_fail(err, D_EVAL_SPECIFIC, e->at,
                           "cannot add specific rates of different units: %s and %s", x, y);
        } else if ((st = dec_add(r.specific, s.specific, &r.specific)) != DEC_OK) {
            return ev_fail_overflow(err, st, e);
        }
    }
    *out = value_rate(r);
    return true;
}

bool ev_date_plus(const node *e, date d, duration dur, int sign, value *out, eval_error *err)
{
    date r;
    if (date_add_duration(d, dur, sign, &r) != DATE_OK)
        return ev_fail(err, D_EVAL_ARITH, e->at, "the date falls outside 0001-01-01..9999-12-31");
    *out = value_date(r);
    return true;
}

/* amount_op: a op b on two numbers or amounts of money; money if either
 * is money.  Overflow is an error naming the expression. */
static bool amount_op(dec_status (*apply)(dec, dec, dec *), const node *e, const value *a,
                      const value *b, value *out, eval_error *err)
{
    dec r;
    dec_status st = apply(a->as.num, b->as.num, &r);
    if (st != DEC_OK)
        return ev_fail_overflow(err, st, e);
    out->kind = a->kind == V_MONEY || b->kind == V_MONEY ? V_MONEY : V_NUMBER;
    out->as.num = r;
    return true;
}

static bool ev_add(eval_env *env, const node *e, const value *a, const value *b, value *out,
                   eval_error *err)
{
    if (is_amount(a->kind) && is_amount(b->kind))
        return amount_op(dec_add, e, a, b, out, err);
    if (a->kind == V_RATE && b->kind == V_RATE)
        return add_rates(env, e, a, b, out, err);
    if (a->kind == V_DATE && b->kind == V_DURATION)
        return ev_date_plus(e, a->as.day, b->as.dur, 1, out, err);
    if (a->kind == V_DURATION && b->kind == V_DATE)
        return ev_date_plus(e, b->as.day, a->as.dur, 1, out, err);
    if (a->kind == V_DURATION && b->kind == V_DURATION && a->as.dur.unit == b->as.dur.unit) {
        *out = *a;
        out->as.dur.count += b->as.dur.count;
        return true;
    }
    if (a->kind == V_TEXT && b->kind == V_TEXT) {
        size_t la = strlen(a->as.text), lb = strlen(b->as.text);
        char *s = arena_alloc(env->mem, la + lb + 1);
        if (!s)
            return ev_out_of_memory(err, e);
        memcpy(s, a->as.text, la);
        memcpy(s + la, b->as.text, lb);
        out->kind = V_TEXT;
        out->as.text = s;
        return true;
    }
    return ev_fail(err, D_EVAL_TYPE, e->at, "cannot add %s and %s", value_kind_name(a->kind),
                   value_kind_name(b->kind));
}

static bool ev_sub(eval_env *env, const node *e, const value *a, const value *b, value *out,
                   eval_error *err)
{
    dec r;
    dec_status st;
    if (is_amount(a->kind) && is_amount(b->kind))
        return amount_op(dec_sub, e, a, b, out, err);
    if (a->kind == V_RATE && b->kind == V_RATE) {
        if (rate_is_specific(a->as.rate) || rate_is_specific(b->as.rate))
            return ev_fail_specific(env, err, e, "-", a, b);
        if ((st = dec_sub(a->as.rate.ad_valorem, b->as.rate.ad_valorem, &r)) != DEC_OK)
            return ev_fail_overflow(err, st, e);
        *out = value_rate(rate_ad_valorem(r));
        return true;
    }
    if (a->kind == V_DATE && b->kind == V_DURATION)
        return ev_date_plus(e, a->as.day, b->as.dur, -1, out, err);
    if (a->kind == V_DATE && b->kind == V_DATE) {
        int64_t days = date_diff_days(b->as.day, a->as.day);
        if (e->ty == T_DURATION) {
            out->kind = V_DURATION;
            out->as.dur.count = days;
            out->as.dur.unit = DUR_DAYS;
            return true;
        }
        if ((st = dec_from_int(days, &r)) != DEC_OK)
            return ev_fail_overflow(err, st, e);
        *out = value_number(r);
        return true;
    }
    return ev_fail(err, D_EVAL_TYPE, e->at, "cannot subtract %s from %s", value_kind_name(b->kind),
                   value_kind_name(a->kind));
}

/* scale_rate: both parts of a rate times a number. */
static bool scale_rate(const node *e, rate_value r, dec k, value *out, eval_error *err)
{
    dec_status st = dec_mul(r.ad_valorem, k, &r.ad_valorem);
    if (st == DEC_OK && rate_is_specific(r))
        st = dec_mul(r.specific, k, &r.specific);
    if (st != DEC_OK)
        return ev_fail_overflow(err, st, e);
    *out = value_rate(r);
    return true;
}

static bool ev_mul(eval_env *env, const node *e, const value *a, const value *b, value *out,
                   eval_error *err)
{
    dec r;
    dec_status st;
    if (is_amount(a->kind) && is_amount(b->kind))
        return amount_op(dec_mul, e, a, b, out, err);
    const value *rate = a->kind == V_RATE ? a : b->kind == V_RATE ? b : NULL;
    const value *other = rate == a ? b : a;
    if (rate && other->kind == V_NUMBER)
        return scale_rate(e, rate->as.rate, other->as.num, out, err);
    if (rate && (other->kind == V_MONEY || other->kind == V_RATE)) {
        /* money * rate is the ad valorem part's amount: no specific part. */
        if (rate_is_specific(rate->as.rate) ||
            (other->kind == V_RATE && rate_is_specific(other->as.rate)))
            return ev_fail_specific(env, err, e, "*", a, b);
        dec x = other->kind == V_MONEY ? other->as.num : other->as.rate.ad_valorem;
        if ((st = dec_mul(x, rate->as.rate.ad_valorem, &r)) != DEC_OK)
            return ev_fail_overflow(err, st, e);
        *out = other->kind == V_MONEY ? value_money(r) : value_rate(rate_ad_valorem(r));
        return true;
    }
    if (a->kind == V_DURATION && b->kind == V_NUMBER) {
        *out = *a;
        out->as.dur.count = a->as.dur.count * (b->as.num.units / DEC_SCALE);
        return true;
    }
    return ev_fail(err, D_EVAL_TYPE, e->at, "cannot multiply %s by %s", value_kind_name(a->kind),
                   value_kind_name(b->kind));
}

static bool ev_div(const node *e, const value *a, const value *b, value *out, eval_error *err)
{
    dec r;
    dec_status st;
    dec x, y;
    value_kind kind;
    if (is_amount(a->kind) && is_amount(b->kind)) {
        x = a->as.num;
        y = b->as.num;
        kind = a->kind == V_MONEY && b->kind == V_NUMBER ? V_MONEY : V_NUMBER;
        if (e->ty == T_RATE)
            kind = V_RATE;
    } else if (a->kind == V_RATE && b->kind == V_NUMBER && !rate_is_specific(a->as.rate)) {
        x = a->as.rate.ad_valorem;
        y = b->as.num;
        kind = V_RATE;
    } else if (a->kind == V_RATE && b->kind == V_RATE && !rate_is_specific(a->as.rate) &&
               !rate_is_specific(b->as.rate)) {
        x = a->as.rate.ad_valorem;
        y = b->as.rate.ad_valorem;
        kind = V_NUMBER;
    } else {
        return ev_fail(err, D_EVAL_TYPE, e->at, "cannot divide %s by %s", value_kind_name(a->kind),
                       value_kind_name(b->kind));
    }
    if ((st = dec_div(x, y, &r)) != DEC_OK)
        return ev_fail_overflow(err, st, e);
    if (kind == V_RATE)
        *out = value_rate(rate_ad_valorem(r));
    else {
        out->kind = kind;
        out->as.num = r;
    }
    return true;
}

/* duration_days: a duration as days (weeks count 7), or months (years
 * count 12); *months says which. */
static int64_t duration_norm(duration d, bool *months)
{
    *months = d.unit == DUR_MONTHS || d.unit == DUR_YEARS;
    switch (d.unit) {
    case DUR_WEEKS: return d.count * 7;
    case DUR_YEARS: return d.count * 12;
    default: return d.count;
    }
}

/* compare: -1, 0 or 1 for ordered kinds; false (with an error) otherwise. */
bool ev_order(eval_env *env, const node *e, const value *a, const value *b, int *out,
              eval_error *err)
{
    if (is_amount(a->kind) && is_amount(b->kind)) {
        *out = dec_cmp(a->as.num, b->as.num);
        return true;
    }
    if (a->kind != b->kind)
        return ev_fail(err, D_EVAL_TYPE, e->at, "cannot compare %s with %s",
                       value_kind_name(a->kind), value_kind_name(b->kind));
    switch (a->kind) {
    case V_RATE:
        if (rate_is_specific(a->as.rate) || rate_is_specific(b->as.rate))
            return ev_fail_specific(env, err, e, op_name((op)e->flags), a, b);
        *out = dec_cmp(a->as.rate.ad_valorem, b->as.rate.ad_valorem);
        return true;
    case V_DATE: *out = (a->as.day > b->as.day) - (a->as.day < b->as.day); return true;
    case V_DURATION: {
        bool ma, mb;
        int64_t x = duration_norm(a->as.dur, &ma), y = duration_norm(b->as.dur, &mb);
        if (ma != mb)
            return ev_fail(err, D_EVAL_TYPE, e->at, "cannot compare days with months");
        *out = (x > y) - (x < y);
        return true;
    }
    case V_TEXT: {
        int c = strcmp(a->as.text, b->as.text);
        *out = (c > 0) - (c < 0);
        return true;
    }
    default:
        return ev_fail(err, D_EVAL_TYPE, e->at, "%s values have no order",
                       value_kind_name(a->kind));
    }
}

static bool ev_compare(eval_env *env, const node *e, const value *a, const value *b, value *out,
                       eval_error *err)
{
    op o = (op)e->flags;
    if (o == OP_EQ || o == OP_NE) {
        bool eq;
        if (is_amount(a->kind) && is_amount(b->kind))
            eq = dec_cmp(a->as.num, b->as.num) == 0;
        else if (a->kind == V_PRODUCT_SET || a->kind == V_COUNTRY_SET || a->kind != b->kind ||
                 a->kind != V_RATE)
            eq = value_equal(a, b);
        else
            eq = rate_equal(a->as.rate, b->as.rate);
        *out = value_bool(o == OP_EQ ? eq : !eq);
        return true;
    }
    int c;
    if (!ev_order(env, e, a, b, &c, err))
        return false;
    bool r = o == OP_LT ? c < 0 : o == OP_LE ? c <= 0 : o == OP_GT ? c > 0 : c >= 0;
    *out = value_bool(r);
    return true;
}

static bool ev_binary(eval_env *env, const node *e, value *out, eval_error *err)
{
    op o = (op)e->flags;
    value a, b;
    if (o == OP_AND || o == OP_OR) {
        bool x;
        if (!ev_bool(env, e->a, &x, err))
            return false;
        if (x == (o == OP_OR)) {
            *out = value_bool(x);
            return true;
        }
        if (!ev_bool(env, e->b, &x, err))
            return false;
        *out = value_bool(x);
        return true;
    }
    if (o == OP_EXCEPT)
        return ev_except(env, e, out, err);
    if (o == OP_IN)
        return ev_in(env, e, out, err);
    if (!ev_expr(env, e->a, &a, err) || !ev_expr(env, e->b, &b, err))
        return false;
    switch (o) {
    case OP_ADD: return ev_add(env, e, &a, &b, out, err);
    case OP_SUB: return ev_sub(env, e, &a, &b, out, err);
    case OP_MUL: return ev_mul(env, e, &a, &b, out, err);
    case OP_DIV: return ev_div(e, &a, &b, out, err);
    default: return ev_compare(env, e, &a, &b, out, err);
    }
}

static bool ev_unary(eval_env *env, const node *e, value *out, eval_error *err)
{
    if ((op)e->flags == OP_NOT) {
        bool x;
        if (!ev_bool(env, e->a, &x, err))
            return false;
        *out = value_bool(!x);
        return true;
    }
    value a;
    if (!ev_expr(env, e->a, &a, err))
        return false;
    dec_status st = DEC_OK;
    if (is_amount(a.kind)) {
        st = dec_neg(a.as.num, &a.as.num);
    } else if (a.kind == V_RATE && !rate_is_specific(a.as.rate)) {
        st = dec_neg(a.as.rate.ad_valorem, &a.as.rate.ad_valorem);
    } else if (a.kind == V_DURATION) {
        a.as.dur.count = -a.as.dur.count;
    } else {
        return ev_fail(err, D_EVAL_TYPE, e->at, "cannot negate %s", value_kind_name(a.kind));
    }
    if (st != DEC_OK)
        return ev_fail_overflow(err, st, e);
    *out = a;
    return true;
}

/* ---- Names ---- */

int ev_field_of_name(const eval_env *env, const node *e)
{
    if (e->sym == SYM_FIELD)
        return e->index;
    if (e->sym == SYM_DECL && e->ref && e->ref->kind == N_ATTRIBUTE)
        return F_BUILTIN_COUNT + e->ref->index;
    if (e->sym == SYM_NONE && e->name)
        return ship_field_lookup(env->ix->p, e->name);
    return -1;
}

const node *ev_decl_of_name(const eval_env *env, const node *e)
{
    return ix_decl_of_name(env->ix, e);
}

static bool ev_local(eval_env *env, const node *let, value *out)
{
    for (size_t i = env->nlocals; i-- > 0;)
        if (env->locals[i].let == let) {
            *out = env->locals[i].v;
            return true;
        }
    return false;
}

static bool ev_decl(eval_env *env, const node *e, const node *d, value *out, eval_error *err)
{
    switch (d->kind) {
    case N_COUNTRY: *out = value_country(d->index); return true;
    case N_GROUP:
    case N_PRODUCTS:
    case N_LET:
        if (d->kind == N_LET && ev_local(env, d, out))
            return true;
        return const_decl(env, d, e, out, err);
    case N_ATTRIBUTE: return ev_read_field(env, env->ship, F_BUILTIN_COUNT + d->index, e, out, err);
    case N_SCHEDULE: {
        const c_schedule *cs = d->index >= 0 && (size_t)d->index < env->ix->p->decls.schedules.n
                                   ? env->ix->scheds[d->index]
                                   : NULL;
        bool found;
        out->kind = V_RATE;
        if (!cs)
            return ev_fail(err, D_EVAL_NO_ENTRY, e->at, "schedule %s is not part of this policy",
                           d->name);
        return ev_lookup_schedule(env, cs, e, false, &out->as.rate, &found, err);
    }
    default:
        out->kind = V_DECL;
        out->as.decl = d;
        return true;
    }
}

static bool ev_name(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (e->sym == SYM_UNIT) {
        out->kind = V_UNIT;
        out->as.unit = (unit)e->index;
        return true;
    }
    int f = ev_field_of_name(env, e);
    if (f >= 0)
        return ev_read_field(env, env->ship, f, e, out, err);
    const node *d = ev_decl_of_name(env, e);
    if (d)
        return ev_decl(env, e, d, out, err);
    unit u = e->name ? unit_from_name(e->name, strlen(e->name)) : UNIT_NONE;
    if (u != UNIT_NONE) {
        out->kind = V_UNIT;
        out->as.unit = u;
        return true;
    }
    return ev_fail(err, D_EVAL_TYPE, e->at, "'%s' has no value here", e->name ? e->name : "?");
}

/* ---- Shipment literals ---- */

static int field_of_init(const eval_env *env, const node *fi)
{
    return ship_field_lookup(env->ix->p, fi->name);
}

static bool set_fields(eval_env *env, shipment *s, const node_list *inits, eval_error *err)
{
    for (size_t i = 0; i < inits->n; i++) {
        const node *fi = inits->v[i];
        int f = field_of_init(env, fi);
        if (f < 0)
            return ev_fail(err, D_EVAL_TYPE, fi->at, "shipments have no field '%s'", fi->name);
        value v;
        if (!ev_expr(env, fi->a, &v, err))
            return false;
        char msg[160];
        if (!ship_set(s, env->ix->p, f, v, msg, sizeof msg))
            return ev_fail(err, D_EVAL_TYPE, fi->at, "%s", msg);
    }
    return true;
}

static bool ev_shipment(eval_env *env, const node *e, value *out, eval_error *err)
{
    shipment *s = ship_new(env->mem, env->ix->p);
    if (!s)
        return ev_out_of_memory(err, e);
    if (!set_fields(env, s, &e->items, err))
        return false;
    out->kind = V_SHIPMENT;
    out->as.ship = s;
    return true;
}

static bool ev_with(eval_env *env, const node *e, value *out, eval_error *err)
{
    value base;
    if (!ev_kind(env, e->a, V_SHIPMENT, &base, err))
        return false;
    shipment *s = ship_copy(env->mem, base.as.ship);
    if (!s)
        return ev_out_of_memory(err, e);
    if (!set_fields(env, s, &e->items, err))
        return false;
    out->kind = V_SHIPMENT;
    out->as.ship = s;
    return true;
}

static bool ev_dot(eval_env *env, const node *e, value *out, eval_error *err)
{
    value s;
    if (!ev_kind(env, e->a, V_SHIPMENT, &s, err))
        return false;
    int f = ship_field_lookup(env->ix->p, e->name);
    if (f < 0)
        return ev_fail(err, D_EVAL_TYPE, e->at, "shipments have no field '%s'", e->name);
    return ev_read_field(env, s.as.ship, f, e, out, err);
}

static bool ev_specific(eval_env *env, const node *e, value *out, eval_error *err)
{
    value amount;
    if (!ev_kind(env, e->a, V_MONEY, &amount, err))
        return false;
    unit u = unit_from_name(e->name, strlen(e->name));
    if (u == UNIT_NONE)
        return ev_fail(err, D_EVAL_TYPE, e->at, "'%s' is not a unit", e->name);
    rate_value r = { dec_zero(), amount.as.num, u };
    *out = value_rate(r);
    return true;
}

/* ev_literal: the value a literal denotes; false when e is no literal. */
static bool ev_literal(const node *e, value *out)
{
    switch (e->kind) {
    case N_NUMBER: *out = value_number(e->v.num); return true;
    case N_PERCENT: *out = value_rate(rate_ad_valorem(e->v.num)); return true;
    case N_MONEY: *out = value_money(e->v.num); return true;
    case N_DATE: *out = value_date(e->v.day); return true;
    case N_BOOL: *out = value_bool(e->flags != 0); return true;
    case N_DURATION:
        out->kind = V_DURATION;
        out->as.dur = e->v.dur;
        return true;
    case N_STRING:
        out->kind = V_TEXT;
        out->as.text = e->name;
        return true;
    default: return false;
    }
}

/* ev_code: `hs 9503` is a product, or the set of one when typed so. */
static bool ev_code(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (e->kind == N_HS_RANGE) {
        out->kind = V_PRODUCT_SET;
        out->as.products = products_of_range(env->mem, e->v.hs.lo, e->v.hs.hi);
        return out->as.products ? true : ev_out_of_memory(err, e);
    }
    *out = value_product(e->v.hs.lo);
    if (e->ty != T_PRODUCT_SET)
        return true;
    out->as.products = to_products(env, out);
    out->kind = V_PRODUCT_SET;
    return out->as.products ? true : ev_out_of_memory(err, e);
}

bool ev_expr(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (ev_literal(e, out))
        return true;
    switch (e->kind) {
    case N_NAME: return ev_name(env, e, out, err);
    case N_HS:
    case N_HS_RANGE: return ev_code(env, e, out, err);
    case N_ALL: return make_all(env, set_kind_hint(e), e, out, err);
    case N_SET: return ev_set_literal(env, e, out, err);
    case N_SPECIFIC: return ev_specific(env, e, out, err);
    case N_BINARY: return ev_binary(env, e, out, err);
    case N_UNARY: return ev_unary(env, e, out, err);
    case N_IF: {
        bool c;
        if (!ev_bool(env, e->a, &c, err))
            return false;
        return ev_expr(env, c ? e->b : e->c, out, err);
    }
    case N_CALL: return ev_call_builtin(env, e, out, err);
    case N_DOT: return ev_dot(env, e, out, err);
    case N_WITH: return ev_with(env, e, out, err);
    case N_SHIPMENT: return ev_shipment(env, e, out, err);
    default:
        return ev_fail(err, D_EVAL_TYPE, e->at, "a %s is not an expression",
                       ast_kind_name(e->kind));
    }
}

bool eval_expr(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (env->interrupt && *env->interrupt)
        return ev_fail(err, D_EVAL_INTERRUPTED, e->at, "interrupted");
    return ev_expr(env, e, out, err);
}

void eval_env_init(eval_env *env, const policy_index *ix, arena *scratch)
{
    memset(env, 0, sizeof *env);
    env->ix = ix;
    env->mem = scratch;
}

/* ---- Shipment fields ---------------------------------------------------------- */

static const char *field_label(const program *p, int f)
{
    static const char *const names[F_BUILTIN_COUNT] = {
        "origin", "via", "product", "value", "quantity", "unit", "loaded", "entered",
    };
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return names[f];
    size_t i = (size_t)(f - F_BUILTIN_COUNT);
    return i < p->decls.attributes.n ? p->decls.attributes.v[i]->name : "?";
}

bool ev_fail_no_shipment(eval_env *env, const node *at, int f, eval_error *err)
{
    ev_fail(err, D_EVAL_MISSING_FIELD, at->at,
            "'%s' is a shipment field, and there is no shipment here", field_label(env->ix->p, f));
    err->needs_shipment = true;
    return false;
}

static bool fail_missing(eval_env *env, const node *at, int f, eval_error *err)
{
    char by[300];
    needed_by(env, by, sizeof by);
    bool is_date = ship_field_kind(env->ix->p, f) == V_DATE;
    return ev_fail(err, D_EVAL_MISSING_FIELD, at->at, "shipment has no '%s'%s%s",
                   field_label(env->ix->p, f), is_date ? " date" : "", by);
}

/* read_field: field f of s: `via` falls back to `origin`, an attribute to
 * its default, evaluated on s itself (so a default may use other fields). */
bool ev_read_field(eval_env *env, const shipment *s, int f, const node *at, value *out,
                   eval_error *err)
{
    if (!s)
        return ev_fail_no_shipment(env, at, f, err);
    if (ship_has(s, f)) {
        *out = s->fields[f];
        return true;
    }
    if (f == F_VIA && ship_has(s, F_ORIGIN)) {
        *out = s->fields[F_ORIGIN];
        return true;
    }
    size_t ai = (size_t)(f - F_BUILTIN_COUNT);
    const node *attr = f >= F_BUILTIN_COUNT && ai < env->ix->p->decls.attributes.n
                           ? env->ix->p->decls.attributes.v[ai]
                           : NULL;
    if (!attr || !attr->b)
        return fail_missing(env, at, f, err);
    if (env->depth > EVAL_MAX_DEPTH)
        return ev_fail(err, D_EVAL_TYPE, at->at, "the default of '%s' depends on itself",
                       attr->name);
    eval_env sub = *env;
    sub.ship = s;
    sub.owner = attr;
    sub.clause = attr;
    sub.depth++;
    if (!ev_expr(&sub, attr->b, out, err))
        return false;
    if (out->kind == V_NUMBER && ship_field_kind(env->ix->p, f) == V_MONEY)
        out->kind = V_MONEY;
    return true;
}

/* ---- Constant declarations ----------------------------------------------------- */

const_slot *eval_const_slot(const policy_index *ix, const node *d)
{
    int rk = class_of(d);
    if (rk < 0 || !in_class(ix->p, d, rk))
        return NULL;
    switch (rk) {
    case DC_LET: return &ix->lets[d->index];
    case DC_GROUP: return &ix->groups[d->index];
    case DC_PRODUCTS: return &ix->products[d->index];
    default: return NULL;
    }
}

static bool ev_decl_body(eval_env *env, const node *d, value *out, eval_error *err)
{
    if (d->kind == N_GROUP)
        return ev_set(env, d->a, V_COUNTRY_SET, out, err);
    if (d->kind == N_PRODUCTS)
        return ev_set(env, d->a, V_PRODUCT_SET, out, err);
    return ev_expr(env, d->a, out, err);
}

/* fill_slot: evaluates a constant declaration once, while the index is
 * being built (the only time its slots change).  A `let` that reads
 * shipment fields becomes derived: evaluated on each use. */
/* A constant is filled when first needed, from inside the evaluation that
 * needs it: a chain of names (`products p1 = {p0}`, `p2 = {p1}`, ...)
 * filled from its far end nests that deep.  Beyond CONST_MAX_DEPTH it is an
 * error, not a stack overflow (400 levels fit in the stack of a build with
 * AddressSanitizer, whose frames are large). */
#define CONST_MAX_DEPTH 400

static void fill_constant_at(policy_index *ix, const node *d, const_slot *slot, int depth)
{
    slot->state = SLOT_BUSY;
    if (d->kind == N_LET && d->a->uses_shipment) {
        slot->state = SLOT_DERIVED;
        return;
    }
    eval_env env;
    eval_env_init(&env, ix, &ix->mem);
    env.owner = d;
    env.const_depth = depth;
    eval_error err;
    if (ev_decl_body(&env, d, &slot->v, &err)) {
        slot->state = SLOT_DONE;
    } else if (err.needs_shipment && d->kind == N_LET) {
        slot->state = SLOT_DERIVED;
    } else {
        slot->state = SLOT_FAILED;
        slot->err = arena_alloc(&ix->mem, sizeof *slot->err);
        if (slot->err)
            *slot->err = err;
    }
}

void eval_fill_constant(const policy_index *cix, const node *d, const_slot *slot)
{
    fill_constant_at((policy_index *)cix, d, slot, 0); /* being prepared: see eval_prepare */
}

static bool const_decl(eval_env *env, const node *d, const node *at, value *out, eval_error *err)
{
    const_slot *slot = eval_const_slot(env->ix, d);
    if (!slot) /* not numbered: evaluate in place */
        return ev_decl_body(env, d, out, err);
    if (slot->state == SLOT_TODO && !env->ix->frozen) {
        if (env->const_depth >= CONST_MAX_DEPTH)
            return ev_fail(err, D_EVAL_LIMIT, at->at,
                           "names nested too deeply (more than %d, each naming the next)",
                           CONST_MAX_DEPTH);
        fill_constant_at((policy_index *)env->ix, d, slot, env->const_depth + 1);
    }
    switch (slot->state) {
    case SLOT_DONE: *out = slot->v; return true;
    case SLOT_FAILED:
        if (slot->err)
            *err = *slot->err;
        else
            ev_out_of_memory(err, at);
        return false;
    case SLOT_BUSY: return ev_fail(err, D_EVAL_TYPE, at->at, "'%s' depends on itself", d->name);
    default: break;
    }
    if (env->depth > EVAL_MAX_DEPTH)
        return ev_fail(err, D_EVAL_TYPE, at->at, "'%s' depends on itself", d->name);
    eval_env sub = *env;
    sub.depth++;
    return ev_decl_body(&sub, d, out, err);
}

/* ---- Schedules ------------------------------------------------------------------ */

static bool fail_not_understood(eval_env *env, const c_schedule *cs, const sched_row *row,
                                hs_code product, const node *at, eval_error *err)
{
    char by[300], code[HS_FMT_MAX], prod[HS_FMT_MAX + 16] = "";
    needed_by(env, by, sizeof by);
    hs_format(row->code, code);
    if (!hs_equal(row->code, product)) {
        char pc[HS_FMT_MAX];
        hs_format(product, pc);
        snprintf(prod, sizeof prod, " (for hs %s)", pc);
    }
    return ev_fail(err, D_EVAL_RATE_TEXT, at->at,
                   "schedule %s: the rate of hs %s%s is \"%s\" at line %d of %s, "
                   "which Levy does not understand%s",
                   cs->decl->name, code, prod, row->text ? row->text : "", row->line,
                   cs->file ? cs->file : "the schedule", by);
}

/* lookup_schedule: the rate of the shipment's product in a schedule.  A
 * partial lookup (the whole rate of a clause) may find nothing (*found is
 * then false); any other lookup must find a rate. */
bool ev_lookup_schedule(eval_env *env, const c_schedule *cs, const node *at, bool partial,
                        rate_value *out, bool *found, eval_error *err)
{
    char by[300], prod[HS_FMT_MAX];
    *found = false;
    if (!cs->ok)
        return ev_fail(err, D_EVAL_NO_ENTRY, at->at, "schedule %s could not be read",
                       cs->decl->name);
    value pv;
    if (!ev_read_field(env, env->ship, F_PRODUCT, at, &pv, err))
        return false;
    ptrdiff_t i = schedule_lookup_index(&cs->tab, pv.as.product);
    if (i >= 0 && schedule_plain(&cs->tab, i, out)) { /* no row read */
        *found = true;
        return true;
    }
    const sched_row *row = i >= 0 ? &cs->tab.rows[i] : NULL;
    if (!row) {
        if (partial)
            return true;
        needed_by(env, by, sizeof by);
        hs_format(pv.as.product, prod);
        return ev_fail(err, D_EVAL_NO_ENTRY, at->at, "schedule %s has no rate for hs %s%s",
                       cs->decl->name, prod, by);
    }
    if (!row->understood)
        return fail_not_understood(env, cs, row, pv.as.product, at, err);
    *found = true;
    if (row->payload) {
        const node *entry = row->payload;
        return ev_rate(env, entry->b, out, err);
    }
    *out = row->rate;
    return true;
}

/* entry_rate: the rate of a table entry's expression.  The table is what
 * may find nothing for a shipment; its entry must yield a rate, so a
 * schedule named as the entry (`rate by origin { CN: mfn }`) must find a
 * line, or evaluation stops with E603: a missing line never silently
 * drops the measure. */
bool ev_entry_rate(eval_env *env, const node *rate_expr, bool *found, rate_value *out,
                   eval_error *err)
{
    *found = true;
    return ev_rate(env, rate_expr, out, err);
}

bool ev_row_rate(eval_env *env, const sched_row *row, bool *found, rate_value *out, eval_error *err)
{
    if (!row->payload) {
        *found = true;
        *out = row->rate;
        return true;
    }
    const node *entry = row->payload;
    return ev_entry_rate(env, entry->b, found, out, err);
}

bool coverage_init(eval_coverage *c, const program *p)
{
    c->nmeasures = p->decls.measures.n;
    c->nmodifiers = p->decls.modifiers.n;
    c->mem = p->arena->mem;
    c->measures = mem_calloc(c->mem, c->nmeasures ? c->nmeasures : 1, sizeof *c->measures);
    c->modifiers = mem_calloc(c->mem, c->nmodifiers ? c->nmodifiers : 1, sizeof *c->modifiers);
    if (c->measures && c->modifiers)
        return true;
    coverage_free(c);
    return false;
}

void coverage_free(eval_coverage *c)
{
    mem_free(c->mem, c->measures);
    mem_free(c->mem, c->modifiers);
    c->measures = c->modifiers = NULL;
    c->nmeasures = c->nmodifiers = 0;
}
