#!/usr/bin/env bash
# Installs what the browser tests (crates/hawcx-idp/tests/browser.rs, the emulator's pages;
# crates/hawcx-example/tests/browser.rs, the example app's, on the same install) need and prints
# HAWCX_BROWSER=<chromium>:
#   Debian's chromium, when /usr/bin/chromium is missing (apt-get, as root)
#   playwright-core and openid-client (tests/openid_client.rs, the strict relying-party
#   interop test) from the committed package-lock.json (npm ci), when
#   crates/hawcx-idp/tests/browser/node_modules is missing or was installed from
#   another lock file.
# No browser is downloaded by npm: the tests drive the Debian build. Install output goes
# to stderr, so stdout is just the variable (scripts/test evaluates it).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: $chromium is missing; install Debian's chromium package as root" >&2
    exit 1
  fi
  echo "installing chromium (apt-get)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

dir=crates/hawcx-idp/tests/browser
marker="$dir/node_modules/.hawcx-package-lock.json"
if ! cmp -s "$dir/package-lock.json" "$marker"; then
  if ! command -v npm >/dev/null; then
    echo "error: npm is missing; the browser tests need Node.js 20 or later" >&2
    exit 1
  fi
  echo "installing playwright-core and openid-client (npm ci)" >&2
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
  cp "$dir/package-lock.json" "$marker"
fi

echo "HAWCX_BROWSER=$chromium"
