/* test_check.c - unit tests for loading, name resolution, types and static
 * checks (src/load.c, src/check.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "ast.h"
#include "check.h"
#include "diag.h"
#include "diag_codes.h"

/* The source tree: LEVY_SRCDIR when the harness sets it, else found from
 * the current folder. */
static const char *srcdir(void)
{
    const char *env = getenv("LEVY_SRCDIR");
    if (env && *env)
        return env;
    if (access("stdlib/countries.levy", R_OK) == 0)
        return ".";
    return "../..";
}

static char *in_srcdir(const char *rel)
{
    static char buf[4][4096];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", srcdir(), rel);
    return b;
}

/* A program loaded and checked, with everything it used. */
typedef struct checked {
    source_set srcs;
    arena arena;
    diag_list diags;
    program prog;
    load_options opts;
    bool loaded, ok;
} checked;

static checked *checked_new(void)
{
    checked *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    source_set_init(&c->srcs, NULL);
    arena_init(&c->arena, NULL);
    diag_list_init(&c->diags, NULL);
    program_init(&c->prog, &c->arena, &c->srcs);
    c->opts.search_path = NULL;
    c->opts.stdlib_dir = in_srcdir("stdlib");
    return c;
}

static void checked_free(checked *c)
{
    program_free(&c->prog);
    arena_free(&c->arena);
    diag_list_free(&c->diags);
    source_set_free(&c->srcs);
    free(c);
}

static void check_loaded(checked *c)
{
    if (c->loaded)
        c->ok = program_check(&c->prog, &c->diags);
    diag_sort(&c->diags);
}

static checked *check_text(const char *text)
{
    checked *c = checked_new();
    c->loaded = program_load_text(&c->prog, "policy.levy", text, strlen(text), &c->opts, &c->diags);
    check_loaded(c);
    return c;
}

static checked *check_file(const char *path)
{
    checked *c = checked_new();
    c->loaded = program_load_file(&c->prog, path, &c->opts, &c->diags);
    check_loaded(c);
    return c;
}

static char *rendered(const checked *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    diag_render(f, &c->srcs, &c->diags, DIAG_TEXT);
    fclose(f);
    return buf;
}

/* The diagnostic with this code at line:col (col 0: any), whose message
 * contains text; fails the test when there is none. */
static const diagnostic *find_diag(const checked *c, const char *code, int line, int col,
                                   const char *text)
{
    for (size_t i = 0; i < c->diags.count; i++) {
        const diagnostic *d = &c->diags.items[i];
        if (strcmp(d->code, code) == 0 && d->at.first_line == line &&
            (col == 0 || d->at.first_column == col) && (!text || strstr(d->message, text)))
            return d;
    }
    char *why = rendered(c);
    cr_assert_fail("no %s at %d:%d with \"%s\"; got:\n%s", code, line, col, text ? text : "", why);
    free(why);
    return NULL;
}

/* No diagnostics, but for the prelude's groups being unused. */
static void assert_clean(const checked *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->diags.count; i++)
        n += !(strcmp(c->diags.items[i].code, D_UNUSED) == 0 &&
               c->diags.items[i].at.first_line == 1);
    char *why = rendered(c);
    cr_assert(c->loaded && c->ok && n == 0, "expected no diagnostics; got:\n%s", why);
    free(why);
}

static void assert_note(const diagnostic *d, const char *text)
{
    for (size_t i = 0; i < d->nnotes; i++)
        if (strstr(d->notes[i].message, text))
            return;
    cr_assert_fail("no note \"%s\" on \"%s\"", text, d->message);
}

static size_t count_code(const checked *c, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < c->diags.count; i++)
        n += strcmp(c->diags.items[i].code, code) == 0;
    return n;
}

/* A few countries on line 1, so that programs start on line 2. */
#define PRELUDE                                                                                    \
    "country CN \"China\" country VN \"Vietnam\" country JP \"Japan\" "                            \
    "country FR \"France\" country DE \"Germany\" country CA \"Canada\" "                          \
    "group EU = {FR, DE} group G7 = {FR, DE, JP, CA}\n"

/* One program, one expected error. */
#define ERROR_TEST(suite, name, src, code, line, col, text)                                        \
    Test(suite, name)                                                                              \
    {                                                                                              \
        checked *c = check_text(src);                                                              \
        cr_assert(!c->ok);                                                                         \
        find_diag(c, code, line, col, text);                                                       \
        checked_free(c);                                                                           \
    }

/* ---- The design's first program ---------------------------------------- */

Test(program, reciprocal_checks_clean)
{
    checked *c = check_file(in_srcdir("examples/reciprocal.levy"));
    assert_clean(c);
    const program *p = &c->prog;
    cr_assert_eq(p->roots.n, 1);
    cr_assert_geq(p->files.n, 3); /* reciprocal, countries, groups */
    cr_assert_eq(p->decls.measures.n, 4);
    cr_assert_eq(p->decls.modifiers.n, 3);
    cr_assert_eq(p->decls.commitments.n, 2);
    cr_assert_eq(p->decls.commits.n, 2);
    cr_assert_eq(p->decls.tests.n, 4);
    cr_assert_eq(p->statements.n, 1);
    cr_assert_geq(p->decls.countries.n, 240);
    cr_assert_not_null(p->importer);
    for (size_t i = 0; i < p->decls.measures.n; i++)
        cr_assert_eq(p->decls.measures.v[i]->index, (int)i);
    checked_free(c);
}

/* Finds the declaration named `name` among the root's statements. */
static node *root_decl(const checked *c, const char *name)
{
    const node *root = c->prog.roots.v[0];
    for (size_t i = 0; i < root->items.n; i++)
        if (root->items.v[i]->name && strcmp(root->items.v[i]->name, name) == 0)
            return root->items.v[i];
    cr_assert_fail("no declaration '%s'", name);
    return NULL;
}

Test(program, reciprocal_is_annotated)
{
    checked *c = check_file(in_srcdir("examples/reciprocal.levy"));
    assert_clean(c);
    /* on all except electronics: `all` is a product set there */
    const node *baseline = root_decl(c, "baseline");
    const node *on = baseline->items.v[0];
    cr_assert_eq(on->kind, N_ON);
    cr_assert_eq(on->a->ty, T_PRODUCT_SET);
    cr_assert_eq(on->a->a->kind, N_ALL);
    cr_assert_eq(on->a->a->ty, T_PRODUCT_SET);
    const node *from = baseline->items.v[1];
    cr_assert_eq(from->a->a->ty, T_COUNTRY_SET);
    cr_assert_eq(from->a->b->sym, SYM_DECL);
    cr_assert_eq(from->a->b->ref->kind, N_GROUP);
    /* replaces baseline */
    const node *recip = root_decl(c, "reciprocal");
    const node *rep = recip->items.v[2];
    cr_assert_eq(rep->kind, N_REPLACES);
    cr_assert_eq(rep->items.v[0]->ref, baseline);
    cr_assert_eq(rep->items.v[0]->ty, T_MEASURE);
    /* the by-origin table's keys */
    const node *table = recip->items.v[1];
    cr_assert_eq(table->items.v[0]->a->ty, T_COUNTRY);
    cr_assert_eq(table->items.v[5]->a->ty, T_COUNTRY_SET);
    /* when commits(origin, no_transshipment) and ...: uses the shipment */
    const node *clause = root_decl(c, "china_clause")->items.v[1];
    cr_assert_eq(clause->kind, N_WHEN);
    cr_assert(clause->a->uses_shipment);
    const node *call = clause->a->a;
    cr_assert_eq(call->a->sym, SYM_BUILTIN);
    cr_assert_eq(call->a->index, B_COMMITS);
    cr_assert_eq(call->items.v[0]->sym, SYM_FIELD);
    cr_assert_eq(call->items.v[0]->index, F_ORIGIN);
    cr_assert_eq(call->items.v[1]->ref->kind, N_COMMITMENT);
    /* let toys_cn = shipment {...}: a constant shipment */
    const node *toys = root_decl(c, "toys_cn");
    cr_assert_eq(toys->ty, T_SHIPMENT);
    cr_assert(!toys->uses_shipment);
    cr_assert_eq(toys->a->items.v[0]->index, F_ORIGIN);
    cr_assert_eq(toys->a->items.v[3]->index, F_ENTERED);
    /* the statement */
    cr_assert_eq(c->prog.statements.v[0]->a->ty, T_EXPLANATION);
    checked_free(c);
}

