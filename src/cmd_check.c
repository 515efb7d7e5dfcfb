/* cmd_check.c - `levy check` and `levy parse`, and loading for every command. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "cli.h"
#include "levy.h"

void cli_write_stdout(void *userdata, const char *text, size_t len)
{
    (void)userdata;
    fwrite(text, 1, len, stdout);
}

void cli_write_stderr(void *userdata, const char *text, size_t len)
{
    (void)userdata;
    fflush(stdout);
    fwrite(text, 1, len, stderr);
}

levy_write_fn cli_diagnostic_writer(const cli_options *o)
{
    return o->format == LEVY_FORMAT_TEXT ? cli_write_stderr : cli_write_stdout;
}

bool cli_option_value(int argc, char **argv, int *i, const char *name, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        *out = a + n + 1;
        return true;
    }
    if (strcmp(a, name) != 0)
        return false;
    *out = *i + 1 < argc ? argv[++*i] : NULL;
    if (!*out)
        fprintf(stderr, "levy: %s needs a value\nTry 'levy --help'.\n", name);
    return true;
}

int cli_mkstemp(char *template)
{
    int fd = mkstemp(template);
    if (fd < 0)
        return -1;
    mode_t mask = umask(0); /* there is no call that only reads it */
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        close(fd);
        unlink(template);
        return -1;
    }
    return fd;
}

/* A string as JSON on standard output, for what the program writes itself. */
void cli_put_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* A workflow command's text: '%', CR and LF escaped, and in a property
 * also ':' and ','. */
static void put_github_text(const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", stdout);
        else if (*s == '\n')
            fputs("%0A", stdout);
        else if (*s == '\r')
            fputs("%0D", stdout);
        else if (property && *s == ':')
            fputs("%3A", stdout);
        else if (property && *s == ',')
            fputs("%2C", stdout);
        else
            putchar(*s);
    }
}

/* cannot_read: a file named on the command line that cannot be read.  In
 * text, the library's message on standard error; in a machine format, a
 * diagnostic E701 like the others, on standard output, so that a CI log or
 * a JSON reader sees it too. */
static void cannot_read(const cli_options *o, const char *path, const char *message)
{
    switch (o->format) {
    case LEVY_FORMAT_TEXT: fprintf(stderr, "levy: %s\n", message); break;
    case LEVY_FORMAT_JSON:
        fputs("{\"file\":", stdout);
        cli_put_json_string(path);
        fputs(",\"line\":0,\"column\":0,\"end_line\":0,\"end_column\":0,"
              "\"severity\":\"error\",\"code\":\"E701\",\"message\":",
              stdout);
        cli_put_json_string(message);
        fputs(",\"notes\":[]}\n", stdout);
        break;
    case LEVY_FORMAT_GITHUB:
        fputs("::error file=", stdout);
        put_github_text(path, true);
        fputs(",title=E701::", stdout);
        put_github_text(message, false);
        putchar('\n');
        break;
    }
}

/* load_stdin: FILE `-`, standard input read whole, as a source called
 * <stdin>.  LEVY_ERROR_IO (after saying why) when it cannot be read. */
static levy_status load_stdin(const cli_options *o, levy_policy *policy)
{
    size_t len = 0, cap = 16384;
    char *text = malloc(cap);
    size_t got;
    while (text && (got = fread(text + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) {
            char *grown = realloc(text, cap *= 2);
            if (!grown)
                free(text);
            text = grown;
        }
    }
    if (!text) {
        fputs("levy: out of memory\n", stderr);
        return LEVY_ERROR_NOMEM;
    }
    if (ferror(stdin)) {
        char message[256];
        snprintf(message, sizeof message, "cannot read standard input: %s", strerror(errno));
        cannot_read(o, "-", message);
        free(text);
        return LEVY_ERROR_IO;
    }
    levy_status st = levy_policy_load_string(policy, "<stdin>", text, len);
    free(text);
    return st;
}

levy_policy *cli_load(const cli_options *o, int *status)
{
    levy_config config;
    levy_config_init(&config);
    config.allow = o->allow;
    config.allow_read = o->allow_read;
    levy_policy *policy = levy_policy_new_with(&config);
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
        bool from_stdin = strcmp(o->files[i], "-") == 0;
        levy_status f =
            from_stdin ? load_stdin(o, policy) : levy_policy_load_file(policy, o->files[i]);
        if (f == LEVY_ERROR_IO && from_stdin) {
            unreadable = true;
        } else if (f == LEVY_ERROR_IO) {
            cannot_read(o, o->files[i], levy_policy_error(policy));
            unreadable = true;
        } else if (f != LEVY_OK && st == LEVY_OK) {
            st = f;
        }
    }
    for (size_t i = 0; i < o->nexpressions && st != LEVY_ERROR_NOMEM && !unreadable; i++) {
        levy_status f =
            levy_policy_load_expression(policy, "-e", o->expressions[i], strlen(o->expressions[i]));
        if (f != LEVY_OK && st == LEVY_OK)
            st = f;
    }
    if (unreadable) {
        levy_policy_free(policy);
        *status = 2;
        return NULL;
    }
    if (st == LEVY_OK)
        st = levy_policy_check(policy);
    levy_policy_write_diagnostics(policy, o->format, cli_diagnostic_writer(o), NULL);
    bool failed =
        levy_policy_error_count(policy) > 0 || (o->werror && levy_policy_warning_count(policy) > 0);
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

int cli_check(const cli_options *o)
{
    int status;
    levy_policy *policy = cli_load(o, &status);
    levy_policy_free(policy);
    return status;
}

int cli_parse(const cli_options *o)
{
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
