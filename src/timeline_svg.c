/* timeline_svg.c - `levy timeline --svg F`: the rate over time as a step
 * chart, one line per origin, each step that changed something marked
 * with a number that the notes under the chart explain.
 *
 * Self-contained SVG 1.1: no script, no external font or style sheet;
 * generic font families only, so any renderer shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "timeline_svg.h"

enum {
    WIDTH = 960,
    LEFT = 70,    /* room for the rate axis' labels */
    RIGHT = 150,  /* room for the legend */
    TOP = 56,     /* the title */
    PLOT_H = 300, /* the plot's height */
    AXIS_H = 50,  /* the date axis' labels */
    NOTE_H = 18   /* one line of notes */
};

static const char *const palette[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                       "#ff7f0e", "#8c564b", "#e377c2", "#17becf" };
#define NPALETTE (sizeof palette / sizeof *palette)

/* days: "YYYY-MM-DD" as days since 1970-01-01 (proleptic Gregorian). */
static long days(const char *ymd)
{
    int y = 0, m = 0, d = 0;
    if (sscanf(ymd, "%d-%d-%d", &y, &m, &d) != 3)
        return 0;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void put_xml(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                putc(*s, f);
        }
}

typedef struct chart {
    long d0, d1;   /* the period, in days */
    int64_t top;   /* the rate axis' top, a fraction in millionths */
    int64_t tick;  /* the rate between grid lines */
    size_t nnotes; /* steps with changes, over every origin */
} chart;

static double x_of(const chart *c, long d)
{
    return LEFT + (double)(d - c->d0) * (WIDTH - LEFT - RIGHT) / (double)(c->d1 - c->d0);
}

static double y_of(const chart *c, int64_t rate)
{
    return TOP + PLOT_H - (double)rate * PLOT_H / (double)c->top;
}

/* scale: the rate axis from 0 to a round number above every step's rate. */
static void scale(chart *c, levy_timeline *const *tls, size_t n)
{
    int64_t max = 0;
    c->nnotes = 0;
    for (size_t i = 0; i < n; i++) {
        levy_step st;
        for (size_t k = 0; levy_timeline_step(tls[i], k, &st) == LEVY_OK; k++) {
            if (st.rate > max)
                max = st.rate;
            c->nnotes += st.change_count > 0;
        }
    }
    static const int64_t ticks[] = { 20000, 50000, 100000, 200000, 250000, 500000, 1000000 };
    c->tick = ticks[0];
    for (size_t k = 0; k < sizeof ticks / sizeof *ticks; k++) {
        c->tick = ticks[k];
        if (max <= 5 * ticks[k])
            break;
    }
    int64_t steps = max / c->tick + 1;
    c->top = (steps < 2 ? 2 : steps) * c->tick;
}

static void axes(FILE *f, const chart *c, const char *from, const char *until)
{
    for (int64_t r = 0; r <= c->top; r += c->tick) {
        double y = y_of(c, r);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT,
                y, WIDTH - RIGHT, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%lld%%</text>\n", LEFT - 8,
                y + 4, (long long)(r / 10000));
    }
    /* Dates: the first of each quarter (or month, for a short period). */
    long span = c->d1 - c->d0;
    int every = span > 800 ? 6 : span > 240 ? 3 : 1;
    int y0 = atoi(from), y1 = atoi(until);
    for (int y = y0; y <= y1; y++)
        for (int m = 1; m <= 12; m += every) {
            char ymd[16];
            snprintf(ymd, sizeof ymd, "%04d-%02d-01", y, m);
            long d = days(ymd);
            if (d < c->d0 || d > c->d1)
                continue;
            double x = x_of(c, d);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n",
                    x, TOP, x, TOP + PLOT_H);
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                    TOP + PLOT_H + 18, ymd);
        }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#444\"/>\n", LEFT, TOP, WIDTH - LEFT - RIGHT, PLOT_H);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">"
               "total rate</text>\n", 16, TOP + PLOT_H / 2, 16, TOP + PLOT_H / 2);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">date entered</text>\n",
            (LEFT + WIDTH - RIGHT) / 2, TOP + PLOT_H + 38);
}