Test(program, windows_fold)
{
    checked *c = check_file(in_srcdir("examples/reciprocal.levy"));
    const node *pause = root_decl(c, "ninety_days");
    const node *eff = pause->items.v[2];
    cr_assert_eq(eff->kind, N_EFFECTIVE);
    date from = 0, until = 0, d;
    bool open = true;
    cr_assert(check_window_bounds(eff->b, &from, &until, &open));
    cr_assert(!open);
    cr_assert_eq(date_parse("2025-04-10", 10, &d), DATE_OK);
    cr_assert_eq(from, d);
    cr_assert_eq(until, d + 90);
    const node *rate = root_decl(c, "fentanyl_cn")->items.v[2];
    cr_assert(check_window_bounds(rate->b, &from, &until, &open));
    cr_assert(open);
    checked_free(c);
}

/* ---- Loading ------------------------------------------------------------- */

Test(load, each_library_once_and_cycles)
{
    /* countries imports groups, which imports countries */
    checked *c = check_text("import countries\nimport groups\nimport countries\n"
                            "measure m { from EU rate 1% }\n");
    assert_clean(c);
    cr_assert_eq(c->prog.files.n, 3);
    checked_free(c);
}

Test(load, import_not_found_says_where)
{
    checked *c = check_text("import nowhere\n");
    cr_assert(!c->loaded || c->diags.errors > 0);
    const diagnostic *d = find_diag(c, D_IMPORT_NOT_FOUND, 1, 1, "'nowhere'");
    assert_note(d, "looked in:");
    assert_note(d, "stdlib");
    checked_free(c);
}

Test(load, unreadable_root)
{
    checked *c = check_file("/nonexistent/policy.levy");
    cr_assert(!c->loaded);
    cr_assert_eq(count_code(c, D_FILE), 1);
    checked_free(c);
}

