/* diag.c - sources, diagnostics and their rendering. */
#include "diag.h"

#include "diag_codes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const span span_none = { -1, 0, 0, 0, 0 };

void source_set_init(source_set *s, const mem *m)
{
    s->items = NULL;
    s->count = s->cap = 0;
    s->mem = mem_or_libc(m);
}

static void source_free(const mem *m, source_text *src)
{
    if (!src)
        return;
    mem_free(m, src->name);
    mem_free(m, src->path);
    mem_free(m, src->text);
    mem_free(m, src->line_starts);
    mem_free(m, src->allowed);
    mem_free(m, src);
}

void source_set_free(source_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        source_free(s->mem, s->items[i]);
    mem_free(s->mem, s->items);
    source_set_init(s, s->mem);
}

static char *dup_or_null(const mem *m, const char *s)
{
    return s ? mem_strdup(m, s) : NULL;
}

/* The offset of the start of every line, so that a span's line can be shown
 * without scanning the text again. */
static bool build_line_map(const mem *m, source_text *src)
{
    size_t lines = 1;
    for (size_t i = 0; i < src->len; i++)
        lines += src->text[i] == '\n';
    src->line_starts = mem_calloc(m, lines, sizeof *src->line_starts);
    if (!src->line_starts)
        return false;
    size_t k = 0;
    src->line_starts[k++] = 0;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n')
            src->line_starts[k++] = i + 1;
    src->nlines = lines;
    return true;
}

/* A UTF-8 byte-order mark, which Windows editors write at the start of a
 * file: dropped, so that it is not a stray character and columns on the
 * first line count from the text after it. */
static size_t byte_order_mark_length(const char *text, size_t len)
{
    return len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
                   (unsigned char)text[2] == 0xBF
               ? 3
               : 0;
}

/* ---- `# levy: allow W104` ------------------------------------------------
 *
 * A comment line (its first non-blank character '#': a string cannot span
 * lines, so such a line is always a comment) of the form
 *     # levy: allow W104, W101
 * silences those warnings in the whole file it is in. */

static const char *const warning_codes[] = { D_UNUSED,       D_NEVER_TOUCHES, D_ALWAYS_REPLACED,
                                             D_MAY_CONFLICT, D_REDEFINED,     D_SCHEDULE_TEXT };

bool diag_is_warning_code(const char *code)
{
    for (size_t i = 0; code && i < sizeof warning_codes / sizeof warning_codes[0]; i++)
        if (strcmp(code, warning_codes[i]) == 0)
            return true;
    return false;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The directive of a line, after "# levy:", or NULL if the line is none. */
static const char *directive_of(const char *line, size_t len, size_t *rest)
{
    size_t i = 0;
    while (i < len && is_blank(line[i]))
        i++;
    if (i >= len || line[i] != '#')
        return NULL;
    i++;
    while (i < len && is_blank(line[i]))
        i++;
    if (len - i < 5 || memcmp(line + i, "levy:", 5) != 0)
        return NULL;
    i += 5;
    *rest = len - i;
    return line + i;
}

/* Walks one directive: calls `code` for each code after "allow" (with its
 * column), `bad` for what is not understood.  Returns the number of codes. */
typedef struct directive_walk {
    void (*code)(struct directive_walk *w, const char *text, size_t len, int column);
    void (*bad)(struct directive_walk *w, const char *text, size_t len, int column);
    const char *line; /* the text of the line being walked */
    int number;       /* its number */
    void *ctx;
} directive_walk;

static void walk_directive(directive_walk *w, const char *dir, size_t len)
{
    size_t i = 0, n = 0;
    while (i < len && is_blank(dir[i]))
        i++;
    size_t word = i;
    while (i < len && !is_blank(dir[i]))
        i++;
    int column = (int)(dir - w->line + (ptrdiff_t)word) + 1;
    if (i - word != 5 || memcmp(dir + word, "allow", 5) != 0) {
        w->bad(w, dir + word, i - word, column);
        return;
    }
    for (;;) {
        while (i < len && (is_blank(dir[i]) || dir[i] == ','))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !is_blank(dir[i]) && dir[i] != ',')
            i++;
        w->code(w, dir + start, i - start, (int)(dir - w->line + (ptrdiff_t)start) + 1);
        n++;
    }
    if (n == 0)
        w->bad(w, dir + len, 0, (int)(dir - w->line + (ptrdiff_t)len) + 1);
}

