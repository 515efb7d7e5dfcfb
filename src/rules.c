/* rules.c - the rules of a policy's declarations.
 *
 * What the grammar cannot say and types do not catch: windows have constant
 * dates and are not empty; a `rate by origin` table does not leave a
 * country between two groups; product-code keys have one longest match; a
 * measure, pause or concession has the clauses its kind takes, each at most
 * once where that matters, and rate windows that do not overlap; a pause or
 * concession can reach the measures it names (W102); scenarios, tests and
 * `under` blocks; and the checks of the whole policy: `replaces` cycles on
 * one day, and definitions nothing uses.  Expressions inside are checked
 * with check_expr (typecheck.c).
 */
#include "check_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "rate.h"
#include "sets.h"

/* ---- Windows ------------------------------------------------------------------ */

/* Lets are followed at most FOLD_DEPTH times (check_internal.h). */

static bool fold_duration(const node *e, duration *out)
{
    e = check_through_lets(e);
    if (!e || e->kind != N_DURATION)
        return false;
    *out = e->v.dur;
    return true;
}

static bool fold_date(const node *e, date *out, int depth)
{
    if (!e || depth > FOLD_DEPTH)
        return false;
    switch (e->kind) {
    case N_DATE: *out = e->v.day; return true;
    case N_NAME:
        if (e->sym == SYM_DECL && e->ref && e->ref->kind == N_LET)
            return fold_date(e->ref->a, out, depth + 1);
        return false;
    case N_BINARY: {
        op o = (op)e->flags;
        date d;
        duration dur;
        if (o == OP_ADD && fold_date(e->a, &d, depth + 1) && fold_duration(e->b, &dur))
            return date_add_duration(d, dur, 1, out) == DATE_OK;
        if (o == OP_ADD && fold_duration(e->a, &dur) && fold_date(e->b, &d, depth + 1))
            return date_add_duration(d, dur, 1, out) == DATE_OK;
        if (o == OP_SUB && fold_date(e->a, &d, depth + 1) && fold_duration(e->b, &dur))
            return date_add_duration(d, dur, -1, out) == DATE_OK;
        return false;
    }
    default: return false;
    }
}

bool check_const_date(const node *e, date *out)
{
    return fold_date(e, out, 0);
}

bool check_const_duration(const node *e, duration *out)
{
    return fold_duration(e, out);
}

bool check_window_bounds(const node *w, date *from, date *until_excl, bool *open_ended)
{
    date start, end;
    duration dur;
    if (!w || w->kind != N_WINDOW || !check_const_date(w->a, &start))
        return false;
    switch (w->flags) {
    case WIN_FROM:
        *from = start;
        *open_ended = true;
        return true;
    case WIN_UNTIL:
        if (!check_const_date(w->b, &end))
            return false;
        break;
    case WIN_THROUGH:
        /* The day after the last: may be one past 9999-12-31, which is
           still a fine bound to compare with. */
        if (!check_const_date(w->b, &end))
            return false;
        end += 1;
        break;
    case WIN_FOR:
        if (!check_const_duration(w->b, &dur) || date_add_duration(start, dur, 1, &end) != DATE_OK)
            return false;
        break;
    default: return false;
    }
    *from = start;
    *until_excl = end;
    *open_ended = false;
    return true;
}

/* An interval of days: see check_internal.h. */
static const interval always = { INT64_MIN, INT64_MAX };

bool window_interval(const node *w, interval *iv)
{
    if (!w) {
        *iv = always;
        return true;
    }
    date from, until = 0;
    bool open = false;
    if (!check_window_bounds(w, &from, &until, &open))
        return false;
    iv->lo = from;
    iv->hi = open ? INT64_MAX : until;
    return true;
}

static void not_constant(checker *ck, const node *e, const char *which)
{
    if (e->uses_shipment)
        error_at(ck, D_NOT_CONSTANT, e->at,
                 "the %s of a window must be constant, but this depends on the shipment", which);
    else
        error_at(ck, D_NOT_CONSTANT, e->at,
                 "the %s of a window must be a constant: a date, a let of one, or a date plus "
                 "or minus a duration",
                 which);
}

/* Checks an N_WINDOW: constant dates, and not empty. */
static void check_window(checker *ck, const ctx *cx, node *w)
{
    if (!w)
        return;
    /* Fields are let through here so that a date from the shipment gets
       the one error that says what is wrong: it is not constant. */
    ctx wcx = *cx;
    wcx.shipment = true;
    bool for_ = w->flags == WIN_FOR;
    type ta = check_expr(ck, &wcx, w->a, T_DATE);
    require(ck, w->a, ta, T_DATE, "a window starts at a date, found %s");
    type tb = T_DATE;
    if (w->b) {
        tb = check_expr(ck, &wcx, w->b, for_ ? T_DURATION : T_DATE);
        if (for_)
            require(ck, w->b, tb, T_DURATION,
                    "'for' takes a duration, as in 'for 90 days', found %s");
        else
            require(ck, w->b, tb, T_DATE, "a window ends at a date, found %s");
    }
    if (ta != T_DATE || tb != (for_ ? T_DURATION : T_DATE))
        return;
    date start, end;
    duration dur;
    if (!check_const_date(w->a, &start)) {
        not_constant(ck, w->a, "start");
        return;
    }
    if (!w->b)
        return;
    if (for_) {
        if (!check_const_duration(w->b, &dur)) {
            not_constant(ck, w->b, "length");
        } else if (dur.count <= 0) {
            error_at(ck, D_EMPTY_WINDOW, w->at, "empty window: 'for' needs a positive duration");
        } else if (date_add_duration(start, dur, 1, &end) != DATE_OK) {
            error_at(ck, D_NOT_CONSTANT, w->b->at, "this window would end after 9999-12-31");
        }
        return;
    }
    if (!check_const_date(w->b, &end)) {
        not_constant(ck, w->b, "end");
        return;
    }
    char s1[11], s2[11];
    date_format(start, s1);
    date_format(end, s2);
    if (end < start)
        error_at(ck, D_EMPTY_WINDOW, w->at, "empty window: it ends on %s, before it starts on %s",
                 s2, s1);
    else if (end == start && w->flags == WIN_UNTIL)
        error_at(ck, D_EMPTY_WINDOW, w->at,
                 "empty window: it starts and ends on %s, and 'until' leaves out its end "
                 "(use 'through' for a single day)",
                 s1);
}

