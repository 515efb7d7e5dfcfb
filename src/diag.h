/* diag.h - sources, spans and diagnostics.
 *
 * Every source text the program reads (a file, a string, a REPL line) is a
 * `source` in a `source_set`; a span names a range in one of them.  Errors are
 * values: a stage appends diagnostics to a diag_list and goes on; the caller
 * decides what they mean.  Rendering (GCC-style text, JSON, GitHub
 * annotations) happens only here.
 */
#ifndef LEVY_DIAG_H
#define LEVY_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "alloc.h"
#include "strbuf.h"

/* A range of source text: 1-based lines and columns (columns count bytes),
 * both ends inclusive.  file indexes the source_set; -1 means no place. */
typedef struct span {
    int file;
    int first_line, first_column;
    int last_line, last_column;
} span;

extern const span span_none;

typedef struct source_text {
    char *name; /* as the user named it: "policy.levy", "<repl>" */
    char *path; /* resolved path, or NULL for strings */
    char *text; /* NUL-terminated contents */
    size_t len;
    size_t *line_starts; /* byte offset of each line */
    size_t nlines;
    int line_offset; /* added to line numbers when shown (REPL input) */
    char *allowed;   /* " W101 W104 ": the warnings its `# levy: allow` lines
                        silence, each between spaces; NULL: none */
} source_text;

typedef struct source_set {
    source_text **items;
    size_t count, cap;
    const mem *mem; /* where the texts and the set come from */
} source_set;

/* source_set_init: an empty set allocating from m (NULL: the C library). */
void source_set_init(source_set *s, const mem *m);
void source_set_free(source_set *s);
/* source_set_add: takes a copy of text, less a UTF-8 byte-order mark at its
 * start; returns the new file index, or -1. */
int source_set_add(source_set *s, const char *name, const char *path, const char *text, size_t len);
/* source_set_read_file: reads path; -1 and errno set when it cannot. */
int source_set_read_file(source_set *s, const char *name, const char *path);
const source_text *source_set_get(const source_set *s, int file);
/* source_line: the text of a 1-based line without its newline. */
const char *source_line(const source_text *src, int line, size_t *len);

typedef enum severity { SEV_ERROR, SEV_WARNING, SEV_NOTE } severity;

/* diag_is_warning_code: whether code is one of diag_codes.h's warnings,
 * the codes that can be silenced (errors never can). */
bool diag_is_warning_code(const char *code);


typedef struct diag_note_t {
    span at;
    char *message;
} diag_note_t;

typedef struct diagnostic {
    severity sev;
    const char *code; /* stable code, e.g. "E0101"; see diag_codes.h */
    span at;
    char *message;
    diag_note_t *notes;
    size_t nnotes;
    const mem *mem; /* its list's: where the message and notes come from */
    bool last;      /* "too many errors": sorted after the others */
} diagnostic;

/* At most DIAG_LIMIT errors and DIAG_LIMIT warnings are kept in a list; the
 * next one becomes "too many errors; giving up after the first 100", and
 * the rest are counted but not kept, so that no input can bury the user
 * in diagnostics or fill memory with them. */
#define DIAG_LIMIT 100

typedef struct diag_list {
    diagnostic *items;
    size_t count, cap;
    size_t errors, warnings; /* every one found, kept or not */
    size_t kept_errors, kept_warnings;
    bool stopped_errors, stopped_warnings; /* the cap was reached */
    const mem *mem;
    /* Warnings silenced (not kept, not counted): those listed in allowed
       (" W101 W104 ") and those the `# levy: allow` lines of their own
       source in srcs name.  Both NULL after diag_list_init. */
    const source_set *srcs;
    const char *allowed;
} diag_list;

/* diag_list_init: an empty list allocating from m (NULL: the C library);
 * lists that diag_append joins share one allocator. */
void diag_list_init(diag_list *d, const mem *m);
void diag_list_free(diag_list *d);
void diag_list_clear(diag_list *d);
/* diag_add: appends a diagnostic; returns it so notes can be attached, or
 * NULL when out of memory (the diagnostic is then counted but lost). */
diagnostic *diag_add(diag_list *d, severity sev, const char *code, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
diagnostic *diag_vadd(diag_list *d, severity sev, const char *code, span at, const char *fmt,
                      va_list ap);
/* diag_stop: a last error (at, code and message as given) saying why no
 * more are reported, such as "too many syntax errors; giving up on this
 * file"; after it the list keeps no more errors.  Nothing if it already
 * stopped. */
void diag_stop(diag_list *d, const char *code, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void diag_note(diagnostic *d, span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* diag_append: moves every diagnostic of `from` onto `to`. */
void diag_append(diag_list *to, diag_list *from);
/* diag_sort: orders by file, line, column (stable), as a reader expects;
 * "too many errors" last.  O(n log n). */
void diag_sort(diag_list *d);
/* diag_drop_allowed: removes the warnings from index `from` on that are
 * silenced, by `allowed` (" W101 W104 ", or NULL) or by a `# levy: allow`
 * line of their own file; keeps the counts right. */
void diag_drop_allowed(diag_list *d, size_t from, const source_set *srcs, const char *allowed);
/* source_check_directives: an error (E109) for each `# levy: ...` comment
 * line of the file that is not `# levy: allow WARNING...`; the valid ones
 * are in its source's `allowed` since source_set_add. */
void source_check_directives(const source_set *s, int file, diag_list *d);

typedef enum diag_format { DIAG_TEXT, DIAG_JSON, DIAG_GITHUB } diag_format;

/* diag_render: writes d to out.  Text is GCC style with the source line and
 * a caret under the span; JSON is one object per line; GitHub is workflow
 * commands (::error file=F,line=L,col=C::message). */
void diag_render(FILE *out, const source_set *srcs, const diag_list *d, diag_format fmt);
void diag_render_one(FILE *out, const source_set *srcs, const diagnostic *d, diag_format fmt);
/* diag_format_list, diag_format_one: append to out what diag_render and
 * diag_render_one write. */
void diag_format_list(strbuf *out, const source_set *srcs, const diag_list *d, diag_format fmt);
void diag_format_one(strbuf *out, const source_set *srcs, const diagnostic *d, diag_format fmt);

const char *severity_name(severity s);

#endif
