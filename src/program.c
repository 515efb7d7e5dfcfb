/* program.c - a program's tables: made empty, and freed; and the kinds
 * and classes of declaration, from decl_kinds.def. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "program.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- Programs ------------------------------------------------------------ */

void program_init(program *p, arena *a, source_set *srcs)
{
    memset(p, 0, sizeof *p);
    p->arena = a;
    p->sources = srcs;
    symtab_init(&p->globals, a->mem);
    symtab_init(&p->scenario_names, a->mem);
    symtab_init(&p->loaded, a->mem);
}

void program_free(program *p)
{
    /* Nodes and node lists live in the arena; only the tables are ours. */
    symtab_free(&p->globals);
    symtab_free(&p->scenario_names);
    symtab_free(&p->loaded);
    arena *a = p->arena;
    source_set *srcs = p->sources;
    memset(p, 0, sizeof *p);
    p->arena = a;
    p->sources = srcs;
}

/* ---- What a policy may read ------------------------------------------------ */

bool program_allow_read(program *p, const char *dir)
{
    char buf[PATH_MAX];
    if (!dir || !realpath(dir[0] ? dir : ".", buf))
        return true;
    for (size_t i = 0; i < p->nread_dirs; i++)
        if (strcmp(p->read_dirs[i], buf) == 0)
            return true;
    if (p->nread_dirs == p->cap_read_dirs) {
        size_t cap = p->cap_read_dirs ? 2 * p->cap_read_dirs : 8;
        const char **v = arena_alloc(p->arena, cap * sizeof *v);
        if (!v)
            return false;
        if (p->nread_dirs)
            memcpy(v, p->read_dirs, p->nread_dirs * sizeof *v);
        p->read_dirs = v;
        p->cap_read_dirs = cap;
    }
    const char *copy = arena_strdup(p->arena, buf);
    if (!copy)
        return false;
    p->read_dirs[p->nread_dirs++] = copy;
    return true;
}

bool program_may_read(const program *p, const char *path)
{
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        return true;
    for (size_t i = 0; i < p->nread_dirs; i++) {
        const char *d = p->read_dirs[i];
        size_t n = strlen(d);
        if (strcmp(d, "/") == 0 ||
            (strncmp(buf, d, n) == 0 && (buf[n] == '/' || buf[n] == '\0')))
            return true;
    }
    return false;
}

/* ---- Kinds and classes of declaration ---------------------------------------- */

/* Every function here is generated from decl_kinds.def. */

decl_class decl_kind_class(node_kind k)
{
    switch (k) {
/* clang-format off */
#define DECL_KIND(keyword, TOKEN, kind, phrase, CLASS, where, list) case kind: return DC_##CLASS;
#include "decl_kinds.def"
        /* clang-format on */
    default: return DC_NONE;
    }
}

decl_class decl_class_of(const node *d)
{
    if (d->kind == N_LET && (d->flags & LET_LOCAL))
        return DC_NONE; /* numbered in local_lets, and not a global name */
    return decl_kind_class(d->kind);
}

static const size_t class_offsets[DC_COUNT] = {
/* clang-format off */
#define DECL_CLASS(CLASS, member, type, compiled) [DC_##CLASS] = offsetof(decl_table, member),
#include "decl_kinds.def"
    /* clang-format on */
};

node_list *decl_class_list(const decl_table *t, decl_class dc)
{
    return (node_list *)((const char *)t + class_offsets[dc]);
}

const node_list *decl_kind_list(const decl_table *t, node_kind k)
{
    decl_class dc = decl_kind_class(k);
    if (dc != DC_NONE)
        return decl_class_list(t, dc);
    /* Numbered, though not names. */
    if (k == N_COMMIT)
        return &t->commits;
    if (k == N_TEST)
        return &t->tests;
    return NULL;
}

bool decl_class_per_scenario(decl_class dc)
{
#define PER_SCENARIO true
#define SHARED false
    static const bool per_scenario[DC_COUNT] = {
/* clang-format off */
#define DECL_CLASS(CLASS, member, type, compiled) [DC_##CLASS] = compiled,
#include "decl_kinds.def"
        /* clang-format on */
    };
#undef PER_SCENARIO
#undef SHARED
    return dc != DC_NONE && per_scenario[dc];
}

type decl_class_type(decl_class dc)
{
    static const type types[DC_COUNT] = {
/* clang-format off */
#define DECL_CLASS(CLASS, member, type, compiled) [DC_##CLASS] = type,
#include "decl_kinds.def"
        /* clang-format on */
    };
    return dc != DC_NONE ? types[dc] : T_UNKNOWN;
}

bool decl_kind_in_scenario(node_kind k)
{
    switch (k) {
#define ANYWHERE true
#define TOP_LEVEL false
/* clang-format off */
#define DECL_KIND(keyword, TOKEN, kind, phrase, CLASS, where, list) case kind: return where;
#include "decl_kinds.def"
/* clang-format on */
#undef ANYWHERE
#undef TOP_LEVEL
    default: return false;
    }
}

const char *decl_kind_keyword(node_kind k)
{
    switch (k) {
/* clang-format off */
#define DECL_KIND(keyword, TOKEN, kind, phrase, CLASS, where, list) case kind: return keyword;
#include "decl_kinds.def"
        /* clang-format on */
    default: return NULL;
    }
}

const char *decl_kind_phrase(node_kind k)
{
    switch (k) {
/* clang-format off */
#define DECL_KIND(keyword, TOKEN, kind, phrase, CLASS, where, list) case kind: return phrase;
#include "decl_kinds.def"
        /* clang-format on */
    default: return "a declaration";
    }
}

static const struct list_kind {
    const char *name; /* NULL: not listed */
    node_kind kind;
} list_kinds[] = {
/* clang-format off */
#define DECL_KIND(keyword, TOKEN, kind, phrase, CLASS, where, list) { list, kind },
#include "decl_kinds.def"
    /* clang-format on */
};

const char *decl_list_kind(size_t i, node_kind *kind)
{
    for (size_t k = 0; k < sizeof list_kinds / sizeof list_kinds[0]; k++) {
        if (!list_kinds[k].name || i-- > 0)
            continue;
        if (kind)
            *kind = list_kinds[k].kind;
        return list_kinds[k].name;
    }
    return NULL;
}
