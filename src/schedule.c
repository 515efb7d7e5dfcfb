/* schedule.c - product -> rate tables with longest-prefix lookup.
 *
 * After schedule_finish the rows are in the string order of their codes
 * ("01" < "0101" < "0102" < "02"), kept stable so that of two rows with the
 * same code the one added first is found.  In that order the longest row
 * that is a prefix of a product P is found with a few binary searches:
 *
 *   Let R be the last row <= P.  If R is a prefix of P, no longer prefix of
 *   P exists (it would sort after R and still <= P).  Otherwise let k be the
 *   number of leading digits R and P share: every prefix of P longer than k
 *   would also sort between R and P, so the answer is the longest prefix of
 *   P's first k digits, among the rows before R.  Repeat.
 *
 * k shrinks at each round, so there are at most as many rounds as P has
 * digits, and usually one or two.  A code's place in string order is a
 * single integer (its digits padded to ten places, then its length), so
 * each comparison is one integer compare.
 */
#include "schedule.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t pow10_table[HS_MAX_DIGITS + 1] = {
    1u,       10u,       100u,       1000u,       10000u,       100000u,
    1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u,
};

static bool code_valid(hs_code c)
{
    return c.len >= 1 && c.len <= HS_MAX_DIGITS && c.digits < pow10_table[c.len];
}

/* sort_key: the code's rank in string order.  Padding to ten digits puts
 * "0101" and "01010" at the same number; the length in the low bits then
 * puts the shorter first, as a prefix sorts before its extensions. */
static uint64_t sort_key(hs_code c)
{
    return (c.digits * pow10_table[HS_MAX_DIGITS - c.len]) << 4 | c.len;
}

void schedule_init(schedule *s, const mem *m)
{
    s->rows = NULL;
    s->count = s->cap = 0;
    s->sorted = true;
    s->keys = NULL;
    s->plain = NULL;
    s->mem = mem_or_libc(m);
}

void schedule_free(schedule *s)
{
    for (size_t i = 0; i < s->count; i++)
        mem_free(s->mem, s->rows[i].text);
    mem_free(s->mem, s->rows);
    mem_free(s->mem, s->keys);
    mem_free(s->mem, s->plain);
    schedule_init(s, s->mem);
}

static char *copy_text(const mem *m, const char *text)
{
    return mem_strdup(m, text);
}

/* schedule_add also refuses a code that is not 1 to 10 digits, since no
 * lookup could find it consistently. */
bool schedule_add(schedule *s, hs_code code, rate_value rate, bool understood, int line,
                  const char *text, void *payload)
{
    if (!code_valid(code))
        return false;
    if (!mem_grow(s->mem, &s->rows, &s->cap, s->count, sizeof *s->rows, 64))
        return false;
    char *copy = NULL;
    if (text && !(copy = copy_text(s->mem, text)))
        return false;
    sched_row *row = &s->rows[s->count];
    row->code = code;
    row->rate = rate;
    row->understood = understood;
    row->line = line;
    row->text = copy;
    row->payload = payload;
    if (s->count > 0 && sort_key(s->rows[s->count - 1].code) > sort_key(code))
        s->sorted = false;
    mem_free(s->mem, s->keys); /* stale until the next schedule_finish */
    s->keys = NULL;
    mem_free(s->mem, s->plain);
    s->plain = NULL;
    s->count++;
    return true;
}

/* ---- Sorting ----------------------------------------------------------- */

/* merge: the sorted runs src[lo..mid) and src[mid..hi) into dst[lo..hi),
 * taking from the left run on ties so that the sort is stable. */
static void merge(const sched_row *src, sched_row *dst, size_t lo, size_t mid, size_t hi)
{
    size_t i = lo, j = mid;
    for (size_t k = lo; k < hi; k++) {
        if (j >= hi || (i < mid && sort_key(src[i].code) <= sort_key(src[j].code)))
            dst[k] = src[i++];
        else
            dst[k] = src[j++];
    }
}

/* merge_sort: bottom-up, through tmp; the result ends in rows. */
static void merge_sort(sched_row *rows, sched_row *tmp, size_t n)
{
    sched_row *src = rows, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge(src, dst, lo, mid, hi);
        }
        sched_row *t = src;
        src = dst;
        dst = t;
    }
    if (src != rows)
        memcpy(rows, src, n * sizeof *rows);
}

/* insertion_sort: stable and needs no memory; only used when the buffer
 * for merge_sort cannot be had, so that finishing cannot fail. */
static void insertion_sort(sched_row *rows, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sched_row row = rows[i];
        uint64_t key = sort_key(row.code);
        size_t j = i;
        for (; j > 0 && sort_key(rows[j - 1].code) > key; j--)
            rows[j] = rows[j - 1];
        rows[j] = row;
    }
}

/* build_keys: the keys array; without memory lookups search the rows. */
static void build_keys(schedule *s)
{
    mem_free(s->mem, s->keys);
    s->keys = s->count ? mem_alloc(s->mem, s->count * sizeof *s->keys) : NULL;
    for (size_t i = 0; s->keys && i < s->count; i++)
        s->keys[i] = sort_key(s->rows[i].code);
    mem_free(s->mem, s->plain);
    s->plain = s->keys ? mem_alloc(s->mem, s->count * sizeof *s->plain) : NULL;
    for (size_t i = 0; s->plain && i < s->count; i++) {
        const sched_row *r = &s->rows[i];
        bool plain = r->understood && !r->payload && r->rate.unit == UNIT_NONE &&
                     r->rate.specific.units == 0 && r->rate.ad_valorem.units != SCHED_NOT_PLAIN;
        s->plain[i] = plain ? r->rate.ad_valorem.units : SCHED_NOT_PLAIN;
    }
}

