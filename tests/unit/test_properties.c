/* test_properties.c - properties of the language over generated policies
 * and shipments (issue 9 item 22), through the public library (levy.h).
 *
 * Policies are generated from templates over a small vocabulary (four
 * countries, product codes drawn from a few digits so that prefixes meet,
 * measures with from/on/rates/windows/replaces, concessions and pauses) by
 * a deterministic PRNG with fixed seeds, so a failure names its seed and
 * happens again.  A policy that does not check (the generator can write a
 * conflict the checker rejects) is skipped; each property asserts that most
 * were not.
 *
 * Properties:
 *   - every product is in exactly one of S and `all except S`, and in S
 *     exactly when LANGUAGE.md section 3's prefix rule says so (a model
 *     here evaluates the generated set expression);
 *   - the duty is the sum of the amounts the explanation charges;
 *   - the order of the declarations, and splitting the policy over two
 *     files, change no rate, duty or failure;
 *   - `s with {}` is `s`;
 *   - a measure suspended by a pause replaces nothing.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "levy.h"

/* ---- A deterministic PRNG (splitmix64) ---------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* below: 0 .. n-1 */
static int below(rng *r, int n)
{
    return (int)(next(r) % (uint64_t)n);
}

static bool chance(rng *r, int percent)
{
    return below(r, 100) < percent;
}

/* ---- Text buffers ------------------------------------------------------- */

typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void add(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        cr_assert(k >= 0);
        if (b->s && (size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        cr_assert_not_null(b->s);
        if (b->n == 0)
            b->s[0] = '\0';
    }
}

static void buf_free(buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static void capture(void *ud, const char *text, size_t len)
{
    buf *b = ud;
    add(b, "%.*s", (int)len, text);
}

static char *stdlib_dir(void)
{
    static char dir[4096];
    const char *src = getenv("LEVY_SRCDIR");
    snprintf(dir, sizeof dir, "%s/stdlib", src ? src : ".");
    return dir;
}

/* policy: the sources checked as one policy (each a file of its own); NULL
 * when it has errors. */
static levy_policy *policy(const char *const *texts, size_t n, const char *expr)
{
    levy_policy *p = levy_policy_new();
    cr_assert_not_null(p);
    levy_policy_set_stdlib_dir(p, stdlib_dir());
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "part%zu.levy", i);
        cr_assert_eq(levy_policy_load_string(p, name, texts[i], strlen(texts[i])), LEVY_OK, "%s",
                     levy_policy_error(p));
    }
    if (expr)
        cr_assert_eq(levy_policy_load_expression(p, "-e", expr, strlen(expr)), LEVY_OK);
    if (levy_policy_check(p) != LEVY_OK) {
        levy_policy_free(p);
        return NULL;
    }
    return p;
}

/* ---- Product codes and sets --------------------------------------------- */

#define MAXLEN 10

typedef struct code {
    char d[MAXLEN + 1];
} code;

/* Digits from a small alphabet, so that generated codes share prefixes. */
static const char digits[] = "0185";

static code random_code(rng *r, int len)
{
    code c;
    for (int i = 0; i < len; i++)
        c.d[i] = digits[below(r, 4)];
    c.d[len] = '\0';
    return c;
}

static int random_len(rng *r)
{
    return 2 * (1 + below(r, 5));
}

/* The code's digits, dotted as the language allows. */
static void add_digits(buf *b, const code *c)
{
    size_t n = strlen(c->d);
    add(b, "%.*s", n < 4 ? (int)n : 4, c->d);
    for (size_t i = 4; i < n; i += 2)
        add(b, "%s%.2s", i == 4 ? "." : "", c->d + i);
}

static void add_code(buf *b, const code *c)
{
    add(b, "hs ");
    add_digits(b, c);
}

typedef enum { E_CODE, E_RANGE, E_NAME, E_LIT, E_ALL, E_EXCEPT } ekind;

