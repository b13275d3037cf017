/// The four top-level roles.
public enum TopLevelRole: String, Sendable, CaseIterable {
    case root, targets, snapshot, timestamp
}

/// A signature from the `signatures` list: the signing key's id and the signature bytes
/// (nil when the hex does not decode: it then counts as no signature, as python-tuf does).
public struct Signature: Sendable, Equatable {
    public var keyid: String
    public var hex: String
    public var bytes: [UInt8]? { Hex.decode(hex) }

    public init(keyid: String, hex: String) {
        self.keyid = keyid
        self.hex = hex
    }
}

/// A metadata file as received: its exact bytes, the `signed` object and the canonical
/// bytes signatures cover, and the signatures, keyids unique.
public struct Envelope: Sendable {
    public let bytes: [UInt8]
    public let signed: JSONValue
    public let canonicalSigned: [UInt8]
    public let signatures: [String: Signature]
    /// The `_type` of `signed`.
    public let type: String

    /// Parses `bytes` as metadata of role `role` (the name used in errors).
    public init(bytes: [UInt8], role: String) throws(TUFError) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw .malformed(role: role, reason: "\(error)") }
        let top = try Fields(json, role: role, path: "metadata")
        signed = try top.value("signed")
        let signedFields = try top.fields("signed")
        type = try signedFields.string("_type")
        var signatures: [String: Signature] = [:]
        for (i, s) in (try top.array("signatures")).enumerated() {
            let f = try Fields(s, role: role, path: "signatures[\(i)]")
            let keyid = try f.string("keyid")
            if signatures[keyid] != nil { throw .malformed(role: role, reason: "two signatures name key \(keyid)") }
            signatures[keyid] = Signature(keyid: keyid, hex: try f.string("sig"))
        }
        self.signatures = signatures
        self.bytes = bytes
        canonicalSigned = CanonicalJSON.encode(signed)
    }

    /// An envelope around `signed` with `signatures`, written as a repository serves it.
    public init(signed: JSONValue, signatures: [Signature]) {
        var dict: [String: Signature] = [:]
        for s in signatures { dict[s.keyid] = s }
        self.signatures = dict
        self.signed = signed
        canonicalSigned = CanonicalJSON.encode(signed)
        type = signed.object?["_type"]?.string ?? ""
        let list = JSONValue.array(signatures.map { .object(["keyid": .string($0.keyid), "sig": .string($0.hex)]) })
        bytes = Array(CanonicalJSON.pretty(.object(["signed": signed, "signatures": list])).utf8) + [0x0A]
    }

    /// How many of `role`'s keys made a valid signature over the canonical `signed`
    /// bytes. Each keyid counts once (keyids in a role and in `signatures` are unique); a
    /// key the delegator lists but does not define, an undecodable or wrong signature
    /// count for nothing.
    public func validSignatures(keys: [String: Key], role: RoleKeys) -> Int {
        var valid = 0
        for keyid in role.keyids {
            guard let key = keys[keyid], let signature = signatures[keyid]?.bytes else { continue }
            if key.verify(signature: signature, over: canonicalSigned) { valid += 1 }
        }
        return valid
    }

    /// Throws unless the signatures of `role`'s keys reach its threshold.
    public func verify(name: String, keys: [String: Key], role: RoleKeys) throws(TUFError) {
        let valid = validSignatures(keys: keys, role: role)
        if valid < role.threshold { throw .unsigned(role: name, valid: valid, threshold: role.threshold) }
    }
}

/// A public key of a role: what metadata says, and the parsed key when it parses.
public struct Key: Sendable, Equatable {
    public var keyType: String
    public var scheme: String
    public var publicValue: String
    public var unrecognized: [String: JSONValue]
    /// nil when the key's value does not parse: the key then verifies nothing, as in
    /// securesystemslib, which parses a key only when it verifies.
    let parsed: PublicKey?

    public init(_ key: PublicKey, unrecognized: [String: JSONValue] = [:]) {
        keyType = key.keyType
        scheme = key.scheme
        publicValue = key.publicValue
        self.unrecognized = unrecognized
        parsed = key
    }

