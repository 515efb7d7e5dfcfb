/* explain.h - printing explanations and timelines.
 *
 * The data is assessment.h's.  The note of a charged measure is, joined
 * by "; ": its citation; how a modifier changed its charge ("capped at 10%
 * by china_clause (was 46%)"); and what it replaced on this shipment
 * ("replaces reciprocal").
 */
#ifndef LEVY_EXPLAIN_H
#define LEVY_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "assessment.h"
#include "strbuf.h"
#include "value.h"

/* explain_citation: the citation of a declaration, or NULL. */
const char *explain_citation(const node *decl);

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

/* explain_value: v as value_format prints it, except that an explanation
 * or a timeline is printed in full, in the layouts of explain_format and
 * timeline_format (ending with a newline). */
void explain_value(const value *v, const program *p, strbuf *out);

/* timeline_format:
 *
 *   hs 9503.00.00 from CN, value $10,000.00, 2025-01-01 until 2026-01-01
 *     from         until        rate   charged
 *     2025-01-01   2025-02-04     0%   -
 *     2025-02-04   2025-03-04    10%   fentanyl_cn 10%
 */
void timeline_format(const timeline *t, strbuf *out);

#endif
