import Foundation
import Testing
import VigilFirmware
import VigilImport
import VigilRuntime
import VigilSignal
import VigilSignalCore

/// The trained reference model (Models/arrhythmia/reference.onnx) packaged with its
/// whole input contract, as `vigil quantize` writes it.
enum ReferencePackage {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let ds1 = repository.appendingPathComponent("../shared/datasets/mitdb-ds1").standardized.path
    static var datasetsPresent: Bool { FileManager.default.fileExists(atPath: ds1 + "/208.hea") }

    /// The RR features and standardization the model was trained with (its training
    /// script wrote rr_normalization.json; the package carries them from here on).
    static func rrFeatures() throws -> InputContract.RRFeatureSet {
        let url = repository.appendingPathComponent("Models/arrhythmia/rr_normalization.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let names = try #require(object["features"] as? [String])
        let mean = try #require(object["mean"] as? [Double]).map(Float.init)
        let std = try #require(object["std"] as? [Double]).map(Float.init)
        return InputContract.RRFeatureSet(features: try names.map { try #require(InputContract.RRFeature.named($0)) }, mean: mean, std: std)
    }

    /// Built once: importing and recording take seconds in a debug build.
    static let built = Result { try build() }
    static func make() throws -> ModelPackage { try built.get() }

    static func build() throws -> ModelPackage {
        let imported = try ModelImporter.importModel(path: repository.appendingPathComponent("Models/arrhythmia/reference.onnx").path)
        let graph = imported.graph
        let rr = try rrFeatures()
        let inputs = graph.inputs.enumerated().map { i, id in
            InputContract.Binding(role: graph.tensors[id].shape == [256, 1] ? .beatWindow : .rrFeatures,
                                  layout: InputContract.Layout(storedAxes: imported.inputLayouts[i].storedAxes, frameworkRank: imported.inputLayouts[i].frameworkRank))
        }
        let outputs = imported.outputLayouts.map {
            InputContract.Binding(role: .classScores, layout: InputContract.Layout(storedAxes: $0.storedAxes, frameworkRank: $0.frameworkRank))
        }
        let contract = InputContract(sampleRate: 256, lead: "MLII", window: .init(length: 256, rPeakIndex: 90), rr: rr,
                                     inputs: inputs, outputs: outputs, classes: ["N", "S", "V", "F", "Q"], labelMapping: .aamiDeChazal)
        var package = ModelPackage(manifest: Manifest(name: "reference"), graph: graph, inputContract: contract)
        // Golden vectors: two seeded inputs and the reference kernels' outputs.
        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: 2)
        var state: UInt32 = 12345
        for i in graph.inputs.indices {
            let x = interpreter.input(i)
            for k in x.indices { state = state &* 1_664_525 &+ 1_013_904_223; x[k] = Float(Int(state >> 16) % 2001 - 1000) / 1000 }
        }
        interpreter.invoke()
        package.golden = GoldenVectors(batch: 2, inputs: graph.inputs.indices.map { Array(interpreter.inputBytes($0)) },
                                       outputs: graph.outputs.indices.map { Array(interpreter.outputBytes($0)) }, tolerance: 1e-5)
        return package
    }
}

@Suite("Firmware beat loop")
struct BeatLoopTests {
    @Test(.enabled(if: ReferencePackage.datasetsPresent, "../shared/datasets is absent; DS1 beat-loop test skipped"))
    func theLoopLabelsADS1RecordAsTheBatchPathDoes() throws {
        let bytes = try ReferencePackage.make().encoded()
        // Five minutes of record 208 (many ventricular beats), at the contract's rate.
        let signal = try ECGRecordSignal.load(ReferencePackage.ds1 + "/208", lead: "MLII", rate: 256)
        let samples = Array(signal.samples.prefix(5 * 60 * 256))

        // The device: the package's bytes and the samples, nothing else.
        let loop = try bytes.withUnsafeBytes { try BeatLoop<PortableKernels>(packageBytes: $0) }
        var streamed: [BeatLabel] = []
        for x in samples { if let label = loop.process(millivolts: x) { streamed.append(label) } }

        // The batch path: the whole excerpt conditioned at once, R peaks from the
        // detector, windows and RR features cut from the lists, one batched invoke.
        let package = try ModelPackage.decode(bytes)
        let contract = try #require(package.inputContract)
        let rr = try #require(contract.rr)
        var detectorSignal = signal
        detectorSignal.samples = samples
        let peaks = detectorSignal.detectQRS().map(\.sample)
        let conditioned = ECGFilters.conditioning(sampleRate: 256).processed(samples)
        let beats = BeatBatch.beats(conditioned: conditioned, rPeaks: peaks, shape: BeatWindowShape(length: 256, rPeakIndex: 90),
                                    rr: RRConfiguration(sampleRate: 256, localCount: rr.localCount, longCount: rr.longCount))
        #expect(beats.count > 300)
        let interpreter = try Interpreter<PortableKernels>(graph: package.graph, batch: beats.count)
        for (i, binding) in contract.inputs.enumerated() {
            let x = interpreter.input(i)
            for (b, beat) in beats.enumerated() {
                let values = binding.role == .beatWindow ? beat.window
                    : rr.values(pre: beat.rr.preRR, post: beat.rr.postRR, local: beat.rr.localRR, long: beat.rr.longRR)
                for (k, v) in values.enumerated() { x[b * values.count + k] = v }
            }
        }
        interpreter.invoke()
        let scores = interpreter.output(0)
        let batch = beats.enumerated().map { b, beat in
            let row = Array(scores[(b * 5)..<(b * 5 + 5)])
            return BeatLabel(sample: beat.sample, classIndex: row.firstIndex(of: row.max()!)!)
        }
        #expect(streamed == batch)
        // Not a degenerate model: record 208 has ventricular beats, and some are found.
        #expect(Set(streamed.map(\.classIndex)).count >= 2)
        #expect(loop.beatCount == streamed.count)
    }

    @Test func aPackageWithoutAContractIsRefused() throws {
        var package = try ReferencePackage.make()
        package.inputContract = nil
        #expect(throws: FirmwareError.self) { try BeatLoop<PortableKernels>(package: package) }
    }

    @Test func aPackageThatFailsItsGoldenVectorsIsRefused() throws {
        var package = try ReferencePackage.make()
        package.golden!.outputs[0][2] ^= 0x40  // the first score's top mantissa bit
        do {
            _ = try BeatLoop<PortableKernels>(package: package)
            Issue.record("a package whose golden outputs do not match was accepted")
        } catch {
            guard case .selfTest = error else { Issue.record("expected a self-test failure, got \(error.message)"); return }
        }
    }

    @Test func conditioningTheFirmwareDoesNotImplementIsRefused() throws {
        var package = try ReferencePackage.make()
        package.inputContract!.conditioning = .init(highPassHz: 1, lowPassHz: 40)
        do {
            _ = try BeatLoop<PortableKernels>(package: package)
            Issue.record("a contract asking for 1–40 Hz conditioning was accepted")
        } catch {
            guard case .contract = error else { Issue.record("expected a contract error, got \(error.message)"); return }
        }
    }

    @Test func tamperedBytesAreRefusedBeforeAnythingRuns() throws {
        var bytes = try ReferencePackage.make().encoded()
        bytes[bytes.count - 3] ^= 1
        #expect(throws: FirmwareError.self) { try bytes.withUnsafeBytes { try BeatLoop<PortableKernels>(packageBytes: $0) } }
    }
}
