/// The metadata the client trusts during one update, and every rule for letting new
/// metadata in (TUF specification §5, "Detailed client workflow"). Nothing here touches
/// the network or the disk: the updater feeds it bytes, and whatever it refuses leaves
/// the trusted state as it was.
public struct TrustedMetadata: Sendable {
    /// The update's fixed start time (seconds since 1970): every expiry is checked
    /// against it, so that a slow update cannot cross an expiry halfway.
    public let referenceTime: Int64
    public private(set) var root: Root
    public private(set) var rootEnvelope: Envelope
    public private(set) var timestamp: Timestamp?
    public private(set) var snapshot: Snapshot?
    /// Targets roles by name, with the envelope each was verified from.
    public private(set) var targets: [String: (role: Targets, envelope: Envelope)] = [:]

    /// Trusts `rootBytes` as the initial root: verified by its own keys only (the trust
    /// anchor). Expiry is checked only for the final root, when the timestamp comes.
    public init(rootBytes: [UInt8], referenceTime: Int64) throws(TUFError) {
        let envelope = try Envelope(bytes: rootBytes, role: "root")
        let root = try Root(envelope.signed)
        try root.verify(envelope, as: .root)
        self.root = root
        rootEnvelope = envelope
        self.referenceTime = referenceTime
    }

    /// Accepts root version N+1, signed by a threshold of the trusted root's root keys
    /// and by a threshold of its own.
    public mutating func updateRoot(_ bytes: [UInt8]) throws(TUFError) -> Root {
        precondition(timestamp == nil, "root is updated before the timestamp")
        let envelope = try Envelope(bytes: bytes, role: "root")
        if envelope.type != "root" { throw .malformed(role: "root", reason: "expected a root role, got '\(envelope.type)'") }
        try root.verify(envelope, as: .root)
        let new = try Root(envelope.signed)
        if new.common.version != root.common.version + 1 {
            throw .badVersion(role: "root", reason: "expected version \(root.common.version + 1), got \(new.common.version)")
        }
        try new.verify(envelope, as: .root)
        root = new
        rootEnvelope = envelope
        return new
    }

    /// Accepts a timestamp signed by the root's timestamp keys, not older than the trusted
    /// one and not naming an older snapshot. An expired one is still trusted (it guards
    /// against rollback) but the call throws, which stops the update.
    /// Returns false when the version equals the trusted one (nothing new).
    @discardableResult
    public mutating func updateTimestamp(_ bytes: [UInt8]) throws(TUFError) -> Bool {
        precondition(snapshot == nil, "the timestamp is updated before the snapshot")
        if root.common.isExpired(at: referenceTime) { throw .expired(role: "root", expires: Expiry.format(root.common.expires)) }
        let envelope = try Envelope(bytes: bytes, role: "timestamp")
        if envelope.type != "timestamp" { throw .malformed(role: "timestamp", reason: "expected a timestamp role, got '\(envelope.type)'") }
        try root.verify(envelope, as: .timestamp)
        let new = try Timestamp(envelope.signed)
        if let old = timestamp {
            if new.common.version < old.common.version {
                throw .badVersion(role: "timestamp", reason: "version \(new.common.version) is older than the trusted \(old.common.version) (rollback)")
            }
            if new.common.version == old.common.version { return false }
            if new.snapshot.version < old.snapshot.version {
                throw .badVersion(role: "timestamp", reason: "names snapshot version \(new.snapshot.version), older than the trusted \(old.snapshot.version) (rollback)")
            }
        }
        timestamp = new
        try checkFinalTimestamp()
        return true
    }

    func checkFinalTimestamp() throws(TUFError) {
        guard let timestamp else { return }
        if timestamp.common.isExpired(at: referenceTime) { throw .expired(role: "timestamp", expires: Expiry.format(timestamp.common.expires)) }
    }

