/* test_csv.c - the streaming CSV reader, from memory and from a FILE. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Each case runs twice: from a buffer and from a temporary FILE. */
typedef struct source {
    csv_reader r;
    FILE *fp;
} source;

static void open_text(source *src, const char *text, size_t len, bool from_file)
{
    src->fp = NULL;
    if (!from_file) {
        csv_init_buffer(&src->r, text, len);
        return;
    }
    src->fp = tmpfile();
    cr_assert_not_null(src->fp);
    cr_assert_eq(fwrite(text, 1, len, src->fp), len);
    rewind(src->fp);
    csv_init_file(&src->r, src->fp);
}

static void close_source(source *src)
{
    csv_free(&src->r);
    if (src->fp)
        fclose(src->fp);
}

static void field_is(const csv_record *rec, size_t i, const char *expected)
{
    cr_assert_lt(i, rec->count, "field %zu of %zu", i, rec->count);
    cr_assert_eq(rec->fields[i].len, strlen(expected), "field %zu: length %zu, expected \"%s\"", i,
                 rec->fields[i].len, expected);
    cr_assert_eq(memcmp(rec->fields[i].s, expected, rec->fields[i].len), 0,
                 "field %zu: expected \"%s\"", i, expected);
    cr_assert_eq(rec->fields[i].s[rec->fields[i].len], '\0');
}

/* expect: the next record has these fields (NULL-terminated) and line. */
static void expect(source *src, long line, const char *const *fields)
{
    csv_record rec;
    cr_assert_eq(csv_next(&src->r, &rec), CSV_OK);
    size_t n = 0;
    while (fields[n])
        n++;
    cr_assert_eq(rec.count, n, "record at line %ld: %zu fields, expected %zu", rec.line, rec.count,
                 n);
    cr_assert_eq(rec.line, line, "record starts at line %ld, expected %ld", rec.line, line);
    for (size_t i = 0; i < n; i++)
        field_is(&rec, i, fields[i]);
}

static void expect_end(source *src)
{
    csv_record rec;
    cr_assert_eq(csv_next(&src->r, &rec), CSV_END);
    cr_assert_eq(csv_next(&src->r, &rec), CSV_END);
}

#define FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void run_both(void (*check)(bool from_file))
{
    check(false);
    check(true);
}

static void simple(bool from_file)
{
    const char *text = "hs,rate\n8517,25%\n72,\"$0.05 per kg\"\n";
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("hs", "rate"));
    expect(&src, 2, FIELDS("8517", "25%"));
    expect(&src, 3, FIELDS("72", "$0.05 per kg"));
    expect_end(&src);
    close_source(&src);
}

Test(csv, simple)
{
    run_both(simple);
}

static void quotes_and_escapes(bool from_file)
{
    const char *text = "\"a, b\",\"say \"\"hi\"\"\",\"\",\"\"\"\"\n"
                       "5\" disk,x\"y\",plain\n";
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("a, b", "say \"hi\"", "", "\""));
    expect(&src, 2, FIELDS("5\" disk", "x\"y\"", "plain"));
    expect_end(&src);
    close_source(&src);
}

Test(csv, quotes_and_escapes)
{
    run_both(quotes_and_escapes);
}

static void line_breaks(bool from_file)
{
    /* CRLF, LF and a lone CR end records; breaks inside quotes are kept
     * and counted; the last record needs no break. */
    const char *text = "a,b\r\n\"multi\r\nline\",c\r\n\"x\ny\nz\",d\re,f\n\ng,h";
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("a", "b"));
    expect(&src, 2, FIELDS("multi\r\nline", "c"));
    expect(&src, 4, FIELDS("x\ny\nz", "d"));
    expect(&src, 7, FIELDS("e", "f"));
    expect(&src, 9, FIELDS("g", "h"));
    expect_end(&src);
    close_source(&src);
}

Test(csv, line_breaks_and_line_numbers)
{
    run_both(line_breaks);
}

