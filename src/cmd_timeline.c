/* cmd_timeline.c - `levy timeline`: how the charge on a product from one
 * or more origins moves over a period, step by step, with what changed at
 * each step.  The steps are the library's (levy_timeline_compute); this
 * file reads the options and prints them as a table, CSV or JSON. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

#include "cli.h"
#include "levy.h"
#include "timeline_svg.h"

/* add_field: NAME=VALUE, to set on the shipment. */
static bool add_field(timeline_options *t, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *text = malloc(len);
    if (!text)
        return false;
    snprintf(text, len, "%s=%s", name, value);
    t->owned[t->nowned++] = text;
    t->fields[t->nfields++] = text;
    return true;
}

static bool set_format(timeline_options *t, const char *v)
{
    if (strcmp(v, "text") == 0)
        t->format = TIMELINE_TEXT;
    else if (strcmp(v, "csv") == 0)
        t->format = TIMELINE_CSV;
    else if (strcmp(v, "json") == 0)
        t->format = TIMELINE_JSON;
    else {
        fprintf(stderr, "levy: unknown format '%s' (text, csv or json)\nTry 'levy --help'.\n", v);
        return false;
    }
    return true;
}

bool cli_timeline_split(int argc, char **argv, timeline_options *t, char **rest, int *nrest)
{
    static const char *const field_options[] = { "--value", "--quantity", "--unit", "--via",
                                                 "--loaded" };
    memset(t, 0, sizeof *t);
    t->fields = calloc((size_t)argc + 1, sizeof *t->fields);
    t->owned = calloc((size_t)argc + 1, sizeof *t->owned);
    if (!t->fields || !t->owned)
        return false;
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        bool field = false;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[(*nrest)++] = argv[i++];
            break;
        }
        for (size_t k = 0; k < sizeof field_options / sizeof *field_options && !field; k++)
            if (cli_option_value(argc, argv, &i, field_options[k], &v)) {
                if (!v || !add_field(t, field_options[k] + 2, v))
                    return false;
                field = true;
            }
        if (field)
            continue;
        if (cli_option_value(argc, argv, &i, "--origin", &v)) {
            t->origins = v;
        } else if (cli_option_value(argc, argv, &i, "--product", &v)) {
            t->product = v;
        } else if (cli_option_value(argc, argv, &i, "--from", &v)) {
            t->from = v;
        } else if (cli_option_value(argc, argv, &i, "--to", &v)) {
            t->to = v;
        } else if (cli_option_value(argc, argv, &i, "--svg", &v)) {
            t->svg = v;
        } else if (cli_option_value(argc, argv, &i, "--set", &v)) {
            if (v && !strchr(v, '=')) {
                fprintf(stderr, "levy: --set takes NAME=VALUE, not '%s'\nTry 'levy --help'.\n", v);
                return false;
            }
            if (v)
                t->fields[t->nfields++] = v;
        } else if (strncmp(a, "--format=", 9) == 0) {
            if (!set_format(t, a + 9))
                return false;
            continue;
        } else {
            rest[(*nrest)++] = argv[i];
            continue;
        }
        if (!v)
            return false;
    }
    const char *missing = !t->origins ? "--origin" : !t->product ? "--product"
                        : !t->from    ? "--from"
                        : !t->to      ? "--to"
                                      : NULL;
    if (missing) {
        fprintf(stderr, "levy: 'timeline' needs %s\nTry 'levy --help'.\n", missing);
        return false;
    }
    return true;
}

void cli_timeline_options_free(timeline_options *t)
{
    for (size_t i = 0; i < t->nowned; i++)
        free(t->owned[i]);
    free(t->owned);
    free(t->fields);
}

/* ---- Output --------------------------------------------------------------- */

static void money(int64_t units, char *buf, size_t n)
{
    int64_t cents = units / 10000; /* amounts are rounded to the cent already */
    int64_t whole = cents / 100, part = cents % 100;
    snprintf(buf, n, "%s%lld.%02lld", units < 0 ? "-" : "", (long long)llabs(whole),
             (long long)llabs(part));
}

static void put_csv(const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* charged: "baseline 10%, china 20%" (or "-"), the step's charges. */
static void charged(const levy_timeline *tl, size_t i, const levy_step *st, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < st->charge_count && len < n; k++) {
        levy_charge c;
        if (levy_timeline_charge(tl, i, k, &c) == LEVY_OK)
            len += (size_t)snprintf(buf + len, n - len, "%s%s %s", k ? ", " : "", c.measure,
                                    c.rate);
    }
    if (!st->charge_count)
        snprintf(buf, n, "-");
}

static void changes(const levy_timeline *tl, size_t i, const levy_step *st, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < st->change_count && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? "; " : "",
                                levy_timeline_change(tl, i, k));
}

