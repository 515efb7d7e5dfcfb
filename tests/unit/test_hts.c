/* test_hts.c - schedules from CSV: the USITC shape, the plain shape, and the
 * real 2025 HTS when it is at hand. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen: a named temporary file */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hts.h"

static hs_code code(const char *text)
{
    hs_code c;
    cr_assert_eq(hs_parse_loose(text, strlen(text), &c), HS_OK, "%s", text);
    return c;
}

/* Room for a formatted rate or the text of one not understood. */
#define RATE_TEXT_MAX 512

/* The rate a product resolves to, formatted; "(none)" when nothing matches
 * and "?text" when the row's text was not understood. */
static const char *rate_of(const schedule *s, const char *product, char buf[RATE_TEXT_MAX])
{
    const sched_row *row = schedule_lookup(s, code(product));
    if (!row)
        return "(none)";
    if (!row->understood) {
        snprintf(buf, RATE_TEXT_MAX, "?%s", row->text);
        return buf;
    }
    rate_format(row->rate, buf, RATE_FMT_MAX);
    return buf;
}

#define ASSERT_RATE(s, product, expected)                                                          \
    do {                                                                                           \
        char buf_[RATE_TEXT_MAX];                                                                  \
        cr_assert_str_eq(rate_of(s, product, buf_), expected, "%s", product);                      \
    } while (0)

static hts_status load(const char *text, const char *column, schedule *s, hts_report *r, char *err,
                       size_t errlen)
{
    schedule_init(s, NULL);
    return hts_load_buffer(text, strlen(text), column, s, r, err, errlen);
}

/* Shaped like the published file: BOM, quoted fields, heading rows without
 * a code, statistical suffixes without a rate, a multi-line description. */
static const char usitc[] =
    "\xEF\xBB\xBFHTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,"
    "Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties\n"
    "\"0101\",\"0\",\"Live horses, asses, mules and hinnies:\",\"\",\"\",\"\",\"\",\"\",\"\"\n"
    "\"\",\"1\",\"Horses:\",\"\",\"\",\"\",\"\",\"\",\"\"\n"
    "\"0101.21.00\",\"2\",\"Purebred breeding animals\",\"\",\"Free\",\"\",\"Free\",\"\",\"\"\n"
    "\"0101.21.00.10\",\"3\",\"Males\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"\n"
    "\"2709.00.20\",\"1\",\"Other\",\"\",\"10.5\xC2\xA2/bbl\",\"Free "
    "(A+)\",\"$1.05/bbl\",\"\",\"\"\n"
    "\"2709.00.20.10\",\"2\",\"Light\",\"[\"\"bbl\"\"]\",\"\",\"\",\"\",\"\",\"\"\n"
    "\"6109.10.00\",\"1\",\"T-shirts,\nof cotton\",\"\",\"16.5%\",\"Free\",\"90%\",\"\",\"\"\n"
    "\"6402.19.50\",\"2\",\"Other\",\"\",\"76\xC2\xA2/pr. + 32%\",\"\",\"$1.50/pr. + "
    "35%\",\"\",\"\"\n"
    "\"9903.80.01\",\"1\",\"Steel\",\"\",\"The duty provided in the applicable subheading + 25%\","
    "\"\",\"\",\"\",\"\"\n"
    "\"0711.20.18.00\",\"3\",\"Olives\",\"[\"\"kg\"\"]\",\"3.7\xC2\xA2/kg on drained weight\","
    "\"\",\"\",\"\",\"\"\n";

Test(hts_usitc, general_column)
{
    schedule s;
    hts_report r;
    char err[200];
    cr_assert_eq(load(usitc, NULL, &s, &r, err, sizeof err), HTS_OK, "%s", err);
    cr_assert_eq(r.rows, 10);
    cr_assert_eq(r.rates, 4);
    cr_assert_eq(r.not_understood, 2);
    cr_assert_eq(s.count, 6);
    ASSERT_RATE(&s, "0101.21.00", "0%");
    ASSERT_RATE(&s, "0101.21.00.10", "0%");
    ASSERT_RATE(&s, "2709.00.20.10", "$0.105 per bbl");
    ASSERT_RATE(&s, "6109.10.00.04", "16.5%");
    ASSERT_RATE(&s, "6402.19.50", "32% + $0.76 per pair");
    ASSERT_RATE(&s, "0101.30", "(none)");
    ASSERT_RATE(&s, "9903.80.01", "?The duty provided in the applicable subheading + 25%");

    cr_assert_eq(r.problems[0].line, 11);
    cr_assert_str_eq(r.problems[0].code, "9903.80.01");
    cr_assert_str_eq(r.problems[0].text, "The duty provided in the applicable subheading + 25%");
    cr_assert_eq(r.problems[1].line, 12);
    cr_assert_str_eq(r.problems[1].code, "0711.20.18.00");
    cr_assert_str_eq(r.problems[1].text, "3.7\xC2\xA2/kg on drained weight");

    const sched_row *row = schedule_find_exact(&s, code("6109.10.00"));
    cr_assert_not_null(row);
    cr_assert_eq(row->line, 8); /* the line its record starts on */
    cr_assert_str_eq(row->text, "16.5%");
    hts_report_free(&r);
    schedule_free(&s);
}

