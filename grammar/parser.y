/* parser.y - the Levy grammar.
 *
 * A pure parser with locations; it builds the tree and nothing else (names
 * are resolved and types checked in check.c; which newlines matter, bracket
 * depth and where recovery resumes are the token filter's, token_filter.h).  Clauses of measures, pauses
 * and concessions share one grammar; which clause is allowed where is the
 * checker's business, so a misplaced clause gets a sentence, not a syntax
 * error.  Syntax errors list the tokens that were expected (LAC keeps that
 * list exact) and recovery resumes at the next declaration.
 */
%require "3.8"
%define api.pure full
%define api.prefix {lvy_}
%define api.value.type {token_value}
%define api.location.type {span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {parse_ctx *ctx}

%code requires {
#include "ast.h"
#include "diag.h"
#include "parse.h"
}

%code {
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "diag_codes.h"
#include "suggest.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                     \
    do {                                                                \
        if (N) {                                                        \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                         \
            (Cur).first_line = YYRHSLOC(Rhs, 1).first_line;             \
            (Cur).first_column = YYRHSLOC(Rhs, 1).first_column;         \
            (Cur).last_line = YYRHSLOC(Rhs, N).last_line;               \
            (Cur).last_column = YYRHSLOC(Rhs, N).last_column;           \
        } else {                                                        \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                         \
            (Cur).first_line = (Cur).last_line = YYRHSLOC(Rhs, 0).last_line; \
            (Cur).first_column = (Cur).last_column = YYRHSLOC(Rhs, 0).last_column; \
        }                                                               \
    } while (0)

/* Bison calls yyerror only when its stack is exhausted: a deep stack means
 * the text is nested too deeply (brackets, `not`, `-`, `if` inside one
 * another thousands of times), which is E202, not an E201 "memory exhausted". */
static void parser_error(const span *at, parse_ctx *ctx, const char *msg, long depth);
#define lvy_error(at, ctx, msg) parser_error(at, ctx, msg, (long)(yyssp - yyss))

/* The parser's tokens come through the token filter, which may ask whether
 * an end of line would be taken here: the question LAC answers, asked of the
 * parser's current stack (the locals of yyparse, named as in bison 3.8's
 * yacc.c skeleton, which %require pins). */
typedef struct parser_stack_view {
    void *yyesa, *yyes, *yyes_capacity, *yyssp; /* their types come later */
} parser_stack_view;
static bool parser_accepts_newline(void *view);
#define lvy_lex(lval, lloc, ctx)                                                        \
    token_filter_next(ctx, lval, lloc,                                                  \
                      &(parser_probe){ parser_accepts_newline,                          \
                                       &(parser_stack_view){ yyesa, &yyes, &yyes_capacity, \
                                                             yyssp } })

static node *mk(parse_ctx *ctx, node_kind kind, span at);
static node *mk_binary(parse_ctx *ctx, int oper, node *a, node *b, span at);
static node *mk_unary(parse_ctx *ctx, int oper, node *a, span at);
static node *mk_call(parse_ctx *ctx, node *callee, node_list args, span at);
static node_list list1(parse_ctx *ctx, node *n);
static node_list push(parse_ctx *ctx, node_list l, node *n);
static node *with_items(node *n, node_list items);
}

%token END 0 "end of input"
%token <n> IDENT "identifier"
%token <n> NUMBER "number"
%token <n> PERCENT "percentage"
%token <n> MONEY "amount"
%token <n> DATE "date"
%token <n> DURATION "duration"
%token <n> STRING "string"
%token <n> HSCODE "product code"
%token <n> HSRANGE "product code range"
%token NEWLINE "end of line"

%token IMPORT "import" IMPORTER "importer" COUNTRY "country" GROUP "group"
%token PRODUCTS "products" LET "let" ATTRIBUTE "attribute"
%token SCHEDULE "schedule" MEASURE "measure" PAUSE "pause"
%token CONCESSION "concession" COMMITMENT "commitment" COMMIT "commit"
%token SCENARIO "scenario" TEST "test" EXPECT "expect" UNDER "under"
%token DROP "drop" ON "on" FROM "from" WHEN "when" RATE "rate" BY "by"
%token BASE "base" REPLACES "replaces" CITATION "citation"
%token SUSPEND "suspend" TO "to" SET "set" CAP "cap" AT "at"
%token REDUCE "reduce" EFFECTIVE "effective" UNTIL "until"
%token THROUGH "through" FOR "for" OVERRIDES "overrides"
%token IF "if" THEN "then" ELSE "else" AND "and" OR "or" NOT "not"
%token IN "in" EXCEPT "except" WITH "with" SHIPMENT "shipment"
%token PER "per" ALL "all" TRUE "true" FALSE "false" HS "hs"
%token COLUMN "column"
%token EQ "==" NE "!=" LE "<=" GE ">="

%type <n> statement declaration decl_body expr_statement under_block
%type <n> import importer country group products let attribute schedule
%type <n> measure pause concession commitment commit scenario test
%type <n> clause window window_opt entry field_init primary postfix expr
%type <n> scenario_item block_statement name string_opt column_opt
%type <n> type_name rate_to_opt
%type <list> statements clauses entries entry_seq field_inits field_seq
%type <list> names args arg_seq elements element_seq scenario_items
%type <list> block_statements

/* A declaration that ends in an expression (let, group, attribute...) takes
   what follows on the next line as part of it when it can: declarations may
   span lines freely.  DECL_END marks those endings as weaker than any token
   that continues them. */
%precedence DECL_END
%precedence STRING '(' EFFECTIVE
%precedence ELSE
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE IN
%left '+' '-' EXCEPT
%left '*' '/'
%precedence UMINUS

%%

program
    : statements                { ctx->result = with_items(mk(ctx, N_PROGRAM, @$), $1); }
    ;

statements
    : %empty                    { $$ = (node_list){0}; }
    | statements statement      { $$ = $2 ? push(ctx, $1, $2) : $1; }
    | statements error
        {
            /* The token of the error is dropped; the token filter gives it
               back if parsing resumes there (token_filter_syntax_error). */
            yyclearin;
            yyerrok;
            $$ = $1;
        }
    ;

statement
    : declaration
    | under_block
    | expr_statement
    ;

declaration
    : import | importer | country | group | products | let | attribute
    | schedule | measure | pause | concession | commitment | commit
    | scenario | test
    ;

expr_statement
    : expr NEWLINE
        { $$ = mk(ctx, N_EXPR_STMT, @1); $$->a = $1; }
    ;

name
    : IDENT
    ;

string_opt
    : %empty %prec DECL_END     { $$ = NULL; }
    | STRING
    ;

import
    : IMPORT IDENT              { $$ = mk(ctx, N_IMPORT, @$); $$->name = $2->name; }
    | IMPORT STRING             { $$ = mk(ctx, N_IMPORT, @$); $$->name = $2->name; $$->flags = IMPORT_PATH; }
    ;

importer
    : IMPORTER name             { $$ = mk(ctx, N_IMPORTER, @$); $$->a = $2; }
    ;

country
    : COUNTRY IDENT string_opt
        { $$ = mk(ctx, N_COUNTRY, @$); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    ;

group
    : GROUP IDENT string_opt '=' expr %prec DECL_END
        { $$ = mk(ctx, N_GROUP, @$); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; $$->a = $5; }
    ;

products
    : PRODUCTS IDENT string_opt '=' expr %prec DECL_END
        { $$ = mk(ctx, N_PRODUCTS, @$); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; $$->a = $5; }
    ;

let
    : LET IDENT '=' expr %prec DECL_END
        { $$ = mk(ctx, N_LET, @$); $$->name = $2->name; $$->a = $4; }
    ;

attribute
    : ATTRIBUTE IDENT ':' type_name string_opt %prec DECL_END
        { $$ = mk(ctx, N_ATTRIBUTE, @$); $$->name = $2->name; $$->a = $4; $$->desc = $5 ? $5->name : NULL; }
    | ATTRIBUTE IDENT ':' type_name '=' expr string_opt
        { $$ = mk(ctx, N_ATTRIBUTE, @$); $$->name = $2->name; $$->a = $4; $$->b = $6; $$->desc = $7 ? $7->name : NULL; }
    ;

type_name
    : IDENT
    | COUNTRY                   { $$ = mk(ctx, N_NAME, @$); $$->name = "country"; }
    ;

schedule
    : SCHEDULE IDENT string_opt '{' entries '}'
        { $$ = with_items(mk(ctx, N_SCHEDULE, @$), $5); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    | SCHEDULE IDENT string_opt FROM STRING column_opt
        { $$ = mk(ctx, N_SCHEDULE, @$); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; $$->b = $5; $$->c = $6; }
    ;

column_opt
    : %empty                    { $$ = NULL; }
    | COLUMN STRING             { $$ = $2; }
    ;

measure
    : MEASURE IDENT string_opt decl_body
        { $$ = $4; $$->kind = N_MEASURE; $$->at = @$; $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    ;

pause
    : PAUSE IDENT string_opt decl_body
        { $$ = $4; $$->kind = N_PAUSE; $$->at = @$; $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    ;

concession
    : CONCESSION IDENT string_opt decl_body
        { $$ = $4; $$->kind = N_CONCESSION; $$->at = @$; $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    ;

decl_body
    : '{' clauses '}'           { $$ = with_items(mk(ctx, N_MEASURE, @$), $2); }
    ;

clauses
    : %empty                    { $$ = (node_list){0}; }
    | clauses clause            { $$ = push(ctx, $1, $2); }
    ;

clause
    : ON expr                   { $$ = mk(ctx, N_ON, @$); $$->a = $2; }
    | FROM expr                 { $$ = mk(ctx, N_FROM, @$); $$->a = $2; }
    | WHEN expr                 { $$ = mk(ctx, N_WHEN, @$); $$->a = $2; }
    | RATE expr window_opt      { $$ = mk(ctx, N_RATE, @$); $$->a = $2; $$->b = $3; }
    | RATE BY IDENT '{' entries '}' window_opt
        {
            $$ = with_items(mk(ctx, N_RATE_BY, @$), $5);
            $$->b = $7;
            /* Any other word is kept for the checker to report. */
            if (strcmp($3->name, "origin") == 0)
                $$->flags = BY_ORIGIN;
            else if (strcmp($3->name, "product") == 0)
                $$->flags = BY_PRODUCT;
            else
                $$->a = $3;
        }
    | BASE expr                 { $$ = mk(ctx, N_BASE, @$); $$->a = $2; }
    | REPLACES names window_opt { $$ = with_items(mk(ctx, N_REPLACES, @$), $2); $$->b = $3; }
    | CITATION STRING           { $$ = mk(ctx, N_CITATION, @$); $$->name = $2->name; }
    | SUSPEND names rate_to_opt { $$ = with_items(mk(ctx, N_SUSPEND, @$), $2); $$->a = $3; }
    | SUSPEND ALL rate_to_opt   { $$ = mk(ctx, N_SUSPEND, @$); $$->flags = SUSPEND_ALL; $$->a = $3; }
    | SUSPEND ALL EXCEPT names rate_to_opt
        { $$ = with_items(mk(ctx, N_SUSPEND, @$), $4); $$->flags = SUSPEND_ALL; $$->a = $5; }
    | SET name TO expr          { $$ = mk(ctx, N_SET_TO, @$); $$->a = $2; $$->b = $4; }
    | CAP name AT expr          { $$ = mk(ctx, N_CAP, @$); $$->a = $2; $$->b = $4; }
    | REDUCE name BY expr       { $$ = mk(ctx, N_REDUCE, @$); $$->a = $2; $$->b = $4; }
    | EFFECTIVE window          { $$ = mk(ctx, N_EFFECTIVE, @$); $$->b = $2; }
    | OVERRIDES names           { $$ = with_items(mk(ctx, N_OVERRIDES, @$), $2); }
    ;

rate_to_opt
    : %empty                    { $$ = NULL; }
    | TO expr                   { $$ = $2; }
    ;

names
    : name                      { $$ = list1(ctx, $1); }
    | names ',' name            { $$ = push(ctx, $1, $3); }
    ;

window_opt
    : %empty %prec DECL_END     { $$ = NULL; }
    | EFFECTIVE window          { $$ = $2; }
    ;

window
    : expr %prec DECL_END       { $$ = mk(ctx, N_WINDOW, @$); $$->flags = WIN_FROM; $$->a = $1; }
    | expr UNTIL expr %prec DECL_END { $$ = mk(ctx, N_WINDOW, @$); $$->flags = WIN_UNTIL; $$->a = $1; $$->b = $3; }
    | expr THROUGH expr %prec DECL_END { $$ = mk(ctx, N_WINDOW, @$); $$->flags = WIN_THROUGH; $$->a = $1; $$->b = $3; }
    | expr FOR expr %prec DECL_END { $$ = mk(ctx, N_WINDOW, @$); $$->flags = WIN_FOR; $$->a = $1; $$->b = $3; }
    ;

/* Table entries: `CN: 34%`, `hs 8703: 25%`; commas between entries are
   optional, so a schedule may be written one entry a line. */
entries
    : %empty                    { $$ = (node_list){0}; }
    | entry_seq
    | entry_seq ','
    ;

entry_seq
    : entry                     { $$ = list1(ctx, $1); }
    | entry_seq ',' entry       { $$ = push(ctx, $1, $3); }
    | entry_seq entry           { $$ = push(ctx, $1, $2); }
    ;

entry
    : IDENT ':' expr            { $$ = mk(ctx, N_ENTRY, @$); $$->a = $1; $$->b = $3; }
    | HSCODE ':' expr           { $$ = mk(ctx, N_ENTRY, @$); $$->a = $1; $$->b = $3; }
    | HSRANGE ':' expr          { $$ = mk(ctx, N_ENTRY, @$); $$->a = $1; $$->b = $3; }
    ;

commitment
    : COMMITMENT IDENT string_opt
        { $$ = mk(ctx, N_COMMITMENT, @$); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    ;

commit
    : COMMIT expr TO name window_opt
        { $$ = mk(ctx, N_COMMIT, @$); $$->a = $2; $$->b = $4; $$->c = $5; }
    ;

scenario
    : SCENARIO IDENT string_opt '{' scenario_items '}'
        { $$ = with_items(mk(ctx, N_SCENARIO, @$), $5); $$->name = $2->name; $$->desc = $3 ? $3->name : NULL; }
    ;

scenario_items
    : %empty                    { $$ = (node_list){0}; }
    | scenario_items scenario_item { $$ = push(ctx, $1, $2); }
    ;

scenario_item
    : declaration
    | DROP names                { $$ = with_items(mk(ctx, N_DROP, @$), $2); }
    ;

test
    : TEST STRING '{' block_statements '}'
        { $$ = with_items(mk(ctx, N_TEST, @$), $4); $$->name = $2->name; }
    ;

under_block
    : UNDER name '{' block_statements '}'
        { $$ = with_items(mk(ctx, N_UNDER, @$), $4); $$->a = $2; }
    ;

block_statements
    : %empty                    { $$ = (node_list){0}; }
    | block_statements block_statement { $$ = push(ctx, $1, $2); }
    ;

block_statement
    : let
    | EXPECT expr %prec DECL_END { $$ = mk(ctx, N_EXPECT, @$); $$->a = $2; }
    | under_block
    | expr_statement
    ;

/* Expressions, lowest precedence first (see the %left lines above). */
expr
    : IF expr THEN expr ELSE expr %prec ELSE
        { $$ = mk(ctx, N_IF, @$); $$->a = $2; $$->b = $4; $$->c = $6; }
    | expr OR expr              { $$ = mk_binary(ctx, OP_OR, $1, $3, @$); }
    | expr AND expr             { $$ = mk_binary(ctx, OP_AND, $1, $3, @$); }
    | NOT expr                  { $$ = mk_unary(ctx, OP_NOT, $2, @$); }
    | expr EQ expr              { $$ = mk_binary(ctx, OP_EQ, $1, $3, @$); }
    | expr NE expr              { $$ = mk_binary(ctx, OP_NE, $1, $3, @$); }
    | expr '<' expr             { $$ = mk_binary(ctx, OP_LT, $1, $3, @$); }
    | expr LE expr              { $$ = mk_binary(ctx, OP_LE, $1, $3, @$); }
    | expr '>' expr             { $$ = mk_binary(ctx, OP_GT, $1, $3, @$); }
    | expr GE expr              { $$ = mk_binary(ctx, OP_GE, $1, $3, @$); }
    | expr IN expr              { $$ = mk_binary(ctx, OP_IN, $1, $3, @$); }
    | expr '+' expr             { $$ = mk_binary(ctx, OP_ADD, $1, $3, @$); }
    | expr '-' expr             { $$ = mk_binary(ctx, OP_SUB, $1, $3, @$); }
    | expr EXCEPT expr          { $$ = mk_binary(ctx, OP_EXCEPT, $1, $3, @$); }
    | expr '*' expr             { $$ = mk_binary(ctx, OP_MUL, $1, $3, @$); }
    | expr '/' expr             { $$ = mk_binary(ctx, OP_DIV, $1, $3, @$); }
    | '-' expr %prec UMINUS     { $$ = mk_unary(ctx, OP_NEG, $2, @$); }
    | postfix
    ;

postfix
    : primary
    | postfix '.' IDENT         { $$ = mk(ctx, N_DOT, @$); $$->a = $1; $$->name = $3->name; }
    | postfix WITH '{' field_inits '}'
        { $$ = with_items(mk(ctx, N_WITH, @$), $4); $$->a = $1; }
    | postfix PER IDENT         { $$ = mk(ctx, N_SPECIFIC, @$); $$->a = $1; $$->name = $3->name; }
    ;

primary
    : IDENT %prec DECL_END
    | NUMBER | PERCENT | MONEY | DATE | DURATION | STRING | HSCODE | HSRANGE
    | HS                        { $$ = mk(ctx, N_HS, @$); }
    | TRUE                      { $$ = mk(ctx, N_BOOL, @$); $$->flags = 1; }
    | FALSE                     { $$ = mk(ctx, N_BOOL, @$); }
    | ALL                       { $$ = mk(ctx, N_ALL, @$); }
    | '(' expr ')'              { $$ = $2; }
    | '{' elements '}'          { $$ = with_items(mk(ctx, N_SET, @$), $2); }
    | IDENT '(' args ')'        { $$ = mk_call(ctx, $1, $3, @$); }
    | RATE '(' args ')'
        {
            node *callee = mk(ctx, N_NAME, @1);
            callee->name = "rate";
            $$ = mk_call(ctx, callee, $3, @$);
        }
    | SHIPMENT '{' field_inits '}'
        { $$ = with_items(mk(ctx, N_SHIPMENT, @$), $3); }
    ;

args
    : %empty                    { $$ = (node_list){0}; }
    | arg_seq
    ;

arg_seq
    : expr                      { $$ = list1(ctx, $1); }
    | arg_seq ',' expr          { $$ = push(ctx, $1, $3); }
    ;

elements
    : %empty                    { $$ = (node_list){0}; }
    | element_seq
    | element_seq ','
    ;

element_seq
    : expr                      { $$ = list1(ctx, $1); }
    | element_seq ',' expr      { $$ = push(ctx, $1, $3); }
    ;

/* Fields of a shipment or of `with`: commas optional, as in tables. */
field_inits
    : %empty                    { $$ = (node_list){0}; }
    | field_seq
    | field_seq ','
    ;

field_seq
    : field_init                { $$ = list1(ctx, $1); }
    | field_seq ',' field_init  { $$ = push(ctx, $1, $3); }
    | field_seq field_init      { $$ = push(ctx, $1, $2); }
    ;

field_init
    : IDENT ':' expr            { $$ = mk(ctx, N_FIELD_INIT, @$); $$->name = $1->name; $$->a = $3; }
    ;

%%


/* Tree building.  An allocation failure is reported once and parsing goes on
 * with a scratch node, so no action needs to test for NULL. */
void parse_out_of_memory(parse_ctx *ctx, span at) {
    if (!ctx->out_of_memory)
        diag_add(ctx->diags, SEV_ERROR, D_SYNTAX, at, "out of memory while parsing");
    ctx->out_of_memory = true;
}

node *parse_node(parse_ctx *ctx, node_kind kind, span at) {
    node *n = ast_new(ctx->arena, kind, at);
    if (n)
        return n;
    parse_out_of_memory(ctx, at);
    /* Tokens and nodes share the scratch, so an action may find it was
       cleared after a token took it: every field it reads is still
       valid (a name is ""). */
    memset(&ctx->scratch, 0, sizeof ctx->scratch);
    ctx->scratch.kind = kind;
    ctx->scratch.name = "";
    return &ctx->scratch;
}

static node *mk(parse_ctx *ctx, node_kind kind, span at) { return parse_node(ctx, kind, at); }

static node *mk_binary(parse_ctx *ctx, int oper, node *a, node *b, span at) {
    node *n = mk(ctx, N_BINARY, at);
    n->flags = oper;
    n->a = a;
    n->b = b;
    return n;
}

static node *mk_unary(parse_ctx *ctx, int oper, node *a, span at) {
    node *n = mk(ctx, N_UNARY, at);
    n->flags = oper;
    n->a = a;
    return n;
}

static node *mk_call(parse_ctx *ctx, node *callee, node_list args, span at) {
    node *n = mk(ctx, N_CALL, at);
    n->a = callee;
    n->items = args;
    return n;
}

static node_list push(parse_ctx *ctx, node_list l, node *n) {
    if (n && !ast_push(ctx->arena, &l, n) && !ctx->out_of_memory) {
        ctx->out_of_memory = true;
        diag_add(ctx->diags, SEV_ERROR, D_SYNTAX, n->at, "out of memory while parsing");
    }
    return l;
}

static node_list list1(parse_ctx *ctx, node *n) {
    return push(ctx, (node_list){0}, n);
}

static node *with_items(node *n, node_list items) {
    n->items = items;
    return n;
}

static bool parser_accepts_newline(void *view) {
    parser_stack_view *v = view;
    return yy_lac(v->yyesa, v->yyes, v->yyes_capacity, v->yyssp, YYSYMBOL_NEWLINE) == 0;
}

/* Syntax errors.  The expected tokens are grouped ("an expression", "a
 * clause") when a list would be too long to read. */

static const char *symbol_display(yysymbol_kind_t sym, char *buf, size_t n) {
    const char *name = yysymbol_name(sym);
    /* Aliases come quoted: "identifier", "measure". */
    int len = (int)strlen(name);
    const char *bare = name;
    if (len >= 2 && name[0] == '"') {
        bare = name + 1;
        len -= 2;
    }
    switch (sym) {
    case YYSYMBOL_YYEOF: case YYSYMBOL_NEWLINE:
        snprintf(buf, n, "the %.*s", len, bare);
        break;
    case YYSYMBOL_IDENT: case YYSYMBOL_NUMBER: case YYSYMBOL_PERCENT:
    case YYSYMBOL_MONEY: case YYSYMBOL_DATE: case YYSYMBOL_DURATION:
    case YYSYMBOL_STRING: case YYSYMBOL_HSCODE: case YYSYMBOL_HSRANGE:
        snprintf(buf, n, "%s %.*s", strchr("aeiou", bare[0]) ? "an" : "a", len, bare);
        break;
    default:
        if (bare[0] == '\'')
            snprintf(buf, n, "%.*s", len, bare); /* already quoted: '(' */
        else
            snprintf(buf, n, "'%.*s'", len, bare);
        break;
    }
    return buf;
}

static bool symbol_is(yysymbol_kind_t s, const char *quoted) {
    return strcmp(yysymbol_name(s), quoted) == 0;
}

static bool starts_expression(yysymbol_kind_t s) {
    if (symbol_is(s, "'-'") || symbol_is(s, "'('") || symbol_is(s, "'{'"))
        return true;
    switch (s) {
    case YYSYMBOL_IDENT: case YYSYMBOL_NUMBER: case YYSYMBOL_PERCENT:
    case YYSYMBOL_MONEY: case YYSYMBOL_DATE: case YYSYMBOL_DURATION:
    case YYSYMBOL_STRING: case YYSYMBOL_HSCODE: case YYSYMBOL_HSRANGE:
    case YYSYMBOL_HS: case YYSYMBOL_TRUE: case YYSYMBOL_FALSE: case YYSYMBOL_ALL:
    case YYSYMBOL_IF: case YYSYMBOL_NOT: case YYSYMBOL_SHIPMENT:
    case YYSYMBOL_RATE:
        return true;
    default:
        return false;
    }
}

static bool continues_expression(yysymbol_kind_t s) {
    switch (s) {
    case YYSYMBOL_OR: case YYSYMBOL_AND: case YYSYMBOL_EQ: case YYSYMBOL_NE:
    case YYSYMBOL_LE: case YYSYMBOL_GE: case YYSYMBOL_IN: case YYSYMBOL_EXCEPT:
    case YYSYMBOL_WITH: case YYSYMBOL_PER:
        return true;
    default:
        return symbol_is(s, "'<'") || symbol_is(s, "'>'") || symbol_is(s, "'+'") ||
               symbol_is(s, "'-'") || symbol_is(s, "'*'") || symbol_is(s, "'/'") ||
               symbol_is(s, "'.'");
    }
}

static bool starts_clause(yysymbol_kind_t s) {
    switch (s) {
    case YYSYMBOL_ON: case YYSYMBOL_FROM: case YYSYMBOL_WHEN: case YYSYMBOL_RATE:
    case YYSYMBOL_BASE: case YYSYMBOL_REPLACES: case YYSYMBOL_CITATION:
    case YYSYMBOL_SUSPEND: case YYSYMBOL_SET: case YYSYMBOL_CAP:
    case YYSYMBOL_REDUCE: case YYSYMBOL_EFFECTIVE: case YYSYMBOL_OVERRIDES:
        return true;
    default:
        return false;
    }
}

static bool starts_declaration_symbol(yysymbol_kind_t s) {
    switch (s) {
#define DECL_KIND(word, TOKEN, kind, phrase, cls, where, list) case YYSYMBOL_##TOKEN:
#include "decl_kinds.def"
        return true;
    default:
        return false;
    }
}

typedef struct expected_summary {
    char text[512];
    size_t len;
    int items;
} expected_summary;

static void summary_add(expected_summary *s, const char *item) {
    if (s->len >= sizeof s->text - 1)
        return;
    int w = snprintf(s->text + s->len, sizeof s->text - s->len, "%s%s",
                     s->items ? "\x1f" : "", item);
    if (w > 0)
        s->len += (size_t)w < sizeof s->text - s->len ? (size_t)w : sizeof s->text - s->len - 1;
    s->items++;
}

/* Joins the collected items as "A, B or C". */
static void summary_render(const expected_summary *s, char *out, size_t n) {
    size_t o = 0;
    int seen = 0;
    const char *p = s->text;
    while (o < n - 1 && seen < s->items) {
        const char *sep = strchr(p, '\x1f');
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        const char *joiner = seen == 0 ? "" : seen == s->items - 1 ? " or " : ", ";
        int w = snprintf(out + o, n - o, "%s%.*s", joiner, (int)len, p);
        if (w < 0)
            break;
        o += (size_t)w;
        seen++;
        if (!sep)
            break;
        p = sep + 1;
    }
    if (o >= n)
        out[n - 1] = '\0';
}

static void describe_expected(const yypcontext_t *yyctx, char *out, size_t n) {
    yysymbol_kind_t syms[YYNTOKENS];
    int count = yypcontext_expected_tokens(yyctx, syms, YYNTOKENS);
    int expr = 0, cont = 0, clause = 0, decl = 0;
    for (int i = 0; i < count; i++) {
        expr += starts_expression(syms[i]);
        cont += continues_expression(syms[i]);
        clause += starts_clause(syms[i]);
        decl += starts_declaration_symbol(syms[i]);
    }
    expected_summary s = { .len = 0, .items = 0 };
    s.text[0] = '\0';
    bool group_expr = expr >= 6, group_cont = cont >= 4, group_clause = clause >= 6,
         group_decl = decl >= 6;
    if (group_decl)
        summary_add(&s, "a declaration");
    if (group_clause)
        summary_add(&s, "a clause (on, from, when, rate, suspend, cap, effective, ...)");
    if (group_expr)
        summary_add(&s, "an expression");
    if (group_cont)
        summary_add(&s, "an operator");
    char buf[64];
    int listed = 0;
    for (int i = 0; i < count; i++) {
        if ((group_expr && starts_expression(syms[i]) && !(group_clause && starts_clause(syms[i]))) ||
            (group_cont && continues_expression(syms[i])) ||
            (group_clause && starts_clause(syms[i])) ||
            (group_decl && starts_declaration_symbol(syms[i])))
            continue;
        if (syms[i] == YYSYMBOL_NEWLINE)
            continue;
        if (listed++ < 8)
            summary_add(&s, symbol_display(syms[i], buf, sizeof buf));
    }
    if (s.items == 0) {
        snprintf(out, n, "%s", "");
        return;
    }
    summary_render(&s, out, n);
}

/* A hint for the commonest slip at the start of a line: a misspelt
 * declaration keyword ("measur steel {"), or `x = 5` without `let`.  The
 * name before the bad token began the line and was taken for an
 * expression. */
static void hint_statement_start(parse_ctx *ctx, diagnostic *d, yysymbol_kind_t bad) {
    /* Words of three letters ("let") are too short to guess at. */
    static const char *const words[] = {
#define DECL_KIND(word, TOKEN, kind, phrase, cls, where, list) word,
#include "decl_kinds.def"
    };
    const filter_token *prev = &ctx->filter.prev;
    if (!d || prev->token != IDENT)
        return;
    span at = parse_span(ctx, prev->start, prev->end);
    if (at.first_column != 1)
        return;
    const char *word = ctx->src->text + prev->start;
    size_t len = prev->end - prev->start;
    const char *best = NULL;
    int best_distance = 3;
    for (size_t i = 0; len >= 3 && i < sizeof words / sizeof words[0]; i++) {
        size_t wlen = strlen(words[i]);
        if (wlen <= 3)
            continue;
        int dist = edit_distance(word, len, words[i], wlen, best_distance);
        if (dist < best_distance || (dist == best_distance && best && strcmp(words[i], best) < 0)) {
            best = words[i];
            best_distance = dist;
        }
    }
    if (best)
        diag_note(d, at, "did you mean the keyword '%s'?", best);
    else if (symbol_is(bad, "'='"))
        diag_note(d, at, "to give a value a name, write 'let %.*s = ...'", (int)len, word);
}

/* The word of the source that ends just before offset `end` (blanks
 * skipped), or an empty one. */
static size_t word_before(const parse_ctx *ctx, size_t end, const char **word) {
    const char *t = ctx->src->text;
    while (end > 0 && (t[end - 1] == ' ' || t[end - 1] == '\t'))
        end--;
    size_t start = end;
    while (start > 0 && (isalnum((unsigned char)t[start - 1]) || t[start - 1] == '_'))
        start--;
    *word = t + start;
    return end - start;
}

static bool word_is(const char *w, size_t len, const char *s) {
    return len == strlen(s) && memcmp(w, s, len) == 0;
}

/* The month (1-12) a word names, as in "April 9, 2025" or "Apr 9"; 0 if none. */
static int month_named(const char *w, size_t len) {
    static const char *const months[] = { "january", "february", "march",     "april",
                                          "may",     "june",     "july",      "august",
                                          "september", "october", "november", "december" };
    if (len < 3)
        return 0;
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(months[m]);
        if (len > full || (len != full && len != 3))
            continue;
        size_t i = 0;
        while (i < len && tolower((unsigned char)w[i]) == months[m][i])
            i++;
        if (i == len)
            return m + 1;
    }
    return 0;
}

/* Hints for the commonest first guesses from other languages: '=' to
 * compare, a list without braces, `rate by country`, a date in words. */
static void hint_first_guesses(parse_ctx *ctx, diagnostic *d, yysymbol_kind_t bad,
                               const char *expected) {
    const filter_token *prev = &ctx->filter.prev, *last = &ctx->filter.last;
    if (!d)
        return;
    const char *text = ctx->src->text;
    span at = parse_span(ctx, last->start, last->end);
    if (symbol_is(bad, "'='") && strstr(expected, "an operator")) {
        diag_note(d, at, "'=' does not compare: to test whether two values are equal, write '=='");
        return;
    }
    if (symbol_is(bad, "','")) {
        /* `from VN, JP` or `on hs 9503, hs 9504`: the item, then the
           clause's word before it. */
        const char *w;
        size_t item = prev->start;
        size_t len = word_before(ctx, item, &w);
        if (word_is(w, len, "hs")) {
            item = (size_t)(w - text);
            len = word_before(ctx, item, &w);
        }
        int n = (int)(prev->end - item);
        if (word_is(w, len, "from") && prev->token == IDENT)
            diag_note(d, at, "a list of countries goes in braces: 'from {%.*s, ...}'", n,
                      text + item);
        else if (word_is(w, len, "on"))
            diag_note(d, at, "a list of products goes in braces: 'on {%.*s, ...}'", n,
                      text + item);
        return;
    }
    if (prev->token == BY && bad != YYSYMBOL_IDENT) {
        diag_note(d, at,
                  "a rate table is 'rate by origin { CN: 25%%, ... }' (by the shipment's "
                  "country of origin) or 'rate by product { hs 95: 10%%, ... }'");
        return;
    }
    if (bad == YYSYMBOL_NUMBER && prev->token == IDENT) {
        int month = month_named(text + prev->start, prev->end - prev->start);
        if (!month)
            return;
        /* "April 9, 2025": the day is this number; the year may follow. */
        long day = strtol(text + last->start, NULL, 10);
        size_t i = last->end;
        while (i < ctx->src->len && (text[i] == ' ' || text[i] == ','))
            i++;
        long year = 0;
        if (i + 4 <= ctx->src->len && isdigit((unsigned char)text[i]) &&
            isdigit((unsigned char)text[i + 1]) && isdigit((unsigned char)text[i + 2]) &&
            isdigit((unsigned char)text[i + 3]) &&
            (i + 4 == ctx->src->len || !isdigit((unsigned char)text[i + 4])))
            year = strtol(text + i, NULL, 10);
        span word = parse_span(ctx, prev->start, prev->end);
        if (year && day >= 1 && day <= 31)
            diag_note(d, word, "a date is written year-month-day: %04ld-%02d-%02ld", year, month,
                      day);
        else
            diag_note(d, word, "a date is written year-month-day, as in 2025-%02d-09", month);
    }
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, parse_ctx *ctx) {
    yysymbol_kind_t bad = yypcontext_token(yyctx);
    const span *at = yypcontext_location(yyctx);
    char expected[600], what[160], buf[64];
    describe_expected(yyctx, expected, sizeof expected);
    /* The newline the token filter makes up at the end of the input to end an
       expression statement is the end of input to the user (and to the
       REPL, which then asks for more). */
    const filter_token *last = &ctx->filter.last;
    if (bad == YYSYMBOL_NEWLINE && last->end >= ctx->src->len)
        bad = YYSYMBOL_YYEOF;
    if (bad == YYSYMBOL_YYEOF) {
        ctx->at_eof_error = true;
        snprintf(what, sizeof what, "the end of input");
    } else if (bad == YYSYMBOL_NEWLINE) {
        snprintf(what, sizeof what, "the end of the line");
    } else {
        size_t from = last->start, len = last->end - last->start;
        if (len > 40)
            len = 40;
        if (bad == YYSYMBOL_IDENT || (bad >= YYSYMBOL_NUMBER && bad <= YYSYMBOL_HSRANGE))
            snprintf(what, sizeof what, "%s '%.*s'", symbol_display(bad, buf, sizeof buf),
                     (int)len, ctx->src->text + from);
        else
            snprintf(what, sizeof what, "%s", symbol_display(bad, buf, sizeof buf));
    }
    diagnostic *d;
    if (expected[0])
        d = diag_add(ctx->diags, SEV_ERROR, D_SYNTAX, *at, "expected %s before %s", expected, what);
    else
        d = diag_add(ctx->diags, SEV_ERROR, D_SYNTAX, *at, "unexpected %s", what);
    size_t notes = d ? d->nnotes : 0;
    hint_statement_start(ctx, d, bad);
    if (d && d->nnotes == notes)
        hint_first_guesses(ctx, d, bad, expected);
    /* Say which bracket is still open, as Lua's check_match does. */
    const token_filter *f = &ctx->filter;
    if (d && f->depth > 0 && f->depth <= FILTER_MAX_NESTING &&
        (strstr(expected, "'}'") || strstr(expected, "')'") || bad == YYSYMBOL_YYEOF)) {
        span open = f->open[f->depth - 1];
        diag_note(d, open, "to close the '%c' opened here, at line %d",
                  f->open_char[f->depth - 1], open.first_line + ctx->src->line_offset);
    }
    token_filter_syntax_error(ctx, *at);
    return 0;
}

static void parser_error(const span *at, parse_ctx *ctx, const char *msg, long depth) {
    if (depth >= YYMAXDEPTH / 2)
        diag_add(ctx->diags, SEV_ERROR, D_SYNTAX_NESTING, *at,
                 "this is nested too deeply to read (brackets, 'not', '-' or 'if' inside "
                 "one another thousands of times): split it with lets");
    else
        diag_add(ctx->diags, SEV_ERROR, D_SYNTAX, *at, "%s", msg);
}

parse_status parse_source(arena *a, const source_set *srcs, int file, diag_list *diags,
                          node **out) {
    parse_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = a;
    ctx.diags = diags;
    ctx.src = source_set_get(srcs, file);
    ctx.file = file;
    size_t errors_before = diags->errors;
    ctx.errors_at_start = errors_before;
    *out = NULL;
    if (!ctx.src)
        return PARSE_ERROR;
    if (!lexer_open(&ctx))
        return PARSE_ERROR;
    bool arena_failed = a->failed;
    int rc = lvy_parse(&ctx);
    lexer_close(&ctx);
    if (a->failed && !arena_failed) /* a failure the stages did not see */
        parse_out_of_memory(&ctx, span_none);
    *out = ctx.result;
    if (rc != 0 && !ctx.result)
        *out = NULL;
    bool failed = rc != 0 || diags->errors > errors_before;
    /* `# levy: allow` lines that are not understood; after parsing, so
       that they do not make the text look incomplete to the REPL. */
    source_check_directives(srcs, file, diags);
    if (!failed)
        return PARSE_OK;
    if (ctx.at_eof_error || ctx.unterminated)
        return PARSE_INCOMPLETE;
    return PARSE_ERROR;
}
