import ArgumentParser
import VigilTUF

/// `vigil repo`: the update server's TUF repository (DESIGN §7), as python-tuf's and
/// go-tuf's clients and `vigil-tuf-client` read it.
struct RepoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repo",
        abstract: "Keep a TUF repository of Vigil packages: create it, add packages, publish, rotate keys.",
        discussion: """
            Serve DIR/metadata as the metadata URL and DIR/targets as the target base URL; \
            DIR/keys holds the private keys and is never served. Clients start from \
            DIR/metadata/1.root.json, delivered out of band.
            """,
        subcommands: [Init.self, Add.self, Publish.self, Rotate.self, Status.self])

    static func days(_ specs: [String]) throws -> [String: Int] {
        var days = Repository.Settings.defaultExpiryDays
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let d = Int(parts[1]), (1...36_500).contains(d), !parts[0].isEmpty else {
                throw CLIError("--expires takes ROLE=DAYS with DAYS from 1 to 36500, not '\(spec)'")
            }
            days[String(parts[0])] = d
        }
        return days
    }

    static func tuf<T>(_ body: () throws(TUFError) -> T) throws -> T {
        do { return try body() } catch { throw CLIError(error.description) }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a repository: keys for root, targets, snapshot and timestamp, and version 1 of each, published.")

        @Argument(help: "A new or empty folder.")
        var directory: String

        @Option(name: .customLong("threshold"), help: "ROLE=N: N keys for a top-level role, N of them needed to sign (default 1 each).")
        var thresholds: [String] = []

        @Option(name: .customLong("expires"), help: "ROLE=DAYS: how long the role's metadata stays valid (root 365, targets 90, snapshot 7, timestamp 1; delegated roles as targets).")
        var expiries: [String] = []

        @Option(help: "The kind of key: ecdsa (P-256), ed25519 or rsa (3072-bit, PSS).")
        var keyType = "ecdsa"

        func run() throws {
            guard let algorithm = SigningKey.Algorithm(rawValue: keyType) else { throw CLIError("--key-type must be ecdsa, ed25519 or rsa, not '\(keyType)'") }
            var thresholds: [String: Int] = [:]
            for spec in self.thresholds {
                let parts = spec.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let n = Int(parts[1]) else { throw CLIError("--threshold takes ROLE=N, not '\(spec)'") }
                thresholds[String(parts[0])] = n
            }
            let settings = Repository.Settings(expiryDays: try RepoCommand.days(expiries), keyAlgorithm: algorithm)
            let repository = try RepoCommand.tuf { () throws(TUFError) in try Repository.create(at: directory, settings: settings, thresholds: thresholds) }
            print("created \(directory): root version 1, keys in \(directory)/keys; give clients \(directory)/metadata/1.root.json")
            for role in TopLevelRole.allCases {
                let keys = repository.root.role(role)
                print("  \(role.rawValue): \(keys.threshold) of \(keys.keyids.count) key\(keys.keyids.count == 1 ? "" : "s")")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a file (a Vigil package) as a target; it is published by `vigil repo publish`.")

        @Argument(help: "The repository folder.")
        var directory: String

        @Argument(help: "The file to add.")
        var file: String

        @Option(help: "Sign it by this delegated role (created on first use, trusted for ROLE/*); the target is then ROLE/NAME.")
        var delegate: String?

        @Option(help: "The target path (default: the file's name, under ROLE/ with --delegate).")
        var path: String?

        func run() throws {
            let data = try RepoCommand.tuf { () throws(TUFError) in try LocalFiles.read(file, maxLength: 1 << 30) }
            let name = String(file.split(separator: "/").last ?? "")
            let target = path ?? (delegate.map { "\($0)/\(name)" } ?? name)
            let added = try RepoCommand.tuf { () throws(TUFError) in
                try Repository.withRepository(at: directory) { (r: inout Repository) throws(TUFError) in
                    try r.add(data, path: target, role: delegate ?? "targets")
                }
            }
            print("staged \(added.path) (\(added.length) bytes, sha256 \(added.hashes["sha256"]!)) in \(delegate ?? "targets"); run `vigil repo publish \(directory)`")
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign and publish the staged targets roles, and new snapshot and timestamp versions (renewing what is near expiry).")

        @Argument(help: "The repository folder.")
        var directory: String

        func run() throws {
            let r = try RepoCommand.tuf { () throws(TUFError) in
                try Repository.withRepository(at: directory) { (r: inout Repository) throws(TUFError) in
                    try r.publish()
                    return r
                }
            }
            print("published timestamp \(r.timestamp.common.version), snapshot \(r.snapshot.common.version), root \(r.root.common.version)")
            for (name, meta) in r.snapshot.meta.sorted(by: { $0.key < $1.key }) {
                print("  \(name.dropLast(5)): version \(meta.version), \(r.published[String(name.dropLast(5))]?.targets.count ?? 0) targets")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a role's keys (root, targets, snapshot, timestamp or a delegated role) and publish the change.")

        @Argument(help: "The repository folder.")
        var directory: String

        @Argument(help: "The role whose keys are replaced.")
        var role: String

        @Option(help: "How many new keys, all needed (default: the role's current threshold).")
        var threshold: Int?

        func run() throws {
            let r = try RepoCommand.tuf { () throws(TUFError) in
                try Repository.withRepository(at: directory) { (r: inout Repository) throws(TUFError) in
                    try r.rotate(role, threshold: threshold)
                    return r
                }
            }
            print("rotated \(role): root version \(r.root.common.version), timestamp \(r.timestamp.common.version)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the published versions, expiries, targets and what is staged.")

        @Argument(help: "The repository folder.")
        var directory: String

        func run() throws {
            let r = try RepoCommand.tuf { () throws(TUFError) in try Repository(at: directory) }
            print("root version \(r.root.common.version), expires \(Expiry.format(r.root.common.expires))")
            print("timestamp version \(r.timestamp.common.version), expires \(Expiry.format(r.timestamp.common.expires))")
            print("snapshot version \(r.snapshot.common.version), expires \(Expiry.format(r.snapshot.common.expires))")
            for (name, targets) in r.published.sorted(by: { $0.key < $1.key }) {
                print("\(name) version \(targets.common.version), expires \(Expiry.format(targets.common.expires))")
                for (path, file) in targets.targets.sorted(by: { $0.key < $1.key }) { print("  \(path) \(file.length) bytes") }
            }
            for name in r.staged.keys.sorted() { print("staged: \(name)") }
        }
    }
}
