import COpenSSL

/// A private key that signs metadata, kept by the repository tooling as an unencrypted
/// PKCS#8 PEM file outside what the repository serves.
public struct SigningKey: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        /// ECDSA on P-256 with SHA-256 (`ecdsa`/`ecdsa-sha2-nistp256`, the default).
        case ecdsaP256 = "ecdsa"
        case ed25519
        /// RSA 3072 with RSASSA-PSS and SHA-256 (`rsa`/`rsassa-pss-sha256`).
        case rsaPSS = "rsa"

        var keyType: String {
            switch self {
            case .ecdsaP256: "ecdsa"
            case .ed25519: "ed25519"
            case .rsaPSS: "rsa"
            }
        }

        var scheme: String {
            switch self {
            case .ecdsaP256: "ecdsa-sha2-nistp256"
            case .ed25519: "ed25519"
            case .rsaPSS: "rsassa-pss-sha256"
            }
        }
    }

    public let algorithm: Algorithm
    public let publicKey: PublicKey
    let key: OwnedKey

    /// A fresh key from libcrypto's random generator.
    public static func generate(_ algorithm: Algorithm) throws(SignatureError) -> SigningKey {
        let id: Int32 = switch algorithm {
        case .ecdsaP256: EVP_PKEY_EC
        case .ed25519: EVP_PKEY_ED25519
        case .rsaPSS: EVP_PKEY_RSA
        }
        guard let context = EVP_PKEY_CTX_new_id(id, nil) else { throw .cryptoFailure("no key generation context") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw .cryptoFailure("key generation does not start") }
        switch algorithm {
        case .ecdsaP256:
            guard EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) == 1 else { throw .cryptoFailure("no P-256") }
        case .ed25519: break
        case .rsaPSS:
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, 3072) == 1 else { throw .cryptoFailure("no RSA 3072") }
        }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &pkey) == 1, let pkey else { throw .cryptoFailure("key generation failed") }
        return try SigningKey(OwnedKey(pkey), algorithm: algorithm)
    }

    /// The key in a PKCS#8 PEM file (as `generate` then `pem` wrote it, or as
    /// securesystemslib's `CryptoSigner` keys are written).
    public init(pem: String) throws(SignatureError) {
        guard let key = OwnedKey.fromPEM(pem, private: true) else { throw .malformedPrivateKey("not a PEM private key") }
        let algorithm: Algorithm
        switch key.type {
        case EVP_PKEY_EC:
            guard key.curve == NID_X9_62_prime256v1 else { throw .malformedPrivateKey("an EC key must be on P-256") }
            algorithm = .ecdsaP256
        case EVP_PKEY_ED25519: algorithm = .ed25519
        case EVP_PKEY_RSA: algorithm = .rsaPSS
        default: throw .malformedPrivateKey("only ECDSA P-256, Ed25519 and RSA keys sign")
        }
        try self.init(key, algorithm: algorithm)
    }

    private init(_ key: OwnedKey, algorithm: Algorithm) throws(SignatureError) {
        self.key = key
        self.algorithm = algorithm
        let value: String
        switch algorithm {
        case .ed25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var length = 32
            guard EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length) == 1, length == 32 else {
                throw .cryptoFailure("no raw ed25519 public key")
            }
            value = Hex.encode(raw)
        case .ecdsaP256, .rsaPSS:
            value = key.pem(private: false)
        }
        publicKey = try PublicKey(keyType: algorithm.keyType, scheme: algorithm.scheme, publicValue: value)
    }

    /// The private key as unencrypted PKCS#8 PEM.
    public var pem: String { key.pem(private: true) }

    /// The signature over `message` under the key's scheme.
    public func sign(_ message: [UInt8]) throws(SignatureError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .cryptoFailure("no signing context") }
        defer { EVP_MD_CTX_free(context); ERR_clear_error() }
        var pctx: OpaquePointer? = nil
        let kind = publicKey.kind
        guard EVP_DigestSignInit(context, &pctx, kind.digest?.md, nil, key.pointer) == 1,
              kind.configure(pctx, signing: true) else { throw .cryptoFailure("signing does not start") }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else { throw .cryptoFailure("no signature size") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else { throw .cryptoFailure("signing failed") }
        return Array(signature.prefix(length))
    }
}
