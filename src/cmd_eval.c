/* cmd_eval.c - `levy eval`: a file of shipment rows through a policy.
 *
 * Streams: one CSV record at a time through the batch API of levy.h, each
 * result written as it is found.  An output file (and a rejects file) is
 * written to a temporary file beside it and renamed at the end, so that a
 * failed or interrupted run leaves none.  Totals for --summary are kept as
 * 128-bit integers of LEVY_DECIMAL_SCALE units: exact far beyond 10^20. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"
#include "eval_input.h"
#include "levy.h"
#include "strbuf.h"

__extension__ typedef __int128 i128;

/* Set by SIGINT; read by the reader and the workers (a lock-free atomic:
 * safe in a signal handler and between threads). */
static volatile atomic_int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&interrupted, 1);
}

/* ---- Options ---------------------------------------------------------------- */

bool cli_eval_split(int argc, char **argv, eval_options *e, char **rest, int *nrest)
{
    memset(e, 0, sizeof *e);
    e->ignore = calloc((size_t)argc + 1, sizeof *e->ignore);
    if (!e->ignore)
        return false;
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[(*nrest)++] = argv[i++];
            break;
        }
        if (cli_option_value(argc, argv, &i, "--input", &v)) {
            if (!v)
                return false;
            e->input = v;
        } else if (cli_option_value(argc, argv, &i, "--input-format", &v)) {
            if (!v)
                return false;
            if (strcmp(v, "csv") != 0 && strcmp(v, "jsonl") != 0) {
                fprintf(stderr, "levy: --input-format takes csv or jsonl, not '%s'\n"
                                "Try 'levy --help'.\n", v);
                return false;
            }
            e->input_format = v;
        } else if (cli_option_value(argc, argv, &i, "--output", &v) ||
                   (strcmp(a, "-o") == 0 && cli_option_value(argc, argv, &i, "-o", &v))) {
            if (!v)
                return false;
            e->output = v;
        } else if (cli_option_value(argc, argv, &i, "--rejects", &v)) {
            if (!v)
                return false;
            e->rejects = v;
        } else if (cli_option_value(argc, argv, &i, "--ignore-column", &v)) {
            if (!v)
                return false;
            e->ignore[e->nignore++] = v;
        } else if (cli_option_value(argc, argv, &i, "--by", &v)) {
            if (!v)
                return false;
            if (strcmp(v, "origin") && strcmp(v, "chapter") && strcmp(v, "measure")) {
                fprintf(stderr, "levy: --by takes origin, chapter or measure, not '%s'\n"
                                "Try 'levy --help'.\n", v);
                return false;
            }
            e->by = v;
        } else if (cli_option_value(argc, argv, &i, "--format", &v)) {
            if (!v)
                return false;
            if (strcmp(v, "csv") == 0 || strcmp(v, "text") == 0)
                e->jsonl = e->json = false;
            else if (strcmp(v, "jsonl") == 0)
                e->jsonl = true;
            else if (strcmp(v, "json") == 0)
                e->json = true;
            else {
                fprintf(stderr, "levy: 'eval' takes --format=csv, jsonl or json (the summary), "
                                "not '%s'\nTry 'levy --help'.\n", v);
                return false;
            }
        } else if (cli_option_value(argc, argv, &i, "-j", &v) ||
                   cli_option_value(argc, argv, &i, "--jobs", &v)) {
            if (!v)
                return false;
            char *end;
            errno = 0;
            long j = strtol(v, &end, 10);
            if (!*v || *end || errno || j < 0 || j > 256) {
                fprintf(stderr, "levy: -j takes a number of threads from 1 to 256, or 0 for "
                                "one per CPU, not '%s'\nTry 'levy --help'.\n", v);
                return false;
            }
            if (j == 0) {
                long cpus = sysconf(_SC_NPROCESSORS_ONLN);
                j = cpus < 1 ? 1 : cpus > 256 ? 256 : cpus;
            }
            e->jobs = (int)j;
        } else if (strcmp(a, "--explain") == 0) {
            e->explain = true;
        } else if (strcmp(a, "--summary") == 0) {
            e->summary = true;
        } else if (strcmp(a, "--keep-going") == 0 || strcmp(a, "-k") == 0) {
            e->keep_going = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            e->quiet = true;
        } else {
            rest[(*nrest)++] = argv[i];
        }
    }
    if (!e->input) {
        fputs("levy: 'eval' needs --input ROWS.csv (or - for standard input)\n"
              "Try 'levy --help'.\n",
              stderr);
        return false;
    }
    if (e->jobs == 0)
        e->jobs = 1;
    if (e->by)
        e->summary = true;
    if (e->json && !e->summary) {
        fputs("levy: --format=json is the summary's; rows are --format=csv or jsonl\n"
              "Try 'levy --help'.\n",
              stderr);
        return false;
    }
    return true;
}

