/* strbuf.c - the string builder (see strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void sb_init(strbuf *b, const mem *m)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    b->fixed = false;
    b->mem = mem_or_libc(m);
}

void sb_init_fixed(strbuf *b, char *buf, size_t cap)
{
    sb_init(b, NULL);
    b->s = buf;
    b->cap = cap;
    b->fixed = true;
    buf[0] = '\0';
}

void sb_free(strbuf *b)
{
    if (!b->fixed)
        mem_free(b->mem, b->s);
    sb_init(b, b->mem);
}

void sb_clear(strbuf *b)
{
    b->len = 0;
    b->failed = b->failed && !b->fixed; /* a fixed array has room again */
    if (b->s)
        b->s[0] = '\0';
}

/* grow: room for n more bytes and a NUL in a growing buffer. */
static bool grow(strbuf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *s = mem_realloc(b->mem, b->s, cap);
    if (!s)
        return false;
    b->s = s;
    b->cap = cap;
    return true;
}

/* room: how many of n more bytes may be written (a NUL fits after them);
 * less than n only once `failed` is set. */
static size_t room(strbuf *b, size_t n)
{
    if (b->failed)
        return 0;
    if (n < SIZE_MAX - b->len - 1 && b->len + n + 1 <= b->cap)
        return n;
    if (b->fixed) {
        b->failed = true;
        return b->cap - b->len - 1;
    }
    if (n >= SIZE_MAX - b->len - 1 || !grow(b, n)) {
        b->failed = true;
        return 0;
    }
    return n;
}

void sb_putn(strbuf *b, const char *s, size_t n)
{
    size_t fit = room(b, n);
    if (!fit)
        return;
    memcpy(b->s + b->len, s, fit);
    b->len += fit;
    b->s[b->len] = '\0';
}

void sb_puts(strbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_putc(strbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

void sb_pad(strbuf *b, char c, size_t n)
{
    size_t fit = room(b, n);
    if (!fit)
        return;
    memset(b->s + b->len, c, fit);
    b->len += fit;
    b->s[b->len] = '\0';
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_putn(b, small, (size_t)n);
        return;
    }
    size_t fit = room(b, (size_t)n);
    if (!fit)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, fit + 1, fmt, ap);
    va_end(ap);
    b->len += fit;
}

const char *sb_cstr(const strbuf *b)
{
    return b->s ? b->s : "";
}

size_t utf8_sequence(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    unsigned v = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if (i > 1 && (s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

void sb_put_json_string(strbuf *out, const char *s, size_t n)
{
    sb_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            sb_printf(out, "\\%c", c);
        else if (c == '\n')
            sb_puts(out, "\\n");
        else if (c == '\t')
            sb_puts(out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            sb_printf(out, "\\u%04x", c);
        else if (c < 0x80)
            sb_putc(out, (char)c);
        else {
            /* JSON is UTF-8: a byte that is not is written as the text \xff */
            unsigned cp;
            size_t len = utf8_sequence((const unsigned char *)s + i, n - i, &cp);
            if (len == 0) {
                sb_printf(out, "\\\\x%02x", c);
            } else {
                sb_putn(out, s + i, len);
                i += len - 1;
            }
        }
    }
    sb_putc(out, '"');
}
