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

/* A row that stops the load (a bad product code; in a plain file also a
 * rate that does not read or a rate without a code): where, and why. */
typedef struct hts_bad_row {
    long line, column; /* of the bad field in the CSV file, 1-based */
    long width;        /* its length in bytes (at least 1) */
    char message[200];
} hts_bad_row;

/* The most bad rows a report keeps (the rest are only counted). */
#define HTS_MAX_BAD_ROWS 100

typedef struct hts_report {
    size_t rows;  /* data rows read */
    size_t rates; /* rows with a rate that was understood */
    size_t not_understood;
    hts_problem *problems; /* not_understood entries */
    size_t bad_total;   /* bad rows found: then the load is HTS_BAD_ROW */
    size_t bad_count;   /* those kept in bad, at most HTS_MAX_BAD_ROWS */
    hts_bad_row *bad;
    const mem *mem;        /* the schedule's, which the problems come from */
} hts_report;

void hts_report_free(hts_report *r);

typedef enum hts_status {
    HTS_OK = 0,
    HTS_CANNOT_OPEN, /* errno says why */
    HTS_BAD_HEADER,  /* neither shape, or the named column is missing */
    HTS_BAD_CSV,     /* malformed CSV (unterminated quote, ...) */
    HTS_BAD_ROW,     /* rows with a bad code (or, in a plain file, rate):
                        every one is in the report's bad rows, and err
                        names the first */
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
