/* pty-driver.c - run a program in a pseudo-terminal and follow a script.
 *
 *   pty-driver [-t SECONDS] [-v] SCRIPT -- COMMAND [ARG...]
 *
 * The REPL behaves differently on a terminal (prompts, line editing,
 * history), so its tests must give it one.  This driver starts COMMAND on
 * the slave side of a pty (80x24, TERM as in the environment or "xterm"),
 * then runs SCRIPT, one step a line:
 *
 *   send TEXT        write TEXT; C escapes \n \r \t \e \\ \xHH are decoded
 *   line TEXT        write TEXT and a carriage return (Enter)
 *   key NAME...      write keys: TAB ENTER CTRL-A..CTRL-Z UP DOWN LEFT RIGHT
 *                    HOME END BACKSPACE ESC (CTRL-C is \x03, CTRL-D \x04)
 *   expect TEXT      wait until TEXT appears in the output (escapes decoded)
 *   expect-re REGEX  wait until the POSIX extended REGEX matches the output
 *   timeout SECONDS  how long the following steps wait (default 10)
 *   typeahead on|off whether input may be sent while the terminal is in
 *                    canonical mode (default off; see below)
 *   shell COMMAND    run COMMAND with sh and check that it succeeds (to
 *                    change a file the program has loaded, say)
 *   exit STATUS      wait for COMMAND to end and check its exit status
 *   # ...            a comment; blank lines are ignored
 *
 * Before it writes, the driver waits until the program has put the terminal
 * in non-canonical mode, as a line editor does while it reads a line.  A
 * line editor prints its prompt before it switches, so a script that wrote
 * as soon as it saw the prompt could type ahead into the canonical-mode
 * terminal, where the text is echoed twice and Ctrl-D is lost.  "typeahead
 * on" turns the wait off, to send Ctrl-C to a program that is computing.
 *
 * Output is matched after removing terminal control sequences (ESC [ ...
 * letter, ESC x) and carriage returns, so that a test reads what a person
 * sees rather than how the line editor drew it.  A successful expect
 * consumes the output up to the end of its match: the next one looks only
 * at what came after.  On a failed step the driver prints what it waited
 * for and the output it had, kills COMMAND, and exits 1; when every step
 * passes it exits 0.  No step sleeps: the script synchronises on output.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

typedef struct driver {
    int master;
    pid_t child;
    bool exited;       /* the child was reaped */
    int status;        /* its wait status, once reaped */
    bool eof;          /* the pty gave EOF/EIO: nothing more will come */
    char *out;         /* cleaned output not yet consumed by an expect */
    size_t len, cap;
    int esc_state;     /* where the cleaner is inside an escape sequence */
    double timeout;    /* seconds a step waits */
    bool typeahead;    /* write without waiting for non-canonical mode */
    bool verbose;
    const char *script;
    int lineno;
} driver;

static void fail(driver *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* show: the output as a C string, so that control characters are visible. */
static void show(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            fputs("\\n\"\n \"", f);
        else if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 32 || c == 127)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputs("\"\n", f);
}

static void kill_child(driver *d) {
    if (d->exited)
        return;
    kill(d->child, SIGKILL);
    waitpid(d->child, &d->status, 0);
    d->exited = true;
}

static void fail(driver *d, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s:%d: ", d->script, d->lineno);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\noutput not yet matched:\n ", stderr);
    show(stderr, d->out, d->len);
    kill_child(d);
    exit(1);
}

static void append_char(driver *d, char c) {
    if (d->len + 1 >= d->cap) {
        d->cap = d->cap ? d->cap * 2 : 4096;
        d->out = realloc(d->out, d->cap);
        if (!d->out) {
            perror("pty-driver");
            exit(2);
        }
    }
    d->out[d->len++] = c;
    d->out[d->len] = '\0';
}

/* clean: drop escape sequences and carriage returns from what the child
 * wrote.  States: 0 text, 1 after ESC, 2 inside ESC [ parameters. */
