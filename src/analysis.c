/* analysis.c - W103 and W104: what a policy that checked clean means.
 *
 * W103: a measure that another measure, through `replaces`, certainly
 * replaces on every shipment and date it could charge.  W104: two pauses
 * or concessions acting on one measure, neither overriding the other, that
 * can make it charge differently on some shipment (shown as an example).
 * Each scenario is a policy of its own and is analysed as one.
 */
#include "check_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "sets.h"

/* ---- Static scopes: what W103 and W104 reason about ----------------------- */

/* The analysis of measures that are always replaced (W103) and of
 * modifiers that can conflict (W104) works on constants only: the `on` and
 * `from` sets folded, windows, and rates that are percentages.  Whatever
 * it cannot fold it treats as unknown, and an unknown never leads to a
 * W103 (which must be certain).  What it allocates lives in one arena,
 * given back at the end (what one pair of measures or modifiers needs, as
 * soon as that pair is done). */

typedef struct analysis analysis;
static const pset *fold_products(analysis *an, arena *r, const node *e, int depth);

/* fold_products: the products of a constant product-set expression, in r;
 * NULL when it is not constant (or memory ran out).  What each form means
 * is sets.h's; this only folds the names.  A named set or let is folded
 * once (decl_products), so a chain of sets each naming the last twice is
 * linear, not exponential. */
static const pset *decl_products(analysis *an, const node *d, int depth);

static const pset *fold_products(analysis *an, arena *r, const node *e, int depth)
{
    if (!e || depth > FOLD_DEPTH)
        return NULL;
    switch (e->kind) {
    case N_ALL: return pset_all(r);
    case N_HS: return products_of_code(r, e->v.hs.lo);
    case N_HS_RANGE: return products_of_range(r, e->v.hs.lo, e->v.hs.hi);
    case N_SET: {
        products_literal lit;
        products_literal_init(&lit, r, e->items.n);
        for (size_t i = 0; !lit.failed && i < e->items.n; i++) {
            const pset *s = fold_products(an, r, e->items.v[i], depth + 1);
            if (!s)
                return NULL;
            products_literal_add_set(&lit, s);
        }
        return products_literal_finish(&lit);
    }
    case N_NAME: {
        const node *d = e->sym == SYM_DECL ? e->ref : NULL;
        if (d && (d->kind == N_PRODUCTS || d->kind == N_LET))
            return decl_products(an, d, depth + 1);
        return NULL;
    }
    case N_BINARY: {
        if ((op)e->flags != OP_EXCEPT)
            return NULL;
        const pset *a = fold_products(an, r, e->a, depth + 1);
        const pset *b = a ? fold_products(an, r, e->b, depth + 1) : NULL;
        return b ? products_except(r, a, b) : NULL;
    }
    default: return NULL;
    }
}

/* fold_percent: an ad valorem rate written as a constant (25%, or a let of
 * one); false for anything else. */
static bool fold_percent(const node *e, dec *out)
{
    e = check_through_lets(e);
    if (!e || e->kind != N_PERCENT)
        return false;
    *out = e->v.num;
    return true;
}

/* The whole rate is a schedule's name: a partial lookup, which may find
 * nothing for a shipment. */
static bool is_schedule_name(const node *e)
{
    return e && e->kind == N_NAME && e->sym == SYM_DECL && e->ref && e->ref->kind == N_SCHEDULE;
}

/* same_expr: are two expressions written alike (names resolving to the same
 * declarations, lets read through)?  Evaluation is deterministic, so such
 * expressions have the same value on any one shipment.  Reading lets
 * through can revisit a let many times (`let a1 = max(a0, a0)`, ...), so
 * the comparison visits at most *budget nodes, and is false (not known
 * the same) beyond. */
#define SAME_EXPR_BUDGET 4096

static bool same_expr(const node *a, const node *b, int depth, size_t *budget)
{
    a = check_through_lets(a);
    b = check_through_lets(b);
    if (a == b)
        return true;
    if (!a || !b || *budget == 0)
        return false;
    --*budget;
    dec x, y;
    if (fold_percent(a, &x) && fold_percent(b, &y))
        return dec_cmp(x, y) == 0;
    if (depth > FOLD_DEPTH || a->kind != b->kind || a->flags != b->flags ||
        a->items.n != b->items.n)
        return false;
    switch (a->kind) {
    case N_NAME:
        if (a->sym != b->sym)
            return false;
        return a->sym == SYM_DECL ? a->ref == b->ref : a->index == b->index;
    case N_PERCENT:
    case N_NUMBER:
    case N_MONEY: return dec_cmp(a->v.num, b->v.num) == 0;
    case N_DATE: return a->v.day == b->v.day;
    case N_DURATION: return a->v.dur.count == b->v.dur.count && a->v.dur.unit == b->v.dur.unit;
    case N_HS:
    case N_HS_RANGE: return hs_equal(a->v.hs.lo, b->v.hs.lo) && hs_equal(a->v.hs.hi, b->v.hs.hi);
    default: break;
    }
    if ((a->name || b->name) && (!a->name || !b->name || strcmp(a->name, b->name) != 0))
        return false;
    if (!same_expr(a->a, b->a, depth + 1, budget) || !same_expr(a->b, b->b, depth + 1, budget) ||
        !same_expr(a->c, b->c, depth + 1, budget))
        return false;
    for (size_t i = 0; i < a->items.n; i++)
        if (!same_expr(a->items.v[i], b->items.v[i], depth + 1, budget))
            return false;
    return true;
}

/* A measure's or modifier's scope as sets, and a modifier's window. */
typedef struct scope_sets {
    bool known;           /* `on`, `from` and the window are constant */
    bitset *countries;    /* `from`, or every country */
    const pset *products; /* `on`, or every product */
    const node *when;     /* the `when` clause, or NULL */
    interval window;      /* a modifier's `effective` window */
} scope_sets;

