import Testing
import VigilCrypto
import VigilTestSupport

@Suite("SHA-256")
struct SHA256Tests {
    func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    // Expected digests are the FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf" and
    // "SHA2_Additional.pdf"), independent of this implementation.
    @Test func nistVectors() {
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesEqualOneShot() {
        var rng = SplitMix64(seed: 7)
        let data = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var h = SHA256()
        var at = 0
        for chunk in [1, 63, 64, 65, 0, 300, 507] {
            data[at..<(at + chunk)].withUnsafeBytes { h.update($0) }
            at += chunk
        }
        #expect(h.finalize() == SHA256.hash(data))
    }
}
