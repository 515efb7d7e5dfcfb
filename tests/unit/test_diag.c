/* test_diag.c - unit tests for src/diag.c: sorting, the cap, silencing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "diag_codes.h"

static span at_line(int line, int column)
{
    span s = { 0, line, column, line, column };
    return s;
}

/* Sorting is by place, stable, and fast on a long list in reverse order
 * (an insertion sort took minutes on 500,000). */
Test(diag, sort_stable_and_long)
{
    diag_list d;
    diag_list_init(&d, NULL);
    for (int i = 0; i < 60; i++)
        diag_add(&d, SEV_NOTE, NULL, at_line(60 - i, 1), "n%d", i);
    diag_add(&d, SEV_NOTE, NULL, at_line(5, 1), "second at 5");
    diag_sort(&d);
    for (size_t i = 1; i < d.count; i++)
        cr_assert(d.items[i - 1].at.first_line <= d.items[i].at.first_line);
    /* The two at line 5: in the order added. */
    size_t k = 0;
    while (d.items[k].at.first_line != 5)
        k++;
    cr_assert_str_eq(d.items[k].message, "n55");
    cr_assert_str_eq(d.items[k + 1].message, "second at 5");
    diag_list_free(&d);

    diag_list_init(&d, NULL);
    for (int i = 0; i < 200000; i++)
        diag_add(&d, SEV_NOTE, NULL, at_line(200000 - i, 1), "n");
    diag_sort(&d);
    cr_assert_eq(d.count, 200000);
    for (size_t i = 0; i < d.count; i++)
        cr_assert_eq(d.items[i].at.first_line, (int)i + 1);
    diag_list_free(&d);
}

/* 100 errors are kept; the 101st says so and sorts last; all are counted. */
Test(diag, errors_capped)
{
    diag_list d;
    diag_list_init(&d, NULL);
    for (int i = 0; i < 1000; i++)
        diag_add(&d, SEV_ERROR, D_DUPLICATE, at_line(1000 - i, 1), "e%d", i);
    cr_assert_eq(d.errors, 1000);
    cr_assert_eq(d.count, DIAG_LIMIT + 1);
    diag_sort(&d);
    cr_assert_str_eq(d.items[d.count - 1].message, "too many errors; giving up after the first 100");
    cr_assert_str_eq(d.items[d.count - 1].code, D_DUPLICATE);
    diag_list_free(&d);
}

/* Appending one capped list to another keeps one cap. */
Test(diag, append_capped)
{
    diag_list a, b;
    diag_list_init(&a, NULL);
    diag_list_init(&b, NULL);
    for (int i = 0; i < 80; i++)
        diag_add(&a, SEV_ERROR, D_DUPLICATE, at_line(i + 1, 1), "a");
    for (int i = 0; i < 300; i++)
        diag_add(&b, SEV_ERROR, D_DUPLICATE, at_line(i + 1, 1), "b");
    diag_append(&a, &b);
    cr_assert_eq(a.errors, 380);
    cr_assert_eq(a.count, DIAG_LIMIT + 1);
    size_t caps = 0;
    for (size_t i = 0; i < a.count; i++)
        caps += a.items[i].last;
    cr_assert_eq(caps, 1);
    diag_list_free(&a);
    diag_list_free(&b);
}

/* A warning silenced by the list's allowed codes, or by its file's
 * `# levy: allow` line, is neither kept nor counted. */
Test(diag, silenced)
{
    source_set srcs;
    source_set_init(&srcs, NULL);
    const char *text = "let x = 1\n  #  levy: allow W101,W104\n";
    int f = source_set_add(&srcs, "f.levy", NULL, text, strlen(text));
    cr_assert_str_eq(srcs.items[f]->allowed, " W101 W104 ");
    diag_list d;
    diag_list_init(&d, NULL);
    d.srcs = &srcs;
    d.allowed = " W102 ";
    span in_f = { f, 1, 1, 1, 1 };
    diag_add(&d, SEV_WARNING, D_UNUSED, in_f, "unused");
    diag_add(&d, SEV_WARNING, D_NEVER_TOUCHES, span_none, "never");
    diag_add(&d, SEV_WARNING, D_ALWAYS_REPLACED, in_f, "replaced");
    cr_assert_eq(d.warnings, 1);
    cr_assert_eq(d.count, 1);
    cr_assert_str_eq(d.items[0].code, D_ALWAYS_REPLACED);
    diag_list_free(&d);
    source_set_free(&srcs);
}
