#!/usr/bin/env bash
# Runs the public TUF conformance suite (theupdateframework/tuf-conformance) against
# vigil-tuf-client. The suite is not committed: pass a checkout of it.
#   git clone https://github.com/theupdateframework/tuf-conformance /tmp/tuf-conformance
#   Scripts/tuf/conformance.sh /tmp/tuf-conformance [pytest arguments…]
# Needs faketime (Debian) and Python >= 3.10; the suite's own pinned packages (tuf,
# securesystemslib, pytest) go into a virtual environment under .build-tuf/. Known
# failures are read from vigil-tuf-client.xfails beside the executable, copied there from
# Scripts/tuf/vigil-tuf-client.xfails (one test name per line, each with its reason).
set -euo pipefail
suite=$(cd "${1:?usage: Scripts/tuf/conformance.sh SUITE_CHECKOUT [pytest args]}" && pwd)
shift
cd "$(dirname "$0")/../.."
if ! command -v faketime > /dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -q faketime > /dev/null; else echo "conformance: install faketime (apt-get install faketime)"; exit 1; fi
fi
swift build -c release --product vigil-tuf-client 2>&1 | grep -E "error|Compiling|Build" | tail -2
client="$(swift build -c release --show-bin-path)/vigil-tuf-client"
cp Scripts/tuf/vigil-tuf-client.xfails "$client.xfails"
venv=$PWD/.build-tuf/env
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -e "$suite"
fi
cd "$suite"
"$venv/bin/pytest" tuf_conformance --entrypoint "$client" -p no:cacheprovider "$@"
