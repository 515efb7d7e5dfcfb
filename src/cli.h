/* cli.h - the subcommands of the `levy` program (src/cmd_*.c, src/repl.c). */
#ifndef LEVY_CLI_H
#define LEVY_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "levy.h"

typedef struct cli_options {
    const char **files; /* the arguments that are not options */
    size_t nfiles;
    const char **paths; /* LEVY_PATH's folders, then the -I folders */
    size_t npaths;
    char *env_paths;  /* LEVY_PATH, cut at its colons: what paths point into */
    char *stdlib_dir; /* the standard library, or NULL for the library's default */
    levy_format format;
    const char *scenario;
    const char **expressions; /* -e EXPR, in order (run) */
    size_t nexpressions;
    char *allow; /* --allow's warning codes, joined by commas; NULL: none */
    char *allow_read; /* --allow-read's folders, joined by ':'; NULL: none */
    const char *run; /* test --run PATTERN */
    bool werror, tap, coverage, dump_ast;
} cli_options;

/* What `levy eval` takes besides the common options (cmd_eval.c). */
typedef struct eval_options {
    const char *input, *output, *rejects, *by;
    const char *input_format; /* --input-format: "csv", "jsonl"; NULL: by the name */
    const char **ignore; /* --ignore-column NAME, each */
    size_t nignore;
    bool explain, summary, keep_going, quiet;
    bool jsonl; /* rows as JSON Lines */
    bool json;  /* the summary as JSON */
    int jobs;
} eval_options;

/* What `levy timeline` takes besides the common options (cmd_timeline.c). */
typedef struct timeline_options {
    const char *origins; /* --origin CN[,VN...] */
    const char *product, *from, *to;
    const char **fields; /* --set NAME=VALUE, --value V, ...: "NAME=VALUE" each */
    size_t nfields;
    char **owned; /* the "NAME=VALUE" texts this made itself */
    size_t nowned;
    const char *svg; /* --svg F: also draw it */
    int format; /* TIMELINE_TEXT, _CSV or _JSON */
} timeline_options;
enum { TIMELINE_TEXT, TIMELINE_CSV, TIMELINE_JSON };

/* cli_timeline_split: timeline's own options out of argv into *t, the
 * others (files, --scenario, -I, --allow) into rest; false after saying
 * why on a usage error. */
bool cli_timeline_split(int argc, char **argv, timeline_options *t, char **rest, int *nrest);
void cli_timeline_options_free(timeline_options *t);
int cli_timeline(const cli_options *o, const timeline_options *t);

/* cli_choose_scenario: --scenario NAME's handle in *out (NULL for none, or
 * for "none"); false, after saying why, when the policy has no such
 * scenario, a usage error. */
bool cli_choose_scenario(levy_policy *policy, const cli_options *o, const levy_scenario **out);

/* cli_option_value: for a command's own options.  When argv[*i] is NAME
 * or NAME=VALUE, true, with the value in *out (and *i past it), or with
 * NULL in *out after saying that the value is missing; false when argv[*i]
 * is another argument. */
bool cli_option_value(int argc, char **argv, int *i, const char *name, const char **out);

/* cli_mkstemp: mkstemp(template), but the file gets the mode a new file
 * gets (0666 less the umask), not mkstemp's private 0600: output written
 * to a temporary file and renamed must look like output written directly.
 * -1 (errno set) when it cannot. */
int cli_mkstemp(char *template);

/* cli_put_json_string: s as a JSON string on standard output. */
void cli_put_json_string(const char *s);

/* cli_eval_split: takes eval's own options out of argv into *e and copies
 * the others (files, --scenario, -I, --allow) into rest; false after
 * saying why on a usage error. */
bool cli_eval_split(int argc, char **argv, eval_options *e, char **rest, int *nrest);
void cli_eval_options_free(eval_options *e);
int cli_eval(const cli_options *o, const eval_options *e);

int cli_check(const cli_options *o);
int cli_run(const cli_options *o);
int cli_test(const cli_options *o);
int cli_parse(const cli_options *o);
int cli_repl(const cli_options *o);

/* cli_load: a policy with the search path and standard library of o and every file
 * of o loaded and checked; diagnostics are printed in o->format.  Returns
 * NULL after printing why when the files cannot be used; *status is the
 * exit status to use then (1 for errors in the policy, 2 for a file that
 * cannot be read, which a machine format reports as a diagnostic E701). */
levy_policy *cli_load(const cli_options *o, int *status);

/* cli_write_stdout, cli_write_stderr: levy_write_fns writing to standard
 * output and standard error; the second flushes standard output first, so
 * that the two interleave in the order written, as on a terminal. */
void cli_write_stdout(void *userdata, const char *text, size_t len);
void cli_write_stderr(void *userdata, const char *text, size_t len);

/* cli_diagnostic_writer: where diagnostics in o->format go: text (for
 * people) to standard error, every machine-readable format to standard
 * output, so that `levy check --format=json f.levy | jq .` works. */
levy_write_fn cli_diagnostic_writer(const cli_options *o);

#endif
