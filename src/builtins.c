/* builtins.c - the built-in functions: has, rate, duty, effective_rate,
 * explain, applies, commits, max, min, timeline.
 */
#include "eval.h"

#include <stdio.h>
#include <string.h>

#include "diag_codes.h"
#include "eval_internal.h"

/* ---- Built-in functions -------------------------------------------------------------- */

static int builtin_of(const node *callee)
{
    static const char *const names[B_BUILTIN_COUNT] = {
        [B_HAS] = "has",         [B_RATE] = "rate",
        [B_DUTY] = "duty",       [B_EFFECTIVE_RATE] = "effective_rate",
        [B_EXPLAIN] = "explain", [B_APPLIES] = "applies",
        [B_COMMITS] = "commits", [B_MAX] = "max",
        [B_MIN] = "min",         [B_TIMELINE] = "timeline",
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
    return ev_fail(err, D_EVAL_TYPE, e->at, "'%s' takes %zu to %zu arguments, not %zu",
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
        f = ev_field_of_name(env, arg);
        if (f < 0 && name)
            f = ship_field_lookup(env->ix->p, name);
    }
    if (f < 0)
        return ev_fail(err, D_EVAL_TYPE, arg->at, "has() takes a shipment field");
    if (!s)
        return ev_fail_no_shipment(env, arg, f, err);
    *out = value_bool(ship_has(s, f));
    return true;
}

/* needs: the fields every evaluation needs, checked before any measure
 * is looked at, and reported at the call. */
static bool needs(const node *e, const shipment *s, bool need_entered, eval_error *err)
{
    char who[64];
    snprintf(who, sizeof who, "%s()", e->a->name ? e->a->name : "?");
    return eval_needs(s, need_entered, e->at, who, err);
}

/* assess_arg: evaluates argument i as a shipment and assesses it. */
static bool assess_arg(eval_env *env, const node *e, size_t i, int flags, assessment *a,
                       eval_error *err)
{
    value s;
    if (!ev_kind(env, e->items.v[i], V_SHIPMENT, &s, err) || !needs(e, s.as.ship, true, err))
        return false;
    eval_env sub = *env;
    sub.owner = sub.clause = NULL;
    if (eval_assess(&sub, s.as.ship, flags, a, err))
        return true;
    if (err->at.file != e->at.file || err->at.first_line != e->at.first_line)
        ev_note(err, e->at, "while evaluating this");
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
        assessment *keep = arena_alloc(env->mem, sizeof *keep);
        if (!keep)
            return ev_out_of_memory(err, e);
        *keep = a;
        out->kind = V_EXPLANATION;
        out->as.expl = keep;
        return true;
    }
    /* effective_rate: duty / value, half-up to 0.0001%. */
    if (!ship_has(a.ship, F_VALUE))
        return ev_fail(err, D_EVAL_MISSING_FIELD, e->at,
                       "shipment has no 'value', needed by effective_rate");
    dec r;
    dec_status st = dec_div(a.duty, a.ship->fields[F_VALUE].as.num, &r);
    if (st != DEC_OK)
        return ev_fail_overflow(err, st, e);
    *out = value_rate(rate_ad_valorem(r));
    return true;
}

static bool bi_applies(eval_env *env, const node *e, value *out, eval_error *err)
{
    value m, s;
    if (!ev_expr(env, e->items.v[0], &m, err))
        return false;
    if (m.kind != V_DECL || m.as.decl->kind != N_MEASURE)
        return ev_fail_kind(err, e->items.v[0], &m, decl_kind_phrase(N_MEASURE));
    if (!ev_kind(env, e->items.v[1], V_SHIPMENT, &s, err) || !needs(e, s.as.ship, true, err))
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
    if (!ev_kind(env, e->items.v[0], V_COUNTRY, &c, err) || !ev_expr(env, e->items.v[1], &k, err))
        return false;
    if (k.kind != V_DECL || k.as.decl->kind != N_COMMITMENT)
        return ev_fail_kind(err, e->items.v[1], &k, decl_kind_phrase(N_COMMITMENT));
    if (e->items.n > 2) {
        if (!ev_kind(env, e->items.v[2], V_DATE, &d, err))
            return false;
    } else if (!env->ship) {
        return ev_fail(err, D_EVAL_MISSING_FIELD, e->at,
                       "commits() needs a date outside a shipment's conditions");
    } else if (!ev_read_field(env, env->ship, F_ENTERED, e, &d, err)) {
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
        return ev_fail_specific(env, err, e, is_max ? "max" : "min", acc, v);
    int c;
    if (!ev_order(env, e, acc, v, &c, err))
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
    if (!ev_expr(env, e->items.v[0], out, err))
        return false;
    for (size_t i = 1; i < e->items.n; i++) {
        value v;
        if (!ev_expr(env, e->items.v[i], &v, err) || !pick(env, e, is_max, out, &v, err))
            return false;
    }
    return true;
}

static bool bi_timeline(eval_env *env, const node *e, value *out, eval_error *err)
{
    value s, from, until;
    if (!ev_kind(env, e->items.v[0], V_SHIPMENT, &s, err) || !needs(e, s.as.ship, false, err) ||
        !ev_kind(env, e->items.v[1], V_DATE, &from, err) ||
        !ev_expr(env, e->items.v[2], &until, err))
        return false;
    if (until.kind == V_DURATION) {
        if (!ev_date_plus(e->items.v[2], from.as.day, until.as.dur, 1, &until, err))
            return false;
    } else if (until.kind != V_DATE) {
        return ev_fail_kind(err, e->items.v[2], &until, "a date or a duration");
    }
    timeline *t = arena_alloc(env->mem, sizeof *t);
    if (!t)
        return ev_out_of_memory(err, e);
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

bool ev_call_builtin(eval_env *env, const node *e, value *out, eval_error *err)
{
    int id = builtin_of(e->a);
    switch (id) {
    case B_HAS: return want_args(e, 1, 1, err) && bi_has(env, e, out, err);
    case B_RATE:
    case B_DUTY:
    case B_EFFECTIVE_RATE:
    case B_EXPLAIN: return want_args(e, 1, 1, err) && bi_assess(env, e, id, out, err);
    case B_APPLIES: return want_args(e, 2, 2, err) && bi_applies(env, e, out, err);
    case B_COMMITS: return want_args(e, 2, 3, err) && bi_commits(env, e, out, err);
    case B_MAX:
    case B_MIN: return want_args(e, 1, 64, err) && bi_extreme(env, e, id == B_MAX, out, err);
    case B_TIMELINE: return want_args(e, 3, 3, err) && bi_timeline(env, e, out, err);
    default:
        return ev_fail(err, D_EVAL_TYPE, e->at, "'%s' is not a function",
                       e->a->name ? e->a->name : "?");
    }
}
