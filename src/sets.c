/* sets.c - bitsets and product sets (see sets.h). */
#include "sets.h"

#include <stdlib.h>
#include <string.h>

/* ---- Bitsets ------------------------------------------------------------ */

bitset *bitset_new(arena *r, size_t nbits)
{
    size_t nwords = BITSET_WORDS(nbits);
    bitset *s = arena_alloc(r, sizeof *s + nwords * sizeof s->w[0]);
    if (!s)
        return NULL;
    s->nbits = nbits;
    s->nwords = nwords;
    return s;
}

bitset *bitset_copy(arena *r, const bitset *s)
{
    bitset *c = bitset_new(r, s->nbits);
    if (c)
        memcpy(c->w, s->w, s->nwords * sizeof s->w[0]);
    return c;
}

void bitset_fill(bitset *s)
{
    if (!s->nwords)
        return;
    memset(s->w, 0xff, s->nwords * sizeof s->w[0]);
    if (s->nbits % 64)
        s->w[s->nwords - 1] = (UINT64_C(1) << (s->nbits % 64)) - 1;
}

void bitset_clear(bitset *s)
{
    memset(s->w, 0, s->nwords * sizeof s->w[0]);
}

/* The binary operations work on the common words: sets of one universe
 * always have the same size. */
static size_t common_words(const bitset *a, const bitset *b)
{
    return a->nwords < b->nwords ? a->nwords : b->nwords;
}

void bitset_union(bitset *dst, const bitset *src)
{
    for (size_t i = 0, n = common_words(dst, src); i < n; i++)
        dst->w[i] |= src->w[i];
}

void bitset_minus(bitset *dst, const bitset *src)
{
    for (size_t i = 0, n = common_words(dst, src); i < n; i++)
        dst->w[i] &= ~src->w[i];
}

void bitset_intersect(bitset *dst, const bitset *src)
{
    size_t n = common_words(dst, src);
    for (size_t i = 0; i < n; i++)
        dst->w[i] &= src->w[i];
    for (size_t i = n; i < dst->nwords; i++)
        dst->w[i] = 0;
}

bool bitset_equal(const bitset *a, const bitset *b)
{
    if (a->nbits != b->nbits)
        return false;
    return memcmp(a->w, b->w, a->nwords * sizeof a->w[0]) == 0;
}

bool bitset_is_subset(const bitset *a, const bitset *b)
{
    size_t n = common_words(a, b);
    for (size_t i = 0; i < n; i++)
        if (a->w[i] & ~b->w[i])
            return false;
    for (size_t i = n; i < a->nwords; i++)
        if (a->w[i])
            return false;
    return true;
}

bool bitset_overlaps(const bitset *a, const bitset *b)
{
    for (size_t i = 0, n = common_words(a, b); i < n; i++)
        if (a->w[i] & b->w[i])
            return true;
    return false;
}

bool bitset_is_empty(const bitset *s)
{
    for (size_t i = 0; i < s->nwords; i++)
        if (s->w[i])
            return false;
    return true;
}

bool bitset_is_full(const bitset *s)
{
    return bitset_count(s) == s->nbits;
}

size_t bitset_count(const bitset *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nwords; i++)
        n += (size_t)__builtin_popcountll(s->w[i]);
    return n;
}

long bitset_next(const bitset *s, size_t from)
{
    if (from >= s->nbits)
        return -1;
    size_t i = from / 64;
    uint64_t word = s->w[i] & (~UINT64_C(0) << (from % 64));
    for (;;) {
        if (word) {
            size_t bit = i * 64 + (size_t)__builtin_ctzll(word);
            return bit < s->nbits ? (long)bit : -1;
        }
        if (++i >= s->nwords)
            return -1;
        word = s->w[i];
    }
}

/* ---- Product sets ------------------------------------------------------- */

static const uint64_t pow10_u64[HS_MAX_DIGITS + 1] = {
    1u,       10u,       100u,       1000u,       10000u,       100000u,
    1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u,
};

hs_interval hs_code_interval(hs_code c)
{
    int len = c.len > HS_MAX_DIGITS ? HS_MAX_DIGITS : c.len;
    uint64_t width = pow10_u64[HS_MAX_DIGITS - len];
    hs_interval iv = { c.digits * width, c.digits * width + width - 1 };
    return iv;
}

