/* typecheck.c - names and types of expressions.
 *
 * check_expr resolves the names of an expression, infers its type and
 * marks what depends on the shipment: names and sets, operators, calls of
 * the built-ins, shipment literals, `.field` and `with`.  Lets, groups,
 * product sets and attribute defaults are checked on first use
 * (ensure_checked), which orders them and finds definitions in terms of
 * themselves.
 */
#include "check_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag_codes.h"
#include "rate.h"

/* Where shipment fields may be used, for the messages that say so. */
#define SHIPMENT_PLACES                                                                            \
    "'when', 'rate' and 'base' clauses, the rates of pauses and concessions, "                     \
    "attribute defaults and lets outside tests"

/* ---- Expressions ------------------------------------------------------------ */

static type set_kind(type t)
{
    switch (t) {
    case T_COUNTRY:
    case T_COUNTRY_SET: return T_COUNTRY_SET;
    case T_PRODUCT:
    case T_PRODUCT_SET: return T_PRODUCT_SET;
    case T_EMPTY_SET: return T_EMPTY_SET;
    default: return T_UNKNOWN;
    }
}

/* The kind of set a context asks for, to give `all` and names their
 * meaning; T_UNKNOWN when it asks for none. */
static type set_hint(type want)
{
    type k = set_kind(want);
    return k == T_EMPTY_SET ? T_UNKNOWN : k;
}

/* A note for a number written where a rate or money was meant. */
static void literal_hint(checker *ck, diagnostic *d, const node *e, type want)
{
    if (!d || !e || e->kind != N_NUMBER)
        return;
    char text[48];
    snippet(ck, e->at, text, sizeof text);
    if (want == T_RATE)
        diag_note(d, e->at, "a rate is written with '%%', as in %s%%", text);
    else if (want == T_MONEY)
        diag_note(d, e->at, "an amount of money is written with '$', as in $%s", text);
}

/* require: e (of type t) must have type want; fmt has one %s for what it
 * has.  Unknown types were reported where they arose. */
void require(checker *ck, const node *e, type t, type want, const char *fmt)
{
    if (t == T_UNKNOWN || t == want)
        return;
    diagnostic *d = diag_add(ck->diags, SEV_ERROR, D_TYPE_MISMATCH, e->at, fmt, type_phrase(t));
    literal_hint(ck, d, e, want);
}

void require_set(checker *ck, const node *e, type t, type kind, const char *fmt)
{
    type k = set_kind(t);
    if (t == T_UNKNOWN || k == kind || k == T_EMPTY_SET)
        return;
    diag_add(ck->diags, SEV_ERROR, D_TYPE_MISMATCH, e->at, fmt, type_phrase(t));
}

static void field_outside(checker *ck, const node *e, const char *what)
{
    error_at(ck, D_FIELD_OUTSIDE, e->at, "%s; it can only be used in " SHIPMENT_PLACES, what);
}

void cycle_error(checker *ck, const node *e, const node *d)
{
    diagnostic *g = error_at(ck, D_CYCLE, e->at, "'%s' is defined in terms of itself", d->name);
    diag_note(g, name_span(ck, d), "'%s' is declared here", d->name);
}

static bool looks_like_country_code(const char *name)
{
    size_t n = strlen(name);
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)name[i]))
            return false;
    return true;
}

void unknown_name(checker *ck, const ctx *cx, const node *e, type want)
{
    if (ck->quiet_unknown)
        return;
    bool country = want == T_COUNTRY || want == T_COUNTRY_SET;
    bool product = want == T_PRODUCT || want == T_PRODUCT_SET;
    unsigned prefer = country   ? CAND_BIT(DC_COUNTRY) | CAND_BIT(DC_GROUP)
                      : product ? CAND_BIT(DC_PRODUCTS)
                                : CAND_DECLS | CAND_FIELDS;
    unsigned accept = CAND_DECLS | (cx->shipment ? CAND_FIELDS : 0);
    const char *best = suggest_in(ck, cx, e->name, accept, prefer);
    const node *like = best ? lookup_decl(ck, cx, best) : NULL;
    const char *what = "name";
    if (country)
        what = looks_like_country_code(e->name) || (like && like->kind == N_COUNTRY)
                   ? "country"
                   : "country or group";
    else if (product)
        what = "product set";
    diagnostic *d = error_at(ck, D_UNKNOWN_NAME, e->at, "unknown %s '%s'", what, e->name);
    suggest_decl(ck, cx, d, best);
    /* The commonest first guesses: a country code without the library
       that declares them, and the REPL's commands without their colon. */
    if (country && !best && ck->p->decls.countries.n == 0 && looks_like_country_code(e->name))
        diag_note(d, e->at, "the world's countries are declared in the standard library: add "
                            "'import countries' first");
    else if (!best && (strcmp(e->name, "exit") == 0 || strcmp(e->name, "quit") == 0))
        diag_note(d, e->at, "in the REPL, ':quit' (or Ctrl-D) leaves");
    else if (!best && strcmp(e->name, "help") == 0)
        diag_note(d, e->at, "in the REPL, ':help' lists the commands");
}

