#!/usr/bin/env python3
"""gen-diagnostics-doc.py: writes doc/diagnostics.md from src/diag_codes.h's
codes and the golden tests that show each one (tests/golden/check/ and
tests/golden/run/), so the examples in the documentation are real outputs.

Run from anywhere after regenerating the golden .expected files:
    python3 tests/golden/check/gen-diagnostics-doc.py
`--check` (run by make check) only compares, and fails if the doc differs.
It fails if a code of src/diag_codes.h is not described here.
"""
import re, os, sys
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
G = os.path.join(ROOT, "tests", "golden")
HDR = re.compile(r'^\S+:\d+:\d+: (error|warning)(\[[EW]\d+\])?: ')

def blocks(text):
    out, cur = [], []
    for line in text.splitlines():
        if HDR.match(line) or line.startswith('[exit') or line.startswith('levy: '):
            if cur: out.append(cur)
            cur = [line] if not line.startswith('[exit') else []
            continue
        if cur:
            cur.append(line)
        # other output (values printed by `levy run`) ends a block
    if cur: out.append(cur)
    return out

def block_for(test, needle):
    exp = open(f"{G}/{test}.expected").read()
    for b in blocks(exp):
        if needle in b[0]:
            # drop output lines that are not diagnostics (values printed by run)
            keep = []
            for l in b:
                if HDR.match(l) or re.match(r'^\s+\d* \|', l) or re.match(r'^\S+:\d+:\d+: note: ', l):
                    keep.append(l)
                else:
                    break
            return "\n".join(keep)
    raise SystemExit(f"no block with {needle!r} in {test}")

def program(test):
    return open(f"{G}/{test}.levy").read().rstrip("\n")

E = []  # (code, name, meaning, test, needle) or (code, name, meaning, None, literal)
EXTRA = {}  # code -> a paragraph printed after the meaning
def e(code, name, meaning, test=None, needle=None, literal=None, prog=None, extra=None):
    E.append((code, name, meaning, test, needle, literal, prog))
    if extra:
        EXTRA[code] = extra

# Lexical
e("E101", "D_LEX_STRAY", "a character that starts no token (outside strings and comments)", "check/lex_stray_character", "unexpected character")
e("E102", "D_LEX_BAD_DATE", "a date that does not exist: 2025-02-30, month 13", "check/lex_bad_date", "invalid date")
e("E103", "D_LEX_BAD_HS", "a product code that is not 2, 4, 6, 8 or 10 digits, has a dot out of place, or `hs` with no code", "check/lex_bad_product_code", "invalid product code")
e("E104", "D_LEX_HS_RANGE", "a range whose ends differ in length, or whose start comes after its end", "check/lex_range_lengths", "different lengths")
e("E105", "D_LEX_BAD_NUMBER", "a number, percentage or amount with more than 6 decimal places or too large to hold", "check/lex_bad_number", "invalid number")
e("E106", "D_LEX_UNTERMINATED", "a string not closed on the line it starts", "check/lex_unterminated_string", "unterminated string")
e("E107", "D_LEX_BAD_ESCAPE", "an escape other than `\\\"`, `\\\\`, `\\n`, `\\t` in a string", "check/lex_bad_escape", "unknown escape")
e("E108", "D_LEX_BAD_MONEY", "`$` not followed by an amount", "check/lex_dollar_alone", "must be followed by an amount")
e("E109", "D_LEX_DIRECTIVE", "a `# levy:` comment line that is not `# levy: allow` and warning codes: an unknown directive, no code, a code that is no warning, or an error's code (errors cannot be silenced)", "check/allow_directive_bad", "is an error, and errors cannot")
# Syntax
e("E201", "D_SYNTAX", "a token where it cannot be; the message lists what could have come instead, and says which bracket is still open. Parsing resumes at the next declaration, so each broken declaration gets its own error", "check/syn_several_errors", "expected an expression before '='")
e("E202", "D_SYNTAX_NESTING", "an expression nested more than 1000 levels deep, counting the lets it uses (`1+1+1+...` with thousands of terms), or brackets, `not`, `-` or `if` nested too deeply to read; split it with lets",
  literal="policy.levy:1:9: error[E202]: this expression is nested too deeply (more than 1000 levels, counting the lets it uses): split it with lets",
  prog="let x = 1+1+1+1+ ... (thousands of terms)")
