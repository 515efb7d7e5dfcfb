/* test_api.c - the public library, used as a client would (levy.h only). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "levy.h"

static const char policy_text[] = "import countries\n"
                                  "measure fentanyl_cn \"IEEPA tariff on China\" {\n"
                                  "    from {CN}\n"
                                  "    rate 20% effective 2025-03-04\n"
                                  "    citation \"EO 14228\"\n"
                                  "}\n"
                                  "measure baseline \"10% baseline\" {\n"
                                  "    rate 10% effective 2025-04-05\n"
                                  "}\n"
                                  "measure reciprocal_cn \"Reciprocal, China\" {\n"
                                  "    from {CN}\n"
                                  "    rate 125% effective 2025-04-10 until 2025-05-14\n"
                                  "    replaces baseline\n"
                                  "}\n"
                                  "measure wine \"Specific duty\" {\n"
                                  "    on {hs 2204}\n"
                                  "    rate $0.063 per l\n"
                                  "}\n"
                                  "scenario deal \"China deal\" {\n"
                                  "    drop reciprocal_cn\n"
                                  "}\n"
                                  "let toys = shipment { origin: CN, product: hs 9503.00.00, "
                                  "value: $10000, entered: 2025-04-15 }\n"
                                  "rate(toys)\n"
                                  "test \"toys\" { expect rate(toys) == 145% }\n"
                                  "test \"wrong on purpose\" { expect rate(toys) == 1% }\n";

static char *stdlib_dir(void)
{
    static char buf[4096];
    const char *src = getenv("LEVY_SRCDIR");
    snprintf(buf, sizeof buf, "%s/stdlib", src ? src : ".");
    return buf;
}

static levy_policy *checked_policy(void)
{
    levy_policy *p = levy_policy_new();
    cr_assert_not_null(p);
    cr_assert_eq(levy_policy_set_stdlib_dir(p, stdlib_dir()), LEVY_OK);
    cr_assert_eq(levy_policy_load_string(p, "policy.levy", policy_text, strlen(policy_text)),
                 LEVY_OK);
    cr_assert_eq(levy_policy_check(p), LEVY_OK, "%s", levy_policy_error(p));
    return p;
}

static levy_shipment *toys(levy_policy *p)
{
    levy_shipment *s = levy_shipment_new(p);
    cr_assert_not_null(s);
    cr_assert_eq(levy_shipment_set(s, "origin", "CN"), LEVY_OK);
    cr_assert_eq(levy_shipment_set(s, "product", "hs 9503.00.00"), LEVY_OK);
    cr_assert_eq(levy_shipment_set(s, "value", "$10,000.00"), LEVY_OK);
    cr_assert_eq(levy_shipment_set(s, "entered", "2025-04-15"), LEVY_OK);
    return s;
}

typedef struct sink {
    char text[8192];
    size_t len;
} sink;

static void collect(void *ud, const char *text, size_t len)
{
    sink *k = ud;
    size_t room = sizeof k->text - 1 - k->len;
    if (len > room)
        len = room;
    memcpy(k->text + k->len, text, len);
    k->len += len;
    k->text[k->len] = '\0';
}

Test(api, version)
{
    cr_assert_str_eq(levy_version(), LEVY_VERSION_STRING);
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", LEVY_VERSION_MAJOR, LEVY_VERSION_MINOR,
             LEVY_VERSION_PATCH);
    cr_assert_str_eq(LEVY_VERSION_STRING, expected);
    cr_assert_eq(LEVY_VERSION_NUM,
                 LEVY_VERSION_MAJOR * 10000 + LEVY_VERSION_MINOR * 100 + LEVY_VERSION_PATCH);
    cr_assert_str_eq(levy_status_string(LEVY_OK), "ok");
}

Test(api, null_handles_are_safe)
{
    levy_policy_free(NULL);
    levy_shipment_free(NULL);
    levy_result_free(NULL);
    cr_assert_eq(levy_policy_load_file(NULL, "x"), LEVY_ERROR_ARGUMENT);
    cr_assert_eq(levy_policy_check(NULL), LEVY_ERROR_ARGUMENT);
    cr_assert_eq(levy_policy_diagnostic_count(NULL), 0);
    cr_assert_null(levy_shipment_new(NULL));
}

Test(api, evaluates_a_shipment)
{
    levy_policy *p = checked_policy();
    levy_shipment *s = toys(p);
    levy_result *r = levy_result_new();
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_OK, "%s", levy_result_error(r));
    cr_assert_eq(levy_result_rate(r), 1450000); /* 145% */
    cr_assert_eq(levy_result_duty(r), 14500 * LEVY_DECIMAL_SCALE);
    cr_assert_eq(levy_result_charge_count(r), 2);
    levy_charge c;
    cr_assert_eq(levy_result_charge(r, 0, &c), LEVY_OK);
    cr_assert_str_eq(c.measure, "fentanyl_cn");
    cr_assert_str_eq(c.rate, "20%");
    cr_assert_eq(c.amount, 2000 * LEVY_DECIMAL_SCALE);
    cr_assert(strstr(c.note, "EO 14228") != NULL);
    cr_assert_eq(levy_result_charge(r, 2, &c), LEVY_ERROR_NOT_FOUND);
    cr_assert_eq(levy_result_exclusion_count(r), 1);
    levy_exclusion x;
    cr_assert_eq(levy_result_exclusion(r, 0, &x), LEVY_OK);
    cr_assert_str_eq(x.measure, "baseline");
    cr_assert_str_eq(x.reason, "replaced by reciprocal_cn");
    const char *text = levy_result_explain(r);
    cr_assert(strstr(text, "total") && strstr(text, "$14,500.00"), "%s", text);
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(p);
}

