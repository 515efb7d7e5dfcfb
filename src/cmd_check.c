/* cmd_check.c - `levy check` and `levy parse`, and loading for every command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "levy.h"

void cli_write_stdout(void *userdata, const char *text, size_t len) {
    (void)userdata;
    fwrite(text, 1, len, stdout);
}

void cli_write_stderr(void *userdata, const char *text, size_t len) {
    (void)userdata;
    fwrite(text, 1, len, stderr);
}

levy_policy *cli_load(const cli_options *o, int *status) {
    levy_policy *policy = levy_policy_new();
    if (!policy) {
        fputs("levy: out of memory\n", stderr);
        *status = 1;
        return NULL;
    }
    levy_status st = o->stdlib_dir ? levy_policy_set_stdlib_dir(policy, o->stdlib_dir) : LEVY_OK;
    for (size_t i = 0; i < o->npaths && st == LEVY_OK; i++)
        st = levy_policy_add_search_path(policy, o->paths[i]);
    bool unreadable = false;
    for (size_t i = 0; i < o->nfiles && st != LEVY_ERROR_NOMEM; i++) {
        levy_status f = levy_policy_load_file(policy, o->files[i]);
        if (f == LEVY_ERROR_IO) {
            fprintf(stderr, "levy: %s\n", levy_policy_error(policy));
            unreadable = true;
        } else if (f != LEVY_OK && st == LEVY_OK) {
            st = f;
        }
    }
    if (unreadable) {
        levy_policy_free(policy);
        *status = 2;
        return NULL;
    }
    if (st == LEVY_OK)
        st = levy_policy_check(policy);
    levy_policy_write_diagnostics(policy, o->format, cli_write_stderr, NULL);
    bool failed = levy_policy_error_count(policy) > 0 ||
                  (o->werror && levy_policy_warning_count(policy) > 0);
    if (st != LEVY_OK || failed) {
        if (st == LEVY_ERROR_NOMEM)
            fputs("levy: out of memory\n", stderr);
        levy_policy_free(policy);
        *status = 1;
        return NULL;
    }
    levy_policy_clear_diagnostics(policy);
    *status = 0;
    return policy;
}

int cli_check(const cli_options *o) {
    int status;
    levy_policy *policy = cli_load(o, &status);
    levy_policy_free(policy);
    return status;
}

int cli_parse(const cli_options *o) {
    int status = 0;
    for (size_t i = 0; i < o->nfiles; i++) {
        levy_status st = levy_debug_dump_ast(o->files[i], cli_write_stdout, cli_write_stderr, NULL);
        if (st == LEVY_ERROR_IO)
            return 2;
        if (st != LEVY_OK)
            status = 1;
    }
    return status;
}
