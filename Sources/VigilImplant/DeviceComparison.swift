import Foundation
import VigilFirmware
import VigilRuntime

/// Runs on the emulated device next to the same runs on the host's reference
/// kernels, and what differs.
public enum DeviceComparison {
    /// Model mode: each sample is the batch-1 bytes of every graph input, in order.
    public struct ModelRun: Sendable {
        public var report: DeviceReport
        /// Per sample, the device's output bytes (every output, in order).
        public var deviceOutputs: [[UInt8]]
        /// Samples whose outputs differ from the host's in any byte.
        public var mismatchedSamples: [Int]
    }

    public static func sampleBytes(of graph: Graph) -> Int {
        graph.inputs.reduce(0) { $0 + graph.tensors[$1].byteCount }
    }

    /// The host's reference-kernel outputs for each sample.
    public static func hostOutputs(_ package: ModelPackage, samples: [[UInt8]]) throws(DeviceError) -> [[UInt8]] {
        let interpreter: Interpreter<PortableKernels>
        do { interpreter = try Interpreter<PortableKernels>(graph: package.graph, batch: 1) } catch { throw DeviceError(error.message) }
        return samples.map { sample in
            var offset = 0
            for i in interpreter.graph.inputs.indices {
                let target = interpreter.inputBytes(i)
                sample.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + target.count)])) }
                offset += target.count
            }
            interpreter.invoke()
            return interpreter.graph.outputs.indices.flatMap { Array(interpreter.outputBytes($0)) }
        }
    }

    public static func model(_ package: ModelPackage, image: URL, samples: [[UInt8]], on device: EmulatedDevice) throws(DeviceError) -> ModelRun {
        let perSample = sampleBytes(of: package.graph)
        if let bad = samples.firstIndex(where: { $0.count != perSample }) {
            throw DeviceError("sample \(bad) holds \(samples[bad].count) bytes; the model's inputs take \(perSample)")
        }
        let expected = try hostOutputs(package, samples: samples)
        let inputs = device.exchangeFile("inputs.bin"), outputs = device.exchangeFile("outputs.bin")
        defer { try? FileManager.default.removeItem(at: inputs); try? FileManager.default.removeItem(at: outputs) }
        do { try Data(samples.flatMap { $0 }).write(to: inputs) } catch { throw DeviceError("cannot write \(inputs.path): \(error.localizedDescription)") }
        let report = try device.run(image: image, ["model", inputs.path, outputs.path])
        if report.status != 0 { throw DeviceError("the device refused the run (status \(report.status)): \(report.messages.joined(separator: "; "))") }
        guard let data = FileManager.default.contents(atPath: outputs.path) else { throw DeviceError("the device wrote no outputs") }
        let outputBytes = expected.first?.count ?? 0
        if report.integer("inferences") != samples.count || data.count != outputBytes * samples.count {
            throw DeviceError("the device ran \(report.integer("inferences") ?? 0) of \(samples.count) samples and wrote \(data.count) bytes")
        }
        let bytes = [UInt8](data)
        let device = (0..<samples.count).map { Array(bytes[($0 * outputBytes)..<(($0 + 1) * outputBytes)]) }
        let mismatched = (0..<samples.count).filter { device[$0] != expected[$0] }
        return ModelRun(report: report, deviceOutputs: device, mismatchedSamples: mismatched)
    }

    /// Beat-loop mode: ADC codes at the contract's rate through the firmware beat loop on
    /// the device and on the host.
    public struct BeatRun: Sendable {
        public var report: DeviceReport
        public var deviceLabels: [BeatLabel]
        public var hostLabels: [BeatLabel]
        /// The firmware's rhythm events (`RhythmMonitor`) on each side.
        public var deviceEvents: [RhythmEvent]
        public var hostEvents: [RhythmEvent]
        public var identical: Bool { deviceLabels == hostLabels && deviceEvents == hostEvents }
    }

    /// The host's beat loop (reference kernels, the package's own copy of its weights)
    /// and its rhythm events.
    public static func hostBeats(_ packageBytes: [UInt8], codes: [Int16], frontEnd: SensingFrontEnd) throws(FirmwareError) -> (labels: [BeatLabel], events: [RhythmEvent]) {
        let loop = try BeatLoop<PortableKernels>.from(packageBytes)
        var rhythm = RhythmMonitor(sampleRate: loop.contract.sampleRate, classes: loop.contract.classes)
        var labels: [BeatLabel] = [], events: [RhythmEvent] = []
        for code in codes {
            guard let label = loop.process(millivolts: frontEnd.millivolts(code)) else { continue }
            labels.append(label)
            rhythm.process(label) { events.append($0) }
        }
        rhythm.finish { events.append($0) }
        return (labels, events)
    }

    public static func beats(_ packageBytes: [UInt8], image: URL, codes: [Int16], frontEnd: SensingFrontEnd, on device: EmulatedDevice) throws(DeviceError) -> BeatRun {
        let host: (labels: [BeatLabel], events: [RhythmEvent])
        do { host = try hostBeats(packageBytes, codes: codes, frontEnd: frontEnd) } catch { throw DeviceError("the host beat loop refuses the package: \(error.message)") }
        let samples = device.exchangeFile("samples.bin"), labels = device.exchangeFile("labels.bin"), events = device.exchangeFile("events.bin")
        defer { for f in [samples, labels, events] { try? FileManager.default.removeItem(at: f) } }
        let raw = codes.withUnsafeBytes { Data($0) }
        do { try raw.write(to: samples) } catch { throw DeviceError("cannot write \(samples.path): \(error.localizedDescription)") }
        // The gain as the shortest decimal that reads back as the same Float.
        let report = try device.run(image: image, ["beats", samples.path, labels.path, events.path, "\(frontEnd.gain)"])
        if report.status != 0 { throw DeviceError("the device refused the run (status \(report.status)): \(report.messages.joined(separator: "; "))") }
        // (sample, class, whether the model ran) per beat.
        guard let data = FileManager.default.contents(atPath: labels.path), data.count % 12 == 0 else { throw DeviceError("the device wrote no labels") }
        let words = [UInt8](data).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        let deviceLabels = stride(from: 0, to: words.count, by: 3).map {
            BeatLabel(sample: Int(words[$0]), classIndex: Int(words[$0 + 1]), inferred: words[$0 + 2] != 0)
        }
        guard let eventData = FileManager.default.contents(atPath: events.path), eventData.count % 16 == 0 else { throw DeviceError("the device wrote no events file") }
        let fields = [UInt8](eventData).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        var deviceEvents: [RhythmEvent] = []
        for k in stride(from: 0, to: fields.count, by: 4) {
            guard let kind = RhythmEvent.Kind(rawValue: UInt8(truncatingIfNeeded: fields[k])) else { throw DeviceError("the device wrote an unknown event kind \(fields[k])") }
            deviceEvents.append(RhythmEvent(kind: kind, sample: Int(fields[k + 1]), beats: Int(fields[k + 2]), value: Int(fields[k + 3])))
        }
        return BeatRun(report: report, deviceLabels: deviceLabels, hostLabels: host.labels, deviceEvents: deviceEvents, hostEvents: host.events)
    }
}

extension BeatLoop {
    /// A loop over a package in memory (the interpreter keeps its own copy of the weights).
    public static func from(_ bytes: [UInt8]) throws(FirmwareError) -> BeatLoop {
        let result: Result<BeatLoop, FirmwareError> = bytes.withUnsafeBytes { raw in
            do throws(FirmwareError) { return .success(try BeatLoop(packageBytes: raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
