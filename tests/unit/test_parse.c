/* test_parse.c - unit tests for the scanner and the parser (grammar/). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "diag_codes.h"
#include "parse.h"

/* One parse: the sources, the arena and the diagnostics it used. */
typedef struct parsed {
    source_set srcs;
    arena arena;
    diag_list diags;
    node *tree;
    parse_status status;
} parsed;

static parsed *parse_text(const char *text)
{
    parsed *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    source_set_init(&p->srcs, NULL);
    arena_init(&p->arena, NULL);
    diag_list_init(&p->diags, NULL);
    int f = source_set_add(&p->srcs, "t.levy", NULL, text, strlen(text));
    cr_assert_geq(f, 0);
    p->status = parse_source(&p->arena, &p->srcs, f, &p->diags, &p->tree);
    return p;
}

static void parsed_free(parsed *p)
{
    arena_free(&p->arena);
    diag_list_free(&p->diags);
    source_set_free(&p->srcs);
    free(p);
}

/* The tree dump as a string (freed by the caller). */
static char *dump(const node *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    ast_dump(f, n);
    fclose(f);
    return buf;
}

/* The diagnostics rendered as text, for messages of failed assertions. */
static char *rendered(const parsed *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    diag_render(f, &p->srcs, &p->diags, DIAG_TEXT);
    fclose(f);
    return buf;
}

static parsed *parse_ok(const char *text)
{
    parsed *p = parse_text(text);
    char *why = rendered(p);
    cr_assert_eq(p->status, PARSE_OK, "expected a clean parse of:\n%s\n%s", text, why);
    free(why);
    cr_assert_not_null(p->tree);
    cr_assert_eq(p->tree->kind, N_PROGRAM);
    return p;
}

/* Asserts a diagnostic with this code at line:col. */
static void assert_diag_at(const parsed *p, const char *code, int line, int col)
{
    for (size_t i = 0; i < p->diags.count; i++) {
        const diagnostic *d = &p->diags.items[i];
        if (strcmp(d->code, code) == 0 && d->at.first_line == line && d->at.first_column == col)
            return;
    }
    char *why = rendered(p);
    cr_assert_fail("no %s at %d:%d; got:\n%s", code, line, col, why);
    free(why);
}

static size_t count_code(const parsed *p, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < p->diags.count; i++)
        n += strcmp(p->diags.items[i].code, code) == 0;
    return n;
}

static const node *item(const parsed *p, size_t i)
{
    cr_assert_lt(i, p->tree->items.n, "only %zu statements", p->tree->items.n);
    return p->tree->items.v[i];
}

/* ---- Every construct ---------------------------------------------------- */

