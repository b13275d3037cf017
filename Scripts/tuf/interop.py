"""python-tuf's side of the interop test (Scripts/tuf/interop.sh).

    interop.py update METADATA_URL TARGET_URL ROOT DIR TARGET...
        python-tuf's ngclient, trusting ROOT, updates from a repository `vigil repo`
        wrote and downloads each TARGET into DIR; prints the trusted versions.
    interop.py write-repository DIR
        python-tuf's tuf.api writes a repository: consistent snapshots, keys of all
        three kinds, a delegated role `models` trusted for models/*, two targets, then a
        root rotation (a new root key, version 2 signed by the old and the new key).
"""
import os
import sys
from datetime import datetime, timedelta, timezone

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    DelegatedRole, Delegations, Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.ngclient import Updater


def update(metadata_url, target_url, root, directory, targets):
    metadata_dir = os.path.join(directory, "metadata")
    os.makedirs(metadata_dir, exist_ok=True)
    with open(root, "rb") as f:
        bootstrap = f.read()
    updater = Updater(metadata_dir, metadata_url, directory, target_url, bootstrap=bootstrap)
    updater.refresh()
    for path in targets:
        info = updater.get_targetinfo(path)
        if info is None:
            sys.exit(f"python-tuf: no trusted target {path}")
        stored = updater.download_target(info, os.path.join(directory, path.replace("/", "_")))
        print(f"python-tuf: downloaded {path} ({info.length} bytes) to {stored}")
    trusted = updater._trusted_set
    print(f"python-tuf: trusts root {trusted.root.version}, timestamp {trusted.timestamp.version}, "
          f"snapshot {trusted.snapshot.version}, targets {trusted.targets.version}")


def write_repository(directory):
    metadata_dir = os.path.join(directory, "metadata")
    targets_dir = os.path.join(directory, "targets")
    os.makedirs(os.path.join(targets_dir, "models"), exist_ok=True)
    os.makedirs(metadata_dir, exist_ok=True)
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    signers = {
        "root": CryptoSigner.generate_ecdsa(),
        "targets": CryptoSigner.generate_ed25519(),
        "snapshot": CryptoSigner.generate_rsa(),
        "timestamp": CryptoSigner.generate_ecdsa(),
        "models": CryptoSigner.generate_ed25519(),
    }
    serializer = JSONSerializer(compact=False)

    def write(md, name):
        md.to_file(os.path.join(metadata_dir, name), serializer)

    root = Metadata(Root(expires=expires, consistent_snapshot=True))
    for role in ["root", "targets", "snapshot", "timestamp"]:
        root.signed.add_key(signers[role].public_key, role)
    root.sign(signers["root"])
    write(root, "1.root.json")

    def add_target(targets, path, data):
        info = TargetFile.from_data(path, data, ["sha256", "sha512"])
        targets.targets[path] = info
        folder, name = os.path.split(path)
        for digest in info.hashes.values():
            with open(os.path.join(targets_dir, folder, f"{digest}.{name}"), "wb") as f:
                f.write(data)

    top = Metadata(Targets(expires=expires))
    add_target(top.signed, "hello.txt", b"written by python-tuf\n")
    models = Metadata(Targets(expires=expires))
    add_target(models.signed, "models/blob.bin", bytes(range(256)) * 40)
    delegated = DelegatedRole(name="models", keyids=[], threshold=1, terminating=True, paths=["models/*"])
    top.signed.delegations = Delegations(keys={}, roles={"models": delegated})
    top.signed.add_key(signers["models"].public_key, "models")
    top.sign(signers["targets"])
    models.sign(signers["models"])
    write(top, "1.targets.json")
    write(models, "1.models.json")

    snapshot = Metadata(Snapshot(expires=expires))
    snapshot.signed.meta["targets.json"] = MetaFile(version=1)
    snapshot.signed.meta["models.json"] = MetaFile(version=1)
    snapshot.sign(signers["snapshot"])
    write(snapshot, "1.snapshot.json")
    timestamp = Metadata(Timestamp(expires=expires))
    timestamp.signed.snapshot_meta = MetaFile(version=1)
    timestamp.sign(signers["timestamp"])
    write(timestamp, "timestamp.json")

    # Root rotation: version 2 replaces the root key; both the old and the new key sign.
    new_root_signer = CryptoSigner.generate_rsa()
    root.signed.revoke_key(signers["root"].public_key.keyid, "root")
    root.signed.add_key(new_root_signer.public_key, "root")
    root.signed.version = 2
    root.signatures.clear()
    root.sign(signers["root"], append=True)
    root.sign(new_root_signer, append=True)
    write(root, "2.root.json")
    print(f"python-tuf: wrote {directory} (root 2, targets hello.txt and models/blob.bin)")


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "update":
        update(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    elif len(sys.argv) == 3 and sys.argv[1] == "write-repository":
        write_repository(sys.argv[2])
    else:
        sys.exit(__doc__)
