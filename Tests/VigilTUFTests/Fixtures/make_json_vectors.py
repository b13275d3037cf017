"""Canonical JSON and timestamp vectors for VigilTUF's tests, computed by the references:
securesystemslib's encode_canonical (what every TUF signature covers) and Python's
datetime (TUF's "%Y-%m-%dT%H:%M:%SZ" expiry format).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install -r requirements.txt
    /tmp/v/bin/python make_json_vectors.py > json_vectors.json
"""
import json
from datetime import datetime, timezone

from securesystemslib.formats import encode_canonical

inputs = [
    '{"b": 1, "a": [true, false, null], "c": {"z": "x", "y": -5}}',
    '{"_type": "root", "expires": "2030-01-01T00:00:00Z", "keys": {}, "version": 1}',
    '"quote \\" backslash \\\\ slash \\/ tab \\t newline \\n"',
    '{"\\u00e9": 1, "e": 2, "\\u20ac": 3, "Z": 4, "\\ud83d\\ude00": 5}',
    '[9223372036854775807, -9223372036854775808, 0]',
    '{"custom": {"nested": [[], {}, [{"a": "b"}]]}}',
    '"control \\u0001 and \\u001f"',
]
vectors = []
for text in inputs:
    canonical = encode_canonical(json.loads(text)).encode("utf-8")
    vectors.append({"json": text, "canonical_hex": canonical.hex()})

times = ["1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "2030-01-01T00:00:00Z",
         "1969-12-31T23:59:59Z", "2100-03-01T00:00:00Z", "9999-12-31T23:59:59Z"]
expiries = [{"text": t, "seconds": int(datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())}
            for t in times]
print(json.dumps({"canonical": vectors, "expiry": expiries}, indent=1))