Test(api, result_is_reusable)
{
    levy_policy *p = checked_policy();
    levy_shipment *s = toys(p);
    levy_result *r = levy_result_new();
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_OK);
    cr_assert_eq(levy_shipment_set(s, "entered", "2025-06-01"), LEVY_OK);
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_OK);
    cr_assert_eq(levy_result_rate(r), 300000); /* 20% + 10% */
    levy_shipment_clear(s);
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_ERROR_EVAL);
    cr_assert(strlen(levy_result_error(r)) > 0);
    cr_assert_eq(levy_result_charge_count(r), 0);
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(p);
}

Test(api, bad_shipment_fields)
{
    levy_policy *p = checked_policy();
    levy_shipment *s = levy_shipment_new(p);
    cr_assert_eq(levy_shipment_set(s, "orign", "CN"), LEVY_ERROR_ARGUMENT);
    cr_assert(strstr(levy_shipment_error(s), "origin") != NULL, "%s", levy_shipment_error(s));
    cr_assert_eq(levy_shipment_set(s, "origin", "XX"), LEVY_ERROR_ARGUMENT);
    cr_assert_eq(levy_shipment_set(s, "entered", "2025-02-30"), LEVY_ERROR_ARGUMENT);
    cr_assert_eq(levy_shipment_set(s, "value", "ten"), LEVY_ERROR_ARGUMENT);
    cr_assert_eq(levy_shipment_set(s, "product", "hs 851"), LEVY_ERROR_ARGUMENT);
    levy_shipment_free(s);
    levy_policy_free(p);
}

Test(api, specific_rate_needs_quantity)
{
    levy_policy *p = checked_policy();
    levy_shipment *s = levy_shipment_new(p);
    levy_shipment_set(s, "origin", "FR");
    levy_shipment_set(s, "product", "2204.21.50");
    levy_shipment_set(s, "value", "1000");
    levy_shipment_set(s, "entered", "2025-01-10");
    levy_result *r = levy_result_new();
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_ERROR_EVAL);
    cr_assert(strstr(levy_result_error(r), "quantity") != NULL, "%s", levy_result_error(r));
    levy_shipment_set(s, "quantity", "100");
    levy_shipment_set(s, "unit", "l");
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_OK, "%s", levy_result_error(r));
    cr_assert_eq(levy_result_duty(r), 6300000); /* 100 l x $0.063 */
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(p);
}

