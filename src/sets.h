/* sets.h - country sets and product sets.
 *
 * A country set is a bitset over the program's countries (a country is its
 * index in decls.countries); the same bitset type serves the evaluator's
 * sets of measures and modifiers.  A product set is a sorted list of
 * disjoint intervals over the space of ten-digit HS codes: a code of length
 * L stands for every ten-digit code that starts with it, so `hs 72` is
 * [7200000000, 7299999999], a range `hs 72..83` one interval, and `except`
 * plain interval difference.  A product is in a set when every code it
 * denotes is: `hs 6403.99` is in {hs 64}, `hs 64` is not in {hs 6403}.
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
void bitset_fill(bitset *s);                           /* every bit */
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

/* HS_SPACE: how many ten-digit codes there are. */
#define HS_SPACE UINT64_C(10000000000)

typedef struct hs_interval {
    uint64_t lo, hi; /* inclusive, ten-digit codes */
} hs_interval;

typedef struct pset {
    size_t n;
    hs_interval iv[]; /* sorted, disjoint, not adjacent */
} pset;

/* hs_code_interval: the ten-digit codes a code denotes. */
hs_interval hs_code_interval(hs_code c);
/* hs_range_interval: the codes of `hs lo..hi` (equal lengths, lo <= hi). */
hs_interval hs_range_interval(hs_code lo, hs_code hi);

pset *pset_empty(arena *r);
pset *pset_all(arena *r);
/* pset_from_intervals: sorts v in place and merges overlapping or adjacent
 * intervals into a new set. */
pset *pset_from_intervals(arena *r, hs_interval *v, size_t n);
pset *pset_union(arena *r, const pset *a, const pset *b);
pset *pset_minus(arena *r, const pset *a, const pset *b);
pset *pset_intersect(arena *r, const pset *a, const pset *b);
/* pset_has: is every code that `product` denotes in s?  O(log n). */
bool pset_has(const pset *s, hs_code product);
/* pset_overlaps: does s share a code with iv? */
bool pset_overlaps(const pset *s, hs_interval iv);
bool pset_equal(const pset *a, const pset *b);
bool pset_is_all(const pset *s);

/* pset_codes: the set as HS codes and ranges of codes, fewest first:
 * each interval is cut into the longest aligned prefixes (2, 4, 6, 8 or 10
 * digits) and neighbours of one length become a range.  Calls emit(ud, lo,
 * hi) for each piece (lo == hi for a single code); stops early when emit
 * returns false. */
typedef bool (*pset_emit_fn)(void *ud, hs_code lo, hs_code hi);
void pset_codes(const pset *s, pset_emit_fn emit, void *ud);

#endif
