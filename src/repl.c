/* repl.c - `levy repl`: explore a policy interactively.
 *
 * A thin layer over the session API of levy.h (levy_session_*), and the only
 * file of Levy that knows about line editing: libedit's EditLine and History
 * (SQLite's shell keeps its readline/editline glue in one place the same way).
 *
 * Input is read a line at a time.  At the start of a statement, a line whose
 * first character is ':' is a meta-command, looked up in meta_commands[]
 * (name, argument, handler and help text in one table, like SQLite's
 * azHelp[]; a unique prefix will do).  Any other line joins the statement
 * being entered, which is evaluated when the parser's verdict
 * (levy_session_input) says it is complete; until then we ask for more, as
 * Lua's lua.c does with its "<eof>" test.
 *
 * On a terminal: a prompt naming the current scenario, emacs-style editing,
 * history in ~/.levy_history (or $LEVY_HISTORY) written as it grows, TAB
 * completion, Ctrl-C to abandon the input or interrupt an evaluation, Ctrl-D
 * to leave.  Otherwise stdin is a script: no prompts, no editing, no
 * history, and the exit status says whether everything succeeded.
 */
#include <dirent.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <histedit.h>

#include "cli.h"
#include "levy.h"

/* History entries kept in memory and in the file.  The file is appended to
 * as lines are entered and trimmed back to this size at start-up once it
 * has grown past twice as many. */
enum { HISTORY_SIZE = 1000 };

/* ---- Signal state --------------------------------------------------------
 *
 * A signal handler cannot be given a context, so what the handlers need is
 * the only global state of this file:
 *   - interrupted: SIGINT arrived (Ctrl-C).  At the prompt it abandons the
 *     input; during an evaluation it has also asked the session to stop.
 *   - evaluating / interrupt_session: while `evaluating` is set, SIGINT calls
 *     levy_session_interrupt(interrupt_session).  The pointer is written
 *     before the handler is installed and cleared after it is removed, so
 *     the handler only ever reads it; the flag is a sig_atomic_t.
 *   - saved_termios / crash_previous: the terminal settings from before line
 *     editing, and the handlers that were in place, so that a crash restores
 *     the terminal before the previous handler (or the default) runs.
 *     Both are written before the crash handlers are installed.
 */
static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t evaluating;
static levy_session *interrupt_session;
static struct termios saved_termios;
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction crash_previous[NCRASH];

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    if (evaluating)
        levy_session_interrupt(interrupt_session);
}

/* on_crash: put the terminal back, reinstate the previous handler and let
 * it see the signal: a fault happens again when we return, a signal that
 * was sent (abort, kill) is raised again. */
static void on_crash(int sig, siginfo_t *info, void *context)
{
    (void)context;
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    for (size_t i = 0; i < NCRASH; i++)
        if (crash_signals[i] == sig)
            sigaction(sig, &crash_previous[i], NULL);
    if (info->si_code <= 0)
        raise(sig);
}

/* ---- Small helpers ------------------------------------------------------ */

/* A growing NUL-terminated string. */
typedef struct text {
    char *data;
    size_t len, cap;
} text;

static bool text_append(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->data, cap);
        if (!p)
            return false;
        t->data = p;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
    return true;
}

static void text_clear(text *t)
{
    t->len = 0;
    if (t->data)
        t->data[0] = '\0';
}

/* A sorted set of strings, for completion. */
typedef struct string_list {
    char **items;
    size_t count, cap;
} string_list;

static void string_list_add(void *userdata, const char *s)
{
    string_list *l = userdata;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return;
        l->items = p;
        l->cap = cap;
    }
    char *copy = strdup(s);
    if (copy)
        l->items[l->count++] = copy;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void string_list_sort_unique(string_list *l)
{
    if (l->count == 0)
        return;
    qsort(l->items, l->count, sizeof *l->items, compare_strings);
    size_t kept = 1;
    for (size_t i = 1; i < l->count; i++) {
        if (strcmp(l->items[i], l->items[kept - 1]) == 0)
            free(l->items[i]);
        else
            l->items[kept++] = l->items[i];
    }
    l->count = kept;
}

static void string_list_free(string_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* expand_home: "~/x" as $HOME/x, in a new string; NULL when out of memory. */
static char *expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (path[0] != '~' || (path[1] != '/' && path[1] != '\0') || !home)
        return strdup(path);
    size_t n = strlen(home) + strlen(path);
    char *full = malloc(n);
    if (full)
        snprintf(full, n, "%s%s", home, path + 1);
    return full;
}

/* ---- The REPL's state --------------------------------------------------- */