static bool warning_code_n(const char *text, size_t len)
{
    char code[8];
    if (len == 0 || len >= sizeof code)
        return false;
    memcpy(code, text, len);
    code[len] = '\0';
    return diag_is_warning_code(code);
}

/* for_each_directive: walks every '# levy:' directive of src, in order. */
static void for_each_directive(const source_text *src, directive_walk *w)
{
    for (size_t k = 1; k <= src->nlines; k++) {
        size_t len, rest;
        const char *line = source_line(src, (int)k, &len);
        const char *dir = directive_of(line, len, &rest);
        if (!dir)
            continue;
        w->line = line;
        w->number = (int)k;
        walk_directive(w, dir, rest);
    }
}

static void collect_code(directive_walk *w, const char *text, size_t len, int column)
{
    (void)column;
    if (warning_code_n(text, len))
        sb_printf(w->ctx, "%.*s ", (int)len, text);
}

static void collect_bad(directive_walk *w, const char *text, size_t len, int column)
{
    (void)w, (void)text, (void)len, (void)column;
}

/* src->allowed from its directives; false when out of memory. */
static bool collect_directives(const mem *m, source_text *src)
{
    strbuf codes;
    sb_init(&codes, m);
    sb_putc(&codes, ' ');
    directive_walk w = { collect_code, collect_bad, NULL, 0, &codes };
    for_each_directive(src, &w);
    bool ok = !codes.failed;
    if (ok && codes.len > 1)
        src->allowed = mem_strdup(m, sb_cstr(&codes));
    ok = ok && (codes.len <= 1 || src->allowed);
    sb_free(&codes);
    return ok;
}

typedef struct check_ctx {
    diag_list *d;
    int file;
} check_ctx;

static span directive_span(const directive_walk *w, size_t len, int column)
{
    const check_ctx *c = w->ctx;
    span at = { c->file, w->number, column, w->number, column + (len ? (int)len - 1 : 0) };
    return at;
}

static void check_code(directive_walk *w, const char *text, size_t len, int column)
{
    check_ctx *c = w->ctx;
    if (warning_code_n(text, len))
        return;
    span at = directive_span(w, len, column);
    diagnostic *g;
    if (len > 1 && text[0] == 'E' && text[1] >= '0' && text[1] <= '9') {
        g = diag_add(c->d, SEV_ERROR, D_LEX_DIRECTIVE, at,
                     "'%.*s' is an error, and errors cannot be silenced", (int)len, text);
        diag_note(g, at, "only warnings can be allowed: W101, W102, W103, W104, W703");
    } else {
        g = diag_add(c->d, SEV_ERROR, D_LEX_DIRECTIVE, at, "'%.*s' is not a warning code",
                     (int)len, text);
        diag_note(g, at, "the warnings that can be allowed are W101, W102, W103, W104, W703");
    }
}

static void check_bad(directive_walk *w, const char *text, size_t len, int column)
{
    check_ctx *c = w->ctx;
    span at = directive_span(w, len, column);
    diagnostic *g;
    if (len == 0)
        g = diag_add(c->d, SEV_ERROR, D_LEX_DIRECTIVE, at, "'# levy: allow' names no warning");
    else
        g = diag_add(c->d, SEV_ERROR, D_LEX_DIRECTIVE, at, "unknown directive '%.*s'",
                     (int)len, text);
    diag_note(g, at,
              "a '# levy:' comment is a directive: '# levy: allow W104' silences W104 in this file");
}

void source_check_directives(const source_set *s, int file, diag_list *d)
{
    const source_text *src = source_set_get(s, file);
    if (!src)
        return;
    check_ctx c = { d, file };
    directive_walk w = { check_code, check_bad, NULL, 0, &c };
    for_each_directive(src, &w);
}