/* A name that denotes a declaration, used as a value. */
static type check_decl_ref(checker *ck, const ctx *cx, node *e, node *d)
{
    e->sym = SYM_DECL;
    e->ref = d;
    note_use(ck, d);
    switch (d->kind) {
    case N_COUNTRY: return T_COUNTRY;
    case N_GROUP:
    case N_PRODUCTS:
        if (!ensure_checked(ck, d))
            cycle_error(ck, e, d);
        return d->kind == N_GROUP ? T_COUNTRY_SET : T_PRODUCT_SET;
    case N_LET:
        if (!ensure_checked(ck, d)) {
            cycle_error(ck, e, d);
            return T_UNKNOWN;
        }
        e->uses_shipment = d->uses_shipment;
        if (d->uses_shipment && !cx->shipment) {
            char what[128];
            snprintf(what, sizeof what,
                     "'%s' depends on the shipment's fields (it is a derived field)", d->name);
            field_outside(ck, e, what);
        }
        return d->ty;
    case N_ATTRIBUTE: {
        e->sym = SYM_FIELD;
        e->index = F_BUILTIN_COUNT + d->index;
        e->uses_shipment = true;
        if (!ensure_checked(ck, d))
            cycle_error(ck, e, d);
        if (!cx->shipment) {
            char what[128];
            snprintf(what, sizeof what, "'%s' is a shipment field (an attribute)", d->name);
            field_outside(ck, e, what);
        }
        return d->ty;
    }
    case N_SCHEDULE:
        e->uses_shipment = true;
        if (!cx->shipment) {
            char what[160];
            snprintf(what, sizeof what,
                     "'%s' is a schedule: its name stands for the shipment's rate in it", d->name);
            field_outside(ck, e, what);
        }
        return T_RATE;
    default:
        error_at(ck, D_WRONG_KIND, e->at, "'%s' is %s, not a value", d->name, decl_phrase(d));
        return T_UNKNOWN;
    }
}

static type check_name(checker *ck, const ctx *cx, node *e, type want)
{
    node *d = lookup_decl(ck, cx, e->name);
    if (d)
        return check_decl_ref(ck, cx, e, d);
    int f = builtin_field_lookup(e->name);
    if (f >= 0) {
        e->sym = SYM_FIELD;
        e->index = f;
        e->uses_shipment = true;
        if (!cx->shipment) {
            char what[64];
            snprintf(what, sizeof what, "'%s' is a shipment field", e->name);
            field_outside(ck, e, what);
        }
        return builtin_fields[f].ty;
    }
    int b = builtin_lookup(e->name);
    if (b >= 0) {
        e->sym = SYM_BUILTIN;
        e->index = b;
        error_at(ck, D_WRONG_KIND, e->at, "'%s' is a built-in function; call it as %s", e->name,
                 builtins[b].usage);
        return T_UNKNOWN;
    }
    unit u = unit_from_name(e->name, strlen(e->name));
    if (u != UNIT_NONE) {
        e->sym = SYM_UNIT;
        e->index = (int)u;
        if (want == T_UNIT)
            return T_UNIT;
        error_at(ck, D_WRONG_KIND, e->at,
                 "'%s' is a unit: units are written after 'per' ($0.05 per %s), as a "
                 "shipment's unit, or compared with it (unit == %s)",
                 e->name, e->name, e->name);
        return T_UNKNOWN;
    }
    unknown_name(ck, cx, e, want);
    return T_UNKNOWN;
}

static void mixed_set(checker *ck, const node *el, type t, type kind, const node *first)
{
    diagnostic *d = error_at(ck, D_MIXED_SET, el->at, "cannot put %s in a set of %s",
                             type_phrase(t), kind == T_COUNTRY_SET ? "countries" : "products");
    char text[48];
    diag_note(d, first->at, "the set's first element, '%s', is %s",
              snippet(ck, first->at, text, sizeof text), type_phrase(first->ty));
}

/* {a, b, ...}: countries and groups, or product codes and product sets,
 * nested by union; {} is the empty set of either kind. */
static type check_set(checker *ck, const ctx *cx, node *e, type want)
{
    type kind = T_EMPTY_SET;
    const node *first = NULL;
    for (size_t i = 0; i < e->items.n; i++) {
        node *el = e->items.v[i];
        type hint = kind != T_EMPTY_SET ? kind : set_hint(want);
        type t = check_expr(ck, cx, el, hint);
        type k = set_kind(t);
        if (t == T_UNKNOWN || k == T_EMPTY_SET)
            continue;
        if (k == T_UNKNOWN) {
            error_at(ck, D_TYPE_MISMATCH, el->at,
                     "a set holds countries, groups, product codes and product sets, not %s",
                     type_phrase(t));
        } else if (kind == T_EMPTY_SET) {
            kind = k;
            first = el;
        } else if (k != kind) {
            mixed_set(ck, el, t, kind, first);
        }
    }
    return kind;
}

/* How units are often written elsewhere (the USITC's "liter", "pr."),
 * for the suggestion when Levy's short name is not used. */