static void write_text(const char *origin, const timeline_options *t, const levy_timeline *tl,
                       bool first)
{
    char what[4096], why[4096], duty[48];
    printf("%s%s from %s, %s to %s\n", first ? "" : "\n", t->product, origin, t->from, t->to);
    levy_step st;
    bool with_duty = levy_timeline_step(tl, 0, &st) == LEVY_OK && st.has_duty;
    int width = (int)strlen("charged"); /* the charged column fits its longest cell */
    for (size_t i = 0; levy_timeline_step(tl, i, &st) == LEVY_OK; i++) {
        charged(tl, i, &st, what, sizeof what);
        if ((int)strlen(what) > width)
            width = (int)strlen(what);
    }
    printf("  %-10s   %-10s   %8s   %s%-*s   %s\n", "from", "until", "rate",
           with_duty ? "        duty   " : "", width, "charged", "what changed");
    for (size_t i = 0; levy_timeline_step(tl, i, &st) == LEVY_OK; i++) {
        charged(tl, i, &st, what, sizeof what);
        changes(tl, i, &st, why, sizeof why);
        printf("  %-10s   %-10s   %8s   ", st.from, st.until, st.rate_text);
        if (with_duty) {
            money(st.duty, duty, sizeof duty);
            printf("%12s   ", duty);
        }
        if (*why)
            printf("%-*s   %s\n", width, what, why);
        else
            printf("%s\n", what);
    }
}

static void write_csv(const char *origin, const levy_timeline *tl)
{
    char what[4096], why[4096], duty[48];
    levy_step st;
    for (size_t i = 0; levy_timeline_step(tl, i, &st) == LEVY_OK; i++) {
        charged(tl, i, &st, what, sizeof what);
        changes(tl, i, &st, why, sizeof why);
        if (st.has_duty)
            money(st.duty, duty, sizeof duty);
        printf("%s,%s,%s,%s,%s,", origin, st.from, st.until, st.rate_text,
               st.has_duty ? duty : "");
        put_csv(strcmp(what, "-") == 0 ? "" : what);
        putchar(',');
        put_csv(why);
        putchar('\n');
    }
}

static void write_json(const char *origin, const levy_timeline *tl, bool first)
{
    char duty[48];
    printf("%s{\"origin\": ", first ? "" : ",\n  ");
    cli_put_json_string(origin);
    fputs(", \"steps\": [", stdout);
    levy_step st;
    for (size_t i = 0; levy_timeline_step(tl, i, &st) == LEVY_OK; i++) {
        printf("%s{\"from\": \"%s\", \"until\": \"%s\", \"rate\": ", i ? ", " : "", st.from,
               st.until);
        cli_put_json_string(st.rate_text);
        money(st.duty, duty, sizeof duty);
        printf(", \"duty\": %s%s%s, \"charges\": [", st.has_duty ? "\"" : "",
               st.has_duty ? duty : "null", st.has_duty ? "\"" : "");
        for (size_t k = 0; k < st.charge_count; k++) {
            levy_charge c;
            if (levy_timeline_charge(tl, i, k, &c) != LEVY_OK)
                continue;
            fputs(k ? ", {\"measure\": " : "{\"measure\": ", stdout);
            cli_put_json_string(c.measure);
            fputs(", \"rate\": ", stdout);
            cli_put_json_string(c.rate);
            if (st.has_duty) {
                money(c.amount, duty, sizeof duty);
                printf(", \"amount\": \"%s\"", duty);
            }
            putchar('}');
        }
        fputs("], \"changes\": [", stdout);
        for (size_t k = 0; k < st.change_count; k++) {
            fputs(k ? ", " : "", stdout);
            cli_put_json_string(levy_timeline_change(tl, i, k));
        }
        fputs("]}", stdout);
    }
    fputs("]}", stdout);
}

/* ---- The command ------------------------------------------------------------ */

/* build_shipment: origin, the product and every --set field on s; false
 * after saying why. */
static bool build_shipment(levy_shipment *s, const char *origin, const timeline_options *t)
{
    levy_shipment_clear(s);
    if (levy_shipment_set(s, "origin", origin) != LEVY_OK ||
        levy_shipment_set(s, "product", t->product) != LEVY_OK) {
        fprintf(stderr, "levy: %s\n", levy_shipment_error(s));
        return false;
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const char *eq = strchr(t->fields[i], '=');
        char name[128];
        size_t n = (size_t)(eq - t->fields[i]);
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1),
                 t->fields[i]);
        if (levy_shipment_set(s, name, eq + 1) != LEVY_OK) {
            fprintf(stderr, "levy: %s: %s\n", name, levy_shipment_error(s));
            return false;
        }
    }
    return true;
}

