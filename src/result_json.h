/* result_json.h - values as JSON, for `levy run --format=json` and
 * `levy test --format=json` (doc/json.md has the shapes).
 *
 * Exact quantities are JSON strings of Levy's exact decimal text: a
 * number "2.5", a rate "30%" or "$0.50/kg + 5%", an amount "1234.50" (no
 * "$"), a date "2025-05-01", a product "9503.00.00", a country "CN"; a
 * country set is an array of codes; a shipment an object of its fields; an
 * explanation an object with its charges and the measures not charged; a
 * timeline an object with its steps.
 */
#ifndef LEVY_RESULT_JSON_H
#define LEVY_RESULT_JSON_H

#include "program.h"
#include "strbuf.h"
#include "value.h"

/* json_value: appends `"type": T, "value": V` (two members of an object
 * the caller opens and closes). */
void json_value(const value *v, const program *p, strbuf *out);

#endif
