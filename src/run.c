/* run.c - `levy run` and `levy test` as library functions (see run.h). */
#include "run.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "explain.h"
#include "result_json.h"

/* ---- Compiled policies ------------------------------------------------------- */

bool policy_set_init(policy_set *ps, const program *p)
{
    size_t n = p->decls.scenarios.n ? p->decls.scenarios.n : 1;
    ps->p = p;
    ps->base = NULL;
    ps->base_tried = false;
    ps->scenarios = mem_calloc(p->arena->mem, n, sizeof *ps->scenarios);
    ps->tried = mem_calloc(p->arena->mem, n, sizeof *ps->tried);
    if (ps->scenarios && ps->tried)
        return true;
    policy_set_free(ps);
    return false;
}

void policy_set_free(policy_set *ps)
{
    if (ps->scenarios)
        for (size_t i = 0; i < ps->p->decls.scenarios.n; i++)
            index_free(ps->scenarios[i]);
    mem_free(ps->p->arena->mem, ps->scenarios);
    mem_free(ps->p->arena->mem, ps->tried);
    index_free(ps->base);
    ps->scenarios = NULL;
    ps->tried = NULL;
    ps->base = NULL;
}

static long scenario_position(const program *p, const node *scenario)
{
    for (size_t i = 0; i < p->decls.scenarios.n; i++)
        if (p->decls.scenarios.v[i] == scenario)
            return (long)i;
    return -1;
}

/* build: compiles the policy for scenario and has the evaluator fill in
 * its values; NULL when out of memory. */
static policy_index *build(const program *p, const node *scenario, const policy_index *base,
                           diag_list *diags)
{
    policy_index *ix = index_build(p, scenario, base, diags);
    if (ix && !eval_prepare(ix, diags)) {
        index_free(ix);
        return NULL;
    }
    return ix;
}

const policy_index *policy_set_get(policy_set *ps, const node *scenario, diag_list *diags)
{
    if (!ps->base_tried) {
        ps->base_tried = true;
        ps->base = build(ps->p, NULL, NULL, diags);
    }
    if (!scenario)
        return ps->base;
    long i = scenario_position(ps->p, scenario);
    if (i < 0)
        return NULL;
    if (!ps->tried[i]) {
        ps->tried[i] = true;
        ps->scenarios[i] = build(ps->p, scenario, ps->base, diags);
    }
    return ps->scenarios[i];
}

/* ---- The runner ----------------------------------------------------------------- */

typedef struct runner {
    policy_set *ps;
    const program *p;
    const run_options *o;
    diag_list *diags;
    run_result *res;
    arena mem;
    eval_local *locals; /* lets of the blocks being run */
    size_t nlocals, caplocals;
    eval_coverage cov;
    bool use_cov;
    const char *under;  /* the scenario of the innermost `under` block, or NULL */
    bool testing;       /* run_tests: errors are written to the log too */
    bool out_of_memory; /* something could not be run or written: the run fails */
    bool test_failed;
    strbuf log; /* what a test writes, until its verdict is known */
    /* With o->json, a test's failed expects and errors as JSON arrays'
       members, until the test's record is written. */
    strbuf json_failures, json_errors;
} runner;

static void emit(const runner *r, const char *text, size_t len)
{
    if (len)
        r->o->write(r->o->write_ud, text, len);
}

static void added(runner *r, const diagnostic *d);

/* out_of_memory: text that could not be built in full is not written; the
 * run fails instead. */
static bool out_of_memory(runner *r, const strbuf *sb)
{
    if (!sb->failed)
        return false;
    r->out_of_memory = true;
    added(r, diag_add(r->diags, SEV_ERROR, D_EVAL_LIMIT, span_none,
                      "out of memory while writing the output"));
    return true;
}

static void emit_sb(runner *r, const strbuf *sb)
{
    if (!out_of_memory(r, sb))
        emit(r, sb_cstr(sb), sb->len);
}

static bool interrupted(const runner *r)
{
    return r->o->interrupt && *r->o->interrupt;
}

/* render_diag: d as GCC-style text (with the source line and caret). */
static void render_diag(const runner *r, const diagnostic *d, strbuf *out)
{
    diag_format_one(out, r->p->sources, d, DIAG_TEXT);
}