int source_set_add(source_set *s, const char *name, const char *path, const char *text, size_t len)
{
    size_t bom = byte_order_mark_length(text, len);
    text += bom;
    len -= bom;
    if (!mem_grow(s->mem, &s->items, &s->cap, s->count, sizeof *s->items, 8))
        return -1;
    source_text *src = mem_calloc(s->mem, 1, sizeof *src);
    if (!src)
        return -1;
    src->name = dup_or_null(s->mem, name ? name : "<input>");
    src->path = dup_or_null(s->mem, path);
    src->text = mem_alloc(s->mem, len + 1);
    if (!src->name || (path && !src->path) || !src->text) {
        source_free(s->mem, src);
        return -1;
    }
    memcpy(src->text, text, len);
    src->text[len] = '\0';
    src->len = len;
    if (!build_line_map(s->mem, src) || !collect_directives(s->mem, src)) {
        source_free(s->mem, src);
        return -1;
    }
    s->items[s->count] = src;
    return (int)s->count++;
}

int source_set_read_file(source_set *s, const char *name, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    strbuf text;
    sb_init(&text, s->mem);
    char chunk[16384];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && !text.failed)
        sb_putn(&text, chunk, got);
    int err = ferror(f);
    fclose(f);
    if (text.failed || err) {
        int why = text.failed ? ENOMEM : EIO;
        sb_free(&text);
        errno = why;
        return -1;
    }
    int id = source_set_add(s, name, path, sb_cstr(&text), text.len);
    sb_free(&text);
    return id;
}

const source_text *source_set_get(const source_set *s, int file)
{
    if (file < 0 || (size_t)file >= s->count)
        return NULL;
    return s->items[file];
}

const char *source_line(const source_text *src, int line, size_t *len)
{
    if (line < 1 || (size_t)line > src->nlines) {
        *len = 0;
        return "";
    }
    size_t start = src->line_starts[line - 1];
    size_t end = (size_t)line < src->nlines ? src->line_starts[line] - 1 : src->len;
    if (end > start && src->text[end - 1] == '\r')
        end--;
    *len = end - start;
    return src->text + start;
}

void diag_list_init(diag_list *d, const mem *m)
{
    memset(d, 0, sizeof *d);
    d->mem = mem_or_libc(m);
}

static void diagnostic_free(diagnostic *d)
{
    mem_free(d->mem, d->message);
    for (size_t i = 0; i < d->nnotes; i++)
        mem_free(d->mem, d->notes[i].message);
    mem_free(d->mem, d->notes);
}

void diag_list_clear(diag_list *d)
{
    for (size_t i = 0; i < d->count; i++)
        diagnostic_free(&d->items[i]);
    d->count = d->errors = d->warnings = 0;
    d->kept_errors = d->kept_warnings = 0;
    d->stopped_errors = d->stopped_warnings = false;
}

void diag_list_free(diag_list *d)
{
    diag_list_clear(d);
    mem_free(d->mem, d->items);
    diag_list_init(d, d->mem);
}