static void clean(driver *d, const char *buf, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        switch (d->esc_state) {
        case 1:
            d->esc_state = c == '[' ? 2 : 0;
            break;
        case 2:
            if (c >= 0x40 && c <= 0x7e)
                d->esc_state = 0;
            break;
        default:
            if (c == '\x1b')
                d->esc_state = 1;
            else if (c != '\r' && c != '\a' && c != '\0')
                append_char(d, c);
        }
    }
}

/* pump: wait up to `seconds` for output and add it.  Returns false when
 * nothing came (timeout or end of output). */
static bool pump(driver *d, double seconds) {
    if (d->eof)
        return false;
    struct pollfd p = { .fd = d->master, .events = POLLIN };
    int ms = seconds <= 0 ? 0 : (int)(seconds * 1000) + 1;
    int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR)
        return true;
    if (r <= 0)
        return false;
    char buf[4096];
    ssize_t n = read(d->master, buf, sizeof buf);
    if (n <= 0) {
        /* Linux reports EIO once the slave side is closed by everyone. */
        d->eof = true;
        return false;
    }
    if (d->verbose)
        show(stderr, buf, (size_t)n);
    clean(d, buf, (size_t)n);
    return true;
}

static void consume(driver *d, size_t upto) {
    memmove(d->out, d->out + upto, d->len - upto + 1);
    d->len -= upto;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* unescape: decode C escapes of s in place; returns the new length. */
static size_t unescape(char *s) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'e': *w++ = '\x1b'; break;
        case 'x':
            if (hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
                *w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
                r += 2;
                break;
            }
            *w++ = 'x';
            break;
        default: *w++ = *r; break;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* wait_for_editor: until the terminal is in non-canonical mode. */
static void wait_for_editor(driver *d) {
    double deadline = now() + d->timeout;
    struct termios t;
    while (!d->typeahead) {
        if (tcgetattr(d->master, &t) != 0 || !(t.c_lflag & ICANON))
            return;
        if (d->eof)
            fail(d, "the program ended before it read its input");
        if (now() > deadline)
            fail(d, "the program did not read the terminal in non-canonical mode within %g s",
                 d->timeout);
        pump(d, 0.002);
    }
}

static void send_bytes(driver *d, const char *s, size_t n) {
    wait_for_editor(d);
    while (n > 0) {
        ssize_t w = write(d->master, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            fail(d, "cannot write to the terminal: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

static const struct key {
    const char *name;
    const char *bytes;
} keys[] = {
    { "TAB", "\t" }, { "ENTER", "\r" }, { "ESC", "\x1b" },
    { "BACKSPACE", "\x7f" }, { "UP", "\x1b[A" }, { "DOWN", "\x1b[B" },
    { "RIGHT", "\x1b[C" }, { "LEFT", "\x1b[D" }, { "HOME", "\x1b[H" },
    { "END", "\x1b[F" },
};

static void send_key(driver *d, const char *name) {
    if (strncmp(name, "CTRL-", 5) == 0 && name[5] >= 'A' && name[5] <= 'Z' && !name[6]) {
        char c = (char)(name[5] - 'A' + 1);
        send_bytes(d, &c, 1);
        return;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(name, keys[i].name) == 0) {
            send_bytes(d, keys[i].bytes, strlen(keys[i].bytes));
            return;
        }
    fail(d, "unknown key '%s'", name);
}

static void step_keys(driver *d, char *arg) {
    char *save = NULL;
    for (char *k = strtok_r(arg, " \t", &save); k; k = strtok_r(NULL, " \t", &save))
        send_key(d, k);
}

static void step_expect(driver *d, char *arg) {
    size_t n = unescape(arg);
    double deadline = now() + d->timeout;
    for (;;) {
        char *hit = strstr(d->out, arg);
        if (hit) {
            consume(d, (size_t)(hit - d->out) + n);
            return;
        }
        double left = deadline - now();
        if (left <= 0 || (!pump(d, left) && d->eof))
            break;
    }
    fprintf(stderr, "%s:%d: expected:\n ", d->script, d->lineno);
    show(stderr, arg, n);
    fail(d, "not seen within %g s%s", d->timeout, d->eof ? " (the program ended)" : "");
}

static void step_expect_re(driver *d, const char *arg) {
    regex_t re;
    int rc = regcomp(&re, arg, REG_EXTENDED | REG_NEWLINE);
    if (rc != 0)
        fail(d, "bad regular expression '%s'", arg);
    double deadline = now() + d->timeout;
    regmatch_t m;
    for (;;) {
        if (regexec(&re, d->out, 1, &m, 0) == 0) {
            consume(d, (size_t)m.rm_eo);
            regfree(&re);
            return;
        }
        double left = deadline - now();
        if (left <= 0 || (!pump(d, left) && d->eof))
            break;
    }
    regfree(&re);
    fail(d, "expected a match of /%s/ within %g s%s", arg, d->timeout,
         d->eof ? " (the program ended)" : "");
}

static void step_exit(driver *d, const char *arg) {
    int want = atoi(arg);
    double deadline = now() + d->timeout;
    while (!d->exited) {
        pid_t r = waitpid(d->child, &d->status, WNOHANG);
        if (r == d->child) {
            d->exited = true;
            break;
        }
        double left = deadline - now();
        if (left <= 0)
            fail(d, "the program did not exit within %g s", d->timeout);
        if (!pump(d, left < 0.05 ? left : 0.05) && d->eof) {
            /* The slave closed; the exit follows at once. */
            waitpid(d->child, &d->status, 0);
            d->exited = true;
        }
    }
    if (WIFSIGNALED(d->status))
        fail(d, "the program was killed by signal %d", WTERMSIG(d->status));
    if (WEXITSTATUS(d->status) != want)
        fail(d, "exit status %d, expected %d", WEXITSTATUS(d->status), want);
}

static void run_step(driver *d, char *line) {
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#')
        return;
    char *arg = p + strcspn(p, " \t");
    if (*arg)
        *arg++ = '\0';
    if (strcmp(p, "send") == 0) {
        size_t k = unescape(arg);
        send_bytes(d, arg, k);
    } else if (strcmp(p, "line") == 0) {
        size_t k = unescape(arg);
        send_bytes(d, arg, k);
        send_bytes(d, "\r", 1);
    } else if (strcmp(p, "key") == 0) {
        step_keys(d, arg);
    } else if (strcmp(p, "expect") == 0) {
        step_expect(d, arg);
    } else if (strcmp(p, "expect-re") == 0) {
        step_expect_re(d, arg);
    } else if (strcmp(p, "typeahead") == 0) {
        d->typeahead = strcmp(arg, "on") == 0;
    } else if (strcmp(p, "timeout") == 0) {
        d->timeout = atof(arg);
    } else if (strcmp(p, "shell") == 0) {
        int rc = system(arg);
        if (rc != 0)
            fail(d, "'%s' failed (status %d)", arg, rc);
    } else if (strcmp(p, "exit") == 0) {
        step_exit(d, arg);
    } else {
        fail(d, "unknown step '%s'", p);
    }
}

static pid_t start(char **argv, int *master) {
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };
    pid_t pid = forkpty(master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("pty-driver: forkpty");
        exit(2);
    }
    if (pid == 0) {
        if (!getenv("TERM") || strcmp(getenv("TERM"), "dumb") == 0)
            setenv("TERM", "xterm", 1);
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    return pid;
}

static int usage(void) {
    fputs("usage: pty-driver [-t SECONDS] [-v] SCRIPT -- COMMAND [ARG...]\n", stderr);
    return 2;
}

int main(int argc, char **argv) {
    driver d = { .timeout = 10, .master = -1 };
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0' && strcmp(argv[i], "--") != 0;
         i++) {
        if (strcmp(argv[i], "-v") == 0)
            d.verbose = true;
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            d.timeout = atof(argv[++i]);
        else
            return usage();
    }
    if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0)
        return usage();
    d.script = argv[i];
    FILE *f = strcmp(d.script, "-") == 0 ? stdin : fopen(d.script, "r");
    if (!f) {
        perror(d.script);
        return 2;
    }
    d.cap = 4096;
    d.out = calloc(1, d.cap);
    if (!d.out) {
        perror("pty-driver");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    d.child = start(argv + i + 2, &d.master);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        d.lineno++;
        run_step(&d, line);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    kill_child(&d);
    free(d.out);
    close(d.master);
    return 0;
}