static const char *unit_alias(const char *name)
{
    static const struct {
        const char *alias, *unit;
    } aliases[] = {
        { "liter", "l" },          { "liters", "l" },    { "litre", "l" },
        { "litres", "l" },         { "lt", "l" },        { "kgs", "kg" },
        { "kilo", "kg" },          { "kilos", "kg" },    { "kilogram", "kg" },
        { "kilograms", "kg" },     { "pairs", "pair" },  { "pr", "pair" },
        { "dozen", "doz" },        { "dz", "doz" },      { "ton", "t" },
        { "tons", "t" },           { "tonne", "t" },     { "tonnes", "t" },
        { "barrel", "bbl" },       { "barrels", "bbl" }, { "each", "item" },
        { "items", "item" },       { "no", "item" },     { "piece", "item" },
        { "pieces", "item" },      { "pcs", "item" },    { "sqm", "m2" },
        { "cbm", "m3" },           { "pfl", "pf_l" },    { "proof_liter", "pf_l" },
        { "proof_litre", "pf_l" },
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (equal_ignoring_case(aliases[i].alias, name))
            return aliases[i].unit;
    return NULL;
}

/* `$0.05 per kg`: money per unit of quantity. */
static type check_specific(checker *ck, const ctx *cx, node *e)
{
    type t = check_expr(ck, cx, e->a, T_MONEY);
    require(ck, e->a, t, T_MONEY,
            "a specific rate is money per unit: expected money before 'per', found %s");
    unit u = e->name ? unit_from_name(e->name, strlen(e->name)) : UNIT_NONE;
    if (u != UNIT_NONE) {
        e->index = (int)u;
        return T_RATE;
    }
    const char *name = e->name ? e->name : "";
    diagnostic *d =
        error_at(ck, D_BAD_UNIT, tail_span(e->at, strlen(name)), "unknown unit '%s'", name);
    suggestion s;
    suggestion_init(&s, name);
    for (int k = UNIT_NONE + 1; k < UNIT_COUNT; k++)
        consider(&s, unit_name((unit)k), true, 0);
    const char *alias = unit_alias(name);
    if (alias || s.best)
        add_suggestion(d, alias ? alias : s.best);
    else if (d)
        diag_note(d, d->at,
                  "the units are kg, l, item, pair, doz, m2, m3, t, bbl, gross, "
                  "thousand and pf_l");
    return T_RATE;
}

static type check_logic(checker *ck, const ctx *cx, node *e)
{
    const char *word = op_name((op)e->flags);
    node *sides[2] = { e->a, e->b };
    for (int i = 0; i < 2; i++) {
        type t = check_expr(ck, cx, sides[i], T_BOOL);
        if (t != T_UNKNOWN && t != T_BOOL)
            error_at(ck, D_TYPE_MISMATCH, sides[i]->at, "'%s' needs a bool on each side, found %s",
                     word, type_phrase(t));
    }
    return T_BOOL;
}

static type check_except(checker *ck, const ctx *cx, node *e, type want)
{
    type hint = set_hint(want), ta, tb;
    /* `all except X` means all of X's kind: look at X first. */
    if (e->a->kind == N_ALL && e->b->kind != N_ALL) {
        tb = check_expr(ck, cx, e->b, hint);
        ta = check_expr(ck, cx, e->a, set_hint(tb) != T_UNKNOWN ? set_hint(tb) : hint);
    } else {
        ta = check_expr(ck, cx, e->a, hint);
        tb = check_expr(ck, cx, e->b, set_hint(ta) != T_UNKNOWN ? set_hint(ta) : hint);
    }
    type ka = set_kind(ta), kb = set_kind(tb);
    if (ta != T_UNKNOWN && ka == T_UNKNOWN) {
        error_at(ck, D_TYPE_MISMATCH, e->a->at, "'except' takes sets, found %s", type_phrase(ta));
        return T_UNKNOWN;
    }
    if (tb != T_UNKNOWN && kb == T_UNKNOWN) {
        error_at(ck, D_TYPE_MISMATCH, e->b->at, "'except' takes sets, found %s", type_phrase(tb));
        return T_UNKNOWN;
    }
    if (ta == T_UNKNOWN || tb == T_UNKNOWN)
        return ta == T_UNKNOWN ? (kb == T_EMPTY_SET ? T_UNKNOWN : kb) : ka;
    if (ka == T_EMPTY_SET)
        return kb;
    if (kb == T_EMPTY_SET || ka == kb)
        return ka;
    error_at(ck, D_MIXED_SET, e->at, "cannot take %s from %s: 'except' needs sets of one kind",
             type_phrase(tb), type_phrase(ta));
    return T_UNKNOWN;
}

static type check_in(checker *ck, const ctx *cx, node *e)
{
    type ta = check_expr(ck, cx, e->a, T_UNKNOWN);
    type hint = ta == T_COUNTRY ? T_COUNTRY_SET : ta == T_PRODUCT ? T_PRODUCT_SET : T_UNKNOWN;
    type tb = check_expr(ck, cx, e->b, hint);
    if (ta != T_UNKNOWN && ta != T_COUNTRY && ta != T_PRODUCT) {
        error_at(ck, D_TYPE_MISMATCH, e->a->at,
                 "'in' tests whether a country or a product is in a set, found %s",
                 type_phrase(ta));
        return T_BOOL;
    }
    type kb = set_kind(tb);
    if (tb == T_UNKNOWN)
        return T_BOOL;
    if (kb == T_UNKNOWN)
        error_at(ck, D_TYPE_MISMATCH, e->b->at, "'in' needs a set on its right, found %s",
                 type_phrase(tb));
    else if (ta != T_UNKNOWN && kb != T_EMPTY_SET && kb != set_kind(ta))
        error_at(ck, D_TYPE_MISMATCH, e->at, "cannot look for %s in %s", type_phrase(ta),
                 type_phrase(tb));
    return T_BOOL;
}

static bool is_equatable(type t)
{
    switch (t) {
    case T_BOOL:
    case T_NUMBER:
    case T_RATE:
    case T_MONEY:
    case T_DATE:
    case T_DURATION:
    case T_TEXT:
    case T_COUNTRY:
    case T_PRODUCT:
    case T_UNIT: return true;
    default: return false;
    }
}

static bool is_ordered(type t)
{
    return t == T_NUMBER || t == T_RATE || t == T_MONEY || t == T_DATE || t == T_DURATION;
}

/* A bare unit name not declared as anything else (`kg` in `unit == kg`). */
static bool is_unit_word(const checker *ck, const ctx *cx, const node *e)
{
    return e->kind == N_NAME && unit_from_name(e->name, strlen(e->name)) != UNIT_NONE &&
           !lookup_decl(ck, cx, e->name);
}

static type check_compare(checker *ck, const ctx *cx, node *e)
{
    op o = (op)e->flags;
    node *first = e->a, *second = e->b;
    if ((o == OP_EQ || o == OP_NE) && is_unit_word(ck, cx, first)) {
        first = e->b;
        second = e->a;
    }
    type t1 = check_expr(ck, cx, first, T_UNKNOWN);
    type t2 = check_expr(ck, cx, second, t1 == T_UNIT ? T_UNIT : T_UNKNOWN);
    type ta = first == e->a ? t1 : t2, tb = first == e->a ? t2 : t1;
    if (ta == T_UNKNOWN || tb == T_UNKNOWN)
        return T_BOOL;
    if (ta != tb) {
        diagnostic *d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot compare %s and %s",
                                 type_phrase(ta), type_phrase(tb));
        literal_hint(ck, d, e->a, tb);
        literal_hint(ck, d, e->b, ta);
    } else if ((o == OP_EQ || o == OP_NE) ? !is_equatable(ta) : !is_ordered(ta)) {
        if (o == OP_EQ || o == OP_NE)
            error_at(ck, D_TYPE_MISMATCH, e->at, "'%s' cannot compare values of type %s",
                     op_name(o), type_name(ta));
        else
            error_at(ck, D_TYPE_MISMATCH, e->at,
                     "'%s' orders numbers, rates, money, dates and durations, not %s", op_name(o),
                     type_phrase(ta));
    }
    return T_BOOL;
}