/* A folder of files for import tests, removed afterwards. */
static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/levy-test-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    cr_assert_eq(mkdir(sub, 0700), 0);
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static char *tmp_path(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

Test(load, libraries_give_declarations_only, .init = make_tmpdir, .fini = remove_tmpdir)
{
    write_file("main.levy", "import lib\nimport \"sub/other.levy\"\nmeasure m { rate x + y }\n"
                            "explain(shipment { value: $1 })\n");
    /* A library's statements and tests are neither run nor checked. */
    write_file("lib.levy", "let x = 1%\nexplain(nothing)\ntest \"lib\" { expect 1 }\n"
                           "under nowhere { 1 }\n");
    write_file("sub/other.levy", "import \"../lib.levy\"\nlet y = 2%\n");
    checked *c = check_file(tmp_path("main.levy"));
    assert_clean(c);
    cr_assert_eq(c->prog.files.n, 3);
    cr_assert_eq(c->prog.roots.n, 1);
    cr_assert_eq(c->prog.statements.n, 1);
    cr_assert_eq(c->prog.decls.tests.n, 0);
    checked_free(c);
}

Test(load, a_named_library_becomes_a_root, .init = make_tmpdir, .fini = remove_tmpdir)
{
    write_file("main.levy", "import lib\nmeasure m { rate x }\n");
    write_file("lib.levy", "let x = 1%\ntest \"lib\" { expect x == 1% }\n");
    checked *c = checked_new();
    cr_assert(program_load_file(&c->prog, tmp_path("main.levy"), &c->opts, &c->diags));
    cr_assert(program_load_file(&c->prog, tmp_path("lib.levy"), &c->opts, &c->diags));
    c->loaded = true;
    check_loaded(c);
    assert_clean(c);
    cr_assert_eq(c->prog.files.n, 2);
    cr_assert_eq(c->prog.roots.n, 2);
    cr_assert_eq(c->prog.decls.tests.n, 1);
    checked_free(c);
}

Test(load, library_that_does_not_parse, .init = make_tmpdir, .fini = remove_tmpdir)
{
    write_file("main.levy", "import broken\nmeasure m { rate x }\n");
    write_file("broken.levy", "let x = = 1\n");
    checked *c = checked_new();
    cr_assert(!program_load_file(&c->prog, tmp_path("main.levy"), &c->opts, &c->diags));
    cr_assert(c->prog.incomplete);
    find_diag(c, D_SYNTAX, 1, 9, NULL);
    /* Checking anyway does not report the names the broken file would give. */
    size_t before = c->diags.errors;
    program_check(&c->prog, &c->diags);
    cr_assert_eq(c->diags.errors, before);
    checked_free(c);
}

Test(load, search_path_before_stdlib, .init = make_tmpdir, .fini = remove_tmpdir)
{
    write_file("sub/countries.levy", "country ZZ \"Zedland\"\n");
    checked *c = checked_new();
    const char *path[] = { NULL, NULL };
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    path[0] = sub;
    c->opts.search_path = path;
    const char *text = "import countries\nmeasure m { from {ZZ} rate 1% }\n";
    c->loaded = program_load_text(&c->prog, "p.levy", text, strlen(text), &c->opts, &c->diags);
    check_loaded(c);
    assert_clean(c);
    checked_free(c);
}

Test(load, checks_again_after_more_input)
{
    checked *c = checked_new();
    const char *one = "country XA \"A\"\nlet r = 5%\n";
    const char *two = "measure m { from {XA} rate r }\nr\n";
    cr_assert(program_load_text(&c->prog, "<1>", one, strlen(one), &c->opts, &c->diags));
    cr_assert(program_check(&c->prog, &c->diags));
    cr_assert(program_load_text(&c->prog, "<2>", two, strlen(two), &c->opts, &c->diags));
    cr_assert(program_check(&c->prog, &c->diags));
    cr_assert_eq(c->diags.count, 0);
    cr_assert_eq(c->prog.statements.n, 1);
    cr_assert_eq(c->prog.decls.lets.n, 1);
    checked_free(c);
}

/* ---- Names ----------------------------------------------------------------- */

Test(names, used_before_declared)
{
    checked *c = check_text(PRELUDE "measure m { from friends rate base_rate }\n"
                                    "group friends = {JP, CA}\nlet base_rate = 10%\n");
    assert_clean(c);
    checked_free(c);
}

Test(names, unknown_country_suggests_the_one_the_policy_uses)
{
    /* CA is as close to CX as CN is, but the policy names CN. */
    checked *c = check_text(PRELUDE "measure m {\n    from {CN, CX}\n    rate 1%\n}\n"
                                    "measure n { from {CN} rate 1% }\n");
    const diagnostic *d = find_diag(c, D_UNKNOWN_NAME, 3, 15, "unknown country 'CX'");
    cr_assert_eq(d->nnotes, 1);
    cr_assert_str_eq(d->notes[0].message, "did you mean 'CN'?");
    cr_assert_eq(d->notes[0].at.first_line, d->at.first_line);
    cr_assert_eq(d->notes[0].at.first_column, d->at.first_column);
    cr_assert_eq(d->notes[0].at.last_column, d->at.last_column);
    checked_free(c);
}

Test(names, suggestion_ignores_case)
{
    checked *c = check_text(PRELUDE "measure m { from {cn} rate 1% }\n");
    const diagnostic *d = find_diag(c, D_UNKNOWN_NAME, 2, 19, "unknown country 'cn'");
    assert_note(d, "did you mean 'CN'?");
    checked_free(c);
}

Test(names, suggestion_for_a_misspelt_let)
{
    checked *c = check_text("let threshold = $800\nlet x = treshold\n");
    const diagnostic *d = find_diag(c, D_UNKNOWN_NAME, 2, 9, "unknown name 'treshold'");
    assert_note(d, "did you mean 'threshold'?");
    checked_free(c);
}

Test(names, no_suggestion_when_nothing_is_close)
{
    checked *c = check_text("let threshold = $800\nlet x = zebra\n");
    const diagnostic *d = find_diag(c, D_UNKNOWN_NAME, 2, 9, "'zebra'");
    cr_assert_eq(d->nnotes, 0);
    checked_free(c);
}

Test(names, duplicate_points_at_the_first)
{
    checked *c = check_text("let x = 1\nmeasure x { rate 1% }\n");
    const diagnostic *d = find_diag(c, D_DUPLICATE, 2, 9, "'x' is already defined as a let");
    cr_assert_eq(d->nnotes, 1);
    cr_assert_str_eq(d->notes[0].message, "first defined here");
    cr_assert_eq(d->notes[0].at.first_line, 1);
    cr_assert_eq(d->notes[0].at.first_column, 5);
    checked_free(c);
}

Test(names, duplicate_of_a_library_name)
{
    checked *c = check_text("import countries\ncountry CN \"China again\"\n");
    find_diag(c, D_DUPLICATE, 2, 9, "'CN' is already defined as a country");
    checked_free(c);
}

ERROR_TEST(names, reserved_field_name, "let origin = 1\n", D_RESERVED_NAME, 1, 5,
           "'origin' is a shipment field")
ERROR_TEST(names, reserved_builtin_name, "measure max { rate 1% }\n", D_RESERVED_NAME, 1, 9,
           "'max' is a built-in function")
ERROR_TEST(names, wrong_kind_in_suspend,
           PRELUDE
           "measure m { rate 1% }\npause p { suspend EU effective 2025-01-01 for 9 days }\n",
           D_WRONG_KIND, 3, 19, "'EU' is a group, not a measure")
ERROR_TEST(names, measure_as_a_value, "measure m { rate 1% }\nlet x = m\n", D_WRONG_KIND, 2, 9,
           "'m' is a measure, not a value")
ERROR_TEST(names, unknown_measure_in_replaces,
           "measure base_tariff { rate 1% }\nmeasure m { rate 2% replaces base_tarif }\n",
           D_UNKNOWN_MEASURE, 2, 30, "unknown measure 'base_tarif'")
ERROR_TEST(names, unknown_measure_in_cap, "concession c { cap nothing at 1% }\n", D_UNKNOWN_MEASURE,
           1, 20, "unknown measure 'nothing'")
ERROR_TEST(names, overrides_names_a_modifier,
           "measure m { rate 1% }\nconcession c { suspend m overrides m }\n", D_WRONG_KIND, 2, 36,
           "'m' is a measure, not a pause or a concession")
ERROR_TEST(names, unknown_scenario, "scenario deal { }\nunder dael { 1 }\n", D_UNKNOWN_SCENARIO, 2,
           7, "unknown scenario 'dael'")
ERROR_TEST(names, unknown_commitment, PRELUDE "commitment pledge\ncommit {VN} to pledg\n",
           D_UNKNOWN_COMMITMENT, 3, 16, "unknown commitment 'pledg'")
ERROR_TEST(names, unknown_function, "let x = maxx(1, 2)\n", D_UNKNOWN_NAME, 1, 9,
           "unknown function 'maxx'")
ERROR_TEST(names, unknown_unit, "measure m { rate $1 per kilo }\n", D_BAD_UNIT, 1, 25,
           "unknown unit 'kilo'")
ERROR_TEST(names, unit_outside_its_places, "let u = kg\n", D_WRONG_KIND, 1, 9, "'kg' is a unit")
ERROR_TEST(names, let_defined_by_itself, "let a = b + 1\nlet b = a * 2\n", D_CYCLE, 2, 9,
           "'a' is defined in terms of itself")
ERROR_TEST(names, group_defined_by_itself, "group a = {b}\ngroup b = {a}\n", D_CYCLE, 2, 12,
           "'a' is defined in terms of itself")
ERROR_TEST(names, attribute_default_by_itself, "attribute a: money = b\nattribute b: money = a\n",
           D_CYCLE, 2, 22, "'a' is defined in terms of itself")
ERROR_TEST(names, unknown_attribute_type, "attribute a: strng\n", D_UNKNOWN_NAME, 1, 14,
           "unknown type 'strng'")

Test(names, scenario_names_are_its_own)
{
    checked *c = check_text(PRELUDE "measure m { rate 1% }\n"
                                    "scenario deal {\n"
                                    "    drop m\n"
                                    "    let deal_rate = 5%\n"
                                    "    measure deal_m { rate deal_rate }\n"
                                    "}\n"
                                    "under deal { applies(deal_m, shipment { origin: CN }) }\n"
                                    "test \"t\" { under deal { expect deal_rate == 5% } }\n");
    assert_clean(c);
    const program *p = &c->prog;
    cr_assert_eq(p->decls.measures.n, 2);
    const node *deal = p->decls.scenarios.v[0];
    cr_assert_eq(p->decls.measures.v[1]->ref, deal);
    cr_assert_eq(p->decls.lets.v[0]->ref, deal);
    cr_assert_eq(p->decls.measures.v[0]->ref, NULL);
    cr_assert_eq(check_scenario_lookup(p, deal, "deal_m"), p->decls.measures.v[1]);
    cr_assert_null(symtab_get(&p->globals, "deal_m"));
    checked_free(c);
}

ERROR_TEST(names, scenario_name_outside_the_scenario,
           "scenario deal { let deal_rate = 5% }\nlet x = deal_rate\n", D_UNKNOWN_NAME, 2, 9,
           "unknown name 'deal_rate'")
ERROR_TEST(names, scenario_may_not_reuse_a_global_name,
           "measure m { rate 1% }\nscenario s { measure m { rate 2% } }\n", D_DUPLICATE, 2, 22,
           "'m' is already defined as a measure")
ERROR_TEST(names, drop_needs_a_policy_declaration,
           "scenario s { measure local { rate 1% } drop local }\n", D_WRONG_KIND, 1, 45,
           "declared in this scenario")
ERROR_TEST(names, drop_unknown, "scenario s { drop gone }\n", D_UNKNOWN_MEASURE, 1, 19,
           "unknown measure, pause or concession 'gone'")
ERROR_TEST(names, test_let_shadows_nothing, "let x = 1\ntest \"t\" { let x = 2 expect x == 2 }\n",
           D_DUPLICATE, 2, 16, "'x' is already defined as a let")
ERROR_TEST(names, test_let_visible_after_it, "test \"t\" { expect y == 1 let y = 1 }\n",
           D_UNKNOWN_NAME, 1, 19, "unknown name 'y'")
ERROR_TEST(names, not_in_a_scenario, "scenario s { import countries }\n", D_BAD_CLAUSE, 1, 14,
           "'import' is not allowed in a scenario")
ERROR_TEST(names, under_does_not_nest, "scenario s { }\ntest \"t\" { under s { under s { } } }\n",
           D_BAD_CLAUSE, 2, 22, "'under' blocks do not nest")

Test(names, test_lets_are_numbered)
{
    checked *c = check_text("test \"a\" { let x = 1 expect x == 1 }\n"
                            "test \"b\" { let x = 2 let y = x expect y == 2 }\n");
    assert_clean(c);
    cr_assert_eq(c->prog.decls.local_lets.n, 3);
    for (size_t i = 0; i < 3; i++) {
        const node *l = c->prog.decls.local_lets.v[i];
        cr_assert_eq(l->index, (int)i);
        cr_assert(l->flags & LET_LOCAL);
        cr_assert_null(l->ref);
    }
    cr_assert_eq(c->prog.decls.lets.n, 0);
    checked_free(c);
}

Test(names, check_suggest_finds_close_names)
{
    checked *c = check_text("let threshold = $800\nmeasure baseline { rate 1% }\n");
    cr_assert_str_eq(check_suggest(&c->prog, "baselin"), "baseline");
    cr_assert_str_eq(check_suggest(&c->prog, "THRESHOLD"), "threshold");
    cr_assert_null(check_suggest(&c->prog, "unrelated"));
    cr_assert_eq(check_field_lookup(&c->prog, "entered"), F_ENTERED);
    cr_assert_str_eq(field_name(&c->prog, F_VIA), "via");
    checked_free(c);
}

/* ---- Shipment fields ------------------------------------------------------ */

ERROR_TEST(fields, field_outside_a_shipment_context, "explain(origin)\n", D_FIELD_OUTSIDE, 1, 9,
           "'origin' is a shipment field; it can only be used in 'when'")
ERROR_TEST(fields, field_in_a_scope, PRELUDE "measure m { from {origin} rate 1% }\n",
           D_FIELD_OUTSIDE, 2, 19, "'origin' is a shipment field")
ERROR_TEST(fields, derived_let_outside, "let high = value > $800\ntest \"t\" { expect high }\n",
           D_FIELD_OUTSIDE, 2, 19, "'high' depends on the shipment's fields")
ERROR_TEST(fields, schedule_outside, "schedule mfn { hs 01: 5% }\nmfn + 1%\n", D_FIELD_OUTSIDE, 2,
           1, "'mfn' is a schedule")
ERROR_TEST(fields, has_outside, "let x = 1\ntest \"t\" { expect has(loaded) }\n", D_FIELD_OUTSIDE,
           2, 19, "has() asks about the shipment")
ERROR_TEST(fields, has_takes_a_field, "measure m { when has(colour) rate 1% }\n", D_UNKNOWN_FIELD,
           1, 22, "shipments have no field 'colour'")
ERROR_TEST(fields, unknown_field_in_literal, "let s = shipment { value: $1, enterd: 2025-01-01 }\n",
           D_UNKNOWN_FIELD, 1, 31, "shipments have no field 'enterd'")
ERROR_TEST(fields, unknown_field_in_dot, "let s = shipment { value: $1 }\nlet x = s.valeu\n",
           D_UNKNOWN_FIELD, 2, 11, "shipments have no field 'valeu'")
ERROR_TEST(fields, field_given_twice, "let s = shipment { value: $1, value: $2 }\n", D_DUP_ENTRY, 1,
           31, "the field 'value' is given twice")
ERROR_TEST(fields, wrong_type_for_a_field, "let s = shipment { value: 100 }\n", D_TYPE_MISMATCH, 1,
           27, "the field 'value' is money, found a number")

Test(fields, derived_fields_and_attributes)
{
    checked *c = check_text(
        PRELUDE "attribute us_content: money = value * 10%\n"
                "attribute vessel: bool\n"
                "let high = value > $800\n"
                "schedule mfn { hs 01: 5%, hs 0101: $0.05 per kg }\n"
                "measure m {\n"
                "    when high and (vessel and has(loaded) and loaded < 2025-04-09)\n"
                "    rate max(15% - mfn, 0%) + $0.01 per kg\n"
                "    base if us_content >= value * 20% then value - us_content else value\n"
                "}\n"
                "let s = shipment { origin: CN, unit: kg, vessel: true, us_content: $5 }\n"
                "test \"t\" { expect s.us_content == $5 and s.unit == kg }\n");
    assert_clean(c);
    const node *high = c->prog.decls.lets.v[0];
    cr_assert(high->uses_shipment);
    cr_assert_eq(high->ty, T_BOOL);
    const node *attr = c->prog.decls.attributes.v[1];
    cr_assert_eq(attr->ty, T_BOOL);
    cr_assert_eq(check_field_type(&c->prog, F_BUILTIN_COUNT + 1), T_BOOL);
    cr_assert_eq(check_field_lookup(&c->prog, "vessel"), F_BUILTIN_COUNT + 1);
    checked_free(c);
}

Test(fields, unit_comparisons)
{
    checked *c = check_text("measure m { when unit == kg or l == unit rate 1% }\n");
    assert_clean(c);
    checked_free(c);
}

/* ---- Types ------------------------------------------------------------------ */

ERROR_TEST(types, add_rate_and_date, "let x = 10% + 2025-01-01\n", D_TYPE_MISMATCH, 1, 9,
           "cannot add a rate and a date")
ERROR_TEST(types, expected_rate_found_money, "measure m { rate $5 }\n", D_TYPE_MISMATCH, 1, 18,
           "expected a rate, found money")
ERROR_TEST(types, number_for_a_rate, "measure m { rate 10 }\n", D_TYPE_MISMATCH, 1, 18,
           "expected a rate, found a number")
ERROR_TEST(types, when_needs_a_bool, "measure m { when 5% rate 1% }\n", D_TYPE_MISMATCH, 1, 18,
           "the condition of 'when' must be a bool, found a rate")
ERROR_TEST(types, base_needs_money, "measure m { base 10% rate 1% }\n", D_TYPE_MISMATCH, 1, 18,
           "expected money, found a rate")
ERROR_TEST(types, mixed_set, PRELUDE "let s = {CN, hs 87}\n", D_MIXED_SET, 2, 14,
           "cannot put a product in a set of countries")
ERROR_TEST(types, except_of_two_kinds, PRELUDE "let s = EU except {hs 87}\n", D_MIXED_SET, 2, 9,
           "'except' needs sets of one kind")
ERROR_TEST(types, on_takes_products, PRELUDE "measure m { on EU rate 1% }\n", D_TYPE_MISMATCH, 2,
           16, "'on' takes a set of products, found a country set")
ERROR_TEST(types, from_takes_countries, "measure m { from {hs 87} rate 1% }\n", D_TYPE_MISMATCH, 1,
           18, "'from' takes a set of countries, found a product set")
ERROR_TEST(types, in_needs_a_set, "measure m { when origin in 5% rate 1% }\n", D_TYPE_MISMATCH, 1,
           28, "'in' needs a set on its right, found a rate")
ERROR_TEST(types, in_of_the_wrong_kind,
           "measure m { when product in {hs 87} or origin in {hs 87} rate 1% }\n", D_TYPE_MISMATCH,
           1, 40, "cannot look for a country in a product set")
ERROR_TEST(types, compare_different_types, "let x = 10% == 10\n", D_TYPE_MISMATCH, 1, 9,
           "cannot compare a rate and a number")
ERROR_TEST(types, order_on_text, "let x = \"a\" < \"b\"\n", D_TYPE_MISMATCH, 1, 9,
           "'<' orders numbers, rates, money, dates and durations, not text")
ERROR_TEST(types, and_needs_bools, "let x = true and 1\n", D_TYPE_MISMATCH, 1, 18,
           "'and' needs a bool on each side, found a number")
ERROR_TEST(types, if_branches_differ, "let x = if true then 1% else $1\n", D_TYPE_MISMATCH, 1, 9,
           "the branches of 'if' differ")
ERROR_TEST(types, if_condition, "let x = if 1 then 1% else 2%\n", D_TYPE_MISMATCH, 1, 12,
           "the condition of 'if' must be a bool, found a number")
ERROR_TEST(types, negate_a_date, "let x = -2025-01-01\n", D_TYPE_MISMATCH, 1, 9,
           "cannot negate a date")
ERROR_TEST(types, max_of_two_types, "let x = max(1%, $5)\n", D_TYPE_MISMATCH, 1, 17,
           "the arguments of max() must have one type")
ERROR_TEST(types, max_needs_two, "let x = max(1%)\n", D_BAD_ARGS, 1, 9,
           "max() takes at least 2 arguments, given 1")
ERROR_TEST(types, rate_takes_a_shipment, "let x = rate(5%)\n", D_TYPE_MISMATCH, 1, 14,
           "rate() needs a shipment, found a rate")
ERROR_TEST(types, rate_arity, "let s = shipment { value: $1 }\nlet x = rate(s, s)\n", D_BAD_ARGS, 2,
           9, "rate() takes 1 argument, given 2")
ERROR_TEST(types, commits_needs_a_date_outside,
           PRELUDE "commitment pledge\ntest \"t\" { expect commits(VN, pledge) }\n", D_BAD_ARGS, 3,
           19, "commits() needs a date here")
ERROR_TEST(types, specific_needs_money, "measure m { rate 5% per kg }\n", D_TYPE_MISMATCH, 1, 18,
           "expected money before 'per', found a rate")
ERROR_TEST(types, dot_on_a_non_shipment, "let x = 5%.origin\n", D_TYPE_MISMATCH, 1, 9,
           "'.origin' reads a field of a shipment, not of a rate")
ERROR_TEST(types, expect_needs_a_bool, "test \"t\" { expect 5% }\n", D_TYPE_MISMATCH, 1, 19,
           "'expect' needs a bool")
ERROR_TEST(types, attribute_default_type, "attribute a: money = 5%\n", D_TYPE_MISMATCH, 1, 22,
           "the default of attribute 'a' must be money, found a rate")
ERROR_TEST(types, group_of_products, "group g = {hs 87}\n", D_TYPE_MISMATCH, 1, 11,
           "a group is a set of countries, found a product set")

Test(types, arithmetic_table)
{
    checked *c = check_text("let a = 1% + 2% - 1%\n"
                            "let b = $1 * 10% + 10% * $1 + $2 * 3 + 3 * $2 + $6 / 2\n"
                            "let r = $1 / $2 + 5% * 2 + 2 * 5% + 5% / 2\n"
                            "let d = 2025-01-01 + 90 days - 1 week\n"
                            "let e = 2025-04-01 - 2025-01-01\n"
                            "let n = -1 + 2 * 3 / 4\n"
                            "let x = d < 2025-06-01 and e > 10 days and -b < $0 and -a <= 0%\n"
                            "let y = min(2025-01-01, d) == 2025-01-01\n"
                            "let s = shipment { value: $1 }\n"
                            "let t = timeline(s, 2025-01-01, 2026-01-01)\n"
                            "let w = effective_rate(s) + rate(s)\n"
                            "let m = duty(s) + $1\n");
    assert_clean(c);
    static const type want[] = { T_RATE, T_MONEY, T_RATE,     T_DATE,     T_DURATION, T_NUMBER,
                                 T_BOOL, T_BOOL,  T_SHIPMENT, T_TIMELINE, T_RATE,     T_MONEY };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_eq(c->prog.decls.lets.v[i]->ty, want[i], "let %zu is %s", i,
                     type_name(c->prog.decls.lets.v[i]->ty));
    checked_free(c);
}

Test(types, sets_and_all)
{
    checked *c = check_text(
        PRELUDE "products none = {}\n"
                "group g = all except {CN}\n"
                "let e = {}\n"
                "measure m { on {hs 01..05, hs 8471} except none from {EU, JP} rate 1% }\n"
                "measure n { on e from e rate 1% when product in hs 87 and origin in EU }\n"
                "let k = {{CN}, EU}\n"
                "test \"uses\" { expect CN in k and not (CN in g) }\n");
    assert_clean(c);
    cr_assert_eq(c->prog.decls.lets.v[0]->ty, T_EMPTY_SET);
    cr_assert_eq(c->prog.decls.lets.v[1]->ty, T_COUNTRY_SET);
    const node *g = c->prog.decls.groups.v[2];
    cr_assert_eq(g->a->a->kind, N_ALL);
    cr_assert_eq(g->a->a->ty, T_COUNTRY_SET);
    checked_free(c);
}

/* ---- Clauses and policy rules ------------------------------------------- */

ERROR_TEST(
    rules, base_in_a_pause,
    "measure m { rate 1% }\npause p { suspend m base value effective 2025-01-01 for 9 days }\n",
    D_BAD_CLAUSE, 2, 21, "'base' is not allowed in a pause")
ERROR_TEST(rules, cap_in_a_pause,
           "measure m { rate 1% }\npause p { cap m at 1% effective 2025-01-01 for 9 days }\n",
           D_BAD_CLAUSE, 2, 11, "'cap' is not allowed in a pause")
ERROR_TEST(rules, suspend_in_a_measure, "measure m { rate 1% suspend m }\n", D_BAD_CLAUSE, 1, 21,
           "'suspend' is not allowed in a measure")
ERROR_TEST(rules, rate_in_a_concession, "concession c { rate 1% }\n", D_BAD_CLAUSE, 1, 16,
           "'rate' is not allowed in a concession")
ERROR_TEST(rules, two_on_clauses, "measure m { on {hs 01} on {hs 02} rate 1% }\n", D_DUP_CLAUSE, 1,
           24, "a measure takes one 'on' clause")
ERROR_TEST(rules, measure_without_rate, "measure m { on {hs 01} }\n", D_MISSING_CLAUSE, 1, 9,
           "measure 'm' has no rate")
ERROR_TEST(rules, pause_without_suspend, "pause p { effective 2025-01-01 for 9 days }\n",
           D_MISSING_CLAUSE, 1, 7, "pause 'p' suspends nothing")
ERROR_TEST(rules, pause_without_window, "measure m { rate 1% }\npause p { suspend m }\n",
           D_PAUSE_NO_END, 2, 7, "pause 'p' has no 'effective' window")
ERROR_TEST(rules, pause_that_never_ends,
           "measure m { rate 1% }\npause p { suspend m effective 2025-01-01 }\n", D_PAUSE_NO_END, 2,
           21, "a pause must end")
ERROR_TEST(rules, concession_without_change, "concession c { from all }\n", D_MISSING_CLAUSE, 1, 12,
           "concession 'c' changes nothing")
ERROR_TEST(rules, empty_until_window,
           "measure m { rate 1% effective 2025-05-01 until 2025-04-01 }\n", D_EMPTY_WINDOW, 1, 31,
           "it ends on 2025-04-01, before it starts on 2025-05-01")
ERROR_TEST(rules, until_same_day, "measure m { rate 1% effective 2025-05-01 until 2025-05-01 }\n",
           D_EMPTY_WINDOW, 1, 31, "'until' leaves out its end")
ERROR_TEST(rules, empty_for_window,
           "measure m { rate 1% }\npause p { suspend m effective 2025-05-01 for 0 days }\n",
           D_EMPTY_WINDOW, 2, 31, "'for' needs a positive duration")
ERROR_TEST(rules, window_not_constant, "measure m { rate 1% effective entered }\n", D_NOT_CONSTANT,
           1, 31, "depends on the shipment")
ERROR_TEST(rules, for_needs_a_duration,
           "measure m { rate 1% }\npause p { suspend m effective 2025-05-01 for 2025-06-01 }\n",
           D_TYPE_MISMATCH, 2, 46, "'for' takes a duration")
ERROR_TEST(rules, overlapping_rates,
           "measure m {\n    rate 10% effective 2025-02-04 until 2025-03-05\n"
           "    rate 20% effective 2025-03-04\n}\n",
           D_OVERLAP_WINDOWS, 3, 5, "the one on line 2 both apply on 2025-03-04")
ERROR_TEST(rules, rate_without_window_overlaps,
           "measure m { rate 10%\n rate 20% effective 2025-03-04 }\n", D_OVERLAP_WINDOWS, 2, 2,
           "both apply on 2025-03-04")
ERROR_TEST(rules, replaces_itself, "measure m { rate 1% replaces m }\n", D_REPLACES_CYCLE, 1, 30,
           "measure 'm' replaces itself")
ERROR_TEST(rules, replaces_cycle,
           "measure a { rate 1% replaces b }\nmeasure b { rate 1% replaces c }\n"
           "measure c { rate 1% replaces a }\n",
           D_REPLACES_CYCLE, 3, 30, "a replaces b replaces c replaces a")
ERROR_TEST(rules, groups_overlap, PRELUDE "measure m { rate by origin { EU: 10%, G7: 20% } }\n",
           D_GROUP_OVERLAP, 2, 39, "groups 'EU' and 'G7' overlap in this table: both contain 'FR'")
ERROR_TEST(rules, same_key_twice, PRELUDE "measure m { rate by origin { CN: 10%, CN: 20% } }\n",
           D_DUP_ENTRY, 2, 39, "'CN' is listed twice")
ERROR_TEST(rules, product_keys_overlap,
           "measure m { rate by product { hs 72..80: 10%, hs 75: 20% } }\n", D_DUP_ENTRY, 1, 47,
           "'hs 75' overlaps 'hs 72..80'")
ERROR_TEST(rules, code_key_in_origin_table, "measure m { rate by origin { hs 87: 10% } }\n",
           D_BAD_KEY, 1, 30, "keyed by countries and groups")
ERROR_TEST(rules, name_key_in_product_table, PRELUDE "measure m { rate by product { CN: 10% } }\n",
           D_BAD_KEY, 2, 31, "keyed by product codes")
ERROR_TEST(rules, range_in_a_schedule, "schedule s { hs 01..05: 1% }\n", D_BAD_KEY, 1, 14,
           "a schedule's keys are single product codes")
ERROR_TEST(rules, two_importers, PRELUDE "importer CN\nimporter VN\n", D_IMPORTER, 3, 1,
           "a policy has one importer")
ERROR_TEST(rules, importer_is_a_country, PRELUDE "importer EU\n", D_WRONG_KIND, 2, 10,
           "'EU' is a group, not a country")

Test(rules, groups_overlap_resolved_by_a_country)
{
    checked *c =
        check_text(PRELUDE "measure m { rate by origin { EU: 10%, G7: 20%, FR: 15%, DE: 15% } }\n");
    assert_clean(c);
    checked_free(c);
}

Test(rules, windows_that_meet_do_not_overlap)
{
    checked *c = check_text("let start = 2025-02-04\n"
                            "measure m {\n"
                            "    rate 10% effective start until start + 4 weeks\n"
                            "    rate 20% effective 2025-03-04 through 2025-03-31\n"
                            "    rate by origin { } effective 2025-04-01\n"
                            "}\n");
    assert_clean(c);
    checked_free(c);
}

/* ---- Warnings ------------------------------------------------------------- */

Test(warnings, unused_definitions)
{
    checked *c = check_text(PRELUDE "let unused_rate = 5%\ngroup friends = {JP}\n"
                                    "commitment pledge\nmeasure m { rate 1% }\n");
    cr_assert(c->ok); /* warnings only */
    find_diag(c, D_UNUSED, 2, 5, "unused let 'unused_rate'");
    find_diag(c, D_UNUSED, 3, 7, "unused group 'friends'");
    find_diag(c, D_UNUSED, 4, 12, "unused commitment 'pledge'");
    cr_assert_eq(count_code(c, D_UNUSED), 5); /* and the prelude's two groups */
    cr_assert_eq(c->diags.errors, 0);
    checked_free(c);
}

Test(warnings, no_unused_warnings_for_a_file_of_definitions)
{
    checked *c = check_text("let a = 1\ngroup g = {}\n");
    assert_clean(c);
    checked_free(c);
}

Test(warnings, modifier_that_never_touches)
{
    checked *c = check_text(
        PRELUDE "measure m { from {CN} rate 10% effective 2025-01-01 until 2025-02-01 }\n"
                "pause p { suspend m effective 2025-03-01 for 30 days }\n"
                "concession k { from {VN} cap m at 5% }\n");
    cr_assert(c->ok);
    find_diag(c, D_NEVER_TOUCHES, 3, 19, "never meet");
    find_diag(c, D_NEVER_TOUCHES, 4, 30, "no country is in the 'from' of both");
    checked_free(c);
}

/* ---- Measures always replaced (W103) ------------------------------------ */

Test(replaced, measure_replaced_everywhere)
{
    checked *c =
        check_text(PRELUDE "measure old { from {CN, VN} rate 10% effective 2025-04-05 }\n"
                           "measure wide { rate 20% effective 2025-04-01 replaces old }\n");
    cr_assert(c->ok);
    const diagnostic *d = find_diag(c, D_ALWAYS_REPLACED, 2, 9,
                                    "measure 'old' is replaced by 'wide' wherever it applies");
    assert_note(d, "applies to every product, origin and date of 'old'");
    cr_assert_eq(d->notes[0].at.first_line, 3);
    cr_assert_eq(count_code(c, D_ALWAYS_REPLACED), 1);
    checked_free(c);
}

Test(replaced, rate_windows_pieced_together_and_tables_that_cover)
{
    /* Two rate windows of the replacing measure cover the other's; a table
       with every origin of the other measure yields on all its shipments;
       the replaced measure's own `when` only narrows it. */
    checked *c =
        check_text(PRELUDE "measure a { from {FR, DE} when value > $5 rate 10% "
                           "effective 2025-02-01 until 2025-09-01 }\n"
                           "measure b { rate by origin { EU: 20%, JP: 5% } effective 2025-01-01 "
                           "until 2025-06-01\n"
                           "            rate 30% effective 2025-06-01 replaces a }\n");
    cr_assert(c->ok);
    find_diag(c, D_ALWAYS_REPLACED, 2, 9, "'a' is replaced by 'b'");
    checked_free(c);
}

/* Each program has `r replaces b` where b still charges somewhere. */
static const char *const not_always_replaced[] = {
    /* a `when` on the replacing measure */
    "measure b { rate 10% }\nmeasure r { when value > $1000 rate 20% replaces b }\n",
    /* a table without every origin */
    "measure b { rate 10% }\nmeasure r { rate by origin { CN: 34% } replaces b }\n",
    /* a schedule, which may have no line for the product */
    "schedule s { hs 72: 5% }\nmeasure b { rate 10% }\nmeasure r { rate s replaces b }\n",
    /* the replacing measure starts later */
    "measure b { rate 10% effective 2025-01-01 }\n"
    "measure r { rate 20% effective 2025-02-01 replaces b }\n",
    /* a gap between the replacing measure's rates */
    "measure b { rate 10% }\nmeasure r { rate 20% effective 2025-01-01 until 2025-02-01\n"
    "rate 20% effective 2025-02-02 replaces b }\n",
    /* the `replaces` holds for a while */
    "measure b { rate 10% }\n"
    "measure r { rate 20% replaces b effective 2025-01-01 until 2026-01-01 }\n",
    /* narrower origins, narrower products */
    "measure b { rate 10% }\nmeasure r { from {CN} rate 20% replaces b }\n",
    "measure b { on {hs 72, hs 73} rate 10% }\nmeasure r { on {hs 72} rate 20% replaces b }\n",
    /* a pause takes the replacing measure away, and b comes back */
    "measure b { rate 10% }\nmeasure r { rate 20% replaces b }\n"
    "pause p { suspend r effective 2025-04-10 for 90 days }\n",
    "measure b { rate 10% }\nmeasure r { rate 20% replaces b }\n"
    "pause p { from {CN} suspend all except b effective 2025-04-10 for 90 days }\n",
    /* a scenario drops the replacing measure */
    "measure b { rate 10% }\nmeasure r { rate 20% replaces b }\nscenario s { drop r }\n",
    /* the measures are a scenario's */
    "scenario s { measure b { rate 10% } measure r { rate 20% replaces b } }\n",
};

Test(replaced, only_when_certain)
{
    for (size_t i = 0; i < sizeof not_always_replaced / sizeof *not_always_replaced; i++) {
        char text[1024];
        snprintf(text, sizeof text, PRELUDE "%s", not_always_replaced[i]);
        checked *c = check_text(text);
        char *why = rendered(c);
        cr_assert(c->ok && count_code(c, D_ALWAYS_REPLACED) == 0, "program %zu:\n%s%s", i,
                  not_always_replaced[i], why);
        free(why);
        checked_free(c);
    }
}

Test(replaced, suspending_to_a_rate_keeps_it_replacing)
{
    checked *c =
        check_text(PRELUDE "measure b { rate 10% }\nmeasure r { rate 20% replaces b }\n"
                           "pause p { suspend r to 5% effective 2025-04-10 for 90 days }\n");
    find_diag(c, D_ALWAYS_REPLACED, 2, 9, "'b' is replaced by 'r'");
    checked_free(c);
}

/* ---- Modifiers that can conflict (W104) ----------------------------------- */

Test(conflicts, pause_and_concession)
{
    checked *c = check_text(
        PRELUDE "measure m { rate by origin { VN: 46%, JP: 24% } effective 2025-04-09 }\n"
                "pause p { suspend m from {CN, VN} effective 2025-07-01 until 2025-08-01 }\n"
                "concession k { from {VN, JP} cap m at 10% effective 2025-07-09 }\n");
    cr_assert(c->ok); /* a warning */
    const diagnostic *d = find_diag(c, D_MAY_CONFLICT, 4, 30,
                                    "pause 'p' and concession 'k' can conflict on measure 'm': "
                                    "one suspends it, the other caps it at 10%");
    cr_assert_eq(d->nnotes, 2);
    cr_assert_eq(d->notes[0].at.first_line, 3);
    assert_note(d, "pause 'p' is here; declare which wins with 'overrides'");
    cr_assert_eq(d->notes[1].at.first_line, 2);
    assert_note(d, "for example on shipment { origin: VN, product: hs 01, value: $1000, "
                   "entered: 2025-07-09 }: where 'm' charges 46%, 'p' suspends it and 'k' "
                   "makes it 10%");
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 1);
    checked_free(c);
}