typedef struct repl {
    levy_session *session;
    bool interactive;   /* stdin is a terminal */
    bool quit;          /* :quit was entered */
    int failures;       /* statements and commands that failed */
    text pending;       /* the lines of the statement being entered */
    int line;           /* lines read so far */
    int statement_line; /* the line where the current statement began */
    char prompt[160];
    EditLine *el;
    History *history;
    History *one_entry; /* holds the entry being appended to the file */
    char *history_file; /* NULL: do not save */
    bool abandoned;     /* Ctrl-C ended the line being edited */
} repl;

static void repl_error(repl *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The length of the well-formed UTF-8 sequence at s, or 0. */
static size_t utf8_length(const unsigned char *s)
{
    size_t n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                                                : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                                                               : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* put_escaped: what the user typed, echoed in a message, with control
 * bytes and bytes that are not UTF-8 as \x1b, as diagnostics show them, so
 * that a script cannot send escape sequences to the terminal. */
static void put_escaped(FILE *out, const char *message)
{
    const unsigned char *s = (const unsigned char *)message;
    while (*s) {
        size_t n = *s < 0x80 ? 1 : utf8_length(s);
        if (*s < 0x20 || *s == 0x7f || n == 0) {
            fprintf(out, "\\x%02x", *s);
            s++;
        } else {
            fwrite(s, 1, n, out);
            s += n;
        }
    }
}

/* show_error: a failed command's message on standard error; in a script,
 * with the line it is on. */
static void show_error(repl *r, const char *message)
{
    fflush(stdout);
    if (r->statement_line == 0)
        fputs("levy: ", stderr); /* starting up: the command line's files and options */
    else if (!r->interactive)
        fprintf(stderr, "<repl>:%d: ", r->statement_line);
    fputs("error: ", stderr);
    put_escaped(stderr, message);
    fputc('\n', stderr);
}

/* repl_error: report (and count) a failed command. */
static void repl_error(repl *r, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    show_error(r, message);
    r->failures++;
}

/* Calls into the session go through here: SIGINT interrupts them while they
 * run, and a failure is counted (the session has said why).  A Ctrl-C that
 * came after the line was read but before the call began cancels it. */
static bool begin_evaluation(repl *r)
{
    evaluating = r->interactive;
    if (!interrupted)
        return true;
    evaluating = 0;
    fflush(stdout);
    fputs("interrupted\n", stderr);
    r->failures++;
    return false;
}

/* A failure the session did not show as a diagnostic (an unknown
 * scenario, a missing file) is the REPL's to report. */
static bool end_evaluation(repl *r, levy_status st)
{
    evaluating = 0;
    fflush(stdout);
    if (st != LEVY_OK) {
        const char *why = levy_session_error(r->session);
        if (why[0])
            show_error(r, why);
        r->failures++;
    }
    return st == LEVY_OK;
}

static bool evaluate(repl *r, const char *source)
{
    if (!begin_evaluation(r))
        return false;
    /* Diagnostics name the line of the session (or script) where the
       statement began, the same way on a terminal and from a file. */
    levy_session_set_origin(r->session, "<repl>", r->statement_line);
    return end_evaluation(r, levy_session_eval(r->session, source));
}

/* ---- Meta-commands ------------------------------------------------------
 *
 * One table: each command's name, how its argument is written, its handler,
 * what TAB completes after it, and its help.  An argument written in capitals
 * is required, in brackets optional; none means the command takes none.
 */

typedef enum completion {
    COMPLETE_NOTHING,
    COMPLETE_COMMAND, /* a meta-command's name */
    COMPLETE_NAME,    /* keywords and declared names */
    COMPLETE_FILE,    /* a path */
    COMPLETE_KIND,    /* what :list lists */
    COMPLETE_SCENARIO /* declared names and "none" */
} completion;

typedef bool (*meta_fn)(repl *r, const char *arg);

typedef struct meta_command {
    const char *name;
    const char *args;
    meta_fn run;
    completion complete;
    const char *summary; /* one line for :help */
    const char *details; /* more for :help NAME; may be "" */
} meta_command;

static bool meta_help(repl *r, const char *arg);
static bool meta_load(repl *r, const char *arg);
static bool meta_reload(repl *r, const char *arg);
static bool meta_type(repl *r, const char *arg);
static bool meta_explain(repl *r, const char *arg);
static bool meta_scenario(repl *r, const char *arg);
static bool meta_list(repl *r, const char *arg);
static bool meta_show(repl *r, const char *arg);
static bool meta_test(repl *r, const char *arg);
static bool meta_quit(repl *r, const char *arg);

static const meta_command meta_commands[] = {
    { "help", "[COMMAND]", meta_help, COMPLETE_COMMAND, "list the commands, or describe one",
      "  :help load describes :load; a unique prefix will do (:help ex).\n" },
    { "load", "FILE", meta_load, COMPLETE_FILE, "load a policy file into the session",
      "  Its declarations join the session's policy.  FILE is relative to the\n"
      "  current folder (~/ is your home); quote a name that has blanks.  The\n"
      "  file is remembered for :reload.\n" },
    { "reload", "", meta_reload, COMPLETE_NOTHING, "read every loaded file again",
      "  For after editing them.  What was typed at the prompt stays.\n" },
    { "type", "EXPR", meta_type, COMPLETE_NAME, "print the type of an expression",
      "  :type toys_cn prints shipment; :type rate(toys_cn) prints rate.\n" },
    { "explain", "EXPR", meta_explain, COMPLETE_NAME,
      "print what a shipment owes and why: explain(EXPR)",
      "  Each applied measure with its rate and amount, the total, and the\n"
      "  measures that matched but were not charged.\n" },
    { "scenario", "[NAME|none]", meta_scenario, COMPLETE_SCENARIO,
      "evaluate under a scenario (none: the policy itself)",
      "  Without an argument, print the current scenario.  The prompt shows\n"
      "  it: levy[NAME]> .\n" },
    { "list", "KIND", meta_list, COMPLETE_KIND, "list the declared names of one kind",
      "  KIND is measures, pauses, concessions, countries, groups, products,\n"
      "  scenarios, tests, commitments, schedules, lets or attributes\n"
      "  (a unique prefix will do: :list meas).\n" },
    { "show", "NAME", meta_show, COMPLETE_NAME, "print a declaration's source and where it is",
      "" },
    { "test", "", meta_test, COMPLETE_NOTHING, "run the test blocks of everything loaded and typed",
      "  Tests run as written, whatever the current scenario: a test that\n"
      "  means a scenario says `under NAME { ... }`.\n" },
    { "quit", "", meta_quit, COMPLETE_NOTHING, "leave the REPL (so does Ctrl-D on an empty line)",
      "" },
};
#define NCOMMANDS (sizeof meta_commands / sizeof meta_commands[0])

static const char *command_name(size_t i)
{
    return i < NCOMMANDS ? meta_commands[i].name : NULL;
}

enum { NO_MATCH = -1, AMBIGUOUS = -2 };

/* resolve_prefix: the index of the name that `word` (of length n) names,
 * exactly or as the prefix of only one; NO_MATCH or AMBIGUOUS. */
static int resolve_prefix(const char *word, size_t n, const char *(*name_at)(size_t))
{
    int found = NO_MATCH;
    const char *name;
    for (size_t i = 0; (name = name_at(i)) != NULL; i++) {
        if (strncmp(name, word, n) != 0)
            continue;
        if (name[n] == '\0')
            return (int)i;
        found = found == NO_MATCH ? (int)i : AMBIGUOUS;
    }
    return n == 0 ? AMBIGUOUS : found;
}

/* candidates: the names `word` is a prefix of, as "a, b, c". */
static void candidates(char *buf, size_t size, const char *word, size_t n, const char *prefix,
                       const char *(*name_at)(size_t))
{
    size_t used = 0;
    buf[0] = '\0';
    const char *name;
    for (size_t i = 0; (name = name_at(i)) != NULL && used < size; i++)
        if (strncmp(name, word, n) == 0)
            used +=
                (size_t)snprintf(buf + used, size - used, "%s%s%s", used ? ", " : "", prefix, name);
}

static void print_command_help(const meta_command *c, bool details)
{
    char usage[64];
    snprintf(usage, sizeof usage, ":%s%s%s", c->name, *c->args ? " " : "", c->args);
    printf("%-24s %s\n", usage, c->summary);
    if (details)
        fputs(c->details, stdout);
}

static bool meta_help(repl *r, const char *arg)
{
    if (*arg) {
        size_t n = strcspn(arg, " \t");
        int i = resolve_prefix(arg + (arg[0] == ':'), n - (arg[0] == ':'), command_name);
        if (i < 0) {
            repl_error(r, "no command ':%.*s'; :help lists them", (int)n, arg + (arg[0] == ':'));
            return false;
        }
        print_command_help(&meta_commands[i], true);
        return true;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        print_command_help(&meta_commands[i], false);
    fputs("\nA unique prefix of a command will do (:ex for :explain).  Anything else is\n"
          "Levy: declarations join the session's policy, expressions print their value.\n"
          "Input continues on the next line while a construct is open; Ctrl-C abandons\n"
          "it, TAB completes, Ctrl-D on an empty line leaves.\n",
          stdout);
    return true;
}

/* path_argument: arg without surrounding double quotes, "~/" expanded, in
 * a new string; NULL when out of memory. */
static char *path_argument(const char *arg)
{
    size_t n = strlen(arg);
    char *copy = strdup(arg);
    if (!copy)
        return NULL;
    if (n >= 2 && arg[0] == '"' && arg[n - 1] == '"') {
        memmove(copy, copy + 1, n - 2);
        copy[n - 2] = '\0';
    }
    char *full = expand_home(copy);
    free(copy);
    return full;
}

static bool meta_load(repl *r, const char *arg)
{
    char *path = path_argument(arg);
    if (!path) {
        repl_error(r, "out of memory");
        return false;
    }
    bool ok = begin_evaluation(r) && end_evaluation(r, levy_session_load(r->session, path));
    free(path);
    return ok;
}

static bool meta_reload(repl *r, const char *arg)
{
    (void)arg;
    if (!begin_evaluation(r))
        return false;
    return end_evaluation(r, levy_session_reload(r->session));
}

static bool meta_type(repl *r, const char *arg)
{
    if (!begin_evaluation(r))
        return false;
    return end_evaluation(r, levy_session_type(r->session, arg));
}

static bool meta_explain(repl *r, const char *arg)
{
    text call = { 0 };
    bool ok = text_append(&call, "explain(", 8) && text_append(&call, arg, strlen(arg)) &&
              text_append(&call, ")\n", 2);
    if (ok)
        ok = evaluate(r, call.data);
    else
        repl_error(r, "out of memory");
    free(call.data);
    return ok;
}

static bool meta_scenario(repl *r, const char *arg)
{
    if (!*arg) {
        const char *current = levy_session_scenario(r->session);
        if (current)
            printf("scenario %s\n", current);
        else
            puts("no scenario: the policy itself");
        return true;
    }
    if (!begin_evaluation(r))
        return false;
    return end_evaluation(r, levy_session_set_scenario(r->session, arg));
}

static bool meta_list(repl *r, const char *arg)
{
    int i = resolve_prefix(arg, strlen(arg), levy_list_kind);
    if (i < 0) {
        char list[512];
        candidates(list, sizeof list, i == AMBIGUOUS ? arg : "", i == AMBIGUOUS ? strlen(arg) : 0,
                   "", levy_list_kind);
        repl_error(r, "%s kind '%s'; :list takes one of: %s",
                   i == AMBIGUOUS ? "ambiguous" : "unknown", arg, list);
        return false;
    }
    if (!begin_evaluation(r))
        return false;
    return end_evaluation(r, levy_session_list(r->session, levy_list_kind((size_t)i)));
}

static bool meta_show(repl *r, const char *arg)
{
    if (!begin_evaluation(r))
        return false;
    return end_evaluation(r, levy_session_show(r->session, arg));
}

static bool meta_test(repl *r, const char *arg)
{
    (void)arg;
    if (!begin_evaluation(r))
        return false;
    return end_evaluation(r, levy_session_test(r->session));
}

static bool meta_quit(repl *r, const char *arg)
{
    (void)arg;
    r->quit = true;
    return true;
}

/* check_argument: does arg suit what command c takes? */
static bool check_argument(repl *r, const meta_command *c, const char *arg)
{
    bool takes_none = c->args[0] == '\0';
    bool required = !takes_none && c->args[0] != '[';
    if (takes_none && *arg) {
        repl_error(r, ":%s takes no argument", c->name);
        return false;
    }
    if (required && !*arg) {
        repl_error(r, "usage: :%s %s", c->name, c->args);
        return false;
    }
    return true;
}

/* run_meta: `line` is what follows the ':'. */
static void run_meta(repl *r, const char *line)
{
    size_t n = strcspn(line, " \t");
    int i = resolve_prefix(line, n, command_name);
    if (i == NO_MATCH || (i == AMBIGUOUS && n == 0)) {
        repl_error(r, "unknown command ':%.*s'; :help lists the commands", (int)n, line);
        return;
    }
    if (i == AMBIGUOUS) {
        char list[256];
        candidates(list, sizeof list, line, n, ":", command_name);
        repl_error(r, "ambiguous command ':%.*s': %s", (int)n, line, list);
        return;
    }
    /* The argument, without surrounding blanks. */
    char *arg = strdup(skip_space(line + n));
    if (!arg) {
        repl_error(r, "out of memory");
        return;
    }
    size_t len = strlen(arg);
    while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
        arg[--len] = '\0';
    const meta_command *c = &meta_commands[i];
    if (check_argument(r, c, arg))
        c->run(r, arg);
    free(arg);
}

/* ---- Statements ------------------------------------------------------------ */

static void evaluate_pending(repl *r)
{
    evaluate(r, r->pending.data);
    text_clear(&r->pending);
}

/* handle_line: one line of input, without its newline.  Blank and comment
 * lines between statements are skipped; a ':' line there is a command. */
static void handle_line(repl *r, const char *line)
{
    if (r->pending.len == 0) {
        const char *p = skip_space(line);
        if (*p == '\0' || *p == '#')
            return;
        r->statement_line = r->line;
        if (*p == ':') {
            run_meta(r, p + 1);
            return;
        }
    }
    if (!text_append(&r->pending, line, strlen(line)) || !text_append(&r->pending, "\n", 1)) {
        repl_error(r, "out of memory");
        text_clear(&r->pending);
        return;
    }
    if (levy_session_input(r->session, r->pending.data) == LEVY_INPUT_COMPLETE)
        evaluate_pending(r);
}

/* run_script: stdin is not a terminal: statements without prompts. */
static void run_script(repl *r)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!r->quit && (n = getline(&line, &cap, stdin)) >= 0) {
        r->line++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        handle_line(r, line);
    }
    free(line);
    /* Input that ends inside a statement: let the parser say what is missing. */
    if (r->pending.len > 0)
        evaluate_pending(r);
}

/* ---- History -------------------------------------------------------------- */

/* history_file_name: $LEVY_HISTORY, else ~/.levy_history; NULL for none
 * (LEVY_HISTORY set to "", or no home). */
static char *history_file_name(void)
{
    const char *env = getenv("LEVY_HISTORY");
    if (env)
        return *env ? strdup(env) : NULL;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    size_t n = strlen(home) + sizeof "/.levy_history";
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/.levy_history", home);
    return path;
}

static bool history_open(repl *r)
{
    HistEvent ev;
    r->history = history_init();
    r->one_entry = history_init();
    if (!r->history || !r->one_entry)
        return false;
    history(r->history, &ev, H_SETSIZE, HISTORY_SIZE);
    history(r->one_entry, &ev, H_SETSIZE, 1);
    r->history_file = history_file_name();
    if (!r->history_file)
        return true;
    int loaded = history(r->history, &ev, H_LOAD, r->history_file);
    struct stat st;
    if (loaded < 0 && stat(r->history_file, &st) == 0 && st.st_size > 0) {
        /* Not a libedit history file: leave it alone. */
        fprintf(stderr, "levy: %s is not a history file; history will not be saved\n",
                r->history_file);
        free(r->history_file);
        r->history_file = NULL;
    } else if (loaded > 2 * HISTORY_SIZE) {
        history(r->history, &ev, H_SAVE, r->history_file);
    }
    return true;
}

/* history_add: remember a line, and append it to the file at once so that
 * nothing is lost if the session ends badly.  Appending (rather than
 * saving the whole list) keeps the lines of sessions running side by side.
 * libedit writes the entry in its own encoding, through one_entry. */
static void history_add(repl *r, const char *line)
{
    HistEvent ev;
    if (!*skip_space(line))
        return;
    if (history(r->history, &ev, H_FIRST) == 0 && strcmp(ev.str, line) == 0)
        return;
    history(r->history, &ev, H_ENTER, line);
    if (!r->history_file)
        return;
    FILE *f = fopen(r->history_file, "a");
    if (!f)
        return;
    /* libedit writes its header line when ftell says 0; not every C library
     * starts an "a" stream at the end, so put it there. */
    /* cppcheck-suppress seekOnAppendedFile */
    fseek(f, 0, SEEK_END);
    history(r->one_entry, &ev, H_CLEAR);
    history(r->one_entry, &ev, H_ENTER, line);
    history(r->one_entry, &ev, H_SAVE_FP, f);
    fclose(f);
}

/* ---- Completion ------------------------------------------------------------- */

/* add_file: offer dir + name ("pol-dir/inner.levy"), with a '/' after a
 * folder; `folder` is dir as opened (with "~/" expanded, "." for none). */
static void add_file(string_list *out, const char *folder, const char *dir, const char *name)
{
    size_t n = strlen(folder) + strlen(dir) + 2 * strlen(name) + 3;
    char *buf = malloc(n);
    if (!buf)
        return;
    struct stat st;
    snprintf(buf, n, "%s/%s", folder, name);
    bool is_folder = stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(buf, n, "%s%s%s", dir, name, is_folder ? "/" : "");
    string_list_add(out, buf);
    free(buf);
}

/* collect_files: the paths that start with word ("dir/pre"): entries of
 * dir whose name starts with pre, with dir as typed in front.  Hidden
 * entries only when pre starts with a dot. */
static void collect_files(string_list *out, const char *word)
{
    const char *slash = strrchr(word, '/');
    size_t dirlen = slash ? (size_t)(slash - word) + 1 : 0;
    const char *base = word + dirlen;
    char *dir = strndup(word, dirlen);
    char *folder = dir ? expand_home(*dir ? dir : ".") : NULL;
    DIR *d = folder ? opendir(folder) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        bool hidden = name[0] == '.' && base[0] != '.';
        if (!hidden && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
            strncmp(name, base, strlen(base)) == 0)
            add_file(out, folder, dir, name);
    }
    if (d)
        closedir(d);
    free(folder);
    free(dir);
}

