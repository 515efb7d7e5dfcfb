/* main.c - the `levy` program: argument parsing and dispatch.
 *
 * Each subcommand is a small function over the public API in levy.h; the
 * work is done by the library.  Exit statuses: 0 success, 1 a check, test
 * or evaluation failed, 2 a usage error (unknown flag, missing file).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#include "cli.h"
#include "levy.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: levy COMMAND [OPTIONS] FILE...\n"
    "\n"
    "Commands:\n"
    "  check FILE...     check a policy: syntax, names, types, rules\n"
    "                    --format=text|json|github   --werror\n"
    "  run FILE...       evaluate and print the top-level expressions (FILE - is stdin)\n"
    "                    --scenario NAME   -e EXPR (instead: evaluate EXPR; repeatable)\n"
    "                    --format=text|json|github\n"
    "  test FILE...      run the test blocks as written; ends with 'N passed, N failed'\n"
    "                    --tap   --coverage   --format=text|json|github\n"
    "                    --run PATTERN (only the tests whose name matches the regex)\n"
    "  eval FILE... --input ROWS.csv|ROWS.jsonl|-   evaluate every row; writes id,rate,duty\n"
    "                    --input-format=csv|jsonl (by the name; - is csv)\n"
    "                    --output F  --format=csv|jsonl  --explain  --scenario NAME\n"
    "                    --rejects F  --keep-going  --ignore-column NAME  --quiet\n"
    "                    -j N (worker threads, 1-256; 0: one per CPU)\n"
    "                    --summary [--by origin|chapter|measure] [--format=json]\n"
    "  timeline FILE... --origin CN[,VN...] --product HS --from D --to D\n"
    "                    how the charge moves over the period, step by step, and why\n"
    "                    --value V  --set NAME=VALUE  --scenario NAME\n"
    "                    --format=text|csv|json  --svg F (draw it)\n"
    "  parse FILE...     print each file's syntax tree (a debugging aid)\n"
    "  repl [FILE...]    explore a policy interactively (also plain `levy` on a terminal)\n"
    "\n"
    "Options of check, run, test and repl:\n"
    "  -A, --allow CODE  do not report warning CODE (W104; repeatable, or W101,W104);\n"
    "                    a file can say `# levy: allow W104`. Errors cannot be allowed\n"
    "  --allow-read DIR  let the policy import and read schedules in DIR too; else only\n"
    "                    its own folder, the search path and the standard library\n"
    "\n"
    "Options for every command:\n"
    "  -I, --path DIR    also look for imported libraries in DIR (as LEVY_PATH does)\n"
    "  -h, --help        show this help\n"
    "  -V, --version     show the version\n"
    "\n"
    "Exit status: 0 success, 1 a check, test or evaluation failed, 2 usage error.\n"
    "See levy(1) and doc/language.md.\n";

/* Which options a command takes. */
enum {
    OPT_FORMAT = 1 << 0,
    OPT_WERROR = 1 << 1,
    OPT_TAP = 1 << 2,
    OPT_COVERAGE = 1 << 3,
    OPT_DUMP_AST = 1 << 4,
    OPT_SCENARIO = 1 << 5,
    OPT_PATH = 1 << 6,
    OPT_EXPRESSION = 1 << 7,
    OPT_ALLOW = 1 << 8,
    OPT_ALLOW_READ = 1 << 9,
    OPT_RUN = 1 << 10
};

static void usage_error(const char *fmt, const char *arg)
{
    fputs("levy: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'levy --help'.\n", stderr);
}

/* add_allowed: --allow's value, one code or several separated by commas,
 * appended to o->allow; false after a usage error (an error's code, or no
 * warning's). */
static bool add_allowed(cli_options *o, const char *value)
{
    char *copy = strdup(value);
    if (!copy) {
        fputs("levy: out of memory\n", stderr);
        return false;
    }
    bool ok = true, any = false;
    for (char *save = NULL, *code = strtok_r(copy, ", ", &save); ok && code;
         code = strtok_r(NULL, ", ", &save)) {
        any = true;
        if (levy_is_warning_code(code))
            continue;
        ok = false;
        if (code[0] == 'E' && code[1] >= '0' && code[1] <= '9')
            usage_error("--allow %s: that is an error, and errors cannot be silenced (only "
                        "warnings: W101, W102, W103, W104, W703)",
                        code);
        else
            usage_error("--allow %s: no such warning (W101, W102, W103, W104, W703)", code);
    }
    if (ok && !any) {
        usage_error("%s needs a warning code, such as W104", "--allow");
        ok = false;
    }
    if (ok) {
        size_t old = o->allow ? strlen(o->allow) : 0;
        char *joined = realloc(o->allow, old + strlen(value) + 2);
        if (!joined) {
            fputs("levy: out of memory\n", stderr);
            ok = false;
        } else {
            snprintf(joined + old, strlen(value) + 2, "%s%s", old ? "," : "", value);
            o->allow = joined;
        }
    }
    free(copy);
    return ok;
}