Test(conflicts, when_clauses_still_warn)
{
    checked *c = check_text(PRELUDE "commitment pledge\n"
                                    "measure m { rate 24% }\n"
                                    "concession a { from {JP} set m to 15% }\n"
                                    "concession b { when commits(origin, pledge) cap m at 10% }\n");
    const diagnostic *d = find_diag(c, D_MAY_CONFLICT, 5, 0, "'a' and concession 'b' can conflict");
    assert_note(d, "origin: JP, product: hs 01, value: $1000, entered: 2025-01-01 } (if it meets "
                   "the 'when' of concession 'b')");
    checked_free(c);
}

Test(conflicts, the_example_is_where_they_differ)
{
    /* Cap and set at 10% agree where the measure charges more: the example
       is the origin, or the product, where it charges less. */
    checked *c = check_text(PRELUDE "measure m { rate by origin { CN: 24%, JP: 5% } }\n"
                                    "concession a { from {CN, JP} cap m at 10% }\n"
                                    "concession b { from {CN, JP} set m to 10% }\n"
                                    "measure n { rate by product { hs 72: 24%, hs 7208: 5% } }\n"
                                    "concession c { on {hs 72} cap n at 10% }\n"
                                    "concession d { on all except {hs 01} set n to 10% }\n");
    const diagnostic *d = find_diag(c, D_MAY_CONFLICT, 4, 0, "'a' and concession 'b'");
    assert_note(d, "origin: JP, product: hs 01");
    assert_note(d, "where 'm' charges 5%, 'a' makes it 5% and 'b' makes it 10%");
    d = find_diag(c, D_MAY_CONFLICT, 7, 0, "'c' and concession 'd'");
    assert_note(d, "origin: CN, product: hs 7208,");
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 2);
    checked_free(c);
}