static void collect_matching(string_list *out, const char *word, const char *prefix,
                             const char *(*name_at)(size_t))
{
    const char *name;
    char buf[64];
    for (size_t i = 0; (name = name_at(i)) != NULL; i++)
        if (strncmp(name, word, strlen(word)) == 0) {
            snprintf(buf, sizeof buf, "%s%s", prefix, name);
            string_list_add(out, buf);
        }
}

/* What to complete: the word before the cursor and what kind of thing. */
typedef struct completion_request {
    completion kind;
    const char *word; /* points into the line */
} completion_request;

/* classify: decide from the line up to the cursor what TAB should complete. */
static completion_request classify(const repl *r, const char *line)
{
    completion_request q = { COMPLETE_NAME, line };
    const char *p = skip_space(line);
    if (r->pending.len == 0 && *p == ':') {
        const char *name = p + 1;
        size_t n = strcspn(name, " \t");
        if (name[n] == '\0') {
            q.kind = COMPLETE_COMMAND;
            q.word = p;
            return q;
        }
        int i = resolve_prefix(name, n, command_name);
        q.kind = i >= 0 ? meta_commands[i].complete : COMPLETE_NOTHING;
        if (q.kind == COMPLETE_FILE || q.kind == COMPLETE_KIND || q.kind == COMPLETE_COMMAND) {
            /* The word is everything after the last blank. */
            const char *end = line + strlen(line);
            q.word = end;
            while (q.word > name + n && q.word[-1] != ' ' && q.word[-1] != '\t')
                q.word--;
            if (q.kind == COMPLETE_FILE && q.word[0] == '"')
                q.word++;
            return q;
        }
    }
    const char *end = line + strlen(line);
    q.word = end;
    while (q.word > line && is_name_char(q.word[-1]))
        q.word--;
    return q;
}