/* ---- Countries of groups --------------------------------------------------- */

bitset *country_set(checker *ck, arena *r)
{
    bitset *s = bitset_new(r, ck->p->decls.countries.n);
    if (!s)
        ck->out_of_memory = true;
    return s;
}

/* fold_countries: adds the countries of a constant country-set expression
 * to out; false when it is not constant. */
bool fold_countries(checker *ck, const node *e, bitset *out, int depth)
{
    if (!e || depth > FOLD_DEPTH)
        return false;
    size_t n = ck->p->decls.countries.n;
    switch (e->kind) {
    case N_SET:
        for (size_t i = 0; i < e->items.n; i++)
            if (!fold_countries(ck, e->items.v[i], out, depth + 1))
                return false;
        return true;
    case N_ALL: bitset_fill(out); return true;
    case N_NAME: {
        const node *d = e->sym == SYM_DECL ? e->ref : NULL;
        if (!d)
            return false;
        if (d->kind == N_COUNTRY && (size_t)d->index < n) {
            bitset_add(out, (size_t)d->index);
            return true;
        }
        if (d->kind == N_GROUP) {
            const bitset *g = group_countries(ck, d);
            if (!g)
                return false;
            bitset_union(out, g);
            return true;
        }
        if (d->kind == N_LET) {
            const bitset *l = group_countries(ck, d);
            if (!l)
                return false;
            bitset_union(out, l);
            return true;
        }
        return false;
    }
    case N_BINARY: {
        if ((op)e->flags != OP_EXCEPT)
            return false;
        arena_mark m = arena_save(&ck->scratch);
        bitset *a = country_set(ck, &ck->scratch), *b = country_set(ck, &ck->scratch);
        bool ok = a && b && fold_countries(ck, e->a, a, depth + 1) &&
                  fold_countries(ck, e->b, b, depth + 1);
        const bitset *rest = ok ? countries_except(&ck->scratch, a, b) : NULL;
        if (ok && !rest)
            ck->out_of_memory = true;
        if (rest)
            bitset_union(out, rest);
        ok = rest != NULL;
        arena_restore(&ck->scratch, m);
        return ok;
    }
    default: return false;
    }
}

/* The countries of group (or let) g, computed once: a chain of groups or
 * lets each naming the last twice folds in linear time.  NULL when not
 * constant. */
const bitset *group_countries(checker *ck, const node *g)
{
    size_t i = (size_t)g->index;
    if (g->kind == N_LET)
        i = g->index < 0 ? SIZE_MAX : ck->p->decls.groups.n + i;
    if (i >= ck->ngroup_sets)
        return NULL;
    if (ck->group_set_state[i] == 2)
        return ck->group_sets[i];
    if (ck->group_set_state[i] != 0)
        return NULL;
    ck->group_set_state[i] = 1;
    bitset *s = country_set(ck, &ck->group_mem);
    if (s && fold_countries(ck, g->a, s, 0)) {
        ck->group_sets[i] = s;
        ck->group_set_state[i] = 2;
        return s;
    }
    ck->group_set_state[i] = 3;
    return NULL;
}

/* ---- Rate tables and schedules -------------------------------------------- */

static bool is_code_key(const node *k)
{
    return k->kind == N_HS || k->kind == N_HS_RANGE;
}

/* A product-code key as an interval of codes of one length. */
typedef struct code_key {
    const node *key;
    size_t order; /* position in the table */
    hs_code lo, hi;
} code_key;