Test(conflicts, products_avoid_what_is_excepted)
{
    checked *c =
        check_text(PRELUDE "measure m { rate 24% }\n"
                           "concession a { on all except {hs 01, hs 02..05} cap m at 10% }\n"
                           "concession b { set m to 12% effective 2025-03-01 }\n");
    const diagnostic *d = find_diag(c, D_MAY_CONFLICT, 4, 0, "can conflict");
    assert_note(d, "origin: CN, product: hs 06, value: $1000, entered: 2025-03-01 }");
    checked_free(c);
}

/* Each program has two modifiers on m that never disagree. */
static const char *const no_conflict[] = {
    /* windows that do not overlap */
    "pause a { suspend m effective 2025-04-10 for 90 days }\n"
    "concession b { cap m at 10% effective 2025-07-09 }\n",
    /* origins, products that do not meet */
    "pause a { from {CN} suspend m to 10% effective 2025-05-14 for 90 days }\n"
    "pause b { from all except {CN} suspend m effective 2025-05-14 for 90 days }\n",
    "concession a { on {hs 8703} set m to 25% }\nconcession b { on {hs 72} set m to 50% }\n",
    /* the same effect */
    "pause a { suspend m effective 2025-01-01 for 1 year }\n"
    "pause b { suspend all effective 2025-03-01 for 1 year }\n",
    "concession a { cap m at 10% }\nconcession b { set m to 10% }\n",
    "concession a { set m to 10% }\npause b { suspend m to 10% effective 2025-01-01 for 1 year }\n",
    "concession a { reduce m by 4% }\nconcession b { reduce m by 4% }\n",
    "let r = max(15% - mfn, 0%)\nschedule mfn { hs 01: 3% }\n"
    "concession a { set m to r }\nconcession b { set m to max(15% - mfn, 0%) }\n",
    /* settled with overrides, either way */
    "concession a { reduce m by 4% }\nconcession b { cap m at 15% overrides a }\n",
    "concession a { reduce m by 4% overrides b }\nconcession b { cap m at 15% }\n",
    /* excepted from a `suspend all` */
    "pause a { suspend all except m effective 2025-01-01 for 1 year }\n"
    "concession b { cap m at 10% }\n",
    /* a scenario drops one of them; two scenarios do not meet */
    "concession a { set m to 15% }\nscenario s { drop a concession b { set m to 12% } }\n",
    "scenario s { concession a { set m to 15% } }\nscenario t { concession b { set m to 12% } }\n",
    /* the measure is not in force when they are */
    "concession a { set m to 15% effective 2026-01-01 }\n"
    "concession b { set m to 12% effective 2026-01-01 }\n",
};

