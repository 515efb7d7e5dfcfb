/* test_sets.c - arenas, bitsets and product sets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sets.h"

static hs_code code(const char *text)
{
    hs_code c;
    cr_assert_eq(hs_parse(text, strlen(text), &c), HS_OK, "%s", text);
    return c;
}

/* A product set from a list like "72 73 -7302 84..85": a code or range
 * adds, a leading '-' takes away (in order). */
static pset *make(arena *r, const char *spec)
{
    pset *s = pset_empty(r);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        bool minus = tok[0] == '-';
        char *t = tok + minus;
        char *dots = strstr(t, "..");
        pset *one;
        if (dots) {
            *dots = '\0';
            one = products_of_range(r, code(t), code(dots + 2));
        } else {
            one = products_of_code(r, code(t));
        }
        s = minus ? pset_minus(r, s, one) : pset_union(r, s, one);
        cr_assert_not_null(s);
    }
    return s;
}

static bool listing(void *ud, hs_code lo, hs_code hi)
{
    char *out = ud, a[HS_FMT_MAX], b[HS_FMT_MAX];
    hs_format(lo, a);
    hs_format(hi, b);
    size_t len = strlen(out);
    if (hs_equal(lo, hi))
        snprintf(out + len, 512 - len, "%s%s", len ? " " : "", a);
    else
        snprintf(out + len, 512 - len, "%s%s..%s", len ? " " : "", a, b);
    return true;
}

static const char *codes(const pset *s, char out[512])
{
    out[0] = '\0';
    pset_codes(s, listing, out);
    return out;
}

Test(arena, save_restore_reuses_blocks)
{
    arena r;
    arena_init(&r, NULL);
    char *a = arena_alloc(&r, 100);
    cr_assert_not_null(a);
    arena_mark m = arena_save(&r);
    char *b = arena_alloc(&r, 40000); /* a block of its own */
    char *c = arena_alloc(&r, 10);
    cr_assert(b && c);
    arena_restore(&r, m);
    char *d = arena_alloc(&r, 10);
    cr_assert_eq(d, a + 112, "allocation resumes after the mark");
    arena_reset(&r);
    cr_assert_eq(arena_alloc(&r, 8), a);
    cr_assert_str_eq(arena_strndup(&r, "hello world", 5), "hello");
    cr_assert_not(r.failed);
    arena_free(&r);
}

Test(arena, zeroed_and_aligned)
{
    arena r;
    arena_init(&r, NULL);
    for (int i = 0; i < 1000; i++) {
        unsigned char *p = arena_alloc(&r, (size_t)(i % 37) + 1);
        cr_assert_eq((uintptr_t)p % 16, 0);
        for (int k = 0; k < i % 37 + 1; k++)
            cr_assert_eq(p[k], 0);
        memset(p, 0xAB, (size_t)(i % 37) + 1);
    }
    arena_free(&r);
}

Test(bitset, basics)
{
    arena r;
    arena_init(&r, NULL);
    bitset *s = bitset_new(&r, 130);
    cr_assert(bitset_is_empty(s));
    bitset_add(s, 0);
    bitset_add(s, 64);
    bitset_add(s, 129);
    bitset_add(s, 130); /* out of range: ignored */
    cr_assert(bitset_has(s, 64) && bitset_has(s, 129) && !bitset_has(s, 1) && !bitset_has(s, 130));
    cr_assert_eq(bitset_count(s), 3);
    cr_assert_eq(bitset_next(s, 0), 0);
    cr_assert_eq(bitset_next(s, 1), 64);
    cr_assert_eq(bitset_next(s, 65), 129);
    cr_assert_eq(bitset_next(s, 130), -1);
    bitset *full = bitset_new(&r, 130);
    bitset_fill(full);
    cr_assert(bitset_is_full(full));
    cr_assert_eq(bitset_count(full), 130);
    bitset_minus(full, s);
    cr_assert_eq(bitset_count(full), 127);
    cr_assert_not(bitset_has(full, 64));
    bitset *c = bitset_copy(&r, full);
    bitset_union(c, s);
    cr_assert(bitset_is_full(c));
    bitset_intersect(c, s);
    cr_assert(bitset_equal(c, s));
    bitset_remove(c, 64);
    cr_assert_eq(bitset_count(c), 2);
    bitset_clear(c);
    cr_assert(bitset_is_empty(c));
    arena_free(&r);
}

