/* prepare.c - the evaluator's part of building a policy index.
 *
 * compile.c builds an index's structure from the checked program: which
 * declarations make the policy, the schedule files, measure and modifier
 * slots, the clauses and their targets.  What needs an expression's value
 * is filled here, with the evaluator, before anything reads the index:
 * windows, the `on`/`from` sets, rates that are constants, the rows of
 * tables and inline schedules, commitments, the candidate indexes (which
 * need the sets), the dates where a charge may change, and the constant
 * lets, groups and product sets.  Once eval_prepare returns, the index is
 * read-only and may be shared by threads.
 */
#include "eval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "eval_internal.h"
#include "policy_index.h"
#include "schedule.h"

typedef struct builder {
    policy_index *ix;
    diag_list *diags;
    eval_env env; /* no shipment; values go in the index's arena */
} builder;

static void report(builder *b, const eval_error *err)
{
    eval_error_to_diag(err, b->diags);
}

static void *ix_alloc(builder *b, size_t n, size_t size)
{
    return arena_alloc(&b->ix->mem, (n ? n : 1) * size);
}

/* ---- Windows and sets ---- */

static window empty_window(void)
{
    window w = { 0, 0 };
    return w;
}

/* prepare_window: [from, until) of an N_WINDOW (NULL: always).  An error is
 * reported and the window made empty, so a broken window never widens a
 * measure. */
static window prepare_window(builder *b, const node *w)
{
    if (!w)
        return window_always();
    eval_error err;
    value from, end;
    if (!ev_kind(&b->env, w->a, V_DATE, &from, &err)) {
        report(b, &err);
        return empty_window();
    }
    window r = { from.as.day, DAY_NEVER };
    if (w->flags == WIN_FROM || !w->b)
        return r;
    if (!ev_expr(&b->env, w->b, &end, &err)) {
        report(b, &err);
        return empty_window();
    }
    if (end.kind == V_DURATION) {
        if (date_add_duration(from.as.day, end.as.dur, 1, &r.until) != DATE_OK) {
            ev_fail(&err, D_EVAL_ARITH, w->at, "the window ends after 9999-12-31");
            report(b, &err);
            return empty_window();
        }
    } else if (end.kind == V_DATE) {
        r.until = end.as.day + (w->flags == WIN_THROUGH ? 1 : 0);
    } else {
        ev_fail_kind(&err, w->b, &end, "a date or a duration");
        report(b, &err);
        return empty_window();
    }
    return r;
}

/* prepare_set: the set of an `on`/`from` clause.  NULL *set means every
 * country or product; *dynamic that it reads shipment fields. */
static void prepare_set(builder *b, const node *clause, value_kind want, const void **set,
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

static void prepare_scope_clause(builder *b, scope *sc, const node *it)
{
    const void *set;
    if (it->kind == N_ON) {
        prepare_set(b, it, V_PRODUCT_SET, &set, &sc->on_dynamic);
        sc->products = set;
    } else if (it->kind == N_FROM) {
        prepare_set(b, it, V_COUNTRY_SET, &set, &sc->from_dynamic);
        sc->origins = set;
    }
}

/* try_constant_rate: folds a rate expression that reads nothing of the
 * shipment; false leaves it to be evaluated on each shipment. */
static bool try_constant_rate(builder *b, const node *e, rate_value *out)
{
    eval_error err;
    if (e->uses_shipment || ix_schedule_named(b->ix, e))
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
    row_adder ra = {
        b, tab, rate, constant ? NULL : (void *)entry, entry->at.first_line, 0, false
    };
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
        ev_fail(&err, D_EVAL_LIMIT, key->at, "this table key stands for too many product codes");
        report(b, &err);
    }
}

static void fill_product_table(builder *b, schedule *tab, const node_list *entries)
{
    for (size_t i = 0; i < entries->n; i++) {
        const node *e = entries->v[i];
        rate_value r = rate_ad_valorem(dec_zero());
        bool constant = try_constant_rate(b, e->b, &r);
        add_entry_rows(b, tab, e, constant, r);
    }
    schedule_finish(tab);
}

/* fill_origin_table: per country, the entry that applies: a country
 * listed by itself wins over a group that contains it.  (compile.c made
 * the table, every country at -1.) */
