/* eval_input.c - `levy eval`'s row sources: CSV with a header, and JSON
 * Lines through jansson (never a JSON parser of our own).
 *
 * A JSON Lines source reads one line at a time (getline) and decodes it
 * with json_loadb; its columns are the keys it has met, in the order it met
 * them, each checked once against the policy's fields.  The texts a row
 * gives stay valid until the next call. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csv.h"
#include "eval_input.h"

typedef struct schema_node {
    eval_schema s;
    const char **names; /* what s.names points to */
    char **keys;        /* each column's name in the input (the id too) */
    struct schema_node *prev;
} schema_node;

struct row_source {
    const eval_options *e;
    const char *name;
    bool jsonl;
    FILE *in;
    schema_node *schema; /* the current one; prev: the earlier ones */
    const char **vals;
    size_t *lens;
    size_t cap; /* of vals and lens */
    /* CSV */
    csv_reader rd;
    bool rd_open;
    /* JSON Lines */
    const levy_policy *policy;
    const levy_scenario *scenario;
    levy_batch *probe; /* to ask whether a key is a field */
    size_t probes;
    char *line;
    size_t line_cap;
    long lineno;
    json_t *obj;         /* the current line's object */
    char nums[64][32];   /* texts of numbers and booleans of the current row */
    char why[512];
};

bool eval_input_is_jsonl(const eval_options *e)
{
    if (e->input_format)
        return strcmp(e->input_format, "jsonl") == 0;
    size_t n = strlen(e->input);
    return (n > 6 && strcmp(e->input + n - 6, ".jsonl") == 0) ||
           (n > 7 && strcmp(e->input + n - 7, ".ndjson") == 0);
}

static bool ignored(const eval_options *e, const char *key)
{
    for (size_t k = 0; k < e->nignore; k++)
        if (strcmp(e->ignore[k], key) == 0)
            return true;
    return false;
}

static bool reserve(row_source *s, size_t n)
{
    if (n <= s->cap)
        return true;
    size_t cap = n < 16 ? 16 : n * 2;
    const char **v = realloc(s->vals, cap * sizeof *v);
    if (!v)
        return false;
    s->vals = v;
    size_t *l = realloc(s->lens, cap * sizeof *l);
    if (!l)
        return false;
    s->lens = l;
    s->cap = cap;
    return true;
}

/* add_column: a schema with the columns of the current one and key after
 * them, bound to name (NULL: the id). */
static bool add_column(row_source *s, const char *key, const char *name)
{
    schema_node *old = s->schema;
    size_t n = old ? old->s.n : 0;
    schema_node *c = calloc(1, sizeof *c);
    if (!c)
        return false;
    c->names = calloc(n + 1, sizeof *c->names);
    c->keys = calloc(n + 1, sizeof *c->keys);
    c->prev = old;
    s->schema = c; /* freed with the others, whole or not */
    if (!c->names || !c->keys)
        return false;
    c->s.id_col = c->s.origin_col = c->s.product_col = -1;
    if (old) {
        c->s.id_col = old->s.id_col;
        c->s.origin_col = old->s.origin_col;
        c->s.product_col = old->s.product_col;
        for (size_t i = 0; i < n; i++) {
            c->keys[i] = old->keys[i];
            c->names[i] = old->names[i];
        }
    }
    c->keys[n] = strdup(key);
    if (!c->keys[n])
        return false;
    c->names[n] = name ? c->keys[n] : NULL;
    if (strcmp(key, "id") == 0)
        c->s.id_col = (int)n;
    if (strcmp(key, "origin") == 0)
        c->s.origin_col = (int)n;
    if (strcmp(key, "product") == 0)
        c->s.product_col = (int)n;
    c->s.names = c->names;
    c->s.n = n + 1;
    return reserve(s, n + 1);
}

/* ---- CSV ------------------------------------------------------------------ */

static bool csv_open(row_source *s)
{
    csv_init_file(&s->rd, s->in);
    s->rd_open = true;
    csv_record rec;
    csv_status cs = csv_next(&s->rd, &rec);
    if (cs == CSV_READ_ERROR && errno == EINTR)
        return false; /* interrupted: the caller says so */
    if (cs != CSV_OK) {
        fprintf(stderr, "levy: %s:%ld: %s\n", s->name,
                s->rd.error_line ? s->rd.error_line : 1,
                cs == CSV_END ? "no header line (id, origin, product, ...)"
                              : csv_status_message(cs));
        return false;
    }
    /* the header, column by column: all or nothing, as one schema */
    schema_node *c = calloc(1, sizeof *c);
    if (!c)
        return false;
    s->schema = c;
    size_t n = rec.count;
    c->names = calloc(n + 1, sizeof *c->names);
    c->keys = calloc(n + 1, sizeof *c->keys);
    if (!c->names || !c->keys || !reserve(s, n + 1)) {
        fputs("levy: out of memory\n", stderr);
        return false;
    }
    c->s.n = n; /* keys[] is all NULL until filled: freed whole or not */
    c->s.id_col = c->s.origin_col = c->s.product_col = -1;
    for (size_t i = 0; i < n; i++) {
        const char *h = rec.fields[i].s;
        c->keys[i] = strdup(h);
        if (!c->keys[i]) {
            fputs("levy: out of memory\n", stderr);
            return false;
        }
        bool skip = ignored(s->e, h);
        if (strcmp(h, "id") == 0) {
            c->s.id_col = (int)i;
            skip = true;
        }
        if (strcmp(h, "origin") == 0)
            c->s.origin_col = (int)i;
        if (strcmp(h, "product") == 0)
            c->s.product_col = (int)i;
        c->names[i] = skip ? NULL : c->keys[i];
    }
    c->s.names = c->names;
    levy_batch *b = levy_batch_new(s->policy, s->scenario);
    if (!b) {
        fputs("levy: out of memory\n", stderr);
        return false;
    }
    bool ok = levy_batch_bind(b, c->names, n) == LEVY_OK;
    if (!ok)
        fprintf(stderr, "levy: %s:%ld: %s (--ignore-column NAME to skip it)\n", s->name,
                rec.line, levy_batch_error(b));
    levy_batch_free(b);
    return ok;
}

