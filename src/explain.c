/* explain.c - printing explanations and timelines (see explain.h). */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

/* ---- Cells ---------------------------------------------------------------- */

/* The text of one table: cells are kept in one buffer and addressed by
 * offsets, so a table of any size needs no per-cell allocation. */
typedef struct cells {
    strbuf text;
    size_t *start; /* offsets of each cell's text, then one past the last */
    size_t n, cap;
    bool failed;
} cells;

static void cells_init(cells *c, const mem *m)
{
    sb_init(&c->text, m);
    c->start = NULL;
    c->n = c->cap = 0;
    c->failed = false;
}

static void cells_free(cells *c)
{
    sb_free(&c->text);
    mem_free(c->text.mem, c->start);
}

/* cells_end: closes the cell being written in c->text. */
static void cells_end(cells *c)
{
    if (c->n + 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        size_t *v = mem_realloc(c->text.mem, c->start, cap * sizeof *v);
        if (!v) {
            c->failed = true;
            return;
        }
        if (c->n == 0)
            v[0] = 0;
        c->start = v;
        c->cap = cap;
    }
    c->start[++c->n] = c->text.len;
}

static const char *cell(const cells *c, size_t i, size_t *len)
{
    if (c->failed || i >= c->n) {
        *len = 0;
        return "";
    }
    *len = c->start[i + 1] - c->start[i];
    return sb_cstr(&c->text) + c->start[i];
}

static size_t cell_width(const cells *c, size_t i)
{
    size_t len;
    cell(c, i, &len);
    return len;
}

static void put_cell(strbuf *out, const cells *c, size_t i, size_t width, bool right)
{
    size_t len;
    const char *s = cell(c, i, &len);
    if (right && width > len)
        sb_pad(out, ' ', width - len);
    sb_putn(out, s, len);
    if (!right && width > len)
        sb_pad(out, ' ', width - len);
}

/* ---- Explanations --------------------------------------------------------- */

const char *explain_citation(const node *decl)
{
    for (size_t i = 0; i < decl->items.n; i++)
        if (decl->items.v[i]->kind == N_CITATION)
            return decl->items.v[i]->name;
    return NULL;
}

static const char *modifier_kind(const node *m)
{
    const char *word = decl_kind_keyword(m->kind);
    return word ? word : "measure";
}

static void change_phrase(const applied_measure *m, strbuf *out)
{
    switch (m->change) {
    case CHANGE_SUSPEND_TO: sb_puts(out, "suspended to "); break;
    case CHANGE_SET: sb_puts(out, "set to "); break;
    case CHANGE_CAP: sb_puts(out, "capped at "); break;
    case CHANGE_REDUCE: sb_puts(out, "reduced to "); break;
    case CHANGE_NONE: return;
    }
    rate_format_sb(m->rate, out);
    sb_printf(out, " by %s (was ", m->modifier ? m->modifier->name : "?");
    rate_format_sb(m->was, out);
    sb_putc(out, ')');
}

void explain_note(const assessment *a, size_t i, strbuf *out)
{
    const applied_measure *m = &a->applied[i];
    const char *sep = "";
    const char *citation = explain_citation(m->measure);
    if (citation) {
        sb_puts(out, citation);
        sep = "; ";
    }
    if (m->change != CHANGE_NONE) {
        sb_puts(out, sep);
        change_phrase(m, out);
        sep = "; ";
    }
    const char *list_sep = "replaces ";
    for (size_t k = 0; k < a->nskipped; k++) {
        const skipped_measure *s = &a->skipped[k];
        if (s->why != SKIP_REPLACED || s->by != m->measure)
            continue;
        if (list_sep[0] == 'r')
            sb_puts(out, sep);
        sb_printf(out, "%s%s", list_sep, s->measure->name);
        list_sep = ", ";
    }
}

void explain_reason(const assessment *a, size_t i, strbuf *out)
{
    const skipped_measure *s = &a->skipped[i];
    if (s->why == SKIP_REPLACED)
        sb_printf(out, "replaced by %s", s->by->name);
    else
        sb_printf(out, "suspended by %s %s", modifier_kind(s->by), s->by->name);
}

void explain_header(const shipment *s, const program *p, bool with_entered, strbuf *out)
{
    const char *sep = "";
    if (ship_has(s, F_PRODUCT)) {
        product_format(s->fields[F_PRODUCT].as.product, out);
        sep = " ";
    }
    if (ship_has(s, F_ORIGIN)) {
        sb_printf(out, "%sfrom %s", sep, country_code(p, s->fields[F_ORIGIN].as.country));
        if (ship_has(s, F_VIA) && s->fields[F_VIA].as.country != s->fields[F_ORIGIN].as.country)
            sb_printf(out, " via %s", country_code(p, s->fields[F_VIA].as.country));
        sep = ", ";
    } else if (*sep) {
        sep = ", ";
    }
    if (with_entered && ship_has(s, F_ENTERED)) {
        value v = s->fields[F_ENTERED];
        sb_printf(out, "%sentered ", sep);
        value_format(&v, p, out);
        sep = ", ";
    }
    if (ship_has(s, F_VALUE)) {
        sb_printf(out, "%svalue ", sep);
        money_format(s->fields[F_VALUE].as.num, out);
        sep = ", ";
    }
    if (ship_has(s, F_QUANTITY)) {
        value v = s->fields[F_QUANTITY];
        sb_printf(out, "%squantity ", sep);
        value_format(&v, p, out);
        if (ship_has(s, F_UNIT))
            sb_printf(out, " %s", unit_name(s->fields[F_UNIT].as.unit));
    }
}