static int compare_code_keys(const void *a, const void *b)
{
    const code_key *x = a, *y = b;
    if (x->lo.len != y->lo.len)
        return x->lo.len < y->lo.len ? -1 : 1;
    int c = hs_compare(x->lo, y->lo);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void report_code_overlap(checker *ck, const code_key *a, const code_key *b)
{
    /* Report at the later entry, as a reader meets it. */
    const code_key *first = a->order < b->order ? a : b, *second = a->order < b->order ? b : a;
    char x[48], y[48];
    snippet(ck, second->key->at, x, sizeof x);
    snippet(ck, first->key->at, y, sizeof y);
    diagnostic *d;
    if (hs_equal(first->lo, second->lo) && hs_equal(first->hi, second->hi))
        d = error_at(ck, D_DUP_ENTRY, second->key->at, "'%s' is listed twice in this table", x);
    else
        d = error_at(ck, D_DUP_ENTRY, second->key->at,
                     "'%s' overlaps '%s' in this table: which rate applies?", x, y);
    diag_note(d, first->key->at, "'%s' is here", y);
}

/* Product-code keys: every product must have one longest matching key, so
 * keys of one length may not overlap (a longer key simply wins).  Sorted,
 * each key need only be compared with the one reaching furthest before it. */
static void check_code_keys(checker *ck, const node *table)
{
    code_key *keys =
        mem_alloc(ck->p->arena->mem, (table->items.n ? table->items.n : 1) * sizeof *keys);
    if (!keys) {
        ck->out_of_memory = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < table->items.n; i++) {
        const node *k = table->items.v[i]->a;
        if (!is_code_key(k))
            continue;
        code_key c = { k, i, k->v.hs.lo, k->kind == N_HS_RANGE ? k->v.hs.hi : k->v.hs.lo };
        keys[n++] = c;
    }
    qsort(keys, n, sizeof *keys, compare_code_keys);
    const code_key *reach = NULL; /* of this length, the one ending last */
    for (size_t i = 0; i < n; i++) {
        if (reach && reach->lo.len == keys[i].lo.len && hs_compare(keys[i].lo, reach->hi) <= 0)
            report_code_overlap(ck, reach, &keys[i]);
        if (!reach || reach->lo.len != keys[i].lo.len || hs_compare(keys[i].hi, reach->hi) > 0)
            reach = &keys[i];
    }
    mem_free(ck->p->arena->mem, keys);
}

/* In a by-origin table a country listed by itself wins over a group that
 * has it; two groups that share a country not listed by itself would leave
 * its rate undecided. */
static void check_group_overlaps(checker *ck, const node *table)
{
    size_t n = table->items.n;
    arena_mark m = arena_save(&ck->scratch);
    bitset *alone = country_set(ck, &ck->scratch), *shared = country_set(ck, &ck->scratch);
    const bitset **sets = arena_alloc(&ck->scratch, (n ? n : 1) * sizeof *sets);
    if (!alone || !shared || !sets) {
        ck->out_of_memory = true;
        arena_restore(&ck->scratch, m);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const node *k = table->items.v[i]->a;
        if (k->kind != N_NAME || k->sym != SYM_DECL || !k->ref)
            continue;
        if (k->ref->kind == N_COUNTRY && (size_t)k->ref->index < ck->p->decls.countries.n)
            bitset_add(alone, (size_t)k->ref->index);
        else if (k->ref->kind == N_GROUP)
            sets[i] = group_countries(ck, k->ref);
    }
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; sets[j] && i < j; i++) {
            if (!sets[i] || table->items.v[i]->a->ref == table->items.v[j]->a->ref)
                continue;
            bitset_clear(shared);
            bitset_union(shared, sets[i]);
            bitset_intersect(shared, sets[j]);
            bitset_minus(shared, alone);
            long first = bitset_next(shared, 0);
            if (first < 0)
                continue;
            const node *ki = table->items.v[i]->a, *kj = table->items.v[j]->a;
            const char *c = ck->p->decls.countries.v[first]->name;
            diagnostic *d = error_at(ck, D_GROUP_OVERLAP, kj->at,
                                     "groups '%s' and '%s' overlap in this table: both contain "
                                     "'%s', which is not listed by itself",
                                     ki->name, kj->name, c);
            diag_note(d, ki->at, "'%s' is here", ki->name);
            diag_note(d, kj->at, "list '%s' with its own rate to say which applies", c);
            break;
        }
    }
    arena_restore(&ck->scratch, m);
}

/* The key of a by-origin entry: a country or a group. */
static void check_origin_key(checker *ck, const ctx *cx, node *key)
{
    if (key->kind != N_NAME) {
        error_at(ck, D_BAD_KEY, key->at,
                 "a 'rate by origin' table is keyed by countries and groups, not product codes");
        return;
    }
    node *d = lookup_decl(ck, cx, key->name);
    if (!d) {
        unknown_name(ck, cx, key, T_COUNTRY);
        return;
    }
    if (d->kind != N_COUNTRY && d->kind != N_GROUP) {
        note_use(ck, d);
        error_at(ck, D_WRONG_KIND, key->at,
                 "'%s' is %s; a 'rate by origin' table is keyed by countries and groups", key->name,
                 decl_phrase(d));
        return;
    }
    key->sym = SYM_DECL;
    key->ref = d;
    key->ty = d->kind == N_COUNTRY ? T_COUNTRY : T_COUNTRY_SET;
    note_use(ck, d);
    if (d->kind == N_GROUP && !ensure_checked(ck, d))
        cycle_error(ck, key, d);
}

static void check_duplicate_origins(checker *ck, const node *table)
{
    for (size_t j = 0; j < table->items.n; j++) {
        const node *kj = table->items.v[j]->a;
        if (kj->sym != SYM_DECL || !kj->ref)
            continue;
        for (size_t i = 0; i < j; i++) {
            const node *ki = table->items.v[i]->a;
            if (ki->sym == SYM_DECL && ki->ref == kj->ref) {
                diagnostic *d = error_at(ck, D_DUP_ENTRY, kj->at,
                                         "'%s' is listed twice in this table", kj->name);
                diag_note(d, ki->at, "first listed here");
                break;
            }
        }
    }
}

static void check_rate_table(checker *ck, const ctx *scope, const ctx *ship, node *c)
{
    bool by_origin = c->flags == BY_ORIGIN;
    for (size_t i = 0; i < c->items.n; i++) {
        node *entry = c->items.v[i];
        node *key = entry->a;
        if (by_origin)
            check_origin_key(ck, scope, key);
        else if (!is_code_key(key))
            error_at(ck, D_BAD_KEY, key->at,
                     "a 'rate by product' table is keyed by product codes (hs 8703) and "
                     "ranges (hs 72..83), not by names");
        else
            key->ty = key->kind == N_HS ? T_PRODUCT : T_PRODUCT_SET;
        type t = check_expr(ck, ship, entry->b, T_RATE);
        require(ck, entry->b, t, T_RATE, "expected a rate, found %s");
        entry->ty = T_RATE;
        entry->uses_shipment = entry->b && entry->b->uses_shipment;
    }
    if (by_origin) {
        check_duplicate_origins(ck, c);
        check_group_overlaps(ck, c);
    } else {
        check_code_keys(ck, c);
    }
}

