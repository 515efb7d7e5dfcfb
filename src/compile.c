/* compile.c - the compiler from a checked program to a policy index
 * (compile.h): which declarations make the policy (scenarios, drops),
 * schedules (the only place that reads schedule files), measures and
 * modifiers with their clauses and targets, commitments, and the
 * candidate indexes.  It evaluates nothing: what needs an expression's
 * value (windows, sets, constant rates, table rows, constants) the
 * evaluator fills in afterwards (eval_prepare, prepare.c).
 */
#include "compile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "hts.h"
#include "policy_index.h"
#include "schedule.h"

const program *index_program(const policy_index *ix)
{
    return ix->p;
}
const node *index_scenario(const policy_index *ix)
{
    return ix->scenario;
}

/* ---- Compiling a policy ---------------------------------------------------------------- */

typedef struct builder {
    policy_index *ix;
    diag_list *diags;
    const policy_index *base;
} builder;

static void *ix_alloc(builder *b, size_t n, size_t size)
{
    return arena_alloc(&b->ix->mem, (n ? n : 1) * size);
}

/* own: a schedule this index must free; NULL when out of memory. */
static schedule *own_schedule(builder *b)
{
    policy_index *ix = b->ix;
    if (!mem_grow(ix->p->arena->mem, &ix->owned, &ix->capowned, ix->nowned, sizeof *ix->owned, 8))
        return NULL;
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

/* ---- Scopes ---- */

/* compile_scope_clause: which clauses make the scope; their sets are
 * eval_prepare's. */
static void compile_scope_clause(scope *sc, const node *it)
{
    if (it->kind == N_ON)
        sc->on = it;
    else if (it->kind == N_FROM)
        sc->from = it;
    else if (it->kind == N_WHEN)
        sc->when = it;
}

/* ---- Tables ---- */

/* compile_origin_table: the table's entries, every country without one
 * yet (eval_prepare fills them in). */
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
    return true;
}

static bool compile_rate_clause(builder *b, rate_clause *rc, const node *it)
{
    rc->node = it;
    if (it->kind == N_RATE) {
        rc->sched = ix_schedule_named(b->ix, it->a);
        rc->kind = rc->sched ? RC_LOOKUP : RC_EXPR;
        return true;
    }
    if (it->flags == BY_ORIGIN) {
        rc->kind = RC_BY_ORIGIN;
        return compile_origin_table(b, rc);
    }
    rc->kind = RC_BY_PRODUCT;
    return (rc->table = own_schedule(b)) != NULL; /* rows: eval_prepare */
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

/* report_bad_rows: each bad row of a schedule file, at its own line and
 * column in the file (which joins the policy's sources so that the
 * diagnostic can show it), with a note at the declaration.  False when the
 * file cannot be shown: the caller then reports at the declaration. */
static bool report_bad_rows(builder *b, const node *d, const char *path, const char *shown,
                            const hts_report *rep)
{
    if (rep->bad_count == 0 || !b->ix->p->sources)
        return false;
    int file = source_set_read_file(b->ix->p->sources, shown, path);
    if (file < 0)
        return false;
    for (size_t i = 0; i < rep->bad_count; i++) {
        const hts_bad_row *r = &rep->bad[i];
        span at = { file, (int)r->line, (int)r->column, (int)r->line,
                    (int)(r->column + r->width - 1) };
        diagnostic *e = diag_add(b->diags, SEV_ERROR, D_SCHEDULE_FILE, at, "bad row in schedule %s: %s",
                                 d->name, r->message);
        if (e && i == 0)
            diag_note(e, d->b->at, "schedule %s reads %s here", d->name, shown);
    }
    if (rep->bad_total > rep->bad_count)
        diag_add(b->diags, SEV_ERROR, D_SCHEDULE_FILE, d->b->at,
                 "schedule %s: %zu more bad rows in %s", d->name,
                 rep->bad_total - rep->bad_count, shown);
    return true;
}

static void load_schedule_file(builder *b, c_schedule *cs)
{
    const node *d = cs->decl;
    char path[4096], shown[4096], msg[512];
    schedule_path(b->ix->p, d, false, path, sizeof path);
    schedule_path(b->ix->p, d, true, shown, sizeof shown);
    cs->file = arena_strndup(&b->ix->mem, shown, strlen(shown));
    if (!program_may_read(b->ix->p, path)) { /* not opened (issue 9, item 16) */
        cs->ok = false;
        diagnostic *dg = diag_add(b->diags, SEV_ERROR, D_READ_OUTSIDE, d->b->at,
                                  "cannot read schedule %s from %s: it is outside the policy's "
                                  "folder, the search path and the standard library",
                                  d->name, shown);
        diag_note(dg, d->b->at, "a policy reads only files below its own folder; to allow "
                                "another folder, run levy with --allow-read DIR");
        return;
    }
    hts_report rep;
    memset(&rep, 0, sizeof rep);
    const char *column = d->c ? d->c->name : NULL;
    hts_status st = hts_load_file(path, column, &cs->tab, &rep, msg, sizeof msg);
    int saved = errno;
    cs->ok = st == HTS_OK;
    if (st == HTS_CANNOT_OPEN)
        diag_add(b->diags, SEV_ERROR, D_SCHEDULE_FILE, d->b->at,
                 "cannot read schedule %s: cannot open %s: %s", d->name, shown, strerror(saved));
    else if (st == HTS_BAD_ROW && report_bad_rows(b, d, path, shown, &rep))
        ;
    else if (!cs->ok)
        diag_add(b->diags, SEV_ERROR, D_SCHEDULE_FILE, d->b->at,
                 "cannot read schedule %s from %s: %s", d->name, shown, msg);
    else if (rep.not_understood)
        report_not_understood(b, d, shown, &rep);
    hts_report_free(&rep);
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
            load_schedule_file(b, cs); /* inline rows: eval_prepare */
    }
    return true;
}

