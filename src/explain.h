/* explain.h - explanations and timelines as data, and their printing.
 *
 * An assessment is what evaluating one shipment found (eval.h fills it):
 * each measure charged, with its rate and amount and what changed it; the
 * total; and each measure that applied on its own but was then left out,
 * with why.  `explain(s)` is an assessment kept as a value.  A timeline is
 * the charge on one shipment as a step function of its entry date.
 *
 * The note of a charged measure is, joined by "; ": its citation; how a
 * modifier changed its charge ("capped at 10% by china_clause (was 46%)");
 * and what it replaced on this shipment ("replaces reciprocal").
 */
#ifndef LEVY_EXPLAIN_H
#define LEVY_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

/* How a modifier changed what a measure charges. */
typedef enum charge_change {
    CHANGE_NONE = 0,
    CHANGE_SUSPEND_TO, /* suspend M to R */
    CHANGE_SET,        /* set M to R */
    CHANGE_CAP,        /* cap M at R */
    CHANGE_REDUCE      /* reduce M by R */
} charge_change;

typedef struct applied_measure {
    const node *measure;   /* N_MEASURE */
    rate_value rate;       /* what it charges, after modifiers */
    rate_value was;        /* its own rate, when a modifier changed it */
    charge_change change;
    const node *modifier;  /* N_PAUSE/N_CONCESSION that changed it, or NULL */
    dec base;              /* the value its ad valorem part applies to */
    dec amount;            /* base x ad valorem + quantity x specific, to the cent */
} applied_measure;

typedef enum skip_reason {
    SKIP_REPLACED,  /* by: the measure that replaces it */
    SKIP_SUSPENDED  /* by: the pause or concession that suspends it */
} skip_reason;

typedef struct skipped_measure {
    const node *measure;
    rate_value rate;       /* what it would have charged */
    skip_reason why;
    const node *by;
} skipped_measure;

typedef struct assessment {
    const program *prog;
    const shipment *ship;
    rate_value total;      /* sum of the ad valorem parts (specific parts
                              summed too when they share one unit) */
    bool has_duty;         /* amounts were computed */
    dec duty;              /* sum of the rounded amounts */
    applied_measure *applied;  /* in declaration order */
    size_t napplied;
    skipped_measure *skipped;  /* in declaration order */
    size_t nskipped;
} assessment;

typedef struct timeline_step {
    date from, until;          /* [from, until) */
    rate_value total;
    const node **measures;     /* charged, in declaration order */
    rate_value *rates;         /* what each charges */
    size_t nmeasures;
} timeline_step;

typedef struct timeline {
    const program *prog;
    const shipment *ship;
    date from, until;
    timeline_step *steps;
    size_t nsteps;
} timeline;

/* explain_format: the entry summary, as `levy run` prints explain(s):
 *
 *   hs 9503.00.00 from CN, entered 2025-04-15, value $10,000.00
 *     measure          rate         duty   note
 *     fentanyl_cn       20%    $2,000.00   EO 14195; EO 14228
 *     reciprocal_cn    125%   $12,500.00   replaces reciprocal
 *     total            145%   $14,500.00
 *     not applied: baseline (replaced by reciprocal), ...
 *
 * Columns are as wide as their widest cell; lines end with '\n'. */
void explain_format(const assessment *a, strbuf *out);
/* explain_note: the note of applied measure i (see above). */
void explain_note(const assessment *a, size_t i, strbuf *out);
/* explain_reason: why skipped measure i was left out: "replaced by X",
 * "suspended by Y". */
void explain_reason(const assessment *a, size_t i, strbuf *out);
/* explain_header: "hs 9503.00.00 from CN, entered 2025-04-15, value
 * $10,000.00" (the fields the shipment has). */
void explain_header(const shipment *s, const program *p, bool with_entered, strbuf *out);

/* timeline_format:
 *
 *   hs 9503.00.00 from CN, value $10,000.00, 2025-01-01 until 2026-01-01
 *     from         until        rate   charged
 *     2025-01-01   2025-02-04     0%   -
 *     2025-02-04   2025-03-04    10%   fentanyl_cn 10%
 */
void timeline_format(const timeline *t, strbuf *out);

#endif
