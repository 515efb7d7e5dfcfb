/* policy_index.h - the compiled form of a policy, shared by the compiler
 * (compile.c, which builds its structure), the evaluator's preparation
 * (prepare.c, which fills in what needs a value) and the evaluator
 * (eval.c, assess.c, builtins.c, which read it).  Private to those files:
 * everyone else sees the opaque policy_index of compile.h.
 *
 * index_build leaves the values out; eval_prepare (eval.h) fills them in,
 * the constants' slots among them, in the index's own memory.  Once it
 * returns, an index is read-only.
 */
#ifndef LEVY_POLICY_INDEX_H
#define LEVY_POLICY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "compile.h"
#include "schedule.h"
#include "sets.h"
#include "value.h"

/* How deep evaluation may nest (defaults, constants, calls) before a
 * declaration is taken to depend on itself. */
#define EVAL_MAX_DEPTH 200

/* ---- Compiled structures -------------------------------------------------- */

#define DAY_EVER INT32_MIN  /* a window that has always been open */
#define DAY_NEVER INT32_MAX /* a window that never closes */

/* [from, until): dates are days, `until` excluded. */
typedef struct window {
    date from, until;
} window;

/* window_always: the window of a clause that has none. */
static inline window window_always(void)
{
    window w = { DAY_EVER, DAY_NEVER };
    return w;
}

static inline bool window_has(window w, date d)
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
    bool ok;          /* loaded (false: its file could not be read) */
    bool owned;       /* this index frees it */
    const char *file; /* the CSV path, for messages; NULL inline */
} c_schedule;

/* One entry of a `rate by` table, with its rate when constant. */
typedef struct table_entry {
    const node *entry;
    bool constant;
    rate_value rate;
} table_entry;

typedef enum rc_kind {
    RC_EXPR,   /* rate EXPR */
    RC_LOOKUP, /* rate SCHEDULE: the whole rate is a lookup (partial) */
    RC_BY_ORIGIN,
    RC_BY_PRODUCT
} rc_kind;

typedef struct rate_clause {
    const node *node;
    rc_kind kind;
    window win;
    bool constant; /* RC_EXPR: rate folded at compile time */
    rate_value rate;
    const c_schedule *sched; /* RC_LOOKUP */
    table_entry *entries;    /* RC_BY_ORIGIN, RC_BY_PRODUCT */
    size_t nentries;
    int *origin_entry; /* RC_BY_ORIGIN: per country, entry or -1 */
    schedule *table;   /* RC_BY_PRODUCT: constant rates in the rows;
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
    const node *base; /* N_BASE or NULL */
    rate_clause *clauses;
    size_t nclauses;
    bool windowed; /* some clause has a window: `entered` is needed */
    replaces_clause *repl;
    size_t nrepl;
} c_measure;

typedef enum act_kind { ACT_SUSPEND, ACT_SUSPEND_TO, ACT_SET, ACT_CAP, ACT_REDUCE } act_kind;

typedef struct action {
    act_kind kind;
    const node *node;
    const node *rate; /* the R of `to R`, `at R`, `by R` */
    bitset *targets;  /* measure slots */
    int *slots;       /* the same, ascending (index_candidates) */
    size_t nslots;
} action;

typedef struct c_modifier {
    const node *decl;
    scope sc;
    window win;
    const node *effective; /* N_EFFECTIVE or NULL */
    action *acts;
    size_t nacts;
    bitset *targets;    /* every measure an action names */
    int *overridden_by; /* modifier slots that override this one */
    size_t noverridden_by;
} c_modifier;

typedef struct c_commit {
    const node *decl;
    const bitset *who;
    const node *commitment;
    window win;
} c_commit;

typedef enum slot_state {
    SLOT_TODO = 0,
    SLOT_BUSY,
    SLOT_DONE,
    SLOT_FAILED,
    SLOT_DERIVED
} slot_state;

/* A constant declaration (let, group, product set), evaluated once. */
typedef struct eval_error eval_error; /* eval.h */
typedef struct const_slot {
    slot_state state;
    value v;
    eval_error *err;
} const_slot;