/* origin, product and entered are needed by every evaluation, checked
 * before any measure is looked at. */
Test(api, evaluation_needs_origin_product_entered)
{
    levy_policy *p = checked_policy();
    levy_shipment *s = levy_shipment_new(p);
    levy_shipment_set(s, "origin", "FR");
    levy_shipment_set(s, "value", "1000");
    levy_result *r = levy_result_new();
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_ERROR_EVAL);
    cr_expect_str_eq(levy_result_error(r),
                     "shipment has no 'product' or 'entered' date, needed by every evaluation");
    levy_shipment_set(s, "product", "2204.21.50");
    levy_shipment_set(s, "entered", "2025-01-10");
    levy_shipment_set(s, "quantity", "100");
    levy_shipment_set(s, "unit", "l");
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_OK, "%s", levy_result_error(r));
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(p);
}

Test(api, diagnostics_of_a_bad_policy)
{
    levy_policy *p = levy_policy_new();
    levy_policy_set_stdlib_dir(p, stdlib_dir());
    const char *bad = "import countries\nmeasure m {\n    from {CN, QQ}\n    rate 10%\n}\n";
    levy_policy_load_string(p, "bad.levy", bad, strlen(bad));
    cr_assert_eq(levy_policy_check(p), LEVY_ERROR_INVALID);
    cr_assert_eq(levy_policy_error_count(p), 1);
    levy_diagnostic d;
    cr_assert_eq(levy_policy_diagnostic(p, 0, &d), LEVY_OK);
    cr_assert_eq(d.severity, LEVY_ERROR);
    cr_assert_str_eq(d.file, "bad.levy");
    cr_assert_eq(d.line, 3);
    cr_assert_eq(d.column, 15);
    cr_assert(strstr(d.message, "QQ") != NULL);
    cr_assert_str_eq(d.code, "E301");
    cr_assert_eq(levy_policy_diagnostic(p, 99, &d), LEVY_ERROR_NOT_FOUND);
    cr_assert_null(levy_shipment_new(p)); /* not valid: nothing to evaluate */
    levy_policy_free(p);
}

Test(api, missing_file)
{
    levy_policy *p = levy_policy_new();
    cr_assert_eq(levy_policy_load_file(p, "/nonexistent/policy.levy"), LEVY_ERROR_IO);
    cr_assert(strstr(levy_policy_error(p), "nonexistent") != NULL);
    levy_policy_free(p);
}

Test(api, scenarios)
{
    levy_policy *p = checked_policy();
    const levy_scenario *deal = NULL, *none = NULL;
    cr_assert_eq(levy_policy_scenario(p, "nope", &none), LEVY_ERROR_NOT_FOUND);
    cr_assert_null(none);
    cr_assert(strstr(levy_policy_error(p), "no scenario 'nope'") != NULL, "%s",
              levy_policy_error(p));
    cr_assert_eq(levy_policy_scenario(p, "deal", &deal), LEVY_OK);
    cr_assert_not_null(deal);
    cr_assert_str_eq(levy_scenario_name(deal), "deal");
    const levy_scenario *again = NULL;
    cr_assert_eq(levy_policy_scenario(p, "deal", &again), LEVY_OK);
    cr_assert_eq(again, deal); /* one handle per scenario */
    levy_shipment *s = toys(p);
    levy_result *r = levy_result_new();
    /* Under the scenario and without it, in any order: the policy is not
       changed by either. */
    cr_assert_eq(levy_evaluate(p, deal, s, r), LEVY_OK);
    cr_assert_eq(levy_result_rate(r), 300000); /* reciprocal_cn dropped: 20% + 10% */
    cr_assert_eq(levy_evaluate(p, NULL, s, r), LEVY_OK);
    cr_assert_eq(levy_result_rate(r), 1450000);
    cr_assert_eq(levy_evaluate(p, deal, s, r), LEVY_OK);
    cr_assert_eq(levy_result_rate(r), 300000);
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(p);
}