static void collect(repl *r, const completion_request *q, string_list *out)
{
    switch (q->kind) {
    case COMPLETE_NOTHING: break;
    case COMPLETE_COMMAND:
        collect_matching(out, q->word + (q->word[0] == ':'), q->word[0] == ':' ? ":" : "",
                         command_name);
        break;
    case COMPLETE_FILE: collect_files(out, q->word); break;
    case COMPLETE_KIND: collect_matching(out, q->word, "", levy_list_kind); break;
    case COMPLETE_SCENARIO:
        if (strncmp("none", q->word, strlen(q->word)) == 0)
            string_list_add(out, "none");
        /* fall through */
    case COMPLETE_NAME: levy_session_names(r->session, q->word, string_list_add, out); break;
    }
    string_list_sort_unique(out);
}

static size_t common_prefix(const string_list *l)
{
    size_t n = strlen(l->items[0]);
    for (size_t i = 1; i < l->count; i++) {
        size_t k = 0;
        while (k < n && l->items[i][k] == l->items[0][k])
            k++;
        n = k;
    }
    return n;
}

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* last_component: for a path, the part after its last '/' (a trailing
 * '/' of a folder does not count). */
static const char *last_component(const char *path)
{
    const char *last = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' && p[1] != '\0')
            last = p + 1;
    return last;
}

