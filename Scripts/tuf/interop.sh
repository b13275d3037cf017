#!/usr/bin/env bash
# python-tuf interop, both ways, over HTTP on 127.0.0.1 (CI runs it from `make test`):
#  1. `vigil repo` writes a repository (root threshold 2, a delegated role `models`,
#     two Vigil packages), then rotates the root, timestamp and delegated keys; python-tuf's
#     ngclient, trusting only the first root, updates and downloads both packages, which
#     must be byte-identical to what was added. vigil-tuf-client does the same, then must
#     refuse the package once the served copy is swapped for another of the same length.
#  2. python-tuf's tuf.api writes a repository (consistent snapshots, ECDSA, Ed25519 and
#     RSA keys, a delegation, a root rotation); vigil-tuf-client updates from it and
#     downloads both targets.
# Needs the debug build (`swift build`) and Python >= 3.10; python-tuf (pinned in
# Scripts/tuf/requirements.txt) goes into .build-tuf/interop-env.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${VIGIL_BIN:-.build/debug}
vigil=$bin/vigil
client=$bin/vigil-tuf-client
[ -x "$vigil" ] && [ -x "$client" ] || { echo "interop: build vigil and vigil-tuf-client first (swift build)"; exit 1; }
venv=.build-tuf/interop-env
if [ ! -x "$venv/bin/python" ] || ! cmp -s Scripts/tuf/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r Scripts/tuf/requirements.txt
  cp Scripts/tuf/requirements.txt "$venv/requirements.txt"
fi
py=$venv/bin/python
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

serve() {  # serve DIR on a free port of 127.0.0.1; sets $port
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$py" -m http.server "$port" --bind 127.0.0.1 --directory "$1" > "$work/http.log" 2>&1 &
  server=$!
  for _ in $(seq 50); do "$py" -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && return; sleep 0.1; done
  echo "interop: the HTTP server did not start"; exit 1
}

echo "== 1. a repository vigil repo wrote, read by python-tuf and vigil-tuf-client"
"$vigil" import Models/arrhythmia/reference.onnx -o "$work/arrhythmia.vpkg" --name arrhythmia > /dev/null
"$vigil" import Models/arrhythmia/gru.keras -o "$work/gru.vpkg" --name gru > /dev/null
repo=$work/vigil-repo
"$vigil" repo init "$repo" --threshold root=2 > /dev/null
cp "$repo/metadata/1.root.json" "$work/trusted-root.json"
"$vigil" repo add "$repo" "$work/arrhythmia.vpkg" > /dev/null
"$vigil" repo add "$repo" "$work/gru.vpkg" --delegate models > /dev/null
"$vigil" repo publish "$repo" > /dev/null
for role in root timestamp models; do "$vigil" repo rotate "$repo" "$role"; done
serve "$repo"
url=http://127.0.0.1:$port
"$py" Scripts/tuf/interop.py update "$url/metadata/" "$url/targets/" "$work/trusted-root.json" "$work/python-client" arrhythmia.vpkg models/gru.vpkg
cmp "$work/python-client/arrhythmia.vpkg" "$work/arrhythmia.vpkg"
cmp "$work/python-client/models_gru.vpkg" "$work/gru.vpkg"
echo "python-tuf: both packages byte-identical"

mkdir -p "$work/vigil-client/metadata" "$work/vigil-client/targets"
"$client" --metadata-dir "$work/vigil-client/metadata" init "$work/trusted-root.json"
"$client" --metadata-url "$url/metadata" --metadata-dir "$work/vigil-client/metadata" --target-base-url "$url/targets" \
  --target-dir "$work/vigil-client/targets" --target-name arrhythmia.vpkg --target-name models/gru.vpkg download
cmp "$work/vigil-client/targets/arrhythmia.vpkg" "$work/arrhythmia.vpkg"
cmp "$work/vigil-client/targets/models%2Fgru.vpkg" "$work/gru.vpkg"
echo "vigil-tuf-client: both packages byte-identical"

# Another package of the same length in place of the served one (one weight byte changed).
for f in "$repo"/targets/*.arrhythmia.vpkg; do
  "$py" -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x5A; open(p, "wb").write(b)' "$f"
done
mkdir -p "$work/swap/metadata" "$work/swap/targets"
"$client" --metadata-dir "$work/swap/metadata" init "$work/trusted-root.json"
if "$client" --metadata-url "$url/metadata" --metadata-dir "$work/swap/metadata" --target-base-url "$url/targets" \
     --target-dir "$work/swap/targets" --target-name arrhythmia.vpkg download 2> "$work/swap.err"; then
  echo "interop: vigil-tuf-client accepted a swapped package"; exit 1
fi
grep -q "sha" "$work/swap.err" || { echo "interop: unexpected error:"; cat "$work/swap.err"; exit 1; }
[ -z "$(ls -A "$work/swap/targets")" ] || { echo "interop: the swapped package was written"; exit 1; }
echo "vigil-tuf-client: refused the same-length swap: $(cat "$work/swap.err")"

echo "== 2. a repository python-tuf wrote, read by vigil-tuf-client"
"$py" Scripts/tuf/interop.py write-repository "$work/python-repo"
serve "$work/python-repo"
url=http://127.0.0.1:$port
mkdir -p "$work/vigil-client2/metadata" "$work/vigil-client2/targets"
"$client" --metadata-dir "$work/vigil-client2/metadata" init "$work/python-repo/metadata/1.root.json"
"$client" -v --metadata-url "$url/metadata" --metadata-dir "$work/vigil-client2/metadata" --target-base-url "$url/targets" \
  --target-dir "$work/vigil-client2/targets" --target-name hello.txt --target-name models/blob.bin download
"$py" - "$work/vigil-client2/targets" <<'PY'
import sys
d = sys.argv[1]
assert open(f"{d}/hello.txt", "rb").read() == b"written by python-tuf\n"
assert open(f"{d}/models%2Fblob.bin", "rb").read() == bytes(range(256)) * 40
PY
grep -q '"version": 2' "$work/vigil-client2/metadata/root.json"
echo "vigil-tuf-client: followed python-tuf's root rotation and downloaded both targets intact"
echo "interop: passed"
