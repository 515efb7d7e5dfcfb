/* session.c - a policy that grows as text is entered (the REPL's engine).
 *
 * A session remembers what it was given: the files loaded and, one by one,
 * the declarations typed.  Each input is tried on a new policy built from
 * all of that plus the input; only when the new policy checks is it kept.
 * So a failed input cannot leave the session half-changed, and redefining a
 * typed name is simply leaving its old text out.  Rebuilding costs a parse
 * and a check of the whole policy per input: milliseconds, for a policy a
 * person types.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "eval.h"
#include "levy.h"
#include "parse.h"
#include "run.h"
#include "value.h"

#define REPL_SOURCE "<repl>"

/* One typed declaration: its text and the name it declares (NULL for
 * `commit`, `importer`, tests...). */
typedef struct chunk {
    char *text;
    char *name;
} chunk;

struct levy_session {
    mem mem;                   /* the host's allocator, or libc's */
    mem host;                  /* the same, for counting_alloc */
    size_t alloc_failures;     /* allocations refused, the policies' too */
    levy_config policy_config; /* what each policy it builds is given */
    levy_write_fn write;
    void *ud;
    levy_diagnostic_fn on_diagnostic; /* the host's, from levy_config */
    void *diagnostic_ud;
    char **search;
    size_t nsearch;
    char *stdlib_dir; /* NULL: the library's default */
    char **files;
    size_t nfiles;
    chunk *chunks;
    size_t nchunks;
    levy_policy *policy; /* the current state; never NULL after new */
    char *scenario;      /* chosen with :scenario, re-applied after rebuilds */
    char *origin;        /* the name diagnostics give the next input */
    int origin_line;     /* ... and the line it starts on */
    bool rereading;      /* :reload: read every file from disk */
    char error[512];     /* why the last call failed, when not a diagnostic */
    volatile int interrupt;
};

/* real_path: the resolved path of path, in the session's memory; NULL
 * (errno set) when it does not resolve or memory runs out. */
static char *real_path(levy_session *s, const char *path)
{
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        return NULL;
    char *real = mem_strdup(&s->mem, buf);
    if (!real)
        errno = ENOMEM;
    return real;
}

static void say(levy_session *s, const char *text)
{
    s->write(s->ud, text, strlen(text));
}