Test(bitset, subset_and_overlap)
{
    arena r;
    arena_init(&r, NULL);
    bitset *a = bitset_new(&r, 130), *b = bitset_new(&r, 130);
    cr_assert(bitset_is_subset(a, b) && !bitset_overlaps(a, b)); /* empty in empty */
    bitset_add(a, 129);
    cr_assert_not(bitset_is_subset(a, b));
    bitset_add(b, 3);
    cr_assert_not(bitset_overlaps(a, b));
    bitset_add(b, 129);
    cr_assert(bitset_is_subset(a, b) && bitset_overlaps(a, b));
    cr_assert_not(bitset_is_subset(b, a));
    arena_free(&r);
}

Test(pset, membership_is_by_prefix)
{
    arena r;
    arena_init(&r, NULL);
    pset *s = make(&r, "64");
    cr_assert(pset_has(s, code("6403.99")));
    cr_assert(pset_has(s, code("64")));
    pset *t = make(&r, "6403");
    cr_assert_not(pset_has(t, code("64")), "a chapter is not inside one of its headings");
    cr_assert(pset_has(t, code("6403.99.90")));
    cr_assert_not(pset_has(t, code("6404")));
    hs_code odd = { 851, 3 };
    cr_assert_not(pset_has(pset_all(&r), odd), "a code of odd length is no product");
    arena_free(&r);
}

/* LANGUAGE.md section 3's examples (issue 9 item 1). */
Test(pset, short_products_and_except)
{
    arena r;
    arena_init(&r, NULL);
    pset *phones = make(&r, "8517.13"), *all = pset_all(&r);
    pset *not_phones = pset_minus(&r, all, phones);
    cr_assert_not(pset_has(phones, code("85")));
    cr_assert(pset_has(not_phones, code("85")), "hs 85 is in all except {hs 8517.13}");
    cr_assert(pset_has(not_phones, code("8517")));
    cr_assert(pset_has(not_phones, code("8517.12")));
    cr_assert_not(pset_has(not_phones, code("8517.13")));
    cr_assert_not(pset_has(not_phones, code("8517.13.00.10")));
    cr_assert_not(pset_has(make(&r, "8500..8599"), code("85")),
                  "a code shorter than a range's ends is not in it");
    cr_assert(pset_has(make(&r, "8500..8599"), code("8517.13")));
    cr_assert_not(pset_equal(make(&r, "85"), make(&r, "8500..8599")), "hs 85 tells them apart");
    char buf[512];
    cr_assert_str_eq(codes(make(&r, "8500..8599"), buf), "8500..8599");
    cr_assert_str_eq(codes(make(&r, "85 -85 8500..8599 7200..7299 72"), buf), "72 8500..8599");
    cr_assert_str_eq(codes(make(&r, "85 -8517.13"), buf),
                     "8500..8516 8517.00..8517.12 8517.14..8517.99 8518..8599");
    /* Nested: all except ({hs 85} except {hs 8517}) */
    pset *inner = make(&r, "85 -8517");
    pset *outer = pset_minus(&r, all, inner);
    cr_assert_not(pset_has(inner, code("8517.13")) || pset_has(outer, code("85")));
    cr_assert(pset_has(outer, code("8517.13")) && pset_has(inner, code("85")));
    cr_assert(pset_meets_code(not_phones, code("85")) && pset_meets_code(phones, code("85")));
    cr_assert_not(pset_meets_code(phones, code("84")));
    hs_code ex;
    cr_assert(pset_example(not_phones, &ex) && hs_equal(ex, code("01")));
    cr_assert(pset_example(phones, &ex) && hs_equal(ex, code("8517.13")));
    cr_assert(pset_example(make(&r, "00..01 -01"), &ex) && hs_equal(ex, code("00")));
    cr_assert(pset_example(make(&r, "85 -85"), &ex) == false);
    arena_free(&r);
}

