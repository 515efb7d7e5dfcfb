/* batch.c - the batch API of levy.h: columns bound to fields once, rows
 * evaluated from their texts without per-row allocation.
 *
 * No I/O: rows arrive as field texts; reading files is the CLI's
 * (cmd_eval.c).  One arena holds the shipment for the batch's life, a
 * second the texts of the current row, reset before each row. */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "levy.h"
#include "value.h"

struct levy_batch {
    const levy_policy *policy;
    const levy_scenario *scenario;
    const program *prog;
    mem alloc;
    arena keep; /* the shipment, the bindings */
    arena row;  /* the current row's texts */
    shipment *ship;
    int *field; /* field of each column, -1 to ignore */
    value_kind *kind;        /* the kind of value each column's field holds */
    int16_t country2[26 * 26]; /* country codes of two capitals (country2_fill) */
    const char **names; /* each column's name, for messages */
    size_t ncolumns;
    char error[512];
};

levy_batch *levy_batch_new(const levy_policy *policy, const levy_scenario *scenario)
{
    if (!api_policy_valid(policy))
        return NULL;
    if (scenario && scenario->policy != policy)
        return NULL;
    const mem *m = api_policy_mem(policy);
    levy_batch *b = mem_calloc(m, 1, sizeof *b);
    if (!b)
        return NULL;
    b->policy = policy;
    b->scenario = scenario;
    b->prog = api_policy_program(policy);
    b->alloc = *m;
    arena_init(&b->keep, &b->alloc);
    arena_init(&b->row, &b->alloc);
    b->ship = ship_new(&b->keep, b->prog);
    country2_fill(b->prog, b->country2);
    if (!b->ship) {
        levy_batch_free(b);
        return NULL;
    }
    return b;
}

void levy_batch_free(levy_batch *b)
{
    if (!b)
        return;
    arena_free(&b->keep);
    arena_free(&b->row);
    mem m = b->alloc;
    mem_free(&m, b);
}

const char *levy_batch_error(const levy_batch *b)
{
    return b ? b->error : "";
}

size_t levy_batch_column_count(const levy_batch *b)
{
    return b ? b->ncolumns : 0;
}

levy_status levy_batch_bind(levy_batch *b, const char *const *columns, size_t n)
{
    if (!b || (!columns && n))
        return LEVY_ERROR_ARGUMENT;
    b->error[0] = '\0';
    int *field = arena_alloc(&b->keep, (n + 1) * sizeof *field);
    const char **names = arena_alloc(&b->keep, (n + 1) * sizeof *names);
    if (!field || !names)
        return LEVY_ERROR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *name = columns[i];
        names[i] = name ? arena_strdup(&b->keep, name) : "";
        if (!names[i])
            return LEVY_ERROR_NOMEM;
        if (!name || !*name) {
            field[i] = -1;
            continue;
        }
        int f = ship_field_lookup(b->prog, name);
        if (f < 0) {
            snprintf(b->error, sizeof b->error, "column %zu: shipments have no field '%s'",
                     i + 1, name);
            return LEVY_ERROR_ARGUMENT;
        }
        for (size_t k = 0; k < i; k++)
            if (field[k] == f) {
                snprintf(b->error, sizeof b->error, "column %zu: '%s' is also column %zu",
                         i + 1, name, k + 1);
                return LEVY_ERROR_ARGUMENT;
            }
        field[i] = f;
    }
    value_kind *kind = arena_alloc(&b->keep, (n + 1) * sizeof *kind);
    if (!kind)
        return LEVY_ERROR_NOMEM;
    for (size_t i = 0; i < n; i++)
        kind[i] = field[i] < 0 ? V_NONE : ship_field_kind(b->prog, field[i]);
    b->kind = kind;
    b->field = field;
    b->names = names;
    b->ncolumns = n;
    return LEVY_OK;
}

levy_status levy_batch_evaluate(levy_batch *b, const char *const *values, const size_t *lens,
                                size_t n, int explain, levy_result *result)
{
    if (!b || !result || (!values && n))
        return LEVY_ERROR_ARGUMENT;
    b->error[0] = '\0';
    if (!b->field) {
        snprintf(b->error, sizeof b->error, "no columns bound (levy_batch_bind)");
        return LEVY_ERROR_STATE;
    }
    if (n != b->ncolumns) {
        snprintf(b->error, sizeof b->error, "%zu fields where the header has %zu", n,
                 b->ncolumns);
        return LEVY_ERROR_ARGUMENT;
    }
    arena_reset(&b->row);
    ship_clear(b->ship);
    for (size_t i = 0; i < n; i++) {
        int f = b->field[i];
        if (f < 0)
            continue;
        size_t len = lens ? lens[i] : strlen(values[i]);
        if (len == 0)
            continue;
        value v; /* the usual spellings without the general parsers */
        if (value_parse_plain(b->kind[i], b->country2, values[i], len, &v)) {
            b->ship->fields[f] = v;
            continue;
        }
        char why[256];
        if (!ship_set_text(b->ship, b->prog, &b->row, f, values[i], len, why, sizeof why)) {
            snprintf(b->error, sizeof b->error, "%s: %s", b->names[i], why);
            return LEVY_ERROR_ARGUMENT;
        }
    }
    return api_evaluate_shipment(b->policy, b->scenario, b->ship, result, explain != 0);
}

int64_t levy_batch_value(const levy_batch *b)
{
    if (!b || !ship_has(b->ship, F_VALUE))
        return 0;
    return b->ship->fields[F_VALUE].as.num.units;
}
