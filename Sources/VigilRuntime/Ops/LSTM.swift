/// LSTM: a Keras LSTM layer (gates i, f, c, o), forward, reverse or bidirectional,
/// optionally with ONNX peepholes and the last cell state as a second output. Shared
/// rules: Ops/Recurrent.swift.

// MARK: - Compilation

extension Interpreter {
    static func lstmScratchBytes(_ g: Graph, _ node: Node, _ a: RecurrentAttributes, batch: Int) -> Int {
        Kernels.lstmScratchBytes(recurrentParameters(g, node, a, batch: batch))
    }

    static func compileLSTM(_ b: inout StepBuilder, _ a: RecurrentAttributes) {
        let node = b.node
        b.append(.lstm(recurrentParameters(b.graph, node, a, batch: b.batch), b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.cf(node.inputs[2]), b.optionalInput(3), b.optionalInput(4), b.f(b.out),
                       node.outputs.count > 1 ? b.f(node.outputs[1]) : nil, b.scratch!.assumingMemoryBound(to: Float.self)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    /// Keras LSTM. Gates i, f, c, o. Directions as for `gru`. Peepholes (ONNX's P,
    /// [3U] per direction, gates i, f, o) add p ⊙ c to the input and forget gates
    /// with the previous cell state and to the output gate with the new one.
    /// `cellOutput`, when given, receives each direction's last cell state, laid out as
    /// the last hidden states are. Scratch: 2·4U + 3U floats.
    public static func lstm(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, peepholes: UnsafePointer<Float>?,
                            output: UnsafeMutablePointer<Float>, cellOutput: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        let u = p.units, g = 4 * u, directions = p.directions
        let xg = scratch, hg = scratch + g, h = scratch + 2 * g, c = h + u
        for d in 0..<directions {
            let reverse = p.direction == .reverse || d == 1
            let kernel = kernel + d * p.features * g, recurrentKernel = recurrentKernel + d * u * g
            let bias = bias.map { $0 + d * g }, peepholes = peepholes.map { $0 + d * 3 * u }
            for b in 0..<p.batch {
                h.update(repeating: 0, count: u)
                c.update(repeating: 0, count: u)
                for step in 0..<p.steps {
                    let t = reverse ? p.steps - 1 - step : step
                    let x = input + (b * p.steps + t) * p.features
                    dense(DenseParameters(rows: 1, inFeatures: p.features, outFeatures: g, activation: .linear), input: x, weight: kernel, bias: bias, output: xg)
                    dense(DenseParameters(rows: 1, inFeatures: u, outFeatures: g, activation: .linear), input: h, weight: recurrentKernel, bias: nil, output: hg)
                    for j in 0..<u {
                        let pi = peepholes.map { $0[j] * c[j] } ?? 0, pf = peepholes.map { $0[u + j] * c[j] } ?? 0
                        let i = apply(p.recurrentActivation, xg[j] + hg[j] + pi)
                        let f = apply(p.recurrentActivation, xg[u + j] + hg[u + j] + pf)
                        let cc = apply(p.activation, xg[2 * u + j] + hg[2 * u + j])
                        c[j] = f * c[j] + i * cc
                        let po = peepholes.map { $0[2 * u + j] * c[j] } ?? 0
                        let o = apply(p.recurrentActivation, xg[3 * u + j] + hg[3 * u + j] + po)
                        h[j] = o * apply(p.activation, c[j])
                    }
                    if p.returnSequences { (output + ((b * p.steps + t) * directions + d) * u).update(from: h, count: u) }
                }
                if !p.returnSequences { (output + (b * directions + d) * u).update(from: h, count: u) }
                if let cellOutput { (cellOutput + (b * directions + d) * u).update(from: c, count: u) }
            }
        }
    }
}
