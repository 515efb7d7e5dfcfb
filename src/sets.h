/* sets.h - country sets and product sets.
 *
 * A country set is a bitset over the program's countries (a country is its
 * index in decls.countries); the same bitset type serves the evaluator's
 * sets of measures and modifiers.
 *
 * A product set is a set of products, and a product is a shipment's code:
 * 2, 4, 6, 8 or 10 digits.  Membership is by prefix (LANGUAGE.md section
 * 3): p is in `hs C` when C is a prefix of p, in `hs LO..HI` when p is at
 * least as long as LO and its first digits lie in [LO, HI], in `A except B`
 * when in A and not in B.  So `hs 85` is in `all except {hs 8517.13}` and
 * not in `{hs 8517.13}` nor in `hs 8500..8599`, and `hs 6403.99` is in
 * {hs 64}: every product is in exactly one of S and `all except S`.
 *
 * The representation makes that plain interval arithmetic: the products of
 * each length L are a band of their own, and a product p of length L is the
 * point (L/2 - 1) * HS_SPACE + p * 10^(10 - L), its digits padded to ten
 * in band L.  A code C of length k is the interval of C's ten-digit
 * extensions in each band of length >= k (none in the shorter bands), a
 * range likewise; union, difference and intersection are those of the
 * points, so membership, equality, overlap and emptiness are exact for
 * every set expression.  A set is a sorted list of disjoint intervals over
 * the PSET_BANDS bands.
 *
 * The last section is the set algebra of the language (what `all`, a set
 * literal, `A except B`, `x in S` mean; LANGUAGE.md section 3), written
 * once: the checker's constant folding (rules.c, analysis.c) and the
 * evaluator (eval.c) both build their sets with it, and differ only in how
 * they reach the operands (folding names vs evaluating expressions).
 *
 * Sets built while evaluating live in an arena (arena.h).
 */
#ifndef LEVY_SETS_H
#define LEVY_SETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hs.h"
#include "arena.h"

/* ---- Bitsets ------------------------------------------------------------ */

typedef struct bitset {
    size_t nbits;
    size_t nwords;
    uint64_t w[];
} bitset;

#define BITSET_WORDS(nbits) (((nbits) + 63) / 64)

/* bitset_new: an empty set of nbits bits in r; NULL when out of memory. */
bitset *bitset_new(arena *r, size_t nbits);
bitset *bitset_copy(arena *r, const bitset *s);
static inline bool bitset_has(const bitset *s, size_t i)
{
    return i < s->nbits && (s->w[i / 64] >> (i % 64) & 1u);
}
static inline void bitset_add(bitset *s, size_t i)
{
    if (i < s->nbits)
        s->w[i / 64] |= UINT64_C(1) << (i % 64);
}
static inline void bitset_remove(bitset *s, size_t i)
{
    if (i < s->nbits)
        s->w[i / 64] &= ~(UINT64_C(1) << (i % 64));
}
void bitset_fill(bitset *s); /* every bit */
void bitset_clear(bitset *s);
void bitset_union(bitset *dst, const bitset *src);     /* dst |= src */
void bitset_minus(bitset *dst, const bitset *src);     /* dst &= ~src */
void bitset_intersect(bitset *dst, const bitset *src); /* dst &= src */
bool bitset_equal(const bitset *a, const bitset *b);
/* bitset_is_subset: is every member of a in b? */
bool bitset_is_subset(const bitset *a, const bitset *b);
/* bitset_overlaps: do a and b share a member? */
bool bitset_overlaps(const bitset *a, const bitset *b);
bool bitset_is_empty(const bitset *s);
bool bitset_is_full(const bitset *s);
size_t bitset_count(const bitset *s);
/* bitset_next: the first member >= from, or -1. */
long bitset_next(const bitset *s, size_t from);

/* ---- Product sets ------------------------------------------------------- */

/* HS_SPACE: how many ten-digit codes there are; one band.  PSET_BANDS:
 * one per product length (2, 4, 6, 8, 10). */
#define HS_SPACE UINT64_C(10000000000)
#define PSET_BANDS 5
#define PSET_SPACE (PSET_BANDS * HS_SPACE)

typedef struct hs_interval {
    uint64_t lo, hi; /* inclusive: ten-digit codes, or points of the bands */
} hs_interval;

typedef struct pset {
    size_t n;
    hs_interval iv[]; /* sorted, disjoint, not adjacent */
} pset;

/* hs_code_interval: the ten-digit codes that start with c (one band's
 * worth; products_of_code makes the set). */