/* cli_options_parse: the options shared by the subcommands; everything that
 * is not an option is a file.  Returns false after a usage error. */
static bool parse_options(int argc, char **argv, cli_options *o, unsigned *seen)
{
    memset(o, 0, sizeof *o);
    o->format = LEVY_FORMAT_TEXT;
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    o->paths = calloc((size_t)argc + 1, sizeof *o->paths);
    o->expressions = calloc((size_t)argc + 1, sizeof *o->expressions);
    if (!o->files || !o->paths || !o->expressions) {
        fputs("levy: out of memory\n", stderr);
        return false;
    }
    bool only_files = false;
    *seen = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *value = NULL;
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            o->files[o->nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        if (strncmp(a, "--format=", 9) == 0) {
            *seen |= OPT_FORMAT;
            value = a + 9;
            if (strcmp(value, "text") == 0)
                o->format = LEVY_FORMAT_TEXT;
            else if (strcmp(value, "json") == 0)
                o->format = LEVY_FORMAT_JSON;
            else if (strcmp(value, "github") == 0)
                o->format = LEVY_FORMAT_GITHUB;
            else {
                usage_error("unknown format '%s' (text, json or github)", value);
                return false;
            }
        } else if (strcmp(a, "-e") == 0) {
            *seen |= OPT_EXPRESSION;
            if (i + 1 >= argc) {
                usage_error("%s needs an expression", "-e");
                return false;
            }
            o->expressions[o->nexpressions++] = argv[++i];
        } else if (strcmp(a, "--allow-read") == 0 || strncmp(a, "--allow-read=", 13) == 0) {
            *seen |= OPT_ALLOW_READ;
            value = a[12] == '=' ? a + 13 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value || !*value) {
                usage_error("%s needs a folder", "--allow-read");
                return false;
            }
            size_t old = o->allow_read ? strlen(o->allow_read) : 0;
            char *joined = realloc(o->allow_read, old + strlen(value) + 2);
            if (!joined) {
                fputs("levy: out of memory\n", stderr);
                return false;
            }
            if (old)
                joined[old++] = ':';
            strcpy(joined + old, value);
            o->allow_read = joined;
        } else if (strcmp(a, "-A") == 0 || strcmp(a, "--allow") == 0 ||
                   strncmp(a, "--allow=", 8) == 0 || (strncmp(a, "-A", 2) == 0 && a[2])) {
            *seen |= OPT_ALLOW;
            if (a[1] == 'A')
                value = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            else
                value = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value) {
                usage_error("%s needs a warning code, such as W104", a);
                return false;
            }
            if (!add_allowed(o, value))
                return false;
        } else if (strcmp(a, "--werror") == 0) {
            *seen |= OPT_WERROR;
            o->werror = true;
        } else if (strcmp(a, "--tap") == 0) {
            *seen |= OPT_TAP;
            o->tap = true;
        } else if (strcmp(a, "--run") == 0 || strncmp(a, "--run=", 6) == 0) {
            *seen |= OPT_RUN;
            value = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value || !*value) {
                usage_error("%s needs a pattern (a regular expression over test names)",
                            "--run");
                return false;
            }
            o->run = value;
        } else if (strcmp(a, "--coverage") == 0) {
            *seen |= OPT_COVERAGE;
            o->coverage = true;
        } else if (strcmp(a, "--dump-ast") == 0) {
            *seen |= OPT_DUMP_AST;
            o->dump_ast = true;
        } else if (strcmp(a, "--scenario") == 0 || strncmp(a, "--scenario=", 11) == 0) {
            *seen |= OPT_SCENARIO;
            value = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value || !*value) {
                usage_error("%s needs a scenario name", "--scenario");
                return false;
            }
            o->scenario = value;
        } else if (strncmp(a, "-I", 2) == 0 || strcmp(a, "--path") == 0 ||
                   strncmp(a, "--path=", 7) == 0) {
            *seen |= OPT_PATH;
            if (a[1] == 'I')
                value = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            else
                value = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value || !*value) {
                usage_error("%s needs a folder", a);
                return false;
            }
            o->paths[o->npaths++] = value;
        } else {
            usage_error("unknown option '%s'", a);
            return false;
        }
    }
    return true;
}

