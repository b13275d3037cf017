import Foundation
import Testing
@testable import VigilTUF

#if canImport(Glibc)
import Glibc
#endif

/// A repository `Repository` wrote, served over file://, and a client that trusts its
/// first root. Attacks rewrite the served files, forging metadata with the repository's
/// own keys where the attacker is assumed to hold them.
final class UpdateFixture {
    static let t0: Int64 = 1_900_000_000
    let base: String
    var repository: Repository
    var repositoryPath: String { "\(base)/repo" }
    var metadata: String { "\(base)/repo/metadata" }
    var clientMetadata: String { "\(base)/client" }
    var targetDirectory: String { "\(base)/downloads" }

    init(expiryDays: [String: Int] = Repository.Settings.defaultExpiryDays, thresholds: [String: Int] = [:]) throws {
        base = NSTemporaryDirectory() + "vigil-tuf-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        repository = try Repository.create(at: "\(base)/repo", settings: .init(expiryDays: expiryDays), thresholds: thresholds, now: Self.t0)
        try FileManager.default.createDirectory(atPath: "\(base)/client", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(base)/downloads", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(base)/repo/metadata/1.root.json", toPath: "\(base)/client/root.json")
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    func updater(at time: Int64 = UpdateFixture.t0 + 60) throws(TUFError) -> Updater<URLFetcher> {
        try Updater(metadataDirectory: clientMetadata, metadataURL: "file://\(metadata)", targetDirectory: targetDirectory,
                    targetBaseURL: "file://\(base)/repo/targets", fetcher: URLFetcher(), referenceTime: time)
    }

    /// Refreshes, then downloads `target`; the path it was stored at.
    @discardableResult
    func update(at time: Int64 = UpdateFixture.t0 + 60, target: String? = nil) throws(TUFError) -> String? {
        var u = try updater(at: time)
        try u.refresh()
        guard let target else { return nil }
        guard let info = try u.targetInfo(target) else { throw .targetNotFound(target) }
        return try u.download(info)
    }

    /// The client's trusted files and their bytes.
    func trusted() throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: clientMetadata) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: "\(clientMetadata)/\(name)"))
        }
        return out
    }

    func downloads() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: targetDirectory) }

    /// Publishes through a fresh `Repository` opened at `time`, as `vigil repo` does.
    func publish(at time: Int64 = UpdateFixture.t0, _ change: (inout Repository) throws(TUFError) -> Void = { _ in }) throws {
        try Repository.withRepository(at: repositoryPath, now: time) { (r: inout Repository) throws(TUFError) in
            try change(&r)
            try r.publish()
        }
        repository = try Repository(at: repositoryPath, now: time)
    }

    func served(_ file: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: "\(metadata)/\(file)"))) }

    func serve(_ bytes: [UInt8], as file: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: "\(metadata)/\(file)"))
    }

    /// `signed` signed by the repository's private keys of `role` (all of them, or those
    /// whose keyids `only` lists, each `times` times).
    func forge(_ signed: JSONValue, role: String, only: [String]? = nil, times: Int = 1) throws -> [UInt8] {
        let keys = try repository.signingKeys(role)
        var signatures: [Signature] = []
        for (keyid, key) in keys.sorted(by: { $0.key < $1.key }) where only?.contains(keyid) ?? true {
            for _ in 0..<times { signatures.append(Signature(keyid: keyid, hex: Hex.encode(try key.sign(CanonicalJSON.encode(signed))))) }
        }
        // Envelope(signed:signatures:) keeps one signature per keyid: write the list raw.
        let list = JSONValue.array(signatures.map { .object(["keyid": .string($0.keyid), "sig": .string($0.hex)]) })
        return Array(CanonicalJSON.pretty(.object(["signed": signed, "signatures": list])).utf8)
    }

    func metaFile(_ bytes: [UInt8], version: Int) -> MetaFile {
        MetaFile(version: version, length: bytes.count, hashes: ["sha256": Hex.encode(HashAlgorithm.sha256.digest(bytes))])
    }
}

/// Expects `body` to fail with an error `matches` accepts, and the client's trusted
/// metadata and target folder to be as they were.
func expectRefused(_ fixture: UpdateFixture, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation,
                   _ matches: (TUFError) -> Bool) throws {
    let before = try fixture.trusted()
    do {
        try body()
        Issue.record("the update was accepted", sourceLocation: sourceLocation)
    } catch let error as TUFError {
        #expect(matches(error), "\(error)", sourceLocation: sourceLocation)
    }
    #expect(try fixture.trusted() == before, "trusted metadata changed", sourceLocation: sourceLocation)
    #expect(try fixture.downloads().isEmpty, "something was written to the target folder", sourceLocation: sourceLocation)
}