Test(api, scenario_of_another_policy_is_refused)
{
    levy_policy *p = checked_policy(), *q = checked_policy();
    const levy_scenario *deal;
    cr_assert_eq(levy_policy_scenario(q, "deal", &deal), LEVY_OK);
    levy_shipment *s = toys(p);
    levy_result *r = levy_result_new();
    cr_assert_eq(levy_evaluate(p, deal, s, r), LEVY_ERROR_STATE);
    sink out = { .len = 0 };
    cr_assert_eq(levy_policy_run(p, deal, collect, &out), LEVY_ERROR_STATE);
    levy_result_free(r);
    levy_shipment_free(s);
    levy_policy_free(q);
    levy_policy_free(p);
}

Test(api, scenario_before_check)
{
    levy_policy *p = levy_policy_new();
    const levy_scenario *h;
    cr_assert_eq(levy_policy_scenario(p, "deal", &h), LEVY_ERROR_STATE);
    levy_policy_free(p);
}

Test(api, run_and_test)
{
    levy_policy *p = checked_policy();
    sink out = { .len = 0 };
    cr_assert_eq(levy_policy_run(p, NULL, collect, &out), LEVY_OK);
    cr_assert_str_eq(out.text, "145%\n");
    const levy_scenario *deal;
    cr_assert_eq(levy_policy_scenario(p, "deal", &deal), LEVY_OK);
    out.len = 0;
    cr_assert_eq(levy_policy_run(p, deal, collect, &out), LEVY_OK);
    cr_assert_str_eq(out.text, "30%\n");
    sink report = { .len = 0 };
    size_t passed = 0, failed = 0;
    levy_test_options o = { 0 };
    cr_assert_eq(levy_policy_test(p, NULL, &o, collect, &report, &passed, &failed),
                 LEVY_ERROR_EVAL);
    cr_assert_eq(passed, 1);
    cr_assert_eq(failed, 1);
    cr_assert(strstr(report.text, "1 passed, 1 failed") != NULL, "%s", report.text);
    levy_policy_free(p);
}

Test(api, format_decimal)
{
    char buf[32];
    cr_assert_str_eq(levy_format_decimal(1450000, LEVY_PERCENT, buf, sizeof buf), "145%");
    cr_assert_str_eq(levy_format_decimal(INT64_C(10000000000), LEVY_MONEY, buf, sizeof buf),
                     "$10,000.00");
    cr_assert_str_eq(levy_format_decimal(12500000, LEVY_NUMBER, buf, sizeof buf), "12.5");
}

Test(api, session_keeps_state_after_errors)
{
    sink out = { .len = 0 };
    levy_session *s = levy_session_new(collect, &out);
    cr_assert_not_null(s);
    cr_assert_eq(levy_session_eval(s, "let x = 5%"), LEVY_OK);
    cr_assert_eq(levy_session_input(s, "measure m {"), LEVY_INPUT_INCOMPLETE);
    cr_assert_eq(levy_session_input(s, "x + 1%"), LEVY_INPUT_COMPLETE);
    cr_assert_neq(levy_session_eval(s, "let y = x + $1"), LEVY_OK);
    out.len = 0;
    cr_assert_eq(levy_session_eval(s, "x + 1%"), LEVY_OK);
    cr_assert_str_eq(out.text, "6%\n");
    out.len = 0;
    cr_assert_eq(levy_session_eval(s, "let x = 7%"), LEVY_OK);
    cr_assert(strstr(out.text, "redefined") != NULL, "%s", out.text);
    out.len = 0;
    cr_assert_eq(levy_session_type(s, "x"), LEVY_OK);
    cr_assert_str_eq(out.text, "rate\n");
    levy_session_free(s);
}

