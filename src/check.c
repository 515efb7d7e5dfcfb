/* check.c - the checker's entry point: declaring names, scopes, lookups.
 *
 * program_check works in three passes over the files loaded since the last
 * call.  First every declaration is numbered and its name entered (so that
 * names may be used before they are declared).  Then every declaration,
 * test and statement is checked: names resolved, types inferred
 * (typecheck.c), clauses checked against the rules of their declaration
 * (rules.c).  Lets, groups, product sets and attribute defaults are
 * checked on first use, which both orders them and finds definitions in
 * terms of themselves.  Last come the checks that need the whole policy:
 * `replaces` cycles, unused definitions (rules.c) and, on a policy without
 * errors, measures that are always replaced (W103) and modifiers that can
 * conflict (W104) (analysis.c).
 *
 * Nothing is evaluated, except that the dates of windows are folded (they
 * must be constant), the members of groups are computed to find groups
 * that overlap in a `rate by origin` table, and W103 and W104 fold scopes
 * and constant percentages.
 *
 * This file also holds what every stage of the checker reports with: the
 * fixed names, the phrases for declarations and types, spans and
 * suggestions ("did you mean").  check_internal.h declares them.
 */
#include "check.h"
#include "check_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "rate.h"
#include "suggest.h"

/* ---- Fixed names ---------------------------------------------------------- */

const struct field_def builtin_fields[F_BUILTIN_COUNT] = {
/* clang-format off */
#define FIELD(id, name, type, kind) [id] = { name, type },
#include "fields.def"
    /* clang-format on */
};

const struct builtin_def builtins[B_BUILTIN_COUNT] = {
/* clang-format off */
#define BUILTIN(id, name, min_args, max_args, usage) [id] = { name, min_args, max_args, usage },
#include "builtins.def"
    /* clang-format on */
};

/* The types an attribute may have, by the name written after the colon. */
static const struct attribute_type {
    const char *name;
    type ty;
} attribute_types[] = {
/* clang-format off */
#define ATTRIBUTE_TYPE(word, type) { word, type },
#include "attribute_types.def"
    /* clang-format on */
};
#define N_ATTRIBUTE_TYPES (sizeof attribute_types / sizeof attribute_types[0])