/* Remapping of declarations in a scenario is by class of declaration
 * (decl_class, program.h), for the classes decl_kinds.def marks
 * PER_SCENARIO; the arrays of the other classes are NULL. */

#define NCHAPTERS 100

struct policy_index {
    const program *p;
    const node *scenario;
    arena mem;  /* everything compiled; values of constants */
    bool ready; /* compiled: assessments may run */
    size_t ncountries;
    const node **remap[DC_COUNT]; /* decl index -> the decl standing for it */
    bool *dropped[DC_COUNT];      /* decl index -> not part of this policy */

    c_measure *measures;
    size_t nmeasures;
    int *measure_slot; /* decl index -> slot or -1 */
    c_modifier *mods;
    size_t nmods;
    int *mod_slot;
    c_schedule **scheds; /* schedule decl index -> compiled */
    const_slot *lets, *groups, *products;
    c_commit *commits;
    size_t ncommits;

    /* Candidate lists (index_candidates, compile.c), built once by
       eval_prepare from the static parts of the scopes (`on` and `from`
       sets that are constants) and READ-ONLY afterwards: threads that
       evaluate rows share one index, so the evaluator only reads these,
       and keeps what it learns of one shipment in its own arena.  A list
       is items[off[i]] .. items[off[i + 1]), measure or modifier slots in
       ascending (declaration) order, so that visiting a list visits the
       candidates in the order the full walk does.
         m_by_oc  per origin x NCHAPTERS + chapter of the product: the
                  measures whose static scope admits both; NULL when the
                  lists would pass a budget (compile.c, CAND_BUDGET)
         m_by_o   per origin: the measures whose static scope admits it
         k_of_m   per measure slot: the modifiers whose actions name it
                  (a modifier is found through the measures it targets)
         every    0 .. nmeasures - 1, the full walk (eval_env.full_walk) */
    uint32_t *m_by_oc, *m_by_o, *k_of_m;
    int *m_by_oc_items, *m_by_o_items, *k_of_m_items;
    int *every;

    date *bounds; /* sorted dates where the charge may change */
    size_t nbounds;

    const node **scenario_of[DC_COUNT]; /* decl index -> its scenario or NULL */
    bool frozen;                        /* constants filled: nothing changes any more */
    schedule **owned;                   /* schedules whose rows this index frees */
    size_t nowned, capowned;
};

/* class_list: the list class rk is numbered in. */
static inline const node_list *class_list(const program *p, int rk)
{
    return decl_class_list(&p->decls, rk);
}

/* class_of: d's class when the compiler tracks it per scenario, or
 * DC_NONE. */
static inline int class_of(const node *d)
{
    decl_class dc = decl_class_of(d);
    return decl_class_per_scenario(dc) ? dc : DC_NONE;
}

/* in_class: is d the declaration numbered d->index of its class?  (Lets
 * inside tests are not numbered with the others.) */
static inline bool in_class(const program *p, const node *d, int rk)
{
    const node_list *l = class_list(p, rk);
    return d->index >= 0 && (size_t)d->index < l->n && l->v[d->index] == d;
}

/* ix_decl: the declaration that stands for d in this index. */
static inline const node *ix_decl(const policy_index *ix, const node *d)
{
    int rk = d ? class_of(d) : -1;
    if (rk < 0 || !ix->remap[rk] || !in_class(ix->p, d, rk))
        return d;
    const node *r = ix->remap[rk][d->index];
    return r ? r : d;
}

/* ---- What the evaluator needs of the compiler (compile.c) ---------------- */

/* index_candidates: the candidate indexes, from the scopes' sets (which
 * eval_prepare fills first). */
bool index_candidates(policy_index *ix);
/* ix_decl_of_name: the declaration a name denotes in this index, or NULL. */
const node *ix_decl_of_name(const policy_index *ix, const node *e);
/* ix_schedule_named: the compiled schedule e names when it is just a
 * schedule's name, else NULL. */
const c_schedule *ix_schedule_named(const policy_index *ix, const node *e);

#endif