/* What a modifier does to one measure. */
typedef enum act_kind { ACT_SUSPEND, ACT_SUSPEND_TO, ACT_SET, ACT_CAP, ACT_REDUCE } act_kind;

typedef struct mod_act {
    const node *mod;     /* the pause or concession */
    const node *clause;  /* its suspend, set, cap or reduce clause */
    const node *measure; /* the measure named; NULL for `suspend all` */
    const node *rate;    /* `to`, `at` or `by`; NULL for a plain suspend */
    act_kind kind;
} mod_act;

struct analysis {
    checker *ck;
    arena mem;
    scope_sets *measures; /* by measure index */
    scope_sets *mods;     /* by modifier index */
    mod_act *acts;        /* on named measures, grouped by measure */
    size_t *first;        /* the acts on measure m: [first[m], first[m + 1]) */
    mod_act *all_acts;    /* `suspend all`: every measure but the exceptions */
    size_t nall;
    const mod_act **cand;        /* scratch: the acts on one measure */
    bool *dropped_m, *dropped_k; /* by the scenario being looked at */
    bool *dropped_anywhere;      /* measures some scenario drops */
    uint64_t *pairs;             /* modifier pairs reported (malloc'd): 0 is empty */
    size_t npairs, cap_pairs;
    size_t first_measure, first_modifier; /* declared since the last check */
    /* Named sets and lets folded (decl_products), by index, in fold_mem:
     * state 0 not yet, 1 being folded, 2 done, 3 not constant. */
    arena fold_mem;
    /* The modifiers whose `overrides` name modifier k:
     * overriders[over_first[k] .. over_first[k + 1]). */
    const node **overriders;
    size_t *over_first;
    const node *world;  /* the scenario being looked at; NULL: the base */
    bool *overruled;    /* by modifier: some overrider is active wherever it is */
    const pset **folded[2];
    uint8_t *fold_state[2];
    size_t nfolded[2];
};

static const pset *decl_products(analysis *an, const node *d, int depth)
{
    int which = d->kind == N_LET;
    size_t i = (size_t)d->index;
    if (d->index < 0 || i >= an->nfolded[which])
        return fold_products(an, &an->fold_mem, d->a, depth);
    uint8_t *state = &an->fold_state[which][i];
    if (*state == 2)
        return an->folded[which][i];
    if (*state != 0)
        return NULL;
    *state = 1;
    const pset *s = fold_products(an, &an->fold_mem, d->a, depth);
    an->folded[which][i] = s;
    *state = s ? 2 : 3;
    return s;
}

/* out = a & b & c; true when it is not empty. */
static bool countries_meet(bitset *out, const bitset *a, const bitset *b, const bitset *c)
{
    bitset_clear(out);
    bitset_union(out, a);
    bitset_intersect(out, b);
    bitset_intersect(out, c);
    return !bitset_is_empty(out);
}

static void fold_scope(analysis *an, const node *d, scope_sets *s)
{
    const node *on = find_clause(d, N_ON), *from = find_clause(d, N_FROM);
    const node *eff = find_clause(d, N_EFFECTIVE);
    s->when = find_clause(d, N_WHEN);
    s->products = on ? fold_products(an, &an->mem, on->a, 0) : pset_all(&an->mem);
    s->countries = country_set(an->ck, &an->mem);
    if (!s->countries || !s->products || !window_interval(eff ? eff->b : NULL, &s->window))
        return;
    if (from) {
        s->known = fold_countries(an->ck, from->a, s->countries, 0);
    } else {
        bitset_fill(s->countries);
        s->known = true;
    }
}

/* ---- Modifiers' actions, grouped by measure ------------------------------- */

static const node *named_measure(const node *name)
{
    return name && name->sym == SYM_DECL && name->ref && name->ref->kind == N_MEASURE ? name->ref
                                                                                      : NULL;
}

/* collect_acts: the actions of modifier k, appended to out (NULL: only
 * counted).  Returns how many. */
static size_t collect_acts(const node *k, mod_act *out)
{
    size_t n = 0;
    for (size_t i = 0; i < k->items.n; i++) {
        const node *c = k->items.v[i];
        mod_act a = { k, c, NULL, NULL, ACT_SUSPEND };
        if (c->kind == N_SUSPEND) {
            a.kind = c->a ? ACT_SUSPEND_TO : ACT_SUSPEND;
            a.rate = c->a;
            if (c->flags & SUSPEND_ALL) {
                if (out)
                    out[n] = a;
                n++;
                continue;
            }
            for (size_t j = 0; j < c->items.n; j++) {
                if (!(a.measure = named_measure(c->items.v[j])))
                    continue;
                if (out)
                    out[n] = a;
                n++;
            }
        } else if (c->kind == N_SET_TO || c->kind == N_CAP || c->kind == N_REDUCE) {
            a.kind = c->kind == N_SET_TO ? ACT_SET : c->kind == N_CAP ? ACT_CAP : ACT_REDUCE;
            a.rate = c->b;
            if (!(a.measure = named_measure(c->a)))
                continue;
            if (out)
                out[n] = a;
            n++;
        }
    }
    return n;
}

/* group_acts: every action of every modifier; those on named measures
 * sorted by measure (a counting sort), the `suspend all` ones apart. */
