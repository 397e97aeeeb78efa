#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is needed (scripts/install.sh),
# type-checks, then runs unit, integration and end-to-end tests (vitest projects; see README).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
npm run --silent typecheck
npx vitest run "$@"
