import Foundation
import Testing

/// `vigil repo` and `vigil-tuf-client` as an operator runs them: the whole path from a
/// new repository to a package on the gateway, and a specific error with exit 1 for each
/// kind of nonsense, changing nothing already there.
@Suite("vigil repo and vigil-tuf-client", .serialized)
struct RepoCLITests {
    static func client(_ arguments: [String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = CLI.binary.deletingLastPathComponent().appendingPathComponent("vigil-tuf-client")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func files(_ url: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: url.path)) ?? []
        // The lock file a command holds while it runs is not repository state.
        for name in names where name != ".lock" { out[name] = try? Data(contentsOf: url.appendingPathComponent(name)) }
        return out
    }

    @Test func aPackageTravelsFromANewRepositoryToTheGateway() throws {
        let dir = try CLI.temporaryDirectory()
        let package = try CLI.referencePackage(in: dir)
        let repo = dir.appendingPathComponent("repo").path
        #expect(try CLI.run(["repo", "init", repo, "--key-type", "ed25519", "--expires", "timestamp=2"]).status == 0)
        let added = try CLI.run(["repo", "add", repo, package.path, "--delegate", "arrhythmia"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("arrhythmia/reference.vpkg"))
        #expect(try CLI.run(["repo", "publish", repo]).status == 0)
        let status = try CLI.run(["repo", "status", repo])
        #expect(status.stdout.contains("arrhythmia/reference.vpkg"))
        let keyMode = try FileManager.default.attributesOfItem(atPath: "\(repo)/keys")[.posixPermissions] as? Int
        #expect(keyMode == 0o700)

        let metadata = dir.appendingPathComponent("gateway/metadata"), targets = dir.appendingPathComponent("gateway/targets")
        try FileManager.default.createDirectory(at: metadata, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: targets, withIntermediateDirectories: true)
        #expect(try Self.client(["--metadata-dir", metadata.path, "init", "\(repo)/metadata/1.root.json"]).status == 0)
        let download = try Self.client(["--metadata-url", "file://\(repo)/metadata", "--metadata-dir", metadata.path,
                                        "--target-name", "arrhythmia/reference.vpkg", "--target-base-url", "file://\(repo)/targets",
                                        "--target-dir", targets.path, "download"])
        #expect(download.status == 0, "\(download.stderr)")
        #expect(try Data(contentsOf: targets.appendingPathComponent("arrhythmia%2Freference.vpkg")) == Data(contentsOf: package))
    }

    @Test func nonsenseIsRefusedAndChangesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        let package = try CLI.referencePackage(in: dir)
        let repo = dir.appendingPathComponent("repo")
        #expect(try CLI.run(["repo", "init", repo.path]).status == 0)
        let before = Self.files(repo)
        let cases: [([String], String)] = [
            (["repo", "init", repo.path], "not empty"),
            (["repo", "init", dir.appendingPathComponent("r2").path, "--threshold", "root=0"], "from 1 to 16"),
            (["repo", "init", dir.appendingPathComponent("r3").path, "--threshold", "mirror=1"], "not root, targets"),
            (["repo", "init", dir.appendingPathComponent("r4").path, "--threshold", "two"], "ROLE=N"),
            (["repo", "init", dir.appendingPathComponent("r5").path, "--key-type", "dsa"], "ecdsa, ed25519 or rsa"),
            (["repo", "init", dir.appendingPathComponent("r6").path, "--expires", "root=0"], "ROLE=DAYS"),
            (["repo", "add", dir.path, package.path], "is not a repository"),
            (["repo", "add", repo.path, dir.appendingPathComponent("missing.vpkg").path], "missing.vpkg"),
            (["repo", "add", repo.path, package.path, "--delegate", "root"], "cannot name a delegated role"),
            (["repo", "add", repo.path, package.path, "--delegate", "../keys"], "cannot name a delegated role"),
            (["repo", "add", repo.path, package.path, "--path", "../escape.vpkg"], "is not a target path"),
            (["repo", "rotate", repo.path, "mirror"], "neither a top-level role nor a delegated role"),
            (["repo", "rotate", repo.path, "root", "--threshold", "0"], "from 1 to 16"),
            (["repo", "status", dir.appendingPathComponent("nowhere").path], "is not a repository"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(arguments)
            #expect(r.status == 1, "\(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(Self.files(repo) == before)
        for r in ["r2", "r3", "r4", "r5", "r6"] {
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(r).path), "\(r)")
        }
    }

    @Test func clientNonsenseIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        let metadata = dir.appendingPathComponent("m")
        try FileManager.default.createDirectory(at: metadata, withIntermediateDirectories: true)
        let garbage = dir.appendingPathComponent("root.json")
        try Data("{\"signed\": {\"_type\": \"root\"}, \"signatures\": []}".utf8).write(to: garbage)
        let cases: [([String], String)] = [
            ([], "--metadata-dir is required"),
            (["--metadata-dir", metadata.path], "no command"),
            (["--metadata-dir", metadata.path, "frobnicate"], "frobnicate"),
            (["--bogus", "refresh"], "unknown option --bogus"),
            (["--metadata-dir"], "needs a value"),
            (["--metadata-dir", metadata.path, "init", garbage.path], "root"),
            (["--metadata-dir", metadata.path, "init", dir.appendingPathComponent("none.json").path], "none.json"),
            (["--metadata-dir", metadata.path, "refresh"], "needs --metadata-url"),
            (["--metadata-dir", metadata.path, "--metadata-url", "file:///nowhere", "refresh"], "root.json"),
            (["--metadata-dir", metadata.path, "--metadata-url", "file:///nowhere", "--target-name", "a", "download"], "--target-dir"),
        ]
        for (arguments, message) in cases {
            let r = try Self.client(arguments)
            #expect(r.status == 1, "\(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: metadata.path).isEmpty)
    }
}