    /// Accepts a snapshot that matches the timestamp's length and hashes (unless `trusted`:
    /// bytes verified in an earlier update, which may serve as the rollback reference even
    /// though the timestamp moved on), signed by the root's snapshot keys, and listing no
    /// targets role older than, or missing from, the trusted snapshot.
    public mutating func updateSnapshot(_ bytes: [UInt8], trusted: Bool = false) throws(TUFError) {
        guard let timestamp else { preconditionFailure("the snapshot is updated after the timestamp") }
        precondition(targets.isEmpty, "the snapshot is updated before targets")
        try checkFinalTimestamp()
        if !trusted { try timestamp.snapshot.verify(bytes, file: "snapshot.json") }
        let envelope = try Envelope(bytes: bytes, role: "snapshot")
        if envelope.type != "snapshot" { throw .malformed(role: "snapshot", reason: "expected a snapshot role, got '\(envelope.type)'") }
        try root.verify(envelope, as: .snapshot)
        let new = try Snapshot(envelope.signed)
        if let old = snapshot {
            for (name, info) in old.meta {
                guard let newInfo = new.meta[name] else {
                    throw .badVersion(role: "snapshot", reason: "no longer lists \(name) (rollback)")
                }
                if newInfo.version < info.version {
                    throw .badVersion(role: "snapshot", reason: "lists \(name) version \(newInfo.version), older than the trusted \(info.version) (rollback)")
                }
            }
        }
        snapshot = new
        try checkFinalSnapshot()
    }

    func checkFinalSnapshot() throws(TUFError) {
        guard let snapshot, let timestamp else { return }
        if snapshot.common.isExpired(at: referenceTime) { throw .expired(role: "snapshot", expires: Expiry.format(snapshot.common.expires)) }
        if snapshot.common.version != timestamp.snapshot.version {
            throw .badVersion(role: "snapshot", reason: "version \(snapshot.common.version), but the timestamp names \(timestamp.snapshot.version)")
        }
    }

    /// The keys and threshold `delegator` sets for targets role `name`.
    func delegation(of name: String, by delegator: String) throws(TUFError) -> (keys: [String: Key], role: RoleKeys) {
        if delegator == "root" {
            guard name == "targets" else { throw .malformed(role: name, reason: "root delegates only to targets") }
            return (root.keys, root.role(.targets))
        }
        guard let parent = targets[delegator]?.role, let delegations = parent.delegations,
              let role = delegations.keys(for: name) else {
            throw .malformed(role: name, reason: "\(delegator) does not delegate to \(name)")
        }
        return (delegations.keys, role)
    }

    /// Accepts targets role `name` as `delegator` delegates it: length, hashes and version
    /// as the snapshot lists them, a threshold of the delegator's keys for it, unexpired.
    public mutating func updateTargets(_ bytes: [UInt8], name: String, delegator: String) throws(TUFError) -> Targets {
        precondition(snapshot != nil, "targets are updated after the snapshot")
        try checkFinalSnapshot()
        let (keys, role) = try delegation(of: name, by: delegator)
        guard let info = snapshot?.meta["\(name).json"] else {
            throw .malformed(role: name, reason: "the snapshot does not list \(name).json")
        }
        try info.verify(bytes, file: "\(name).json")
        let envelope = try Envelope(bytes: bytes, role: name)
        if envelope.type != "targets" { throw .malformed(role: name, reason: "expected a targets role, got '\(envelope.type)'") }
        try envelope.verify(name: name, keys: keys, role: role)
        let new = try Targets(envelope.signed, role: name)
        if new.common.version != info.version {
            throw .badVersion(role: name, reason: "version \(new.common.version), but the snapshot names \(info.version)")
        }
        if new.common.isExpired(at: referenceTime) { throw .expired(role: name, expires: Expiry.format(new.common.expires)) }
        targets[name] = (new, envelope)
        return new
    }

    /// A targets role already trusted, verified again against `delegator`: a role reached
    /// through two delegators must satisfy each, not inherit what the first allowed.
    public func trustedTargets(_ name: String, delegator: String) throws(TUFError) -> Targets? {
        guard let (role, envelope) = targets[name] else { return nil }
        let (keys, roleKeys) = try delegation(of: name, by: delegator)
        try envelope.verify(name: name, keys: keys, role: roleKeys)
        return role
    }
}
