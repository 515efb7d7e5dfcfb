/* eval.c - the compiled policy and the evaluation of shipments (eval.h).
 *
 * The file reads top-down in the order of the design's §4: the compiled
 * structures; errors; expressions; shipment fields; what a measure charges;
 * modifiers; replacements and amounts; timelines; and last the compiler
 * that builds an index from a checked program.
 */
#include "eval.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "hts.h"
#include "schedule.h"

/* __int128 for exact amounts, as in decimal.c. */
__extension__ typedef __int128 wide;

/* ---- Compiled structures -------------------------------------------------- */

#define DAY_EVER INT32_MIN  /* a window that has always been open */
#define DAY_NEVER INT32_MAX /* a window that never closes */

/* [from, until): dates are days, `until` excluded. */
typedef struct window {
    date from, until;
} window;

static const window always = { DAY_EVER, DAY_NEVER };

static bool window_has(window w, date d)
{
    return d >= w.from && d < w.until;
}

/* The scope of a measure or modifier.  A NULL set admits everything;
 * a dynamic clause (one that reads shipment fields) is evaluated on each
 * shipment. */
typedef struct scope {
    const node *on, *from, *when;
    const pset *products;
    const bitset *origins;
    bool on_dynamic, from_dynamic;
} scope;

typedef struct c_schedule {
    const node *decl;
    schedule tab;
    bool ok;       /* loaded (false: its file could not be read) */
    bool owned;    /* this index frees it */
    const char *file; /* the CSV path, for messages; NULL inline */
} c_schedule;

/* One entry of a `rate by` table, with its rate when constant. */
typedef struct table_entry {
    const node *entry;
    bool constant;
    rate_value rate;
} table_entry;

typedef enum rc_kind {
    RC_EXPR,       /* rate EXPR */
    RC_LOOKUP,     /* rate SCHEDULE: the whole rate is a lookup (partial) */
    RC_BY_ORIGIN,
    RC_BY_PRODUCT
} rc_kind;

typedef struct rate_clause {
    const node *node;
    rc_kind kind;
    window win;
    bool constant;             /* RC_EXPR: rate folded at compile time */
    rate_value rate;
    const c_schedule *sched;   /* RC_LOOKUP */
    table_entry *entries;      /* RC_BY_ORIGIN, RC_BY_PRODUCT */
    size_t nentries;
    int *origin_entry;         /* RC_BY_ORIGIN: per country, entry or -1 */
    schedule *table;           /* RC_BY_PRODUCT: constant rates in the rows;
                                  payload: the N_ENTRY of a rate that is not */
} rate_clause;

typedef struct replaces_clause {
    const node *node;
    window win;
    int *targets; /* measure slots */
    size_t ntargets;
} replaces_clause;

typedef struct c_measure {
    const node *decl;
    scope sc;
    const node *base;  /* N_BASE or NULL */
    rate_clause *clauses;
    size_t nclauses;
    bool windowed;     /* some clause has a window: `entered` is needed */
    replaces_clause *repl;
    size_t nrepl;
} c_measure;

typedef enum act_kind { ACT_SUSPEND, ACT_SUSPEND_TO, ACT_SET, ACT_CAP, ACT_REDUCE } act_kind;

typedef struct action {
    act_kind kind;
    const node *node;
    const node *rate;    /* the R of `to R`, `at R`, `by R` */
    bitset *targets;     /* measure slots */
} action;

typedef struct c_modifier {
    const node *decl;
    scope sc;
    window win;
    const node *effective; /* N_EFFECTIVE or NULL */
    action *acts;
    size_t nacts;
    bitset *targets;       /* every measure an action names */
    int *overridden_by;    /* modifier slots that override this one */
    size_t noverridden_by;
} c_modifier;

typedef struct c_commit {
    const bitset *who;
    const node *commitment;
    window win;
} c_commit;

typedef enum slot_state { SLOT_TODO = 0, SLOT_BUSY, SLOT_DONE, SLOT_FAILED, SLOT_DERIVED } slot_state;

/* A constant declaration (let, group, product set), evaluated once. */
typedef struct const_slot {
    slot_state state;
    value v;
    eval_error *err;
} const_slot;

/* Remapping of declarations in a scenario, by class of declaration. */
enum { RK_LET, RK_SCHED, RK_GROUP, RK_PRODUCTS, RK_MEASURE, RK_MODIFIER, RK_COUNT };

#define NCHAPTERS 100

struct policy_index {
    const program *p;
    const node *scenario;
    region mem;
    bool ready;                  /* compiled: assessments may run */
    size_t ncountries;
    const node **remap[RK_COUNT]; /* decl index -> the decl standing for it */
    bool *dropped[RK_COUNT];      /* decl index -> not part of this policy */

    c_measure *measures;
    size_t nmeasures;
    int *measure_slot;           /* decl index -> slot or -1 */
    c_modifier *mods;
    size_t nmods;
    int *mod_slot;
    c_schedule **scheds;         /* schedule decl index -> compiled */
    const_slot *lets, *groups, *products;
    c_commit *commits;
    size_t ncommits;

    /* Candidates: per country and per HS chapter, which measures and
       modifiers can apply. */
    bitset **m_by_origin, **m_by_chapter, *m_all;
    bitset **k_by_origin, **k_by_chapter, *k_all;

    date *bounds;                /* sorted dates where the charge may change */
    size_t nbounds;

    const node **scenario_of[RK_COUNT]; /* decl index -> its scenario or NULL */
    bool frozen;                 /* constants filled: nothing changes any more */
    schedule **owned;            /* schedules whose rows this index frees */
    size_t nowned, capowned;
};

const program *index_program(const policy_index *ix) { return ix->p; }
const node *index_scenario(const policy_index *ix) { return ix->scenario; }

static const node_list *class_list(const program *p, int rk)
{
    switch (rk) {
    case RK_LET: return &p->decls.lets;
    case RK_SCHED: return &p->decls.schedules;
    case RK_GROUP: return &p->decls.groups;
    case RK_PRODUCTS: return &p->decls.products;
    case RK_MEASURE: return &p->decls.measures;
    default: return &p->decls.modifiers;
    }
}

static int class_of(const node *d)
{
    switch (d->kind) {
    case N_LET: return RK_LET;
    case N_SCHEDULE: return RK_SCHED;
    case N_GROUP: return RK_GROUP;
    case N_PRODUCTS: return RK_PRODUCTS;
    case N_MEASURE: return RK_MEASURE;
    case N_PAUSE: case N_CONCESSION: return RK_MODIFIER;
    default: return -1;
    }
}

/* in_class: is d the declaration numbered d->index of its class?  (Lets
 * inside tests are not numbered with the others.) */
static bool in_class(const program *p, const node *d, int rk)
{
    const node_list *l = class_list(p, rk);
    return d->index >= 0 && (size_t)d->index < l->n && l->v[d->index] == d;
}

/* ix_decl: the declaration that stands for d in this index. */
static const node *ix_decl(const policy_index *ix, const node *d)
{
    int rk = d ? class_of(d) : -1;
    if (rk < 0 || !ix->remap[rk] || !in_class(ix->p, d, rk))
        return d;
    const node *r = ix->remap[rk][d->index];
    return r ? r : d;
}

/* ---- Errors ------------------------------------------------------------------ */

static const char *file_name(const program *p, span at)
{
    const source_text *src = source_set_get(p->sources, at.file);
    return src && src->name ? src->name : "<input>";
}

