import Foundation
import Testing
@testable import VigilTUF

/// The crypto layer against securesystemslib (Fixtures/make_signature_vectors.py): for
/// every key type and scheme its SSlibKey verifies, Vigil must give the same verdict on a
/// good signature, the same signature over another payload and a corrupted signature,
/// and derive the same public key value and keyid from the private keys.
struct SignatureTests {
    struct Vector: Decodable {
        struct KeyDict: Decodable {
            struct KeyVal: Decodable { let `public`: String }
            let keytype: String
            let scheme: String
            let keyval: KeyVal
        }
        let name: String
        let key: KeyDict
        let keyid: String
        let payload_hex: String
        let other_payload_hex: String
        let signature: String
        let verifies: Bool
        let verifies_other: Bool
        let corrupted_signature: String
        let verifies_corrupted: Bool
        let private_pem: String?
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "Fixtures/signature_vectors", withExtension: "json")!
        return try! JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))
    }()

    @Test func verdictsMatchSecuresystemslib() throws {
        #expect(Self.vectors.count == 7)
        for v in Self.vectors {
            let key = try PublicKey(keyType: v.key.keytype, scheme: v.key.scheme, publicValue: v.key.keyval.public)
            let payload = try #require(Hex.decode(v.payload_hex))
            let other = try #require(Hex.decode(v.other_payload_hex))
            let signature = try #require(Hex.decode(v.signature))
            let corrupted = try #require(Hex.decode(v.corrupted_signature))
            #expect(key.verify(signature: signature, over: payload) == v.verifies, "\(v.name)")
            #expect(key.verify(signature: signature, over: other) == v.verifies_other, "\(v.name)")
            #expect(key.verify(signature: corrupted, over: payload) == v.verifies_corrupted, "\(v.name)")
            #expect(!key.verify(signature: [], over: payload), "\(v.name)")
            #expect(Key(key).keyid == v.keyid, "\(v.name)")
        }
    }

    @Test func privateKeysDeriveSecuresystemslibsPublicKeyAndKeyid() throws {
        let withPrivate = Self.vectors.filter { $0.private_pem != nil }
        #expect(withPrivate.count == 3)
        for v in withPrivate {
            let signing = try SigningKey(pem: v.private_pem!)
            #expect(signing.publicKey.keyType == v.key.keytype)
            #expect(signing.publicKey.scheme == v.key.scheme)
            #expect(signing.publicKey.publicValue == v.key.keyval.public, "\(v.name)")
            #expect(Key(signing.publicKey).keyid == v.keyid)
            let payload = try #require(Hex.decode(v.payload_hex))
            #expect(signing.publicKey.verify(signature: try signing.sign(payload), over: payload))
        }
    }

    @Test(arguments: SigningKey.Algorithm.allCases)
    func generatedKeysSignVerifyAndRoundTripThroughPEM(_ algorithm: SigningKey.Algorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let message = Array("vigil".utf8)
        let signature = try key.sign(message)
        #expect(key.publicKey.verify(signature: signature, over: message))
        #expect(!key.publicKey.verify(signature: signature, over: Array("vigiL".utf8)))
        let reloaded = try SigningKey(pem: key.pem)
        #expect(reloaded.publicKey == key.publicKey)
        #expect(reloaded.algorithm == algorithm)
    }

    @Test func unusableKeysVerifyNothingAndUnknownKindsAreRefused() throws {
        let p256 = try #require(Self.vectors.first { $0.name == "ecdsa-p256" })
        let p384 = try #require(Self.vectors.first { $0.name == "ecdsa-p384" })
        let rsa = try #require(Self.vectors.first { $0.name == "rsa-pss-sha256" })
        // A value that does not parse, or parses as another kind of key, is unusable:
        // python-tuf loads such metadata, and the key never verifies.
        let unusable: [(String, String, String)] = [
            ("ed25519", "ed25519", "abcd"),
            ("ed25519", "ed25519", String(repeating: "zz", count: 32)),
            ("ecdsa", "ecdsa-sha2-nistp256", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            ("ecdsa", "ecdsa-sha2-nistp256", p384.key.keyval.public),
            ("ecdsa", "ecdsa-sha2-nistp256", rsa.key.keyval.public),
            ("rsa", "rsassa-pss-sha256", p256.key.keyval.public),
        ]
        for (type, scheme, value) in unusable {
            #expect(throws: SignatureError.self) { try PublicKey(keyType: type, scheme: scheme, publicValue: value) }
            do {
                _ = try PublicKey(keyType: type, scheme: scheme, publicValue: value)
            } catch {
                guard case .malformedPublicKey = error else { Issue.record("\(type)/\(scheme): \(error)"); continue }
            }
        }
        #expect(throws: SignatureError.unsupportedKeyType("dsa")) {
            try PublicKey(keyType: "dsa", scheme: "dsa-sha256", publicValue: "")
        }
        #expect(throws: SignatureError.unsupportedScheme(keyType: "ed25519", scheme: "ecdsa-sha2-nistp256")) {
            try PublicKey(keyType: "ed25519", scheme: "ecdsa-sha2-nistp256", publicValue: "")
        }
        #expect(throws: SignatureError.unsupportedScheme(keyType: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp384")) {
            try PublicKey(keyType: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp384", publicValue: "")
        }
        #expect(throws: SignatureError.malformedPrivateKey("not a PEM private key")) { try SigningKey(pem: p256.key.keyval.public) }
    }

    @Test func hashesMatchKnownDigests() {
        // FIPS 180-2 appendix B.1 and C.1: the digests of "abc".
        let abc = Array("abc".utf8)
        #expect(Hex.encode(HashAlgorithm.sha256.digest(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(HashAlgorithm.sha512.digest(abc)) == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        var hasher = HashAlgorithm.Hasher(.sha256)
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8)[...])
        #expect(hasher.finalize() == HashAlgorithm.sha256.digest(abc))
        #expect(HashAlgorithm(name: "md5") == nil)
        #expect(HashAlgorithm(name: "SHA256") == nil)
        #expect(Hex.decode("0aFf") == [0x0A, 0xFF])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
    }
}
