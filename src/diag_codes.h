/* diag_codes.h - the stable code of every kind of diagnostic.
 *
 * Codes never change meaning once released; doc/diagnostics.md lists each
 * with an example.  E1xx lexical, E2xx syntax, E3xx names, E4xx types,
 * E5xx policy rules, E6xx evaluation, E7xx files and imports, W... warnings.
 */
#ifndef LEVY_DIAG_CODES_H
#define LEVY_DIAG_CODES_H

/* Lexical */
#define D_LEX_STRAY "E101"        /* a character that starts no token */
#define D_LEX_BAD_DATE "E102"     /* 2025-02-30, month 13 */
#define D_LEX_BAD_HS "E103"       /* odd-length or misdotted product code */
#define D_LEX_HS_RANGE "E104"     /* range ends of unequal length, or reversed */
#define D_LEX_BAD_NUMBER "E105"   /* too many decimal places, too large */
#define D_LEX_UNTERMINATED "E106" /* string not closed on its line */
#define D_LEX_BAD_ESCAPE "E107"   /* unknown escape in a string */
#define D_LEX_BAD_MONEY "E108"    /* '$' without an amount */
#define D_LEX_DIRECTIVE "E109"    /* a `# levy:` comment that is not `allow WARNING...` */

/* Syntax */
#define D_SYNTAX "E201"         /* unexpected token; lists what was expected */
#define D_SYNTAX_NESTING "E202" /* brackets nested too deeply */
#define D_BAD_CLAUSE "E203"     /* a clause not allowed in this declaration */
#define D_DUP_CLAUSE "E204"     /* a clause given twice (on, from, base ...) */
#define D_BAD_UNIT "E205"       /* `per X` where X is not a unit */
#define D_BAD_BY "E206"         /* `rate by X` where X is not origin or product */

/* Names */
#define D_UNKNOWN_NAME "E301"  /* unknown name (with a suggestion) */
#define D_DUPLICATE "E302"     /* a name defined twice */
#define D_WRONG_KIND "E303"    /* a name of the wrong kind (a group where a measure is needed) */
#define D_FIELD_OUTSIDE "E304" /* a shipment field outside a shipment context */
#define D_UNKNOWN_FIELD "E305" /* a shipment literal or `with` naming no field */
#define D_RESERVED_NAME "E306" /* declaring a built-in's or a field's name */
#define D_UNKNOWN_SCENARIO "E307"
#define D_UNKNOWN_COMMITMENT "E308"
#define D_UNKNOWN_MEASURE "E309" /* in suspend, replaces, drop, overrides, cap ... */
#define D_CYCLE "E310"           /* a let, group or attribute default defined in terms of itself */

/* Types */
#define D_TYPE_MISMATCH "E401" /* names both types */
#define D_MIXED_SET "E402"     /* countries and products in one set */
#define D_BAD_ARGS "E403"      /* wrong number or types of arguments */
#define D_NOT_CONSTANT "E404"  /* a constant needed (a date of a window) */
#define D_BAD_KEY "E405"       /* a table key of the wrong kind (a code in a by-origin table) */

/* Policy rules */
#define D_REPLACES_CYCLE "E501"
#define D_OVERLAP_WINDOWS "E502" /* rate windows of one measure overlap */
#define D_EMPTY_WINDOW "E503"    /* end before start */
#define D_PAUSE_NO_END "E504"    /* a pause must end */
#define D_GROUP_OVERLAP "E505"   /* two groups in a by-origin table share a country */
#define D_DUP_ENTRY "E506"       /* one key twice in a table */
#define D_IMPORTER "E507"        /* more than one importer */
#define D_MISSING_CLAUSE "E508"  /* a measure without rate, a pause without suspend ... */

/* Evaluation */
#define D_EVAL_CONFLICT "E601"      /* two modifiers disagree */
#define D_EVAL_MISSING_FIELD "E602" /* a field the shipment lacks */
#define D_EVAL_NO_ENTRY "E603"      /* a schedule lookup inside a larger expression found nothing */
#define D_EVAL_ARITH "E604"         /* overflow, division by zero */
#define D_EVAL_SPECIFIC                                                                            \
    "E605"                 /* specific rate without quantity in its unit; - max min on specific */
#define D_EVAL_TYPE "E606" /* a value of the wrong kind at run time (data rows) */
#define D_EVAL_RATE_TEXT "E607"   /* a lookup landed on rate text not understood */
#define D_TEST_FAILED "E608"      /* an expect that did not hold */
#define D_EVAL_INTERRUPTED "E609" /* evaluation stopped on request (Ctrl-C in the REPL) */
#define D_EVAL_LIMIT "E610"       /* out of memory, or evaluation nested too deeply */

/* Files */
#define D_FILE "E701" /* cannot read a file */
#define D_IMPORT_NOT_FOUND "E702"
#define D_SCHEDULE_FILE "E703" /* a schedule CSV that cannot be read */
#define D_READ_OUTSIDE "E704"  /* an import or schedule file outside the folders a policy may read */
#define D_SCHEDULE_TEXT "W703" /* rate text not understood in a schedule CSV */

/* Warnings (each is listed in diag.c's warning_codes, which --allow and
   `# levy: allow` accept) */
#define D_UNUSED "W101"          /* a definition never used */
#define D_NEVER_TOUCHES "W102"   /* a modifier that can never touch its measure */
#define D_ALWAYS_REPLACED "W103" /* a measure replaced wherever it applies */
#define D_MAY_CONFLICT "W104"    /* two modifiers that can conflict */
#define D_REDEFINED "W105"       /* REPL: a name redefined (a note) */

#endif
