/* hts.c - reading schedules from CSV files (see hts.h).
 *
 * The shape is told by the header: a column "HTS Number" means the USITC's
 * Harmonized Tariff Schedule, a column "hs" a plain Levy file.  The USITC
 * file is a government publication with prose among its rates, so a rate it
 * prints that cannot be read is kept and reported, and the load goes on; a
 * plain file is written for Levy, so anything wrong in it stops the load.
 */
#include "hts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define USITC_CODE_COLUMN "HTS Number"
#define USITC_DEFAULT_RATE "General Rate of Duty"
#define PLAIN_CODE_COLUMN "hs"
#define PLAIN_DEFAULT_RATE "rate"

typedef enum shape { SHAPE_PLAIN, SHAPE_USITC } shape;

/* Everything one load works with. */
typedef struct loader {
    csv_reader *csv;
    schedule *out;
    hts_report *report;
    size_t problem_cap, bad_cap;
    shape shape;
    size_t code_col, rate_col;
    char *err;
    size_t errlen;
} loader;

void hts_report_free(hts_report *r)
{
    for (size_t i = 0; i < r->not_understood; i++)
        mem_free(r->mem, r->problems[i].text);
    mem_free(r->mem, r->problems);
    mem_free(r->mem, r->bad);
    memset(r, 0, sizeof *r);
}