static void check_schedule(checker *ck, const ctx *cx, node *d)
{
    if (d->b)
        return; /* from a file: read, and its rows checked, when loaded */
    for (size_t i = 0; i < d->items.n; i++) {
        node *entry = d->items.v[i];
        node *key = entry->a;
        if (key->kind == N_HS_RANGE)
            error_at(ck, D_BAD_KEY, key->at,
                     "a schedule's keys are single product codes; list the codes of this range "
                     "one by one, or use a 'rate by product' table");
        else if (key->kind != N_HS)
            error_at(ck, D_BAD_KEY, key->at,
                     "a schedule's keys are product codes (hs 8703), not names");
        else
            key->ty = T_PRODUCT;
        type t = check_expr(ck, cx, entry->b, T_RATE);
        require(ck, entry->b, t, T_RATE, "expected a rate, found %s");
        entry->ty = T_RATE;
    }
    check_code_keys(ck, d);
}

/* ---- Measures, pauses and concessions ------------------------------------ */

static const char *clause_word(node_kind k)
{
    switch (k) {
    case N_ON: return "on";
    case N_FROM: return "from";
    case N_WHEN: return "when";
    case N_RATE: return "rate";
    case N_RATE_BY: return "rate by";
    case N_BASE: return "base";
    case N_REPLACES: return "replaces";
    case N_CITATION: return "citation";
    case N_SUSPEND: return "suspend";
    case N_SET_TO: return "set";
    case N_CAP: return "cap";
    case N_REDUCE: return "reduce";
    case N_EFFECTIVE: return "effective";
    case N_OVERRIDES: return "overrides";
    default: return "?";
    }
}

static bool clause_allowed(node_kind decl, node_kind c)
{
    switch (c) {
    case N_ON:
    case N_FROM:
    case N_WHEN:
    case N_CITATION: return true;
    case N_RATE:
    case N_RATE_BY:
    case N_BASE:
    case N_REPLACES: return decl == N_MEASURE;
    case N_SUSPEND:
    case N_EFFECTIVE:
    case N_OVERRIDES: return decl != N_MEASURE;
    case N_SET_TO:
    case N_CAP:
    case N_REDUCE: return decl == N_CONCESSION;
    default: return false;
    }
}

/* The clauses a declaration takes at most once; -1 for the others. */
static int single_clause_slot(node_kind c)
{
    switch (c) {
    case N_ON: return 0;
    case N_FROM: return 1;
    case N_WHEN: return 2;
    case N_BASE: return 3;
    case N_CITATION: return 4;
    case N_EFFECTIVE: return 5;
    default: return -1;
    }
}
#define SINGLE_CLAUSES 6

static void bad_clause(checker *ck, const node *d, const node *c)
{
    const char *hint = "";
    if (d->kind == N_MEASURE) {
        if (c->kind == N_EFFECTIVE)
            hint = "; give each rate its window, as in 'rate 10% effective 2025-04-05'";
        else if (c->kind == N_OVERRIDES)
            hint = "; pauses and concessions override one another";
        else
            hint = "; pauses and concessions change measures";
    } else if (d->kind == N_CONCESSION && c->kind == N_RATE) {
        hint = "; a concession changes a measure's rate: 'set M to 5%', 'reduce M by 5%' or "
               "'cap M at 5%'";
    } else if (d->kind == N_PAUSE &&
               (c->kind == N_SET_TO || c->kind == N_CAP || c->kind == N_REDUCE)) {
        hint = "; a pause suspends measures (suspend M to R): use a concession to set, cap "
               "or reduce one";
    }
    error_at(ck, D_BAD_CLAUSE, keyword_span(ck, c), "'%s' is not allowed in a %s%s",
             clause_word(c->kind), decl_kind_keyword(d->kind), hint);
}

static void check_measure_names(checker *ck, const ctx *cx, node_list *names)
{
    for (size_t i = 0; i < names->n; i++)
        resolve_ref(ck, cx, names->v[i], REF_MEASURE);
}

/* A rate of a pause or concession (`to R`, `at R`, `by R`). */
static void check_modifier_rate(checker *ck, const ctx *ship, node *e)
{
    if (!e)
        return;
    type t = check_expr(ck, ship, e, T_RATE);
    require(ck, e, t, T_RATE, "expected a rate, found %s");
}

static void check_clause(checker *ck, node *d, node *c, const ctx *scope, const ctx *ship)
{
    type t;
    switch (c->kind) {
    case N_ON:
        t = check_expr(ck, scope, c->a, T_PRODUCT_SET);
        require_set(ck, c->a, t, T_PRODUCT_SET, "'on' takes a set of products, found %s");
        break;
    case N_FROM:
        t = check_expr(ck, scope, c->a, T_COUNTRY_SET);
        require_set(ck, c->a, t, T_COUNTRY_SET, "'from' takes a set of countries, found %s");
        break;
    case N_WHEN:
        t = check_expr(ck, ship, c->a, T_BOOL);
        require(ck, c->a, t, T_BOOL, "the condition of 'when' must be a bool, found %s");
        break;
    case N_RATE:
        t = check_expr(ck, ship, c->a, T_RATE);
        require(ck, c->a, t, T_RATE, "expected a rate, found %s");
        check_window(ck, scope, c->b);
        break;
    case N_RATE_BY:
        if (c->flags == 0 && c->a)
            error_at(ck, D_BAD_BY, c->a->at,
                     "'rate by %s': a rate table is 'by origin' or 'by product'", c->a->name);
        else
            check_rate_table(ck, scope, ship, c);
        check_window(ck, scope, c->b);
        break;
    case N_BASE:
        t = check_expr(ck, ship, c->a, T_MONEY);
        require(ck, c->a, t, T_MONEY, "'base' is the dutiable value: expected money, found %s");
        break;
    case N_REPLACES:
        for (size_t i = 0; i < c->items.n; i++) {
            node *m = resolve_ref(ck, scope, c->items.v[i], REF_MEASURE);
            if (m == d)
                error_at(ck, D_REPLACES_CYCLE, c->items.v[i]->at, "measure '%s' replaces itself",
                         d->name);
        }
        check_window(ck, scope, c->b);
        break;
    case N_SUSPEND:
        check_measure_names(ck, scope, &c->items);
        check_modifier_rate(ck, ship, c->a);
        break;
    case N_SET_TO:
    case N_CAP:
    case N_REDUCE:
        if (c->a)
            resolve_ref(ck, scope, c->a, REF_MEASURE);
        check_modifier_rate(ck, ship, c->b);
        break;
    case N_EFFECTIVE: check_window(ck, scope, c->b); break;
    case N_OVERRIDES:
        for (size_t i = 0; i < c->items.n; i++) {
            node *m = resolve_ref(ck, scope, c->items.v[i], REF_MODIFIER);
            if (m == d)
                error_at(ck, D_WRONG_KIND, c->items.v[i]->at, "%s '%s' cannot override itself",
                         decl_kind_keyword(d->kind), d->name);
        }
        break;
    default: break;
    }
}

