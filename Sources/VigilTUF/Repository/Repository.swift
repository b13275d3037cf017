#if canImport(Glibc)
import Glibc
#endif

/// A TUF repository on disk, as `vigil repo` keeps it:
///
///     DIR/repository.json          expiry periods and the key type (not served)
///     DIR/keys/ROLE/KEYID.pem      private keys, 0600 in a 0700 folder (never served)
///     DIR/staged/ROLE.json         targets roles changed since the last publish
///     DIR/metadata/                served as the metadata URL: N.root.json,
///                                  N.targets.json, N.ROLE.json, N.snapshot.json,
///                                  timestamp.json (consistent snapshots)
///     DIR/targets/                 served as the target base URL: each target as
///                                  DIR/HASH.NAME for its sha256 and its sha512
///
/// The published state is read back the way a client reads it (the newest root, then
/// timestamp, snapshot and every targets role it lists), so the served files are the
/// only record of it. Each file is written atomically, metadata in the order a client
/// reads it backwards (targets roles, snapshot, then timestamp.json last), so a client
/// that reads while a command runs sees the old repository or the new one. Keys may be
/// kept offline: a command needs only the private keys of the roles it signs (moving
/// `keys/root` away leaves `add` and `publish` working).
public struct Repository {
    public let directory: String
    public private(set) var settings: Settings
    public private(set) var root: Root
    public private(set) var snapshot: Snapshot
    public private(set) var timestamp: Timestamp
    /// Every targets role as published, by name.
    public private(set) var published: [String: Targets]
    /// Targets roles changed since the last publish (new roles included).
    public private(set) var staged: [String: Targets]
    /// The time the command runs at, seconds since 1970.
    public let now: Int64

    /// What `repository.json` holds.
    public struct Settings: Sendable, Equatable {
        /// How long each role's metadata stays valid, in days, by role name; a delegated
        /// role without an entry gets the targets role's period.
        public var expiryDays: [String: Int]
        /// The kind of key new keys are.
        public var keyAlgorithm: SigningKey.Algorithm

        public static let defaultExpiryDays = ["root": 365, "targets": 90, "snapshot": 7, "timestamp": 1]

        public init(expiryDays: [String: Int] = Settings.defaultExpiryDays, keyAlgorithm: SigningKey.Algorithm = .ecdsaP256) {
            self.expiryDays = expiryDays
            self.keyAlgorithm = keyAlgorithm
        }

        func days(_ role: String) -> Int { expiryDays[role] ?? expiryDays["targets"] ?? 90 }

        var json: JSONValue {
            .object([
                "expiry_days": .object(expiryDays.mapValues { .integer(Int64($0)) }),
                "key_type": .string(keyAlgorithm.rawValue),
            ])
        }

        init(json: JSONValue, path: String) throws(TUFError) {
            let f = try Fields(json, role: path, path: "repository")
            var days: [String: Int] = [:]
            for (role, value) in try f.fields("expiry_days").object {
                guard case .integer(let d) = value, d >= 1, d <= 36_500 else {
                    throw .malformed(role: path, reason: "expiry_days.\(role) must be a whole number of days from 1 to 36500")
                }
                days[role] = Int(d)
            }
            let type = try f.string("key_type")
            guard let algorithm = SigningKey.Algorithm(rawValue: type) else {
                throw .malformed(role: path, reason: "key_type '\(type)' is not ecdsa, ed25519 or rsa")
            }
            self.init(expiryDays: days, keyAlgorithm: algorithm)
        }
    }

    var settingsPath: String { "\(directory)/repository.json" }
    var metadataDirectory: String { "\(directory)/metadata" }
    var targetsDirectory: String { "\(directory)/targets" }
    var stagedDirectory: String { "\(directory)/staged" }
    func keyDirectory(_ role: String) -> String { "\(directory)/keys/\(role)" }

    // MARK: Creating and opening

