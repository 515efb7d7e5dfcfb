/* fixture.c - the unit tests' loaded and checked policy (fixture.h). */
#include "fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void fixture_init(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    source_set_init(&fx->srcs, NULL);
    diag_list_init(&fx->diags, NULL);
    arena_init(&fx->arena, NULL);
    program_init(&fx->p, &fx->arena, &fx->srcs);
    arena_init(&fx->mem, NULL);
}

/* After a load that returned `loaded`: check, or fail the test. */
static void fixture_check(fixture *fx, bool loaded)
{
    if (!loaded || !program_check(&fx->p, &fx->diags)) {
        diag_render(stderr, &fx->srcs, &fx->diags, DIAG_TEXT);
        cr_assert_fail("the test policy does not check");
    }
    cr_assert(policy_set_init(&fx->ps, &fx->p));
}

void fixture_load_text(fixture *fx, const char *name, const char *text, const char *stdlib_dir)
{
    fixture_init(fx);
    load_options lo = { .stdlib_dir = stdlib_dir };
    fixture_check(fx, program_load_text(&fx->p, name, text, strlen(text), &lo, &fx->diags));
}

void fixture_load_file(fixture *fx, const char *path, const char *stdlib_dir)
{
    fixture_init(fx);
    load_options lo = { .stdlib_dir = stdlib_dir };
    fixture_check(fx, program_load_file(&fx->p, path, &lo, &fx->diags));
}

void fixture_free(fixture *fx)
{
    arena_free(&fx->mem);
    policy_set_free(&fx->ps);
    program_free(&fx->p);
    arena_free(&fx->arena);
    diag_list_free(&fx->diags);
    source_set_free(&fx->srcs);
}

const policy_index *fixture_policy(fixture *fx)
{
    const policy_index *ix = policy_set_get(&fx->ps, NULL, &fx->diags);
    cr_assert_not_null(ix, "the test policy does not compile");
    return ix;
}

bool fixture_show(fixture *fx, const policy_index *ix, const char *name, char *buf, size_t size)
{
    node *d = symtab_get(&fx->p.globals, name);
    cr_assert(d && d->kind == N_LET, "no let %s", name);
    eval_env env;
    eval_env_init(&env, ix, &fx->mem);
    value v;
    eval_error err;
    if (!eval_expr(&env, d->a, &v, &err)) {
        snprintf(buf, size, "error %s: %s", err.code, err.message);
        return false;
    }
    strbuf sb;
    sb_init(&sb, NULL);
    explain_value(&v, &fx->p, &sb);
    snprintf(buf, size, "%s", sb_cstr(&sb));
    sb_free(&sb);
    return true;
}