struct RepositoryTests {
    static let package = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }

    @Test func clientDownloadsWhatTheRepositoryPublishedByteIdentical() throws {
        let f = try UpdateFixture()
        try f.publish { (r: inout Repository) throws(TUFError) in try r.add(Self.package, path: "arrhythmia.int8.vpkg") }
        let path = try #require(try f.update(target: "arrhythmia.int8.vpkg"))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.package)
        // The repository serves it under both hash prefixes (consistent snapshots).
        let served = try FileManager.default.contentsOfDirectory(atPath: "\(f.repositoryPath)/targets").sorted()
        let file = TargetFile(path: "x", data: Self.package)
        #expect(served == [file.hashes["sha256"]!, file.hashes["sha512"]!].map { "\($0).arrhythmia.int8.vpkg" }.sorted())
    }

    @Test func delegatedRoleAndEveryRotationReachAClientThatTrustsOnlyTheFirstRoot() throws {
        let f = try UpdateFixture(thresholds: ["root": 2])
        try f.publish { (r: inout Repository) throws(TUFError) in
            try r.add(Self.package, path: "models/faults.int8.vpkg", role: "models")
            try r.add(Array(Self.package.reversed()), path: "arrhythmia.int8.vpkg")
        }
        for role in ["root", "timestamp", "snapshot", "targets", "models"] {
            try Repository.withRepository(at: f.repositoryPath, now: UpdateFixture.t0) { (r: inout Repository) throws(TUFError) in
                try r.rotate(role, threshold: role == "root" ? 3 : nil)
            }
        }
        let r = try Repository(at: f.repositoryPath, now: UpdateFixture.t0)
        #expect(r.root.common.version == 5)
        #expect(r.root.role(.root).keyids.count == 3)
        #expect(try LocalFiles.list("\(f.repositoryPath)/keys/root").count == 3, "the old root keys are deleted")
        let path = try #require(try f.update(target: "models/faults.int8.vpkg"))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.package)
        var u = try f.updater()
        try u.refresh()
        #expect(u.trusted.root.common.version == 5)
        #expect(try u.targetInfo("arrhythmia.int8.vpkg") != nil)
        #expect(try u.targetInfo("models/other.vpkg") == nil)
    }

    @Test func delegatedRolesAreTrustedOnlyForTheirPaths() throws {
        let f = try UpdateFixture()
        try f.publish { (r: inout Repository) throws(TUFError) in try r.add(Self.package, path: "models/a.vpkg", role: "models") }
        #expect(throws: TUFError.self) {
            try Repository.withRepository(at: f.repositoryPath, now: UpdateFixture.t0) { (r: inout Repository) throws(TUFError) in
                try r.add(Self.package, path: "firmware/a.bin", role: "models")
            }
        }
        for bad in ["", "/abs", "a//b", "../up", "a/./b", "back\\slash"] {
            #expect(throws: TUFError.self, "\(bad)") { try Repository.checkTargetPath(bad) }
        }
        for bad in ["", "root", "../x", ".hidden", "a/b", "sp ace"] {
            #expect(throws: TUFError.self, "\(bad)") { try Repository.checkRoleName(bad) }
        }
    }

    @Test func signingNeedsOnlyTheRolesOwnKeys() throws {
        let f = try UpdateFixture()
        // Root's keys kept offline: publishing targets, snapshot and timestamp still works…
        try FileManager.default.moveItem(atPath: "\(f.repositoryPath)/keys/root", toPath: "\(f.base)/offline-root")
        try f.publish { (r: inout Repository) throws(TUFError) in try r.add(Self.package, path: "a.vpkg") }
        try f.update(target: "a.vpkg")
        // …and a rotation, which needs them, fails naming what is missing, changing nothing served.
        let before = try FileManager.default.contentsOfDirectory(atPath: f.metadata).sorted()
        #expect(throws: TUFError.self) {
            try Repository.withRepository(at: f.repositoryPath, now: UpdateFixture.t0) { (r: inout Repository) throws(TUFError) in try r.rotate("timestamp") }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.metadata).sorted() == before)
    }

    @Test func initRefusesAFolderInUseAndBadSettings() throws {
        let f = try UpdateFixture()
        #expect(throws: TUFError.self) { try Repository.create(at: f.repositoryPath) }
        #expect(throws: TUFError.self) { try Repository.create(at: "\(f.base)/new", thresholds: ["snapshot": 0]) }
        #expect(throws: TUFError.self) { try Repository.create(at: "\(f.base)/new2", thresholds: ["mirror": 1]) }
        #expect(throws: TUFError.self) { try Repository(at: f.clientMetadata) }
    }
}