Test(parse, declarations)
{
    parsed *p = parse_ok("import countries\n"
                         "import \"lib/extra.levy\"\n"
                         "importer US\n"
                         "country XA \"Atlantis\"\n"
                         "group G \"a group\" = {XA, XB}\n"
                         "products P = {hs 8471, hs 72..83}\n"
                         "let x = 1\n"
                         "attribute usmca: bool = false \"USMCA qualified\"\n"
                         "attribute origin_country: country\n"
                         "schedule mfn \"MFN\" { hs 01: 5%, hs 0101: $0.05 per kg }\n"
                         "schedule hts from \"hts.csv\" column \"Column 2 Rate of Duty\"\n"
                         "measure m \"d\" { rate 1% }\n"
                         "pause pz { suspend m effective 2025-01-01 for 90 days }\n"
                         "concession c { cap m at 5% }\n"
                         "commitment pledge \"a pledge\"\n"
                         "commit {XA} to pledge effective 2025-07-02\n"
                         "scenario s \"what if\" { drop m let y = 2 }\n"
                         "test \"t\" { let z = 1 expect z == 1 under s { expect true } }\n"
                         "under s { y }\n"
                         "x\n");
    static const node_kind kinds[] = {
        N_IMPORT,     N_IMPORT,    N_IMPORTER, N_COUNTRY,  N_GROUP,   N_PRODUCTS,  N_LET,
        N_ATTRIBUTE,  N_ATTRIBUTE, N_SCHEDULE, N_SCHEDULE, N_MEASURE, N_PAUSE,     N_CONCESSION,
        N_COMMITMENT, N_COMMIT,    N_SCENARIO, N_TEST,     N_UNDER,   N_EXPR_STMT,
    };
    cr_assert_eq(p->tree->items.n, sizeof kinds / sizeof kinds[0]);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cr_assert_eq(item(p, i)->kind, kinds[i], "statement %zu is %s", i,
                     ast_kind_name(item(p, i)->kind));
    cr_assert_str_eq(item(p, 0)->name, "countries");
    cr_assert_eq(item(p, 0)->flags, 0);
    cr_assert_eq(item(p, 1)->flags, IMPORT_PATH);
    cr_assert_str_eq(item(p, 1)->name, "lib/extra.levy");
    cr_assert_str_eq(item(p, 3)->desc, "Atlantis");
    cr_assert_str_eq(item(p, 7)->a->name, "bool");
    cr_assert_not_null(item(p, 7)->b);
    cr_assert_str_eq(item(p, 7)->desc, "USMCA qualified");
    cr_assert_str_eq(item(p, 8)->a->name, "country");
    cr_assert_eq(item(p, 9)->items.n, 2);
    cr_assert_str_eq(item(p, 10)->b->name, "hts.csv");
    cr_assert_str_eq(item(p, 10)->c->name, "Column 2 Rate of Duty");
    cr_assert_eq(item(p, 16)->items.v[0]->kind, N_DROP);
    cr_assert_eq(item(p, 17)->items.n, 3);
    cr_assert_eq(item(p, 17)->items.v[2]->kind, N_UNDER);
    parsed_free(p);
}

Test(parse, clauses)
{
    parsed *p =
        parse_ok("measure m {\n"
                 "    on all except {hs 85}\n"
                 "    from {CN}\n"
                 "    when value > $800\n"
                 "    rate 10% effective 2025-01-01 until 2025-02-01\n"
                 "    rate by origin { CN: 34%, EU: 20% } effective 2025-02-01 through 2025-03-01\n"
                 "    rate by product { hs 87: 25%, hs 72..73: 5% } effective 2025-03-02\n"
                 "    base value - us_content\n"
                 "    replaces a, b effective 2025-01-01\n"
                 "    citation \"EO 1\"\n"
                 "    suspend all except a, b to 5%\n"
                 "    suspend a\n"
                 "    set a to 1%\n"
                 "    reduce a by 2%\n"
                 "    effective 2025-01-01 for 3 months\n"
                 "    overrides x, y\n"
                 "}\n");
    const node *m = item(p, 0);
    static const node_kind kinds[] = {
        N_ON,       N_FROM,    N_WHEN,    N_RATE,   N_RATE_BY, N_RATE_BY,   N_BASE,      N_REPLACES,
        N_CITATION, N_SUSPEND, N_SUSPEND, N_SET_TO, N_REDUCE,  N_EFFECTIVE, N_OVERRIDES,
    };
    cr_assert_eq(m->items.n, sizeof kinds / sizeof kinds[0]);
    for (size_t i = 0; i < m->items.n; i++)
        cr_assert_eq(m->items.v[i]->kind, kinds[i], "clause %zu", i);
    cr_assert_eq(m->items.v[3]->b->flags, WIN_UNTIL);
    cr_assert_eq(m->items.v[4]->flags, BY_ORIGIN);
    cr_assert_eq(m->items.v[4]->b->flags, WIN_THROUGH);
    cr_assert_eq(m->items.v[5]->flags, BY_PRODUCT);
    cr_assert_eq(m->items.v[5]->items.v[1]->a->kind, N_HS_RANGE);
    cr_assert_eq(m->items.v[5]->b->flags, WIN_FROM);
    cr_assert_eq(m->items.v[7]->items.n, 2);
    cr_assert_not_null(m->items.v[7]->b);
    cr_assert_str_eq(m->items.v[8]->name, "EO 1");
    cr_assert_eq(m->items.v[9]->flags, SUSPEND_ALL);
    cr_assert_eq(m->items.v[9]->items.n, 2);
    cr_assert_not_null(m->items.v[9]->a);
    cr_assert_eq(m->items.v[10]->flags, 0);
    cr_assert_null(m->items.v[10]->a);
    cr_assert_eq(m->items.v[13]->b->flags, WIN_FOR);
    cr_assert_eq(m->items.v[13]->b->b->v.dur.unit, DUR_MONTHS);
    parsed_free(p);
}