hs_interval hs_code_interval(hs_code c);
/* hs_range_interval: the ten-digit codes that start with a code of
 * `hs lo..hi` (equal lengths, lo <= hi). */
hs_interval hs_range_interval(hs_code lo, hs_code hi);

pset *pset_empty(arena *r);
pset *pset_all(arena *r);
/* pset_from_intervals: sorts v (points of the bands) in place and merges
 * overlapping or adjacent intervals into a new set. */
pset *pset_from_intervals(arena *r, hs_interval *v, size_t n);
pset *pset_union(arena *r, const pset *a, const pset *b);
pset *pset_minus(arena *r, const pset *a, const pset *b);
pset *pset_intersect(arena *r, const pset *a, const pset *b);
/* pset_has: is the product (a code of any length) in s?  False for a code
 * of odd length, which is no product.  O(log n). */
bool pset_has(const pset *s, hs_code product);
/* pset_meets_code: is some product that starts with c in s (c itself or a
 * longer one)? */
bool pset_meets_code(const pset *s, hs_code c);
/* pset_example: a product of s to show: the shortest, and the first of
 * its length, from chapter 01 on when it can (there is no chapter 00);
 * false when s is empty. */
bool pset_example(const pset *s, hs_code *out);
/* pset_equal: the same products (so `{hs 85}` is not `{hs 8500..8599}`:
 * hs 85 is in the one only). */
bool pset_equal(const pset *a, const pset *b);
bool pset_is_all(const pset *s);

/* pset_codes: the set's ten-digit products as HS codes and ranges of
 * codes, fewest first: each interval is cut into the longest aligned
 * prefixes (2, 4, 6, 8 or 10 digits) all of whose products, of every
 * length, are in s, and neighbours of one length become a range.  So
 * `{hs 8500..8599}` comes out as hs 8500..8599, not hs 85.  Every product
 * in a piece is in s; a shorter product in s that no piece is a prefix of
 * (hs 85 in `all except {hs 8517.13}`) is not shown.  Calls emit(ud, lo,
 * hi) for each piece (lo == hi for a single code); stops early when emit
 * returns false. */
typedef bool (*pset_emit_fn)(void *ud, hs_code lo, hs_code hi);
void pset_codes(const pset *s, pset_emit_fn emit, void *ud);

/* ---- The set algebra of the language ------------------------------------ */

/* Every function here returns NULL when out of memory. */

/* countries_all, countries_none, countries_of: `all`, `{}` and a single
 * country as a set over a universe of ncountries. */
bitset *countries_all(arena *r, size_t ncountries);
bitset *countries_none(arena *r, size_t ncountries);
bitset *countries_of(arena *r, size_t ncountries, size_t country);
/* countries_except: `a except b`, a new set. */
bitset *countries_except(arena *r, const bitset *a, const bitset *b);
/* countries_in: `country in s`. */
static inline bool countries_in(const bitset *s, size_t country)
{
    return bitset_has(s, country);
}

/* products_of_code, products_of_range: `hs C` and `hs LO..HI` as sets. */
pset *products_of_code(arena *r, hs_code c);
pset *products_of_range(arena *r, hs_code lo, hs_code hi);
/* products_except: `a except b`. */
static inline pset *products_except(arena *r, const pset *a, const pset *b)
{
    return pset_minus(r, a, b);
}
/* products_in: `product in s`, by prefix (the header comment). */
static inline bool products_in(const pset *s, hs_code product)
{
    return pset_has(s, product);
}
/* products_within: is every product of a in b?  Scratch memory from r;
 * false when out of memory too. */
bool products_within(arena *r, const pset *a, const pset *b);

/* A set literal of products, `{e1, e2, ...}`: the union of its elements,
 * added one at a time.  Single codes and ranges are gathered and merged at
 * the end, so a literal of n codes costs n log n, not n squared. */
typedef struct products_literal {
    arena *r;
    hs_interval *iv; /* one per code or range added */
    size_t n, cap;
    const pset *sets; /* the union of the sets added, or NULL */
    bool failed;
} products_literal;

/* products_literal_init: for a literal of at most `elements` elements. */
void products_literal_init(products_literal *l, arena *r, size_t elements);
void products_literal_add_code(products_literal *l, hs_code c);
void products_literal_add_range(products_literal *l, hs_code lo, hs_code hi);
void products_literal_add_set(products_literal *l, const pset *s);
/* products_literal_finish: the union; NULL when out of memory. */
const pset *products_literal_finish(products_literal *l);

#endif
