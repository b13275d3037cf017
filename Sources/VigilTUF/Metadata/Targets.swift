/// A delegation from a targets role to another, for the paths it names.
public struct DelegatedRole: Sendable, Equatable {
    public var name: String
    public var keys: RoleKeys
    /// When true, a search that reaches this role does not go on to the delegator's
    /// later delegations.
    public var terminating: Bool
    /// Path patterns (`fnmatch` per `/`-separated component) or SHA-256 hex prefixes of
    /// the target path; exactly one of the two.
    public var paths: [String]?
    public var pathHashPrefixes: [String]?
    public var unrecognized: [String: JSONValue] = [:]

    public init(name: String, keys: RoleKeys, terminating: Bool, paths: [String]? = nil, pathHashPrefixes: [String]? = nil) {
        self.name = name
        self.keys = keys
        self.terminating = terminating
        self.paths = paths
        self.pathHashPrefixes = pathHashPrefixes
    }

    init(_ f: Fields) throws(TUFError) {
        name = try f.string("name")
        keys = try RoleKeys(f)
        terminating = try f.bool("terminating")
        if f.object["paths"] != nil { paths = try f.strings("paths") }
        if f.object["path_hash_prefixes"] != nil { pathHashPrefixes = try f.strings("path_hash_prefixes") }
        if (paths == nil) == (pathHashPrefixes == nil) { throw f.fail("paths", "and path_hash_prefixes: exactly one must be given") }
        unrecognized = f.unrecognized(["name", "keyids", "threshold", "terminating", "paths", "path_hash_prefixes"])
    }

    var json: JSONValue {
        var o = keys.jsonMembers.merging(unrecognized) { a, _ in a }
        o["name"] = .string(name)
        o["terminating"] = .bool(terminating)
        if let paths { o["paths"] = .array(paths.map { .string($0) }) }
        if let pathHashPrefixes { o["path_hash_prefixes"] = .array(pathHashPrefixes.map { .string($0) }) }
        return .object(o)
    }

    /// Whether this role is trusted for `target`.
    public func isDelegated(_ target: String) -> Bool {
        if let pathHashPrefixes {
            let hash = Hex.encode(HashAlgorithm.sha256.digest(Array(target.utf8)))
            return pathHashPrefixes.contains { hash.hasPrefix($0) }
        }
        let targetParts = target.split(separator: "/", omittingEmptySubsequences: false)
        return (paths ?? []).contains { pattern in
            let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: false)
            return patternParts.count == targetParts.count
                && zip(targetParts, patternParts).allSatisfy { PathPattern.matches(Array($0.0.unicodeScalars), Array($0.1.unicodeScalars)) }
        }
    }
}

/// TAP 15 hash-bin delegation: 2^bitLength terminating roles named
/// `namePrefix-<hex bin>`, a target in the bin its path's SHA-256 selects.
public struct SuccinctRoles: Sendable, Equatable {
    public var keys: RoleKeys
    public var bitLength: Int
    public var namePrefix: String
    public var unrecognized: [String: JSONValue] = [:]

    init(_ f: Fields) throws(TUFError) {
        keys = try RoleKeys(f)
        let b = try f.integer("bit_length")
        if b < 1 || b > 32 { throw f.fail("bit_length", "is \(b); it must be 1 to 32") }
        bitLength = Int(b)
        namePrefix = try f.string("name_prefix")
        unrecognized = f.unrecognized(["keyids", "threshold", "bit_length", "name_prefix"])
    }

    var json: JSONValue {
        var o = keys.jsonMembers.merging(unrecognized) { a, _ in a }
        o["bit_length"] = .integer(Int64(bitLength))
        o["name_prefix"] = .string(namePrefix)
        return .object(o)
    }

    func roleName(for target: String) -> String {
        let d = HashAlgorithm.sha256.digest(Array(target.utf8))
        let top = UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
        let bin = UInt64(top) >> (32 - UInt64(bitLength))
        let width = String((UInt64(1) << UInt64(bitLength)) - 1, radix: 16).count
        let hex = String(bin, radix: 16)
        return "\(namePrefix)-" + String(repeating: "0", count: width - hex.count) + hex
    }

    func isDelegated(role name: String) -> Bool {
        guard name.hasPrefix(namePrefix + "-") else { return false }
        let suffix = name.dropFirst(namePrefix.count + 1)
        let width = String((UInt64(1) << UInt64(bitLength)) - 1, radix: 16).count
        guard suffix.count == width, let bin = UInt64(suffix, radix: 16), suffix.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return false }
        return bin < UInt64(1) << UInt64(bitLength)
    }
}

/// A targets role's delegations: the keys and the ordered roles (or succinct bins).
public struct Delegations: Sendable, Equatable {
    public var keys: [String: Key]
    public var roles: [DelegatedRole]?
    public var succinctRoles: SuccinctRoles?
    public var unrecognized: [String: JSONValue] = [:]