typedef struct expr {
    ekind kind;
    code lo, hi; /* E_CODE (lo), E_RANGE */
    int name;    /* E_NAME: the index of an earlier named set */
    int n;       /* E_LIT: its elements */
    struct expr *el[4];
    struct expr *a, *b; /* E_EXCEPT */
} expr;

#define MAXNODES 256

typedef struct pool {
    expr v[MAXNODES];
    int n;
} pool;

static expr *node(pool *p, ekind k)
{
    cr_assert(p->n < MAXNODES);
    expr *e = &p->v[p->n++];
    memset(e, 0, sizeof *e);
    e->kind = k;
    return e;
}

/* An element of a set literal: a code, a range or an earlier set's name. */
static expr *element(rng *r, pool *p, int names)
{
    int k = below(r, names ? 10 : 8);
    if (k < 5) {
        expr *e = node(p, E_CODE);
        e->lo = random_code(r, random_len(r));
        return e;
    }
    if (k < 8) {
        expr *e = node(p, E_RANGE);
        int len = random_len(r);
        e->lo = random_code(r, len);
        e->hi = random_code(r, len);
        if (strcmp(e->lo.d, e->hi.d) > 0) {
            code t = e->lo;
            e->lo = e->hi;
            e->hi = t;
        }
        return e;
    }
    expr *e = node(p, E_NAME);
    e->name = below(r, names);
    return e;
}

static expr *literal(rng *r, pool *p, int names)
{
    expr *e = node(p, E_LIT);
    e->n = 1 + below(r, 3);
    for (int i = 0; i < e->n; i++)
        e->el[i] = element(r, p, names);
    return e;
}

static expr *set_expr(rng *r, pool *p, int names, int depth)
{
    int k = depth > 2 ? 0 : below(r, 6);
    if (k <= 2)
        return k == 0 ? literal(r, p, names) : element(r, p, names);
    expr *e = node(p, E_EXCEPT);
    e->a = k == 3 ? node(p, E_ALL) : set_expr(r, p, names, depth + 1);
    e->b = set_expr(r, p, names, depth + 1);
    return e;
}

static void add_expr(buf *b, const expr *e)
{
    switch (e->kind) {
    case E_CODE: add_code(b, &e->lo); break;
    case E_RANGE:
        add_code(b, &e->lo);
        add(b, "..");
        add_digits(b, &e->hi);
        break;
    case E_NAME: add(b, "P%d", e->name); break;
    case E_ALL: add(b, "all"); break;
    case E_LIT:
        add(b, "{");
        for (int i = 0; i < e->n; i++) {
            if (i)
                add(b, ", ");
            add_expr(b, e->el[i]);
        }
        add(b, "}");
        break;
    case E_EXCEPT:
        add(b, "(");
        add_expr(b, e->a);
        add(b, " except ");
        add_expr(b, e->b);
        add(b, ")");
        break;
    }
}

/* in: LANGUAGE.md section 3's rule, written out: a product is in a code
 * when the code is its prefix, in a range when it is at least as long as
 * the ends and its first digits lie between them. */
static bool in(const expr *e, const char *p, expr *const *names)
{
    size_t n = strlen(p);
    switch (e->kind) {
    case E_CODE: return strlen(e->lo.d) <= n && strncmp(e->lo.d, p, strlen(e->lo.d)) == 0;
    case E_RANGE: {
        size_t k = strlen(e->lo.d);
        return k <= n && strncmp(e->lo.d, p, k) <= 0 && strncmp(p, e->hi.d, k) <= 0;
    }
    case E_NAME: return in(names[e->name], p, names);
    case E_ALL: return true;
    case E_LIT:
        for (int i = 0; i < e->n; i++)
            if (in(e->el[i], p, names))
                return true;
        return false;
    case E_EXCEPT: return in(e->a, p, names) && !in(e->b, p, names);
    }
    return false;
}

/* A product to try: a random code, or one of the pool's codes cut short
 * or carried on, so that the interesting prefixes are met. */
