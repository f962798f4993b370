#!/usr/bin/env sh
# The delegation benchmark in one run: criterion (ours and the raw primitives), paired
# ours/primitives ratios, then the official 2.0.0 package doing the same in Python.
#
#   HAWCX_PEER_V2_PYTHON=/path/to/venv/bin/python scripts/bench-delegation.sh
set -eu
cd "$(dirname "$0")/.."
RATIO=1 cargo bench -p hawcx --bench delegation -- --warm-up-time 1 --measurement-time 5 \
    2>&1 | grep -E '^delegation/|time:|^paired'
if [ -n "${HAWCX_PEER_V2_PYTHON:-}" ]; then
    echo "official hawcx-oauth-client 2.0.0 (python):"
    "$HAWCX_PEER_V2_PYTHON" scripts/bench-delegation-python.py
else
    echo "skipped python: set HAWCX_PEER_V2_PYTHON"
fi
