/* check.c - name resolution, types and static checks.
 *
 * program_check works in three passes over the files loaded since the last
 * call.  First every declaration is numbered and its name entered (so that
 * names may be used before they are declared).  Then every declaration,
 * test and statement is checked: names resolved, types inferred, clauses
 * checked against the rules of their declaration.  Lets, groups, product
 * sets and attribute defaults are checked on first use, which both orders
 * them and finds definitions in terms of themselves.  Last come the checks
 * that need the whole policy: `replaces` cycles, unused definitions and,
 * on a policy without errors, measures that are always replaced (W103) and
 * modifiers that can conflict (W104).
 *
 * Nothing is evaluated, except that the dates of windows are folded (they
 * must be constant), the members of groups are computed to find groups
 * that overlap in a `rate by origin` table, and W103 and W104 fold scopes
 * and constant percentages.
 */
#include "check.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "rate.h"
#include "sets.h"

/* ---- Fixed names ---------------------------------------------------------- */

static const struct field_def {
    const char *name;
    type ty;
} builtin_fields[F_BUILTIN_COUNT] = {
    [F_ORIGIN] = { "origin", T_COUNTRY },   [F_VIA] = { "via", T_COUNTRY },
    [F_PRODUCT] = { "product", T_PRODUCT }, [F_VALUE] = { "value", T_MONEY },
    [F_QUANTITY] = { "quantity", T_NUMBER }, [F_UNIT] = { "unit", T_UNIT },
    [F_LOADED] = { "loaded", T_DATE },      [F_ENTERED] = { "entered", T_DATE },
};

static const struct builtin_def {
    const char *name;
    int min_args, max_args;
    const char *usage;
} builtins[B_BUILTIN_COUNT] = {
    [B_HAS] = { "has", 1, 1, "has(field)" },
    [B_RATE] = { "rate", 1, 1, "rate(shipment)" },
    [B_DUTY] = { "duty", 1, 1, "duty(shipment)" },
    [B_EFFECTIVE_RATE] = { "effective_rate", 1, 1, "effective_rate(shipment)" },
    [B_EXPLAIN] = { "explain", 1, 1, "explain(shipment)" },
    [B_APPLIES] = { "applies", 2, 2, "applies(measure, shipment)" },
    [B_COMMITS] = { "commits", 2, 3, "commits(country, commitment[, date])" },
    [B_MAX] = { "max", 2, INT_MAX, "max(a, b, ...)" },
    [B_MIN] = { "min", 2, INT_MAX, "min(a, b, ...)" },
    [B_TIMELINE] = { "timeline", 3, 3, "timeline(shipment, from, until)" },
};

/* The types an attribute may have, by the name written after the colon. */
static const struct attribute_type {
    const char *name;
    type ty;
} attribute_types[] = {
    { "bool", T_BOOL }, { "number", T_NUMBER }, { "text", T_TEXT },
    { "country", T_COUNTRY }, { "date", T_DATE }, { "money", T_MONEY },
    { "rate", T_RATE }, { "product", T_PRODUCT },
};
#define N_ATTRIBUTE_TYPES (sizeof attribute_types / sizeof attribute_types[0])

/* Where shipment fields may be used, for the messages that say so. */
#define SHIPMENT_PLACES                                                        \
    "'when', 'rate' and 'base' clauses, the rates of pauses and concessions, " \
    "attribute defaults and lets outside tests"

