/* test_value.c - values, their printing, shipments from text, text buffers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "value.h"

static fixture fx;

static void setup(void)
{
    static const char text[] =
        "country CN \"China\"\ncountry VN \"Viet Nam\"\ncountry DE \"Germany\"\n"
        "attribute usmca: bool = false\nattribute note: text\nattribute copper: money\n";
    fixture_load_text(&fx, "v.levy", text, NULL);
}

static void teardown(void)
{
    fixture_free(&fx);
}

TestSuite(value, .init = setup, .fini = teardown);

static char shown[512];

static const char *fmt(value v)
{
    strbuf sb;
    sb_init(&sb, NULL);
    value_format(&v, &fx.p, &sb);
    snprintf(shown, sizeof shown, "%s", sb_cstr(&sb));
    sb_free(&sb);
    return shown;
}

static dec d(const char *s)
{
    dec x;
    cr_assert_eq(dec_parse(s, strlen(s), &x), DEC_OK, "%s", s);
    return x;
}

static hs_code hs(const char *s)
{
    hs_code c;
    cr_assert_eq(hs_parse(s, strlen(s), &c), HS_OK);
    return c;
}

Test(value, formats)
{
    cr_expect_str_eq(fmt(value_rate(rate_ad_valorem(d("1.45")))), "145%");
    rate_value compound = { d("0.068"), d("0.012"), UNIT_KG };
    cr_expect_str_eq(fmt(value_rate(compound)), "6.8% + $0.012 per kg");
    cr_expect_str_eq(fmt(value_money(d("14500"))), "$14,500.00");
    cr_expect_str_eq(fmt(value_money(d("-5.25"))), "-$5.25");
    cr_expect_str_eq(fmt(value_number(d("12.5"))), "12.5");
    date day;
    cr_assert_eq(date_parse("2025-04-15", 10, &day), DATE_OK);
    cr_expect_str_eq(fmt(value_date(day)), "2025-04-15");
    value dur = { .kind = V_DURATION, .as.dur = { 90, DUR_DAYS } };
    cr_expect_str_eq(fmt(dur), "90 days");
    cr_expect_str_eq(fmt(value_bool(true)), "true");
    value text = { .kind = V_TEXT, .as.text = "EO 14195" };
    cr_expect_str_eq(fmt(text), "EO 14195");
    cr_expect_str_eq(fmt(value_country(1)), "VN");
    cr_expect_str_eq(fmt(value_product(hs("9503.00.00"))), "hs 9503.00.00");
    value u = { .kind = V_UNIT, .as.unit = UNIT_PF_L };
    cr_expect_str_eq(fmt(u), "pf_l");
}

Test(value, sets_print_as_written)
{
    bitset *cs = bitset_new(&fx.mem, 3);
    bitset_add(cs, 0);
    bitset_add(cs, 1);
    value v = { .kind = V_COUNTRY_SET, .as.countries = cs };
    cr_expect_str_eq(fmt(v), "{CN, VN}");
    bitset_add(cs, 2);
    cr_expect_str_eq(fmt(v), "all");
    bitset_clear(cs);
    cr_expect_str_eq(fmt(v), "{}");
    pset *p = pset_union(&fx.mem, products_of_code(&fx.mem, hs("72")),
                         products_of_code(&fx.mem, hs("73")));
    p = pset_union(&fx.mem, p, products_of_code(&fx.mem, hs("8517.13")));
    value ps = { .kind = V_PRODUCT_SET, .as.products = p };
    cr_expect_str_eq(fmt(ps), "{hs 72..73, hs 8517.13}");
    pset *all = pset_all(&fx.mem), *one = products_of_code(&fx.mem, hs("85"));
    value most = { .kind = V_PRODUCT_SET, .as.products = pset_minus(&fx.mem, all, one) };
    cr_expect_str_eq(fmt(most), "all except {hs 85}");
}

Test(value, equality)
{
    rate_value a = rate_ad_valorem(d("0.1")), b = { d("0.1"), d("0"), UNIT_KG };
    cr_expect(rate_equal(a, b), "a $0 specific part is none");
    b.specific = d("0.01");
    cr_expect_not(rate_equal(a, b));
    value x = value_money(d("10")), y = value_money(d("10.00"));
    cr_expect(value_equal(&x, &y));
    value n = value_number(d("10"));
    cr_expect_not(value_equal(&x, &n), "money is not a number");
    cr_expect(value_equal(&(value){ .kind = V_COUNTRY, .as.country = 2 },
                          &(value){ .kind = V_COUNTRY, .as.country = 2 }));
}

Test(value, shipment_fields_from_text)
{
    shipment *s = ship_new(&fx.mem, &fx.p);
    char err[128];
    cr_assert_eq(s->nfields, F_BUILTIN_COUNT + 3);
    cr_expect_eq(ship_field_lookup(&fx.p, "entered"), F_ENTERED);
    cr_expect_eq(ship_field_lookup(&fx.p, "usmca"), F_BUILTIN_COUNT);
    cr_expect_eq(ship_field_lookup(&fx.p, "nope"), -1);
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_ORIGIN, " CN ", 4, err, sizeof err), "%s", err);
    cr_expect_eq(s->fields[F_ORIGIN].as.country, 0);
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_PRODUCT, "hs 9503.00.00", 13, err, sizeof err));
    cr_expect_str_eq(fmt(s->fields[F_PRODUCT]), "hs 9503.00.00");
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_PRODUCT, "95030000", 8, err, sizeof err));
    cr_expect_str_eq(fmt(s->fields[F_PRODUCT]), "hs 9503.00.00");
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_VALUE, "$10,000.50", 10, err, sizeof err));
    cr_expect_str_eq(fmt(s->fields[F_VALUE]), "$10,000.50");
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_VALUE, "10000", 5, err, sizeof err));
    cr_expect_str_eq(fmt(s->fields[F_VALUE]), "$10,000.00");
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_ENTERED, "2025-04-15", 10, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_UNIT, "kg", 2, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_QUANTITY, "40", 2, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_BUILTIN_COUNT, "true", 4, err, sizeof err));
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_BUILTIN_COUNT + 1, "a note", 6, err, sizeof err));
    cr_expect_str_eq(s->fields[F_BUILTIN_COUNT + 1].as.text, "a note");
    strbuf sb;
    sb_init(&sb, NULL);
    ship_format(s, &fx.p, &sb);
    cr_expect_str_eq(
        sb_cstr(&sb),
        "shipment { origin: CN, product: hs 9503.00.00, value: $10000.00, "
        "quantity: 40, unit: kg, entered: 2025-04-15, usmca: true, note: \"a note\" }");
    sb_free(&sb);
    cr_assert(ship_set_text(s, &fx.p, &fx.mem, F_LOADED, "", 0, err, sizeof err));
    cr_expect_not(ship_has(s, F_LOADED), "empty text leaves a field absent");
    ship_clear(s);
    cr_expect_not(ship_has(s, F_ORIGIN));
}

Test(value, shipment_text_errors)
{
    shipment *s = ship_new(&fx.mem, &fx.p);
    char err[128];
    cr_expect_not(ship_set_text(s, &fx.p, &fx.mem, F_ORIGIN, "CX", 2, err, sizeof err));
    cr_expect_str_eq(err, "unknown country 'CX' in 'origin'");
    cr_expect_not(ship_set_text(s, &fx.p, &fx.mem, F_ENTERED, "2025-02-30", 10, err, sizeof err));
    cr_expect_str_eq(err, "'2025-02-30' is not a date (field 'entered')");
    cr_expect_not(ship_set_text(s, &fx.p, &fx.mem, F_VALUE, "ten", 3, err, sizeof err));
    cr_expect_not(ship_set_text(s, &fx.p, &fx.mem, F_PRODUCT, "hs 95x3", 7, err, sizeof err));
    cr_expect_not(ship_set_text(s, &fx.p, &fx.mem, F_UNIT, "furlong", 7, err, sizeof err));
    cr_expect_not(ship_set(s, &fx.p, F_ORIGIN, value_bool(true), err, sizeof err));
    cr_expect_str_eq(err, "'origin' is a country, not a bool");
    cr_expect(ship_set(s, &fx.p, F_VALUE, value_number(d("5")), err, sizeof err),
              "a number is accepted as money");
}

Test(value, strbuf)
{
    strbuf b;
    sb_init(&b, NULL);
    cr_expect_str_eq(sb_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        sb_printf(&b, "%d,", i);
    cr_expect_eq(b.len, 3890);
    sb_clear(&b);
    sb_puts(&b, "ab");
    sb_pad(&b, '-', 3);
    sb_putc(&b, 'c');
    cr_expect_str_eq(sb_cstr(&b), "ab---c");
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sb_printf(&b, "%s", big);
    cr_expect_eq(b.len, 6 + 599);
    sb_free(&b);
}

/* A fixed strbuf keeps the prefix that fits, like snprintf, and never
 * allocates. */