Test(hts_usitc, another_column)
{
    schedule s;
    hts_report r;
    char err[200];
    cr_assert_eq(load(usitc, "column 2 rate of duty", &s, &r, err, sizeof err), HTS_OK, "%s", err);
    cr_assert_eq(r.rates, 4);
    cr_assert_eq(r.not_understood, 0);
    ASSERT_RATE(&s, "2709.00.20.10", "$1.05 per bbl");
    ASSERT_RATE(&s, "6109.10.00.04", "90%");
    ASSERT_RATE(&s, "6402.19.50", "35% + $1.50 per pair");
    hts_report_free(&r);
    schedule_free(&s);
}

Test(hts_usitc, missing_column)
{
    schedule s;
    char err[200];
    cr_assert_eq(load(usitc, "Column 3", &s, NULL, err, sizeof err), HTS_BAD_HEADER);
    cr_assert_str_eq(err, "line 1: no column \"Column 3\" in the header");
    schedule_free(&s);
}

Test(hts_plain, rates_in_levy_syntax)
{
    const char *text = "HS,Rate\r\n"
                       "85,10%\r\n"
                       "8517.13,\"6.8% + $0.012 per kg\"\r\n"
                       "\r\n"
                       "  2709 , $0.105 per bbl \r\n"
                       "0101,Free\r\n"
                       "9503.00.00,\r\n"
                       "851713001,25%\r\n";
    schedule s;
    hts_report r;
    char err[200];
    cr_assert_eq(load(text, NULL, &s, &r, err, sizeof err), HTS_OK, "%s", err);
    cr_assert_eq(r.rows, 6);
    cr_assert_eq(r.rates, 5);
    cr_assert_eq(r.not_understood, 0);
    cr_assert_null(r.problems);
    ASSERT_RATE(&s, "8517.62", "10%");
    ASSERT_RATE(&s, "8517.13.00.00", "6.8% + $0.012 per kg");
    ASSERT_RATE(&s, "8517.13.00.10", "25%");
    ASSERT_RATE(&s, "2709.00.20", "$0.105 per bbl");
    ASSERT_RATE(&s, "0101.21", "0%");
    ASSERT_RATE(&s, "9503.00.00", "(none)");
    const sched_row *row = schedule_find_exact(&s, code("2709"));
    cr_assert_eq(row->line, 5);
    cr_assert_str_eq(row->text, "$0.105 per bbl");
    hts_report_free(&r);
    schedule_free(&s);
}

Test(hts_plain, named_column)
{
    const char *text = "hs,rate,rate_2026\n72,25%,50%\n";
    schedule s;
    char err[200];
    cr_assert_eq(load(text, "rate_2026", &s, NULL, err, sizeof err), HTS_OK, "%s", err);
    ASSERT_RATE(&s, "7208", "50%");
    schedule_free(&s);
}

static void plain_fails(const char *text, hts_status expected, const char *message)
{
    schedule s;
    hts_report r;
    char err[200];
    cr_assert_eq(load(text, NULL, &s, &r, err, sizeof err), expected, "%s", text);
    cr_assert_str_eq(err, message);
    hts_report_free(&r);
    schedule_free(&s);
}

Test(hts_plain, bad_rows)
{
    plain_fails("hs,rate\n72,25%\n\n73,25 percent\n", HTS_BAD_ROW,
                "line 4: \"25 percent\" is not a rate (expected e.g. 25%, $0.063 per l, "
                "6.8% + $0.012 per kg, Free)");
    plain_fails("hs,rate\n72,25%\n72x,25%\n", HTS_BAD_ROW,
                "line 3: bad product code \"72x\": an hs code has only digits and dots");
    plain_fails("hs,rate\n12345678901,25%\n", HTS_BAD_ROW,
                "line 2: bad product code \"12345678901\": an hs code has 2, 4, 6, 8 or 10 digits");
    plain_fails("hs,rate\n,25%\n", HTS_BAD_ROW, "line 2: a rate without a product code");
    plain_fails("hs,rate\n72,\"25%\n", HTS_BAD_CSV,
                "line 2: a quoted field is not closed before the end of the file");
}

Test(hts, bad_headers)
{
    plain_fails("", HTS_BAD_HEADER, "the file is empty: a header was expected");
    plain_fails("code,duty\n72,25%\n", HTS_BAD_HEADER,
                "line 1: the header names neither \"HTS Number\" (USITC) nor \"hs\" "
                "(plain hs,rate file)");
    plain_fails("hs,duty\n72,25%\n", HTS_BAD_HEADER, "line 1: no column \"rate\" in the header");
    plain_fails("HTS Number,Rate\n72,25%\n", HTS_BAD_HEADER,
                "line 1: no column \"General Rate of Duty\" in the header");
}