static void sayf(levy_session *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sayf(levy_session *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    say(s, buf);
}

/* fail: remember why a command failed, for levy_session_error; the REPL
 * shows it as its own error (on standard error, with the line). */
static void fail(levy_session *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail(levy_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
}

const char *levy_session_error(const levy_session *s)
{
    return s ? s->error : "";
}

/* Diagnostics are rendered by diag.c into a string and handed to the
 * writer, so the REPL shows them where it shows everything else. */
static void say_diagnostics(levy_session *s, const source_set *srcs, const diag_list *d,
                            size_t from, int first_file)
{
    strbuf text;
    sb_init(&text, &s->mem);
    for (size_t i = from; i < d->count; i++)
        if (d->items[i].at.file >= first_file)
            diag_format_one(&text, srcs, &d->items[i], DIAG_TEXT);
    if (text.len)
        s->write(s->ud, sb_cstr(&text), text.len);
    sb_free(&text);
    for (size_t i = from; s->on_diagnostic && i < d->count; i++)
        if (d->items[i].at.file >= first_file)
            api_deliver_diagnostic(s->on_diagnostic, s->diagnostic_ud, srcs, &d->items[i]);
}

/* ---- Building ------------------------------------------------------------ */

typedef struct build {
    levy_policy *policy;
    int first_new_source; /* sources from here on are the new input */
} build;

static bool chunk_redefined(const chunk *c, char **names, size_t nnames)
{
    for (size_t i = 0; c->name && i < nnames; i++)
        if (names[i] && strcmp(c->name, names[i]) == 0)
            return true;
    return false;
}

/* A piece of entered text, cut out of a longer input: `line_offset` keeps
 * its diagnostics on the line where it was typed (its first line is padded
 * with blanks, so columns stay right too). */
typedef struct piece {
    char *text;
    char *name; /* what it declares, or NULL */
    int line_offset;
    bool declaration;
} piece;

/* build_policy: files + the typed chunks not redefined by `names` + `extra`
 * pieces (each its own source), checked.  The caller owns b->policy. */
static levy_status build_policy(levy_session *s, char **names, size_t nnames, const piece *extra,
                                size_t nextra, build *b)
{
    levy_policy *p = levy_policy_new_with(&s->policy_config);
    if (!p) {
        fail(s, "out of memory");
        return LEVY_ERROR_NOMEM;
    }
    b->policy = p;
    /* Files are read from disk only by :load and :reload; every other
       input reuses the texts the session already has, so a file edited
       into a broken state breaks nothing until it is reloaded. */
    api_policy_reuse_sources(p, s->policy && !s->rereading ? api_policy_sources(s->policy) : NULL);
    levy_status st = s->stdlib_dir ? levy_policy_set_stdlib_dir(p, s->stdlib_dir) : LEVY_OK;
    for (size_t i = 0; i < s->nsearch && st == LEVY_OK; i++)
        st = levy_policy_add_search_path(p, s->search[i]);
    for (size_t i = 0; i < s->nfiles && st == LEVY_OK; i++) {
        levy_status f = levy_policy_load_file(p, s->files[i]);
        if (f == LEVY_ERROR_IO) {
            fail(s, "%s", levy_policy_error(p));
            st = f;
        }
    }
    for (size_t i = 0; i < s->nchunks && st != LEVY_ERROR_IO; i++)
        if (!chunk_redefined(&s->chunks[i], names, nnames))
            levy_policy_load_string(p, REPL_SOURCE, s->chunks[i].text, strlen(s->chunks[i].text));
    b->first_new_source = (int)api_policy_sources(p)->count;
    for (size_t i = 0; i < nextra && st != LEVY_ERROR_IO; i++) {
        size_t at = api_policy_sources(p)->count;
        levy_policy_load_string(p, s->origin ? s->origin : REPL_SOURCE, extra[i].text,
                                strlen(extra[i].text));
        api_policy_set_line_offset(p, at, extra[i].line_offset);
    }
    if (st != LEVY_OK)
        return st;
    st = levy_policy_check(p);
    const levy_scenario *chosen;
    if (st == LEVY_OK && s->scenario && levy_policy_scenario(p, s->scenario, &chosen) != LEVY_OK) {
        sayf(s, "levy: %s; back to no scenario\n", levy_policy_error(p));
        mem_free(&s->mem, s->scenario);
        s->scenario = NULL;
    }
    return st;
}

/* Show the diagnostics of a build: all of them when it failed (an error may
 * stand in old text that the input broke), else the new input's only, so
 * that old warnings are not repeated at every prompt. */
static void report_build(levy_session *s, const build *b, bool failed)
{
    if (!b->policy) /* not even made: out of memory */
        return;
    const diag_list *d = api_policy_diags(b->policy);
    say_diagnostics(s, api_policy_sources(b->policy), d, 0, failed ? 0 : b->first_new_source);
}

static void adopt(levy_session *s, build *b)
{
    levy_policy_free(s->policy);
    s->policy = b->policy;
    b->policy = NULL;
    levy_policy_clear_diagnostics(s->policy);
}

/* ---- Life ------------------------------------------------------------------ */

levy_session *levy_session_new(levy_write_fn write, void *userdata)
{
    levy_config c;
    levy_config_init(&c);
    c.write = write;
    c.write_userdata = userdata;
    return levy_session_new_with(&c);
}

/* The allocator of the session's policies: the host's (or the C
 * library's), counting what it refuses, so that a session call that
 * failed for want of memory in a policy it built says LEVY_ERROR_NOMEM. */
static void *counting_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    levy_session *s = ud;
    void *q;
    if (s->host.fn) {
        q = s->host.fn(s->host.userdata, ptr, old_size, new_size);
    } else if (new_size == 0) {
        free(ptr);
        return NULL;
    } else {
        q = realloc(ptr, new_size);
    }
    if (!q && new_size)
        s->alloc_failures++;
    return q;
}

levy_session *levy_session_new_with(const levy_config *config)
{
    levy_config c;
    api_config_copy(&c, config);
    if (!c.write)
        return NULL;
    mem m = api_mem_of(&c);
    levy_session *s = mem_calloc(&m, 1, sizeof *s);
    if (!s)
        return NULL;
    s->mem = m;
    s->host = m;
    s->mem.failures = &s->alloc_failures;
    /* Its policies allocate and import as the host says (through
       counting_alloc); diagnostics and values the session shows itself. */
    levy_config_init(&s->policy_config);
    s->policy_config.alloc = counting_alloc;
    s->policy_config.alloc_userdata = s;
    s->policy_config.import = c.import;
    s->policy_config.import_userdata = c.import_userdata;
    s->policy_config.allow = c.allow;
    s->policy_config.allow_read = c.allow_read;
    s->write = c.write;
    s->ud = c.write_userdata;
    s->on_diagnostic = c.diagnostic;
    s->diagnostic_ud = c.diagnostic_userdata;
    if (c.stdlib_dir && !(s->stdlib_dir = mem_strdup(&s->mem, c.stdlib_dir))) {
        mem_free(&m, s);
        return NULL;
    }
    build b = { 0 };
    if (build_policy(s, NULL, 0, NULL, 0, &b) != LEVY_OK) {
        levy_policy_free(b.policy);
        mem_free(&m, s->stdlib_dir);
        mem_free(&m, s);
        return NULL;
    }
    adopt(s, &b);
    return s;
}

static void free_strings(const mem *m, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mem_free(m, v[i]);
    mem_free(m, v);
}

void levy_session_free(levy_session *s)
{
    if (!s)
        return;
    free_strings(&s->mem, s->search, s->nsearch);
    free_strings(&s->mem, s->files, s->nfiles);
    for (size_t i = 0; i < s->nchunks; i++) {
        mem_free(&s->mem, s->chunks[i].text);
        mem_free(&s->mem, s->chunks[i].name);
    }
    mem_free(&s->mem, s->chunks);
    levy_policy_free(s->policy);
    mem_free(&s->mem, s->scenario);
    mem_free(&s->mem, s->origin);
    mem_free(&s->mem, s->stdlib_dir);
    mem m = s->mem;
    mem_free(&m, s);
}

levy_status levy_session_set_origin(levy_session *s, const char *name, int first_line)
{
    if (!s)
        return LEVY_ERROR_ARGUMENT;
    char *copy = name ? mem_strdup(&s->mem, name) : NULL;
    if (name && !copy)
        return LEVY_ERROR_NOMEM;
    mem_free(&s->mem, s->origin);
    s->origin = copy;
    s->origin_line = first_line;
    return LEVY_OK;
}

static bool push_string(const mem *m, char ***v, size_t *n, const char *text)
{
    char **grown = mem_realloc(m, *v, (*n + 1) * sizeof **v);
    if (!grown)
        return false;
    *v = grown;
    grown[*n] = mem_strdup(m, text);
    if (!grown[*n])
        return false;
    (*n)++;
    return true;
}

levy_status levy_session_add_search_path(levy_session *s, const char *folder)
{
    if (!s || !folder)
        return LEVY_ERROR_ARGUMENT;
    if (!push_string(&s->mem, &s->search, &s->nsearch, folder))
        return LEVY_ERROR_NOMEM;
    return levy_policy_add_search_path(s->policy, folder);
}

levy_status levy_session_set_stdlib_dir(levy_session *s, const char *folder)
{
    if (!s || !folder)
        return LEVY_ERROR_ARGUMENT;
    char *copy = mem_strdup(&s->mem, folder);
    if (!copy)
        return LEVY_ERROR_NOMEM;
    mem_free(&s->mem, s->stdlib_dir);
    s->stdlib_dir = copy;
    return levy_policy_set_stdlib_dir(s->policy, folder);
}

void levy_session_interrupt(levy_session *s)
{
    if (s)
        s->interrupt = 1;
}

const char *levy_session_scenario(const levy_session *s)
{
    return s ? s->scenario : NULL;
}

/* ---- Running what was built ------------------------------------------------ */

/* Run the top-level statements of sources first..last (the new input, or a
 * file just loaded), with the session's scenario, writing values and
 * errors. */
static levy_status run_statements_of(levy_session *s, int first, int last)
{
    levy_policy *p = s->policy;
    s->interrupt = 0;
    run_options o = {
        .write = s->write, .write_ud = s->ud, .scenario = s->scenario, .interrupt = &s->interrupt
    };
    size_t before = api_policy_diags(p)->count;
    bool ran;
    levy_status st = api_policy_run_sources(p, first, last, &o, &ran);
    if (!ran)
        return st;
    say_diagnostics(s, api_policy_sources(p), api_policy_diags(p), before, 0);
    levy_policy_clear_diagnostics(p);
    return st;
}

/* The source of the file at real path `real` in the session's policy, or -1. */
static int source_of(const levy_session *s, const char *real)
{
    int file = -1;
    for (size_t i = 0; real && i < api_policy_sources(s->policy)->count; i++) {
        const source_text *src = api_policy_sources(s->policy)->items[i];
        if (src->path && strcmp(src->path, real) == 0)
            file = (int)i;
    }
    return file;
}

/* add_file: load one more file into the session (not running its
 * statements); its real path in *real (the caller frees it), NULL when it
 * was loaded already or failed. */
static levy_status add_file(levy_session *s, const char *path, char **real_out)
{
    *real_out = NULL;
    char *real = real_path(s, path);
    if (!real) {
        fail(s, "cannot read %s: %s", path, strerror(errno));
        return LEVY_ERROR_IO;
    }
    for (size_t i = 0; i < s->nfiles; i++) {
        char *known = real_path(s, s->files[i]);
        bool same = known && strcmp(known, real) == 0;
        mem_free(&s->mem, known);
        if (same) {
            mem_free(&s->mem, real);
            sayf(s, "%s is loaded already; :reload reads it again\n", path);
            return LEVY_OK;
        }
    }
    if (!push_string(&s->mem, &s->files, &s->nfiles, path)) {
        mem_free(&s->mem, real);
        return LEVY_ERROR_NOMEM;
    }
    build b = { 0 };
    levy_status st = build_policy(s, NULL, 0, NULL, 0, &b);
    report_build(s, &b, st != LEVY_OK);
    if (st != LEVY_OK) {
        levy_policy_free(b.policy);
        mem_free(&s->mem, s->files[--s->nfiles]);
        mem_free(&s->mem, real);
        return st;
    }
    adopt(s, &b);
    *real_out = real;
    return LEVY_OK;
}

/* A file's own statements run once, when it is loaded. */
static levy_status run_file(levy_session *s, const char *real)
{
    int file = source_of(s, real);
    return file >= 0 ? run_statements_of(s, file, file) : LEVY_OK;
}

static levy_status session_load_impl(levy_session *s, const char *path)
{
    if (!s || !path)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    char *real;
    levy_status st = add_file(s, path, &real);
    if (st == LEVY_OK && real)
        st = run_file(s, real);
    mem_free(&s->mem, real);
    return st;
}

static levy_status session_load_under_impl(levy_session *s, const char *const *paths, size_t n,
                                    const char *scenario)
{
    if (!s || (n && !paths))
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    char **reals = mem_calloc(&s->mem, n + 1, sizeof *reals);
    if (!reals)
        return LEVY_ERROR_NOMEM;
    levy_status st = LEVY_OK;
    for (size_t i = 0; i < n && st == LEVY_OK; i++)
        st = add_file(s, paths[i], &reals[i]);
    if (st == LEVY_OK)
        st = levy_session_set_scenario(s, scenario);
    /* Under the scenario or, when it was not found, not at all: output
       under the wrong policy would pass for the scenario's. */
    for (size_t i = 0; i < n && st == LEVY_OK; i++) {
        levy_status ran = reals[i] ? run_file(s, reals[i]) : LEVY_OK;
        if (ran != LEVY_OK)
            st = ran;
    }
    for (size_t i = 0; i < n; i++)
        mem_free(&s->mem, reals[i]);
    mem_free(&s->mem, reals);
    return st;
}

static levy_status session_reload_impl(levy_session *s)
{
    if (!s)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    build b = { 0 };
    s->rereading = true;
    levy_status st = build_policy(s, NULL, 0, NULL, 0, &b);
    s->rereading = false;
    report_build(s, &b, st != LEVY_OK);
    if (st != LEVY_OK) {
        levy_policy_free(b.policy);
        fail(s, "the files have errors; the session keeps what it had");
        return st;
    }
    adopt(s, &b);
    sayf(s, "reloaded %zu file%s\n", s->nfiles, s->nfiles == 1 ? "" : "s");
    return LEVY_OK;
}

/* ---- Reading input --------------------------------------------------------- */

levy_input levy_session_input(levy_session *s, const char *text)
{
    const mem *m = s ? &s->mem : NULL;
    source_set srcs;
    source_set_init(&srcs, m);
    arena a;
    arena_init(&a, m);
    diag_list d;
    diag_list_init(&d, m);
    levy_input verdict = LEVY_INPUT_COMPLETE;
    int f = source_set_add(&srcs, REPL_SOURCE, NULL, text, strlen(text));
    node *prog;
    if (f >= 0 && parse_source(&a, &srcs, f, &d, &prog) == PARSE_INCOMPLETE)
        verdict = LEVY_INPUT_INCOMPLETE;
    diag_list_free(&d);
    arena_free(&a);
    source_set_free(&srcs);
    return verdict;
}

/* The name a declaration gives (and so what typing it again replaces). */
static const char *declared_name(const node *n)
{
    return decl_kind_class(n->kind) != DC_NONE ? n->name : NULL;
}

/* Cut statement n out of src as a piece of its own. */
static bool cut_piece(const mem *m, const source_text *src, const node *n, piece *out)
{
    span at = n->at;
    if (at.first_line < 1 || (size_t)at.first_line > src->nlines || at.last_line < at.first_line ||
        (size_t)at.last_line > src->nlines)
        return false;
    size_t from = src->line_starts[at.first_line - 1] + (size_t)at.first_column - 1;
    size_t to = src->line_starts[at.last_line - 1] + (size_t)at.last_column;
    if (to > src->len || from > to)
        return false;
    size_t pad = (size_t)at.first_column - 1;
    out->text = mem_alloc(m, pad + (to - from) + 2);
    if (!out->text)
        return false;
    memset(out->text, ' ', pad);
    memcpy(out->text + pad, src->text + from, to - from);
    out->text[pad + (to - from)] = '\n';
    out->text[pad + (to - from) + 1] = '\0';
    const char *name = declared_name(n);
    out->name = name ? mem_strdup(m, name) : NULL;
    if (name && !out->name)
        return false;
    out->line_offset = at.first_line - 1;
    out->declaration = ast_is_declaration(n);
    return true;
}

static void free_pieces(const mem *m, piece *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        mem_free(m, v[i].text);
        mem_free(m, v[i].name);
    }
    mem_free(m, v);
}