    init(json: JSONValue, role: String, path: String) throws(TUFError) {
        let f = try Fields(json, role: role, path: path)
        keyType = try f.string("keytype")
        scheme = try f.string("scheme")
        publicValue = try f.fields("keyval").string("public")
        unrecognized = f.unrecognized(["keytype", "scheme", "keyval"])
        do {
            parsed = try PublicKey(keyType: keyType, scheme: scheme, publicValue: publicValue)
        } catch {
            switch error {
            case .malformedPublicKey: parsed = nil
            case .unsupportedKeyType, .unsupportedScheme, .malformedPrivateKey, .cryptoFailure:
                throw .malformed(role: role, reason: "\(path): \(error)")
            }
        }
    }

    public static func == (a: Key, b: Key) -> Bool {
        a.keyType == b.keyType && a.scheme == b.scheme && a.publicValue == b.publicValue && a.unrecognized == b.unrecognized
    }

    public func verify(signature: [UInt8], over message: [UInt8]) -> Bool {
        parsed?.verify(signature: signature, over: message) ?? false
    }

    public var json: JSONValue {
        var o = unrecognized
        o["keytype"] = .string(keyType)
        o["scheme"] = .string(scheme)
        o["keyval"] = .object(["public": .string(publicValue)])
        return .object(o)
    }

    /// The key id TUF uses: the SHA-256 of the key's canonical JSON, in hex (as
    /// securesystemslib computes it for the keys it makes).
    public var keyid: String { Hex.encode(HashAlgorithm.sha256.digest(CanonicalJSON.encode(json))) }
}

/// The keys that may sign a role and how many must.
public struct RoleKeys: Sendable, Equatable {
    public var keyids: [String]
    public var threshold: Int
    public var unrecognized: [String: JSONValue] = [:]

    public init(keyids: [String], threshold: Int) {
        self.keyids = keyids
        self.threshold = threshold
    }

    init(_ f: Fields) throws(TUFError) {
        keyids = try f.strings("keyids")
        if Set(keyids).count != keyids.count { throw f.fail("keyids", "lists a keyid twice") }
        let t = try f.integer("threshold")
        if t < 1 || t > Int64(Int32.max) { throw f.fail("threshold", "is \(t); it must be at least 1") }
        threshold = Int(t)
        unrecognized = f.unrecognized(["keyids", "threshold"])
    }

    var jsonMembers: [String: JSONValue] {
        var o = unrecognized
        o["keyids"] = .array(keyids.map { .string($0) })
        o["threshold"] = .integer(Int64(threshold))
        return o
    }
}

/// What every role's `signed` holds.
public struct CommonFields: Sendable, Equatable {
    public var type: String
    public var version: Int
    public var specVersion: String
    /// Seconds since 1970.
    public var expires: Int64
    public var unrecognized: [String: JSONValue]

    public static let specificationVersion = "1.0.31"

    public init(type: String, version: Int, expires: Int64) {
        self.type = type
        self.version = version
        specVersion = Self.specificationVersion
        self.expires = expires
        unrecognized = [:]
    }

    init(_ f: Fields, type expected: String, known: Set<String>) throws(TUFError) {
        type = try f.string("_type")
        if type != expected { throw .malformed(role: f.role, reason: "expected a \(expected) role, got '\(type)'") }
        let v = try f.integer("version")
        if v < 1 || v > Int64(Int32.max) { throw f.fail("version", "is \(v); versions start at 1") }
        version = Int(v)
        specVersion = try f.string("spec_version")
        let parts = specVersion.split(separator: ".", omittingEmptySubsequences: false)
        if !(2...3).contains(parts.count) || !parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) {
            throw f.fail("spec_version", "'\(specVersion)' is not a version")
        }
        if parts[0] != "1" { throw f.fail("spec_version", "'\(specVersion)' is not a 1.x specification") }
        let e = try f.string("expires")
        guard let seconds = Expiry.parse(e) else { throw f.fail("expires", "'\(e)' is not YYYY-MM-DDTHH:MM:SSZ") }
        expires = seconds
        unrecognized = f.unrecognized(known.union(["_type", "version", "spec_version", "expires"]))
    }

    public func isExpired(at now: Int64) -> Bool { now >= expires }

    var jsonMembers: [String: JSONValue] {
        var o = unrecognized
        o["_type"] = .string(type)
        o["version"] = .integer(Int64(version))
        o["spec_version"] = .string(specVersion)
        o["expires"] = .string(Expiry.format(expires))
        return o
    }
}

