#!/usr/bin/env bash
# Usage: engram_cli_test.sh <engram binary> <configs folder>
# Each check runs a command and asserts its exit code and output.
set -u
engram=$1
configs=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# expect <exit code> <text that must appear in stdout+stderr> -- <command...>
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

cd "$work"  # no ./config/engram.yaml here: the embedded default applies
expect 0 "memory" -- "$engram" plugins
expect 0 "pattern_ttl" -- "$engram" plugins --describe memory
expect 1 "no plugin \`nosuch\` found" -- "$engram" plugins --describe nosuch
expect 0 "OK  embedded default" -- "$engram" check
expect 1 "misspelled.yaml:4:1: unknown key \`role\`; did you mean \`roles\`?" -- \
  "$engram" check --config "$configs/misspelled.yaml"
expect 1 "bad_option.yaml:5:5: unknown option \`patern_ttl\`" -- \
  "$engram" check --config "$configs/bad_option.yaml"
expect 1 "did you mean \`pattern_ttl\`?" -- "$engram" check --config "$configs/bad_option.yaml"
ENGRAM_CONFIG="$configs/misspelled.yaml" expect 1 "misspelled.yaml:4:1" -- "$engram" check
expect 1 "cannot read" -- "$engram" check --config "$work/missing.yaml"
expect 0 "every record read back as stored" -- "$engram" demo --steps 3
expect 2 "" -- "$engram" demo --steps 0
expect 2 "" -- "$engram" nosuchcommand
expect 2 "" -- "$engram"
for command in demo plugins check; do
  expect 0 "--config" -- "$engram" "$command" --help
done

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all engram command checks passed"
