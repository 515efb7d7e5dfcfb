/* api.c - the public library: levy.h over the stages.
 *
 * A levy_policy owns everything of one policy: the sources, the arena of
 * its syntax trees, the checked program, its diagnostics and the compiled
 * index used to evaluate shipments.
 */
#include <errno.h>
#include <stdarg.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

#include "arena.h"
#include "check.h"
#include "decimal.h"
#include "diag.h"
#include "levy.h"
#include "api_internal.h"
#include "eval.h"
#include "explain.h"
#include "parse.h"
#include "run.h"
#include "value.h"

struct levy_policy {
    mem mem; /* the host's allocator (config.alloc), or libc's:
                           every structure below allocates through it */
    size_t alloc_failures; /* mem.failures: allocations refused so far */
    arena arena;
    source_set sources;
    diag_list diags;
    program prog;
    char **search_path; /* NULL-terminated */
    size_t nsearch;
    char *stdlib_dir;
    bool checked;        /* levy_policy_check ran */
    bool valid;          /* ... and found no error */
    policy_set compiled; /* the base policy and each scenario, once valid */
    bool compiled_init;
    const policy_index *index; /* the base policy, for levy_evaluate */
    levy_scenario *scenarios;  /* one handle per scenario, once valid */
    const source_set *cache;   /* file texts to reuse (load_options.cache) */
    levy_config config;        /* the host's, as levy_policy_new_with took it */
    size_t delivered;          /* diagnostics handed to config.diagnostic so far */
    int expressions_from;      /* the first source of levy_policy_load_expression,
                                  whose statements alone run; -1: none */
    char *allowed;             /* " W101 W104 ": config.allow's warnings; NULL: none */
    char *allow_read;          /* config.allow_read, copied; NULL: none */
    char error[512];
};

const source_set *api_policy_sources(const levy_policy *policy)
{
    return &policy->sources;
}
const diag_list *api_policy_diags(const levy_policy *policy)
{
    return &policy->diags;
}
const program *api_policy_program(const levy_policy *policy)
{
    return &policy->prog;
}

void api_policy_reuse_sources(levy_policy *policy, const source_set *cache)
{
    policy->cache = cache;
}

void api_policy_set_line_offset(levy_policy *policy, size_t source, int offset)
{
    if (source < policy->sources.count)
        policy->sources.items[source]->line_offset = offset;
}

levy_status api_policy_run_sources(levy_policy *p, int first, int last, const run_options *o,
                                   bool *ran)
{
    *ran = false;
    program *prog = &p->prog;
    node_list all = prog->statements, mine = { 0 };
    for (size_t i = 0; i < all.n; i++)
        if (all.v[i]->at.file >= first && all.v[i]->at.file <= last &&
            !ast_push(&p->arena, &mine, all.v[i]))
            return LEVY_ERROR_NOMEM;
    if (mine.n == 0)
        return LEVY_OK;
    run_result res = { 0 };
    *ran = true;
    prog->statements = mine;
    bool ok = run_program(&p->compiled, o, &p->diags, &res);
    prog->statements = all;
    return ok ? LEVY_OK : LEVY_ERROR_EVAL;
}