static bool fill_origin_table(builder *b, rate_clause *rc)
{
    size_t n = rc->nentries;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const node *e = rc->node->items.v[i];
            value key;
            eval_error err;
            if (!ev_expr(&b->env, e->a, &key, &err)) {
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

/* ---- Measures, modifiers, commitments ---- */

static bool prepare_rate_clause(builder *b, rate_clause *rc)
{
    const node *it = rc->node;
    rc->win = prepare_window(b, it->b);
    switch (rc->kind) {
    case RC_LOOKUP: return true;
    case RC_EXPR: rc->constant = try_constant_rate(b, it->a, &rc->rate); return true;
    case RC_BY_ORIGIN: return fill_origin_table(b, rc);
    case RC_BY_PRODUCT: fill_product_table(b, rc->table, &it->items); return true;
    }
    return true;
}

/* prepare_measure: in the order of its clauses, as they are written. */
static bool prepare_measure(builder *b, c_measure *m)
{
    const node *d = m->decl;
    size_t rate = 0, repl = 0;
    b->env.owner = d;
    for (size_t i = 0; i < d->items.n; i++) {
        const node *it = d->items.v[i];
        switch (it->kind) {
        case N_ON:
        case N_FROM: prepare_scope_clause(b, &m->sc, it); break;
        case N_RATE:
        case N_RATE_BY:
            if (!prepare_rate_clause(b, &m->clauses[rate++]))
                return false;
            break;
        case N_REPLACES:
            m->repl[repl].win = prepare_window(b, it->b);
            repl++;
            break;
        default: break;
        }
    }
    b->env.owner = NULL;
    return true;
}

static void prepare_modifier(builder *b, c_modifier *k)
{
    const node *d = k->decl;
    b->env.owner = d;
    for (size_t i = 0; i < d->items.n; i++) {
        const node *it = d->items.v[i];
        if (it->kind == N_EFFECTIVE)
            k->win = prepare_window(b, it->b);
        else if (it->kind == N_ON || it->kind == N_FROM)
            prepare_scope_clause(b, &k->sc, it);
    }
    b->env.owner = NULL;
}

/* prepare_commits: a commitment whose countries cannot be evaluated is
 * reported and left out. */
static void prepare_commits(builder *b)
{
    policy_index *ix = b->ix;
    size_t kept = 0;
    for (size_t i = 0; i < ix->ncommits; i++) {
        c_commit c = ix->commits[i];
        eval_error err;
        value who;
        if (!ev_set(&b->env, c.decl->a, V_COUNTRY_SET, &who, &err)) {
            report(b, &err);
            continue;
        }
        c.who = who.as.countries;
        c.win = prepare_window(b, c.decl->c);
        ix->commits[kept++] = c;
    }
    ix->ncommits = kept;
}

static void prepare_inline_schedules(builder *b)
{
    policy_index *ix = b->ix;
    for (size_t i = 0; i < ix->p->decls.schedules.n; i++) {
        c_schedule *cs = ix->scheds[i];
        if (cs && cs->owned && !cs->decl->b) {
            fill_product_table(b, &cs->tab, &cs->decl->items);
            cs->ok = true;
        }
    }
}

/* ---- Dates where the charge may change (for timelines) ---- */

typedef struct date_vec {
    date *v;
    size_t n, cap;
    bool failed;
    const mem *mem;
} date_vec;

static void push_date(date_vec *dv, date d)
{
    if (d == DAY_EVER || d == DAY_NEVER)
        return;
    if (!mem_grow(dv->mem, &dv->v, &dv->cap, dv->n, sizeof *dv->v, 64)) {
        dv->failed = true;
        return;
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
        if (ev_expr(&b->env, e, &v, &err) && v.kind == V_DATE) {
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
    date_vec dv = { NULL, 0, 0, false, ix->p->arena->mem };
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
        mem_free(dv.mem, dv.v);
        return false;
    }
    if (dv.n)
        qsort(dv.v, dv.n, sizeof *dv.v, date_cmp);
    ix->bounds = ix_alloc(b, dv.n, sizeof *ix->bounds);
    if (!ix->bounds) {
        mem_free(dv.mem, dv.v);
        return false;
    }
    for (size_t i = 0; i < dv.n; i++)
        if (ix->nbounds == 0 || ix->bounds[ix->nbounds - 1] != dv.v[i])
            ix->bounds[ix->nbounds++] = dv.v[i];
    mem_free(dv.mem, dv.v);
    return true;
}

/* ---- Constants ---- */

/* fill_constants: evaluates every constant let, group and product set of
 * this policy once; failures are reported for the declarations this
 * build owns (the base's, or the scenario's own). */
static void fill_constants(builder *b)
{
    policy_index *ix = b->ix;
    static const int classes[] = { DC_GROUP, DC_PRODUCTS, DC_LET };
    for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
        int rk = classes[c];
        const node_list *l = class_list(ix->p, rk);
        for (size_t i = 0; i < l->n; i++) {
            const node *d = l->v[i];
            if (ix->dropped[rk][i])
                continue;
            const_slot *slot = eval_const_slot(ix, d);
            bool fresh = slot && slot->state == SLOT_TODO;
            if (fresh)
                eval_fill_constant(ix, d, slot);
            if (fresh && slot->state == SLOT_FAILED && slot->err &&
                ix->scenario_of[rk][i] == ix->scenario)
                report(b, slot->err);
        }
    }
}

/* ---- Preparing an index ---- */

static bool prepare_all(builder *b)
{
    policy_index *ix = b->ix;
    prepare_inline_schedules(b);
    for (size_t m = 0; m < ix->nmeasures; m++)
        if (!prepare_measure(b, &ix->measures[m]))
            return false;
    for (size_t k = 0; k < ix->nmods; k++)
        prepare_modifier(b, &ix->mods[k]);
    prepare_commits(b);
    return !ix->mem.failed && index_candidates(ix) && collect_bounds(b);
}

bool eval_prepare(policy_index *ix, diag_list *diags)
{
    builder b = { ix, diags, { 0 } };
    eval_env_init(&b.env, ix, &ix->mem);
    if (!prepare_all(&b) || ix->mem.failed)
        return false;
    ix->ready = true;
    fill_constants(&b);
    ix->frozen = true;
    return !ix->mem.failed;
}
