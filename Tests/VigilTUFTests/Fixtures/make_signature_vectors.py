"""Signature vectors for VigilTUF's tests, made by the references: a fresh key of every
key type and scheme securesystemslib's SSlibKey verifies signs a payload (through
securesystemslib's CryptoSigner where it supports the scheme, through pyca/cryptography
where it does not: ECDSA P-384 and P-521), and SSlibKey.verify_signature checks each; the test expects Vigil's verdicts to be
the same for the good signature, a signature over another payload and a corrupted one.
The PKCS#8 private keys are included so that Vigil can load them and must derive the same
public key value and keyid securesystemslib does.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install -r requirements.txt
    /tmp/v/bin/python make_signature_vectors.py > signature_vectors.json
"""
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from securesystemslib.exceptions import UnverifiedSignatureError
from securesystemslib.signer import CryptoSigner, Signature, SSlibKey

payload = b'{"_type":"timestamp","spec_version":"1.0.31","version":7}'
other = b'{"_type":"timestamp","spec_version":"1.0.31","version":8}'

class CurveSigner:
    """Signs as SSlibKey verifies ecdsa-sha2-nistp384/521 (DER ECDSA over the digest)."""
    def __init__(self, private, scheme, digest):
        self._private_key = private
        self.public_key = SSlibKey.from_crypto(private.public_key(), scheme=scheme)
        self.digest = digest

    def sign(self, data):
        raw = self._private_key.sign(data, ec.ECDSA(self.digest))
        return Signature(self.public_key.keyid, raw.hex())

def signer(private, scheme):
    public = SSlibKey.from_crypto(private.public_key(), scheme=scheme)
    return CryptoSigner(private, public)

signers = [
    ("ed25519", signer(ed25519.Ed25519PrivateKey.generate(), "ed25519"), True),
    ("ecdsa-p256", signer(ec.generate_private_key(ec.SECP256R1()), "ecdsa-sha2-nistp256"), True),
    ("ecdsa-p384", CurveSigner(ec.generate_private_key(ec.SECP384R1()), "ecdsa-sha2-nistp384", hashes.SHA384()), False),
    ("ecdsa-p521", CurveSigner(ec.generate_private_key(ec.SECP521R1()), "ecdsa-sha2-nistp521", hashes.SHA512()), False),
    ("rsa-pss-sha256", signer(rsa.generate_private_key(65537, 2048), "rsassa-pss-sha256"), True),
    ("rsa-pss-sha512", signer(rsa.generate_private_key(65537, 2048), "rsassa-pss-sha512"), False),
    ("rsa-pkcs1v15-sha384", signer(rsa.generate_private_key(65537, 2048), "rsa-pkcs1v15-sha384"), False),
]

def verifies(key, signature, data):
    try:
        key.verify_signature(signature, data)
        return True
    except UnverifiedSignatureError:
        return False

vectors = []
for name, s, include_private in signers:
    good = s.sign(payload)
    corrupted = bytearray(bytes.fromhex(good.signature))
    corrupted[len(corrupted) // 2] ^= 0x01
    bad = Signature(good.keyid, corrupted.hex())
    vector = {
        "name": name,
        "key": s.public_key.to_dict(),
        "keyid": s.public_key.keyid,
        "payload_hex": payload.hex(),
        "other_payload_hex": other.hex(),
        "signature": good.signature,
        "verifies": verifies(s.public_key, good, payload),
        "verifies_other": verifies(s.public_key, good, other),
        "corrupted_signature": bad.signature,
        "verifies_corrupted": verifies(s.public_key, bad, payload),
    }
    if include_private:
        vector["private_pem"] = s._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    vectors.append(vector)
print(json.dumps(vectors, indent=1))