e("E203", "D_BAD_CLAUSE", "a clause that the declaration does not take (`base` in a pause, `cap` in a pause, `rate` in a concession, `effective` in a measure), a declaration that a scenario cannot hold (import, importer, country, attribute, scenario, test), or an `under` block inside another", "check/rule_base_in_pause", "'base' is not allowed")
e("E204", "D_DUP_CLAUSE", "a clause that may appear once given twice: `on`, `from`, `when`, `base`, `citation`, and `effective` of a pause or concession", "check/rule_two_on", "takes one 'on'")
e("E205", "D_BAD_UNIT", "`per X` where X is not one of Levy's units (kg, l, item, pair, doz, m2, m3, t, bbl, gross, thousand, pf_l)", "check/name_unknown_unit", "unknown unit")
e("E206", "D_BAD_BY", "`rate by X` where X is neither `origin` nor `product`", "check/syn_bad_rate_by", "a rate table is")
# Names
e("E301", "D_UNKNOWN_NAME", "a name that is not declared (with a suggestion when one is close); `unknown country` in a country context, `unknown function` for a call; also an unknown attribute type", "check/name_unknown_country", "unknown country")
e("E302", "D_DUPLICATE", "a name declared twice (one namespace for all declarations); a scenario's declaration reusing a global name; a test's `let` reusing a visible name; two tests with one title", "check/name_duplicate", "already defined")
e("E303", "D_WRONG_KIND", "a name of the wrong kind: a group where a measure is needed, a measure used as a value, a unit outside `per`/`unit`, a built-in function not called, `drop` of a scenario's own declaration", "check/name_wrong_kind_suspend", "is a group, not a measure")
e("E304", "D_FIELD_OUTSIDE", "a shipment field, a let that uses one (a derived field), a schedule name or `has()` where there is no shipment: only `when`, `rate`, `base`, the rates of pauses and concessions, attribute defaults and lets outside tests have one", "check/field_outside", "is a shipment field")
e("E305", "D_UNKNOWN_FIELD", "a shipment literal, `with`, `.field` or `has()` naming no field or attribute", "check/field_unknown_in_literal", "no field")
e("E306", "D_RESERVED_NAME", "declaring the name of a shipment field (origin, via, product, value, quantity, unit, loaded, entered) or of a built-in function (has, duty, effective_rate, explain, applies, commits, max, min, timeline)", "check/name_reserved_field", "cannot be declared")
e("E307", "D_UNKNOWN_SCENARIO", "`under NAME` where NAME is no scenario", "check/name_unknown_scenario", "unknown scenario")
e("E308", "D_UNKNOWN_COMMITMENT", "`commit ... to NAME` or `commits(c, NAME)` where NAME is no commitment", "check/name_unknown_commitment", "unknown commitment")
e("E309", "D_UNKNOWN_MEASURE", "an unknown measure in `suspend`, `replaces`, `set`, `cap`, `reduce` or `applies()`; an unknown pause or concession in `overrides`; an unknown measure, pause or concession in `drop`", "check/name_unknown_measure_replaces", "unknown measure")
e("E310", "D_CYCLE", "a let, group, product set or attribute default defined in terms of itself, directly or through others", "check/name_let_cycle", "defined in terms of itself")
# Types
e("E401", "D_TYPE_MISMATCH", "an expression of the wrong type; the message names both types", "check/type_add_rate_date", "cannot add")
e("E402", "D_MIXED_SET", "countries and products in one set, or `except` between sets of the two kinds", "check/type_mixed_set", "cannot put")
e("E403", "D_BAD_ARGS", "a built-in called with the wrong number of arguments, `has()` given something other than a field name, `commits()` without a date where there is no shipment", "check/type_max_arity", "takes at least 2")
e("E404", "D_NOT_CONSTANT", "a window whose dates are not constant (they must be dates, lets of dates, or a date plus or minus a duration), or that would end after 9999-12-31", "check/rule_window_not_constant", "must be a constant")
e("E405", "D_BAD_KEY", "a table key of the wrong kind: a product code in a `rate by origin` table, a name in a `rate by product` table, a range in a schedule", "check/rule_origin_key_code", "keyed by countries")
# Policy rules
e("E501", "D_REPLACES_CYCLE", "a measure that replaces itself, directly or round a cycle of `replaces`", "check/rule_replaces_cycle", "cycle")
e("E502", "D_OVERLAP_WINDOWS", "two rate clauses of one measure in force on the same day (a clause with no window is always in force)", "check/rule_overlap", "overlap")
e("E503", "D_EMPTY_WINDOW", "a window that holds no day: it ends before it starts, `until` its own start day, or `for 0 days`", "check/rule_empty_until", "empty window")
e("E504", "D_PAUSE_NO_END", "a pause with no `effective` window, or one with no end (`until`, `through` or `for`)", "check/rule_pause_no_end", "a pause must end")
e("E505", "D_GROUP_OVERLAP", "two groups of one `rate by origin` table sharing a country the table does not list by itself", "check/rule_group_overlap", "overlap in this table")
e("E506", "D_DUP_ENTRY", "a key twice in a table (or overlapping codes of equal length), a field twice in a shipment", "check/rule_duplicate_origin", "listed twice")
e("E507", "D_IMPORTER", "more than one `importer` declaration", "check/name_importer_twice", "one importer")
e("E508", "D_MISSING_CLAUSE", "a measure without a rate, a pause that suspends nothing, a concession that changes nothing", "check/rule_measure_no_rate", "has no rate")
# Evaluation
e("E601", "D_EVAL_CONFLICT", "two active modifiers that would make one measure charge different rates, neither overriding the other", "run/err_conflict", "conflicting modifiers")
e("E602", "D_EVAL_MISSING_FIELD", "evaluation needs a field the shipment lacks; the error names the field and the clause. A shipment without `origin`, `product` or `entered` is this error at the call of `rate`, `duty`, `effective_rate`, `explain` or `applies` (`timeline` supplies `entered`), before any measure is looked at (`tests/golden/run/err_needs.levy`)", "run/err_missing_field", "has no 'loaded'")
e("E603", "D_EVAL_NO_ENTRY", "a schedule lookup inside a larger expression, or a schedule named as the entry of a table, that finds no entry for the product", "run/err_no_entry", "has no rate for")
e("E604", "D_EVAL_ARITH", "division by zero, or a result too large to hold", "run/err_arith", "division by zero")
e("E605", "D_EVAL_SPECIFIC", "a specific rate without a quantity in its unit, or `-`, `max`, `min` on a specific rate", "run/err_specific", "is defined on ad valorem rates only")
e("E606", "D_EVAL_TYPE", "a value of the wrong kind at run time; in a program that checked clean this comes only from data read at run time, such as a bad field of an input row", literal=None)
e("E607", "D_EVAL_RATE_TEXT", "a lookup that lands on schedule rate text Levy does not understand", "run/err_rate_text", "which Levy does not understand")
e("E608", "D_TEST_FAILED", "an `expect` that did not hold; notes show both sides", "run/err_expect", "expect failed")
e("E609", "D_EVAL_INTERRUPTED", "evaluation stopped on request (Ctrl-C in the REPL)", literal="levy: error[E609]: interrupted", prog="(any long evaluation, interrupted)")
e("E610", "D_EVAL_LIMIT", "evaluation ran out of memory or nested too deeply", literal="levy: error[E610]: evaluation nests too deeply", prog="(an evaluation past the limits)")
# Files
e("E701", "D_FILE", "a file that cannot be read (a policy named on the command line, a library)",
  extra="A file named on the command line that cannot be read ends the command with exit status 2\n"
        "(a usage error), the message on standard error (an E701 diagnostic with `--format=json`\n"
        "or `github`); a library that cannot be read is an error of the policy, exit status 1.\n",
  literal="levy: cannot read missing.levy: No such file or directory", prog="$ levy check missing.levy")
