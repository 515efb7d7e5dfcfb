/* main.c - temporary driver: levy parse --dump-ast FILE. */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "parse.h"

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    source_set srcs;
    source_set_init(&srcs);
    diag_list diags;
    diag_list_init(&diags);
    arena a;
    arena_init(&a);
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        int f = source_set_read_file(&srcs, argv[i], argv[i]);
        if (f < 0) {
            fprintf(stderr, "levy: cannot read %s\n", argv[i]);
            return 2;
        }
        node *prog;
        parse_source(&a, &srcs, f, &diags, &prog);
        if (strcmp(argv[1], "parse") == 0 && prog && diags.errors == 0)
            ast_dump(stdout, prog);
    }
    diag_render(stderr, &srcs, &diags, DIAG_TEXT);
    rc = diags.errors ? 1 : 0;
    arena_free(&a);
    diag_list_free(&diags);
    source_set_free(&srcs);
    return rc;
}