int builtin_lookup(const char *name)
{
    for (int i = 0; i < B_BUILTIN_COUNT; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return i;
    return -1;
}

int builtin_field_lookup(const char *name)
{
    for (int i = 0; i < F_BUILTIN_COUNT; i++)
        if (strcmp(builtin_fields[i].name, name) == 0)
            return i;
    return -1;
}

const char *builtin_name(builtin_id b)
{
    return b >= 0 && b < B_BUILTIN_COUNT ? builtins[b].name : "?";
}

/* ---- Declaration classes ---------------------------------------------------- */

/* The classes of named declaration, the list each is numbered in, and
 * what each kind is called, are decl_kinds.def's (program.h). */

const char *decl_phrase(const node *d)
{
    return decl_kind_phrase(d->kind);
}

const char *type_phrase(type t)
{
    switch (t) {
    case T_BOOL: return "a bool";
    case T_NUMBER: return "a number";
    case T_RATE: return "a rate";
    case T_MONEY: return "money";
    case T_DATE: return "a date";
    case T_DURATION: return "a duration";
    case T_TEXT: return "text";
    case T_COUNTRY: return "a country";
    case T_COUNTRY_SET: return "a country set";
    case T_PRODUCT: return "a product";
    case T_PRODUCT_SET: return "a product set";
    case T_SHIPMENT: return "a shipment";
    case T_EXPLANATION: return "an explanation";
    case T_TIMELINE: return "a timeline";
    case T_UNIT: return "a unit";
    case T_EMPTY_SET: return "an empty set";
    case T_MEASURE: return "a measure";
    case T_MODIFIER: return "a pause or concession";
    case T_COMMITMENT: return "a commitment";
    case T_SCENARIO: return "a scenario";
    case T_SCHEDULE: return "a schedule";
    default: return "a value of unknown type";
    }
}

/* ---- The checker's state ---------------------------------------------------- */

/* The state itself (checker, ctx) is in check_internal.h. */

decl_info *info_of(checker *ck, const node *d)
{
    int dc = decl_class_of(d);
    if (dc < 0 || d->index < 0 || (size_t)d->index >= ck->ninfo[dc])
        return NULL;
    return &ck->info[dc][d->index];
}

void note_use(checker *ck, const node *d)
{
    decl_info *in = info_of(ck, d);
    if (in)
        in->uses++;
}

void push_list(checker *ck, node_list *list, node *n)
{
    if (!ast_push(ck->p->arena, list, n))
        ck->out_of_memory = true;
}

const source_text *source_of(const checker *ck, span at)
{
    return source_set_get(ck->p->sources, at.file);
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* The span of the first word of n (a keyword such as `base`, `import`). */
span keyword_span(const checker *ck, const node *n)
{
    span s = n->at;
    s.last_line = s.first_line;
    s.last_column = s.first_column;
    const source_text *src = source_of(ck, n->at);
    if (!src || s.first_line < 1)
        return s;
    size_t len;
    const char *line = source_line(src, s.first_line, &len);
    size_t i = s.first_column > 0 ? (size_t)s.first_column - 1 : 0;
    size_t end = i;
    while (end < len && is_ident_char(line[end]))
        end++;
    if (end > i)
        s.last_column = (int)end;
    return s;
}

/* The span of a declaration's name: after its keyword on the first line
 * (`measure baseline ...`), or the keyword when the name is elsewhere. */
span name_span(const checker *ck, const node *d)
{
    span s = keyword_span(ck, d);
    const source_text *src = source_of(ck, d->at);
    if (!src || !d->name || s.first_line < 1)
        return s;
    size_t len;
    const char *line = source_line(src, s.first_line, &len);
    size_t i = (size_t)s.last_column;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t n = strlen(d->name);
    if (i + n <= len && memcmp(line + i, d->name, n) == 0 &&
        (i + n == len || !is_ident_char(line[i + n]))) {
        s.first_column = (int)i + 1;
        s.last_column = (int)(i + n);
    }
    return s;
}

/* The source text of a one-line span, shortened for a message. */
const char *snippet(const checker *ck, span at, char *buf, size_t n)
{
    const source_text *src = source_of(ck, at);
    buf[0] = '\0';
    if (!src || at.first_line < 1)
        return buf;
    size_t len;
    const char *line = source_line(src, at.first_line, &len);
    size_t from = at.first_column > 0 ? (size_t)at.first_column - 1 : 0;
    size_t to = at.last_line == at.first_line ? (size_t)at.last_column : len;
    if (to > len)
        to = len;
    if (from >= to)
        return buf;
    size_t w = to - from;
    if (w + 1 > n) {
        snprintf(buf, n, "%.*s...", (int)(n > 4 ? n - 4 : 0), line + from);
        return buf;
    }
    memcpy(buf, line + from, w);
    buf[w] = '\0';
    return buf;
}

/* A sub-span: the last `len` columns of a one-line span (the unit of
 * `$0.05 per kg`). */
span tail_span(span s, size_t len)
{
    if (s.first_line == s.last_line && (size_t)s.last_column >= len &&
        s.last_column - (int)len + 1 >= s.first_column) {
        s.first_column = s.last_column - (int)len + 1;
    }
    return s;
}

diagnostic *error_at(checker *ck, const char *code, span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diagnostic *d = diag_vadd(ck->diags, SEV_ERROR, code, at, fmt, ap);
    va_end(ap);
    return d;
}

/* ---- Suggestions -------------------------------------------------------- */

bool equal_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* The best candidate so far: see `suggestion` in check_internal.h. */
void suggestion_init(suggestion *s, const char *target)
{
    s->target = target;
    size_t n = strlen(target);
    s->limit = n <= 3 ? 1 : 2;
    s->best = NULL;
    s->dist = s->mismatch = s->refs = 0;
}

void consider(suggestion *s, const char *cand, bool preferred, int refs)
{
    if (!cand || strcmp(cand, s->target) == 0)
        return;
    int dist = equal_ignoring_case(cand, s->target)
                   ? 0
                   : edit_distance(s->target, strlen(s->target), cand, strlen(cand), s->limit);
    if (dist > s->limit)
        return;
    /* A one-letter name is at distance 1 of every other: no suggestion. */
    if (dist > 0 && (strlen(cand) < 2 || strlen(s->target) < 2))
        return;
    int mismatch = !preferred;
    if (s->best) {
        if (dist != s->dist) {
            if (dist > s->dist)
                return;
        } else if (mismatch != s->mismatch) {
            if (mismatch > s->mismatch)
                return;
        } else if (refs != s->refs) {
            if (refs < s->refs)
                return;
        } else if (strcmp(cand, s->best) >= 0) {
            return;
        }
    }
    s->best = cand;
    s->dist = dist;
    s->mismatch = mismatch;
    s->refs = refs;
}

static void consider_decl(checker *ck, suggestion *s, const char *name, const node *d,
                          unsigned accept, unsigned prefer)
{
    int dc = decl_class_of(d);
    unsigned bit = dc >= 0 ? CAND_BIT(dc) : CAND_BIT(DC_LET);
    if (!(accept & bit))
        return;
    decl_info *in = ck ? info_of(ck, d) : NULL;
    consider(s, name, (prefer & bit) != 0, in ? in->root_refs : 0);
}

static void consider_globals(checker *ck, const program *p, suggestion *s, unsigned accept,
                             unsigned prefer)
{
    for (size_t i = 0; i < p->globals.cap; i++) {
        const symtab_entry *e = &p->globals.slots[i];
        if (e->name && e->decl)
            consider_decl(ck, s, e->name, e->decl, accept, prefer);
    }
    if (accept & CAND_FIELDS)
        for (int f = 0; f < F_BUILTIN_COUNT; f++)
            consider(s, builtin_fields[f].name, (prefer & CAND_FIELDS) != 0, 0);
    if (accept & CAND_BUILTINS)
        for (int b = 0; b < B_BUILTIN_COUNT; b++)
            consider(s, builtins[b].name, (prefer & CAND_BUILTINS) != 0, 0);
    if (accept & CAND_UNITS)
        for (int u = UNIT_NONE + 1; u < UNIT_COUNT; u++)
            consider(s, unit_name((unit)u), (prefer & CAND_UNITS) != 0, 0);
}

/* The name visible from cx closest to `name`, or NULL. */
const char *suggest_in(checker *ck, const ctx *cx, const char *name, unsigned accept,
                       unsigned prefer)
{
    suggestion s;
    suggestion_init(&s, name);
    if (cx) {
        for (size_t i = cx->local_base; i < ck->nlocals; i++)
            consider_decl(ck, &s, ck->locals[i]->name, ck->locals[i], accept, prefer);
        if (cx->scenario) {
            for (size_t i = 0; i < cx->scenario->items.n; i++) {
                const node *d = cx->scenario->items.v[i];
                if (d->name && decl_class_of(d) >= 0)
                    consider_decl(ck, &s, d->name, d, accept, prefer);
            }
        }
    }
    consider_globals(ck, ck->p, &s, accept, prefer);
    return s.best;
}

const char *check_suggest(const program *p, const char *name)
{
    if (!p || !name)
        return NULL;
    suggestion s;
    suggestion_init(&s, name);
    consider_globals(NULL, p, &s, CAND_DECLS | CAND_FIELDS | CAND_BUILTINS, CAND_DECLS);
    return s.best;
}

/* Adds "did you mean 'X'?" at the error's own span. */
void add_suggestion(diagnostic *d, const char *best)
{
    if (d && best)
        diag_note(d, d->at, "did you mean '%s'?", best);
}

/* As add_suggestion, for a declared name visible from cx: the user meant
 * it, so it does not count as unused either. */
void suggest_decl(checker *ck, const ctx *cx, diagnostic *d, const char *best)
{
    add_suggestion(d, best);
    const node *meant =
        best ? (cx ? lookup_decl(ck, cx, best) : symtab_get(&ck->p->globals, best)) : NULL;
    if (meant)
        note_use(ck, meant);
}

/* ---- Scopes ------------------------------------------------------------------ */

node *check_scenario_lookup(const program *p, const node *scenario, const char *name)
{
    if (!p || !scenario || !scenario->name || !name)
        return NULL;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s.%s", scenario->name, name);
    if (n < 0)
        return NULL;
    if ((size_t)n < sizeof buf)
        return symtab_get(&p->scenario_names, buf);
    char *key = mem_alloc(p->arena->mem, (size_t)n + 1);
    if (!key)
        return NULL;
    snprintf(key, (size_t)n + 1, "%s.%s", scenario->name, name);
    node *d = symtab_get(&p->scenario_names, key);
    mem_free(p->arena->mem, key);
    return d;
}

/* The declaration `name` means at cx: a let of the test, a declaration of
 * the scenario, or a global one. */
node *lookup_decl(const checker *ck, const ctx *cx, const char *name)
{
    for (size_t i = ck->nlocals; i > cx->local_base; i--)
        if (strcmp(ck->locals[i - 1]->name, name) == 0)
            return ck->locals[i - 1];
    if (cx->scenario) {
        node *d = check_scenario_lookup(ck->p, cx->scenario, name);
        if (d)
            return d;
    }
    return symtab_get(&ck->p->globals, name);
}

int field_lookup(const program *p, const char *name, node **attribute)
{
    int f = builtin_field_lookup(name);
    if (f >= 0)
        return f;
    node *d = symtab_get(&p->globals, name);
    if (d && d->kind == N_ATTRIBUTE) {
        if (attribute)
            *attribute = d;
        return F_BUILTIN_COUNT + d->index;
    }
    return -1;
}

int check_field_lookup(const program *p, const char *name)
{
    return p && name ? field_lookup(p, name, NULL) : -1;
}

const char *field_name(const program *p, int f)
{
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return builtin_fields[f].name;
    if (p && f >= F_BUILTIN_COUNT && (size_t)(f - F_BUILTIN_COUNT) < p->decls.attributes.n)
        return p->decls.attributes.v[f - F_BUILTIN_COUNT]->name;
    return "?";
}

type check_field_type(const program *p, int f)
{
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return builtin_fields[f].ty;
    if (p && f >= F_BUILTIN_COUNT && (size_t)(f - F_BUILTIN_COUNT) < p->decls.attributes.n)
        return p->decls.attributes.v[f - F_BUILTIN_COUNT]->ty;
    return T_UNKNOWN;
}

/* ---- Declaring names ----------------------------------------------------- */

bool reserved_name(checker *ck, node *d)
{
    if (builtin_field_lookup(d->name) >= 0) {
        error_at(ck, D_RESERVED_NAME, name_span(ck, d),
                 "'%s' is a shipment field and cannot be declared", d->name);
        return true;
    }
    if (builtin_lookup(d->name) >= 0) {
        error_at(ck, D_RESERVED_NAME, name_span(ck, d),
                 "'%s' is a built-in function and cannot be declared", d->name);
        return true;
    }
    return false;
}

void report_duplicate(checker *ck, node *d, const node *prev, bool in_scenario)
{
    diagnostic *g = error_at(ck, D_DUPLICATE, name_span(ck, d), "'%s' is already defined as %s",
                             d->name, decl_phrase(prev));
    diag_note(g, name_span(ck, prev), "first defined here");
    if (in_scenario && prev->ref == NULL)
        diag_note(g, name_span(ck, d),
                  "a scenario's declarations need names of their own; to replace '%s', "
                  "drop it and declare the new one under another name",
                  d->name);
}

/* Numbers d in its list; a scenario's own declarations point at it. */
static void number_decl(checker *ck, node *d, node *scenario)
{
    int dc = decl_class_of(d);
    node_list *list = d->kind == N_COMMIT ? &ck->p->decls.commits
                      : dc >= 0           ? decl_class_list(&ck->p->decls, dc)
                                          : NULL;
    if (!list)
        return;
    d->index = (int)list->n;
    d->ref = scenario;
    push_list(ck, list, d);
}

static void resolve_attribute_type(checker *ck, node *d)
{
    node *tn = d->a;
    if (!tn || !tn->name)
        return;
    for (size_t i = 0; i < N_ATTRIBUTE_TYPES; i++) {
        if (strcmp(attribute_types[i].name, tn->name) == 0) {
            d->ty = tn->ty = attribute_types[i].ty;
            return;
        }
    }
    diagnostic *g = error_at(ck, D_UNKNOWN_NAME, tn->at,
                             "unknown type '%s': an attribute is a bool, number, text, country, "
                             "date, money, rate or product",
                             tn->name);
    suggestion s;
    suggestion_init(&s, tn->name);
    for (size_t i = 0; i < N_ATTRIBUTE_TYPES; i++)
        consider(&s, attribute_types[i].name, true, 0);
    add_suggestion(g, s.best);
}

/* The type a declaration has as soon as it is declared. */
static void set_decl_type(node *d)
{
    type t = decl_class_type(decl_kind_class(d->kind));
    if (t != T_UNKNOWN)
        d->ty = t;
}

static void declare_global(checker *ck, node *d)
{
    number_decl(ck, d, NULL);
    set_decl_type(d);
    if (d->kind == N_ATTRIBUTE)
        resolve_attribute_type(ck, d);
    if (!d->name || reserved_name(ck, d))
        return;
    node *prev = symtab_get(&ck->p->globals, d->name);
    if (prev) {
        report_duplicate(ck, d, prev, false);
        return;
    }
    if (!symtab_put(&ck->p->globals, d->name, d))
        ck->out_of_memory = true;
}

/* Tests of root files, with their titles unique. */
static void declare_test(checker *ck, node *t, symtab *titles)
{
    push_list(ck, &ck->p->decls.tests, t);
    if (!t->name)
        return;
    node *prev = symtab_get(titles, t->name);
    if (prev) {
        diagnostic *g = error_at(ck, D_DUPLICATE, keyword_span(ck, t),
                                 "there is already a test named \"%s\"", t->name);
        diag_note(g, keyword_span(ck, prev), "first defined here");
    } else if (!symtab_put(titles, t->name, t)) {
        ck->out_of_memory = true;
    }
}

static void declare_file(checker *ck, node *prog, symtab *titles)
{
    bool root = prog->flags & PROGRAM_ROOT;
    for (size_t i = 0; i < prog->items.n; i++) {
        node *d = prog->items.v[i];
        if (d->kind == N_COMMIT)
            number_decl(ck, d, NULL);
        else if (d->kind == N_TEST && root)
            declare_test(ck, d, titles);
        else if (decl_class_of(d) >= 0)
            declare_global(ck, d);
    }
}

static bool allowed_in_scenario(node_kind k)
{
    return k == N_DROP || decl_kind_in_scenario(k);
}

static void not_in_scenario(checker *ck, const node *d)
{
    const char *hint = "";
    switch (d->kind) {
    case N_IMPORT: hint = "; imports belong at the top level of a file"; break;
    case N_IMPORTER: hint = "; the importer is declared once, at the top level"; break;
    case N_COUNTRY:
    case N_ATTRIBUTE: hint = "; declare it at the top level"; break;
    case N_SCENARIO: hint = "; scenarios do not nest"; break;
    case N_TEST: hint = "; write tests at the top level, with 'under SCENARIO { ... }'"; break;
    default: break;
    }
    span at = keyword_span(ck, d);
    char word[32];
    error_at(ck, D_BAD_CLAUSE, at, "'%s' is not allowed in a scenario%s",
             snippet(ck, at, word, sizeof word), hint);
}

static bool scenario_put(checker *ck, node *scenario, node *d)
{
    char *key = arena_printf(ck->p->arena, "%s.%s", scenario->name, d->name);
    if (!key || !symtab_put(&ck->p->scenario_names, key, d)) {
        ck->out_of_memory = true;
        return false;
    }
    return true;
}

/* A scenario's own declarations, after every global name is known. */
static void declare_scenario_items(checker *ck, node *s)
{
    if (!s->name || symtab_get(&ck->p->globals, s->name) != s)
        return; /* a second scenario of that name: reported already */
    for (size_t i = 0; i < s->items.n; i++) {
        node *d = s->items.v[i];
        if (!allowed_in_scenario(d->kind)) {
            not_in_scenario(ck, d);
            continue;
        }
        if (d->kind == N_DROP)
            continue;
        number_decl(ck, d, s);
        set_decl_type(d);
        if (!d->name || reserved_name(ck, d))
            continue;
        node *prev = check_scenario_lookup(ck->p, s, d->name);
        if (!prev)
            prev = symtab_get(&ck->p->globals, d->name);
        if (prev)
            report_duplicate(ck, d, prev, true);
        else
            scenario_put(ck, s, d);
    }
}

/* ---- The entry point -------------------------------------------------------- */

static bool checker_init(checker *ck)
{
    const mem *m = ck->p->arena->mem;
    for (int dc = 0; dc < DC_COUNT; dc++) {
        size_t n = decl_class_list(&ck->p->decls, dc)->n;
        ck->info[dc] = mem_calloc(m, n ? n : 1, sizeof *ck->info[dc]);
        ck->ninfo[dc] = n;
        if (!ck->info[dc])
            return false;
    }
    ck->ngroup_sets = ck->p->decls.groups.n + ck->p->decls.lets.n; /* groups, then lets */
    ck->group_sets = mem_calloc(m, ck->ngroup_sets ? ck->ngroup_sets : 1, sizeof *ck->group_sets);
    ck->group_set_state = mem_calloc(m, ck->ngroup_sets ? ck->ngroup_sets : 1, 1);
    return ck->group_sets && ck->group_set_state;
}

static void checker_free(checker *ck)
{
    const mem *m = ck->p->arena->mem;
    for (int dc = 0; dc < DC_COUNT; dc++)
        mem_free(m, ck->info[dc]);
    arena_free(&ck->group_mem);
    arena_free(&ck->scratch);
    mem_free(m, ck->group_sets);
    mem_free(m, ck->group_set_state);
    mem_free(m, ck->locals);
}

static bool is_new_file(const node *prog)
{
    return !(prog->flags & (PROGRAM_CHECKED | PROGRAM_FAILED));
}

static bool is_new_root(const node *prog)
{
    return is_new_file(prog) && (prog->flags & PROGRAM_ROOT);
}

/* Step 1: every name.  Libraries first, so that a root file's clash with
 * a library is reported in the root, where the user can change it; the
 * scenarios' own names once every global one is known. */
static void declare_all(checker *ck)
{
    const node_list *files = &ck->p->files;
    symtab titles;
    symtab_init(&titles, ck->p->arena->mem);
    for (size_t i = 0; i < files->n; i++)
        if (is_new_file(files->v[i]) && !is_new_root(files->v[i]))
            declare_file(ck, files->v[i], &titles);
    for (size_t i = 0; i < files->n; i++)
        if (is_new_root(files->v[i]))
            declare_file(ck, files->v[i], &titles);
    symtab_free(&titles);
    for (size_t i = 0; i < files->n; i++) {
        node *prog = files->v[i];
        for (size_t k = 0; is_new_file(prog) && k < prog->items.n; k++)
            if (prog->items.v[k]->kind == N_SCENARIO)
                declare_scenario_items(ck, prog->items.v[k]);
    }
}

/* Steps 2 and 3: every declaration, test and statement, then what needs
 * the whole policy. */
static void check_all(checker *ck, size_t first_measure, size_t first_modifier,
                      size_t errors_before)
{
    const node_list *files = &ck->p->files;
    for (size_t i = 0; i < files->n; i++)
        if (is_new_root(files->v[i]))
            count_root_refs(ck, files->v[i], 0);
    for (size_t i = 0; i < files->n; i++)
        if (is_new_file(files->v[i]))
            check_file(ck, files->v[i]);
    check_replaces_cycles(ck, first_measure);
    for (size_t i = 0; i < files->n; i++)
        if (is_new_file(files->v[i]))
            check_rule_reach(ck, files->v[i]);
    for (size_t i = 0; i < files->n; i++)
        if (is_new_root(files->v[i]))
            warn_unused(ck, files->v[i]);
    if (ck->diags->errors == errors_before)
        check_policy_meaning(ck, first_measure, first_modifier);
}

bool program_check(program *p, diag_list *diags)
{
    size_t errors_before = diags->errors;
    checker ck;
    memset(&ck, 0, sizeof ck);
    arena_init(&ck.group_mem, p->arena->mem);
    arena_init(&ck.scratch, p->arena->mem);
    ck.p = p;
    ck.diags = diags;
    ck.quiet_unknown = p->incomplete;
    size_t first_measure = p->decls.measures.n, first_modifier = p->decls.modifiers.n;
    declare_all(&ck);
    if (checker_init(&ck))
        check_all(&ck, first_measure, first_modifier, errors_before);
    else
        ck.out_of_memory = true;
    /* Checked once: a later call (the REPL's next input) sees only what
       was loaded since. */
    for (size_t i = 0; i < p->files.n; i++)
        p->files.v[i]->flags |= PROGRAM_CHECKED;
    if (ck.out_of_memory)
        diag_add(diags, SEV_ERROR, D_FILE, span_none, "out of memory while checking");
    checker_free(&ck);
    return diags->errors == errors_before;
}

const node *check_through_lets(const node *e)
{
    for (int i = 0; e && i < FOLD_DEPTH; i++) {
        if (e->kind != N_NAME || e->sym != SYM_DECL || !e->ref || e->ref->kind != N_LET)
            break;
        e = e->ref->a;
    }
    return e;
}