static void set_error(levy_policy *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_error(levy_policy *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
}

static void deliver_pending(levy_policy *p);

const char *levy_version(void)
{
    return LEVY_VERSION_STRING;
}

const char *levy_status_string(levy_status status)
{
    switch (status) {
    case LEVY_OK: return "ok";
    case LEVY_ERROR_IO: return "a file could not be read";
    case LEVY_ERROR_INVALID: return "the policy has errors";
    case LEVY_ERROR_EVAL: return "evaluation failed";
    case LEVY_ERROR_ARGUMENT: return "bad argument";
    case LEVY_ERROR_NOT_FOUND: return "not found";
    case LEVY_ERROR_STATE: return "called at the wrong time";
    case LEVY_ERROR_NOMEM: return "out of memory";
    }
    return "unknown status";
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void levy_config_init(levy_config *config)
{
    if (!config)
        return;
    memset(config, 0, sizeof *config);
    config->size = sizeof *config;
}

/* The members of a host's config that its size covers, the rest zero: a
 * host built against an older, shorter levy_config keeps working. */
void api_config_copy(levy_config *to, const levy_config *from)
{
    levy_config_init(to);
    if (!from || from->size < sizeof to->size)
        return;
    memcpy(to, from, from->size < sizeof *to ? from->size : sizeof *to);
    to->size = sizeof *to;
}

bool levy_is_warning_code(const char *code)
{
    return diag_is_warning_code(code);
}

/* " W101 W104 " from "W101,W104": config.allow's warnings, each between
 * spaces; NULL for none (and when out of memory, after *failed). */
static char *allowed_list(const mem *m, const char *allow, bool *failed)
{
    *failed = false;
    if (!allow || !*allow)
        return NULL;
    strbuf b;
    sb_init(&b, m);
    sb_putc(&b, ' ');
    for (const char *c = allow; *c;) {
        size_t n = strcspn(c, ", \t");
        char code[16];
        if (n > 0 && n < sizeof code) {
            memcpy(code, c, n);
            code[n] = '\0';
            if (diag_is_warning_code(code))
                sb_printf(&b, "%s ", code);
        }
        c += n;
        c += strspn(c, ", \t");
    }
    char *list = b.failed || b.len <= 1 ? NULL : mem_strdup(m, sb_cstr(&b));
    *failed = b.failed || (b.len > 1 && !list);
    sb_free(&b);
    return list;
}

mem api_mem_of(const levy_config *config)
{
    mem m = mem_libc;
    if (config && config->alloc) {
        m.fn = config->alloc;
        m.userdata = config->alloc_userdata;
    }
    return m;
}

levy_policy *levy_policy_new(void)
{
    return levy_policy_new_with(NULL);
}

levy_policy *levy_policy_new_with(const levy_config *config)
{
    levy_config c;
    api_config_copy(&c, config);
    mem m = api_mem_of(&c);
    levy_policy *p = mem_calloc(&m, 1, sizeof *p);
    if (!p)
        return NULL;
    p->config = c;
    p->mem = m;
    p->mem.failures = &p->alloc_failures;
    p->expressions_from = -1;
    arena_init(&p->arena, &p->mem);
    source_set_init(&p->sources, &p->mem);
    diag_list_init(&p->diags, &p->mem);
    program_init(&p->prog, &p->arena, &p->sources);
    p->search_path = mem_calloc(&p->mem, 1, sizeof *p->search_path);
    /* Only the compiled-in folder: where the running program is, and the
       environment, are the program's to read (it passes what it finds). */
    p->stdlib_dir = mem_strdup(&p->mem, LEVY_STDLIB_DIR);
    bool allow_failed;
    p->allowed = allowed_list(&p->mem, c.allow, &allow_failed);
    p->config.allow = NULL; /* the host's text need not outlive this call */
    p->allow_read = c.allow_read ? mem_strdup(&p->mem, c.allow_read) : NULL;
    p->config.allow_read = NULL;
    if (c.allow_read && !p->allow_read)
        allow_failed = true;
    p->diags.srcs = &p->sources;
    p->diags.allowed = p->allowed;
    if (!p->search_path || !p->stdlib_dir || allow_failed ||
        (p->config.stdlib_dir && levy_policy_set_stdlib_dir(p, p->config.stdlib_dir) != LEVY_OK)) {
        levy_policy_free(p);
        return NULL;
    }
    return p;
}

void levy_policy_free(levy_policy *p)
{
    if (!p)
        return;
    if (p->compiled_init)
        policy_set_free(&p->compiled);
    mem_free(&p->mem, p->scenarios);
    program_free(&p->prog);
    diag_list_free(&p->diags);
    source_set_free(&p->sources);
    arena_free(&p->arena);
    for (size_t i = 0; p->search_path && i < p->nsearch; i++)
        mem_free(&p->mem, p->search_path[i]);
    mem_free(&p->mem, p->search_path);
    mem_free(&p->mem, p->stdlib_dir);
    mem_free(&p->mem, p->allowed);
    mem_free(&p->mem, p->allow_read);
    mem m = p->mem; /* the policy's own block is freed with a copy of it */
    mem_free(&m, p);
}

const char *levy_policy_error(const levy_policy *p)
{
    return p ? p->error : "";
}

levy_status levy_policy_add_search_path(levy_policy *p, const char *folder)
{
    if (!p || !folder)
        return LEVY_ERROR_ARGUMENT;
    char **grown = mem_realloc(&p->mem, p->search_path, (p->nsearch + 2) * sizeof *grown);
    if (!grown)
        return LEVY_ERROR_NOMEM;
    p->search_path = grown;
    p->search_path[p->nsearch] = mem_strdup(&p->mem, folder);
    if (!p->search_path[p->nsearch])
        return LEVY_ERROR_NOMEM;
    p->search_path[++p->nsearch] = NULL;
    return LEVY_OK;
}

levy_status levy_policy_set_stdlib_dir(levy_policy *p, const char *folder)
{
    if (!p)
        return LEVY_ERROR_ARGUMENT;
    char *copy = folder ? mem_strdup(&p->mem, folder) : NULL;
    if (folder && !copy)
        return LEVY_ERROR_NOMEM;
    mem_free(&p->mem, p->stdlib_dir);
    p->stdlib_dir = copy;
    return LEVY_OK;
}

static load_options options_of(const levy_policy *p)
{
    load_options o = { (const char *const *)p->search_path, p->stdlib_dir, p->cache,
                       p->config.import, p->config.import_userdata, p->allow_read };
    return o;
}

/* A load fails when it added an error, even one the loader went on after
 * (an import that is not found): the caller must not take it for clean. */
static levy_status after_load(levy_policy *p, bool ok, size_t errors_before, const char *what)
{
    deliver_pending(p);
    if (ok && p->diags.errors == errors_before)
        return LEVY_OK;
    set_error(p, "%s has errors", what);
    return LEVY_ERROR_INVALID;
}

/* A policy is loaded, then checked once: what is checked and compiled
 * does not change under an evaluation. */
static bool loading_allowed(levy_policy *p)
{
    if (!p->checked)
        return true;
    set_error(p, "load every file before levy_policy_check; start a new policy to add more");
    return false;
}

static levy_status load_stream(levy_policy *p, const char *path, FILE *f);

static levy_status policy_load_file_impl(levy_policy *p, const char *path)
{
    if (!p || !path)
        return LEVY_ERROR_ARGUMENT;
    if (!loading_allowed(p))
        return LEVY_ERROR_STATE;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_error(p, "cannot read %s: %s", path, strerror(errno));
        return LEVY_ERROR_IO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return load_stream(p, path, f); /* a pipe: /dev/stdin, <(...) */
    fclose(f);
    if (is_directory(path)) {
        set_error(p, "cannot read %s: it is a folder; name the .levy files in it", path);
        return LEVY_ERROR_IO;
    }
    load_options o = options_of(p);
    size_t errors = p->diags.errors;
    return after_load(p, program_load_file(&p->prog, path, &o, &p->diags), errors, path);
}

/* load_stream: a file that is not a regular one (a pipe, a terminal) can
 * be read only once and has no folder: read it whole, as a string named
 * path, whose imports are found from the current folder.  Closes f. */
static levy_status load_stream(levy_policy *p, const char *path, FILE *f)
{
    strbuf text;
    sb_init(&text, &p->mem);
    char chunk[16384];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && !text.failed)
        sb_putn(&text, chunk, got);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (text.failed) {
        sb_free(&text);
        return LEVY_ERROR_NOMEM;
    }
    if (err) {
        sb_free(&text);
        set_error(p, "cannot read %s: %s", path, strerror(err));
        return LEVY_ERROR_IO;
    }
    levy_status st = levy_policy_load_string(p, path, sb_cstr(&text), text.len);
    sb_free(&text);
    return st;
}

static levy_status policy_load_expression_impl(levy_policy *p, const char *name, const char *text,
                                        size_t len)
{
    if (!p || !text)
        return LEVY_ERROR_ARGUMENT;
    int first = (int)p->sources.count;
    levy_status st = levy_policy_load_string(p, name ? name : "-e", text, len);
    if (p->expressions_from < 0 && (int)p->sources.count > first)
        p->expressions_from = first;
    return st;
}

static levy_status policy_load_string_impl(levy_policy *p, const char *name, const char *text, size_t len)
{
    if (!p || !text)
        return LEVY_ERROR_ARGUMENT;
    if (!loading_allowed(p))
        return LEVY_ERROR_STATE;
    load_options o = options_of(p);
    const char *shown = name ? name : "<string>";
    size_t errors = p->diags.errors;
    return after_load(p, program_load_text(&p->prog, shown, text, len, &o, &p->diags), errors,
                      shown);
}

static levy_status policy_check_impl(levy_policy *p)
{
    if (!p)
        return LEVY_ERROR_ARGUMENT;
    if (p->diags.errors > 0) {
        /* Something did not parse: checking the rest would only add noise. */
        p->checked = true;
        p->valid = false;
        deliver_pending(p);
        diag_sort(&p->diags);
        set_error(p, "the policy has errors");
        return LEVY_ERROR_INVALID;
    }
    if (p->checked) /* checking again changes nothing */
        return p->valid ? LEVY_OK : LEVY_ERROR_INVALID;
    bool ok = program_check(&p->prog, &p->diags);
    p->checked = true;
    p->valid = ok && p->diags.errors == 0;
    if (p->valid) {
        /* Compile now, so that evaluating is read-only and can be shared
           by threads; reading CSV schedules can still fail here. */
        if (!policy_set_init(&p->compiled, &p->prog)) {
            deliver_pending(p);
            diag_sort(&p->diags);
            return LEVY_ERROR_NOMEM;
        }
        p->compiled_init = true;
        p->index = policy_set_get(&p->compiled, NULL, &p->diags);
        p->scenarios = mem_calloc(&p->mem, p->prog.decls.scenarios.n + 1, sizeof *p->scenarios);
        p->valid = p->index && p->scenarios && p->diags.errors == 0;
    }
    deliver_pending(p);
    diag_sort(&p->diags);
    if (!p->valid) {
        set_error(p, "the policy has errors");
        return LEVY_ERROR_INVALID;
    }
    return LEVY_OK;
}

/* The handle of scenario number k (in p->prog.decls.scenarios), compiled
 * on first use.  Handles live in p->scenarios, which is made once the
 * policy is valid, so a handle's address stays put. */
static levy_status scenario_handle(levy_policy *p, size_t k, const levy_scenario **out)
{
    levy_scenario *h = &p->scenarios[k];
    if (h->failed)
        return LEVY_ERROR_INVALID;
    if (!h->index) {
        const node *decl = p->prog.decls.scenarios.v[k];
        size_t errors = p->diags.errors;
        const policy_index *ix = policy_set_get(&p->compiled, decl, &p->diags);
        deliver_pending(p);
        if (!ix)
            return LEVY_ERROR_NOMEM;
        if (p->diags.errors > errors) {
            h->failed = true;
            set_error(p, "scenario '%s' has errors", decl->name);
            return LEVY_ERROR_INVALID;
        }
        h->policy = p;
        h->decl = decl;
        h->index = ix;
    }
    *out = h;
    return LEVY_OK;
}

static levy_status policy_scenario_impl(levy_policy *p, const char *name, const levy_scenario **out)
{
    if (out)
        *out = NULL;
    if (!p || !name || !out)
        return LEVY_ERROR_ARGUMENT;
    if (!p->valid) {
        set_error(p, "check the policy before choosing a scenario");
        return LEVY_ERROR_STATE;
    }
    const node_list *all = &p->prog.decls.scenarios;
    for (size_t k = 0; k < all->n; k++)
        if (strcmp(all->v[k]->name, name) == 0)
            return scenario_handle(p, k, out);
    const char *near = check_suggest(&p->prog, name);
    if (near)
        set_error(p, "no scenario '%s' (did you mean '%s'?)", name, near);
    else
        set_error(p, "no scenario '%s'", name);
    return LEVY_ERROR_NOT_FOUND;
}

const char *levy_scenario_name(const levy_scenario *scenario)
{
    return scenario ? scenario->decl->name : "";
}

size_t levy_policy_diagnostic_count(const levy_policy *p)
{
    return p ? p->diags.count : 0;
}
size_t levy_policy_error_count(const levy_policy *p)
{
    return p ? p->diags.errors : 0;
}
size_t levy_policy_warning_count(const levy_policy *p)
{
    return p ? p->diags.warnings : 0;
}

/* Where a span is, as the API shows it: the file's name and lines that
 * count the file's offset (REPL input). */
static void place_of(const source_set *srcs, span at, levy_diagnostic *out)
{
    const source_text *src = source_set_get(srcs, at.file);
    out->file = src ? src->name : "";
    int off = src ? src->line_offset : 0;
    out->line = at.first_line ? at.first_line + off : 0;
    out->column = at.first_column;
    out->end_line = at.last_line ? at.last_line + off : 0;
    out->end_column = at.last_column;
}

static void public_diagnostic(const source_set *srcs, const diagnostic *d, levy_diagnostic *out)
{
    out->severity = d->sev == SEV_ERROR     ? LEVY_ERROR
                    : d->sev == SEV_WARNING ? LEVY_WARNING
                                            : LEVY_NOTE;
    out->code = d->code ? d->code : "";
    out->message = d->message;
    place_of(srcs, d->at, out);
    out->note_count = d->nnotes;
}

static void public_note(const source_set *srcs, const diag_note_t *n, levy_diagnostic *out)
{
    out->severity = LEVY_NOTE;
    out->code = "";
    out->message = n->message;
    place_of(srcs, n->at, out);
    out->note_count = 0;
}

void api_deliver_diagnostic(levy_diagnostic_fn fn, void *userdata, const source_set *srcs,
                            const diagnostic *d)
{
    if (!fn)
        return;
    levy_diagnostic pub;
    public_diagnostic(srcs, d, &pub);
    levy_diagnostic *notes = mem_calloc(srcs->mem, d->nnotes + 1, sizeof *notes);
    if (!notes)
        pub.note_count = 0; /* out of memory: the diagnostic without its notes */
    for (size_t k = 0; notes && k < d->nnotes; k++)
        public_note(srcs, &d->notes[k], &notes[k]);
    fn(userdata, &pub, notes);
    mem_free(srcs->mem, notes);
}

/* Hand the diagnostics added since the last delivery to the host's
 * callback.  Called as each call that can add some returns (before a
 * sort, so that what was delivered is a prefix of the list). */
static void deliver_pending(levy_policy *p)
{
    diag_drop_allowed(&p->diags, p->delivered, &p->sources, p->allowed);
    for (; p->delivered < p->diags.count; p->delivered++)
        api_deliver_diagnostic(p->config.diagnostic, p->config.diagnostic_userdata, &p->sources,
                               &p->diags.items[p->delivered]);
}

levy_status levy_policy_diagnostic(const levy_policy *p, size_t i, levy_diagnostic *out)
{
    if (!p || !out)
        return LEVY_ERROR_ARGUMENT;
    if (i >= p->diags.count)
        return LEVY_ERROR_NOT_FOUND;
    public_diagnostic(&p->sources, &p->diags.items[i], out);
    return LEVY_OK;
}

levy_status levy_policy_diagnostic_note(const levy_policy *p, size_t i, size_t k,
                                        levy_diagnostic *out)
{
    if (!p || !out)
        return LEVY_ERROR_ARGUMENT;
    if (i >= p->diags.count || k >= p->diags.items[i].nnotes)
        return LEVY_ERROR_NOT_FOUND;
    public_note(&p->sources, &p->diags.items[i].notes[k], out);
    return LEVY_OK;
}

void levy_policy_clear_diagnostics(levy_policy *p)
{
    if (!p)
        return;
    diag_list_clear(&p->diags);
    p->delivered = 0;
}

/* write_text: passes what b holds to write (if anything), and frees b. */
static void write_text(strbuf *b, levy_write_fn write, void *userdata)
{
    if (b->len > 0 && write)
        write(userdata, sb_cstr(b), b->len);
    sb_free(b);
}

void levy_policy_write_diagnostics(const levy_policy *p, levy_format format, levy_write_fn write,
                                   void *userdata)
{
    if (!p || !write)
        return;
    diag_format f = format == LEVY_FORMAT_JSON     ? DIAG_JSON
                    : format == LEVY_FORMAT_GITHUB ? DIAG_GITHUB
                                                   : DIAG_TEXT;
    strbuf text;
    sb_init(&text, &p->mem);
    diag_format_list(&text, &p->sources, &p->diags, f);
    write_text(&text, write, userdata);
}

levy_status levy_debug_dump_ast(const char *path, levy_write_fn out, levy_write_fn err,
                                void *userdata)
{
    if (!path || !out || !err)
        return LEVY_ERROR_ARGUMENT;
    /* No policy, so no host allocator: the C library's. */
    strbuf o, e;
    sb_init(&o, NULL);
    sb_init(&e, NULL);
    source_set srcs;
    source_set_init(&srcs, NULL);
    levy_status result = LEVY_OK;
    int file = source_set_read_file(&srcs, path, path);
    if (file < 0) {
        sb_printf(&e, "levy: cannot read %s: %s\n", path, strerror(errno));
        result = LEVY_ERROR_IO;
    } else {
        arena a;
        arena_init(&a, NULL);
        diag_list diags;
        diag_list_init(&diags, NULL);
        node *prog = NULL;
        parse_status st = parse_source(&a, &srcs, file, &diags, &prog);
        if (st == PARSE_OK && prog)
            ast_format(&o, prog);
        diag_format_list(&e, &srcs, &diags, DIAG_TEXT);
        result = st == PARSE_OK ? LEVY_OK : LEVY_ERROR_INVALID;
        diag_list_free(&diags);
        arena_free(&a);
    }
    source_set_free(&srcs);
    if (o.failed || e.failed)
        result = LEVY_ERROR_NOMEM;
    write_text(&o, out, userdata);
    write_text(&e, err, userdata);
    return result;
}

char *levy_format_decimal(int64_t units, levy_decimal_style style, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    dec d = dec_from_units(units);
    if (style == LEVY_MONEY)
        dec_format_money(d, buf, n);
    else if (style == LEVY_PERCENT)
        dec_format_percent(d, buf, n);
    else
        dec_format(d, 0, buf, n);
    return buf;
}

/* ---- Shipments ---------------------------------------------------------- */

struct levy_shipment {
    const levy_policy *policy;
    mem alloc; /* the policy's allocator (a copy, as for a result) */
    arena mem; /* field texts */
    shipment *ship;
    char error[256];
};

levy_shipment *levy_shipment_new(const levy_policy *policy)
{
    if (!policy || !policy->valid)
        return NULL;
    levy_shipment *s = mem_calloc(&policy->mem, 1, sizeof *s);
    if (!s)
        return NULL;
    s->policy = policy;
    s->alloc = policy->mem;
    arena_init(&s->mem, &s->alloc);
    s->ship = ship_new(&s->mem, &policy->prog);
    if (!s->ship) {
        levy_shipment_free(s);
        return NULL;
    }
    return s;
}

void levy_shipment_free(levy_shipment *s)
{
    if (!s)
        return;
    arena_free(&s->mem);
    mem m = s->alloc;
    mem_free(&m, s);
}

void levy_shipment_clear(levy_shipment *s)
{
    if (s)
        ship_clear(s->ship);
}

const char *levy_shipment_error(const levy_shipment *s)
{
    return s ? s->error : "";
}

levy_status levy_shipment_set(levy_shipment *s, const char *field, const char *text)
{
    if (!s || !field || !text)
        return LEVY_ERROR_ARGUMENT;
    const program *prog = &s->policy->prog;
    int f = ship_field_lookup(prog, field);
    if (f < 0) {
        const char *near = check_suggest(prog, field);
        snprintf(s->error, sizeof s->error, "shipments have no field '%s'%s%s%s", field,
                 near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        return LEVY_ERROR_ARGUMENT;
    }
    char why[200];
    if (!ship_set_text(s->ship, prog, &s->mem, f, text, strlen(text), why, sizeof why)) {
        snprintf(s->error, sizeof s->error, "%s: %s", field, why);
        return LEVY_ERROR_ARGUMENT;
    }
    return LEVY_OK;
}

/* ---- Results ------------------------------------------------------------- */

struct levy_result {
    /* The allocator of the policy last evaluated against: a result is made
       without a policy, so its scratch memory adopts the policy's
       allocator when it is first used with it. */
    mem alloc;
    arena mem; /* the assessment and the texts handed out */
    assessment a;
    bool ok;
    levy_charge *charges;
    levy_exclusion *exclusions;
    strbuf explained;
    bool published; /* charges and exclusions built (not by a lean batch row) */
    char error[768];
};

levy_result *levy_result_new(void)
{
    levy_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->alloc = mem_libc;
    arena_init(&r->mem, &r->alloc);
    sb_init(&r->explained, &r->alloc);
    return r;
}

void levy_result_free(levy_result *r)
{
    if (!r)
        return;
    arena_free(&r->mem);
    sb_free(&r->explained);
    free(r);
}

const char *levy_result_error(const levy_result *r)
{
    return r ? r->error : "";
}

/* result_adopt: r's scratch memory from m from now on (what it held is
 * given back to the allocator it came from). */
static void result_adopt(levy_result *r, const mem *m)
{
    if (r->alloc.fn == m->fn && r->alloc.userdata == m->userdata)
        return;
    arena_free(&r->mem);
    sb_free(&r->explained);
    r->alloc = *m;
}

static const char *arena_text(arena *a, strbuf *b)
{
    const char *t = arena_strndup(a, sb_cstr(b), b->len);
    sb_clear(b);
    return t ? t : "";
}

bool api_publish_assessment(arena *into, const mem *alloc, const assessment *a,
                            levy_charge **charges_out, levy_exclusion **exclusions_out)
{
    levy_charge *charges = arena_alloc(into, (a->napplied + 1) * sizeof *charges);
    levy_exclusion *exclusions = arena_alloc(into, (a->nskipped + 1) * sizeof *exclusions);
    if (!charges || !exclusions)
        return false;
    strbuf b;
    sb_init(&b, alloc);
    for (size_t i = 0; i < a->napplied; i++) {
        const applied_measure *m = &a->applied[i];
        levy_charge *c = &charges[i];
        c->measure = m->measure->name;
        rate_format_sb(m->rate, &b);
        c->rate = arena_text(into, &b);
        c->ad_valorem = m->rate.ad_valorem.units;
        c->amount = m->amount.units;
        explain_note(a, i, &b);
        c->note = arena_text(into, &b);
    }
    for (size_t i = 0; i < a->nskipped; i++) {
        levy_exclusion *x = &exclusions[i];
        x->measure = a->skipped[i].measure->name;
        explain_reason(a, i, &b);
        x->reason = arena_text(into, &b);
    }
    bool failed = b.failed;
    sb_free(&b);
    *charges_out = charges;
    *exclusions_out = exclusions;
    return !failed;
}

/* The charges and exclusions as the API hands them out, built once per
 * evaluation so that the accessors are cheap and their strings stable. */
static bool result_publish(levy_result *r)
{
    return api_publish_assessment(&r->mem, &r->alloc, &r->a, &r->charges, &r->exclusions);
}

static levy_status evaluate_impl(const levy_policy *policy, const levy_scenario *scenario,
                          const levy_shipment *s, levy_result *r)
{
    if (!policy || !s || !r)
        return LEVY_ERROR_ARGUMENT;
    if (s->policy != policy) {
        r->ok = false;
        snprintf(r->error, sizeof r->error, "the shipment was made for another policy");
        return LEVY_ERROR_STATE;
    }
    return api_evaluate_shipment(policy, scenario, s->ship, r, true);
}

bool api_policy_valid(const levy_policy *policy)
{
    return policy && policy->valid && policy->index;
}

const mem *api_policy_mem(const levy_policy *policy)
{
    return &policy->mem;
}

const policy_index *api_policy_index(const levy_policy *policy, const levy_scenario *scenario)
{
    if (!api_policy_valid(policy) || (scenario && scenario->policy != policy))
        return NULL;
    return scenario ? scenario->index : policy->index;
}

const struct shipment *api_shipment_of(const levy_shipment *s, const levy_policy *policy)
{
    return s && s->policy == policy ? s->ship : NULL;
}

levy_status api_evaluate_shipment(const levy_policy *policy, const levy_scenario *scenario,
                                  const shipment *ship, levy_result *r, bool publish)
{
    result_adopt(r, &policy->mem);
    arena_reset(&r->mem);
    sb_clear(&r->explained);
    memset(&r->a, 0, sizeof r->a);
    r->ok = false;
    r->published = false;
    r->error[0] = '\0';
    if (!policy->valid || !policy->index) {
        snprintf(r->error, sizeof r->error, "the policy has not been checked, or has errors");
        return LEVY_ERROR_STATE;
    }
    if (scenario && scenario->policy != policy) {
        snprintf(r->error, sizeof r->error, "the scenario belongs to another policy");
        return LEVY_ERROR_STATE;
    }
    eval_env env;
    eval_env_init(&env, scenario ? scenario->index : policy->index, &r->mem);
    eval_error err;
    memset(&err, 0, sizeof err);
    if (!eval_assess(&env, ship, ASSESS_AMOUNTS, &r->a, &err)) {
        const source_text *src = source_set_get(&policy->sources, err.at.file);
        if (src)
            snprintf(r->error, sizeof r->error, "%s:%d:%d: %s", src->name,
                     err.at.first_line + src->line_offset, err.at.first_column, err.message);
        else
            snprintf(r->error, sizeof r->error, "%s", err.message);
        return LEVY_ERROR_EVAL;
    }
    if (publish) {
        if (!result_publish(r)) {
            snprintf(r->error, sizeof r->error, "out of memory");
            return LEVY_ERROR_NOMEM;
        }
        r->published = true;
    }
    r->ok = true;
    return LEVY_OK;
}

int64_t levy_result_rate(const levy_result *r)
{
    return r && r->ok ? r->a.total.ad_valorem.units : 0;
}

int64_t levy_result_duty(const levy_result *r)
{
    return r && r->ok ? r->a.duty.units : 0;
}

size_t levy_result_charge_count(const levy_result *r)
{
    return r && r->ok && r->published ? r->a.napplied : 0;
}

levy_status levy_result_charge(const levy_result *r, size_t i, levy_charge *out)
{
    if (!r || !out)
        return LEVY_ERROR_ARGUMENT;
    if (!r->ok || !r->published || i >= r->a.napplied)
        return LEVY_ERROR_NOT_FOUND;
    *out = r->charges[i];
    return LEVY_OK;
}

size_t levy_result_exclusion_count(const levy_result *r)
{
    return r && r->ok && r->published ? r->a.nskipped : 0;
}

levy_status levy_result_exclusion(const levy_result *r, size_t i, levy_exclusion *out)
{
    if (!r || !out)
        return LEVY_ERROR_ARGUMENT;
    if (!r->ok || !r->published || i >= r->a.nskipped)
        return LEVY_ERROR_NOT_FOUND;
    *out = r->exclusions[i];
    return LEVY_OK;
}

const char *levy_result_explain(levy_result *r)
{
    if (!r || !r->ok)
        return "";
    if (r->explained.len == 0)
        explain_format(&r->a, &r->explained);
    if (r->explained.failed) { /* out of memory: nothing rather than a part */
        sb_free(&r->explained);
        return "";
    }
    return sb_cstr(&r->explained);
}

/* ---- Running ------------------------------------------------------------- */

static levy_status check_runnable(levy_policy *p, const levy_scenario *scenario)
{
    if (!p)
        return LEVY_ERROR_ARGUMENT;
    if (!p->valid) {
        set_error(p, "check the policy (without errors) before running it");
        return LEVY_ERROR_STATE;
    }
    if (scenario && scenario->policy != p) {
        set_error(p, "the scenario belongs to another policy");
        return LEVY_ERROR_STATE;
    }
    return LEVY_OK;
}

/* Diagnostics written as a run finds them (levy_policy_run_reporting). */
typedef struct reporter {
    levy_policy *p;
    levy_write_fn write;
    void *userdata;
    diag_format format;
    size_t written; /* p->diags.items before this are written */
} reporter;

/* report_new: every diagnostic added since the last call (the one just
 * found, and any that compiling a scenario added before it). */
static void report_new(void *ud, const diagnostic *d)
{
    (void)d;
    reporter *r = ud;
    strbuf text;
    sb_init(&text, &r->p->mem);
    for (; r->written < r->p->diags.count; r->written++)
        diag_format_one(&text, &r->p->sources, &r->p->diags.items[r->written], r->format);
    write_text(&text, r->write, r->userdata);
}

/* The statements to run: the expressions' when any was loaded, else all. */
static bool statements_to_run(levy_policy *p, node_list *out)
{
    node_list all = p->prog.statements, mine = { 0 };
    if (p->expressions_from < 0) {
        *out = all;
        return true;
    }
    for (size_t i = 0; i < all.n; i++)
        if (all.v[i]->at.file >= p->expressions_from && !ast_push(&p->arena, &mine, all.v[i]))
            return false;
    *out = mine;
    return true;
}

static levy_status policy_run_reporting_impl(levy_policy *p, const levy_scenario *scenario,
                                      levy_write_fn write, levy_write_fn errors, levy_format format,
                                      void *userdata)
{
    levy_status st = check_runnable(p, scenario);
    if (st != LEVY_OK)
        return st;
    reporter rep = { p, errors, userdata,
                     format == LEVY_FORMAT_JSON     ? DIAG_JSON
                     : format == LEVY_FORMAT_GITHUB ? DIAG_GITHUB
                                                    : DIAG_TEXT,
                     p->diags.count };
    run_options o = { .write = write,
                      .write_ud = userdata,
                      .scenario = scenario ? scenario->decl->name : NULL,
                      .on_diag = errors ? report_new : NULL,
                      .diag_ud = &rep,
                      .json = format == LEVY_FORMAT_JSON };
    run_result res = { 0 };
    node_list all = p->prog.statements, chosen;
    if (!statements_to_run(p, &chosen))
        return LEVY_ERROR_NOMEM;
    p->prog.statements = chosen;
    bool ok = run_program(&p->compiled, &o, &p->diags, &res);
    p->prog.statements = all;
    if (errors)
        report_new(&rep, NULL);
    deliver_pending(p);
    return ok ? LEVY_OK : LEVY_ERROR_EVAL;
}

levy_status levy_policy_run(levy_policy *p, const levy_scenario *scenario, levy_write_fn write,
                            void *userdata)
{
    return levy_policy_run_reporting(p, scenario, write, NULL, LEVY_FORMAT_TEXT, userdata);
}

static levy_status policy_test_impl(levy_policy *p, const levy_scenario *scenario,
                             const levy_test_options *options, levy_write_fn write, void *userdata,
                             size_t *passed, size_t *failed)
{
    levy_status st = check_runnable(p, scenario);
    if (st != LEVY_OK)
        return st;
    run_options o = { .write = write,
                      .write_ud = userdata,
                      .scenario = scenario ? scenario->decl->name : NULL,
                      .tap = options && options->tap,
                      .coverage = options && options->coverage,
                      .json = options && options->json,
                      .run_pattern = options && options->run && *options->run ? options->run : NULL };
    regex_t pattern;
    if (o.run_pattern) {
        int rc = regcomp(&pattern, o.run_pattern, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &pattern, why, sizeof why);
            set_error(p, "'%s' is not a regular expression: %s", o.run_pattern, why);
            return LEVY_ERROR_ARGUMENT;
        }
        regfree(&pattern);
    }
    run_result res = { 0 };
    bool ok = run_tests(&p->compiled, &o, &p->diags, &res);
    deliver_pending(p);
    if (passed)
        *passed = res.passed;
    if (failed)
        *failed = res.failed;
    return ok ? LEVY_OK : LEVY_ERROR_EVAL;
}

/* ---- Out of memory --------------------------------------------------------- */

/* A call that failed after an allocation of the policy's failed says so:
 * LEVY_ERROR_NOMEM, not the errors that followed from it (a declaration
 * that could not be kept, the "invalid" policy without it). */
static levy_status nomem_if(const levy_policy *p, size_t failures_before, levy_status st)
{
    if (st != LEVY_OK && p && p->alloc_failures != failures_before)
        return LEVY_ERROR_NOMEM;
    return st;
}

#define FAILURES(p) ((p) ? (p)->alloc_failures : 0)

levy_status levy_policy_load_file(levy_policy *p, const char *path)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f, policy_load_file_impl(p, path));
}

