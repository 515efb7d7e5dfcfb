/* cut_and_flip - robustness of `levy check` on damaged input.
 *
 * Takes the design's first program (examples/reciprocal.levy), cuts it at
 * every token boundary and flips bytes at pseudo-random positions, and
 * checks each result through the public API.  Every run must end normally
 * (the sanitizer build catches crashes, leaks and undefined behaviour), a
 * failed check must come with at least one error diagnostic, and a cut
 * inside an open brace or parenthesis must fail.  Deterministic: the
 * pseudo-random sequence has a fixed seed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "levy.h"

#define FLIPS 400

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

typedef enum { CHECK_CLEAN, CHECK_FAILED, CHECK_BROKEN } check_outcome;

/* Checks text as a policy; CHECK_BROKEN when the outcome contradicts
 * itself (a failure without an error diagnostic, or the reverse). */
static check_outcome check_text(const char *text, size_t len, const char *stdlib) {
    levy_policy *p = levy_policy_new();
    if (!p)
        return CHECK_BROKEN;
    levy_policy_set_stdlib_dir(p, stdlib);
    levy_status st = levy_policy_load_string(p, "fuzz.levy", text, len);
    if (st == LEVY_OK || st == LEVY_ERROR_INVALID) {
        levy_status c = levy_policy_check(p);
        if (st == LEVY_OK)
            st = c;
    }
    size_t errors = levy_policy_error_count(p);
    levy_policy_free(p);
    if (st == LEVY_OK)
        return errors == 0 ? CHECK_CLEAN : CHECK_BROKEN;
    return errors > 0 ? CHECK_FAILED : CHECK_BROKEN;
}

/* Offsets where one token ends and the next begins, approximated by
 * changes of character class: precise enough to cut inside every token
 * kind's neighbourhood, and independent of the scanner under test. */
static int char_class(char c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return 0;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '_' || c == '.' || c == '%' || c == '$' || c == '-')
        return 1;
    return 2 + (unsigned char)c; /* each punctuation mark is its own token */
}

/* Is offset k inside brackets (outside strings and comments)? */
static bool inside_brackets(const char *text, size_t k) {
    int depth = 0;
    bool in_string = false, in_comment = false;
    for (size_t i = 0; i < k; i++) {
        char c = text[i];
        if (in_comment) {
            in_comment = c != '\n';
        } else if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '#') {
            in_comment = true;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '(') {
            depth++;
        } else if (c == '}' || c == ')') {
            depth--;
        }
    }
    return depth > 0 || in_string;
}

static uint64_t next_random(uint64_t *state) {
    /* xorshift64*: deterministic and good enough to pick positions. */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(2685821657736338717);
}

int main(void) {
    const char *srcdir = getenv("LEVY_SRCDIR");
    if (!srcdir)
        srcdir = ".";
    char path[4096], stdlib[4096];
    snprintf(path, sizeof path, "%s/examples/reciprocal.levy", srcdir);
    snprintf(stdlib, sizeof stdlib, "%s/stdlib", srcdir);
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "cut_and_flip: cannot read %s\n", path);
        return 1;
    }
    int failures = 0, cuts = 0;
    if (check_text(text, len, stdlib) != CHECK_CLEAN) {
        fprintf(stderr, "cut_and_flip: the design's first program does not check clean\n");
        failures++;
    }
    for (size_t k = 1; k < len; k++) {
        if (char_class(text[k - 1]) == char_class(text[k]))
            continue;
        cuts++;
        check_outcome r = check_text(text, k, stdlib);
        if (r == CHECK_BROKEN || (r == CHECK_CLEAN && inside_brackets(text, k))) {
            fprintf(stderr, "cut_and_flip: cut at byte %zu: %s\n", k,
                    r == CHECK_BROKEN ? "status and diagnostics disagree"
                                      : "an unclosed bracket checked clean");
            failures++;
        }
    }
    uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
    char *copy = malloc(len + 1);
    for (int i = 0; copy && i < FLIPS; i++) {
        memcpy(copy, text, len + 1);
        size_t at = (size_t)(next_random(&seed) % len);
        copy[at] = (char)(next_random(&seed) & 0xFF);
        if (check_text(copy, len, stdlib) == CHECK_BROKEN) {
            fprintf(stderr, "cut_and_flip: byte %zu set to 0x%02x: status and diagnostics disagree\n",
                    at, (unsigned char)copy[at]);
            failures++;
        }
    }
    free(copy);
    free(text);
    printf("cut_and_flip: %d cuts, %d flips, %d failures\n", cuts, FLIPS, failures);
    return failures ? 1 : 0;
}