/* show_candidates: the choices in columns below the line.  For paths only
 * the last component is shown, as shells do. */
static void show_candidates(const string_list *l, completion kind)
{
    size_t width = 0;
    for (size_t i = 0; i < l->count; i++) {
        const char *shown = kind == COMPLETE_FILE ? last_component(l->items[i]) : l->items[i];
        size_t n = strlen(shown);
        width = n > width ? n : width;
    }
    width += 2;
    size_t columns = (size_t)terminal_width() / width;
    columns = columns ? columns : 1;
    fputc('\n', stdout);
    for (size_t i = 0; i < l->count; i++) {
        const char *shown = kind == COMPLETE_FILE ? last_component(l->items[i]) : l->items[i];
        if ((i + 1) % columns == 0 || i + 1 == l->count)
            printf("%s\n", shown);
        else
            printf("%-*s", (int)width, shown);
    }
    fflush(stdout);
}

/* insert_completion: put the choices in the line.  A unique one goes in
 * whole (a command with a blank after it); several put in what they share,
 * or, when they share nothing more, are listed. */
static unsigned char insert_completion(EditLine *el, const completion_request *q,
                                       const string_list *found)
{
    size_t typed = strlen(q->word);
    if (found->count == 0)
        return CC_REFRESH_BEEP;
    if (found->count == 1) {
        const char *choice = found->items[0];
        if (el_insertstr(el, choice + typed) == 0 && q->kind == COMPLETE_COMMAND &&
            choice[0] == ':')
            el_insertstr(el, " ");
        return CC_REFRESH;
    }
    size_t shared = common_prefix(found);
    if (shared == typed) {
        show_candidates(found, q->kind);
        return CC_REDISPLAY;
    }
    char *more = strndup(found->items[0] + typed, shared - typed);
    if (more)
        el_insertstr(el, more);
    free(more);
    return CC_REFRESH;
}

