import ArgumentParser
import VigilImport
import VigilKernels
import VigilQuantize
import VigilRuntime

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build the reference arrhythmia model in code, plan it, run it and time it.")

    @Option(help: "Arena budget in bytes (the implant-m4 profile allows 65536).")
    var arenaBudget: Int = 65536

    func validate() throws {
        if arenaBudget < 1 { throw ValidationError("--arena-budget must be positive, got \(arenaBudget)") }
    }

    func run() throws {
        let interpreter: Interpreter<HostKernels>
        do {
            interpreter = try Interpreter<HostKernels>(graph: GraphBuilder.validatedReference(), batch: 1, arenaBudget: arenaBudget)
        } catch {
            throw CLIError(error.message)
        }
        let graph = interpreter.graph
        let plan = interpreter.plan
        print("Reference arrhythmia model (DESIGN §11), built in code and validated")
        print("inputs: " + graph.inputs.map { "\(graph.tensors[$0].name) \(graph.tensors[$0].shape)" }.joined(separator: ", "))
        print("")
        print("plan at batch 1:")
        print(Profile.pad("node", 12) + Profile.pad("op", 20) + Profile.pad("output", 12) + Profile.pad("MACs", 9) + Profile.pad("arena offset", 14) + "bytes")
        for node in graph.nodes {
            let out = node.outputs[0]
            let macs = MemoryPlanner.macs(of: node, in: graph)
            print(Profile.pad(node.name, 12) + Profile.pad(node.op.name, 20) + Profile.pad("\(graph.tensors[out].shape)", 12)
                  + Profile.pad("\(macs)", 9) + Profile.pad("\(plan.offsets[out])", 14) + "\(plan.sizes[out])")
        }
        print("total: \(plan.totalMACs) MACs, arena \(plan.arenaBytes) bytes (budget \(arenaBudget)), constants \(plan.constantBytes) bytes")
        print("")

        SampleInputs.fill(interpreter)
        interpreter.invoke()
        let classes = ["N", "S", "V", "F", "Q"]
        let probabilities = interpreter.output(0)
        print("output on a synthetic beat (untrained weights): " + classes.indices.map { "\(classes[$0]) \(format(Double(probabilities[$0]), 3))" }.joined(separator: "  "))
        let latency = Measure.latency(runs: 5000, warmup: 500) { interpreter.invoke() }
        print("latency, 1 thread: p50 \(format(latency.p50, 2)) µs, p99 \(format(latency.p99, 2)) µs (\(latency.runs) runs)")
        print("")
        Profile.printTable(interpreter, runs: 1000)
    }
}