Test(hts, cannot_open)
{
    schedule s;
    hts_report r;
    char err[300];
    schedule_init(&s, NULL);
    hts_status st = hts_load_file("/nonexistent/levy/rates.csv", NULL, &s, &r, err, sizeof err);
    cr_assert_eq(st, HTS_CANNOT_OPEN);
    cr_assert_eq(errno, ENOENT);
    cr_assert_eq(r.rows, 0);
    cr_assert(strstr(err, "/nonexistent/levy/rates.csv") != NULL, "%s", err);
    hts_report_free(&r);
    schedule_free(&s);
}

Test(hts, load_file_matches_load_buffer)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/levy_test_hts_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0, "%s", path);
    FILE *fp = fdopen(fd, "wb");
    cr_assert_not_null(fp);
    fwrite(usitc, 1, sizeof usitc - 1, fp);
    fclose(fp);
    schedule s;
    hts_report r;
    char err[200];
    schedule_init(&s, NULL);
    hts_status st = hts_load_file(path, NULL, &s, &r, err, sizeof err);
    remove(path);
    cr_assert_eq(st, HTS_OK, "%s", err);
    cr_assert_eq(r.rows, 10);
    cr_assert_eq(r.rates, 4);
    cr_assert_eq(r.not_understood, 2);
    ASSERT_RATE(&s, "2709.00.20.10", "$0.105 per bbl");
    ASSERT_RATE(&s, "6402.19.50", "32% + $0.76 per pair");
    hts_report_free(&r);
    schedule_free(&s);
}

/* ---- the real schedule ---- */

/* hts_path: where the 2025 HTS is, from LEVY_SHARED_DATA (a folder) or
 * LEVY_SRCDIR/../shared/data; NULL when neither is set or the file is not
 * there. */
static const char *hts_path(char *buf, size_t n)
{
    const char *file = "hts_2025_basic_edition.csv";
    const char *data = getenv("LEVY_SHARED_DATA");
    const char *srcdir = getenv("LEVY_SRCDIR");
    if (data && *data)
        snprintf(buf, n, "%s/%s", data, file);
    else if (srcdir && *srcdir)
        snprintf(buf, n, "%s/../shared/data/%s", srcdir, file);
    else
        return NULL;
    FILE *fp = fopen(buf, "rb");
    if (!fp)
        return NULL;
    fclose(fp);
    return buf;
}

Test(hts_real, basic_edition_2025)
{
    char path[4096];
    if (!hts_path(path, sizeof path))
        cr_skip_test("hts_2025_basic_edition.csv is absent (set LEVY_SHARED_DATA to its "
                     "folder, or LEVY_SRCDIR to the project root beside ../shared/data)");
    schedule s;
    hts_report r;
    char err[300];
    schedule_init(&s, NULL);
    hts_status st = hts_load_file(path, NULL, &s, &r, err, sizeof err);
    cr_assert_eq(st, HTS_OK, "%s", err);
    fprintf(stderr, "%s: %zu rows, %zu general rates understood, %zu not understood\n", path,
            r.rows, r.rates, r.not_understood);
    for (size_t i = 0; i < r.not_understood; i++)
        fprintf(stderr, "  line %d: %s: %s\n", r.problems[i].line, r.problems[i].code,
                r.problems[i].text);

    cr_assert_eq(r.rows, 35859);
    cr_assert_eq(r.rates, 13182);
    cr_assert_eq(r.not_understood, 429);
    cr_assert_eq(s.count, r.rates + r.not_understood);

    ASSERT_RATE(&s, "6109.10.00", "16.5%");
    ASSERT_RATE(&s, "6109.10.00.04", "16.5%"); /* statistical suffix: longest prefix */
    ASSERT_RATE(&s, "6109100040", "16.5%");
    ASSERT_RATE(&s, "2709.00.20", "$0.105 per bbl");
    ASSERT_RATE(&s, "8703.23.01", "2.5%");
    ASSERT_RATE(&s, "0201.10.50", "26.4%");
    ASSERT_RATE(&s, "0101.21.00", "0%");
    ASSERT_RATE(&s, "0402.99.90.00", "14.9% + $0.463 per kg");
    ASSERT_RATE(&s, "8201.50.00.00", "2.8% + $0.01 per item");
    ASSERT_RATE(&s, "2207.10.30.00", "$0.189 per pf_l");
    ASSERT_RATE(&s, "0601.10.15.00", "$0.896 per thousand");
    ASSERT_RATE(&s, "1701.12.05.00",
                "?3.6606\xC2\xA2/kg less 0.020668\xC2\xA2/kg for each "
                "degree under 100 degrees (and fractions of a degree in proportion) but not "
                "less than 3.143854\xC2\xA2/kg");

    const sched_row *row = schedule_lookup(&s, code("2709.00.20"));
    cr_assert_eq(row->rate.specific.units, 105000); /* exactly $0.105 */
    cr_assert_eq(row->rate.unit, UNIT_BBL);
    cr_assert_str_eq(row->text, "10.5\xC2\xA2/bbl");
    hts_report_free(&r);
    schedule_free(&s);
}
