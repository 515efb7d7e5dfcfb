/* test_alloc.c - out of memory at every allocation (SQLite's malloc tests).
 *
 * A host allocator that fails its Nth allocation, for N = 1, 2, ... until
 * a whole run (load, check, evaluate, run, test) no longer reaches the
 * failure.  Each time every call must return a status (LEVY_ERROR_NOMEM
 * or another error, or a NULL handle), never crash, and everything freed
 * must leave no block of the allocator's alive.  Uses levy.h only. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "levy.h"

typedef struct faulty {
    long fail_at; /* the allocation (1-based) that fails; 0: none */
    bool sticky;  /* and every one after it */
    long count;   /* allocations and resizes so far */
    long live;    /* blocks not freed */
    bool hit;     /* the failure happened */
} faulty;

static void *faulty_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    faulty *f = ud;
    (void)old_size;
    if (new_size == 0) {
        if (ptr)
            f->live--;
        free(ptr);
        return NULL;
    }
    f->count++;
    if (f->fail_at && (f->count == f->fail_at || (f->sticky && f->count > f->fail_at))) {
        f->hit = true;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p && !ptr)
        f->live++;
    return p;
}

static const char *srcdir(void)
{
    const char *s = getenv("LEVY_SRCDIR");
    return s ? s : ".";
}

static void discard(void *ud, const char *text, size_t len)
{
    (void)ud;
    (void)text;
    (void)len;
}

static bool status_ok(levy_status st)
{
    return st >= LEVY_OK && st <= LEVY_ERROR_NOMEM;
}

/* What a call that ran into the failed allocation and failed must say:
 * out of memory, not some other error (the host must be able to tell the
 * two apart; a call may also do without what it could not allocate, and
 * succeed).  hit_before is f->hit before the call. */
static void expect_nomem(const faulty *f, bool hit_before, levy_status st, const char *call)
{
    if (!hit_before && f->hit && st != LEVY_OK)
        cr_expect_eq(st, LEVY_ERROR_NOMEM, "allocation %ld failed in %s, which returned %s",
                     f->fail_at, call, levy_status_string(st));
}

typedef struct shipment_fields {
    const char *origin, *product, *value, *entered;
} shipment_fields;

typedef struct workload {
    const char *files[8];
    const char *scenario; /* the shipment is evaluated under it too */
    shipment_fields ship;
} workload;

