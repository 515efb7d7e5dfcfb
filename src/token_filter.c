/* token_filter.c - bracket depth, the newline rule and panic-mode recovery,
 * between the scanner and the parser (see token_filter.h). */
#include "token_filter.h"

#include "diag_codes.h"
#include "parse.h"
#include "parser.h"

/* Tokens after which a newline can end an expression statement. */
static bool token_ends_expression(int tok)
{
    switch (tok) {
    case IDENT:
    case NUMBER:
    case PERCENT:
    case MONEY:
    case DATE:
    case DURATION:
    case STRING:
    case HSCODE:
    case HSRANGE:
    case ALL:
    case TRUE:
    case FALSE:
    case ')':
    case '}': return true;
    default: return false;
    }
}

/* Keywords that begin a declaration (or an `under` block) and so can only
 * start a statement: where recovery after a syntax error resumes. */
static bool starts_declaration(int tok)
{
    switch (tok) {
/* clang-format off */
#define DECL_KIND(word, TOKEN, kind, phrase, cls, where, list) case TOKEN:
#include "decl_kinds.def"
        /* clang-format on */
    case UNDER: return true;
    default: return false;
    }
}

/* A token where recovery may resume: a declaration keyword at the top level,
 * or at the start of a line even inside brackets (an unclosed brace must not
 * swallow the rest of the file, so the count of open brackets starts again),
 * or the newline ending an expression statement. */
static bool is_sync_token(token_filter *f, int tok, span at)
{
    if (tok == END || tok == NEWLINE)
        return true;
    if (!starts_declaration(tok))
        return false;
    if (f->depth == 0)
        return true;
    if (at.first_column == 1) {
        f->depth = 0;
        return true;
    }
    return false;
}

/* A newline ends an expression statement where the parser would take one,
 * after a token that can end an expression. */
static bool ends_statement(const token_filter *f, const parser_probe *probe)
{
    return f->last_ends_expr && probe->accepts_newline(probe->parser);
}

static void track_brackets(token_filter *f, int tok, span at)
{
    if (tok == '(' || tok == '{') {
        if (f->depth < FILTER_MAX_NESTING) {
            f->open[f->depth] = at;
            f->open_char[f->depth] = (char)tok;
        }
        f->depth++;
    } else if ((tok == ')' || tok == '}') && f->depth > 0) {
        f->depth--;
    }
}

/* Every token the parser is given passes here once. */
static int give(token_filter *f, filter_token t, span *loc)
{
    track_brackets(f, t.token, t.at);
    f->last_ends_expr = token_ends_expression(t.token);
    f->prev = f->last;
    f->last = t;
    *loc = t.at;
    return t.token;
}

/* The end of line made up to end a statement: at the start of the token
 * that ends it (a '}'), or at the end of input. */
static filter_token made_up_newline(parse_ctx *ctx, const filter_token *next)
{
    size_t end = next->token == '}' ? next->start : next->end;
    filter_token nl = { NEWLINE, parse_span(ctx, next->start, end), next->start, end };
    return nl;
}

static filter_token scan(parse_ctx *ctx, token_value *val)
{
    filter_token t;
    t.token = lexer_next(val, &t.at, ctx);
    t.start = ctx->tok_start;
    t.end = ctx->pos;
    return t;
}

int token_filter_next(parse_ctx *ctx, token_value *val, span *loc, const parser_probe *probe)
{
    token_filter *f = &ctx->filter;
    if (f->replay) {
        f->replay = false;
        *loc = f->last.at;
        return f->last.token;
    }
    if (f->gave_up) {
        *loc = f->last.at;
        return END;
    }
    if (f->has_held) {
        f->has_held = false;
        return give(f, f->held, loc);
    }
    for (;;) {
        filter_token t = scan(ctx, val);
        if (t.token == NEWLINE) {
            if (!f->panic && ends_statement(f, probe))
                return give(f, t, loc);
            continue;
        }
        if (!f->panic && ((t.token == '}' && f->depth > 0) || t.token == END) &&
            ends_statement(f, probe)) {
            f->held = t;
            f->has_held = true;
            return give(f, made_up_newline(ctx, &t), loc);
        }
        int tok = give(f, t, loc);
        if (!f->panic)
            return tok;
        if (is_sync_token(f, tok, t.at)) {
            f->panic = false;
            return tok;
        }
    }
}

void token_filter_syntax_error(parse_ctx *ctx, span at)
{
    token_filter *f = &ctx->filter;
    f->syntax_errors++;
    /* A guard: recovery always consumes input, but should a bug ever make
       it spin, stop rather than fill memory. */
    if (f->syntax_errors >= PARSE_MAX_ERRORS && !ctx->gave_up && !f->gave_up) {
        diag_stop(ctx->diags, D_SYNTAX, at, "too many syntax errors; giving up on this file");
        f->gave_up = true;
        return;
    }
    /* The parser drops the token of the error; it gets it back when parsing
       can resume there, except for a newline, which ends the bad
       statement. */
    bool sync = is_sync_token(f, f->last.token, at);
    f->panic = !sync;
    f->replay = sync && f->last.token != NEWLINE;
}
