#!/usr/bin/env bash
# Installs pnpm (if missing) and the workspace's dependencies. Used by `.ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version | cut -d. -f1)" != "10" ]; then
  npm install -g pnpm@10
fi
pnpm install --frozen-lockfile