/* The kinds `:list` offers are the kinds levy_session_list takes. */
Test(api, list_kinds)
{
    static const char *const kinds[] = {
        "measures",  "pauses", "concessions", "countries", "groups", "products",
        "scenarios", "tests",  "commitments", "schedules", "lets",   "attributes",
    };
    size_t n = sizeof kinds / sizeof kinds[0];
    sink out = { .len = 0 };
    levy_session *s = levy_session_new(collect, &out);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(levy_list_kind(i), kinds[i]);
        cr_assert_eq(levy_session_list(s, kinds[i]), LEVY_OK, "%s", kinds[i]);
    }
    cr_assert_null(levy_list_kind(n));
    cr_assert_eq(levy_session_list(s, "fruit"), LEVY_ERROR_ARGUMENT);
    levy_session_free(s);
}

Test(api, load_after_check_is_refused)
{
    levy_policy *p = checked_policy();
    cr_assert_eq(levy_policy_load_string(p, "more.levy", "let z = 1", 9), LEVY_ERROR_STATE);
    cr_assert(strstr(levy_policy_error(p), "before levy_policy_check") != NULL);
    cr_assert_eq(levy_policy_check(p), LEVY_OK); /* again: same answer */
    levy_policy_free(p);
}

Test(api, load_with_a_missing_import_fails)
{
    levy_policy *p = levy_policy_new();
    levy_policy_set_stdlib_dir(p, stdlib_dir());
    const char *text = "import no_such_library\nlet x = 1%\n";
    cr_assert_eq(levy_policy_load_string(p, "imp.levy", text, strlen(text)), LEVY_ERROR_INVALID);
    cr_assert_geq(levy_policy_error_count(p), 1);
    cr_assert(strstr(levy_policy_error(p), "imp.levy") != NULL, "%s", levy_policy_error(p));
    cr_assert_eq(levy_policy_check(p), LEVY_ERROR_INVALID);
    levy_policy_free(p);
}

Test(api, clean_load_is_ok)
{
    levy_policy *p = levy_policy_new();
    const char *text = "let x = 1%\n";
    cr_assert_eq(levy_policy_load_string(p, "ok.levy", text, strlen(text)), LEVY_OK);
    levy_policy_free(p);
}

Test(api, diagnostic_notes)
{
    levy_policy *p = levy_policy_new();
    levy_policy_set_stdlib_dir(p, stdlib_dir());
    /* A name declared twice: the error has a note pointing at the first. */
    const char *text = "let x = 1%\nlet x = 2%\n";
    levy_policy_load_string(p, "twice.levy", text, strlen(text));
    cr_assert_eq(levy_policy_check(p), LEVY_ERROR_INVALID);
    levy_diagnostic d;
    size_t with_note = levy_policy_diagnostic_count(p);
    for (size_t i = 0; i < levy_policy_diagnostic_count(p); i++) {
        cr_assert_eq(levy_policy_diagnostic(p, i, &d), LEVY_OK);
        if (d.note_count > 0 && with_note == levy_policy_diagnostic_count(p))
            with_note = i;
    }
    cr_assert_lt(with_note, levy_policy_diagnostic_count(p), "no diagnostic has a note");
    cr_assert_eq(levy_policy_diagnostic(p, with_note, &d), LEVY_OK);
    levy_diagnostic n;
    cr_assert_eq(levy_policy_diagnostic_note(p, with_note, 0, &n), LEVY_OK);
    cr_assert_eq(n.severity, LEVY_NOTE);
    cr_assert_str_eq(n.code, "");
    cr_assert_str_eq(n.file, "twice.levy");
    cr_assert_eq(n.line, 1);
    cr_assert_eq(n.note_count, 0);
    cr_assert(strlen(n.message) > 0);
    cr_assert_eq(levy_policy_diagnostic_note(p, with_note, d.note_count, &n), LEVY_ERROR_NOT_FOUND);
    cr_assert_eq(levy_policy_diagnostic_note(p, 99, 0, &n), LEVY_ERROR_NOT_FOUND);
    levy_policy_free(p);
}

