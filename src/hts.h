/* hts.h - reading schedules from CSV files.
 *
 * Two shapes are understood:
 *   - a plain file whose header is `hs,rate` (any case), each row a product
 *     code and a rate in Levy's syntax;
 *   - the USITC Harmonized Tariff Schedule as published in CSV, with columns
 *     "HTS Number" and "General Rate of Duty" (another rate column may be
 *     named, e.g. "Column 2 Rate of Duty").
 * Rows without a rate are skipped (a product then takes the longest prefix
 * that has one).  Rate text that is not understood is kept as a row with
 * understood = false and reported in hts_report.
 */
#ifndef LEVY_HTS_H
#define LEVY_HTS_H

#include <stddef.h>
#include "schedule.h"

typedef struct hts_problem {
    int line; /* line in the CSV file */
    char code[HS_FMT_MAX];
    char *text; /* the rate text not understood (owned) */
} hts_problem;

typedef struct hts_report {
    size_t rows;  /* data rows read */
    size_t rates; /* rows with a rate that was understood */
    size_t not_understood;
    hts_problem *problems; /* not_understood entries */
    const mem *mem;        /* the schedule's, which the problems come from */
} hts_report;

void hts_report_free(hts_report *r);

typedef enum hts_status {
    HTS_OK = 0,
    HTS_CANNOT_OPEN, /* errno says why */
    HTS_BAD_HEADER,  /* neither shape, or the named column is missing */
    HTS_BAD_CSV,     /* malformed CSV (unterminated quote, ...) */
    HTS_BAD_ROW,     /* plain shape: a row with a bad code or rate */
    HTS_NO_MEMORY
} hts_status;

/* hts_load_file: reads `path` into `out` (initialised by the caller) and
 * finishes it.  `column` names the rate column, NULL for the default.  On
 * failure, a message with the line number is written into err. */
hts_status hts_load_file(const char *path, const char *column, schedule *out, hts_report *report,
                         char *err, size_t errlen);
/* hts_load_buffer: the same for text in memory (used by tests and fuzzing). */
hts_status hts_load_buffer(const char *text, size_t len, const char *column, schedule *out,
                           hts_report *report, char *err, size_t errlen);

#endif