/* The table's columns. */
enum { COL_NAME, COL_RATE, COL_DUTY, COL_NOTE, NCOLS };

/* fill_cells: every cell of the table, row by row: the heading, one row a
 * charged measure, the total. */
static void fill_cells(const assessment *a, cells *c)
{
    static const char *const heading[NCOLS] = { "measure", "rate", "duty", "note" };
    for (int k = 0; k < NCOLS; k++) {
        sb_puts(&c->text, heading[k]);
        cells_end(c);
    }
    for (size_t i = 0; i < a->napplied; i++) {
        const applied_measure *m = &a->applied[i];
        sb_puts(&c->text, m->measure->name);
        cells_end(c);
        rate_format_sb(m->rate, &c->text);
        cells_end(c);
        if (a->has_duty)
            money_format(m->amount, &c->text);
        cells_end(c);
        explain_note(a, i, &c->text);
        cells_end(c);
    }
    sb_puts(&c->text, "total");
    cells_end(c);
    rate_format_sb(a->total, &c->text);
    cells_end(c);
    if (a->has_duty)
        money_format(a->duty, &c->text);
    cells_end(c);
    cells_end(c);
}

/* put_row: one line of the table; the last column is not padded, and a
 * row without a note has no trailing blanks. */
static void put_row(strbuf *out, const cells *c, size_t row, const size_t *width)
{
    size_t base = row * NCOLS;
    sb_puts(out, "  ");
    put_cell(out, c, base + COL_NAME, width[COL_NAME], false);
    sb_puts(out, "   ");
    put_cell(out, c, base + COL_RATE, width[COL_RATE], true);
    sb_puts(out, "   ");
    put_cell(out, c, base + COL_DUTY, width[COL_DUTY], true);
    if (cell_width(c, base + COL_NOTE) > 0) {
        sb_puts(out, "   ");
        put_cell(out, c, base + COL_NOTE, 0, false);
    }
    sb_putc(out, '\n');
}

/* The rate column is at least 5 wide so that short rates sit under the
 * heading as in the design's example. */
#define RATE_MIN_WIDTH 5

void explain_format(const assessment *a, strbuf *out)
{
    explain_header(a->ship, a->prog, true, out);
    sb_putc(out, '\n');
    cells c;
    cells_init(&c, out->mem);
    fill_cells(a, &c);
    if (c.failed || c.text.failed)
        out->failed = true; /* the table cannot be laid out: write nothing more */
    size_t rows = a->napplied + 2;
    size_t width[NCOLS] = { 0, RATE_MIN_WIDTH, 0, 0 };
    for (size_t r = 0; r < rows; r++)
        for (int k = 0; k < NCOLS; k++) {
            size_t w = cell_width(&c, r * NCOLS + (size_t)k);
            if (w > width[k])
                width[k] = w;
        }
    for (size_t r = 0; r < rows; r++)
        put_row(out, &c, r, width);
    cells_free(&c);
    if (a->nskipped == 0)
        return;
    sb_puts(out, "  not applied: ");
    for (size_t i = 0; i < a->nskipped; i++) {
        sb_printf(out, "%s%s (", i ? ", " : "", a->skipped[i].measure->name);
        explain_reason(a, i, out);
        sb_putc(out, ')');
    }
    sb_putc(out, '\n');
}

/* ---- Timelines ------------------------------------------------------------ */

static void step_measures(const timeline_step *st, strbuf *out)
{
    if (st->nmeasures == 0) {
        sb_putc(out, '-');
        return;
    }
    for (size_t i = 0; i < st->nmeasures; i++) {
        sb_printf(out, "%s%s ", i ? ", " : "", st->measures[i]->name);
        rate_format_sb(st->rates[i], out);
    }
}

void timeline_format(const timeline *t, strbuf *out)
{
    char from[11], until[11];
    explain_header(t->ship, t->prog, false, out);
    date_format(t->from, from);
    date_format(t->until, until);
    sb_printf(out, "%sentered %s until %s\n", out->len ? ", " : "", from, until);
    cells c;
    cells_init(&c, out->mem);
    sb_puts(&c.text, "rate");
    cells_end(&c);
    for (size_t i = 0; i < t->nsteps; i++) {
        rate_format_sb(t->steps[i].total, &c.text);
        cells_end(&c);
    }
    size_t rate_w = RATE_MIN_WIDTH;
    for (size_t i = 0; i <= t->nsteps; i++)
        if (cell_width(&c, i) > rate_w)
            rate_w = cell_width(&c, i);
    sb_puts(out, "  from         until        ");
    put_cell(out, &c, 0, rate_w, true);
    sb_puts(out, "   charged\n");
    for (size_t i = 0; i < t->nsteps; i++) {
        const timeline_step *st = &t->steps[i];
        date_format(st->from, from);
        date_format(st->until, until);
        sb_printf(out, "  %s   %s   ", from, until);
        put_cell(out, &c, i + 1, rate_w, true);
        sb_puts(out, "   ");
        step_measures(st, out);
        sb_putc(out, '\n');
    }
    cells_free(&c);
}

void explain_value(const value *v, const program *p, strbuf *out)
{
    switch (v->kind) {
    case V_EXPLANATION: explain_format(v->as.expl, out); break;
    case V_TIMELINE: timeline_format(v->as.tl, out); break;
    default: value_format(v, p, out); break;
    }
}