static bool fail(eval_error *err, const char *code, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static bool fail(eval_error *err, const char *code, span at, const char *fmt, ...)
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

static void add_note(eval_error *err, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void add_note(eval_error *err, span at, const char *fmt, ...)
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
    diagnostic *d = diag_add(diags, SEV_ERROR, err->code ? err->code : D_EVAL_TYPE, err->at,
                             "%s", err->message);
    for (size_t i = 0; d && i < err->nnotes; i++)
        diag_note(d, err->notes[i].at, "%s", err->notes[i].message);
    return d;
}

static const char *decl_word(const node *d)
{
    switch (d->kind) {
    case N_MEASURE: return "measure";
    case N_PAUSE: return "pause";
    case N_CONCESSION: return "concession";
    case N_ATTRIBUTE: return "attribute";
    case N_LET: return "let";
    case N_SCHEDULE: return "schedule";
    case N_GROUP: return "group";
    case N_PRODUCTS: return "products";
    default: return "declaration";
    }
}

static const char *clause_word(const node *clause)
{
    if (!clause)
        return "";
    switch (clause->kind) {
    case N_WHEN: return "the 'when' of ";
    case N_ON: return "the 'on' of ";
    case N_FROM: return "the 'from' of ";
    case N_RATE: case N_RATE_BY: case N_ENTRY: return "the rate of ";
    case N_BASE: return "the base of ";
    case N_SUSPEND: return "the 'suspend' of ";
    case N_SET_TO: return "the 'set' of ";
    case N_CAP: return "the 'cap' of ";
    case N_REDUCE: return "the 'reduce' of ";
    case N_EFFECTIVE: case N_WINDOW: return "the window of ";
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
             decl_word(env->owner), env->owner->name ? env->owner->name : "?",
             file_name(env->ix->p, at), at.first_line);
}

static bool fail_overflow(eval_error *err, dec_status st, const node *at)
{
    if (st == DEC_DIV_ZERO)
        return fail(err, D_EVAL_ARITH, at->at, "division by zero");
    return fail(err, D_EVAL_ARITH, at->at, "%s", st == DEC_OVERFLOW
                ? "arithmetic overflow: the result is too large"
                : dec_status_message(st));
}

/* ---- Small value helpers -------------------------------------------------- */

static bool is_amount(value_kind k) { return k == V_NUMBER || k == V_MONEY; }

static void describe(const eval_env *env, const value *v, char *buf, size_t n)
{
    strbuf sb;
    sb_init(&sb);
    value_format(v, env->ix->p, &sb);
    snprintf(buf, n, "%s", sb_cstr(&sb));
    sb_free(&sb);
}

static bool fail_kind(eval_error *err, const node *at, const value *v,
                      const char *want)
{
    return fail(err, D_EVAL_TYPE, at->at, "expected %s here, got %s", want,
                value_kind_name(v->kind));
}

/* to_countries: a country or a set of countries as a set. */
static const bitset *to_countries(eval_env *env, const value *v)
{
    if (v->kind == V_COUNTRY_SET)
        return v->as.countries;
    if (v->kind != V_COUNTRY)
        return NULL;
    bitset *s = bitset_new(env->mem, env->ix->ncountries);
    if (s)
        bitset_add(s, (size_t)v->as.country);
    return s;
}

static const pset *to_products(eval_env *env, const value *v)
{
    if (v->kind == V_PRODUCT_SET)
        return v->as.products;
    if (v->kind != V_PRODUCT)
        return NULL;
    hs_interval iv = hs_code_interval(v->as.product);
    return pset_from_intervals(env->mem, &iv, 1);
}

static bool out_of_memory(eval_error *err, const node *at)
{
    return fail(err, D_EVAL_LIMIT, at ? at->at : span_none, "out of memory");
}

/* ---- Expressions ------------------------------------------------------------- */

static bool ev(eval_env *env, const node *e, value *out, eval_error *err);
static bool read_field(eval_env *env, const shipment *s, int f, const node *at, value *out,
                       eval_error *err);
static bool call_builtin(eval_env *env, const node *e, value *out, eval_error *err);
static bool lookup_schedule(eval_env *env, const c_schedule *cs, const node *at, bool partial,
                            rate_value *out, bool *found, eval_error *err);
static bool const_decl(eval_env *env, const node *d, const node *at, value *out,
                       eval_error *err);

#define EVAL_MAX_DEPTH 200

static bool ev_kind(eval_env *env, const node *e, value_kind want, value *out, eval_error *err)
{
    if (!ev(env, e, out, err))
        return false;
    if (out->kind == V_NUMBER && want == V_MONEY)
        out->kind = V_MONEY;
    if (out->kind != want)
        return fail_kind(err, e, out, value_kind_name(want));
    return true;
}

static bool ev_rate(eval_env *env, const node *e, rate_value *out, eval_error *err)
{
    value v;
    if (!ev_kind(env, e, V_RATE, &v, err))
        return false;
    *out = v.as.rate;
    return true;
}

static bool ev_bool(eval_env *env, const node *e, bool *out, eval_error *err)
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

static bool make_all(eval_env *env, value_kind kind, const node *e, value *out,
                     eval_error *err)
{
    out->kind = kind;
    if (kind == V_COUNTRY_SET) {
        bitset *s = bitset_new(env->mem, env->ix->ncountries);
        if (!s)
            return out_of_memory(err, e);
        bitset_fill(s);
        out->as.countries = s;
        return true;
    }
    if (kind == V_PRODUCT_SET) {
        if (!(out->as.products = pset_all(env->mem)))
            return out_of_memory(err, e);
        return true;
    }
    return fail(err, D_EVAL_TYPE, e->at, "'all' here is neither countries nor products");
}

static bool empty_set(eval_env *env, value_kind kind, const node *e, value *out,
                      eval_error *err)
{
    out->kind = kind;
    if (kind == V_COUNTRY_SET) {
        out->as.countries = bitset_new(env->mem, env->ix->ncountries);
        return out->as.countries ? true : out_of_memory(err, e);
    }
    out->as.products = pset_empty(env->mem);
    return out->as.products ? true : out_of_memory(err, e);
}

/* ev_set: a set expression as a set of `want` (V_COUNTRY_SET or
 * V_PRODUCT_SET, or V_NONE to take what it is); `all` and `{}` need the
 * hint when the checker left their type open. */
static bool ev_set(eval_env *env, const node *e, value_kind want, value *out, eval_error *err)
{
    value_kind hint = set_kind_hint(e);
    if (hint == V_NONE)
        hint = want;
    if (e->kind == N_ALL)
        return make_all(env, hint, e, out, err);
    if (!ev(env, e, out, err))
        return false;
    if (out->kind == V_COUNTRY || out->kind == V_COUNTRY_SET) {
        const bitset *s = to_countries(env, out);
        if (!s)
            return out_of_memory(err, e);
        out->kind = V_COUNTRY_SET;
        out->as.countries = s;
    } else if (out->kind == V_PRODUCT || out->kind == V_PRODUCT_SET) {
        const pset *s = to_products(env, out);
        if (!s)
            return out_of_memory(err, e);
        out->kind = V_PRODUCT_SET;
        out->as.products = s;
    } else if (out->kind == V_NONE && hint != V_NONE) {
        return empty_set(env, hint, e, out, err); /* `{}` */
    } else {
        return fail_kind(err, e, out, "a set");
    }
    if (want != V_NONE && out->kind != want)
        return fail_kind(err, e, out, value_kind_name(want));
    return true;
}

/* A set literal: countries and groups make a bitset; codes, ranges and
 * product sets make intervals. */
static bool ev_set_literal(eval_env *env, const node *e, value *out, eval_error *err)
{
    value_kind kind = set_kind_hint(e);
    size_t n = e->items.n;
    hs_interval *iv = region_alloc(env->mem, (n ? n : 1) * sizeof *iv);
    bitset *cs = bitset_new(env->mem, env->ix->ncountries);
    if (!iv || !cs)
        return out_of_memory(err, e);
    size_t niv = 0;
    const pset *acc = NULL;
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
            iv[niv++] = hs_code_interval(v.as.product);
        } else if (v.kind == V_PRODUCT_SET) {
            kind = V_PRODUCT_SET;
            acc = acc ? pset_union(env->mem, acc, v.as.products) : v.as.products;
            if (!acc)
                return out_of_memory(err, el);
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
    const pset *s = pset_from_intervals(env->mem, iv, niv);
    if (s && acc)
        s = pset_union(env->mem, s, acc);
    if (!s)
        return out_of_memory(err, e);
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
    if (a.kind == V_COUNTRY_SET) {
        bitset *s = bitset_copy(env->mem, a.as.countries);
        if (!s)
            return out_of_memory(err, e);
        bitset_minus(s, b.as.countries);
        out->as.countries = s;
    } else {
        if (!(out->as.products = pset_minus(env->mem, a.as.products, b.as.products)))
            return out_of_memory(err, e);
    }
    return true;
}

static bool ev_in(eval_env *env, const node *e, value *out, eval_error *err)
{
    value x, s;
    if (!ev(env, e->a, &x, err))
        return false;
    value_kind want = x.kind == V_COUNTRY ? V_COUNTRY_SET
                    : x.kind == V_PRODUCT ? V_PRODUCT_SET : V_NONE;
    if (want == V_NONE)
        return fail_kind(err, e->a, &x, "a country or a product");
    if (!ev_set(env, e->b, want, &s, err))
        return false;
    if (x.kind == V_COUNTRY)
        *out = value_bool(bitset_has(s.as.countries, (size_t)x.as.country));
    else
        *out = value_bool(pset_has(s.as.products, x.as.product));
    return true;
}

/* ---- Arithmetic ---- */

static bool fail_specific(eval_env *env, eval_error *err, const node *e, const char *opname,
                          const value *a, const value *b)
{
    char x[RATE_FMT_MAX + 8], y[RATE_FMT_MAX + 8];
    describe(env, a, x, sizeof x);
    describe(env, b, y, sizeof y);
    return fail(err, D_EVAL_SPECIFIC, e->at,
                "'%s' is defined on ad valorem rates only, not on %s and %s", opname, x, y);
}

static bool add_rates(eval_env *env, const node *e, const value *a, const value *b,
                      value *out, eval_error *err)
{
    rate_value r = a->as.rate, s = b->as.rate;
    dec_status st = dec_add(r.ad_valorem, s.ad_valorem, &r.ad_valorem);
    if (st != DEC_OK)
        return fail_overflow(err, st, e);
    if (rate_is_specific(s)) {
        if (!rate_is_specific(r)) {
            r.specific = s.specific;
            r.unit = s.unit;
        } else if (r.unit != s.unit) {
            char x[RATE_FMT_MAX + 8], y[RATE_FMT_MAX + 8];
            describe(env, a, x, sizeof x);
            describe(env, b, y, sizeof y);
            return fail(err, D_EVAL_SPECIFIC, e->at,
                        "cannot add specific rates of different units: %s and %s", x, y);
        } else if ((st = dec_add(r.specific, s.specific, &r.specific)) != DEC_OK) {
            return fail_overflow(err, st, e);
        }
    }
    *out = value_rate(r);
    return true;
}

static bool date_plus(const node *e, date d, duration dur, int sign, value *out,
                      eval_error *err)
{
    date r;
    if (date_add_duration(d, dur, sign, &r) != DATE_OK)
        return fail(err, D_EVAL_ARITH, e->at, "the date falls outside 0001-01-01..9999-12-31");
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
        return fail_overflow(err, st, e);
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
        return date_plus(e, a->as.day, b->as.dur, 1, out, err);
    if (a->kind == V_DURATION && b->kind == V_DATE)
        return date_plus(e, b->as.day, a->as.dur, 1, out, err);
    if (a->kind == V_DURATION && b->kind == V_DURATION && a->as.dur.unit == b->as.dur.unit) {
        *out = *a;
        out->as.dur.count += b->as.dur.count;
        return true;
    }
    if (a->kind == V_TEXT && b->kind == V_TEXT) {
        size_t la = strlen(a->as.text), lb = strlen(b->as.text);
        char *s = region_alloc(env->mem, la + lb + 1);
        if (!s)
            return out_of_memory(err, e);
        memcpy(s, a->as.text, la);
        memcpy(s + la, b->as.text, lb);
        out->kind = V_TEXT;
        out->as.text = s;
        return true;
    }
    return fail(err, D_EVAL_TYPE, e->at, "cannot add %s and %s", value_kind_name(a->kind),
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
            return fail_specific(env, err, e, "-", a, b);
        if ((st = dec_sub(a->as.rate.ad_valorem, b->as.rate.ad_valorem, &r)) != DEC_OK)
            return fail_overflow(err, st, e);
        *out = value_rate(rate_ad_valorem(r));
        return true;
    }
    if (a->kind == V_DATE && b->kind == V_DURATION)
        return date_plus(e, a->as.day, b->as.dur, -1, out, err);
    if (a->kind == V_DATE && b->kind == V_DATE) {
        int64_t days = date_diff_days(b->as.day, a->as.day);
        if (e->ty == T_DURATION) {
            out->kind = V_DURATION;
            out->as.dur.count = days;
            out->as.dur.unit = DUR_DAYS;
            return true;
        }
        if ((st = dec_from_int(days, &r)) != DEC_OK)
            return fail_overflow(err, st, e);
        *out = value_number(r);
        return true;
    }
    return fail(err, D_EVAL_TYPE, e->at, "cannot subtract %s from %s",
                value_kind_name(b->kind), value_kind_name(a->kind));
}

/* scale_rate: both parts of a rate times a number. */
static bool scale_rate(const node *e, rate_value r, dec k, value *out, eval_error *err)
{
    dec_status st = dec_mul(r.ad_valorem, k, &r.ad_valorem);
    if (st == DEC_OK && rate_is_specific(r))
        st = dec_mul(r.specific, k, &r.specific);
    if (st != DEC_OK)
        return fail_overflow(err, st, e);
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
            return fail_specific(env, err, e, "*", a, b);
        dec x = other->kind == V_MONEY ? other->as.num : other->as.rate.ad_valorem;
        if ((st = dec_mul(x, rate->as.rate.ad_valorem, &r)) != DEC_OK)
            return fail_overflow(err, st, e);
        *out = other->kind == V_MONEY ? value_money(r) : value_rate(rate_ad_valorem(r));
        return true;
    }
    if (a->kind == V_DURATION && b->kind == V_NUMBER) {
        *out = *a;
        out->as.dur.count = a->as.dur.count * (b->as.num.units / DEC_SCALE);
        return true;
    }
    return fail(err, D_EVAL_TYPE, e->at, "cannot multiply %s by %s", value_kind_name(a->kind),
                value_kind_name(b->kind));
}

static bool ev_div(const node *e, const value *a, const value *b, value *out,
                   eval_error *err)
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
        return fail(err, D_EVAL_TYPE, e->at, "cannot divide %s by %s",
                    value_kind_name(a->kind), value_kind_name(b->kind));
    }
    if ((st = dec_div(x, y, &r)) != DEC_OK)
        return fail_overflow(err, st, e);
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
static bool compare(eval_env *env, const node *e, const value *a, const value *b, int *out,
                    eval_error *err)
{
    if (is_amount(a->kind) && is_amount(b->kind)) {
        *out = dec_cmp(a->as.num, b->as.num);
        return true;
    }
    if (a->kind != b->kind)
        return fail(err, D_EVAL_TYPE, e->at, "cannot compare %s with %s",
                    value_kind_name(a->kind), value_kind_name(b->kind));
    switch (a->kind) {
    case V_RATE:
        if (rate_is_specific(a->as.rate) || rate_is_specific(b->as.rate))
            return fail_specific(env, err, e, op_name((op)e->flags), a, b);
        *out = dec_cmp(a->as.rate.ad_valorem, b->as.rate.ad_valorem);
        return true;
    case V_DATE:
        *out = (a->as.day > b->as.day) - (a->as.day < b->as.day);
        return true;
    case V_DURATION: {
        bool ma, mb;
        int64_t x = duration_norm(a->as.dur, &ma), y = duration_norm(b->as.dur, &mb);
        if (ma != mb)
            return fail(err, D_EVAL_TYPE, e->at, "cannot compare days with months");
        *out = (x > y) - (x < y);
        return true;
    }
    case V_TEXT: {
        int c = strcmp(a->as.text, b->as.text);
        *out = (c > 0) - (c < 0);
        return true;
    }
    default:
        return fail(err, D_EVAL_TYPE, e->at, "%s values have no order",
                    value_kind_name(a->kind));
    }
}

static bool ev_compare(eval_env *env, const node *e, const value *a, const value *b,
                       value *out, eval_error *err)
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
    if (!compare(env, e, a, b, &c, err))
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
    if (!ev(env, e->a, &a, err) || !ev(env, e->b, &b, err))
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
    if (!ev(env, e->a, &a, err))
        return false;
    dec_status st = DEC_OK;
    if (is_amount(a.kind)) {
        st = dec_neg(a.as.num, &a.as.num);
    } else if (a.kind == V_RATE && !rate_is_specific(a.as.rate)) {
        st = dec_neg(a.as.rate.ad_valorem, &a.as.rate.ad_valorem);
    } else if (a.kind == V_DURATION) {
        a.as.dur.count = -a.as.dur.count;
    } else {
        return fail(err, D_EVAL_TYPE, e->at, "cannot negate %s", value_kind_name(a.kind));
    }
    if (st != DEC_OK)
        return fail_overflow(err, st, e);
    *out = a;
    return true;
}

/* ---- Names ---- */

static int field_of_name(const eval_env *env, const node *e)
{
    if (e->sym == SYM_FIELD)
        return e->index;
    if (e->sym == SYM_DECL && e->ref && e->ref->kind == N_ATTRIBUTE)
        return F_BUILTIN_COUNT + e->ref->index;
    if (e->sym == SYM_NONE && e->name)
        return ship_field_lookup(env->ix->p, e->name);
    return -1;
}

