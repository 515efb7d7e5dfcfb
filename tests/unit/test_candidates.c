/* test_candidates.c - the index's candidate lists (policy_index.h): the
 * evaluator visits only the measures whose static scope admits the
 * shipment's origin and chapter, and the modifiers that name a measure
 * that applies, and finds exactly what the full walk over every measure
 * and modifier finds (eval_env.full_walk), on generated policies and
 * shipments.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "policy_index.h"

static fixture fx;

static void unload(void)
{
    fixture_free(&fx);
}

TestSuite(candidates, .fini = unload);

static int country(const char *code)
{
    for (size_t i = 0; i < fx.p.decls.countries.n; i++)
        if (strcmp(fx.p.decls.countries.v[i]->name, code) == 0)
            return (int)i;
    cr_assert_fail("no country %s", code);
    return -1;
}

static int measure_slot(const policy_index *ix, const char *name)
{
    for (size_t i = 0; i < ix->nmeasures; i++)
        if (strcmp(ix->measures[i].decl->name, name) == 0)
            return (int)i;
    cr_assert_fail("no measure %s", name);
    return -1;
}

static bool listed(const uint32_t *off, const int *items, size_t list, int slot)
{
    for (uint32_t i = off[list]; i < off[list + 1]; i++)
        if (items[i] == slot)
            return true;
    return false;
}

#define SMALL_PRELUDE                                                                              \
    "country CN \"China\"\ncountry VN \"Viet Nam\"\ncountry DE \"Germany\"\n"                      \
    "country FR \"France\"\n"                                                                      \
    "group EU = {DE, FR}\n"

Test(candidates, a_measure_of_one_origin_is_not_visited_for_another)
{
    fixture_load_text(&fx, "t.levy",
                      SMALL_PRELUDE "measure cn_only { from {CN} rate 5% }\n"
                                    "measure eu_steel { from EU on {hs 72} rate 7% }\n"
                                    "measure everyone { rate 1% }\n"
                                    "measure not_cn { from all except {CN} on all except {hs 72} "
                                    "rate 2% }\n",
                      NULL);
    const policy_index *ix = fixture_policy(&fx);
    int cn = country("CN"), vn = country("VN"), de = country("DE");
    int cn_only = measure_slot(ix, "cn_only"), eu_steel = measure_slot(ix, "eu_steel");
    int everyone = measure_slot(ix, "everyone"), not_cn = measure_slot(ix, "not_cn");
    cr_expect(listed(ix->m_by_o, ix->m_by_o_items, (size_t)cn, cn_only));
    cr_expect_not(listed(ix->m_by_o, ix->m_by_o_items, (size_t)vn, cn_only));
    cr_expect_not(listed(ix->m_by_o, ix->m_by_o_items, (size_t)cn, not_cn));
    cr_expect(listed(ix->m_by_o, ix->m_by_o_items, (size_t)vn, not_cn));
    cr_expect(listed(ix->m_by_o, ix->m_by_o_items, (size_t)vn, everyone));
    cr_assert_not_null(ix->m_by_oc, "a small policy keeps its (origin, chapter) lists");
    size_t de72 = (size_t)de * NCHAPTERS + 72, de73 = (size_t)de * NCHAPTERS + 73;
    cr_expect(listed(ix->m_by_oc, ix->m_by_oc_items, de72, eu_steel));
    cr_expect_not(listed(ix->m_by_oc, ix->m_by_oc_items, de73, eu_steel));
    cr_expect_not(listed(ix->m_by_oc, ix->m_by_oc_items, (size_t)vn * NCHAPTERS + 72, eu_steel));
    cr_expect_not(listed(ix->m_by_oc, ix->m_by_oc_items, de72, not_cn));
    cr_expect(listed(ix->m_by_oc, ix->m_by_oc_items, de73, not_cn));
    cr_expect(listed(ix->m_by_oc, ix->m_by_oc_items, de72, everyone));
    /* Each list ascends, as the full walk visits. */
    for (size_t l = 0; l < ix->ncountries * NCHAPTERS; l++)
        for (uint32_t i = ix->m_by_oc[l] + 1; i < ix->m_by_oc[l + 1]; i++)
            cr_assert_lt(ix->m_by_oc_items[i - 1], ix->m_by_oc_items[i]);
}

