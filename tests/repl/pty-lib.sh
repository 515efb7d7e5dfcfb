# pty-lib.sh: sourced by tests/repl/*.test, which drive `levy repl` in a
# pseudo-terminal.
#
# It makes a scratch folder the current folder and $HOME (removed on exit),
# with the REPL's history in $work/history, and defines:
#
#   drive [ARGS...] <<'EOF'      run `$LEVY repl ARGS` in a terminal and
#   expect levy>                 follow the steps on standard input (see
#   line rate(toy)               tests/repl/pty-driver.c for the steps)
#   ...
#   EOF
#
#   drive_command COMMAND...     the same for another command
#
# The test is skipped (77) when the driver was not built.  PTY_TIMEOUT
# sets how long each step may wait (30 s); PTY_VERBOSE=1 shows everything
# the program writes, on stderr.
set -u
: "${LEVY:?LEVY must name the levy program}"
: "${LEVY_BUILDDIR:?LEVY_BUILDDIR must name the build tree}"
driver=$LEVY_BUILDDIR/tests/repl/pty-driver
if [ ! -x "$driver" ]; then
    echo "SKIP: $driver was not built (no forkpty)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
HOME=$work
LEVY_HISTORY=$work/history
TERM=xterm
export HOME LEVY_HISTORY TERM
unset LEVY_PATH EDITRC
cd "$work" || exit 99

# Generous: the suite may run under valgrind or sanitizers.
timeout=${PTY_TIMEOUT:-30}

drive() {
    "$driver" -t "$timeout" ${PTY_VERBOSE:+-v} - -- "$LEVY" repl "$@"
}

drive_command() {
    "$driver" -t "$timeout" ${PTY_VERBOSE:+-v} - -- "$@"
}
