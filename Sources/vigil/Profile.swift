import VigilKernels
import VigilQuantize
import VigilRuntime

/// The per-op table of `vigil bench --profile` and `vigil demo`.
enum Profile {
    static func printTable(_ interpreter: Interpreter<some KernelSet>, runs: Int) {
        var ticks: [UInt64] = []
        for _ in 0..<runs { interpreter.invoke(profilingWith: HostClock.self, into: &ticks) }
        let graph = interpreter.graph
        let total = Double(ticks.reduce(0, +)) / Double(runs) / 1000
        print("per-op profile (mean of \(runs) runs, batch \(interpreter.batch)):")
        print(pad("node", 12) + pad("op", 20) + pad("output", 14) + pad("MACs", 10) + pad("µs", 9) + "GMAC/s")
        for (i, node) in graph.nodes.enumerated() {
            let us = Double(ticks[i]) / Double(runs) / 1000
            let macs = interpreter.plan.macsPerNode[i] * interpreter.batch
            let rate = macs > 0 && us > 0 ? format(Double(macs) / us / 1000, 1) : ""
            let shape = "\(graph.tensors[node.outputs[0]].shape)"
            print(pad(node.name, 12) + pad(node.op.name, 20) + pad(shape, 14) + pad("\(macs)", 10) + pad(format(us, 2), 9) + rate)
        }
        print("total \(format(total, 2)) µs")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
