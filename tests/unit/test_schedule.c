/* test_schedule.c - longest-prefix tables, and the bad rows of a schedule
 * file, each where it is. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "csv.h"
#include "hts.h"
#include "schedule.h"

static hs_code code(const char *text)
{
    hs_code c;
    cr_assert_eq(hs_parse_loose(text, strlen(text), &c), HS_OK, "%s", text);
    return c;
}

static rate_value pct(int64_t millionths)
{
    return rate_ad_valorem(dec_from_units(millionths));
}

static void add(schedule *s, const char *c, int64_t rate, int line)
{
    cr_assert(schedule_add(s, code(c), pct(rate), true, line, c, NULL));
}

/* The line of the row a lookup lands on, or 0 for none. */
static int lookup_line(const schedule *s, const char *product)
{
    const sched_row *row = schedule_lookup(s, code(product));
    return row ? row->line : 0;
}

static int exact_line(const schedule *s, const char *product)
{
    const sched_row *row = schedule_find_exact(s, code(product));
    return row ? row->line : 0;
}

/* A schedule shaped like the HTS: chapter, heading, subheadings. */
static void fill(schedule *s)
{
    schedule_init(s, NULL);
    add(s, "8517.13.00", 0, 4);
    add(s, "85", 100000, 1);
    add(s, "8517", 200000, 2);
    add(s, "8517.13", 300000, 3);
    add(s, "0201.10.50", 264000, 5);
    add(s, "0201", 10000, 6);
    add(s, "6109.10.00", 165000, 7);
    add(s, "8471.30.01.00", 0, 8);
    add(s, "9", 50000, 9);
    schedule_finish(s);
}

Test(schedule, longest_prefix_wins)
{
    schedule s;
    fill(&s);
    cr_assert_eq(lookup_line(&s, "8517.13.00.00"), 4);
    cr_assert_eq(lookup_line(&s, "8517.13.00"), 4);
    cr_assert_eq(lookup_line(&s, "8517.13.10"), 3);
    cr_assert_eq(lookup_line(&s, "8517.13"), 3);
    cr_assert_eq(lookup_line(&s, "8517.62.00.90"), 2);
    cr_assert_eq(lookup_line(&s, "8518.10.00"), 1);
    cr_assert_eq(lookup_line(&s, "85"), 1);
    cr_assert_eq(lookup_line(&s, "6109.10.00.04"), 7);
    cr_assert_eq(lookup_line(&s, "6109.10.00.60"), 7);
    cr_assert_eq(lookup_line(&s, "8471.30.01.00"), 8);
    cr_assert_eq(lookup_line(&s, "9503.00.00"), 9);
    const sched_row *row = schedule_lookup(&s, code("6109100004"));
    cr_assert_not_null(row);
    cr_assert_eq(row->rate.ad_valorem.units, 165000);
    cr_assert_str_eq(row->text, "6109.10.00");
    schedule_free(&s);
}

Test(schedule, missing)
{
    schedule s;
    fill(&s);
    cr_assert_eq(lookup_line(&s, "8471.30.01"), 0); /* shorter than the row */
    cr_assert_eq(lookup_line(&s, "8471.30.02.00"), 0);
    cr_assert_eq(lookup_line(&s, "8"), 0);
    cr_assert_eq(lookup_line(&s, "84"), 0);
    cr_assert_eq(lookup_line(&s, "6109.20.00"), 0);
    cr_assert_eq(lookup_line(&s, "0000000000"), 0);
    cr_assert_eq(lookup_line(&s, "8600"), 0);
    schedule_free(&s);
}

Test(schedule, exact)
{
    schedule s;
    fill(&s);
    cr_assert_eq(exact_line(&s, "8517"), 2);
    cr_assert_eq(exact_line(&s, "8517.13.00"), 4);
    cr_assert_eq(exact_line(&s, "85"), 1);
    cr_assert_eq(exact_line(&s, "8517.13.00.00"), 0);
    cr_assert_eq(exact_line(&s, "851"), 0);
    cr_assert_eq(exact_line(&s, "0201.10.50.10"), 0);
    schedule_free(&s);
}

