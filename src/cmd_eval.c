/* cmd_eval.c - `levy eval`: a file of shipment rows through a policy.
 *
 * Streams: one CSV record at a time through the batch API of levy.h, each
 * result written as it is found.  An output file (and a rejects file) is
 * written to a temporary file beside it and renamed at the end, so that a
 * failed or interrupted run leaves none.  Totals for --summary are kept as
 * 128-bit integers of LEVY_DECIMAL_SCALE units: exact far beyond 10^20. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"
#include "levy.h"

__extension__ typedef __int128 i128;

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- Options ---------------------------------------------------------------- */

static bool take_value(int argc, char **argv, int *i, const char *name, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        *out = a + n + 1;
        return true;
    }
    if (strcmp(a, name) != 0)
        return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "levy: %s needs a value\nTry 'levy --help'.\n", name);
        *out = NULL;
        return true;
    }
    *out = argv[++*i];
    return true;
}

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
        if (take_value(argc, argv, &i, "--input", &v)) {
            if (!v)
                return false;
            e->input = v;
        } else if (take_value(argc, argv, &i, "--output", &v) ||
                   (strcmp(a, "-o") == 0 && take_value(argc, argv, &i, "-o", &v))) {
            if (!v)
                return false;
            e->output = v;
        } else if (take_value(argc, argv, &i, "--rejects", &v)) {
            if (!v)
                return false;
            e->rejects = v;
        } else if (take_value(argc, argv, &i, "--ignore-column", &v)) {
            if (!v)
                return false;
            e->ignore[e->nignore++] = v;
        } else if (take_value(argc, argv, &i, "--by", &v)) {
            if (!v)
                return false;
            if (strcmp(v, "origin") && strcmp(v, "chapter") && strcmp(v, "measure")) {
                fprintf(stderr, "levy: --by takes origin, chapter or measure, not '%s'\n"
                                "Try 'levy --help'.\n", v);
                return false;
            }
            e->by = v;
        } else if (take_value(argc, argv, &i, "--format", &v)) {
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
        } else if (take_value(argc, argv, &i, "-j", &v) ||
                   take_value(argc, argv, &i, "--jobs", &v)) {
            if (!v)
                return false;
            e->jobs = atoi(v); /* accepted; rows are evaluated on one thread for now */
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
    int fd = mkstemp(o->tmp);
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

/* ---- The run ------------------------------------------------------------------------------ */

typedef struct run_state {
    const eval_options *e;
    const char *input_name;
    out_file out, rej;
    size_t reported;
    summary sum;
} run_state;

static void reject(run_state *st, long line, const csv_record *rec, int id_col, const char *why)
{
    st->sum.rejected++;
    if (st->reported < 100)
        fprintf(stderr, "levy: %s:%ld: %s\n", st->input_name, line, why);
    else if (st->reported == 100)
        fprintf(stderr, "levy: more rows rejected; not shown (see --rejects)\n");
    st->reported++;
    if (st->rej.f) {
        fprintf(st->rej.f, "%ld,", line);
        if (id_col >= 0 && rec && (size_t)id_col < rec->count)
            csv_put(st->rej.f, rec->fields[id_col].s, rec->fields[id_col].len);
        putc(',', st->rej.f);
        csv_put(st->rej.f, why, strlen(why));
        putc('\n', st->rej.f);
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void write_explain_csv(FILE *f, levy_result *r)
{
    char rate[64], amt[64];
    size_t n = levy_result_charge_count(r);
    putc(',', f);
    /* measures: "mfn_duty 3% 30.00; fentanyl_cn 20% 200.00" */
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    if (!m)
        return;
    for (size_t i = 0; i < n; i++) {
        levy_charge c;
        if (levy_result_charge(r, i, &c) != LEVY_OK)
            continue;
        fprintf(m, "%s%s %s %s", i ? "; " : "", c.measure, c.rate,
                fmt_units(c.amount, 2, amt, sizeof amt));
    }
    fflush(m);
    csv_put(f, buf, blen);
    putc(',', f);
    rewind(m);
    blen = 0;
    fflush(m);
    size_t nx = levy_result_exclusion_count(r);
    for (size_t i = 0; i < nx; i++) {
        levy_exclusion x;
        if (levy_result_exclusion(r, i, &x) == LEVY_OK)
            fprintf(m, "%s%s: %s", i ? "; " : "", x.measure, x.reason);
    }
    fflush(m);
    csv_put(f, buf, nx ? strlen(buf) : 0);
    fclose(m);
    free(buf);
    (void)rate;
}

static void write_explain_json(FILE *f, levy_result *r)
{
    char amt[64];
    fputs(", \"charged\": [", f);
    size_t n = levy_result_charge_count(r);
    for (size_t i = 0; i < n; i++) {
        levy_charge c;
        if (levy_result_charge(r, i, &c) != LEVY_OK)
            continue;
        fprintf(f, "%s{\"measure\": ", i ? ", " : "");
        json_put(f, c.measure, strlen(c.measure));
        fputs(", \"rate\": ", f);
        json_put(f, c.rate, strlen(c.rate));
        fprintf(f, ", \"amount\": \"%s\"", fmt_units(c.amount, 2, amt, sizeof amt));
        if (c.note && *c.note) {
            fputs(", \"note\": ", f);
            json_put(f, c.note, strlen(c.note));
        }
        putc('}', f);
    }
    fputs("], \"not_charged\": [", f);
    size_t nx = levy_result_exclusion_count(r);
    for (size_t i = 0; i < nx; i++) {
        levy_exclusion x;
        if (levy_result_exclusion(r, i, &x) != LEVY_OK)
            continue;
        fprintf(f, "%s{\"measure\": ", i ? ", " : "");
        json_put(f, x.measure, strlen(x.measure));
        fputs(", \"why\": ", f);
        json_put(f, x.reason, strlen(x.reason));
        putc('}', f);
    }
    putc(']', f);
}

int cli_eval(const cli_options *o, const eval_options *e)
{
    int status;
    levy_policy *policy = cli_load(o, &status); /* refuses a policy that does not check */
    if (!policy)
        return status;
    const levy_scenario *scenario = NULL;
    if (o->scenario && strcmp(o->scenario, "none") != 0 &&
        levy_policy_scenario(policy, o->scenario, &scenario) != LEVY_OK) {
        fprintf(stderr, "levy: %s\n", levy_policy_error(policy));
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
    levy_batch *batch = levy_batch_new(policy, scenario);
    levy_result *result = levy_result_new();
    csv_reader rd;
    csv_init_file(&rd, in);
    const char **names = NULL;
    int id_col = -1, origin_col = -1, product_col = -1;
    size_t ncols = 0;
    bool rows_out = !e->summary || e->output;
    bool by_measure = e->by && strcmp(e->by, "measure") == 0;
    bool explain = e->explain || by_measure;
    const char **vals = NULL;
    size_t *lens = NULL;
    if (!batch || !result) {
        fputs("levy: out of memory\n", stderr);
        goto done;
    }
    csv_record rec;
    csv_status cs = csv_next(&rd, &rec);
    if (cs != CSV_OK && interrupted) {
        fputs("levy: interrupted before the first row; nothing written\n", stderr);
        rc = 130;
        goto done;
    }
    if (cs != CSV_OK) {
        fprintf(stderr, "levy: %s:%ld: %s\n", st.input_name, rd.error_line ? rd.error_line : 1,
                cs == CSV_END ? "no header line (id, origin, product, ...)"
                              : csv_status_message(cs));
        goto done;
    }
    ncols = rec.count;
    names = calloc(ncols + 1, sizeof *names);
    vals = calloc(ncols + 1, sizeof *vals);
    lens = calloc(ncols + 1, sizeof *lens);
    if (!names || !vals || !lens) {
        fputs("levy: out of memory\n", stderr);
        goto done;
    }
    for (size_t i = 0; i < ncols; i++) {
        const char *h = rec.fields[i].s;
        bool ignored = false;
        for (size_t k = 0; k < e->nignore; k++)
            ignored = ignored || strcmp(e->ignore[k], h) == 0;
        if (strcmp(h, "id") == 0) {
            id_col = (int)i;
            ignored = true;
        }
        if (strcmp(h, "origin") == 0)
            origin_col = (int)i;
        if (strcmp(h, "product") == 0)
            product_col = (int)i;
        names[i] = ignored ? NULL : strdup(h);
        if (!ignored && !names[i]) {
            fputs("levy: out of memory\n", stderr);
            goto done;
        }
    }
    if (levy_batch_bind(batch, names, ncols) != LEVY_OK) {
        fprintf(stderr, "levy: %s:%ld: %s (--ignore-column NAME to skip it)\n", st.input_name,
                rec.line, levy_batch_error(batch));
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

    bool progress = !e->quiet && isatty(STDERR_FILENO);
    double t0 = now_seconds(), last = t0;
    char rate[64], duty[64];
    while (!interrupted) {
        cs = csv_next(&rd, &rec);
        if (cs == CSV_END)
            break;
        if (cs != CSV_OK && interrupted)
            break;
        if (cs != CSV_OK) {
            reject(&st, rd.error_line, NULL, -1, csv_status_message(cs));
            break; /* the reader cannot go on past a broken record */
        }
        if (rec.count != ncols) {
            char why[96];
            snprintf(why, sizeof why, "%zu fields where the header has %zu", rec.count, ncols);
            reject(&st, rec.line, &rec, id_col, why);
            continue;
        }
        for (size_t i = 0; i < ncols; i++) {
            vals[i] = rec.fields[i].s;
            lens[i] = rec.fields[i].len;
        }
        levy_status s = levy_batch_evaluate(batch, vals, lens, ncols, explain, result);
        if (s != LEVY_OK) {
            reject(&st, rec.line, &rec, id_col,
                   s == LEVY_ERROR_EVAL ? levy_result_error(result) : levy_batch_error(batch));
            continue;
        }
        int64_t d = levy_result_duty(result), v = levy_batch_value(batch);
        st.sum.rows++;
        st.sum.value += v;
        st.sum.duty += d;
        if (e->by) {
            if (by_measure) {
                size_t n = levy_result_charge_count(result);
                for (size_t i = 0; i < n; i++) {
                    levy_charge c;
                    if (levy_result_charge(result, i, &c) != LEVY_OK)
                        continue;
                    group *g = group_of(&st.sum, c.measure, strlen(c.measure));
                    if (g) {
                        g->rows++;
                        g->value += v;
                        g->duty += c.amount;
                    }
                }
            } else {
                char ch[3];
                const char *k = "";
                size_t kl = 0;
                if (e->by[0] == 'o' && origin_col >= 0) {
                    k = rec.fields[origin_col].s;
                    kl = rec.fields[origin_col].len;
                } else if (product_col >= 0) {
                    kl = chapter_of(rec.fields[product_col].s, rec.fields[product_col].len, ch);
                    k = ch;
                }
                group *g = group_of(&st.sum, k, kl);
                if (g) {
                    g->rows++;
                    g->value += v;
                    g->duty += d;
                }
            }
        }
        if (rows_out) {
            FILE *f = st.out.f;
            const char *id = id_col >= 0 ? rec.fields[id_col].s : "";
            size_t idl = id_col >= 0 ? rec.fields[id_col].len : 0;
            if (e->jsonl) {
                fputs("{\"id\": ", f);
                json_put(f, id, idl);
                fprintf(f, ", \"rate\": \"%s\", \"duty\": \"%s\"",
                        fmt_rate(levy_result_rate(result), rate, sizeof rate),
                        fmt_units(d, 2, duty, sizeof duty));
                if (e->explain)
                    write_explain_json(f, result);
                fputs("}\n", f);
            } else {
                csv_put(f, id, idl);
                fprintf(f, ",%s,%s", fmt_rate(levy_result_rate(result), rate, sizeof rate),
                        fmt_units(d, 2, duty, sizeof duty));
                if (e->explain)
                    write_explain_csv(f, result);
                putc('\n', f);
            }
        }
        if (progress && (st.sum.rows & 0xffff) == 0) {
            double t = now_seconds();
            if (t - last >= 0.5) {
                last = t;
                fprintf(stderr, "\r%zu rows, %.0f rows/s, %zu rejected ", st.sum.rows,
                        (double)st.sum.rows / (t - t0), st.sum.rejected);
            }
        }
    }
    if (progress)
        fputs("\r\033[K", stderr);
    if (interrupted) {
        fprintf(stderr, "levy: interrupted after %zu rows (%zu rejected); nothing written\n",
                st.sum.rows, st.sum.rejected);
        out_discard(&st.out);
        out_discard(&st.rej);
        rc = 130;
        goto done;
    }
    if (!out_commit(&st.rej) || !out_commit(&st.out))
        goto done;
    if (e->summary)
        summary_write(&st.sum, e, stdout);
    if (st.sum.rejected)
        fprintf(stderr, "levy: %zu rows in, %zu out, %zu rejected\n",
                st.sum.rows + st.sum.rejected, st.sum.rows, st.sum.rejected);
    fflush(stdout);
    rc = (st.sum.rejected && !e->keep_going) || cs != CSV_END ? 1 : 0;
done:
    sigaction(SIGINT, &old, NULL);
    out_discard(&st.out);
    out_discard(&st.rej);
    if (names)
        for (size_t i = 0; i < ncols; i++)
            free((char *)names[i]);
    free(names);
    free(vals);
    free(lens);
    summary_free(&st.sum);
    csv_free(&rd);
    if (in != stdin)
        fclose(in);
    levy_result_free(result);
    levy_batch_free(batch);
    levy_policy_free(policy);
    return rc;
}
