import ArgumentParser
import VigilKernels
import VigilRuntime

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a package's manifest, ops, shapes, parameters, MACs and memory.")

    @Argument(help: "The package file.")
    var package: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Run the package's golden vectors on the host and on the portable (device) kernels; fail unless both reproduce them.")
    var verify = false

    func run() throws {
        let package = try PackageFiles.read(package)
        let graph = package.graph
        let plan: MemoryPlan
        do {
            plan = try Interpreter<HostKernels>(graph: graph, batch: 1).plan
        } catch {
            throw CLIError(error.message)
        }
        let needs: ResourceNeeds
        do { needs = try package.resourceNeeds(kernels: PortableKernels.self) } catch { throw CLIError(error.message) }
        var checks: [(kernels: String, result: SelfTestResult)] = []
        if verify {
            checks = [("host", package.selfTest(kernels: HostKernels.self)), ("device", package.selfTest(kernels: PortableKernels.self))]
        }
        let contract = package.contract
        let m = package.manifest
        func parameters(_ node: Node) -> Int {
            node.inputs.filter { graph.tensors[$0].isConstant }.reduce(0) { $0 + graph.tensors[$1].elementCount }
        }
        if json {
            var nodes: [String] = []
            for (i, node) in graph.nodes.enumerated() {
                let shape = graph.tensors[node.outputs[0]].shape.map(String.init).joined(separator: ", ")
                nodes.append("{\"name\": \(JSON.string(node.name)), \"op\": \(JSON.string(node.op.name)), \"output_shape\": [\(shape)], \"parameters\": \(parameters(node)), \"macs\": \(plan.macsPerNode[i])}")
            }
            let metadata = m.metadata.map { "\(JSON.string($0.key)): \(JSON.string($0.value))" }.joined(separator: ", ")
            print("""
            {"name": \(JSON.string(m.name)), "kind": \(JSON.string(m.kind)), "version": \(JSON.string(m.version)), \
            "security_counter": \(m.securityCounter), "hardware_class": \(JSON.string(m.hardwareClass)), \
            "runtime_version": \(JSON.string(m.runtimeVersion)), "provenance": \(JSON.string(m.provenance)), \
            "metadata": {\(metadata)}, "contract": \(Self.json(contract, stated: package.inputContract != nil)), \
            "macs": \(plan.totalMACs), "arena_bytes": \(plan.arenaBytes), \
            "device_arena_bytes": \(needs.deviceArenaBytes), "host_arena_bytes": \(plan.arenaBytes), \
            "constant_bytes": \(plan.constantBytes), "parameters": \(graph.nodes.reduce(0) { $0 + parameters($1) }), \
            "golden_vectors": \(package.golden.map { String($0.batch) } ?? "0"), \
            "self_test": {\(checks.map { "\(JSON.string($0.kernels)): {\"passed\": \($0.result.passed), \"compared\": \($0.result.compared), \"mismatched\": \($0.result.mismatched), \"largest_difference\": \($0.result.largestDifference)}" }.joined(separator: ", "))}, \
            "nodes": [\(nodes.joined(separator: ", "))]}
            """)
            try Self.requirePassed(checks, path: self.package)
            return
        }
        print("\(m.name) \(m.version) (\(m.kind)), security counter \(m.securityCounter), hardware class \(m.hardwareClass)")
        print("runtime \(m.runtimeVersion); provenance: \(m.provenance)")
        for entry in m.metadata { print("  \(entry.key): \(entry.value)") }
        for line in Self.describe(contract, stated: package.inputContract != nil) { print(line) }
        for id in graph.inputs { print("input  \(graph.tensors[id].name) \(graph.tensors[id].dtype.name) [batch] + \(graph.tensors[id].shape)") }
        for id in graph.outputs {
            let t = graph.tensors[id]
            print("output \(t.name) \(t.dtype.name) " + (t.isConstant ? "\(t.shape) (constant)" : "[batch] + \(t.shape)"))
        }
        print("")
        print(Profile.pad("node", 24) + Profile.pad("op", 20) + Profile.pad("output", 14) + Profile.pad("params", 9) + "MACs")
        for (i, node) in graph.nodes.enumerated() {
            print(Profile.pad(node.name, 24) + Profile.pad(node.op.name, 20) + Profile.pad("\(graph.tensors[node.outputs[0]].shape)", 14)
                  + Profile.pad("\(parameters(node))", 9) + "\(plan.macsPerNode[i])")
        }
        print("")
        print("MACs \(plan.totalMACs); device arena \(needs.deviceArenaBytes) bytes, host arena \(plan.arenaBytes) bytes at batch 1; constants \(plan.constantBytes) bytes; golden vectors: \(package.golden.map { "batch \($0.batch)" } ?? "none")")
        for check in checks { print("self-test on the \(check.kernels) kernels: \(check.result.summary)") }
        try Self.requirePassed(checks, path: self.package)
    }

    static func requirePassed(_ checks: [(kernels: String, result: SelfTestResult)], path: String) throws {
        for check in checks where !check.result.passed {
            throw CLIError("\(path): self-test on the \(check.kernels) kernels failed: \(check.result.failure)")
        }
    }

    /// The input contract in a few lines.
    static func describe(_ c: InputContract, stated: Bool) -> [String] {
        guard stated else { return ["contract: none stated (inputs and outputs are plain values)"] }
        var lines = ["contract: \(c.sampleRate) Hz, lead \(c.lead), conditioning \(c.conditioning.highPassHz)–\(c.conditioning.lowPassHz) Hz"
            + (c.conditioning.mainsHz > 0 ? " with a \(c.conditioning.mainsHz) Hz notch" : "") + (c.adcGain > 0 ? ", \(c.adcGain) ADC units/mV" : "")]
        if let w = c.window { lines.append("  beat window \(w.length) samples, R peak at \(w.rPeakIndex)") }
        if let rr = c.rr {
            let features = rr.features.indices.map { k in
                rr.isStandardized ? "\(rr.features[k].name) (mean \(rr.mean[k]), std \(rr.std[k]))" : rr.features[k].name
            }
            lines.append("  beat features: " + features.joined(separator: ", ") + "; local mean over \(rr.localCount), long over \(rr.longCount) intervals")
            if let gate = rr.gate {
                let names = c.classes.indices.contains(gate.classIndex) ? c.classes[gate.classIndex] : "class \(gate.classIndex)"
                lines.append("  gate: beats with \(gate.bias) + Σ w·x + Σ v·|x| < 0 are settled as \(names) without the model (w \(gate.weights), v \(gate.absoluteWeights))")
            }
        }
        lines.append("  inputs: " + c.inputs.map(\.role.name).joined(separator: ", ") + "; outputs: " + c.outputs.map(\.role.name).joined(separator: ", "))
        if !c.classes.isEmpty { lines.append("  classes: " + c.classes.joined(separator: ", ") + " (\(c.labelMapping.name))") }
        return lines
    }

    static func json(_ c: InputContract, stated: Bool) -> String {
        guard stated else { return "null" }
        func floats(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        let window = c.window.map { "{\"length\": \($0.length), \"r_peak_index\": \($0.rPeakIndex)}" } ?? "null"
        let rr = c.rr.map { rr in
            let gate = rr.gate.map { "{\"weights\": \(floats($0.weights)), \"absolute_weights\": \(floats($0.absoluteWeights)), \"bias\": \($0.bias), \"class_index\": \($0.classIndex)}" } ?? "null"
            return "{\"features\": [\(rr.features.map { JSON.string($0.name) }.joined(separator: ", "))], \"mean\": \(floats(rr.mean)), \"std\": \(floats(rr.std)), \"local_count\": \(rr.localCount), \"long_count\": \(rr.longCount), \"gate\": \(gate)}"
        } ?? "null"
        return "{\"sample_rate\": \(c.sampleRate), \"lead\": \(JSON.string(c.lead)), \"adc_gain\": \(c.adcGain), "
            + "\"conditioning\": {\"high_pass_hz\": \(c.conditioning.highPassHz), \"low_pass_hz\": \(c.conditioning.lowPassHz), \"mains_hz\": \(c.conditioning.mainsHz)}, "
            + "\"window\": \(window), \"rr\": \(rr), "
            + "\"inputs\": [\(c.inputs.map { JSON.string($0.role.name) }.joined(separator: ", "))], "
            + "\"outputs\": [\(c.outputs.map { JSON.string($0.role.name) }.joined(separator: ", "))], "
            + "\"classes\": [\(c.classes.map(JSON.string).joined(separator: ", "))], \"label_mapping\": \(JSON.string(c.labelMapping.name))}"
    }
}

enum JSON {
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