Test(candidates, a_modifier_is_found_through_the_measures_it_names)
{
    fixture_load_text(&fx, "t.levy",
                      SMALL_PRELUDE "measure a { rate 5% }\nmeasure b { rate 6% }\n"
                                    "measure c { rate 7% }\n"
                                    "pause p { suspend a, c from {CN} effective 2025-01-01 for 90 days }\n"
                                    "concession k { cap b at 1% }\n",
                      NULL);
    const policy_index *ix = fixture_policy(&fx);
    int a = measure_slot(ix, "a"), b = measure_slot(ix, "b"), c = measure_slot(ix, "c");
    cr_assert_eq(ix->k_of_m[a + 1] - ix->k_of_m[a], 1);
    cr_assert_eq(ix->k_of_m[b + 1] - ix->k_of_m[b], 1);
    cr_assert_eq(ix->k_of_m[c + 1] - ix->k_of_m[c], 1);
    cr_expect_eq(ix->k_of_m_items[ix->k_of_m[a]], ix->k_of_m_items[ix->k_of_m[c]]);
    cr_expect_neq(ix->k_of_m_items[ix->k_of_m[a]], ix->k_of_m_items[ix->k_of_m[b]]);
}

/* ---- Candidate lists against the full walk --------------------------------------- */

static uint64_t seed = 88172645463325252u;

static unsigned rnd(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed % n);
}

static const char *const origins[] = { "CN", "VN", "JP", "DE", "FR", "MX", "CA", "GB" };
#define NORIGINS (sizeof origins / sizeof origins[0])
static const int chapters[] = { 1, 27, 61, 72, 73, 76, 85, 95 };
#define NCHAPTERS_USED (sizeof chapters / sizeof chapters[0])

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && (size_t)n < sizeof buf);
    if (t->n + (size_t)n + 1 > t->cap) {
        t->cap = (t->n + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
    memcpy(t->s + t->n, buf, (size_t)n + 1);
    t->n += (size_t)n;
}

/* put_origins: k distinct origins as {A, B}; picked gets them. */
static void put_origins(text *t, unsigned k, bool *picked)
{
    bool in[NORIGINS] = { false };
    for (unsigned i = 0; i < k; i++)
        in[rnd(NORIGINS)] = true;
    put(t, "{");
    const char *sep = "";
    for (size_t i = 0; i < NORIGINS; i++)
        if (in[i]) {
            put(t, "%s%s", sep, origins[i]);
            sep = ", ";
        }
    put(t, "}");
    if (picked)
        memcpy(picked, in, sizeof in);
}

static void put_products(text *t)
{
    unsigned k = 1 + rnd(3);
    put(t, "{");
    for (unsigned i = 0; i < k; i++) {
        int ch = chapters[(i * 3 + rnd(NCHAPTERS_USED)) % NCHAPTERS_USED];
        if (rnd(2))
            put(t, "%shs %02d", i ? ", " : "", ch);
        else
            put(t, "%shs %02d%02u", i ? ", " : "", ch, 1 + rnd(4));
    }
    put(t, "}");
}

static void put_day(text *t, unsigned day)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int m = 0;
    while (day >= (unsigned)mdays[m]) {
        day -= (unsigned)mdays[m];
        m++;
    }
    put(t, "2025-%02d-%02u", m + 1, day + 1);
}

#define NMEASURES 60
#define NMODS 30

/* gen_policy: measures and modifiers of every kind of scope; each measure
 * the target of at most one modifier, but for pairs that override. */