static const node *decl_of_name(const eval_env *env, const node *e)
{
    const node *d = e->ref;
    if (!d && e->sym == SYM_NONE && e->name)
        d = symtab_get(&env->ix->p->globals, e->name);
    return d ? ix_decl(env->ix, d) : NULL;
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
    case N_COUNTRY:
        *out = value_country(d->index);
        return true;
    case N_GROUP: case N_PRODUCTS: case N_LET:
        if (d->kind == N_LET && ev_local(env, d, out))
            return true;
        return const_decl(env, d, e, out, err);
    case N_ATTRIBUTE:
        return read_field(env, env->ship, F_BUILTIN_COUNT + d->index, e, out, err);
    case N_SCHEDULE: {
        const c_schedule *cs = d->index >= 0 && (size_t)d->index < env->ix->p->decls.schedules.n
                             ? env->ix->scheds[d->index] : NULL;
        bool found;
        out->kind = V_RATE;
        if (!cs)
            return fail(err, D_EVAL_NO_ENTRY, e->at, "schedule %s is not part of this policy",
                        d->name);
        return lookup_schedule(env, cs, e, false, &out->as.rate, &found, err);
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
    int f = field_of_name(env, e);
    if (f >= 0)
        return read_field(env, env->ship, f, e, out, err);
    const node *d = decl_of_name(env, e);
    if (d)
        return ev_decl(env, e, d, out, err);
    unit u = e->name ? unit_from_name(e->name, strlen(e->name)) : UNIT_NONE;
    if (u != UNIT_NONE) {
        out->kind = V_UNIT;
        out->as.unit = u;
        return true;
    }
    return fail(err, D_EVAL_TYPE, e->at, "'%s' has no value here", e->name ? e->name : "?");
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
            return fail(err, D_EVAL_TYPE, fi->at, "shipments have no field '%s'", fi->name);
        value v;
        if (!ev(env, fi->a, &v, err))
            return false;
        char msg[160];
        if (!ship_set(s, env->ix->p, f, v, msg, sizeof msg))
            return fail(err, D_EVAL_TYPE, fi->at, "%s", msg);
    }
    return true;
}

static bool ev_shipment(eval_env *env, const node *e, value *out, eval_error *err)
{
    shipment *s = ship_new(env->mem, env->ix->p);
    if (!s)
        return out_of_memory(err, e);
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
        return out_of_memory(err, e);
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
        return fail(err, D_EVAL_TYPE, e->at, "shipments have no field '%s'", e->name);
    return read_field(env, s.as.ship, f, e, out, err);
}

static bool ev_specific(eval_env *env, const node *e, value *out, eval_error *err)
{
    value amount;
    if (!ev_kind(env, e->a, V_MONEY, &amount, err))
        return false;
    unit u = unit_from_name(e->name, strlen(e->name));
    if (u == UNIT_NONE)
        return fail(err, D_EVAL_TYPE, e->at, "'%s' is not a unit", e->name);
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
    default:
        return false;
    }
}

/* ev_code: `hs 9503` is a product, or the set of one when typed so. */
static bool ev_code(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (e->kind == N_HS_RANGE) {
        hs_interval iv = hs_range_interval(e->v.hs.lo, e->v.hs.hi);
        out->kind = V_PRODUCT_SET;
        out->as.products = pset_from_intervals(env->mem, &iv, 1);
        return out->as.products ? true : out_of_memory(err, e);
    }
    *out = value_product(e->v.hs.lo);
    if (e->ty != T_PRODUCT_SET)
        return true;
    out->as.products = to_products(env, out);
    out->kind = V_PRODUCT_SET;
    return out->as.products ? true : out_of_memory(err, e);
}

static bool ev(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (ev_literal(e, out))
        return true;
    switch (e->kind) {
    case N_NAME: return ev_name(env, e, out, err);
    case N_HS: case N_HS_RANGE: return ev_code(env, e, out, err);
    case N_ALL: return make_all(env, set_kind_hint(e), e, out, err);
    case N_SET: return ev_set_literal(env, e, out, err);
    case N_SPECIFIC: return ev_specific(env, e, out, err);
    case N_BINARY: return ev_binary(env, e, out, err);
    case N_UNARY: return ev_unary(env, e, out, err);
    case N_IF: {
        bool c;
        if (!ev_bool(env, e->a, &c, err))
            return false;
        return ev(env, c ? e->b : e->c, out, err);
    }
    case N_CALL: return call_builtin(env, e, out, err);
    case N_DOT: return ev_dot(env, e, out, err);
    case N_WITH: return ev_with(env, e, out, err);
    case N_SHIPMENT: return ev_shipment(env, e, out, err);
    default:
        return fail(err, D_EVAL_TYPE, e->at, "a %s is not an expression",
                    ast_kind_name(e->kind));
    }
}

bool eval_expr(eval_env *env, const node *e, value *out, eval_error *err)
{
    if (env->interrupt && *env->interrupt)
        return fail(err, D_EVAL_INTERRUPTED, e->at, "interrupted");
    return ev(env, e, out, err);
}