static void free_options(cli_options *o)
{
    free(o->files);
    free(o->paths);
    free(o->expressions);
    free(o->allow);
    free(o->allow_read);
    free(o->env_paths);
    free(o->stdlib_dir);
}

/* ---- Where this program's libraries are ------------------------------------
 *
 * The library reads no environment and does not ask where the running
 * program is; it uses the folders it is given and its compiled-in standard
 * library.  Those decisions are the program's, made here. */

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* program_stdlib_dir: the standard library as a malloc'd path: beside the
 * sources when this levy is the one in the build tree (so a checkout works
 * with no variable set); else ../share/levy/stdlib from the program's
 * folder, so an install can be moved (or staged with DESTDIR); else NULL,
 * for the library's own (where it was installed). */
static char *program_stdlib_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    size_t blen = strlen(LEVY_BUILD_DIR);
    if (strncmp(exe, LEVY_BUILD_DIR, blen) == 0 && exe[blen] == '/')
        return strdup(LEVY_SOURCE_STDLIB_DIR);
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char rel[PATH_MAX + 32];
    snprintf(rel, sizeof rel, "%s/../share/" PACKAGE "/stdlib", exe);
    return is_directory(rel) ? strdup(rel) : NULL;
}

/* add_environment: the folders of LEVY_PATH (colon-separated, as PATH)
 * go before the -I folders; and the standard library's folder.  false when
 * out of memory. */
static bool add_environment(cli_options *o)
{
    o->stdlib_dir = program_stdlib_dir();
    const char *env = getenv("LEVY_PATH");
    if (!env || !*env)
        return true;
    o->env_paths = strdup(env);
    size_t most = o->npaths + strlen(env) / 2 + 2;
    const char **paths = calloc(most, sizeof *paths);
    if (!o->env_paths || !paths) {
        free(paths);
        return false;
    }
    size_t n = 0;
    for (char *dir = o->env_paths; dir;) {
        char *colon = strchr(dir, ':');
        if (colon)
            *colon = '\0';
        if (*dir)
            paths[n++] = dir;
        dir = colon ? colon + 1 : NULL;
    }
    for (size_t i = 0; i < o->npaths; i++)
        paths[n++] = o->paths[i];
    free(o->paths);
    o->paths = paths;
    o->npaths = n;
    return true;
}

typedef int (*command_fn)(const cli_options *o);

static const struct command {
    const char *name;
    command_fn run;
    bool needs_files;
    unsigned options; /* OPT_*: what it takes; anything else is a usage error */
} commands[] = {
    { "check", cli_check, true, OPT_FORMAT | OPT_WERROR | OPT_PATH | OPT_ALLOW | OPT_ALLOW_READ },
    { "run", cli_run, true,
      OPT_FORMAT | OPT_SCENARIO | OPT_PATH | OPT_EXPRESSION | OPT_ALLOW | OPT_ALLOW_READ },
    { "test", cli_test, true,
      OPT_FORMAT | OPT_TAP | OPT_COVERAGE | OPT_RUN | OPT_PATH | OPT_ALLOW | OPT_ALLOW_READ },
    { "parse", cli_parse, true, OPT_DUMP_AST },
    { "repl", cli_repl, false, OPT_SCENARIO | OPT_PATH | OPT_ALLOW | OPT_ALLOW_READ },
};

/* Commands the design plans, so that trying one says so plainly. */
static const char *const planned[] = { "fmt", "compare" };

static const char *option_name(unsigned bit)
{
    switch (bit) {
    case OPT_FORMAT: return "--format";
    case OPT_WERROR: return "--werror";
    case OPT_TAP: return "--tap";
    case OPT_COVERAGE: return "--coverage";
    case OPT_RUN: return "--run";
    case OPT_DUMP_AST: return "--dump-ast";
    case OPT_SCENARIO: return "--scenario";
    case OPT_EXPRESSION: return "-e";
    case OPT_ALLOW: return "--allow";
    case OPT_ALLOW_READ: return "--allow-read";
    default: return "--path";
    }
}

/* levy eval: its own options first, then the common ones. */
/* common_options: the options eval and timeline share with the other
 * commands (files, --scenario, -I, --allow, --allow-read), from what their
 * own splitter left; EXIT_OK when o is ready, else the exit status after
 * saying why. */