/* The type of a OP b for the arithmetic operators, T_UNKNOWN when it is
 * not defined. */
static type arith_result(op o, type a, type b)
{
    switch (o) {
    case OP_ADD:
        if (a == b && (a == T_RATE || a == T_MONEY || a == T_NUMBER))
            return a;
        if ((a == T_DATE && b == T_DURATION) || (a == T_DURATION && b == T_DATE))
            return T_DATE;
        return T_UNKNOWN;
    case OP_SUB:
        if (a == b && (a == T_RATE || a == T_MONEY || a == T_NUMBER))
            return a;
        if (a == T_DATE && b == T_DURATION)
            return T_DATE;
        if (a == T_DATE && b == T_DATE)
            return T_DURATION;
        return T_UNKNOWN;
    case OP_MUL:
        if ((a == T_MONEY && (b == T_RATE || b == T_NUMBER)) ||
            (b == T_MONEY && (a == T_RATE || a == T_NUMBER)))
            return T_MONEY;
        if ((a == T_RATE && b == T_NUMBER) || (a == T_NUMBER && b == T_RATE))
            return T_RATE;
        if (a == T_NUMBER && b == T_NUMBER)
            return T_NUMBER;
        return T_UNKNOWN;
    case OP_DIV:
        if (a == T_MONEY && b == T_NUMBER)
            return T_MONEY;
        if (a == T_MONEY && b == T_MONEY)
            return T_RATE;
        if (a == T_RATE && b == T_NUMBER)
            return T_RATE;
        if (a == T_NUMBER && b == T_NUMBER)
            return T_NUMBER;
        return T_UNKNOWN;
    default: return T_UNKNOWN;
    }
}

static type check_arith(checker *ck, const ctx *cx, node *e)
{
    op o = (op)e->flags;
    type ta = check_expr(ck, cx, e->a, T_UNKNOWN);
    type tb = check_expr(ck, cx, e->b, T_UNKNOWN);
    if (ta == T_UNKNOWN || tb == T_UNKNOWN)
        return T_UNKNOWN;
    type r = arith_result(o, ta, tb);
    if (r != T_UNKNOWN)
        return r;
    const char *pa = type_phrase(ta), *pb = type_phrase(tb);
    diagnostic *d = NULL;
    switch (o) {
    case OP_ADD: d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot add %s and %s", pa, pb); break;
    case OP_SUB:
        d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot subtract %s from %s", pb, pa);
        break;
    case OP_MUL:
        d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot multiply %s by %s", pa, pb);
        break;
    default: d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot divide %s by %s", pa, pb); break;
    }
    if (o == OP_ADD || o == OP_SUB) {
        literal_hint(ck, d, e->a, tb);
        literal_hint(ck, d, e->b, ta);
    }
    return T_UNKNOWN;
}

static type check_binary(checker *ck, const ctx *cx, node *e, type want)
{
    switch ((op)e->flags) {
    case OP_AND:
    case OP_OR: return check_logic(ck, cx, e);
    case OP_EXCEPT: return check_except(ck, cx, e, want);
    case OP_IN: return check_in(ck, cx, e);
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: return check_compare(ck, cx, e);
    default: return check_arith(ck, cx, e);
    }
}