/* split_input: parse text and cut it into one piece per statement.  false
 * (after showing the syntax errors) when it does not parse. */
static bool split_input(levy_session *s, const char *text, piece **out, size_t *count)
{
    source_set srcs;
    source_set_init(&srcs, &s->mem);
    arena a;
    arena_init(&a, &s->mem);
    diag_list d;
    diag_list_init(&d, &s->mem);
    *out = NULL;
    *count = 0;
    bool ok = false;
    int f = source_set_add(&srcs, s->origin ? s->origin : REPL_SOURCE, NULL, text, strlen(text));
    if (f >= 0)
        srcs.items[f]->line_offset = s->origin_line > 1 ? s->origin_line - 1 : 0;
    node *prog = NULL;
    if (f >= 0 && parse_source(&a, &srcs, f, &d, &prog) == PARSE_OK && prog) {
        piece *v = mem_calloc(&s->mem, prog->items.n + 1, sizeof *v);
        ok = v != NULL;
        for (size_t i = 0; ok && i < prog->items.n; i++) {
            ok = cut_piece(&s->mem, srcs.items[f], prog->items.v[i], &v[i]);
            if (ok)
                v[i].line_offset += srcs.items[f]->line_offset;
        }
        if (ok) {
            *out = v;
            *count = prog->items.n;
        } else {
            free_pieces(&s->mem, v, prog ? prog->items.n : 0);
        }
    } else {
        say_diagnostics(s, &srcs, &d, 0, 0);
    }
    diag_list_free(&d);
    arena_free(&a);
    source_set_free(&srcs);
    return ok;
}