void eval_env_init(eval_env *env, const policy_index *ix, region *mem)
{
    memset(env, 0, sizeof *env);
    env->ix = ix;
    env->mem = mem;
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

static bool fail_no_shipment(eval_env *env, const node *at, int f, eval_error *err)
{
    fail(err, D_EVAL_MISSING_FIELD, at->at, "'%s' is a shipment field, and there is no shipment here",
         field_label(env->ix->p, f));
    err->needs_shipment = true;
    return false;
}

static bool fail_missing(eval_env *env, const node *at, int f, eval_error *err)
{
    char by[300];
    needed_by(env, by, sizeof by);
    bool is_date = ship_field_kind(env->ix->p, f) == V_DATE;
    return fail(err, D_EVAL_MISSING_FIELD, at->at, "shipment has no '%s'%s%s",
                field_label(env->ix->p, f), is_date ? " date" : "", by);
}

/* read_field: field f of s: `via` falls back to `origin`, an attribute to
 * its default, evaluated on s itself (so a default may use other fields). */
static bool read_field(eval_env *env, const shipment *s, int f, const node *at, value *out,
                       eval_error *err)
{
    if (!s)
        return fail_no_shipment(env, at, f, err);
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
                     ? env->ix->p->decls.attributes.v[ai] : NULL;
    if (!attr || !attr->b)
        return fail_missing(env, at, f, err);
    if (env->depth > EVAL_MAX_DEPTH)
        return fail(err, D_EVAL_TYPE, at->at, "the default of '%s' depends on itself", attr->name);
    eval_env sub = *env;
    sub.ship = s;
    sub.owner = attr;
    sub.clause = attr;
    sub.depth++;
    if (!ev(&sub, attr->b, out, err))
        return false;
    if (out->kind == V_NUMBER && ship_field_kind(env->ix->p, f) == V_MONEY)
        out->kind = V_MONEY;
    return true;
}

/* ---- Constant declarations ----------------------------------------------------- */

static const_slot *slot_of(const policy_index *ix, const node *d)
{
    int rk = class_of(d);
    if (rk < 0 || !in_class(ix->p, d, rk))
        return NULL;
    switch (rk) {
    case RK_LET: return &ix->lets[d->index];
    case RK_GROUP: return &ix->groups[d->index];
    case RK_PRODUCTS: return &ix->products[d->index];
    default: return NULL;
    }
}

static bool ev_decl_body(eval_env *env, const node *d, value *out, eval_error *err)
{
    if (d->kind == N_GROUP)
        return ev_set(env, d->a, V_COUNTRY_SET, out, err);
    if (d->kind == N_PRODUCTS)
        return ev_set(env, d->a, V_PRODUCT_SET, out, err);
    return ev(env, d->a, out, err);
}

/* fill_slot: evaluates a constant declaration once, while the index is
 * being built (the only time its slots change).  A `let` that reads
 * shipment fields becomes derived: evaluated on each use. */
static void fill_slot(const policy_index *cix, const node *d, const_slot *slot)
{
    policy_index *ix = (policy_index *)cix; /* still being built: see index_build */
    slot->state = SLOT_BUSY;
    if (d->kind == N_LET && d->a->uses_shipment) {
        slot->state = SLOT_DERIVED;
        return;
    }
    eval_env env;
    eval_env_init(&env, ix, &ix->mem);
    env.owner = d;
    eval_error err;
    if (ev_decl_body(&env, d, &slot->v, &err)) {
        slot->state = SLOT_DONE;
    } else if (err.needs_shipment && d->kind == N_LET) {
        slot->state = SLOT_DERIVED;
    } else {
        slot->state = SLOT_FAILED;
        slot->err = region_alloc(&ix->mem, sizeof *slot->err);
        if (slot->err)
            *slot->err = err;
    }
}

static bool const_decl(eval_env *env, const node *d, const node *at, value *out,
                       eval_error *err)
{
    const_slot *slot = slot_of(env->ix, d);
    if (!slot) /* not numbered: evaluate in place */
        return ev_decl_body(env, d, out, err);
    if (slot->state == SLOT_TODO && !env->ix->frozen)
        fill_slot(env->ix, d, slot);
    switch (slot->state) {
    case SLOT_DONE:
        *out = slot->v;
        return true;
    case SLOT_FAILED:
        if (slot->err)
            *err = *slot->err;
        else
            out_of_memory(err, at);
        return false;
    case SLOT_BUSY:
        return fail(err, D_EVAL_TYPE, at->at, "'%s' depends on itself", d->name);
    default:
        break;
    }
    if (env->depth > EVAL_MAX_DEPTH)
        return fail(err, D_EVAL_TYPE, at->at, "'%s' depends on itself", d->name);
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
    return fail(err, D_EVAL_RATE_TEXT, at->at,
                "schedule %s: the rate of hs %s%s is \"%s\" at line %d of %s, "
                "which Levy does not understand%s",
                cs->decl->name, code, prod, row->text ? row->text : "", row->line,
                cs->file ? cs->file : "the schedule", by);
}

/* lookup_schedule: the rate of the shipment's product in a schedule.  A
 * partial lookup (the whole rate of a clause) may find nothing (*found is
 * then false); any other lookup must find a rate. */
static bool lookup_schedule(eval_env *env, const c_schedule *cs, const node *at, bool partial,
                            rate_value *out, bool *found, eval_error *err)
{
    char by[300], prod[HS_FMT_MAX];
    *found = false;
    if (!cs->ok)
        return fail(err, D_EVAL_NO_ENTRY, at->at, "schedule %s could not be read", cs->decl->name);
    value pv;
    if (!read_field(env, env->ship, F_PRODUCT, at, &pv, err))
        return false;
    const sched_row *row = schedule_lookup(&cs->tab, pv.as.product);
    if (!row) {
        if (partial)
            return true;
        needed_by(env, by, sizeof by);
        hs_format(pv.as.product, prod);
        return fail(err, D_EVAL_NO_ENTRY, at->at, "schedule %s has no rate for hs %s%s",
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

/* row_rate: the rate of a table row found for the shipment: constant, or
 * its entry's expression (a bare schedule name there is partial too). */
static bool row_rate(eval_env *env, const sched_row *row, bool *found, rate_value *out,
                     eval_error *err);

/* schedule_named: the compiled schedule an expression names when it is
 * just a schedule's name, else NULL. */
static const c_schedule *schedule_named(const policy_index *ix, const node *e)
{
    if (e->kind != N_NAME || e->sym == SYM_FIELD || e->sym == SYM_BUILTIN)
        return NULL;
    const node *d = e->ref;
    if (!d && e->name)
        d = symtab_get(&ix->p->globals, e->name);
    d = d ? ix_decl(ix, d) : NULL;
    if (!d || d->kind != N_SCHEDULE || d->index < 0 ||
        (size_t)d->index >= ix->p->decls.schedules.n)
        return NULL;
    return ix->scheds[d->index];
}

/* entry_rate: the rate of a table entry's expression; a bare schedule name
 * is a partial lookup, like the whole rate of a clause. */
static bool entry_rate(eval_env *env, const node *rate_expr, bool *found, rate_value *out,
                       eval_error *err)
{
    const c_schedule *cs = schedule_named(env->ix, rate_expr);
    if (cs)
        return lookup_schedule(env, cs, rate_expr, true, out, found, err);
    *found = true;
    return ev_rate(env, rate_expr, out, err);
}

static bool row_rate(eval_env *env, const sched_row *row, bool *found, rate_value *out,
                     eval_error *err)
{
    if (!row->payload) {
        *found = true;
        *out = row->rate;
        return true;
    }
    const node *entry = row->payload;
    return entry_rate(env, entry->b, found, out, err);
}

/* ---- What a measure charges (step 1) ---------------------------------------------- */

static bool ev_country_field(eval_env *env, int f, const node *at, int *out, eval_error *err)
{
    value v;
    if (!read_field(env, env->ship, f, at, &v, err))
        return false;
    *out = v.as.country;
    return true;
}

static bool ev_product_field(eval_env *env, const node *at, hs_code *out, eval_error *err)
{
    value v;
    if (!read_field(env, env->ship, F_PRODUCT, at, &v, err))
        return false;
    *out = v.as.product;
    return true;
}

/* in_scope: `on`, `from` and `when`, in that order, on env->ship. */
static bool in_scope(eval_env *env, const scope *sc, bool *in, eval_error *err)
{
    *in = false;
    if (sc->on && (sc->products || sc->on_dynamic)) {
        env->clause = sc->on;
        hs_code product;
        if (!ev_product_field(env, sc->on, &product, err))
            return false;
        value set;
        if (sc->on_dynamic && !ev_set(env, sc->on->a, V_PRODUCT_SET, &set, err))
            return false;
        if (!pset_has(sc->on_dynamic ? set.as.products : sc->products, product))
            return true;
    }
    if (sc->from && (sc->origins || sc->from_dynamic)) {
        env->clause = sc->from;
        int origin;
        if (!ev_country_field(env, F_ORIGIN, sc->from, &origin, err))
            return false;
        value set;
        if (sc->from_dynamic && !ev_set(env, sc->from->a, V_COUNTRY_SET, &set, err))
            return false;
        if (!bitset_has(sc->from_dynamic ? set.as.countries : sc->origins, (size_t)origin))
            return true;
    }
    if (sc->when) {
        env->clause = sc->when;
        return ev_bool(env, sc->when->a, in, err);
    }
    *in = true;
    return true;
}

static bool entered_of(eval_env *env, const node *clause, date *out, eval_error *err)
{
    value v;
    env->clause = clause;
    if (!read_field(env, env->ship, F_ENTERED, clause, &v, err))
        return false;
    *out = v.as.day;
    return true;
}

static bool clause_rate(eval_env *env, const rate_clause *rc, bool *applies, rate_value *out,
                        eval_error *err)
{
    env->clause = rc->node;
    switch (rc->kind) {
    case RC_EXPR:
        *applies = true;
        if (rc->constant) {
            *out = rc->rate;
            return true;
        }
        return ev_rate(env, rc->node->a, out, err);
    case RC_LOOKUP:
        return lookup_schedule(env, rc->sched, rc->node->a, true, out, applies, err);
    case RC_BY_ORIGIN: {
        int origin;
        if (!ev_country_field(env, F_ORIGIN, rc->node, &origin, err))
            return false;
        int i = rc->origin_entry[origin];
        if (i < 0)
            return true;
        if (rc->entries[i].constant) {
            *applies = true;
            *out = rc->entries[i].rate;
            return true;
        }
        return entry_rate(env, rc->entries[i].entry->b, applies, out, err);
    }
    case RC_BY_PRODUCT: {
        hs_code product;
        if (!ev_product_field(env, rc->node, &product, err))
            return false;
        const sched_row *row = schedule_lookup(rc->table, product);
        if (!row)
            return true;
        return row_rate(env, row, applies, out, err);
    }
    }
    return true;
}

/* measure_rate: does measure m apply to env->ship, and at what rate?  The
 * window first (on `entered`), then the scope, then the clause's rate. */
static bool measure_rate(eval_env *env, const c_measure *m, bool *applies, rate_value *out,
                         const node **clause, eval_error *err)
{
    *applies = false;
    env->owner = m->decl;
    env->clause = NULL;
    const rate_clause *rc = NULL;
    if (m->windowed) {
        date entered;
        if (!entered_of(env, m->clauses[0].node, &entered, err))
            return false;
        for (size_t i = 0; i < m->nclauses && !rc; i++)
            if (window_has(m->clauses[i].win, entered))
                rc = &m->clauses[i];
    } else if (m->nclauses) {
        rc = &m->clauses[0];
    }
    if (!rc)
        return true;
    bool in;
    if (!in_scope(env, &m->sc, &in, err))
        return false;
    if (!in)
        return true;
    *clause = rc->node;
    return clause_rate(env, rc, applies, out, err);
}

/* ---- Modifiers (step 2) ------------------------------------------------------------ */

enum { MS_NONE, MS_APPLIES, MS_SUSPENDED };

/* What evaluation knows about one measure on one shipment. */
typedef struct mstate {
    rate_value rate;          /* its own rate, then what it charges */
    rate_value was;
    uint8_t status;
    uint8_t change;           /* charge_change */
    bool decided;             /* a modifier has decided its charge */
    const c_modifier *by;     /* that modifier */
    const action *act;
    const node *replaced_by;  /* step 3 */
    const node *clause;       /* the rate clause that gave its rate */
} mstate;

/* The outcome of one action on one measure: suspended, or a charge. */
typedef struct outcome {
    bool suspended;
    rate_value charge;
    charge_change change;
} outcome;

static bool mod_active(eval_env *env, const c_modifier *k, int8_t *memo, bool *active,
                       eval_error *err)
{
    if (*memo >= 0) {
        *active = *memo;
        return true;
    }
    env->owner = k->decl;
    env->clause = NULL;
    *active = false;
    if (k->effective) {
        date entered;
        if (!entered_of(env, k->effective, &entered, err))
            return false;
        if (!window_has(k->win, entered)) {
            *memo = 0;
            return true;
        }
    }
    if (!in_scope(env, &k->sc, active, err))
        return false;
    *memo = *active;
    if (*active && env->cov && (size_t)k->decl->index < env->cov->nmodifiers)
        env->cov->modifiers[k->decl->index] = true;
    return true;
}

static bool action_outcome(eval_env *env, const c_modifier *k, const action *a,
                           rate_value own, outcome *o, eval_error *err)
{
    o->suspended = a->kind == ACT_SUSPEND;
    o->change = CHANGE_NONE;
    if (o->suspended)
        return true;
    env->owner = k->decl;
    env->clause = a->node;
    rate_value r;
    if (!ev_rate(env, a->rate, &r, err))
        return false;
    if (a->kind == ACT_SUSPEND_TO || a->kind == ACT_SET) {
        o->charge = r;
        o->change = a->kind == ACT_SET ? CHANGE_SET : CHANGE_SUSPEND_TO;
        return true;
    }
    if (rate_is_specific(own) || rate_is_specific(r)) {
        value x = value_rate(own), y = value_rate(r);
        return fail_specific(env, err, a->node, a->kind == ACT_CAP ? "min" : "-", &x, &y);
    }
    dec v = own.ad_valorem;
    if (a->kind == ACT_CAP) {
        v = dec_min(v, r.ad_valorem);
        o->change = CHANGE_CAP;
    } else {
        dec_status st = dec_sub(v, r.ad_valorem, &v);
        if (st != DEC_OK)
            return fail_overflow(err, st, a->node);
        v = dec_max(v, dec_zero());
        o->change = CHANGE_REDUCE;
    }
    o->charge = rate_ad_valorem(v);
    return true;
}

static void outcome_text(const outcome *o, char *buf, size_t n)
{
    if (o->suspended) {
        snprintf(buf, n, "suspends it");
        return;
    }
    char r[RATE_FMT_MAX];
    rate_format(o->charge, r, sizeof r);
    snprintf(buf, n, "makes it charge %s", r);
}

static bool fail_conflict(eval_env *env, const node *measure, const mstate *st,
                          const outcome *first, const c_modifier *k, const action *a,
                          const outcome *second, eval_error *err)
{
    const program *p = env->ix->p;
    char x[160], y[160];
    outcome_text(first, x, sizeof x);
    outcome_text(second, y, sizeof y);
    const node *m1 = st->by->decl, *m2 = k->decl;
    fail(err, D_EVAL_CONFLICT, st->act->node->at,
         "conflicting modifiers on measure %s: %s %s (%s:%d) %s, %s %s (%s:%d) %s",
         measure->name, decl_word(m1), m1->name, file_name(p, m1->at), m1->at.first_line, x,
         decl_word(m2), m2->name, file_name(p, m2->at), m2->at.first_line, y);
    add_note(err, a->node->at, "%s %s is here; declare which wins with 'overrides'",
             decl_word(m2), m2->name);
    return false;
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    if (a->suspended || b->suspended)
        return a->suspended == b->suspended;
    return rate_equal(a->charge, b->charge);
}

/* apply_action: records what action a of modifier k does to measure slot
 * i; a different verdict from an earlier modifier is a conflict. */
static bool apply_action(eval_env *env, const c_modifier *k, const action *a, mstate *st,
                         const node *measure, eval_error *err)
{
    outcome o;
    if (!action_outcome(env, k, a, st->was, &o, err))
        return false;
    if (st->decided) {
        outcome prev = { st->status == MS_SUSPENDED, st->rate, (charge_change)st->change };
        if (!same_outcome(&prev, &o))
            return fail_conflict(env, measure, st, &prev, k, a, &o, err);
        return true;
    }
    st->decided = true;
    st->by = k;
    st->act = a;
    if (o.suspended) {
        st->status = MS_SUSPENDED;
    } else {
        st->rate = o.charge;
        st->change = rate_equal(o.charge, st->was) ? CHANGE_NONE : o.change;
    }
    return true;
}

static bool overridden(eval_env *env, const c_modifier *k, int8_t *memo, bool *out,
                       eval_error *err)
{
    *out = false;
    for (size_t i = 0; i < k->noverridden_by && !*out; i++) {
        int j = k->overridden_by[i];
        if (!mod_active(env, &env->ix->mods[j], &memo[j], out, err))
            return false;
    }
    return true;
}

static bool touches(const bitset *targets, const bitset *applying)
{
    for (size_t i = 0; i < targets->nwords && i < applying->nwords; i++)
        if (targets->w[i] & applying->w[i])
            return true;
    return false;
}

/* apply_modifiers: step 2 on the measures in `applying`. */
static bool apply_modifiers(eval_env *env, const bitset *cand, const bitset *applying,
                            mstate *st, eval_error *err)
{
    const policy_index *ix = env->ix;
    int8_t *memo = region_alloc(env->mem, ix->nmods ? ix->nmods : 1);
    if (!memo)
        return out_of_memory(err, NULL);
    memset(memo, -1, ix->nmods);
    for (long kk = bitset_next(cand, 0); kk >= 0; kk = bitset_next(cand, (size_t)kk + 1)) {
        const c_modifier *k = &ix->mods[kk];
        if (!touches(k->targets, applying))
            continue;
        bool active, over;
        if (!mod_active(env, k, &memo[kk], &active, err))
            return false;
        if (!active)
            continue;
        if (!overridden(env, k, memo, &over, err))
            return false;
        if (over)
            continue;
        for (size_t a = 0; a < k->nacts; a++) {
            const bitset *t = k->acts[a].targets;
            for (long m = bitset_next(t, 0); m >= 0; m = bitset_next(t, (size_t)m + 1))
                if (bitset_has(applying, (size_t)m) &&
                    !apply_action(env, k, &k->acts[a], &st[m], ix->measures[m].decl, err))
                    return false;
        }
    }
    return true;
}

/* ---- Replacements (step 3) --------------------------------------------------------- */

static bool apply_replacements(eval_env *env, const bitset *applying, mstate *st,
                               eval_error *err)
{
    const policy_index *ix = env->ix;
    for (long m = bitset_next(applying, 0); m >= 0; m = bitset_next(applying, (size_t)m + 1)) {
        if (st[m].status != MS_APPLIES)
            continue; /* a suspended measure replaces nothing */
        const c_measure *cm = &ix->measures[m];
        env->owner = cm->decl;
        for (size_t r = 0; r < cm->nrepl; r++) {
            const replaces_clause *rc = &cm->repl[r];
            if (rc->win.from != DAY_EVER || rc->win.until != DAY_NEVER) {
                date entered;
                if (!entered_of(env, rc->node, &entered, err))
                    return false;
                if (!window_has(rc->win, entered))
                    continue;
            }
            for (size_t t = 0; t < rc->ntargets; t++) {
                int x = rc->targets[t];
                /* Decided from the measures still applying after step 2,
                   so what a replaced measure replaces stays replaced. */
                if (st[x].status == MS_APPLIES && !st[x].replaced_by)
                    st[x].replaced_by = cm->decl;
            }
        }
    }
    return true;
}

/* ---- Amounts (step 4) ------------------------------------------------------------- */

static bool fail_specific_quantity(const c_measure *m, const node *clause, rate_value r,
                                   const char *why, eval_error *err)
{
    char rt[RATE_FMT_MAX];
    rate_format(r, rt, sizeof rt);
    return fail(err, D_EVAL_SPECIFIC, clause ? clause->at : m->decl->at,
                "measure %s charges %s, but the shipment %s", m->decl->name, rt, why);
}

/* measure_amount: base x ad valorem + quantity x specific, computed
 * exactly and rounded half-up to the cent once. */
static bool measure_amount(eval_env *env, const c_measure *m, const node *clause,
                           rate_value r, dec *base, dec *amount, eval_error *err)
{
    env->owner = m->decl;
    env->clause = m->base;
    wide sum = 0; /* in units of 10^-12 */
    *base = dec_zero();
    if (!dec_is_zero(r.ad_valorem)) {
        value b;
        if (m->base ? !ev_kind(env, m->base->a, V_MONEY, &b, err)
                    : !read_field(env, env->ship, F_VALUE, m->decl, &b, err))
            return false;
        *base = b.as.num;
        sum += (wide)b.as.num.units * r.ad_valorem.units;
    }
    if (rate_is_specific(r) && !dec_is_zero(r.specific)) {
        char why[80];
        if (!ship_has(env->ship, F_QUANTITY) || !ship_has(env->ship, F_UNIT)) {
            snprintf(why, sizeof why, "has no quantity in %s", unit_name(r.unit));
            return fail_specific_quantity(m, clause, r, why, err);
        }
        unit u = env->ship->fields[F_UNIT].as.unit;
        if (u != r.unit) {
            snprintf(why, sizeof why, "gives its quantity in %s, not in %s", unit_name(u),
                     unit_name(r.unit));
            return fail_specific_quantity(m, clause, r, why, err);
        }
        sum += (wide)env->ship->fields[F_QUANTITY].as.num.units * r.specific.units;
    }
    /* 10^-12 -> cents: divide by 10^10, half away from zero. */
    const wide scale = (wide)10000000000LL;
    bool neg = sum < 0;
    wide mag = neg ? -sum : sum;
    wide cents = mag / scale + ((mag % scale) * 2 >= scale);
    wide units = (neg ? -cents : cents) * 10000;
    if (units > INT64_MAX || units < INT64_MIN)
        return fail(err, D_EVAL_ARITH, m->decl->at, "the duty of measure %s is too large",
                    m->decl->name);
    *amount = dec_from_units((int64_t)units);
    return true;
}

/* ---- Assessment -------------------------------------------------------------------- */

static const bitset *candidates(eval_env *env, const shipment *s, bitset *const *by_origin,
                                bitset *const *by_chapter, const bitset *all)
{
    const bitset *o = all, *c = all;
    if (ship_has(s, F_ORIGIN))
        o = by_origin[s->fields[F_ORIGIN].as.country];
    if (ship_has(s, F_PRODUCT) && s->fields[F_PRODUCT].as.product.len >= 2) {
        hs_code ch = hs_truncate(s->fields[F_PRODUCT].as.product, 2);
        c = by_chapter[ch.digits % NCHAPTERS];
    }
    if (c == all)
        return o;
    if (o == all)
        return c;
    bitset *r = bitset_copy(env->mem, o);
    if (r)
        bitset_intersect(r, c);
    return r;
}

/* collect_applying: step 1 over the candidate measures. */
static bool collect_applying(eval_env *env, const bitset *cand, bitset *applying, mstate *st,
                             eval_error *err)
{
    const policy_index *ix = env->ix;
    for (long m = bitset_next(cand, 0); m >= 0; m = bitset_next(cand, (size_t)m + 1)) {
        bool applies;
        rate_value r;
        const node *clause = NULL;
        if (!measure_rate(env, &ix->measures[m], &applies, &r, &clause, err))
            return false;
        if (!applies)
            continue;
        bitset_add(applying, (size_t)m);
        st[m].status = MS_APPLIES;
        st[m].rate = st[m].was = r;
        st[m].clause = clause;
    }
    return true;
}

static bool add_to_total(assessment *out, rate_value r, bool *mixed_units, const node *at,
                         eval_error *err)
{
    dec_status s = dec_add(out->total.ad_valorem, r.ad_valorem, &out->total.ad_valorem);
    if (s == DEC_OK && rate_is_specific(r)) {
        if (!rate_is_specific(out->total) && !*mixed_units) {
            out->total.unit = r.unit;
            out->total.specific = r.specific;
        } else if (out->total.unit == r.unit) {
            s = dec_add(out->total.specific, r.specific, &out->total.specific);
        } else {
            *mixed_units = true;
            out->total.unit = UNIT_NONE;
            out->total.specific = dec_zero();
        }
    }
    return s == DEC_OK ? true : fail_overflow(err, s, at);
}

/* build_result: the measures charged and left out, in declaration order. */
static bool build_result(eval_env *env, const bitset *applying, const mstate *st, int flags,
                         assessment *out, eval_error *err)
{
    const policy_index *ix = env->ix;
    size_t n = bitset_count(applying);
    out->applied = region_alloc(env->mem, (n ? n : 1) * sizeof *out->applied);
    out->skipped = region_alloc(env->mem, (n ? n : 1) * sizeof *out->skipped);
    if (!out->applied || !out->skipped)
        return out_of_memory(err, NULL);
    bool mixed = false;
    for (long m = bitset_next(applying, 0); m >= 0; m = bitset_next(applying, (size_t)m + 1)) {
        const mstate *s = &st[m];
        const c_measure *cm = &ix->measures[m];
        if (env->cov && (size_t)cm->decl->index < env->cov->nmeasures)
            env->cov->measures[cm->decl->index] = true;
        if (s->status == MS_SUSPENDED || s->replaced_by) {
            skipped_measure *k = &out->skipped[out->nskipped++];
            k->measure = cm->decl;
            k->rate = s->was;
            k->why = s->status == MS_SUSPENDED ? SKIP_SUSPENDED : SKIP_REPLACED;
            k->by = s->status == MS_SUSPENDED ? s->by->decl : s->replaced_by;
            continue;
        }
        applied_measure *a = &out->applied[out->napplied++];
        a->measure = cm->decl;
        a->rate = s->rate;
        a->was = s->was;
        a->change = (charge_change)s->change;
        a->modifier = s->change != CHANGE_NONE ? s->by->decl : NULL;
        if (!add_to_total(out, s->rate, &mixed, cm->decl, err))
            return false;
        if ((flags & ASSESS_AMOUNTS) &&
            !measure_amount(env, cm, s->clause, s->rate, &a->base, &a->amount, err))
            return false;
        dec_status ds = dec_add(out->duty, a->amount, &out->duty);
        if (ds != DEC_OK)
            return fail_overflow(err, ds, cm->decl);
    }
    out->has_duty = (flags & ASSESS_AMOUNTS) != 0;
    return true;
}

bool eval_assess(eval_env *env, const shipment *s, int flags, assessment *out,
                 eval_error *err)
{
    memset(out, 0, sizeof *out);
    const policy_index *ix = env->ix;
    out->prog = ix->p;
    out->ship = s;
    if (env->interrupt && *env->interrupt)
        return fail(err, D_EVAL_INTERRUPTED, span_none, "interrupted");
    if (!ix->ready)
        return fail(err, D_EVAL_LIMIT, span_none,
                    "shipments cannot be evaluated while the policy is being compiled");
    if (env->depth > EVAL_MAX_DEPTH)
        return fail(err, D_EVAL_LIMIT, span_none, "evaluation nests too deeply");
    eval_env sub = *env;
    sub.ship = s;
    sub.owner = sub.clause = NULL;
    sub.depth++;
    mstate *st = region_alloc(env->mem, (ix->nmeasures ? ix->nmeasures : 1) * sizeof *st);
    bitset *applying = bitset_new(env->mem, ix->nmeasures);
    const bitset *cand = candidates(env, s, ix->m_by_origin, ix->m_by_chapter, ix->m_all);
    const bitset *kcand = candidates(env, s, ix->k_by_origin, ix->k_by_chapter, ix->k_all);
    if (!st || !applying || !cand || !kcand)
        return out_of_memory(err, NULL);
    return collect_applying(&sub, cand, applying, st, err) &&
           apply_modifiers(&sub, kcand, applying, st, err) &&
           apply_replacements(&sub, applying, st, err) &&
           build_result(&sub, applying, st, flags, out, err);
}

bool eval_applies(eval_env *env, const node *measure, const shipment *s, bool *out,
                  eval_error *err)
{
    assessment a;
    *out = false;
    if (!eval_assess(env, s, 0, &a, err))
        return false;
    measure = ix_decl(env->ix, measure);
    for (size_t i = 0; i < a.napplied; i++)
        if (a.applied[i].measure == measure)
            *out = true;
    return true;
}

/* ---- Timelines --------------------------------------------------------------------- */

static bool same_step(const timeline_step *st, const assessment *a)
{
    if (!rate_equal(st->total, a->total) || st->nmeasures != a->napplied)
        return false;
    for (size_t i = 0; i < a->napplied; i++)
        if (st->measures[i] != a->applied[i].measure)
            return false;
    return true;
}

static bool start_step(eval_env *env, timeline_step *st, const assessment *a, date from,
                       eval_error *err)
{
    size_t n = a->napplied;
    st->from = from;
    st->total = a->total;
    st->nmeasures = n;
    st->measures = region_alloc(env->mem, (n ? n : 1) * sizeof *st->measures);
    st->rates = region_alloc(env->mem, (n ? n : 1) * sizeof *st->rates);
    if (!st->measures || !st->rates)
        return out_of_memory(err, NULL);
    for (size_t i = 0; i < n; i++) {
        st->measures[i] = a->applied[i].measure;
        st->rates[i] = a->applied[i].rate;
    }
    return true;
}

bool eval_timeline(eval_env *env, const shipment *s, date from, date until, timeline *out,
                   eval_error *err)
{
    const policy_index *ix = env->ix;
    memset(out, 0, sizeof *out);
    out->prog = ix->p;
    out->ship = s;
    out->from = from;
    out->until = until;
    if (until <= from)
        return fail(err, D_EVAL_TYPE, span_none, "a timeline needs its end after its start");
    out->steps = region_alloc(env->mem, (ix->nbounds + 1) * sizeof *out->steps);
    shipment *at = ship_copy(env->mem, s);
    if (!out->steps || !at)
        return out_of_memory(err, NULL);
    size_t b = 0;
    while (b < ix->nbounds && ix->bounds[b] <= from)
        b++;
    for (date d = from;;) {
        at->fields[F_ENTERED] = value_date(d);
        assessment a;
        if (!eval_assess(env, at, 0, &a, err))
            return false;
        if (out->nsteps == 0 || !same_step(&out->steps[out->nsteps - 1], &a)) {
            if (out->nsteps)
                out->steps[out->nsteps - 1].until = d;
            if (!start_step(env, &out->steps[out->nsteps++], &a, d, err))
                return false;
        }
        if (b >= ix->nbounds || ix->bounds[b] >= until)
            break;
        d = ix->bounds[b++];
    }
    out->steps[out->nsteps - 1].until = until;
    return true;
}

/* ---- Built-in functions -------------------------------------------------------------- */

static int builtin_of(const node *callee)
{
    static const char *const names[B_BUILTIN_COUNT] = {
        [B_HAS] = "has", [B_RATE] = "rate", [B_DUTY] = "duty",
        [B_EFFECTIVE_RATE] = "effective_rate", [B_EXPLAIN] = "explain",
        [B_APPLIES] = "applies", [B_COMMITS] = "commits", [B_MAX] = "max",
        [B_MIN] = "min", [B_TIMELINE] = "timeline",
    };
    if (callee->sym == SYM_BUILTIN)
        return callee->index;
    for (int i = 0; i < B_BUILTIN_COUNT && callee->name; i++)
        if (strcmp(names[i], callee->name) == 0)
            return i;
    return -1;
}

static bool want_args(const node *e, size_t lo, size_t hi, eval_error *err)
{
    if (e->items.n >= lo && e->items.n <= hi)
        return true;
    return fail(err, D_EVAL_TYPE, e->at, "'%s' takes %zu to %zu arguments, not %zu",
                e->a->name ? e->a->name : "?", lo, hi, e->items.n);
}

static bool bi_has(eval_env *env, const node *e, value *out, eval_error *err)
{
    const node *arg = e->items.v[0];
    const shipment *s = env->ship;
    const char *name = arg->name;
    int f = -1;
    if (arg->kind == N_DOT) {
        value sv;
        if (!ev_kind(env, arg->a, V_SHIPMENT, &sv, err))
            return false;
        s = sv.as.ship;
        f = ship_field_lookup(env->ix->p, arg->name);
    } else if (arg->kind == N_NAME) {
        f = field_of_name(env, arg);
        if (f < 0 && name)
            f = ship_field_lookup(env->ix->p, name);
    }
    if (f < 0)
        return fail(err, D_EVAL_TYPE, arg->at, "has() takes a shipment field");
    if (!s)
        return fail_no_shipment(env, arg, f, err);
    *out = value_bool(ship_has(s, f));
    return true;
}

/* assess_arg: evaluates argument i as a shipment and assesses it. */
static bool assess_arg(eval_env *env, const node *e, size_t i, int flags, assessment *a,
                       eval_error *err)
{
    value s;
    if (!ev_kind(env, e->items.v[i], V_SHIPMENT, &s, err))
        return false;
    eval_env sub = *env;
    sub.owner = sub.clause = NULL;
    if (eval_assess(&sub, s.as.ship, flags, a, err))
        return true;
    if (err->at.file != e->at.file || err->at.first_line != e->at.first_line)
        add_note(err, e->at, "while evaluating this");
    return false;
}

static bool bi_assess(eval_env *env, const node *e, int id, value *out, eval_error *err)
{
    assessment a;
    int flags = id == B_RATE ? 0 : ASSESS_AMOUNTS;
    if (!assess_arg(env, e, 0, flags, &a, err))
        return false;
    if (id == B_RATE) {
        *out = value_rate(rate_ad_valorem(a.total.ad_valorem));
        return true;
    }
    if (id == B_DUTY) {
        *out = value_money(a.duty);
        return true;
    }
    if (id == B_EXPLAIN) {
        assessment *keep = region_alloc(env->mem, sizeof *keep);
        if (!keep)
            return out_of_memory(err, e);
        *keep = a;
        out->kind = V_EXPLANATION;
        out->as.expl = keep;
        return true;
    }
    /* effective_rate: duty / value, half-up to 0.0001%. */
    if (!ship_has(a.ship, F_VALUE))
        return fail(err, D_EVAL_MISSING_FIELD, e->at,
                    "shipment has no 'value', needed by effective_rate");
    dec r;
    dec_status st = dec_div(a.duty, a.ship->fields[F_VALUE].as.num, &r);
    if (st != DEC_OK)
        return fail_overflow(err, st, e);
    *out = value_rate(rate_ad_valorem(r));
    return true;
}

static bool bi_applies(eval_env *env, const node *e, value *out, eval_error *err)
{
    value m, s;
    if (!ev(env, e->items.v[0], &m, err))
        return false;
    if (m.kind != V_DECL || m.as.decl->kind != N_MEASURE)
        return fail_kind(err, e->items.v[0], &m, "a measure");
    if (!ev_kind(env, e->items.v[1], V_SHIPMENT, &s, err))
        return false;
    bool applies;
    eval_env sub = *env;
    sub.owner = sub.clause = NULL;
    if (!eval_applies(&sub, m.as.decl, s.as.ship, &applies, err))
        return false;
    *out = value_bool(applies);
    return true;
}

static bool bi_commits(eval_env *env, const node *e, value *out, eval_error *err)
{
    value c, k, d;
    if (!ev_kind(env, e->items.v[0], V_COUNTRY, &c, err) || !ev(env, e->items.v[1], &k, err))
        return false;
    if (k.kind != V_DECL || k.as.decl->kind != N_COMMITMENT)
        return fail_kind(err, e->items.v[1], &k, "a commitment");
    if (e->items.n > 2) {
        if (!ev_kind(env, e->items.v[2], V_DATE, &d, err))
            return false;
    } else if (!env->ship) {
        return fail(err, D_EVAL_MISSING_FIELD, e->at,
                    "commits() needs a date outside a shipment's conditions");
    } else if (!read_field(env, env->ship, F_ENTERED, e, &d, err)) {
        return false;
    }
    bool yes = false;
    for (size_t i = 0; i < env->ix->ncommits && !yes; i++) {
        const c_commit *cc = &env->ix->commits[i];
        yes = cc->commitment == k.as.decl && bitset_has(cc->who, (size_t)c.as.country) &&
              window_has(cc->win, d.as.day);
    }
    *out = value_bool(yes);
    return true;
}

/* pick: max or min of two values of one ordered kind. */
static bool pick(eval_env *env, const node *e, bool is_max, value *acc, const value *v,
                 eval_error *err)
{
    if (acc->kind == V_RATE && v->kind == V_RATE &&
        (rate_is_specific(acc->as.rate) || rate_is_specific(v->as.rate)))
        return fail_specific(env, err, e, is_max ? "max" : "min", acc, v);
    int c;
    if (!compare(env, e, acc, v, &c, err))
        return false;
    if (is_max ? c < 0 : c > 0) {
        value_kind k = acc->kind == V_MONEY || v->kind == V_MONEY ? V_MONEY : v->kind;
        *acc = *v;
        if (is_amount(k))
            acc->kind = k;
    }
    return true;
}

static bool bi_extreme(eval_env *env, const node *e, bool is_max, value *out, eval_error *err)
{
    if (!ev(env, e->items.v[0], out, err))
        return false;
    for (size_t i = 1; i < e->items.n; i++) {
        value v;
        if (!ev(env, e->items.v[i], &v, err) || !pick(env, e, is_max, out, &v, err))
            return false;
    }
    return true;
}

static bool bi_timeline(eval_env *env, const node *e, value *out, eval_error *err)
{
    value s, from, until;
    if (!ev_kind(env, e->items.v[0], V_SHIPMENT, &s, err) ||
        !ev_kind(env, e->items.v[1], V_DATE, &from, err) || !ev(env, e->items.v[2], &until, err))
        return false;
    if (until.kind == V_DURATION) {
        if (!date_plus(e->items.v[2], from.as.day, until.as.dur, 1, &until, err))
            return false;
    } else if (until.kind != V_DATE) {
        return fail_kind(err, e->items.v[2], &until, "a date or a duration");
    }
    timeline *t = region_alloc(env->mem, sizeof *t);
    if (!t)
        return out_of_memory(err, e);
    eval_env sub = *env;
    sub.owner = sub.clause = NULL;
    if (!eval_timeline(&sub, s.as.ship, from.as.day, until.as.day, t, err)) {
        if (err->at.file < 0)
            err->at = e->at;
        return false;
    }
    out->kind = V_TIMELINE;
    out->as.tl = t;
    return true;
}

static bool call_builtin(eval_env *env, const node *e, value *out, eval_error *err)
{
    int id = builtin_of(e->a);
    switch (id) {
    case B_HAS:
        return want_args(e, 1, 1, err) && bi_has(env, e, out, err);
    case B_RATE: case B_DUTY: case B_EFFECTIVE_RATE: case B_EXPLAIN:
        return want_args(e, 1, 1, err) && bi_assess(env, e, id, out, err);
    case B_APPLIES:
        return want_args(e, 2, 2, err) && bi_applies(env, e, out, err);
    case B_COMMITS:
        return want_args(e, 2, 3, err) && bi_commits(env, e, out, err);
    case B_MAX: case B_MIN:
        return want_args(e, 1, 64, err) && bi_extreme(env, e, id == B_MAX, out, err);
    case B_TIMELINE:
        return want_args(e, 3, 3, err) && bi_timeline(env, e, out, err);
    default:
        return fail(err, D_EVAL_TYPE, e->at, "'%s' is not a function",
                    e->a->name ? e->a->name : "?");
    }
}

/* ---- Compiling a policy ---------------------------------------------------------------- */

typedef struct builder {
    policy_index *ix;
    diag_list *diags;
    const policy_index *base;
    eval_env env; /* no shipment; values go in the index's region */
} builder;

static void report(builder *b, const eval_error *err)
{
    eval_error_to_diag(err, b->diags);
}

static void *ix_alloc(builder *b, size_t n, size_t size)
{
    return region_alloc(&b->ix->mem, (n ? n : 1) * size);
}

/* own: a schedule this index must free; NULL when out of memory. */
static schedule *own_schedule(builder *b)
{
    policy_index *ix = b->ix;
    if (ix->nowned == ix->capowned) {
        size_t cap = ix->capowned ? ix->capowned * 2 : 8;
        schedule **v = realloc(ix->owned, cap * sizeof *v);
        if (!v)
            return NULL;
        ix->owned = v;
        ix->capowned = cap;
    }
    schedule *s = ix_alloc(b, 1, sizeof *s);
    if (!s)
        return NULL;
    schedule_init(s);
    ix->owned[ix->nowned++] = s;
    return s;
}

/* ---- Which declarations make this policy ---- */

static void mark_drops(builder *b, const node *drop)
{
    for (size_t i = 0; i < drop->items.n; i++) {
        const node *name = drop->items.v[i];
        const node *d = name->ref ? name->ref : symtab_get(&b->ix->p->globals, name->name);
        int rk = d ? class_of(d) : -1;
        if (rk >= 0 && in_class(b->ix->p, d, rk))
            b->ix->dropped[rk][d->index] = true;
    }
}

/* base_decl: the base declaration of class rk called name, or NULL. */
static const node *base_decl(builder *b, int rk, const char *name)
{
    const node_list *l = class_list(b->ix->p, rk);
    for (size_t i = 0; i < l->n; i++)
        if (!b->ix->scenario_of[rk][i] && strcmp(l->v[i]->name, name) == 0)
            return l->v[i];
    return NULL;
}

static bool mark_membership(builder *b)
{
    policy_index *ix = b->ix;
    const program *p = ix->p;
    for (int rk = 0; rk < RK_COUNT; rk++) {
        size_t n = class_list(p, rk)->n;
        ix->remap[rk] = ix_alloc(b, n, sizeof *ix->remap[rk]);
        ix->dropped[rk] = ix_alloc(b, n, sizeof *ix->dropped[rk]);
        ix->scenario_of[rk] = ix_alloc(b, n, sizeof *ix->scenario_of[rk]);
        if (!ix->remap[rk] || !ix->dropped[rk] || !ix->scenario_of[rk])
            return false;
    }
    for (size_t s = 0; s < p->decls.scenarios.n; s++) {
        const node *scn = p->decls.scenarios.v[s];
        for (size_t i = 0; i < scn->items.n; i++) {
            const node *d = scn->items.v[i];
            int rk = class_of(d);
            if (rk >= 0 && in_class(p, d, rk)) {
                ix->scenario_of[rk][d->index] = scn;
                ix->dropped[rk][d->index] = scn != ix->scenario;
            }
        }
    }
    if (!ix->scenario)
        return true;
    for (size_t i = 0; i < ix->scenario->items.n; i++) {
        const node *d = ix->scenario->items.v[i];
        int rk = class_of(d);
        if (d->kind == N_DROP) {
            mark_drops(b, d);
        } else if (rk >= 0 && in_class(p, d, rk) && d->name) {
            /* A scenario's declaration stands in for the base one. */
            const node *old = base_decl(b, rk, d->name);
            if (old) {
                ix->remap[rk][old->index] = d;
                ix->dropped[rk][old->index] = true;
            }
        }
    }
    return true;
}

/* commit_scenario: the scenario a `commit` belongs to, or NULL. */
static const node *commit_scenario(const program *p, const node *commit)
{
    for (size_t s = 0; s < p->decls.scenarios.n; s++) {
        const node *scn = p->decls.scenarios.v[s];
        for (size_t i = 0; i < scn->items.n; i++)
            if (scn->items.v[i] == commit)
                return scn;
    }
    return NULL;
}

/* ---- Windows and sets ---- */

static window empty_window(void)
{
    window w = { 0, 0 };
    return w;
}

/* compile_window: [from, until) of an N_WINDOW (NULL: always).  An error is
 * reported and the window made empty, so a broken window never widens a
 * measure. */
static window compile_window(builder *b, const node *w)
{
    if (!w)
        return always;
    eval_error err;
    value from, end;
    if (!ev_kind(&b->env, w->a, V_DATE, &from, &err)) {
        report(b, &err);
        return empty_window();
    }
    window r = { from.as.day, DAY_NEVER };
    if (w->flags == WIN_FROM || !w->b)
        return r;
    if (!ev(&b->env, w->b, &end, &err)) {
        report(b, &err);
        return empty_window();
    }
    if (end.kind == V_DURATION) {
        if (date_add_duration(from.as.day, end.as.dur, 1, &r.until) != DATE_OK) {
            fail(&err, D_EVAL_ARITH, w->at, "the window ends after 9999-12-31");
            report(b, &err);
            return empty_window();
        }
    } else if (end.kind == V_DATE) {
        r.until = end.as.day + (w->flags == WIN_THROUGH ? 1 : 0);
    } else {
        fail_kind(&err, w->b, &end, "a date or a duration");
        report(b, &err);
        return empty_window();
    }
    return r;
}

/* compile_set: the set of an `on`/`from` clause.  NULL *set means every
 * country or product; *dynamic that it reads shipment fields. */
static void compile_set(builder *b, const node *clause, value_kind want, const void **set,
                        bool *dynamic)
{
    *set = NULL;
    *dynamic = false;
    eval_error err;
    value v;
    if (clause->a->uses_shipment) {
        *dynamic = true;
        return;
    }
    if (!ev_set(&b->env, clause->a, want, &v, &err)) {
        *dynamic = true;
        if (!err.needs_shipment)
            report(b, &err);
        return;
    }
    if (want == V_PRODUCT_SET)
        *set = pset_is_all(v.as.products) ? NULL : (const void *)v.as.products;
    else
        *set = bitset_is_full(v.as.countries) ? NULL : (const void *)v.as.countries;
}

static void compile_scope_clause(builder *b, scope *sc, const node *it)
{
    const void *set;
    if (it->kind == N_ON) {
        sc->on = it;
        compile_set(b, it, V_PRODUCT_SET, &set, &sc->on_dynamic);
        sc->products = set;
    } else if (it->kind == N_FROM) {
        sc->from = it;
        compile_set(b, it, V_COUNTRY_SET, &set, &sc->from_dynamic);
        sc->origins = set;
    } else if (it->kind == N_WHEN) {
        sc->when = it;
    }
}

/* try_constant_rate: folds a rate expression that reads nothing of the
 * shipment; false leaves it to be evaluated on each shipment. */
static bool try_constant_rate(builder *b, const node *e, rate_value *out)
{
    eval_error err;
    if (e->uses_shipment || schedule_named(b->ix, e))
        return false;
    return ev_rate(&b->env, e, out, &err);
}

/* ---- Tables ---- */

#define MAX_TABLE_ROWS 1000000

typedef struct row_adder {
    builder *b;
    schedule *tab;
    rate_value rate;
    void *payload;
    int line;
    size_t added;
    bool failed;
} row_adder;

static bool add_code_rows(void *ud, hs_code lo, hs_code hi)
{
    row_adder *ra = ud;
    for (uint64_t d = lo.digits; d <= hi.digits; d++) {
        hs_code c = { d, lo.len };
        if (++ra->added > MAX_TABLE_ROWS ||
            !schedule_add(ra->tab, c, ra->rate, true, ra->line, NULL, ra->payload)) {
            ra->failed = true;
            return false;
        }
    }
    return true;
}

/* add_entry_rows: the rows a table key stands for: a code, a range of
 * codes, or a named product set cut into codes. */
static void add_entry_rows(builder *b, schedule *tab, const node *entry, bool constant,
                           rate_value rate)
{
    row_adder ra = { b, tab, rate, constant ? NULL : (void *)entry, entry->at.first_line,
                     0, false };
    const node *key = entry->a;
    eval_error err;
    if (key->kind == N_HS) {
        add_code_rows(&ra, key->v.hs.lo, key->v.hs.lo);
    } else if (key->kind == N_HS_RANGE) {
        add_code_rows(&ra, key->v.hs.lo, key->v.hs.hi);
    } else {
        value v;
        if (!ev_set(&b->env, key, V_PRODUCT_SET, &v, &err)) {
            report(b, &err);
            return;
        }
        pset_codes(v.as.products, add_code_rows, &ra);
    }
    if (ra.failed) {
        fail(&err, D_EVAL_LIMIT, key->at, "this table key stands for too many product codes");
        report(b, &err);
    }
}

static schedule *compile_product_table(builder *b, const node_list *entries)
{
    schedule *tab = own_schedule(b);
    if (!tab)
        return NULL;
    for (size_t i = 0; i < entries->n; i++) {
        const node *e = entries->v[i];
        rate_value r = rate_ad_valorem(dec_zero());
        bool constant = try_constant_rate(b, e->b, &r);
        add_entry_rows(b, tab, e, constant, r);
    }
    schedule_finish(tab);
    return tab;
}

/* compile_origin_table: per country, the entry that applies: a country
 * listed by itself wins over a group that contains it. */
static bool compile_origin_table(builder *b, rate_clause *rc)
{
    size_t n = rc->node->items.n, nc = b->ix->ncountries;
    rc->entries = ix_alloc(b, n, sizeof *rc->entries);
    rc->origin_entry = ix_alloc(b, nc, sizeof *rc->origin_entry);
    if (!rc->entries || !rc->origin_entry)
        return false;
    rc->nentries = n;
    for (size_t c = 0; c < nc; c++)
        rc->origin_entry[c] = -1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const node *e = rc->node->items.v[i];
            value key;
            eval_error err;
            if (!ev(&b->env, e->a, &key, &err)) {
                if (pass == 0)
                    report(b, &err);
                continue;
            }
            if (pass == 0) {
                rc->entries[i].entry = e;
                rc->entries[i].constant = try_constant_rate(b, e->b, &rc->entries[i].rate);
                if (key.kind != V_COUNTRY_SET)
                    continue;
                for (long c = bitset_next(key.as.countries, 0); c >= 0;
                     c = bitset_next(key.as.countries, (size_t)c + 1))
                    if (rc->origin_entry[c] < 0)
                        rc->origin_entry[c] = (int)i;
            } else if (key.kind == V_COUNTRY) {
                rc->origin_entry[key.as.country] = (int)i;
            }
        }
    }
    return true;
}

static bool compile_rate_clause(builder *b, rate_clause *rc, const node *it)
{
    rc->node = it;
    rc->win = compile_window(b, it->b);
    if (it->kind == N_RATE) {
        rc->sched = schedule_named(b->ix, it->a);
        if (rc->sched) {
            rc->kind = RC_LOOKUP;
            return true;
        }
        rc->kind = RC_EXPR;
        rc->constant = try_constant_rate(b, it->a, &rc->rate);
        return true;
    }
    if (it->flags == BY_ORIGIN) {
        rc->kind = RC_BY_ORIGIN;
        return compile_origin_table(b, rc);
    }
    rc->kind = RC_BY_PRODUCT;
    return (rc->table = compile_product_table(b, &it->items)) != NULL;
}

/* ---- Schedules ---- */

/* schedule_path: the CSV file's path, relative to the declaring file's
 * folder: as the file was found (`path`, for opening) and as the user
 * named it (`shown`, for messages, so that they do not depend on where
 * the policy sits on this machine). */
static void schedule_path(const program *p, const node *d, bool shown, char *buf, size_t n)
{
    const char *file = d->b->name;
    const source_text *src = source_set_get(p->sources, d->at.file);
    const char *from = !src ? NULL : shown || !src->path ? src->name : src->path;
    const char *slash = from ? strrchr(from, '/') : NULL;
    if (file[0] == '/' || !slash)
        snprintf(buf, n, "%s", file);
    else
        snprintf(buf, n, "%.*s/%s", (int)(slash - from), from, file);
}

static void report_not_understood(builder *b, const node *d, const char *path,
                                  const hts_report *rep)
{
    char examples[400] = "";
    size_t len = 0;
    for (size_t i = 0; i < rep->not_understood && i < 3 && len < sizeof examples; i++) {
        const hts_problem *pr = &rep->problems[i];
        int w = snprintf(examples + len, sizeof examples - len, "%sline %d, hs %s: \"%s\"",
                         i ? "; " : "", pr->line, pr->code, pr->text ? pr->text : "");
        if (w > 0)
            len += (size_t)w;
    }
    diag_add(b->diags, SEV_WARNING, D_SCHEDULE_TEXT, d->b->at,
             "schedule %s: %zu row%s of %s %s rate text that Levy does not understand "
             "(a lookup landing on one is an error): %s%s",
             d->name, rep->not_understood, rep->not_understood == 1 ? "" : "s", path,
             rep->not_understood == 1 ? "has" : "have", examples,
             rep->not_understood > 3 ? "; ..." : "");
}

static void load_schedule_file(builder *b, c_schedule *cs)
{
    const node *d = cs->decl;
    char path[4096], shown[4096], msg[512];
    schedule_path(b->ix->p, d, false, path, sizeof path);
    schedule_path(b->ix->p, d, true, shown, sizeof shown);
    cs->file = region_strndup(&b->ix->mem, shown, strlen(shown));
    hts_report rep;
    memset(&rep, 0, sizeof rep);
    const char *column = d->c ? d->c->name : NULL;
    hts_status st = hts_load_file(path, column, &cs->tab, &rep, msg, sizeof msg);
    int saved = errno;
    cs->ok = st == HTS_OK;
    if (st == HTS_CANNOT_OPEN)
        diag_add(b->diags, SEV_ERROR, D_SCHEDULE_FILE, d->b->at,
                 "cannot read schedule %s: cannot open %s: %s", d->name, shown,
                 strerror(saved));
    else if (!cs->ok)
        diag_add(b->diags, SEV_ERROR, D_SCHEDULE_FILE, d->b->at,
                 "cannot read schedule %s from %s: %s", d->name, shown, msg);
    else if (rep.not_understood)
        report_not_understood(b, d, shown, &rep);
    hts_report_free(&rep);
}

static bool compile_inline_schedule(builder *b, c_schedule *cs)
{
    for (size_t i = 0; i < cs->decl->items.n; i++) {
        const node *e = cs->decl->items.v[i];
        rate_value r = rate_ad_valorem(dec_zero());
        bool constant = try_constant_rate(b, e->b, &r);
        add_entry_rows(b, &cs->tab, e, constant, r);
    }
    schedule_finish(&cs->tab);
    cs->ok = true;
    return true;
}

static bool compile_schedules(builder *b)
{
    policy_index *ix = b->ix;
    const node_list *l = &ix->p->decls.schedules;
    ix->scheds = ix_alloc(b, l->n, sizeof *ix->scheds);
    if (!ix->scheds)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        const node *d = l->v[i];
        if (ix->dropped[RK_SCHED][i] && !ix->remap[RK_SCHED][i] &&
            ix->scenario_of[RK_SCHED][i] != ix->scenario)
            continue;
        if (d->b && b->base && b->base->scheds[i] && b->base->scheds[i]->decl == d) {
            ix->scheds[i] = b->base->scheds[i]; /* a file the base has read */
            continue;
        }
        c_schedule *cs = ix_alloc(b, 1, sizeof *cs);
        schedule *tab = cs ? own_schedule(b) : NULL;
        if (!tab)
            return false;
        cs->decl = d;
        ix->owned[ix->nowned - 1] = &cs->tab; /* free the schedule in place */
        cs->owned = true;
        ix->scheds[i] = cs;
        if (d->b)
            load_schedule_file(b, cs);
        else if (!compile_inline_schedule(b, cs))
            return false;
    }
    return true;
}

/* ---- Measures and modifiers ---- */

/* measure_slot_of: the slot of the measure a name denotes here, or -1. */
static int measure_slot_of(builder *b, const node *name)
{
    const node *d = decl_of_name(&b->env, name);
    if (!d || d->kind != N_MEASURE || !in_class(b->ix->p, d, RK_MEASURE))
        return -1;
    return b->ix->measure_slot[d->index];
}

static int modifier_slot_of(builder *b, const node *name)
{
    const node *d = decl_of_name(&b->env, name);
    if (!d || class_of(d) != RK_MODIFIER || !in_class(b->ix->p, d, RK_MODIFIER))
        return -1;
    return b->ix->mod_slot[d->index];
}

static bool assign_slots(builder *b)
{
    policy_index *ix = b->ix;
    const program *p = ix->p;
    ix->measure_slot = ix_alloc(b, p->decls.measures.n, sizeof *ix->measure_slot);
    ix->mod_slot = ix_alloc(b, p->decls.modifiers.n, sizeof *ix->mod_slot);
    ix->measures = ix_alloc(b, p->decls.measures.n, sizeof *ix->measures);
    ix->mods = ix_alloc(b, p->decls.modifiers.n, sizeof *ix->mods);
    if (!ix->measure_slot || !ix->mod_slot || !ix->measures || !ix->mods)
        return false;
    for (size_t i = 0; i < p->decls.measures.n; i++) {
        ix->measure_slot[i] = -1;
        if (!ix->dropped[RK_MEASURE][i]) {
            ix->measure_slot[i] = (int)ix->nmeasures;
            ix->measures[ix->nmeasures++].decl = p->decls.measures.v[i];
        }
    }
    for (size_t i = 0; i < p->decls.modifiers.n; i++) {
        ix->mod_slot[i] = -1;
        if (!ix->dropped[RK_MODIFIER][i]) {
            ix->mod_slot[i] = (int)ix->nmods;
            ix->mods[ix->nmods++].decl = p->decls.modifiers.v[i];
        }
    }
    return true;
}

static bool compile_replaces(builder *b, replaces_clause *rc, const node *it)
{
    rc->node = it;
    rc->win = compile_window(b, it->b);
    rc->targets = ix_alloc(b, it->items.n, sizeof *rc->targets);
    if (!rc->targets)
        return false;
    for (size_t i = 0; i < it->items.n; i++) {
        int slot = measure_slot_of(b, it->items.v[i]);
        if (slot >= 0)
            rc->targets[rc->ntargets++] = slot;
    }
    return true;
}

static size_t count_kind(const node *d, node_kind k1, node_kind k2)
{
    size_t n = 0;
    for (size_t i = 0; i < d->items.n; i++)
        n += d->items.v[i]->kind == k1 || d->items.v[i]->kind == k2;
    return n;
}

static bool compile_measure(builder *b, c_measure *m)
{
    const node *d = m->decl;
    m->clauses = ix_alloc(b, count_kind(d, N_RATE, N_RATE_BY), sizeof *m->clauses);
    m->repl = ix_alloc(b, count_kind(d, N_REPLACES, N_REPLACES), sizeof *m->repl);
    if (!m->clauses || !m->repl)
        return false;
    b->env.owner = d;
    for (size_t i = 0; i < d->items.n; i++) {
        const node *it = d->items.v[i];
        switch (it->kind) {
        case N_ON: case N_FROM: case N_WHEN:
            compile_scope_clause(b, &m->sc, it);
            break;
        case N_RATE: case N_RATE_BY:
            if (!compile_rate_clause(b, &m->clauses[m->nclauses++], it))
                return false;
            m->windowed |= it->b != NULL;
            break;
        case N_BASE:
            m->base = it;
            break;
        case N_REPLACES:
            if (!compile_replaces(b, &m->repl[m->nrepl++], it))
                return false;
            break;
        default:
            break;
        }
    }
    b->env.owner = NULL;
    return true;
}

/* compile_action: one suspend / set / cap / reduce clause. */
static bool compile_action(builder *b, action *a, const node *it)
{
    a->node = it;
    a->targets = bitset_new(&b->ix->mem, b->ix->nmeasures);
    if (!a->targets)
        return false;
    if (it->kind == N_SUSPEND) {
        a->kind = it->a ? ACT_SUSPEND_TO : ACT_SUSPEND;
        a->rate = it->a;
        if (it->flags & SUSPEND_ALL)
            bitset_fill(a->targets);
        for (size_t i = 0; i < it->items.n; i++) {
            int slot = measure_slot_of(b, it->items.v[i]);
            if (slot < 0)
                continue;
            if (it->flags & SUSPEND_ALL)
                bitset_remove(a->targets, (size_t)slot);
            else
                bitset_add(a->targets, (size_t)slot);
        }
        return true;
    }
    a->kind = it->kind == N_SET_TO ? ACT_SET : it->kind == N_CAP ? ACT_CAP : ACT_REDUCE;
    a->rate = it->b;
    int slot = measure_slot_of(b, it->a);
    if (slot >= 0)
        bitset_add(a->targets, (size_t)slot);
    return true;
}

static bool is_action(const node *it)
{
    return it->kind == N_SUSPEND || it->kind == N_SET_TO || it->kind == N_CAP ||
           it->kind == N_REDUCE;
}

static bool compile_modifier(builder *b, c_modifier *k)
{
    const node *d = k->decl;
    size_t nacts = 0;
    for (size_t i = 0; i < d->items.n; i++)
        nacts += is_action(d->items.v[i]);
    k->acts = ix_alloc(b, nacts, sizeof *k->acts);
    k->targets = bitset_new(&b->ix->mem, b->ix->nmeasures);
    if (!k->acts || !k->targets)
        return false;
    k->win = always;
    b->env.owner = d;
    for (size_t i = 0; i < d->items.n; i++) {
        const node *it = d->items.v[i];
        if (is_action(it)) {
            if (!compile_action(b, &k->acts[k->nacts], it))
                return false;
            bitset_union(k->targets, k->acts[k->nacts++].targets);
        } else if (it->kind == N_EFFECTIVE) {
            k->effective = it;
            k->win = compile_window(b, it->b);
        } else {
            compile_scope_clause(b, &k->sc, it);
        }
    }
    b->env.owner = NULL;
    return true;
}

/* compile_overrides: for each modifier, the modifiers that override it. */
static bool compile_overrides(builder *b)
{
    policy_index *ix = b->ix;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < ix->nmods; k++) {
            const node *d = ix->mods[k].decl;
            for (size_t i = 0; i < d->items.n; i++) {
                const node *it = d->items.v[i];
                if (it->kind != N_OVERRIDES)
                    continue;
                for (size_t j = 0; j < it->items.n; j++) {
                    int slot = modifier_slot_of(b, it->items.v[j]);
                    if (slot < 0)
                        continue;
                    c_modifier *victim = &ix->mods[slot];
                    if (pass == 0)
                        victim->noverridden_by++;
                    else
                        victim->overridden_by[victim->noverridden_by++] = (int)k;
                }
            }
        }
        if (pass == 1)
            break;
        for (size_t k = 0; k < ix->nmods; k++) {
            ix->mods[k].overridden_by = ix_alloc(b, ix->mods[k].noverridden_by, sizeof(int));
            if (!ix->mods[k].overridden_by)
                return false;
            ix->mods[k].noverridden_by = 0;
        }
    }
    return true;
}