struct AttackTests {
    static let package = RepositoryTests.package
    static let day: Int64 = 86_400

    @Test func sameLengthSwapAndWrongLengthAreRefused() throws {
        let f = try UpdateFixture()
        try f.publish { (r: inout Repository) throws(TUFError) in try r.add(Self.package, path: "a.vpkg") }
        try f.update()
        let folder = "\(f.repositoryPath)/targets"
        for swapped in [Array(Self.package.reversed()), Self.package + [0]] {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                try Data(swapped).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
            }
            try expectRefused(f, { try f.update(target: "a.vpkg") }) {
                if case .lengthOrHashMismatch(let file, _) = $0 { return file == "a.vpkg" }
                if case .download(_, let reason) = $0 { return reason.contains("limit") }
                return false
            }
        }
    }

    @Test(arguments: ["root", "timestamp", "snapshot", "targets"])
    func expiredMetadataOfEachRoleIsRefused(_ role: String) throws {
        var days = ["root": 3650, "targets": 3650, "snapshot": 3650, "timestamp": 3650]
        days[role] = 1
        let f = try UpdateFixture(expiryDays: days)
        try f.update()
        try expectRefused(f, { try f.update(at: UpdateFixture.t0 + 2 * Self.day) }) {
            if case .expired(let r, _) = $0 { return r == role }
            return false
        }
    }

    @Test func freezeAnOldTimestampReplayedPastItsExpiryIsRefused() throws {
        let f = try UpdateFixture()
        try f.update()
        // The server (or a mirror) keeps serving what the client already has.
        try expectRefused(f, { try f.update(at: UpdateFixture.t0 + 2 * Self.day) }) {
            if case .expired(let r, _) = $0 { return r == "timestamp" }
            return false
        }
    }

    @Test func rolledBackTimestampIsRefused() throws {
        let f = try UpdateFixture()
        try f.publish()
        let old = try f.served("timestamp.json")
        try f.publish()
        try f.update()
        try f.serve(old, as: "timestamp.json")
        try expectRefused(f, { try f.update() }) {
            if case .badVersion(let r, _) = $0 { return r == "timestamp" }
            return false
        }
    }

    @Test func rolledBackSnapshotIsRefused() throws {
        let f = try UpdateFixture()
        try f.publish()
        try f.update()
        // A new timestamp (the attacker holds the timestamp key) naming snapshot 1 again.
        var ts = f.repository.timestamp
        ts.common.version += 1
        ts.snapshot = f.metaFile(try f.served("1.snapshot.json"), version: 1)
        try f.serve(try f.forge(ts.json, role: "timestamp"), as: "timestamp.json")
        try expectRefused(f, { try f.update() }) {
            if case .badVersion(let r, _) = $0 { return r == "snapshot" || r == "timestamp" }
            return false
        }
    }

    @Test func rolledBackTargetsIsRefused() throws {
        let f = try UpdateFixture()
        try f.publish { (r: inout Repository) throws(TUFError) in try r.add(Self.package, path: "a.vpkg") }
        try f.update()
        // Snapshot and timestamp keys compromised: a snapshot naming targets version 1.
        var snapshot = f.repository.snapshot
        snapshot.common.version += 1
        snapshot.meta["targets.json"] = f.metaFile(try f.served("1.targets.json"), version: 1)
        let snapshotBytes = try f.forge(snapshot.json, role: "snapshot")
        try f.serve(snapshotBytes, as: "\(snapshot.common.version).snapshot.json")
        var ts = f.repository.timestamp
        ts.common.version += 1
        ts.snapshot = f.metaFile(snapshotBytes, version: snapshot.common.version)
        try f.serve(try f.forge(ts.json, role: "timestamp"), as: "timestamp.json")
        let before = try f.trusted()
        do {
            try f.update(target: "a.vpkg")
            Issue.record("accepted")
        } catch {
            guard case .badVersion(let r, _) = error else { Issue.record("\(error)"); return }
            #expect(r == "targets" || r == "snapshot")
        }
        // The new timestamp is validly signed and trusted; nothing it leads to is.
        let after = try f.trusted()
        #expect(after["snapshot.json"] == before["snapshot.json"])
        #expect(after["targets.json"] == before["targets.json"])
        #expect(after["root.json"] == before["root.json"])
        #expect(try f.downloads().isEmpty)
    }

    @Test func mixAndMatchSnapshotIsRefused() throws {
        let f = try UpdateFixture()
        try f.publish()
        try f.update()
        try f.publish()
        // The timestamp names snapshot 3; the server answers with another snapshot 3,
        // validly signed (the snapshot key is assumed compromised) but not the one named.
        var other = f.repository.snapshot
        other.common.expires += 1
        try f.serve(try f.forge(other.json, role: "snapshot"), as: "\(other.common.version).snapshot.json")
        let before = try f.trusted()
        #expect {
            try f.update()
        } throws: { error in
            // Same length: the hash differs. ECDSA signatures vary in length, so the
            // forgery may also be longer than the length the timestamp states.
            switch error as! TUFError {
            case .lengthOrHashMismatch(let file, _): file.contains("snapshot")
            case .download(let url, let reason): url.hasSuffix("snapshot.json") && reason.contains("limit")
            default: false
            }
        }
        #expect(try f.trusted()["snapshot.json"] == before["snapshot.json"])
    }

    @Test func endlessDataFromAMirrorStopsAtTheLimit() throws {
        let f = try UpdateFixture()
        // A file the size of a disk (sparse) served as the timestamp.
        let fd = open("\(f.metadata)/timestamp.json", O_WRONLY | O_TRUNC)
        #expect(ftruncate(fd, 1 << 36) == 0)
        close(fd)
        try expectRefused(f, { try f.update() }) {
            if case .download(_, let reason) = $0 { return reason.contains("16384-byte limit") }
            return false
        }
        // An HTTP server that never stops sending.
        let server = try EndlessServer()
        let http = URLFetcher(timeoutSeconds: 10)
        #expect(throws: TUFError.self) { try http.fetch("http://127.0.0.1:\(server.port)/timestamp.json", maxLength: 16_384) }
        do {
            _ = try http.fetch("http://127.0.0.1:\(server.port)/timestamp.json", maxLength: 16_384)
        } catch {
            guard case .download(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("limit"), "\(reason)")
        }
    }

    @Test func rootRotationMissingEitherThresholdIsRefused() throws {
        let f = try UpdateFixture()
        let newKey = try SigningKey.generate(.ecdsaP256)
        let newKeyid = Key(newKey.publicKey).keyid
        var root = f.repository.root
        root.common.version = 2
        let oldKeyids = root.role(.root).keyids
        root.keys[newKeyid] = Key(newKey.publicKey)
        root.roles["root"] = RoleKeys(keyids: [newKeyid], threshold: 1)
        let message = CanonicalJSON.encode(root.json)
        let old = try f.repository.signingKeys("root")
        let oldSignatures = try oldKeyids.map { Signature(keyid: $0, hex: Hex.encode(try old[$0]!.sign(message))) }
        let newSignature = Signature(keyid: newKeyid, hex: Hex.encode(try newKey.sign(message)))
        for signatures in [[newSignature], oldSignatures] {
            try f.serve(Envelope(signed: root.json, signatures: signatures).bytes, as: "2.root.json")
            try expectRefused(f, { try f.update() }) {
                if case .unsigned(let r, _, _) = $0 { return r == "root" }
                return false
            }
        }
        // Both thresholds: accepted.
        try f.serve(Envelope(signed: root.json, signatures: oldSignatures + [newSignature]).bytes, as: "2.root.json")
        var u = try f.updater()
        try u.refresh()
        #expect(u.trusted.root.common.version == 2)
    }

    @Test func duplicateSignatureKeyidsCountOnce() throws {
        let f = try UpdateFixture(thresholds: ["timestamp": 2])
        try f.update()
        var ts = f.repository.timestamp
        ts.common.version += 1
        let keyid = f.repository.root.role(.timestamp).keyids[0]
        try f.serve(try f.forge(ts.json, role: "timestamp", only: [keyid], times: 2), as: "timestamp.json")
        try expectRefused(f, { try f.update() }) {
            switch $0 {
            case .malformed(let r, let reason): r == "timestamp" && reason.contains("two signatures")
            case .unsigned(let r, let valid, _): r == "timestamp" && valid == 1
            default: false
            }
        }
    }

    @Test func compromisedTimestampKeyAloneCannotInstallAnything() throws {
        let f = try UpdateFixture()
        try f.publish { (r: inout Repository) throws(TUFError) in try r.add(Self.package, path: "a.vpkg") }
        try f.update()
        // The attacker's snapshot lists a targets role of theirs; they can sign only with
        // the timestamp key.
        var snapshot = f.repository.snapshot
        snapshot.common.version += 1
        let snapshotBytes = try f.forge(snapshot.json, role: "timestamp")
        try f.serve(snapshotBytes, as: "\(snapshot.common.version).snapshot.json")
        var ts = f.repository.timestamp
        ts.common.version += 1
        ts.snapshot = f.metaFile(snapshotBytes, version: snapshot.common.version)
        try f.serve(try f.forge(ts.json, role: "timestamp"), as: "timestamp.json")
        let before = try f.trusted()
        #expect {
            try f.update(target: "a.vpkg")
        } throws: { error in
            if case .unsigned(let r, _, _) = error as! TUFError { return r == "snapshot" }
            return false
        }
        let after = try f.trusted()
        #expect(after["snapshot.json"] == before["snapshot.json"] && after["targets.json"] == before["targets.json"])
        #expect(try f.downloads().isEmpty)
    }

    @Test func malformedAndDeeplyNestedJSONAreRefused() throws {
        let f = try UpdateFixture()
        try f.update()
        try f.publish()
        let good = try f.served("timestamp.json")
        let bad: [[UInt8]] = [
            Array(good.prefix(good.count / 2)),
            Array(String(repeating: "[", count: 10_000).utf8),
            Array("{\"signed\": ".utf8) + Array(String(repeating: "{\"a\": ", count: 200).utf8) + [0x31] + Array(String(repeating: "}", count: 201).utf8),
            [],
            [0xFF, 0xFE, 0x7B, 0x7D],
        ]
        for bytes in bad {
            try f.serve(bytes, as: "timestamp.json")
            try expectRefused(f, { try f.update() }) {
                if case .malformed(let r, _) = $0 { return r == "timestamp" }
                return false
            }
        }
    }

    @Test func nonCanonicalJSONTricks() throws {
        let f = try UpdateFixture()
        try f.update()
        try f.publish()
        let good = String(decoding: try f.served("timestamp.json"), as: UTF8.self)
        let version = "\"version\": \(f.repository.timestamp.common.version)"
        #expect(good.contains(version))
        // A duplicate key (a parser keeping the last would see version 99) and a float
        // version are refused before any signature is checked.
        for tricked in [good.replacingOccurrences(of: version, with: "\(version), \"version\": 99"),
                        good.replacingOccurrences(of: version, with: "\(version).0")] {
            try f.serve(Array(tricked.utf8), as: "timestamp.json")
            try expectRefused(f, { try f.update() }) {
                if case .malformed(let r, _) = $0 { return r == "timestamp" }
                return false
            }
        }
        // Escapes and whitespace that leave the canonical form unchanged verify: the
        // signature covers the meaning, not the bytes on the wire.
        let escaped = good.replacingOccurrences(of: "\"_type\": \"timestamp\"", with: "\"_type\" :\"time\\u0073tamp\"")
        #expect(escaped != good)
        try f.serve(Array(escaped.utf8), as: "timestamp.json")
        var u = try f.updater()
        try u.refresh()
        #expect(u.trusted.timestamp?.common.version == f.repository.timestamp.common.version)
    }
}

/// Answers every connection on 127.0.0.1 with an HTTP 200 and bytes without end, until
/// the client hangs up.
final class EndlessServer: @unchecked Sendable {
    let socket: Int32
    let port: UInt16

    init() throws {
        let listening = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) } }
        guard bound == 0, listen(listening, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        withUnsafeMutablePointer(to: &address) { _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
        socket = listening
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread {
            signal(SIGPIPE, SIG_IGN)
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                let head = Array("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n".utf8)
                _ = head.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                let chunk = [UInt8](repeating: 0x20, count: 65_536)
                while chunk.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 {}
                close(client)
            }
        }
    }

    deinit { shutdown(socket, Int32(SHUT_RDWR)); close(socket) }
}
