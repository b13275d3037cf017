/// Limits and switches of the client workflow (python-tuf's defaults).
public struct UpdaterConfiguration: Sendable {
    public var maxRootRotations = 256
    public var maxDelegations = 32
    public var rootMaxLength = 512_000
    public var timestampMaxLength = 16_384
    public var snapshotMaxLength = 2_000_000
    public var targetsMaxLength = 5_000_000
    /// Targets of a consistent-snapshot repository are fetched as `dir/HASH.name`.
    public var prefixTargetsWithHash = true

    public init() {}
}

/// The TUF client workflow (specification §5) over a local metadata directory and a
/// remote repository: root rotation, then timestamp, snapshot and top-level targets,
/// then delegated targets on demand, then target files.
///
/// The metadata directory holds what the client trusts, by role name (`root.json`,
/// `timestamp.json`, …, delegated roles percent-encoded). Each file is replaced
/// atomically and only after its bytes were verified, so a failed or hostile update
/// leaves everything trusted before it in place.
public struct Updater<F: Fetcher> {
    public let metadataDirectory: String
    public let metadataURL: String
    public let targetDirectory: String?
    public let targetBaseURL: String?
    public let fetcher: F
    public let configuration: UpdaterConfiguration
    public private(set) var trusted: TrustedMetadata
    /// Log lines of what the update did, for a verbose client.
    public private(set) var log: [String] = []

    /// Loads the trusted root from `metadataDirectory/root.json`; `referenceTime` is the
    /// update's start (seconds since 1970).
    public init(metadataDirectory: String, metadataURL: String, targetDirectory: String? = nil, targetBaseURL: String? = nil,
                fetcher: F, referenceTime: Int64, configuration: UpdaterConfiguration = UpdaterConfiguration()) throws(TUFError) {
        self.metadataDirectory = metadataDirectory
        self.metadataURL = metadataURL.hasSuffix("/") ? metadataURL : metadataURL + "/"
        self.targetDirectory = targetDirectory
        self.targetBaseURL = targetBaseURL.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        self.fetcher = fetcher
        self.configuration = configuration
        let root = try LocalFiles.read("\(metadataDirectory)/root.json", maxLength: configuration.rootMaxLength)
        trusted = try TrustedMetadata(rootBytes: root, referenceTime: referenceTime)
    }

    var refreshed: Bool { trusted.targets["targets"] != nil }

    /// Updates the top-level metadata: root (N+1 until the repository has no more),
    /// timestamp, snapshot, top-level targets.
    public mutating func refresh() throws(TUFError) {
        try loadRoot()
        try loadTimestamp()
        try loadSnapshot()
        _ = try loadTargets("targets", delegator: "root")
    }

    func localPath(_ role: String) -> String { "\(metadataDirectory)/\(percentEncoded(role)).json" }

    mutating func persist(_ role: String, _ bytes: [UInt8]) throws(TUFError) {
        try LocalFiles.writeAtomically(bytes, to: localPath(role))
    }

    func download(_ role: String, maxLength: Int, version: Int? = nil) throws(TUFError) -> [UInt8] {
        let name = percentEncoded(role)
        let url = version.map { "\(metadataURL)\($0).\(name).json" } ?? "\(metadataURL)\(name).json"
        return try fetcher.fetch(url, maxLength: maxLength)
    }

    mutating func loadRoot() throws(TUFError) {
        let first = trusted.root.common.version + 1
        for version in first..<(first + configuration.maxRootRotations) {
            let bytes: [UInt8]
            do {
                bytes = try download("root", maxLength: configuration.rootMaxLength, version: version)
            } catch {
                if case .httpStatus(_, let status) = error, status == 403 || status == 404 { break }
                throw error
            }
            _ = try trusted.updateRoot(bytes)
            try persist("root", bytes)
            log.append("root: version \(version) trusted")
        }
    }

    mutating func loadTimestamp() throws(TUFError) {
        if let local = try? LocalFiles.read(localPath("timestamp"), maxLength: configuration.timestampMaxLength) {
            do { try trusted.updateTimestamp(local) } catch { log.append("local timestamp not valid as final: \(error)") }
        }
        let bytes = try download("timestamp", maxLength: configuration.timestampMaxLength)
        if try trusted.updateTimestamp(bytes) {
            try persist("timestamp", bytes)
            log.append("timestamp: version \(trusted.timestamp!.common.version) trusted")
        }
    }