static bool group_acts(analysis *an)
{
    const node_list *mods = &an->ck->p->decls.modifiers;
    size_t nm = an->ck->p->decls.measures.n, total = 0;
    for (size_t k = 0; k < mods->n; k++)
        total += collect_acts(mods->v[k], NULL);
    mod_act *flat = arena_alloc(&an->mem, (total ? total : 1) * sizeof *flat);
    an->acts = arena_alloc(&an->mem, (total ? total : 1) * sizeof *an->acts);
    an->all_acts = arena_alloc(&an->mem, (total ? total : 1) * sizeof *an->all_acts);
    an->cand = arena_alloc(&an->mem, (total ? total : 1) * sizeof *an->cand);
    an->first = arena_alloc(&an->mem, (nm + 2) * sizeof *an->first);
    if (!flat || !an->acts || !an->all_acts || !an->cand || !an->first)
        return false;
    size_t n = 0;
    for (size_t k = 0; k < mods->n; k++)
        n += collect_acts(mods->v[k], flat + n);
    for (size_t i = 0; i < n; i++)
        if (flat[i].measure)
            an->first[(size_t)flat[i].measure->index + 2]++;
    for (size_t m = 2; m < nm + 2; m++)
        an->first[m] += an->first[m - 1];
    /* first[m + 1] is now where measure m's acts go; filling moves it to
       their end, which is where measure m + 1's start. */
    for (size_t i = 0; i < n; i++) {
        if (flat[i].measure)
            an->acts[an->first[(size_t)flat[i].measure->index + 1]++] = flat[i];
        else
            an->all_acts[an->nall++] = flat[i];
    }
    return true;
}

/* Does `suspend all except ...` leave out measure m? */
static bool excepted(const mod_act *a, const node *m)
{
    for (size_t i = 0; i < a->clause->items.n; i++)
        if (named_measure(a->clause->items.v[i]) == m)
            return true;
    return false;
}

/* ---- Scenarios ------------------------------------------------------------- */

/* Each scenario is a policy of its own: the base declarations it does not
 * drop, and its own. */
static void enter_world(analysis *an, const node *scn)
{
    const decl_table *t = &an->ck->p->decls;
    memset(an->dropped_m, 0, (t->measures.n ? t->measures.n : 1) * sizeof *an->dropped_m);
    memset(an->dropped_k, 0, (t->modifiers.n ? t->modifiers.n : 1) * sizeof *an->dropped_k);
    for (size_t i = 0; scn && i < scn->items.n; i++) {
        const node *drop = scn->items.v[i];
        for (size_t k = 0; drop->kind == N_DROP && k < drop->items.n; k++) {
            const node *d = drop->items.v[k]->ref;
            if (d && d->kind == N_MEASURE)
                an->dropped_m[d->index] = true;
            else if (d && decl_kind_class(d->kind) == DC_MODIFIER)
                an->dropped_k[d->index] = true;
        }
    }
}

static bool in_world(const analysis *an, const node *d, const node *scn)
{
    if (d->ref)
        return d->ref == scn;
    return !(d->kind == N_MEASURE ? an->dropped_m : an->dropped_k)[d->index];
}

/* index_overriders: for each modifier, the modifiers that override it. */
static void each_override(analysis *an, bool fill)
{
    const node_list *ks = &an->ck->p->decls.modifiers;
    for (size_t k = 0; k < ks->n; k++) {
        const node *z = ks->v[k];
        for (size_t i = 0; i < z->items.n; i++) {
            const node *c = z->items.v[i];
            for (size_t j = 0; c->kind == N_OVERRIDES && j < c->items.n; j++) {
                const node *o = c->items.v[j]->ref;
                if (!o || decl_kind_class(o->kind) != DC_MODIFIER || o->index < 0 ||
                    (size_t)o->index >= ks->n)
                    continue;
                if (fill)
                    an->overriders[an->over_first[o->index + 1]++] = z;
                else
                    an->over_first[o->index + 2]++;
            }
        }
    }
}

static bool index_overriders(analysis *an)
{
    size_t nk = an->ck->p->decls.modifiers.n;
    an->over_first = arena_alloc(&an->mem, (nk + 2) * sizeof *an->over_first);
    if (!an->over_first)
        return false;
    each_override(an, false);
    for (size_t k = 2; k < nk + 2; k++)
        an->over_first[k] += an->over_first[k - 1];
    size_t total = an->over_first[nk + 1];
    an->overriders = arena_alloc(&an->mem, (total ? total : 1) * sizeof *an->overriders);
    if (!an->overriders)
        return false;
    each_override(an, true);
    return true;
}

/* Is modifier z certainly active on every shipment of countries c and
 * products p entered in w (a constant scope, no `when`)? */
static bool certainly_active(analysis *an, const node *z, const bitset *c, const pset *p,
                             interval w)
{
    const scope_sets *sz = &an->mods[z->index];
    return sz->known && !sz->when && sz->window.lo <= w.lo && w.hi <= sz->window.hi &&
           bitset_is_subset(c, sz->countries) && products_within(&an->mem, p, sz->products);
}

/* find_overruled: the modifiers of the world that an overrider active
 * wherever they are drops everywhere (in a chain `p1 overrides p0`, `p2
 * overrides p1`, ... on one scope, all but the last): they never conflict.
 * The evaluator drops a modifier when any modifier overriding it is
 * active, whether or not that one is dropped in turn. */
static void find_overruled(analysis *an)
{
    const node_list *ks = &an->ck->p->decls.modifiers;
    for (size_t k = 0; k < ks->n; k++) {
        const scope_sets *sk = &an->mods[k];
        an->overruled[k] = false;
        if (!in_world(an, ks->v[k], an->world) || !sk->known)
            continue;
        for (size_t i = an->over_first[k]; i < an->over_first[k + 1] && !an->overruled[k]; i++) {
            const node *z = an->overriders[i];
            if (!in_world(an, z, an->world))
                continue;
            arena_mark mark = arena_save(&an->mem);
            an->overruled[k] = certainly_active(an, z, sk->countries, sk->products, sk->window);
            arena_restore(&an->mem, mark);
        }
    }
}