    /// Creates a repository in `directory` (missing or empty): a key per threshold unit
    /// for each top-level role, and version 1 of every role, signed and published.
    public static func create(at directory: String, settings: Settings = Settings(), thresholds: [String: Int] = [:],
                              now: Int64 = LocalFiles.now()) throws(TUFError) -> Repository {
        for (role, t) in thresholds {
            guard TopLevelRole(rawValue: role) != nil else { throw .usage("--threshold names '\(role)', not root, targets, snapshot or timestamp") }
            guard (1...16).contains(t) else { throw .usage("the threshold of \(role) must be from 1 to 16, not \(t)") }
        }
        for (role, d) in settings.expiryDays where !(1...36_500).contains(d) {
            throw .usage("the expiry of \(role) must be from 1 to 36500 days, not \(d)")
        }
        if LocalFiles.exists(directory) {
            guard LocalFiles.isDirectory(directory) else { throw .usage("\(directory) exists and is not a folder") }
            guard try LocalFiles.list(directory).isEmpty else { throw .usage("\(directory) is not empty; a repository is created in a new or empty folder") }
        }
        try LocalFiles.makeDirectory(directory)
        try LocalFiles.makeDirectory("\(directory)/keys", mode: 0o700)
        try LocalFiles.makeDirectory("\(directory)/metadata")
        try LocalFiles.makeDirectory("\(directory)/targets")
        try LocalFiles.makeDirectory("\(directory)/staged")
        try LocalFiles.writeAtomically(Array(CanonicalJSON.pretty(settings.json).utf8) + [0x0A], to: "\(directory)/repository.json")

        var keys: [String: Key] = [:]
        var roles: [String: RoleKeys] = [:]
        for role in TopLevelRole.allCases {
            let threshold = thresholds[role.rawValue] ?? 1
            var keyids: [String] = []
            for _ in 0..<threshold {
                let key = try storeNewKey(directory: directory, role: role.rawValue, algorithm: settings.keyAlgorithm)
                keys[key.keyid] = key
                keyids.append(key.keyid)
            }
            roles[role.rawValue] = RoleKeys(keyids: keyids.sorted(), threshold: threshold)
        }
        var repository = Repository(
            directory: directory, settings: settings,
            root: Root(common: CommonFields(type: "root", version: 1, expires: now + Int64(settings.days("root")) * 86_400),
                       consistentSnapshot: true, keys: keys, roles: roles),
            snapshot: Snapshot(common: CommonFields(type: "snapshot", version: 0, expires: 0), meta: [:]),
            timestamp: Timestamp(common: CommonFields(type: "timestamp", version: 0, expires: 0), snapshot: MetaFile(version: 0)),
            published: [:], staged: ["targets": Targets(common: CommonFields(type: "targets", version: 1, expires: now))], now: now)
        try repository.writeRoot(signers: [repository.root])
        try repository.publish()
        return repository
    }