static type check_unary(checker *ck, const ctx *cx, node *e)
{
    if ((op)e->flags == OP_NOT) {
        type t = check_expr(ck, cx, e->a, T_BOOL);
        require(ck, e->a, t, T_BOOL, "'not' needs a bool, found %s");
        return T_BOOL;
    }
    type t = check_expr(ck, cx, e->a, T_UNKNOWN);
    if (t == T_NUMBER || t == T_RATE || t == T_MONEY || t == T_UNKNOWN)
        return t;
    error_at(ck, D_TYPE_MISMATCH, e->at, "cannot negate %s", type_phrase(t));
    return T_UNKNOWN;
}

static type check_if(checker *ck, const ctx *cx, node *e, type want)
{
    type tc = check_expr(ck, cx, e->a, T_BOOL);
    require(ck, e->a, tc, T_BOOL, "the condition of 'if' must be a bool, found %s");
    type tb = check_expr(ck, cx, e->b, want);
    type te = check_expr(ck, cx, e->c, want != T_UNKNOWN ? want : set_hint(tb));
    if (tb == T_UNKNOWN || te == T_UNKNOWN)
        return tb == T_UNKNOWN ? te : tb;
    if (tb == te)
        return tb;
    type kb = set_kind(tb), ke = set_kind(te);
    if (kb != T_UNKNOWN && ke != T_UNKNOWN && (kb == ke || kb == T_EMPTY_SET || ke == T_EMPTY_SET))
        return kb == T_EMPTY_SET ? ke : kb;
    error_at(ck, D_TYPE_MISMATCH, e->at,
             "the branches of 'if' differ: 'then' gives %s but 'else' gives %s", type_phrase(tb),
             type_phrase(te));
    return T_UNKNOWN;
}

/* ---- Names of things that are not values -------------------------------------- */

/* ref_want: what a name must name (check_internal.h). */
static const struct ref_def {
    const char *code;    /* for an unknown name */
    const char *unknown; /* "unknown measure" */
    const char *needed;  /* "a measure" */
    unsigned accept;     /* suggestion candidates */
} ref_defs[] = {
    [REF_MEASURE] = { D_UNKNOWN_MEASURE, "unknown measure", "a measure", CAND_BIT(DC_MEASURE) },
    [REF_MODIFIER] = { D_UNKNOWN_MEASURE, "unknown pause or concession", "a pause or a concession",
                       CAND_BIT(DC_MODIFIER) },
    [REF_COMMITMENT] = { D_UNKNOWN_COMMITMENT, "unknown commitment", "a commitment",
                         CAND_BIT(DC_COMMITMENT) },
    [REF_SCENARIO] = { D_UNKNOWN_SCENARIO, "unknown scenario", "a scenario",
                       CAND_BIT(DC_SCENARIO) },
    [REF_COUNTRY] = { D_UNKNOWN_NAME, "unknown country", "a country", CAND_BIT(DC_COUNTRY) },
    [REF_DROP] = { D_UNKNOWN_MEASURE, "unknown measure, pause or concession",
                   "a measure, a pause or a concession",
                   CAND_BIT(DC_MEASURE) | CAND_BIT(DC_MODIFIER) },
};

static bool ref_kind_ok(ref_want want, const node *d)
{
    switch (want) {
    case REF_MEASURE: return d->kind == N_MEASURE;
    case REF_MODIFIER: return decl_kind_class(d->kind) == DC_MODIFIER;
    case REF_COMMITMENT: return d->kind == N_COMMITMENT;
    case REF_SCENARIO: return d->kind == N_SCENARIO;
    case REF_COUNTRY: return d->kind == N_COUNTRY;
    case REF_DROP: return d->kind == N_MEASURE || decl_kind_class(d->kind) == DC_MODIFIER;
    }
    return false;
}

/* resolve_ref: the declaration a name in a non-value position means
 * (`suspend M`, `commits(c, C)`, `under S` ...), or NULL after an error.
 * `drop` names a declaration of the policy, never one of the scenario. */
node *resolve_ref(checker *ck, const ctx *cx, node *name, ref_want want)
{
    const struct ref_def *rd = &ref_defs[want];
    node *d = want == REF_DROP ? symtab_get(&ck->p->globals, name->name)
                               : lookup_decl(ck, cx, name->name);
    if (!d && want == REF_DROP && check_scenario_lookup(ck->p, cx->scenario, name->name)) {
        error_at(ck, D_WRONG_KIND, name->at,
                 "'%s' is declared in this scenario; 'drop' removes a declaration of the policy",
                 name->name);
        return NULL;
    }
    if (!d) {
        if (builtin_field_lookup(name->name) >= 0)
            error_at(ck, D_WRONG_KIND, name->at, "'%s' is a shipment field, not %s", name->name,
                     rd->needed);
        else if (!ck->quiet_unknown) {
            diagnostic *g = error_at(ck, rd->code, name->at, "%s '%s'", rd->unknown, name->name);
            ctx scope = *cx;
            if (want == REF_DROP)
                scope.scenario = NULL;
            suggest_decl(ck, &scope, g, suggest_in(ck, &scope, name->name, rd->accept, rd->accept));
        }
        return NULL;
    }
    if (!ref_kind_ok(want, d)) {
        error_at(ck, D_WRONG_KIND, name->at, "'%s' is %s, not %s", name->name, decl_phrase(d),
                 rd->needed);
        note_use(ck, d); /* misused, but not unused */
        return NULL;
    }
    name->sym = SYM_DECL;
    name->ref = d;
    name->ty = d->ty;
    note_use(ck, d);
    return d;
}