static bool name_was_typed(const levy_session *s, const char *name)
{
    for (size_t i = 0; name && i < s->nchunks; i++)
        if (s->chunks[i].name && strcmp(s->chunks[i].name, name) == 0)
            return true;
    return false;
}

/* Keep the new declarations as chunks, dropping those they redefine. */
static void keep_declarations(levy_session *s, piece *v, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->nchunks; i++) {
        bool replaced = false;
        for (size_t k = 0; k < n && !replaced; k++)
            replaced = v[k].declaration && v[k].name && s->chunks[i].name &&
                       strcmp(v[k].name, s->chunks[i].name) == 0;
        if (replaced) {
            mem_free(&s->mem, s->chunks[i].text);
            mem_free(&s->mem, s->chunks[i].name);
        } else {
            s->chunks[kept++] = s->chunks[i];
        }
    }
    s->nchunks = kept;
    for (size_t k = 0; k < n; k++) {
        if (!v[k].declaration)
            continue;
        chunk *grown = mem_realloc(&s->mem, s->chunks, (s->nchunks + 1) * sizeof *grown);
        if (!grown)
            return;
        s->chunks = grown;
        s->chunks[s->nchunks].text = v[k].text;
        s->chunks[s->nchunks].name = v[k].name;
        s->nchunks++;
        v[k].text = v[k].name = NULL;
    }
}