levy_status levy_policy_load_expression(levy_policy *p, const char *name, const char *text,
                                        size_t len)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f, policy_load_expression_impl(p, name, text, len));
}

levy_status levy_policy_load_string(levy_policy *p, const char *name, const char *text, size_t len)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f, policy_load_string_impl(p, name, text, len));
}

levy_status levy_policy_check(levy_policy *p)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f, policy_check_impl(p));
}

levy_status levy_policy_scenario(levy_policy *p, const char *name, const levy_scenario **out)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f, policy_scenario_impl(p, name, out));
}

levy_status levy_evaluate(const levy_policy *policy, const levy_scenario *scenario,
                          const levy_shipment *s, levy_result *r)
{
    size_t f = FAILURES(policy);
    return nomem_if(policy, f, evaluate_impl(policy, scenario, s, r));
}

levy_status levy_policy_run_reporting(levy_policy *p, const levy_scenario *scenario,
                                      levy_write_fn write, levy_write_fn errors, levy_format format,
                                      void *userdata)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f, policy_run_reporting_impl(p, scenario, write, errors, format, userdata));
}

levy_status levy_policy_test(levy_policy *p, const levy_scenario *scenario,
                             const levy_test_options *options, levy_write_fn write, void *userdata,
                             size_t *passed, size_t *failed)
{
    size_t f = FAILURES(p);
    return nomem_if(p, f,
                    policy_test_impl(p, scenario, options, write, userdata, passed, failed));
}
