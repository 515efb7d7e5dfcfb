/* api_timeline.c - the timeline API of levy.h: the steps of a shipment's
 * charge over a period of entry dates, and what changed at each step.
 *
 * The steps are eval_timeline's (the evaluator finds the dates where a
 * window of the policy opens or closes); each step is then evaluated once,
 * entered on its first day, through the same path as levy_evaluate, so a
 * step says exactly what levy_evaluate says of any day in it.  What
 * changed is the difference between a step's charges and the previous
 * one's.  No I/O: `levy timeline` (cmd_timeline.c) prints. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "assessment.h"
#include "date.h"
#include "eval.h"
#include "levy.h"
#include "value.h"

typedef struct tl_step {
    levy_step pub;
    levy_charge *charges;
    levy_exclusion *exclusions;
    size_t nexclusions;
    const char **changes;
} tl_step;

struct levy_timeline {
    mem alloc; /* the allocator of the policy last computed with */
    bool adopted;
    arena mem; /* the steps and their texts */
    tl_step *steps;
    size_t nsteps;
    char error[768];
};

levy_timeline *levy_timeline_new(void)
{
    levy_timeline *t = mem_calloc(NULL, 1, sizeof *t);
    if (t)
        arena_init(&t->mem, NULL);
    return t;
}

void levy_timeline_free(levy_timeline *t)
{
    if (!t)
        return;
    arena_free(&t->mem);
    mem_free(NULL, t);
}

const char *levy_timeline_error(const levy_timeline *t)
{
    return t ? t->error : "";
}

static levy_status fail(levy_timeline *t, levy_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof t->error, fmt, ap);
    va_end(ap);
    return st;
}

/* reset: empty, its memory from the policy's allocator. */
static void reset(levy_timeline *t, const levy_policy *policy)
{
    arena_free(&t->mem);
    t->alloc = *api_policy_mem(policy);
    arena_init(&t->mem, &t->alloc);
    t->steps = NULL;
    t->nsteps = 0;
    t->error[0] = '\0';
}

static const char *keep(levy_timeline *t, const char *s)
{
    return arena_strdup(&t->mem, s ? s : "");
}

static const char *keep_date(levy_timeline *t, date d)
{
    char day[11];
    date_format(d, day);
    return keep(t, day);
}

static const levy_charge *find_charge(const tl_step *s, const char *measure)
{
    for (size_t i = 0; i < s->pub.charge_count; i++)
        if (strcmp(s->charges[i].measure, measure) == 0)
            return &s->charges[i];
    return NULL;
}

static const levy_exclusion *find_exclusion(const tl_step *s, const char *measure)
{
    for (size_t i = 0; i < s->nexclusions; i++)
        if (strcmp(s->exclusions[i].measure, measure) == 0)
            return &s->exclusions[i];
    return NULL;
}

static bool add_change(levy_timeline *t, tl_step *s, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const char *kept = keep(t, text);
    if (!kept)
        return false;
    s->changes[s->pub.change_count++] = kept;
    return true;
}

/* modifier_phrase: the part of a charge's note that says how a modifier
 * changed it ("suspended to 10% by geneva (was 34%)"), without the
 * citation before it or what it replaces after it; "" when none. */
static void modifier_phrase(const char *note, char *out, size_t n)
{
    static const char *const phrases[] = { "suspended to ", "set to ", "capped at ",
                                           "reduced to " };
    const char *start = NULL;
    for (const char *p = note; *p && !start; p++) {
        if (p != note && !(p >= note + 2 && p[-2] == ';' && p[-1] == ' '))
            continue;
        for (size_t k = 0; k < sizeof phrases / sizeof *phrases; k++)
            if (strncmp(p, phrases[k], strlen(phrases[k])) == 0)
                start = p;
    }
    if (!start) {
        out[0] = '\0';
        return;
    }
    const char *end = strstr(start, "; replaces ");
    size_t len = end ? (size_t)(end - start) : strlen(start);
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), start);
}

/* find_changes: what differs between prev's charges and cur's: measures
 * that start, whose rate moves (with the note that says why, when it
 * changed), and that end (with why, when they are now left out). */
static bool find_changes(levy_timeline *t, const tl_step *prev, tl_step *cur)
{
    cur->changes = arena_alloc(&t->mem, (prev->pub.charge_count + cur->pub.charge_count + 1) *
                                            sizeof *cur->changes);
    if (!cur->changes)
        return false;
    for (size_t i = 0; i < cur->pub.charge_count; i++) {
        const levy_charge *c = &cur->charges[i], *p = find_charge(prev, c->measure);
        char now[512], before[512];
        modifier_phrase(c->note, now, sizeof now);
        bool ok = true;
        if (p)
            modifier_phrase(p->note, before, sizeof before);
        if (!p)
            ok = add_change(t, cur, "%s starts at %s", c->measure, c->rate);
        else if (strcmp(p->rate, c->rate) != 0 && *now && strcmp(now, before) != 0)
            ok = add_change(t, cur, "%s %s -> %s (%s)", c->measure, p->rate, c->rate, now);
        else if (strcmp(p->rate, c->rate) != 0 && *before)
            ok = add_change(t, cur, "%s %s -> %s (%s ends)", c->measure, p->rate, c->rate,
                            before);
        else if (strcmp(p->rate, c->rate) != 0)
            ok = add_change(t, cur, "%s %s -> %s", c->measure, p->rate, c->rate);
        if (!ok)
            return false;
    }
    for (size_t i = 0; i < prev->pub.charge_count; i++) {
        const levy_charge *p = &prev->charges[i];
        if (find_charge(cur, p->measure))
            continue;
        const levy_exclusion *e = find_exclusion(cur, p->measure);
        if (!(e ? add_change(t, cur, "%s: %s", p->measure, e->reason)
                : add_change(t, cur, "%s ends", p->measure)))
            return false;
    }
    return true;
}

