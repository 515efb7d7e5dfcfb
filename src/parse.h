/* parse.h - turning one source into a syntax tree.
 *
 * Three stages share a parse_ctx (no global state): the flex scanner
 * (grammar/lexer.l) reads tokens, validating literals as it goes (dates,
 * product codes, numbers) and reporting lexical errors; the token filter
 * (token_filter.h) decides which newlines matter, tracks brackets and runs
 * error recovery; the bison parser (grammar/parser.y) builds the tree and
 * reports syntax errors with the tokens it expected, so one run reports an
 * error per bad declaration.
 */
#ifndef LEVY_PARSE_H
#define LEVY_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "token_filter.h"

typedef enum parse_status {
    PARSE_OK = 0,
    PARSE_ERROR,     /* diagnostics were added */
    PARSE_INCOMPLETE /* the text ended inside a construct: the REPL asks for
                         more (diagnostics were added too) */
} parse_status;

/* parse_source: parses file `file` of srcs into *out (an N_PROGRAM in the
 * arena).  On error *out is still a tree of what could be read, for tools
 * that want it, but it must not be checked or run. */
parse_status parse_source(arena *a, const source_set *srcs, int file, diag_list *diags, node **out);

/* The state of one parse.  Internal to grammar/ and token_filter.c. */
#define PARSE_MAX_ERRORS 100

/* A token's semantic value (bison's api.value.type). */
typedef union token_value {
    node *n;
    node_list list;
    const char *str;
} token_value;

typedef struct parse_ctx {
    arena *arena;
    diag_list *diags;
    const source_text *src;
    int file;
    /* The scanner's. */
    void *scanner;
    size_t pos;                 /* byte offset the scanner has reached */
    size_t tok_start;           /* byte offset of the current token */
    bool unterminated;          /* the input ended inside a string */
    bool gave_up;               /* too many errors: the scanner only says END */
    const char *scanner_failed; /* flex's own fatal error, if one happened */
    size_t errors_at_start;     /* diags->errors when this parse began */
    char *buffer;               /* the scanner's copy of the text */
    _Alignas(max_align_t) unsigned char reserve[256]; /* see lexer_alloc */
    size_t reserve_used;
    /* The filter's (token_filter.h). */
    token_filter filter;
    /* The parser's. */
    node *result;
    bool at_eof_error; /* a syntax error at the end of input */
    bool out_of_memory;
    node scratch; /* stands in for a node that could not be allocated */
} parse_ctx;

/* parse_node: a new node for the scanner or the parser.  When memory runs
 * out, the error is reported (once) and a scratch node stands in, so
 * that no action needs to test for NULL: the parse fails and its tree is
 * thrown away.  parse_out_of_memory: just the report. */
node *parse_node(parse_ctx *ctx, node_kind kind, span at);
void parse_out_of_memory(parse_ctx *ctx, span at);

/* lexer_open: a scanner over ctx->src, in ctx->scanner; false (with a
 * diagnostic) when there is no memory for one.  lexer_close frees it.
 * lexer_next: the next token, newlines included (as NEWLINE). */
bool lexer_open(parse_ctx *ctx);
int lexer_next(token_value *val, span *loc, parse_ctx *ctx);
void lexer_close(parse_ctx *ctx);

/* lexer_is_keyword: is word reserved?  lexer_keyword(i): the i-th keyword
 * (alphabetical), NULL past the last; for completion and suggestions. */
bool lexer_is_keyword(const char *word);
const char *lexer_keyword(size_t i);

/* parse_span: the span of source bytes [from, to) of ctx's file. */
span parse_span(const parse_ctx *ctx, size_t from, size_t to);

#endif