/* compute_all: one timeline per origin (cut at commas), all computed
 * before anything is written, so that a failure leaves no half output;
 * the exit status. */
static int compute_all(levy_policy *policy, const levy_scenario *scenario,
                       const timeline_options *t, char **origins, size_t n, levy_timeline **tls)
{
    levy_shipment *s = levy_shipment_new(policy);
    if (!s) {
        fputs("levy: out of memory\n", stderr);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!build_shipment(s, origins[i], t)) {
            rc = 2;
        } else {
            levy_status st = levy_timeline_compute(policy, scenario, s, t->from, t->to, tls[i]);
            if (st == LEVY_ERROR_ARGUMENT) /* the dates: a usage error */
                fprintf(stderr, "levy: %s\nTry 'levy --help'.\n", levy_timeline_error(tls[i]));
            else if (st != LEVY_OK)
                fprintf(stderr, "levy: %s: %s\n", origins[i], levy_timeline_error(tls[i]));
            rc = st == LEVY_OK ? 0 : st == LEVY_ERROR_ARGUMENT ? 2 : 1;
        }
    }
    levy_shipment_free(s);
    return rc;
}

static void write_all(const timeline_options *t, char **origins, size_t n, levy_timeline **tls)
{
    if (t->format == TIMELINE_CSV)
        puts("origin,from,until,rate,duty,charged,changes");
    if (t->format == TIMELINE_JSON) {
        fputs("{\"product\": ", stdout);
        cli_put_json_string(t->product);
        printf(", \"from\": \"%s\", \"until\": \"%s\", \"origins\": [\n  ", t->from, t->to);
    }
    for (size_t i = 0; i < n; i++) {
        if (t->format == TIMELINE_TEXT)
            write_text(origins[i], t, tls[i], i == 0);
        else if (t->format == TIMELINE_CSV)
            write_csv(origins[i], tls[i]);
        else
            write_json(origins[i], tls[i], i == 0);
    }
    if (t->format == TIMELINE_JSON)
        puts("\n]}");
}

/* write_svg: the chart to t->svg, whole or not at all (a temporary file
 * beside it, then renamed); the exit status. */
static int write_svg(const char *policy_file, const timeline_options *t, char **origins,
                     size_t n, levy_timeline **tls)
{
    char title[512], tmp[4096];
    const char *base = strrchr(policy_file, '/');
    snprintf(title, sizeof title, "%s: the rate on %s by date entered, %s to %s",
             base ? base + 1 : policy_file, t->product, t->from, t->to);
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", t->svg);
    int fd = cli_mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "levy: cannot write %s: %s\n", t->svg, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return 1;
    }
    bool ok = timeline_svg_write(f, title, origins, tls, n);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, t->svg) != 0) {
        fprintf(stderr, "levy: cannot write %s: %s\n", t->svg, strerror(errno));
        unlink(tmp);
        return 1;
    }
    return 0;
}

static int each_origin(levy_policy *policy, const levy_scenario *scenario,
                       const timeline_options *t, const char *o_files_first)
{
    char *list = strdup(t->origins);
    size_t cap = 1;
    for (const char *c = t->origins; *c; c++)
        cap += *c == ',';
    char **origins = calloc(cap, sizeof *origins);
    levy_timeline **tls = calloc(cap, sizeof *tls);
    size_t n = 0;
    int rc = 1;
    if (list && origins && tls) {
        rc = 0;
        for (char *save = NULL, *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save))
            if (!(tls[n] = levy_timeline_new()))
                rc = 1;
            else
                origins[n++] = o;
    }
    if (rc == 0 && n == 0) {
        fputs("levy: --origin names no country\n", stderr);
        rc = 2;
    }
    if (rc == 0)
        rc = compute_all(policy, scenario, t, origins, n, tls);
    if (rc == 0 && t->svg)
        rc = write_svg(o_files_first, t, origins, n, tls);
    if (rc == 0)
        write_all(t, origins, n, tls);
    else if (!list || !origins || !tls)
        fputs("levy: out of memory\n", stderr);
    for (size_t i = 0; tls && i < cap; i++)
        levy_timeline_free(tls[i]);
    free(tls);
    free(origins);
    free(list);
    return rc;
}

int cli_timeline(const cli_options *o, const timeline_options *t)
{
    int status;
    levy_policy *policy = cli_load(o, &status);
    if (!policy)
        return status;
    const levy_scenario *scenario;
    if (!cli_choose_scenario(policy, o, &scenario)) {
        levy_policy_free(policy);
        return 2;
    }
    int rc = each_origin(policy, scenario, t, o->files[0]);
    fflush(stdout);
    levy_policy_free(policy);
    return rc;
}