Test(parse, expressions_and_precedence)
{
    parsed *p =
        parse_ok("let a = if x then 1 else 2\n"
                 "let b = not p and q or r\n"
                 "let c = 1 + 2 * 3\n"
                 "let d = -x * 2\n"
                 "let e = origin in EU except {FR}\n"
                 "let f = s.origin\n"
                 "let g = s with { origin: CN entered: 2025-01-01 }\n"
                 "let h = shipment { origin: CN, value: $1_200.50, quantity: 40, unit: kg }\n"
                 "let i = 6.8% + $0.012 per kg\n"
                 "let j = max(15% - mfn, 0%)\n"
                 "let k = rate(s)\n"
                 "let l = {}\n"
                 "let m = 2025-04-09 + 90 days\n"
                 "let n = \"a \\\"quoted\\\" \\\\ word\\n\"\n"
                 "let o = true == false\n");
    /* or binds loosest: (not p and q) or r, and not binds tighter than and */
    const node *b = item(p, 1)->a;
    cr_assert_eq(b->kind, N_BINARY);
    cr_assert_eq(b->flags, OP_OR);
    cr_assert_eq(b->a->flags, OP_AND);
    cr_assert_eq(b->a->a->kind, N_UNARY);
    const node *c = item(p, 2)->a;
    cr_assert_eq(c->flags, OP_ADD);
    cr_assert_eq(c->b->flags, OP_MUL);
    const node *d = item(p, 3)->a;
    cr_assert_eq(d->flags, OP_MUL);
    cr_assert_eq(d->a->kind, N_UNARY);
    const node *e = item(p, 4)->a;
    cr_assert_eq(e->flags, OP_IN);
    cr_assert_eq(e->b->flags, OP_EXCEPT);
    cr_assert_eq(item(p, 5)->a->kind, N_DOT);
    cr_assert_str_eq(item(p, 5)->a->name, "origin");
    cr_assert_eq(item(p, 6)->a->kind, N_WITH);
    cr_assert_eq(item(p, 6)->a->items.n, 2);
    cr_assert_eq(item(p, 7)->a->kind, N_SHIPMENT);
    cr_assert_eq(item(p, 7)->a->items.v[1]->a->v.num.units, INT64_C(1200500000));
    const node *i = item(p, 8)->a;
    cr_assert_eq(i->flags, OP_ADD);
    cr_assert_eq(i->b->kind, N_SPECIFIC);
    cr_assert_str_eq(i->b->name, "kg");
    cr_assert_eq(item(p, 9)->a->kind, N_CALL);
    cr_assert_eq(item(p, 9)->a->items.n, 2);
    cr_assert_str_eq(item(p, 10)->a->a->name, "rate");
    cr_assert_eq(item(p, 11)->a->kind, N_SET);
    cr_assert_eq(item(p, 11)->a->items.n, 0);
    cr_assert_eq(item(p, 12)->a->b->kind, N_DURATION);
    cr_assert_str_eq(item(p, 13)->a->name, "a \"quoted\" \\ word\n");
    parsed_free(p);
}

Test(parse, literals)
{
    parsed *p = parse_ok("let a = 25%\nlet b = 16.5%\nlet c = hs 0201.10\n"
                         "let d = hs 8471.30.0100\nlet e = 1_000_000\nlet f = 1 year\n");
    cr_assert_eq(item(p, 0)->a->v.num.units, 250000);
    cr_assert_eq(item(p, 1)->a->v.num.units, 165000);
    cr_assert_eq(item(p, 2)->a->v.hs.lo.digits, 20110);
    cr_assert_eq(item(p, 2)->a->v.hs.lo.len, 6);
    cr_assert_eq(item(p, 3)->a->v.hs.lo.len, 10);
    cr_assert_eq(item(p, 4)->a->v.num.units, INT64_C(1000000) * 1000000);
    cr_assert_eq(item(p, 5)->a->v.dur.unit, DUR_YEARS);
    parsed_free(p);
}