static bool compile_commits(builder *b)
{
    policy_index *ix = b->ix;
    const node_list *l = &ix->p->decls.commits;
    ix->commits = ix_alloc(b, l->n, sizeof *ix->commits);
    if (!ix->commits)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        const node *d = l->v[i];
        const node *scn = commit_scenario(ix->p, d);
        if (scn && scn != ix->scenario)
            continue;
        eval_error err;
        value who;
        if (!ev_set(&b->env, d->a, V_COUNTRY_SET, &who, &err)) {
            report(b, &err);
            continue;
        }
        c_commit *c = &ix->commits[ix->ncommits++];
        c->who = who.as.countries;
        c->commitment = decl_of_name(&b->env, d->b);
        c->win = compile_window(b, d->c);
    }
    return true;
}

/* ---- Candidate indexes ---- */

static bool index_scopes(builder *b, size_t n, const scope *(*scope_at)(const policy_index *, size_t),
                         bitset ***by_origin, bitset ***by_chapter, bitset **all)
{
    policy_index *ix = b->ix;
    size_t nc = ix->ncountries;
    *by_origin = ix_alloc(b, nc, sizeof **by_origin);
    *by_chapter = ix_alloc(b, NCHAPTERS, sizeof **by_chapter);
    *all = bitset_new(&ix->mem, n);
    if (!*by_origin || !*by_chapter || !*all)
        return false;
    bitset_fill(*all);
    for (size_t c = 0; c < nc; c++)
        if (!((*by_origin)[c] = bitset_new(&ix->mem, n)))
            return false;
    for (size_t ch = 0; ch < NCHAPTERS; ch++)
        if (!((*by_chapter)[ch] = bitset_new(&ix->mem, n)))
            return false;
    for (size_t i = 0; i < n; i++) {
        const scope *sc = scope_at(ix, i);
        for (size_t c = 0; c < nc; c++)
            if (!sc->origins || sc->from_dynamic || bitset_has(sc->origins, c))
                bitset_add((*by_origin)[c], i);
        for (size_t ch = 0; ch < NCHAPTERS; ch++) {
            hs_interval iv = { ch * UINT64_C(100000000), ch * UINT64_C(100000000) + 99999999 };
            if (!sc->products || sc->on_dynamic || pset_overlaps(sc->products, iv))
                bitset_add((*by_chapter)[ch], i);
        }
    }
    return true;
}

