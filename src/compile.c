/* compile.c - the compiler from a checked program to a policy index
 * (compile.h): which declarations make the policy (scenarios, drops),
 * windows, scopes, tables, schedules (the only place that reads schedule
 * files), measures, modifiers, commitments, the candidate indexes and the
 * dates where a charge may change.  Constants are folded by the
 * evaluator (eval_internal.h).
 */
#include "compile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "eval_internal.h"
#include "hts.h"
#include "policy_index.h"
#include "schedule.h"

const program *index_program(const policy_index *ix) { return ix->p; }
const node *index_scenario(const policy_index *ix) { return ix->scenario; }

/* ---- Compiling a policy ---------------------------------------------------------------- */

typedef struct builder {
    policy_index *ix;
    diag_list *diags;
    const policy_index *base;
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

/* own: a schedule this index must free; NULL when out of memory. */
static schedule *own_schedule(builder *b)
{
    policy_index *ix = b->ix;
    if (ix->nowned == ix->capowned) {
        size_t cap = ix->capowned ? ix->capowned * 2 : 8;
        schedule **v = mem_realloc(ix->p->arena->mem, ix->owned, cap * sizeof *v);
        if (!v)
            return NULL;
        ix->owned = v;
        ix->capowned = cap;
    }
    schedule *s = ix_alloc(b, 1, sizeof *s);
    if (!s)
        return NULL;
    schedule_init(s, ix->p->arena->mem);
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
    for (int rk = 0; rk < DC_COUNT; rk++) {
        if (!decl_class_per_scenario(rk))
            continue;
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
    if (e->uses_shipment || ev_schedule_named(b->ix, e))
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
        ev_fail(&err, D_EVAL_LIMIT, key->at, "this table key stands for too many product codes");
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

static bool compile_rate_clause(builder *b, rate_clause *rc, const node *it)
{
    rc->node = it;
    rc->win = compile_window(b, it->b);
    if (it->kind == N_RATE) {
        rc->sched = ev_schedule_named(b->ix, it->a);
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
    cs->file = arena_strndup(&b->ix->mem, shown, strlen(shown));
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
        if (ix->dropped[DC_SCHEDULE][i] && !ix->remap[DC_SCHEDULE][i] &&
            ix->scenario_of[DC_SCHEDULE][i] != ix->scenario)
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
    const node *d = ev_decl_of_name(&b->env, name);
    if (!d || d->kind != N_MEASURE || !in_class(b->ix->p, d, DC_MEASURE))
        return -1;
    return b->ix->measure_slot[d->index];
}

static int modifier_slot_of(builder *b, const node *name)
{
    const node *d = ev_decl_of_name(&b->env, name);
    if (!d || class_of(d) != DC_MODIFIER || !in_class(b->ix->p, d, DC_MODIFIER))
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
        if (!ix->dropped[DC_MEASURE][i]) {
            ix->measure_slot[i] = (int)ix->nmeasures;
            ix->measures[ix->nmeasures++].decl = p->decls.measures.v[i];
        }
    }
    for (size_t i = 0; i < p->decls.modifiers.n; i++) {
        ix->mod_slot[i] = -1;
        if (!ix->dropped[DC_MODIFIER][i]) {
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
    k->win = window_always();
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
        c->commitment = ev_decl_of_name(&b->env, d->b);
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
    const mem *mem;
} date_vec;

static void push_date(date_vec *dv, date d)
{
    if (d == DAY_EVER || d == DAY_NEVER)
        return;
    if (dv->n == dv->cap) {
        size_t cap = dv->cap ? dv->cap * 2 : 64;
        date *v = mem_realloc(dv->mem, dv->v, cap * sizeof *v);
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
    policy_index *ix = mem_calloc(p->arena->mem, 1, sizeof *ix);
    if (!ix)
        return NULL;
    arena_init(&ix->mem, p->arena->mem);
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
    const mem *m = ix->p->arena->mem;
    mem_free(m, ix->owned);
    arena_free(&ix->mem);
    mem_free(m, ix);
}

const node *find_scenario(const program *p, const char *name)
{
    for (size_t i = 0; i < p->decls.scenarios.n; i++)
        if (strcmp(p->decls.scenarios.v[i]->name, name) == 0)
            return p->decls.scenarios.v[i];
    return NULL;
}