Test(parse, country_codes_that_look_like_keywords)
{
    /* IN, TO and BY are names; in, to and by are keywords. */
    parsed *p = parse_ok("group g = {IN, TO, BY}\n");
    const node *set = item(p, 0)->a;
    cr_assert_eq(set->items.n, 3);
    cr_assert_str_eq(set->items.v[0]->name, "IN");
    cr_assert_str_eq(set->items.v[2]->name, "BY");
    parsed_free(p);
}

Test(parse, dump_shows_spans)
{
    parsed *p = parse_ok("measure m {\n    rate 10%\n}\n");
    char *text = dump(p->tree);
    cr_assert(strstr(text, "measure m @1:1-3:1"), "%s", text);
    cr_assert(strstr(text, "rate @2:5-2:12"), "%s", text);
    cr_assert(strstr(text, "a: percent 10% @2:10-2:12"), "%s", text);
    free(text);
    parsed_free(p);
}

Test(parse, declarations_span_lines)
{
    parsed *p = parse_ok("let x =\n    1 +\n    2\ngroup g = {\n  A,\n  B\n}\n");
    cr_assert_eq(p->tree->items.n, 2);
    cr_assert_eq(item(p, 0)->a->flags, OP_ADD);
    parsed_free(p);
}

/* ---- Lexical errors --------------------------------------------------- */

Test(lex, stray_character)
{
    parsed *p = parse_text("let a = 1\nlet b = @\n");
    cr_assert_neq(p->status, PARSE_OK);
    assert_diag_at(p, D_LEX_STRAY, 2, 9);
    parsed_free(p);
}

Test(lex, non_ascii_outside_strings)
{
    parsed *p = parse_text("let s = \"é ok\"\nlet b = \xc3\xa9\n");
    assert_diag_at(p, D_LEX_STRAY, 2, 9);
    cr_assert_eq(count_code(p, D_LEX_STRAY), 1);
    parsed_free(p);
}

Test(lex, bad_date)
{
    parsed *p = parse_text("let d = 2025-02-30\n");
    assert_diag_at(p, D_LEX_BAD_DATE, 1, 9);
    parsed_free(p);
    p = parse_text("let d = 2025-13-01\n");
    assert_diag_at(p, D_LEX_BAD_DATE, 1, 9);
    parsed_free(p);
}

Test(lex, bad_product_code)
{
    parsed *p = parse_text("let c = hs 851\nlet d = hs 85.17\n");
    assert_diag_at(p, D_LEX_BAD_HS, 1, 9);
    assert_diag_at(p, D_LEX_BAD_HS, 2, 9);
    parsed_free(p);
}

Test(lex, bad_range)
{
    parsed *p = parse_text("let a = hs 72..8301\nlet b = hs 83..72\n");
    assert_diag_at(p, D_LEX_HS_RANGE, 1, 9);
    assert_diag_at(p, D_LEX_HS_RANGE, 2, 9);
    parsed_free(p);
}

Test(lex, bad_number)
{
    parsed *p = parse_text("let f = 1.12345678\nlet g = 99999999999999999999\n");
    assert_diag_at(p, D_LEX_BAD_NUMBER, 1, 9);
    assert_diag_at(p, D_LEX_BAD_NUMBER, 2, 9);
    parsed_free(p);
}

Test(lex, unterminated_string)
{
    parsed *p = parse_text("let s = \"abc\nlet t = 1\n");
    assert_diag_at(p, D_LEX_UNTERMINATED, 1, 9);
    /* Not at the end of input: the REPL need not ask for more. */
    cr_assert_eq(p->status, PARSE_ERROR);
    parsed_free(p);
}

Test(lex, bad_escape)
{
    parsed *p = parse_text("let g = \"a\\qb\"\n");
    assert_diag_at(p, D_LEX_BAD_ESCAPE, 1, 11);
    parsed_free(p);
}

