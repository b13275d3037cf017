/// GRU: a Keras GRU layer (gates z, r, h; reset after or before the recurrent matmul),
/// forward, reverse or bidirectional. Shared rules: Ops/Recurrent.swift.

// MARK: - Compilation

extension Interpreter {
    static func gruScratchBytes(_ g: Graph, _ node: Node, _ a: RecurrentAttributes, batch: Int) -> Int {
        Kernels.gruScratchBytes(recurrentParameters(g, node, a, batch: batch))
    }

    static func compileGRU(_ b: inout StepBuilder, _ a: RecurrentAttributes) {
        let node = b.node
        b.append(.gru(recurrentParameters(b.graph, node, a, batch: b.batch), b.cf(node.inputs[0]), b.cf(node.inputs[1]), b.cf(node.inputs[2]), b.optionalInput(3), b.f(b.out),
                      b.scratch!.assumingMemoryBound(to: Float.self)))
    }
}

// MARK: - Reference kernels

extension ReferenceKernels {
    /// Keras GRU. Gates z, r, h in that order along the last weight axis. A reverse
    /// layer walks the steps backwards (step t still writes output t); a bidirectional
    /// one runs the forward, then the reverse direction, each with its slice of the
    /// weights, into outputs [T, 2, U] or [2, U] per batch item. Scratch: 2·3U + 3U floats.
    public static func gru(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let u = p.units, g = 3 * u, directions = p.directions
        let xg = scratch, hg = scratch + g, h = scratch + 2 * g, rh = h + u, hNew = rh + u
        for d in 0..<directions {
            let reverse = p.direction == .reverse || d == 1
            let kernel = kernel + d * p.features * g, recurrentKernel = recurrentKernel + d * u * g
            let inputBias = bias.map { $0 + d * (p.resetAfter ? 2 * g : g) }
            let recurrentBias: UnsafePointer<Float>? = p.resetAfter ? inputBias.map { $0 + g } : nil
            for b in 0..<p.batch {
                h.update(repeating: 0, count: u)
                for step in 0..<p.steps {
                    let t = reverse ? p.steps - 1 - step : step
                    let x = input + (b * p.steps + t) * p.features
                    dense(DenseParameters(rows: 1, inFeatures: p.features, outFeatures: g, activation: .linear), input: x, weight: kernel, bias: inputBias, output: xg)
                    if p.resetAfter {
                        dense(DenseParameters(rows: 1, inFeatures: u, outFeatures: g, activation: .linear), input: h, weight: recurrentKernel, bias: recurrentBias, output: hg)
                        for j in 0..<u {
                            let z = apply(p.recurrentActivation, xg[j] + hg[j])
                            let r = apply(p.recurrentActivation, xg[u + j] + hg[u + j])
                            let candidate = apply(p.activation, xg[2 * u + j] + r * hg[2 * u + j])
                            hNew[j] = z * h[j] + (1 - z) * candidate
                        }
                    } else {
                        // z and r from h; the candidate from r ⊙ h.
                        dense(DenseParameters(rows: 1, inFeatures: u, outFeatures: g, activation: .linear), input: h, weight: recurrentKernel, bias: nil, output: hg)
                        for j in 0..<u {
                            let r = apply(p.recurrentActivation, xg[u + j] + hg[u + j])
                            rh[j] = r * h[j]
                        }
                        for j in 0..<u {
                            var s: Float = 0
                            for i in 0..<u { s += rh[i] * recurrentKernel[i * g + 2 * u + j] }
                            let z = apply(p.recurrentActivation, xg[j] + hg[j])
                            let candidate = apply(p.activation, xg[2 * u + j] + s)
                            hNew[j] = z * h[j] + (1 - z) * candidate
                        }
                    }
                    h.update(from: hNew, count: u)
                    if p.returnSequences { (output + ((b * p.steps + t) * directions + d) * u).update(from: h, count: u) }
                }
                if !p.returnSequences { (output + (b * directions + d) * u).update(from: h, count: u) }
            }
        }
    }
}
