import VigilRuntime

/// Float kernels for the host: SIMD GEMM tiles for convolution and dense layers,
/// vectorized pooling; everything else falls back to the reference kernels.
public enum HostKernels: KernelSet {
    /// A padded copy of one batch item's input when the convolution pads.
    public static func conv1DScratchBytes(_ p: Conv1DParameters) -> Int {
        guard usesGEMM(p), needsPadding(p) else { return 0 }
        return 4 * paddedLength(p) * p.inChannels
    }

    static func usesGEMM(_ p: Conv1DParameters) -> Bool { p.groups == 1 && p.dilation == 1 }

    static func paddedLength(_ p: Conv1DParameters) -> Int { (p.outLength - 1) * p.stride + p.kernelSize }

    static func needsPadding(_ p: Conv1DParameters) -> Bool { p.padLeft > 0 || paddedLength(p) - p.padLeft > p.inLength }

    public static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer?) {
        guard usesGEMM(p) else {
            if p.isDepthwise && p.outChannels == p.inChannels && p.dilation == 1 {
                DepthwiseConv.run(p, input: input, weight: weight, bias: bias, output: output)
            } else {
                ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: output)
            }
            return
        }
        let cin = p.inChannels
        let padded = needsPadding(p)
        let length = paddedLength(p)
        for b in 0..<p.batch {
            var x = input + b * p.inLength * cin
            if padded, let scratch {
                let buffer = scratch.assumingMemoryBound(to: Float.self)
                // Left padding can reach past every window (explicit pads wider than the
                // span the strided windows cover): then the buffer is all padding.
                let copyStart = min(p.padLeft, length)
                let copyCount = max(0, min(p.inLength, length - copyStart))
                buffer.update(repeating: 0, count: copyStart * cin)
                (buffer + copyStart * cin).update(from: x, count: copyCount * cin)
                let tail = length - copyStart - copyCount
                if tail > 0 { (buffer + (copyStart + copyCount) * cin).update(repeating: 0, count: tail * cin) }
                x = UnsafePointer(buffer)
            }
            FloatGEMM.run(m: p.outLength, n: p.outChannels, k: p.kernelSize * cin, a: x, lda: p.stride * cin,
                          b: weight, ldb: p.outChannels, c: output + b * p.outLength * p.outChannels, ldc: p.outChannels,
                          bias: bias, activation: p.activation)
        }
    }

    public static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        if BLAS.wins(rows: p.rows, inner: p.inFeatures, columns: p.outFeatures) {
            BLAS.dense(p, input: input, weight: weight, bias: bias, output: output)
            return
        }
        FloatGEMM.run(m: p.rows, n: p.outFeatures, k: p.inFeatures, a: input, lda: p.inFeatures,
                      b: weight, ldb: p.outFeatures, c: output, ldc: p.outFeatures, bias: bias, activation: p.activation)
    }

    public static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>) {
        for item in 0..<batch {
            FloatGEMM.run(m: m, n: n, k: k, a: a + item * m * k, lda: k, b: b + item * bStride, ldb: n,
                          c: output + item * m * n, ldc: n, bias: nil, activation: .linear)
        }
    }

    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard p.padLeft == 0, p.channels % 16 == 0, (p.outLength - 1) * p.stride + p.poolSize <= p.inLength else {
            ReferenceKernels.maxPool1D(p, input: input, output: output)
            return
        }
        typealias V = SIMD16<Float>
        let rowBytes = 4 &* p.channels
        let strideBytes = rowBytes &* p.stride
        for b in 0..<p.batch {
            var source = UnsafeRawPointer(input + b &* p.inLength &* p.channels)
            var target = UnsafeMutableRawPointer(output + b &* p.outLength &* p.channels)
            for _ in 0..<p.outLength {
                var v = 0
                while v < rowBytes {
                    var m = source.loadUnaligned(fromByteOffset: v, as: V.self)
                    var offset = v &+ rowBytes
                    for _ in 1..<p.poolSize {
                        m = FloatGEMM.maximum(m, source.loadUnaligned(fromByteOffset: offset, as: V.self))
                        offset &+= rowBytes
                    }
                    target.storeBytes(of: m, toByteOffset: v, as: V.self)
                    v &+= 64
                }
                source += strideBytes
                target += rowBytes
            }
        }
    }

    public static func globalPool1D(max isMax: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard channels % 16 == 0, !isMax else {
            ReferenceKernels.globalPool1D(max: isMax, batch: batch, length: length, channels: channels, input: input, output: output)
            return
        }
        typealias V = SIMD16<Float>
        let divisor = V(repeating: Float(length))
        for b in 0..<batch {
            let x = UnsafeRawPointer(input + b * length * channels)
            var v = 0
            while v < channels {
                var sum = V()
                for t in 0..<length { sum += x.loadUnaligned(fromByteOffset: 4 * (t * channels + v), as: V.self) }
                UnsafeMutableRawPointer(output + b * channels + v).storeBytes(of: sum / divisor, as: V.self)
                v += 16
            }
        }
    }
}