Test(schedule, leading_zeros_matter)
{
    schedule s;
    schedule_init(&s, NULL);
    add(&s, "0101", 10000, 1);
    add(&s, "101", 20000, 2); /* a loose three-digit code: not 0101 */
    add(&s, "01", 30000, 3);
    add(&s, "0", 40000, 4);
    schedule_finish(&s);
    cr_assert_eq(lookup_line(&s, "0101.21.00"), 1);
    cr_assert_eq(lookup_line(&s, "1010"), 2);
    cr_assert_eq(lookup_line(&s, "0102"), 3);
    cr_assert_eq(lookup_line(&s, "0901"), 4);
    cr_assert_eq(lookup_line(&s, "1101"), 0);
    cr_assert_eq(exact_line(&s, "101"), 2);
    cr_assert_eq(exact_line(&s, "0101"), 1);
    schedule_free(&s);
}

Test(schedule, empty_and_invalid)
{
    schedule s;
    schedule_init(&s, NULL);
    schedule_finish(&s);
    cr_assert_null(schedule_lookup(&s, code("8517")));
    cr_assert_null(schedule_find_exact(&s, code("8517")));
    hs_code none = { 0, 0 }, too_long = { 1, 11 }, too_big = { 100, 2 };
    cr_assert_not(schedule_add(&s, none, pct(0), true, 1, NULL, NULL));
    cr_assert_not(schedule_add(&s, too_long, pct(0), true, 1, NULL, NULL));
    cr_assert_not(schedule_add(&s, too_big, pct(0), true, 1, NULL, NULL));
    cr_assert_eq(s.count, 0);
    schedule_free(&s);
}

Test(schedule, keeps_rows_not_understood_and_payload)
{
    schedule s;
    int marker = 7;
    schedule_init(&s, NULL);
    cr_assert(schedule_add(&s, code("9903.80.60"), pct(0), false, 12,
                           "The duty provided in the applicable subheading", &marker));
    cr_assert(schedule_add(&s, code("9903"), pct(10000), true, 11, NULL, NULL));
    schedule_finish(&s);
    const sched_row *row = schedule_lookup(&s, code("9903.80.60.00"));
    cr_assert_not_null(row);
    cr_assert_not(row->understood);
    cr_assert_eq(row->line, 12);
    cr_assert_eq(row->payload, &marker);
    cr_assert_str_eq(row->text, "The duty provided in the applicable subheading");
    cr_assert_null(schedule_lookup(&s, code("9903"))->text);
    schedule_free(&s);
}

Test(schedule, duplicate_codes_first_added_wins)
{
    schedule s;
    schedule_init(&s, NULL);
    add(&s, "72", 1, 1);
    add(&s, "7208", 2, 2);
    add(&s, "01", 3, 3);
    add(&s, "7208", 4, 4);
    add(&s, "7208", 5, 5);
    cr_assert_eq(lookup_line(&s, "7208.10"), 2); /* before finish: linear */
    schedule_finish(&s);
    cr_assert_eq(lookup_line(&s, "7208.10"), 2);
    cr_assert_eq(exact_line(&s, "7208"), 2);
    schedule_free(&s);
}

Test(schedule, lookup_before_finish_is_correct)
{
    schedule s;
    schedule_init(&s, NULL);
    add(&s, "8517.13", 3, 3);
    add(&s, "85", 1, 1);
    add(&s, "8517", 2, 2);
    cr_assert_not(s.sorted);
    cr_assert_eq(lookup_line(&s, "8517.13.00"), 3);
    cr_assert_eq(lookup_line(&s, "8517.62"), 2);
    cr_assert_eq(exact_line(&s, "85"), 1);
    schedule_finish(&s);
    cr_assert(s.sorted);
    cr_assert_eq(lookup_line(&s, "8517.13.00"), 3);
    schedule_free(&s);
}

/* A small deterministic generator, so the comparison below is repeatable. */
static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