void cli_eval_options_free(eval_options *e)
{
    free(e->ignore);
    e->ignore = NULL;
}

/* ---- Numbers ------------------------------------------------------------------ */

/* fmt_units: units / 10^6 as a plain decimal, at least `places` decimals
 * (more, trimmed, when needed to be exact). */
static char *fmt_units(i128 u, int places, char *buf, size_t n)
{
    char tmp[64];
    int k = 0;
    bool neg = u < 0;
    unsigned __int128 m = neg ? (unsigned __int128)(-(u + 1)) + 1 : (unsigned __int128)u;
    unsigned frac = (unsigned)(m % 1000000);
    m /= 1000000;
    do {
        tmp[k++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    size_t j = 0;
    if (neg && j + 1 < n)
        buf[j++] = '-';
    while (k > 0 && j + 1 < n)
        buf[j++] = tmp[--k];
    char f[8];
    snprintf(f, sizeof f, "%06u", frac);
    int last = 6;
    while (last > places && f[last - 1] == '0')
        last--;
    if (last > 0 && j + 1 < n)
        buf[j++] = '.';
    for (int i = 0; i < last && j + 1 < n; i++)
        buf[j++] = f[i];
    buf[j] = '\0';
    return buf;
}

/* fmt_rate: a fraction (units) as a percentage, "26%", "6.8%". */
static char *fmt_rate(int64_t units, char *buf, size_t n)
{
    fmt_units((i128)units * 100, 0, buf, n);
    size_t l = strlen(buf);
    if (l + 1 < n) {
        buf[l] = '%';
        buf[l + 1] = '\0';
    }
    return buf;
}

/* effective: duty / value as a percentage rounded half-up to 4 decimals. */
static char *effective(i128 duty, i128 value, char *buf, size_t n)
{
    if (value == 0) {
        snprintf(buf, n, "0%%");
        return buf;
    }
    /* percent * 10^6 units, rounded to 10^2 units (4 decimals of %) */
    i128 num = duty * 100 * 10000;
    i128 q = num / value, r = num % value;
    if ((r < 0 ? -r : r) * 2 >= (value < 0 ? -value : value))
        q += ((num < 0) != (value < 0)) ? -1 : 1;
    fmt_units(q * 100, 0, buf, n);
    size_t l = strlen(buf);
    if (l + 1 < n) {
        buf[l] = '%';
        buf[l + 1] = '\0';
    }
    return buf;
}

/* ---- Output helpers -------------------------------------------------------------- */

static void csv_put(FILE *f, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            putc('"', f);
        putc(s[i], f);
    }
    putc('"', f);
}

static void json_put(FILE *f, const char *s, size_t len)
{
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            putc(c, f);
    }
    putc('"', f);
}

/* A file written whole or not at all. */
typedef struct out_file {
    const char *path; /* NULL: standard output */
    char *tmp;
    FILE *f;
} out_file;

static bool out_open(out_file *o, const char *path)
{
    o->path = path;
    o->tmp = NULL;
    if (!path || strcmp(path, "-") == 0) {
        o->path = NULL;
        o->f = stdout;
        return true;
    }
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    if (!o->tmp)
        return false;
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
    int fd = cli_mkstemp(o->tmp);
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "levy: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        o->tmp = NULL;
        return false;
    }
    return true;
}

static void out_discard(out_file *o)
{
    if (o->tmp) {
        if (o->f)
            fclose(o->f);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    o->f = NULL;
}

static bool out_commit(out_file *o)
{
    if (!o->f)
        return true;
    if (!o->tmp) {
        fflush(o->f);
        return !ferror(o->f);
    }
    bool ok = !ferror(o->f);
    ok = (fclose(o->f) == 0) && ok;
    o->f = NULL;
    if (!ok || rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "levy: cannot write %s: %s\n", o->path, strerror(errno));
        unlink(o->tmp);
        ok = false;
    }
    free(o->tmp);
    o->tmp = NULL;
    return ok;
}

/* ---- Summary ------------------------------------------------------------------------- */

typedef struct group {
    char *key;
    size_t rows;
    i128 value, duty;
} group;

typedef struct summary {
    size_t rows, rejected;
    i128 value, duty;
    group *groups; /* open addressing */
    size_t cap, n;
} summary;