static row_kind csv_row(row_source *s, eval_row *row)
{
    csv_record rec;
    csv_status cs = csv_next(&s->rd, &rec);
    const eval_schema *sc = &s->schema->s;
    row->schema = sc;
    row->id = "";
    row->idlen = 0;
    if (cs == CSV_END)
        return ROW_END;
    if (cs != CSV_OK) {
        row->line = s->rd.error_line;
        row->why = csv_status_message(cs);
        row->n = 0;
        return ROW_BROKEN;
    }
    row->line = rec.line;
    if (sc->id_col >= 0 && (size_t)sc->id_col < rec.count) {
        row->id = rec.fields[sc->id_col].s;
        row->idlen = rec.fields[sc->id_col].len;
    }
    if (rec.count != sc->n) {
        snprintf(s->why, sizeof s->why, "%zu fields where the header has %zu", rec.count,
                 sc->n);
        row->why = s->why;
        return ROW_REJECT;
    }
    for (size_t i = 0; i < rec.count; i++) {
        s->vals[i] = rec.fields[i].s;
        s->lens[i] = rec.fields[i].len;
    }
    row->fields = s->vals;
    row->lens = s->lens;
    row->n = rec.count;
    return ROW_OK;
}

/* ---- JSON Lines --------------------------------------------------------------- */

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* is_field: whether key names a field of the policy's shipments. */
static int is_field(row_source *s, const char *key)
{
    /* each bind takes a little of the probe's memory: start afresh now and then */
    if (s->probe && ++s->probes % 256 == 0) {
        levy_batch_free(s->probe);
        s->probe = NULL;
    }
    if (!s->probe && !(s->probe = levy_batch_new(s->policy, s->scenario)))
        return -1;
    const char *names[1] = {key};
    return levy_batch_bind(s->probe, names, 1) == LEVY_OK;
}

/* column_of: key's column, adding it when new; -1 for a key to skip,
 * -2 for one that is no field (s->why says so), -3 out of memory. */
static int column_of(row_source *s, const char *key)
{
    if (s->schema)
        for (size_t i = 0; i < s->schema->s.n; i++)
            if (strcmp(s->schema->keys[i], key) == 0)
                return (int)i;
    if (ignored(s->e, key))
        return -1;
    if (strcmp(key, "id") != 0) {
        int f = is_field(s, key);
        if (f < 0)
            return -3;
        if (!f) {
            snprintf(s->why, sizeof s->why,
                     "shipments have no field '%s' (--ignore-column %s to skip it)", key, key);
            return -2;
        }
    }
    if (!add_column(s, key, strcmp(key, "id") == 0 ? NULL : key))
        return -3;
    return (int)s->schema->s.n - 1;
}

