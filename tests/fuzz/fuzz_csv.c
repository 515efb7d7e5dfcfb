/* fuzz_csv - libFuzzer harness: the CSV reader (src/csv.c) on bytes.
 *
 * Reads every record, with the default record limit and with a small one
 * (the first byte of the input chooses it), and checks what a record
 * promises: fields NUL-terminated, lines never going back.  Built and run
 * by tests/fuzz/run. */
#include <stdint.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    csv_reader r;
    csv_init_buffer(&r, (const char *)data, size);
    if (size > 0 && data[0] == 'S')
        csv_set_max_record(&r, 64);
    csv_record rec;
    long last = 0;
    csv_status st;
    while ((st = csv_next(&r, &rec)) == CSV_OK) {
        if (rec.line < last || rec.count == 0)
            __builtin_trap();
        last = rec.line;
        for (size_t i = 0; i < rec.count; i++)
            if (rec.fields[i].s[rec.fields[i].len] != '\0')
                __builtin_trap();
    }
    (void)strlen(csv_status_message(st));
    /* An error sticks. */
    if (st != CSV_END && csv_next(&r, &rec) != st)
        __builtin_trap();
    csv_free(&r);
    return 0;
}
