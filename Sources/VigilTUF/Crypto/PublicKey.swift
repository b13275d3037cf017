import COpenSSL

/// Why a key could not be used or made.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key type this client does not know (the metadata is then malformed).
    case unsupportedKeyType(String)
    /// A scheme the key type does not support (the metadata is then malformed).
    case unsupportedScheme(keyType: String, scheme: String)
    /// A supported type and scheme whose value does not parse, or parses as another kind
    /// of key: the key verifies nothing, as securesystemslib's would not.
    case malformedPublicKey(String)
    /// A private key file that does not parse as a PKCS#8 key of a supported kind.
    case malformedPrivateKey(String)
    /// libcrypto failed where it should not (key generation, signing).
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case .unsupportedKeyType(let type): "unsupported key type '\(type)'"
        case .unsupportedScheme(let type, let scheme): "key type '\(type)' has no scheme '\(scheme)'"
        case .malformedPublicKey(let reason): "unusable public key: \(reason)"
        case .malformedPrivateKey(let reason): "unusable private key: \(reason)"
        case .cryptoFailure(let reason): "libcrypto: \(reason)"
        }
    }
}

/// A signing scheme as securesystemslib names it, with the digest it signs through
/// (nil for Ed25519, which hashes internally).
enum Scheme: Sendable, Equatable {
    case ed25519
    /// ECDSA on the named curve with the named digest; the signature is DER.
    case ecdsa(curve: Int32, digest: Digest)
    case rsaPSS(Digest)
    case rsaPKCS1v15(Digest)

    enum Digest: Sendable, Equatable {
        case sha224, sha256, sha384, sha512
        var md: OpaquePointer {
            switch self {
            case .sha224: EVP_sha224()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        }
    }

    /// The scheme for a key type and scheme pair of securesystemslib's table
    /// (`ecdsa-sha2-nistp256` doubles as a key type in older metadata).
    init(keyType: String, scheme: String) throws(SignatureError) {
        switch keyType {
        case "ed25519":
            guard scheme == "ed25519" else { throw .unsupportedScheme(keyType: keyType, scheme: scheme) }
            self = .ed25519
        case "ecdsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            switch scheme {
            case "ecdsa-sha2-nistp256": self = .ecdsa(curve: NID_X9_62_prime256v1, digest: .sha256)
            case "ecdsa-sha2-nistp384": self = .ecdsa(curve: NID_secp384r1, digest: .sha384)
            case "ecdsa-sha2-nistp521": self = .ecdsa(curve: NID_secp521r1, digest: .sha512)
            default: throw .unsupportedScheme(keyType: keyType, scheme: scheme)
            }
            if keyType != "ecdsa" && keyType != scheme { throw .unsupportedScheme(keyType: keyType, scheme: scheme) }
        case "rsa":
            let digests: [String: Digest] = ["sha224": .sha224, "sha256": .sha256, "sha384": .sha384, "sha512": .sha512]
            if scheme.hasPrefix("rsassa-pss-"), let d = digests[String(scheme.dropFirst(11))] {
                self = .rsaPSS(d)
            } else if scheme.hasPrefix("rsa-pkcs1v15-"), let d = digests[String(scheme.dropFirst(13))] {
                self = .rsaPKCS1v15(d)
            } else {
                throw .unsupportedScheme(keyType: keyType, scheme: scheme)
            }
        default:
            throw .unsupportedKeyType(keyType)
        }
    }

    var digest: Digest? {
        switch self {
        case .ed25519: nil
        case .ecdsa(_, let d), .rsaPSS(let d), .rsaPKCS1v15(let d): d
        }
    }

    var pkeyType: Int32 {
        switch self {
        case .ed25519: EVP_PKEY_ED25519
        case .ecdsa: EVP_PKEY_EC
        case .rsaPSS, .rsaPKCS1v15: EVP_PKEY_RSA
        }
    }

