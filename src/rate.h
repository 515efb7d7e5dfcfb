/* rate.h - tariff rates: ad valorem, specific per unit, or compound.
 *
 * A rate_value is ad_valorem (a fraction: 25% is 0.25) plus specific money
 * per unit of quantity (0 when there is none).  A compound rate has both.
 * One specific unit per rate: "6.8% + 1.2¢/kg" is {0.068, 0.012, UNIT_KG}.
 */
#ifndef LEVY_RATE_H
#define LEVY_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include "decimal.h"

typedef enum unit {
    UNIT_NONE = 0,
    UNIT_KG,
    UNIT_L,
    UNIT_ITEM,
    UNIT_PAIR,
    UNIT_DOZ,
    UNIT_M2,
    UNIT_M3,
    UNIT_T,
    UNIT_BBL,
    UNIT_GROSS,
    UNIT_THOUSAND,
    UNIT_PF_L,
    UNIT_COUNT
} unit;

typedef struct rate_value {
    dec ad_valorem; /* fraction of the dutiable value */
    dec specific;   /* money per unit; zero when unit is UNIT_NONE */
    unit unit;
} rate_value;

/* unit_name: Levy's spelling: "kg", "l", "item", "pair", "doz", "m2", "m3",
 * "t", "bbl", "gross", "thousand", "pf_l"; "" for UNIT_NONE. */
const char *unit_name(unit u);
/* unit_from_name: the unit spelled s[0..n) in Levy, or UNIT_NONE. */
unit unit_from_name(const char *s, size_t n);

static inline bool rate_is_specific(rate_value r)
{
    return r.unit != UNIT_NONE;
}
rate_value rate_ad_valorem(dec fraction);

/* rate_format: "25%", "$0.063 per l", "6.8% + $0.012 per kg", "0%".
 * Returns the length needed, like snprintf; RATE_FMT_MAX always suffices. */
#define RATE_FMT_MAX 112
size_t rate_format(rate_value r, char *buf, size_t n);

/* rate_parse_levy: a rate in Levy's own syntax, as in a plain `hs,rate`
 * CSV file: "25%", "Free" (0%), "$0.063 per l", "6.8% + $0.012 per kg",
 * "$0.05 per kg + 3%".  Surrounding blanks are ignored.  false when the
 * text is not such a rate. */
bool rate_parse_levy(const char *s, size_t n, rate_value *out);

/* rate_parse_usitc: rate text as the USITC prints it in the HTS:
 * "Free", "6.5%", "2.5¢/kg", "$1.35/kg", "6.8% + 1.2¢/kg", "5¢ each + 3%",
 * "10.5¢/bbl", "6.3¢/liter", "16¢/pr. + 3%", "¢/doz." ...  false when the
 * text is not understood (it is then never read as zero). */
bool rate_parse_usitc(const char *s, size_t n, rate_value *out);

#endif