hs_interval hs_range_interval(hs_code lo, hs_code hi)
{
    hs_interval iv = { hs_code_interval(lo).lo, hs_code_interval(hi).hi };
    return iv;
}

/* A product of length L is a point of band L/2 - 1 (see sets.h). */
static bool band_of(int len, uint64_t *offset)
{
    if (len < 2 || len > HS_MAX_DIGITS || len % 2)
        return false;
    *offset = (uint64_t)(len / 2 - 1) * HS_SPACE;
    return true;
}

/* band_intervals: iv (ten-digit codes, what a code or range of codes of
 * length len starts) in every band of length len or more: the products of
 * those lengths that start with one of its codes.  Returns how many (at
 * most PSET_BANDS). */
static size_t band_intervals(hs_interval iv, int len, hs_interval out[PSET_BANDS])
{
    size_t n = 0;
    for (int l = len < 2 ? 2 : len; l <= HS_MAX_DIGITS; l++) {
        uint64_t off;
        if (band_of(l, &off)) {
            out[n].lo = off + iv.lo;
            out[n].hi = off + iv.hi;
            n++;
        }
    }
    return n;
}

static uint64_t product_point(hs_code p, uint64_t off)
{
    return off + hs_code_interval(p).lo;
}

static pset *pset_sized(arena *r, size_t n)
{
    pset *s = arena_alloc(r, sizeof *s + n * sizeof s->iv[0]);
    if (s)
        s->n = n;
    return s;
}

pset *pset_empty(arena *r)
{
    return pset_sized(r, 0);
}

pset *pset_all(arena *r)
{
    pset *s = pset_sized(r, 1);
    if (s) {
        s->iv[0].lo = 0;
        s->iv[0].hi = PSET_SPACE - 1;
    }
    return s;
}

static int interval_cmp(const void *a, const void *b)
{
    const hs_interval *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* normalize: merges sorted v[0..n) in place; returns the new count. */
static size_t normalize(hs_interval *v, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && v[i].lo <= v[out - 1].hi + 1) {
            if (v[i].hi > v[out - 1].hi)
                v[out - 1].hi = v[i].hi;
        } else {
            v[out++] = v[i];
        }
    }
    return out;
}

pset *pset_from_intervals(arena *r, hs_interval *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, interval_cmp);
    n = normalize(v, n);
    pset *s = pset_sized(r, n);
    if (s && n)
        memcpy(s->iv, v, n * sizeof *v);
    return s;
}

pset *pset_union(arena *r, const pset *a, const pset *b)
{
    pset *s = pset_sized(r, a->n + b->n);
    if (!s)
        return NULL;
    /* Merge the two sorted lists, then fuse what touches. */
    size_t i = 0, j = 0, k = 0;
    while (i < a->n || j < b->n) {
        if (j >= b->n || (i < a->n && a->iv[i].lo <= b->iv[j].lo))
            s->iv[k++] = a->iv[i++];
        else
            s->iv[k++] = b->iv[j++];
    }
    s->n = normalize(s->iv, k);
    return s;
}

pset *pset_minus(arena *r, const pset *a, const pset *b)
{
    /* Each interval of b can split at most one interval of a in two. */
    pset *s = pset_sized(r, a->n + b->n);
    if (!s)
        return NULL;
    size_t k = 0, j = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t lo = a->iv[i].lo, hi = a->iv[i].hi;
        while (j < b->n && b->iv[j].hi < lo)
            j++;
        size_t jj = j;
        bool alive = true;
        while (alive && jj < b->n && b->iv[jj].lo <= hi) {
            if (b->iv[jj].lo > lo) {
                s->iv[k].lo = lo;
                s->iv[k].hi = b->iv[jj].lo - 1;
                k++;
            }
            if (b->iv[jj].hi >= hi)
                alive = false;
            else
                lo = b->iv[jj].hi + 1;
            jj++;
        }
        if (alive) {
            s->iv[k].lo = lo;
            s->iv[k].hi = hi;
            k++;
        }
    }
    s->n = k;
    return s;
}