static const scope *measure_scope(const policy_index *ix, size_t i) { return &ix->measures[i].sc; }
static const scope *modifier_scope(const policy_index *ix, size_t i) { return &ix->mods[i].sc; }

/* ---- Dates where the charge may change (for timelines) ---- */

typedef struct date_vec {
    date *v;
    size_t n, cap;
    bool failed;
} date_vec;

static void push_date(date_vec *dv, date d)
{
    if (d == DAY_EVER || d == DAY_NEVER)
        return;
    if (dv->n == dv->cap) {
        size_t cap = dv->cap ? dv->cap * 2 : 64;
        date *v = realloc(dv->v, cap * sizeof *v);
        if (!v) {
            dv->failed = true;
            return;
        }
        dv->v = v;
        dv->cap = cap;
    }
    dv->v[dv->n++] = d;
}

static void push_window(date_vec *dv, window w)
{
    push_date(dv, w.from);
    push_date(dv, w.until);
}

/* walk_dates: every constant date in an expression tree, and the day
 * after it (so that `entered <= D` changes where it does). */
static void walk_dates(builder *b, const node *e, date_vec *dv, int depth)
{
    if (!e || depth > 200)
        return;
    if (e->ty == T_DATE && e->kind != N_WINDOW && e->kind != N_FIELD_INIT) {
        value v;
        eval_error err;
        if (ev(&b->env, e, &v, &err) && v.kind == V_DATE) {
            push_date(dv, v.as.day);
            push_date(dv, v.as.day + 1);
        }
    }
    walk_dates(b, e->a, dv, depth + 1);
    walk_dates(b, e->b, dv, depth + 1);
    walk_dates(b, e->c, dv, depth + 1);
    for (size_t i = 0; i < e->items.n; i++)
        walk_dates(b, e->items.v[i], dv, depth + 1);
}