/* Rate windows of one measure must not overlap: a clause without a window
 * overlaps every other. */
static void check_rate_overlaps(checker *ck, const node *d)
{
    for (size_t j = 0; j < d->items.n; j++) {
        const node *cj = d->items.v[j];
        interval b;
        if ((cj->kind != N_RATE && cj->kind != N_RATE_BY) || !window_interval(cj->b, &b))
            continue;
        for (size_t i = 0; i < j; i++) {
            const node *ci = d->items.v[i];
            interval a;
            if ((ci->kind != N_RATE && ci->kind != N_RATE_BY) || !window_interval(ci->b, &a))
                continue;
            int64_t lo = a.lo > b.lo ? a.lo : b.lo, hi = a.hi < b.hi ? a.hi : b.hi;
            if (lo >= hi)
                continue;
            char when[64], day[11];
            if (lo != INT64_MIN) {
                date_format((date)lo, day);
                snprintf(when, sizeof when, "on %s", day);
            } else if (hi != INT64_MAX) {
                date_format((date)hi, day);
                snprintf(when, sizeof when, "before %s", day);
            } else {
                snprintf(when, sizeof when, "at all times");
            }
            const source_text *src = source_of(ck, ci->at);
            int line = ci->at.first_line + (src ? src->line_offset : 0);
            diagnostic *g = error_at(ck, D_OVERLAP_WINDOWS, keyword_span(ck, cj),
                                     "rate windows of measure '%s' overlap: this rate and the "
                                     "one on line %d both apply %s",
                                     d->name, line, when);
            diag_note(g, keyword_span(ck, ci), "the other rate is here");
            break;
        }
    }
}

static void check_requirements(checker *ck, const node *d, bool has_rate, bool has_suspend,
                               bool has_action, const node *effective)
{
    span at = name_span(ck, d);
    if (d->kind == N_MEASURE && !has_rate) {
        error_at(ck, D_MISSING_CLAUSE, at,
                 "measure '%s' has no rate: add a 'rate' clause (rate 10%%, or rate by origin "
                 "{ ... })",
                 d->name);
    } else if (d->kind == N_PAUSE) {
        if (!has_suspend)
            error_at(ck, D_MISSING_CLAUSE, at,
                     "pause '%s' suspends nothing: add 'suspend MEASURE' (or 'suspend all')",
                     d->name);
        if (!effective) {
            error_at(ck, D_PAUSE_NO_END, at,
                     "pause '%s' has no 'effective' window: a pause must end, as in "
                     "'effective 2025-04-10 for 90 days'",
                     d->name);
        } else if (effective->b && effective->b->flags == WIN_FROM) {
            char start[48];
            snippet(ck, effective->b->at, start, sizeof start);
            error_at(ck, D_PAUSE_NO_END, effective->at,
                     "a pause must end: give its window an end with 'until', 'through' or "
                     "'for', as in 'effective %s for 90 days'",
                     start);
        }
    } else if (d->kind == N_CONCESSION && !has_action) {
        error_at(ck, D_MISSING_CLAUSE, at,
                 "concession '%s' changes nothing: add 'suspend', 'set', 'cap' or 'reduce'",
                 d->name);
    }
}

/* A measure, pause or concession: which clauses it has, how many, and
 * each clause's contents. */
static void check_rule_decl(checker *ck, node *d)
{
    ctx scope = { d->ref, ck->nlocals, false };
    ctx ship = scope;
    ship.shipment = true;
    const node *first[SINGLE_CLAUSES] = { 0 };
    bool has_rate = false, has_suspend = false, has_action = false;
    for (size_t i = 0; i < d->items.n; i++) {
        node *c = d->items.v[i];
        if (!clause_allowed(d->kind, c->kind)) {
            bad_clause(ck, d, c);
            continue;
        }
        int slot = single_clause_slot(c->kind);
        if (slot >= 0 && first[slot]) {
            diagnostic *g = error_at(ck, D_DUP_CLAUSE, keyword_span(ck, c),
                                     "a %s takes one '%s' clause; '%s' has two",
                                     decl_kind_keyword(d->kind), clause_word(c->kind), d->name);
            diag_note(g, keyword_span(ck, first[slot]), "the first is here");
        } else if (slot >= 0) {
            first[slot] = c;
        }
        has_rate |= c->kind == N_RATE || c->kind == N_RATE_BY;
        has_suspend |= c->kind == N_SUSPEND;
        has_action |=
            c->kind == N_SUSPEND || c->kind == N_SET_TO || c->kind == N_CAP || c->kind == N_REDUCE;
        check_clause(ck, d, c, &scope, &ship);
    }
    check_requirements(ck, d, has_rate, has_suspend, has_action, first[5]);
    if (d->kind == N_MEASURE)
        check_rate_overlaps(ck, d);
}

static void check_modifier_reach(checker *ck, const node *mod);

