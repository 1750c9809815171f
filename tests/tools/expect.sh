# Sourced by the tool's shell tests: a scratch folder and the checks.
#   expect <exit code> <text in stdout+stderr> -- <command...>
#   check <description> <command...>        the command must succeed
#   finish                                   exit 1 if any check failed
# $work is a fresh folder, removed on exit.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect() {
  local code=$1 text=$2
  shift 3
  "$@" >"$work/out" 2>&1
  local got=$?
  if [ "$got" -ne "$code" ] || ! grep -qF -- "$text" "$work/out"; then
    echo "FAILED: $* (exit $got, wanted $code and '$text'):"
    sed 's/^/    /' "$work/out"
    failures=$((failures + 1))
  else
    echo "ok: $*"
  fi
}

check() {
  local what=$1
  shift
  if "$@" >"$work/check.out" 2>&1; then
    echo "ok: $what"
  else
    echo "FAILED: $what:"
    sed 's/^/    /' "$work/check.out"
    failures=$((failures + 1))
  fi
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