static hs_code random_code(uint64_t *state, int max_len)
{
    static const uint64_t pow10[] = { 1,       10,       100,       1000,       10000,       100000,
                                      1000000, 10000000, 100000000, 1000000000, 10000000000u };
    int len = 1 + (int)(next_random(state) % (uint64_t)max_len);
    /* Few distinct leading digits, so that codes share prefixes often. */
    uint64_t digits = next_random(state) % 4;
    for (int i = 1; i < len; i++)
        digits = digits * 10 + next_random(state) % 3;
    hs_code c = { digits % pow10[len], (uint8_t)len };
    return c;
}

/* The binary search must agree with a plain scan on every product. */
Test(schedule, agrees_with_linear_scan)
{
    schedule sorted, unsorted;
    uint64_t state = 42;
    schedule_init(&sorted, NULL);
    schedule_init(&unsorted, NULL);
    for (int i = 1; i <= 3000; i++) {
        hs_code c = random_code(&state, HS_MAX_DIGITS);
        cr_assert(schedule_add(&sorted, c, pct(i), true, i, NULL, NULL));
        cr_assert(schedule_add(&unsorted, c, pct(i), true, i, NULL, NULL));
    }
    schedule_finish(&sorted);
    cr_assert_not(unsorted.sorted);
    for (int i = 0; i < 20000; i++) {
        hs_code p = random_code(&state, HS_MAX_DIGITS);
        const sched_row *a = schedule_lookup(&sorted, p);
        const sched_row *b = schedule_lookup(&unsorted, p);
        cr_assert_eq(a ? a->line : 0, b ? b->line : 0, "product %llu/%d",
                     (unsigned long long)p.digits, p.len);
        a = schedule_find_exact(&sorted, p);
        b = schedule_find_exact(&unsorted, p);
        cr_assert_eq(a ? a->line : 0, b ? b->line : 0);
    }
    schedule_free(&sorted);
    schedule_free(&unsorted);
}

/* A schedule file with several bad rows: every one is reported, at the
 * line and column of its bad field (blanks trimmed), and the first is the
 * error message. */
Test(schedule_file, every_bad_row_at_its_own_line_and_column)
{
    const char *text = "hs,rate\n"
                       "9503.00.00,25%\n"
                       "95x3,10%\n"
                       "8471.30, 12 percent\n"
                       ",5%\n"
                       "\"7208.10\",Free\n"
                       "\"72\n08\",5%\n";
    schedule s;
    schedule_init(&s, NULL);
    hts_report rep;
    char err[256];
    cr_assert_eq(hts_load_buffer(text, strlen(text), NULL, &s, &rep, err, sizeof err),
                 HTS_BAD_ROW);
    cr_assert_str_eq(err, "line 3: bad product code \"95x3\": an hs code has only digits and dots");
    cr_assert_eq(rep.bad_total, 4);
    cr_assert_eq(rep.bad_count, 4);
    const long where[4][3] = { { 3, 1, 4 }, { 4, 10, 10 }, { 5, 1, 1 }, { 7, 1, 5 } };
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(rep.bad[i].line, where[i][0], "row %zu: line %ld", i, rep.bad[i].line);
        cr_expect_eq(rep.bad[i].column, where[i][1], "row %zu: column %ld", i, rep.bad[i].column);
        cr_expect_eq(rep.bad[i].width, where[i][2], "row %zu: width %ld", i, rep.bad[i].width);
    }
    cr_assert_str_eq(rep.bad[2].message, "a rate without a product code");
    /* The good rows are still read. */
    cr_assert_eq(rep.rates, 2);
    hts_report_free(&rep);
    schedule_free(&s);
}

/* Past HTS_MAX_BAD_ROWS the rest are counted, not kept. */
Test(schedule_file, bad_rows_are_capped)
{
    char text[64 * 1024] = "hs,rate\n";
    size_t len = strlen(text);
    for (int i = 0; i < HTS_MAX_BAD_ROWS + 20; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "72,%d bad\n", i);
    schedule s;
    schedule_init(&s, NULL);
    hts_report rep;
    char err[256];
    cr_assert_eq(hts_load_buffer(text, len, NULL, &s, &rep, err, sizeof err), HTS_BAD_ROW);
    cr_assert_eq(rep.bad_total, HTS_MAX_BAD_ROWS + 20);
    cr_assert_eq(rep.bad_count, HTS_MAX_BAD_ROWS);
    cr_assert_eq(rep.bad[HTS_MAX_BAD_ROWS - 1].line, HTS_MAX_BAD_ROWS + 1);
    cr_assert_eq(rep.bad[HTS_MAX_BAD_ROWS - 1].column, 4);
    hts_report_free(&rep);
    schedule_free(&s);
}

