import COpenSSL

/// The hash algorithms TUF metadata may name for files. Any other name is refused: a
/// client that skipped an unknown algorithm would let a repository choose no check.
public enum HashAlgorithm: String, Sendable, CaseIterable {
    case sha256, sha512

    public init?(name: String) { self.init(rawValue: name) }

    var md: OpaquePointer {
        switch self {
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        }
    }

    public func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = Hasher(self)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// A digest computed piece by piece, for files read in chunks.
    public struct Hasher: ~Copyable {
        private let context: OpaquePointer

        public init(_ algorithm: HashAlgorithm) {
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm.md, nil) == 1 else {
                fatalError("libcrypto cannot start a \(algorithm) digest")
            }
            self.context = context
        }

        public mutating func update(_ bytes: some Collection<UInt8>) {
            let done = bytes.withContiguousStorageIfAvailable { buffer in
                EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            }
            if done == nil {
                let copy = Array(bytes)
                copy.withUnsafeBufferPointer { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
            }
        }

        public consuming func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &out, &length)
            return Array(out.prefix(Int(length)))
        }

        deinit { EVP_MD_CTX_free(context) }
    }
}