static char *vformat(const mem *m, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *p = mem_alloc(m, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

static bool listed(const char *list, const char *code);

/* Whether a warning of this code at this place is silenced. */
static bool silenced(const diag_list *d, const char *code, int file)
{
    if (listed(d->allowed, code))
        return true;
    const source_text *src = d->srcs ? source_set_get(d->srcs, file) : NULL;
    return src && listed(src->allowed, code);
}

static diagnostic *push(diag_list *d, severity sev, const char *code, span at, char *msg)
{
    if (!msg)
        return NULL;
    if (!mem_grow(d->mem, &d->items, &d->cap, d->count, sizeof *d->items, 16)) {
        mem_free(d->mem, msg);
        return NULL;
    }
    diagnostic *g = &d->items[d->count++];
    memset(g, 0, sizeof *g);
    g->sev = sev;
    g->code = code;
    g->at = at;
    g->message = msg;
    g->mem = d->mem;
    return g;
}

static char *format_message(const mem *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(m, fmt, ap);
    va_end(ap);
    return msg;
}

/* Whether a diagnostic of this severity may be kept: past DIAG_LIMIT of
 * its severity, the first one over becomes the "too many" diagnostic (with
 * its code and place) and the others are dropped. */
static bool admit(diag_list *d, severity sev, const char *code, span at)
{
    size_t *kept = sev == SEV_ERROR ? &d->kept_errors : sev == SEV_WARNING ? &d->kept_warnings : NULL;
    bool *stopped = sev == SEV_ERROR ? &d->stopped_errors : &d->stopped_warnings;
    if (!kept)
        return true;
    if (*stopped)
        return false;
    if (*kept < DIAG_LIMIT) {
        (*kept)++;
        return true;
    }
    *stopped = true;
    diagnostic *g = push(d, sev, code, at,
                         format_message(d->mem, "too many %s; giving up after the first %d",
                                        sev == SEV_ERROR ? "errors" : "warnings", DIAG_LIMIT));
    if (g)
        g->last = true;
    return false;
}

diagnostic *diag_vadd(diag_list *d, severity sev, const char *code, span at, const char *fmt,
                      va_list ap)
{
    if (sev == SEV_WARNING && silenced(d, code, at.file))
        return NULL;
    if (sev == SEV_ERROR)
        d->errors++;
    else if (sev == SEV_WARNING)
        d->warnings++;
    if (!admit(d, sev, code, at))
        return NULL;
    return push(d, sev, code, at, vformat(d->mem, fmt, ap));
}

void diag_stop(diag_list *d, const char *code, span at, const char *fmt, ...)
{
    d->errors++;
    if (d->stopped_errors)
        return;
    d->stopped_errors = true;
    va_list ap;
    va_start(ap, fmt);
    diagnostic *g = push(d, SEV_ERROR, code, at, vformat(d->mem, fmt, ap));
    va_end(ap);
    if (g)
        g->last = true;
}

diagnostic *diag_add(diag_list *d, severity sev, const char *code, span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diagnostic *g = diag_vadd(d, sev, code, at, fmt, ap);
    va_end(ap);
    return g;
}

void diag_note(diagnostic *d, span at, const char *fmt, ...)
{
    if (!d)
        return;
    diag_note_t *notes = mem_realloc(d->mem, d->notes, (d->nnotes + 1) * sizeof *notes);
    if (!notes)
        return;
    d->notes = notes;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(d->mem, fmt, ap);
    va_end(ap);
    if (!msg)
        return;
    d->notes[d->nnotes].at = at;
    d->notes[d->nnotes].message = msg;
    d->nnotes++;
}

void diag_append(diag_list *to, diag_list *from)
{
    to->errors += from->errors;
    to->warnings += from->warnings;
    for (size_t i = 0; i < from->count; i++) {
        diagnostic *g = &from->items[i];
        bool keep;
        if (g->sev == SEV_WARNING && silenced(to, g->code, g->at.file)) {
            to->warnings--;
            keep = false;
        } else if (g->last) { /* a "too many" of its own: stop here too */
            bool *stopped = g->sev == SEV_ERROR ? &to->stopped_errors : &to->stopped_warnings;
            keep = !*stopped;
            *stopped = true;
        } else {
            keep = admit(to, g->sev, g->code, g->at);
        }
        if (!keep || !mem_grow(to->mem, &to->items, &to->cap, to->count, sizeof *to->items, 16)) {
            diagnostic_free(g);
            continue;
        }
        to->items[to->count++] = *g;
    }
    from->count = from->errors = from->warnings = 0;
    from->kept_errors = from->kept_warnings = 0;
    from->stopped_errors = from->stopped_warnings = false;
}

static int span_compare(span a, span b)
{
    if (a.file != b.file)
        return a.file < b.file ? -1 : 1;
    if (a.first_line != b.first_line)
        return a.first_line < b.first_line ? -1 : 1;
    if (a.first_column != b.first_column)
        return a.first_column < b.first_column ? -1 : 1;
    return 0;
}

static int diagnostic_compare(const diagnostic *a, const diagnostic *b)
{
    if (a->last != b->last)
        return a->last ? 1 : -1;
    return span_compare(a->at, b->at);
}

/* Merge sort, stable; runs of up to 8 by insertion. */
static void merge_sort(diagnostic *v, diagnostic *tmp, size_t n)
{
    if (n <= 8) {
        for (size_t i = 1; i < n; i++) {
            diagnostic x = v[i];
            size_t j = i;
            while (j > 0 && diagnostic_compare(&v[j - 1], &x) > 0) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        return;
    }
    size_t half = n / 2;
    merge_sort(v, tmp, half);
    merge_sort(v + half, tmp, n - half);
    if (diagnostic_compare(&v[half - 1], &v[half]) <= 0)
        return; /* already in order, as lists mostly are */
    memcpy(tmp, v, half * sizeof *v);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        v[k++] = diagnostic_compare(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
    while (i < half)
        v[k++] = tmp[i++];
}

void diag_sort(diag_list *d)
{
    if (d->count < 2)
        return;
    diagnostic *tmp = mem_calloc(d->mem, d->count / 2 + 1, sizeof *tmp);
    if (!tmp) { /* out of memory: sorting is for the reader; leave it as found */
        return;
    }
    merge_sort(d->items, tmp, d->count);
    mem_free(d->mem, tmp);
}

/* Whether " CODE " is in list (" W101 W104 "). */
static bool listed(const char *list, const char *code)
{
    if (!list || !code)
        return false;
    size_t n = strlen(code);
    for (const char *p = strstr(list, code); p; p = strstr(p + 1, code))
        if (p > list && p[-1] == ' ' && p[n] == ' ')
            return true;
    return false;
}

void diag_drop_allowed(diag_list *d, size_t from, const source_set *srcs, const char *allowed)
{
    size_t out = from;
    for (size_t i = from; i < d->count; i++) {
        diagnostic *g = &d->items[i];
        const source_text *src = source_set_get(srcs, g->at.file);
        if (g->sev == SEV_WARNING &&
            (listed(allowed, g->code) || (src && listed(src->allowed, g->code)))) {
            diagnostic_free(g);
            d->warnings--;
            if (d->kept_warnings > 0)
                d->kept_warnings--;
            continue;
        }
        d->items[out++] = *g;
    }
    d->count = out;
}

const char *severity_name(severity s)
{
    switch (s) {
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_NOTE: return "note";
    }
    return "error";
}

static const char *source_name(const source_set *srcs, int file)
{
    const source_text *src = source_set_get(srcs, file);
    return src ? src->name : "levy";
}

static int shown_line(const source_set *srcs, span at)
{
    const source_text *src = source_set_get(srcs, at.file);
    return at.first_line + (src ? src->line_offset : 0);
}

/* ---- Text from the source, shown safely -----------------------------------
 *
 * What a diagnostic echoes of the source (its line, a name or a string in
 * its message) must not reach the user's terminal as it is: a control byte
 * is shown as \x1b, a byte that is not UTF-8 as \xff, and an invisible or
 * reordering character (a byte-order mark, a zero-width space, the bidi
 * controls) as \u{feff}.  A tab in a source line stays a tab, so that the
 * caret line, which repeats it, stays aligned. */

typedef struct text_unit {
    size_t bytes;  /* how many bytes of the text it is */
    char shown[16]; /* its escape, or "" when it is shown as it is */
    int width;      /* the columns it takes on a terminal */
} text_unit;

/* Characters that show nothing, or reorder what follows: escaped. */
static bool invisible(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* The unit of text at s[0..n), n > 0. */
static text_unit next_unit(const char *s, size_t n, bool keep_tab)
{
    text_unit u = { 1, "", 1 };
    unsigned char c = (unsigned char)s[0];
    if (c == '\t' && keep_tab)
        return u;
    if (c < 0x20 || c == 0x7f) {
        snprintf(u.shown, sizeof u.shown, "\\x%02x", c);
    } else if (c >= 0x80) {
        unsigned cp = 0;
        size_t len = utf8_sequence((const unsigned char *)s, n, &cp);
        if (len == 0)
            snprintf(u.shown, sizeof u.shown, "\\x%02x", c);
        else {
            u.bytes = len;
            if (invisible(cp))
                snprintf(u.shown, sizeof u.shown, "\\u{%x}", cp);
        }
    }
    if (u.shown[0])
        u.width = (int)strlen(u.shown);
    return u;
}

static void put_unit(strbuf *out, const char *s, const text_unit *u)
{
    if (u->shown[0])
        sb_puts(out, u->shown);
    else
        sb_putn(out, s, u->bytes);
}

/* put_safe: text as a diagnostic may show it (tabs too escaped unless
 * keep_tab). */
static void put_safe(strbuf *out, const char *s, size_t len, bool keep_tab)
{
    for (size_t i = 0; i < len;) {
        text_unit u = next_unit(s + i, len - i, keep_tab);
        put_unit(out, s + i, &u);
        i += u.bytes;
    }
}

static void put_safe_cstr(strbuf *out, const char *s)
{
    put_safe(out, s, strlen(s), false);
}

/* The width of the line-number gutter: 5, or the digits of the largest
 * line number a diagnostic shows, so that its excerpts' bars line up. */
static int gutter_width(const source_set *srcs, const diagnostic *d)
{
    int most = shown_line(srcs, d->at);
    for (size_t i = 0; i < d->nnotes; i++) {
        int n = shown_line(srcs, d->notes[i].at);
        if (n > most)
            most = n;
    }
    int width = 1;
    for (; most >= 10; most /= 10)
        width++;
    return width > 5 ? width : 5;
}

static void put_repeated(strbuf *out, char c, int n)
{
    for (int i = 0; i < n; i++)
        sb_putc(out, c);
}

/* The source line and a caret with an underline under the span, each
 * character of the line taking as many columns in the caret line as it
 * does shown (an escape is several):
 *    12 |     from {CN, CX}
 *       |               ^~
 */
static void render_excerpt(strbuf *out, const source_set *srcs, span at, int width)
{
    const source_text *src = source_set_get(srcs, at.file);
    if (!src || at.first_line < 1)
        return;
    size_t len;
    const char *line = source_line(src, at.first_line, &len);
    sb_printf(out, "%*d | ", width, at.first_line + src->line_offset);
    put_safe(out, line, len, true);
    sb_printf(out, "\n%*s | ", width, "");
    size_t col = at.first_column > 0 ? (size_t)at.first_column - 1 : 0;
    size_t last = at.last_line == at.first_line ? (size_t)at.last_column : len;
    bool caret = false;
    size_t i = 0;
    while (i < len) {
        text_unit u = next_unit(line + i, len - i, true);
        bool tab = line[i] == '\t' && !u.shown[0];
        if (i + u.bytes <= col) { /* before the span */
            if (tab)
                sb_putc(out, '\t');
            else
                put_repeated(out, ' ', u.width);
        } else if (!caret) {
            sb_putc(out, '^');
            put_repeated(out, '~', u.width - 1);
            caret = true;
        } else if (i < last) {
            put_repeated(out, '~', u.width);
        } else {
            break;
        }
        i += u.bytes;
    }
    if (!caret) { /* the span is past the end of the line */
        put_repeated(out, ' ', (int)(col > len ? col - len : 0));
        sb_putc(out, '^');
    }
    sb_putc(out, '\n');
}

/* "error[E301]", rustc style: the code, for looking up in doc/diagnostics.md
 * and for --allow, beside the severity it belongs to. */
static void put_severity(strbuf *out, const diagnostic *d)
{
    sb_puts(out, severity_name(d->sev));
    if (d->code && *d->code)
        sb_printf(out, "[%s]", d->code);
}

static void render_text(strbuf *out, const source_set *srcs, const diagnostic *d)
{
    if (d->at.file >= 0)
        sb_printf(out, "%s:%d:%d: ", source_name(srcs, d->at.file), shown_line(srcs, d->at),
                  d->at.first_column);
    else
        sb_puts(out, "levy: ");
    put_severity(out, d);
    sb_puts(out, ": ");
    put_safe_cstr(out, d->message);
    sb_putc(out, '\n');
    int width = gutter_width(srcs, d);
    render_excerpt(out, srcs, d->at, width);
    for (size_t i = 0; i < d->nnotes; i++) {
        const diag_note_t *n = &d->notes[i];
        if (n->at.file >= 0) {
            sb_printf(out, "%s:%d:%d: note: ", source_name(srcs, n->at.file),
                      shown_line(srcs, n->at), n->at.first_column);
            put_safe_cstr(out, n->message);
            sb_putc(out, '\n');
            if (n->at.first_line != d->at.first_line || n->at.file != d->at.file ||
                n->at.first_column != d->at.first_column)
                render_excerpt(out, srcs, n->at, width);
        } else {
            sb_puts(out, "levy: note: ");
            put_safe_cstr(out, n->message);
            sb_putc(out, '\n');
        }
    }
}

static void json_string(strbuf *out, const char *s)
{
    sb_put_json_string(out, s, strlen(s));
}

static void render_json_location(strbuf *out, const source_set *srcs, span at)
{
    sb_puts(out, "\"file\":");
    json_string(out, at.file >= 0 ? source_name(srcs, at.file) : "");
    int off = 0;
    const source_text *src = source_set_get(srcs, at.file);
    if (src)
        off = src->line_offset;
    sb_printf(out, ",\"line\":%d,\"column\":%d,\"end_line\":%d,\"end_column\":%d",
              at.first_line + (at.first_line ? off : 0), at.first_column,
              at.last_line + (at.last_line ? off : 0), at.last_column);
}

static void render_json(strbuf *out, const source_set *srcs, const diagnostic *d)
{
    sb_putc(out, '{');
    render_json_location(out, srcs, d->at);
    sb_printf(out, ",\"severity\":\"%s\",\"code\":", severity_name(d->sev));
    json_string(out, d->code ? d->code : "");
    sb_puts(out, ",\"message\":");
    json_string(out, d->message);
    sb_puts(out, ",\"notes\":[");
    for (size_t i = 0; i < d->nnotes; i++) {
        sb_puts(out, i ? ",{" : "{");
        render_json_location(out, srcs, d->notes[i].at);
        sb_puts(out, ",\"message\":");
        json_string(out, d->notes[i].message);
        sb_putc(out, '}');
    }
    sb_puts(out, "]}\n");
}

/* GitHub workflow commands: the message may not contain raw newlines, and
 * '%' must be escaped. */
static void github_escaped(strbuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '%')
            sb_puts(out, "%25");
        else if (*s == '\n')
            sb_puts(out, "%0A");
        else if (*s == '\r')
            sb_puts(out, "%0D");
        else
            sb_putc(out, *s);
    }
}

/* github_safe: s shown safely (put_safe), then escaped as a workflow
 * command's text. */
static void github_safe(strbuf *out, const char *s)
{
    strbuf safe;
    sb_init(&safe, out->mem);
    put_safe_cstr(&safe, s);
    github_escaped(out, safe.failed ? "" : sb_cstr(&safe));
    sb_free(&safe);
}

static void render_github(strbuf *out, const source_set *srcs, const diagnostic *d)
{
    const char *kind = d->sev == SEV_ERROR ? "error" : d->sev == SEV_WARNING ? "warning" : "notice";
    if (d->at.file >= 0)
        sb_printf(out, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::", kind,
                  source_name(srcs, d->at.file), shown_line(srcs, d->at), d->at.first_column,
                  d->at.last_line + (source_set_get(srcs, d->at.file)
                                         ? source_set_get(srcs, d->at.file)->line_offset
                                         : 0),
                  d->at.last_column, d->code ? d->code : "levy");
    else
        sb_printf(out, "::%s title=%s::", kind, d->code ? d->code : "levy");
    github_safe(out, d->message);
    for (size_t i = 0; i < d->nnotes; i++) {
        const diag_note_t *n = &d->notes[i];
        sb_puts(out, "%0Anote: ");
        if (n->at.file >= 0)
            sb_printf(out, "%s:%d:%d: ", source_name(srcs, n->at.file), shown_line(srcs, n->at),
                      n->at.first_column);
        github_safe(out, n->message);
    }
    sb_putc(out, '\n');
}

void diag_format_one(strbuf *out, const source_set *srcs, const diagnostic *d, diag_format fmt)
{
    switch (fmt) {
    case DIAG_TEXT: render_text(out, srcs, d); break;
    case DIAG_JSON: render_json(out, srcs, d); break;
    case DIAG_GITHUB: render_github(out, srcs, d); break;
    }
}

void diag_render_one(FILE *out, const source_set *srcs, const diagnostic *d, diag_format fmt)
{
    strbuf sb;
    sb_init(&sb, srcs->mem);
    diag_format_one(&sb, srcs, d, fmt);
    fwrite(sb_cstr(&sb), 1, sb.len, out);
    sb_free(&sb);
}

void diag_format_list(strbuf *out, const source_set *srcs, const diag_list *d, diag_format fmt)
{
    for (size_t i = 0; i < d->count; i++)
        diag_format_one(out, srcs, &d->items[i], fmt);
}

void diag_render(FILE *out, const source_set *srcs, const diag_list *d, diag_format fmt)
{
    for (size_t i = 0; i < d->count; i++)
        diag_render_one(out, srcs, &d->items[i], fmt);
}