    /// Opens the repository in `directory` and reads its published state back.
    public init(at directory: String, now: Int64 = LocalFiles.now()) throws(TUFError) {
        self.directory = directory
        self.now = now
        let settingsPath = "\(directory)/repository.json"
        guard LocalFiles.exists(settingsPath) else { throw .usage("\(directory) is not a repository (no repository.json; create one with `vigil repo init`)") }
        settings = try Settings(json: try parseJSON(try LocalFiles.read(settingsPath), role: settingsPath), path: settingsPath)

        let metadata = "\(directory)/metadata"
        let rootVersions = try LocalFiles.list(metadata).compactMap { name -> Int? in
            guard name.hasSuffix(".root.json") else { return nil }
            return Int(name.dropLast(10))
        }
        guard let rootVersion = rootVersions.max() else { throw .storage(path: metadata, reason: "no N.root.json") }
        root = try Root(try envelope(metadata, "\(rootVersion).root.json", role: "root").signed)
        timestamp = try Timestamp(try envelope(metadata, "timestamp.json", role: "timestamp").signed)
        snapshot = try Snapshot(try envelope(metadata, "\(timestamp.snapshot.version).snapshot.json", role: "snapshot").signed)
        var published: [String: Targets] = [:]
        for (file, meta) in snapshot.meta {
            guard file.hasSuffix(".json") else { throw .malformed(role: "snapshot", reason: "meta names '\(file)'") }
            let name = String(file.dropLast(5))
            published[name] = try Targets(try envelope(metadata, "\(meta.version).\(file)", role: name).signed, role: name)
        }
        self.published = published
        var staged: [String: Targets] = [:]
        for file in try LocalFiles.list("\(directory)/staged") where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            staged[name] = try Targets(try parseJSON(try LocalFiles.read("\(directory)/staged/\(file)"), role: name), role: name)
        }
        self.staged = staged
    }

    private init(directory: String, settings: Settings, root: Root, snapshot: Snapshot, timestamp: Timestamp,
                 published: [String: Targets], staged: [String: Targets], now: Int64) {
        self.directory = directory
        self.settings = settings
        self.root = root
        self.snapshot = snapshot
        self.timestamp = timestamp
        self.published = published
        self.staged = staged
        self.now = now
    }

    /// Runs `body` on the repository in `directory` while holding its lock.
    public static func withRepository<T>(at directory: String, now: Int64 = LocalFiles.now(),
                                         _ body: (inout Repository) throws(TUFError) -> T) throws(TUFError) -> T {
        guard LocalFiles.exists("\(directory)/repository.json") else {
            throw .usage("\(directory) is not a repository (no repository.json; create one with `vigil repo init`)")
        }
        return try LocalFiles.withLock("\(directory)/.lock") { () throws(TUFError) -> T in
            var repository = try Repository(at: directory, now: now)
            return try body(&repository)
        }
    }

    /// The targets role `name` as it will be published next.
    public func current(_ name: String) -> Targets? { staged[name] ?? published[name] }

    // MARK: Targets

    /// Adds the file's bytes as target `path` of targets role `role` (the top-level
    /// targets role, or a delegated role), creating the delegation from the top-level
    /// targets role if `role` is new: a fresh key, threshold 1, trusted for `ROLE/*`.
    /// The target file is copied under its hash-prefixed names at once; its metadata is
    /// staged until `publish`.
    @discardableResult
    public mutating func add(_ data: [UInt8], path: String, role: String = "targets") throws(TUFError) -> TargetFile {
        if role != "targets" { try Self.checkRoleName(role) }
        try Self.checkTargetPath(path)
        if role != "targets" {
            if current(role) == nil { try delegate(role, paths: ["\(role)/*"]) }
            guard let keys = delegation(of: role), keys.delegatedRole.isDelegated(path) else {
                let patterns = delegation(of: role)?.delegatedRole.paths?.joined(separator: ", ") ?? "none"
                throw .usage("role '\(role)' is not trusted for '\(path)' (its paths: \(patterns))")
            }
        }
        guard var targets = current(role) else { throw .usage("no targets role '\(role)'") }
        let file = TargetFile(path: path, data: data)
        let (folder, name) = Self.split(path)
        let destination = folder.isEmpty ? targetsDirectory : "\(targetsDirectory)/\(folder)"
        try LocalFiles.makeDirectory(destination)
        for algorithm in HashAlgorithm.allCases {
            try LocalFiles.writeAtomically(data, to: "\(destination)/\(file.hashes[algorithm.rawValue]!).\(name)")
        }
        targets.targets[path] = file
        try stage(role, targets)
        return file
    }

    /// Removes target `path` from `role` (the file stays served for clients still on the
    /// old snapshot).
    public mutating func remove(path: String, role: String = "targets") throws(TUFError) {
        guard var targets = current(role), targets.targets[path] != nil else { throw .usage("role '\(role)' lists no target '\(path)'") }
        targets.targets[path] = nil
        try stage(role, targets)
    }

    /// The delegation to `role` and its delegator's name.
    func delegation(of role: String) -> (delegator: String, delegatedRole: DelegatedRole)? {
        for name in (Array(published.keys) + Array(staged.keys)).sorted() {
            if let r = current(name)?.delegations?.roles?.first(where: { $0.name == role }) { return (name, r) }
        }
        return nil
    }

    /// Delegates `paths` from the top-level targets role to a new role with a new key.
    mutating func delegate(_ role: String, paths: [String]) throws(TUFError) {
        guard var targets = current("targets") else { throw .usage("no targets role") }
        let key = try Self.storeNewKey(directory: directory, role: role, algorithm: settings.keyAlgorithm)
        var delegations = targets.delegations ?? Delegations(keys: [:], roles: [])
        guard delegations.roles != nil else { throw .usage("targets delegates with succinct roles; vigil repo does not add to them") }
        delegations.keys[key.keyid] = key
        delegations.roles!.append(DelegatedRole(name: role, keys: RoleKeys(keyids: [key.keyid], threshold: 1), terminating: true, paths: paths))
        targets.delegations = delegations
        try stage("targets", targets)
        try stage(role, Targets(common: CommonFields(type: "targets", version: 1, expires: now)))
    }

    mutating func stage(_ role: String, _ targets: Targets) throws(TUFError) {
        staged[role] = targets
        try LocalFiles.writeAtomically(Array(CanonicalJSON.pretty(targets.json).utf8) + [0x0A], to: "\(stagedDirectory)/\(role).json")
    }

    // MARK: Publishing

    /// Signs and publishes a new version of every staged targets role and of every role
    /// within half its period of expiring, then a new snapshot and timestamp.
    public mutating func publish() throws(TUFError) {
        if root.common.expires - now < Int64(settings.days("root")) * 43_200 {
            root.common.version += 1
            root.common.expires = now + Int64(settings.days("root")) * 86_400
            try writeRoot(signers: [root])
        }
        var changed = staged
        for (name, targets) in published where changed[name] == nil && targets.common.expires - now < Int64(settings.days(name)) * 43_200 {
            changed[name] = targets
        }
        // Roles no delegation reaches any more are left out of the new snapshot.
        var meta: [String: MetaFile] = [:]
        var reachable: [String] = ["targets"]
        var seen = Set<String>()
        while let name = reachable.popLast() {
            guard seen.insert(name).inserted, let targets = changed[name] ?? published[name] else { continue }
            reachable.append(contentsOf: targets.delegations?.roles?.map(\.name) ?? [])
        }
        for name in seen.sorted() {
            guard var targets = changed[name] ?? published[name] else { continue }
            if changed[name] != nil {
                targets.common.version = (published[name]?.common.version ?? 0) + 1
                targets.common.expires = now + Int64(settings.days(name)) * 86_400
                let bytes = try sign(targets.json, role: name)
                try LocalFiles.writeAtomically(bytes, to: "\(metadataDirectory)/\(targets.common.version).\(name).json")
                published[name] = targets
                meta["\(name).json"] = MetaFile(version: targets.common.version, length: bytes.count, hashes: ["sha256": Hex.encode(HashAlgorithm.sha256.digest(bytes))])
            } else {
                meta["\(name).json"] = snapshot.meta["\(name).json"] ?? MetaFile(version: targets.common.version)
            }
        }
        snapshot = Snapshot(common: CommonFields(type: "snapshot", version: snapshot.common.version + 1, expires: now + Int64(settings.days("snapshot")) * 86_400), meta: meta)
        let snapshotBytes = try sign(snapshot.json, role: "snapshot")
        try LocalFiles.writeAtomically(snapshotBytes, to: "\(metadataDirectory)/\(snapshot.common.version).snapshot.json")
        timestamp = Timestamp(common: CommonFields(type: "timestamp", version: timestamp.common.version + 1, expires: now + Int64(settings.days("timestamp")) * 86_400),
                              snapshot: MetaFile(version: snapshot.common.version, length: snapshotBytes.count,
                                                 hashes: ["sha256": Hex.encode(HashAlgorithm.sha256.digest(snapshotBytes))]))
        try LocalFiles.writeAtomically(try sign(timestamp.json, role: "timestamp"), to: "\(metadataDirectory)/timestamp.json")
        for name in staged.keys { LocalFiles.remove("\(stagedDirectory)/\(name).json") }
        staged = [:]
    }

    // MARK: Keys

    /// Replaces every key of `role` with `threshold` new keys (the current threshold if
    /// nil) and publishes the change: a new root for a top-level role (a new root is
    /// signed by the old root keys and the new), the delegator's new version for a
    /// delegated role, then the role itself re-signed, snapshot and timestamp. The old
    /// private keys are deleted once nothing needs them.
    public mutating func rotate(_ role: String, threshold newThreshold: Int? = nil) throws(TUFError) {
        if let t = newThreshold, !(1...16).contains(t) { throw .usage("a threshold must be from 1 to 16, not \(t)") }
        let oldKeyids: [String]
        if let top = TopLevelRole(rawValue: role) {
            let oldRoot = root
            let old = root.role(top)
            let threshold = newThreshold ?? old.threshold
            var keyids: [String] = []
            for _ in 0..<threshold {
                let key = try Self.storeNewKey(directory: directory, role: role, algorithm: settings.keyAlgorithm)
                root.keys[key.keyid] = key
                keyids.append(key.keyid)
            }
            root.roles[role] = RoleKeys(keyids: keyids.sorted(), threshold: threshold)
            let stillUsed = Set(root.roles.values.flatMap(\.keyids))
            for keyid in old.keyids where !stillUsed.contains(keyid) { root.keys[keyid] = nil }
            root.common.version += 1
            root.common.expires = now + Int64(settings.days("root")) * 86_400
            try writeRoot(signers: top == .root ? [oldRoot, root] : [root])
            oldKeyids = old.keyids
            switch top {
            case .root, .snapshot, .timestamp: break
            case .targets: if let t = current("targets") { try stage("targets", t) }
            }
        } else {
            guard let (delegator, delegated) = delegation(of: role), var parent = current(delegator) else {
                throw .usage("'\(role)' is neither a top-level role nor a delegated role of this repository")
            }
            let threshold = newThreshold ?? delegated.keys.threshold
            var delegations = parent.delegations!
            var keyids: [String] = []
            for _ in 0..<threshold {
                let key = try Self.storeNewKey(directory: directory, role: role, algorithm: settings.keyAlgorithm)
                delegations.keys[key.keyid] = key
                keyids.append(key.keyid)
            }
            let index = delegations.roles!.firstIndex { $0.name == role }!
            delegations.roles![index].keys = RoleKeys(keyids: keyids.sorted(), threshold: threshold)
            let stillUsed = Set(delegations.roles!.flatMap(\.keys.keyids))
            for keyid in delegated.keys.keyids where !stillUsed.contains(keyid) { delegations.keys[keyid] = nil }
            parent.delegations = delegations
            try stage(delegator, parent)
            if let t = current(role) { try stage(role, t) }
            oldKeyids = delegated.keys.keyids
        }
        try publish()
        for keyid in oldKeyids { LocalFiles.remove("\(keyDirectory(role))/\(keyid).pem") }
    }

    /// Generates a key of `algorithm` for `role` and stores its private half, 0600.
    static func storeNewKey(directory: String, role: String, algorithm: SigningKey.Algorithm) throws(TUFError) -> Key {
        let signing: SigningKey
        do { signing = try SigningKey.generate(algorithm) } catch { throw .storage(path: "\(directory)/keys", reason: "\(error)") }
        let key = Key(signing.publicKey)
        let folder = "\(directory)/keys/\(role)"
        try LocalFiles.makeDirectory(folder, mode: 0o700)
        try LocalFiles.writeAtomically(Array(signing.pem.utf8), to: "\(folder)/\(key.keyid).pem", mode: 0o600)
        return key
    }

    /// The private keys of `role` found in its key folder, by keyid.
    func signingKeys(_ role: String) throws(TUFError) -> [String: SigningKey] {
        let folder = keyDirectory(role)
        guard LocalFiles.isDirectory(folder) else { return [:] }
        var keys: [String: SigningKey] = [:]
        for file in try LocalFiles.list(folder) where file.hasSuffix(".pem") {
            let path = "\(folder)/\(file)"
            let key: SigningKey
            do { key = try SigningKey(pem: String(decoding: try LocalFiles.read(path, maxLength: 65_536), as: UTF8.self)) } catch {
                throw .storage(path: path, reason: "\(error)")
            }
            keys[Key(key.publicKey).keyid] = key
        }
        return keys
    }

    /// The envelope of `signed` signed by every available key of `role`; throws unless
    /// they reach its threshold.
    func sign(_ signed: JSONValue, role: String) throws(TUFError) -> [UInt8] {
        let keys: RoleKeys
        if let top = TopLevelRole(rawValue: role) {
            keys = root.role(top)
        } else {
            guard let d = delegation(of: role) else { throw .usage("no role delegates to '\(role)'") }
            keys = d.delegatedRole.keys
        }
        return try sign(signed, role: role, keys: keys).bytes
    }

    func sign(_ signed: JSONValue, role: String, keys: RoleKeys) throws(TUFError) -> Envelope {
        let available = try signingKeys(role)
        let message = CanonicalJSON.encode(signed)
        var signatures: [Signature] = []
        for keyid in keys.keyids.sorted() {
            guard let key = available[keyid] else { continue }
            do { signatures.append(Signature(keyid: keyid, hex: Hex.encode(try key.sign(message)))) } catch {
                throw .storage(path: "\(keyDirectory(role))/\(keyid).pem", reason: "\(error)")
            }
        }
        if signatures.count < keys.threshold {
            throw .usage("\(role) needs \(keys.threshold) signature\(keys.threshold == 1 ? "" : "s") and only \(signatures.count) of its private keys are in \(keyDirectory(role))")
        }
        return Envelope(signed: signed, signatures: signatures)
    }

    /// Writes the current root as `N.root.json`, signed by the root keys of every root in
    /// `signers` (the old root and the new one for a rotation), each to its threshold.
    mutating func writeRoot(signers: [Root]) throws(TUFError) {
        let available = try signingKeys("root")
        let message = CanonicalJSON.encode(root.json)
        var signatures: [String: Signature] = [:]
        for r in signers {
            let keys = r.role(.root)
            var count = 0
            for keyid in keys.keyids.sorted() {
                guard let key = available[keyid] else { continue }
                if signatures[keyid] == nil {
                    do { signatures[keyid] = Signature(keyid: keyid, hex: Hex.encode(try key.sign(message))) } catch {
                        throw .storage(path: "\(keyDirectory("root"))/\(keyid).pem", reason: "\(error)")
                    }
                }
                count += 1
            }
            if count < keys.threshold {
                throw .usage("root version \(root.common.version) needs \(keys.threshold) signature\(keys.threshold == 1 ? "" : "s") of the keys of root version \(r.common.version) and only \(count) are in \(keyDirectory("root"))")
            }
        }
        let envelope = Envelope(signed: root.json, signatures: signatures.keys.sorted().map { signatures[$0]! })
        try LocalFiles.writeAtomically(envelope.bytes, to: "\(metadataDirectory)/\(root.common.version).root.json")
    }

    // MARK: Names

    /// A target path the client and any web server map to one file: `/`-separated
    /// components, none empty, `.` or `..`, no backslash or control character.
    static func checkTargetPath(_ path: String) throws(TUFError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.isEmpty || components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
            || path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" || $0.value == 0x7F }) {
            throw .usage("'\(path)' is not a target path: '/'-separated names, none empty, '.' or '..', no backslash or control character")
        }
    }

    /// Delegated role names double as file and folder names: letters, digits, `.`, `_`
    /// and `-`, not starting with `.`.
    static func checkRoleName(_ role: String) throws(TUFError) {
        let allowed = role.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
        }
        if role.isEmpty || role.count > 64 || !allowed || role.hasPrefix(".") || TopLevelRole(rawValue: role) != nil {
            throw .usage("'\(role)' cannot name a delegated role: use up to 64 letters, digits, '.', '_' or '-', not a top-level role's name")
        }
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}

private func parseJSON(_ bytes: [UInt8], role: String) throws(TUFError) -> JSONValue {
    do { return try JSONParser.parse(bytes) } catch { throw .malformed(role: role, reason: "\(error)") }
}

private func envelope(_ folder: String, _ file: String, role: String) throws(TUFError) -> Envelope {
    try Envelope(bytes: try LocalFiles.read("\(folder)/\(file)"), role: role)
}
