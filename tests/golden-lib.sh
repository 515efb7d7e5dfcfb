# golden-lib.sh: what golden tests have in common, sourced by
# tests/golden/golden.tap (programs) and tests/repl/sessions.tap (REPL
# scripts).
#
# A golden test is one file, found by walking its folder: what running it
# prints (stdout and stderr together, then a last line "[exit N]") must be
# exactly its expected output, the file NAME.expected beside it or the
# test's own `# expect:` lines (tests/README.md describes both).  Each test
# is one TAP result, so the harness counts them one by one; a failure shows
# the diff as TAP diagnostics.
#
# The sourcing script defines
#     golden_run DIR NAME     print the output of DIR/NAME.EXT, from inside DIR
# and then calls
#     golden_main FOLDER EXT [--update] [NAME...]
# NAMEs are paths below FOLDER without the extension (check/field_outside),
# or the test files themselves; none means every test.  --update writes the
# expected output of each NAME (of every test, if none) instead of
# comparing.  LEVY names the levy program (default: src/levy of an in-tree
# build); the harness sets it.

# golden_main FOLDER EXT [--update] [NAME...]
golden_main() {
    golden_folder=$(cd "$1" && pwd -P) || exit 99
    golden_ext=$2
    shift 2
    golden_update=no
    if [ "${1:-}" = --update ]; then
        golden_update=yes
        shift
    fi
    : "${LEVY:=$golden_folder/../../src/levy}" # an in-tree build
    case $LEVY in
    /*) ;;
    *) LEVY=$(pwd)/$LEVY ;;
    esac
    if [ ! -x "$LEVY" ]; then
        echo "Bail out! no levy program at $LEVY (set LEVY)"
        exit 99
    fi
    export LEVY

    golden_work=$(mktemp -d) || exit 99
    trap 'rm -rf "$golden_work"' EXIT
    if [ $# -eq 0 ]; then
        golden_all_tests >"$golden_work/list"
    else
        for arg in "$@"; do golden_name "$arg"; done >"$golden_work/list"
    fi

    count=0
    failed=0
    while read -r name <&3; do
        count=$((count + 1))
        if [ $golden_update = yes ]; then
            golden_write "$name" || failed=$((failed + 1))
        else
            golden_compare "$count" "$name" || failed=$((failed + 1))
        fi
    done 3<"$golden_work/list"
    if [ $golden_update = no ]; then
        if [ $# -eq 0 ]; then
            count=$((count + 1))
            golden_orphans "$count" || failed=$((failed + 1))
        fi
        echo "1..$count"
    fi
    [ $failed -eq 0 ]
}

# Every test below the folder, as names, in a stable order.
golden_all_tests() {
    (cd "$golden_folder" && find . -name "*.$golden_ext" -type f) |
        sed -e 's|^\./||' -e "s|\\.$golden_ext\$||" | LC_ALL=C sort
}

# golden_name ARG: the test's name, ARG being a name or the test's file.
golden_name() {
    name=${1%".$golden_ext"}
    if [ -f "$name.$golden_ext" ]; then
        abs=$(cd "$(dirname "$name")" && pwd -P)/$(basename "$name")
        case $abs in
        "$golden_folder"/*) name=${abs#"$golden_folder"/} ;;
        esac
    fi
    echo "$name"
}

# golden_actual NAME: runs the test into $golden_work/actual; false if it
# does not exist.
golden_actual() {
    file="$golden_folder/$1.$golden_ext"
    if [ ! -f "$file" ]; then
        return 1
    fi
    golden_run "$(dirname "$file")" "$(basename "$1")" </dev/null >"$golden_work/actual" 2>&1
}

# True when the test has `# expect:` lines.
golden_has_lines() {
    grep -q '^# expect:' "$golden_folder/$1.$golden_ext"
}

# golden_expected_lines NAME: the output its `# expect:` lines say, with
# "[exit 0]" after them unless they end with an "[exit N]" line.
golden_expected_lines() {
    sed -n 's/^# expect: \{0,1\}//p' "$golden_folder/$1.$golden_ext" >"$golden_work/expected"
    if ! tail -n 1 "$golden_work/expected" | grep -q '^\[exit [0-9]*\]$'; then
        echo "[exit 0]" >>"$golden_work/expected"
    fi
}

# golden_compare N NAME: one TAP result.
golden_compare() {
    n=$1
    name=$2
    expected="$golden_folder/$name.expected"
    if ! golden_actual "$name"; then
        echo "not ok $n - $name: no such test ($golden_folder/$name.$golden_ext)"
        return 1
    fi
    if [ -f "$expected" ] && golden_has_lines "$name"; then
        echo "not ok $n - $name: both $name.expected and # expect: lines; keep one"
        return 1
    elif golden_has_lines "$name"; then
        golden_expected_lines "$name"
        expected="$golden_work/expected"
    elif [ ! -f "$expected" ]; then
        echo "not ok $n - $name: no expected output; its output is:"
        sed 's/^/# /' "$golden_work/actual"
        echo "# (write it with --update, see tests/README.md)"
        return 1
    fi
    if cmp -s "$expected" "$golden_work/actual"; then
        echo "ok $n - $name"
        return 0
    fi
    echo "not ok $n - $name"
    diff -u "$expected" "$golden_work/actual" | sed 's/^/# /'
    return 1
}

# golden_write NAME: writes NAME.expected; a test with `# expect:` lines is
# left alone, its output shown as such lines to paste.
golden_write() {
    name=$1
    if ! golden_actual "$name"; then
        echo "no such test: $golden_folder/$name.$golden_ext" >&2
        return 1
    fi
    if golden_has_lines "$name"; then
        echo "$name has # expect: lines, not changed; its output as such lines:"
        awk '{ print ($0 == "" ? "# expect:" : "# expect: " $0) }' "$golden_work/actual" |
            sed '$ { /^# expect: \[exit 0\]$/d; }'
        return 0
    fi
    cat "$golden_work/actual" >"$golden_folder/$name.expected"
    echo "updated $golden_folder/$name.expected"
}

# golden_orphans N: one TAP result, that every NAME.expected has its test
# (one left behind by a renamed or deleted test tests nothing).
golden_orphans() {
    orphans=$(cd "$golden_folder" && find . -name '*.expected' -type f | LC_ALL=C sort |
        while read -r f; do
            if [ ! -f "${f%.expected}.$golden_ext" ]; then echo "${f#./}"; fi
        done)
    if [ -z "$orphans" ]; then
        echo "ok $1 - every .expected has its .$golden_ext"
        return 0
    fi
    echo "not ok $1 - every .expected has its .$golden_ext"
    echo "$orphans" | sed 's/^/# no test for /'
    return 1
}
