#!/usr/bin/env bash
# The one test command (README command 2 ends here): system packages → lint → format → typecheck →
# generated-artefact check → unit → integration → build → e2e, then one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

RESULTS_DIR="$(pwd)/.test-results"
rm -rf "$RESULTS_DIR" && mkdir -p "$RESULTS_DIR"
export PKI_TEST_RESULTS_DIR="$RESULTS_DIR"

step() { printf '\n=== %s ===\n' "$1"; }

step "system packages"
bash scripts/install-system-deps.sh

step "build shared types"
pnpm --filter @pki/shared build

step "lint"
pnpm lint

step "format (prettier --check; pnpm format fixes it)"
pnpm format:check

step "typecheck"
pnpm typecheck

step "generated artefacts (drizzle migrations match the schema)"
bash scripts/check-generated.sh

vitest_json() { printf -- '--reporter=default --reporter=json --outputFile.json=%s/%s.json' "$RESULTS_DIR" "$1"; }

step "unit tests: shared"
(cd shared && pnpm exec vitest run $(vitest_json shared))
step "unit tests: backend"
(cd backend && pnpm exec vitest run --project unit $(vitest_json backend-unit))
step "unit tests: frontend"
(cd frontend && pnpm exec vitest run $(vitest_json frontend))

step "integration tests: backend (PyKMIP, SoftHSM2, openssl, certtool)"
(cd backend && pnpm exec vitest run --project integration $(vitest_json backend-integration))

step "build"
pnpm build
# Test helpers live in test/ or in testing/ folders that tsconfig.build.json leaves out.
if test_built="$(find backend/dist \( -path '*/testing/*' -o -name '*.test.js' -o -name '*.contract.js' -o -path '*/__fixtures__/*' \) -print -quit)" && [ -n "$test_built" ]; then
  echo "test code was built into backend/dist: $test_built" >&2
  exit 1
fi

step "e2e tests (Chromium)"
(cd e2e && pnpm exec vitest run $(vitest_json e2e))

step "summary"
node scripts/summarize-tests.mjs "$RESULTS_DIR"