static void blank_lines_and_empty_fields(bool from_file)
{
    const char *text = "\n\r\n\n,\na,,\n\n\n\"\"\n   \n";
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 4, FIELDS("", ""));
    expect(&src, 5, FIELDS("a", "", ""));
    expect(&src, 8, FIELDS(""));
    expect(&src, 9, FIELDS("   "));
    expect_end(&src);
    close_source(&src);
}

Test(csv, blank_lines_skipped_empty_fields_kept)
{
    run_both(blank_lines_and_empty_fields);
}

static void bom(bool from_file)
{
    const char *text = "\xEF\xBB\xBFHTS Number,Indent\r\n\"0101\",\"0\"\r\n";
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("HTS Number", "Indent"));
    expect(&src, 2, FIELDS("0101", "0"));
    expect_end(&src);
    close_source(&src);
}

Test(csv, bom_is_skipped)
{
    run_both(bom);
}

static void bom_only_at_start(bool from_file)
{
    const char *text = "a\n\xEF\xBB\xBF"
                       "b\n";
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("a"));
    expect(&src, 2,
           FIELDS("\xEF\xBB\xBF"
                  "b"));
    expect_end(&src);
    close_source(&src);
}

Test(csv, bom_only_at_start)
{
    run_both(bom_only_at_start);
}

static void empty_input(bool from_file)
{
    source src;
    open_text(&src, "", 0, from_file);
    expect_end(&src);
    close_source(&src);
    open_text(&src, "\xEF\xBB\xBF", 3, from_file);
    expect_end(&src);
    close_source(&src);
}

Test(csv, empty_input)
{
    run_both(empty_input);
}

static void unterminated(bool from_file)
{
    const char *text = "a,b\nc,\"open\nstill open\n";
    source src;
    csv_record rec;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("a", "b"));
    cr_assert_eq(csv_next(&src.r, &rec), CSV_UNTERMINATED);
    cr_assert_eq(src.r.error_line, 2);
    cr_assert_eq(csv_next(&src.r, &rec), CSV_UNTERMINATED); /* it stays failed */
    close_source(&src);
}

Test(csv, unterminated_quote_at_eof)
{
    run_both(unterminated);
}

static void bad_quote(bool from_file)
{
    const char *text = "a\n\n\"abc\"def,x\n";
    source src;
    csv_record rec;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS("a"));
    cr_assert_eq(csv_next(&src.r, &rec), CSV_BAD_QUOTE);
    cr_assert_eq(src.r.error_line, 3);
    close_source(&src);
}

Test(csv, text_after_closing_quote)
{
    run_both(bad_quote);
}

static void embedded_nul(bool from_file)
{
    const char text[] = "a\0b,c\n";
    source src;
    csv_record rec;
    open_text(&src, text, sizeof text - 1, from_file);
    cr_assert_eq(csv_next(&src.r, &rec), CSV_OK);
    cr_assert_eq(rec.count, 2);
    cr_assert_eq(rec.fields[0].len, 3);
    cr_assert_eq(memcmp(rec.fields[0].s, "a\0b", 3), 0);
    expect_end(&src);
    close_source(&src);
}

Test(csv, embedded_nul)
{
    run_both(embedded_nul);
}

/* A long quoted field with escapes and an unquoted one, each far longer
 * than the FILE window, so that quotes and CRLFs straddle refills. */
static char *long_input(size_t n, char **quoted_expect, char **plain_expect)
{
    char *text = malloc(3 * n + 64), *q = malloc(n + 1), *p = malloc(n + 1);
    cr_assert(text && q && p);
    size_t t = 0;
    text[t++] = '"';
    for (size_t i = 0; i < n; i++) {
        char c = i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : (char)('a' + i % 26);
        q[i] = c;
        if (c == '"')
            text[t++] = '"';
        text[t++] = c;
    }
    q[n] = '\0';
    memcpy(text + t, "\",", 2);
    t += 2;
    for (size_t i = 0; i < n; i++)
        p[i] = text[t++] = (char)('A' + i % 26);
    p[n] = '\0';
    memcpy(text + t, "\r\nz\r\n", 6); /* includes the NUL */
    *quoted_expect = q;
    *plain_expect = p;
    return text;
}