/* ---- Calls ---------------------------------------------------------------- */

static void check_args_loosely(checker *ck, const ctx *cx, node *e)
{
    for (size_t i = 0; i < e->items.n; i++)
        check_expr(ck, cx, e->items.v[i], T_UNKNOWN);
}

static void unknown_function(checker *ck, const ctx *cx, node *e)
{
    node *callee = e->a;
    node *d = lookup_decl(ck, cx, callee->name);
    if (d) {
        note_use(ck, d);
        error_at(ck, D_WRONG_KIND, callee->at, "'%s' is %s, not a function", callee->name,
                 decl_phrase(d));
    } else if (builtin_field_lookup(callee->name) >= 0) {
        error_at(ck, D_WRONG_KIND, callee->at, "'%s' is a shipment field, not a function",
                 callee->name);
    } else {
        diagnostic *g =
            error_at(ck, D_UNKNOWN_NAME, callee->at, "unknown function '%s'", callee->name);
        add_suggestion(g, suggest_in(ck, cx, callee->name, CAND_BUILTINS, CAND_BUILTINS));
    }
    check_args_loosely(ck, cx, e);
}

static bool check_arity(checker *ck, node *e, const struct builtin_def *bd)
{
    size_t n = e->items.n;
    if ((int)n >= bd->min_args && (int)n <= bd->max_args)
        return true;
    char takes[48];
    if (bd->max_args == INT_MAX)
        snprintf(takes, sizeof takes, "at least %d arguments", bd->min_args);
    else if (bd->min_args == bd->max_args)
        snprintf(takes, sizeof takes, "%d argument%s", bd->min_args, bd->min_args == 1 ? "" : "s");
    else
        snprintf(takes, sizeof takes, "%d or %d arguments", bd->min_args, bd->max_args);
    error_at(ck, D_BAD_ARGS, e->at, "%s() takes %s, given %zu: %s", bd->name, takes, n, bd->usage);
    return false;
}

/* Argument i of a built-in must have type want. */
static void check_arg(checker *ck, const ctx *cx, node *e, size_t i, type want)
{
    node *arg = e->items.v[i];
    type t = check_expr(ck, cx, arg, want);
    if (t == T_UNKNOWN || t == want)
        return;
    const char *fn = builtins[e->a->index].name;
    diagnostic *d;
    if (e->items.n == 1)
        d = error_at(ck, D_TYPE_MISMATCH, arg->at, "%s() needs %s, found %s", fn, type_phrase(want),
                     type_phrase(t));
    else
        d = error_at(ck, D_TYPE_MISMATCH, arg->at, "argument %zu of %s() must be %s, found %s",
                     i + 1, fn, type_phrase(want), type_phrase(t));
    literal_hint(ck, d, arg, want);
}

/* has(field): the argument names a field; it is not evaluated. */
static void check_has(checker *ck, const ctx *cx, node *e)
{
    node *arg = e->items.v[0];
    e->uses_shipment = true;
    if (!cx->shipment)
        field_outside(ck, e, "has() asks about the shipment");
    if (arg->kind != N_NAME) {
        error_at(ck, D_BAD_ARGS, arg->at,
                 "has() takes the name of a shipment field, as in has(loaded)");
        return;
    }
    node *attr = NULL;
    int f = field_lookup(ck->p, arg->name, &attr);
    if (f < 0) {
        diagnostic *d =
            error_at(ck, D_UNKNOWN_FIELD, arg->at, "shipments have no field '%s'", arg->name);
        add_suggestion(d, suggest_in(ck, NULL, arg->name, CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE),
                                     CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE)));
        return;
    }
    arg->sym = SYM_FIELD;
    arg->index = f;
    arg->ref = attr;
    arg->ty = check_field_type(ck->p, f);
    if (attr)
        note_use(ck, attr);
}

static type check_minmax(checker *ck, const ctx *cx, node *e)
{
    const char *fn = builtins[e->a->index].name;
    type common = T_UNKNOWN;
    for (size_t i = 0; i < e->items.n; i++) {
        node *arg = e->items.v[i];
        type t = check_expr(ck, cx, arg, T_UNKNOWN);
        if (t == T_UNKNOWN)
            continue;
        if (t != T_NUMBER && t != T_RATE && t != T_MONEY && t != T_DATE) {
            error_at(ck, D_TYPE_MISMATCH, arg->at,
                     "%s() takes numbers, rates, money or dates, found %s", fn, type_phrase(t));
            return T_UNKNOWN;
        }
        if (common == T_UNKNOWN) {
            common = t;
        } else if (t != common) {
            diagnostic *d = error_at(ck, D_TYPE_MISMATCH, arg->at,
                                     "the arguments of %s() must have one type: found %s and %s",
                                     fn, type_phrase(common), type_phrase(t));
            literal_hint(ck, d, arg, common);
            return T_UNKNOWN;
        }
    }
    return common;
}

