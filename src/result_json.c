/* result_json.c - values, explanations and timelines as JSON.
 *
 * The shapes are doc/json.md's.  Every exact quantity (a number, a rate,
 * an amount) is a JSON string holding Levy's exact decimal text, so that
 * no reader rounds it through binary floating point; the type of a value
 * says how to read it. */
#include "result_json.h"

#include <string.h>

#include "assessment.h"
#include "check.h"
#include "date.h"
#include "explain.h"
#include "hs.h"
#include "program.h"
#include "rate.h"
#include "sets.h"

static void json_cstr(strbuf *out, const char *s)
{
    sb_put_json_string(out, s ? s : "", s ? strlen(s) : 0);
}

/* json_text_of: v as Levy writes it, as a JSON string. */
static void json_text_of(const value *v, const program *p, strbuf *out)
{
    strbuf text;
    sb_init(&text, out->mem);
    value_format(v, p, &text);
    if (text.failed)
        out->failed = true;
    sb_put_json_string(out, sb_cstr(&text), text.len);
    sb_free(&text);
}

static void json_rate(rate_value r, strbuf *out)
{
    strbuf text;
    sb_init(&text, out->mem);
    rate_format_sb(r, &text);
    if (text.failed)
        out->failed = true;
    sb_put_json_string(out, sb_cstr(&text), text.len);
    sb_free(&text);
}

/* json_amount: an amount of money to the cent, without the "$". */
static void json_amount(dec d, strbuf *out)
{
    char buf[DEC_FMT_MAX];
    dec_format(d, 2, buf, sizeof buf);
    json_cstr(out, buf);
}

static void json_date(date d, strbuf *out)
{
    char day[11];
    date_format(d, day);
    json_cstr(out, day);
}

static void json_countries(const bitset *s, const program *p, strbuf *out)
{
    sb_putc(out, '[');
    const char *sep = "";
    for (long c = bitset_next(s, 0); c >= 0; c = bitset_next(s, (size_t)c + 1)) {
        sb_puts(out, sep);
        json_cstr(out, country_code(p, (int)c));
        sep = ", ";
    }
    sb_putc(out, ']');
}

/* json_plain: a value inside a larger object, without its type. */
static void json_plain(const value *v, const program *p, strbuf *out);

static void json_shipment(const shipment *s, const program *p, strbuf *out)
{
    sb_putc(out, '{');
    const char *sep = "";
    for (int f = 0; f < s->nfields; f++) {
        if (s->fields[f].kind == V_NONE)
            continue;
        sb_puts(out, sep);
        json_cstr(out, field_name(p, f));
        sb_puts(out, ": ");
        json_plain(&s->fields[f], p, out);
        sep = ", ";
    }
    sb_putc(out, '}');
}

static const char *change_word(charge_change c)
{
    switch (c) {
    case CHANGE_SUSPEND_TO: return "suspended to";
    case CHANGE_SET: return "set to";
    case CHANGE_CAP: return "capped at";
    case CHANGE_REDUCE: return "reduced to";
    case CHANGE_NONE: break;
    }
    return "";
}

static void json_charge(const assessment *a, const applied_measure *m, strbuf *out)
{
    sb_puts(out, "{\"measure\": ");
    json_cstr(out, m->measure->name);
    sb_puts(out, ", \"rate\": ");
    json_rate(m->rate, out);
    sb_puts(out, ", \"amount\": ");
    if (a->has_duty)
        json_amount(m->amount, out);
    else
        sb_puts(out, "null");
    const char *citation = explain_citation(m->measure);
    sb_puts(out, ", \"citation\": ");
    if (citation)
        json_cstr(out, citation);
    else
        sb_puts(out, "null");
    if (m->change != CHANGE_NONE) {
        sb_puts(out, ", \"changed\": {\"how\": ");
        json_cstr(out, change_word(m->change));
        sb_puts(out, ", \"by\": ");
        json_cstr(out, m->modifier ? m->modifier->name : "");
        sb_puts(out, ", \"was\": ");
        json_rate(m->was, out);
        sb_putc(out, '}');
    }
    sb_putc(out, '}');
}