static levy_status session_eval_impl(levy_session *s, const char *text)
{
    if (!s || !text)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    piece *v;
    size_t n;
    if (!split_input(s, text, &v, &n))
        return LEVY_ERROR_INVALID;
    char **names = mem_calloc(&s->mem, n + 1, sizeof *names);
    if (!names) {
        free_pieces(&s->mem, v, n);
        return LEVY_ERROR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        names[i] = v[i].declaration ? v[i].name : NULL;
    build b = { 0 };
    levy_status st = build_policy(s, names, n, v, n, &b);
    report_build(s, &b, st != LEVY_OK);
    if (st != LEVY_OK) {
        levy_policy_free(b.policy);
        mem_free(&s->mem, names);
        free_pieces(&s->mem, v, n);
        return st;
    }
    for (size_t i = 0; i < n; i++)
        if (names[i] && name_was_typed(s, names[i]))
            sayf(s, "note: '%s' redefined\n", names[i]);
    mem_free(&s->mem, names);
    int first = b.first_new_source;
    adopt(s, &b);
    keep_declarations(s, v, n);
    free_pieces(&s->mem, v, n);
    return run_statements_of(s, first, (int)api_policy_sources(s->policy)->count - 1);
}

/* ---- Questions about the session ------------------------------------------ */

static levy_status session_type_impl(levy_session *s, const char *expr)
{
    if (!s || !expr)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    piece q = { .text = (char *)expr };
    build b = { 0 };
    levy_status st = build_policy(s, NULL, 0, &q, 1, &b);
    report_build(s, &b, st != LEVY_OK);
    if (st == LEVY_OK) {
        const node_list *stmts = &api_policy_program(b.policy)->statements;
        const node *last = NULL;
        for (size_t i = 0; i < stmts->n; i++)
            if (stmts->v[i]->at.file >= b.first_new_source && stmts->v[i]->kind == N_EXPR_STMT)
                last = stmts->v[i];
        if (last && last->a)
            sayf(s, "%s\n", type_name(last->a->ty));
        else {
            fail(s, ":type takes an expression");
            st = LEVY_ERROR_ARGUMENT;
        }
    }
    levy_policy_free(b.policy);
    return st;
}

static levy_status session_set_scenario_impl(levy_session *s, const char *name)
{
    if (!s)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    bool none = !name || strcmp(name, "none") == 0;
    const levy_scenario *chosen;
    levy_status st = none ? LEVY_OK : levy_policy_scenario(s->policy, name, &chosen);
    if (st != LEVY_OK) {
        fail(s, "%s", levy_policy_error(s->policy));
        return st;
    }
    mem_free(&s->mem, s->scenario);
    s->scenario = none ? NULL : mem_strdup(&s->mem, name);
    return LEVY_OK;
}

const char *levy_list_kind(size_t i)
{
    return decl_list_kind(i, NULL);
}

static levy_status session_list_impl(levy_session *s, const char *kind)
{
    if (!s || !kind)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    node_kind only;
    const char *name;
    for (size_t i = 0; (name = decl_list_kind(i, &only)) != NULL; i++) {
        if (strcmp(kind, name) != 0)
            continue;
        /* Pauses and concessions share a list: show those of this kind. */
        const node_list *l = decl_kind_list(&api_policy_program(s->policy)->decls, only);
        size_t shown = 0;
        for (size_t k = 0; k < l->n; k++) {
            const node *d = l->v[k];
            if (d->kind != only)
                continue;
            if (d->kind == N_TEST)
                sayf(s, "\"%s\"\n", d->name);
            else if (d->desc)
                sayf(s, "%-20s %s\n", d->name, d->desc);
            else
                sayf(s, "%s\n", d->name);
            shown++;
        }
        if (shown == 0)
            sayf(s, "(no %s)\n", kind);
        return LEVY_OK;
    }
    size_t used = (size_t)snprintf(s->error, sizeof s->error, ":list takes one of:");
    for (size_t i = 0; (name = decl_list_kind(i, NULL)) != NULL && used < sizeof s->error; i++)
        used += (size_t)snprintf(s->error + used, sizeof s->error - used, " %s", name);
    return LEVY_ERROR_ARGUMENT;
}

static levy_status session_show_impl(levy_session *s, const char *name)
{
    if (!s || !name)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    const program *prog = api_policy_program(s->policy);
    const node *d = symtab_get(&prog->globals, name);
    if (!d) {
        const char *near = check_suggest(prog, name);
        fail(s, "nothing is called '%s'%s%s%s", name, near ? " (did you mean '" : "",
             near ? near : "", near ? "'?)" : "");
        return LEVY_ERROR_NOT_FOUND;
    }
    const source_text *src = source_set_get(api_policy_sources(s->policy), d->at.file);
    if (!src) {
        sayf(s, "%s is built in\n", name);
        return LEVY_OK;
    }
    sayf(s, "# %s:%d\n", src->name, d->at.first_line + src->line_offset);
    for (int line = d->at.first_line; line <= d->at.last_line; line++) {
        size_t len;
        const char *text = source_line(src, line, &len);
        s->write(s->ud, text, len);
        say(s, "\n");
    }
    return LEVY_OK;
}

static levy_status session_test_impl(levy_session *s)
{
    if (!s)
        return LEVY_ERROR_ARGUMENT;
    s->error[0] = '\0';
    levy_test_options o = { 0 };
    size_t passed = 0, failed = 0;
    /* Tests run as written, whatever the session's scenario: a test that
       means one says `under S { ... }`, and one written for the policy
       would fail under another. */
    levy_status st = levy_policy_test(s->policy, NULL, &o, s->write, s->ud, &passed, &failed);
    levy_policy_clear_diagnostics(s->policy);
    return st;
}

void levy_session_names(levy_session *s, const char *prefix,
                        void (*add)(void *userdata, const char *name), void *userdata)
{
    if (!s || !add)
        return;
    size_t plen = prefix ? strlen(prefix) : 0;
    for (size_t i = 0; lexer_keyword(i); i++)
        if (strncmp(lexer_keyword(i), prefix ? prefix : "", plen) == 0)
            add(userdata, lexer_keyword(i));
    for (int b = 0; b < B_BUILTIN_COUNT; b++)
        if (strncmp(builtin_name((builtin_id)b), prefix ? prefix : "", plen) == 0)
            add(userdata, builtin_name((builtin_id)b));
    const program *prog = api_policy_program(s->policy);
    for (int f = 0; f < ship_field_count(prog); f++) {
        const char *fname = field_name(prog, f);
        if (fname && strncmp(fname, prefix ? prefix : "", plen) == 0)
            add(userdata, fname);
    }
    const symtab *t = &prog->globals;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].name && strncmp(t->slots[i].name, prefix ? prefix : "", plen) == 0)
            add(userdata, t->slots[i].name);
}

