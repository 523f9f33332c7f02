#!/usr/bin/env bash
# Fetches the peer tools the test suite checks meshproof's output against
# into .tools/ (not committed; tests skip with a message when a tool is
# missing, and CI always runs this first). Only the npm registry and
# Debian's apt are used.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${MESHPROOF_TOOLS:-$PWD/.tools}
mkdir -p "$tools"

# Microsoft's SARIF multitool (a validator) and the official SARIF 2.1.0 JSON schema it ships.
sarif_version=5.7.0
if [ ! -x "$tools/sarif-multitool/package/Sarif.Multitool" ]; then
	rm -rf "$tools/sarif-multitool" && mkdir -p "$tools/sarif-multitool"
	(cd "$tools/sarif-multitool" && npm pack --silent "@microsoft/sarif-multitool-linux@$sarif_version" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
	chmod +x "$tools/sarif-multitool/package/Sarif.Multitool"
fi
echo "tools ready in $tools" >&2
