/* assess.c - what one shipment owes (eval.h), in the order of the
 * design's §4: what each measure charges (step 1), modifiers (step 2),
 * replacements (step 3), amounts (step 4); then timelines.
 */
#include "eval.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "eval_internal.h"

/* ---- What a measure charges (step 1) ---------------------------------------------- */

static bool ev_country_field(eval_env *env, int f, const node *at, int *out, eval_error *err)
{
    value v;
    if (!ev_read_field(env, env->ship, f, at, &v, err))
        return false;
    *out = v.as.country;
    return true;
}

static bool ev_product_field(eval_env *env, const node *at, hs_code *out, eval_error *err)
{
    value v;
    if (!ev_read_field(env, env->ship, F_PRODUCT, at, &v, err))
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
        if (!products_in(sc->on_dynamic ? set.as.products : sc->products, product))
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
        if (!countries_in(sc->from_dynamic ? set.as.countries : sc->origins, (size_t)origin))
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
    if (!ev_read_field(env, env->ship, F_ENTERED, clause, &v, err))
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
    case RC_LOOKUP: return ev_lookup_schedule(env, rc->sched, rc->node->a, true, out, applies, err);
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
        return ev_entry_rate(env, rc->entries[i].entry->b, applies, out, err);
    }
    case RC_BY_PRODUCT: {
        hs_code product;
        if (!ev_product_field(env, rc->node, &product, err))
            return false;
        const sched_row *row = schedule_lookup(rc->table, product);
        if (!row)
            return true;
        return ev_row_rate(env, row, applies, out, err);
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
    rate_value rate; /* its own rate, then what it charges */
    rate_value was;
    uint8_t status;
    uint8_t change;       /* charge_change */
    bool decided;         /* a modifier has decided its charge */
    const c_modifier *by; /* that modifier */
    const action *act;
    const node *replaced_by; /* step 3 */
    const node *clause;      /* the rate clause that gave its rate */
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

static bool action_outcome(eval_env *env, const c_modifier *k, const action *a, rate_value own,
                           outcome *o, eval_error *err)
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
        return ev_fail_specific(env, err, a->node, a->kind == ACT_CAP ? "min" : "-", &x, &y);
    }
    dec v = own.ad_valorem;
    if (a->kind == ACT_CAP) {
        v = dec_min(v, r.ad_valorem);
        o->change = CHANGE_CAP;
    } else {
        dec_status st = dec_sub(v, r.ad_valorem, &v);
        if (st != DEC_OK)
            return ev_fail_overflow(err, st, a->node);
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
    ev_fail(err, D_EVAL_CONFLICT, st->act->node->at,
            "conflicting modifiers on measure %s: %s %s (%s:%d) %s, %s %s (%s:%d) %s",
            measure->name, ev_decl_word(m1), m1->name, ev_file_name(p, m1->at), m1->at.first_line,
            x, ev_decl_word(m2), m2->name, ev_file_name(p, m2->at), m2->at.first_line, y);
    ev_note(err, a->node->at, "%s %s is here; declare which wins with 'overrides'",
            ev_decl_word(m2), m2->name);
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

/* ---- What one assessment knows (per-row scratch, in env->mem) ---------------------- */

/* The candidate measures of one shipment (ascending slots, from the
 * index's lists or every measure) and what evaluation knows about each.
 * A measure that is not a candidate can never apply to the shipment: its
 * state would stay MS_NONE, as row_state's NULL says. */
typedef struct row {
    const int *slot;
    size_t n;
    mstate *st; /* n */
    size_t napplying;
} row;

static mstate *row_state(const row *r, int slot)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->slot[mid] < slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n && r->slot[lo] == slot ? &r->st[lo] : NULL;
}

/* Whether each modifier met so far is active: a small map (or, in a full
 * walk, one byte per modifier). */
typedef struct mod_memo {
    int *slot;
    int8_t *v;
    size_t n, cap;
    int8_t *dense;
} mod_memo;

static int8_t *memo_of(mod_memo *mm, int k)
{
    if (mm->dense)
        return &mm->dense[k];
    for (size_t i = 0; i < mm->n; i++)
        if (mm->slot[i] == k)
            return &mm->v[i];
    if (mm->n == mm->cap)
        return NULL; /* cannot happen: cap counts every lookup */
    mm->slot[mm->n] = k;
    mm->v[mm->n] = -1;
    return &mm->v[mm->n++];
}