pset *pset_intersect(arena *r, const pset *a, const pset *b)
{
    pset *s = pset_sized(r, a->n + b->n);
    if (!s)
        return NULL;
    size_t i = 0, j = 0, k = 0;
    while (i < a->n && j < b->n) {
        uint64_t lo = a->iv[i].lo > b->iv[j].lo ? a->iv[i].lo : b->iv[j].lo;
        uint64_t hi = a->iv[i].hi < b->iv[j].hi ? a->iv[i].hi : b->iv[j].hi;
        if (lo <= hi) {
            s->iv[k].lo = lo;
            s->iv[k].hi = hi;
            k++;
        }
        if (a->iv[i].hi < b->iv[j].hi)
            i++;
        else
            j++;
    }
    s->n = k;
    return s;
}

/* find: the index of the last interval with lo <= x, or -1. */
static long find(const pset *s, uint64_t x)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->iv[mid].lo <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

bool pset_has(const pset *s, hs_code product)
{
    uint64_t off;
    if (!band_of(product.len, &off))
        return false;
    uint64_t x = product_point(product, off);
    long i = find(s, x);
    return i >= 0 && s->iv[i].hi >= x;
}

static bool overlaps(const pset *s, hs_interval iv)
{
    long i = find(s, iv.hi);
    return i >= 0 && s->iv[i].hi >= iv.lo;
}

bool pset_meets_code(const pset *s, hs_code c)
{
    hs_interval v[PSET_BANDS];
    size_t n = band_intervals(hs_code_interval(c), c.len, v);
    for (size_t i = 0; i < n; i++)
        if (overlaps(s, v[i]))
            return true;
    return false;
}

/* first_member: the first product of length len in s, from ten-digit code
 * `from` on. */
static bool first_member(const pset *s, int len, uint64_t from, hs_code *out)
{
    uint64_t off;
    if (!band_of(len, &off))
        return false;
    uint64_t w = pow10_u64[HS_MAX_DIGITS - len], x = off + from;
    long first = find(s, x);
    for (size_t i = first < 0 ? 0 : (size_t)first; i < s->n; i++) {
        uint64_t lo = s->iv[i].lo > x ? s->iv[i].lo : x;
        if (lo >= off + HS_SPACE)
            return false;
        uint64_t at = off + (lo - off + w - 1) / w * w; /* the first code of len here */
        if (at <= s->iv[i].hi && at < off + HS_SPACE) {
            out->digits = (at - off) / w;
            out->len = (uint8_t)len;
            return true;
        }
    }
    return false;
}

bool pset_example(const pset *s, hs_code *out)
{
    for (int pass = 0; pass < 2; pass++)
        for (int len = 2; len <= HS_MAX_DIGITS; len += 2)
            if (first_member(s, len, pass ? 0 : HS_SPACE / 100, out))
                return true;
    return false;
}

bool pset_equal(const pset *a, const pset *b)
{
    return a->n == b->n && memcmp(a->iv, b->iv, a->n * sizeof a->iv[0]) == 0;
}

bool pset_is_all(const pset *s)
{
    return s->n == 1 && s->iv[0].lo == 0 && s->iv[0].hi == PSET_SPACE - 1;
}

/* A run of consecutive codes of one length, waiting to be emitted. */
typedef struct code_run {
    bool open;
    int len;
    uint64_t first, last;
} code_run;

/* flush: emits the run; false when the caller asked to stop. */
static bool flush(code_run *run, pset_emit_fn emit, void *ud)
{
    if (!run->open)
        return true;
    run->open = false;
    hs_code lo = { run->first, (uint8_t)run->len };
    hs_code hi = { run->last, (uint8_t)run->len };
    return emit(ud, lo, hi);
}

/* covers: is every product that starts with the code of length len at
 * ten-digit x (width w) in s? */
static bool covers(const pset *s, uint64_t x, uint64_t w, int len)
{
    for (int l = len; l <= HS_MAX_DIGITS; l += 2) {
        uint64_t off;
        band_of(l, &off);
        long i = find(s, off + x);
        if (i < 0 || s->iv[i].hi < off + x + w - 1)
            return false;
    }
    return true;
}

