/* assessment.h - what evaluating one shipment found, as data.
 *
 * An assessment (eval_assess, eval.h, fills it) is each measure charged,
 * with its rate and amount and what changed it; the total; and each
 * measure that applied on its own but was then left out, with why.
 * `explain(s)` is an assessment kept as a value.  A timeline
 * (eval_timeline) is the charge on one shipment as a step function of its
 * entry date.  Their printing is explain.h's.
 */
#ifndef LEVY_ASSESSMENT_H
#define LEVY_ASSESSMENT_H

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
    const node *measure; /* N_MEASURE */
    rate_value rate;     /* what it charges, after modifiers */
    rate_value was;      /* its own rate, when a modifier changed it */
    charge_change change;
    const node *modifier; /* N_PAUSE/N_CONCESSION that changed it, or NULL */
    dec base;             /* the value its ad valorem part applies to */
    dec amount;           /* base x ad valorem + quantity x specific, to the cent */
} applied_measure;

typedef enum skip_reason {
    SKIP_REPLACED, /* by: the measure that replaces it */
    SKIP_SUSPENDED /* by: the pause or concession that suspends it */
} skip_reason;

typedef struct skipped_measure {
    const node *measure;
    rate_value rate; /* what it would have charged */
    skip_reason why;
    const node *by;
} skipped_measure;

typedef struct assessment {
    const program *prog;
    const shipment *ship;
    rate_value total;         /* sum of the ad valorem parts (specific parts
                              summed too when they share one unit) */
    bool has_duty;            /* amounts were computed */
    dec duty;                 /* sum of the rounded amounts */
    applied_measure *applied; /* in declaration order */
    size_t napplied;
    skipped_measure *skipped; /* in declaration order */
    size_t nskipped;
} assessment;

typedef struct timeline_step {
    date from, until; /* [from, until) */
    rate_value total;
    const node **measures; /* charged, in declaration order */
    rate_value *rates;     /* what each charges */
    size_t nmeasures;
} timeline_step;

typedef struct timeline {
    const program *prog;
    const shipment *ship;
    date from, until;
    timeline_step *steps;
    size_t nsteps;
} timeline;

#endif