static void long_fields(bool from_file)
{
    char *q, *p;
    char *text = long_input(300000, &q, &p);
    size_t newlines_in_q = 0;
    for (const char *c = q; *c; c++)
        newlines_in_q += *c == '\n';
    source src;
    open_text(&src, text, strlen(text), from_file);
    expect(&src, 1, FIELDS(q, p));
    expect(&src, 2 + (long)newlines_in_q, FIELDS("z"));
    expect_end(&src);
    close_source(&src);
    free(text);
    free(q);
    free(p);
}

Test(csv, long_fields)
{
    run_both(long_fields);
}

/* Many records from a FILE, across many refills of the reader's window. */
Test(csv, many_records_from_file)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    for (int i = 0; i < 100000; i++)
        fprintf(fp, "%d,\"q\"\"%d\"\r\n", i, i);
    rewind(fp);
    csv_reader r;
    csv_record rec;
    csv_init_file(&r, fp);
    char want[32];
    for (int i = 0; i < 100000; i++) {
        cr_assert_eq(csv_next(&r, &rec), CSV_OK);
        cr_assert_eq(rec.line, i + 1);
        cr_assert_eq(rec.count, 2);
        cr_assert_eq(atoi(rec.fields[0].s), i);
        snprintf(want, sizeof want, "q\"%d", i);
        cr_assert_str_eq(rec.fields[1].s, want);
    }
    cr_assert_eq(csv_next(&r, &rec), CSV_END);
    csv_free(&r);
    fclose(fp);
}

/* A tricky record placed so that each of its bytes in turn is the last of
 * the first FILE window (64 KiB): quotes, escapes and CRLFs split between
 * two reads must read the same. */
Test(csv, records_straddling_refills)
{
    const char *tricky = "\"a\"\"b\",c\r\n\"x\r\ny\"\r\n";
    size_t window = 65536, pad_max = window + strlen(tricky);
    char *pad = malloc(pad_max + 1);
    cr_assert_not_null(pad);
    for (size_t shift = 0; shift < strlen(tricky) + 2; shift++) {
        size_t pad_len = window - strlen(tricky) - 1 + shift; /* plus its LF */
        memset(pad, 'p', pad_len);
        pad[pad_len] = '\0';
        FILE *fp = tmpfile();
        cr_assert_not_null(fp);
        fprintf(fp, "%s\n%s", pad, tricky);
        rewind(fp);
        source src = { .fp = fp };
        csv_init_file(&src.r, fp);
        expect(&src, 1, FIELDS(pad));
        expect(&src, 2, FIELDS("a\"b", "c"));
        expect(&src, 3, FIELDS("x\r\ny"));
        expect_end(&src);
        close_source(&src);
    }
    free(pad);
}

Test(csv, record_limit)
{
    const char *text = "short\n0123456789012345678901234567890123456789\nafter\n";
    csv_reader r;
    csv_record rec;
    csv_init_buffer(&r, text, strlen(text));
    csv_set_max_record(&r, 16);
    cr_assert_eq(csv_next(&r, &rec), CSV_OK);
    cr_assert_eq(csv_next(&r, &rec), CSV_TOO_LONG);
    cr_assert_eq(r.error_line, 2);
    csv_free(&r);
}

Test(csv, many_fields)
{
    char text[4000];
    size_t t = 0;
    for (int i = 0; i < 500; i++)
        t += (size_t)snprintf(text + t, sizeof text - t, i ? ",%d" : "%d", i);
    csv_reader r;
    csv_record rec;
    csv_init_buffer(&r, text, t);
    cr_assert_eq(csv_next(&r, &rec), CSV_OK);
    cr_assert_eq(rec.count, 500);
    cr_assert_str_eq(rec.fields[499].s, "499");
    cr_assert_str_eq(rec.fields[0].s, "0");
    csv_free(&r);
}

Test(csv, messages)
{
    cr_assert_str_eq(csv_status_message(CSV_UNTERMINATED),
                     "a quoted field is not closed before the end of the file");
    for (int s = CSV_OK; s <= CSV_NO_MEMORY; s++)
        cr_assert_gt(strlen(csv_status_message((csv_status)s)), 0);
}
