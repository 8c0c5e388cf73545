#!/usr/bin/env bash
# The one test command (README): installs what the tiers need, builds, type-checks, then runs
# unit, integration and e2e tiers. A tier whose prerequisites are missing fails; nothing is skipped.
# Prints a closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
# Toolchains the machine installs outside the system PATH (Go, Delve, Rust) must be found also when
# this runs from a non-login shell, as CI does.
for dir in /usr/local/go/bin "$HOME/go/bin" "$HOME/.cargo/bin"; do
  case ":$PATH:" in *":$dir:"*) ;; *) [ -d "$dir" ] && PATH="$PATH:$dir" ;; esac
done
export PATH
root=$(pwd)
tiers=${KMIRROR_TIERS:-"unit integration e2e"}
results=build/test-results
mkdir -p "$results"
rm -f "$results"/*.json

step() { echo; echo "=== $*"; }
fail() { echo "test: $*" >&2; exit 1; }

step "install dependencies"
bash scripts/install-deps.sh || fail "installing dependencies failed"
step "build"
bash scripts/build.sh || fail "build failed"
step "typecheck"
npx tsc --noEmit -p tsconfig.json || fail "type errors"

status=0
for tier in $tiers; do
  step "tier: $tier"
  if [ "$tier" = e2e ]; then
    bash test/cluster/up.sh || { echo "e2e: the test cluster did not come up" >&2; status=1; continue; }
  fi
  npx vitest run --project "$tier" --reporter=default --reporter=json --outputFile="$results/$tier.json" || status=1
  if [ "$tier" = e2e ] && [ -z "${KMIRROR_KEEP_CLUSTER:-}" ]; then bash test/cluster/down.sh || status=1; fi
  [ -f "$results/$tier.json" ] || { echo "tier $tier produced no results" >&2; status=1; }
done

node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + (r.numTodoTests || 0);
    // Name every failure here, at the end, where a truncated CI log still shows it.
    for (const suite of r.testResults || []) {
      const failed = (suite.assertionResults || []).filter((t) => t.status === "failed");
      if (suite.status === "failed" && failed.length === 0) console.log(`FAILED ${file.replace(".json", "")}: ${suite.name}: ${(suite.message || "").split("\n")[0]}`);
      for (const t of failed) console.log(`FAILED ${file.replace(".json", "")}: ${suite.name.replace(process.cwd() + "/", "")} > ${t.fullName}: ${String((t.failureMessages || [""])[0]).split("\n")[0].slice(0, 300)}`);
    }
  }
  if (p + f === 0) { console.log("tests: no test ran"); process.exit(1); }
  console.log(`tests: ${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
  // A skipped or todo test stands in for one that does not pass: it fails the run (project rule).
  if (s) { console.log(`FAILED: ${s} skipped or todo test(s): nothing is skipped here`); process.exit(1); }
' "$root/$results" || status=1
exit $status