static void json_not_charged(const skipped_measure *s, strbuf *out)
{
    sb_puts(out, "{\"measure\": ");
    json_cstr(out, s->measure->name);
    sb_puts(out, ", \"rate\": ");
    json_rate(s->rate, out);
    sb_puts(out, ", \"reason\": ");
    json_cstr(out, s->why == SKIP_REPLACED ? "replaced" : "suspended");
    sb_puts(out, ", \"by\": ");
    json_cstr(out, s->by ? s->by->name : "");
    if (s->why == SKIP_SUSPENDED && s->by) {
        sb_puts(out, ", \"by_kind\": ");
        json_cstr(out, decl_kind_keyword(s->by->kind));
    }
    sb_putc(out, '}');
}

static void json_explanation(const assessment *a, strbuf *out)
{
    sb_puts(out, "{\"shipment\": ");
    json_shipment(a->ship, a->prog, out);
    sb_puts(out, ", \"rate\": ");
    json_rate(a->total, out);
    sb_puts(out, ", \"duty\": ");
    if (a->has_duty)
        json_amount(a->duty, out);
    else
        sb_puts(out, "null");
    sb_puts(out, ", \"charges\": [");
    for (size_t i = 0; i < a->napplied; i++) {
        sb_puts(out, i ? ", " : "");
        json_charge(a, &a->applied[i], out);
    }
    sb_puts(out, "], \"not_charged\": [");
    for (size_t i = 0; i < a->nskipped; i++) {
        sb_puts(out, i ? ", " : "");
        json_not_charged(&a->skipped[i], out);
    }
    sb_puts(out, "]}");
}

static void json_timeline(const timeline *t, strbuf *out)
{
    sb_puts(out, "{\"shipment\": ");
    json_shipment(t->ship, t->prog, out);
    sb_puts(out, ", \"from\": ");
    json_date(t->from, out);
    sb_puts(out, ", \"until\": ");
    json_date(t->until, out);
    sb_puts(out, ", \"steps\": [");
    for (size_t i = 0; i < t->nsteps; i++) {
        const timeline_step *st = &t->steps[i];
        sb_puts(out, i ? ", {\"from\": " : "{\"from\": ");
        json_date(st->from, out);
        sb_puts(out, ", \"until\": ");
        json_date(st->until, out);
        sb_puts(out, ", \"rate\": ");
        json_rate(st->total, out);
        sb_puts(out, ", \"charges\": [");
        for (size_t k = 0; k < st->nmeasures; k++) {
            sb_puts(out, k ? ", {\"measure\": " : "{\"measure\": ");
            json_cstr(out, st->measures[k]->name);
            sb_puts(out, ", \"rate\": ");
            json_rate(st->rates[k], out);
            sb_putc(out, '}');
        }
        sb_puts(out, "]}");
    }
    sb_puts(out, "]}");
}

static void json_plain(const value *v, const program *p, strbuf *out)
{
    char buf[DEC_FMT_MAX];
    switch (v->kind) {
    case V_NONE: sb_puts(out, "null"); break;
    case V_BOOL: sb_puts(out, v->as.b ? "true" : "false"); break;
    case V_NUMBER:
        dec_format(v->as.num, 0, buf, sizeof buf);
        json_cstr(out, buf);
        break;
    case V_RATE: json_rate(v->as.rate, out); break;
    case V_MONEY: json_amount(v->as.num, out); break;
    case V_DATE: json_date(v->as.day, out); break;
    case V_PRODUCT: {
        char code[HS_FMT_MAX];
        hs_format(v->as.product, code);
        json_cstr(out, code);
        break;
    }
    case V_COUNTRY_SET: json_countries(v->as.countries, p, out); break;
    case V_SHIPMENT: json_shipment(v->as.ship, p, out); break;
    case V_EXPLANATION: json_explanation(v->as.expl, out); break;
    case V_TIMELINE: json_timeline(v->as.tl, out); break;
    case V_DURATION:
    case V_TEXT:
    case V_COUNTRY:
    case V_PRODUCT_SET:
    case V_UNIT:
    case V_DECL: json_text_of(v, p, out); break;
    }
}

void json_value(const value *v, const program *p, strbuf *out)
{
    sb_puts(out, "\"type\": ");
    json_cstr(out, value_kind_name(v->kind));
    sb_puts(out, ", \"value\": ");
    json_plain(v, p, out);
}