static hts_status fail(loader *ld, hts_status st, const char *fmt, ...)
{
    if (ld->err && ld->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err, ld->errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* bad_row: a row that stops the load, at field f: counted, kept (up to
 * HTS_MAX_BAD_ROWS) and the load goes on, so that one read of the file
 * shows every bad row.  The first one's message is also the error. */
static hts_status bad_row(loader *ld, csv_field f, const char *fmt, ...)
{
    hts_report *r = ld->report;
    char msg[sizeof r->bad->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->bad_total++ == 0)
        fail(ld, HTS_BAD_ROW, "line %ld: %s", f.line, msg);
    if (r->bad_count == HTS_MAX_BAD_ROWS)
        return HTS_OK;
    if (!mem_grow(r->mem, &r->bad, &ld->bad_cap, r->bad_count, sizeof *r->bad, 8))
        return HTS_NO_MEMORY;
    hts_bad_row *b = &r->bad[r->bad_count++];
    b->line = f.line;
    b->column = f.column;
    b->width = f.len > 0 ? (long)f.len : 1;
    memcpy(b->message, msg, sizeof msg);
    return HTS_OK;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* field_trimmed: column i of rec without surrounding blanks; a column the
 * record lacks reads as empty. */
static csv_field field_trimmed(const csv_record *rec, size_t i)
{
    csv_field f = { "", 0, rec->line, 1 };
    if (i >= rec->count) {
        if (rec->count > 0) { /* just after the last field */
            f.line = rec->fields[rec->count - 1].line;
            f.column = rec->fields[rec->count - 1].column + (long)rec->fields[rec->count - 1].len;
        }
        return f;
    }
    f = rec->fields[i];
    while (f.len > 0 && is_blank(f.s[0])) {
        f.s++;
        f.len--;
        f.column++;
    }
    while (f.len > 0 && is_blank(f.s[f.len - 1]))
        f.len--;
    return f;
}

static bool same_name(csv_field f, const char *name)
{
    size_t n = strlen(name);
    if (f.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = f.s[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* find_column: the index of the column called name (any case), or
 * rec->count when there is none. */
static size_t find_column(const csv_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->count; i++)
        if (same_name(field_trimmed(rec, i), name))
            return i;
    return rec->count;
}

/* read_header: decides the shape and finds the two columns. */
static hts_status read_header(loader *ld, const csv_record *head, const char *column)
{
    size_t code = find_column(head, USITC_CODE_COLUMN);
    ld->shape = SHAPE_USITC;
    if (code == head->count) {
        code = find_column(head, PLAIN_CODE_COLUMN);
        ld->shape = SHAPE_PLAIN;
    }
    if (code == head->count)
        return fail(ld, HTS_BAD_HEADER,
                    "line %ld: the header names neither \"" USITC_CODE_COLUMN
                    "\" (USITC) nor \"" PLAIN_CODE_COLUMN "\" (plain hs,rate file)",
                    head->line);
    const char *rate_name = column                     ? column
                            : ld->shape == SHAPE_USITC ? USITC_DEFAULT_RATE
                                                       : PLAIN_DEFAULT_RATE;
    size_t rate = find_column(head, rate_name);
    if (rate == head->count)
        return fail(ld, HTS_BAD_HEADER, "line %ld: no column \"%s\" in the header", head->line,
                    rate_name);
    ld->code_col = code;
    ld->rate_col = rate;
    return HTS_OK;
}

/* copy_field: f as a NUL-terminated string of its own. */
static char *copy_field(const mem *m, csv_field f)
{
    return mem_strndup(m, f.s, f.len);
}

static hts_status add_problem(loader *ld, hs_code code, csv_field text, long line)
{
    hts_report *r = ld->report;
    if (!mem_grow(r->mem, &r->problems, &ld->problem_cap, r->not_understood, sizeof *r->problems,
                  32))
        return HTS_NO_MEMORY;
    hts_problem *pr = &r->problems[r->not_understood];
    if (!(pr->text = copy_field(r->mem, text)))
        return HTS_NO_MEMORY;
    pr->line = (int)line;
    hs_format(code, pr->code);
    r->not_understood++;
    return HTS_OK;
}

/* add_row: one row with a rate; text is its trimmed rate text. */
static hts_status add_row(loader *ld, hs_code code, csv_field text, bool understood,
                          rate_value rate, long line)
{
    /* The reader ends each field with NUL, so the text can be passed as it
     * is unless trimming cut blanks off its end. */
    char *owned = NULL;
    if (text.s[text.len] != '\0' && !(owned = copy_field(ld->out->mem, text)))
        return HTS_NO_MEMORY;
    bool ok =
        schedule_add(ld->out, code, rate, understood, (int)line, owned ? owned : text.s, NULL);
    mem_free(ld->out->mem, owned);
    if (!ok)
        return HTS_NO_MEMORY;
    if (understood) {
        ld->report->rates++;
        return HTS_OK;
    }
    return add_problem(ld, code, text, line);
}

/* read_code: the row's product code.  A bad one makes the load fail in
 * either shape, since a row that cannot be placed cannot be reported by
 * code; false then, with *st HTS_OK to read on (or HTS_NO_MEMORY). */
static bool read_code(loader *ld, csv_field f, hs_code *code, hts_status *st)
{
    hs_status hs = hs_parse_loose(f.s, f.len, code);
    if (hs == HS_OK)
        return true;
    *st = bad_row(ld, f, "bad product code \"%.*s\": %s", (int)(f.len > 40 ? 40 : f.len), f.s,
                  hs_status_message(hs));
    return false;
}

/* read_row: one data record.  Rows without a code (USITC headings and
 * notes) and rows without a rate are skipped. */
static hts_status read_row(loader *ld, const csv_record *rec)
{
    csv_field code_text = field_trimmed(rec, ld->code_col);
    csv_field rate_text = field_trimmed(rec, ld->rate_col);
    ld->report->rows++;
    if (rate_text.len == 0)
        return HTS_OK;
    if (code_text.len == 0) {
        if (ld->shape == SHAPE_USITC)
            return HTS_OK; /* a heading's text, not a product */
        return bad_row(ld, code_text, "a rate without a product code");
    }
    hs_code code;
    hts_status st = HTS_OK;
    if (!read_code(ld, code_text, &code, &st))
        return st;
    rate_value rate = rate_ad_valorem(dec_zero());
    if (ld->shape == SHAPE_USITC) {
        bool ok = rate_parse_usitc(rate_text.s, rate_text.len, &rate);
        if (!ok)
            rate = rate_ad_valorem(dec_zero());
        return add_row(ld, code, rate_text, ok, rate, rec->line);
    }
    if (!rate_parse_levy(rate_text.s, rate_text.len, &rate))
        return bad_row(ld, rate_text,
                       "\"%.*s\" is not a rate (expected e.g. "
                       "25%%, $0.063 per l, 6.8%% + $0.012 per kg, Free)",
                       (int)(rate_text.len > 60 ? 60 : rate_text.len), rate_text.s);
    return add_row(ld, code, rate_text, true, rate, rec->line);
}

static hts_status csv_failure(loader *ld, csv_status st)
{
    if (st == CSV_NO_MEMORY)
        return fail(ld, HTS_NO_MEMORY, "out of memory");
    if (st == CSV_READ_ERROR) /* hts.h has no status of its own for this */
        return fail(ld, HTS_CANNOT_OPEN, "read error: %s", strerror(errno));
    return fail(ld, HTS_BAD_CSV, "line %ld: %s", ld->csv->error_line, csv_status_message(st));
}

static hts_status load(loader *ld, const char *column)
{
    csv_record rec;
    csv_status cs = csv_next(ld->csv, &rec);
    if (cs == CSV_END)
        return fail(ld, HTS_BAD_HEADER, "the file is empty: a header was expected");
    if (cs != CSV_OK)
        return csv_failure(ld, cs);
    hts_status st = read_header(ld, &rec, column);
    while (st == HTS_OK && (cs = csv_next(ld->csv, &rec)) == CSV_OK)
        st = read_row(ld, &rec);
    if (st == HTS_OK && cs != CSV_END)
        st = csv_failure(ld, cs);
    if (st == HTS_OK && ld->report->bad_total > 0)
        st = HTS_BAD_ROW; /* the message names the first, set by bad_row */
    if (st == HTS_NO_MEMORY)
        fail(ld, st, "out of memory");
    return st;
}

/* load_from: the work shared by both entry points.  The report is reset
 * here (a NULL report is allowed and kept to this call); the schedule is
 * finished whatever happens, so it is always safe to look up and free. */
static hts_status load_from(csv_reader *csv, const char *column, schedule *out, hts_report *report,
                            char *err, size_t errlen)
{
    hts_report local;
    hts_report *r = report ? report : &local;
    memset(r, 0, sizeof *r);
    r->mem = out->mem;
    csv->mem = out->mem;
    if (err && errlen > 0)
        err[0] = '\0';
    loader ld = { csv, out, r, 0, 0, SHAPE_PLAIN, 0, 0, err, errlen };
    hts_status st = load(&ld, column);
    schedule_finish(out);
    if (!report)
        hts_report_free(&local);
    return st;
}

hts_status hts_load_buffer(const char *text, size_t len, const char *column, schedule *out,
                           hts_report *report, char *err, size_t errlen)
{
    csv_reader csv;
    csv_init_buffer(&csv, text, len);
    hts_status st = load_from(&csv, column, out, report, err, errlen);
    csv_free(&csv);
    return st;
}

hts_status hts_load_file(const char *path, const char *column, schedule *out, hts_report *report,
                         char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int saved = errno;
        if (report)
            memset(report, 0, sizeof *report);
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(saved));
        errno = saved;
        return HTS_CANNOT_OPEN;
    }
    csv_reader csv;
    csv_init_file(&csv, fp);
    hts_status st = load_from(&csv, column, out, report, err, errlen);
    csv_free(&csv);
    int saved = errno;
    fclose(fp);
    errno = saved;
    return st;
}