Test(conflicts, none_where_they_cannot_disagree)
{
    for (size_t i = 0; i < sizeof no_conflict / sizeof *no_conflict; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 PRELUDE "measure m { from {CN, VN, JP} rate 24%% effective 2025-01-01 "
                         "until 2026-01-01 }\n%s",
                 no_conflict[i]);
        checked *c = check_text(text);
        char *why = rendered(c);
        cr_assert(c->ok && count_code(c, D_MAY_CONFLICT) == 0, "program %zu:\n%s%s", i,
                  no_conflict[i], why);
        free(why);
        checked_free(c);
    }
}

Test(conflicts, cap_and_set_differ_below_the_cap)
{
    checked *c =
        check_text(PRELUDE "measure m { rate 5% }\n"
                           "concession a { cap m at 10% }\nconcession b { set m to 10% }\n");
    const diagnostic *d = find_diag(c, D_MAY_CONFLICT, 4, 0,
                                    "one caps it at 10%, the other sets "
                                    "it to 10%");
    assert_note(d, "where 'm' charges 5%, 'a' makes it 5% and 'b' makes it 10%");
    checked_free(c);
}

Test(conflicts, scenario_modifiers_meet_the_policys)
{
    checked *c = check_text(PRELUDE "measure m { rate 24% }\n"
                                    "concession a { from {JP} set m to 15% }\n"
                                    "scenario s { concession b { cap m at 10% } }\n");
    find_diag(c, D_MAY_CONFLICT, 4, 29, "concession 'a' and concession 'b' can conflict");
    checked_free(c);
}