/* ---- Out of memory --------------------------------------------------------- */

/* A call that failed after an allocation failed says LEVY_ERROR_NOMEM,
 * not the errors that followed from it. */
static levy_status nomem_if(levy_session *s, size_t failures_before, levy_status st)
{
    if (st != LEVY_OK && s && s->alloc_failures != failures_before) {
        fail(s, "out of memory");
        return LEVY_ERROR_NOMEM;
    }
    return st;
}

#define FAILURES(s) ((s) ? (s)->alloc_failures : 0)

levy_status levy_session_load(levy_session *s, const char *path)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_load_impl(s, path));
}

levy_status levy_session_load_under(levy_session *s, const char *const *paths, size_t n,
                                    const char *scenario)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_load_under_impl(s, paths, n, scenario));
}

levy_status levy_session_reload(levy_session *s)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_reload_impl(s));
}

levy_status levy_session_eval(levy_session *s, const char *text)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_eval_impl(s, text));
}

levy_status levy_session_type(levy_session *s, const char *expr)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_type_impl(s, expr));
}

levy_status levy_session_set_scenario(levy_session *s, const char *name)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_set_scenario_impl(s, name));
}

levy_status levy_session_list(levy_session *s, const char *kind)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_list_impl(s, kind));
}

levy_status levy_session_show(levy_session *s, const char *name)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_show_impl(s, name));
}

levy_status levy_session_test(levy_session *s)
{
    size_t f = FAILURES(s);
    return nomem_if(s, f, session_test_impl(s));
}