static uint64_t hash_key(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static group *group_of(summary *s, const char *key, size_t len)
{
    if (s->n * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        group *g = calloc(cap, sizeof *g);
        if (!g)
            return NULL;
        for (size_t i = 0; i < s->cap; i++)
            if (s->groups[i].key) {
                size_t k = hash_key(s->groups[i].key, strlen(s->groups[i].key)) & (cap - 1);
                while (g[k].key)
                    k = (k + 1) & (cap - 1);
                g[k] = s->groups[i];
            }
        free(s->groups);
        s->groups = g;
        s->cap = cap;
    }
    size_t k = hash_key(key, len) & (s->cap - 1);
    while (s->groups[k].key) {
        if (strlen(s->groups[k].key) == len && memcmp(s->groups[k].key, key, len) == 0)
            return &s->groups[k];
        k = (k + 1) & (s->cap - 1);
    }
    char *c = malloc(len + 1);
    if (!c)
        return NULL;
    memcpy(c, key, len);
    c[len] = '\0';
    s->groups[k].key = c;
    s->n++;
    return &s->groups[k];
}

static int group_cmp(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (!x->key || !y->key)
        return !x->key - !y->key;
    return strcmp(x->key, y->key);
}

static void summary_write(summary *s, const eval_options *e, FILE *f)
{
    char v[64], d[64], r[64];
    if (s->groups)
        qsort(s->groups, s->cap, sizeof *s->groups, group_cmp);
    if (e->json) {
        fprintf(f, "{\"rows_in\": %zu, \"rows\": %zu, \"rejected\": %zu, \"value\": \"%s\", "
                   "\"duty\": \"%s\", \"effective_rate\": \"%s\"",
                s->rows + s->rejected, s->rows, s->rejected, fmt_units(s->value, 2, v, sizeof v),
                fmt_units(s->duty, 2, d, sizeof d), effective(s->duty, s->value, r, sizeof r));
        if (e->by) {
            fprintf(f, ", \"by\": \"%s\", \"groups\": [", e->by);
            for (size_t i = 0; i < s->n; i++) {
                group *g = &s->groups[i];
                fprintf(f, "%s{\"key\": ", i ? ", " : "");
                json_put(f, g->key, strlen(g->key));
                fprintf(f, ", \"rows\": %zu, \"value\": \"%s\", \"duty\": \"%s\", "
                           "\"effective_rate\": \"%s\"}",
                        g->rows, fmt_units(g->value, 2, v, sizeof v),
                        fmt_units(g->duty, 2, d, sizeof d), effective(g->duty, g->value, r, sizeof r));
            }
            fputs("]", f);
        }
        fputs("}\n", f);
        return;
    }
    fprintf(f, "rows in         %zu\nrows out        %zu\nrows rejected   %zu\n",
            s->rows + s->rejected, s->rows, s->rejected);
    fprintf(f, "total value     %s\ntotal duty      %s\neffective rate  %s\n",
            fmt_units(s->value, 2, v, sizeof v), fmt_units(s->duty, 2, d, sizeof d),
            effective(s->duty, s->value, r, sizeof r));
    if (e->by) {
        fprintf(f, "\n%-20s %10s %20s %20s %10s\n", e->by, "rows", "value", "duty", "rate");
        for (size_t i = 0; i < s->n; i++) {
            group *g = &s->groups[i];
            fprintf(f, "%-20s %10zu %20s %20s %10s\n", g->key, g->rows,
                    fmt_units(g->value, 2, v, sizeof v), fmt_units(g->duty, 2, d, sizeof d),
                    effective(g->duty, g->value, r, sizeof r));
        }
    }
}

static void summary_free(summary *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->groups[i].key);
    free(s->groups);
}

/* chapter: the first two digits of a product text ("hs 9503.00" -> "95"). */
static size_t chapter_of(const char *p, size_t len, char out[3])
{
    size_t k = 0;
    for (size_t i = 0; i < len && k < 2; i++)
        if (p[i] >= '0' && p[i] <= '9')
            out[k++] = p[i];
    out[k] = '\0';
    return k;
}

/* ---- Chunks ------------------------------------------------------------------------------- */

/* Rows travel in chunks: the texts of up to CHUNK_ROWS rows copied into the
 * chunk's own buffer, evaluated together, their output lines and rejects
 * formatted into the chunk, then written in input order. */
enum { CHUNK_ROWS = 4096, CHUNK_TEXT = 1 << 22 };

typedef struct crow {
    long line;
    size_t first; /* its fields: off[first..first+n) */
    size_t n;
    bool rejected; /* by the source: fields are the id and why */
} crow;

typedef struct creject {
    long line;
    size_t id, idlen, why, whylen; /* in rtext */
} creject;

typedef struct chunk {
    const eval_schema *schema;
    crow *rows;
    size_t nrows, rows_cap;
    size_t *off, *len;
    size_t nf, f_cap;
    char *text;
    size_t tlen, tcap;
    bool failed; /* memory ran out filling it */
    /* what evaluating it made */
    strbuf out;
    creject *rej;
    size_t nrej, rej_cap;
    strbuf rtext;
    size_t ok;
} chunk;