/* Checks that need every measure checked first. */
void check_rule_reach(checker *ck, const node *prog)
{
    for (size_t i = 0; i < prog->items.n; i++) {
        const node *d = prog->items.v[i];
        if (decl_kind_class(d->kind) == DC_MODIFIER)
            check_modifier_reach(ck, d);
        if (d->kind == N_SCENARIO)
            check_rule_reach(ck, d);
    }
}

/* ---- Modifiers that can never touch their measures ----------------------- */

const node *find_clause(const node *d, node_kind k)
{
    for (size_t i = 0; i < d->items.n; i++)
        if (d->items.v[i]->kind == k)
            return d->items.v[i];
    return NULL;
}

/* Does some rate window of measure m meet the window w? */
bool windows_meet(const node *m, interval w)
{
    for (size_t i = 0; i < m->items.n; i++) {
        const node *c = m->items.v[i];
        interval r;
        if (c->kind != N_RATE && c->kind != N_RATE_BY)
            continue;
        if (!window_interval(c->b, &r))
            return true; /* not constant: an error of its own; assume they meet */
        if ((r.lo > w.lo ? r.lo : w.lo) < (r.hi < w.hi ? r.hi : w.hi))
            return true;
    }
    return false;
}

/* Do the `from` scopes of modifier and measure share a country?  true when
 * either is not constant. */
static bool origins_meet(checker *ck, const node *a, const node *b)
{
    const node *fa = find_clause(a, N_FROM), *fb = find_clause(b, N_FROM);
    if (!fa || !fb)
        return true;
    arena_mark m = arena_save(&ck->scratch);
    bitset *x = country_set(ck, &ck->scratch), *y = country_set(ck, &ck->scratch);
    bool meet = true;
    if (x && y && fold_countries(ck, fa->a, x, 0) && fold_countries(ck, fb->a, y, 0))
        meet = bitset_overlaps(x, y);
    arena_restore(&ck->scratch, m);
    return meet;
}

static void check_reach(checker *ck, const node *mod, const node *name, interval w)
{
    const node *m = name->sym == SYM_DECL ? name->ref : NULL;
    if (!m || m->kind != N_MEASURE)
        return;
    const char *why = NULL;
    if (!windows_meet(m, w))
        why = "its window and the rate windows of the measure never meet";
    else if (!origins_meet(ck, mod, m))
        why = "no country is in the 'from' of both";
    if (why)
        diag_add(ck->diags, SEV_WARNING, D_NEVER_TOUCHES, name->at,
                 "%s '%s' can never touch measure '%s': %s", decl_kind_keyword(mod->kind),
                 mod->name, m->name, why);
}

/* W102: a pause or concession naming a measure it can never apply to. */
static void check_modifier_reach(checker *ck, const node *mod)
{
    const node *eff = find_clause(mod, N_EFFECTIVE);
    interval w;
    if (!window_interval(eff ? eff->b : NULL, &w) || w.lo >= w.hi)
        return; /* not constant or empty: reported as such */
    for (size_t i = 0; i < mod->items.n; i++) {
        const node *c = mod->items.v[i];
        if (c->kind == N_SUSPEND && !(c->flags & SUSPEND_ALL)) {
            for (size_t k = 0; k < c->items.n; k++)
                check_reach(ck, mod, c->items.v[k], w);
        } else if ((c->kind == N_SET_TO || c->kind == N_CAP || c->kind == N_REDUCE) && c->a) {
            check_reach(ck, mod, c->a, w);
        }
    }
}

/* ---- Other declarations ------------------------------------------------------ */

static void check_commit(checker *ck, const ctx *cx, node *c)
{
    type t = check_expr(ck, cx, c->a, T_COUNTRY_SET);
    require_set(ck, c->a, t, T_COUNTRY_SET, "'commit' takes a set of countries, found %s");
    if (c->b)
        resolve_ref(ck, cx, c->b, REF_COMMITMENT);
    check_window(ck, cx, c->c);
}

static void check_importer(checker *ck, node *imp)
{
    ctx top = { NULL, ck->nlocals, false };
    if (imp->a)
        resolve_ref(ck, &top, imp->a, REF_COUNTRY);
    if (!ck->p->importer) {
        ck->p->importer = imp;
        return;
    }
    if (ck->p->importer == imp)
        return;
    diagnostic *g = error_at(ck, D_IMPORTER, keyword_span(ck, imp),
                             "a policy has one importer, and it is already declared");
    diag_note(g, keyword_span(ck, ck->p->importer), "the importer is declared here");
}

/* check_declaration: a declaration that may stand at top level or in a
 * scenario (cx says which), checked the same way in both; false for the
 * kinds each place handles itself. */
static bool check_declaration(checker *ck, const ctx *cx, node *d)
{
    switch (d->kind) {
    case N_GROUP:
    case N_PRODUCTS:
    case N_LET: ensure_checked(ck, d); return true;
    case N_SCHEDULE: check_schedule(ck, cx, d); return true;
    case N_MEASURE:
    case N_PAUSE:
    case N_CONCESSION: check_rule_decl(ck, d); return true;
    case N_COMMIT: check_commit(ck, cx, d); return true;
    default: return false;
    }
}

static void check_scenario(checker *ck, node *s)
{
    if (!s->name || symtab_get(&ck->p->globals, s->name) != s)
        return;
    ctx cx = { s, ck->nlocals, false };
    for (size_t i = 0; i < s->items.n; i++) {
        node *d = s->items.v[i];
        if (d->kind == N_DROP)
            for (size_t k = 0; k < d->items.n; k++)
                resolve_ref(ck, &cx, d->items.v[k], REF_DROP);
        else
            check_declaration(ck, &cx, d);
    }
}

/* ---- Tests and statements ---------------------------------------------------- */

static void push_local(checker *ck, node *let)
{
    if (!mem_grow(ck->p->arena->mem, &ck->locals, &ck->cap_locals, ck->nlocals, sizeof *ck->locals,
                  16)) {
        ck->out_of_memory = true;
        return;
    }
    ck->locals[ck->nlocals++] = let;
}