Test(conflicts, each_pair_once)
{
    /* Two measures, and a scenario: one warning for the pair. */
    checked *c =
        check_text(PRELUDE "measure m { rate 24% }\nmeasure n { rate 30% }\n"
                           "pause a { suspend all to 5% effective 2025-01-01 for 1 year }\n"
                           "pause b { suspend all to 6% effective 2025-01-01 for 1 year }\n"
                           "scenario s { concession k { set m to 1% overrides a, b } }\n");
    find_diag(c, D_MAY_CONFLICT, 5, 0, "pause 'a' and pause 'b' can conflict on measure 'm'");
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 1);
    checked_free(c);
}

Test(conflicts, not_after_errors_nor_twice)
{
    checked *c = check_text(PRELUDE "measure m { rate 24% }\nconcession a { cap m at 10% }\n"
                                    "concession b { set m to 12% }\nlet x = 1 + 2025-01-01\n");
    cr_assert(!c->ok);
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 0);
    checked_free(c);

    /* A later check (the REPL's next input) reports only what is new. */
    c = checked_new();
    const char *one = PRELUDE "measure m { rate 24% }\nconcession a { cap m at 10% }\n"
                              "concession b { set m to 12% }\n";
    const char *two = "concession k { from {CN} cap m at 20% }\n";
    cr_assert(program_load_text(&c->prog, "<1>", one, strlen(one), &c->opts, &c->diags));
    cr_assert(program_check(&c->prog, &c->diags));
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 1);
    cr_assert(program_load_text(&c->prog, "<2>", two, strlen(two), &c->opts, &c->diags));
    cr_assert(program_check(&c->prog, &c->diags));
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 3); /* k with a, and with b */
    checked_free(c);
}

