/* load.h - reading a program's files and the libraries they import.
 *
 * A program starts from the files (or texts) a user names, its roots; each
 * `import` adds a library, found by name along the search path or by a path
 * relative to the importing file, and read once (by resolved path).
 */
#ifndef LEVY_LOAD_H
#define LEVY_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "program.h"

/* A host's import loader (levy_import_fn, which levy.h documents): writes
 * the text of what an import names through write and returns nonzero, or
 * returns 0 to refuse it. */
typedef int (*load_import_fn)(void *userdata, const char *importer, const char *import, int is_path,
                              void (*write)(void *, const char *, size_t), void *write_userdata);

typedef struct load_options {
    const char *const *search_path; /* extra folders (LEVY_PATH), NULL-terminated; may be NULL */
    const char *stdlib_dir;         /* the standard library's folder; NULL for none */
    /* Texts to use instead of reading a file again, found by resolved path
       (the sources of an earlier load); NULL to read every file.  The REPL
       passes its last good policy's sources, so that a file edited into a
       broken state does not break what was already loaded. */
    const source_set *cache;
    /* When set, every import is read through it and no library file is
       looked for: the host decides what may be read. */
    load_import_fn import;
    void *import_userdata;
    /* Folders outside the roots' folders, the search path and the standard
       library that files may be read from (--allow-read), separated by
       ':'; NULL: none.  Reading anywhere else is E704. */
    const char *allow_read;
} load_options;

/* program_load_file / program_load_text: parse a root source and everything
 * it imports (each library once, by resolved path), adding diagnostics.
 * Returns false when the file could not be read or did not parse.  Files
 * are read only in the folder of a root file (the current folder for a
 * text) and below, the search path, the standard library and
 * opts->allow_read (program_may_read). */
bool program_load_file(program *p, const char *path, const load_options *opts, diag_list *diags);
bool program_load_text(program *p, const char *name, const char *text, size_t len,
                       const load_options *opts, diag_list *diags);

#endif