void pset_codes(const pset *s, pset_emit_fn emit, void *ud)
{
    code_run run = { false, 0, 0, 0 };
    uint64_t off;
    band_of(HS_MAX_DIGITS, &off);
    for (size_t i = 0; i < s->n; i++) {
        if (s->iv[i].hi < off)
            continue;
        uint64_t x = (s->iv[i].lo > off ? s->iv[i].lo : off) - off, hi = s->iv[i].hi - off;
        while (x <= hi) {
            /* The longest prefix (fewest digits) that starts at x and fits,
               in every band: hs 85 is no piece of {hs 8500..8599}. */
            int len = HS_MAX_DIGITS;
            for (int l = 2; l < HS_MAX_DIGITS; l += 2) {
                uint64_t w = pow10_u64[HS_MAX_DIGITS - l];
                if (x % w == 0 && x + w - 1 <= hi && covers(s, x, w, l)) {
                    len = l;
                    break;
                }
            }
            uint64_t w = pow10_u64[HS_MAX_DIGITS - len];
            uint64_t digits = x / w;
            if (run.open && run.len == len && run.last + 1 == digits) {
                run.last = digits;
            } else {
                if (!flush(&run, emit, ud))
                    return;
                run = (code_run){ true, len, digits, digits };
            }
            x += w;
        }
    }
    flush(&run, emit, ud);
}

/* ---- The set algebra of the language ------------------------------------ */

bitset *countries_all(arena *r, size_t ncountries)
{
    bitset *s = bitset_new(r, ncountries);
    if (s)
        bitset_fill(s);
    return s;
}

bitset *countries_none(arena *r, size_t ncountries)
{
    return bitset_new(r, ncountries);
}

bitset *countries_of(arena *r, size_t ncountries, size_t country)
{
    bitset *s = bitset_new(r, ncountries);
    if (s)
        bitset_add(s, country);
    return s;
}

bitset *countries_except(arena *r, const bitset *a, const bitset *b)
{
    bitset *s = bitset_copy(r, a);
    if (s)
        bitset_minus(s, b);
    return s;
}

pset *products_of_code(arena *r, hs_code c)
{
    hs_interval v[PSET_BANDS];
    return pset_from_intervals(r, v, band_intervals(hs_code_interval(c), c.len, v));
}

pset *products_of_range(arena *r, hs_code lo, hs_code hi)
{
    hs_interval v[PSET_BANDS];
    return pset_from_intervals(r, v, band_intervals(hs_range_interval(lo, hi), lo.len, v));
}

bool products_within(arena *r, const pset *a, const pset *b)
{
    const pset *rest = pset_minus(r, a, b);
    return rest && rest->n == 0;
}

void products_literal_init(products_literal *l, arena *r, size_t elements)
{
    l->r = r;
    l->n = 0;
    l->cap = elements * PSET_BANDS;
    l->iv = arena_alloc(r, (elements ? l->cap : 1) * sizeof *l->iv);
    l->sets = NULL;
    l->failed = !l->iv;
}

static void add_intervals(products_literal *l, hs_interval iv, int len)
{
    hs_interval v[PSET_BANDS];
    size_t n = band_intervals(iv, len, v);
    if (l->n + n > l->cap) {
        l->failed = true; /* more elements than the literal said it had */
        return;
    }
    memcpy(l->iv + l->n, v, n * sizeof v[0]);
    l->n += n;
}

void products_literal_add_code(products_literal *l, hs_code c)
{
    add_intervals(l, hs_code_interval(c), c.len);
}

void products_literal_add_range(products_literal *l, hs_code lo, hs_code hi)
{
    add_intervals(l, hs_range_interval(lo, hi), lo.len);
}

void products_literal_add_set(products_literal *l, const pset *s)
{
    if (l->failed)
        return;
    l->sets = l->sets ? pset_union(l->r, l->sets, s) : s;
    l->failed = !l->sets;
}

const pset *products_literal_finish(products_literal *l)
{
    if (l->failed)
        return NULL;
    const pset *s = pset_from_intervals(l->r, l->iv, l->n);
    if (s && l->sets)
        s = pset_union(l->r, s, l->sets);
    return s;
}