static char *gen_policy(void)
{
    text t = { 0 };
    put(&t, "country CN \"China\"\ncountry VN \"Viet Nam\"\ncountry JP \"Japan\"\n"
            "country DE \"Germany\"\ncountry FR \"France\"\ncountry MX \"Mexico\"\n"
            "country CA \"Canada\"\ncountry GB \"United Kingdom\"\n"
            "group EU = {DE, FR}\nattribute usmca: bool = false\n"
            "products metals = {hs 72, hs 73, hs 76}\n");
    bool named[NMEASURES][NORIGINS];
    for (int i = 0; i < NMEASURES; i++) {
        memset(named[i], 0, sizeof named[i]);
        put(&t, "measure m%02d {\n", i);
        unsigned r = rnd(10);
        bool picked = false;
        if (r < 6) {
            put(&t, "  from ");
            put_origins(&t, 1 + rnd(3), named[i]);
            put(&t, "\n");
            picked = true;
        } else if (r == 6) {
            put(&t, "  from EU\n");
        } else if (r == 7) {
            put(&t, "  from all except {CA, MX}\n");
        }
        r = rnd(10);
        if (r < 6) {
            put(&t, "  on ");
            put_products(&t);
            put(&t, "\n");
        } else if (r == 6) {
            put(&t, "  on all except metals\n");
        } else if (r == 7) {
            put(&t, "  on all except {hs 85}\n");
        }
        r = rnd(12);
        if (r == 0)
            put(&t, "  when via != origin\n");
        else if (r == 1)
            put(&t, "  when usmca\n");
        else if (r == 2)
            put(&t, "  when value > $1000\n");
        else if (r == 3)
            put(&t, "  when has(loaded) and loaded < 2025-04-09\n");
        unsigned nwin = 1 + rnd(3), day = rnd(200);
        bool by_origin = picked && rnd(5) == 0;
        for (unsigned w = 0; w < nwin; w++) {
            if (by_origin) {
                put(&t, "  rate by origin {");
                const char *sep = " ";
                for (size_t o = 0; o < NORIGINS; o++)
                    if (named[i][o]) {
                        put(&t, "%s%s: %u%%", sep, origins[o], 1 + rnd(40));
                        sep = ", ";
                    }
                put(&t, " }");
            } else {
                put(&t, "  rate %u%%", 1 + rnd(40));
            }
            put(&t, " effective ");
            put_day(&t, day);
            if (w + 1 < nwin) {
                day += 10 + rnd(60);
                put(&t, " until ");
                put_day(&t, day);
            }
            put(&t, "\n");
        }
        if (i > 0 && rnd(6) == 0)
            put(&t, "  replaces m%02u\n", rnd((unsigned)i));
        put(&t, "}\n");
    }
    /* Distinct targets: measures 0 .. NMEASURES-1 shuffled. */
    int order[NMEASURES];
    for (int i = 0; i < NMEASURES; i++)
        order[i] = i;
    for (int i = NMEASURES - 1; i > 0; i--) {
        int j = (int)rnd((unsigned)i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    int next = 0;
    for (int k = 0; k < NMODS && next + 2 <= NMEASURES; k++) {
        int m = order[next++];
        unsigned r = rnd(6);
        if (r == 0) { /* a pause of two measures */
            int m2 = order[next++];
            put(&t, "pause k%02d { suspend m%02d, m%02d from ", k, m, m2);
            put_origins(&t, 1 + rnd(4), NULL);
            put(&t, " effective ");
            unsigned d = 30 + rnd(200);
            put_day(&t, d);
            put(&t, " until ");
            put_day(&t, d + 10 + rnd(80));
            put(&t, " }\n");
        } else if (r == 1) {
            put(&t, "concession k%02d { when usmca suspend m%02d effective ", k, m);
            put_day(&t, rnd(250));
            put(&t, " }\n");
        } else if (r == 2) { /* one that overrides another on the same measure */
            put(&t, "concession k%02d { from ", k);
            put_origins(&t, 1 + rnd(4), NULL);
            put(&t, " cap m%02d at %u%% }\n", m, rnd(20));
            put(&t, "concession k%02db { from ", k);
            put_origins(&t, 1 + rnd(4), NULL);
            put(&t, " on ");
            put_products(&t);
            put(&t, " set m%02d to %u%% overrides k%02d }\n", m, rnd(20), k);
        } else {
            put(&t, "concession k%02d { from ", k);
            put_origins(&t, 1 + rnd(5), NULL);
            if (r == 3)
                put(&t, " reduce m%02d by %u%%", m, 1 + rnd(10));
            else
                put(&t, " cap m%02d at %u%%", m, rnd(20));
            put(&t, " effective ");
            put_day(&t, rnd(250));
            put(&t, " }\n");
        }
    }
    return t.s;
}

static void set(shipment *s, int f, const char *v)
{
    char err[200];
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, f, v, strlen(v), err, sizeof err), "%s: %s", v,
              err);
}

static void gen_shipment(shipment *s, int usmca)
{
    ship_clear(s);
    char buf[64];
    set(s, F_ORIGIN, origins[rnd(NORIGINS)]);
    if (rnd(4) == 0)
        set(s, F_VIA, origins[rnd(NORIGINS)]);
    snprintf(buf, sizeof buf, "%02d%02u%06u", chapters[rnd(NCHAPTERS_USED)], 1 + rnd(5),
             rnd(1000000));
    set(s, F_PRODUCT, buf);
    snprintf(buf, sizeof buf, "%u.%02u", rnd(5000), rnd(100));
    set(s, F_VALUE, buf);
    text t = { 0 };
    put_day(&t, rnd(365));
    set(s, F_ENTERED, t.s);
    if (rnd(2)) {
        t.n = 0;
        put_day(&t, rnd(200));
        set(s, F_LOADED, t.s);
    }
    free(t.s);
    if (rnd(3) == 0)
        set(s, usmca, rnd(2) ? "true" : "false");
}