e("E702", "D_IMPORT_NOT_FOUND", "an `import` that finds no file; for `import NAME` a note lists the folders searched (the importing file's, then LEVY_PATH / -I, then the standard library)", "check/file_import_path_missing", "cannot find library")
e("E703", "D_SCHEDULE_FILE", "a schedule file that cannot be read", "run/err_schedule_file", "cannot read schedule")
e("E704", "D_READ_OUTSIDE", "an `import` or a `schedule ... from` file outside the folders a policy may read: the folder of the file named on the command line and below it, the search path (LEVY_PATH, -I) and the standard library; symbolic links are followed first. The file is not opened. `--allow-read DIR` allows another folder (`levy_config.allow_read` for a host; a host's import loader alone decides what its imports read)", "check/read_outside", "outside the policy")
e("W703", "D_SCHEDULE_TEXT", "rows of a schedule file whose rate text Levy does not understand (never read as zero)", "run/err_rate_text", "rate text that Levy does not understand")
# Warnings
e("W101", "D_UNUSED", "a let, group, product set, schedule or commitment of a file you named that nothing uses (files of definitions only, such as libraries, are not warned about)", "check/warn_unused", "unused let")
e("W102", "D_NEVER_TOUCHES", "a pause or concession naming a measure it can never apply to: their windows never meet, or their `from` scopes share no country", "check/warn_never_touches", "can never touch")
e("W103", "D_ALWAYS_REPLACED", "a measure replaced wherever it applies: another measure `replaces` it on every product, origin and date it could charge, so it never charges anything; reported only when that is certain (see the notes below)", "check/warn_always_replaced", "is replaced by")
e("W104", "D_MAY_CONFLICT", "two pauses or concessions that can make one measure charge different rates on the same shipment, neither overriding the other; a note gives a shipment on which they do, neither dropped by an active modifier that overrides it, which evaluation would stop with E601", "check/warn_may_conflict", "can conflict")
e("W105", "D_REDEFINED", "in the REPL, a name redefined at the prompt. Reserved", literal=None)