/* A let in a test or an `under` block: visible after it, to the end of its
 * block; it may not take a name that is visible already. */
static void check_local_let(checker *ck, const ctx *cx, node *let)
{
    let->flags |= LET_LOCAL;
    let->ty = check_expr(ck, cx, let->a, T_UNKNOWN);
    let->uses_shipment = let->a && let->a->uses_shipment;
    let->index = (int)ck->p->decls.local_lets.n;
    push_list(ck, &ck->p->decls.local_lets, let);
    let->flags |= DECL_DONE;
    if (!let->name || reserved_name(ck, let))
        return;
    node *prev = lookup_decl(ck, cx, let->name);
    if (prev) {
        report_duplicate(ck, let, prev, false);
        return;
    }
    push_local(ck, let);
}

static void check_block(checker *ck, const ctx *cx, node_list *items);

static void check_under(checker *ck, const ctx *cx, node *u)
{
    if (cx->scenario) {
        error_at(ck, D_BAD_CLAUSE, keyword_span(ck, u),
                 "'under' blocks do not nest: this one is inside 'under %s'", cx->scenario->name);
        return;
    }
    ctx inner = *cx;
    inner.scenario = u->a ? resolve_ref(ck, cx, u->a, REF_SCENARIO) : NULL;
    check_block(ck, &inner, &u->items);
}

static void check_block(checker *ck, const ctx *cx, node_list *items)
{
    size_t saved = ck->nlocals;
    for (size_t i = 0; i < items->n; i++) {
        node *s = items->v[i];
        type t;
        switch (s->kind) {
        case N_LET: check_local_let(ck, cx, s); break;
        case N_EXPECT:
            t = check_expr(ck, cx, s->a, T_BOOL);
            require(ck, s->a, t, T_BOOL,
                    "'expect' needs a bool, such as a comparison (rate(s) == 10%%), found %s");
            break;
        case N_EXPR_STMT: check_expr(ck, cx, s->a, T_UNKNOWN); break;
        case N_UNDER: check_under(ck, cx, s); break;
        default: break;
        }
    }
    ck->nlocals = saved;
}

void check_file(checker *ck, node *prog)
{
    bool root = prog->flags & PROGRAM_ROOT;
    ctx top = { NULL, ck->nlocals, false };
    for (size_t i = 0; i < prog->items.n; i++) {
        node *d = prog->items.v[i];
        if (check_declaration(ck, &top, d))
            continue;
        switch (d->kind) {
        case N_IMPORTER: check_importer(ck, d); break;
        case N_ATTRIBUTE: ensure_checked(ck, d); break;
        case N_SCENARIO: check_scenario(ck, d); break;
        case N_TEST:
            /* A library's tests and statements never run: not checked. */
            if (root)
                check_block(ck, &top, &d->items);
            break;
        case N_EXPR_STMT:
            if (root)
                check_expr(ck, &top, d->a, T_UNKNOWN);
            break;
        case N_UNDER:
            if (root)
                check_under(ck, &top, d);
            break;
        default: break;
        }
    }
}

/* ---- Whole-policy checks --------------------------------------------------- */

/* `replaces` as a graph over measure numbers; an edge holds in the
 * window of its clause. */
typedef struct replace_edge {
    size_t from, to;
    const node *name; /* the N_NAME in the clause: where a cycle is reported */
    interval when;
    bool reported;
} replace_edge;

typedef struct replace_graph {
    replace_edge *edges; /* sorted by `from` */
    size_t nedges;
    size_t *first; /* edges of measure m: [first[m], first[m + 1]) */
    size_t n;      /* measures */
} replace_graph;

static bool build_replace_graph(checker *ck, replace_graph *g)
{
    const node_list *ms = &ck->p->decls.measures;
    size_t cap = 0;
    g->n = ms->n;
    g->nedges = 0;
    for (size_t m = 0; m < ms->n; m++)
        for (size_t i = 0; i < ms->v[m]->items.n; i++)
            if (ms->v[m]->items.v[i]->kind == N_REPLACES)
                cap += ms->v[m]->items.v[i]->items.n;
    g->edges = mem_alloc(ck->p->arena->mem, (cap ? cap : 1) * sizeof *g->edges);
    g->first = mem_alloc(ck->p->arena->mem, (g->n + 1) * sizeof *g->first);
    if (!g->edges || !g->first)
        return false;
    for (size_t m = 0; m < ms->n; m++) {
        g->first[m] = g->nedges;
        for (size_t i = 0; i < ms->v[m]->items.n; i++) {
            const node *c = ms->v[m]->items.v[i];
            interval when;
            if (c->kind != N_REPLACES)
                continue;
            if (!window_interval(c->b, &when))
                when = always; /* not constant: reported as such */
            for (size_t k = 0; k < c->items.n; k++) {
                const node *r = c->items.v[k]->ref;
                /* Self-replacement is reported with its clause. */
                if (!r || r->kind != N_MEASURE || r == ms->v[m] || (size_t)r->index >= g->n)
                    continue;
                replace_edge e = { m, (size_t)r->index, c->items.v[k], when, false };
                g->edges[g->nedges++] = e;
            }
        }
    }
    g->first[g->n] = g->nedges;
    return true;
}

static void report_cycle(checker *ck, const replace_edge *closing, const size_t *stack, size_t from,
                         size_t depth, int64_t day)
{
    const node_list *ms = &ck->p->decls.measures;
    char path[512], when[32] = "";
    size_t len = 0;
    path[0] = '\0';
    for (size_t i = from; i <= depth && len < sizeof path; i++) {
        int w = snprintf(path + len, sizeof path - len, "%s replaces ", ms->v[stack[i]]->name);
        if (w > 0)
            len += (size_t)w;
    }
    if (len < sizeof path)
        snprintf(path + len, sizeof path - len, "%s", ms->v[stack[from]]->name);
    if (day != INT64_MIN) {
        char d[11];
        date_format((date)day, d);
        snprintf(when, sizeof when, " from %s", d);
    }
    error_at(ck, D_REPLACES_CYCLE, closing->name->at, "'replaces' goes round in a cycle%s: %s",
             when, path);
}