/* ---- W103: measures replaced wherever they apply ------------------------ */

/* Does rate clause c yield a rate on every shipment of scope s?  A rate
 * expression does; a schedule's name, or a table, only when it has an
 * entry for every product or origin of s. */
static bool clause_yields(analysis *an, const node *c, const scope_sets *s)
{
    if (c->kind == N_RATE)
        return !is_schedule_name(c->a);
    bitset *countries = country_set(an->ck, &an->mem);
    const pset *products = pset_empty(&an->mem);
    for (size_t i = 0; i < c->items.n && countries && products; i++) {
        const node *entry = c->items.v[i];
        if (is_schedule_name(entry->b))
            return false;
        if (c->flags == BY_ORIGIN) {
            if (!fold_countries(an->ck, entry->a, countries, 0))
                return false;
        } else {
            const pset *key = fold_products(an, &an->mem, entry->a, 0);
            products = key ? pset_union(&an->mem, products, key) : NULL;
        }
    }
    if (!countries || !products)
        return false;
    return c->flags == BY_ORIGIN ? bitset_is_subset(s->countries, countries)
                                 : products_within(&an->mem, s->products, products);
}

/* Is every day of w in a rate window of r whose clause yields on scope s? */
static bool rates_cover(analysis *an, const node *r, const scope_sets *s, interval w)
{
    int64_t day = w.lo;
    while (day < w.hi) {
        bool found = false;
        for (size_t i = 0; i < r->items.n && !found; i++) {
            const node *c = r->items.v[i];
            interval ri;
            if ((c->kind != N_RATE && c->kind != N_RATE_BY) || !window_interval(c->b, &ri) ||
                !(ri.lo <= day && day < ri.hi) || !clause_yields(an, c, s))
                continue;
            day = ri.hi;
            found = true;
        }
        if (!found)
            return false;
    }
    return true;
}

/* Can a modifier take measure r away (a plain suspension: a suspended
 * measure replaces nothing) while measure b is in force? */
static bool may_be_suspended(const analysis *an, const node *r, const node *b)
{
    for (size_t i = an->first[r->index]; i < an->first[r->index + 1]; i++) {
        const mod_act *a = &an->acts[i];
        const scope_sets *s = &an->mods[a->mod->index];
        if (a->kind == ACT_SUSPEND && (!s->known || windows_meet(b, s->window)))
            return true;
    }
    for (size_t i = 0; i < an->nall; i++) {
        const mod_act *a = &an->all_acts[i];
        const scope_sets *s = &an->mods[a->mod->index];
        if (a->kind == ACT_SUSPEND && !excepted(a, r) && (!s->known || windows_meet(b, s->window)))
            return true;
    }
    return false;
}

/* replaced_everywhere: does measure r, through a `replaces` clause in force
 * over rw, replace measure b on every shipment and date b could charge?
 * Only when certain: r has no `when`, its scope holds b's, each of b's
 * rate windows lies in rw and in r's windows of rates that cannot come up
 * empty, no scenario is involved and nothing can suspend r.  (b's own
 * `when` and tables only narrow where b applies.) */
static bool replaced_everywhere(analysis *an, const node *r, interval rw, const node *b)
{
    const scope_sets *sr = &an->measures[r->index], *sb = &an->measures[b->index];
    if (r->ref || b->ref || an->dropped_anywhere[r->index] || !sr->known || !sb->known ||
        sr->when || !bitset_is_subset(sb->countries, sr->countries) ||
        !products_within(&an->mem, sb->products, sr->products))
        return false;
    bool any = false;
    for (size_t i = 0; i < b->items.n; i++) {
        const node *c = b->items.v[i];
        interval w;
        if (c->kind != N_RATE && c->kind != N_RATE_BY)
            continue;
        if (!window_interval(c->b, &w))
            return false;
        if (w.lo < rw.lo || w.hi > rw.hi || !rates_cover(an, r, sb, w))
            return false;
        any = true;
    }
    return any && !may_be_suspended(an, r, b);
}

static void report_replaced(analysis *an, const node *r, const node *name, const node *b)
{
    checker *ck = an->ck;
    diagnostic *d = diag_add(ck->diags, SEV_WARNING, D_ALWAYS_REPLACED, name_span(ck, b),
                             "measure '%s' is replaced by '%s' wherever it applies; it never "
                             "charges anything",
                             b->name, r->name);
    diag_note(d, name->at,
              "'%s' applies to every product, origin and date of '%s', and replaces it here",
              r->name, b->name);
}

/* W103: each measure replaced everywhere is reported once, with the first
 * measure that replaces it so. */
static void check_always_replaced(analysis *an)
{
    const node_list *ms = &an->ck->p->decls.measures;
    bool *done = arena_alloc(&an->mem, (ms->n ? ms->n : 1) * sizeof *done);
    for (size_t m = 0; done && m < ms->n; m++) {
        const node *r = ms->v[m];
        for (size_t i = 0; i < r->items.n; i++) {
            const node *c = r->items.v[i];
            interval rw;
            if (c->kind != N_REPLACES || !window_interval(c->b, &rw))
                continue;
            for (size_t k = 0; k < c->items.n; k++) {
                const node *b = named_measure(c->items.v[k]);
                if (!b || b == r || done[b->index] ||
                    ((size_t)b->index < an->first_measure && m < an->first_measure))
                    continue;
                arena_mark mark = arena_save(&an->mem);
                bool everywhere = replaced_everywhere(an, r, rw, b);
                arena_restore(&an->mem, mark);
                if (!everywhere)
                    continue;
                done[b->index] = true;
                report_replaced(an, r, c->items.v[k], b);
            }
        }
    }
}