/* json_member: d as JSON, one more member of the array in list. */
static void json_member(strbuf *list, const runner *r, const diagnostic *d)
{
    if (list->len)
        sb_puts(list, ", ");
    size_t at = list->len;
    diag_format_one(list, r->p->sources, d, DIAG_JSON);
    while (list->len > at && list->s[list->len - 1] == '\n')
        list->s[--list->len] = '\0';
}

static void added(runner *r, const diagnostic *d)
{
    r->res->errors++;
    if (!d)
        return;
    if (r->testing && r->o->json)
        json_member(&r->json_errors, r, d);
    else if (r->testing)
        render_diag(r, d, &r->log);
    if (r->o->on_diag)
        r->o->on_diag(r->o->diag_ud, d);
}

/* report: an evaluation error of statement stmt becomes a diagnostic. */
static void report(runner *r, eval_error *err, const node *stmt)
{
    if (err->at.file < 0)
        err->at = stmt->at;
    added(r, eval_error_to_diag(err, r->diags));
}

/* span_text: the source text of a span, lines joined by single spaces. */
static void span_text(const program *p, span at, strbuf *out)
{
    const source_text *src = source_set_get(p->sources, at.file);
    if (!src)
        return;
    for (int line = at.first_line; line <= at.last_line; line++) {
        size_t len;
        const char *text = source_line(src, line, &len);
        if (!text)
            break;
        size_t from = line == at.first_line ? (size_t)(at.first_column - 1) : 0;
        size_t to = line == at.last_line ? (size_t)at.last_column : len;
        if (to > len)
            to = len;
        while (from < to && (text[from] == ' ' || text[from] == '\t'))
            from++;
        if (from >= to)
            continue;
        if (line != at.first_line)
            sb_putc(out, ' ');
        sb_putn(out, text + from, to - from);
    }
}

static const char *source_name(const program *p, span at)
{
    const source_text *src = source_set_get(p->sources, at.file);
    return src && src->name ? src->name : "<input>";
}

static void env_for(runner *r, eval_env *env, const policy_index *ix)
{
    eval_env_init(env, ix, &r->mem);
    env->locals = r->locals;
    env->nlocals = r->nlocals;
    env->cov = r->use_cov ? &r->cov : NULL;
    env->interrupt = r->o->interrupt;
}

static bool push_local(runner *r, const node *let, value v)
{
    if (!mem_grow(r->p->arena->mem, &r->locals, &r->caplocals, r->nlocals, sizeof *r->locals, 16))
        return false;
    r->locals[r->nlocals].let = let;
    r->locals[r->nlocals].v = v;
    r->nlocals++;
    return true;
}

/* ---- Statements -------------------------------------------------------------------- */

static bool is_comparison(const node *e)
{
    if (e->kind != N_BINARY)
        return false;
    switch ((op)e->flags) {
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
    case OP_IN: return true;
    default: return false;
    }
}

/* side: "left:  145%" for one operand of a failed comparison. */
static void side(runner *r, const policy_index *ix, const node *e, const char *label, strbuf *out)
{
    eval_env env;
    env_for(r, &env, ix);
    value v;
    eval_error err;
    if (!eval_expr(&env, e, &v, &err))
        return;
    strbuf sb;
    sb_init(&sb, r->p->arena->mem);
    explain_value(&v, r->p, &sb);
    while (sb.len && sb.s[sb.len - 1] == '\n')
        sb.s[--sb.len] = '\0';
    sb_printf(out, "%s%s", label, sb_cstr(&sb));
    sb_free(&sb);
}

/* json_location: `"file": F, "line": L, "column": C` of a span. */
static void json_location(strbuf *out, const program *p, span at)
{
    sb_puts(out, "\"file\": ");
    const char *name = source_name(p, at);
    sb_put_json_string(out, name, strlen(name));
    sb_printf(out, ", \"line\": %d, \"column\": %d", at.first_line, at.first_column);
}

/* json_side: a "left:  145%" line's value, without its label, or null. */
static void json_side(strbuf *out, const strbuf *side, size_t label)
{
    if (side->len > label)
        sb_put_json_string(out, side->s + label, side->len - label);
    else
        sb_puts(out, "null");
}

