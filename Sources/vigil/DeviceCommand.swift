import ArgumentParser
import Foundation
import VigilFirmware
import VigilImplant
import VigilImport
import VigilNumPy
import VigilRuntime
import VigilSignalCore

/// `vigil device`: the runtime on the emulated Cortex-M4F.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Run packages on the emulated Cortex-M4F (Embedded Swift on QEMU mps2-an386).",
        subcommands: [DeviceRunCommand.self])
}

struct DeviceRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build the device image for a package and run it in QEMU.",
        discussion: """
            Links the package into the image's model slot (Device/build.sh) and runs it with QEMU's \
            instruction clock. Always runs the package's golden vectors on the device. Model mode \
            (--input or --random): one inference per sample, outputs compared byte for byte with the \
            host's reference kernels, instructions per op and per inference. Beat-loop mode (--record): \
            the record through the implant's front end, then the firmware beat loop on the device and on \
            the host; the labels must be identical. Exit 1 when anything differs.
            """)

    @Argument(help: "The package file.")
    var package: String

    @Option(name: .customLong("input"), help: "An input .npy file (repeat for each model input), batch first, in the framework's layout.")
    var inputs: [String] = []

    @Option(help: "Run this many seeded random inputs (int8 over its whole range, float32 uniform in [-1, 1]).")
    var random: Int?

    @Option(help: "Seed for --random.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "Write the device's outputs here (.npy; a model with one output).")
    var output: String?

    @Option(help: "The image's kernels: dsp (CortexM4Kernels, what the firmware runs) or reference (the reference kernels only, to compare).")
    var kernels: DeviceKernels = .dsp

    @Option(help: "A WFDB record (path without extension) for beat-loop mode.")
    var record: String?

    @Option(help: "Seconds of the record to stream in beat-loop mode (from its start).")
    var seconds: Double = 300

    @Option(help: "The implant profile (its front end digitizes the record): implant-m4 or a .json file.")
    var profile = "implant-m4"

    @Option(help: "Write the measurement (per-node instructions) as JSON here, for the cost model.")
    var measurement: String?

    @Option(help: "With --random and --record: write the beat loop's own cost (signal chain per sample, per-beat overhead beyond the model's run) as JSON here.")
    var beatLoopMeasurement: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let random, random < 1 || random > 100_000 { throw ValidationError("--random must be between 1 and 100000") }
        if random != nil && !inputs.isEmpty { throw ValidationError("give --input or --random, not both") }
        if output != nil && inputs.isEmpty && random == nil { throw ValidationError("-o needs --input or --random") }
        if !(seconds > 0) || seconds > 86_400 { throw ValidationError("--seconds must be in (0, 86400]") }
        if beatLoopMeasurement != nil && (random == nil || record == nil) { throw ValidationError("--beat-loop-measurement needs --random and --record") }
        if measurement != nil && kernels != .dsp { throw ValidationError("--measurement records the firmware's (dsp) kernels") }
    }

    func run() throws {
        let package = try PackageFiles.read(self.package)
        guard let packageData = FileManager.default.contents(atPath: self.package) else { throw CLIError("\(self.package): cannot read") }
        let device = try EmulatedDevice()
        let linked = try EmulatedDevice.kernels(for: package.graph)
        let (image, footprint) = try device.buildImage(package: self.package, kernels: linked, referenceKernels: kernels == .reference)
        defer { try? FileManager.default.removeItem(at: image) }
        var result: [(String, String)] = [("package", JSON.string(self.package)), ("text_bytes", "\(footprint.text)"),
                                          ("rodata_bytes", "\(footprint.rodata)"), ("data_bytes", "\(footprint.data)"),
                                          ("bss_bytes", "\(footprint.bss)"), ("model_bytes", "\(footprint.model)"),
                                          ("kernels_linked", "[" + (kernels == .reference ? [] : linked).map(JSON.string).joined(separator: ", ") + "]")]
        var text = ["image: .text \(footprint.text) B, .rodata \(footprint.rodata) B, .data \(footprint.data) B, .bss \(footprint.bss) B; "
                    + "firmware flash \(footprint.firmwareFlash) B of a \(ImplantProfile.implantM4.firmwareSlotBytes) B slot; package \(footprint.model) B in model slot A",
                    kernels == .reference ? "kernels: the reference kernels, every one linked" : "kernels linked: " + linked.joined(separator: ", ")]
        var failed = false
        var modelInstructions: Int?

        let selfTest = try device.run(image: image, ["selftest"])
        let verdict = selfTest.messages.first { $0.hasPrefix("selftest ") }.map { String($0.dropFirst(9)) } ?? selfTest.messages.joined(separator: "; ")
        result.append(("selftest_passed", selfTest.status == 0 ? "true" : "false"))
        result.append(("selftest", JSON.string(verdict)))
        text.append("device self-test: \(verdict)")
        if selfTest.status != 0 { failed = true }

        if selfTest.status == 0 && (!inputs.isEmpty || random != nil) {
            let samples = try inputSamples(package)
            let run = try DeviceComparison.model(package, image: image, samples: samples, on: device)
            let total = run.report.integer("instructions_per_inference") ?? 0
            modelInstructions = total
            let nodes = package.graph.nodes.indices.map {
                NodeMeasurement(graph: package.graph, node: $0, instructions: run.report.nodeInstructions[$0] ?? 0)
            }
            let macs = nodes.reduce(0) { $0 + $1.macs }
            result += [("inferences", "\(samples.count)"), ("mismatched_samples", "\(run.mismatchedSamples.count)"),
                       ("bit_identical", run.mismatchedSamples.isEmpty ? "true" : "false"),
                       ("instructions_per_inference", "\(total)"), ("macs_per_inference", "\(macs)"),
                       ("arena_bytes", "\(run.report.integer("arena_bytes") ?? 0)"),
                       ("stack_high_water_bytes", "\(run.report.integer("stack_high_water_bytes") ?? 0)"),
                       ("ops", "[" + nodes.enumerated().map { i, n in
                           "{\"node\": \(JSON.string(package.graph.nodes[i].name)), \"op\": \(JSON.string(n.op)), \"macs\": \(n.macs), \"instructions\": \(n.instructions)}"
                       }.joined(separator: ", ") + "]")]
            result.append(("kernels", JSON.string(kernels.rawValue)))
            text.append("model mode (\(kernels.rawValue) kernels): \(samples.count) inferences, \(run.mismatchedSamples.isEmpty ? "outputs bit-identical to the host's reference kernels" : "\(run.mismatchedSamples.count) samples DIFFER from the host (first \(run.mismatchedSamples[0]))")")
            text.append("instructions per inference \(total) (min \(run.report.integer("instructions_per_inference_min") ?? 0), max \(run.report.integer("instructions_per_inference_max") ?? 0)), "
                        + "\(macs) MACs; arena \(run.report.integer("arena_bytes") ?? 0) B, stack high-water \(run.report.integer("stack_high_water_bytes") ?? 0) B")
            text.append("  " + Profile.pad("op", 26) + "MACs".leftPadded(10) + "instructions".leftPadded(14) + "per MAC".leftPadded(9) + "  node")
            for (i, n) in nodes.enumerated() {
                let perMAC = n.macs > 0 ? String(format: "%.2f", Double(n.instructions) / Double(n.macs)) : "-"
                let op = kernels == .reference ? n.op.replacingOccurrences(of: "/dsp", with: "") : n.op
                let columns: [String] = [Profile.pad(op, 26), String(n.macs).leftPadded(10),
                                         String(n.instructions).leftPadded(14), perMAC.leftPadded(9)]
                text.append("  " + columns.joined() + "  " + package.graph.nodes[i].name)
            }
            if !run.mismatchedSamples.isEmpty { failed = true }
            if let output { try writeOutputs(package, run.deviceOutputs, to: output) }
            if let measurement {
                let m = ModelMeasurement(model: package.manifest.name, nodes: nodes, instructionsPerInference: total)
                try writeJSON(m.json, to: measurement)
            }
        }

        if selfTest.status == 0, let record {
            let profile = try ImplantProfile.load(self.profile)
            guard let contract = package.inputContract, contract.sampleRate == profile.sampleRateHz else {
                throw CLIError("\(self.package): beat-loop mode needs an input contract at the profile's \(profile.sampleRateHz) Hz")
            }
            let frontEnd = SensingFrontEnd(profile: profile)
            let signal = try frontEnd.sense(record: record, lead: contract.lead)
            let codes = frontEnd.digitize(Array(signal.samples.prefix(Int(seconds * Double(profile.sampleRateHz))))).codes
            let run = try DeviceComparison.beats([UInt8](packageData), image: image, codes: codes, frontEnd: frontEnd, on: device)
            let perSample = Double(run.report.integer("signal_instructions_per_sample_x1000") ?? 0) / 1000
            result += [("record", JSON.string(record)), ("beat_samples", "\(codes.count)"), ("device_beats", "\(run.deviceLabels.count)"),
                       ("host_beats", "\(run.hostLabels.count)"), ("device_events", "\(run.deviceEvents.count)"),
                       ("labels_identical", run.identical ? "true" : "false"),
                       ("signal_instructions_per_sample", String(format: "%.1f", perSample)),
                       ("beat_instructions_mean", "\(run.report.integer("beat_instructions_mean") ?? 0)"),
                       ("beat_instructions_max", "\(run.report.integer("beat_instructions_max") ?? 0)"),
                       ("settled_beats", "\(run.report.integer("settled_beats") ?? 0)"),
                       ("settled_instructions_mean", "\(run.report.integer("settled_instructions_mean") ?? 0)")]
            var counts = [Int](repeating: 0, count: contract.classes.count)
            for label in run.deviceLabels where label.classIndex < counts.count { counts[label.classIndex] += 1 }
            text.append("beat-loop mode: \(codes.count) samples of \(signal.recordName), \(run.deviceLabels.count) beats on the device ("
                        + zip(contract.classes, counts).map { "\($0) \($1)" }.joined(separator: ", ") + "), "
                        + "\(run.deviceEvents.count) rhythm events; "
                        + (run.identical ? "labels and events identical to the host's beat loop" : "labels or events DIFFER from the host's (\(run.hostLabels.count) beats, \(run.hostEvents.count) events there)"))
            let settled = run.report.integer("settled_beats") ?? 0
            text.append("beat loop: \(String(format: "%.1f", perSample)) instructions per sample between beats, \(run.report.integer("beat_instructions_mean") ?? 0) per beat the model runs on (max \(run.report.integer("beat_instructions_max") ?? 0))"
                        + (settled > 0 ? "; the gate settled \(settled) of \(run.deviceLabels.count) beats at \(run.report.integer("settled_instructions_mean") ?? 0) instructions each" : ""))
            if !run.identical { failed = true }
            if let beatLoopMeasurement, let modelInstructions {
                let mean = Double(run.report.integer("beat_instructions_mean") ?? 0), worst = Double(run.report.integer("beat_instructions_max") ?? 0)
                let m = BeatLoopMeasurement(signalInstructionsPerSample: perSample, beatOverheadInstructions: mean - Double(modelInstructions),
                                            beatOverheadMaxInstructions: worst - Double(modelInstructions),
                                            settledBeatInstructions: settled > 0 ? Double(run.report.integer("settled_instructions_mean") ?? 0) : nil)
                try writeJSON(m.json, to: beatLoopMeasurement)
            }
        }

        if json {
            print("{" + result.map { "\(JSON.string($0.0)): \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            print(text.joined(separator: "\n"))
        }
        if failed { throw ExitCode(1) }
    }

    /// Each sample's batch-1 bytes of every input, from .npy files or seeded random values.
    private func inputSamples(_ package: ModelPackage) throws -> [[UInt8]] {
        let graph = package.graph
        if let random {
            var rng = SplitMix64(seed: seed)
            return (0..<random).map { _ in
                graph.inputs.flatMap { id -> [UInt8] in
                    let t = graph.tensors[id]
                    switch t.dtype {
                    case .int8: return (0..<t.elementCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    default:
                        return (0..<t.elementCount).flatMap { _ -> [UInt8] in
                            let v = Float(rng.uniform(-1, 1))
                            return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
                        }
                    }
                }
            }
        }
        if inputs.count != graph.inputs.count { throw CLIError("the model takes \(graph.inputs.count) input(s), \(inputs.count) given") }
        var arrays: [[UInt8]] = [], batch = 0
        for (i, path) in inputs.enumerated() {
            let array: NumPyArray
            do { array = try NumPyArray.read(path: path) } catch { throw CLIError("\(path): \(error)") }
            let (native, b) = try PackageArrays.prepare(array, for: package, input: i, source: path)
            if batch != 0 && b != batch { throw CLIError("\(path): batch \(b) differs from the other inputs' \(batch)") }
            batch = b
            arrays.append(native.bytes)
        }
        return (0..<batch).map { s in
            arrays.flatMap { bytes -> [UInt8] in
                let size = bytes.count / batch
                return Array(bytes[(s * size)..<((s + 1) * size)])
            }
        }
    }

    private func writeOutputs(_ package: ModelPackage, _ samples: [[UInt8]], to path: String) throws {
        let graph = package.graph
        guard graph.outputs.count == 1 else { throw CLIError("the model has \(graph.outputs.count) outputs; -o writes one .npy") }
        let t = graph.tensors[graph.outputs[0]]
        let native = NumPyArray(dtype: PackageArrays.dtype(t.dtype), shape: [samples.count] + t.shape, bytes: samples.flatMap { $0 })
        let layout = try PackageLayouts.layout(of: package, .output, 0, rank: t.shape.count + 1)
        guard let framework = PackageArrays.rearrange(native, layout, toVigil: false) else { throw CLIError("the output does not fit its framework layout") }
        do { try framework.write(path: path) } catch { throw CLIError("\(path): cannot write: \(error)") }
    }
}

enum DeviceKernels: String, ExpressibleByArgument, CaseIterable {
    case dsp, reference
}

func writeJSON(_ object: Any, to path: String) throws {
    do {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch { throw CLIError("\(path): cannot write: \(error.localizedDescription)") }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