    mutating func loadSnapshot() throws(TUFError) {
        if let local = try? LocalFiles.read(localPath("snapshot"), maxLength: configuration.snapshotMaxLength) {
            do {
                try trusted.updateSnapshot(local, trusted: true)
                log.append("local snapshot is current")
                return
            } catch {
                log.append("local snapshot not valid as final: \(error)")
            }
        }
        let info = trusted.timestamp!.snapshot
        let bytes = try download("snapshot", maxLength: info.length ?? configuration.snapshotMaxLength,
                                 version: trusted.root.consistentSnapshot ? info.version : nil)
        try trusted.updateSnapshot(bytes)
        try persist("snapshot", bytes)
        log.append("snapshot: version \(info.version) trusted")
    }

    mutating func loadTargets(_ name: String, delegator: String) throws(TUFError) -> Targets {
        if let role = try trusted.trustedTargets(name, delegator: delegator) { return role }
        if let local = try? LocalFiles.read(localPath(name), maxLength: configuration.targetsMaxLength) {
            do {
                let role = try trusted.updateTargets(local, name: name, delegator: delegator)
                log.append("local \(name) is current")
                return role
            } catch {
                log.append("local \(name) not valid: \(error)")
            }
        }
        guard let info = trusted.snapshot?.meta["\(name).json"] else {
            throw .malformed(role: name, reason: "delegated, but the snapshot does not list \(name).json")
        }
        let bytes = try download(name, maxLength: info.length ?? configuration.targetsMaxLength,
                                 version: trusted.root.consistentSnapshot ? info.version : nil)
        let role = try trusted.updateTargets(bytes, name: name, delegator: delegator)
        try persist(name, bytes)
        log.append("\(name): version \(info.version) trusted")
        return role
    }

    /// The trusted entry for `path`: a pre-order depth-first search of the delegation
    /// graph from the top-level targets, each role visited once, a terminating delegation
    /// ending the search of its siblings, at most `maxDelegations` roles.
    public mutating func targetInfo(_ path: String) throws(TUFError) -> TargetFile? {
        if !refreshed { try refresh() }
        var stack: [(String, String)] = [("targets", "root")]
        var visited = Set<String>()
        while !stack.isEmpty && visited.count <= configuration.maxDelegations {
            let (name, delegator) = stack.removeLast()
            if visited.contains(name) { continue }
            let role = try loadTargets(name, delegator: delegator)
            if let target = role.targets[path] { return target }
            visited.insert(name)
            guard let delegations = role.delegations else { continue }
            var children: [(String, String)] = []
            for (child, terminating) in delegations.roles(for: path) {
                children.append((child, name))
                if terminating {
                    stack.removeAll()
                    break
                }
            }
            stack.append(contentsOf: children.reversed())
        }
        return nil
    }

    /// Where `target` is stored in the target directory: its path percent-encoded, one
    /// file name whatever the path's directories.
    public func localTargetPath(_ target: TargetFile) throws(TUFError) -> String {
        guard let targetDirectory else { throw .usage("no target directory was given") }
        return "\(targetDirectory)/\(percentEncoded(target.path))"
    }

    /// The local copy of `target` when it is present and matches length and hashes.
    public func cachedTarget(_ target: TargetFile) throws(TUFError) -> String? {
        let path = try localTargetPath(target)
        guard let data = try? LocalFiles.read(path, maxLength: target.length + 1), (try? target.verify(data)) != nil else { return nil }
        return path
    }

    /// Downloads `target` (at most its length), verifies it and stores it atomically;
    /// nothing is written unless every check passed.
    @discardableResult
    public func download(_ target: TargetFile) throws(TUFError) -> String {
        guard let targetBaseURL else { throw .usage("no target base URL was given") }
        let path = try localTargetPath(target)
        var remote = target.path
        if trusted.root.consistentSnapshot && configuration.prefixTargetsWithHash {
            guard let hash = target.hashes.keys.sorted().first.flatMap({ target.hashes[$0] }) else {
                throw .malformed(role: "targets", reason: "\(target.path) has no hashes")
            }
            if let slash = remote.lastIndex(of: "/") {
                remote = String(remote[...slash]) + hash + "." + remote[remote.index(after: slash)...]
            } else {
                remote = hash + "." + remote
            }
        }
        let data = try fetcher.fetch(targetBaseURL + remote, maxLength: target.length)
        try target.verify(data)
        try LocalFiles.writeAtomically(data, to: path)
        return path
    }
}