/* The CSV reader says where each field starts: after a BOM, after a
 * quoted line break, after a CRLF. */
Test(schedule_file, csv_fields_know_their_line_and_column)
{
    const char *text = "\xef\xbb\xbf" "a,bb\r\n\"x\ny\",z\n,\n";
    csv_reader r;
    csv_init_buffer(&r, text, strlen(text));
    csv_record rec;
    cr_assert_eq(csv_next(&r, &rec), CSV_OK);
    cr_assert_eq(rec.fields[0].line, 1);
    cr_assert_eq(rec.fields[0].column, 1);
    cr_assert_eq(rec.fields[1].column, 3);
    cr_assert_eq(csv_next(&r, &rec), CSV_OK);
    cr_assert_eq(rec.fields[0].line, 2);
    cr_assert_eq(rec.fields[0].column, 1);
    cr_assert_eq(rec.fields[1].line, 3);
    cr_assert_eq(rec.fields[1].column, 4);
    cr_assert_eq(csv_next(&r, &rec), CSV_OK);
    cr_assert_eq(rec.fields[0].line, 4);
    cr_assert_eq(rec.fields[1].line, 4);
    cr_assert_eq(rec.fields[1].column, 2);
    csv_free(&r);
}

/* The lookup on sort keys (no row read, no division) finds what the
 * unsorted linear scan finds, on random tables and products, duplicates
 * and codes of every length among them; plain rows give their rate. */
Test(schedule, lookup_by_keys_agrees_with_the_linear_scan)
{
    uint64_t seed = 12345;
    for (int round = 0; round < 20; round++) {
        schedule fast, slow;
        schedule_init(&fast, NULL);
        schedule_init(&slow, NULL);
        for (int i = 0; i < 300; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            uint8_t len = (uint8_t)(1 + (seed >> 33) % 10);
            uint64_t digits = (seed >> 13) % 1000;
            uint64_t p10 = 1;
            for (int k = 0; k < len; k++)
                p10 *= 10;
            hs_code c = { digits % p10, len };
            rate_value r = pct((int64_t)(seed >> 40) % 500000);
            bool understood = (seed >> 20) % 17 != 0;
            cr_assert(schedule_add(&fast, c, r, understood, i + 1, NULL, NULL));
            cr_assert(schedule_add(&slow, c, r, understood, i + 1, NULL, NULL));
        }
        schedule_finish(&fast); /* slow stays unsorted: linear */
        for (int j = 0; j < 2000; j++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            uint8_t len = (uint8_t)(2 + 2 * ((seed >> 35) % 5));
            uint64_t p10 = 1;
            for (int k = 0; k < len; k++)
                p10 *= 10;
            uint64_t digits = (seed >> 3) % p10;
            if (j % 2) /* under a short code: few leading digits set */
                digits = ((seed >> 3) % 1000) * (p10 / 1000 ? p10 / 1000 : 1) % p10;
            hs_code p = { digits, len };
            const sched_row *want = schedule_lookup(&slow, p);
            ptrdiff_t i = schedule_lookup_index(&fast, p);
            cr_assert_eq(i >= 0, want != NULL);
            if (!want)
                continue;
            cr_assert_eq(fast.rows[i].line, want->line);
            cr_assert_eq(schedule_lookup(&fast, p)->line, want->line);
            rate_value r;
            if (schedule_plain(&fast, i, &r))
                cr_assert(want->understood && r.ad_valorem.units == want->rate.ad_valorem.units);
            else
                cr_assert_not(want->understood);
        }
        schedule_free(&fast);
        schedule_free(&slow);
    }
}
