#!/usr/bin/env bash
# The whole test suite, set-up included: unit tests and end-to-end tests that drive the
# real `rkt` as root. Ends with a line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
# The tests run on rkt-ts's own runtime (scripts/install-node.sh), as rkt does.
export PATH="$PWD/runtime/node/bin:$PATH"

results=$(mktemp /tmp/rkt-test-results.XXXXXX.json)
pnpm exec vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
status=$?
summary=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + (r.numRuntimeErrorTestSuites || 0)} failed`);
' "$results" 2>/dev/null) || summary="0 passed, 1 failed"
rm -f "$results"
echo "$summary"
case "$summary" in *" 0 failed") exit "$status" ;; *) exit 1 ;; esac
