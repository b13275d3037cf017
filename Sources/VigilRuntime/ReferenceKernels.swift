/// Portable float kernels: straightforward loops that follow each op's definition.
/// They run on the device and are the oracle the optimized host kernels are tested
/// against.
public enum ReferenceKernels {
    @inlinable
    public static func apply(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .linear: return x
        case .relu: return x > 0 ? x : 0
        case .relu6: return x < 0 ? 0 : (x > 6 ? 6 : x)
        case .clip(let lo, let hi): return x < lo ? lo : (x > hi ? hi : x)
        case .leakyRelu(let alpha): return x >= 0 ? x : alpha * x
        case .sigmoid: return VMath.sigmoid(x)
        case .hardSigmoid(let alpha, let beta):
            let y = alpha * x + beta
            return y < 0 ? 0 : (y > 1 ? 1 : y)
        case .tanh: return VMath.tanh(x)
        }
    }

    public static func activation(_ a: Activation, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = apply(a, input[i]) }
    }

    /// out[b, t, o] = act(bias[o] + Σ_k Σ_c x[b, t·s + k·d − padLeft, g·cpg + c] · w[k, c, o]).
    public static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let cpg = p.inChannels / p.groups
        let opg = p.outChannels / p.groups
        for b in 0..<p.batch {
            let x = input + b * p.inLength * p.inChannels
            let y = output + b * p.outLength * p.outChannels
            for t in 0..<p.outLength {
                for o in 0..<p.outChannels {
                    let g = o / opg
                    var sum: Float = bias?[o] ?? 0
                    for k in 0..<p.kernelSize {
                        let pos = t * p.stride + k * p.dilation - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        let row = x + pos * p.inChannels + g * cpg
                        let wk = weight + k * cpg * p.outChannels + o
                        for c in 0..<cpg { sum += row[c] * wk[c * p.outChannels] }
                    }
                    y[t * p.outChannels + o] = apply(p.activation, sum)
                }
            }
        }
    }

    public static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        for r in 0..<p.rows {
            let x = input + r * p.inFeatures
            for o in 0..<p.outFeatures {
                var sum: Float = bias?[o] ?? 0
                for i in 0..<p.inFeatures { sum += x[i] * weight[i * p.outFeatures + o] }
                output[r * p.outFeatures + o] = apply(p.activation, sum)
            }
        }
    }

    /// Per batch item, a [M, K] · b [K, N], with b batched (bStride > 0) or shared.
    public static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>) {
        for item in 0..<batch {
            dense(DenseParameters(rows: m, inFeatures: k, outFeatures: n, activation: .linear),
                  input: a + item * m * k, weight: b + item * bStride, bias: nil, output: output + item * m * n)
        }
    }

    public static func binary(_ p: BinaryParameters, a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        @inline(__always) func combine(_ x: Float, _ y: Float) -> Float {
            switch p.op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div: return x / y
            }
        }
        p.forEachElement { i, j, out in output[out] = apply(p.activation, combine(a[i], b[j])) }
    }

    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var m = -Float.infinity
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        let v = input[(b * p.inLength + pos) * p.channels + c]
                        if v > m || v != v { m = v }
                    }
                    output[(b * p.outLength + t) * p.channels + c] = m
                }
            }
        }
    }

    /// Averages only the positions inside the input (padding is not counted), as
    /// Keras `same` pooling and ONNX `count_include_pad=0` do.
    public static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var sum: Float = 0
                    var n = 0
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        sum += input[(b * p.inLength + pos) * p.channels + c]
                        n += 1
                    }
                    output[(b * p.outLength + t) * p.channels + c] = sum / Float(n)
                }
            }
        }
    }

    public static func globalPool1D(max: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for b in 0..<batch {
            for c in 0..<channels {
                var acc: Float = max ? -Float.infinity : 0
                for t in 0..<length {
                    let v = input[(b * length + t) * channels + c]
                    if max { if v > acc || v != v { acc = v } } else { acc += v }
                }
                output[b * channels + c] = max ? acc : acc / Float(length)
            }
        }
    }

    public static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let x = input + r * width, y = output + r * width
            var m = -Float.infinity
            for i in 0..<width where x[i] > m { m = x[i] }
            var sum: Float = 0
            for i in 0..<width {
                let e = VMath.exp(x[i] - m)
                y[i] = e
                sum += e
            }
            let inv = 1 / sum
            for i in 0..<width { y[i] *= inv }
        }
    }

    public static func affine(rows: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for c in 0..<channels {
                output[r * channels + c] = input[r * channels + c] * scale[c] + shift[c]
            }
        }
    }

    public static func zeroPadding1D(batch: Int, length: Int, channels: Int, left: Int, right: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let outLength = length + left + right
        for b in 0..<batch {
            let y = output + b * outLength * channels
            let x = input + b * length * channels
            y.update(repeating: 0, count: left * channels)
            (y + left * channels).update(from: x, count: length * channels)
            (y + (left + length) * channels).update(repeating: 0, count: right * channels)
        }
    }

    /// Copies `outer` chunks of `chunk` floats from `input` to every `stride`-th
    /// position of `output`: one input's share of a concatenation.
    public static func interleave(outer: Int, chunk: Int, stride: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        for o in 0..<outer {
            (output + o * stride).copyMemory(from: input + o * chunk, byteCount: chunk)
        }
    }

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
