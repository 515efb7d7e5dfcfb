/* fuzz_hts - libFuzzer harness: schedules from CSV (src/hts.c, with
 * src/schedule.c and src/csv.c beneath it).
 *
 * The input is a CSV file, read both as the plain `hs,rate` shape or USITC
 * shape with the default rate column and naming "Column 2 Rate of Duty";
 * a schedule that loads is then looked up.  Built and run by
 * tests/fuzz/run. */
#include <stdint.h>
#include <string.h>

#include "hts.h"
#include "schedule.h"

static const char *const columns[] = {NULL, "Column 2 Rate of Duty"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
        schedule s;
        schedule_init(&s, NULL);
        hts_report rep;
        memset(&rep, 0, sizeof rep);
        char err[256];
        err[0] = '\0';
        hts_status st =
            hts_load_buffer((const char *)data, size, columns[c], &s, &rep, err, sizeof err);
        if (st == HTS_OK) {
            for (size_t i = 0; i < s.count; i++)
                (void)schedule_lookup(&s, s.rows[i].code);
        } else if (err[0] == '\0') {
            __builtin_trap(); /* a failure says why */
        }
        hts_report_free(&rep);
        schedule_free(&s);
    }
    return 0;
}
