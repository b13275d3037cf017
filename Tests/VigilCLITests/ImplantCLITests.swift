import Foundation
import Testing
import VigilTestSupport

/// `vigil implant run` and `vigil device run` as a user meets them: nonsense arguments
/// are refused with a specific message and exit status before anything runs.
@Suite("vigil implant and device commands", .serialized)
struct ImplantCLITests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../VigilImplantTests/Fixtures/arrhythmia_reference_int8.vpkg").standardized.path
    static let ds1 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/datasets/mitdb-ds1").standardized.path
    static var datasetsPresent: Bool { FileManager.default.fileExists(atPath: ds1 + "/208.hea") }

    @Test func badArgumentsAreRefused() throws {
        let directory = try CLI.temporaryDirectory()
        let profile = directory.appendingPathComponent("zero-clock.json")
        try Data(#"{"clock_hz": 0}"#.utf8).write(to: profile)
        let cases: [([String], Int32, String)] = [
            (["implant", "run", "--record", "x", "--model", Self.package, "--inject", "bogus@1+2"], 1, "--inject: 'bogus@1+2' is not KIND@START+DURATION"),
            (["implant", "run", "--record", "x", "--model", Self.package, "--inject", "lead_off@10"], 1, "is not KIND@START+DURATION"),
            (["implant", "run", "--record", "x", "--model", Self.package, "--profile", profile.path], 1, "clock_hz must be positive and finite, not 0.0"),
            (["implant", "run", "--record", "x", "--model", Self.package, "--profile", "implant-m7"], 1, "unknown profile 'implant-m7'"),
            (["implant", "run", "--record", "x", "--model", "/nonexistent.vpkg"], 1, "/nonexistent.vpkg: cannot read the package"),
            (["implant", "run", "--record", "x", "--model", Self.package, "--fault-model", "/nonexistent.vpkg"], 1, "/nonexistent.vpkg: cannot read the package"),
            (["implant", "run", "--record", "x", "--model", Self.package, "--fault-model", Self.package], 1,
             "model: fault model: its contract is not a fault detector's"),
            (["implant", "run", "--record", "/nonexistent/100", "--model", Self.package], 1, "record: /nonexistent/100"),
            (["implant", "run", "--record", "x", "--model", Self.package, "--seconds=-5"], 2, "--seconds must be positive"),
            (["device", "run", Self.package, "--random", "0"], 2, "--random must be between 1 and 100000"),
            (["device", "run", Self.package, "--random", "5", "--input", "x.npy"], 2, "give --input or --random, not both"),
            (["device", "run", Self.package, "--kernels", "fast"], 2, "fast"),
            (["device", "run", "/nonexistent.vpkg"], 1, "/nonexistent.vpkg: cannot read the package"),
        ]
        for (arguments, status, message) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test(.enabled(if: datasetsPresent, "../shared/datasets is absent; the replay test is skipped"))
    func aReplayPrintsTheIssuesJSONKeys() throws {
        let result = try CLI.run(["implant", "run", "--profile", "implant-m4", "--record", Self.ds1 + "/208", "--model", Self.package, "--seconds", "120", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["beats", "events", "worst_beat_cycles", "deadline_misses", "inference_j_per_day", "battery_years", "wall_s"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect((object["beats"] as? Int ?? 0) > 100)
        #expect((object["battery_years"] as? Double ?? 0) > 0)
    }
}