/* One run of w under the allocator f; true when every step succeeded. */
static bool run_once(const workload *w, faulty *f)
{
    char stdlib[4096];
    snprintf(stdlib, sizeof stdlib, "%s/stdlib", srcdir());
    levy_config c;
    levy_config_init(&c);
    c.alloc = faulty_alloc;
    c.alloc_userdata = f;
    c.stdlib_dir = stdlib;
    bool all_ok = false;
    levy_policy *p = levy_policy_new_with(&c);
    if (!p)
        return false;
    levy_status st = LEVY_OK;
    for (size_t i = 0; st == LEVY_OK && i < 8 && w->files[i]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", srcdir(), w->files[i]);
        bool hit = f->hit;
        st = levy_policy_load_file(p, path);
        cr_assert(status_ok(st));
        expect_nomem(f, hit, st, "levy_policy_load_file");
    }
    if (st == LEVY_OK) {
        bool hit = f->hit;
        st = levy_policy_check(p);
        expect_nomem(f, hit, st, "levy_policy_check");
    }
    cr_assert(status_ok(st));
    const levy_scenario *scn = NULL;
    if (st == LEVY_OK && w->scenario) {
        bool hit = f->hit;
        st = levy_policy_scenario(p, w->scenario, &scn);
        cr_assert(status_ok(st));
        expect_nomem(f, hit, st, "levy_policy_scenario");
    }
    levy_shipment *s = st == LEVY_OK ? levy_shipment_new(p) : NULL;
    levy_result *r = levy_result_new();
    if (s && r) {
        const shipment_fields *sf = &w->ship;
        st = levy_shipment_set(s, "origin", sf->origin);
        if (st == LEVY_OK)
            st = levy_shipment_set(s, "product", sf->product);
        if (st == LEVY_OK)
            st = levy_shipment_set(s, "value", sf->value);
        if (st == LEVY_OK)
            st = levy_shipment_set(s, "entered", sf->entered);
        cr_assert(status_ok(st));
        if (st == LEVY_OK) {
            bool hit = f->hit;
            st = levy_evaluate(p, NULL, s, r);
            expect_nomem(f, hit, st, "levy_evaluate");
        }
        cr_assert(status_ok(st));
        if (st == LEVY_OK && scn) {
            levy_result *under = levy_result_new();
            bool hit = f->hit;
            st = under ? levy_evaluate(p, scn, s, under) : LEVY_ERROR_NOMEM;
            cr_assert(status_ok(st));
            expect_nomem(f, hit, st, "levy_evaluate under a scenario");
            levy_result_free(under);
        }
        if (st == LEVY_OK) {
            const char *summary = levy_result_explain(r);
            cr_assert_not_null(summary);
            bool hit = f->hit;
            levy_status run = levy_policy_run(p, NULL, discard, NULL);
            cr_assert(status_ok(run));
            expect_nomem(f, hit, run, "levy_policy_run");
            size_t passed = 0, failed = 0;
            hit = f->hit;
            levy_status test = levy_policy_test(p, NULL, NULL, discard, NULL, &passed, &failed);
            cr_assert(status_ok(test));
            expect_nomem(f, hit, test, "levy_policy_test");
            levy_policy_write_diagnostics(p, LEVY_FORMAT_TEXT, discard, NULL);
            all_ok = run == LEVY_OK && test == LEVY_OK && failed == 0 && levy_result_duty(r) > 0 &&
                     summary[0] != '\0';
        }
    }
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(p);
    return all_ok;
}

/* Fail allocation N for N = first, first + stride, ... until a run no
 * longer reaches N; returns how many runs there were. */
static long fail_each(const workload *w, bool sticky, long stride)
{
    faulty clean = { 0 };
    cr_assert(run_once(w, &clean), "the workload must succeed with memory to spare");
    cr_assert_eq(clean.live, 0, "%ld blocks leaked by a clean run", clean.live);
    long runs = 0;
    for (long n = 1;; n += stride) {
        faulty f = { .fail_at = n, .sticky = sticky };
        bool ok = run_once(w, &f);
        runs++;
        cr_assert_eq(f.live, 0, "allocation %ld failed: %ld blocks leaked", n, f.live);
        if (!f.hit) {
            cr_assert(ok, "allocation %ld was never reached, yet the run failed", n);
            break;
        }
        cr_assert(!ok, "allocation %ld failed, yet every call said it succeeded", n);
    }
    cr_assert_geq(runs, clean.count / stride);
    return runs;
}

static const workload reciprocal = {
    { "examples/reciprocal.levy", NULL },
    NULL,
    { "CN", "hs 9503.00.00", "$10,000.00", "2025-04-15" },
};

Test(alloc, every_allocation_of_a_small_policy_may_fail)
{
    fail_each(&reciprocal, false, 1);
}

Test(alloc, every_allocation_after_one_fails_too)
{
    fail_each(&reciprocal, true, 1);
}

static const workload flagship = {
    { "examples/us-2025/us-2025.levy", NULL },
    "partners_sign",
    { "CN", "hs 9503.00.00", "$10,000.00", "2025-06-01" },
};

/* The flagship (every file of examples/us-2025, its CSV schedule, a
 * scenario) is quick enough to fail at every allocation too. */
Test(alloc, every_allocation_of_the_flagship_may_fail, .timeout = 600)
{
    fail_each(&flagship, false, 1);
}

/* A session (what the REPL is built on): typed declarations, an
 * expression, a library loaded from a file, an error shown. */
