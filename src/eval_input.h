/* eval_input.h - where `levy eval`'s rows come from: a CSV file with a
 * header, or JSON Lines (one object per line, read with jansson).
 *
 * Both are a row_source: each call of row_source_next gives one row as the
 * texts of its columns, in the order of the source's current schema, or a
 * row the source itself rejects (a line that is not a JSON object, a key
 * that is no field).  Streaming: one record or line in memory at a time. */
#ifndef LEVY_EVAL_INPUT_H
#define LEVY_EVAL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "levy.h"

/* The columns rows are given in.  names[i] is what column i is bound to
 * (levy_batch_bind); NULL for the id and for ignored columns.  A JSON Lines
 * source makes a new schema when it meets a new key, with the columns of
 * the last one and the new one after them; every schema stays valid until
 * row_source_free, so rows already read keep theirs. */
typedef struct eval_schema {
    const char *const *names;
    size_t n;
    int id_col, origin_col, product_col; /* -1: none */
} eval_schema;

typedef enum row_kind {
    ROW_OK,     /* a row: fields[0..n) in the columns of schema */
    ROW_REJECT, /* a row the source rejects: why (and id if known) */
    ROW_END,    /* no more rows */
    ROW_BROKEN  /* the input cannot be read on (why); a reject, then stop */
} row_kind;

typedef struct eval_row {
    long line;
    const eval_schema *schema;
    const char *const *fields;
    const size_t *lens;
    size_t n; /* may be fewer than schema->n: the missing ones are empty */
    const char *why;
    const char *id; /* ROW_REJECT, ROW_BROKEN: the row's id, or "" */
    size_t idlen;
} eval_row;

typedef struct row_source row_source;

/* row_source_open: rows from in (which the caller closes) as CSV or JSON
 * Lines.  A CSV source reads its header now and checks it against the
 * policy; NULL after printing why (with name, the input's name for
 * messages) when it cannot. */
row_source *row_source_open(FILE *in, const char *name, bool jsonl, const eval_options *e,
                            const levy_policy *policy, const levy_scenario *scenario);
row_kind row_source_next(row_source *s, eval_row *row);
/* row_source_schema: the schema of the rows read so far (the last one). */
const eval_schema *row_source_schema(const row_source *s);
void row_source_free(row_source *s);

/* eval_input_is_jsonl: whether --input PATH is JSON Lines: by
 * --input-format, else by PATH's extension (.jsonl, .ndjson). */
bool eval_input_is_jsonl(const eval_options *e);

#endif
