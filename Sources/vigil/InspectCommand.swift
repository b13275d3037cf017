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

    func run() throws {
        let package = try PackageFiles.read(package)
        let graph = package.graph
        let plan: MemoryPlan
        do {
            plan = try Interpreter<HostKernels>(graph: graph, batch: 1).plan
        } catch {
            throw CLIError(error.message)
        }
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
            "metadata": {\(metadata)}, "macs": \(plan.totalMACs), "arena_bytes": \(plan.arenaBytes), \
            "constant_bytes": \(plan.constantBytes), "parameters": \(graph.nodes.reduce(0) { $0 + parameters($1) }), \
            "golden_vectors": \(package.golden.map { String($0.batch) } ?? "0"), "nodes": [\(nodes.joined(separator: ", "))]}
            """)
            return
        }
        print("\(m.name) \(m.version) (\(m.kind)), security counter \(m.securityCounter), hardware class \(m.hardwareClass)")
        print("runtime \(m.runtimeVersion); provenance: \(m.provenance)")
        for entry in m.metadata { print("  \(entry.key): \(entry.value)") }
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
        print("MACs \(plan.totalMACs); arena \(plan.arenaBytes) bytes at batch 1; constants \(plan.constantBytes) bytes; golden vectors: \(package.golden.map { "batch \($0.batch)" } ?? "none")")
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