static void json_failure(runner *r, const node *e, const strbuf *src, const strbuf *left,
                         const strbuf *right)
{
    strbuf *out = &r->json_failures;
    if (out->len)
        sb_puts(out, ", ");
    sb_putc(out, '{');
    json_location(out, r->p, e->at);
    sb_puts(out, ", \"expect\": ");
    sb_put_json_string(out, sb_cstr(src), src->len);
    sb_puts(out, ", \"left\": ");
    json_side(out, left, strlen("left:  "));
    sb_puts(out, ", \"right\": ");
    json_side(out, right, strlen("right: "));
    sb_putc(out, '}');
}

static void expect_failed(runner *r, const policy_index *ix, const node *stmt)
{
    const node *e = stmt->a;
    strbuf src, left, right;
    sb_init(&src, r->p->arena->mem);
    sb_init(&left, r->p->arena->mem);
    sb_init(&right, r->p->arena->mem);
    span_text(r->p, e->at, &src);
    if (is_comparison(e)) {
        side(r, ix, e->a, "left:  ", &left);
        side(r, ix, e->b, "right: ", &right);
    }
    if (r->testing && r->o->json) {
        json_failure(r, e, &src, &left, &right);
    } else if (r->testing) {
        sb_printf(&r->log, "%s:%d:%d: expect failed: %s\n", source_name(r->p, e->at),
                  e->at.first_line, e->at.first_column, sb_cstr(&src));
        if (left.len)
            sb_printf(&r->log, "  %s\n", sb_cstr(&left));
        if (right.len)
            sb_printf(&r->log, "  %s\n", sb_cstr(&right));
    }
    /* Kept as a diagnostic in a test too (the report above is its text),
       so that a host can show it another way: `levy test --format=github`
       annotates the line. */
    diagnostic *d =
        diag_add(r->diags, SEV_ERROR, D_TEST_FAILED, e->at, "expect failed: %s", sb_cstr(&src));
    if (d && left.len)
        diag_note(d, e->a->at, "%s", sb_cstr(&left));
    if (d && right.len)
        diag_note(d, e->b->at, "%s", sb_cstr(&right));
    if (!r->testing)
        added(r, d);
    else if (d && r->o->on_diag)
        r->o->on_diag(r->o->diag_ud, d);
    r->test_failed = true;
    sb_free(&src);
    sb_free(&left);
    sb_free(&right);
}

static bool exec_block(runner *r, const policy_index *ix, const node_list *items);

/* print_json: a statement's value as one line of JSON (doc/json.md). */
static void print_json(runner *r, const node *stmt, const value *v)
{
    strbuf sb, src;
    sb_init(&sb, r->p->arena->mem);
    sb_init(&src, r->p->arena->mem);
    span_text(r->p, stmt->at, &src);
    sb_putc(&sb, '{');
    json_location(&sb, r->p, stmt->at);
    sb_puts(&sb, ", \"source\": ");
    sb_put_json_string(&sb, sb_cstr(&src), src.len);
    if (r->under || r->o->scenario) {
        const char *scn = r->under ? r->under : r->o->scenario;
        sb_puts(&sb, ", \"scenario\": ");
        sb_put_json_string(&sb, scn, strlen(scn));
    }
    sb_puts(&sb, ", ");
    json_value(v, r->p, &sb);
    sb_puts(&sb, "}\n");
    if (src.failed)
        sb.failed = true;
    emit_sb(r, &sb);
    sb_free(&sb);
    sb_free(&src);
}

static void print_value(runner *r, const value *v)
{
    strbuf sb;
    sb_init(&sb, r->p->arena->mem);
    /* An entry summary names no scenario: inside `under`, say which. */
    if (r->under && v->kind == V_EXPLANATION)
        sb_printf(&sb, "under %s:\n", r->under);
    explain_value(v, r->p, &sb);
    if (!sb.len || sb.s[sb.len - 1] != '\n')
        sb_putc(&sb, '\n');
    emit_sb(r, &sb);
    sb_free(&sb);
}

