import Foundation
import Testing
import VigilFirmware
import VigilRuntime
import VigilSignal
import VigilSignalCore
@testable import VigilImplant

/// The reference arrhythmia model quantized by vigil with its whole input contract
/// (Fixtures/arrhythmia_reference_int8.vpkg, made by Device/packages.sh).
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var package: [UInt8] { get throws { [UInt8](try Data(contentsOf: folder.appendingPathComponent("arrhythmia_reference_int8.vpkg"))) } }
    static let ds1 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/datasets/mitdb-ds1").standardized.path
    static var datasetsPresent: Bool { FileManager.default.fileExists(atPath: ds1 + "/208.hea") }

    static func simulator(_ profile: ImplantProfile = .implantM4) throws -> ImplantSimulator {
        try ImplantSimulator(profile: profile, packageBytes: try package, costModel: CostModel.fit(try CostModel.shippedMeasurements()),
                             beatLoopCost: try BeatLoopMeasurement.shipped())
    }
}

@Suite("Implant simulator")
struct SimulatorTests {
    @Test func aModelOverTheArenaIsRefused() throws {
        var small = ImplantProfile.implantM4
        small.arenaBytes = 2048
        #expect { _ = try Fixture.simulator(small) } throws: { error in
            "\(error)".contains("arena") && "\(error)".contains("2048 bytes")
        }
    }

    @Test func aPackageOverTheModelSlotIsRefused() throws {
        var small = ImplantProfile.implantM4
        small.modelSlotBytes = 16 * 1024
        #expect { _ = try Fixture.simulator(small) } throws: { error in
            "\(error)".contains("a model slot of implant-m4 holds 16384")
        }
    }

    @Test func aModelAtAnotherRateIsRefused() throws {
        var other = ImplantProfile.implantM4
        other.sampleRateHz = 360
        #expect(throws: ImplantError.model("the package takes 256 Hz; implant-m4's front end samples at 360 Hz")) { _ = try Fixture.simulator(other) }
    }

    @Test func aMissingRecordIsRefused() throws {
        #expect { _ = try Fixture.simulator().run(record: "/nonexistent/100") } throws: { error in
            guard case .record = error as? ImplantError else { return false }
            return true
        }
    }

    /// Ten minutes of record 208: the loop's labels, the ledger's arithmetic (re-derived
    /// here from the profile and the cost model), the annotation file, and an injected
    /// lead-off fault raising an impedance alarm at the next periodic reading.
    @Test(.enabled(if: Fixture.datasetsPresent, "../shared/datasets is absent; the replay test is skipped"))
    func aReplayClassifiesBeatsAndKeepsTheLedger() throws {
        let simulator = try Fixture.simulator()
        let report = try simulator.run(record: Fixture.ds1 + "/208", seconds: 600)
        let reference = try ECGRecordSignal.load(Fixture.ds1 + "/208", rate: 256).referenceBeats.filter { $0 < 600 * 256 }
        // The streaming detector finds the annotated beats within a few percent.
        #expect(abs(report.beats - reference.count) < reference.count / 20)
        #expect(report.beatsByClass.reduce(0, +) == report.beats)
        #expect(report.beatsByClass[2] > 50)  // 208 has hundreds of ventricular beats

        let p = ImplantProfile.implantM4, cost = simulator.beatLoopCost
        let perBeat = (cost.beatOverheadInstructions + simulator.modelInstructions) * p.cyclesPerInstruction
        let expected = Double(report.beats) / 600 * 86_400 * perBeat * p.activeNanojoulesPerCycle * 1e-9
        #expect(abs(report.inferenceJoulesPerDay - expected) < 1e-9 * expected)
        let perDay = report.inferenceJoulesPerDay + report.signalJoulesPerDay + report.sleepJoulesPerDay + report.radioJoulesPerDay + p.otherJoulesPerDay
        #expect(abs(report.batteryYears - p.batteryJoules / perDay / 365.25) < 1e-9)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-annotations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("208.vigil").path
        try ImplantSimulator.writeAnnotations(report, originalRate: 360, deviceRate: 256, to: path)
        let written = try AnnotationFile.read(path)
        #expect(written.count == report.beats)
        #expect(written.filter { $0.code.symbol == "V" }.count == report.beatsByClass[2])

        let faulted = try simulator.run(record: Fixture.ds1 + "/208", injections: [try FaultInjection(spec: "lead_off@100+200")], seconds: 600)
        #expect(faulted.events.contains { $0.kind == .leadImpedance && $0.seconds >= 100 && $0.seconds <= 300 })
        #expect(!report.events.contains { $0.kind == .leadImpedance })
    }

    /// Hand-made label streams at 256 Hz: three V in a row 0.5 s apart is a run at
    /// 120 bpm; two is not; 4 s without a beat is a pause.
    @Test func rhythmEventsFromLabels() throws {
        let simulator = try Fixture.simulator()
        let classes = ["N", "S", "V", "F", "Q"]
        func beats(_ classes: [Int], every: Int = 128) -> [BeatLabel] { classes.enumerated().map { BeatLabel(sample: 256 + $0 * every, classIndex: $1) } }
        let run = simulator.rhythmEvents(beats([0, 2, 2, 2, 0, 2, 2, 0, 1, 1, 1, 1]), classes: classes, rate: 256)
        #expect(run == [ImplantEvent(kind: .ventricularRun, seconds: 1.5, detail: "3 beats at 120 bpm"),
                        ImplantEvent(kind: .supraventricularRun, seconds: 5, detail: "4 beats at 120 bpm")])
        let pause = simulator.rhythmEvents([BeatLabel(sample: 256, classIndex: 0), BeatLabel(sample: 256 * 5, classIndex: 0)], classes: classes, rate: 256)
        #expect(pause == [ImplantEvent(kind: .pause, seconds: 1, detail: "4.0 s without a beat")])
    }

    /// A record at 360.5 Hz: the front end's resampler takes integer rates only.
    @Test func aRecordTheFrontEndCannotResampleIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("odd 1 360.5 1000\nodd.dat 212 200 11 1024 0 0 0 MLII\n".utf8).write(to: folder.appendingPathComponent("odd.hea"))
        try Data(repeating: 0, count: 1500).write(to: folder.appendingPathComponent("odd.dat"))
        #expect { _ = try Fixture.simulator().run(record: folder.appendingPathComponent("odd").path) } throws: { error in
            guard case .record(let message) = error as? ImplantError else { return false }
            return message.contains("non-integer rate 360.5 Hz")
        }
    }

    @Test func anInjectionPastTheRecordIsRefused() throws {
        guard Fixture.datasetsPresent else { return }
        #expect(throws: ImplantError.self) {
            _ = try Fixture.simulator().run(record: Fixture.ds1 + "/208", injections: [try FaultInjection(spec: "dropout@5000+10")], seconds: 60)
        }
    }
}
