/* ast.c - node construction and the tree dump used by tests. */
#include "ast.h"

#include <string.h>

node *ast_new(arena *a, node_kind kind, span at)
{
    node *n = arena_alloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->at = at;
    return n;
}

bool ast_push(arena *a, node_list *list, node *n)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 4;
        node **v = arena_alloc(a, cap * sizeof *v);
        if (!v)
            return false;
        if (list->n)
            memcpy(v, list->v, list->n * sizeof *v);
        list->v = v;
        list->cap = cap;
    }
    list->v[list->n++] = n;
    return true;
}

static const char *const kind_names[N_KIND_COUNT] = {
    [N_PROGRAM] = "program",
    [N_IMPORT] = "import",
    [N_IMPORTER] = "importer",
    [N_COUNTRY] = "country",
    [N_GROUP] = "group",
    [N_PRODUCTS] = "products",
    [N_LET] = "let",
    [N_ATTRIBUTE] = "attribute",
    [N_SCHEDULE] = "schedule",
    [N_MEASURE] = "measure",
    [N_PAUSE] = "pause",
    [N_CONCESSION] = "concession",
    [N_COMMITMENT] = "commitment",
    [N_COMMIT] = "commit",
    [N_SCENARIO] = "scenario",
    [N_DROP] = "drop",
    [N_TEST] = "test",
    [N_EXPECT] = "expect",
    [N_UNDER] = "under",
    [N_EXPR_STMT] = "expression-statement",
    [N_ON] = "on",
    [N_FROM] = "from",
    [N_WHEN] = "when",
    [N_RATE] = "rate",
    [N_RATE_BY] = "rate-by",
    [N_BASE] = "base",
    [N_REPLACES] = "replaces",
    [N_CITATION] = "citation",
    [N_SUSPEND] = "suspend",
    [N_SET_TO] = "set",
    [N_CAP] = "cap",
    [N_REDUCE] = "reduce",
    [N_EFFECTIVE] = "effective",
    [N_OVERRIDES] = "overrides",
    [N_ENTRY] = "entry",
    [N_WINDOW] = "window",
    [N_FIELD_INIT] = "field",
    [N_NAME] = "name",
    [N_NUMBER] = "number",
    [N_PERCENT] = "percent",
    [N_MONEY] = "money",
    [N_DATE] = "date",
    [N_DURATION] = "duration",
    [N_STRING] = "string",
    [N_BOOL] = "bool",
    [N_HS] = "hs",
    [N_HS_RANGE] = "hs-range",
    [N_ALL] = "all",
    [N_SET] = "set-literal",
    [N_SPECIFIC] = "specific",
    [N_BINARY] = "binary",
    [N_UNARY] = "unary",
    [N_IF] = "if",
    [N_CALL] = "call",
    [N_DOT] = "dot",
    [N_WITH] = "with",
    [N_SHIPMENT] = "shipment",
};

const char *ast_kind_name(node_kind k)
{
    return k < N_KIND_COUNT && kind_names[k] ? kind_names[k] : "?";
}

const char *op_name(op o)
{
    switch (o) {
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_EQ: return "==";
    case OP_NE: return "!=";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_IN: return "in";
    case OP_EXCEPT: return "except";
    case OP_AND: return "and";
    case OP_OR: return "or";
    case OP_NOT: return "not";
    case OP_NEG: return "-";
    }
    return "?";
}

static const char *const type_names[T_TYPE_COUNT] = {
    [T_UNKNOWN] = "unknown",     [T_BOOL] = "bool",
    [T_NUMBER] = "number",       [T_RATE] = "rate",
    [T_MONEY] = "money",         [T_DATE] = "date",
    [T_DURATION] = "duration",   [T_TEXT] = "text",
    [T_COUNTRY] = "country",     [T_COUNTRY_SET] = "country set",
    [T_PRODUCT] = "product",     [T_PRODUCT_SET] = "product set",
    [T_SHIPMENT] = "shipment",   [T_EXPLANATION] = "explanation",
    [T_TIMELINE] = "timeline",   [T_UNIT] = "unit",
    [T_EMPTY_SET] = "empty set", [T_MEASURE] = "measure",
    [T_MODIFIER] = "modifier",   [T_COMMITMENT] = "commitment",
    [T_SCENARIO] = "scenario",   [T_SCHEDULE] = "schedule",
};