groups = [("E1", "Lexical errors"), ("E2", "Syntax and clauses"), ("E3", "Names"), ("E4", "Types"),
          ("E5", "Policy rules"), ("E6", "Evaluation"), ("E7", "Files"), ("W7", "Files"), ("W1", "Warnings")]

SILENCING = """
## Silencing warnings

A warning can be silenced by its code; an error cannot.

- On the command line, `--allow CODE` (or `-A CODE`) silences warning `CODE` for
  `levy check`, `levy run`, `levy test` and `levy repl`: `levy check --allow W104
  policy.levy`. Repeat it, or list codes with commas: `-A W101,W104`. Naming an error's
  code (`--allow E301`) or a code that is no warning is a usage error, exit status 2.
- In a file, a comment line `# levy: allow W104` (several codes: `# levy: allow W101,
  W104`) silences those warnings **in the whole file it is in**, wherever the line is;
  warnings located in other files are not affected. A `# levy:` line that is not
  understood is E109. In the REPL, use `--allow` (a directive typed at the prompt
  covers only that input).

A silenced warning is not reported in any format and not counted, so `--werror` does
not fail on it.

"""

out = []
out.append("# Diagnostics\n")
out.append("Every diagnostic Levy reports has a stable code: `E` for errors, `W` for warnings.\n"
           "Codes never change meaning once released (`src/diag_codes.h` is the list). The text\n"
           "format shows the code beside the severity, `error[E301]: unknown name 'x'`, then the\n"
           "source line and a caret under the place; `--format=json` and `--format=github` carry\n"
           "it in a field of its own.\n\n"
           "Errors make `levy check` exit with status 1; warnings do not, unless `--werror`.\n"
           "At most 100 errors and 100 warnings are shown: the next one says `too many errors;\n"
           "giving up after the first 100` (or warnings), and the rest are counted but not shown.\n"
           "What a diagnostic echoes of the source is shown escaped, so that a file cannot send\n"
           "escape sequences to the terminal: a control byte as `\\x1b`, a byte that is not UTF-8\n"
           "as `\\xff`, an invisible or reordering character (a byte-order mark, a zero-width\n"
           "space, the bidi controls) as `\\u{feff}`; the caret counts the columns of the escapes.\n"
           "After a lexical or syntax error in a file, nothing of that file is checked, so the\n"
           "errors below E300 come alone. Unknown names are not reported while a file of the\n"
           "program did not parse, since it may be the one that declares them.\n\n"
           "The examples are Levy's own tests (`tests/golden/`): each shows a program and what\n"
           "`levy check` (or, for evaluation errors, `levy run`) prints for it.\n")
out.append("| code | meaning |\n|---|---|")
for code, name, meaning, *_ in E:
    out.append(f"| [{code}](#{code.lower()}) | {meaning.split('; ')[0]} |")
out.append("")
last = None
for code, name, meaning, test, needle, literal, prog in E:
    g = next(t for p, t in groups if code.startswith(p))
    if g != last:
        out.append(f"\n## {g}\n")
        last = g
    out.append(f"### {code}\n")
    if code in EXTRA:
        out.append(f"`{name}`: {meaning}.\n{EXTRA[code]}")
    else:
        out.append(f"`{name}`: {meaning}.\n")
    if test:
        out.append(f"```levy-fragment\n{program(test)}\n```\n")
        out.append(f"```\n{block_for(test, needle)}\n```\n")
        out.append(f"(`tests/golden/{test}.levy`)\n")
    elif literal:
        out.append(f"```\n{prog}\n```\n")
        out.append(f"```\n{literal}\n```\n")