static void chunk_reset(chunk *c)
{
    c->nrows = c->nf = c->tlen = c->nrej = c->ok = 0;
    c->failed = false;
    sb_clear(&c->out);
    sb_clear(&c->rtext);
}

static void chunk_free(chunk *c)
{
    free(c->rows);
    free(c->off);
    free(c->len);
    free(c->text);
    free(c->rej);
    sb_free(&c->out);
    sb_free(&c->rtext);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static bool chunk_field(chunk *c, const char *s, size_t len)
{
    size_t fc = c->f_cap;
    if (!grow((void **)&c->off, &fc, c->nf + 1, sizeof *c->off))
        return false;
    size_t fc2 = c->f_cap;
    if (!grow((void **)&c->len, &fc2, c->nf + 1, sizeof *c->len))
        return false;
    c->f_cap = fc < fc2 ? fc : fc2;
    if (!grow((void **)&c->text, &c->tcap, c->tlen + len + 1, 1))
        return false;
    c->off[c->nf] = c->tlen;
    c->len[c->nf++] = len;
    if (len)
        memcpy(c->text + c->tlen, s, len);
    c->text[c->tlen + len] = '\0';
    c->tlen += len + 1;
    return true;
}

/* chunk_add: a copy of row (ROW_OK, or a reject of the source's). */
static bool chunk_add(chunk *c, const eval_row *row, bool rejected)
{
    if (!grow((void **)&c->rows, &c->rows_cap, c->nrows + 1, sizeof *c->rows))
        return false;
    crow *r = &c->rows[c->nrows];
    r->line = row->line;
    r->first = c->nf;
    r->rejected = rejected;
    if (rejected) {
        r->n = 2;
        if (!chunk_field(c, row->id, row->idlen) ||
            !chunk_field(c, row->why, strlen(row->why)))
            return false;
    } else {
        r->n = row->n;
        for (size_t i = 0; i < row->n; i++)
            if (!chunk_field(c, row->fields[i], row->lens[i]))
                return false;
    }
    if (row->schema)
        c->schema = row->schema; /* a later schema has every column of an earlier one */
    c->nrows++;
    return true;
}

static bool chunk_full(const chunk *c)
{
    return c->nrows >= CHUNK_ROWS || c->tlen >= CHUNK_TEXT;
}

static void chunk_reject(chunk *c, long line, const char *id, size_t idlen, const char *why)
{
    if (!grow((void **)&c->rej, &c->rej_cap, c->nrej + 1, sizeof *c->rej))
        return;
    creject *x = &c->rej[c->nrej++];
    x->line = line;
    x->id = c->rtext.len;
    x->idlen = idlen;
    sb_putn(&c->rtext, id, idlen);
    x->why = c->rtext.len;
    x->whylen = strlen(why);
    sb_puts(&c->rtext, why);
}

/* ---- Evaluating a chunk --------------------------------------------------------------- */

static void sb_csv(strbuf *b, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (!quote) {
        sb_putn(b, s, len);
        return;
    }
    sb_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            sb_putc(b, '"');
        sb_putc(b, s[i]);
    }
    sb_putc(b, '"');
}

static void sb_json(strbuf *b, const char *s, size_t len)
{
    sb_putc(b, '"');
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        sb_putn(b, s + from, i - from);
        if (c == '"' || c == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)c);
        } else {
            sb_printf(b, "\\u%04x", c);
        }
        from = i + 1;
    }
    sb_putn(b, s + from, len - from);
    sb_putc(b, '"');
}

/* A worker: its own batch and result; the policy is shared, read only. */
typedef struct worker {
    const eval_options *e;
    levy_batch *batch;
    levy_result *result;
    const eval_schema *bound;
    const char **vals;
    size_t *lens;
    size_t cap;
    strbuf scratch;
    summary sum;
    bool rows_out, explain, by_measure;
} worker;

static bool worker_init(worker *w, const eval_options *e, const levy_policy *policy,
                        const levy_scenario *scenario)
{
    memset(w, 0, sizeof *w);
    w->e = e;
    w->rows_out = !e->summary || e->output;
    w->by_measure = e->by && strcmp(e->by, "measure") == 0;
    w->explain = e->explain || w->by_measure;
    sb_init(&w->scratch, NULL);
    w->batch = levy_batch_new(policy, scenario);
    w->result = levy_result_new();
    return w->batch && w->result;
}

static void worker_free(worker *w)
{
    levy_batch_free(w->batch);
    levy_result_free(w->result);
    free(w->vals);
    free(w->lens);
    sb_free(&w->scratch);
    summary_free(&w->sum);
}