/* complete: libedit calls this for TAB.  At the start of a line (blanks
 * only) TAB indents, for the body of a declaration.  An empty word is not
 * completed as a name: every country would be a choice. */
static unsigned char complete(EditLine *el, int ch)
{
    (void)ch;
    repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    const LineInfo *li = el_line(el);
    char *line = strndup(li->buffer, (size_t)(li->cursor - li->buffer));
    if (!r || !line) {
        free(line);
        return CC_ERROR;
    }
    unsigned char result = CC_REFRESH_BEEP;
    completion_request q = classify(r, line);
    bool names = q.kind == COMPLETE_NAME || q.kind == COMPLETE_SCENARIO;
    if (*skip_space(line) == '\0') {
        result = el_insertstr(el, "    ") == 0 ? CC_REFRESH : CC_ERROR;
    } else if (!names || *q.word) {
        string_list found = { 0 };
        collect(r, &q, &found);
        result = insert_completion(el, &q, &found);
        string_list_free(&found);
    }
    free(line);
    return result;
}

/* ---- The terminal ------------------------------------------------------- */

/* abandon_line: libedit calls this for Ctrl-C.  While a line is edited the
 * terminal's interrupt character is off (see editor_open), so Ctrl-C comes
 * as a key, in order with the others, rather than as a signal that could
 * land between two reads and be missed. */