Test(value, strbuf_fixed)
{
    char buf[8];
    strbuf b;
    sb_init_fixed(&b, buf, sizeof buf);
    cr_expect_str_eq(sb_cstr(&b), "");
    sb_puts(&b, "abc");
    sb_printf(&b, "%d", 12);
    cr_expect_str_eq(buf, "abc12");
    cr_expect(!b.failed);
    sb_pad(&b, '-', 5);
    cr_expect_str_eq(buf, "abc12--");
    cr_expect(b.failed);
    sb_putc(&b, 'z');
    cr_expect_str_eq(buf, "abc12--");
    sb_clear(&b);
    char big[600];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sb_printf(&b, "%s", big);
    cr_expect_str_eq(buf, "yyyyyyy");
    cr_expect_eq(b.len, 7);
    sb_free(&b);
}

/* value_parse_plain (the batch path's fixed parsers) sets exactly what
 * ship_set_text sets, whenever it takes a text at all; and it takes the
 * usual spellings. */
static bool same_value(value a, value b)
{
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
    case V_COUNTRY: return a.as.country == b.as.country;
    case V_PRODUCT: return hs_equal(a.as.product, b.as.product);
    case V_MONEY:
    case V_NUMBER: return a.as.num.units == b.as.num.units;
    case V_DATE: return a.as.day == b.as.day;
    case V_BOOL: return a.as.b == b.as.b;
    default: return false;
    }
}