Test(pset, except_and_ranges)
{
    arena r;
    arena_init(&r, NULL);
    char buf[512];
    pset *s = make(&r, "64 -6403");
    cr_assert_not(pset_has(s, code("6403.99")));
    cr_assert(pset_has(s, code("6404.11")));
    cr_assert(pset_has(s, code("64")), "no code of {hs 6403} is a prefix of hs 64");
    cr_assert_str_eq(codes(s, buf), "6400..6402 6404..6499");
    pset *range = make(&r, "72..83");
    cr_assert(pset_has(range, code("7208.10")) && pset_has(range, code("83")));
    cr_assert_not(pset_has(range, code("84")));
    cr_assert_str_eq(codes(range, buf), "72..83");
    cr_assert_str_eq(codes(make(&r, "72 73 7301"), buf), "72..73");
    cr_assert_str_eq(codes(make(&r, "8517.13 8471 8542"), buf), "8471 8517.13 8542");
    cr_assert_str_eq(codes(make(&r, "8701..8705 -8703.21"), buf),
                     "8701..8702 8703.00..8703.20 8703.22..8703.99 8704..8705");
    cr_assert_str_eq(codes(make(&r, "0201 0202.10"), buf), "0201 0202.10");
    arena_free(&r);
}

Test(pset, algebra)
{
    arena r;
    arena_init(&r, NULL);
    pset *all = pset_all(&r);
    cr_assert(pset_is_all(all));
    pset *a = make(&r, "72..76"), *b = make(&r, "74 90");
    pset *u = pset_union(&r, a, b), *m = pset_minus(&r, a, b), *i = pset_intersect(&r, a, b);
    char buf[512];
    cr_assert_str_eq(codes(u, buf), "72..76 90");
    cr_assert_str_eq(codes(m, buf), "72..73 75..76");
    cr_assert_str_eq(codes(i, buf), "74");
    cr_assert(pset_equal(pset_union(&r, m, i), a));
    cr_assert(pset_equal(pset_minus(&r, all, pset_minus(&r, all, a)), a));
    cr_assert(pset_meets_code(a, code("74")) && pset_meets_code(a, code("7401")));
    cr_assert_not(pset_meets_code(a, code("80")));
    cr_assert_eq(pset_empty(&r)->n, 0);
    cr_assert_not(pset_has(pset_empty(&r), code("01")));
    arena_free(&r);
}

Test(pset, intervals_merge)
{
    arena r;
    arena_init(&r, NULL);
    hs_interval v[] = {
        hs_code_interval(code("73")),
        hs_code_interval(code("72")),
        hs_code_interval(code("7208")),
        hs_code_interval(code("90")),
    };
    pset *s = pset_from_intervals(&r, v, 4);
    cr_assert_eq(s->n, 2, "72 and 73 fuse; 7208 is inside 72");
    arena_free(&r);
}

Test(set_algebra, literal_is_the_union_of_its_elements)
{
    arena r;
    arena_init(&r, NULL);
    products_literal lit;
    products_literal_init(&lit, &r, 3);
    products_literal_add_code(&lit, code("73"));
    products_literal_add_range(&lit, code("84"), code("85"));
    products_literal_add_set(&lit, make(&r, "72"));
    const pset *s = products_literal_finish(&lit);
    cr_assert(s && pset_equal(s, make(&r, "72 73 84..85")));
    cr_assert(products_within(&r, make(&r, "8517"), s));
    cr_assert(!products_within(&r, make(&r, "86"), s));
    /* hs 85 is still in: no code of {hs 8517.13} is its prefix. */
    const pset *rest = products_except(&r, s, products_of_code(&r, code("8517.13")));
    cr_assert(products_in(rest, code("8517.12")));
    cr_assert(products_in(rest, code("85")));
    cr_assert(!products_in(rest, code("8517.13.10")));
    arena_free(&r);
}

Test(set_algebra, countries)
{
    arena r;
    arena_init(&r, NULL);
    bitset *all = countries_all(&r, 70), *one = countries_of(&r, 70, 65);
    bitset *rest = countries_except(&r, all, one);
    cr_assert(countries_in(all, 65) && !countries_in(rest, 65) && countries_in(rest, 64));
    cr_assert_eq(bitset_count(rest), 69);
    cr_assert(bitset_is_empty(countries_none(&r, 70)));
    arena_free(&r);
}