static bool session_once(faulty *f)
{
    char stdlib[4096], file[4200];
    snprintf(stdlib, sizeof stdlib, "%s/stdlib", srcdir());
    snprintf(file, sizeof file, "%s/examples/reciprocal.levy", srcdir());
    levy_config c;
    levy_config_init(&c);
    c.alloc = faulty_alloc;
    c.alloc_userdata = f;
    c.write = discard;
    c.stdlib_dir = stdlib;
    levy_session *s = levy_session_new_with(&c);
    if (!s)
        return false;
    bool hit = f->hit;
    levy_status load = levy_session_load(s, file);
    expect_nomem(f, hit, load, "levy_session_load");
    hit = f->hit;
    levy_status let = levy_session_eval(s, "let extra = 5%");
    expect_nomem(f, hit, let, "levy_session_eval of a let");
    hit = f->hit;
    levy_status expr = levy_session_eval(s, "extra + 1%\nrate(toys_cn)");
    expect_nomem(f, hit, expr, "levy_session_eval of two expressions");
    hit = f->hit;
    levy_status expl = levy_session_eval(
        s, "explain(shipment { origin: CN, product: hs 9503.00.00, value: $100, "
           "entered: 2025-04-15 })");
    expect_nomem(f, hit, expl, "levy_session_eval of explain");
    levy_status bad = levy_session_eval(s, "let broken = extra + $1");
    hit = f->hit;
    levy_status type = levy_session_type(s, "extra");
    expect_nomem(f, hit, type, "levy_session_type");
    hit = f->hit;
    levy_status list = levy_session_list(s, "measures");
    expect_nomem(f, hit, list, "levy_session_list");
    cr_assert(status_ok(load) && status_ok(let) && status_ok(expr) && status_ok(expl) &&
              status_ok(bad) && status_ok(type) && status_ok(list));
    levy_session_free(s);
    return load == LEVY_OK && let == LEVY_OK && expr == LEVY_OK && expl == LEVY_OK &&
           bad == LEVY_ERROR_INVALID &&
           type == LEVY_OK && list == LEVY_OK;
}

Test(alloc, every_allocation_of_a_session_may_fail, .timeout = 600)
{
    faulty clean = { 0 };
    cr_assert(session_once(&clean));
    cr_assert_eq(clean.live, 0);
    for (long n = 1;; n++) {
        faulty f = { .fail_at = n };
        bool ok = session_once(&f);
        cr_assert_eq(f.live, 0, "allocation %ld failed: %ld blocks leaked", n, f.live);
        if (!f.hit) {
            cr_assert(ok);
            break;
        }
    }
}

Test(alloc, without_an_allocator_nothing_changes)
{
    levy_config c;
    levy_config_init(&c);
    cr_assert_null(c.alloc);
    levy_policy *p = levy_policy_new_with(&c);
    cr_assert_not_null(p);
    levy_policy_free(p);
}

/* mem_grow, the growable arrays' one way to make room. */
Test(alloc, mem_grow_doubles_and_refuses_overflow)
{
    int *v = NULL;
    size_t cap = 0;
    cr_assert(mem_grow(NULL, &v, &cap, 0, sizeof *v, 8));
    cr_assert_eq(cap, 8);
    cr_assert(mem_grow(NULL, &v, &cap, 7, sizeof *v, 8), "room left: unchanged");
    cr_assert_eq(cap, 8);
    for (int i = 0; i < 8; i++)
        v[i] = i;
    cr_assert(mem_grow(NULL, &v, &cap, 8, sizeof *v, 8));
    cr_assert_eq(cap, 16);
    cr_assert_eq(v[7], 7, "contents kept");
    int *before = v;
    size_t huge = SIZE_MAX / 2 + 1;
    cr_assert_not(mem_grow(NULL, &v, &huge, huge, sizeof *v, 8), "overflow is refused");
    cr_assert_eq(v, before, "array unchanged on failure");
    mem_free(NULL, v);
}