out.append(SILENCING.rstrip("\n"))
out.append("""
## Notes on the checks

- **Shipment contexts.** A shipment's fields (and attributes) can be used in `when`,
  `rate` (and the values of `rate by` tables), `base`, the rates of pauses and
  concessions (`suspend M to R`, `set M to R`, `cap M at R`, `reduce M by R`),
  attribute defaults, and lets outside tests. A let that uses a field is a *derived
  field*: it can be used only where fields can. A schedule's name stands for the
  shipment's rate in it, and `has(F)` asks about the shipment, so both follow the same
  rule. `commits(c, C)` takes the shipment's `entered` date where there is a shipment;
  elsewhere it needs its third argument (E403). `on` and `from` are static sets: no
  fields there.
- **Scenarios** may hold groups, product sets, lets, schedules, measures, pauses,
  concessions, commitments and commits, and `drop`. Their names are their own: visible
  inside the scenario and in `under` blocks naming it, and they may not reuse a name
  of the policy (E302); to change a measure, drop it and declare the new one under a
  new name. `drop` takes measures, pauses and concessions of the policy (not lets or
  schedules, which other declarations may use). `under` blocks do not nest.
- **Tests.** A `let` in a test (or an `under` block) is visible after it, to the end of
  its block, and may not reuse a visible name. A library's tests and top-level
  statements are neither run nor checked.
- **Windows** are constant: dates, lets of dates, and a date plus or minus a duration
  (`effective start until start + 4 weeks`). `for` takes a duration. A measure's rate
  windows may not overlap, and a rate with no window is always in force. A pause's
  window must end.
- **`replaces` cycles** count only when all their edges hold on one day: `a replaces b
  effective 2025-03-04 until 2025-06-04` and `b replaces a effective 2025-06-04` take
  turns and are fine.
- **Tables.** A `rate by origin` table is keyed by countries and groups; a country
  listed by itself wins over a group that has it, and two groups may not share a
  country that is not listed by itself. A `rate by product` table is keyed by codes
  and ranges; a schedule by single codes. Keys of one length may not overlap.
- **Suggestions** ("did you mean") are names within two edits (one for names of up
  to three letters) or equal but for case, preferring the kind the place needs and the
  names the policy itself uses. A suggested name does not count as unused.
- **Unused definitions** (W101) are reported for lets, groups, product sets, schedules
  and commitments declared at the top level of a file named on the command line,
  and only when that file uses things (has measures, pauses, concessions, commits,
  scenarios, tests or statements): a file of definitions is a library.
- **Always replaced** (W103) is reported only when it is certain from constants: the
  replacing measure has no `when`, its `on` and `from` hold the other's, each of the
  other's rate windows lies in the window of the `replaces` clause and in rate windows
  of the replacing measure whose rates cannot come up empty (a schedule's name, or a
  table without an entry for every product or origin of the other measure, can), no
  scenario drops the replacing measure, and no pause or concession can suspend it
  while the other is in force (a suspended measure replaces nothing). The replaced
  measure's own `when` and tables only narrow where it applies.
- **Modifiers that can conflict** (W104): two active pauses or concessions acting on
  one measure, with windows that overlap, `on` and `from` scopes that meet each other
  and the measure's, and neither naming the other in `overrides`. Actions that end in
  the same charge whatever the measure's rate are no conflict: two plain suspensions,
  `set` (or `suspend ... to`) at rates written alike, two caps or two reductions by
  the same rate. Where the measure's rate is a constant percentage (a `rate` or an
  entry of a `rate by` table), the charges are worked out, so `cap M at 10%` and
  `set M to 10%` on a measure charging 24% do not conflict. A `when` clause does not
  stop the warning: the example shipment's note then says whose `when` it must meet.
  The example is the first country of the shared scope (in the order countries are
  declared, restricted to a `rate by origin` table's entries), the first product
  code of the shared products from chapter 01 on, and the first day both are
  active. A scenario's own modifiers are checked against each other and against the
  policy's modifiers it does not drop.
- **Nesting.** An expression may nest at most 1000 levels, counting the lets it uses
  (E202).
""")
codes = re.findall(r'"([EW]\d+)"', open(os.path.join(ROOT, "src", "diag_codes.h")).read())
missing = sorted(set(codes) - {c[0] for c in E})
if missing:
    raise SystemExit("codes without a description: " + ", ".join(missing))
text = "\n".join(out)
doc = os.path.join(ROOT, "doc", "diagnostics.md")
if "--check" in sys.argv[1:]:
    # make check: the committed doc must be what this script writes, so that a
    # hand edit (or a new code) goes into the table above, not only into the doc.
    if open(doc).read() != text:
        raise SystemExit("doc/diagnostics.md differs from what "
                         "tests/golden/check/gen-diagnostics-doc.py writes: put the change "
                         "in the script's table and run it")
    print("doc/diagnostics.md is up to date:", len(E), "codes")
else:
    open(doc, "w").write(text)
    print("doc/diagnostics.md:", len(E), "codes")
