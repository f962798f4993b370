#!/usr/bin/env sh
# Creates the two reference-peer venvs used by crates/hawcx/tests/delegation_interop.rs and
# prints the environment variables that enable the interop tests.
#
#   scripts/peers-setup.sh [DIR]      (default DIR: target/peers)
#   eval "$(scripts/peers-setup.sh)" && HAWCX_REQUIRE_PEERS=1 cargo test -p hawcx --test delegation_interop
set -eu
dir="${1:-target/peers}"
for v in 1.0.0 2.0.0; do
    venv="$dir/v$v"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet "hawcx-oauth-client==$v" PyJWT cryptography >&2
    fi
done
echo "export HAWCX_PEER_V1_PYTHON=$(cd "$dir/v1.0.0" && pwd)/bin/python"
echo "export HAWCX_PEER_V2_PYTHON=$(cd "$dir/v2.0.0" && pwd)/bin/python"