/// Parsed keys of a `keys` object.
func parseKeys(_ f: Fields) throws(TUFError) -> [String: Key] {
    var keys: [String: Key] = [:]
    for (keyid, json) in f.object { keys[keyid] = try Key(json: json, role: f.role, path: "\(f.path).\(keyid)") }
    return keys
}

func keysJSON(_ keys: [String: Key]) -> JSONValue { .object(keys.mapValues(\.json)) }

/// Hashes as metadata lists them: algorithm name to lowercase hex.
func verifyHashes(_ hashes: [String: String], of data: [UInt8], file: String) throws(TUFError) {
    for (name, expected) in hashes {
        guard let algorithm = HashAlgorithm(name: name) else {
            throw .lengthOrHashMismatch(file: file, reason: "unsupported hash algorithm '\(name)'")
        }
        let observed = Hex.encode(algorithm.digest(data))
        if observed != expected { throw .lengthOrHashMismatch(file: file, reason: "\(name) is \(observed), expected \(expected)") }
    }
}

/// The root role: the keys and thresholds of the top-level roles.
public struct Root: Sendable, Equatable {
    public var common: CommonFields
    public var consistentSnapshot: Bool
    public var keys: [String: Key]
    public var roles: [String: RoleKeys]

    public init(common: CommonFields, consistentSnapshot: Bool, keys: [String: Key], roles: [String: RoleKeys]) {
        self.common = common
        self.consistentSnapshot = consistentSnapshot
        self.keys = keys
        self.roles = roles
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        let f = try Fields(signed, role: "root", path: "signed")
        common = try CommonFields(f, type: "root", known: ["consistent_snapshot", "keys", "roles"])
        consistentSnapshot = f.object["consistent_snapshot"] == nil ? false : try f.bool("consistent_snapshot")
        keys = try parseKeys(try f.fields("keys"))
        let rolesFields = try f.fields("roles")
        var roles: [String: RoleKeys] = [:]
        for (name, json) in rolesFields.object { roles[name] = try RoleKeys(try Fields(json, role: "root", path: "signed.roles.\(name)")) }
        if Set(roles.keys) != Set(TopLevelRole.allCases.map(\.rawValue)) {
            throw .malformed(role: "root", reason: "signed.roles names \(roles.keys.sorted()); it must name exactly root, targets, snapshot and timestamp")
        }
        self.roles = roles
    }

    public var json: JSONValue {
        var o = common.jsonMembers
        o["consistent_snapshot"] = .bool(consistentSnapshot)
        o["keys"] = keysJSON(keys)
        o["roles"] = .object(roles.mapValues { .object($0.jsonMembers) })
        return .object(o)
    }

    public func role(_ r: TopLevelRole) -> RoleKeys { roles[r.rawValue]! }

    /// Throws unless `envelope` carries a threshold of valid signatures of top-level
    /// role `r` as this root defines it.
    public func verify(_ envelope: Envelope, as r: TopLevelRole) throws(TUFError) {
        try envelope.verify(name: r.rawValue, keys: keys, role: role(r))
    }
}

/// What a timestamp says of snapshot, and a snapshot of each targets role.
public struct MetaFile: Sendable, Equatable {
    public var version: Int
    public var length: Int?
    public var hashes: [String: String]?
    public var unrecognized: [String: JSONValue] = [:]

    public init(version: Int, length: Int? = nil, hashes: [String: String]? = nil) {
        self.version = version
        self.length = length
        self.hashes = hashes
    }

    init(_ f: Fields) throws(TUFError) {
        let v = try f.integer("version")
        if v < 1 || v > Int64(Int32.max) { throw f.fail("version", "is \(v); versions start at 1") }
        version = Int(v)
        if let l = try f.optionalInteger("length") {
            if l < 0 { throw f.fail("length", "is negative") }
            length = Int(l)
        }
        if f.object["hashes"] != nil {
            let h = try f.stringMap("hashes")
            if h.isEmpty { throw f.fail("hashes", "is empty") }
            hashes = h
        }
        unrecognized = f.unrecognized(["version", "length", "hashes"])
    }