static unsigned char abandon_line(EditLine *el, int ch)
{
    (void)ch;
    repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    if (r)
        r->abandoned = true;
    return CC_EOF;
}

static char *prompt(EditLine *el)
{
    repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    return r ? r->prompt : (char *)"levy> ";
}

/* update_prompt: "levy> ", "levy[partners_sign]> " under a scenario, and a
 * continuation of the same width while a statement is open. */
static void update_prompt(repl *r)
{
    const char *scenario = levy_session_scenario(r->session);
    int width;
    if (scenario)
        width = snprintf(r->prompt, sizeof r->prompt, "levy[%s]> ", scenario);
    else
        width = snprintf(r->prompt, sizeof r->prompt, "levy> ");
    if (r->pending.len > 0) {
        if (width < 5 || (size_t)width >= sizeof r->prompt)
            width = 6;
        snprintf(r->prompt, sizeof r->prompt, "%*s", width, "... ");
    }
}

static void install_crash_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &sa, &crash_previous[i]);
}

static void remove_crash_handlers(void)
{
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &crash_previous[i], NULL);
}

static bool editor_open(repl *r)
{
    if (!history_open(r))
        return false;
    r->el = el_init("levy", stdin, stdout, stderr);
    if (!r->el)
        return false;
    el_set(r->el, EL_CLIENTDATA, r);
    el_set(r->el, EL_EDITOR, "emacs");
    el_set(r->el, EL_PROMPT, prompt);
    el_set(r->el, EL_HIST, history, r->history);
    /* libedit puts the terminal back on SIGTSTP, SIGTERM, SIGHUP... and
     * redraws on SIGCONT and SIGWINCH. */
    el_set(r->el, EL_SIGNAL, 1);
    /* el_wset: the narrow el_set copies these two strings and never frees
     * them (libedit 3.1-20221030); wide literals need no copy. */
    el_wset(r->el, EL_ADDFN, L"levy-complete", L"complete a keyword, name, command or file",
            complete);
    el_wset(r->el, EL_ADDFN, L"levy-abandon", L"abandon the input (Ctrl-C)", abandon_line);
    /* ~/.editrc ("levy:" lines), before our keys so that they go into the
     * keymap it chose (bind -v). */
    el_source(r->el, NULL);
    el_set(r->el, EL_BIND, "^I", "levy-complete", NULL);
    el_set(r->el, EL_BIND, "^C", "levy-abandon", NULL);
    /* The interrupt character off while editing: "-intr" for when libedit
     * recomputes its edit-mode settings, "intr=" for when it does not. */
    el_set(r->el, EL_SETTY, "-d", "-intr", "intr=", NULL);
    return true;
}

