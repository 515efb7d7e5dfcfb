/* test_batch.c - the batch API of levy.h: bind once, evaluate rows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "levy.h"

static const char policy_text[] = "import countries\n"
                                  "attribute priority: bool = false\n"
                                  "measure baseline { from all except USMCA rate 10% }\n"
                                  "measure china { from CN rate 20% when not priority }\n";

static levy_policy *checked_policy(void)
{
    static char dir[4096];
    const char *src = getenv("LEVY_SRCDIR");
    snprintf(dir, sizeof dir, "%s/stdlib", src ? src : ".");
    levy_policy *p = levy_policy_new();
    cr_assert_not_null(p);
    cr_assert_eq(levy_policy_set_stdlib_dir(p, dir), LEVY_OK);
    cr_assert_eq(levy_policy_load_string(p, "p.levy", policy_text, strlen(policy_text)), LEVY_OK);
    cr_assert_eq(levy_policy_check(p), LEVY_OK, "%s", levy_policy_error(p));
    return p;
}

Test(batch, rows_in_any_column_order)
{
    levy_policy *p = checked_policy();
    levy_batch *b = levy_batch_new(p, NULL);
    cr_assert_not_null(b);
    const char *cols[] = { "entered", NULL, "origin", "product", "value", "priority" };
    cr_assert_eq(levy_batch_bind(b, cols, 6), LEVY_OK, "%s", levy_batch_error(b));
    cr_assert_eq(levy_batch_column_count(b), 6);
    levy_result *r = levy_result_new();
    const char *row1[] = { "2025-05-01", "id-1", "CN", "9503000000", "$1,000.00", "" };
    cr_assert_eq(levy_batch_evaluate(b, row1, NULL, 6, 0, r), LEVY_OK, "%s", levy_batch_error(b));
    cr_assert_eq(levy_result_duty(r), 300 * LEVY_DECIMAL_SCALE);
    cr_assert_eq(levy_result_rate(r), 300000); /* 30% */
    cr_assert_eq(levy_batch_value(b), 1000 * LEVY_DECIMAL_SCALE);
    cr_assert_eq(levy_result_charge_count(r), 0, "no charge texts without explain");
    const char *row2[] = { "2025-05-01", "id-2", "CN", "9503.00.00", "100", "true" };
    cr_assert_eq(levy_batch_evaluate(b, row2, NULL, 6, 1, r), LEVY_OK);
    cr_assert_eq(levy_result_duty(r), 10 * LEVY_DECIMAL_SCALE);
    cr_assert_eq(levy_result_charge_count(r), 1);
    levy_charge c;
    cr_assert_eq(levy_result_charge(r, 0, &c), LEVY_OK);
    cr_assert_str_eq(c.measure, "baseline");
    /* Explicit lengths: the texts need not be NUL-terminated. */
    const char *row3[] = { "2025-05-01xx", "", "VNxx", "9503xx", "200xx", "" };
    size_t lens[] = { 10, 0, 2, 4, 3, 0 };
    cr_assert_eq(levy_batch_evaluate(b, row3, lens, 6, 0, r), LEVY_OK, "%s", levy_batch_error(b));
    cr_assert_eq(levy_result_duty(r), 20 * LEVY_DECIMAL_SCALE);
    levy_result_free(r);
    levy_batch_free(b);
    levy_policy_free(p);
}

Test(batch, bad_columns_and_rows)
{
    levy_policy *p = checked_policy();
    levy_batch *b = levy_batch_new(p, NULL);
    levy_result *r = levy_result_new();
    const char *row[] = { "CN" };
    cr_assert_eq(levy_batch_evaluate(b, row, NULL, 1, 0, r), LEVY_ERROR_STATE);
    const char *unknown[] = { "origin", "colour" };
    cr_assert_eq(levy_batch_bind(b, unknown, 2), LEVY_ERROR_ARGUMENT);
    cr_assert(strstr(levy_batch_error(b), "colour"));
    const char *twice[] = { "origin", "origin" };
    cr_assert_eq(levy_batch_bind(b, twice, 2), LEVY_ERROR_ARGUMENT);
    const char *cols[] = { "origin", "product", "value", "entered" };
    cr_assert_eq(levy_batch_bind(b, cols, 4), LEVY_OK);
    const char *bad_country[] = { "XX", "9503", "100", "2025-05-01" };
    cr_assert_eq(levy_batch_evaluate(b, bad_country, NULL, 4, 0, r), LEVY_ERROR_ARGUMENT);
    cr_assert(strstr(levy_batch_error(b), "origin"), "%s", levy_batch_error(b));
    const char *bad_date[] = { "VN", "9503", "100", "2025-13-01" };
    cr_assert_eq(levy_batch_evaluate(b, bad_date, NULL, 4, 0, r), LEVY_ERROR_ARGUMENT);
    const char *missing[] = { "VN", "9503", "100", "" };
    cr_assert_eq(levy_batch_evaluate(b, missing, NULL, 4, 0, r), LEVY_ERROR_EVAL);
    cr_assert(strstr(levy_result_error(r), "entered"), "%s", levy_result_error(r));
    cr_assert_eq(levy_batch_evaluate(b, missing, NULL, 3, 0, r), LEVY_ERROR_ARGUMENT);
    levy_result_free(r);
    levy_batch_free(b);
    levy_policy_free(p);
}
