/* token_filter.h - what stands between the scanner and the parser.
 *
 * The scanner (grammar/lexer.l) returns every token it reads, newlines
 * included, and knows nothing of the grammar.  The parser (grammar/parser.y)
 * builds the tree and knows nothing of lines.  In between, the filter:
 *
 * - tracks bracket depth, and where each open bracket is, for the notes
 *   "to close the '(' opened here";
 * - applies the newline rule: newlines are not tokens, except that one ends
 *   an expression statement.  The filter passes a newline on only where the
 *   parser would take it (it asks, through a probe) and the token before it
 *   can end an expression; a '}' or the end of input that closes such a
 *   statement gets a made-up end of line first.  Everywhere else,
 *   declarations run across lines freely;
 * - owns panic-mode recovery: after a syntax error it hands the parser the
 *   token of the error again when parsing can resume there, or skips tokens
 *   up to the next place where it can (a declaration keyword at the top
 *   level or at the start of a line).
 */
#ifndef LEVY_TOKEN_FILTER_H
#define LEVY_TOKEN_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define FILTER_MAX_NESTING 64

/* A token as the filter saw it: its code and where it is. */
typedef struct filter_token {
    int token;
    span at;
    size_t start, end; /* byte offsets in the source */
} filter_token;

typedef struct token_filter {
    int depth;                     /* open ( and { */
    span open[FILTER_MAX_NESTING]; /* where each open bracket is */
    char open_char[FILTER_MAX_NESTING];
    bool last_ends_expr; /* the last token given can end an expression */
    bool panic;          /* after a syntax error: skip to where parsing can resume */
    bool replay;         /* give the token of the last error again */
    bool has_held;       /* a token held back behind a made-up end of line */
    filter_token held;
    bool gave_up; /* too many syntax errors: only the end of input now */
    int syntax_errors;
    filter_token last; /* the last token the parser was given ... */
    filter_token prev; /* ... and the one before, for hints after an error */
} token_filter;

/* What the filter asks the parser: would it take an end of line now? */
typedef struct parser_probe {
    bool (*accepts_newline)(void *parser);
    void *parser;
} parser_probe;

struct parse_ctx;
union token_value;

/* token_filter_next: the next token for the parser, from ctx's scanner. */
int token_filter_next(struct parse_ctx *ctx, union token_value *val, span *loc,
                      const parser_probe *probe);

/* token_filter_syntax_error: the parser reported a syntax error at `at`, on
 * the last token it was given; decide where parsing resumes. */
void token_filter_syntax_error(struct parse_ctx *ctx, span at);

#endif
