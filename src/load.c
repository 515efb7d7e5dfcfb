/* load.c - reading the files of a program.
 *
 * A program starts from the files (or texts) a user names, its roots; each
 * `import` adds a library, found by name along the search path or by a path
 * relative to the importing file.  Every file is read once, identified by
 * its resolved path, so import cycles (countries.levy ends with `import
 * groups`, groups.levy starts with `import countries`) are harmless.  Only
 * roots contribute statements to run and tests; libraries give their
 * declarations.  Name resolution and types are the checker's (check.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag_codes.h"
#include "load.h"
#include "parse.h"

/* ---- Paths --------------------------------------------------------------- */

/* The folder part of path, "" when it has none (the current folder). */
static char *folder_of(const mem *m, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return mem_strdup(m, "");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    return mem_strndup(m, path, n);
}

/* The resolved path of path in memory from m; NULL (errno set) when it
 * does not resolve or memory runs out.  realpath fills a local buffer,
 * so that every allocation goes through m. */
static char *real_path(const mem *m, const char *path)
{
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        return NULL;
    char *real = mem_strdup(m, buf);
    if (!real)
        errno = ENOMEM;
    return real;
}

/* dir/file; file alone when it is absolute or dir is "". */
static char *join_path(const mem *m, const char *dir, const char *file)
{
    if (file[0] == '/' || !dir || !dir[0])
        return mem_strdup(m, file);
    size_t a = strlen(dir), b = strlen(file);
    bool slash = dir[a - 1] == '/';
    char *p = mem_alloc(m, a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    if (!slash)
        p[a++] = '/';
    memcpy(p + a, file, b + 1);
    return p;
}

/* ---- Loading ------------------------------------------------------------- */

typedef struct loader {
    program *p;
    const load_options *opts;
    diag_list *diags;
    int *queue; /* files read but not yet parsed */
    size_t nqueue, cap;
    bool out_of_memory;
    const mem *mem;
} loader;

static bool queue_push(loader *ld, int file)
{
    if (!mem_grow(ld->mem, &ld->queue, &ld->cap, ld->nqueue, sizeof *ld->queue, 16))
        return false;
    ld->queue[ld->nqueue++] = file;
    return true;
}

static void push_node(loader *ld, node_list *list, node *n)
{
    if (!ast_push(ld->p->arena, list, n))
        ld->out_of_memory = true;
}

/* A file joins the roots: its statements will run and its tests count. */
static void make_root(loader *ld, node *prog)
{
    if (prog->flags & PROGRAM_ROOT)
        return;
    prog->flags |= PROGRAM_ROOT;
    if (prog->flags & PROGRAM_FAILED)
        return;
    push_node(ld, &ld->p->roots, prog);
    for (size_t i = 0; i < prog->items.n; i++) {
        node *s = prog->items.v[i];
        if (s->kind == N_EXPR_STMT || s->kind == N_UNDER)
            push_node(ld, &ld->p->statements, s);
    }
}

/* read_source: the file at resolved path `real` as a new source shown as
 * `shown`: from opts->cache when it holds that path, else from disk. */
static int read_source(program *p, const load_options *opts, const char *shown, const char *real)
{
    const source_set *cache = opts ? opts->cache : NULL;
    for (size_t i = 0; cache && i < cache->count; i++) {
        const source_text *c = cache->items[i];
        if (c->path && strcmp(c->path, real) == 0)
            return source_set_add(p->sources, shown, real, c->text, c->len);
    }
    return source_set_read_file(p->sources, shown, real);
}

/* The tree of a loaded file: what the parser made of it, or a stand-in
 * marked PROGRAM_FAILED when it did not parse. */
static node *parse_file(loader *ld, int file)
{
    node *prog = NULL;
    parse_status st = parse_source(ld->p->arena, ld->p->sources, file, ld->diags, &prog);
    span at = { file, 1, 1, 1, 1 };
    if (st != PARSE_OK || !prog) {
        prog = ast_new(ld->p->arena, N_PROGRAM, at);
        if (!prog) {
            ld->out_of_memory = true;
            return NULL;
        }
        prog->flags = PROGRAM_FAILED;
        ld->p->incomplete = true;
        return prog;
    }
    /* The parser's span of an empty program may lack its file. */
    prog->at.file = file;
    push_node(ld, &ld->p->files, prog);
    return prog;
}

static void remember(loader *ld, int file, node *prog)
{
    const source_text *src = source_set_get(ld->p->sources, file);
    if (src && src->path && !symtab_put(&ld->p->loaded, src->path, prog))
        ld->out_of_memory = true;
}

/* queue_library: a library just read as source `file`, to be parsed. */
static bool queue_library(loader *ld, int file)
{
    /* Remember it before parsing, so that a second import or a cycle finds
       it loaded: a stand-in until its tree replaces it. */
    const source_text *src = source_set_get(ld->p->sources, file);
    span place = { file, 1, 1, 1, 1 };
    node *pending = ast_new(ld->p->arena, N_PROGRAM, place);
    if (!pending || !symtab_put(&ld->p->loaded, src->path, pending) || !queue_push(ld, file)) {
        ld->out_of_memory = true;
        return false;
    }
    return true;
}

/* Reads the library at real path `real`, shown as `shown`, unless it is
 * loaded already.  Returns false when it cannot be read, or may not be:
 * outside the folders the policy may read (E704), it is not opened. */
static bool read_library(loader *ld, const char *shown, const char *real, span at)
{
    if (symtab_get(&ld->p->loaded, real))
        return true;
    if (!program_may_read(ld->p, real)) {
        diagnostic *d = diag_add(ld->diags, SEV_ERROR, D_READ_OUTSIDE, at,
                                 "cannot import '%s': it is outside the policy's folder, the "
                                 "search path and the standard library",
                                 shown);
        diag_note(d, at, "a policy reads only files below its own folder; to allow another "
                         "folder, run levy with --allow-read DIR");
        return false;
    }
    int file = read_source(ld->p, ld->opts, shown, real);
    if (file < 0) {
        diag_add(ld->diags, SEV_ERROR, D_FILE, at, "cannot read library '%s': %s", shown,
                 strerror(errno));
        return false;
    }
    return queue_library(ld, file);
}

static void write_to_strbuf(void *userdata, const char *text, size_t len)
{
    sb_putn(userdata, text, len);
}

/* An import read through the host's loader.  The library is known by
 * `key` (NAME.levy, or the path joined to the importer's folder), which
 * is also its path, so that it is asked for once and cycles end. */
static void import_from_host(loader *ld, const node *imp, const char *importer,
                             const char *shown_dir)
{
    bool by_path = imp->flags & IMPORT_PATH;
    char *key = NULL;
    if (by_path) {
        key = join_path(ld->mem, shown_dir, imp->name);
    } else if ((key = mem_alloc(ld->mem, strlen(imp->name) + 6))) {
        strcpy(key, imp->name);
        strcat(key, ".levy");
    }
    if (!key) {
        ld->out_of_memory = true;
        return;
    }
    if (symtab_get(&ld->p->loaded, key)) {
        mem_free(ld->mem, key);
        return;
    }
    strbuf text;
    sb_init(&text, ld->mem);
    int given = ld->opts->import(ld->opts->import_userdata, importer, imp->name, by_path,
                                 write_to_strbuf, &text);
    if (!given) {
        diag_add(ld->diags, SEV_ERROR, D_IMPORT_NOT_FOUND, imp->at,
                 "cannot find library '%s' (the host's import loader refused it)", imp->name);
    } else if (text.failed) {
        ld->out_of_memory = true;
    } else {
        int file = source_set_add(ld->p->sources, key, key, sb_cstr(&text), text.len);
        if (file < 0)
            ld->out_of_memory = true;
        else
            queue_library(ld, file);
    }
    sb_free(&text);
    mem_free(ld->mem, key);
}

/* One candidate place for a library: dir/file, shown as shown_dir/file. */
static bool try_library(loader *ld, const char *dir, const char *shown_dir, const char *file,
                        span at, bool *found)
{
    char *path = join_path(ld->mem, dir, file);
    if (!path) {
        ld->out_of_memory = true;
        return false;
    }
    char *real = real_path(ld->mem, path);
    int err = errno;
    mem_free(ld->mem, path);
    if (!real && err == ENOMEM) { /* there, but no memory to say so */
        ld->out_of_memory = true;
        *found = true; /* look no further: the failure is reported */
        return false;
    }
    if (!real)
        return true;
    char *shown = join_path(ld->mem, shown_dir, file);
    bool ok = shown && read_library(ld, shown, real, at);
    if (!shown)
        ld->out_of_memory = true;
    mem_free(ld->mem, shown);
    mem_free(ld->mem, real);
    *found = true;
    return ok;
}

/* `import NAME`: NAME.levy in the importing file's folder, then along the
 * search path, then in the standard library. */
static void import_by_name(loader *ld, const node *imp, const char *dir, const char *shown_dir)
{
    char *file = mem_alloc(ld->mem, strlen(imp->name) + 6);
    if (!file) {
        ld->out_of_memory = true;
        return;
    }
    strcpy(file, imp->name);
    strcat(file, ".levy");
    bool found = false;
    try_library(ld, dir, shown_dir, file, imp->at, &found);
    for (size_t i = 0; !found && ld->opts && ld->opts->search_path && ld->opts->search_path[i];
         i++) {
        const char *folder = ld->opts->search_path[i];
        try_library(ld, folder, folder, file, imp->at, &found);
    }
    if (!found && ld->opts && ld->opts->stdlib_dir)
        try_library(ld, ld->opts->stdlib_dir, ld->opts->stdlib_dir, file, imp->at, &found);
    if (found) {
        mem_free(ld->mem, file);
        return;
    }
    diagnostic *d = diag_add(ld->diags, SEV_ERROR, D_IMPORT_NOT_FOUND, imp->at,
                             "cannot find library '%s' (%s)", imp->name, file);
    /* Say where we looked, in the order we looked. */
    size_t len = strlen(shown_dir[0] ? shown_dir : ".") + 1;
    for (size_t i = 0; ld->opts && ld->opts->search_path && ld->opts->search_path[i]; i++)
        len += strlen(ld->opts->search_path[i]) + 2;
    if (ld->opts && ld->opts->stdlib_dir)
        len += strlen(ld->opts->stdlib_dir) + 2;
    char *where = mem_alloc(ld->mem, len);
    if (where) {
        strcpy(where, shown_dir[0] ? shown_dir : ".");
        for (size_t i = 0; ld->opts && ld->opts->search_path && ld->opts->search_path[i]; i++) {
            strcat(where, ", ");
            strcat(where, ld->opts->search_path[i]);
        }
        if (ld->opts && ld->opts->stdlib_dir) {
            strcat(where, ", ");
            strcat(where, ld->opts->stdlib_dir);
        }
    }
    if (where)
        diag_note(d, imp->at, "looked in: %s", where);
    mem_free(ld->mem, where);
    mem_free(ld->mem, file);
}

/* `import "path.levy"`: relative to the importing file's folder. */
static void import_by_path(loader *ld, const node *imp, const char *dir, const char *shown_dir)
{
    char *path = join_path(ld->mem, dir, imp->name);
    if (!path) {
        ld->out_of_memory = true;
        return;
    }
    char *real = real_path(ld->mem, path);
    int err = errno;
    mem_free(ld->mem, path);
    if (!real) {
        char *shown = join_path(ld->mem, shown_dir, imp->name);
        diag_add(ld->diags, SEV_ERROR, D_IMPORT_NOT_FOUND, imp->at, "cannot find library '%s': %s",
                 shown ? shown : imp->name, strerror(err));
        mem_free(ld->mem, shown);
        return;
    }
    char *shown = join_path(ld->mem, shown_dir, imp->name);
    if (shown)
        read_library(ld, shown, real, imp->at);
    else
        ld->out_of_memory = true;
    mem_free(ld->mem, shown);
    mem_free(ld->mem, real);
}

/* Reads the libraries a parsed file imports. */
static void load_imports(loader *ld, const node *prog)
{
    const source_text *src = source_set_get(ld->p->sources, prog->at.file);
    if (!src)
        return;
    /* Resolve against the real folder; show paths as the user wrote them. */
    char *dir = folder_of(ld->mem, src->path ? src->path : src->name);
    char *shown_dir = folder_of(ld->mem, src->name);
    if (!dir || !shown_dir) {
        ld->out_of_memory = true;
    } else {
        for (size_t i = 0; i < prog->items.n; i++) {
            const node *imp = prog->items.v[i];
            if (imp->kind != N_IMPORT || !imp->name)
                continue;
            if (ld->opts && ld->opts->import)
                import_from_host(ld, imp, src->name, shown_dir);
            else if (imp->flags & IMPORT_PATH)
                import_by_path(ld, imp, dir, shown_dir);
            else
                import_by_name(ld, imp, dir, shown_dir);
        }
    }
    mem_free(ld->mem, dir);
    mem_free(ld->mem, shown_dir);
}

/* allow_configured: the folders opts lets a policy read besides its own:
 * the search path, the standard library, --allow-read's. */
static bool allow_configured(program *p, const load_options *opts)
{
    bool ok = true;
    for (size_t i = 0; opts && opts->search_path && opts->search_path[i]; i++)
        ok &= program_allow_read(p, opts->search_path[i]);
    if (opts && opts->stdlib_dir)
        ok &= program_allow_read(p, opts->stdlib_dir);
    for (const char *s = opts ? opts->allow_read : NULL; s && *s;) {
        const char *colon = strchr(s, ':');
        size_t n = colon ? (size_t)(colon - s) : strlen(s);
        char *dir = mem_strndup(p->arena->mem, s, n);
        ok &= dir && program_allow_read(p, dir);
        mem_free(p->arena->mem, dir);
        s = colon ? colon + 1 : s + n;
    }
    return ok;
}

/* Parses the root `file` and, breadth first, everything it imports. */
static bool load_root(program *p, int file, const load_options *opts, diag_list *diags)
{
    loader ld = { p, opts, diags, NULL, 0, 0, false, p->arena->mem };
    if (!allow_configured(p, opts))
        ld.out_of_memory = true;
    node *root = parse_file(&ld, file);
    bool ok = root && !(root->flags & PROGRAM_FAILED);
    if (root) {
        remember(&ld, file, root);
        make_root(&ld, root);
        if (ok)
            load_imports(&ld, root);
    }
    for (size_t i = 0; i < ld.nqueue; i++) {
        node *lib = parse_file(&ld, ld.queue[i]);
        if (!lib)
            break;
        remember(&ld, ld.queue[i], lib);
        if (!(lib->flags & PROGRAM_FAILED))
            load_imports(&ld, lib);
        else
            ok = false;
    }
    mem_free(ld.mem, ld.queue);
    if (ld.out_of_memory) {
        diag_add(diags, SEV_ERROR, D_FILE, span_none, "out of memory while loading");
        ok = false;
    }
    return ok;
}

bool program_load_file(program *p, const char *path, const load_options *opts, diag_list *diags)
{
    char *real = real_path(p->arena->mem, path);
    if (!real) {
        diag_add(diags, SEV_ERROR, D_FILE, span_none, "cannot read '%s': %s", path,
                 strerror(errno));
        return false;
    }
    /* Named by the user after being imported: it becomes a root too. */
    node *known = symtab_get(&p->loaded, real);
    if (known) {
        mem_free(p->arena->mem, real);
        loader ld = { p, opts, diags, NULL, 0, 0, false, p->arena->mem };
        make_root(&ld, known);
        return !(known->flags & PROGRAM_FAILED) && !ld.out_of_memory;
    }
    char *folder = folder_of(p->arena->mem, real);
    bool allowed = folder && program_allow_read(p, folder);
    mem_free(p->arena->mem, folder);
    if (!allowed) {
        mem_free(p->arena->mem, real);
        diag_add(diags, SEV_ERROR, D_FILE, span_none, "out of memory while loading '%s'", path);
        return false;
    }
    int file = read_source(p, opts, path, real);
    int err = errno;
    mem_free(p->arena->mem, real);
    if (file < 0) {
        diag_add(diags, SEV_ERROR, D_FILE, span_none, "cannot read '%s': %s", path, strerror(err));
        return false;
    }
    return load_root(p, file, opts, diags);
}

bool program_load_text(program *p, const char *name, const char *text, size_t len,
                       const load_options *opts, diag_list *diags)
{
    int file = program_allow_read(p, ".") ? source_set_add(p->sources, name, NULL, text, len) : -1;
    if (file < 0) {
        diag_add(diags, SEV_ERROR, D_FILE, span_none, "out of memory while loading '%s'",
                 name ? name : "<input>");
        return false;
    }
    return load_root(p, file, opts, diags);
}
