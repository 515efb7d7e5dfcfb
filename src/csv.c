/* csv.c - a streaming RFC 4180 CSV reader (see csv.h).
 *
 * The input is read through a window: the whole buffer in memory mode, a
 * CSV_WINDOW-byte chunk refilled by fread in FILE mode.  A record's fields
 * are copied, unquoted, into one growing buffer, each followed by '\0';
 * their views are fixed up once the record is complete, because the buffer
 * may move while it grows.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#define CSV_WINDOW 65536

/* read_byte's answers besides a byte 0..255. */
enum { BYTE_EOF = -1, BYTE_ERROR = -2 };

typedef enum parse_state {
    FIELD_START, /* before the first byte of a field */
    UNQUOTED,    /* inside a field that did not start with a quote */
    QUOTED,      /* inside a quoted field */
    QUOTE_SEEN   /* a quote inside a quoted field: "" or the closing one */
} parse_state;

static void reader_reset(csv_reader *r)
{
    memset(r, 0, sizeof *r);
    r->at_start = true;
    r->line = 1;
    r->column = 1;
    r->max_record = CSV_DEFAULT_MAX_RECORD;
    r->mem = &mem_libc;
}

static bool has_bom(const char *p, const char *end)
{
    return end - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
           (unsigned char)p[2] == 0xBF;
}

void csv_init_file(csv_reader *r, FILE *fp)
{
    reader_reset(r);
    r->fp = fp;
}

void csv_init_buffer(csv_reader *r, const char *text, size_t len)
{
    reader_reset(r);
    if (!text) { /* an empty input may come as NULL */
        text = "";
        len = 0;
    }
    r->pos = text;
    r->end = text + len;
    r->at_eof = true;
    if (has_bom(r->pos, r->end))
        r->pos += 3;
    r->at_start = false;
}

void csv_set_max_record(csv_reader *r, size_t max)
{
    r->max_record = max ? max : CSV_DEFAULT_MAX_RECORD;
}

void csv_free(csv_reader *r)
{
    mem_free(r->mem, r->window);
    mem_free(r->mem, r->buf);
    mem_free(r->mem, r->fields);
    r->window = r->buf = NULL;
    r->fields = NULL;
    r->window_cap = r->buf_cap = r->field_cap = 0;
}

/* fill_window: reads the next chunk of the FILE.  The first chunk is read
 * until it holds at least three bytes (or the file ends), so that a byte
 * order mark is recognised even from a pipe delivering bytes one by one. */
static bool fill_window(csv_reader *r)
{
    if (!r->window) {
        r->window = mem_alloc(r->mem, CSV_WINDOW);
        if (!r->window)
            return false;
        r->window_cap = CSV_WINDOW;
    }
    size_t got = 0;
    do {
        size_t n = fread(r->window + got, 1, r->window_cap - got, r->fp);
        got += n;
        if (n == 0)
            break;
    } while (r->at_start && got < 3);
    if (got == 0) {
        r->read_error = ferror(r->fp) != 0;
        r->at_eof = true;
        return false;
    }
    r->pos = r->window;
    r->end = r->window + got;
    if (r->at_start && has_bom(r->pos, r->end))
        r->pos += 3;
    r->at_start = false;
    return r->pos < r->end || fill_window(r);
}

/* refill: makes at least one byte available; false at the end of input, on
 * a read error or when the window cannot be allocated (read_error then). */
static bool refill(csv_reader *r)
{
    if (r->at_eof || !r->fp)
        return false;
    if (!fill_window(r)) {
        if (!r->window)
            r->read_error = true;
        return false;
    }
    return true;
}

/* read_byte: the next byte, counting lines as it goes; r->line is always
 * the line of the next unread byte.  CR LF counts once. */
static inline int read_byte(csv_reader *r)
{
    if (r->pos == r->end && !refill(r))
        return r->read_error ? BYTE_ERROR : BYTE_EOF;
    int c = (unsigned char)*r->pos++;
    r->column++;
    if (c == '\n') {
        if (!r->prev_cr)
            r->line++;
        r->column = 1;
    } else if (c == '\r') {
        r->line++;
        r->column = 1;
    }
    r->prev_cr = c == '\r';
    return c;
}

/* reserve: room for `more` bytes plus a terminating NUL in the record
 * buffer.  Growth doubles, so a steady stream of records stops allocating. */
static csv_status reserve(csv_reader *r, size_t more)
{
    if (more > r->max_record || r->buf_len > r->max_record - more)
        return CSV_TOO_LONG;
    size_t need = r->buf_len + more + 1;
    if (need <= r->buf_cap)
        return CSV_OK;
    size_t cap = r->buf_cap ? r->buf_cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = mem_realloc(r->mem, r->buf, cap);
    if (!p)
        return CSV_NO_MEMORY;
    r->buf = p;
    r->buf_cap = cap;
    return CSV_OK;
}

static csv_status append(csv_reader *r, const char *s, size_t n)
{
    csv_status st = reserve(r, n);
    if (st != CSV_OK)
        return st;
    memcpy(r->buf + r->buf_len, s, n);
    r->buf_len += n;
    return CSV_OK;
}

static csv_status append_byte(csv_reader *r, int c)
{
    char ch = (char)c;
    return append(r, &ch, 1);
}