static void write_explain_csv(worker *w, strbuf *out)
{
    char amt[64];
    levy_result *r = w->result;
    strbuf *m = &w->scratch;
    sb_clear(m);
    size_t n = levy_result_charge_count(r);
    for (size_t i = 0; i < n; i++) {
        levy_charge c;
        if (levy_result_charge(r, i, &c) == LEVY_OK)
            sb_printf(m, "%s%s %s %s", i ? "; " : "", c.measure, c.rate,
                      fmt_units(c.amount, 2, amt, sizeof amt));
    }
    sb_putc(out, ',');
    sb_csv(out, m->s ? m->s : "", m->len);
    sb_putc(out, ',');
    sb_clear(m);
    size_t nx = levy_result_exclusion_count(r);
    for (size_t i = 0; i < nx; i++) {
        levy_exclusion x;
        if (levy_result_exclusion(r, i, &x) == LEVY_OK)
            sb_printf(m, "%s%s: %s", i ? "; " : "", x.measure, x.reason);
    }
    sb_csv(out, m->s ? m->s : "", m->len);
}

static void write_explain_json(levy_result *r, strbuf *f)
{
    char amt[64];
    sb_puts(f, ", \"charged\": [");
    size_t n = levy_result_charge_count(r);
    for (size_t i = 0; i < n; i++) {
        levy_charge c;
        if (levy_result_charge(r, i, &c) != LEVY_OK)
            continue;
        sb_puts(f, i ? ", {\"measure\": " : "{\"measure\": ");
        sb_json(f, c.measure, strlen(c.measure));
        sb_puts(f, ", \"rate\": ");
        sb_json(f, c.rate, strlen(c.rate));
        sb_printf(f, ", \"amount\": \"%s\"", fmt_units(c.amount, 2, amt, sizeof amt));
        if (c.note && *c.note) {
            sb_puts(f, ", \"note\": ");
            sb_json(f, c.note, strlen(c.note));
        }
        sb_putc(f, '}');
    }
    sb_puts(f, "], \"not_charged\": [");
    size_t nx = levy_result_exclusion_count(r);
    for (size_t i = 0; i < nx; i++) {
        levy_exclusion x;
        if (levy_result_exclusion(r, i, &x) != LEVY_OK)
            continue;
        sb_puts(f, i ? ", {\"measure\": " : "{\"measure\": ");
        sb_json(f, x.measure, strlen(x.measure));
        sb_puts(f, ", \"why\": ");
        sb_json(f, x.reason, strlen(x.reason));
        sb_putc(f, '}');
    }
    sb_putc(f, ']');
}

static void count_group(summary *s, const char *k, size_t kl, int64_t v, int64_t d)
{
    group *g = group_of(s, k, kl);
    if (g) {
        g->rows++;
        g->value += v;
        g->duty += d;
    }
}

/* chunk_evaluate: every row of c through w's batch.  False when memory ran
 * out (binding a new schema). */
static bool chunk_evaluate(worker *w, chunk *c, const volatile atomic_int *stop)
{
    const eval_options *e = w->e;
    const eval_schema *sc = c->schema;
    if (!sc)
        sc = NULL;
    else if (sc != w->bound) {
        if (levy_batch_bind(w->batch, sc->names, sc->n) != LEVY_OK)
            return false;
        if (!grow((void **)&w->vals, &w->cap, sc->n + 1, sizeof *w->vals))
            return false;
        free(w->lens);
        w->lens = calloc(w->cap, sizeof *w->lens);
        if (!w->lens)
            return false;
        w->bound = sc;
    }
    char rate[64], duty[64];
    for (size_t r = 0; r < c->nrows; r++) {
        if (atomic_load(stop))
            return true;
        const crow *row = &c->rows[r];
        const char *t = c->text;
        if (row->rejected) {
            chunk_reject(c, row->line, t + c->off[row->first], c->len[row->first],
                         t + c->off[row->first + 1]);
            continue;
        }
        size_t n = sc->n;
        for (size_t i = 0; i < n; i++) {
            bool has = i < row->n;
            w->vals[i] = has ? t + c->off[row->first + i] : "";
            w->lens[i] = has ? c->len[row->first + i] : 0;
        }
        const char *id = sc->id_col >= 0 ? w->vals[sc->id_col] : "";
        size_t idl = sc->id_col >= 0 ? w->lens[sc->id_col] : 0;
        levy_status s = levy_batch_evaluate(w->batch, w->vals, w->lens, n, w->explain, w->result);
        if (s != LEVY_OK) {
            chunk_reject(c, row->line, id, idl,
                         s == LEVY_ERROR_EVAL ? levy_result_error(w->result)
                                              : levy_batch_error(w->batch));
            continue;
        }
        int64_t d = levy_result_duty(w->result), v = levy_batch_value(w->batch);
        c->ok++;
        w->sum.rows++;
        w->sum.value += v;
        w->sum.duty += d;
        if (e->by) {
            if (w->by_measure) {
                size_t nc = levy_result_charge_count(w->result);
                for (size_t i = 0; i < nc; i++) {
                    levy_charge ch;
                    if (levy_result_charge(w->result, i, &ch) == LEVY_OK)
                        count_group(&w->sum, ch.measure, strlen(ch.measure), v, ch.amount);
                }
            } else if (e->by[0] == 'o') {
                int oc = sc->origin_col;
                count_group(&w->sum, oc >= 0 ? w->vals[oc] : "", oc >= 0 ? w->lens[oc] : 0, v,
                            d);
            } else {
                char ch[3];
                int pc = sc->product_col;
                size_t kl = pc >= 0 ? chapter_of(w->vals[pc], w->lens[pc], ch) : 0;
                ch[kl] = '\0';
                count_group(&w->sum, ch, kl, v, d);
            }
        }
        if (!w->rows_out)
            continue;
        strbuf *f = &c->out;
        fmt_rate(levy_result_rate(w->result), rate, sizeof rate);
        fmt_units(d, 2, duty, sizeof duty);
        if (e->jsonl) {
            sb_puts(f, "{\"id\": ");
            sb_json(f, id, idl);
            sb_printf(f, ", \"rate\": \"%s\", \"duty\": \"%s\"", rate, duty);
            if (e->explain)
                write_explain_json(w->result, f);
            sb_puts(f, "}\n");
        } else {
            sb_csv(f, id, idl);
            sb_printf(f, ",%s,%s", rate, duty);
            if (e->explain)
                write_explain_csv(w, f);
            sb_putc(f, '\n');
        }
    }
    return !c->out.failed && !c->rtext.failed;
}

