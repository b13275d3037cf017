import Foundation
import Testing
import VigilRuntime
@testable import VigilKernels
import VigilKernelsM4
import VigilTestSupport

fileprivate extension SplitMix64 {
    mutating func int8Range(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func int8s(_ count: Int, _ range: ClosedRange<Int> = -128...127) -> [Int8] {
        (0..<count).map { _ in Int8(int8Range(range)) }
    }

    /// A positive scale spread log-uniformly over [low, high].
    mutating func scale(_ low: Double, _ high: Double) -> Float {
        Float(low * Foundation.exp(nextUnitDouble() * Foundation.log(high / low)))
    }

    mutating func nextUnitDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Owns the requantization tables of one randomized int8 layer.
private final class Tables {
    var int32s: [UnsafeMutablePointer<Int32>] = []
    var uint64s: [UnsafeMutablePointer<UInt64>] = []
    func i32(_ v: [Int32]) -> UnsafePointer<Int32> {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(v.count, 1))
        p.initialize(from: v, count: v.count); int32s.append(p); return UnsafePointer(p)
    }
    func u64(_ v: [UInt64]) -> UnsafePointer<UInt64> {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: max(v.count, 1))
        p.initialize(from: v, count: v.count); uint64s.append(p); return UnsafePointer(p)
    }
    deinit { int32s.forEach { $0.deallocate() }; uint64s.forEach { $0.deallocate() } }
}

private func activationRange(_ g: inout SplitMix64, zeroPoint: Int32) -> (Int32, Int32) {
    switch g.int8Range(0...3) {
    case 0: return (-128, 127)
    case 1: return (max(-128, zeroPoint), 127)  // ReLU
    case 2: return (max(-128, zeroPoint), min(127, zeroPoint + 40))  // ReLU6-like
    default: return (-128, 127)
    }
}

private func requantization(_ g: inout SplitMix64, channels: Int, tables: Tables, inputScale: Float, outputScale: Float, zeroPoint: Int32) -> Int8Requantization {
    let weightScales = (0..<channels).map { _ in g.scale(1e-4, 5e-2) }
    let (m, s) = Int8Quantization.channelMultipliers(inputScale: inputScale, weightScales: weightScales, outputScale: outputScale)
    let (lo, hi) = activationRange(&g, zeroPoint: zeroPoint)
    return Int8Requantization(multipliers: tables.i32(m), shifts: tables.i32(s), outputOffset: zeroPoint, activationMin: lo, activationMax: hi)
}

struct Int8KernelEquivalenceTests {
    /// Random GEMM-shaped convolutions: every column tile (64/32/16 and ragged
    /// remainders), row counts below, at and past the tile heights, strides,
    /// explicit and asymmetric padding, batch 1–3, zero points across the range, and a
    /// fused max pool of 2 (the pooled tiles) or 3 (the reference fallback). The fused
    /// reference is itself checked against a convolution followed by MaxPool1D.
    @Test(arguments: 0..<72)
    func conv1DMatchesReference(_ seed: Int) { Self.conv1DCase(seed, HostKernels.self) }

    /// The device's DSP convolution (here through the portable C of vigil_dsp.h; on the
    /// emulated Cortex-M4 `make device-test` checks the SXTB16/SMLAD build) on the same
    /// shapes. Padding, ragged channel counts (1–3 left over after groups of 4) and
    /// receptive fields that are not a multiple of 4 bytes are all among them.
    @Test(arguments: 0..<72)
    func cortexM4Conv1DMatchesReference(_ seed: Int) { Self.conv1DCase(seed, CortexM4Kernels.self) }