    public init(keys: [String: Key], roles: [DelegatedRole]) {
        self.keys = keys
        self.roles = roles
    }

    init(_ f: Fields) throws(TUFError) {
        keys = try parseKeys(try f.fields("keys"))
        if f.object["roles"] != nil {
            var seen = Set<String>()
            var roles: [DelegatedRole] = []
            for (i, json) in (try f.array("roles")).enumerated() {
                let r = try DelegatedRole(try Fields(json, role: f.role, path: "\(f.path).roles[\(i)]"))
                if r.name.isEmpty || TopLevelRole(rawValue: r.name) != nil {
                    throw f.fail("roles", "delegates to '\(r.name)', which is empty or a top-level role's name")
                }
                if !seen.insert(r.name).inserted { throw f.fail("roles", "delegates to '\(r.name)' twice") }
                roles.append(r)
            }
            self.roles = roles
        }
        if f.object["succinct_roles"] != nil { succinctRoles = try SuccinctRoles(try f.fields("succinct_roles")) }
        if (roles == nil) == (succinctRoles == nil) { throw f.fail("roles", "and succinct_roles: exactly one must be given") }
        unrecognized = f.unrecognized(["keys", "roles", "succinct_roles"])
    }

    var json: JSONValue {
        var o = unrecognized
        o["keys"] = keysJSON(keys)
        if let roles { o["roles"] = .array(roles.map(\.json)) }
        if let succinctRoles { o["succinct_roles"] = succinctRoles.json }
        return .object(o)
    }

    /// The delegated roles trusted for `target`, in order, with their terminating flags.
    public func roles(for target: String) -> [(name: String, terminating: Bool)] {
        if let roles { return roles.filter { $0.isDelegated(target) }.map { ($0.name, $0.terminating) } }
        if let succinctRoles { return [(succinctRoles.roleName(for: target), true)] }
        return []
    }

    /// The keys and threshold this delegator sets for role `name`, or nil when it does
    /// not delegate to it.
    public func keys(for name: String) -> RoleKeys? {
        if let roles { return roles.first { $0.name == name }?.keys }
        if let succinctRoles, succinctRoles.isDelegated(role: name) { return succinctRoles.keys }
        return nil
    }
}

/// A targets role (top-level or delegated): target files and delegations.
public struct Targets: Sendable, Equatable {
    public var common: CommonFields
    public var targets: [String: TargetFile]
    public var delegations: Delegations?

    public init(common: CommonFields, targets: [String: TargetFile] = [:], delegations: Delegations? = nil) {
        self.common = common
        self.targets = targets
        self.delegations = delegations
    }

    public init(_ signed: JSONValue, role: String) throws(TUFError) {
        let f = try Fields(signed, role: role, path: "signed")
        common = try CommonFields(f, type: "targets", known: ["targets", "delegations"])
        var targets: [String: TargetFile] = [:]
        for (path, json) in (try f.fields("targets")).object {
            targets[path] = try TargetFile(path: path, try Fields(json, role: role, path: "signed.targets.\(path)"))
        }
        self.targets = targets
        if f.object["delegations"] != nil { delegations = try Delegations(try f.fields("delegations")) }
    }

    public var json: JSONValue {
        var o = common.jsonMembers
        o["targets"] = .object(targets.mapValues(\.json))
        if let delegations { o["delegations"] = delegations.json }
        return .object(o)
    }
}

/// Python's `fnmatch.fnmatchcase` over Unicode scalars: `*` any run, `?` one scalar,
/// `[seq]`/`[!seq]` a set with ranges; a `[` without its `]` is literal.
enum PathPattern {
    static func matches(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        // Iterative matching with backtracking to the last `*`.
        var t = 0, p = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count {
                switch pattern[p] {
                case "*":
                    starP = p; starT = t; p += 1
                    continue
                case "?":
                    t += 1; p += 1
                    continue
                case "[":
                    if let (matched, next) = set(pattern, at: p, scalar: text[t]) {
                        if matched { t += 1; p = next; continue }
                    } else if text[t] == "[" {
                        t += 1; p += 1; continue
                    }
                default:
                    if pattern[p] == text[t] { t += 1; p += 1; continue }
                }
            }
            if starP < 0 { return false }
            starT += 1
            t = starT
            p = starP + 1
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// Whether `scalar` is in the set starting at `pattern[start] == "["`, and the index
    /// after the set; nil when the `[` has no closing `]` (then it is a literal).
    static func set(_ pattern: [Unicode.Scalar], at start: Int, scalar: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.count && pattern[i] == "!" { negate = true; i += 1 }
        var first = true
        var matched = false
        while i < pattern.count {
            if pattern[i] == "]" && !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < pattern.count && pattern[i + 1] == "-" && pattern[i + 2] != "]" {
                if pattern[i].value <= scalar.value && scalar.value <= pattern[i + 2].value { matched = true }
                i += 3
            } else {
                if pattern[i] == scalar { matched = true }
                i += 1
            }
        }
        return nil
    }
}