static bool exec_under(runner *r, const node *stmt)
{
    const node *scn = stmt->a->ref;
    if (!scn || scn->kind != N_SCENARIO)
        scn = find_scenario(r->p, stmt->a->name);
    const policy_index *ix = scn ? policy_set_get(r->ps, scn, r->diags) : NULL;
    if (!ix) {
        added(r, diag_add(r->diags, SEV_ERROR, D_UNKNOWN_SCENARIO, stmt->a->at,
                          "no scenario called '%s'", stmt->a->name));
        r->test_failed = true;
        return false;
    }
    size_t nlocals = r->nlocals;
    const char *outer = r->under;
    r->under = scn->name;
    bool ok = exec_block(r, ix, &stmt->items);
    r->under = outer;
    r->nlocals = nlocals; /* the block's lets end with it */
    return ok;
}

/* exec_stmt: one statement; false when it failed (an error or, in a
 * test, an expect that did not hold is recorded either way). */
static bool exec_stmt(runner *r, const policy_index *ix, const node *stmt)
{
    eval_env env;
    eval_error err;
    value v;
    if (interrupted(r))
        return false;
    if (stmt->kind == N_UNDER)
        return exec_under(r, stmt);
    if (stmt->kind != N_EXPR_STMT && stmt->kind != N_LET && stmt->kind != N_EXPECT)
        return true;
    env_for(r, &env, ix);
    if (!eval_expr(&env, stmt->a, &v, &err)) {
        report(r, &err, stmt);
        r->test_failed = true;
        return false;
    }
    if (stmt->kind == N_LET) {
        if (!push_local(r, stmt, v)) {
            r->out_of_memory = r->test_failed = true;
            added(r, diag_add(r->diags, SEV_ERROR, D_EVAL_LIMIT, stmt->at, "out of memory"));
            return false;
        }
    } else if (stmt->kind == N_EXPECT) {
        if (v.kind != V_BOOL || !v.as.b)
            expect_failed(r, ix, stmt);
    } else if (!r->testing && r->o->json) {
        print_json(r, stmt, &v);
    } else if (!r->testing) {
        print_value(r, &v);
    }
    return true;
}

/* exec_block: statements in order.  An expect that fails or cannot be
 * evaluated is reported and the block goes on, so one run shows every
 * failure; but in a test, a `let` that cannot be evaluated ends the block,
 * since what follows would fail for the same reason. */
static bool exec_block(runner *r, const policy_index *ix, const node_list *items)
{
    bool ok = true;
    for (size_t i = 0; i < items->n; i++) {
        size_t errors = r->res->errors;
        if (!exec_stmt(r, ix, items->v[i])) {
            ok = false;
            if (r->testing && r->res->errors > errors && items->v[i]->kind == N_LET)
                return false;
        }
        if (interrupted(r))
            return false;
    }
    return ok;
}

/* ---- Running a program -------------------------------------------------------------- */

static bool runner_init(runner *r, policy_set *ps, const run_options *o, diag_list *diags,
                        run_result *res, const policy_index **ix)
{
    memset(r, 0, sizeof *r);
    memset(res, 0, sizeof *res);
    r->ps = ps;
    r->p = ps->p;
    r->o = o;
    r->diags = diags;
    r->res = res;
    arena_init(&r->mem, r->p->arena->mem);
    sb_init(&r->log, r->p->arena->mem);
    sb_init(&r->json_failures, r->p->arena->mem);
    sb_init(&r->json_errors, r->p->arena->mem);
    const node *scn = NULL;
    if (o->scenario && !(scn = find_scenario(r->p, o->scenario))) {
        added(r, diag_add(diags, SEV_ERROR, D_UNKNOWN_SCENARIO, span_none,
                          "no scenario called '%s'", o->scenario));
        return false;
    }
    *ix = policy_set_get(ps, scn, diags);
    if (!*ix) {
        added(r, diag_add(diags, SEV_ERROR, D_EVAL_LIMIT, span_none,
                          "out of memory compiling the policy"));
        return false;
    }
    if (o->coverage && !(r->use_cov = coverage_init(&r->cov, r->p)))
        return false;
    return true;
}

static void runner_free(runner *r)
{
    arena_free(&r->mem);
    mem_free(r->p ? r->p->arena->mem : NULL, r->locals);
    sb_free(&r->log);
    sb_free(&r->json_failures);
    sb_free(&r->json_errors);
    if (r->use_cov)
        coverage_free(&r->cov);
}

