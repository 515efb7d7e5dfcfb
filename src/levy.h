/* levy.h - the Levy interpreter as a library.
 *
 * Levy is a declarative language for trade policy.  This header is the whole
 * public interface of liblevy: load a policy from files or strings, read its
 * diagnostics, evaluate shipments against it, and read what each owes and
 * why.  The `levy` program is a client of this header like any other.
 *
 * Conventions
 *   - Handles are opaque; each *_new has a matching *_free (NULL is fine).
 *   - Functions that can fail return a levy_status; LEVY_OK is 0.  A failed
 *     call leaves a message in the handle (levy_policy_error,
 *     levy_result_error).  The library never exits, never prints unless
 *     asked to, and has no global state.
 *   - Thread-compatible: a levy_policy may be used by one thread at a time
 *     while loading; once checked, any number of threads may evaluate
 *     against it concurrently, each with its own shipments and results.
 *   - Rates and money cross the interface as exact decimals: an int64 count
 *     of millionths (LEVY_DECIMAL_SCALE), never floating point.  A rate is a
 *     fraction: 145% is 1450000.
 */
#ifndef LEVY_H
#define LEVY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* LEVY_API marks what liblevy exports.  The library is compiled with
 * -fvisibility=hidden, so everything else in it (the scanner, the parser,
 * the stages) stays internal: the shared library's symbols are exactly the
 * functions declared here. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define LEVY_API __attribute__((visibility("default")))
#else
#define LEVY_API
#endif

#define LEVY_VERSION_MAJOR 0
#define LEVY_VERSION_MINOR 1
#define LEVY_VERSION_PATCH 0
#define LEVY_VERSION_STRING "0.1.0"

#define LEVY_DECIMAL_SCALE INT64_C(1000000)

typedef enum levy_status {
    LEVY_OK = 0,
    LEVY_ERROR_IO,        /* a file could not be read */
    LEVY_ERROR_INVALID,   /* the policy has errors: see its diagnostics */
    LEVY_ERROR_EVAL,      /* evaluation failed: see levy_result_error */
    LEVY_ERROR_ARGUMENT,  /* a bad argument: unknown field, bad value text... */
    LEVY_ERROR_NOT_FOUND, /* no such scenario, measure, index... */
    LEVY_ERROR_STATE,     /* called at the wrong time (e.g. evaluate before check) */
    LEVY_ERROR_NOMEM
} levy_status;

/* levy_status_string: a short English description of a status. */
LEVY_API const char *levy_status_string(levy_status status);
/* levy_version: the library's version, e.g. "0.1.0". */
LEVY_API const char *levy_version(void);

/* ---- Policies ----------------------------------------------------------- */

typedef struct levy_policy levy_policy;

LEVY_API levy_policy *levy_policy_new(void);
LEVY_API void levy_policy_free(levy_policy *policy);

/* Where `import NAME` looks, after the importing file's folder: the folders
 * added here (in order), then the standard library.  The standard library
 * folder defaults to the one compiled in (where `make install` puts it);
 * set it to override.  The library reads no environment variable and does
 * not look where the running program is: that is the host's to decide (the
 * `levy` program adds LEVY_PATH's folders, and uses the source tree's
 * standard library when run from its build tree). */
LEVY_API levy_status levy_policy_add_search_path(levy_policy *policy, const char *folder);
LEVY_API levy_status levy_policy_set_stdlib_dir(levy_policy *policy, const char *folder);

/* Load a policy source and what it imports.  Several may be loaded; they
 * form one policy.  Then call levy_policy_check before evaluating; loading
 * after the check is LEVY_ERROR_STATE (start a new policy instead). */
LEVY_API levy_status levy_policy_load_file(levy_policy *policy, const char *path);
LEVY_API levy_status levy_policy_load_string(levy_policy *policy, const char *name,
                                    const char *text, size_t len);
/* levy_policy_check: resolve names, check types and rules, and compile the
 * policy for evaluation.  LEVY_ERROR_INVALID when any error was found. */
LEVY_API levy_status levy_policy_check(levy_policy *policy);

/* levy_policy_set_scenario: evaluate under a scenario from now on (NULL for
 * the policy itself).  LEVY_ERROR_NOT_FOUND for an unknown scenario. */
LEVY_API levy_status levy_policy_set_scenario(levy_policy *policy, const char *scenario);

/* levy_policy_error: the message of the last failed call, or "". */
LEVY_API const char *levy_policy_error(const levy_policy *policy);

/* ---- Diagnostics --------------------------------------------------------- */

typedef enum levy_severity { LEVY_ERROR, LEVY_WARNING, LEVY_NOTE } levy_severity;

typedef struct levy_diagnostic {
    levy_severity severity;
    const char *code;    /* stable, e.g. "E301"; see doc/diagnostics.md */
    const char *message;
    const char *file;    /* as named when loaded; "" when none */
    int line, column;    /* 1-based; 0 when none */
    int end_line, end_column;
} levy_diagnostic;

