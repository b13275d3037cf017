import VigilRuntime

/// Depthwise 1-D convolution (one filter per channel), vectorized across channels.
enum DepthwiseConv {
    typealias V = SIMD16<Float>

    static func run(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let c = p.inChannels
        let vectorChannels = c / 16 * 16
        for b in 0..<p.batch {
            let x = input + b * p.inLength * c
            let y = output + b * p.outLength * c
            for t in 0..<p.outLength {
                let start = t * p.stride - p.padLeft
                var ch = 0
                while ch < vectorChannels {
                    var acc = bias.map { UnsafeRawPointer($0 + ch).loadUnaligned(as: V.self) } ?? V()
                    for k in 0..<p.kernelSize {
                        let pos = start + k
                        if pos < 0 || pos >= p.inLength { continue }
                        let xv = UnsafeRawPointer(x + pos * c + ch).loadUnaligned(as: V.self)
                        let wv = UnsafeRawPointer(weight + k * c + ch).loadUnaligned(as: V.self)
                        acc = acc.addingProduct(xv, wv)
                    }
                    UnsafeMutableRawPointer(y + t * c + ch).storeBytes(of: acc, as: V.self)
                    ch += 16
                }
                while ch < c {
                    var sum: Float = bias?[ch] ?? 0
                    for k in 0..<p.kernelSize {
                        let pos = start + k
                        if pos < 0 || pos >= p.inLength { continue }
                        sum += x[pos * c + ch] * weight[k * c + ch]
                    }
                    y[t * c + ch] = sum
                    ch += 1
                }
            }
            if p.activation != .linear {
                ReferenceKernels.activation(p.activation, input: y, output: y, count: p.outLength * c)
            }
        }
    }
}