/* value_text: v as a field's text into s->vals[col]; false with s->why set. */
static bool value_text(row_source *s, const char *key, const json_t *v, size_t col, size_t *k)
{
    char *num = s->nums[*k < 64 ? *k : 63];
    if (*k >= 64 && (json_is_integer(v) || json_is_real(v))) {
        snprintf(s->why, sizeof s->why, "more than 64 numbers in one row");
        return false;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        s->vals[col] = json_string_value(v);
        s->lens[col] = json_string_length(v);
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        s->vals[col] = json_is_true(v) ? "true" : "false";
        s->lens[col] = strlen(s->vals[col]);
        return true;
    case JSON_NULL:
        s->vals[col] = "";
        s->lens[col] = 0;
        return true;
    case JSON_INTEGER:
        snprintf(num, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL: {
        /* a binary double is exact only when its shortest text reads back
         * as the same double: 1234.56 yes, 0.1000000000000000055511 no */
        double d = json_real_value(v);
        snprintf(num, 32, "%.15g", d);
        if (strtod(num, NULL) != d) {
            snprintf(s->why, sizeof s->why,
                     "%s: %.17g is not exact as a JSON number; write %s as a string, "
                     "e.g. \"1234.56\", to keep it exact", key, d, key);
            return false;
        }
        break;
    }
    default:
        snprintf(s->why, sizeof s->why, "%s: %s is no value of a field", key, json_kind(v));
        return false;
    }
    ++*k;
    s->vals[col] = num;
    s->lens[col] = strlen(num);
    return true;
}

static row_kind jsonl_row(row_source *s, eval_row *row)
{
    if (s->obj) {
        json_decref(s->obj);
        s->obj = NULL;
    }
    row->id = "";
    row->idlen = 0;
    for (;;) {
        errno = 0;
        ssize_t len = getline(&s->line, &s->line_cap, s->in);
        row->schema = s->schema ? &s->schema->s : NULL;
        if (len < 0) {
            if (ferror(s->in)) {
                row->line = s->lineno + 1;
                snprintf(s->why, sizeof s->why, "cannot read: %s", strerror(errno));
                row->why = s->why;
                row->n = 0;
                return ROW_BROKEN;
            }
            return ROW_END;
        }
        s->lineno++;
        row->line = s->lineno;
        size_t i = 0;
        while (i < (size_t)len && strchr(" \t\r\n", s->line[i]))
            i++;
        if (i == (size_t)len)
            continue; /* a blank line */
        while (len > 0 && (s->line[len - 1] == '\n' || s->line[len - 1] == '\r'))
            len--; /* so that jansson's columns are on the one line */
        json_error_t err;
        json_t *obj = json_loadb(s->line, (size_t)len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                                 &err);
        row->why = s->why;
        row->n = 0;
        if (!obj) {
            snprintf(s->why, sizeof s->why, "not JSON: %s (column %d)", err.text, err.column);
            return ROW_REJECT;
        }
        s->obj = obj;
        if (!json_is_object(obj)) {
            snprintf(s->why, sizeof s->why, "%s, not a JSON object", json_kind(obj));
            return ROW_REJECT;
        }
        json_t *id = json_object_get(obj, "id");
        if (id && json_is_string(id)) {
            row->id = json_string_value(id);
            row->idlen = json_string_length(id);
        }
        /* every column empty, then each key's text in its own */
        size_t n = s->schema ? s->schema->s.n : 0;
        for (size_t c = 0; c < n; c++) {
            s->vals[c] = "";
            s->lens[c] = 0;
        }
        const char *key;
        json_t *v;
        size_t k = 0;
        json_object_foreach(obj, key, v) {
            int c = column_of(s, key);
            if (c == -1)
                continue;
            if (c == -3) {
                snprintf(s->why, sizeof s->why, "out of memory");
                return ROW_BROKEN;
            }
            if (c == -2)
                return ROW_REJECT;
            for (; n < s->schema->s.n; n++) {
                s->vals[n] = "";
                s->lens[n] = 0;
            }
            if (!value_text(s, key, v, (size_t)c, &k))
                return ROW_REJECT;
            if (c == s->schema->s.id_col) {
                row->id = s->vals[c];
                row->idlen = s->lens[c];
            }
        }
        row->schema = s->schema ? &s->schema->s : NULL;
        row->fields = s->vals;
        row->lens = s->lens;
        row->n = n;
        if (!row->schema) {
            /* {} with nothing but ignored keys: a row with no fields */
            if (!add_column(s, "id", NULL)) {
                snprintf(s->why, sizeof s->why, "out of memory");
                return ROW_BROKEN;
            }
            s->vals[0] = "";
            s->lens[0] = 0;
            row->schema = &s->schema->s;
            row->fields = s->vals;
            row->lens = s->lens;
            row->n = 1;
        }
        return ROW_OK;
    }
}

/* ---- The interface ---------------------------------------------------------------- */

row_source *row_source_open(FILE *in, const char *name, bool jsonl, const eval_options *e,
                            const levy_policy *policy, const levy_scenario *scenario)
{
    row_source *s = calloc(1, sizeof *s);
    if (!s) {
        fputs("levy: out of memory\n", stderr);
        return NULL;
    }
    s->e = e;
    s->name = name;
    s->jsonl = jsonl;
    s->in = in;
    s->policy = policy;
    s->scenario = scenario;
    if (!jsonl && !csv_open(s)) {
        row_source_free(s);
        return NULL;
    }
    return s;
}

row_kind row_source_next(row_source *s, eval_row *row)
{
    return s->jsonl ? jsonl_row(s, row) : csv_row(s, row);
}

const eval_schema *row_source_schema(const row_source *s)
{
    return s->schema ? &s->schema->s : NULL;
}

void row_source_free(row_source *s)
{
    if (!s)
        return;
    while (s->schema) {
        schema_node *p = s->schema->prev;
        size_t n = s->schema->s.n;
        /* a key belongs to the schema that added it: the last of each */
        size_t from = p ? p->s.n : 0;
        if (s->schema->keys)
            for (size_t i = from; i < n; i++)
                free(s->schema->keys[i]);
        free(s->schema->keys);
        free(s->schema->names);
        free(s->schema);
        s->schema = p;
    }
    if (s->rd_open)
        csv_free(&s->rd);
    if (s->obj)
        json_decref(s->obj);
    levy_batch_free(s->probe);
    free(s->line);
    free(s->vals);
    free(s->lens);
    free(s);
}
