/* schedule.h - product -> rate tables with longest-prefix lookup.
 *
 * Used for `schedule NAME { hs CODE: RATE ... }`, for `rate by product`
 * tables and for schedules read from CSV files.  Rows whose rate text could
 * not be understood are kept (understood = false) so that a lookup landing
 * on one is an error rather than a silent zero.
 */
#ifndef LEVY_SCHEDULE_H
#define LEVY_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alloc.h"
#include "hs.h"
#include "rate.h"

typedef struct sched_row {
    hs_code code;
    rate_value rate;
    bool understood; /* false: `text` could not be read as a rate */
    int line;        /* source line (file line for CSV files), 0 if none */
    char *text;      /* the rate text as written (owned; may be NULL) */
    void *payload;   /* for the caller (e.g. the AST node of the entry) */
} sched_row;

typedef struct schedule {
    sched_row *rows;
    size_t count, cap;
    bool sorted;
    /* keys[i]: the sort key of rows[i], kept apart from the rows by
     * schedule_finish so that a lookup's binary search touches 8 bytes a
     * step, not a whole row (NULL: search the rows themselves). */
    uint64_t *keys;
    /* plain[i]: rows[i]'s rate as ad valorem units when it is nothing else
     * (understood, no payload, no specific part), else SCHED_NOT_PLAIN;
     * with keys, a lookup of such a row reads no row at all (NULL: none).
     * Like the whole schedule, read-only after schedule_finish. */
    int64_t *plain;
    const mem *mem; /* where the rows and their texts come from */
} schedule;

/* schedule_init: an empty schedule allocating from m (NULL: the C
 * library). */
void schedule_init(schedule *s, const mem *m);
void schedule_free(schedule *s);
/* schedule_add: appends a row (copies text).  false on allocation failure. */
bool schedule_add(schedule *s, hs_code code, rate_value rate, bool understood, int line,
                  const char *text, void *payload);
/* schedule_finish: sorts for lookup; call once after the last add. */
void schedule_finish(schedule *s);
/* schedule_find_exact: the row with exactly this code, or NULL. */
const sched_row *schedule_find_exact(const schedule *s, hs_code code);
/* schedule_lookup: the row whose code is the longest prefix of product,
 * or NULL.  (Rows may have any length from 1 to 10 digits.) */
const sched_row *schedule_lookup(const schedule *s, hs_code product);

#define SCHED_NOT_PLAIN INT64_MIN

/* schedule_lookup_index: as schedule_lookup, the row's index, or -1. */
ptrdiff_t schedule_lookup_index(const schedule *s, hs_code product);

/* schedule_plain: the rate of row i when it is a plain ad valorem rate
 * (*out set, true), else false (read the row). */
static inline bool schedule_plain(const schedule *s, ptrdiff_t i, rate_value *out)
{
    if (!s->plain || s->plain[i] == SCHED_NOT_PLAIN)
        return false;
    out->ad_valorem.units = s->plain[i];
    out->specific.units = 0;
    out->unit = UNIT_NONE;
    return true;
}

#endif
