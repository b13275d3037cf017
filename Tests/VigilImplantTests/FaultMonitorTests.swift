import Foundation
import Testing
import VigilFirmware
import VigilRuntime
@testable import VigilImplant

/// A fault detector built by hand, whose answer is known: the mean lead impedance over
/// its 2-second window, times 0.001, against a constant 5: it reports "lead_fault" when
/// the mean is above 5,000 Ω. Normal leads read 300–1,500 Ω; an injected lead-off
/// reads 20–100 kΩ (FaultSynthesizer).
enum HandFaultModel {
    static func package(window: Int = 512) throws -> [UInt8] {
        var b = GraphBuilder()
        let x = b.input("impedance", shape: [window, 1])
        let mean = b.node(.globalAveragePool1D, [x], name: "mean")
        let w = b.constant("w", shape: [1, 2], values: [0, 0.001])
        let bias = b.constant("b", shape: [2], values: [Float(5), 0])
        b.output(b.dense(mean, weight: w, bias: bias, name: "scores"))
        let graph = try b.build()
        let contract = InputContract(sampleRate: 256, window: .init(length: window, rPeakIndex: 0),
                                     inputs: [.init(role: .impedanceWindow, layout: .native(rank: 3))],
                                     outputs: [.init(role: .classScores, layout: .native(rank: 2))], classes: ["clean", "lead_fault"])
        var package = ModelPackage(manifest: Manifest(name: "hand-fault"), graph: graph, inputContract: contract)
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 2)
        let input = interpreter.input(0)
        for i in input.indices { input[i] = i < window ? 800 : 30_000 }  // one clean window, one open lead
        interpreter.invoke()
        #expect(zip(Array(interpreter.output(0)), [Float(5), 0.8, 5, 30]).allSatisfy { abs($0 - $1) < 1e-4 })
        package.golden = GoldenVectors(batch: 2, inputs: [Array(interpreter.inputBytes(0))], outputs: [Array(interpreter.outputBytes(0))], tolerance: 0)
        return package.encoded()
    }

    /// The shipped fit plus hand costs for the two float ops: 1,000 and 200 instructions.
    static func costModel() throws -> CostModel {
        var model = CostModel.fit(try CostModel.shippedMeasurements())
        model.coefficients["GlobalAveragePool1D/float32"] = [1000, 0, 0, 0, 0]
        model.coefficients["Dense/float32"] = [200, 0, 0, 0, 0]
        return model
    }
}

@Suite("Fault monitor")
struct FaultMonitorTests {
    @Test func itRunsOnItsDutyCycleOverTheLatestWindow() throws {
        let package = try ModelPackage.decode(try HandFaultModel.package(window: 4))
        let monitor = try FaultMonitor<PortableKernels>(package: package, period: 3)
        var verdicts: [Int?] = []
        // Impedance 800 Ω for six samples, then 30 kΩ: the window is full at the fourth
        // sample; runs fall every third sample after that.
        for i in 0..<12 { verdicts.append(monitor.process(millivolts: 0, ohms: i < 6 ? 800 : 30_000)) }
        // Runs at samples 3 (window 0–3: clean), 6 (3–6: mean 8,100 Ω: fault), 9 and 12 (fault).
        #expect(verdicts == [nil, nil, nil, 0, nil, nil, 1, nil, nil, 1, nil, nil])
        #expect(monitor.runs == 3)
    }

    /// The new contract roles are checked like the others: an impedance window must be an
    /// input of the window's shape, and the contract must state the window.
    @Test func badFaultContractsAreRefused() throws {
        let package = try ModelPackage.decode(try HandFaultModel.package(window: 8))
        var contract = try #require(package.inputContract)
        contract.window = .init(length: 16, rPeakIndex: 0)
        #expect(throws: PackageError.malformed("input contract", "input 0 'impedance' (impedance window) has shape [8, 1]; the window is [16, 1]")) {
            try contract.check(against: package.graph)
        }
        contract.window = nil
        #expect(throws: PackageError.malformed("input contract", "input 0 'impedance' (impedance window): a signal or impedance window needs the contract's window and must be an input")) {
            try contract.check(against: package.graph)
        }
    }

    @Test func aBeatClassifierIsNotAFaultDetector() throws {
        let fault = try ModelPackage.decode(try HandFaultModel.package())
        #expect(throws: FirmwareError.self) { _ = try BeatLoop<PortableKernels>(package: fault) }
        #expect(throws: FirmwareError.contract("a fault detector's inputs must be a signal window and/or an impedance window and one output class scores")) {
            _ = try FaultMonitor<PortableKernels>(package: try ModelPackage.decode(try Fixture.package), period: 10)
        }
    }

    @Test(.enabled(if: Fixture.datasetsPresent, "../shared/datasets is absent; the replay test is skipped"))
    func anInjectedLeadOffRaisesFaultAlarmsOnTheDutyCycle() throws {
        let simulator = try ImplantSimulator(profile: .implantM4, packageBytes: try Fixture.package, faultPackageBytes: try HandFaultModel.package(),
                                             costModel: try HandFaultModel.costModel(), beatLoopCost: try BeatLoopMeasurement.shipped())
        let clean = try simulator.run(record: Fixture.ds1 + "/208", seconds: 600)
        #expect(!clean.events.contains { $0.kind == .faultAlarm })
        #expect(clean.faultRuns == 10)  // once a minute for ten minutes
        let faulted = try simulator.run(record: Fixture.ds1 + "/208", injections: [try FaultInjection(spec: "lead_off@100+200")], seconds: 600)
        let alarms = faulted.events.filter { $0.kind == .faultAlarm }
        #expect(!alarms.isEmpty)
        #expect(alarms.allSatisfy { $0.seconds > 100 && $0.seconds <= 302 && $0.detail == "lead_fault" })
        // 1,440 runs a day of (1,000 + 200 + two nodes' overhead) instructions at the profile's CPI and nJ per cycle.
        let instructions = 1200 + 2 * simulator.costModel.overheadPerNode
        #expect(abs((simulator.faultModelInstructions ?? 0) - instructions) < 1e-9)
        let joules = 1440 * instructions * ImplantProfile.implantM4.cyclesPerInstruction * 0.36e-9
        #expect(abs(faulted.faultJoulesPerDay - joules) < 1e-12)
    }

    @Test func aFaultModelOverTheRemainingArenaIsRefused() throws {
        var small = ImplantProfile.implantM4
        small.arenaBytes = 7232 + 1024  // the arrhythmia model's arena (7,232 bytes as the simulator plans it) and 1 KiB: the window alone needs 2 KiB
        #expect {
            _ = try ImplantSimulator(profile: small, packageBytes: try Fixture.package, faultPackageBytes: try HandFaultModel.package(),
                                     costModel: try HandFaultModel.costModel(), beatLoopCost: try BeatLoopMeasurement.shipped())
        } throws: { error in "\(error)".hasPrefix("model: fault model: ") && "\(error)".contains("1024 of them free for it") }
    }
}