Test(lex, dollar_without_amount)
{
    parsed *p = parse_text("let h = $ + 1\n");
    assert_diag_at(p, D_LEX_BAD_MONEY, 1, 9);
    parsed_free(p);
}

Test(lex, hs_without_code)
{
    parsed *p = parse_text("let c = hs\n");
    assert_diag_at(p, D_LEX_BAD_HS, 1, 9);
    parsed_free(p);
}

/* ---- Syntax errors and recovery ----------------------------------------- */

Test(syntax, error_lists_expected_tokens)
{
    parsed *p = parse_text("let x = = 3\n");
    cr_assert_eq(p->status, PARSE_ERROR);
    assert_diag_at(p, D_SYNTAX, 1, 9);
    cr_assert(strstr(p->diags.items[0].message, "expected an expression"), "%s",
              p->diags.items[0].message);
    parsed_free(p);
}

Test(syntax, recovers_at_each_declaration)
{
    parsed *p = parse_text("measure a { rate }\n"
                           "let x = = 3\n"
                           "measure ok { rate 1% }\n"
                           "group g = {A,, B}\n"
                           "let y = 2\n");
    cr_assert_eq(p->status, PARSE_ERROR);
    assert_diag_at(p, D_SYNTAX, 1, 18);
    assert_diag_at(p, D_SYNTAX, 2, 9);
    assert_diag_at(p, D_SYNTAX, 4, 14);
    cr_assert_eq(count_code(p, D_SYNTAX), 3);
    parsed_free(p);
}

Test(syntax, unclosed_brace_names_its_opening)
{
    parsed *p = parse_text("group g = {A, B\nlet y = 2\n");
    cr_assert_eq(p->status, PARSE_ERROR);
    cr_assert_geq(p->diags.count, 1);
    const diagnostic *d = &p->diags.items[0];
    cr_assert_str_eq(d->code, D_SYNTAX);
    cr_assert_eq(d->nnotes, 1);
    cr_assert(strstr(d->notes[0].message, "to close the '{'"), "%s", d->notes[0].message);
    cr_assert_eq(d->notes[0].at.first_line, 1);
    cr_assert_eq(d->notes[0].at.first_column, 11);
    parsed_free(p);
}

/* The word after 'rate by' is the checker's to judge (golden
   syn_bad_rate_by); the parser keeps it. */
Test(syntax, bad_rate_by_is_kept)
{
    parsed *p = parse_ok("measure m { rate by colour { A: 1% } }\n");
    node *rate = item(p, 0)->items.v[0];
    cr_assert_eq(rate->kind, N_RATE_BY);
    cr_assert_eq(rate->flags, 0);
    cr_assert_str_eq(rate->a->name, "colour");
    cr_assert_eq(rate->a->at.first_column, 21);
    parsed_free(p);
}

/* ---- The newline rule ----------------------------------------------------- */

Test(newline, call_then_parenthesis_is_two_statements)
{
    parsed *p = parse_ok("explain(a)\n(b)\n");
    cr_assert_eq(p->tree->items.n, 2);
    cr_assert_eq(item(p, 0)->kind, N_EXPR_STMT);
    cr_assert_eq(item(p, 0)->a->kind, N_CALL);
    cr_assert_eq(item(p, 1)->kind, N_EXPR_STMT);
    cr_assert_eq(item(p, 1)->a->kind, N_NAME);
    parsed_free(p);
}

Test(newline, minus_on_next_line_is_a_new_statement)
{
    parsed *p = parse_ok("explain(a)\n-$5\n");
    cr_assert_eq(p->tree->items.n, 2);
    cr_assert_eq(item(p, 1)->a->kind, N_UNARY);
    cr_assert_eq(item(p, 1)->a->flags, OP_NEG);
    parsed_free(p);
}

Test(newline, operator_at_end_of_line_continues)
{
    parsed *p = parse_ok("x +\ny\n");
    cr_assert_eq(p->tree->items.n, 1);
    cr_assert_eq(item(p, 0)->a->flags, OP_ADD);
    parsed_free(p);
}