/* line: one origin's steps as a path, its marks, its legend entry; the
 * notes of its marks are numbered from *note on. */
static void line(FILE *f, const chart *c, const char *origin, const levy_timeline *tl,
                 size_t index, size_t *note)
{
    const char *color = palette[index % NPALETTE];
    levy_step st;
    fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" d=\"", color);
    for (size_t k = 0; levy_timeline_step(tl, k, &st) == LEVY_OK; k++) {
        double y = y_of(c, st.rate);
        if (k == 0)
            fprintf(f, "M%.1f %.1f", x_of(c, days(st.from)), y);
        else
            fprintf(f, " V%.1f", y); /* the step: up or down at its first day */
        fprintf(f, " H%.1f", x_of(c, days(st.until)));
    }
    fputs("\"/>\n", f);
    for (size_t k = 0; levy_timeline_step(tl, k, &st) == LEVY_OK; k++) {
        if (!st.change_count)
            continue;
        double x = x_of(c, days(st.from)), y = y_of(c, st.rate);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"%s\"/>\n", x, y, color);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#fff\" "
                   "font-size=\"9\">%zu</text>\n", x, y + 3, ++*note);
    }
    double ly = TOP + 10 + 20.0 * (double)index;
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"2.5\"/>\n", WIDTH - RIGHT + 14, ly, WIDTH - RIGHT + 40, ly, color);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\">", WIDTH - RIGHT + 46, ly + 4);
    put_xml(f, origin);
    fputs("</text>\n", f);
}

/* notes: "1. CN 2025-02-04, 10%: ieepa_cn starts at 10%", one a line. */
static void notes(FILE *f, char *const *origins, levy_timeline *const *tls, size_t n)
{
    size_t number = 0;
    double y = TOP + PLOT_H + AXIS_H + 14;
    for (size_t i = 0; i < n; i++) {
        levy_step st;
        for (size_t k = 0; levy_timeline_step(tls[i], k, &st) == LEVY_OK; k++) {
            if (!st.change_count)
                continue;
            fprintf(f, "<text x=\"%d\" y=\"%.1f\">%zu. ", LEFT, y, ++number);
            put_xml(f, origins[i]);
            fprintf(f, " %s, ", st.from);
            put_xml(f, st.rate_text);
            fputs(": ", f);
            for (size_t j = 0; j < st.change_count; j++) {
                fputs(j ? "; " : "", f);
                put_xml(f, levy_timeline_change(tls[i], k, j));
            }
            fputs("</text>\n", f);
            y += NOTE_H;
        }
    }
}

bool timeline_svg_write(FILE *f, const char *title, char *const *origins,
                        levy_timeline *const *tls, size_t n)
{
    levy_step first, last;
    if (n == 0 || levy_timeline_step(tls[0], 0, &first) != LEVY_OK ||
        levy_timeline_step(tls[0], levy_timeline_step_count(tls[0]) - 1, &last) != LEVY_OK)
        return false;
    chart c = { days(first.from), days(last.until), 0, 0, 0 };
    if (c.d1 <= c.d0)
        return false;
    scale(&c, tls, n);
    int height = TOP + PLOT_H + AXIS_H + (int)c.nnotes * NOTE_H + 20;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n",
            WIDTH, height, WIDTH, height);
    fputs("<title>", f);
    put_xml(f, title);
    fputs("</title>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", WIDTH, height);
    fprintf(f, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">", LEFT);
    put_xml(f, title);
    fputs("</text>\n", f);
    axes(f, &c, first.from, last.until);
    size_t note = 0;
    for (size_t i = 0; i < n; i++)
        line(f, &c, origins[i], tls[i], i, &note);
    notes(f, origins, tls, n);
    fputs("</svg>\n", f);
    return !ferror(f);
}