static int date_cmp(const void *a, const void *b)
{
    date x = *(const date *)a, y = *(const date *)b;
    return (x > y) - (x < y);
}

static bool collect_bounds(builder *b)
{
    policy_index *ix = b->ix;
    date_vec dv = { NULL, 0, 0, false };
    for (size_t m = 0; m < ix->nmeasures; m++) {
        const c_measure *cm = &ix->measures[m];
        for (size_t i = 0; i < cm->nclauses; i++)
            push_window(&dv, cm->clauses[i].win);
        for (size_t i = 0; i < cm->nrepl; i++)
            push_window(&dv, cm->repl[i].win);
        walk_dates(b, cm->decl, &dv, 0);
    }
    for (size_t k = 0; k < ix->nmods; k++) {
        push_window(&dv, ix->mods[k].win);
        walk_dates(b, ix->mods[k].decl, &dv, 0);
    }
    for (size_t c = 0; c < ix->ncommits; c++)
        push_window(&dv, ix->commits[c].win);
    for (size_t i = 0; i < ix->p->decls.lets.n; i++)
        if (ix->p->decls.lets.v[i]->a && ix->p->decls.lets.v[i]->a->uses_shipment)
            walk_dates(b, ix->p->decls.lets.v[i], &dv, 0);
    for (size_t i = 0; i < ix->p->decls.attributes.n; i++)
        walk_dates(b, ix->p->decls.attributes.v[i]->b, &dv, 0);
    if (dv.failed) {
        free(dv.v);
        return false;
    }
    if (dv.n)
        qsort(dv.v, dv.n, sizeof *dv.v, date_cmp);
    ix->bounds = ix_alloc(b, dv.n, sizeof *ix->bounds);
    if (!ix->bounds) {
        free(dv.v);
        return false;
    }
    for (size_t i = 0; i < dv.n; i++)
        if (ix->nbounds == 0 || ix->bounds[ix->nbounds - 1] != dv.v[i])
            ix->bounds[ix->nbounds++] = dv.v[i];
    free(dv.v);
    return true;
}