static code product_near(rng *r, const pool *p)
{
    int len = random_len(r);
    code c = random_code(r, len);
    int tries = p->n;
    while (tries-- > 0 && chance(r, 70)) {
        const expr *e = &p->v[below(r, p->n)];
        if (e->kind != E_CODE && e->kind != E_RANGE)
            continue;
        const code *from = chance(r, 50) || e->kind == E_CODE ? &e->lo : &e->hi;
        size_t k = strlen(from->d);
        memcpy(c.d, from->d, k < (size_t)len ? k : (size_t)len);
        break;
    }
    return c;
}

static const char countries[] = "country CN \"China\"\ncountry VN \"Vietnam\"\n"
                                "country JP \"Japan\"\ncountry MX \"Mexico\"\n";
static const char *const origins[] = { "CN", "VN", "JP", "MX" };

static levy_status evaluate(const levy_policy *p, const char *origin, const char *product,
                            const char *value, const char *entered, levy_result *res)
{
    levy_shipment *s = levy_shipment_new(p);
    cr_assert_not_null(s);
    cr_assert_eq(levy_shipment_set(s, "origin", origin), LEVY_OK);
    cr_assert_eq(levy_shipment_set(s, "product", product), LEVY_OK, "%s", product);
    cr_assert_eq(levy_shipment_set(s, "value", value), LEVY_OK);
    cr_assert_eq(levy_shipment_set(s, "entered", entered), LEVY_OK);
    levy_status st = levy_evaluate(p, NULL, s, res);
    levy_shipment_free(s);
    return st;
}

static char *run(const char *text, const char *stmts, levy_status *st);

Test(properties, every_product_is_in_exactly_one_of_s_and_all_except_s)
{
    levy_result *res = levy_result_new();
    cr_assert_not_null(res);
    for (uint64_t seed = 1; seed <= 150; seed++) {
        rng r = { seed };
        pool *p = calloc(1, sizeof *p);
        cr_assert_not_null(p);
        expr *names[3];
        int k = 1 + below(&r, 3);
        buf text = { 0 };
        add(&text, "%s", countries);
        for (int i = 0; i < k; i++) {
            names[i] = set_expr(&r, p, i, 0);
            add(&text, "products P%d = ", i);
            add_expr(&text, names[i]);
            add(&text, "\n");
        }
        add(&text, "products T = all except P%d\n", k - 1);
        add(&text, "measure in_s { on P%d rate 1% }\nmeasure in_t { on T rate 2% }\n", k - 1);
        const char *texts[] = { text.s };
        levy_policy *pol = policy(texts, 1, NULL);
        cr_assert_not_null(pol, "seed %llu: the generated policy does not check:\n%s",
                           (unsigned long long)seed, text.s);
        buf stmts = { 0 }, want_out = { 0 };
        for (int t = 0; t < 30; t++) {
            code c = product_near(&r, p);
            cr_assert_eq(evaluate(pol, "CN", c.d, "1000", "2025-05-01", res), LEVY_OK, "%s",
                         levy_result_error(res));
            bool model = in(names[k - 1], c.d, names);
            int64_t want = model ? 10000 : 20000;
            cr_assert_eq(levy_result_rate(res), want,
                         "seed %llu: hs %s is %s S by the prefix rule, but the rate is %lld "
                         "(1%% in S, 2%% in all except S, 3%% both, 0 neither):\n%s",
                         (unsigned long long)seed, c.d, model ? "in" : "not in",
                         (long long)levy_result_rate(res), text.s);
            /* The same as expressions, which the evaluator computes. */
            const char *const sets[] = { "P%d", "T", "(all except P%d)" };
            for (int i = 0; i < 3; i++) {
                add_code(&stmts, &c);
                add(&stmts, " in ");
                add(&stmts, sets[i], k - 1);
                add(&stmts, "\n");
                add(&want_out, "%s\n", model == (i == 0) ? "true" : "false");
            }
        }
        levy_status st;
        char *got = run(text.s, stmts.s, &st);
        cr_assert(got && st == LEVY_OK && strcmp(got, want_out.s) == 0,
                  "seed %llu: `in` says\n%s\nthe prefix rule\n%s\nof\n%s\n%s",
                  (unsigned long long)seed, got ? got : "(does not check)", want_out.s, stmts.s,
                  text.s);
        free(got);
        buf_free(&stmts);
        buf_free(&want_out);
        levy_policy_free(pol);
        buf_free(&text);
        free(p);
    }
    levy_result_free(res);
}

