#!/usr/bin/env bash
# Rewrites the README section between the `vigil supported` markers with the command's
# output (the importers' own tables). Run after adding a layer or an operator.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product vigil 2>&1 | grep -E "error" || true
python3 - "$(.build/debug/vigil supported)" <<'PY'
import sys
table = sys.argv[1] + "\n"
text = open("README.md").read()
begin, end = "<!-- vigil supported: begin -->\n", "<!-- vigil supported: end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + table + end + tail)
PY