/* ---- W104: modifiers that can conflict ------------------------------------ */

/* What one action makes a measure charge: suspended, a rate, or not known
 * (a rate that is not a constant percentage, or a cap or reduction of a
 * rate that is not known). */
typedef struct charge {
    bool known, suspended;
    dec rate;
} charge;

static charge act_charge(const mod_act *a, const dec *own)
{
    charge c = { false, false, dec_zero() };
    dec x;
    if (a->kind == ACT_SUSPEND) {
        c.known = c.suspended = true;
    } else if (!fold_percent(a->rate, &x)) {
        return c;
    } else if (a->kind == ACT_SUSPEND_TO || a->kind == ACT_SET) {
        c.known = true;
        c.rate = x;
    } else if (own && a->kind == ACT_CAP) {
        c.known = true;
        c.rate = dec_min(*own, x);
    } else if (own && dec_sub(*own, x, &c.rate) == DEC_OK) {
        c.known = true;
        c.rate = dec_max(c.rate, dec_zero());
    }
    return c;
}

/* Do x and y end in the same charge whatever the measure's rate?  Two
 * plain suspensions do, and two actions of one kind with rates written
 * alike (`set` and `suspend ... to` are one kind). */
static bool same_effect(const mod_act *x, const mod_act *y)
{
    if (x->kind == ACT_SUSPEND || y->kind == ACT_SUSPEND)
        return x->kind == y->kind;
    act_kind kx = x->kind == ACT_SUSPEND_TO ? ACT_SET : x->kind;
    act_kind ky = y->kind == ACT_SUSPEND_TO ? ACT_SET : y->kind;
    size_t budget = SAME_EXPR_BUDGET;
    return kx == ky && same_expr(x->rate, y->rate, 0, &budget);
}

/* An example shipment on which two modifiers disagree. */
typedef struct example {
    size_t country;
    const pset *products;
    int64_t day;
    bool own_known; /* the measure's rate there is a constant */
    dec own;
    charge cx, cy; /* what each modifier makes it charge */
} example;

/* differ: can x and y make the measure charge differently where its own
 * rate is *own (NULL: not known)?  Records the charges in ex. */
static bool differ(const mod_act *x, const mod_act *y, const dec *own, example *ex)
{
    ex->cx = act_charge(x, own);
    ex->cy = act_charge(y, own);
    ex->own_known = own != NULL;
    if (own)
        ex->own = *own;
    if (!ex->cx.known || !ex->cy.known)
        return true;
    if (ex->cx.suspended || ex->cy.suspended)
        return ex->cx.suspended != ex->cy.suspended;
    return dec_cmp(ex->cx.rate, ex->cy.rate) != 0;
}

/* The entry of a by-origin table for country i: listed by itself, or else
 * in a group. */
static const node *origin_entry(checker *ck, const node *table, size_t i)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < table->items.n; k++) {
            const node *key = table->items.v[k]->a, *d = key->sym == SYM_DECL ? key->ref : NULL;
            if (!d)
                continue;
            if (pass == 0 && d->kind == N_COUNTRY && (size_t)d->index == i)
                return table->items.v[k];
            if (pass == 1 && d->kind == N_GROUP) {
                const bitset *g = group_countries(ck, d);
                if (g && bitset_has(g, i))
                    return table->items.v[k];
            }
        }
    }
    return NULL;
}

/* The first country of `countries` whose entry in a by-origin table makes
 * x and y disagree. */
static bool origin_example(analysis *an, const node *table, const mod_act *x, const mod_act *y,
                           const bitset *countries, example *ex)
{
    for (size_t i = 0; i < an->ck->p->decls.countries.n; i++) {
        const node *entry = bitset_has(countries, i) ? origin_entry(an->ck, table, i) : NULL;
        dec r;
        if (entry && differ(x, y, fold_percent(entry->b, &r) ? &r : NULL, ex)) {
            ex->country = i;
            return true;
        }
    }
    return false;
}

/* The products whose longest matching key in a by-product table is entry
 * k's: its codes, less those of longer keys (keys of one length do not
 * overlap). */
static const pset *entry_products(analysis *an, arena *r, const node *table, size_t k)
{
    const node *key = table->items.v[k]->a;
    const pset *s = fold_products(an, r, key, 0);
    for (size_t j = 0; s && j < table->items.n; j++) {
        const node *other = table->items.v[j]->a;
        if (j != k && (other->kind == N_HS || other->kind == N_HS_RANGE) &&
            other->v.hs.lo.len > key->v.hs.lo.len) {
            const pset *longer = fold_products(an, r, other, 0);
            s = longer ? pset_minus(r, s, longer) : NULL;
        }
    }
    return s;
}

static bool product_example(analysis *an, const node *table, const mod_act *x, const mod_act *y,
                            const pset *products, example *ex)
{
    for (size_t k = 0; k < table->items.n; k++) {
        const node *key = table->items.v[k]->a;
        if (key->kind != N_HS && key->kind != N_HS_RANGE)
            continue;
        const pset *s = entry_products(an, &an->mem, table, k);
        s = s ? pset_intersect(&an->mem, s, products) : NULL;
        dec r;
        if (s && s->n > 0 && differ(x, y, fold_percent(table->items.v[k]->b, &r) ? &r : NULL, ex)) {
            ex->products = s;
            return true;
        }
    }
    return false;
}

/* The first day of a window; the last of one with no start; any day of
 * one in force at all times. */
static int64_t first_day(interval w)
{
    date any = 0;
    if (w.lo != INT64_MIN)
        return w.lo;
    if (w.hi != INT64_MAX)
        return w.hi - 1;
    date_from_ymd(2025, 1, 1, &any);
    return any;
}