void schedule_finish(schedule *s)
{
    if (s->sorted || s->count < 2) {
        s->sorted = true;
        build_keys(s);
        return;
    }
    sched_row *tmp = mem_alloc(s->mem, s->count * sizeof *tmp);
    if (tmp)
        merge_sort(s->rows, tmp, s->count);
    else
        insertion_sort(s->rows, s->count);
    mem_free(s->mem, tmp);
    s->sorted = true;
    build_keys(s);
}

/* ---- Lookup ------------------------------------------------------------ */

/* last_at_most: the index of the last row in rows[0..hi) whose key is
 * <= key, or -1 when there is none.  The halving is written without a
 * branch on the comparison, which the processor could not predict. */
static ptrdiff_t last_at_most(const schedule *s, size_t hi, uint64_t key)
{
    if (hi == 0)
        return -1;
    if (s->keys) {
        const uint64_t *base = s->keys; /* the answer is in base[-1 .. n-1] */
        size_t n = hi;
        while (n > 1) {
            size_t half = n / 2;
            base = base[half] <= key ? base + half : base;
            n -= half;
        }
        return (base - s->keys) - (*base > key);
    }
    const sched_row *rows = s->rows, *base = rows;
    size_t n = hi;
    while (n > 1) {
        size_t half = n / 2;
        base = sort_key(base[half].code) <= key ? base + half : base;
        n -= half;
    }
    return (base - rows) - (sort_key(base->code) > key);
}

/* first_equal: of a run of rows with equal codes ending at i, the first,
 * which is the one added first. */
static const sched_row *first_equal(const sched_row *rows, size_t i)
{
    while (i > 0 && hs_equal(rows[i - 1].code, rows[i].code))
        i--;
    return &rows[i];
}

static bool is_prefix(hs_code prefix, hs_code code)
{
    return prefix.len <= code.len &&
           code.digits / pow10_table[code.len - prefix.len] == prefix.digits;
}

/* common_digits: how many leading digits a and b share. */
static int common_digits(hs_code a, hs_code b)
{
    int k = a.len < b.len ? a.len : b.len;
    while (k > 0 && a.digits / pow10_table[a.len - k] != b.digits / pow10_table[b.len - k])
        k--;
    return k;
}

static hs_code truncated(hs_code c, int len)
{
    hs_code t = { c.digits / pow10_table[c.len - len], (uint8_t)len };
    return t;
}

/* linear_lookup: for a schedule not (yet) finished; correct, only slow. */
static const sched_row *linear_lookup(const schedule *s, hs_code product, bool exact)
{
    const sched_row *best = NULL;
    for (size_t i = 0; i < s->count; i++) {
        hs_code c = s->rows[i].code;
        bool fits = exact ? hs_equal(c, product) : is_prefix(c, product);
        if (fits && (!best || c.len > best->code.len))
            best = &s->rows[i];
    }
    return best;
}

const sched_row *schedule_find_exact(const schedule *s, hs_code code)
{
    if (!code_valid(code) || s->count == 0)
        return NULL;
    if (!s->sorted)
        return linear_lookup(s, code, true);
    ptrdiff_t i = last_at_most(s, s->count, sort_key(code));
    if (i < 0 || !hs_equal(s->rows[i].code, code))
        return NULL;
    return first_equal(s->rows, (size_t)i);
}

/* The same on sort keys only (keys present): no row is read, and the
 * test for a prefix is a subtraction, not a division.  A key is the code's
 * digits padded to ten places, shifted left 4, or'd with its length. */
static ptrdiff_t lookup_by_keys(const schedule *s, hs_code product)
{
    const uint64_t *keys = s->keys;
    size_t hi = s->count;
    uint64_t key = sort_key(product);
    for (;;) {
        ptrdiff_t i = last_at_most(s, hi, key);
        if (i < 0)
            return -1;
        uint64_t found = keys[i];
        unsigned flen = (unsigned)(found & 15), plen = (unsigned)(key & 15);
        uint64_t fpad = found >> 4, ppad = key >> 4;
        if (flen <= plen && ppad - fpad < pow10_table[HS_MAX_DIGITS - flen]) {
            while (i > 0 && keys[i - 1] == found) /* the row added first */
                i--;
            return i;
        }
        /* The shared leading digits (rare: a product below its heading). */
        hs_code fc = s->rows[i].code;
        int k = common_digits(fc, product);
        if (k == 0)
            return -1;
        product = truncated(product, k);
        key = sort_key(product);
        hi = (size_t)i;
    }
}

ptrdiff_t schedule_lookup_index(const schedule *s, hs_code product)
{
    if (!code_valid(product) || s->count == 0)
        return -1;
    if (s->sorted && s->keys)
        return lookup_by_keys(s, product);
    const sched_row *r = schedule_lookup(s, product);
    return r ? r - s->rows : -1;
}

const sched_row *schedule_lookup(const schedule *s, hs_code product)
{
    if (!code_valid(product) || s->count == 0)
        return NULL;
    if (!s->sorted)
        return linear_lookup(s, product, false);
    if (s->keys) {
        ptrdiff_t i = lookup_by_keys(s, product);
        return i < 0 ? NULL : &s->rows[i];
    }
    size_t hi = s->count;
    for (;;) {
        ptrdiff_t i = last_at_most(s, hi, sort_key(product));
        if (i < 0)
            return NULL;
        hs_code found = s->rows[i].code;
        if (is_prefix(found, product))
            return first_equal(s->rows, (size_t)i);
        int k = common_digits(found, product);
        if (k == 0)
            return NULL;
        product = truncated(product, k);
        hi = (size_t)i;
    }
}