/* ---- Measures and modifiers ---- */

/* measure_slot_of: the slot of the measure a name denotes here, or -1. */
static int measure_slot_of(builder *b, const node *name)
{
    const node *d = ix_decl_of_name(b->ix, name);
    if (!d || d->kind != N_MEASURE || !in_class(b->ix->p, d, DC_MEASURE))
        return -1;
    return b->ix->measure_slot[d->index];
}

static int modifier_slot_of(builder *b, const node *name)
{
    const node *d = ix_decl_of_name(b->ix, name);
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
    for (size_t i = 0; i < d->items.n; i++) {
        const node *it = d->items.v[i];
        switch (it->kind) {
        case N_ON:
        case N_FROM:
        case N_WHEN: compile_scope_clause(&m->sc, it); break;
        case N_RATE:
        case N_RATE_BY:
            if (!compile_rate_clause(b, &m->clauses[m->nclauses++], it))
                return false;
            m->windowed |= it->b != NULL;
            break;
        case N_BASE: m->base = it; break;
        case N_REPLACES:
            if (!compile_replaces(b, &m->repl[m->nrepl++], it))
                return false;
            break;
        default: break;
        }
    }
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
    for (size_t i = 0; i < d->items.n; i++) {
        const node *it = d->items.v[i];
        if (is_action(it)) {
            if (!compile_action(b, &k->acts[k->nacts], it))
                return false;
            bitset_union(k->targets, k->acts[k->nacts++].targets);
        } else if (it->kind == N_EFFECTIVE) {
            k->effective = it; /* its window: eval_prepare */
        } else {
            compile_scope_clause(&k->sc, it);
        }
    }
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
        c_commit *c = &ix->commits[ix->ncommits++];
        c->decl = d;
        c->commitment = ix_decl_of_name(ix, d->b); /* who, window: eval_prepare */
    }
    return true;
}

/* ---- Candidate lists ---- */

/* Which static part of a scope admits origin c and chapter ch: a measure
   or modifier outside them can never apply (in_scope, assess.c, checks
   them first and reads nothing else), so the evaluator need not visit it.
   A dynamic `on` or `from` admits everything. */