static int builtin_lookup(const char *name) {
    for (int i = 0; i < B_BUILTIN_COUNT; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return i;
    return -1;
}

static int builtin_field_lookup(const char *name) {
    for (int i = 0; i < F_BUILTIN_COUNT; i++)
        if (strcmp(builtin_fields[i].name, name) == 0)
            return i;
    return -1;
}

const char *builtin_name(builtin_id b) {
    return b >= 0 && b < B_BUILTIN_COUNT ? builtins[b].name : "?";
}

/* ---- Declaration classes ---------------------------------------------------- */

/* The kinds of named declaration, each numbered in its decl_table list. */
typedef enum decl_class {
    DC_COUNTRY, DC_GROUP, DC_PRODUCTS, DC_LET, DC_ATTRIBUTE, DC_SCHEDULE,
    DC_MEASURE, DC_MODIFIER, DC_COMMITMENT, DC_SCENARIO, DC_COUNT
} decl_class;

/* Candidates for suggestions: declaration classes as bits, and these. */
#define CAND_DECLS ((1u << DC_COUNT) - 1)
#define CAND_FIELDS (1u << DC_COUNT)
#define CAND_BUILTINS (1u << (DC_COUNT + 1))
#define CAND_UNITS (1u << (DC_COUNT + 2))
#define CAND_BIT(dc) (1u << (dc))

static int decl_class_of(const node *d) {
    switch (d->kind) {
    case N_COUNTRY: return DC_COUNTRY;
    case N_GROUP: return DC_GROUP;
    case N_PRODUCTS: return DC_PRODUCTS;
    case N_LET: return (d->flags & LET_LOCAL) ? -1 : DC_LET;
    case N_ATTRIBUTE: return DC_ATTRIBUTE;
    case N_SCHEDULE: return DC_SCHEDULE;
    case N_MEASURE: return DC_MEASURE;
    case N_PAUSE: case N_CONCESSION: return DC_MODIFIER;
    case N_COMMITMENT: return DC_COMMITMENT;
    case N_SCENARIO: return DC_SCENARIO;
    default: return -1;
    }
}

static node_list *decl_list(decl_table *t, int dc) {
    switch (dc) {
    case DC_COUNTRY: return &t->countries;
    case DC_GROUP: return &t->groups;
    case DC_PRODUCTS: return &t->products;
    case DC_LET: return &t->lets;
    case DC_ATTRIBUTE: return &t->attributes;
    case DC_SCHEDULE: return &t->schedules;
    case DC_MEASURE: return &t->measures;
    case DC_MODIFIER: return &t->modifiers;
    case DC_COMMITMENT: return &t->commitments;
    default: return &t->scenarios;
    }
}

/* "a group", "an attribute": what a declaration is, for messages. */
static const char *decl_phrase(const node *d) {
    switch (d->kind) {
    case N_COUNTRY: return "a country";
    case N_GROUP: return "a group";
    case N_PRODUCTS: return "a product set";
    case N_LET: return "a let";
    case N_ATTRIBUTE: return "an attribute";
    case N_SCHEDULE: return "a schedule";
    case N_MEASURE: return "a measure";
    case N_PAUSE: return "a pause";
    case N_CONCESSION: return "a concession";
    case N_COMMITMENT: return "a commitment";
    case N_SCENARIO: return "a scenario";
    default: return "a declaration";
    }
}

static const char *type_phrase(type t) {
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

typedef struct decl_info {
    int uses;      /* references resolved to the declaration */
    int root_refs; /* names in root files spelling it: ranks suggestions */
} decl_info;

typedef struct checker {
    program *p;
    diag_list *diags;
    decl_info *info[DC_COUNT];
    size_t ninfo[DC_COUNT];
    node **locals; /* the lets of the test or `under` block being checked */
    size_t nlocals, cap_locals;
    bool quiet_unknown; /* a file did not parse: its names would be missing */
    bool out_of_memory;
    /* The countries of each group, computed on demand (for by-origin tables
       and modifiers' scopes): country_words 64-bit words a set. */
    size_t country_words;
    uint64_t **group_sets;
    unsigned char *group_set_state; /* 0 not yet, 1 busy, 2 done, 3 not constant */
    size_t ngroup_sets;
    int depth;            /* of check_expr calls, lazy checks included */
    bool too_deep;        /* reported: stop descending */
} checker;

/* Where an expression is: whose names are visible, and whether the
 * shipment's fields are. */
typedef struct ctx {
    node *scenario;    /* its own declarations are visible; NULL for none */
    size_t local_base; /* the visible lets are locals[local_base..nlocals) */
    bool shipment;     /* shipment fields may be used */
} ctx;

static decl_info *info_of(checker *ck, const node *d) {
    int dc = decl_class_of(d);
    if (dc < 0 || d->index < 0 || (size_t)d->index >= ck->ninfo[dc])
        return NULL;
    return &ck->info[dc][d->index];
}

static void note_use(checker *ck, const node *d) {
    decl_info *in = info_of(ck, d);
    if (in)
        in->uses++;
}

static void push_list(checker *ck, node_list *list, node *n) {
    if (!ast_push(ck->p->arena, list, n))
        ck->out_of_memory = true;
}

static const source_text *source_of(const checker *ck, span at) {
    return source_set_get(ck->p->sources, at.file);
}

static bool is_ident_char(char c) {
    return isalnum((unsigned char)c) || c == '_';
}

/* The span of the first word of n (a keyword such as `base`, `import`). */
static span keyword_span(const checker *ck, const node *n) {
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
static span name_span(const checker *ck, const node *d) {
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
static const char *snippet(const checker *ck, span at, char *buf, size_t n) {
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
static span tail_span(span s, size_t len) {
    if (s.first_line == s.last_line && (size_t)s.last_column >= len &&
        s.last_column - (int)len + 1 >= s.first_column) {
        s.first_column = s.last_column - (int)len + 1;
    }
    return s;
}

static diagnostic *error_at(checker *ck, const char *code, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static diagnostic *error_at(checker *ck, const char *code, span at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diagnostic *d = diag_vadd(ck->diags, SEV_ERROR, code, at, fmt, ap);
    va_end(ap);
    return d;
}

/* ---- Suggestions -------------------------------------------------------- */

/* Optimal-string-alignment distance (Levenshtein plus transpositions),
 * or limit + 1 when it is over limit. */
static int edit_distance(const char *a, const char *b, int limit) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return limit + 1;
    if ((n > m ? n - m : m - n) > (size_t)limit)
        return limit + 1;
    int d[64][64];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m] > limit ? limit + 1 : d[n][m];
}

static bool equal_ignoring_case(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* The best candidate so far.  Lower is better on each key in turn: the
 * distance (a case-only difference counts as 0), whether the candidate is
 * of a kind the context prefers, how often root files use it (CX is more
 * likely a slip for the CN the policy names than for CA), the name. */
typedef struct suggestion {
    const char *target;
    int limit;
    const char *best;
    int dist, mismatch, refs;
} suggestion;

static void suggestion_init(suggestion *s, const char *target) {
    s->target = target;
    size_t n = strlen(target);
    s->limit = n <= 3 ? 1 : 2;
    s->best = NULL;
    s->dist = s->mismatch = s->refs = 0;
}

static void consider(suggestion *s, const char *cand, bool preferred, int refs) {
    if (!cand || strcmp(cand, s->target) == 0)
        return;
    int dist = equal_ignoring_case(cand, s->target) ? 0 : edit_distance(s->target, cand, s->limit);
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
                          unsigned accept, unsigned prefer) {
    int dc = decl_class_of(d);
    unsigned bit = dc >= 0 ? CAND_BIT(dc) : CAND_BIT(DC_LET);
    if (!(accept & bit))
        return;
    decl_info *in = ck ? info_of(ck, d) : NULL;
    consider(s, name, (prefer & bit) != 0, in ? in->root_refs : 0);
}

static void consider_globals(checker *ck, const program *p, suggestion *s, unsigned accept,
                             unsigned prefer) {
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
static const char *suggest_in(checker *ck, const ctx *cx, const char *name, unsigned accept,
                              unsigned prefer) {
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

const char *check_suggest(const program *p, const char *name) {
    if (!p || !name)
        return NULL;
    suggestion s;
    suggestion_init(&s, name);
    consider_globals(NULL, p, &s, CAND_DECLS | CAND_FIELDS | CAND_BUILTINS, CAND_DECLS);
    return s.best;
}

/* Adds "did you mean 'X'?" at the error's own span. */
static void add_suggestion(diagnostic *d, const char *best) {
    if (d && best)
        diag_note(d, d->at, "did you mean '%s'?", best);
}

/* As add_suggestion, for a declared name visible from cx: the user meant
 * it, so it does not count as unused either. */
static node *lookup_decl(const checker *ck, const ctx *cx, const char *name);

static void suggest_decl(checker *ck, const ctx *cx, diagnostic *d, const char *best) {
    add_suggestion(d, best);
    const node *meant = best ? (cx ? lookup_decl(ck, cx, best) : symtab_get(&ck->p->globals, best))
                             : NULL;
    if (meant)
        note_use(ck, meant);
}

/* ---- Scopes ------------------------------------------------------------------ */

node *check_scenario_lookup(const program *p, const node *scenario, const char *name) {
    if (!p || !scenario || !scenario->name || !name)
        return NULL;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s.%s", scenario->name, name);
    if (n < 0)
        return NULL;
    if ((size_t)n < sizeof buf)
        return symtab_get(&p->scenario_names, buf);
    char *key = malloc((size_t)n + 1);
    if (!key)
        return NULL;
    snprintf(key, (size_t)n + 1, "%s.%s", scenario->name, name);
    node *d = symtab_get(&p->scenario_names, key);
    free(key);
    return d;
}

/* The declaration `name` means at cx: a let of the test, a declaration of
 * the scenario, or a global one. */
static node *lookup_decl(const checker *ck, const ctx *cx, const char *name) {
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

static int field_lookup(const program *p, const char *name, node **attribute) {
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

int check_field_lookup(const program *p, const char *name) {
    return p && name ? field_lookup(p, name, NULL) : -1;
}

const char *field_name(const program *p, int f) {
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return builtin_fields[f].name;
    if (p && f >= F_BUILTIN_COUNT && (size_t)(f - F_BUILTIN_COUNT) < p->decls.attributes.n)
        return p->decls.attributes.v[f - F_BUILTIN_COUNT]->name;
    return "?";
}

type check_field_type(const program *p, int f) {
    if (f >= 0 && f < F_BUILTIN_COUNT)
        return builtin_fields[f].ty;
    if (p && f >= F_BUILTIN_COUNT && (size_t)(f - F_BUILTIN_COUNT) < p->decls.attributes.n)
        return p->decls.attributes.v[f - F_BUILTIN_COUNT]->ty;
    return T_UNKNOWN;
}

/* ---- Declaring names ----------------------------------------------------- */

static bool reserved_name(checker *ck, node *d) {
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

static void report_duplicate(checker *ck, node *d, const node *prev, bool in_scenario) {
    diagnostic *g = error_at(ck, D_DUPLICATE, name_span(ck, d), "'%s' is already defined as %s",
                             d->name, decl_phrase(prev));
    diag_note(g, name_span(ck, prev), "first defined here");
    if (in_scenario && prev->ref == NULL)
        diag_note(g, name_span(ck, d),
                  "a scenario's declarations need names of their own; to replace '%s', "
                  "drop it and declare the new one under another name", d->name);
}

/* Numbers d in its list; a scenario's own declarations point at it. */
static void number_decl(checker *ck, node *d, node *scenario) {
    int dc = decl_class_of(d);
    node_list *list = d->kind == N_COMMIT ? &ck->p->decls.commits
                      : dc >= 0          ? decl_list(&ck->p->decls, dc)
                                         : NULL;
    if (!list)
        return;
    d->index = (int)list->n;
    d->ref = scenario;
    push_list(ck, list, d);
}

static void resolve_attribute_type(checker *ck, node *d) {
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
                             "date, money, rate or product", tn->name);
    suggestion s;
    suggestion_init(&s, tn->name);
    for (size_t i = 0; i < N_ATTRIBUTE_TYPES; i++)
        consider(&s, attribute_types[i].name, true, 0);
    add_suggestion(g, s.best);
}

/* The type a declaration has as soon as it is declared. */
static void set_decl_type(node *d) {
    switch (d->kind) {
    case N_COUNTRY: d->ty = T_COUNTRY; break;
    case N_GROUP: d->ty = T_COUNTRY_SET; break;
    case N_PRODUCTS: d->ty = T_PRODUCT_SET; break;
    case N_SCHEDULE: d->ty = T_SCHEDULE; break;
    case N_MEASURE: d->ty = T_MEASURE; break;
    case N_PAUSE: case N_CONCESSION: d->ty = T_MODIFIER; break;
    case N_COMMITMENT: d->ty = T_COMMITMENT; break;
    case N_SCENARIO: d->ty = T_SCENARIO; break;
    default: break;
    }
}

static void declare_global(checker *ck, node *d) {
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
static void declare_test(checker *ck, node *t, symtab *titles) {
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

static void declare_file(checker *ck, node *prog, symtab *titles) {
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

static bool allowed_in_scenario(node_kind k) {
    switch (k) {
    case N_GROUP: case N_PRODUCTS: case N_LET: case N_SCHEDULE: case N_MEASURE:
    case N_PAUSE: case N_CONCESSION: case N_COMMITMENT: case N_COMMIT: case N_DROP:
        return true;
    default:
        return false;
    }
}

static void not_in_scenario(checker *ck, const node *d) {
    const char *hint = "";
    switch (d->kind) {
    case N_IMPORT: hint = "; imports belong at the top level of a file"; break;
    case N_IMPORTER: hint = "; the importer is declared once, at the top level"; break;
    case N_COUNTRY: case N_ATTRIBUTE: hint = "; declare it at the top level"; break;
    case N_SCENARIO: hint = "; scenarios do not nest"; break;
    case N_TEST: hint = "; write tests at the top level, with 'under SCENARIO { ... }'"; break;
    default: break;
    }
    span at = keyword_span(ck, d);
    char word[32];
    error_at(ck, D_BAD_CLAUSE, at, "'%s' is not allowed in a scenario%s",
             snippet(ck, at, word, sizeof word), hint);
}

static bool scenario_put(checker *ck, node *scenario, node *d) {
    char *key = arena_printf(ck->p->arena, "%s.%s", scenario->name, d->name);
    if (!key || !symtab_put(&ck->p->scenario_names, key, d)) {
        ck->out_of_memory = true;
        return false;
    }
    return true;
}

/* A scenario's own declarations, after every global name is known. */
static void declare_scenario_items(checker *ck, node *s) {
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

/* ---- Expressions ------------------------------------------------------------ */

static type check_expr(checker *ck, const ctx *cx, node *e, type want);
static bool ensure_checked(checker *ck, node *d);

static type set_kind(type t) {
    switch (t) {
    case T_COUNTRY: case T_COUNTRY_SET: return T_COUNTRY_SET;
    case T_PRODUCT: case T_PRODUCT_SET: return T_PRODUCT_SET;
    case T_EMPTY_SET: return T_EMPTY_SET;
    default: return T_UNKNOWN;
    }
}

/* The kind of set a context asks for, to give `all` and names their
 * meaning; T_UNKNOWN when it asks for none. */
static type set_hint(type want) {
    type k = set_kind(want);
    return k == T_EMPTY_SET ? T_UNKNOWN : k;
}

/* A note for a number written where a rate or money was meant. */
static void literal_hint(checker *ck, diagnostic *d, const node *e, type want) {
    if (!d || !e || e->kind != N_NUMBER)
        return;
    char text[48];
    snippet(ck, e->at, text, sizeof text);
    if (want == T_RATE)
        diag_note(d, e->at, "a rate is written with '%%', as in %s%%", text);
    else if (want == T_MONEY)
        diag_note(d, e->at, "an amount of money is written with '$', as in $%s", text);
}

/* require: e (of type t) must have type want; fmt has one %s for what it
 * has.  Unknown types were reported where they arose. */
static void require(checker *ck, const node *e, type t, type want, const char *fmt) {
    if (t == T_UNKNOWN || t == want)
        return;
    diagnostic *d = diag_add(ck->diags, SEV_ERROR, D_TYPE_MISMATCH, e->at, fmt, type_phrase(t));
    literal_hint(ck, d, e, want);
}

static void require_set(checker *ck, const node *e, type t, type kind, const char *fmt) {
    type k = set_kind(t);
    if (t == T_UNKNOWN || k == kind || k == T_EMPTY_SET)
        return;
    diag_add(ck->diags, SEV_ERROR, D_TYPE_MISMATCH, e->at, fmt, type_phrase(t));
}

static void field_outside(checker *ck, const node *e, const char *what) {
    error_at(ck, D_FIELD_OUTSIDE, e->at, "%s; it can only be used in " SHIPMENT_PLACES, what);
}

static void cycle_error(checker *ck, const node *e, const node *d) {
    diagnostic *g = error_at(ck, D_CYCLE, e->at, "'%s' is defined in terms of itself", d->name);
    diag_note(g, name_span(ck, d), "'%s' is declared here", d->name);
}

static bool looks_like_country_code(const char *name) {
    size_t n = strlen(name);
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)name[i]))
            return false;
    return true;
}

static void unknown_name(checker *ck, const ctx *cx, const node *e, type want) {
    if (ck->quiet_unknown)
        return;
    bool country = want == T_COUNTRY || want == T_COUNTRY_SET;
    bool product = want == T_PRODUCT || want == T_PRODUCT_SET;
    unsigned prefer = country   ? CAND_BIT(DC_COUNTRY) | CAND_BIT(DC_GROUP)
                      : product ? CAND_BIT(DC_PRODUCTS)
                                : CAND_DECLS | CAND_FIELDS;
    unsigned accept = CAND_DECLS | (cx->shipment ? CAND_FIELDS : 0);
    const char *best = suggest_in(ck, cx, e->name, accept, prefer);
    const node *like = best ? lookup_decl(ck, cx, best) : NULL;
    const char *what = "name";
    if (country)
        what = looks_like_country_code(e->name) || (like && like->kind == N_COUNTRY)
                   ? "country"
                   : "country or group";
    else if (product)
        what = "product set";
    diagnostic *d = error_at(ck, D_UNKNOWN_NAME, e->at, "unknown %s '%s'", what, e->name);
    suggest_decl(ck, cx, d, best);
}

/* A name that denotes a declaration, used as a value. */
static type check_decl_ref(checker *ck, const ctx *cx, node *e, node *d) {
    e->sym = SYM_DECL;
    e->ref = d;
    note_use(ck, d);
    switch (d->kind) {
    case N_COUNTRY:
        return T_COUNTRY;
    case N_GROUP:
    case N_PRODUCTS:
        if (!ensure_checked(ck, d))
            cycle_error(ck, e, d);
        return d->kind == N_GROUP ? T_COUNTRY_SET : T_PRODUCT_SET;
    case N_LET:
        if (!ensure_checked(ck, d)) {
            cycle_error(ck, e, d);
            return T_UNKNOWN;
        }
        e->uses_shipment = d->uses_shipment;
        if (d->uses_shipment && !cx->shipment) {
            char what[128];
            snprintf(what, sizeof what,
                     "'%s' depends on the shipment's fields (it is a derived field)", d->name);
            field_outside(ck, e, what);
        }
        return d->ty;
    case N_ATTRIBUTE: {
        e->sym = SYM_FIELD;
        e->index = F_BUILTIN_COUNT + d->index;
        e->uses_shipment = true;
        if (!ensure_checked(ck, d))
            cycle_error(ck, e, d);
        if (!cx->shipment) {
            char what[128];
            snprintf(what, sizeof what, "'%s' is a shipment field (an attribute)", d->name);
            field_outside(ck, e, what);
        }
        return d->ty;
    }
    case N_SCHEDULE:
        e->uses_shipment = true;
        if (!cx->shipment) {
            char what[160];
            snprintf(what, sizeof what,
                     "'%s' is a schedule: its name stands for the shipment's rate in it", d->name);
            field_outside(ck, e, what);
        }
        return T_RATE;
    default:
        error_at(ck, D_WRONG_KIND, e->at, "'%s' is %s, not a value", d->name, decl_phrase(d));
        return T_UNKNOWN;
    }
}

static type check_name(checker *ck, const ctx *cx, node *e, type want) {
    node *d = lookup_decl(ck, cx, e->name);
    if (d)
        return check_decl_ref(ck, cx, e, d);
    int f = builtin_field_lookup(e->name);
    if (f >= 0) {
        e->sym = SYM_FIELD;
        e->index = f;
        e->uses_shipment = true;
        if (!cx->shipment) {
            char what[64];
            snprintf(what, sizeof what, "'%s' is a shipment field", e->name);
            field_outside(ck, e, what);
        }
        return builtin_fields[f].ty;
    }
    int b = builtin_lookup(e->name);
    if (b >= 0) {
        e->sym = SYM_BUILTIN;
        e->index = b;
        error_at(ck, D_WRONG_KIND, e->at, "'%s' is a built-in function; call it as %s", e->name,
                 builtins[b].usage);
        return T_UNKNOWN;
    }
    unit u = unit_from_name(e->name, strlen(e->name));
    if (u != UNIT_NONE) {
        e->sym = SYM_UNIT;
        e->index = (int)u;
        if (want == T_UNIT)
            return T_UNIT;
        error_at(ck, D_WRONG_KIND, e->at,
                 "'%s' is a unit: units are written after 'per' ($0.05 per %s), as a "
                 "shipment's unit, or compared with it (unit == %s)", e->name, e->name, e->name);
        return T_UNKNOWN;
    }
    unknown_name(ck, cx, e, want);
    return T_UNKNOWN;
}

static void mixed_set(checker *ck, const node *el, type t, type kind, const node *first) {
    diagnostic *d = error_at(ck, D_MIXED_SET, el->at, "cannot put %s in a set of %s",
                             type_phrase(t), kind == T_COUNTRY_SET ? "countries" : "products");
    char text[48];
    diag_note(d, first->at, "the set's first element, '%s', is %s",
              snippet(ck, first->at, text, sizeof text), type_phrase(first->ty));
}

/* {a, b, ...}: countries and groups, or product codes and product sets,
 * nested by union; {} is the empty set of either kind. */
static type check_set(checker *ck, const ctx *cx, node *e, type want) {
    type kind = T_EMPTY_SET;
    const node *first = NULL;
    for (size_t i = 0; i < e->items.n; i++) {
        node *el = e->items.v[i];
        type hint = kind != T_EMPTY_SET ? kind : set_hint(want);
        type t = check_expr(ck, cx, el, hint);
        type k = set_kind(t);
        if (t == T_UNKNOWN || k == T_EMPTY_SET)
            continue;
        if (k == T_UNKNOWN) {
            error_at(ck, D_TYPE_MISMATCH, el->at,
                     "a set holds countries, groups, product codes and product sets, not %s",
                     type_phrase(t));
        } else if (kind == T_EMPTY_SET) {
            kind = k;
            first = el;
        } else if (k != kind) {
            mixed_set(ck, el, t, kind, first);
        }
    }
    return kind;
}

/* How units are often written elsewhere (the USITC's "liter", "pr."),
 * for the suggestion when Levy's short name is not used. */
static const char *unit_alias(const char *name) {
    static const struct { const char *alias, *unit; } aliases[] = {
        { "liter", "l" }, { "liters", "l" }, { "litre", "l" }, { "litres", "l" },
        { "lt", "l" }, { "kgs", "kg" }, { "kilo", "kg" }, { "kilos", "kg" },
        { "kilogram", "kg" }, { "kilograms", "kg" }, { "pairs", "pair" }, { "pr", "pair" },
        { "dozen", "doz" }, { "dz", "doz" }, { "ton", "t" }, { "tons", "t" },
        { "tonne", "t" }, { "tonnes", "t" }, { "barrel", "bbl" }, { "barrels", "bbl" },
        { "each", "item" }, { "items", "item" }, { "no", "item" }, { "piece", "item" },
        { "pieces", "item" }, { "pcs", "item" }, { "sqm", "m2" }, { "cbm", "m3" },
        { "pfl", "pf_l" }, { "proof_liter", "pf_l" }, { "proof_litre", "pf_l" },
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (equal_ignoring_case(aliases[i].alias, name))
            return aliases[i].unit;
    return NULL;
}

/* `$0.05 per kg`: money per unit of quantity. */
static type check_specific(checker *ck, const ctx *cx, node *e) {
    type t = check_expr(ck, cx, e->a, T_MONEY);
    require(ck, e->a, t, T_MONEY,
            "a specific rate is money per unit: expected money before 'per', found %s");
    unit u = e->name ? unit_from_name(e->name, strlen(e->name)) : UNIT_NONE;
    if (u != UNIT_NONE) {
        e->index = (int)u;
        return T_RATE;
    }
    const char *name = e->name ? e->name : "";
    diagnostic *d = error_at(ck, D_BAD_UNIT, tail_span(e->at, strlen(name)), "unknown unit '%s'",
                             name);
    suggestion s;
    suggestion_init(&s, name);
    for (int k = UNIT_NONE + 1; k < UNIT_COUNT; k++)
        consider(&s, unit_name((unit)k), true, 0);
    const char *alias = unit_alias(name);
    if (alias || s.best)
        add_suggestion(d, alias ? alias : s.best);
    else if (d)
        diag_note(d, d->at, "the units are kg, l, item, pair, doz, m2, m3, t, bbl, gross, "
                            "thousand and pf_l");
    return T_RATE;
}

static type check_logic(checker *ck, const ctx *cx, node *e) {
    const char *word = op_name((op)e->flags);
    node *sides[2] = { e->a, e->b };
    for (int i = 0; i < 2; i++) {
        type t = check_expr(ck, cx, sides[i], T_BOOL);
        if (t != T_UNKNOWN && t != T_BOOL)
            error_at(ck, D_TYPE_MISMATCH, sides[i]->at, "'%s' needs a bool on each side, found %s",
                     word, type_phrase(t));
    }
    return T_BOOL;
}

static type check_except(checker *ck, const ctx *cx, node *e, type want) {
    type hint = set_hint(want), ta, tb;
    /* `all except X` means all of X's kind: look at X first. */
    if (e->a->kind == N_ALL && e->b->kind != N_ALL) {
        tb = check_expr(ck, cx, e->b, hint);
        ta = check_expr(ck, cx, e->a, set_hint(tb) != T_UNKNOWN ? set_hint(tb) : hint);
    } else {
        ta = check_expr(ck, cx, e->a, hint);
        tb = check_expr(ck, cx, e->b, set_hint(ta) != T_UNKNOWN ? set_hint(ta) : hint);
    }
    type ka = set_kind(ta), kb = set_kind(tb);
    if (ta != T_UNKNOWN && ka == T_UNKNOWN) {
        error_at(ck, D_TYPE_MISMATCH, e->a->at, "'except' takes sets, found %s", type_phrase(ta));
        return T_UNKNOWN;
    }
    if (tb != T_UNKNOWN && kb == T_UNKNOWN) {
        error_at(ck, D_TYPE_MISMATCH, e->b->at, "'except' takes sets, found %s", type_phrase(tb));
        return T_UNKNOWN;
    }
    if (ta == T_UNKNOWN || tb == T_UNKNOWN)
        return ta == T_UNKNOWN ? (kb == T_EMPTY_SET ? T_UNKNOWN : kb) : ka;
    if (ka == T_EMPTY_SET)
        return kb;
    if (kb == T_EMPTY_SET || ka == kb)
        return ka;
    error_at(ck, D_MIXED_SET, e->at, "cannot take %s from %s: 'except' needs sets of one kind",
             type_phrase(tb), type_phrase(ta));
    return T_UNKNOWN;
}

static type check_in(checker *ck, const ctx *cx, node *e) {
    type ta = check_expr(ck, cx, e->a, T_UNKNOWN);
    type hint = ta == T_COUNTRY ? T_COUNTRY_SET : ta == T_PRODUCT ? T_PRODUCT_SET : T_UNKNOWN;
    type tb = check_expr(ck, cx, e->b, hint);
    if (ta != T_UNKNOWN && ta != T_COUNTRY && ta != T_PRODUCT) {
        error_at(ck, D_TYPE_MISMATCH, e->a->at,
                 "'in' tests whether a country or a product is in a set, found %s",
                 type_phrase(ta));
        return T_BOOL;
    }
    type kb = set_kind(tb);
    if (tb == T_UNKNOWN)
        return T_BOOL;
    if (kb == T_UNKNOWN)
        error_at(ck, D_TYPE_MISMATCH, e->b->at, "'in' needs a set on its right, found %s",
                 type_phrase(tb));
    else if (ta != T_UNKNOWN && kb != T_EMPTY_SET && kb != set_kind(ta))
        error_at(ck, D_TYPE_MISMATCH, e->at, "cannot look for %s in %s", type_phrase(ta),
                 type_phrase(tb));
    return T_BOOL;
}

static bool is_equatable(type t) {
    switch (t) {
    case T_BOOL: case T_NUMBER: case T_RATE: case T_MONEY: case T_DATE: case T_DURATION:
    case T_TEXT: case T_COUNTRY: case T_PRODUCT: case T_UNIT:
        return true;
    default:
        return false;
    }
}

static bool is_ordered(type t) {
    return t == T_NUMBER || t == T_RATE || t == T_MONEY || t == T_DATE || t == T_DURATION;
}

/* A bare unit name not declared as anything else (`kg` in `unit == kg`). */
static bool is_unit_word(const checker *ck, const ctx *cx, const node *e) {
    return e->kind == N_NAME && unit_from_name(e->name, strlen(e->name)) != UNIT_NONE &&
           !lookup_decl(ck, cx, e->name);
}

static type check_compare(checker *ck, const ctx *cx, node *e) {
    op o = (op)e->flags;
    node *first = e->a, *second = e->b;
    if ((o == OP_EQ || o == OP_NE) && is_unit_word(ck, cx, first)) {
        first = e->b;
        second = e->a;
    }
    type t1 = check_expr(ck, cx, first, T_UNKNOWN);
    type t2 = check_expr(ck, cx, second, t1 == T_UNIT ? T_UNIT : T_UNKNOWN);
    type ta = first == e->a ? t1 : t2, tb = first == e->a ? t2 : t1;
    if (ta == T_UNKNOWN || tb == T_UNKNOWN)
        return T_BOOL;
    if (ta != tb) {
        diagnostic *d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot compare %s and %s",
                                 type_phrase(ta), type_phrase(tb));
        literal_hint(ck, d, e->a, tb);
        literal_hint(ck, d, e->b, ta);
    } else if ((o == OP_EQ || o == OP_NE) ? !is_equatable(ta) : !is_ordered(ta)) {
        if (o == OP_EQ || o == OP_NE)
            error_at(ck, D_TYPE_MISMATCH, e->at, "'%s' cannot compare values of type %s",
                     op_name(o), type_name(ta));
        else
            error_at(ck, D_TYPE_MISMATCH, e->at,
                     "'%s' orders numbers, rates, money, dates and durations, not %s",
                     op_name(o), type_phrase(ta));
    }
    return T_BOOL;
}

/* The type of a OP b for the arithmetic operators, T_UNKNOWN when it is
 * not defined. */
static type arith_result(op o, type a, type b) {
    switch (o) {
    case OP_ADD:
        if (a == b && (a == T_RATE || a == T_MONEY || a == T_NUMBER))
            return a;
        if ((a == T_DATE && b == T_DURATION) || (a == T_DURATION && b == T_DATE))
            return T_DATE;
        return T_UNKNOWN;
    case OP_SUB:
        if (a == b && (a == T_RATE || a == T_MONEY || a == T_NUMBER))
            return a;
        if (a == T_DATE && b == T_DURATION)
            return T_DATE;
        if (a == T_DATE && b == T_DATE)
            return T_DURATION;
        return T_UNKNOWN;
    case OP_MUL:
        if ((a == T_MONEY && (b == T_RATE || b == T_NUMBER)) ||
            (b == T_MONEY && (a == T_RATE || a == T_NUMBER)))
            return T_MONEY;
        if ((a == T_RATE && b == T_NUMBER) || (a == T_NUMBER && b == T_RATE))
            return T_RATE;
        if (a == T_NUMBER && b == T_NUMBER)
            return T_NUMBER;
        return T_UNKNOWN;
    case OP_DIV:
        if (a == T_MONEY && b == T_NUMBER)
            return T_MONEY;
        if (a == T_MONEY && b == T_MONEY)
            return T_RATE;
        if (a == T_RATE && b == T_NUMBER)
            return T_RATE;
        if (a == T_NUMBER && b == T_NUMBER)
            return T_NUMBER;
        return T_UNKNOWN;
    default:
        return T_UNKNOWN;
    }
}

static type check_arith(checker *ck, const ctx *cx, node *e) {
    op o = (op)e->flags;
    type ta = check_expr(ck, cx, e->a, T_UNKNOWN);
    type tb = check_expr(ck, cx, e->b, T_UNKNOWN);
    if (ta == T_UNKNOWN || tb == T_UNKNOWN)
        return T_UNKNOWN;
    type r = arith_result(o, ta, tb);
    if (r != T_UNKNOWN)
        return r;
    const char *pa = type_phrase(ta), *pb = type_phrase(tb);
    diagnostic *d = NULL;
    switch (o) {
    case OP_ADD: d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot add %s and %s", pa, pb); break;
    case OP_SUB:
        d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot subtract %s from %s", pb, pa);
        break;
    case OP_MUL:
        d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot multiply %s by %s", pa, pb);
        break;
    default: d = error_at(ck, D_TYPE_MISMATCH, e->at, "cannot divide %s by %s", pa, pb); break;
    }
    if (o == OP_ADD || o == OP_SUB) {
        literal_hint(ck, d, e->a, tb);
        literal_hint(ck, d, e->b, ta);
    }
    return T_UNKNOWN;
}

static type check_binary(checker *ck, const ctx *cx, node *e, type want) {
    switch ((op)e->flags) {
    case OP_AND: case OP_OR: return check_logic(ck, cx, e);
    case OP_EXCEPT: return check_except(ck, cx, e, want);
    case OP_IN: return check_in(ck, cx, e);
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        return check_compare(ck, cx, e);
    default: return check_arith(ck, cx, e);
    }
}

static type check_unary(checker *ck, const ctx *cx, node *e) {
    if ((op)e->flags == OP_NOT) {
        type t = check_expr(ck, cx, e->a, T_BOOL);
        require(ck, e->a, t, T_BOOL, "'not' needs a bool, found %s");
        return T_BOOL;
    }
    type t = check_expr(ck, cx, e->a, T_UNKNOWN);
    if (t == T_NUMBER || t == T_RATE || t == T_MONEY || t == T_UNKNOWN)
        return t;
    error_at(ck, D_TYPE_MISMATCH, e->at, "cannot negate %s", type_phrase(t));
    return T_UNKNOWN;
}

static type check_if(checker *ck, const ctx *cx, node *e, type want) {
    type tc = check_expr(ck, cx, e->a, T_BOOL);
    require(ck, e->a, tc, T_BOOL, "the condition of 'if' must be a bool, found %s");
    type tb = check_expr(ck, cx, e->b, want);
    type te = check_expr(ck, cx, e->c, want != T_UNKNOWN ? want : set_hint(tb));
    if (tb == T_UNKNOWN || te == T_UNKNOWN)
        return tb == T_UNKNOWN ? te : tb;
    if (tb == te)
        return tb;
    type kb = set_kind(tb), ke = set_kind(te);
    if (kb != T_UNKNOWN && ke != T_UNKNOWN && (kb == ke || kb == T_EMPTY_SET || ke == T_EMPTY_SET))
        return kb == T_EMPTY_SET ? ke : kb;
    error_at(ck, D_TYPE_MISMATCH, e->at,
             "the branches of 'if' differ: 'then' gives %s but 'else' gives %s", type_phrase(tb),
             type_phrase(te));
    return T_UNKNOWN;
}

/* ---- Names of things that are not values -------------------------------------- */

typedef enum ref_want {
    REF_MEASURE, REF_MODIFIER, REF_COMMITMENT, REF_SCENARIO, REF_COUNTRY, REF_DROP
} ref_want;

static const struct ref_def {
    const char *code;     /* for an unknown name */
    const char *unknown;  /* "unknown measure" */
    const char *needed;   /* "a measure" */
    unsigned accept;      /* suggestion candidates */
} ref_defs[] = {
    [REF_MEASURE] = { D_UNKNOWN_MEASURE, "unknown measure", "a measure", CAND_BIT(DC_MEASURE) },
    [REF_MODIFIER] = { D_UNKNOWN_MEASURE, "unknown pause or concession", "a pause or a concession",
                       CAND_BIT(DC_MODIFIER) },
    [REF_COMMITMENT] = { D_UNKNOWN_COMMITMENT, "unknown commitment", "a commitment",
                         CAND_BIT(DC_COMMITMENT) },
    [REF_SCENARIO] = { D_UNKNOWN_SCENARIO, "unknown scenario", "a scenario",
                       CAND_BIT(DC_SCENARIO) },
    [REF_COUNTRY] = { D_UNKNOWN_NAME, "unknown country", "a country", CAND_BIT(DC_COUNTRY) },
    [REF_DROP] = { D_UNKNOWN_MEASURE, "unknown measure, pause or concession",
                   "a measure, a pause or a concession",
                   CAND_BIT(DC_MEASURE) | CAND_BIT(DC_MODIFIER) },
};

static bool ref_kind_ok(ref_want want, const node *d) {
    switch (want) {
    case REF_MEASURE: return d->kind == N_MEASURE;
    case REF_MODIFIER: return d->kind == N_PAUSE || d->kind == N_CONCESSION;
    case REF_COMMITMENT: return d->kind == N_COMMITMENT;
    case REF_SCENARIO: return d->kind == N_SCENARIO;
    case REF_COUNTRY: return d->kind == N_COUNTRY;
    case REF_DROP:
        return d->kind == N_MEASURE || d->kind == N_PAUSE || d->kind == N_CONCESSION;
    }
    return false;
}

/* resolve_ref: the declaration a name in a non-value position means
 * (`suspend M`, `commits(c, C)`, `under S` ...), or NULL after an error.
 * `drop` names a declaration of the policy, never one of the scenario. */
static node *resolve_ref(checker *ck, const ctx *cx, node *name, ref_want want) {
    const struct ref_def *rd = &ref_defs[want];
    node *d = want == REF_DROP ? symtab_get(&ck->p->globals, name->name)
                               : lookup_decl(ck, cx, name->name);
    if (!d && want == REF_DROP && check_scenario_lookup(ck->p, cx->scenario, name->name)) {
        error_at(ck, D_WRONG_KIND, name->at,
                 "'%s' is declared in this scenario; 'drop' removes a declaration of the policy",
                 name->name);
        return NULL;
    }
    if (!d) {
        if (builtin_field_lookup(name->name) >= 0)
            error_at(ck, D_WRONG_KIND, name->at, "'%s' is a shipment field, not %s", name->name,
                     rd->needed);
        else if (!ck->quiet_unknown) {
            diagnostic *g = error_at(ck, rd->code, name->at, "%s '%s'", rd->unknown, name->name);
            ctx scope = *cx;
            if (want == REF_DROP)
                scope.scenario = NULL;
            suggest_decl(ck, &scope, g, suggest_in(ck, &scope, name->name, rd->accept, rd->accept));
        }
        return NULL;
    }
    if (!ref_kind_ok(want, d)) {
        error_at(ck, D_WRONG_KIND, name->at, "'%s' is %s, not %s", name->name, decl_phrase(d),
                 rd->needed);
        note_use(ck, d); /* misused, but not unused */
        return NULL;
    }
    name->sym = SYM_DECL;
    name->ref = d;
    name->ty = d->ty;
    note_use(ck, d);
    return d;
}

/* ---- Calls ---------------------------------------------------------------- */

static void check_args_loosely(checker *ck, const ctx *cx, node *e) {
    for (size_t i = 0; i < e->items.n; i++)
        check_expr(ck, cx, e->items.v[i], T_UNKNOWN);
}

static void unknown_function(checker *ck, const ctx *cx, node *e) {
    node *callee = e->a;
    node *d = lookup_decl(ck, cx, callee->name);
    if (d) {
        note_use(ck, d);
        error_at(ck, D_WRONG_KIND, callee->at, "'%s' is %s, not a function", callee->name,
                 decl_phrase(d));
    } else if (builtin_field_lookup(callee->name) >= 0) {
        error_at(ck, D_WRONG_KIND, callee->at, "'%s' is a shipment field, not a function",
                 callee->name);
    } else {
        diagnostic *g = error_at(ck, D_UNKNOWN_NAME, callee->at, "unknown function '%s'",
                                 callee->name);
        add_suggestion(g, suggest_in(ck, cx, callee->name, CAND_BUILTINS, CAND_BUILTINS));
    }
    check_args_loosely(ck, cx, e);
}

static bool check_arity(checker *ck, node *e, const struct builtin_def *bd) {
    size_t n = e->items.n;
    if ((int)n >= bd->min_args && (int)n <= bd->max_args)
        return true;
    char takes[48];
    if (bd->max_args == INT_MAX)
        snprintf(takes, sizeof takes, "at least %d arguments", bd->min_args);
    else if (bd->min_args == bd->max_args)
        snprintf(takes, sizeof takes, "%d argument%s", bd->min_args, bd->min_args == 1 ? "" : "s");
    else
        snprintf(takes, sizeof takes, "%d or %d arguments", bd->min_args, bd->max_args);
    error_at(ck, D_BAD_ARGS, e->at, "%s() takes %s, given %zu: %s", bd->name, takes, n, bd->usage);
    return false;
}

/* Argument i of a built-in must have type want. */
static void check_arg(checker *ck, const ctx *cx, node *e, size_t i, type want) {
    node *arg = e->items.v[i];
    type t = check_expr(ck, cx, arg, want);
    if (t == T_UNKNOWN || t == want)
        return;
    const char *fn = builtins[e->a->index].name;
    diagnostic *d;
    if (e->items.n == 1)
        d = error_at(ck, D_TYPE_MISMATCH, arg->at, "%s() needs %s, found %s", fn,
                     type_phrase(want), type_phrase(t));
    else
        d = error_at(ck, D_TYPE_MISMATCH, arg->at, "argument %zu of %s() must be %s, found %s",
                     i + 1, fn, type_phrase(want), type_phrase(t));
    literal_hint(ck, d, arg, want);
}

/* has(field): the argument names a field; it is not evaluated. */
static void check_has(checker *ck, const ctx *cx, node *e) {
    node *arg = e->items.v[0];
    e->uses_shipment = true;
    if (!cx->shipment)
        field_outside(ck, e, "has() asks about the shipment");
    if (arg->kind != N_NAME) {
        error_at(ck, D_BAD_ARGS, arg->at,
                 "has() takes the name of a shipment field, as in has(loaded)");
        return;
    }
    node *attr = NULL;
    int f = field_lookup(ck->p, arg->name, &attr);
    if (f < 0) {
        diagnostic *d = error_at(ck, D_UNKNOWN_FIELD, arg->at, "shipments have no field '%s'",
                                 arg->name);
        add_suggestion(d, suggest_in(ck, NULL, arg->name, CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE),
                                     CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE)));
        return;
    }
    arg->sym = SYM_FIELD;
    arg->index = f;
    arg->ref = attr;
    arg->ty = check_field_type(ck->p, f);
    if (attr)
        note_use(ck, attr);
}

static type check_minmax(checker *ck, const ctx *cx, node *e) {
    const char *fn = builtins[e->a->index].name;
    type common = T_UNKNOWN;
    for (size_t i = 0; i < e->items.n; i++) {
        node *arg = e->items.v[i];
        type t = check_expr(ck, cx, arg, T_UNKNOWN);
        if (t == T_UNKNOWN)
            continue;
        if (t != T_NUMBER && t != T_RATE && t != T_MONEY && t != T_DATE) {
            error_at(ck, D_TYPE_MISMATCH, arg->at,
                     "%s() takes numbers, rates, money or dates, found %s", fn, type_phrase(t));
            return T_UNKNOWN;
        }
        if (common == T_UNKNOWN) {
            common = t;
        } else if (t != common) {
            diagnostic *d = error_at(ck, D_TYPE_MISMATCH, arg->at,
                                     "the arguments of %s() must have one type: found %s and %s",
                                     fn, type_phrase(common), type_phrase(t));
            literal_hint(ck, d, arg, common);
            return T_UNKNOWN;
        }
    }
    return common;
}

static type check_call(checker *ck, const ctx *cx, node *e) {
    node *callee = e->a;
    int b = callee && callee->kind == N_NAME ? builtin_lookup(callee->name) : -1;
    if (b < 0) {
        if (callee && callee->kind == N_NAME)
            unknown_function(ck, cx, e);
        return T_UNKNOWN;
    }
    callee->sym = SYM_BUILTIN;
    callee->index = b;
    static const type results[B_BUILTIN_COUNT] = {
        [B_HAS] = T_BOOL, [B_RATE] = T_RATE, [B_DUTY] = T_MONEY, [B_EFFECTIVE_RATE] = T_RATE,
        [B_EXPLAIN] = T_EXPLANATION, [B_APPLIES] = T_BOOL, [B_COMMITS] = T_BOOL,
        [B_MAX] = T_UNKNOWN, [B_MIN] = T_UNKNOWN, [B_TIMELINE] = T_TIMELINE,
    };
    if (!check_arity(ck, e, &builtins[b])) {
        check_args_loosely(ck, cx, e);
        return results[b];
    }
    switch ((builtin_id)b) {
    case B_HAS:
        check_has(ck, cx, e);
        break;
    case B_RATE: case B_DUTY: case B_EFFECTIVE_RATE: case B_EXPLAIN:
        check_arg(ck, cx, e, 0, T_SHIPMENT);
        break;
    case B_APPLIES:
        if (e->items.v[0]->kind == N_NAME)
            resolve_ref(ck, cx, e->items.v[0], REF_MEASURE);
        else
            error_at(ck, D_BAD_ARGS, e->items.v[0]->at,
                     "the first argument of applies() is the name of a measure");
        check_arg(ck, cx, e, 1, T_SHIPMENT);
        break;
    case B_COMMITS:
        check_arg(ck, cx, e, 0, T_COUNTRY);
        if (e->items.v[1]->kind == N_NAME)
            resolve_ref(ck, cx, e->items.v[1], REF_COMMITMENT);
        else
            error_at(ck, D_BAD_ARGS, e->items.v[1]->at,
                     "the second argument of commits() is the name of a commitment");
        if (e->items.n == 3) {
            check_arg(ck, cx, e, 2, T_DATE);
        } else if (cx->shipment) {
            e->uses_shipment = true; /* the date is the shipment's `entered` */
        } else {
            error_at(ck, D_BAD_ARGS, e->at,
                     "commits() needs a date here, as in commits(VN, pledge, 2025-07-15): "
                     "it defaults to the shipment's 'entered' date only in " SHIPMENT_PLACES);
        }
        break;
    case B_MAX: case B_MIN:
        return check_minmax(ck, cx, e);
    case B_TIMELINE:
        check_arg(ck, cx, e, 0, T_SHIPMENT);
        check_arg(ck, cx, e, 1, T_DATE);
        check_arg(ck, cx, e, 2, T_DATE);
        break;
    default:
        break;
    }
    return results[b];
}

/* ---- Shipments --------------------------------------------------------------- */

static void unknown_field(checker *ck, span at, const char *name) {
    diagnostic *d = error_at(ck, D_UNKNOWN_FIELD, at, "shipments have no field '%s'", name);
    add_suggestion(d, suggest_in(ck, NULL, name, CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE),
                                 CAND_FIELDS | CAND_BIT(DC_ATTRIBUTE)));
}

static type check_dot(checker *ck, const ctx *cx, node *e) {
    type t = check_expr(ck, cx, e->a, T_UNKNOWN);
    if (t != T_UNKNOWN && t != T_SHIPMENT) {
        error_at(ck, D_TYPE_MISMATCH, e->a->at, "'.%s' reads a field of a shipment, not of %s",
                 e->name, type_phrase(t));
        return T_UNKNOWN;
    }
    node *attr = NULL;
    int f = field_lookup(ck->p, e->name, &attr);
    if (f < 0) {
        unknown_field(ck, tail_span(e->at, strlen(e->name)), e->name);
        return T_UNKNOWN;
    }
    e->sym = SYM_FIELD;
    e->index = f;
    if (attr)
        note_use(ck, attr);
    return check_field_type(ck->p, f);
}

/* The `field: value` list of a shipment literal or of `with`. */
static void check_field_inits(checker *ck, const ctx *cx, node *e) {
    for (size_t i = 0; i < e->items.n; i++) {
        node *fi = e->items.v[i];
        node *attr = NULL;
        int f = field_lookup(ck->p, fi->name, &attr);
        if (f < 0) {
            unknown_field(ck, keyword_span(ck, fi), fi->name);
            check_expr(ck, cx, fi->a, T_UNKNOWN);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (e->items.v[j]->sym == SYM_FIELD && e->items.v[j]->index == f) {
                diagnostic *d = error_at(ck, D_DUP_ENTRY, keyword_span(ck, fi),
                                         "the field '%s' is given twice", fi->name);
                diag_note(d, keyword_span(ck, e->items.v[j]), "first given here");
                break;
            }
        }
        fi->sym = SYM_FIELD;
        fi->index = f;
        fi->ref = attr;
        if (attr)
            note_use(ck, attr);
        type want = check_field_type(ck->p, f);
        fi->ty = want;
        type t = check_expr(ck, cx, fi->a, want);
        fi->uses_shipment = fi->a->uses_shipment;
        if (t != T_UNKNOWN && want != T_UNKNOWN && t != want) {
            diagnostic *d = error_at(ck, D_TYPE_MISMATCH, fi->a->at,
                                     "the field '%s' is %s, found %s", fi->name,
                                     type_phrase(want), type_phrase(t));
            literal_hint(ck, d, fi->a, want);
        }
    }
}

static type check_with(checker *ck, const ctx *cx, node *e) {
    type t = check_expr(ck, cx, e->a, T_SHIPMENT);
    if (t != T_UNKNOWN && t != T_SHIPMENT)
        error_at(ck, D_TYPE_MISMATCH, e->a->at, "'with' changes the fields of a shipment, not of %s",
                 type_phrase(t));
    check_field_inits(ck, cx, e);
    return T_SHIPMENT;
}

/* ---- The expression dispatcher ------------------------------------------------ */

static bool child_uses_shipment(const node *e) {
    if ((e->a && e->a->uses_shipment) || (e->b && e->b->uses_shipment) ||
        (e->c && e->c->uses_shipment))
        return true;
    for (size_t i = 0; i < e->items.n; i++)
        if (e->items.v[i]->uses_shipment)
            return true;
    return false;
}

/* check_expr: resolves the names in e, infers its type (also left in
 * e->ty) and marks what depends on the shipment.  want is what the context
 * expects, as a hint only: it decides what `all` means and lets unit names
 * through; callers check the type they need. */
static type check_expr(checker *ck, const ctx *cx, node *e, type want) {
    if (!e)
        return T_UNKNOWN;
    /* A bound on nesting keeps this recursion, and the evaluator's over
       the same tree, within any thread's stack. */
    if (ck->depth >= CHECK_MAX_DEPTH) {
        if (!ck->too_deep)
            error_at(ck, D_SYNTAX_NESTING, e->at,
                     "this expression is nested too deeply (more than %d levels, counting the "
                     "lets it uses): split it with lets", CHECK_MAX_DEPTH);
        ck->too_deep = true;
        return T_UNKNOWN;
    }
    ck->depth++;
    type t = T_UNKNOWN;
    switch (e->kind) {
    case N_NUMBER: t = T_NUMBER; break;
    case N_PERCENT: t = T_RATE; break;
    case N_MONEY: t = T_MONEY; break;
    case N_DATE: t = T_DATE; break;
    case N_DURATION: t = T_DURATION; break;
    case N_STRING: t = T_TEXT; break;
    case N_BOOL: t = T_BOOL; break;
    case N_HS: t = T_PRODUCT; break;
    case N_HS_RANGE: t = T_PRODUCT_SET; break;
    case N_ALL: t = set_hint(want) != T_UNKNOWN ? set_hint(want) : T_COUNTRY_SET; break;
    case N_SET: t = check_set(ck, cx, e, want); break;
    case N_SPECIFIC: t = check_specific(ck, cx, e); break;
    case N_NAME: t = check_name(ck, cx, e, want); break;
    case N_BINARY: t = check_binary(ck, cx, e, want); break;
    case N_UNARY: t = check_unary(ck, cx, e); break;
    case N_IF: t = check_if(ck, cx, e, want); break;
    case N_CALL: t = check_call(ck, cx, e); break;
    case N_DOT: t = check_dot(ck, cx, e); break;
    case N_WITH: t = check_with(ck, cx, e); break;
    case N_SHIPMENT:
        check_field_inits(ck, cx, e);
        t = T_SHIPMENT;
        break;
    default:
        break;
    }
    if (e->kind != N_NAME && child_uses_shipment(e))
        e->uses_shipment = true;
    e->ty = t;
    ck->depth--;
    return t;
}

/* ---- Declarations checked on first use ------------------------------------- */

static void check_set_decl(checker *ck, const ctx *cx, node *d, type kind) {
    type t = check_expr(ck, cx, d->a, kind);
    if (kind == T_COUNTRY_SET)
        require_set(ck, d->a, t, kind, "a group is a set of countries, found %s");
    else
        require_set(ck, d->a, t, kind, "a product set is a set of products, found %s");
}

static void check_attribute_default(checker *ck, node *d) {
    if (!d->b)
        return;
    ctx cx = { NULL, ck->nlocals, true };
    type t = check_expr(ck, &cx, d->b, d->ty);
    if (t != T_UNKNOWN && d->ty != T_UNKNOWN && t != d->ty) {
        diagnostic *g = error_at(ck, D_TYPE_MISMATCH, d->b->at,
                                 "the default of attribute '%s' must be %s, found %s", d->name,
                                 type_phrase(d->ty), type_phrase(t));
        literal_hint(ck, g, d->b, d->ty);
    }
}

/* ensure_checked: checks a let, group, product set or attribute default
 * unless done already; false when it is being checked (it was reached
 * again from its own definition). */
static bool ensure_checked(checker *ck, node *d) {
    if (d->flags & DECL_DONE)
        return true;
    if (d->flags & DECL_BUSY)
        return false;
    if (d->kind != N_LET && d->kind != N_GROUP && d->kind != N_PRODUCTS &&
        d->kind != N_ATTRIBUTE)
        return true;
    d->flags |= DECL_BUSY;
    /* A declaration sees the names of its scenario, never a test's lets. */
    ctx cx = { d->ref, ck->nlocals, false };
    switch (d->kind) {
    case N_LET:
        cx.shipment = true; /* a let that uses fields is a derived field */
        d->ty = check_expr(ck, &cx, d->a, T_UNKNOWN);
        d->uses_shipment = d->a && d->a->uses_shipment;
        break;
    case N_GROUP:
        check_set_decl(ck, &cx, d, T_COUNTRY_SET);
        break;
    case N_PRODUCTS:
        check_set_decl(ck, &cx, d, T_PRODUCT_SET);
        break;
    default:
        check_attribute_default(ck, d);
        break;
    }
    d->flags = (d->flags & ~DECL_BUSY) | DECL_DONE;
    return true;
}

/* ---- Windows ------------------------------------------------------------------ */

/* Lets are followed a bounded number of times: a cycle of lets is an error
 * of its own and must not hang the folding. */
#define FOLD_DEPTH 64

static bool fold_duration(const node *e, duration *out, int depth) {
    if (!e || depth > FOLD_DEPTH)
        return false;
    if (e->kind == N_DURATION) {
        *out = e->v.dur;
        return true;
    }
    if (e->kind == N_NAME && e->sym == SYM_DECL && e->ref && e->ref->kind == N_LET)
        return fold_duration(e->ref->a, out, depth + 1);
    return false;
}

static bool fold_date(const node *e, date *out, int depth) {
    if (!e || depth > FOLD_DEPTH)
        return false;
    switch (e->kind) {
    case N_DATE:
        *out = e->v.day;
        return true;
    case N_NAME:
        if (e->sym == SYM_DECL && e->ref && e->ref->kind == N_LET)
            return fold_date(e->ref->a, out, depth + 1);
        return false;
    case N_BINARY: {
        op o = (op)e->flags;
        date d;
        duration dur;
        if (o == OP_ADD && fold_date(e->a, &d, depth + 1) && fold_duration(e->b, &dur, depth + 1))
            return date_add_duration(d, dur, 1, out) == DATE_OK;
        if (o == OP_ADD && fold_duration(e->a, &dur, depth + 1) && fold_date(e->b, &d, depth + 1))
            return date_add_duration(d, dur, 1, out) == DATE_OK;
        if (o == OP_SUB && fold_date(e->a, &d, depth + 1) && fold_duration(e->b, &dur, depth + 1))
            return date_add_duration(d, dur, -1, out) == DATE_OK;
        return false;
    }
    default:
        return false;
    }
}

bool check_const_date(const node *e, date *out) { return fold_date(e, out, 0); }

bool check_const_duration(const node *e, duration *out) { return fold_duration(e, out, 0); }

bool check_window_bounds(const node *w, date *from, date *until_excl, bool *open_ended) {
    date start, end;
    duration dur;
    if (!w || w->kind != N_WINDOW || !check_const_date(w->a, &start))
        return false;
    switch (w->flags) {
    case WIN_FROM:
        *from = start;
        *open_ended = true;
        return true;
    case WIN_UNTIL:
        if (!check_const_date(w->b, &end))
            return false;
        break;
    case WIN_THROUGH:
        /* The day after the last: may be one past 9999-12-31, which is
           still a fine bound to compare with. */
        if (!check_const_date(w->b, &end))
            return false;
        end += 1;
        break;
    case WIN_FOR:
        if (!check_const_duration(w->b, &dur) || date_add_duration(start, dur, 1, &end) != DATE_OK)
            return false;
        break;
    default:
        return false;
    }
    *from = start;
    *until_excl = end;
    *open_ended = false;
    return true;
}

/* Days [lo, hi), as 64-bit numbers so that "always" fits. */
typedef struct interval {
    int64_t lo, hi;
} interval;

static const interval always = { INT64_MIN, INT64_MAX };

static bool window_interval(const node *w, interval *iv) {
    if (!w) {
        *iv = always;
        return true;
    }
    date from, until = 0;
    bool open = false;
    if (!check_window_bounds(w, &from, &until, &open))
        return false;
    iv->lo = from;
    iv->hi = open ? INT64_MAX : until;
    return true;
}

static void not_constant(checker *ck, const node *e, const char *which) {
    if (e->uses_shipment)
        error_at(ck, D_NOT_CONSTANT, e->at,
                 "the %s of a window must be constant, but this depends on the shipment", which);
    else
        error_at(ck, D_NOT_CONSTANT, e->at,
                 "the %s of a window must be a constant: a date, a let of one, or a date plus "
                 "or minus a duration", which);
}

/* Checks an N_WINDOW: constant dates, and not empty. */
static void check_window(checker *ck, const ctx *cx, node *w) {
    if (!w)
        return;
    /* Fields are let through here so that a date from the shipment gets
       the one error that says what is wrong: it is not constant. */
    ctx wcx = *cx;
    wcx.shipment = true;
    bool for_ = w->flags == WIN_FOR;
    type ta = check_expr(ck, &wcx, w->a, T_DATE);
    require(ck, w->a, ta, T_DATE, "a window starts at a date, found %s");
    type tb = T_DATE;
    if (w->b) {
        tb = check_expr(ck, &wcx, w->b, for_ ? T_DURATION : T_DATE);
        if (for_)
            require(ck, w->b, tb, T_DURATION, "'for' takes a duration, as in 'for 90 days', found %s");
        else
            require(ck, w->b, tb, T_DATE, "a window ends at a date, found %s");
    }
    if (ta != T_DATE || tb != (for_ ? T_DURATION : T_DATE))
        return;
    date start, end;
    duration dur;
    if (!check_const_date(w->a, &start)) {
        not_constant(ck, w->a, "start");
        return;
    }
    if (!w->b)
        return;
    if (for_) {
        if (!check_const_duration(w->b, &dur)) {
            not_constant(ck, w->b, "length");
        } else if (dur.count <= 0) {
            error_at(ck, D_EMPTY_WINDOW, w->at, "empty window: 'for' needs a positive duration");
        } else if (date_add_duration(start, dur, 1, &end) != DATE_OK) {
            error_at(ck, D_NOT_CONSTANT, w->b->at, "this window would end after 9999-12-31");
        }
        return;
    }
    if (!check_const_date(w->b, &end)) {
        not_constant(ck, w->b, "end");
        return;
    }
    char s1[11], s2[11];
    date_format(start, s1);
    date_format(end, s2);
    if (end < start)
        error_at(ck, D_EMPTY_WINDOW, w->at, "empty window: it ends on %s, before it starts on %s",
                 s2, s1);
    else if (end == start && w->flags == WIN_UNTIL)
        error_at(ck, D_EMPTY_WINDOW, w->at,
                 "empty window: it starts and ends on %s, and 'until' leaves out its end "
                 "(use 'through' for a single day)", s1);
}

/* ---- Countries of groups --------------------------------------------------- */

static uint64_t *cset_new(checker *ck) {
    uint64_t *s = calloc(ck->country_words ? ck->country_words : 1, sizeof *s);
    if (!s)
        ck->out_of_memory = true;
    return s;
}

static const uint64_t *group_countries(checker *ck, const node *g);

/* fold_countries: adds the countries of a constant country-set expression
 * to out; false when it is not constant. */
static bool fold_countries(checker *ck, const node *e, uint64_t *out, int depth) {
    if (!e || depth > FOLD_DEPTH)
        return false;
    size_t n = ck->p->decls.countries.n;
    switch (e->kind) {
    case N_SET:
        for (size_t i = 0; i < e->items.n; i++)
            if (!fold_countries(ck, e->items.v[i], out, depth + 1))
                return false;
        return true;
    case N_ALL:
        for (size_t i = 0; i < n; i++)
            out[i / 64] |= UINT64_C(1) << (i % 64);
        return true;
    case N_NAME: {
        const node *d = e->sym == SYM_DECL ? e->ref : NULL;
        if (!d)
            return false;
        if (d->kind == N_COUNTRY && (size_t)d->index < n) {
            out[d->index / 64] |= UINT64_C(1) << (d->index % 64);
            return true;
        }
        if (d->kind == N_GROUP) {
            const uint64_t *g = group_countries(ck, d);
            if (!g)
                return false;
            for (size_t w = 0; w < ck->country_words; w++)
                out[w] |= g[w];
            return true;
        }
        if (d->kind == N_LET)
            return fold_countries(ck, d->a, out, depth + 1);
        return false;
    }
    case N_BINARY: {
        if ((op)e->flags != OP_EXCEPT)
            return false;
        uint64_t *a = cset_new(ck), *b = cset_new(ck);
        bool ok = a && b && fold_countries(ck, e->a, a, depth + 1) &&
                  fold_countries(ck, e->b, b, depth + 1);
        for (size_t w = 0; ok && w < ck->country_words; w++)
            out[w] |= a[w] & ~b[w];
        free(a);
        free(b);
        return ok;
    }
    default:
        return false;
    }
}

/* The countries of group g, computed once; NULL when not constant. */
static const uint64_t *group_countries(checker *ck, const node *g) {
    size_t i = (size_t)g->index;
    if (i >= ck->ngroup_sets)
        return NULL;
    if (ck->group_set_state[i] == 2)
        return ck->group_sets[i];
    if (ck->group_set_state[i] != 0)
        return NULL;
    ck->group_set_state[i] = 1;
    uint64_t *s = cset_new(ck);
    if (s && fold_countries(ck, g->a, s, 0)) {
        ck->group_sets[i] = s;
        ck->group_set_state[i] = 2;
        return s;
    }
    free(s);
    ck->group_set_state[i] = 3;
    return NULL;
}

/* ---- Rate tables and schedules -------------------------------------------- */

static bool is_code_key(const node *k) { return k->kind == N_HS || k->kind == N_HS_RANGE; }

/* A product-code key as an interval of codes of one length. */
typedef struct code_key {
    const node *key;
    size_t order; /* position in the table */
    hs_code lo, hi;
} code_key;

static int compare_code_keys(const void *a, const void *b) {
    const code_key *x = a, *y = b;
    if (x->lo.len != y->lo.len)
        return x->lo.len < y->lo.len ? -1 : 1;
    int c = hs_compare(x->lo, y->lo);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void report_code_overlap(checker *ck, const code_key *a, const code_key *b) {
    /* Report at the later entry, as a reader meets it. */
    const code_key *first = a->order < b->order ? a : b, *second = a->order < b->order ? b : a;
    char x[48], y[48];
    snippet(ck, second->key->at, x, sizeof x);
    snippet(ck, first->key->at, y, sizeof y);
    diagnostic *d;
    if (hs_equal(first->lo, second->lo) && hs_equal(first->hi, second->hi))
        d = error_at(ck, D_DUP_ENTRY, second->key->at, "'%s' is listed twice in this table", x);
    else
        d = error_at(ck, D_DUP_ENTRY, second->key->at,
                     "'%s' overlaps '%s' in this table: which rate applies?", x, y);
    diag_note(d, first->key->at, "'%s' is here", y);
}

/* Product-code keys: every product must have one longest matching key, so
 * keys of one length may not overlap (a longer key simply wins).  Sorted,
 * each key need only be compared with the one reaching furthest before it. */
static void check_code_keys(checker *ck, const node *table) {
    code_key *keys = malloc((table->items.n ? table->items.n : 1) * sizeof *keys);
    if (!keys) {
        ck->out_of_memory = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < table->items.n; i++) {
        const node *k = table->items.v[i]->a;
        if (!is_code_key(k))
            continue;
        code_key c = { k, i, k->v.hs.lo, k->kind == N_HS_RANGE ? k->v.hs.hi : k->v.hs.lo };
        keys[n++] = c;
    }
    qsort(keys, n, sizeof *keys, compare_code_keys);
    const code_key *reach = NULL; /* of this length, the one ending last */
    for (size_t i = 0; i < n; i++) {
        if (reach && reach->lo.len == keys[i].lo.len && hs_compare(keys[i].lo, reach->hi) <= 0)
            report_code_overlap(ck, reach, &keys[i]);
        if (!reach || reach->lo.len != keys[i].lo.len || hs_compare(keys[i].hi, reach->hi) > 0)
            reach = &keys[i];
    }
    free(keys);
}

/* In a by-origin table a country listed by itself wins over a group that
 * has it; two groups that share a country not listed by itself would leave
 * its rate undecided. */
static void check_group_overlaps(checker *ck, const node *table) {
    size_t n = table->items.n;
    uint64_t *alone = cset_new(ck);
    const uint64_t **sets = calloc(n ? n : 1, sizeof *sets);
    if (!alone || !sets) {
        ck->out_of_memory = true;
        free(alone);
        free(sets);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const node *k = table->items.v[i]->a;
        if (k->kind != N_NAME || k->sym != SYM_DECL || !k->ref)
            continue;
        if (k->ref->kind == N_COUNTRY && (size_t)k->ref->index < ck->p->decls.countries.n)
            alone[k->ref->index / 64] |= UINT64_C(1) << (k->ref->index % 64);
        else if (k->ref->kind == N_GROUP)
            sets[i] = group_countries(ck, k->ref);
    }
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; sets[j] && i < j; i++) {
            if (!sets[i] || table->items.v[i]->a->ref == table->items.v[j]->a->ref)
                continue;
            size_t shared = SIZE_MAX;
            for (size_t w = 0; w < ck->country_words && shared == SIZE_MAX; w++) {
                uint64_t x = sets[i][w] & sets[j][w] & ~alone[w];
                for (size_t b = 0; b < 64 && x; b++)
                    if (x >> b & 1) {
                        shared = w * 64 + b;
                        break;
                    }
            }
            if (shared == SIZE_MAX)
                continue;
            const node *ki = table->items.v[i]->a, *kj = table->items.v[j]->a;
            const char *c = ck->p->decls.countries.v[shared]->name;
            diagnostic *d = error_at(ck, D_GROUP_OVERLAP, kj->at,
                                     "groups '%s' and '%s' overlap in this table: both contain "
                                     "'%s', which is not listed by itself", ki->name, kj->name, c);
            diag_note(d, ki->at, "'%s' is here", ki->name);
            diag_note(d, kj->at, "list '%s' with its own rate to say which applies", c);
            break;
        }
    }
    free(alone);
    free(sets);
}

/* The key of a by-origin entry: a country or a group. */
static void check_origin_key(checker *ck, const ctx *cx, node *key) {
    if (key->kind != N_NAME) {
        error_at(ck, D_BAD_KEY, key->at,
                 "a 'rate by origin' table is keyed by countries and groups, not product codes");
        return;
    }
    node *d = lookup_decl(ck, cx, key->name);
    if (!d) {
        unknown_name(ck, cx, key, T_COUNTRY);
        return;
    }
    if (d->kind != N_COUNTRY && d->kind != N_GROUP) {
        note_use(ck, d);
        error_at(ck, D_WRONG_KIND, key->at,
                 "'%s' is %s; a 'rate by origin' table is keyed by countries and groups",
                 key->name, decl_phrase(d));
        return;
    }
    key->sym = SYM_DECL;
    key->ref = d;
    key->ty = d->kind == N_COUNTRY ? T_COUNTRY : T_COUNTRY_SET;
    note_use(ck, d);
    if (d->kind == N_GROUP && !ensure_checked(ck, d))
        cycle_error(ck, key, d);
}

static void check_duplicate_origins(checker *ck, const node *table) {
    for (size_t j = 0; j < table->items.n; j++) {
        const node *kj = table->items.v[j]->a;
        if (kj->sym != SYM_DECL || !kj->ref)
            continue;
        for (size_t i = 0; i < j; i++) {
            const node *ki = table->items.v[i]->a;
            if (ki->sym == SYM_DECL && ki->ref == kj->ref) {
                diagnostic *d = error_at(ck, D_DUP_ENTRY, kj->at,
                                         "'%s' is listed twice in this table", kj->name);
                diag_note(d, ki->at, "first listed here");
                break;
            }
        }
    }
}

static void check_rate_table(checker *ck, const ctx *scope, const ctx *ship, node *c) {
    bool by_origin = c->flags == BY_ORIGIN;
    for (size_t i = 0; i < c->items.n; i++) {
        node *entry = c->items.v[i];
        node *key = entry->a;
        if (by_origin)
            check_origin_key(ck, scope, key);
        else if (!is_code_key(key))
            error_at(ck, D_BAD_KEY, key->at,
                     "a 'rate by product' table is keyed by product codes (hs 8703) and "
                     "ranges (hs 72..83), not by names");
        else
            key->ty = key->kind == N_HS ? T_PRODUCT : T_PRODUCT_SET;
        type t = check_expr(ck, ship, entry->b, T_RATE);
        require(ck, entry->b, t, T_RATE, "expected a rate, found %s");
        entry->ty = T_RATE;
        entry->uses_shipment = entry->b && entry->b->uses_shipment;
    }
    if (by_origin) {
        check_duplicate_origins(ck, c);
        check_group_overlaps(ck, c);
    } else {
        check_code_keys(ck, c);
    }
}

static void check_schedule(checker *ck, const ctx *cx, node *d) {
    if (d->b)
        return; /* from a file: read, and its rows checked, when loaded */
    for (size_t i = 0; i < d->items.n; i++) {
        node *entry = d->items.v[i];
        node *key = entry->a;
        if (key->kind == N_HS_RANGE)
            error_at(ck, D_BAD_KEY, key->at,
                     "a schedule's keys are single product codes; list the codes of this range "
                     "one by one, or use a 'rate by product' table");
        else if (key->kind != N_HS)
            error_at(ck, D_BAD_KEY, key->at,
                     "a schedule's keys are product codes (hs 8703), not names");
        else
            key->ty = T_PRODUCT;
        type t = check_expr(ck, cx, entry->b, T_RATE);
        require(ck, entry->b, t, T_RATE, "expected a rate, found %s");
        entry->ty = T_RATE;
    }
    check_code_keys(ck, d);
}

/* ---- Measures, pauses and concessions ------------------------------------ */

static const char *clause_word(node_kind k) {
    switch (k) {
    case N_ON: return "on";
    case N_FROM: return "from";
    case N_WHEN: return "when";
    case N_RATE: return "rate";
    case N_RATE_BY: return "rate by";
    case N_BASE: return "base";
    case N_REPLACES: return "replaces";
    case N_CITATION: return "citation";
    case N_SUSPEND: return "suspend";
    case N_SET_TO: return "set";
    case N_CAP: return "cap";
    case N_REDUCE: return "reduce";
    case N_EFFECTIVE: return "effective";
    case N_OVERRIDES: return "overrides";
    default: return "?";
    }
}

static const char *rule_word(node_kind k) {
    return k == N_MEASURE ? "measure" : k == N_PAUSE ? "pause" : "concession";
}

static bool clause_allowed(node_kind decl, node_kind c) {
    switch (c) {
    case N_ON: case N_FROM: case N_WHEN: case N_CITATION:
        return true;
    case N_RATE: case N_RATE_BY: case N_BASE: case N_REPLACES:
        return decl == N_MEASURE;
    case N_SUSPEND: case N_EFFECTIVE: case N_OVERRIDES:
        return decl != N_MEASURE;
    case N_SET_TO: case N_CAP: case N_REDUCE:
        return decl == N_CONCESSION;
    default:
        return false;
    }
}

/* The clauses a declaration takes at most once; -1 for the others. */
static int single_clause_slot(node_kind c) {
    switch (c) {
    case N_ON: return 0;
    case N_FROM: return 1;
    case N_WHEN: return 2;
    case N_BASE: return 3;
    case N_CITATION: return 4;
    case N_EFFECTIVE: return 5;
    default: return -1;
    }
}
#define SINGLE_CLAUSES 6

static void bad_clause(checker *ck, const node *d, const node *c) {
    const char *hint = "";
    if (d->kind == N_MEASURE) {
        if (c->kind == N_EFFECTIVE)
            hint = "; give each rate its window, as in 'rate 10% effective 2025-04-05'";
        else if (c->kind == N_OVERRIDES)
            hint = "; pauses and concessions override one another";
        else
            hint = "; pauses and concessions change measures";
    } else if (d->kind == N_PAUSE && (c->kind == N_SET_TO || c->kind == N_CAP ||
                                      c->kind == N_REDUCE)) {
        hint = "; a pause suspends measures (suspend M to R): use a concession to set, cap "
               "or reduce one";
    }
    error_at(ck, D_BAD_CLAUSE, keyword_span(ck, c), "'%s' is not allowed in a %s%s",
             clause_word(c->kind), rule_word(d->kind), hint);
}

static void check_measure_names(checker *ck, const ctx *cx, node_list *names) {
    for (size_t i = 0; i < names->n; i++)
        resolve_ref(ck, cx, names->v[i], REF_MEASURE);
}

/* A rate of a pause or concession (`to R`, `at R`, `by R`). */
static void check_modifier_rate(checker *ck, const ctx *ship, node *e) {
    if (!e)
        return;
    type t = check_expr(ck, ship, e, T_RATE);
    require(ck, e, t, T_RATE, "expected a rate, found %s");
}

static void check_clause(checker *ck, node *d, node *c, const ctx *scope, const ctx *ship) {
    type t;
    switch (c->kind) {
    case N_ON:
        t = check_expr(ck, scope, c->a, T_PRODUCT_SET);
        require_set(ck, c->a, t, T_PRODUCT_SET, "'on' takes a set of products, found %s");
        break;
    case N_FROM:
        t = check_expr(ck, scope, c->a, T_COUNTRY_SET);
        require_set(ck, c->a, t, T_COUNTRY_SET, "'from' takes a set of countries, found %s");
        break;
    case N_WHEN:
        t = check_expr(ck, ship, c->a, T_BOOL);
        require(ck, c->a, t, T_BOOL, "the condition of 'when' must be a bool, found %s");
        break;
    case N_RATE:
        t = check_expr(ck, ship, c->a, T_RATE);
        require(ck, c->a, t, T_RATE, "expected a rate, found %s");
        check_window(ck, scope, c->b);
        break;
    case N_RATE_BY:
        check_rate_table(ck, scope, ship, c);
        check_window(ck, scope, c->b);
        break;
    case N_BASE:
        t = check_expr(ck, ship, c->a, T_MONEY);
        require(ck, c->a, t, T_MONEY, "'base' is the dutiable value: expected money, found %s");
        break;
    case N_REPLACES:
        for (size_t i = 0; i < c->items.n; i++) {
            node *m = resolve_ref(ck, scope, c->items.v[i], REF_MEASURE);
            if (m == d)
                error_at(ck, D_REPLACES_CYCLE, c->items.v[i]->at, "measure '%s' replaces itself",
                         d->name);
        }
        check_window(ck, scope, c->b);
        break;
    case N_SUSPEND:
        check_measure_names(ck, scope, &c->items);
        check_modifier_rate(ck, ship, c->a);
        break;
    case N_SET_TO: case N_CAP: case N_REDUCE:
        if (c->a)
            resolve_ref(ck, scope, c->a, REF_MEASURE);
        check_modifier_rate(ck, ship, c->b);
        break;
    case N_EFFECTIVE:
        check_window(ck, scope, c->b);
        break;
    case N_OVERRIDES:
        for (size_t i = 0; i < c->items.n; i++) {
            node *m = resolve_ref(ck, scope, c->items.v[i], REF_MODIFIER);
            if (m == d)
                error_at(ck, D_WRONG_KIND, c->items.v[i]->at, "%s '%s' cannot override itself",
                         rule_word(d->kind), d->name);
        }
        break;
    default:
        break;
    }
}

/* Rate windows of one measure must not overlap: a clause without a window
 * overlaps every other. */
static void check_rate_overlaps(checker *ck, const node *d) {
    for (size_t j = 0; j < d->items.n; j++) {
        const node *cj = d->items.v[j];
        interval b;
        if ((cj->kind != N_RATE && cj->kind != N_RATE_BY) || !window_interval(cj->b, &b))
            continue;
        for (size_t i = 0; i < j; i++) {
            const node *ci = d->items.v[i];
            interval a;
            if ((ci->kind != N_RATE && ci->kind != N_RATE_BY) || !window_interval(ci->b, &a))
                continue;
            int64_t lo = a.lo > b.lo ? a.lo : b.lo, hi = a.hi < b.hi ? a.hi : b.hi;
            if (lo >= hi)
                continue;
            char when[64], day[11];
            if (lo != INT64_MIN) {
                date_format((date)lo, day);
                snprintf(when, sizeof when, "on %s", day);
            } else if (hi != INT64_MAX) {
                date_format((date)hi, day);
                snprintf(when, sizeof when, "before %s", day);
            } else {
                snprintf(when, sizeof when, "at all times");
            }
            const source_text *src = source_of(ck, ci->at);
            int line = ci->at.first_line + (src ? src->line_offset : 0);
            diagnostic *g = error_at(ck, D_OVERLAP_WINDOWS, keyword_span(ck, cj),
                                     "rate windows of measure '%s' overlap: this rate and the "
                                     "one on line %d both apply %s", d->name, line, when);
            diag_note(g, keyword_span(ck, ci), "the other rate is here");
            break;
        }
    }
}

static void check_requirements(checker *ck, const node *d, bool has_rate, bool has_suspend,
                               bool has_action, const node *effective) {
    span at = name_span(ck, d);
    if (d->kind == N_MEASURE && !has_rate) {
        error_at(ck, D_MISSING_CLAUSE, at,
                 "measure '%s' has no rate: add a 'rate' clause (rate 10%%, or rate by origin "
                 "{ ... })", d->name);
    } else if (d->kind == N_PAUSE) {
        if (!has_suspend)
            error_at(ck, D_MISSING_CLAUSE, at,
                     "pause '%s' suspends nothing: add 'suspend MEASURE' (or 'suspend all')",
                     d->name);
        if (!effective) {
            error_at(ck, D_PAUSE_NO_END, at,
                     "pause '%s' has no 'effective' window: a pause must end, as in "
                     "'effective 2025-04-10 for 90 days'", d->name);
        } else if (effective->b && effective->b->flags == WIN_FROM) {
            char start[48];
            snippet(ck, effective->b->at, start, sizeof start);
            error_at(ck, D_PAUSE_NO_END, effective->at,
                     "a pause must end: give its window an end with 'until', 'through' or "
                     "'for', as in 'effective %s for 90 days'", start);
        }
    } else if (d->kind == N_CONCESSION && !has_action) {
        error_at(ck, D_MISSING_CLAUSE, at,
                 "concession '%s' changes nothing: add 'suspend', 'set', 'cap' or 'reduce'",
                 d->name);
    }
}

/* A measure, pause or concession: which clauses it has, how many, and
 * each clause's contents. */
static void check_rule_decl(checker *ck, node *d) {
    ctx scope = { d->ref, ck->nlocals, false };
    ctx ship = scope;
    ship.shipment = true;
    const node *first[SINGLE_CLAUSES] = { 0 };
    bool has_rate = false, has_suspend = false, has_action = false;
    for (size_t i = 0; i < d->items.n; i++) {
        node *c = d->items.v[i];
        if (!clause_allowed(d->kind, c->kind)) {
            bad_clause(ck, d, c);
            continue;
        }
        int slot = single_clause_slot(c->kind);
        if (slot >= 0 && first[slot]) {
            diagnostic *g = error_at(ck, D_DUP_CLAUSE, keyword_span(ck, c),
                                     "a %s takes one '%s' clause; '%s' has two",
                                     rule_word(d->kind), clause_word(c->kind), d->name);
            diag_note(g, keyword_span(ck, first[slot]), "the first is here");
        } else if (slot >= 0) {
            first[slot] = c;
        }
        has_rate |= c->kind == N_RATE || c->kind == N_RATE_BY;
        has_suspend |= c->kind == N_SUSPEND;
        has_action |= c->kind == N_SUSPEND || c->kind == N_SET_TO || c->kind == N_CAP ||
                      c->kind == N_REDUCE;
        check_clause(ck, d, c, &scope, &ship);
    }
    check_requirements(ck, d, has_rate, has_suspend, has_action, first[5]);
    if (d->kind == N_MEASURE)
        check_rate_overlaps(ck, d);
}

static void check_modifier_reach(checker *ck, const node *mod);

/* Checks that need every measure checked first. */
static void check_rule_reach(checker *ck, const node *prog) {
    for (size_t i = 0; i < prog->items.n; i++) {
        const node *d = prog->items.v[i];
        if (d->kind == N_PAUSE || d->kind == N_CONCESSION)
            check_modifier_reach(ck, d);
        if (d->kind == N_SCENARIO)
            check_rule_reach(ck, d);
    }
}

/* ---- Modifiers that can never touch their measures ----------------------- */

static const node *find_clause(const node *d, node_kind k) {
    for (size_t i = 0; i < d->items.n; i++)
        if (d->items.v[i]->kind == k)
            return d->items.v[i];
    return NULL;
}

/* Does some rate window of measure m meet the window w? */
static bool windows_meet(const node *m, interval w) {
    for (size_t i = 0; i < m->items.n; i++) {
        const node *c = m->items.v[i];
        interval r;
        if (c->kind != N_RATE && c->kind != N_RATE_BY)
            continue;
        if (!window_interval(c->b, &r))
            return true; /* not constant: an error of its own; assume they meet */
        if ((r.lo > w.lo ? r.lo : w.lo) < (r.hi < w.hi ? r.hi : w.hi))
            return true;
    }
    return false;
}

/* Do the `from` scopes of modifier and measure share a country?  true when
 * either is not constant. */
static bool origins_meet(checker *ck, const node *a, const node *b) {
    const node *fa = find_clause(a, N_FROM), *fb = find_clause(b, N_FROM);
    if (!fa || !fb)
        return true;
    uint64_t *x = cset_new(ck), *y = cset_new(ck);
    bool meet = true;
    if (x && y && fold_countries(ck, fa->a, x, 0) && fold_countries(ck, fb->a, y, 0)) {
        meet = false;
        for (size_t w = 0; w < ck->country_words && !meet; w++)
            meet = (x[w] & y[w]) != 0;
    }
    free(x);
    free(y);
    return meet;
}

static void check_reach(checker *ck, const node *mod, const node *name, interval w) {
    const node *m = name->sym == SYM_DECL ? name->ref : NULL;
    if (!m || m->kind != N_MEASURE)
        return;
    const char *why = NULL;
    if (!windows_meet(m, w))
        why = "its window and the rate windows of the measure never meet";
    else if (!origins_meet(ck, mod, m))
        why = "no country is in the 'from' of both";
    if (why)
        diag_add(ck->diags, SEV_WARNING, D_NEVER_TOUCHES, name->at,
                 "%s '%s' can never touch measure '%s': %s", rule_word(mod->kind), mod->name,
                 m->name, why);
}

/* W102: a pause or concession naming a measure it can never apply to. */
static void check_modifier_reach(checker *ck, const node *mod) {
    const node *eff = find_clause(mod, N_EFFECTIVE);
    interval w;
    if (!window_interval(eff ? eff->b : NULL, &w) || w.lo >= w.hi)
        return; /* not constant or empty: reported as such */
    for (size_t i = 0; i < mod->items.n; i++) {
        const node *c = mod->items.v[i];
        if (c->kind == N_SUSPEND && !(c->flags & SUSPEND_ALL)) {
            for (size_t k = 0; k < c->items.n; k++)
                check_reach(ck, mod, c->items.v[k], w);
        } else if ((c->kind == N_SET_TO || c->kind == N_CAP || c->kind == N_REDUCE) && c->a) {
            check_reach(ck, mod, c->a, w);
        }
    }
}

/* ---- Other declarations ------------------------------------------------------ */

static void check_commit(checker *ck, const ctx *cx, node *c) {
    type t = check_expr(ck, cx, c->a, T_COUNTRY_SET);
    require_set(ck, c->a, t, T_COUNTRY_SET, "'commit' takes a set of countries, found %s");
    if (c->b)
        resolve_ref(ck, cx, c->b, REF_COMMITMENT);
    check_window(ck, cx, c->c);
}

static void check_importer(checker *ck, node *imp) {
    ctx top = { NULL, ck->nlocals, false };
    if (imp->a)
        resolve_ref(ck, &top, imp->a, REF_COUNTRY);
    if (!ck->p->importer) {
        ck->p->importer = imp;
        return;
    }
    if (ck->p->importer == imp)
        return;
    diagnostic *g = error_at(ck, D_IMPORTER, keyword_span(ck, imp),
                             "a policy has one importer, and it is already declared");
    diag_note(g, keyword_span(ck, ck->p->importer), "the importer is declared here");
}

static void check_scenario(checker *ck, node *s) {
    if (!s->name || symtab_get(&ck->p->globals, s->name) != s)
        return;
    ctx cx = { s, ck->nlocals, false };
    for (size_t i = 0; i < s->items.n; i++) {
        node *d = s->items.v[i];
        switch (d->kind) {
        case N_DROP:
            for (size_t k = 0; k < d->items.n; k++)
                resolve_ref(ck, &cx, d->items.v[k], REF_DROP);
            break;
        case N_GROUP: case N_PRODUCTS: case N_LET:
            ensure_checked(ck, d);
            break;
        case N_SCHEDULE:
            check_schedule(ck, &cx, d);
            break;
        case N_MEASURE: case N_PAUSE: case N_CONCESSION:
            check_rule_decl(ck, d);
            break;
        case N_COMMIT:
            check_commit(ck, &cx, d);
            break;
        default:
            break;
        }
    }
}

/* ---- Tests and statements ---------------------------------------------------- */

static void push_local(checker *ck, node *let) {
    if (ck->nlocals == ck->cap_locals) {
        size_t cap = ck->cap_locals ? ck->cap_locals * 2 : 16;
        node **v = realloc(ck->locals, cap * sizeof *v);
        if (!v) {
            ck->out_of_memory = true;
            return;
        }
        ck->locals = v;
        ck->cap_locals = cap;
    }
    ck->locals[ck->nlocals++] = let;
}

/* A let in a test or an `under` block: visible after it, to the end of its
 * block; it may not take a name that is visible already. */
static void check_local_let(checker *ck, const ctx *cx, node *let) {
    let->flags |= LET_LOCAL;
    let->ty = check_expr(ck, cx, let->a, T_UNKNOWN);
    let->uses_shipment = let->a && let->a->uses_shipment;
    let->index = (int)ck->p->decls.local_lets.n;
    push_list(ck, &ck->p->decls.local_lets, let);
    let->flags |= DECL_DONE;
    if (!let->name || reserved_name(ck, let))
        return;
    node *prev = lookup_decl(ck, cx, let->name);
    if (prev) {
        report_duplicate(ck, let, prev, false);
        return;
    }
    push_local(ck, let);
}

static void check_block(checker *ck, const ctx *cx, node_list *items);

static void check_under(checker *ck, const ctx *cx, node *u) {
    if (cx->scenario) {
        error_at(ck, D_BAD_CLAUSE, keyword_span(ck, u),
                 "'under' blocks do not nest: this one is inside 'under %s'", cx->scenario->name);
        return;
    }
    ctx inner = *cx;
    inner.scenario = u->a ? resolve_ref(ck, cx, u->a, REF_SCENARIO) : NULL;
    check_block(ck, &inner, &u->items);
}

static void check_block(checker *ck, const ctx *cx, node_list *items) {
    size_t saved = ck->nlocals;
    for (size_t i = 0; i < items->n; i++) {
        node *s = items->v[i];
        type t;
        switch (s->kind) {
        case N_LET:
            check_local_let(ck, cx, s);
            break;
        case N_EXPECT:
            t = check_expr(ck, cx, s->a, T_BOOL);
            require(ck, s->a, t, T_BOOL,
                    "'expect' needs a bool, such as a comparison (rate(s) == 10%%), found %s");
            break;
        case N_EXPR_STMT:
            check_expr(ck, cx, s->a, T_UNKNOWN);
            break;
        case N_UNDER:
            check_under(ck, cx, s);
            break;
        default:
            break;
        }
    }
    ck->nlocals = saved;
}

static void check_file(checker *ck, node *prog) {
    bool root = prog->flags & PROGRAM_ROOT;
    ctx top = { NULL, ck->nlocals, false };
    for (size_t i = 0; i < prog->items.n; i++) {
        node *d = prog->items.v[i];
        switch (d->kind) {
        case N_IMPORTER:
            check_importer(ck, d);
            break;
        case N_GROUP: case N_PRODUCTS: case N_LET: case N_ATTRIBUTE:
            ensure_checked(ck, d);
            break;
        case N_SCHEDULE:
            check_schedule(ck, &top, d);
            break;
        case N_MEASURE: case N_PAUSE: case N_CONCESSION:
            check_rule_decl(ck, d);
            break;
        case N_COMMIT:
            check_commit(ck, &top, d);
            break;
        case N_SCENARIO:
            check_scenario(ck, d);
            break;
        case N_TEST:
            /* A library's tests and statements never run: not checked. */
            if (root)
                check_block(ck, &top, &d->items);
            break;
        case N_EXPR_STMT:
            if (root)
                check_expr(ck, &top, d->a, T_UNKNOWN);
            break;
        case N_UNDER:
            if (root)
                check_under(ck, &top, d);
            break;
        default:
            break;
        }
    }
}

/* ---- Whole-policy checks --------------------------------------------------- */

/* `replaces` as a graph over measure numbers; an edge holds in the
 * window of its clause. */
typedef struct replace_edge {
    size_t from, to;
    const node *name; /* the N_NAME in the clause: where a cycle is reported */
    interval when;
    bool reported;
} replace_edge;

typedef struct replace_graph {
    replace_edge *edges; /* sorted by `from` */
    size_t nedges;
    size_t *first;       /* edges of measure m: [first[m], first[m + 1]) */
    size_t n;            /* measures */
} replace_graph;

static bool build_replace_graph(checker *ck, replace_graph *g) {
    const node_list *ms = &ck->p->decls.measures;
    size_t cap = 0;
    g->n = ms->n;
    g->nedges = 0;
    for (size_t m = 0; m < ms->n; m++)
        for (size_t i = 0; i < ms->v[m]->items.n; i++)
            if (ms->v[m]->items.v[i]->kind == N_REPLACES)
                cap += ms->v[m]->items.v[i]->items.n;
    g->edges = malloc((cap ? cap : 1) * sizeof *g->edges);
    g->first = malloc((g->n + 1) * sizeof *g->first);
    if (!g->edges || !g->first)
        return false;
    for (size_t m = 0; m < ms->n; m++) {
        g->first[m] = g->nedges;
        for (size_t i = 0; i < ms->v[m]->items.n; i++) {
            const node *c = ms->v[m]->items.v[i];
            interval when;
            if (c->kind != N_REPLACES)
                continue;
            if (!window_interval(c->b, &when))
                when = always; /* not constant: reported as such */
            for (size_t k = 0; k < c->items.n; k++) {
                const node *r = c->items.v[k]->ref;
                /* Self-replacement is reported with its clause. */
                if (!r || r->kind != N_MEASURE || r == ms->v[m] || (size_t)r->index >= g->n)
                    continue;
                replace_edge e = { m, (size_t)r->index, c->items.v[k], when, false };
                g->edges[g->nedges++] = e;
            }
        }
    }
    g->first[g->n] = g->nedges;
    return true;
}

static void report_cycle(checker *ck, const replace_edge *closing, const size_t *stack,
                         size_t from, size_t depth, int64_t day) {
    const node_list *ms = &ck->p->decls.measures;
    char path[512], when[32] = "";
    size_t len = 0;
    path[0] = '\0';
    for (size_t i = from; i <= depth && len < sizeof path; i++) {
        int w = snprintf(path + len, sizeof path - len, "%s replaces ", ms->v[stack[i]]->name);
        if (w > 0)
            len += (size_t)w;
    }
    if (len < sizeof path)
        snprintf(path + len, sizeof path - len, "%s", ms->v[stack[from]]->name);
    if (day != INT64_MIN) {
        char d[11];
        date_format((date)day, d);
        snprintf(when, sizeof when, " from %s", d);
    }
    error_at(ck, D_REPLACES_CYCLE, closing->name->at, "'replaces' goes round in a cycle%s: %s",
             when, path);
}

/* Depth-first search over the edges that hold on `day` (and on the rest of
 * its segment); a back edge closes a cycle.  Edges from measures checked
 * by an earlier program_check are not reported again. */
static void find_cycles_on(checker *ck, replace_graph *g, int64_t day, size_t first_new,
                           unsigned char *color, size_t *stack, size_t *cursor) {
    memset(color, 0, g->n ? g->n : 1);
    for (size_t root = 0; root < g->n; root++) {
        if (color[root])
            continue;
        size_t depth = 0;
        stack[0] = root;
        cursor[0] = g->first[root];
        color[root] = 1;
        for (;;) {
            size_t u = stack[depth];
            if (cursor[depth] == g->first[u + 1]) {
                color[u] = 2;
                if (depth == 0)
                    break;
                depth--;
                continue;
            }
            replace_edge *e = &g->edges[cursor[depth]++];
            if (!(e->when.lo <= day && day < e->when.hi))
                continue;
            if (color[e->to] == 0) {
                color[e->to] = 1;
                stack[++depth] = e->to;
                cursor[depth] = g->first[e->to];
            } else if (color[e->to] == 1 && u >= first_new && !e->reported) {
                size_t from = depth;
                while (from > 0 && stack[from] != e->to)
                    from--;
                e->reported = true;
                report_cycle(ck, e, stack, from, depth, day);
            }
        }
    }
}

static int compare_days(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A cycle of `replaces` is an error only if all its edges hold on one day:
 * A may replace B until June and B replace A from June.  Time is cut at
 * every end of a window of a `replaces`; within each piece the same edges
 * hold, so one search a piece finds every cycle. */
static void check_replaces_cycles(checker *ck, size_t first_new) {
    replace_graph g = { NULL, 0, NULL, 0 };
    size_t n = ck->p->decls.measures.n;
    unsigned char *color = malloc(n ? n : 1);
    size_t *stack = malloc((n ? n : 1) * sizeof *stack);
    size_t *cursor = malloc((n ? n : 1) * sizeof *cursor);
    int64_t *days = NULL;
    if (!color || !stack || !cursor || !build_replace_graph(ck, &g) ||
        !(days = malloc((2 * g.nedges + 1) * sizeof *days))) {
        ck->out_of_memory = true;
    } else {
        size_t ndays = 0;
        days[ndays++] = INT64_MIN;
        for (size_t i = 0; i < g.nedges; i++) {
            if (g.edges[i].when.lo != INT64_MIN)
                days[ndays++] = g.edges[i].when.lo;
            if (g.edges[i].when.hi != INT64_MAX)
                days[ndays++] = g.edges[i].when.hi;
        }
        qsort(days, ndays, sizeof *days, compare_days);
        for (size_t i = 0; i < ndays && g.nedges > 0; i++)
            if (i == 0 || days[i] != days[i - 1])
                find_cycles_on(ck, &g, days[i], first_new, color, stack, cursor);
    }
    free(days);
    free(g.edges);
    free(g.first);
    free(color);
    free(stack);
    free(cursor);
}

/* Unused-definition warnings only for a file that uses things: a file of
 * nothing but definitions is a library, even when named on the command
 * line. */
static bool file_uses_definitions(const node *prog) {
    for (size_t i = 0; i < prog->items.n; i++) {
        switch (prog->items.v[i]->kind) {
        case N_MEASURE: case N_PAUSE: case N_CONCESSION: case N_TEST: case N_EXPR_STMT:
        case N_UNDER: case N_SCENARIO: case N_COMMIT:
            return true;
        default:
            break;
        }
    }
    return false;
}

static void warn_unused(checker *ck, const node *prog) {
    if (!file_uses_definitions(prog))
        return;
    for (size_t i = 0; i < prog->items.n; i++) {
        node *d = prog->items.v[i];
        const char *what;
        switch (d->kind) {
        case N_LET: what = "let"; break;
        case N_GROUP: what = "group"; break;
        case N_PRODUCTS: what = "product set"; break;
        case N_SCHEDULE: what = "schedule"; break;
        case N_COMMITMENT: what = "commitment"; break;
        default: continue;
        }
        decl_info *in = info_of(ck, d);
        if (!d->name || !in || in->uses > 0 || symtab_get(&ck->p->globals, d->name) != d)
            continue;
        diag_add(ck->diags, SEV_WARNING, D_UNUSED, name_span(ck, d), "unused %s '%s'", what,
                 d->name);
    }
}

/* Counts the names in a root file that spell each global declaration, to
 * rank suggestions ("CX": the policy's CN rather than the stdlib's CA). */
static void count_root_refs(checker *ck, const node *n, int depth) {
    if (!n || depth > CHECK_MAX_DEPTH)
        return; /* too deep: check_expr says so */
    if (n->kind == N_NAME && n->name) {
        node *d = symtab_get(&ck->p->globals, n->name);
        decl_info *in = d ? info_of(ck, d) : NULL;
        if (in)
            in->root_refs++;
    }
    count_root_refs(ck, n->a, depth + 1);
    count_root_refs(ck, n->b, depth + 1);
    count_root_refs(ck, n->c, depth + 1);
    for (size_t i = 0; i < n->items.n; i++)
        count_root_refs(ck, n->items.v[i], depth + 1);
}

/* ---- Static scopes: what W103 and W104 reason about ----------------------- */

/* The analysis of measures that are always replaced (W103) and of
 * modifiers that can conflict (W104) works on constants only: the `on` and
 * `from` sets folded, windows, and rates that are percentages.  Whatever
 * it cannot fold it treats as unknown, and an unknown never leads to a
 * W103 (which must be certain).  What it allocates lives in one region,
 * given back at the end (what one pair of measures or modifiers needs, as
 * soon as that pair is done). */

/* fold_products: the products of a constant product-set expression, in r;
 * NULL when it is not constant (or memory ran out). */
static const pset *fold_products(region *r, const node *e, int depth) {
    if (!e || depth > FOLD_DEPTH)
        return NULL;
    hs_interval iv;
    switch (e->kind) {
    case N_ALL:
        return pset_all(r);
    case N_HS:
        iv = hs_code_interval(e->v.hs.lo);
        return pset_from_intervals(r, &iv, 1);
    case N_HS_RANGE:
        iv = hs_range_interval(e->v.hs.lo, e->v.hs.hi);
        return pset_from_intervals(r, &iv, 1);
    case N_SET: {
        const pset *acc = pset_empty(r);
        for (size_t i = 0; acc && i < e->items.n; i++) {
            const pset *s = fold_products(r, e->items.v[i], depth + 1);
            acc = s ? pset_union(r, acc, s) : NULL;
        }
        return acc;
    }
    case N_NAME: {
        const node *d = e->sym == SYM_DECL ? e->ref : NULL;
        if (d && (d->kind == N_PRODUCTS || d->kind == N_LET))
            return fold_products(r, d->a, depth + 1);
        return NULL;
    }
    case N_BINARY: {
        if ((op)e->flags != OP_EXCEPT)
            return NULL;
        const pset *a = fold_products(r, e->a, depth + 1);
        const pset *b = a ? fold_products(r, e->b, depth + 1) : NULL;
        return b ? pset_minus(r, a, b) : NULL;
    }
    default:
        return NULL;
    }
}

static bool pset_within(region *r, const pset *a, const pset *b) {
    const pset *rest = pset_minus(r, a, b);
    return rest && rest->n == 0;
}

/* fold_percent: an ad valorem rate written as a constant (25%, or a let of
 * one); false for anything else. */
static bool fold_percent(const node *e, dec *out, int depth) {
    if (!e || depth > FOLD_DEPTH)
        return false;
    if (e->kind == N_PERCENT) {
        *out = e->v.num;
        return true;
    }
    if (e->kind == N_NAME && e->sym == SYM_DECL && e->ref && e->ref->kind == N_LET)
        return fold_percent(e->ref->a, out, depth + 1);
    return false;
}

/* The whole rate is a schedule's name: a partial lookup, which may find
 * nothing for a shipment. */
static bool is_schedule_name(const node *e) {
    return e && e->kind == N_NAME && e->sym == SYM_DECL && e->ref && e->ref->kind == N_SCHEDULE;
}

/* The expression a let stands for (through lets of lets). */
static const node *through_lets(const node *e) {
    for (int i = 0; e && i < FOLD_DEPTH; i++) {
        if (e->kind != N_NAME || e->sym != SYM_DECL || !e->ref || e->ref->kind != N_LET)
            break;
        e = e->ref->a;
    }
    return e;
}

/* same_expr: are two expressions written alike (names resolving to the same
 * declarations, lets read through)?  Evaluation is deterministic, so such
 * expressions have the same value on any one shipment. */
static bool same_expr(const node *a, const node *b, int depth) {
    a = through_lets(a);
    b = through_lets(b);
    if (!a || !b)
        return a == b;
    dec x, y;
    if (fold_percent(a, &x, 0) && fold_percent(b, &y, 0))
        return dec_cmp(x, y) == 0;
    if (depth > FOLD_DEPTH || a->kind != b->kind || a->flags != b->flags ||
        a->items.n != b->items.n)
        return false;
    switch (a->kind) {
    case N_NAME:
        if (a->sym != b->sym)
            return false;
        return a->sym == SYM_DECL ? a->ref == b->ref : a->index == b->index;
    case N_PERCENT: case N_NUMBER: case N_MONEY:
        return dec_cmp(a->v.num, b->v.num) == 0;
    case N_DATE:
        return a->v.day == b->v.day;
    case N_DURATION:
        return a->v.dur.count == b->v.dur.count && a->v.dur.unit == b->v.dur.unit;
    case N_HS: case N_HS_RANGE:
        return hs_equal(a->v.hs.lo, b->v.hs.lo) && hs_equal(a->v.hs.hi, b->v.hs.hi);
    default:
        break;
    }
    if ((a->name || b->name) && (!a->name || !b->name || strcmp(a->name, b->name) != 0))
        return false;
    if (!same_expr(a->a, b->a, depth + 1) || !same_expr(a->b, b->b, depth + 1) ||
        !same_expr(a->c, b->c, depth + 1))
        return false;
    for (size_t i = 0; i < a->items.n; i++)
        if (!same_expr(a->items.v[i], b->items.v[i], depth + 1))
            return false;
    return true;
}

/* A measure's or modifier's scope as sets, and a modifier's window. */
typedef struct scope_sets {
    bool known;            /* `on`, `from` and the window are constant */
    uint64_t *countries;   /* `from`, or every country */
    const pset *products;  /* `on`, or every product */
    const node *when;      /* the `when` clause, or NULL */
    interval window;       /* a modifier's `effective` window */
} scope_sets;

/* What a modifier does to one measure. */
typedef enum act_kind { ACT_SUSPEND, ACT_SUSPEND_TO, ACT_SET, ACT_CAP, ACT_REDUCE } act_kind;

typedef struct mod_act {
    const node *mod;      /* the pause or concession */
    const node *clause;   /* its suspend, set, cap or reduce clause */
    const node *measure;  /* the measure named; NULL for `suspend all` */
    const node *rate;     /* `to`, `at` or `by`; NULL for a plain suspend */
    act_kind kind;
} mod_act;

typedef struct analysis {
    checker *ck;
    region mem;
    size_t words;              /* of a country set */
    scope_sets *measures;      /* by measure index */
    scope_sets *mods;          /* by modifier index */
    mod_act *acts;             /* on named measures, grouped by measure */
    size_t *first;             /* the acts on measure m: [first[m], first[m + 1]) */
    mod_act *all_acts;         /* `suspend all`: every measure but the exceptions */
    size_t nall;
    const mod_act **cand;      /* scratch: the acts on one measure */
    bool *dropped_m, *dropped_k; /* by the scenario being looked at */
    bool *dropped_anywhere;    /* measures some scenario drops */
    uint64_t *pairs;           /* modifier pairs reported (malloc'd): 0 is empty */
    size_t npairs, cap_pairs;
    size_t first_measure, first_modifier; /* declared since the last check */
} analysis;

static uint64_t *cset_in(analysis *an) {
    return region_alloc(&an->mem, (an->words ? an->words : 1) * sizeof(uint64_t));
}

/* out = a & b & c; true when it is not empty. */
static bool cset_meet(const analysis *an, uint64_t *out, const uint64_t *a, const uint64_t *b,
                      const uint64_t *c) {
    bool any = false;
    for (size_t w = 0; w < an->words; w++)
        any |= (out[w] = a[w] & b[w] & c[w]) != 0;
    return any;
}

static bool cset_within(const analysis *an, const uint64_t *a, const uint64_t *b) {
    for (size_t w = 0; w < an->words; w++)
        if (a[w] & ~b[w])
            return false;
    return true;
}

static bool cset_has(const uint64_t *s, size_t i) { return s[i / 64] >> (i % 64) & 1; }

static void fold_scope(analysis *an, const node *d, scope_sets *s) {
    const node *on = find_clause(d, N_ON), *from = find_clause(d, N_FROM);
    const node *eff = find_clause(d, N_EFFECTIVE);
    s->when = find_clause(d, N_WHEN);
    s->products = on ? fold_products(&an->mem, on->a, 0) : pset_all(&an->mem);
    s->countries = cset_in(an);
    if (!s->countries || !s->products || !window_interval(eff ? eff->b : NULL, &s->window))
        return;
    if (from) {
        s->known = fold_countries(an->ck, from->a, s->countries, 0);
    } else {
        for (size_t i = 0; i < an->ck->p->decls.countries.n; i++)
            s->countries[i / 64] |= UINT64_C(1) << (i % 64);
        s->known = true;
    }
}

/* ---- Modifiers' actions, grouped by measure ------------------------------- */

static const node *named_measure(const node *name) {
    return name && name->sym == SYM_DECL && name->ref && name->ref->kind == N_MEASURE
               ? name->ref
               : NULL;
}

/* collect_acts: the actions of modifier k, appended to out (NULL: only
 * counted).  Returns how many. */
static size_t collect_acts(const node *k, mod_act *out) {
    size_t n = 0;
    for (size_t i = 0; i < k->items.n; i++) {
        const node *c = k->items.v[i];
        mod_act a = { k, c, NULL, NULL, ACT_SUSPEND };
        if (c->kind == N_SUSPEND) {
            a.kind = c->a ? ACT_SUSPEND_TO : ACT_SUSPEND;
            a.rate = c->a;
            if (c->flags & SUSPEND_ALL) {
                if (out)
                    out[n] = a;
                n++;
                continue;
            }
            for (size_t j = 0; j < c->items.n; j++) {
                if (!(a.measure = named_measure(c->items.v[j])))
                    continue;
                if (out)
                    out[n] = a;
                n++;
            }
        } else if (c->kind == N_SET_TO || c->kind == N_CAP || c->kind == N_REDUCE) {
            a.kind = c->kind == N_SET_TO ? ACT_SET : c->kind == N_CAP ? ACT_CAP : ACT_REDUCE;
            a.rate = c->b;
            if (!(a.measure = named_measure(c->a)))
                continue;
            if (out)
                out[n] = a;
            n++;
        }
    }
    return n;
}

/* group_acts: every action of every modifier; those on named measures
 * sorted by measure (a counting sort), the `suspend all` ones apart. */
static bool group_acts(analysis *an) {
    const node_list *mods = &an->ck->p->decls.modifiers;
    size_t nm = an->ck->p->decls.measures.n, total = 0;
    for (size_t k = 0; k < mods->n; k++)
        total += collect_acts(mods->v[k], NULL);
    mod_act *flat = region_alloc(&an->mem, (total ? total : 1) * sizeof *flat);
    an->acts = region_alloc(&an->mem, (total ? total : 1) * sizeof *an->acts);
    an->all_acts = region_alloc(&an->mem, (total ? total : 1) * sizeof *an->all_acts);
    an->cand = region_alloc(&an->mem, (total ? total : 1) * sizeof *an->cand);
    an->first = region_alloc(&an->mem, (nm + 2) * sizeof *an->first);
    if (!flat || !an->acts || !an->all_acts || !an->cand || !an->first)
        return false;
    size_t n = 0;
    for (size_t k = 0; k < mods->n; k++)
        n += collect_acts(mods->v[k], flat + n);
    for (size_t i = 0; i < n; i++)
        if (flat[i].measure)
            an->first[(size_t)flat[i].measure->index + 2]++;
    for (size_t m = 2; m < nm + 2; m++)
        an->first[m] += an->first[m - 1];
    /* first[m + 1] is now where measure m's acts go; filling moves it to
       their end, which is where measure m + 1's start. */
    for (size_t i = 0; i < n; i++) {
        if (flat[i].measure)
            an->acts[an->first[(size_t)flat[i].measure->index + 1]++] = flat[i];
        else
            an->all_acts[an->nall++] = flat[i];
    }
    return true;
}

/* Does `suspend all except ...` leave out measure m? */
static bool excepted(const mod_act *a, const node *m) {
    for (size_t i = 0; i < a->clause->items.n; i++)
        if (named_measure(a->clause->items.v[i]) == m)
            return true;
    return false;
}

/* ---- Scenarios ------------------------------------------------------------- */

/* Each scenario is a policy of its own: the base declarations it does not
 * drop, and its own. */
static void enter_world(analysis *an, const node *scn) {
    const decl_table *t = &an->ck->p->decls;
    memset(an->dropped_m, 0, (t->measures.n ? t->measures.n : 1) * sizeof *an->dropped_m);
    memset(an->dropped_k, 0, (t->modifiers.n ? t->modifiers.n : 1) * sizeof *an->dropped_k);
    for (size_t i = 0; scn && i < scn->items.n; i++) {
        const node *drop = scn->items.v[i];
        for (size_t k = 0; drop->kind == N_DROP && k < drop->items.n; k++) {
            const node *d = drop->items.v[k]->ref;
            if (d && d->kind == N_MEASURE)
                an->dropped_m[d->index] = true;
            else if (d && (d->kind == N_PAUSE || d->kind == N_CONCESSION))
                an->dropped_k[d->index] = true;
        }
    }
}

static bool in_world(const analysis *an, const node *d, const node *scn) {
    if (d->ref)
        return d->ref == scn;
    return !(d->kind == N_MEASURE ? an->dropped_m : an->dropped_k)[d->index];
}

/* ---- W103: measures replaced wherever they apply ------------------------ */

/* Does rate clause c yield a rate on every shipment of scope s?  A rate
 * expression does; a schedule's name, or a table, only when it has an
 * entry for every product or origin of s. */
static bool clause_yields(analysis *an, const node *c, const scope_sets *s) {
    if (c->kind == N_RATE)
        return !is_schedule_name(c->a);
    uint64_t *countries = cset_in(an);
    const pset *products = pset_empty(&an->mem);
    for (size_t i = 0; i < c->items.n && countries && products; i++) {
        const node *entry = c->items.v[i];
        if (is_schedule_name(entry->b))
            return false;
        if (c->flags == BY_ORIGIN) {
            if (!fold_countries(an->ck, entry->a, countries, 0))
                return false;
        } else {
            const pset *key = fold_products(&an->mem, entry->a, 0);
            products = key ? pset_union(&an->mem, products, key) : NULL;
        }
    }
    if (!countries || !products)
        return false;
    return c->flags == BY_ORIGIN ? cset_within(an, s->countries, countries)
                                 : pset_within(&an->mem, s->products, products);
}

/* Is every day of w in a rate window of r whose clause yields on scope s? */
static bool rates_cover(analysis *an, const node *r, const scope_sets *s, interval w) {
    int64_t day = w.lo;
    while (day < w.hi) {
        bool found = false;
        for (size_t i = 0; i < r->items.n && !found; i++) {
            const node *c = r->items.v[i];
            interval ri;
            if ((c->kind != N_RATE && c->kind != N_RATE_BY) || !window_interval(c->b, &ri) ||
                !(ri.lo <= day && day < ri.hi) || !clause_yields(an, c, s))
                continue;
            day = ri.hi;
            found = true;
        }
        if (!found)
            return false;
    }
    return true;
}

/* Can a modifier take measure r away (a plain suspension: a suspended
 * measure replaces nothing) while measure b is in force? */
static bool may_be_suspended(const analysis *an, const node *r, const node *b) {
    for (size_t i = an->first[r->index]; i < an->first[r->index + 1]; i++) {
        const mod_act *a = &an->acts[i];
        const scope_sets *s = &an->mods[a->mod->index];
        if (a->kind == ACT_SUSPEND && (!s->known || windows_meet(b, s->window)))
            return true;
    }
    for (size_t i = 0; i < an->nall; i++) {
        const mod_act *a = &an->all_acts[i];
        const scope_sets *s = &an->mods[a->mod->index];
        if (a->kind == ACT_SUSPEND && !excepted(a, r) && (!s->known || windows_meet(b, s->window)))
            return true;
    }
    return false;
}

/* replaced_everywhere: does measure r, through a `replaces` clause in force
 * over rw, replace measure b on every shipment and date b could charge?
 * Only when certain: r has no `when`, its scope holds b's, each of b's
 * rate windows lies in rw and in r's windows of rates that cannot come up
 * empty, no scenario is involved and nothing can suspend r.  (b's own
 * `when` and tables only narrow where b applies.) */
static bool replaced_everywhere(analysis *an, const node *r, interval rw, const node *b) {
    const scope_sets *sr = &an->measures[r->index], *sb = &an->measures[b->index];
    if (r->ref || b->ref || an->dropped_anywhere[r->index] || !sr->known || !sb->known ||
        sr->when || !cset_within(an, sb->countries, sr->countries) ||
        !pset_within(&an->mem, sb->products, sr->products))
        return false;
    bool any = false;
    for (size_t i = 0; i < b->items.n; i++) {
        const node *c = b->items.v[i];
        interval w;
        if (c->kind != N_RATE && c->kind != N_RATE_BY)
            continue;
        if (!window_interval(c->b, &w))
            return false;
        if (w.lo < rw.lo || w.hi > rw.hi || !rates_cover(an, r, sb, w))
            return false;
        any = true;
    }
    return any && !may_be_suspended(an, r, b);
}

static void report_replaced(analysis *an, const node *r, const node *name, const node *b) {
    checker *ck = an->ck;
    diagnostic *d = diag_add(ck->diags, SEV_WARNING, D_ALWAYS_REPLACED, name_span(ck, b),
                             "measure '%s' is replaced by '%s' wherever it applies; it never "
                             "charges anything", b->name, r->name);
    diag_note(d, name->at,
              "'%s' applies to every product, origin and date of '%s', and replaces it here",
              r->name, b->name);
}

/* W103: each measure replaced everywhere is reported once, with the first
 * measure that replaces it so. */
static void check_always_replaced(analysis *an) {
    const node_list *ms = &an->ck->p->decls.measures;
    bool *done = region_alloc(&an->mem, (ms->n ? ms->n : 1) * sizeof *done);
    for (size_t m = 0; done && m < ms->n; m++) {
        const node *r = ms->v[m];
        for (size_t i = 0; i < r->items.n; i++) {
            const node *c = r->items.v[i];
            interval rw;
            if (c->kind != N_REPLACES || !window_interval(c->b, &rw))
                continue;
            for (size_t k = 0; k < c->items.n; k++) {
                const node *b = named_measure(c->items.v[k]);
                if (!b || b == r || done[b->index] ||
                    ((size_t)b->index < an->first_measure && m < an->first_measure))
                    continue;
                region_mark mark = region_save(&an->mem);
                bool everywhere = replaced_everywhere(an, r, rw, b);
                region_restore(&an->mem, mark);
                if (!everywhere)
                    continue;
                done[b->index] = true;
                report_replaced(an, r, c->items.v[k], b);
            }
        }
    }
}

/* ---- W104: modifiers that can conflict ------------------------------------ */

/* What one action makes a measure charge: suspended, a rate, or not known
 * (a rate that is not a constant percentage, or a cap or reduction of a
 * rate that is not known). */
typedef struct charge {
    bool known, suspended;
    dec rate;
} charge;

static charge act_charge(const mod_act *a, const dec *own) {
    charge c = { false, false, dec_zero() };
    dec x;
    if (a->kind == ACT_SUSPEND) {
        c.known = c.suspended = true;
    } else if (!fold_percent(a->rate, &x, 0)) {
        return c;
    } else if (a->kind == ACT_SUSPEND_TO || a->kind == ACT_SET) {
        c.known = true;
        c.rate = x;
    } else if (own && a->kind == ACT_CAP) {
        c.known = true;
        c.rate = dec_min(*own, x);
    } else if (own && dec_sub(*own, x, &c.rate) == DEC_OK) {
        c.known = true;
        c.rate = dec_max(c.rate, dec_zero());
    }
    return c;
}

/* Do x and y end in the same charge whatever the measure's rate?  Two
 * plain suspensions do, and two actions of one kind with rates written
 * alike (`set` and `suspend ... to` are one kind). */
static bool same_effect(const mod_act *x, const mod_act *y) {
    if (x->kind == ACT_SUSPEND || y->kind == ACT_SUSPEND)
        return x->kind == y->kind;
    act_kind kx = x->kind == ACT_SUSPEND_TO ? ACT_SET : x->kind;
    act_kind ky = y->kind == ACT_SUSPEND_TO ? ACT_SET : y->kind;
    return kx == ky && same_expr(x->rate, y->rate, 0);
}

/* An example shipment on which two modifiers disagree. */
typedef struct example {
    size_t country;
    const pset *products;
    int64_t day;
    bool own_known;     /* the measure's rate there is a constant */
    dec own;
    charge cx, cy;      /* what each modifier makes it charge */
} example;

/* differ: can x and y make the measure charge differently where its own
 * rate is *own (NULL: not known)?  Records the charges in ex. */
static bool differ(const mod_act *x, const mod_act *y, const dec *own, example *ex) {
    ex->cx = act_charge(x, own);
    ex->cy = act_charge(y, own);
    ex->own_known = own != NULL;
    if (own)
        ex->own = *own;
    if (!ex->cx.known || !ex->cy.known)
        return true;
    if (ex->cx.suspended || ex->cy.suspended)
        return ex->cx.suspended != ex->cy.suspended;
    return dec_cmp(ex->cx.rate, ex->cy.rate) != 0;
}

/* The entry of a by-origin table for country i: listed by itself, or else
 * in a group. */
static const node *origin_entry(checker *ck, const node *table, size_t i) {
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < table->items.n; k++) {
            const node *key = table->items.v[k]->a, *d = key->sym == SYM_DECL ? key->ref : NULL;
            if (!d)
                continue;
            if (pass == 0 && d->kind == N_COUNTRY && (size_t)d->index == i)
                return table->items.v[k];
            if (pass == 1 && d->kind == N_GROUP) {
                const uint64_t *g = group_countries(ck, d);
                if (g && cset_has(g, i))
                    return table->items.v[k];
            }
        }
    }
    return NULL;
}

/* The first country of `countries` whose entry in a by-origin table makes
 * x and y disagree. */
static bool origin_example(analysis *an, const node *table, const mod_act *x, const mod_act *y,
                           const uint64_t *countries, example *ex) {
    for (size_t i = 0; i < an->ck->p->decls.countries.n; i++) {
        const node *entry = cset_has(countries, i) ? origin_entry(an->ck, table, i) : NULL;
        dec r;
        if (entry && differ(x, y, fold_percent(entry->b, &r, 0) ? &r : NULL, ex)) {
            ex->country = i;
            return true;
        }
    }
    return false;
}

/* The products whose longest matching key in a by-product table is entry
 * k's: its codes, less those of longer keys (keys of one length do not
 * overlap). */
static const pset *entry_products(region *r, const node *table, size_t k) {
    const node *key = table->items.v[k]->a;
    const pset *s = fold_products(r, key, 0);
    for (size_t j = 0; s && j < table->items.n; j++) {
        const node *other = table->items.v[j]->a;
        if (j != k && (other->kind == N_HS || other->kind == N_HS_RANGE) &&
            other->v.hs.lo.len > key->v.hs.lo.len) {
            const pset *longer = fold_products(r, other, 0);
            s = longer ? pset_minus(r, s, longer) : NULL;
        }
    }
    return s;
}

static bool product_example(analysis *an, const node *table, const mod_act *x, const mod_act *y,
                            const pset *products, example *ex) {
    for (size_t k = 0; k < table->items.n; k++) {
        const node *key = table->items.v[k]->a;
        if (key->kind != N_HS && key->kind != N_HS_RANGE)
            continue;
        const pset *s = entry_products(&an->mem, table, k);
        s = s ? pset_intersect(&an->mem, s, products) : NULL;
        dec r;
        if (s && s->n > 0 &&
            differ(x, y, fold_percent(table->items.v[k]->b, &r, 0) ? &r : NULL, ex)) {
            ex->products = s;
            return true;
        }
    }
    return false;
}

static long cset_first(const analysis *an, const uint64_t *s) {
    for (size_t i = 0; i < an->ck->p->decls.countries.n; i++)
        if (cset_has(s, i))
            return (long)i;
    return -1;
}

/* The first day of a window; the last of one with no start; any day of
 * one in force at all times. */
static int64_t first_day(interval w) {
    date any = 0;
    if (w.lo != INT64_MIN)
        return w.lo;
    if (w.hi != INT64_MAX)
        return w.hi - 1;
    date_from_ymd(2025, 1, 1, &any);
    return any;
}

/* find_example: a shipment in scope of measure m and of both modifiers, on
 * a day in their windows (w) and in a rate window of m, on which x and y
 * can make m charge differently.  Rate clauses are tried in order; in a
 * table, entries (or countries) in order. */
static bool find_example(analysis *an, const node *m, const mod_act *x, const mod_act *y,
                         interval w, const uint64_t *countries, const pset *products,
                         example *ex) {
    for (size_t i = 0; i < m->items.n; i++) {
        const node *c = m->items.v[i];
        interval ci;
        if ((c->kind != N_RATE && c->kind != N_RATE_BY) || !window_interval(c->b, &ci))
            continue;
        interval both = { w.lo > ci.lo ? w.lo : ci.lo, w.hi < ci.hi ? w.hi : ci.hi };
        if (both.lo >= both.hi)
            continue;
        ex->day = first_day(both);
        ex->products = products;
        ex->country = (size_t)cset_first(an, countries);
        dec r;
        if (c->kind == N_RATE && differ(x, y, fold_percent(c->a, &r, 0) ? &r : NULL, ex))
            return true;
        if (c->kind == N_RATE_BY && c->flags == BY_ORIGIN &&
            origin_example(an, c, x, y, countries, ex))
            return true;
        if (c->kind == N_RATE_BY && c->flags == BY_PRODUCT &&
            product_example(an, c, x, y, products, ex))
            return true;
    }
    return false;
}

/* A product of the set to show: the code (fewest digits) that starts its
 * first interval, from chapter 01 on when it can (there is no chapter 00). */
static hs_code example_product(region *r, const pset *s) {
    hs_interval real = { HS_SPACE / 100, HS_SPACE - 1 };
    const pset *from01 = pset_intersect(r, s, pset_from_intervals(r, &real, 1));
    if (from01 && from01->n > 0)
        s = from01;
    uint64_t lo = s->iv[0].lo, hi = s->iv[0].hi, width = HS_SPACE / 100;
    int len = 2;
    while (len < HS_MAX_DIGITS && (lo % width != 0 || lo + width - 1 > hi)) {
        len += 2;
        width /= 100;
    }
    hs_code c = { lo / width, (uint8_t)len };
    return c;
}

static const char *act_phrase(const checker *ck, const mod_act *a, char *buf, size_t n) {
    static const char *const verbs[] = {
        [ACT_SUSPEND] = "suspends it", [ACT_SUSPEND_TO] = "suspends it to",
        [ACT_SET] = "sets it to", [ACT_CAP] = "caps it at", [ACT_REDUCE] = "reduces it by",
    };
    char rate[48] = "";
    if (a->rate)
        snippet(ck, a->rate->at, rate, sizeof rate);
    snprintf(buf, n, "%s%s%s", verbs[a->kind], a->rate ? " " : "", rate);
    return buf;
}

static const char *charge_phrase(const charge *c, char *buf, size_t n) {
    if (c->suspended) {
        snprintf(buf, n, "suspends it");
    } else {
        char r[DEC_FMT_MAX];
        dec_format_percent(c->rate, r, sizeof r);
        snprintf(buf, n, "makes it %s", r);
    }
    return buf;
}

/* The shipment of an example, as the user would write it, and what
 * happens to it. */
static void example_note(analysis *an, diagnostic *d, const node *m, const mod_act *x,
                         const mod_act *y, const example *ex) {
    char product[HS_FMT_MAX], day[11], outcome[256] = "", whens[256] = "";
    hs_format(example_product(&an->mem, ex->products), product);
    date_format((date)ex->day, day);
    if (ex->cx.known && ex->cy.known) {
        char a[64], b[64], where[160] = "there ";
        if (ex->own_known) {
            char own[DEC_FMT_MAX];
            dec_format_percent(ex->own, own, sizeof own);
            snprintf(where, sizeof where, "where '%s' charges %s, ", m->name, own);
        }
        snprintf(outcome, sizeof outcome, ": %s'%s' %s and '%s' %s", where, x->mod->name,
                 charge_phrase(&ex->cx, a, sizeof a), y->mod->name,
                 charge_phrase(&ex->cy, b, sizeof b));
    }
    /* The example may need more than its place, date and product. */
    const node *with_when[3] = { x->mod, y->mod, m };
    size_t len = 0;
    for (int i = 0; i < 3 && len < sizeof whens; i++) {
        if (!find_clause(with_when[i], N_WHEN))
            continue;
        int w = snprintf(whens + len, sizeof whens - len, "%s%s '%s'",
                         len ? " and " : " (if it meets the 'when' of ",
                         rule_word(with_when[i]->kind), with_when[i]->name);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len > 0 && len + 1 < sizeof whens)
        strcat(whens, ")");
    diag_note(d, name_span(an->ck, m),
              "for example on shipment { origin: %s, product: hs %s, value: $1000, "
              "entered: %s }%s%s",
              an->ck->p->decls.countries.v[ex->country]->name, product, day, whens, outcome);
}

static void report_conflict(analysis *an, const node *m, const mod_act *x, const mod_act *y,
                            const example *ex) {
    char a[96], b[96];
    diagnostic *d = diag_add(an->ck->diags, SEV_WARNING, D_MAY_CONFLICT, y->clause->at,
                             "%s '%s' and %s '%s' can conflict on measure '%s': one %s, the "
                             "other %s", rule_word(x->mod->kind), x->mod->name,
                             rule_word(y->mod->kind), y->mod->name, m->name,
                             act_phrase(an->ck, x, a, sizeof a), act_phrase(an->ck, y, b, sizeof b));
    diag_note(d, x->clause->at, "%s '%s' is here; declare which wins with 'overrides'",
              rule_word(x->mod->kind), x->mod->name);
    example_note(an, d, m, x, y, ex);
}

static bool overrides(const node *k, const node *other) {
    for (size_t i = 0; i < k->items.n; i++) {
        const node *c = k->items.v[i];
        for (size_t j = 0; c->kind == N_OVERRIDES && j < c->items.n; j++)
            if (c->items.v[j]->ref == other)
                return true;
    }
    return false;
}

static size_t pair_slot(uint64_t key, size_t cap) {
    return (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (cap - 1);
}

/* pair_seen: has the pair of modifiers (lo, hi) been reported?  Adds it.
 * An open-addressing set of keys lo * 2^32 + hi + 1 (0 marks a free slot). */
static bool pair_seen(analysis *an, size_t lo, size_t hi) {
    if (2 * (an->npairs + 1) > an->cap_pairs) {
        size_t cap = an->cap_pairs ? 2 * an->cap_pairs : 64;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v) {
            an->ck->out_of_memory = true;
            return true;
        }
        for (size_t i = 0; i < an->cap_pairs; i++) {
            size_t h = pair_slot(an->pairs[i], cap);
            while (an->pairs[i] && v[h])
                h = (h + 1) & (cap - 1);
            if (an->pairs[i])
                v[h] = an->pairs[i];
        }
        free(an->pairs);
        an->pairs = v;
        an->cap_pairs = cap;
    }
    uint64_t key = ((uint64_t)lo << 32 | (uint64_t)hi) + 1;
    size_t h = pair_slot(key, an->cap_pairs);
    for (; an->pairs[h]; h = (h + 1) & (an->cap_pairs - 1))
        if (an->pairs[h] == key)
            return true;
    an->pairs[h] = key;
    an->npairs++;
    return false;
}

/* check_pair: x and y act on measure m (x declared first).  They can
 * conflict when neither overrides the other, they can end in different
 * charges, and some shipment is in both scopes and m's, on a day in both
 * windows and a rate window of m. */
static void check_pair(analysis *an, const node *m, const mod_act *x, const mod_act *y);

/* check_pair_in: check_pair, giving back what it allocated (the region
 * would otherwise grow with the number of pairs). */
static void check_pair_in(analysis *an, const node *m, const mod_act *x, const mod_act *y) {
    region_mark mark = region_save(&an->mem);
    check_pair(an, m, x, y);
    region_restore(&an->mem, mark);
}

static void check_pair(analysis *an, const node *m, const mod_act *x, const mod_act *y) {
    const node *kx = x->mod, *ky = y->mod;
    const scope_sets *sx = &an->mods[kx->index], *sy = &an->mods[ky->index];
    const scope_sets *sm = &an->measures[m->index];
    if (kx == ky || ((size_t)ky->index < an->first_modifier) || overrides(kx, ky) ||
        overrides(ky, kx) || same_effect(x, y) || !sx->known || !sy->known || !sm->known)
        return;
    interval w = { sx->window.lo > sy->window.lo ? sx->window.lo : sy->window.lo,
                   sx->window.hi < sy->window.hi ? sx->window.hi : sy->window.hi };
    uint64_t *countries = cset_in(an);
    const pset *products = pset_intersect(&an->mem, sx->products, sy->products);
    products = products ? pset_intersect(&an->mem, products, sm->products) : NULL;
    example ex;
    memset(&ex, 0, sizeof ex);
    if (w.lo < w.hi && countries && products && products->n > 0 &&
        cset_meet(an, countries, sx->countries, sy->countries, sm->countries) &&
        find_example(an, m, x, y, w, countries, products, &ex) &&
        !pair_seen(an, (size_t)kx->index, (size_t)ky->index))
        report_conflict(an, m, x, y, &ex);
}

/* The actions on measure m of the modifiers of the world scn, in the
 * order the modifiers are declared. */
static size_t acts_on(analysis *an, const node *m, const node *scn) {
    size_t n = 0;
    for (size_t i = an->first[m->index]; i < an->first[m->index + 1]; i++)
        if (in_world(an, an->acts[i].mod, scn))
            an->cand[n++] = &an->acts[i];
    for (size_t i = 0; i < an->nall; i++)
        if (in_world(an, an->all_acts[i].mod, scn) && !excepted(&an->all_acts[i], m))
            an->cand[n++] = &an->all_acts[i];
    return n;
}

static int compare_acts(const void *a, const void *b) {
    const mod_act *x = *(const mod_act *const *)a, *y = *(const mod_act *const *)b;
    return x->mod->index < y->mod->index ? -1 : x->mod->index > y->mod->index;
}

/* check_world: every pair of modifiers of the world scn (NULL: the base
 * policy) acting on one measure.  In a scenario only pairs with one of its
 * own modifiers are new: the others were looked at in the base policy. */
static void check_world(analysis *an, const node *scn) {
    const node_list *ms = &an->ck->p->decls.measures;
    enter_world(an, scn);
    for (size_t m = 0; m < ms->n; m++) {
        if (!in_world(an, ms->v[m], scn))
            continue;
        size_t n = acts_on(an, ms->v[m], scn);
        qsort(an->cand, n, sizeof *an->cand, compare_acts);
        for (size_t j = 1; j < n; j++)
            for (size_t i = 0; i < j; i++)
                if (!scn || an->cand[i]->mod->ref == scn || an->cand[j]->mod->ref == scn)
                    check_pair_in(an, ms->v[m], an->cand[i], an->cand[j]);
    }
}

static bool has_own_modifiers(const node *scn) {
    for (size_t i = 0; i < scn->items.n; i++)
        if (scn->items.v[i]->kind == N_PAUSE || scn->items.v[i]->kind == N_CONCESSION)
            return true;
    return false;
}

/* ---- W103 and W104 together ------------------------------------------------ */

static bool analysis_init(analysis *an, checker *ck, size_t first_measure, size_t first_modifier) {
    const decl_table *t = &ck->p->decls;
    memset(an, 0, sizeof *an);
    an->ck = ck;
    region_init(&an->mem);
    an->words = ck->country_words;
    an->first_measure = first_measure;
    an->first_modifier = first_modifier;
    size_t nm = t->measures.n ? t->measures.n : 1, nk = t->modifiers.n ? t->modifiers.n : 1;
    an->measures = region_alloc(&an->mem, nm * sizeof *an->measures);
    an->mods = region_alloc(&an->mem, nk * sizeof *an->mods);
    an->dropped_m = region_alloc(&an->mem, nm * sizeof *an->dropped_m);
    an->dropped_k = region_alloc(&an->mem, nk * sizeof *an->dropped_k);
    an->dropped_anywhere = region_alloc(&an->mem, nm * sizeof *an->dropped_anywhere);
    if (!an->measures || !an->mods || !an->dropped_m || !an->dropped_k ||
        !an->dropped_anywhere || !group_acts(an))
        return false;
    for (size_t i = 0; i < t->measures.n; i++)
        fold_scope(an, t->measures.v[i], &an->measures[i]);
    for (size_t i = 0; i < t->modifiers.n; i++)
        fold_scope(an, t->modifiers.v[i], &an->mods[i]);
    for (size_t s = 0; s < t->scenarios.n; s++) {
        enter_world(an, t->scenarios.v[s]);
        for (size_t i = 0; i < t->measures.n; i++)
            an->dropped_anywhere[i] |= an->dropped_m[i];
    }
    return !an->mem.failed;
}

/* W103 and W104, on a policy that checked clean (they reason about what
 * the policy means, which errors leave unsettled).  Reported for
 * declarations loaded since the last check. */
static void check_policy_meaning(checker *ck, size_t first_measure, size_t first_modifier) {
    analysis an;
    if (analysis_init(&an, ck, first_measure, first_modifier)) {
        check_always_replaced(&an);
        check_world(&an, NULL);
        const node_list *scns = &ck->p->decls.scenarios;
        for (size_t s = 0; s < scns->n; s++)
            if (has_own_modifiers(scns->v[s]))
                check_world(&an, scns->v[s]);
    }
    if (an.mem.failed)
        ck->out_of_memory = true;
    free(an.pairs);
    region_free(&an.mem);
}

/* ---- The entry point -------------------------------------------------------- */

static bool checker_init(checker *ck) {
    for (int dc = 0; dc < DC_COUNT; dc++) {
        size_t n = decl_list(&ck->p->decls, dc)->n;
        ck->info[dc] = calloc(n ? n : 1, sizeof *ck->info[dc]);
        ck->ninfo[dc] = n;
        if (!ck->info[dc])
            return false;
    }
    ck->country_words = (ck->p->decls.countries.n + 63) / 64;
    ck->ngroup_sets = ck->p->decls.groups.n;
    ck->group_sets = calloc(ck->ngroup_sets ? ck->ngroup_sets : 1, sizeof *ck->group_sets);
    ck->group_set_state = calloc(ck->ngroup_sets ? ck->ngroup_sets : 1, 1);
    return ck->group_sets && ck->group_set_state;
}

static void checker_free(checker *ck) {
    for (int dc = 0; dc < DC_COUNT; dc++)
        free(ck->info[dc]);
    for (size_t i = 0; ck->group_sets && i < ck->ngroup_sets; i++)
        free(ck->group_sets[i]);
    free(ck->group_sets);
    free(ck->group_set_state);
    free(ck->locals);
}

static bool is_new_file(const node *prog) {
    return !(prog->flags & (PROGRAM_CHECKED | PROGRAM_FAILED));
}

static bool is_new_root(const node *prog) {
    return is_new_file(prog) && (prog->flags & PROGRAM_ROOT);
}

/* Step 1: every name.  Libraries first, so that a root file's clash with
 * a library is reported in the root, where the user can change it; the
 * scenarios' own names once every global one is known. */
static void declare_all(checker *ck) {
    const node_list *files = &ck->p->files;
    symtab titles;
    symtab_init(&titles);
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
                      size_t errors_before) {
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

bool program_check(program *p, diag_list *diags) {
    size_t errors_before = diags->errors;
    checker ck;
    memset(&ck, 0, sizeof ck);
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