/* ---- Generated policies ------------------------------------------------- */

#define MAXDECLS 16

/* A policy as its declarations, each a string of its own, so that they can
 * be put in another order or over two files. */
typedef struct gen {
    char *decl[MAXDECLS];
    int n;
    int measures;
    pool pool;
} gen;

static const char *const dates[] = { "2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01" };
static const int rates[] = { 5, 10, 25, 34, 50 };

static void add_scope(rng *r, gen *g, buf *b, int names)
{
    int f = below(r, 10);
    if (f < 4)
        add(b, "    from {%s, %s}\n", origins[below(r, 4)], origins[below(r, 4)]);
    else if (f < 6)
        add(b, "    from all except {%s}\n", origins[below(r, 4)]);
    if (chance(r, 60)) {
        add(b, "    on ");
        add_expr(b, set_expr(r, &g->pool, names, 1));
        add(b, "\n");
    }
}

static void push(gen *g, buf *b)
{
    cr_assert(g->n < MAXDECLS);
    g->decl[g->n++] = b->s;
    memset(b, 0, sizeof *b);
}

static void generate(rng *r, gen *g)
{
    memset(g, 0, sizeof *g);
    buf b = { 0 };
    for (int i = 0; i < 4; i++) {
        add(&b, "country %s \"%s\"\n", origins[i], origins[i]);
        push(g, &b);
    }
    int sets = below(r, 3);
    for (int i = 0; i < sets; i++) {
        add(&b, "products P%d = ", i);
        add_expr(&b, set_expr(r, &g->pool, i, 0));
        add(&b, "\n");
        push(g, &b);
    }
    g->measures = 2 + below(r, 4);
    for (int i = 0; i < g->measures; i++) {
        add(&b, "measure m%d \"Measure %d\" {\n", i, i);
        add_scope(r, g, &b, sets);
        int w = below(r, 3), d1 = below(r, 3), d2 = d1 + 1 + below(r, 3 - d1);
        add(&b, "    rate %d%%", rates[below(r, 5)]);
        if (w >= 1)
            add(&b, " effective %s", dates[d1]);
        if (w == 2) {
            add(&b, " until %s\n", dates[d2]);
            if (chance(r, 50))
                add(&b, "    rate %d%% effective %s", rates[below(r, 5)], dates[d2]);
        }
        add(&b, "\n");
        if (i > 0 && chance(r, 35))
            add(&b, "    replaces m%d\n", below(r, i));
        add(&b, "}\n");
        push(g, &b);
    }
    int concessions = below(r, 3);
    for (int i = 0; i < concessions; i++) {
        add(&b, "concession k%d {\n", i);
        add_scope(r, g, &b, sets);
        int m = below(r, g->measures), rt = rates[below(r, 5)];
        switch (below(r, 4)) {
        case 0: add(&b, "    cap m%d at %d%%\n", m, rt); break;
        case 1: add(&b, "    reduce m%d by %d%%\n", m, rt); break;
        case 2: add(&b, "    set m%d to %d%%\n", m, rt); break;
        default: add(&b, "    suspend m%d\n", m); break;
        }
        if (chance(r, 50))
            add(&b, "    effective %s\n", dates[below(r, 4)]);
        add(&b, "}\n");
        push(g, &b);
    }
    int pauses = below(r, 3);
    for (int i = 0; i < pauses; i++) {
        add(&b, "pause z%d {\n    suspend m%d", i, below(r, g->measures));
        if (chance(r, 30))
            add(&b, " to %d%%", rates[below(r, 5)]);
        add(&b, "\n");
        add_scope(r, g, &b, sets);
        add(&b, "    effective %s for 90 days\n}\n", dates[below(r, 4)]);
        push(g, &b);
    }
}