const char *type_name(type t)
{
    return t < T_TYPE_COUNT && type_names[t] ? type_names[t] : "?";
}

bool ast_is_declaration(const node *n)
{
    return n->kind != N_EXPR_STMT && n->kind != N_UNDER;
}

static void dump_value(strbuf *out, const node *n)
{
    char buf[DEC_FMT_MAX];
    switch (n->kind) {
    case N_NUMBER:
        dec_format(n->v.num, 0, buf, sizeof buf);
        sb_printf(out, " %s", buf);
        break;
    case N_PERCENT:
        dec_format_percent(n->v.num, buf, sizeof buf);
        sb_printf(out, " %s", buf);
        break;
    case N_MONEY:
        dec_format_money(n->v.num, buf, sizeof buf);
        sb_printf(out, " %s", buf);
        break;
    case N_DATE: {
        char d[11];
        date_format(n->v.day, d);
        sb_printf(out, " %s", d);
        break;
    }
    case N_DURATION: {
        char d[32];
        duration_format(n->v.dur, d);
        sb_printf(out, " %s", d);
        break;
    }
    case N_HS:
    case N_HS_RANGE: {
        char a[HS_FMT_MAX], b[HS_FMT_MAX];
        hs_format(n->v.hs.lo, a);
        if (n->kind == N_HS_RANGE) {
            hs_format(n->v.hs.hi, b);
            sb_printf(out, " hs %s..%s", a, b);
        } else {
            sb_printf(out, " hs %s", a);
        }
        break;
    }
    case N_BOOL: sb_puts(out, n->flags ? " true" : " false"); break;
    case N_BINARY:
    case N_UNARY: sb_printf(out, " %s", op_name((op)n->flags)); break;
    case N_WINDOW: {
        static const char *const w[] = { "from", "until", "through", "for" };
        sb_printf(out, " %s", w[n->flags & 3]);
        break;
    }
    case N_RATE_BY: sb_puts(out, n->flags == BY_ORIGIN ? " by origin" : " by product"); break;
    case N_SUSPEND:
        if (n->flags & SUSPEND_ALL)
            sb_puts(out, " all");
        break;
    default: break;
    }
}

static void dump(strbuf *out, const node *n, int depth, const char *role)
{
    sb_printf(out, "%*s", depth * 2, "");
    if (role)
        sb_printf(out, "%s: ", role);
    if (!n) {
        sb_puts(out, "-\n");
        return;
    }
    sb_printf(out, "%s", ast_kind_name(n->kind));
    if (n->name)
        sb_printf(out,
                  n->kind == N_STRING || n->kind == N_CITATION || n->kind == N_TEST ? " \"%s\""
                                                                                    : " %s",
                  n->name);
    if (n->desc)
        sb_printf(out, " \"%s\"", n->desc);
    dump_value(out, n);
    sb_printf(out, " @%d:%d-%d:%d\n", n->at.first_line, n->at.first_column, n->at.last_line,
              n->at.last_column);
    if (n->a)
        dump(out, n->a, depth + 1, "a");
    if (n->b)
        dump(out, n->b, depth + 1, "b");
    if (n->c)
        dump(out, n->c, depth + 1, "c");
    for (size_t i = 0; i < n->items.n; i++)
        dump(out, n->items.v[i], depth + 1, NULL);
}

void ast_format(strbuf *out, const node *n)
{
    dump(out, n, 0, NULL);
}

void ast_dump(FILE *out, const node *n)
{
    strbuf sb;
    sb_init(&sb, NULL); /* a debugging aid of the program's, not the library's */
    ast_format(&sb, n);
    fwrite(sb_cstr(&sb), 1, sb.len, out);
    sb_free(&sb);
}