/* find_example: a shipment in scope of measure m and of both modifiers, on
 * a day in their windows (w) and in a rate window of m, on which x and y
 * can make m charge differently.  Rate clauses are tried in order; in a
 * table, entries (or countries) in order. */
static bool find_example(analysis *an, const node *m, const mod_act *x, const mod_act *y,
                         interval w, const bitset *countries, const pset *products, example *ex)
{
    for (size_t i = 0; i < m->items.n; i++) {
        const node *c = m->items.v[i];
        interval ci;
        if ((c->kind != N_RATE && c->kind != N_RATE_BY) || !window_interval(c->b, &ci))
            continue;
        interval both = { w.lo > ci.lo ? w.lo : ci.lo, w.hi < ci.hi ? w.hi : ci.hi };
        if (both.lo >= both.hi)
            continue;
        ex->day = first_day(both);
        ex->products = products;
        ex->country = (size_t)bitset_next(countries, 0);
        dec r;
        if (c->kind == N_RATE && differ(x, y, fold_percent(c->a, &r) ? &r : NULL, ex))
            return true;
        if (c->kind == N_RATE_BY && c->flags == BY_ORIGIN &&
            origin_example(an, c, x, y, countries, ex))
            return true;
        if (c->kind == N_RATE_BY && c->flags == BY_PRODUCT &&
            product_example(an, c, x, y, products, ex))
            return true;
    }
    return false;
}

/* A product of the set to show (sets.h's pset_example). */
static hs_code example_product(const pset *s)
{
    hs_code c = { 1, 2 };
    pset_example(s, &c);
    return c;
}

static const char *act_phrase(const checker *ck, const mod_act *a, char *buf, size_t n)
{
    static const char *const verbs[] = {
        [ACT_SUSPEND] = "suspends it",  [ACT_SUSPEND_TO] = "suspends it to",
        [ACT_SET] = "sets it to",       [ACT_CAP] = "caps it at",
        [ACT_REDUCE] = "reduces it by",
    };
    char rate[48] = "";
    if (a->rate)
        snippet(ck, a->rate->at, rate, sizeof rate);
    snprintf(buf, n, "%s%s%s", verbs[a->kind], a->rate ? " " : "", rate);
    return buf;
}

static const char *charge_phrase(const charge *c, char *buf, size_t n)
{
    if (c->suspended) {
        snprintf(buf, n, "suspends it");
    } else {
        char r[DEC_FMT_MAX];
        dec_format_percent(c->rate, r, sizeof r);
        snprintf(buf, n, "makes it %s", r);
    }
    return buf;
}

/* The shipment of an example, as the user would write it, and what
 * happens to it. */
static void example_note(analysis *an, diagnostic *d, const node *m, const mod_act *x,
                         const mod_act *y, const example *ex)
{
    char product[HS_FMT_MAX], day[11], outcome[256] = "", whens[256] = "";
    hs_format(example_product(ex->products), product);
    date_format((date)ex->day, day);
    if (ex->cx.known && ex->cy.known) {
        char a[64], b[64], where[160] = "there ";
        if (ex->own_known) {
            char own[DEC_FMT_MAX];
            dec_format_percent(ex->own, own, sizeof own);
            snprintf(where, sizeof where, "where '%s' charges %s, ", m->name, own);
        }
        snprintf(outcome, sizeof outcome, ": %s'%s' %s and '%s' %s", where, x->mod->name,
                 charge_phrase(&ex->cx, a, sizeof a), y->mod->name,
                 charge_phrase(&ex->cy, b, sizeof b));
    }
    /* The example may need more than its place, date and product. */
    const node *with_when[3] = { x->mod, y->mod, m };
    size_t len = 0;
    for (int i = 0; i < 3 && len < sizeof whens; i++) {
        if (!find_clause(with_when[i], N_WHEN))
            continue;
        int w = snprintf(whens + len, sizeof whens - len, "%s%s '%s'",
                         len ? " and " : " (if it meets the 'when' of ",
                         decl_kind_keyword(with_when[i]->kind), with_when[i]->name);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len > 0 && len + 1 < sizeof whens)
        strcat(whens, ")");
    diag_note(d, name_span(an->ck, m),
              "for example on shipment { origin: %s, product: hs %s, value: $1000, "
              "entered: %s }%s%s",
              an->ck->p->decls.countries.v[ex->country]->name, product, day, whens, outcome);
}

static void report_conflict(analysis *an, const node *m, const mod_act *x, const mod_act *y,
                            const example *ex)
{
    char a[96], b[96];
    diagnostic *d =
        diag_add(an->ck->diags, SEV_WARNING, D_MAY_CONFLICT, y->clause->at,
                 "%s '%s' and %s '%s' can conflict on measure '%s': one %s, the "
                 "other %s",
                 decl_kind_keyword(x->mod->kind), x->mod->name, decl_kind_keyword(y->mod->kind),
                 y->mod->name, m->name, act_phrase(an->ck, x, a, sizeof a),
                 act_phrase(an->ck, y, b, sizeof b));
    diag_note(d, x->clause->at, "%s '%s' is here; declare which wins with 'overrides'",
              decl_kind_keyword(x->mod->kind), x->mod->name);
    example_note(an, d, m, x, y, ex);
}

static bool overrides(const node *k, const node *other)
{
    for (size_t i = 0; i < k->items.n; i++) {
        const node *c = k->items.v[i];
        for (size_t j = 0; c->kind == N_OVERRIDES && j < c->items.n; j++)
            if (c->items.v[j]->ref == other)
                return true;
    }
    return false;
}