/* copy_run: after an ordinary byte, appends the ordinary bytes that follow
 * it in the window in one go, so long fields do not pay for the state
 * machine byte by byte.  In a quoted field commas are ordinary; in an
 * unquoted one quotes are.  Line breaks always stop the run, because
 * read_byte counts them. */
static csv_status copy_run(csv_reader *r, bool quoted)
{
    const char *p = r->pos;
    char special = quoted ? '"' : ',';
    while (p < r->end && *p != special && *p != '\n' && *p != '\r')
        p++;
    if (p == r->pos)
        return CSV_OK;
    csv_status st = append(r, r->pos, (size_t)(p - r->pos));
    r->column += (long)(p - r->pos);
    r->pos = p;
    r->prev_cr = false;
    return st;
}

/* end_field: terminates the field being built and records its length; its
 * start is recomputed in finish_record. */
static csv_status end_field(csv_reader *r, size_t field_start)
{
    csv_status st = reserve(r, 1);
    if (st != CSV_OK)
        return st;
    if (!mem_grow(r->mem, &r->fields, &r->field_cap, r->field_count, sizeof *r->fields, 16))
        return CSV_NO_MEMORY;
    r->fields[r->field_count].s = NULL;
    r->fields[r->field_count].len = r->buf_len - field_start;
    r->fields[r->field_count].line = r->field_line;
    r->fields[r->field_count].column = r->field_column;
    r->field_count++;
    r->buf[r->buf_len++] = '\0';
    return CSV_OK;
}

/* finish_record: points each field into the (now final) buffer. */
static void finish_record(csv_reader *r, csv_record *rec, long line)
{
    const char *p = r->buf;
    for (size_t i = 0; i < r->field_count; i++) {
        r->fields[i].s = p;
        p += r->fields[i].len + 1;
    }
    rec->fields = r->fields;
    rec->count = r->field_count;
    rec->line = line;
}

static csv_status fail(csv_reader *r, csv_status st, long line)
{
    r->failed = (int)st;
    r->error_line = line;
    return st;
}

static bool is_break(int c)
{
    return c == '\n' || c == '\r' || c == BYTE_EOF;
}

/* first_byte: skips blank lines (and the LF of a CRLF that ended the last
 * record) and returns the first byte of the next record. */
static int first_byte(csv_reader *r)
{
    int c;
    do
        c = read_byte(r);
    while (c == '\n' || c == '\r');
    return c;
}

/* step: feeds byte c to the state machine.  CSV_OK to go on; CSV_END when
 * c ended the record; an error otherwise. */
static csv_status step(csv_reader *r, parse_state *state, size_t *field_start, int c)
{
    csv_status st = CSV_OK;
    switch (*state) {
    case FIELD_START:
        *field_start = r->buf_len;
        r->field_line = r->at_line;
        r->field_column = r->at_column;
        if (c == '"') {
            *state = QUOTED;
            return CSV_OK;
        }
        *state = UNQUOTED;
        /* fall through */
    case UNQUOTED:
        if (c == ',' || is_break(c)) {
            st = end_field(r, *field_start);
            *state = FIELD_START;
            return st != CSV_OK ? st : c == ',' ? CSV_OK : CSV_END;
        }
        st = append_byte(r, c);
        return st != CSV_OK ? st : copy_run(r, false);
    case QUOTED:
        if (c == '"') {
            *state = QUOTE_SEEN;
            return CSV_OK;
        }
        if (c == BYTE_EOF)
            return CSV_UNTERMINATED;
        st = append_byte(r, c);
        return st != CSV_OK ? st : copy_run(r, true);
    case QUOTE_SEEN:
        if (c == '"') {
            *state = QUOTED;
            return append_byte(r, c);
        }
        if (c == ',' || is_break(c)) {
            *state = UNQUOTED; /* reuse its handling of the separator */
            return step(r, state, field_start, c);
        }
        return CSV_BAD_QUOTE;
    }
    return st;
}

csv_status csv_next(csv_reader *r, csv_record *rec)
{
    rec->fields = NULL;
    rec->count = 0;
    rec->line = r->line;
    if (r->failed)
        return (csv_status)r->failed;
    r->buf_len = 0;
    r->field_count = 0;

    int c = first_byte(r);
    long line = r->line; /* c is not a line break, so this is its line */
    rec->line = line;
    r->at_line = line;
    r->at_column = r->column - 1;
    if (c == BYTE_EOF)
        return CSV_END;
    parse_state state = FIELD_START;
    size_t field_start = 0;
    for (;;) {
        if (c == BYTE_ERROR) /* no window means its malloc failed */
            return fail(r, r->window ? CSV_READ_ERROR : CSV_NO_MEMORY, line);
        csv_status st = step(r, &state, &field_start, c);
        if (st == CSV_END)
            break;
        if (st != CSV_OK)
            return fail(r, st, line);
        r->at_line = r->line;
        r->at_column = r->column;
        c = read_byte(r);
    }
    finish_record(r, rec, line);
    return CSV_OK;
}

const char *csv_status_message(csv_status s)
{
    switch (s) {
    case CSV_OK: return "ok";
    case CSV_END: return "end of input";
    case CSV_UNTERMINATED: return "a quoted field is not closed before the end of the file";
    case CSV_BAD_QUOTE: return "a closing quote must be followed by a comma or a line break";
    case CSV_TOO_LONG: return "record too long";
    case CSV_READ_ERROR: return "read error";
    case CSV_NO_MEMORY: return "out of memory";
    }
    return "unknown CSV error";
}