/* ---- Constants ---- */

/* fill_constants: evaluates every constant let, group and product set of
 * this policy once; failures are reported for the declarations this
 * build owns (the base's, or the scenario's own). */
static void fill_constants(builder *b)
{
    policy_index *ix = b->ix;
    static const int classes[] = { RK_GROUP, RK_PRODUCTS, RK_LET };
    for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
        int rk = classes[c];
        const node_list *l = class_list(ix->p, rk);
        for (size_t i = 0; i < l->n; i++) {
            const node *d = l->v[i];
            if (ix->dropped[rk][i])
                continue;
            const_slot *slot = slot_of(ix, d);
            bool fresh = slot && slot->state == SLOT_TODO;
            if (fresh)
                fill_slot(ix, d, slot);
            if (fresh && slot->state == SLOT_FAILED && slot->err &&
                ix->scenario_of[rk][i] == ix->scenario)
                report(b, slot->err);
        }
    }
}

static bool compile_all(builder *b)
{
    policy_index *ix = b->ix;
    const program *p = ix->p;
    ix->lets = ix_alloc(b, p->decls.lets.n, sizeof *ix->lets);
    ix->groups = ix_alloc(b, p->decls.groups.n, sizeof *ix->groups);
    ix->products = ix_alloc(b, p->decls.products.n, sizeof *ix->products);
    if (!ix->lets || !ix->groups || !ix->products)
        return false;
    if (!mark_membership(b) || !compile_schedules(b) || !assign_slots(b))
        return false;
    for (size_t m = 0; m < ix->nmeasures; m++)
        if (!compile_measure(b, &ix->measures[m]))
            return false;
    for (size_t k = 0; k < ix->nmods; k++)
        if (!compile_modifier(b, &ix->mods[k]))
            return false;
    return compile_overrides(b) && compile_commits(b) &&
           index_scopes(b, ix->nmeasures, measure_scope, &ix->m_by_origin, &ix->m_by_chapter,
                        &ix->m_all) &&
           index_scopes(b, ix->nmods, modifier_scope, &ix->k_by_origin, &ix->k_by_chapter,
                        &ix->k_all) &&
           collect_bounds(b);
}

policy_index *index_build(const program *p, const node *scenario, const policy_index *base,
                          diag_list *diags)
{
    policy_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    region_init(&ix->mem);
    ix->p = p;
    ix->scenario = scenario;
    ix->ncountries = p->decls.countries.n;
    builder b = { ix, diags, base, { 0 } };
    eval_env_init(&b.env, ix, &ix->mem);
    if (!compile_all(&b) || ix->mem.failed) {
        index_free(ix);
        return NULL;
    }
    ix->ready = true;
    fill_constants(&b);
    ix->frozen = true;
    if (ix->mem.failed) {
        index_free(ix);
        return NULL;
    }
    return ix;
}

void index_free(policy_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->nowned; i++)
        schedule_free(ix->owned[i]);
    free(ix->owned);
    region_free(&ix->mem);
    free(ix);
}

const node *find_scenario(const program *p, const char *name)
{
    for (size_t i = 0; i < p->decls.scenarios.n; i++)
        if (strcmp(p->decls.scenarios.v[i]->name, name) == 0)
            return p->decls.scenarios.v[i];
    return NULL;
}

bool coverage_init(eval_coverage *c, const program *p)
{
    c->nmeasures = p->decls.measures.n;
    c->nmodifiers = p->decls.modifiers.n;
    c->measures = calloc(c->nmeasures ? c->nmeasures : 1, sizeof *c->measures);
    c->modifiers = calloc(c->nmodifiers ? c->nmodifiers : 1, sizeof *c->modifiers);
    if (c->measures && c->modifiers)
        return true;
    coverage_free(c);
    return false;
}

void coverage_free(eval_coverage *c)
{
    free(c->measures);
    free(c->modifiers);
    c->measures = c->modifiers = NULL;
    c->nmeasures = c->nmodifiers = 0;
}