static size_t pair_slot(uint64_t key, size_t cap)
{
    return (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (cap - 1);
}

/* pair_seen: has the pair of modifiers (lo, hi) been reported?  Adds it.
 * An open-addressing set of keys lo * 2^32 + hi + 1 (0 marks a free slot). */
static bool pair_seen(analysis *an, size_t lo, size_t hi)
{
    if (2 * (an->npairs + 1) > an->cap_pairs) {
        size_t cap = an->cap_pairs ? 2 * an->cap_pairs : 64;
        uint64_t *v = mem_calloc(an->ck->p->arena->mem, cap, sizeof *v);
        if (!v) {
            an->ck->out_of_memory = true;
            return true;
        }
        for (size_t i = 0; i < an->cap_pairs; i++) {
            size_t h = pair_slot(an->pairs[i], cap);
            while (an->pairs[i] && v[h])
                h = (h + 1) & (cap - 1);
            if (an->pairs[i])
                v[h] = an->pairs[i];
        }
        mem_free(an->ck->p->arena->mem, an->pairs);
        an->pairs = v;
        an->cap_pairs = cap;
    }
    uint64_t key = ((uint64_t)lo << 32 | (uint64_t)hi) + 1;
    size_t h = pair_slot(key, an->cap_pairs);
    for (; an->pairs[h]; h = (h + 1) & (an->cap_pairs - 1))
        if (an->pairs[h] == key)
            return true;
    an->pairs[h] = key;
    an->npairs++;
    return false;
}

/* check_pair: x and y act on measure m (x declared first).  They can
 * conflict when neither overrides the other, they can end in different
 * charges, and some shipment is in both scopes and m's, on a day in both
 * windows and a rate window of m. */
static void check_pair(analysis *an, const node *m, const mod_act *x, const mod_act *y);

/* check_pair_in: check_pair, giving back what it allocated (the arena
 * would otherwise grow with the number of pairs). */
static void check_pair_in(analysis *an, const node *m, const mod_act *x, const mod_act *y)
{
    arena_mark mark = arena_save(&an->mem);
    check_pair(an, m, x, y);
    arena_restore(&an->mem, mark);
}

/* narrow: products less those where an overrider of k (constant scope, no
 * `when`, in force all of w) is active on every country of countries; or
 * else countries less its countries, if it has all the products.  Where
 * such an overrider is active, k is dropped. */
static const pset *narrow(analysis *an, const node *k, bitset *countries, const pset *products,
                          interval w)
{
    for (size_t i = an->over_first[k->index]; products && i < an->over_first[k->index + 1]; i++) {
        const node *z = an->overriders[i];
        const scope_sets *sz = &an->mods[z->index];
        if (!in_world(an, z, an->world) || !sz->known || sz->when || sz->window.lo > w.lo ||
            w.hi > sz->window.hi)
            continue;
        if (bitset_is_subset(countries, sz->countries))
            products = pset_minus(&an->mem, products, sz->products);
        else if (products_within(&an->mem, products, sz->products))
            bitset_minus(countries, sz->countries);
    }
    return products;
}

/* witness_holds: is neither x nor y dropped on the example, as the
 * evaluator decides (a modifier is dropped where any modifier overriding it
 * is active)?  Leaves out of ex->products those of overriders active at
 * its country and day; false when nothing is left, or when an overrider
 * whose scope is not constant or has a `when` may be active there. */
static bool witness_holds(analysis *an, const node *kx, const node *ky, example *ex)
{
    const node *ks[2] = { kx, ky };
    for (int pass = 0; pass < 2; pass++) {
        for (int t = 0; t < 2; t++) {
            const node *k = ks[t];
            for (size_t i = an->over_first[k->index]; i < an->over_first[k->index + 1]; i++) {
                const node *z = an->overriders[i];
                const scope_sets *sz = &an->mods[z->index];
                if (!in_world(an, z, an->world))
                    continue;
                if (!sz->known || !sz->countries || !sz->products)
                    return false;
                if (!countries_in(sz->countries, ex->country) || ex->day < sz->window.lo ||
                    ex->day >= sz->window.hi)
                    continue;
                if (pass == 0 && !sz->when) {
                    ex->products = pset_minus(&an->mem, ex->products, sz->products);
                    if (!ex->products || ex->products->n == 0)
                        return false;
                } else if (pass == 1 && sz->when &&
                           pset_has(sz->products, example_product(ex->products))) {
                    return false;
                }
            }
        }
    }
    return true;
}

static void check_pair(analysis *an, const node *m, const mod_act *x, const mod_act *y)
{
    const node *kx = x->mod, *ky = y->mod;
    const scope_sets *sx = &an->mods[kx->index], *sy = &an->mods[ky->index];
    const scope_sets *sm = &an->measures[m->index];
    if (kx == ky || ((size_t)ky->index < an->first_modifier) || an->overruled[kx->index] ||
        an->overruled[ky->index] || overrides(kx, ky) || overrides(ky, kx) || same_effect(x, y) ||
        !sx->known || !sy->known || !sm->known)
        return;
    interval w = { sx->window.lo > sy->window.lo ? sx->window.lo : sy->window.lo,
                   sx->window.hi < sy->window.hi ? sx->window.hi : sy->window.hi };
    bitset *countries = country_set(an->ck, &an->mem);
    const pset *products = pset_intersect(&an->mem, sx->products, sy->products);
    products = products ? pset_intersect(&an->mem, products, sm->products) : NULL;
    if (w.lo >= w.hi || !countries || !products || products->n == 0 ||
        !countries_meet(countries, sx->countries, sy->countries, sm->countries))
        return;
    products = narrow(an, kx, countries, products, w);
    products = products ? narrow(an, ky, countries, products, w) : NULL;
    example ex;
    memset(&ex, 0, sizeof ex);
    if (products && products->n > 0 && !bitset_is_empty(countries) &&
        find_example(an, m, x, y, w, countries, products, &ex) && witness_holds(an, kx, ky, &ex) &&
        !pair_seen(an, (size_t)kx->index, (size_t)ky->index))
        report_conflict(an, m, x, y, &ex);
}

/* The actions on measure m of the modifiers of the world scn, in the
 * order the modifiers are declared. */
static size_t acts_on(analysis *an, const node *m, const node *scn)
{
    size_t n = 0;
    for (size_t i = an->first[m->index]; i < an->first[m->index + 1]; i++)
        if (in_world(an, an->acts[i].mod, scn))
            an->cand[n++] = &an->acts[i];
    for (size_t i = 0; i < an->nall; i++)
        if (in_world(an, an->all_acts[i].mod, scn) && !excepted(&an->all_acts[i], m))
            an->cand[n++] = &an->all_acts[i];
    return n;
}

static int compare_acts(const void *a, const void *b)
{
    const mod_act *x = *(const mod_act *const *)a, *y = *(const mod_act *const *)b;
    return x->mod->index < y->mod->index ? -1 : x->mod->index > y->mod->index;
}

/* check_world: every pair of modifiers of the world scn (NULL: the base
 * policy) acting on one measure.  In a scenario only pairs with one of its
 * own modifiers are new: the others were looked at in the base policy. */
static void check_world(analysis *an, const node *scn)
{
    const node_list *ms = &an->ck->p->decls.measures;
    enter_world(an, scn);
    an->world = scn;
    find_overruled(an);
    for (size_t m = 0; m < ms->n; m++) {
        if (!in_world(an, ms->v[m], scn))
            continue;
        size_t n = acts_on(an, ms->v[m], scn);
        qsort(an->cand, n, sizeof *an->cand, compare_acts);
        for (size_t j = 1; j < n; j++)
            for (size_t i = 0; i < j; i++)
                if (!scn || an->cand[i]->mod->ref == scn || an->cand[j]->mod->ref == scn)
                    check_pair_in(an, ms->v[m], an->cand[i], an->cand[j]);
    }
}

static bool has_own_modifiers(const node *scn)
{
    for (size_t i = 0; i < scn->items.n; i++)
        if (decl_kind_class(scn->items.v[i]->kind) == DC_MODIFIER)
            return true;
    return false;
}

/* ---- W103 and W104 together ------------------------------------------------ */

static bool analysis_init(analysis *an, checker *ck, size_t first_measure, size_t first_modifier)
{
    const decl_table *t = &ck->p->decls;
    memset(an, 0, sizeof *an);
    an->ck = ck;
    arena_init(&an->mem, ck->p->arena->mem);
    arena_init(&an->fold_mem, ck->p->arena->mem);
    an->nfolded[0] = t->products.n;
    an->nfolded[1] = t->lets.n;
    for (int w = 0; w < 2; w++) {
        size_t n = an->nfolded[w] ? an->nfolded[w] : 1;
        an->folded[w] = arena_alloc(&an->fold_mem, n * sizeof *an->folded[w]);
        an->fold_state[w] = arena_alloc(&an->fold_mem, n);
        if (!an->folded[w] || !an->fold_state[w])
            return false;
        memset(an->fold_state[w], 0, n);
    }
    an->first_measure = first_measure;
    an->first_modifier = first_modifier;
    size_t nm = t->measures.n ? t->measures.n : 1, nk = t->modifiers.n ? t->modifiers.n : 1;
    an->measures = arena_alloc(&an->mem, nm * sizeof *an->measures);
    an->mods = arena_alloc(&an->mem, nk * sizeof *an->mods);
    an->dropped_m = arena_alloc(&an->mem, nm * sizeof *an->dropped_m);
    an->dropped_k = arena_alloc(&an->mem, nk * sizeof *an->dropped_k);
    an->dropped_anywhere = arena_alloc(&an->mem, nm * sizeof *an->dropped_anywhere);
    an->overruled = arena_alloc(&an->mem, nk * sizeof *an->overruled);
    if (!an->measures || !an->mods || !an->dropped_m || !an->dropped_k || !an->dropped_anywhere ||
        !an->overruled || !group_acts(an) || !index_overriders(an))
        return false;
    for (size_t i = 0; i < t->measures.n; i++)
        fold_scope(an, t->measures.v[i], &an->measures[i]);
    for (size_t i = 0; i < t->modifiers.n; i++)
        fold_scope(an, t->modifiers.v[i], &an->mods[i]);
    for (size_t s = 0; s < t->scenarios.n; s++) {
        enter_world(an, t->scenarios.v[s]);
        for (size_t i = 0; i < t->measures.n; i++)
            an->dropped_anywhere[i] |= an->dropped_m[i];
    }
    return !an->mem.failed;
}

/* W103 and W104, on a policy that checked clean (they reason about what
 * the policy means, which errors leave unsettled).  Reported for
 * declarations loaded since the last check. */
void check_policy_meaning(checker *ck, size_t first_measure, size_t first_modifier)
{
    analysis an;
    if (analysis_init(&an, ck, first_measure, first_modifier)) {
        check_always_replaced(&an);
        check_world(&an, NULL);
        const node_list *scns = &ck->p->decls.scenarios;
        for (size_t s = 0; s < scns->n; s++)
            if (has_own_modifiers(scns->v[s]))
                check_world(&an, scns->v[s]);
    }
    if (an.mem.failed || an.fold_mem.failed)
        ck->out_of_memory = true;
    mem_free(ck->p->arena->mem, an.pairs);
    arena_free(&an.mem);
    arena_free(&an.fold_mem);
}
