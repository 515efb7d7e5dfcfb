/* csv.h - a streaming RFC 4180 CSV reader.
 *
 * Reads one record at a time from a FILE * or from a buffer in memory,
 * never the whole input at once, so it serves schedules of a few thousand
 * rows and shipment files of millions alike.  Fields are views into a buffer
 * the reader owns: they stay valid until the next call to csv_next (or
 * csv_free), and in the steady state reading a record allocates nothing.
 *
 * What it accepts:
 *   - fields separated by ',' and records ended by LF, CRLF or a lone CR;
 *   - quoted fields ("a, b"), where "" stands for one quote and line breaks
 *     are kept as they are;
 *   - a UTF-8 byte order mark at the very start, which is skipped;
 *   - a last record without a line break.
 * Blank lines (between records or at the end) are skipped, not returned as
 * records.  A quote inside an unquoted field (5" disk) is an ordinary
 * character.  Errors: a quoted field still open at the end of the input,
 * anything but ',' or a line break after a closing quote, a record longer
 * than the reader's limit, a read error, or memory running out.
 */
#ifndef LEVY_CSV_H
#define LEVY_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "alloc.h"

/* One field: len bytes at s.  s[len] is always '\0' for the convenience of
 * callers (the field itself may hold '\0' bytes; len is authoritative). */
typedef struct csv_field {
    const char *s;
    size_t len;
    long line;  /* where the field starts in the input, 1-based (a quoted */
    long column; /* field: at its quote); column counts bytes */
} csv_field;

/* One record: its fields and the 1-based line on which it starts. */
typedef struct csv_record {
    const csv_field *fields;
    size_t count;
    long line;
} csv_record;

typedef enum csv_status {
    CSV_OK = 0,       /* a record was read */
    CSV_END,          /* no more records */
    CSV_UNTERMINATED, /* a quoted field is open at the end of the input */
    CSV_BAD_QUOTE,    /* a closing quote followed by something else */
    CSV_TOO_LONG,     /* a record longer than max_record bytes */
    CSV_READ_ERROR,   /* the FILE reported an error (errno says why) */
    CSV_NO_MEMORY
} csv_status;

/* Default limit on the bytes of one record (fields and their separators):
 * a stray quote in a large file then fails fast instead of buffering the
 * rest of the file. */
#define CSV_DEFAULT_MAX_RECORD ((size_t)1 << 24)

/* The reader.  Treat the members as private; the struct is public only so
 * that a reader can live on the stack. */
typedef struct csv_reader {
    FILE *fp;              /* source, or NULL when reading memory */
    const char *pos, *end; /* the unread part of the current input window */
    char *window;          /* FILE mode: the input buffer (owned) */
    size_t window_cap;
    bool at_start;   /* nothing read yet: a BOM may follow */
    bool at_eof;     /* the source has no more bytes */
    bool read_error; /* fread failed */
    bool prev_cr;    /* the last byte read was CR (CRLF is one break) */
    int failed;      /* the csv_status of an earlier error, or 0 */
    long line;       /* line of the next unread byte, 1-based */
    long column;     /* ... and its column, 1-based, in bytes */
    long at_line, at_column;       /* where the byte being parsed is */
    long field_line, field_column; /* where the current field starts */

    char *buf; /* the current record's fields, NUL-separated */
    size_t buf_len, buf_cap;
    csv_field *fields;
    size_t field_count, field_cap;

    size_t max_record; /* see CSV_DEFAULT_MAX_RECORD */
    long error_line;   /* line where the failing record started */
    const mem *mem;    /* where the buffers come from: the C library's
                              unless set after csv_init_* */
} csv_reader;

/* csv_init_file: read from fp, which the caller opens and closes.  The
 * reader buffers input, so fp should not be read by anyone else meanwhile. */
void csv_init_file(csv_reader *r, FILE *fp);
/* csv_init_buffer: read text[0..len), which must outlive the reader. */
void csv_init_buffer(csv_reader *r, const char *text, size_t len);
/* csv_set_max_record: the most bytes one record may hold; 0 restores
 * CSV_DEFAULT_MAX_RECORD. */
void csv_set_max_record(csv_reader *r, size_t max);
/* csv_free: releases the reader's buffers (not the FILE). */
void csv_free(csv_reader *r);

/* csv_next: reads the next record into *rec.  CSV_OK with a record,
 * CSV_END at the end, otherwise an error; after an error csv_next keeps
 * returning it.  r->error_line then names the line where the bad record
 * starts. */
csv_status csv_next(csv_reader *r, csv_record *rec);

const char *csv_status_message(csv_status s);

#endif
