/// SimpleRNN: a Keras SimpleRNN layer (ONNX RNN), h_t = act(x_t·W + h_{t−1}·U + b),
/// forward, reverse or bidirectional. Shared rules: Ops/Recurrent.swift (one gate).

// MARK: - Compilation

extension Interpreter {
    static func simpleRNNScratchBytes(_ g: Graph, _ node: Node, _ a: RecurrentAttributes, batch: Int) -> Int {
        Kernels.simpleRNNScratchBytes(recurrentParameters(g, node, a, batch: batch))
    }

    static func compileSimpleRNN(_ b: inout StepBuilder, _ a: RecurrentAttributes) {
        let node = b.node
        b.append(.simpleRNN(recurrentParameters(b.graph, node, a, batch: b.batch), b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.cf(node.inputs[2]), b.optionalInput(3), b.f(b.out),
                            b.scratch!.assumingMemoryBound(to: Float.self)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    /// Keras SimpleRNN. A reverse layer walks the steps backwards (step t still writes
    /// output t); a bidirectional one runs the forward, then the reverse direction, each
    /// with its slice of the weights, into outputs [T, 2, U] or [2, U] per batch item.
    /// Scratch: 2U + 3U floats (`RecurrentParameters.scratchFloats(gates: 1)`).
    public static func simpleRNN(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let u = p.units, directions = p.directions
        let xg = scratch, hg = scratch + u, h = scratch + 2 * u
        for d in 0..<directions {
            let reverse = p.direction == .reverse || d == 1
            let kernel = kernel + d * p.features * u, recurrentKernel = recurrentKernel + d * u * u
            let bias = bias.map { $0 + d * u }
            for b in 0..<p.batch {
                h.update(repeating: 0, count: u)
                for step in 0..<p.steps {
                    let t = reverse ? p.steps - 1 - step : step
                    let x = input + (b * p.steps + t) * p.features
                    dense(DenseParameters(rows: 1, inFeatures: p.features, outFeatures: u, activation: .linear), input: x, weight: kernel, bias: bias, output: xg)
                    dense(DenseParameters(rows: 1, inFeatures: u, outFeatures: u, activation: .linear), input: h, weight: recurrentKernel, bias: nil, output: hg)
                    for j in 0..<u { h[j] = apply(p.activation, xg[j] + hg[j]) }
                    if p.returnSequences { (output + ((b * p.steps + t) * directions + d) * u).update(from: h, count: u) }
                }
                if !p.returnSequences { (output + (b * directions + d) * u).update(from: h, count: u) }
            }
        }
    }
}