bool run_program(policy_set *ps, const run_options *o, diag_list *diags, run_result *res)
{
    runner r;
    const policy_index *ix;
    if (!runner_init(&r, ps, o, diags, res, &ix)) {
        runner_free(&r);
        return false;
    }
    const node_list *stmts = &r.p->statements;
    for (size_t i = 0; i < stmts->n && !interrupted(&r); i++) {
        arena_mark mark = arena_save(&r.mem);
        r.nlocals = 0;
        exec_stmt(&r, ix, stmts->v[i]);
        res->statements++;
        arena_restore(&r.mem, mark);
    }
    bool ok = res->errors == 0 && !interrupted(&r);
    runner_free(&r);
    return ok;
}

/* ---- Running tests ------------------------------------------------------------------- */

/* emit_log: the test's buffered report, each line after prefix. */
static void emit_log(runner *r, const char *prefix)
{
    if (out_of_memory(r, &r->log))
        return;
    const char *s = sb_cstr(&r->log), *end = s + r->log.len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
        emit(r, prefix, strlen(prefix));
        emit(r, s, len);
        if (!nl)
            emit(r, "\n", 1);
        s += len;
    }
}

/* write_test_json: one member of the report's "tests" array. */
static void write_test_json(runner *r, const node *test, size_t number)
{
    strbuf sb;
    sb_init(&sb, r->p->arena->mem);
    sb_puts(&sb, number > 1 ? ",\n  {\"name\": " : "\n  {\"name\": ");
    sb_put_json_string(&sb, test->name, strlen(test->name));
    sb_puts(&sb, ", ");
    json_location(&sb, r->p, test->at);
    sb_printf(&sb, ", \"passed\": %s, \"failures\": [%s], \"errors\": [%s]}",
              r->test_failed ? "false" : "true", sb_cstr(&r->json_failures),
              sb_cstr(&r->json_errors));
    if (r->json_failures.failed || r->json_errors.failed)
        sb.failed = true;
    emit_sb(r, &sb);
    sb_free(&sb);
}

static void run_one_test(runner *r, const policy_index *ix, const node *test, size_t number)
{
    arena_mark mark = arena_save(&r->mem);
    r->nlocals = 0;
    r->test_failed = false;
    sb_clear(&r->log);
    sb_clear(&r->json_failures);
    sb_clear(&r->json_errors);
    exec_block(r, ix, &test->items);
    if (r->test_failed)
        r->res->failed++;
    else
        r->res->passed++;
    if (r->o->json) {
        write_test_json(r, test, number);
    } else if (r->o->tap) {
        strbuf line;
        sb_init(&line, r->p->arena->mem);
        sb_printf(&line, "%s %zu - %s\n", r->test_failed ? "not ok" : "ok", number, test->name);
        emit_sb(r, &line);
        sb_free(&line);
        emit_log(r, "# ");
    } else {
        emit_log(r, "");
    }
    arena_restore(&r->mem, mark);
}

/* The folder part of a path: its length up to the last '/', or 0. */
static size_t folder_length(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? (size_t)(slash - path) : 0;
}

/* Is d the user's own, for coverage?  Declarations of the root files, and
 * of the files beside them (or below) that a policy split in several files
 * imports; not those of the standard library elsewhere. */
static bool in_root_file(const program *p, const node *d)
{
    const source_text *mine = source_set_get(p->sources, d->at.file);
    for (size_t i = 0; i < p->roots.n; i++) {
        const node *root = p->roots.v[i];
        if (root->at.file == d->at.file)
            return true;
        const source_text *src = source_set_get(p->sources, root->at.file);
        if (!mine || !mine->path || !src || !src->path)
            continue;
        size_t n = folder_length(src->path);
        if (n > 0 && strncmp(mine->path, src->path, n) == 0 && mine->path[n] == '/')
            return true;
    }
    return false;
}

static void list_unexercised(runner *r, const node_list *decls, const bool *hit, strbuf *out,
                             size_t *total, size_t *missed)
{
    for (size_t i = 0; i < decls->n; i++) {
        const node *d = decls->v[i];
        if (!in_root_file(r->p, d))
            continue;
        (*total)++;
        if (hit[i])
            continue;
        (*missed)++;
        if (r->o->json) {
            sb_puts(out, *missed > 1 ? ", {\"kind\": " : "{\"kind\": ");
            const char *kind = decl_kind_keyword(d->kind);
            sb_put_json_string(out, kind, strlen(kind));
            sb_puts(out, ", \"name\": ");
            sb_put_json_string(out, d->name, strlen(d->name));
            sb_puts(out, ", ");
            json_location(out, r->p, d->at);
            sb_putc(out, '}');
            continue;
        }
        sb_printf(out, "  %s:%d: %s %s\n", source_name(r->p, d->at), d->at.first_line,
                  decl_kind_keyword(d->kind), d->name);
    }
}