/* outcome: the assessment as text, every field that a caller can see. */
static void outcome(const policy_index *ix, const shipment *s, bool full, strbuf *out)
{
    eval_env env;
    eval_env_init(&env, ix, &fx.mem);
    env.full_walk = full;
    eval_error err;
    memset(&err, 0, sizeof err);
    assessment a;
    sb_clear(out);
    if (!eval_assess(&env, s, ASSESS_AMOUNTS, &a, &err)) {
        sb_printf(out, "error %s: %s", err.code, err.message);
        return;
    }
    sb_printf(out, "total %lld duty %lld\n", (long long)a.total.ad_valorem.units,
              (long long)a.duty.units);
    for (size_t i = 0; i < a.napplied; i++) {
        const applied_measure *m = &a.applied[i];
        sb_printf(out, "%s %lld was %lld change %d by %s base %lld amount %lld\n",
                  m->measure->name, (long long)m->rate.ad_valorem.units,
                  (long long)m->was.ad_valorem.units, (int)m->change,
                  m->modifier ? m->modifier->name : "-", (long long)m->base.units,
                  (long long)m->amount.units);
    }
    for (size_t i = 0; i < a.nskipped; i++)
        sb_printf(out, "skipped %s %lld why %d by %s\n", a.skipped[i].measure->name,
                  (long long)a.skipped[i].rate.ad_valorem.units, (int)a.skipped[i].why,
                  a.skipped[i].by->name);
    explain_format(&a, out);
}

Test(candidates, the_lists_find_what_the_full_walk_finds)
{
    unsigned policies = 0, shipments = 0, charged = 0, modified = 0, skipped = 0;
    for (int round = 0; round < 6; round++) {
        if (round > 0)
            fixture_free(&fx); /* the last one: unload */
        char *src = gen_policy();
        fixture_load_text(&fx, "gen.levy", src, NULL);
        const policy_index *ix = fixture_policy(&fx);
        int usmca = ship_field_lookup(&fx.p, "usmca");
        cr_assert_geq(usmca, 0);
        /* The (origin, chapter) lists are exactly the static scopes. */
        cr_assert_not_null(ix->m_by_oc);
        for (size_t m = 0; m < ix->nmeasures; m++) {
            const scope *sc = &ix->measures[m].sc;
            for (size_t c = 0; c < ix->ncountries; c++)
                for (size_t ch = 0; ch < NCHAPTERS; ch++) {
                    hs_code chapter = { ch, 2 };
                    bool want = (!sc->origins || sc->from_dynamic || bitset_has(sc->origins, c)) &&
                                (!sc->products || sc->on_dynamic ||
                                 pset_meets_code(sc->products, chapter));
                    cr_assert_eq(listed(ix->m_by_oc, ix->m_by_oc_items, c * NCHAPTERS + ch,
                                        (int)m),
                                 want, "measure %zu, country %zu, chapter %zu", m, c, ch);
                }
        }
        shipment *s = ship_new(&fx.arena, &fx.p);
        cr_assert_not_null(s);
        strbuf fast, full;
        sb_init(&fast, NULL);
        sb_init(&full, NULL);
        for (int i = 0; i < 3000; i++) {
            gen_shipment(s, usmca);
            arena_mark mark = arena_save(&fx.mem);
            outcome(ix, s, false, &fast);
            outcome(ix, s, true, &full);
            arena_restore(&fx.mem, mark);
            cr_assert_str_eq(sb_cstr(&fast), sb_cstr(&full), "policy:\n%s", src);
            charged += strstr(sb_cstr(&fast), " amount ") != NULL;
            modified += strstr(sb_cstr(&fast), "change 0") == NULL &&
                        strstr(sb_cstr(&fast), " change ") != NULL;
            skipped += strstr(sb_cstr(&fast), "skipped ") != NULL;
            shipments++;
        }
        sb_free(&fast);
        sb_free(&full);
        free(src);
        policies++;
    }
    /* The generated cases reach what they are meant to. */
    cr_expect_gt(charged, shipments / 4);
    cr_expect_gt(modified, 20);
    cr_expect_gt(skipped, 20);
    cr_log_info("%u policies, %u shipments: %u charged, %u modified, %u with exclusions",
                policies, shipments, charged, modified, skipped);
}
