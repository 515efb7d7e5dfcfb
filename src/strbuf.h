/* strbuf.h - the one string builder.
 *
 * A strbuf is a NUL-terminated string that grows as text is appended
 * (sb_init), or one that fills a caller's array and never allocates
 * (sb_init_fixed).  Appending never fails loudly: when memory runs out, or
 * a fixed array is full, `failed` is set and the text stays a prefix of
 * what was appended (a fixed buffer keeps as much as fits; a growing one
 * drops the piece that did not fit and everything after it), never
 * corrupt.
 */
#ifndef LEVY_STRBUF_H
#define LEVY_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "alloc.h"

typedef struct strbuf {
    char *s;
    size_t len, cap;
    bool failed;
    bool fixed;     /* s is the caller's array: never grown nor freed */
    const mem *mem; /* where a growing buffer's memory comes from */
} strbuf;

/* sb_init: an empty growing strbuf whose memory comes from m (NULL: the
 * C library's). */
void sb_init(strbuf *b, const mem *m);
/* sb_init_fixed: a strbuf writing into buf[0..cap) (cap >= 1), which it
 * keeps NUL-terminated. */
void sb_init_fixed(strbuf *b, char *buf, size_t cap);
void sb_free(strbuf *b);
void sb_clear(strbuf *b);
void sb_putn(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_pad(strbuf *b, char c, size_t n);
void sb_printf(strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* utf8_sequence: the length of the UTF-8 sequence at s (at most n bytes)
 * and its code point in *cp, or 0 when it is not well formed. */
size_t utf8_sequence(const unsigned char *s, size_t n, unsigned *cp);
/* sb_put_json_string: s[0..n) as a JSON string, quoted and escaped; a byte
 * that is not UTF-8 is written as the text \xff, so the JSON stays valid. */
void sb_put_json_string(strbuf *out, const char *s, size_t n);

/* sb_cstr: the text so far, NUL-terminated (never NULL). */
const char *sb_cstr(const strbuf *b);

#endif
