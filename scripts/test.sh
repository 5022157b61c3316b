#!/usr/bin/env bash
# The one test command: formatting, lints and every test of the workspace.
# Installs what it needs on a fresh Debian machine (the Rust toolchain is expected on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "scripts/test.sh: cargo is not on PATH; install the Rust toolchain (rustup) first" >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    log "installing the $component component"
    rustup component add "$component"
  fi
done

# The interop tests drive the server binds with PyPI smpplib, an SMPP client written by others.
venv=.venv
if ! "$venv/bin/python" -c 'import smpplib' >/dev/null 2>&1; then
  log "creating $venv with smpplib"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'smpplib==2.2.4'
fi
SMPPLIB_PYTHON="$(pwd)/$venv/bin/python"
export SMPPLIB_PYTHON

# The web UI is tested in a real headless Chromium (Debian package) driven by playwright-core (npm).
if ! command -v chromium >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "installing chromium and npm"
  apt-get update -qq && apt-get install -y -qq chromium npm >/dev/null
fi
browser_dir=http-sidecar/tests/web_browser
if [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  log "installing playwright-core into $browser_dir"
  (cd "$browser_dir" && npm install --no-save --no-audit --no-fund --silent playwright-core@1.65.1)
fi
export REQUIRE_BROWSER_TEST=1

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "cargo test"
cargo test --workspace --locked

log "installer into a temporary root (scripts/test-install.sh)"
bash scripts/test-install.sh --binary target/debug/omnimessage-smpp
