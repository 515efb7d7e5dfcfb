/* parse.h - turning one source into a syntax tree.
 *
 * The flex scanner (grammar/lexer.l) and the bison parser (grammar/parser.y)
 * share a parse_ctx: no global state.  The scanner validates literals as it
 * goes (dates, product codes, numbers) and reports lexical errors; the parser
 * reports syntax errors with the tokens it expected and recovers at the next
 * declaration, so one run reports an error per bad declaration.
 */
#ifndef LEVY_PARSE_H
#define LEVY_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef enum parse_status {
    PARSE_OK = 0,
    PARSE_ERROR,      /* diagnostics were added */
    PARSE_INCOMPLETE  /* the text ended inside a construct: the REPL asks for
                         more (diagnostics were added too) */
} parse_status;

/* parse_source: parses file `file` of srcs into *out (an N_PROGRAM in the
 * arena).  On error *out is still a tree of what could be read, for tools
 * that want it, but it must not be checked or run. */
parse_status parse_source(arena *a, const source_set *srcs, int file,
                          diag_list *diags, node **out);

/* The state shared by the scanner and the parser.  Internal to grammar/. */
#define PARSE_MAX_NESTING 64
#define PARSE_MAX_ERRORS 100

typedef struct parse_ctx {
    arena *arena;
    diag_list *diags;
    const source_text *src;
    int file;
    void *scanner;
    node *result;
    size_t pos;          /* byte offset the scanner has reached */
    size_t tok_start;    /* byte offset of the current token */
    int depth;           /* open ( and { */
    span open[PARSE_MAX_NESTING]; /* where each open bracket is */
    char open_char[PARSE_MAX_NESTING];
    bool in_expr_stmt;   /* an expression statement is being read ... */
    int expr_depth;      /* ... at this bracket depth */
    bool last_ends_expr; /* the last token can end an expression */
    bool panic;          /* after a syntax error: skip to the next declaration */
    bool at_eof_error;   /* a syntax error at the end of input */
    bool unterminated;   /* the input ended inside a string */
    int syntax_errors;
    int last_token;      /* the last token the parser was given */
    size_t last_start, last_end; /* ... and where it is */
    int prev_token;      /* the one before, for hints after an error */
    size_t prev_start, prev_end;
    bool out_of_memory;
    bool gave_up;        /* too many errors: the scanner only says END */
    size_t errors_at_start; /* diags->errors when this parse began */
    node scratch;        /* stands in for a node that could not be allocated */
} parse_ctx;

/* lexer_is_keyword: is word reserved?  lexer_keyword(i): the i-th keyword
 * (alphabetical), NULL past the last; for completion and suggestions. */
bool lexer_is_keyword(const char *word);
const char *lexer_keyword(size_t i);

/* parse_span: the span of source bytes [from, to) of ctx's file. */
span parse_span(const parse_ctx *ctx, size_t from, size_t to);

#endif