/* What a host's diagnostic callback saw. */
typedef struct seen {
    size_t count;
    char codes[8][8];
    size_t notes[8];
    char first_note[128];
} seen;

static void remember(void *ud, const levy_diagnostic *d, const levy_diagnostic *notes)
{
    seen *w = ud;
    if (w->count < 8) {
        snprintf(w->codes[w->count], sizeof w->codes[0], "%s", d->code);
        w->notes[w->count] = d->note_count;
    }
    if (d->note_count > 0 && !w->first_note[0])
        snprintf(w->first_note, sizeof w->first_note, "%s:%d: %s", notes[0].file, notes[0].line,
                 notes[0].message);
    w->count++;
}

Test(api, config_diagnostic_callback_gets_notes)
{
    seen w = { 0 };
    levy_config c;
    levy_config_init(&c);
    cr_assert_eq(c.size, sizeof c);
    c.diagnostic = remember;
    c.diagnostic_userdata = &w;
    c.stdlib_dir = stdlib_dir();
    levy_policy *p = levy_policy_new_with(&c);
    cr_assert_not_null(p);
    const char *text = "import countries\nlet x = 1%\nlet x = 2%\n";
    cr_assert_eq(levy_policy_load_string(p, "twice.levy", text, strlen(text)), LEVY_OK);
    cr_assert_eq(w.count, 0);
    cr_assert_eq(levy_policy_check(p), LEVY_ERROR_INVALID);
    cr_assert_eq(w.count, levy_policy_diagnostic_count(p));
    cr_assert_str_eq(w.codes[0], "E302");
    cr_assert_eq(w.notes[0], 1);
    cr_assert_str_eq(w.first_note, "twice.levy:2: first defined here");
    cr_assert_eq(levy_policy_check(p), LEVY_ERROR_INVALID); /* nothing new: not again */
    cr_assert_eq(w.count, levy_policy_diagnostic_count(p));
    levy_policy_free(p);
}

Test(api, config_from_an_older_host)
{
    /* A host built when levy_config ended before stdlib_dir: the library
       reads only what its size covers. */
    levy_config c;
    levy_config_init(&c);
    c.stdlib_dir = "/nonexistent";
    c.size = offsetof(levy_config, stdlib_dir);
    levy_policy *p = levy_policy_new_with(&c);
    cr_assert_not_null(p);
    levy_policy_set_stdlib_dir(p, stdlib_dir());
    const char *text = "import countries\n";
    cr_assert_eq(levy_policy_load_string(p, "old.levy", text, strlen(text)), LEVY_OK);
    levy_policy_free(p);
}

Test(api, session_config)
{
    sink out = { .len = 0 };
    seen w = { 0 };
    levy_config c;
    levy_config_init(&c);
    cr_assert_null(levy_session_new_with(&c)); /* a session needs a writer */
    c.write = collect;
    c.write_userdata = &out;
    c.diagnostic = remember;
    c.diagnostic_userdata = &w;
    levy_session *s = levy_session_new_with(&c);
    cr_assert_not_null(s);
    cr_assert_eq(levy_session_eval(s, "let x = 5%"), LEVY_OK);
    cr_assert_eq(w.count, 0);
    cr_assert_neq(levy_session_eval(s, "let y = x + $1"), LEVY_OK);
    cr_assert_geq(w.count, 1);
    cr_assert(strstr(out.text, "error") != NULL, "%s", out.text); /* the text too */
    levy_session_free(s);
}

/* An embedder's import loader: libraries from memory, and only those it
 * knows (countries comes from the real stdlib file, read by the test). */