/* ---- The run ------------------------------------------------------------------------------ */

typedef struct run_state {
    const eval_options *e;
    const char *input_name;
    out_file out, rej;
    size_t reported;
    size_t rows, rejected; /* written so far */
    bool broken;           /* the input could not be read to its end */
    bool progress;         /* a progress line is on standard error */
} run_state;

/* chunk_write: c's output and rejects, in order. */
static void chunk_write(run_state *st, const chunk *c)
{
    if (st->out.f && c->out.len)
        fwrite(c->out.s, 1, c->out.len, st->out.f);
    for (size_t i = 0; i < c->nrej; i++) {
        const creject *x = &c->rej[i];
        const char *why = c->rtext.s + x->why;
        if (st->reported < 100)
            fprintf(stderr, "%slevy: %s:%ld: %.*s\n", st->progress ? "\r\033[K" : "",
                    st->input_name, x->line, (int)x->whylen, why);
        else if (st->reported == 100)
            fprintf(stderr, "levy: more rows rejected; not shown (see --rejects)\n");
        st->reported++;
        if (st->rej.f) {
            fprintf(st->rej.f, "%ld,", x->line);
            csv_put(st->rej.f, c->rtext.s + x->id, x->idlen);
            putc(',', st->rej.f);
            csv_put(st->rej.f, why, x->whylen);
            putc('\n', st->rej.f);
        }
    }
    st->rows += c->ok;
    st->rejected += c->nrej;
}