LEVY_API size_t levy_policy_diagnostic_count(const levy_policy *policy);
/* levy_policy_diagnostic: the i-th diagnostic; its strings live as long as
 * the policy. */
LEVY_API levy_status levy_policy_diagnostic(const levy_policy *policy, size_t i,
                                   levy_diagnostic *out);
LEVY_API size_t levy_policy_error_count(const levy_policy *policy);
LEVY_API size_t levy_policy_warning_count(const levy_policy *policy);

typedef enum levy_format {
    LEVY_FORMAT_TEXT,   /* GCC style, with the source line and a caret */
    LEVY_FORMAT_JSON,   /* one JSON object a line */
    LEVY_FORMAT_GITHUB  /* GitHub Actions workflow commands */
} levy_format;

/* levy_policy_write_diagnostics: render every diagnostic to out. */
LEVY_API void levy_policy_write_diagnostics(const levy_policy *policy, FILE *out, levy_format format);
/* levy_policy_clear_diagnostics: forget the diagnostics so far (once shown),
 * so that those of a later run can be told apart.  The counts restart too. */
LEVY_API void levy_policy_clear_diagnostics(levy_policy *policy);

/* ---- Shipments ------------------------------------------------------------ */

typedef struct levy_shipment levy_shipment;

/* levy_shipment_new: an empty shipment for a checked policy (its fields
 * include the policy's attributes). */
LEVY_API levy_shipment *levy_shipment_new(const levy_policy *policy);
LEVY_API void levy_shipment_free(levy_shipment *shipment);
/* levy_shipment_set: set a field from text, as a data file writes it:
 * origin "CN", product "9503.00.00" or "hs 9503.00.00", value "10000" or
 * "$10,000.00", quantity "40", unit "kg", entered "2025-04-15", a bool
 * attribute "true".  LEVY_ERROR_ARGUMENT for an unknown field or a value
 * that does not read; the message is in levy_shipment_error. */
LEVY_API levy_status levy_shipment_set(levy_shipment *shipment, const char *field, const char *value);
/* levy_shipment_clear: forget every field, to reuse the shipment. */
LEVY_API void levy_shipment_clear(levy_shipment *shipment);
LEVY_API const char *levy_shipment_error(const levy_shipment *shipment);

/* ---- Evaluation ------------------------------------------------------------ */

typedef struct levy_result levy_result;

LEVY_API levy_result *levy_result_new(void);
LEVY_API void levy_result_free(levy_result *result);

/* levy_evaluate: what the shipment owes under the policy (and its scenario).
 * LEVY_ERROR_EVAL with a message in levy_result_error when evaluation
 * fails (a missing field, a conflict between modifiers, ...). */
LEVY_API levy_status levy_evaluate(const levy_policy *policy, const levy_shipment *shipment,
                          levy_result *result);
LEVY_API const char *levy_result_error(const levy_result *result);

/* The total ad valorem rate (a fraction) and the duty (money). */
LEVY_API int64_t levy_result_rate(const levy_result *result);
LEVY_API int64_t levy_result_duty(const levy_result *result);

typedef struct levy_charge {
    const char *measure;   /* the measure's name */
    const char *rate;      /* the rate charged, as text: "25%", "$0.05 per kg" */
    int64_t ad_valorem;    /* its ad valorem part, a fraction */
    int64_t amount;        /* money, rounded half-up to the cent */
    const char *note;      /* citation, or how a modifier changed it; may be "" */
} levy_charge;

LEVY_API size_t levy_result_charge_count(const levy_result *result);
LEVY_API levy_status levy_result_charge(const levy_result *result, size_t i, levy_charge *out);

typedef struct levy_exclusion {
    const char *measure;   /* a measure that matched but was not charged */
    const char *reason;    /* "replaced by reciprocal_cn", "suspended by pause ninety_days" */
} levy_exclusion;

LEVY_API size_t levy_result_exclusion_count(const levy_result *result);
LEVY_API levy_status levy_result_exclusion(const levy_result *result, size_t i, levy_exclusion *out);

/* levy_result_explain: the entry summary as text (the layout of `levy run`);
 * valid until the result is reused or freed. */
LEVY_API const char *levy_result_explain(levy_result *result);

/* ---- Running programs and tests -------------------------------------------- */

/* A sink for output: called with text that is not NUL-terminated. */
typedef void (*levy_write_fn)(void *userdata, const char *text, size_t len);

/* levy_policy_run: evaluate the top-level expressions of the loaded root
 * files in order and write each value (explanations as entry summaries).
 * Errors become diagnostics of the policy (they are not written); the
 * next statement still runs.  LEVY_ERROR_EVAL when any statement failed. */
LEVY_API levy_status levy_policy_run(levy_policy *policy, levy_write_fn write, void *userdata);

typedef struct levy_test_options {
    int tap;       /* write TAP version 13 instead of the plain report */
    int coverage;  /* also list measures and modifiers no test exercised */
} levy_test_options;

/* levy_policy_test: run every test block of the root files, writing a
 * report that ends with "N passed, N failed"; evaluation errors in tests
 * are written in the report (and also kept as diagnostics).  *passed and *failed count
 * test blocks (either may be NULL).  LEVY_ERROR_EVAL when any failed. */