static void gen_free(gen *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->decl[i]);
    g->n = 0;
}

/* joined: decls order[from..to) as one text. */
static char *joined(const gen *g, const int *order, int from, int to)
{
    buf b = { 0 };
    add(&b, "%s", "");
    for (int i = from; i < to; i++)
        add(&b, "%s", g->decl[order ? order[i] : i]);
    return b.s;
}

typedef struct ship {
    char origin[3], product[MAXLEN + 1], value[16], entered[11];
} ship;

static const char *const entry_dates[] = { "2024-12-01", "2025-02-15", "2025-05-01", "2025-08-01",
                                           "2025-11-01" };

static ship random_shipment(rng *r, const gen *g)
{
    ship s;
    snprintf(s.origin, sizeof s.origin, "%s", origins[below(r, 4)]);
    code c = product_near(r, &g->pool);
    snprintf(s.product, sizeof s.product, "%s", c.d);
    snprintf(s.value, sizeof s.value, "%d.%02d", 1 + below(r, 99999), below(r, 100));
    snprintf(s.entered, sizeof s.entered, "%s", entry_dates[below(r, 5)]);
    return s;
}

/* An outcome to compare: failed, or the rate and the duty. */
typedef struct outcome {
    levy_status st;
    int64_t rate, duty;
} outcome;

static outcome assess(const levy_policy *p, const ship *s, levy_result *res)
{
    outcome o = { evaluate(p, s->origin, s->product, s->value, s->entered, res), 0, 0 };
    if (o.st == LEVY_OK) {
        o.rate = levy_result_rate(res);
        o.duty = levy_result_duty(res);
    }
    return o;
}

static void add_shipment_literal(buf *b, const ship *s)
{
    code c;
    snprintf(c.d, sizeof c.d, "%s", s->product);
    add(b, "shipment { origin: %s, product: ", s->origin);
    add_code(b, &c);
    add(b, ", value: $%s, entered: %s }", s->value, s->entered);
}

#define POLICIES 300
#define SHIPMENTS 20

Test(properties, duty_is_the_sum_of_the_charges)
{
    levy_result *res = levy_result_new();
    int checked = 0, evaluated = 0, charged = 0;
    for (uint64_t seed = 1; seed <= POLICIES; seed++) {
        rng r = { seed * 7919 };
        gen *g = malloc(sizeof *g);
        generate(&r, g);
        char *text = joined(g, NULL, 0, g->n);
        if (seed == 3 && getenv("PROPERTIES_SHOW"))
            fprintf(stderr, "%s", text);
        const char *texts[] = { text };
        levy_policy *p = policy(texts, 1, NULL);
        if (p) {
            checked++;
            for (int i = 0; i < SHIPMENTS; i++) {
                ship s = random_shipment(&r, g);
                if (evaluate(p, s.origin, s.product, s.value, s.entered, res) != LEVY_OK)
                    continue;
                evaluated++;
                int64_t sum = 0;
                size_t n = levy_result_charge_count(res);
                for (size_t k = 0; k < n; k++) {
                    levy_charge ch;
                    cr_assert_eq(levy_result_charge(res, k, &ch), LEVY_OK);
                    sum += ch.amount;
                }
                charged += n > 0;
                cr_assert_eq(
                    sum, levy_result_duty(res),
                    "seed %llu: %s from %s, %s, $%s: charges sum to %lld, duty %lld\n%s\n%s",
                    (unsigned long long)seed, s.product, s.origin, s.entered, s.value,
                    (long long)sum, (long long)levy_result_duty(res), levy_result_explain(res),
                    text);
            }
            levy_policy_free(p);
        }
        free(text);
        gen_free(g);
        free(g);
    }
    cr_log_info("duty: %d policies checked, %d evaluated, %d charged", checked, evaluated, charged);
    cr_assert_gt(checked, POLICIES / 2, "only %d of %d generated policies check", checked,
                 POLICIES);
    cr_assert_gt(charged, evaluated / 4, "%d of %d evaluations charge anything", charged,
                 evaluated);
    levy_result_free(res);
}

