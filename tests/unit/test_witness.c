/* test_witness.c - W104's example shipments really conflict.
 *
 * For generated policies of concessions on one measure, some overriding
 * others (chains, partial scopes, windows), every "can conflict" warning
 * whose example needs no `when` is checked against the evaluator: the
 * policy with `let w = rate(<the example shipment>)` must fail with E601,
 * conflicting modifiers (issue 9, item 14).  And a chain in which each
 * concession overrides the one before, on one scope, warns nothing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_codes.h"
#include "fixture.h"

#define PRELUDE                                                                                    \
    "country CN \"China\"\ncountry VN \"Viet Nam\"\ncountry JP \"Japan\"\n"                        \
    "measure m { rate 10% }\n"

static unsigned long next_random(unsigned long *state)
{
    *state = *state * 6364136223846793005UL + 1442695040888963407UL;
    return (*state >> 33) & 0x7fffffffUL;
}

/* A policy of n concessions on m, from seed. */
static void generate(char *buf, size_t size, unsigned long seed, int n)
{
    static const char *const froms[] = { "", "from {CN} ", "from {CN, VN} ", "from {VN, JP} " };
    static const char *const ons[] = { "", "on {hs 85} ", "on {hs 01, hs 85} ",
                                       "on all except {hs 85} " };
    static const char *const windows[] = { "", " effective 2025-03-01",
                                           " effective 2025-01-01 until 2025-06-01" };
    unsigned long st = seed;
    size_t len = (size_t)snprintf(buf, size, "%s", PRELUDE);
    for (int i = 0; i < n && len < size; i++) {
        char over[32] = "";
        if (i > 0 && next_random(&st) % 3 != 0)
            snprintf(over, sizeof over, " overrides c%lu", (unsigned long)(next_random(&st) % i));
        len += (size_t)snprintf(buf + len, size - len, "concession c%d { %s%sset m to %lu%%%s%s }\n",
                                i, froms[next_random(&st) % 4], ons[next_random(&st) % 4],
                                next_random(&st) % 4 + 1, over, windows[next_random(&st) % 3]);
    }
    cr_assert(len < size);
}

/* The "shipment { ... }" of a W104's example note, in out; false if none
 * or if it needs a `when` to hold. */
static bool example_shipment(const diagnostic *d, char *out, size_t size)
{
    for (size_t i = 0; i < d->nnotes; i++) {
        const char *s = strstr(d->notes[i].message, "shipment {");
        if (!s)
            continue;
        const char *end = strchr(s, '}');
        if (!end || strstr(end, "(if it meets"))
            return false;
        snprintf(out, size, "%.*s", (int)(end + 1 - s), s);
        return true;
    }
    return false;
}

static size_t witnesses_checked;

static void check_witnesses(const char *text)
{
    fixture fx;
    fixture_load_text(&fx, "gen.levy", text, NULL);
    for (size_t i = 0; i < fx.diags.count; i++) {
        const diagnostic *d = &fx.diags.items[i];
        char ship[256];
        if (strcmp(d->code, D_MAY_CONFLICT) != 0 || !example_shipment(d, ship, sizeof ship))
            continue;
        size_t n = strlen(text) + strlen(ship) + 32;
        char *with = malloc(n);
        cr_assert_not_null(with);
        snprintf(with, n, "%slet w = rate(%s)\n", text, ship);
        fixture fw;
        fixture_load_text(&fw, "gen.levy", with, NULL);
        char shown[1024];
        bool ok = fixture_show(&fw, fixture_policy(&fw), "w", shown, sizeof shown);
        cr_assert(!ok && strncmp(shown, "error " D_EVAL_CONFLICT ":", 11) == 0,
                  "the example of\n  %s\ndoes not conflict: rate(%s) is %s\nin\n%s", d->message,
                  ship, shown, text);
        witnesses_checked++;
        fixture_free(&fw);
        free(with);
    }
    fixture_free(&fx);
}

Test(witness, examples_of_w104_really_conflict)
{
    char text[8192];
    for (unsigned long seed = 1; seed <= 300; seed++) {
        generate(text, sizeof text, seed, 2 + (int)(seed % 6));
        check_witnesses(text);
    }
    /* Not vacuous: many warnings had their example evaluated. */
    cr_assert_gt(witnesses_checked, 50, "only %zu witnesses", witnesses_checked);
}

static size_t count_code(const fixture *fx, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < fx->diags.count; i++)
        n += strcmp(fx->diags.items[i].code, code) == 0;
    return n;
}

Test(witness, a_chain_of_overrides_does_not_conflict)
{
    /* c1 overrides c0, c2 overrides c1, ...: wherever c0 is active so is
       c1, which drops it; only the last is ever in effect. */
    char text[65536];
    size_t len = (size_t)snprintf(text, sizeof text, "%sconcession c0 { set m to 1%% }\n", PRELUDE);
    for (int i = 1; i < 300; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "concession c%d { set m to %d%% overrides c%d }\n", i, i % 7 + 1,
                                i - 1);
    cr_assert(len < sizeof text);
    fixture fx;
    fixture_load_text(&fx, "chain.levy", text, NULL);
    cr_assert_eq(count_code(&fx, D_MAY_CONFLICT), 0);
    fixture_free(&fx);
}

Test(witness, a_real_conflict_in_a_chain_is_still_warned)
{
    /* c1 overrides c0 only on hs 85: elsewhere c0 and c2 both apply. */
    const char *text = PRELUDE "concession c0 { set m to 1% }\n"
                               "concession c1 { on {hs 85} set m to 2% overrides c0 }\n"
                               "concession c2 { set m to 3% overrides c1 }\n";
    fixture fx;
    fixture_load_text(&fx, "chain.levy", text, NULL);
    cr_assert_eq(count_code(&fx, D_MAY_CONFLICT), 1);
    fixture_free(&fx);
    witnesses_checked = 0;
    check_witnesses(text);
    cr_assert_eq(witnesses_checked, 1);
}
