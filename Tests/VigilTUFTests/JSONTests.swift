import Foundation
import Testing
@testable import VigilTUF

/// The JSON layer against its references: canonical bytes as securesystemslib's
/// `encode_canonical` wrote them and expiry seconds as Python's datetime computed them
/// (Fixtures/make_json_vectors.py), and the strict parser's refusals.
struct JSONTests {
    struct Vectors: Decodable {
        struct Canonical: Decodable { let json: String; let canonical_hex: String }
        struct ExpiryCase: Decodable { let text: String; let seconds: Int64 }
        let canonical: [Canonical]
        let expiry: [ExpiryCase]
    }

    static let vectors: Vectors = {
        let url = Bundle.module.url(forResource: "Fixtures/json_vectors", withExtension: "json")!
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }()

    @Test func canonicalEncodingMatchesSecuresystemslib() throws {
        #expect(Self.vectors.canonical.count == 7)
        for v in Self.vectors.canonical {
            let value = try JSONParser.parse(Array(v.json.utf8))
            #expect(Hex.encode(CanonicalJSON.encode(value)) == v.canonical_hex, "\(v.json)")
        }
    }

    @Test func prettyOutputParsesBackToTheSameValue() throws {
        for v in Self.vectors.canonical {
            let value = try JSONParser.parse(Array(v.json.utf8))
            #expect(try JSONParser.parse(Array(CanonicalJSON.pretty(value).utf8)) == value)
        }
    }

    @Test func expiryMatchesPythonDatetime() {
        for e in Self.vectors.expiry {
            #expect(Expiry.parse(e.text) == e.seconds, "\(e.text)")
            #expect(Expiry.format(e.seconds) == e.text)
        }
    }

    @Test(arguments: ["2030-01-01T00:00:00", "2030-01-01 00:00:00Z", "2030-13-01T00:00:00Z", "2030-02-29T00:00:00Z",
                      "2030-01-01T24:00:00Z", "2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00+00:00", "", "２０３０-01-01T00:00:00Z"])
    func expiryRefusesOtherForms(_ text: String) {
        #expect(Expiry.parse(text) == nil)
    }

    /// What a metadata file may not be, each refused with the reason.
    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", "twice"),
        ("{\"version\": 1.0}", "floating-point"),
        ("{\"version\": 1e3}", "floating-point"),
        ("[99999999999999999999]", "64 bits"),
        ("\"\\ud800\"", "surrogate"),
        ("\"\\udc00x\"", "surrogate"),
        ("{\"a\": 1} x", "after the top-level value"),
        ("[1, 2", "end of input"),
        ("\"a\u{01}b\"", "control character"),
        ("[01]", "start with 0"),
        ("\"\\x\"", "unknown escape"),
        ("NaN", "unexpected character"),
        ("", "end of input"),
    ])
    func parserRefuses(_ text: String, _ reason: String) {
        do {
            _ = try JSONParser.parse(Array(text.utf8))
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason.contains(reason), "\(text): \(error)")
        }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    /// Deep nesting stops at the limit instead of exhausting the stack.
    @Test func deepNestingIsRefused() throws {
        let deep = Array(String(repeating: "[", count: 100_000).utf8)
        do {
            _ = try JSONParser.parse(deep)
            Issue.record("accepted 100,000 levels")
        } catch {
            #expect(error.reason.contains("nested deeper than 64"))
        }
        let ok = Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
    }

    /// Python's fnmatch semantics per path component (hand-derived from its rules).
    @Test func pathPatterns() {
        func m(_ t: String, _ p: String) -> Bool { PathPattern.matches(Array(t.unicodeScalars), Array(p.unicodeScalars)) }
        #expect(m("file.txt", "*.txt"))
        #expect(m("file.txt", "*"))
        #expect(!m("file.txt", "*.tx"))
        #expect(m("a", "?"))
        #expect(!m("ab", "?"))
        #expect(m("b", "[abc]"))
        #expect(!m("d", "[abc]"))
        #expect(m("d", "[!abc]"))
        #expect(m("q", "[a-z]"))
        #expect(m("[", "["))
        #expect(m("]", "[]]"))
        #expect(m("^", "[^]"))
        #expect(m("aXbXc", "a*b*c"))
        #expect(!m("aXbXd", "a*b*c"))
        let role = DelegatedRole(name: "r", keys: RoleKeys(keyids: [], threshold: 1), terminating: false, paths: ["dir/*.vpkg"])
        #expect(role.isDelegated("dir/a.vpkg"))
        #expect(!role.isDelegated("dir/sub/a.vpkg"))
        #expect(!role.isDelegated("a.vpkg"))
    }
}