static void write_coverage(runner *r)
{
    strbuf list, all;
    sb_init(&list, r->p->arena->mem);
    sb_init(&all, r->p->arena->mem);
    size_t total = 0, missed = 0;
    list_unexercised(r, &r->p->decls.measures, r->cov.measures, &list, &total, &missed);
    list_unexercised(r, &r->p->decls.modifiers, r->cov.modifiers, &list, &total, &missed);
    if (r->o->json) {
        sb_printf(&all, ", \"coverage\": {\"total\": %zu, \"not_exercised\": [%s]}", total,
                  sb_cstr(&list));
        if (list.failed)
            all.failed = true;
        emit_sb(r, &all);
        sb_free(&list);
        sb_free(&all);
        return;
    }
    if (missed == 0)
        sb_printf(&all, "coverage: all %zu measures and modifiers exercised\n", total);
    else
        sb_printf(&all, "coverage: %zu of %zu measures and modifiers not exercised:\n%s", missed,
                  total, sb_cstr(&list));
    sb_clear(&r->log);
    sb_putn(&r->log, sb_cstr(&all), all.len);
    emit_log(r, r->o->tap ? "# " : "");
    sb_free(&list);
    sb_free(&all);
}

bool run_tests(policy_set *ps, const run_options *o, diag_list *diags, run_result *res)
{
    runner r;
    const policy_index *ix;
    if (!runner_init(&r, ps, o, diags, res, &ix)) {
        runner_free(&r);
        return false;
    }
    r.testing = true;
    const node_list *tests = &r.p->decls.tests;
    regex_t pattern;
    if (o->run_pattern && regcomp(&pattern, o->run_pattern, REG_EXTENDED | REG_NOSUB) != 0) {
        added(&r, diag_add(diags, SEV_ERROR, D_EVAL_LIMIT, span_none,
                           "'%s' is not a regular expression", o->run_pattern));
        runner_free(&r);
        return false;
    }
    bool *chosen = mem_calloc(r.p->arena->mem, tests->n + 1, sizeof *chosen);
    size_t nchosen = 0;
    for (size_t i = 0; chosen && i < tests->n; i++) {
        chosen[i] = !o->run_pattern || regexec(&pattern, tests->v[i]->name, 0, NULL, 0) == 0;
        nchosen += chosen[i];
    }
    if (o->run_pattern)
        regfree(&pattern);
    res->selected = nchosen;
    if (!chosen) {
        r.out_of_memory = true;
        added(&r, diag_add(diags, SEV_ERROR, D_EVAL_LIMIT, span_none, "out of memory"));
        runner_free(&r);
        return false;
    }
    strbuf line;
    sb_init(&line, r.p->arena->mem);
    if (o->json)
        sb_puts(&line, "{\"tests\": [");
    else if (o->tap)
        sb_printf(&line, "TAP version 13\n1..%zu\n", nchosen);
    emit_sb(&r, &line);
    for (size_t i = 0, number = 0; i < tests->n && !interrupted(&r); i++)
        if (chosen[i])
            run_one_test(&r, ix, tests->v[i], ++number);
    mem_free(r.p->arena->mem, chosen);
    sb_clear(&line);
    if (o->json)
        sb_printf(&line, "%s], \"passed\": %zu, \"failed\": %zu", nchosen ? "\n" : "",
                  res->passed, res->failed);
    else
        sb_printf(&line, "%s%zu passed, %zu failed\n", o->tap ? "# " : "", res->passed,
                  res->failed);
    emit_sb(&r, &line);
    if (r.use_cov)
        write_coverage(&r);
    if (o->json) {
        sb_clear(&line);
        sb_puts(&line, "}\n");
        emit_sb(&r, &line);
    }
    sb_free(&line);
    bool ok = res->failed == 0 && !r.out_of_memory && !interrupted(&r);
    runner_free(&r);
    return ok;
}
