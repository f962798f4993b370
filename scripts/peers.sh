#!/usr/bin/env bash
# Creates the reference-peer venvs used by interoperability tests:
#   .venvs/peer-v1  hawcx-oauth-client==1.0.0 (the guide's API)
#   .venvs/peer-v2  hawcx-oauth-client==2.0.0 (current)
# Both get PyJWT, cryptography and requests for the test-side checkers.
# Idempotent: a venv whose marker file matches is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
for v in 1.0.0 2.0.0; do
  dir=".venvs/peer-v${v%%.*}"
  marker="$dir/.hawcx-peer-$v-2"
  if [ -f "$marker" ]; then continue; fi
  rm -rf "$dir"
  "$PY" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    "hawcx-oauth-client==$v" PyJWT cryptography requests python-dotenv
  touch "$marker"
done
echo "HAWCX_PEER_V1_PYTHON=$PWD/.venvs/peer-v1/bin/python"
echo "HAWCX_PEER_V2_PYTHON=$PWD/.venvs/peer-v2/bin/python"
