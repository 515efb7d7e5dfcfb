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