Test(value, plain_parsers_agree_with_ship_set_text)
{
    int16_t t[26 * 26];
    country2_fill(&fx.p, t);
    shipment *s = ship_new(&fx.mem, &fx.p);
    cr_assert_not_null(s);
    static const char alphabet[] = "0123456789.-$, AZCNcnxtruefalsT";
    int fields[] = { F_ORIGIN, F_PRODUCT, F_VALUE, F_ENTERED, F_QUANTITY,
                     ship_field_lookup(&fx.p, "usmca") };
    static const char *const usual[] = { "CN", "0101210010", "1234.56", "2025-04-09",
                                         "12.5", "true" };
    uint64_t seed = 99;
    size_t taken = 0;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        int f = fields[k];
        cr_assert_geq(f, 0);
        value_kind want = ship_field_kind(&fx.p, f);
        value v;
        char err[200];
        cr_assert(value_parse_plain(want, t, usual[k], strlen(usual[k]), &v), "%s", usual[k]);
        cr_assert(ship_set_text(s, &fx.p, &fx.mem, f, usual[k], strlen(usual[k]), err,
                                sizeof err));
        cr_assert(same_value(v, s->fields[f]), "%s", usual[k]);
        for (int i = 0; i < 200000; i++) {
            char text[16];
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t n = 1 + (seed >> 60) % 12;
            for (size_t j = 0; j < n; j++) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                /* mostly digits, so that many are plain */
                unsigned r = (unsigned)(seed >> 40) % 64;
                text[j] = r < 40 ? (char)('0' + r % 10) : alphabet[r % (sizeof alphabet - 1)];
            }
            if (k == 3 && n >= 10) { /* dates: the shape, random digits */
                n = 10;
                text[4] = text[7] = '-';
            }
            if (!value_parse_plain(want, t, text, n, &v))
                continue;
            taken++;
            cr_assert(ship_set_text(s, &fx.p, &fx.mem, f, text, n, err, sizeof err),
                      "'%.*s' taken by the plain parser, refused by ship_set_text: %s", (int)n,
                      text, err);
            cr_assert(same_value(v, s->fields[f]), "'%.*s' differs", (int)n, text);
        }
    }
    for (int a = 0; a < 26; a++)
        for (int b = 0; b < 26; b++) {
            char code[2] = { (char)('A' + a), (char)('A' + b) };
            value v;
            char err[200];
            bool plain = value_parse_plain(V_COUNTRY, t, code, 2, &v);
            bool slow = ship_set_text(s, &fx.p, &fx.mem, F_ORIGIN, code, 2, err, sizeof err);
            cr_assert_eq(plain, slow, "%.2s", code);
            if (plain)
                cr_assert_eq(v.as.country, s->fields[F_ORIGIN].as.country);
        }
    cr_expect_gt(taken, 10000);
}
