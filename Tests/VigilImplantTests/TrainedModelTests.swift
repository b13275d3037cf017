import Foundation
import Testing
import VigilDatasets
import VigilFirmware
import VigilKernels
import VigilRuntime
import VigilSignal
import VigilSignalCore
@testable import VigilImplant

/// The trained models of Models/ (issue #11), as committed: they load, pass their golden
/// vectors, state their whole contract, and run from the package alone.
@Suite("Trained models")
struct TrainedModelTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: models.appendingPathComponent(path))) }
    static let packages = ["arrhythmia/arrhythmia.int8.vpkg", "arrhythmia/arrhythmia.vpkg", "faults/faults.int8.vpkg", "faults/faults.vpkg"]

    @Test(arguments: packages)
    func theyLoadAndPassTheirGoldenVectors(_ path: String) throws {
        let package = try try Self.bytes(path).withUnsafeBytes { try ModelPackage.decode($0) }
        let check = package.selfTest(kernels: PortableKernels.self)
        #expect(check.passed, "\(path): \(check.failure)")
        #expect(package.selfTest(kernels: HostKernels.self).passed)
        let contract = try #require(package.inputContract)
        if path.hasPrefix("arrhythmia") {
            #expect(contract.isBeatClassifier && contract.classes == ["N", "S", "V", "F"] && contract.labelMapping == .aamiDeChazal)
            let rr = try #require(contract.rr)
            #expect(rr.usesMorphology && rr.gate != nil && rr.isStandardized)
        } else {
            #expect(contract.isFaultDetector && contract.classes.first == "none" && contract.window?.length == 512)
            #expect(contract.inputs.map(\.role) == [.signalWindow, .impedanceWindow])
        }
    }

    /// The firmware beat loop over a whole DS1 record, from the package's bytes alone
    /// (no side file: sampling rate, conditioning, window, features, standardization, gate
    /// and classes all come from its contract). Record 119 (ventricular bigeminy) is in
    /// the final model's training set; the cross-validated figures are in Models/README.md.
    @Test(.enabled(if: Fixture.datasetsPresent, "../shared/datasets is absent; the trained-model replay is skipped"))
    func theArrhythmiaPackageClassifiesADS1RecordFromItsBytesAlone() throws {
        let simulator = try ImplantSimulator(profile: .implantM4, packageBytes: try Self.bytes("arrhythmia/arrhythmia.int8.vpkg"),
                                             costModel: CostModel.fit(try CostModel.shippedMeasurements()),
                                             beatLoopCost: try BeatLoopMeasurement.shipped())
        let report = try simulator.run(record: Fixture.ds1 + "/119")
        let signal = try ECGRecordSignal.load(Fixture.ds1 + "/119", rate: 256)
        let reference = (signal.annotations ?? []).filter { $0.code.isBeat }
        let matches = BeatLabels.nearest(report.labels.map(\.sample), in: reference, tolerance: 38)
        var vTruePositive = 0, vFalsePositive = 0
        for (label, ref) in zip(report.labels, matches) where label.classIndex == 2 {
            if ref?.code.aamiClass(.deChazal) == .v { vTruePositive += 1 } else { vFalsePositive += 1 }
        }
        let vReference = reference.filter { $0.code.aamiClass(.deChazal) == .v }.count
        #expect(vReference > 400)
        #expect(Double(vTruePositive) / Double(vReference) > 0.9)
        #expect(Double(vTruePositive) / Double(vTruePositive + vFalsePositive) > 0.9)
        // The gate settles most beats without the network.
        #expect(report.inferredBeats < report.beats)
        #expect(report.inferredBeats > 0)
    }

    /// float vs int8 through the whole firmware beat loop, fed as the implant's front end
    /// senses, on two records held out of the quantizer's calibration (fold 0's 209 and
    /// 215): the same label on ≥ 99 % of the beats the network ran on.
    @Test(.enabled(if: Fixture.datasetsPresent, "../shared/datasets is absent; the float vs int8 replay is skipped"))
    func int8AgreesWithFloatOnHeldOutBeats() throws {
        let frontEnd = SensingFrontEnd(profile: .implantM4)
        var agree = 0, compared = 0
        for record in ["209", "215"] {
            let codes = frontEnd.digitize(try frontEnd.sense(record: Fixture.ds1 + "/" + record, lead: "MLII").samples).codes
            var runs: [[BeatLabel]] = []
            for path in ["arrhythmia/arrhythmia.vpkg", "arrhythmia/arrhythmia.int8.vpkg"] {
                let bytes = try Self.bytes(path)
                let loop = try bytes.withUnsafeBytes { try BeatLoop<HostKernels>(packageBytes: $0) }
                runs.append(codes.compactMap { loop.process(millivolts: frontEnd.millivolts($0)) })
            }
            #expect(runs[0].count == runs[1].count)
            for (a, b) in zip(runs[0], runs[1]) where a.inferred {
                #expect(a.sample == b.sample && b.inferred)
                compared += 1
                if a.classIndex == b.classIndex { agree += 1 }
            }
        }
        #expect(compared > 500)
        #expect(Double(agree) >= 0.99 * Double(compared), "\(agree) of \(compared)")
    }

    /// The fault detector in the simulated implant: a lead-off injected into a held-out
    /// record is called lead_off by a run inside it.
    @Test(.enabled(if: Fixture.datasetsPresent, "../shared/datasets is absent; the fault replay is skipped"))
    func theFaultDetectorCallsAnInjectedLeadOff() throws {
        let simulator = try ImplantSimulator(profile: .implantM4, packageBytes: try Self.bytes("arrhythmia/arrhythmia.int8.vpkg"),
                                             faultPackageBytes: try Self.bytes("faults/faults.int8.vpkg"),
                                             costModel: CostModel.fit(try CostModel.shippedMeasurements()),
                                             beatLoopCost: try BeatLoopMeasurement.shipped())
        let report = try simulator.run(record: Fixture.ds1 + "/220", injections: [try FaultInjection(spec: "lead_off@125+130")], seconds: 300)
        #expect(report.events.contains { $0.kind == .faultAlarm && $0.detail == "lead_off" && $0.seconds > 125 && $0.seconds < 255 })
        #expect(report.faultRuns >= 4)
    }

    /// float vs int8 on the fault detector's held-out windows, rebuilt here as
    /// Models/training/make_models.sh builds them (the 7 held-out DS1 records, noise from
    /// the second half of each NST record, seed 2): the same verdict on ≥ 99 %.
    @Test(.enabled(if: Fixture.datasetsPresent, "../shared/datasets is absent; the fault windows cannot be built"))
    func theFaultDetectorsInt8AgreesWithFloatOnHeldOutWindows() throws {
        var settings = FaultDataset.Settings()
        settings.perRecord = 200
        settings.seed = 2
        settings.noiseHalf = .second
        let windows = try FaultDataset.build(folder: Fixture.ds1, records: ["106", "119", "203", "208", "215", "220", "230"],
                                             noiseFolder: Fixture.ds1 + "/../nstdb", settings: settings)
        #expect(windows.count == 1400)
        var verdicts: [[Int]] = []
        for path in ["faults/faults.vpkg", "faults/faults.int8.vpkg"] {
            let package = try Self.bytes(path).withUnsafeBytes { try ModelPackage.decode($0) }
            let interpreter = try Interpreter<HostKernels>(graph: package.graph, batch: 1)
            var out: [Int] = []
            for w in 0..<windows.count {
                let ecg = interpreter.input(0), ohms = interpreter.input(1)
                for i in 0..<512 { ecg[i] = windows.ecg[w * 512 + i]; ohms[i] = windows.impedance[w * 512 + i] }
                interpreter.invoke()
                let scores = interpreter.output(0)
                out.append(scores.indices.max { scores[$0] < scores[$1] }!)
            }
            verdicts.append(out)
        }
        let agree = zip(verdicts[0], verdicts[1]).filter { $0 == $1 }.count
        #expect(Double(agree) >= 0.99 * Double(windows.count), "\(agree) of \(windows.count)")
    }

    /// A contract whose beat window cannot hold the morphology regions (R at sample 40:
    /// 156 ms before it, 300 ms needed) is refused by the beat loop, saying why.
    @Test func aWindowTooShortForTheMorphologyIsRefused() throws {
        var package = try Self.bytes("arrhythmia/arrhythmia.int8.vpkg").withUnsafeBytes { try ModelPackage.decode($0) }
        package.inputContract!.window = InputContract.BeatWindow(length: 256, rPeakIndex: 40)
        #expect { _ = try BeatLoop<HostKernels>(package: package) } throws: { error in
            "\(error)".contains("morphology features need 300 ms before the R peak")
        }
    }
}
