#!/usr/bin/env bash
# Builds the Python package (crates/hawcx-python) into the venv .venvs/ours with its test
# dependencies, and prints HAWCX_OURS_PYTHON=<interpreter> (stdout carries only that line).
#   scripts/python.sh            debug build (what the test suite uses)
#   scripts/python.sh --release  optimised build (benchmarks)
# The wheel is built by maturin into the workspace's target/ (shared with cargo), then
# installed with pip exactly as `pip install ./crates/hawcx-python` would install it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
venv=.venvs/ours
profile=()
[ "${1:-}" = "--release" ] && profile=(--release)
reqs=crates/hawcx-python/tests/requirements.txt
marker="$venv/.deps-$(sha256sum "$reqs" | cut -c1-16)"
{
  if [ ! -f "$marker" ]; then
    rm -rf "$venv"
    "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      "maturin>=1.9,<2" -r "$reqs"
    touch "$marker"
  fi
  rm -rf target/wheels/ours
  "$venv/bin/maturin" build --quiet -m crates/hawcx-python/Cargo.toml "${profile[@]}" \
    --interpreter "$venv/bin/python" --out target/wheels/ours
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --force-reinstall target/wheels/ours/*.whl
} >&2
echo "HAWCX_OURS_PYTHON=$PWD/$venv/bin/python"