static bool admits_origin(const scope *sc, size_t c)
{
    return !sc->origins || sc->from_dynamic || bitset_has(sc->origins, c);
}

/* chapters_met: chap[ch] = pset_meets_code(s, hs ch) for every chapter at
 * once, from the set's intervals: in one band (the products of one
 * length), an interval meets exactly the chapters from its first point's
 * to its last point's. */
static void chapters_met(const pset *s, uint8_t *chap)
{
    const uint64_t per = HS_SPACE / NCHAPTERS;
    memset(chap, 0, NCHAPTERS);
    for (size_t i = 0; i < s->n; i++)
        for (uint64_t b = 0; b < PSET_BANDS; b++) {
            uint64_t off = b * HS_SPACE, end = off + HS_SPACE - 1;
            uint64_t lo = s->iv[i].lo > off ? s->iv[i].lo : off;
            uint64_t hi = s->iv[i].hi < end ? s->iv[i].hi : end;
            for (uint64_t ch = (lo - off) / per; lo <= hi && ch <= (hi - off) / per; ch++)
                chap[ch] = 1;
        }
}

static void admitted_chapters(const scope *sc, uint8_t *chap)
{
    if (!sc->products || sc->on_dynamic)
        memset(chap, 1, NCHAPTERS);
    else
        chapters_met(sc->products, chap);
}

/* Past this many entries in all the per (origin, chapter) lists together
   (broad policies of many measures), only the per-origin lists are kept. */
#define CAND_BUDGET ((size_t)1 << 21)

/* fill_lists: lists[i] for i < nlists, ascending, from the pairs (list,
   slot) that each(ix, pass, ...) visits twice: once to count (off NULL),
   once to place.  off gets nlists + 1 offsets into *items. */
typedef struct list_builder {
    policy_index *ix;
    uint32_t *off; /* nlists + 1 */
    int *items;
    size_t nlists;
    bool placing;
} list_builder;

static void lb_add(list_builder *lb, size_t list, int slot)
{
    if (lb->placing)
        lb->items[lb->off[list]++] = slot;
    else
        lb->off[list + 1]++;
}

static bool lb_start(list_builder *lb, policy_index *ix, size_t nlists)
{
    lb->ix = ix;
    lb->nlists = nlists;
    lb->placing = false;
    lb->items = NULL;
    lb->off = arena_alloc(&ix->mem, (nlists + 1) * sizeof *lb->off);
    return lb->off != NULL;
}

/* lb_place: after counting, turns counts into offsets and makes room. */
static bool lb_place(list_builder *lb)
{
    for (size_t i = 0; i < lb->nlists; i++)
        lb->off[i + 1] += lb->off[i];
    size_t total = lb->off[lb->nlists];
    lb->items = arena_alloc(&lb->ix->mem, (total ? total : 1) * sizeof *lb->items);
    if (!lb->items)
        return false;
    /* place at off[i], moving each list's start up as it fills; shifted
       back by lb_finish */
    lb->placing = true;
    return true;
}

static void lb_finish(list_builder *lb)
{
    for (size_t i = lb->nlists; i > 0; i--)
        lb->off[i] = lb->off[i - 1];
    lb->off[0] = 0;
}