    static func conv1DCase<K: KernelSet>(_ seed: Int, _ kernels: K.Type) {
        var g = SplitMix64(seed: 0x1A7_0000 + UInt64(seed))
        let tables = Tables()
        let outChannels = [1, 3, 5, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 80, 96, 100, 128][seed % 18]
        let inChannels = g.int8Range(1...40)
        let kernelSize = g.int8Range(1...7)
        let stride = g.int8Range(1...3)
        let padLeft = g.int8Range(0...kernelSize + 1)
        let padRight = g.int8Range(0...kernelSize + 1)
        let inLength = g.int8Range(max(1, kernelSize - padLeft - padRight)...60)
        let outLength = (inLength + padLeft + padRight - kernelSize) / stride + 1
        let batch = g.int8Range(1...3)
        let inputZeroPoint = Int32(g.int8Range(-128...127))
        let outputZeroPoint = Int32(g.int8Range(-128...127))
        let conv = Conv1DParameters(batch: batch, inLength: inLength, inChannels: inChannels, outLength: outLength, outChannels: outChannels,
                                    kernelSize: kernelSize, stride: stride, dilation: 1, padLeft: padLeft, groups: 1, activation: .linear)
        let input = g.int8s(batch * inLength * inChannels)
        let weight = g.int8s(kernelSize * inChannels * outChannels, g.int8Range(0...4) == 0 ? -128...127 : -127...127)
        let bias: [Int32]? = g.int8Range(0...4) == 0 ? nil : (0..<outChannels).map { _ in Int32(g.int8Range(-40000...40000)) }
        let pool = [1, 2, 1, 3][seed / 18]
        var p = Int8Conv1DParameters(conv: conv, inputOffset: -inputZeroPoint,
                                     output: requantization(&g, channels: outChannels, tables: tables, inputScale: g.scale(0.005, 0.1),
                                                            outputScale: g.scale(0.01, 0.5), zeroPoint: outputZeroPoint),
                                     pool: pool)
        let count = batch * (outLength / pool) * outChannels
        var expected = [Int8](repeating: 0, count: count)
        var got = [Int8](repeating: 99, count: count + 64)
        let preparedBytes = K.int8Conv1DPreparedBytes(conv)
        let scratchBytes = K.int8Conv1DScratchBytes(conv)
        #expect(preparedBytes > 0)
        let prepared = UnsafeMutableRawPointer.allocate(byteCount: preparedBytes, alignment: 64)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(scratchBytes, 1), alignment: 64)
        defer { prepared.deallocate(); scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0xA5, count: max(scratchBytes, 1))
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                func run(_ b: UnsafePointer<Int32>?) {
                    Int8ReferenceKernels.conv1D(p, input: x.baseAddress!, weight: w.baseAddress!, bias: b, output: &expected)
                    K.int8Conv1DPrepare(p, weight: w.baseAddress!, bias: b, into: prepared)
                    p.prepared = UnsafeRawPointer(prepared)
                    got.withUnsafeMutableBufferPointer { y in
                        K.int8Conv1D(p, input: x.baseAddress!, weight: w.baseAddress!, bias: b, output: y.baseAddress!, scratch: scratch)
                    }
                }
                if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
            }
        }
        if pool > 1 {
            var unpooled = [Int8](repeating: 0, count: batch * outLength * outChannels)
            var single = p
            single.pool = 1
            Int8ReferenceKernels.conv1D(single, input: input, weight: weight, bias: bias, output: &unpooled)
            var pooledRows = [Int8](repeating: 0, count: count)
            Int8ReferenceKernels.maxPool1D(Pool1DParameters(batch: batch, inLength: outLength, channels: outChannels, outLength: outLength / pool,
                                                            poolSize: pool, stride: pool, padLeft: 0), input: unpooled, output: &pooledRows)
            #expect(pooledRows == expected, "fused pool \(pool) differs from conv + MaxPool1D")
        }
        let shape = "batch \(batch) L \(inLength) Cin \(inChannels) Cout \(outChannels) K \(kernelSize) s \(stride) pad \(padLeft)/\(padRight) zp \(inputZeroPoint) pool \(pool)"
        #expect(Array(got[0..<count]) == expected, "\(shape)")
        #expect(got[count...].allSatisfy { $0 == 99 }, "wrote past the output: \(shape)")
    }

    /// The GEMM's 16-lane requantizer against the scalar one on the values where
    /// fixed-point code goes wrong: accumulators at and near Int32.min/max, zero,
    /// negative and huge multipliers (Int32.min, the one that can saturate, sends the
    /// layer to the reference kernel: `int8MinimumMultiplierFallsBack`),
    /// left shifts that overflow, right shifts of 0 and 31 and beyond (clamped), exact
    /// ties of the rounding divide, and partial column masks.
    @Test(arguments: 0..<8)
    func requantizerMatchesScalar(_ seed: Int) {
        var g = SplitMix64(seed: 0x4E9_0000 + UInt64(seed))
        let channels = [16, 5, 31, 64][seed % 4]
        let special: [Int32] = [.min, .min + 1, -1, 0, 1, .max, .max - 1, 1 << 30, -(1 << 30), 3 << 29]
        func pick() -> Int32 {
            g.int8Range(0...2) == 0 ? special[g.int8Range(0...special.count - 1)] : Int32(truncatingIfNeeded: g.next())
        }
        let tables = Tables()
        let multipliers = (0..<channels).map { _ in max(pick(), .min + 1) }
        let shifts = (0..<channels).map { _ in Int32(g.int8Range(-40...40)) }
        let zp = Int32(g.int8Range(-128...127))
        let (lo, hi) = activationRange(&g, zeroPoint: zp)
        let output = Int8Requantization(multipliers: tables.i32(multipliers), shifts: tables.i32(shifts), outputOffset: zp, activationMin: lo, activationMax: hi)
        // A 1×1 convolution with zero weights and no bias: its prepared rows are pure requantization.
        let conv = Conv1DParameters(batch: 1, inLength: 1, inChannels: 1, outLength: 1, outChannels: channels,
                                    kernelSize: 1, stride: 1, dilation: 1, padLeft: 0, groups: 1, activation: .linear)
        let p = Int8Conv1DParameters(conv: conv, inputOffset: 0, output: output)
        let prepared = UnsafeMutableRawPointer.allocate(byteCount: Int8GEMM.preparedBytes(conv), alignment: 64)
        defer { prepared.deallocate() }
        let zeros = [Int8](repeating: 0, count: channels)
        Int8GEMM.prepare(p, weight: zeros, bias: nil, into: prepared)
        let coutp = Int8GEMM.paddedColumns(channels)
        let q = Int8GEMM.Requantizer(rows: (prepared + 4 * Int8GEMM.groupCount(conv) * coutp).assumingMemoryBound(to: Int32.self),
                                     paddedColumns: coutp, columns: channels, scalar: output)
        for _ in 0..<500 {
            var accumulators = [Int32](repeating: 0, count: coutp)
            for o in 0..<coutp {
                // Exact ties of the rounding divide: multiples of 2^(e-1) after the high multiply.
                accumulators[o] = g.int8Range(0...3) == 0 ? Int32(truncatingIfNeeded: Int64(g.int8Range(-9...9)) << 30) : pick()
            }
            var got = [Int8](repeating: 99, count: coutp)
            var column = 0
            while column < coutp {
                let acc = accumulators.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * column, as: SIMD16<Int32>.self) }
                got.withUnsafeMutableBufferPointer { q.store(acc, column: column, mask: q.mask(column), to: $0.baseAddress! + column) }
                column += 16
            }
            let expected = (0..<channels).map { output.apply(accumulators[$0], channel: $0) }
            #expect(Array(got[0..<channels]) == expected, "multipliers \(multipliers) shifts \(shifts)")
            #expect(got[channels...].allSatisfy { $0 == 99 }, "stored a padded column")
        }
    }

    /// A multiplier of Int32.min (only a hostile file has one) makes Int32.min · Int32.min
    /// saturate, which the vector requantization leaves out: such a layer runs the
    /// reference kernel, and still gives its results.
    @Test func int8MinimumMultiplierFallsBack() {
        let tables = Tables()
        let conv = Conv1DParameters(batch: 1, inLength: 4, inChannels: 1, outLength: 4, outChannels: 2,
                                    kernelSize: 1, stride: 1, dilation: 1, padLeft: 0, groups: 1, activation: .linear)
        let output = Int8Requantization(multipliers: tables.i32([.min, 1 << 30]), shifts: tables.i32([0, 0]), outputOffset: 0, activationMin: -128, activationMax: 127)
        let p = Int8Conv1DParameters(conv: conv, inputOffset: 0, output: output)
        #expect(!Int8GEMM.usesGEMM(p))
        let input: [Int8] = [-128, -1, 0, 127], weight: [Int8] = [1, 1], bias: [Int32] = [0, 0]
        var expected = [Int8](repeating: 0, count: 8), got = expected
        Int8ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: &expected)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: HostKernels.int8Conv1DScratchBytes(conv), alignment: 64)
        defer { scratch.deallocate() }
        HostKernels.int8Conv1D(p, input: input, weight: weight, bias: bias, output: &got, scratch: scratch)
        #expect(got == expected)
    }

    /// Depthwise convolutions (16 to 64 channels; also 24, which is no multiple of 16
    /// and runs the reference) with strides, dilations, padding, batch 1–3, bias or
    /// none, a fused max pool of 1–3, and every fifth case with parameters no quantizer
    /// makes.
    @Test(arguments: 0..<40)
    func depthwiseMatchesReference(_ seed: Int) {
        var g = SplitMix64(seed: 0xD3_0000 + UInt64(seed))
        let tables = Tables()
        let channels = [16, 32, 48, 64, 24][seed % 5]
        let kernelSize = g.int8Range(1...7), stride = g.int8Range(1...3), dilation = g.int8Range(1...2)
        let field = (kernelSize - 1) * dilation + 1
        let padLeft = g.int8Range(0...field), padRight = g.int8Range(0...field)
        let inLength = g.int8Range(max(1, field - padLeft - padRight)...50)
        let outLength = (inLength + padLeft + padRight - field) / stride + 1
        let batch = g.int8Range(1...3), pool = g.int8Range(1...3)
        let zp = Int32(g.int8Range(-128...127))
        let conv = Conv1DParameters(batch: batch, inLength: inLength, inChannels: channels, outLength: outLength, outChannels: channels,
                                    kernelSize: kernelSize, stride: stride, dilation: dilation, padLeft: padLeft, groups: channels, activation: .linear)
        var output = requantization(&g, channels: channels, tables: tables, inputScale: g.scale(0.005, 0.1), outputScale: g.scale(0.01, 0.5), zeroPoint: Int32(g.int8Range(-128...127)))
        if seed % 5 == 4 {
            output.multipliers = tables.i32((0..<channels).map { _ in max(Int32(truncatingIfNeeded: g.next()), .min + 1) })
            output.shifts = tables.i32((0..<channels).map { _ in Int32(g.int8Range(-40...40)) })
        }
        let p = Int8Conv1DParameters(conv: conv, inputOffset: -zp, output: output, pool: pool)
        let x = g.int8s(batch * inLength * channels), w = g.int8s(kernelSize * channels, -127...127)
        let bias: [Int32]? = seed % 3 == 0 ? nil : (0..<channels).map { _ in Int32(g.int8Range(-40000...40000)) }
        let count = batch * (outLength / pool) * channels
        var expected = [Int8](repeating: 0, count: count), got = [Int8](repeating: 99, count: count)
        func run(_ b: UnsafePointer<Int32>?) {
            Int8ReferenceKernels.conv1D(p, input: x, weight: w, bias: b, output: &expected)
            HostKernels.int8Conv1D(p, input: x, weight: w, bias: b, output: &got, scratch: nil)
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
        #expect(got == expected, "C \(channels) L \(inLength) K \(kernelSize) s \(stride) d \(dilation) pad \(padLeft)/\(padRight) batch \(batch) pool \(pool)")
    }

    /// Convolutions the GEMM does not take (groups, dilation) fall back to the reference.
    @Test func groupedAndDilatedConvolutionsFallBack() {
        var g = SplitMix64(seed: 77)
        let tables = Tables()
        for (groups, dilation) in [(2, 1), (1, 2), (4, 3)] {
            let conv = Conv1DParameters(batch: 2, inLength: 20, inChannels: 8, outLength: 20 - 2 * dilation, outChannels: 8,
                                        kernelSize: 3, stride: 1, dilation: dilation, padLeft: 0, groups: groups, activation: .linear)
            #expect(HostKernels.int8Conv1DPreparedBytes(conv) == 0)
            let input = g.int8s(2 * 20 * 8), weight = g.int8s(3 * (8 / groups) * 8, -127...127)
            let p = Int8Conv1DParameters(conv: conv, inputOffset: 5, output: requantization(&g, channels: 8, tables: tables, inputScale: 0.02, outputScale: 0.1, zeroPoint: -3))
            var expected = [Int8](repeating: 0, count: 2 * conv.outLength * 8), got = expected
            Int8ReferenceKernels.conv1D(p, input: input, weight: weight, bias: nil, output: &expected)
            HostKernels.int8Conv1D(p, input: input, weight: weight, bias: nil, output: &got, scratch: nil)
            #expect(got == expected)
        }
    }

    @Test(arguments: 0..<30)
    func denseMatchesReference(_ seed: Int) {
        var g = SplitMix64(seed: 0xDE_0000 + UInt64(seed))
        let tables = Tables()
        let outFeatures = [1, 5, 15, 16, 17, 32, 33, 64, 70][seed % 9]
        let inFeatures = g.int8Range(1...130)
        let rows = g.int8Range(1...4)
        let x = g.int8s(rows * inFeatures), w = g.int8s(inFeatures * outFeatures, -127...127)
        let bias: [Int32]? = seed % 4 == 3 ? nil : (0..<outFeatures).map { _ in Int32(g.int8Range(-20000...20000)) }
        let inputScale = g.scale(0.005, 0.1), outputScale = g.scale(0.01, 0.5)
        var mantissas: [UInt64] = [], exponents: [Int32] = []
        for _ in 0..<outFeatures {
            // Three seeds in seven: multipliers that saturate int32 or round every product to
            // 0 (subnormal ones too), where the host's double arithmetic and the
            // reference's integer emulation of it must still agree.
            let extreme = [1.0, 1.0, 1.0, 1.0, 1e9, 1e-300, 1e-310][seed % 7]
            let d = FixedPoint.decompose(Double(inputScale) * Double(g.scale(1e-4, 5e-2)) / Double(outputScale) * extreme)
            mantissas.append(d.mantissa); exponents.append(d.exponent)
        }
        let zp = Int32(g.int8Range(-128...127))
        let (lo, hi) = activationRange(&g, zeroPoint: zp)
        let p = Int8DenseParameters(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, inputOffset: -Int32(g.int8Range(-128...127)),
                                    output: Int8ExactRequantization(mantissas: tables.u64(mantissas), exponents: tables.i32(exponents), outputOffset: zp, activationMin: lo, activationMax: hi))
        var expected = [Int8](repeating: 0, count: rows * outFeatures), got = expected, device = expected
        func run(_ b: UnsafePointer<Int32>?) {
            Int8ReferenceKernels.dense(p, input: x, weight: w, bias: b, output: &expected)
            HostKernels.int8Dense(p, input: x, weight: w, bias: b, output: &got)
            // The device's DSP dense (portable C here), from its prepared rows.
            var q = p
            let prepared = UnsafeMutableRawPointer.allocate(byteCount: CortexM4Kernels.int8DensePreparedBytes(p), alignment: 64)
            defer { prepared.deallocate() }
            CortexM4Kernels.int8DensePrepare(p, weight: w, bias: b, into: prepared)
            q.prepared = UnsafeRawPointer(prepared)
            CortexM4Kernels.int8Dense(q, input: x, weight: w, bias: b, output: &device)
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
        #expect(got == expected, "rows \(rows) in \(inFeatures) out \(outFeatures)")
        #expect(device == expected, "CortexM4Kernels: rows \(rows) in \(inFeatures) out \(outFeatures)")
    }

    @Test(arguments: 0..<30)
    func maxPoolMatchesReference(_ seed: Int) {
        var g = SplitMix64(seed: 0x900_0000 + UInt64(seed))
        let channels = [16, 32, 48, 64, 5, 17][seed % 6]
        let poolSize = g.int8Range(1...4), stride = g.int8Range(1...4)
        let inLength = g.int8Range(poolSize...40)
        let padLeft = seed % 5 == 4 ? 1 : 0
        let outLength = (inLength + padLeft - poolSize) / stride + 1
        let batch = g.int8Range(1...3)
        let p = Pool1DParameters(batch: batch, inLength: inLength, channels: channels, outLength: outLength, poolSize: poolSize, stride: stride, padLeft: padLeft)
        let x = g.int8s(batch * inLength * channels)
        var expected = [Int8](repeating: 0, count: batch * outLength * channels), got = expected
        Int8ReferenceKernels.maxPool1D(p, input: x, output: &expected)
        HostKernels.int8MaxPool1D(p, input: x, output: &got)
        #expect(got == expected)
    }

    @Test(arguments: 0..<20)
    func meanMatchesReference(_ seed: Int) {
        var g = SplitMix64(seed: 0x3EA_0000 + UInt64(seed))
        let channels = [16, 32, 64, 7, 40][seed % 5]
        let length = g.int8Range(1...300), batch = g.int8Range(1...3)
        var (m, s) = Int8Quantization.meanParameters(inputScale: g.scale(0.005, 0.2), outputScale: g.scale(0.005, 0.2), count: length)
        // Every fourth case takes parameters no quantizer makes (a hostile file's): any
        // multiplier, Int32.min included (the scalar fallback), and shifts past ±31.
        if seed % 4 == 3 {
            m = seed == 3 ? .min : Int32(truncatingIfNeeded: g.next())
            s = Int32(g.int8Range(-40...40))
        }
        let p = Int8MeanParameters(batch: batch, length: length, channels: channels, inputZeroPoint: Int32(g.int8Range(-128...127)),
                                   outputZeroPoint: Int32(g.int8Range(-128...127)), multiplier: m, shift: s)
        let x = g.int8s(batch * length * channels)
        var expected = [Int8](repeating: 0, count: batch * channels), got = expected
        Int8ReferenceKernels.mean(p, input: x, output: &expected)
        HostKernels.int8Mean(p, input: x, output: &got)
        #expect(got == expected)
    }
}