LEVY_API levy_status levy_policy_test(levy_policy *policy, const levy_test_options *options,
                             levy_write_fn write, void *userdata,
                             size_t *passed, size_t *failed);

/* levy_format_decimal: write a decimal as text ("12.5"), money
 * ("$1,200.50") or a percent ("14.5%") into buf; returns buf. */
typedef enum levy_decimal_style { LEVY_NUMBER, LEVY_MONEY, LEVY_PERCENT } levy_decimal_style;
LEVY_API char *levy_format_decimal(int64_t units, levy_decimal_style style, char *buf, size_t n);

/* ---- Sessions (what the REPL is built on) --------------------------------- */

/* A session is a policy that grows as text is entered: files loaded with
 * levy_session_load, declarations typed with levy_session_eval.  Input that
 * fails leaves the session exactly as it was.  Diagnostics and values are
 * written through the session's writer, diagnostics as GCC-style text with
 * the caret under the entered text. */
typedef struct levy_session levy_session;

LEVY_API levy_session *levy_session_new(levy_write_fn write, void *userdata);
LEVY_API void levy_session_free(levy_session *session);
/* As levy_policy_add_search_path and levy_policy_set_stdlib_dir, for every
 * policy the session builds from now on. */
LEVY_API levy_status levy_session_add_search_path(levy_session *session, const char *folder);
LEVY_API levy_status levy_session_set_stdlib_dir(levy_session *session, const char *folder);

/* levy_session_load: add a policy file (kept for :reload). */
LEVY_API levy_status levy_session_load(levy_session *session, const char *path);
/* levy_session_reload: read every loaded file again; what was typed stays. */
LEVY_API levy_status levy_session_reload(levy_session *session);

typedef enum levy_input {
    LEVY_INPUT_COMPLETE,   /* ready to evaluate (or wrong: eval will say) */
    LEVY_INPUT_INCOMPLETE  /* ends inside a construct: ask for more */
} levy_input;

/* levy_session_input: the parser's verdict on text typed so far. */
LEVY_API levy_input levy_session_input(levy_session *session, const char *text);

/* levy_session_eval: declarations join the session's policy (redefining a
 * name typed earlier replaces it, with a note); expressions print their
 * value; `explain(...)` prints the entry summary.  LEVY_OK, or
 * LEVY_ERROR_INVALID / LEVY_ERROR_EVAL after printing why. */
LEVY_API levy_status levy_session_eval(levy_session *session, const char *text);

/* levy_session_set_origin: the name and first line that diagnostics give
 * the next inputs (default "<repl>", line 1 for each input); a script
 * reader sets it so that errors point at the script's own lines. */
LEVY_API levy_status levy_session_set_origin(levy_session *session, const char *name, int first_line);

/* levy_session_type: print the type of an expression ("rate"). */
LEVY_API levy_status levy_session_type(levy_session *session, const char *expr);
/* levy_session_set_scenario: NULL or "none" for the policy itself. */
LEVY_API levy_status levy_session_set_scenario(levy_session *session, const char *scenario);
/* levy_session_scenario: the current scenario's name, or NULL. */
LEVY_API const char *levy_session_scenario(const levy_session *session);

/* levy_session_list: print the names of one kind: "measures", "pauses",
 * "concessions", "countries", "groups", "products", "scenarios", "tests",
 * "commitments", "schedules", "lets", "attributes".  LEVY_ERROR_ARGUMENT
 * for another kind. */
LEVY_API levy_status levy_session_list(levy_session *session, const char *kind);
/* levy_session_show: print a declaration's source text and where it is. */
LEVY_API levy_status levy_session_show(levy_session *session, const char *name);
/* levy_session_test: run the test blocks of everything loaded and typed. */
LEVY_API levy_status levy_session_test(levy_session *session);

/* levy_session_names: the declared names starting with prefix, and the
 * language's keywords, for completion.  Calls add(userdata, name) for each. */
LEVY_API void levy_session_names(levy_session *session, const char *prefix,
                        void (*add)(void *userdata, const char *name), void *userdata);

/* levy_session_error: why the last call failed when the failure is not a
 * diagnostic (an unknown scenario, a file that cannot be read, nothing of
 * that name); "" otherwise.  Diagnostics are written through the writer. */
LEVY_API const char *levy_session_error(const levy_session *session);

/* levy_session_interrupt: ask a running evaluation to stop soon (it fails
 * with "interrupted").  Async-signal-safe: call it from a SIGINT handler. */
LEVY_API void levy_session_interrupt(levy_session *session);

/* levy_debug_dump_ast: parse one file and print its syntax tree to out (a
 * debugging aid for tools and tests; the format may change).  Syntax errors
 * go to err.  LEVY_ERROR_IO when the file cannot be read. */
LEVY_API levy_status levy_debug_dump_ast(const char *path, FILE *out, FILE *err);

#ifdef __cplusplus
}
#endif

#endif
