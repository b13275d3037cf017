/// The kernels an interpreter calls. Every requirement has a default that runs the
/// portable reference kernel, so a set overrides only what it accelerates; the
/// interpreter is generic over its set, which keeps dispatch static (no existentials,
/// as Embedded Swift requires) and lets the compiler inline the chosen kernels.
public protocol KernelSet {
    /// Bytes of scratch memory `conv1D` needs for these parameters (the whole batch).
    static func conv1DScratchBytes(_ p: Conv1DParameters) -> Int
    static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer?)
    static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>)
    static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>)
    static func binary(_ p: BinaryParameters, a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    static func activation(_ a: Activation, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int)
    static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    static func globalPool1D(max: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    static func convND(_ p: ConvNDParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>)
    static func poolND(_ p: PoolNDParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>?)
    /// Bytes of scratch memory `int8Conv1D` needs for these parameters (the whole batch).
    static func int8Conv1DScratchBytes(_ p: Conv1DParameters) -> Int
    static func int8Conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?)
    static func int8Dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>)
    /// Bytes of constant data `int8Conv1DPrepare` derives from a convolution's constant
    /// weights and bias once, at compile time (0: none; the kernel gets `prepared` nil).
    static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int
    static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer)
    static func int8MaxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    static func int8Mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
}

extension KernelSet {
    public static func conv1DScratchBytes(_ p: Conv1DParameters) -> Int { 0 }

    @inline(__always)
    public static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer?) {
        ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: output)
    }

    @inline(__always)
    public static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.dense(p, input: input, weight: weight, bias: bias, output: output)
    }

    @inline(__always)
    public static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.batchedMatMul(batch: batch, m: m, k: k, n: n, a: a, b: b, bStride: bStride, output: output)
    }

    @inline(__always)
    public static func binary(_ p: BinaryParameters, a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.binary(p, a: a, b: b, output: output)
    }

    @inline(__always)
    public static func activation(_ a: Activation, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        ReferenceKernels.activation(a, input: input, output: output, count: count)
    }

    @inline(__always)
    public static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.maxPool1D(p, input: input, output: output)
    }

    @inline(__always)
    public static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.averagePool1D(p, input: input, output: output)
    }

    @inline(__always)
    public static func globalPool1D(max: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.globalPool1D(max: max, batch: batch, length: length, channels: channels, input: input, output: output)
    }

    @inline(__always)
    public static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.softmax(rows: rows, width: width, input: input, output: output)
    }

    @inline(__always)
    public static func convND(_ p: ConvNDParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.convND(p, input: input, weight: weight, bias: bias, output: output)
    }

    @inline(__always)
    public static func poolND(_ p: PoolNDParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>?) {
        ReferenceKernels.poolND(p, input: input, output: output, indices: indices)
    }
}

extension KernelSet {
    public static func int8Conv1DScratchBytes(_ p: Conv1DParameters) -> Int { 0 }

    @inline(__always)
    public static func int8Conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?) {
        Int8ReferenceKernels.conv1D(p, input: input, weight: weight, bias: bias, output: output)
    }

    @inline(__always)
    public static func int8Dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.dense(p, input: input, weight: weight, bias: bias, output: output)
    }

    public static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int { 0 }

    public static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {}

    @inline(__always)
    public static func int8MaxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.maxPool1D(p, input: input, output: output)
    }

    @inline(__always)
    public static func int8Mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.mean(p, input: input, output: output)
    }
}

/// The reference kernels alone: what a device build runs, and the oracle in tests.
public enum PortableKernels: KernelSet {}