    var json: JSONValue {
        var o = unrecognized
        o["version"] = .integer(Int64(version))
        if let length { o["length"] = .integer(Int64(length)) }
        if let hashes { o["hashes"] = .object(hashes.mapValues { .string($0) }) }
        return .object(o)
    }

    /// Throws unless `data` has the length and hashes this entry states (if it states them).
    public func verify(_ data: [UInt8], file: String) throws(TUFError) {
        if let length, data.count != length {
            throw .lengthOrHashMismatch(file: file, reason: "\(data.count) bytes, expected \(length)")
        }
        if let hashes { try verifyHashes(hashes, of: data, file: file) }
    }
}

/// The timestamp role: the current snapshot's version (and length and hashes).
public struct Timestamp: Sendable, Equatable {
    public var common: CommonFields
    public var snapshot: MetaFile

    public init(common: CommonFields, snapshot: MetaFile) {
        self.common = common
        self.snapshot = snapshot
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        let f = try Fields(signed, role: "timestamp", path: "signed")
        common = try CommonFields(f, type: "timestamp", known: ["meta"])
        let meta = try f.fields("meta")
        if meta.object.count != 1 { throw meta.fail("", "must hold snapshot.json only") }
        snapshot = try MetaFile(try meta.fields("snapshot.json"))
    }

    public var json: JSONValue {
        var o = common.jsonMembers
        o["meta"] = .object(["snapshot.json": snapshot.json])
        return .object(o)
    }
}

/// The snapshot role: the version of every targets role.
public struct Snapshot: Sendable, Equatable {
    public var common: CommonFields
    public var meta: [String: MetaFile]

    public init(common: CommonFields, meta: [String: MetaFile]) {
        self.common = common
        self.meta = meta
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        let f = try Fields(signed, role: "snapshot", path: "signed")
        common = try CommonFields(f, type: "snapshot", known: ["meta"])
        let m = try f.fields("meta")
        var meta: [String: MetaFile] = [:]
        for (name, json) in m.object { meta[name] = try MetaFile(try Fields(json, role: "snapshot", path: "signed.meta.\(name)")) }
        self.meta = meta
    }

    public var json: JSONValue {
        var o = common.jsonMembers
        o["meta"] = .object(meta.mapValues(\.json))
        return .object(o)
    }
}

/// A target file: its length, hashes and free-form `custom` data.
public struct TargetFile: Sendable, Equatable {
    public var path: String
    public var length: Int
    public var hashes: [String: String]
    public var unrecognized: [String: JSONValue] = [:]

    public init(path: String, length: Int, hashes: [String: String], custom: JSONValue? = nil) {
        self.path = path
        self.length = length
        self.hashes = hashes
        if let custom { unrecognized["custom"] = custom }
    }

    /// The length and hashes of `data`, as a repository lists a new target.
    public init(path: String, data: [UInt8], custom: JSONValue? = nil) {
        self.init(path: path, length: data.count, hashes: [
            "sha256": Hex.encode(HashAlgorithm.sha256.digest(data)),
            "sha512": Hex.encode(HashAlgorithm.sha512.digest(data)),
        ], custom: custom)
    }

    init(path: String, _ f: Fields) throws(TUFError) {
        self.path = path
        let l = try f.integer("length")
        if l < 0 || l > Int64(Int.max / 2) { throw f.fail("length", "is \(l)") }
        length = Int(l)
        hashes = try f.stringMap("hashes")
        if hashes.isEmpty { throw f.fail("hashes", "is empty") }
        unrecognized = f.unrecognized(["length", "hashes"])
    }

    public var custom: JSONValue? { unrecognized["custom"] }

    var json: JSONValue {
        var o = unrecognized
        o["length"] = .integer(Int64(length))
        o["hashes"] = .object(hashes.mapValues { .string($0) })
        return .object(o)
    }

    /// Throws unless `data` is this target: its length, then every hash listed.
    public func verify(_ data: [UInt8]) throws(TUFError) {
        if data.count != length { throw .lengthOrHashMismatch(file: path, reason: "\(data.count) bytes, expected \(length)") }
        try verifyHashes(hashes, of: data, file: path)
    }
}
