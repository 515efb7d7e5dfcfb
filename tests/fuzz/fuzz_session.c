/* fuzz_session - libFuzzer harness: REPL input through the session API.
 *
 * The input is split into lines and fed as a user types them: lines are
 * gathered while levy_session_input says the text is incomplete, then
 * evaluated.  A line starting with ':' stands for the REPL commands that
 * the session API carries (:type, :scenario, :list, :show, :test) — the
 * REPL's own parsing of commands is in repl.c, outside the library.
 * Built and run by tests/fuzz/run. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static void command(levy_session *s, const char *line) {
    const char *arg = strchr(line, ' ');
    arg = arg ? arg + 1 : "";
    switch (line[1]) {
    case 't':
        if (line[2] == 'e')
            (void)levy_session_test(s);
        else
            (void)levy_session_type(s, arg);
        break;
    case 's':
        if (line[2] == 'c')
            (void)levy_session_set_scenario(s, *arg ? arg : NULL);
        else
            (void)levy_session_show(s, arg);
        break;
    case 'l':
        (void)levy_session_list(s, arg);
        break;
    default:
        (void)strlen(levy_session_error(s));
        break;
    }
}

static void count_name(void *userdata, const char *name) {
    *(size_t *)userdata += strlen(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    levy_session *s = levy_session_new(fuzz_discard, NULL);
    if (!s) {
        free(text);
        return 0;
    }
    levy_session_set_stdlib_dir(s, FUZZ_STDLIB);
    /* pending: the start of the text typed so far. */
    char *pending = text, *line = text;
    while (*line) {
        char *nl = strchr(line, '\n');
        char *next = nl ? nl + 1 : line + strlen(line);
        if (line == pending && line[0] == ':') {
            if (nl)
                *nl = '\0';
            command(s, line);
            pending = line = next;
            continue;
        }
        char saved = *next;
        *next = '\0';
        if (levy_session_input(s, pending) == LEVY_INPUT_COMPLETE || saved == '\0') {
            (void)levy_session_eval(s, pending);
            pending = next;
        }
        *next = saved;
        line = next;
    }
    size_t n = 0;
    levy_session_names(s, "", count_name, &n);
    levy_session_free(s);
    free(text);
    return 0;
}
