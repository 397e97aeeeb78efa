#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is needed (scripts/install.sh),
# type-checks, then runs unit, integration and end-to-end tests (vitest projects; see README).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
# The tests build their images (lite-test/busybox:1 …) locally, without a registry, from Debian's
# statically linked busybox (src/runtime/testing/test-images.ts).
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  printf '[test] installing busybox-static (for the test images)\n' >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi
npm run --silent typecheck
npx vitest run "$@"