Test(properties, order_and_files_change_nothing)
{
    levy_result *res = levy_result_new();
    int checked = 0;
    for (uint64_t seed = 1; seed <= POLICIES; seed++) {
        rng r = { seed * 104729 };
        gen *g = malloc(sizeof *g);
        generate(&r, g);
        int order[MAXDECLS];
        for (int i = 0; i < g->n; i++)
            order[i] = i;
        for (int i = g->n - 1; i > 0; i--) {
            int j = below(&r, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int cut = below(&r, g->n + 1);
        char *one = joined(g, NULL, 0, g->n), *shuffled = joined(g, order, 0, g->n);
        char *first = joined(g, order, 0, cut), *second = joined(g, order, cut, g->n);
        const char *t1[] = { one }, *t2[] = { shuffled }, *t3[] = { first, second };
        levy_policy *p1 = policy(t1, 1, NULL), *p2 = policy(t2, 1, NULL), *p3 = policy(t3, 2, NULL);
        cr_assert((p1 != NULL) == (p2 != NULL) && (p1 != NULL) == (p3 != NULL),
                  "seed %llu: the policy checks in %s order%s, in two files%s:\n%s",
                  (unsigned long long)seed, p1 ? "its" : "another", p2 ? "" : " only",
                  p3 ? "" : " not", one);
        if (p1) {
            checked++;
            for (int i = 0; i < SHIPMENTS; i++) {
                ship s = random_shipment(&r, g);
                outcome a = assess(p1, &s, res), b = assess(p2, &s, res), c = assess(p3, &s, res);
                cr_assert(a.st == b.st && a.rate == b.rate && a.duty == b.duty && a.st == c.st &&
                              a.rate == c.rate && a.duty == c.duty,
                          "seed %llu: %s from %s, %s, $%s: rate %lld/%lld/%lld, duty "
                          "%lld/%lld/%lld (as written, reordered, in two files):\n%s",
                          (unsigned long long)seed, s.product, s.origin, s.entered, s.value,
                          (long long)a.rate, (long long)b.rate, (long long)c.rate,
                          (long long)a.duty, (long long)b.duty, (long long)c.duty, one);
            }
        }
        levy_policy_free(p1);
        levy_policy_free(p2);
        levy_policy_free(p3);
        free(one);
        free(shuffled);
        free(first);
        free(second);
        gen_free(g);
        free(g);
    }
    cr_assert_gt(checked, POLICIES / 2);
    levy_result_free(res);
}

/* run: what the policy's -e statements print, and whether any failed. */
static char *run(const char *text, const char *stmts, levy_status *st)
{
    const char *texts[] = { text };
    levy_policy *p = policy(texts, 1, stmts);
    if (!p) {
        *st = LEVY_ERROR_INVALID;
        return NULL;
    }
    buf out = { 0 };
    add(&out, "%s", "");
    *st = levy_policy_run(p, NULL, capture, &out);
    levy_policy_free(p);
    return out.s;
}

Test(properties, s_with_nothing_is_s)
{
    int checked = 0;
    for (uint64_t seed = 1; seed <= POLICIES / 2; seed++) {
        rng r = { seed * 15485863 };
        gen *g = malloc(sizeof *g);
        generate(&r, g);
        char *text = joined(g, NULL, 0, g->n);
        buf plain = { 0 }, with = { 0 }, same = { 0 };
        for (int i = 0; i < SHIPMENTS / 2; i++) {
            ship s = random_shipment(&r, g);
            buf lit = { 0 };
            add_shipment_literal(&lit, &s);
            add(&plain, "explain(%s)\n", lit.s);
            add(&with, "explain(%s with {})\n", lit.s);
            for (int f = 0; f < 4; f++) {
                static const char *const fields[] = { "origin", "product", "value", "entered" };
                add(&same, "(%s with {}).%s == (%s).%s\n", lit.s, fields[f], lit.s, fields[f]);
            }
            buf_free(&lit);
        }
        levy_status st1, st2, st3;
        char *a = run(text, plain.s, &st1), *b = run(text, with.s, &st2);
        char *c = run(text, same.s, &st3);
        if (a) {
            checked++;
            cr_assert(st1 == st2 && strcmp(a, b) == 0,
                      "seed %llu: s and s with {} differ:\n%s\n---\n%s\n---\n%s",
                      (unsigned long long)seed, a, b, text);
            cr_assert_eq(st3, LEVY_OK, "%s", same.s);
            for (const char *line = c; *line; line = strchr(line, '\n') + 1)
                cr_assert(strncmp(line, "true\n", 5) == 0, "seed %llu: %s",
                          (unsigned long long)seed, c);
        }
        free(a);
        free(b);
        free(c);
        buf_free(&plain);
        buf_free(&with);
        buf_free(&same);
        free(text);
        gen_free(g);
        free(g);
    }
    cr_assert_gt(checked, POLICIES / 4);
}

Test(properties, a_suspended_measure_replaces_nothing)
{
    levy_result *res = levy_result_new();
    int checked = 0, differs = 0;
    for (uint64_t seed = 1; seed <= POLICIES; seed++) {
        rng r = { seed * 32452843 };
        gen *g = malloc(sizeof *g);
        generate(&r, g);
        char *base = joined(g, NULL, 0, g->n);
        buf x = { 0 };
        add(&x, "%smeasure xx \"Replaces, but suspended\" {\n", base);
        add_scope(&r, g, &x, 0);
        add(&x, "    rate 77%%\n    replaces m%d\n}\n", below(&r, g->measures));
        buf with_pause = { 0 };
        add(&with_pause, "%spause zz { suspend xx effective 2024-01-01 until 2027-01-01 }\n", x.s);
        const char *t1[] = { base }, *t2[] = { with_pause.s }, *t3[] = { x.s };
        levy_policy *p1 = policy(t1, 1, NULL), *p2 = policy(t2, 1, NULL), *p3 = policy(t3, 1, NULL);
        if (p1 && p2 && p3) {
            checked++;
            for (int i = 0; i < SHIPMENTS; i++) {
                ship s = random_shipment(&r, g);
                outcome a = assess(p1, &s, res), b = assess(p2, &s, res), c = assess(p3, &s, res);
                differs += a.rate != c.rate; /* the generator does reach xx */
                cr_assert(a.st == b.st && a.rate == b.rate && a.duty == b.duty,
                          "seed %llu: %s from %s, %s, $%s: rate %lld, duty %lld without xx; "
                          "%lld, %lld with xx suspended:\n%s",
                          (unsigned long long)seed, s.product, s.origin, s.entered, s.value,
                          (long long)a.rate, (long long)a.duty, (long long)b.rate,
                          (long long)b.duty, with_pause.s);
            }
        }
        levy_policy_free(p1);
        levy_policy_free(p2);
        levy_policy_free(p3);
        buf_free(&x);
        buf_free(&with_pause);
        free(base);
        gen_free(g);
        free(g);
    }
    cr_log_info("suspended: %d policies checked, %d differ without the pause", checked, differs);
    cr_assert_gt(checked, POLICIES / 2);
    cr_assert_gt(differs, 0);
    levy_result_free(res);
}