typedef struct library_shelf {
    int asked;
    char last_importer[64];
    char last_import[64];
    int last_is_path;
} library_shelf;

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static int shelf_import(void *ud, const char *importer, const char *import, int is_path,
                        levy_write_fn write, void *write_ud)
{
    library_shelf *shelf = ud;
    shelf->asked++;
    snprintf(shelf->last_importer, sizeof shelf->last_importer, "%s", importer);
    snprintf(shelf->last_import, sizeof shelf->last_import, "%s", import);
    shelf->last_is_path = is_path;
    if (!is_path && strcmp(import, "tiny") == 0) {
        const char *text = "country ZZ \"Zedland\"\nlet tiny_rate = 7%\n";
        write(write_ud, text, 10); /* in two pieces */
        write(write_ud, text + 10, strlen(text) - 10);
        return 1;
    }
    if (is_path && strcmp(import, "lib/other.levy") == 0) {
        const char *text = "import tiny\nlet other_rate = tiny_rate + 1%\n";
        write(write_ud, text, strlen(text));
        return 1;
    }
    if (!is_path && (strcmp(import, "countries") == 0 || strcmp(import, "groups") == 0)) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.levy", stdlib_dir(), import);
        const char *text = read_whole(path);
        write(write_ud, text, strlen(text));
        return 1;
    }
    return 0;
}

Test(api, config_import_loader_supplies_libraries)
{
    library_shelf shelf = { 0 };
    levy_config c;
    levy_config_init(&c);
    c.import = shelf_import;
    c.import_userdata = &shelf;
    c.stdlib_dir = "/nonexistent"; /* never looked at: the loader decides */
    levy_policy *p = levy_policy_new_with(&c);
    cr_assert_not_null(p);
    const char *text =
        "import tiny\nimport \"lib/other.levy\"\nlet both = tiny_rate + other_rate\n";
    cr_assert_eq(levy_policy_load_string(p, "main.levy", text, strlen(text)), LEVY_OK, "%s",
                 levy_policy_error(p));
    cr_assert_eq(levy_policy_check(p), LEVY_OK, "%s", levy_policy_error(p));
    /* tiny is asked for once, though lib/other.levy imports it again. */
    cr_assert_eq(shelf.asked, 2);
    cr_assert_str_eq(shelf.last_import, "lib/other.levy");
    cr_assert_eq(shelf.last_is_path, 1);
    cr_assert_str_eq(shelf.last_importer, "main.levy");
    levy_policy_free(p);
}

Test(api, config_import_loader_refuses)
{
    library_shelf shelf = { 0 };
    levy_config c;
    levy_config_init(&c);
    c.import = shelf_import;
    c.import_userdata = &shelf;
    c.stdlib_dir = stdlib_dir(); /* the file exists, but the loader says no */
    levy_policy *p = levy_policy_new_with(&c);
    const char *text = "import \"../etc/secrets.levy\"\nlet x = 1%\n";
    cr_assert_eq(levy_policy_load_string(p, "main.levy", text, strlen(text)), LEVY_ERROR_INVALID);
    cr_assert_eq(shelf.asked, 1);
    cr_assert_eq(shelf.last_is_path, 1);
    cr_assert_str_eq(shelf.last_importer, "main.levy");
    levy_diagnostic d;
    cr_assert_eq(levy_policy_diagnostic(p, 0, &d), LEVY_OK);
    cr_assert_str_eq(d.code, "E702");
    cr_assert(strstr(d.message, "refused") != NULL, "%s", d.message);
    levy_policy_free(p);
}

Test(api, config_import_loader_reads_the_stdlib_for_the_host)
{
    library_shelf shelf = { 0 };
    levy_config c;
    levy_config_init(&c);
    c.import = shelf_import;
    c.import_userdata = &shelf;
    levy_policy *p = levy_policy_new_with(&c);
    cr_assert_eq(levy_policy_load_string(p, "policy.levy", policy_text, strlen(policy_text)),
                 LEVY_OK, "%s", levy_policy_error(p));
    cr_assert_eq(levy_policy_check(p), LEVY_OK, "%s", levy_policy_error(p));
    cr_assert_eq(shelf.asked, 2); /* countries, and the groups it imports */
    levy_policy_free(p);
}