static type check_call(checker *ck, const ctx *cx, node *e)
{
    node *callee = e->a;
    int b = callee && callee->kind == N_NAME ? builtin_lookup(callee->name) : -1;
    if (b < 0) {
        if (callee && callee->kind == N_NAME)
            unknown_function(ck, cx, e);
        return T_UNKNOWN;
    }
    callee->sym = SYM_BUILTIN;
    callee->index = b;
    static const type results[B_BUILTIN_COUNT] = {
        [B_HAS] = T_BOOL,
        [B_RATE] = T_RATE,
        [B_DUTY] = T_MONEY,
        [B_EFFECTIVE_RATE] = T_RATE,
        [B_EXPLAIN] = T_EXPLANATION,
        [B_APPLIES] = T_BOOL,
        [B_COMMITS] = T_BOOL,
        [B_MAX] = T_UNKNOWN,
        [B_MIN] = T_UNKNOWN,
        [B_TIMELINE] = T_TIMELINE,
    };
    if (!check_arity(ck, e, &builtins[b])) {
        check_args_loosely(ck, cx, e);
        return results[b];
    }
    switch ((builtin_id)b) {
    case B_HAS: check_has(ck, cx, e); break;
    case B_RATE:
    case B_DUTY:
    case B_EFFECTIVE_RATE:
    case B_EXPLAIN: check_arg(ck, cx, e, 0, T_SHIPMENT); break;
    case B_APPLIES:
        if (e->items.v[0]->kind == N_NAME)
            resolve_ref(ck, cx, e->items.v[0], REF_MEASURE);
        else
            error_at(ck, D_BAD_ARGS, e->items.v[0]->at,
                     "the first argument of applies() is the name of a measure");
        check_arg(ck, cx, e, 1, T_SHIPMENT);
        break;
    case B_COMMITS:
        check_arg(ck, cx, e, 0, T_COUNTRY);
        if (e->items.v[1]->kind == N_NAME)
            resolve_ref(ck, cx, e->items.v[1], REF_COMMITMENT);
        else
            error_at(ck, D_BAD_ARGS, e->items.v[1]->at,
                     "the second argument of commits() is the name of a commitment");
        if (e->items.n == 3) {
            check_arg(ck, cx, e, 2, T_DATE);
        } else if (cx->shipment) {
            e->uses_shipment = true; /* the date is the shipment's `entered` */
        } else {
            error_at(ck, D_BAD_ARGS, e->at,
                     "commits() needs a date here, as in commits(VN, pledge, 2025-07-15): "
                     "it defaults to the shipment's 'entered' date only in " SHIPMENT_PLACES);
        }
        break;
    case B_MAX:
    case B_MIN: return check_minmax(ck, cx, e);
    case B_TIMELINE:
        check_arg(ck, cx, e, 0, T_SHIPMENT);
        check_arg(ck, cx, e, 1, T_DATE);
        check_arg(ck, cx, e, 2, T_DATE);
        break;
    default: break;
    }
    return results[b];
}

/* ---- Shipments --------------------------------------------------------------- */

static void unknown_field(checker *ck, span at, const char *name)
{
    diagnostic *d = error_at(ck, D_UNKNOWN_FIELD, at, "shipments have no field '%s'", name);
    add_suggestion(d, suggest_in(ck, NULL, name, CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE),
                                 CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE)));
}

static type check_dot(checker *ck, const ctx *cx, node *e)
{
    type t = check_expr(ck, cx, e->a, T_UNKNOWN);
    if (t != T_UNKNOWN && t != T_SHIPMENT) {
        error_at(ck, D_TYPE_MISMATCH, e->a->at, "'.%s' reads a field of a shipment, not of %s",
                 e->name, type_phrase(t));
        return T_UNKNOWN;
    }
    node *attr = NULL;
    int f = field_lookup(ck->p, e->name, &attr);
    if (f < 0) {
        unknown_field(ck, tail_span(e->at, strlen(e->name)), e->name);
        return T_UNKNOWN;
    }
    e->sym = SYM_FIELD;
    e->index = f;
    if (attr)
        note_use(ck, attr);
    return check_field_type(ck->p, f);
}

/* The `field: value` list of a shipment literal or of `with`. */
static void check_field_inits(checker *ck, const ctx *cx, node *e)
{
    for (size_t i = 0; i < e->items.n; i++) {
        node *fi = e->items.v[i];
        node *attr = NULL;
        int f = field_lookup(ck->p, fi->name, &attr);
        if (f < 0) {
            unknown_field(ck, keyword_span(ck, fi), fi->name);
            check_expr(ck, cx, fi->a, T_UNKNOWN);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (e->items.v[j]->sym == SYM_FIELD && e->items.v[j]->index == f) {
                diagnostic *d = error_at(ck, D_DUP_ENTRY, keyword_span(ck, fi),
                                         "the field '%s' is given twice", fi->name);
                diag_note(d, keyword_span(ck, e->items.v[j]), "first given here");
                break;
            }
        }
        fi->sym = SYM_FIELD;
        fi->index = f;
        fi->ref = attr;
        if (attr)
            note_use(ck, attr);
        type want = check_field_type(ck->p, f);
        fi->ty = want;
        type t = check_expr(ck, cx, fi->a, want);
        fi->uses_shipment = fi->a->uses_shipment;
        if (t != T_UNKNOWN && want != T_UNKNOWN && t != want) {
            diagnostic *d =
                error_at(ck, D_TYPE_MISMATCH, fi->a->at, "the field '%s' is %s, found %s", fi->name,
                         type_phrase(want), type_phrase(t));
            literal_hint(ck, d, fi->a, want);
        }
    }
}