Test(newline, brackets_continue_a_statement)
{
    parsed *p = parse_ok("max(a,\n    b)\n");
    cr_assert_eq(p->tree->items.n, 1);
    parsed_free(p);
}

Test(newline, declarations_ignore_newlines)
{
    parsed *p = parse_ok("let x = a\n- b\n");
    cr_assert_eq(p->tree->items.n, 1);
    cr_assert_eq(item(p, 0)->a->flags, OP_SUB);
    parsed_free(p);
}

/* A statement that starts with a bracket: the scanner has read the bracket
 * before the statement begins.  Disabled until the grammar handles it (see
 * begin_expr_stmt in grammar/parser.y): today `{CN}` alone is a syntax error
 * and `{CN}` followed by `(c)` does not terminate. */
Test(newline, statement_starting_with_a_bracket)
{
    parsed *p = parse_ok("(b)\n(c)\n{CN}\n");
    cr_assert_eq(p->tree->items.n, 3);
    parsed_free(p);
}

Test(newline, statement_in_test_block)
{
    parsed *p = parse_ok("test \"t\" {\n  explain(a)\n  -$5\n  expect x\n}\n");
    const node *t = item(p, 0);
    cr_assert_eq(t->items.n, 3);
    cr_assert_eq(t->items.v[0]->kind, N_EXPR_STMT);
    cr_assert_eq(t->items.v[1]->kind, N_EXPR_STMT);
    cr_assert_eq(t->items.v[2]->kind, N_EXPECT);
    parsed_free(p);
}

/* ---- The REPL's verdict ---------------------------------------------------- */

Test(incomplete, open_declaration)
{
    parsed *p = parse_text("measure m {");
    cr_assert_eq(p->status, PARSE_INCOMPLETE);
    parsed_free(p);
    p = parse_text("measure m {\n    rate 10%\n");
    cr_assert_eq(p->status, PARSE_INCOMPLETE);
    parsed_free(p);
}

Test(incomplete, unterminated_string_at_end)
{
    parsed *p = parse_text("let x = \"abc");
    cr_assert_eq(p->status, PARSE_INCOMPLETE);
    parsed_free(p);
}

Test(incomplete, complete_input_is_not)
{
    parsed *p = parse_text("measure m { rate }\n");
    cr_assert_eq(p->status, PARSE_ERROR);
    parsed_free(p);
    p = parse_text("let x = 1\n");
    cr_assert_eq(p->status, PARSE_OK);
    parsed_free(p);
}

Test(parse, empty_input)
{
    parsed *p = parse_ok("");
    cr_assert_eq(p->tree->items.n, 0);
    parsed_free(p);
    p = parse_ok("# only a comment\n\n");
    cr_assert_eq(p->tree->items.n, 0);
    parsed_free(p);
}

/* 10,000 of each inside one another: E202, never bison's "memory exhausted". */
static void assert_nesting_error(const char *open, const char *middle, const char *close)
{
    size_t n = 10000;
    size_t size = 16 + n * (strlen(open) + strlen(close)) + strlen(middle);
    char *text = malloc(size);
    cr_assert_not_null(text);
    strcpy(text, "let x = ");
    char *p = text + strlen(text);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s", open);
    p += sprintf(p, "%s", middle);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s", close);
    strcpy(p, "\n");
    parsed *pr = parse_text(text);
    free(text);
    cr_assert_neq(pr->status, PARSE_OK);
    bool nesting = false;
    for (size_t i = 0; i < pr->diags.count; i++) {
        cr_assert(strstr(pr->diags.items[i].message, "memory exhausted") == NULL);
        nesting |= strcmp(pr->diags.items[i].code, D_SYNTAX_NESTING) == 0 &&
                   strstr(pr->diags.items[i].message, "nested too deeply") != NULL;
    }
    cr_assert(nesting, "no E202 for %s...%s", open, close);
    parsed_free(pr);
}

Test(parse, nesting_too_deep_is_E202)
{
    assert_nesting_error("(", "1", ")");
    assert_nesting_error("{", "1", "}");
    assert_nesting_error("not ", "true", "");
    assert_nesting_error("- ", "1", "");
    assert_nesting_error("if true then ", "1", " else 2");
}