    /// Sets the RSA padding on a digest-sign or digest-verify context; PSS verifies any
    /// salt length (securesystemslib verifies with `PSS.AUTO`) and signs with a salt as
    /// long as the digest.
    func configure(_ context: OpaquePointer?, signing: Bool) -> Bool {
        switch self {
        case .ed25519, .ecdsa: return true
        case .rsaPKCS1v15: return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1
        case .rsaPSS:
            return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(context, signing ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO) == 1
        }
    }
}

/// An EVP_PKEY owned by Swift. libcrypto keys are immutable once made and safe to use
/// from several threads for verification and signing.
final class OwnedKey: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    var type: Int32 { EVP_PKEY_get_base_id(pointer) }

    /// The curve's NID of an EC key.
    var curve: Int32? {
        var name = [CChar](repeating: 0, count: 64)
        guard EVP_PKEY_get_utf8_string_param(pointer, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, nil) == 1 else { return nil }
        let nid = OBJ_sn2nid(name)
        return nid == NID_undef ? EC_curve_nist2nid(name) : nid
    }

    static func fromPEM(_ pem: String, private isPrivate: Bool) -> OwnedKey? {
        let bytes = Array(pem.utf8)
        guard bytes.count < Int(Int32.max) else { return nil }
        return bytes.withUnsafeBytes { raw -> OwnedKey? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            let key = isPrivate ? PEM_read_bio_PrivateKey(bio, nil, nil, nil) : PEM_read_bio_PUBKEY(bio, nil, nil, nil)
            ERR_clear_error()
            return key.map(OwnedKey.init)
        }
    }

    /// The key written as PEM: SubjectPublicKeyInfo, or PKCS#8 unencrypted for private.
    func pem(private isPrivate: Bool) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        let ok = isPrivate ? PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) : PEM_write_bio_PUBKEY(bio, pointer)
        guard ok == 1 else { return "" }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}

/// A public key in the form TUF metadata carries it (securesystemslib's `SSlibKey`):
/// Ed25519 as 64 hex digits of the raw key, ECDSA and RSA as PEM SubjectPublicKeyInfo.
public struct PublicKey: Sendable, Equatable {
    public let keyType: String
    public let scheme: String
    public let publicValue: String
    let kind: Scheme
    let key: OwnedKey

    public init(keyType: String, scheme: String, publicValue: String) throws(SignatureError) {
        kind = try Scheme(keyType: keyType, scheme: scheme)
        self.keyType = keyType
        self.scheme = scheme
        self.publicValue = publicValue
        switch kind {
        case .ed25519:
            guard let raw = Hex.decode(publicValue), raw.count == 32 else {
                throw .malformedPublicKey("an ed25519 key is 32 bytes in hex")
            }
            guard let k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, 32) else {
                throw .malformedPublicKey("libcrypto refuses the ed25519 key")
            }
            key = OwnedKey(k)
        case .ecdsa(let curve, _):
            guard let k = OwnedKey.fromPEM(publicValue, private: false), k.type == EVP_PKEY_EC else {
                throw .malformedPublicKey("not a PEM EC public key")
            }
            guard k.curve == curve else { throw .malformedPublicKey("the key's curve is not the scheme's") }
            key = k
        case .rsaPSS, .rsaPKCS1v15:
            guard let k = OwnedKey.fromPEM(publicValue, private: false), k.type == EVP_PKEY_RSA else {
                throw .malformedPublicKey("not a PEM RSA public key")
            }
            key = k
        }
    }

    /// Whether `signature` is this key's signature over `message` under its scheme.
    public func verify(signature: [UInt8], over message: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context); ERR_clear_error() }
        var pctx: OpaquePointer? = nil
        guard EVP_DigestVerifyInit(context, &pctx, kind.digest?.md, nil, key.pointer) == 1,
              kind.configure(pctx, signing: false) else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }

    public static func == (a: PublicKey, b: PublicKey) -> Bool {
        a.keyType == b.keyType && a.scheme == b.scheme && a.publicValue == b.publicValue
    }
}