/* Depth-first search over the edges that hold on `day` (and on the rest of
 * its segment); a back edge closes a cycle.  Edges from measures checked
 * by an earlier program_check are not reported again. */
static void find_cycles_on(checker *ck, replace_graph *g, int64_t day, size_t first_new,
                           unsigned char *color, size_t *stack, size_t *cursor)
{
    memset(color, 0, g->n ? g->n : 1);
    for (size_t root = 0; root < g->n; root++) {
        if (color[root])
            continue;
        size_t depth = 0;
        stack[0] = root;
        cursor[0] = g->first[root];
        color[root] = 1;
        for (;;) {
            size_t u = stack[depth];
            if (cursor[depth] == g->first[u + 1]) {
                color[u] = 2;
                if (depth == 0)
                    break;
                depth--;
                continue;
            }
            replace_edge *e = &g->edges[cursor[depth]++];
            if (!(e->when.lo <= day && day < e->when.hi))
                continue;
            if (color[e->to] == 0) {
                color[e->to] = 1;
                stack[++depth] = e->to;
                cursor[depth] = g->first[e->to];
            } else if (color[e->to] == 1 && u >= first_new && !e->reported) {
                size_t from = depth;
                while (from > 0 && stack[from] != e->to)
                    from--;
                e->reported = true;
                report_cycle(ck, e, stack, from, depth, day);
            }
        }
    }
}

static int compare_days(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A cycle of `replaces` is an error only if all its edges hold on one day:
 * A may replace B until June and B replace A from June.  Time is cut at
 * every end of a window of a `replaces`; within each piece the same edges
 * hold, so one search a piece finds every cycle. */
void check_replaces_cycles(checker *ck, size_t first_new)
{
    replace_graph g = { NULL, 0, NULL, 0 };
    size_t n = ck->p->decls.measures.n;
    const mem *m = ck->p->arena->mem;
    unsigned char *color = mem_alloc(m, n ? n : 1);
    size_t *stack = mem_alloc(m, (n ? n : 1) * sizeof *stack);
    size_t *cursor = mem_alloc(m, (n ? n : 1) * sizeof *cursor);
    int64_t *days = NULL;
    if (!color || !stack || !cursor || !build_replace_graph(ck, &g) ||
        !(days = mem_alloc(m, (2 * g.nedges + 1) * sizeof *days))) {
        ck->out_of_memory = true;
    } else {
        size_t ndays = 0;
        days[ndays++] = INT64_MIN;
        for (size_t i = 0; i < g.nedges; i++) {
            if (g.edges[i].when.lo != INT64_MIN)
                days[ndays++] = g.edges[i].when.lo;
            if (g.edges[i].when.hi != INT64_MAX)
                days[ndays++] = g.edges[i].when.hi;
        }
        qsort(days, ndays, sizeof *days, compare_days);
        for (size_t i = 0; i < ndays && g.nedges > 0; i++)
            if (i == 0 || days[i] != days[i - 1])
                find_cycles_on(ck, &g, days[i], first_new, color, stack, cursor);
    }
    mem_free(m, days);
    mem_free(m, g.edges);
    mem_free(m, g.first);
    mem_free(m, color);
    mem_free(m, stack);
    mem_free(m, cursor);
}

/* Unused-definition warnings only for a file that uses things: a file of
 * nothing but definitions is a library, even when named on the command
 * line. */
static bool file_uses_definitions(const node *prog)
{
    for (size_t i = 0; i < prog->items.n; i++) {
        switch (prog->items.v[i]->kind) {
        case N_MEASURE:
        case N_PAUSE:
        case N_CONCESSION:
        case N_TEST:
        case N_EXPR_STMT:
        case N_UNDER:
        case N_SCENARIO:
        case N_COMMIT: return true;
        default: break;
        }
    }
    return false;
}

void warn_unused(checker *ck, const node *prog)
{
    if (!file_uses_definitions(prog))
        return;
    for (size_t i = 0; i < prog->items.n; i++) {
        node *d = prog->items.v[i];
        const char *what;
        switch (d->kind) {
        case N_LET: what = "let"; break;
        case N_GROUP: what = "group"; break;
        case N_PRODUCTS: what = "product set"; break;
        case N_SCHEDULE: what = "schedule"; break;
        case N_COMMITMENT: what = "commitment"; break;
        default: continue;
        }
        decl_info *in = info_of(ck, d);
        if (!d->name || !in || in->uses > 0 || symtab_get(&ck->p->globals, d->name) != d)
            continue;
        diag_add(ck->diags, SEV_WARNING, D_UNUSED, name_span(ck, d), "unused %s '%s'", what,
                 d->name);
    }
}

/* Counts the names in a root file that spell each global declaration, to
 * rank suggestions ("CX": the policy's CN rather than the stdlib's CA). */
void count_root_refs(checker *ck, const node *n, int depth)
{
    if (!n || depth > CHECK_MAX_DEPTH)
        return; /* too deep: check_expr says so */
    if (n->kind == N_NAME && n->name) {
        node *d = symtab_get(&ck->p->globals, n->name);
        decl_info *in = d ? info_of(ck, d) : NULL;
        if (in)
            in->root_refs++;
    }
    count_root_refs(ck, n->a, depth + 1);
    count_root_refs(ck, n->b, depth + 1);
    count_root_refs(ck, n->c, depth + 1);
    for (size_t i = 0; i < n->items.n; i++)
        count_root_refs(ck, n->items.v[i], depth + 1);
}