static void editor_close(repl *r)
{
    if (r->el)
        el_end(r->el);
    if (r->history)
        history_end(r->history);
    if (r->one_entry)
        history_end(r->one_entry);
    free(r->history_file);
}

/* read_line: the next line from the terminal, without its newline, in a
 * new string; NULL at the end (Ctrl-D on an empty line) or when Ctrl-C
 * (the key, or a SIGINT from elsewhere) abandoned it: r->abandoned. */
static char *read_line(repl *r)
{
    update_prompt(r);
    fflush(stdout);
    interrupted = 0;
    r->abandoned = false;
    int count = 0;
    const char *got = el_gets(r->el, &count);
    r->abandoned = r->abandoned || interrupted;
    if (r->abandoned || !got || count <= 0)
        return NULL;
    size_t n = strlen(got);
    while (n > 0 && (got[n - 1] == '\n' || got[n - 1] == '\r'))
        n--;
    return strndup(got, n);
}

static void run_terminal(repl *r)
{
    struct sigaction sa, previous;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a SIGINT from elsewhere ends the read of the line. */
    sigaction(SIGINT, &sa, &previous);
    printf("levy %s: a policy REPL.  :help for help, Ctrl-D to leave.\n", levy_version());
    while (!r->quit) {
        char *line = read_line(r);
        if (r->abandoned) {
            /* Ctrl-C: drop what was typed, statement and all. */
            fputs("^C\n", stdout);
            text_clear(&r->pending);
            continue;
        }
        if (!line) {
            fputc('\n', stdout);
            break;
        }
        r->line++;
        history_add(r, line);
        handle_line(r, line);
        free(line);
    }
    sigaction(SIGINT, &previous, NULL);
}

/* ---- Setting up ------------------------------------------------------------- */

/* add_search_paths: the folders and the standard library the program
 * chose (LEVY_PATH's, then -I's: see main.c). */
static bool add_search_paths(repl *r, const cli_options *o)
{
    if (o->stdlib_dir && levy_session_set_stdlib_dir(r->session, o->stdlib_dir) != LEVY_OK)
        return false;
    for (size_t i = 0; i < o->npaths; i++)
        if (levy_session_add_search_path(r->session, o->paths[i]) != LEVY_OK)
            return false;
    return true;
}

/* load_files: the files named on the command line and the --scenario, the
 * files' own statements run under it.  A file that has errors is reported
 * (by the session) and the REPL goes on; false when one cannot be read or
 * the scenario does not exist, which ends the program (status 2) as it does
 * every command. */
static bool load_files(repl *r, const cli_options *o)
{
    levy_status st = o->scenario
                         ? levy_session_load_under(r->session, o->files, o->nfiles, o->scenario)
                         : LEVY_OK;
    for (size_t i = 0; !o->scenario && i < o->nfiles && st != LEVY_ERROR_IO; i++) {
        levy_status one = levy_session_load(r->session, o->files[i]);
        if (one == LEVY_ERROR_IO)
            st = one;
        else
            end_evaluation(r, one);
    }
    /* A --scenario the policy does not declare is the command line's
       mistake, as in `levy run --scenario`: nothing runs. */
    if (st == LEVY_ERROR_IO || (o->scenario && st == LEVY_ERROR_NOT_FOUND)) {
        fprintf(stderr, "levy: %s\n", levy_session_error(r->session));
        return false;
    }
    if (o->scenario)
        end_evaluation(r, st);
    return true;
}

int cli_repl(const cli_options *o)
{
    repl r = { .interactive = isatty(STDIN_FILENO) != 0 };
    levy_config config;
    levy_config_init(&config);
    config.write = cli_write_stdout;
    config.allow = o->allow;
    config.allow_read = o->allow_read;
    r.session = levy_session_new_with(&config);
    if (!r.session || !add_search_paths(&r, o)) {
        fputs("levy: out of memory\n", stderr);
        levy_session_free(r.session);
        return 1;
    }
    if (r.interactive) {
        setlocale(LC_CTYPE, "");
        tcgetattr(STDIN_FILENO, &saved_termios);
        interrupt_session = r.session;
        install_crash_handlers();
    }
    int status = 0;
    if (!load_files(&r, o))
        status = 2;
    else if (!r.interactive) {
        run_script(&r);
        status = r.failures > 0;
    } else if (editor_open(&r)) {
        run_terminal(&r);
    } else {
        fputs("levy: cannot set up the terminal\n", stderr);
        status = 1;
    }
    fflush(stdout);
    editor_close(&r);
    if (r.interactive) {
        remove_crash_handlers();
        interrupt_session = NULL;
    }
    free(r.pending.data);
    levy_session_free(r.session);
    return status;
}