static bool origin_lists(policy_index *ix, const uint8_t *chap)
{
    size_t nc = ix->ncountries;
    list_builder lb;
    if (!lb_start(&lb, ix, nc))
        return false;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !lb_place(&lb))
            return false;
        for (size_t i = 0; i < ix->nmeasures; i++)
            for (size_t c = 0; c < nc; c++)
                if (admits_origin(&ix->measures[i].sc, c))
                    lb_add(&lb, c, (int)i);
    }
    lb_finish(&lb);
    ix->m_by_o = lb.off;
    ix->m_by_o_items = lb.items;
    /* Per (origin, chapter), when it fits the budget. */
    size_t total = 0;
    for (size_t i = 0; i < ix->nmeasures; i++) {
        size_t no = 0, nch = 0;
        for (size_t c = 0; c < nc; c++)
            no += admits_origin(&ix->measures[i].sc, c);
        for (size_t ch = 0; ch < NCHAPTERS; ch++)
            nch += chap[i * NCHAPTERS + ch];
        total += no * nch;
        if (total > CAND_BUDGET)
            return true;
    }
    if (!lb_start(&lb, ix, nc * NCHAPTERS))
        return false;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !lb_place(&lb))
            return false;
        for (size_t i = 0; i < ix->nmeasures; i++)
            for (size_t c = 0; c < nc; c++)
                if (admits_origin(&ix->measures[i].sc, c))
                    for (size_t ch = 0; ch < NCHAPTERS; ch++)
                        if (chap[i * NCHAPTERS + ch])
                            lb_add(&lb, c * NCHAPTERS + ch, (int)i);
    }
    lb_finish(&lb);
    ix->m_by_oc = lb.off;
    ix->m_by_oc_items = lb.items;
    return true;
}

/* modifier_lists: per measure, the modifiers whose actions name it; per
   action, the measures it names. */
static bool modifier_lists(policy_index *ix)
{
    for (size_t k = 0; k < ix->nmods; k++)
        for (size_t a = 0; a < ix->mods[k].nacts; a++) {
            action *act = &ix->mods[k].acts[a];
            size_t n = bitset_count(act->targets), j = 0;
            act->slots = arena_alloc(&ix->mem, (n ? n : 1) * sizeof *act->slots);
            if (!act->slots)
                return false;
            for (long m = bitset_next(act->targets, 0); m >= 0;
                 m = bitset_next(act->targets, (size_t)m + 1))
                act->slots[j++] = (int)m;
            act->nslots = j;
        }
    list_builder lb;
    if (!lb_start(&lb, ix, ix->nmeasures))
        return false;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !lb_place(&lb))
            return false;
        for (size_t k = 0; k < ix->nmods; k++) {
            const c_modifier *cm = &ix->mods[k];
            for (long m = bitset_next(cm->targets, 0); m >= 0;
                 m = bitset_next(cm->targets, (size_t)m + 1))
                lb_add(&lb, (size_t)m, (int)k);
        }
    }
    lb_finish(&lb);
    ix->k_of_m = lb.off;
    ix->k_of_m_items = lb.items;
    return true;
}

bool index_candidates(policy_index *ix)
{
    ix->every = arena_alloc(&ix->mem, (ix->nmeasures ? ix->nmeasures : 1) * sizeof *ix->every);
    uint8_t *chap = arena_alloc(&ix->mem, (ix->nmeasures ? ix->nmeasures : 1) * NCHAPTERS);
    if (!ix->every || !chap)
        return false;
    for (size_t i = 0; i < ix->nmeasures; i++) {
        ix->every[i] = (int)i;
        admitted_chapters(&ix->measures[i].sc, &chap[i * NCHAPTERS]);
    }
    return origin_lists(ix, chap) && modifier_lists(ix);
}

/* ---- Names ---- */

const node *ix_decl_of_name(const policy_index *ix, const node *e)
{
    const node *d = e->ref;
    if (!d && e->sym == SYM_NONE && e->name)
        d = symtab_get(&ix->p->globals, e->name);
    return d ? ix_decl(ix, d) : NULL;
}

const c_schedule *ix_schedule_named(const policy_index *ix, const node *e)
{
    if (e->kind != N_NAME || e->sym == SYM_FIELD || e->sym == SYM_BUILTIN)
        return NULL;
    const node *d = e->ref;
    if (!d && e->name)
        d = symtab_get(&ix->p->globals, e->name);
    d = d ? ix_decl(ix, d) : NULL;
    if (!d || d->kind != N_SCHEDULE || d->index < 0 || (size_t)d->index >= ix->p->decls.schedules.n)
        return NULL;
    return ix->scheds[d->index];
}

/* ---- The whole policy ---- */

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
    return compile_overrides(b) && compile_commits(b);
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
    builder b = { ix, diags, base };
    if (!compile_all(&b) || ix->mem.failed) {
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