Test(conflicts, the_2025_examples_are_settled)
{
    checked *c = check_file(in_srcdir("examples/us-2025/us-2025.levy"));
    cr_assert(c->ok);
    char *why = rendered(c);
    cr_assert_eq(count_code(c, D_MAY_CONFLICT), 0, "%s", why);
    cr_assert_eq(count_code(c, D_ALWAYS_REPLACED), 0, "%s", why);
    free(why);
    checked_free(c);
}

/* ---- Limits ---------------------------------------------------------------- */

Test(limits, deep_expressions_are_an_error_not_a_crash)
{
    size_t n = 100000;
    char *text = malloc(n * 2 + 16);
    cr_assert_not_null(text);
    strcpy(text, "let x = 1");
    char *p = text + strlen(text);
    for (size_t i = 0; i < n; i++) {
        *p++ = '+';
        *p++ = '1';
    }
    strcpy(p, "\n");
    checked *c = check_text(text);
    free(text);
    cr_assert(!c->ok);
    find_diag(c, D_SYNTAX_NESTING, 1, 9, "nested too deeply");
    cr_assert_eq(count_code(c, D_SYNTAX_NESTING), 1);
    checked_free(c);
}

Test(limits, nesting_below_the_bound_is_fine)
{
    char text[8192] = "let x = 1";
    for (int i = 0; i < CHECK_MAX_DEPTH / 2 - 2; i++)
        strcat(text, "+1");
    strcat(text, "\n");
    checked *c = check_text(text);
    assert_clean(c);
    checked_free(c);
}

Test(rules, replaces_in_turn_is_no_cycle)
{
    checked *c =
        check_text("measure a { rate 1% replaces b effective 2025-03-04 until 2025-06-04 }\n"
                   "measure b { rate 2% replaces a effective 2025-06-04 }\n");
    assert_clean(c);
    checked_free(c);
}

ERROR_TEST(rules, replaces_cycle_on_a_day,
           "measure a { rate 1% replaces b effective 2025-01-01 }\n"
           "measure b { rate 2% replaces a effective 2025-03-01 until 2025-04-01 }\n",
           D_REPLACES_CYCLE, 2, 30, "cycle from 2025-03-01: a replaces b replaces a")