static int common_options(const char *cmd, int nrest, char **rest, cli_options *o)
{
    const unsigned takes = OPT_SCENARIO | OPT_PATH | OPT_ALLOW | OPT_ALLOW_READ;
    unsigned seen;
    if (!parse_options(nrest, rest, o, &seen))
        return EXIT_USAGE;
    if (seen & ~takes) {
        unsigned extra = seen & ~takes;
        fprintf(stderr, "levy: '%s' does not take %s\nTry 'levy --help'.\n", cmd,
                option_name(extra & -extra));
        return EXIT_USAGE;
    }
    if (o->nfiles == 0) {
        usage_error("'%s' needs at least one FILE", cmd);
        return EXIT_USAGE;
    }
    if (!add_environment(o)) {
        fputs("levy: out of memory\n", stderr);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

static bool asks_help(int argc, char **argv)
{
    for (int k = 0; k < argc; k++)
        if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0)
            return true;
    return false;
}

static int run_eval(int argc, char **argv)
{
    if (asks_help(argc, argv)) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    eval_options e;
    int nrest = 0;
    if (!rest || !cli_eval_split(argc, argv, &e, rest, &nrest)) {
        cli_eval_options_free(&e);
        free(rest);
        return EXIT_USAGE;
    }
    cli_options o;
    int rc = common_options("eval", nrest, rest, &o);
    if (rc == EXIT_OK)
        rc = cli_eval(&o, &e);
    free_options(&o);
    cli_eval_options_free(&e);
    free(rest);
    return rc;
}

static int run_timeline(int argc, char **argv)
{
    if (asks_help(argc, argv)) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    timeline_options t;
    int nrest = 0;
    if (!rest || !cli_timeline_split(argc, argv, &t, rest, &nrest)) {
        cli_timeline_options_free(&t);
        free(rest);
        return EXIT_USAGE;
    }
    cli_options o;
    int rc = common_options("timeline", nrest, rest, &o);
    if (rc == EXIT_OK)
        rc = cli_timeline(&o, &t);
    free_options(&o);
    cli_timeline_options_free(&t);
    free(rest);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        if (isatty(STDIN_FILENO)) {
            cli_options o;
            unsigned seen;
            if (!parse_options(0, argv, &o, &seen) || !add_environment(&o)) {
                free_options(&o);
                return EXIT_USAGE;
            }
            int rc = cli_repl(&o);
            free_options(&o);
            return rc;
        }
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("levy %s\n", levy_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        for (int k = 2; k < argc; k++)
            if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0) {
                fputs(usage_text, stdout);
                return EXIT_OK;
            }
        cli_options o;
        unsigned seen;
        if (!parse_options(argc - 2, argv + 2, &o, &seen)) {
            free_options(&o);
            return EXIT_USAGE;
        }
        unsigned extra = seen & ~commands[i].options;
        if ((extra & OPT_SCENARIO) && strcmp(cmd, "test") == 0) {
            fputs("levy: 'test' does not take --scenario: tests run as written; a test\n"
                  "checks a scenario with `under NAME { ... }` inside it\n"
                  "Try 'levy --help'.\n",
                  stderr);
            free_options(&o);
            return EXIT_USAGE;
        }
        if (extra) {
            char what[64];
            snprintf(what, sizeof what, "%s", option_name(extra & -extra));
            fprintf(stderr, "levy: '%s' does not take %s\nTry 'levy --help'.\n", cmd, what);
            free_options(&o);
            return EXIT_USAGE;
        }
        if (commands[i].needs_files && o.nfiles == 0) {
            usage_error("'%s' needs at least one FILE", cmd);
            free_options(&o);
            return EXIT_USAGE;
        }
        if (!add_environment(&o)) {
            fputs("levy: out of memory\n", stderr);
            free_options(&o);
            return EXIT_FAILED;
        }
        int rc = commands[i].run(&o);
        free_options(&o);
        return rc;
    }
    if (strcmp(cmd, "eval") == 0)
        return run_eval(argc - 2, argv + 2);
    if (strcmp(cmd, "timeline") == 0)
        return run_timeline(argc - 2, argv + 2);
    for (size_t i = 0; i < sizeof planned / sizeof planned[0]; i++)
        if (strcmp(cmd, planned[i]) == 0) {
            usage_error("'%s' is planned but not available yet", cmd);
            return EXIT_USAGE;
        }
    usage_error("unknown command '%s'", cmd);
    return EXIT_USAGE;
}