static type check_with(checker *ck, const ctx *cx, node *e)
{
    type t = check_expr(ck, cx, e->a, T_SHIPMENT);
    if (t != T_UNKNOWN && t != T_SHIPMENT)
        error_at(ck, D_TYPE_MISMATCH, e->a->at,
                 "'with' changes the fields of a shipment, not of %s", type_phrase(t));
    check_field_inits(ck, cx, e);
    return T_SHIPMENT;
}

/* ---- The expression dispatcher ------------------------------------------------ */

static bool child_uses_shipment(const node *e)
{
    if ((e->a && e->a->uses_shipment) || (e->b && e->b->uses_shipment) ||
        (e->c && e->c->uses_shipment))
        return true;
    for (size_t i = 0; i < e->items.n; i++)
        if (e->items.v[i]->uses_shipment)
            return true;
    return false;
}

/* check_expr: resolves the names in e, infers its type (also left in
 * e->ty) and marks what depends on the shipment.  want is what the context
 * expects, as a hint only: it decides what `all` means and lets unit names
 * through; callers check the type they need. */
type check_expr(checker *ck, const ctx *cx, node *e, type want)
{
    if (!e)
        return T_UNKNOWN;
    /* A bound on nesting keeps this recursion, and the evaluator's over
       the same tree, within any thread's stack. */
    if (ck->depth >= CHECK_MAX_DEPTH) {
        if (!ck->too_deep)
            error_at(ck, D_SYNTAX_NESTING, e->at,
                     "this expression is nested too deeply (more than %d levels, counting the "
                     "lets it uses): split it with lets",
                     CHECK_MAX_DEPTH);
        ck->too_deep = true;
        return T_UNKNOWN;
    }
    ck->depth++;
    type t = T_UNKNOWN;
    switch (e->kind) {
    case N_NUMBER: t = T_NUMBER; break;
    case N_PERCENT: t = T_RATE; break;
    case N_MONEY: t = T_MONEY; break;
    case N_DATE: t = T_DATE; break;
    case N_DURATION: t = T_DURATION; break;
    case N_STRING: t = T_TEXT; break;
    case N_BOOL: t = T_BOOL; break;
    case N_HS: t = T_PRODUCT; break;
    case N_HS_RANGE: t = T_PRODUCT_SET; break;
    case N_ALL: t = set_hint(want) != T_UNKNOWN ? set_hint(want) : T_COUNTRY_SET; break;
    case N_SET: t = check_set(ck, cx, e, want); break;
    case N_SPECIFIC: t = check_specific(ck, cx, e); break;
    case N_NAME: t = check_name(ck, cx, e, want); break;
    case N_BINARY: t = check_binary(ck, cx, e, want); break;
    case N_UNARY: t = check_unary(ck, cx, e); break;
    case N_IF: t = check_if(ck, cx, e, want); break;
    case N_CALL: t = check_call(ck, cx, e); break;
    case N_DOT: t = check_dot(ck, cx, e); break;
    case N_WITH: t = check_with(ck, cx, e); break;
    case N_SHIPMENT:
        check_field_inits(ck, cx, e);
        t = T_SHIPMENT;
        break;
    default: break;
    }
    if (e->kind != N_NAME && child_uses_shipment(e))
        e->uses_shipment = true;
    e->ty = t;
    ck->depth--;
    return t;
}

/* ---- Declarations checked on first use ------------------------------------- */

static void check_set_decl(checker *ck, const ctx *cx, node *d, type kind)
{
    type t = check_expr(ck, cx, d->a, kind);
    if (kind == T_COUNTRY_SET)
        require_set(ck, d->a, t, kind, "a group is a set of countries, found %s");
    else
        require_set(ck, d->a, t, kind, "a product set is a set of products, found %s");
}

static void check_attribute_default(checker *ck, node *d)
{
    if (!d->b)
        return;
    ctx cx = { NULL, ck->nlocals, true };
    type t = check_expr(ck, &cx, d->b, d->ty);
    if (t != T_UNKNOWN && d->ty != T_UNKNOWN && t != d->ty) {
        diagnostic *g = error_at(ck, D_TYPE_MISMATCH, d->b->at,
                                 "the default of attribute '%s' must be %s, found %s", d->name,
                                 type_phrase(d->ty), type_phrase(t));
        literal_hint(ck, g, d->b, d->ty);
    }
}

/* ensure_checked: checks a let, group, product set or attribute default
 * unless done already; false when it is being checked (it was reached
 * again from its own definition). */
bool ensure_checked(checker *ck, node *d)
{
    if (d->flags & DECL_DONE)
        return true;
    if (d->flags & DECL_BUSY)
        return false;
    if (d->kind != N_LET && d->kind != N_GROUP && d->kind != N_PRODUCTS && d->kind != N_ATTRIBUTE)
        return true;
    d->flags |= DECL_BUSY;
    /* A declaration sees the names of its scenario, never a test's lets. */
    ctx cx = { d->ref, ck->nlocals, false };
    switch (d->kind) {
    case N_LET:
        cx.shipment = true; /* a let that uses fields is a derived field */
        d->ty = check_expr(ck, &cx, d->a, T_UNKNOWN);
        d->uses_shipment = d->a && d->a->uses_shipment;
        break;
    case N_GROUP: check_set_decl(ck, &cx, d, T_COUNTRY_SET); break;
    case N_PRODUCTS: check_set_decl(ck, &cx, d, T_PRODUCT_SET); break;
    default: check_attribute_default(ck, d); break;
    }
    d->flags = (d->flags & ~DECL_BUSY) | DECL_DONE;
    return true;
}