static bool overridden(eval_env *env, const c_modifier *k, mod_memo *mm, bool *out,
                       eval_error *err)
{
    *out = false;
    for (size_t i = 0; i < k->noverridden_by && !*out; i++) {
        int j = k->overridden_by[i];
        int8_t *memo = memo_of(mm, j);
        if (!memo)
            return ev_out_of_memory(err, NULL);
        if (!mod_active(env, &env->ix->mods[j], memo, out, err))
            return false;
    }
    return true;
}

/* touches: does an action of k name a measure that applies? */
static bool touches(const c_modifier *k, const row *r)
{
    for (size_t a = 0; a < k->nacts; a++)
        for (size_t i = 0; i < k->acts[a].nslots; i++) {
            const mstate *t = row_state(r, k->acts[a].slots[i]);
            if (t && t->status != MS_NONE)
                return true;
        }
    return false;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* modifiers_met: the modifiers that name a measure that applies,
 * ascending, found through the measures (the index's k_of_m). */
static bool modifiers_met(eval_env *env, const row *r, int **out, size_t *n, eval_error *err)
{
    const policy_index *ix = env->ix;
    size_t total = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->st[i].status != MS_NONE)
            total += ix->k_of_m[r->slot[i] + 1] - ix->k_of_m[r->slot[i]];
    *n = 0;
    *out = arena_alloc(env->mem, (total ? total : 1) * sizeof **out);
    if (!*out)
        return ev_out_of_memory(err, NULL);
    int *ks = *out;
    for (size_t i = 0; i < r->n; i++)
        if (r->st[i].status != MS_NONE)
            for (uint32_t j = ix->k_of_m[r->slot[i]]; j < ix->k_of_m[r->slot[i] + 1]; j++)
                ks[(*n)++] = ix->k_of_m_items[j];
    if (*n > 1) {
        qsort(ks, *n, sizeof *ks, cmp_int);
        size_t w = 1;
        for (size_t i = 1; i < *n; i++)
            if (ks[i] != ks[w - 1])
                ks[w++] = ks[i];
        *n = w;
    }
    return true;
}

/* apply_modifiers: step 2 on the measures that apply, modifiers in
 * declaration order. */
static bool apply_modifiers(eval_env *env, row *r, eval_error *err)
{
    const policy_index *ix = env->ix;
    int *ks = NULL;
    size_t nk = ix->nmods;
    mod_memo mm = { 0 };
    if (env->full_walk) {
        mm.dense = arena_alloc(env->mem, nk ? nk : 1);
        if (!mm.dense)
            return ev_out_of_memory(err, NULL);
        memset(mm.dense, -1, nk);
    } else {
        if (!modifiers_met(env, r, &ks, &nk, err))
            return false;
        mm.cap = nk;
        for (size_t i = 0; i < nk; i++)
            mm.cap += ix->mods[ks[i]].noverridden_by;
        mm.slot = arena_alloc(env->mem, (mm.cap ? mm.cap : 1) * sizeof *mm.slot);
        mm.v = arena_alloc(env->mem, mm.cap ? mm.cap : 1);
        if (!mm.slot || !mm.v)
            return ev_out_of_memory(err, NULL);
    }
    for (size_t i = 0; i < nk; i++) {
        int kk = ks ? ks[i] : (int)i;
        const c_modifier *k = &ix->mods[kk];
        if (!ks && !touches(k, r))
            continue;
        bool active, over;
        int8_t *memo = memo_of(&mm, kk);
        if (!memo)
            return ev_out_of_memory(err, NULL);
        if (!mod_active(env, k, memo, &active, err))
            return false;
        if (!active)
            continue;
        if (!overridden(env, k, &mm, &over, err))
            return false;
        if (over)
            continue;
        for (size_t a = 0; a < k->nacts; a++) {
            const action *act = &k->acts[a];
            for (size_t t = 0; t < act->nslots; t++) {
                int m = act->slots[t];
                mstate *st = row_state(r, m);
                if (st && st->status != MS_NONE &&
                    !apply_action(env, k, act, st, ix->measures[m].decl, err))
                    return false;
            }
        }
    }
    return true;
}

/* ---- Replacements (step 3) --------------------------------------------------------- */

static bool apply_replacements(eval_env *env, row *r, eval_error *err)
{
    const policy_index *ix = env->ix;
    for (size_t i = 0; i < r->n; i++) {
        if (r->st[i].status != MS_APPLIES)
            continue; /* a suspended measure replaces nothing */
        const c_measure *cm = &ix->measures[r->slot[i]];
        env->owner = cm->decl;
        for (size_t k = 0; k < cm->nrepl; k++) {
            const replaces_clause *rc = &cm->repl[k];
            if (rc->win.from != DAY_EVER || rc->win.until != DAY_NEVER) {
                date entered;
                if (!entered_of(env, rc->node, &entered, err))
                    return false;
                if (!window_has(rc->win, entered))
                    continue;
            }
            for (size_t t = 0; t < rc->ntargets; t++) {
                mstate *x = row_state(r, rc->targets[t]);
                /* Decided from the measures still applying after step 2,
                   so what a replaced measure replaces stays replaced. */
                if (x && x->status == MS_APPLIES && !x->replaced_by)
                    x->replaced_by = cm->decl;
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
    return ev_fail(err, D_EVAL_SPECIFIC, clause ? clause->at : m->decl->at,
                   "measure %s charges %s, but the shipment %s", m->decl->name, rt, why);
}

/* measure_amount: base x ad valorem + quantity x specific, computed
 * exactly and rounded half-up to the cent once (dec_mul_add_round). */
static bool measure_amount(eval_env *env, const c_measure *m, const node *clause, rate_value r,
                           dec *base, dec *amount, eval_error *err)
{
    env->owner = m->decl;
    env->clause = m->base;
    *base = dec_zero();
    if (!dec_is_zero(r.ad_valorem)) {
        value b;
        if (m->base ? !ev_kind(env, m->base->a, V_MONEY, &b, err)
                    : !ev_read_field(env, env->ship, F_VALUE, m->decl, &b, err))
            return false;
        *base = b.as.num;
    }
    dec quantity = dec_zero();
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
        quantity = env->ship->fields[F_QUANTITY].as.num;
    }
    /* To the cent, half away from zero, once for the whole amount. */
    if (dec_mul_add_round(*base, r.ad_valorem, quantity, r.specific, 2, amount) != DEC_OK)
        return ev_fail(err, D_EVAL_ARITH, m->decl->at, "the duty of measure %s is too large",
                       m->decl->name);
    return true;
}

/* ---- Assessment -------------------------------------------------------------------- */

/* row_candidates: the measures that can apply to s, from the index's
 * lists for its origin (and its product's chapter); every measure in a
 * full walk. */
static void row_candidates(const eval_env *env, const shipment *s, row *r)
{
    const policy_index *ix = env->ix;
    r->slot = ix->every;
    r->n = ix->nmeasures;
    if (env->full_walk || !ship_has(s, F_ORIGIN) || !ship_has(s, F_PRODUCT))
        return;
    size_t c = (size_t)s->fields[F_ORIGIN].as.country;
    hs_code product = s->fields[F_PRODUCT].as.product;
    if (ix->m_by_oc && product.len >= 2) {
        size_t i = c * NCHAPTERS + (size_t)(hs_truncate(product, 2).digits % NCHAPTERS);
        r->slot = ix->m_by_oc_items + ix->m_by_oc[i];
        r->n = ix->m_by_oc[i + 1] - ix->m_by_oc[i];
    } else {
        r->slot = ix->m_by_o_items + ix->m_by_o[c];
        r->n = ix->m_by_o[c + 1] - ix->m_by_o[c];
    }
}

/* collect_applying: step 1 over the candidate measures. */
static bool collect_applying(eval_env *env, row *r, eval_error *err)
{
    const policy_index *ix = env->ix;
    for (size_t i = 0; i < r->n; i++) {
        bool applies;
        rate_value rt;
        const node *clause = NULL;
        if (!measure_rate(env, &ix->measures[r->slot[i]], &applies, &rt, &clause, err))
            return false;
        if (!applies)
            continue;
        mstate *st = &r->st[i];
        st->status = MS_APPLIES;
        st->rate = st->was = rt;
        st->clause = clause;
        r->napplying++;
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
    return s == DEC_OK ? true : ev_fail_overflow(err, s, at);
}

/* build_result: the measures charged and left out, in declaration order. */
static bool build_result(eval_env *env, const row *r, int flags, assessment *out,
                         eval_error *err)
{
    const policy_index *ix = env->ix;
    size_t n = r->napplying;
    out->applied = arena_alloc(env->mem, (n ? n : 1) * sizeof *out->applied);
    out->skipped = arena_alloc(env->mem, (n ? n : 1) * sizeof *out->skipped);
    if (!out->applied || !out->skipped)
        return ev_out_of_memory(err, NULL);
    bool mixed = false;
    for (size_t i = 0; i < r->n; i++) {
        const mstate *s = &r->st[i];
        if (s->status == MS_NONE)
            continue;
        const c_measure *cm = &ix->measures[r->slot[i]];
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
            return ev_fail_overflow(err, ds, cm->decl);
    }
    out->has_duty = (flags & ASSESS_AMOUNTS) != 0;
    return true;
}

bool eval_needs(const shipment *s, bool need_entered, span at, const char *who, eval_error *err)
{
    static const struct {
        int f;
        const char *text;
    } needed[] = { { F_ORIGIN, "'origin'" },
                   { F_PRODUCT, "'product'" },
                   { F_ENTERED, "'entered' date" } };
    const char *missing[3];
    size_t n = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if ((needed[i].f != F_ENTERED || need_entered) && !ship_has(s, needed[i].f))
            missing[n++] = needed[i].text;
    if (n == 0)
        return true;
    char list[80];
    if (n == 1)
        snprintf(list, sizeof list, "%s", missing[0]);
    else if (n == 2)
        snprintf(list, sizeof list, "%s or %s", missing[0], missing[1]);
    else
        snprintf(list, sizeof list, "%s, %s or %s", missing[0], missing[1], missing[2]);
    return ev_fail(err, D_EVAL_MISSING_FIELD, at, "shipment has no %s, needed by %s", list, who);
}

bool eval_assess(eval_env *env, const shipment *s, int flags, assessment *out, eval_error *err)
{
    memset(out, 0, sizeof *out);
    const policy_index *ix = env->ix;
    out->prog = ix->p;
    out->ship = s;
    if (env->interrupt && *env->interrupt)
        return ev_fail(err, D_EVAL_INTERRUPTED, span_none, "interrupted");
    if (!ix->ready)
        return ev_fail(err, D_EVAL_LIMIT, span_none,
                       "shipments cannot be evaluated while the policy is being compiled");
    if (env->depth > EVAL_MAX_DEPTH)
        return ev_fail(err, D_EVAL_LIMIT, span_none, "evaluation nests too deeply");
    if (!eval_needs(s, true, span_none, "every evaluation", err))
        return false;
    eval_env sub = *env;
    sub.ship = s;
    sub.owner = sub.clause = NULL;
    sub.depth++;
    row r = { 0 };
    row_candidates(env, s, &r);
    r.st = arena_alloc(env->mem, (r.n ? r.n : 1) * sizeof *r.st);
    if (!r.st)
        return ev_out_of_memory(err, NULL);
    return collect_applying(&sub, &r, err) && apply_modifiers(&sub, &r, err) &&
           apply_replacements(&sub, &r, err) && build_result(&sub, &r, flags, out, err);
}

bool eval_applies(eval_env *env, const node *measure, const shipment *s, bool *out, eval_error *err)
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
    st->measures = arena_alloc(env->mem, (n ? n : 1) * sizeof *st->measures);
    st->rates = arena_alloc(env->mem, (n ? n : 1) * sizeof *st->rates);
    if (!st->measures || !st->rates)
        return ev_out_of_memory(err, NULL);
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
        return ev_fail(err, D_EVAL_TYPE, span_none, "a timeline needs its end after its start");
    out->steps = arena_alloc(env->mem, (ix->nbounds + 1) * sizeof *out->steps);
    shipment *at = ship_copy(env->mem, s);
    if (!out->steps || !at)
        return ev_out_of_memory(err, NULL);
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