/* evaluate_step: step i of tl, entered on its first day: with amounts
 * when the shipment has a value, its rates alone otherwise. */
static levy_status evaluate_step(levy_timeline *t, eval_env *env, const timeline *tl, size_t i)
{
    const timeline_step *st = &tl->steps[i];
    tl_step *step = &t->steps[i];
    shipment *at = ship_copy(&t->mem, tl->ship);
    if (!at)
        return fail(t, LEVY_ERROR_NOMEM, "out of memory");
    at->fields[F_ENTERED] = value_date(st->from);
    bool amounts = ship_has(at, F_VALUE);
    assessment a;
    eval_error err;
    memset(&err, 0, sizeof err);
    if (!eval_assess(env, at, amounts ? ASSESS_AMOUNTS : 0, &a, &err))
        return fail(t, LEVY_ERROR_EVAL, "%s", err.message);
    strbuf rate;
    sb_init(&rate, &t->alloc);
    rate_format_sb(a.total, &rate);
    step->pub.from = keep_date(t, st->from);
    step->pub.until = keep_date(t, st->until);
    step->pub.rate = a.total.ad_valorem.units;
    step->pub.rate_text = rate.failed ? NULL : keep(t, sb_cstr(&rate));
    sb_free(&rate);
    step->pub.has_duty = amounts;
    step->pub.duty = amounts ? a.duty.units : 0;
    step->pub.charge_count = a.napplied;
    step->nexclusions = a.nskipped;
    if (!step->pub.from || !step->pub.until || !step->pub.rate_text ||
        !api_publish_assessment(&t->mem, &t->alloc, &a, &step->charges, &step->exclusions))
        return fail(t, LEVY_ERROR_NOMEM, "out of memory");
    if (i > 0 && !find_changes(t, &t->steps[i - 1], step))
        return fail(t, LEVY_ERROR_NOMEM, "out of memory");
    return LEVY_OK;
}

static levy_status read_date(levy_timeline *t, const char *text, const char *what, date *out)
{
    if (!text || !*text)
        return fail(t, LEVY_ERROR_ARGUMENT, "the timeline needs its %s date", what);
    date_status ds = date_parse(text, strlen(text), out);
    if (ds != DATE_OK)
        return fail(t, LEVY_ERROR_ARGUMENT, "the %s date '%s' is not a date (YYYY-MM-DD): %s",
                    what, text, date_status_message(ds));
    return LEVY_OK;
}

levy_status levy_timeline_compute(const levy_policy *policy, const levy_scenario *scenario,
                                  const levy_shipment *given, const char *from,
                                  const char *until, levy_timeline *t)
{
    if (!t || !policy)
        return LEVY_ERROR_ARGUMENT;
    const policy_index *ix = api_policy_index(policy, scenario);
    const struct shipment *ship = api_shipment_of(given, policy);
    if (!ix)
        return fail(t, LEVY_ERROR_STATE, "the policy has not been checked, or has errors");
    if (!ship)
        return fail(t, LEVY_ERROR_STATE, "the shipment belongs to another policy");
    reset(t, policy);
    date a, b;
    levy_status s = read_date(t, from, "from", &a);
    if (s == LEVY_OK)
        s = read_date(t, until, "until", &b);
    if (s != LEVY_OK)
        return s;
    if (b <= a)
        return fail(t, LEVY_ERROR_ARGUMENT, "the period ends (%s) before it starts (%s)", until,
                    from);
    eval_env env;
    eval_env_init(&env, ix, &t->mem);
    eval_error err;
    memset(&err, 0, sizeof err);
    timeline tl;
    if (!eval_timeline(&env, ship, a, b, &tl, &err))
        return fail(t, LEVY_ERROR_EVAL, "%s", err.message);
    t->steps = arena_alloc(&t->mem, (tl.nsteps + 1) * sizeof *t->steps);
    if (!t->steps)
        return fail(t, LEVY_ERROR_NOMEM, "out of memory");
    memset(t->steps, 0, (tl.nsteps + 1) * sizeof *t->steps);
    for (size_t i = 0; i < tl.nsteps && s == LEVY_OK; i++)
        s = evaluate_step(t, &env, &tl, i);
    t->nsteps = s == LEVY_OK ? tl.nsteps : 0;
    return s;
}

size_t levy_timeline_step_count(const levy_timeline *t)
{
    return t ? t->nsteps : 0;
}

levy_status levy_timeline_step(const levy_timeline *t, size_t i, levy_step *out)
{
    if (!t || !out)
        return LEVY_ERROR_ARGUMENT;
    if (i >= t->nsteps)
        return LEVY_ERROR_NOT_FOUND;
    *out = t->steps[i].pub;
    return LEVY_OK;
}

levy_status levy_timeline_charge(const levy_timeline *t, size_t step, size_t k, levy_charge *out)
{
    if (!t || !out)
        return LEVY_ERROR_ARGUMENT;
    if (step >= t->nsteps || k >= t->steps[step].pub.charge_count)
        return LEVY_ERROR_NOT_FOUND;
    *out = t->steps[step].charges[k];
    return LEVY_OK;
}

const char *levy_timeline_change(const levy_timeline *t, size_t step, size_t k)
{
    if (!t || step >= t->nsteps || k >= t->steps[step].pub.change_count)
        return NULL;
    return t->steps[step].changes[k];
}
