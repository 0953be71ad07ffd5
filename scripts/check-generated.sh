#!/usr/bin/env bash
# Fails when backend/src/db/schema.ts changed without a generated migration: drizzle-kit
# would generate a new one. The checked-in migrations are the only schema history.
set -euo pipefail
cd "$(dirname "$0")/../backend"
pnpm exec drizzle-kit check >/dev/null
before=$(ls drizzle/*.sql | sort)
pnpm exec drizzle-kit generate --name drift-check >/dev/null
after=$(ls drizzle/*.sql | sort)
if [ "$before" != "$after" ]; then
  new=$(comm -13 <(echo "$before") <(echo "$after"))
  echo "error: the schema differs from the migrations; run 'pnpm --filter @pki/backend db:generate' and commit the result" >&2
  echo "       (drizzle-kit would generate: $new)" >&2
  git checkout -- drizzle/meta 2>/dev/null || true
  rm -f $new
  exit 1
fi
echo "migrations match the schema"