static void summary_merge(summary *into, summary *from)
{
    into->rows += from->rows;
    into->rejected += from->rejected;
    into->value += from->value;
    into->duty += from->duty;
    for (size_t i = 0; i < from->cap; i++) {
        group *g = &from->groups[i];
        if (!g->key)
            continue;
        group *h = group_of(into, g->key, strlen(g->key));
        if (h) {
            h->rows += g->rows;
            h->value += g->value;
            h->duty += g->duty;
        }
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* fill: the next rows of src into c; false at the end of the input (c may
 * still hold rows). */
static bool fill(row_source *src, chunk *c, run_state *st)
{
    chunk_reset(c);
    while (!chunk_full(c)) {
        eval_row row;
        row_kind k = row_source_next(src, &row);
        if (k == ROW_END)
            return false;
        if (k != ROW_OK && atomic_load(&interrupted))
            return false;
        if (!chunk_add(c, &row, k != ROW_OK)) {
            c->failed = true;
            return false;
        }
        if (k == ROW_BROKEN) {
            st->broken = true; /* the reader cannot go on past it */
            return false;
        }
    }
    return true;
}

typedef struct progress {
    bool on;
    double t0, last;
    FILE *in;  /* a regular file: how far it has been read gives an ETA */
    off_t size;
} progress;

/* eta: the time left at the pace so far, "0:12", "1:02:03"; false when
 * the input's size is not known. */
static bool eta(const progress *p, double elapsed, char *buf, size_t n)
{
    off_t at = p->in && p->size > 0 ? ftello(p->in) : -1;
    if (at <= 0 || elapsed <= 0)
        return false;
    double left = elapsed * (double)(p->size - at) / (double)at;
    long sec = left < 0 ? 0 : (long)(left + 0.5);
    if (sec >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", sec / 3600, sec / 60 % 60, sec % 60);
    else
        snprintf(buf, n, "%ld:%02ld", sec / 60, sec % 60);
    return true;
}

static void progress_show(progress *p, const run_state *st)
{
    if (!p->on)
        return;
    double t = now_seconds();
    if (t - p->last < 0.5)
        return;
    p->last = t;
    char left[32];
    fprintf(stderr, "\r%zu rows, %.0f rows/s, %zu rejected%s%s ", st->rows,
            (double)(st->rows + st->rejected) / (t - p->t0), st->rejected,
            eta(p, t - p->t0, left, sizeof left) ? ", ETA " : "",
            eta(p, t - p->t0, left, sizeof left) ? left : "");
}

/* ---- Worker threads (-j N) ---------------------------------------------------------------- */

/* The main thread reads chunks and writes them, in input order; N workers
 * evaluate them, each with its own batch, result and partial summary.  A
 * fixed ring of 2N+2 chunks is in flight, so memory does not grow with the
 * input.  Everything the threads share is under mu. */
enum { SLOT_FREE, SLOT_QUEUED, SLOT_DONE };

typedef struct slot {
    chunk c;
    int state;
    bool ok;
} slot;

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    slot *slots;
    size_t nslots;
    size_t submitted, taken, written; /* chunk numbers */
    bool closing;
} pipeline;

typedef struct worker_arg {
    pipeline *p;
    worker *w;
} worker_arg;

static void *worker_main(void *arg)
{
    pipeline *p = ((worker_arg *)arg)->p;
    worker *w = ((worker_arg *)arg)->w;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->taken == p->submitted && !p->closing)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->taken == p->submitted)
            break;
        slot *s = &p->slots[p->taken++ % p->nslots];
        pthread_mutex_unlock(&p->mu);
        bool ok = chunk_evaluate(w, &s->c, &interrupted);
        pthread_mutex_lock(&p->mu);
        s->ok = ok;
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* write_head: waits for the oldest chunk not yet written and writes it
 * (unless interrupted); false when its worker ran out of memory. */
static bool write_head(pipeline *p, run_state *st, progress *pr, bool wait)
{
    pthread_mutex_lock(&p->mu);
    slot *s = &p->slots[p->written % p->nslots];
    while (wait && s->state != SLOT_DONE)
        pthread_cond_wait(&p->done, &p->mu);
    bool ready = p->written < p->submitted && s->state == SLOT_DONE;
    pthread_mutex_unlock(&p->mu);
    if (!ready)
        return true;
    bool ok = s->ok;
    if (ok && !atomic_load(&interrupted)) {
        chunk_write(st, &s->c);
        progress_show(pr, st);
    }
    pthread_mutex_lock(&p->mu);
    s->state = SLOT_FREE;
    p->written++;
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* run_parallel: every chunk of src through nw workers; false (after saying
 * why) when memory ran out. */
static bool run_parallel(row_source *src, run_state *st, worker *ws, size_t nw, progress *pr)
{
    pipeline p;
    memset(&p, 0, sizeof p);
    p.nslots = 2 * nw + 2;
    p.slots = calloc(p.nslots, sizeof *p.slots);
    pthread_t *th = calloc(nw, sizeof *th);
    worker_arg *args = calloc(nw, sizeof *args);
    bool ok = p.slots && th && args;
    for (size_t i = 0; ok && i < p.nslots; i++) {
        sb_init(&p.slots[i].c.out, NULL);
        sb_init(&p.slots[i].c.rtext, NULL);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);
    /* SIGINT is the main thread's: it interrupts the read it waits in */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    size_t started = 0;
    for (; ok && started < nw; started++) {
        args[started].p = &p;
        args[started].w = &ws[started];
        if (pthread_create(&th[started], NULL, worker_main, &args[started]) != 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    ok = ok && started > 0;
    bool more = true;
    while (ok && more && !atomic_load(&interrupted)) {
        while (ok && p.submitted - p.written == p.nslots) /* only this thread moves them */
            ok = write_head(&p, st, pr, true);
        if (!ok)
            break;
        slot *s = &p.slots[p.submitted % p.nslots];
        more = fill(src, &s->c, st);
        if (s->c.failed) {
            ok = false;
            break;
        }
        pthread_mutex_lock(&p.mu);
        s->state = SLOT_QUEUED;
        p.submitted++;
        pthread_cond_signal(&p.work);
        pthread_mutex_unlock(&p.mu);
        while (ok && p.written < p.submitted) {
            size_t before = p.written;
            ok = write_head(&p, st, pr, false);
            if (p.written == before)
                break;
        }
    }
    while (p.written < p.submitted) {
        bool w = write_head(&p, st, pr, true);
        ok = ok && w;
    }
    pthread_mutex_lock(&p.mu);
    p.closing = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p.work);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.mu);
    for (size_t i = 0; p.slots && i < p.nslots; i++)
        chunk_free(&p.slots[i].c);
    free(p.slots);
    free(th);
    free(args);
    if (!ok)
        fputs("levy: out of memory (or no thread could start)\n", stderr);
    return ok;
}

int cli_eval(const cli_options *o, const eval_options *e)
{
    int status;
    levy_policy *policy = cli_load(o, &status); /* refuses a policy that does not check */
    if (!policy)
        return status;
    const levy_scenario *scenario;
    if (!cli_choose_scenario(policy, o, &scenario)) {
        levy_policy_free(policy);
        return 2;
    }
    FILE *in = strcmp(e->input, "-") == 0 ? stdin : fopen(e->input, "rb");
    if (!in) {
        fprintf(stderr, "levy: cannot read %s: %s\n", e->input, strerror(errno));
        levy_policy_free(policy);
        return 2;
    }
    run_state st;
    memset(&st, 0, sizeof st);
    st.e = e;
    st.input_name = strcmp(e->input, "-") == 0 ? "<stdin>" : e->input;
    int rc = 1;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    bool rows_out = !e->summary || e->output;
    summary sum;
    memset(&sum, 0, sizeof sum);
    chunk c;
    memset(&c, 0, sizeof c);
    sb_init(&c.out, NULL);
    sb_init(&c.rtext, NULL);
    size_t nw = e->jobs > 1 ? (size_t)e->jobs : 1;
    worker *ws = calloc(nw, sizeof *ws);
    bool have_worker = ws != NULL;
    for (size_t i = 0; have_worker && i < nw; i++)
        have_worker = worker_init(&ws[i], e, policy, scenario);
    row_source *src = NULL;
    if (!have_worker) {
        fputs("levy: out of memory\n", stderr);
        goto done;
    }
    src = row_source_open(in, st.input_name, eval_input_is_jsonl(e), e, policy, scenario);
    if (!src) {
        if (atomic_load(&interrupted)) {
            fputs("levy: interrupted before the first row; nothing written\n", stderr);
            rc = 130;
        }
        goto done;
    }
    if (rows_out && !out_open(&st.out, e->output))
        goto done;
    if (e->rejects && !out_open(&st.rej, e->rejects))
        goto done;
    if (st.rej.f)
        fputs("line,id,reason\n", st.rej.f);
    if (rows_out && !e->jsonl)
        fputs(e->explain ? "id,rate,duty,measures,not_charged\n" : "id,rate,duty\n", st.out.f);

    /* last = 0: the first chunk shows the line at once, then every half
       second, so even a short run says what it is doing. */
    progress pr = {!e->quiet && isatty(STDERR_FILENO), now_seconds(), 0, NULL, 0};
    struct stat sb;
    if (fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode)) {
        pr.in = in;
        pr.size = sb.st_size;
    }
    st.progress = pr.on;
    bool more = nw == 1;
    if (nw > 1 && !run_parallel(src, &st, ws, nw, &pr))
        goto done;
    while (more && !atomic_load(&interrupted)) {
        more = fill(src, &c, &st);
        if (c.failed || !chunk_evaluate(&ws[0], &c, &interrupted)) {
            fputs("levy: out of memory\n", stderr);
            goto done;
        }
        if (atomic_load(&interrupted))
            break;
        chunk_write(&st, &c);
        progress_show(&pr, &st);
    }
    if (pr.on)
        fputs("\r\033[K", stderr);
    if (atomic_load(&interrupted)) {
        fprintf(stderr, "levy: interrupted after %zu rows (%zu rejected); nothing written\n",
                st.rows, st.rejected);
        out_discard(&st.out);
        out_discard(&st.rej);
        rc = 130;
        goto done;
    }
    if (!out_commit(&st.rej) || !out_commit(&st.out))
        goto done;
    for (size_t i = 0; i < nw; i++)
        summary_merge(&sum, &ws[i].sum);
    sum.rejected = st.rejected;
    if (e->summary)
        summary_write(&sum, e, stdout);
    if (st.rejected)
        fprintf(stderr, "levy: %zu rows in, %zu out, %zu rejected\n", st.rows + st.rejected,
                st.rows, st.rejected);
    fflush(stdout);
    rc = (st.rejected && !e->keep_going) || st.broken ? 1 : 0;
done:
    sigaction(SIGINT, &old, NULL);
    out_discard(&st.out);
    out_discard(&st.rej);
    row_source_free(src);
    for (size_t i = 0; ws && i < nw; i++)
        worker_free(&ws[i]);
    free(ws);
    chunk_free(&c);
    summary_free(&sum);
    if (in != stdin)
        fclose(in);
    levy_policy_free(policy);
    return rc;
}
