/// The kernels an interpreter calls: one requirement per kind of compiled step, so that
/// a set can replace any kernel. Every requirement has a default that runs the
/// portable reference kernel, so a set overrides only what it accelerates; the
/// interpreter is generic over its set, which keeps dispatch static (no existentials,
/// as Embedded Swift requires) and lets the compiler inline the chosen kernels.
///
/// The contract every kernel may rely on, unless its requirement says otherwise:
/// - Layouts are row-major and channels-last, the batch outermost: a 1-D activation is
///   `[batch, length, channels]`, an N-d one `[batch, spatial…, channels]`. Weights are
///   laid out as the op's node documents (`Op`), e.g. a convolution's `[K, Cin/groups,
///   Cout]`, a dense layer's `[In, Out]`.
/// - Aliasing: no output overlaps any input or the scratch buffer, and the outputs of
///   one call do not overlap one another: the memory planner gives every tensor alive at
///   a step its own bytes. A kernel may write its output before it has read all input.
/// - Constant operands (weights, biases, tables) may live in read-only flash.
/// - Scratch: only requirements with a `…ScratchBytes` companion get scratch memory, of
///   exactly the bytes their companion asked for (64-byte aligned, contents undefined
///   on entry); all other kernels get none and allocate nothing.
public protocol KernelSet {
    // MARK: float

    /// Bytes of scratch memory `conv1D` needs for these parameters (the whole batch).
    /// The default asks for none.
    static func conv1DScratchBytes(_ p: Conv1DParameters) -> Int
    /// 1-D convolution, grouped or depthwise: input `[batch, inLength, inChannels]`,
    /// weight `[kernelSize, inChannels/groups, outChannels]`, optional bias
    /// `[outChannels]` → output `[batch, outLength, outChannels]`, the fused activation
    /// applied. Scratch: `conv1DScratchBytes(p)` bytes (nil when that is 0).
    static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer?)
    /// Dense layer: input `[rows, inFeatures]` times weight `[inFeatures, outFeatures]`
    /// plus optional bias `[outFeatures]` → `[rows, outFeatures]`, activation applied.
    /// Also runs MatMul by a constant (linear, no bias). No scratch; no aliasing.
    static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>)
    /// Per batch item, `a [m, k] · b [k, n] → [m, n]`, items `m·k`, `bStride` and `m·n`
    /// floats apart (`bStride` 0: one `b` shared by every item). No scratch; no aliasing.
    static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>)
    /// Add/Sub/Mul/Div with broadcasting: each operand is read at the strides `p`
    /// gives (zero along broadcast axes) over an output of up to five axes, batch
    /// included, written contiguously; then the fused activation. No scratch; no aliasing.
    static func binary(_ p: BinaryParameters, a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Elementwise activation over `count` contiguous floats (any layout). No scratch;
    /// no aliasing.
    static func activation(_ a: Activation, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int)
    /// 1-D max pool over `[batch, inLength, channels]` → `[batch, outLength, channels]`;
    /// positions outside the input never win, NaN does. No scratch; no aliasing.
    static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// 1-D average pool, layouts as `maxPool1D`; divides by the positions inside the
    /// input. No scratch; no aliasing.
    static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Max or mean over time: `[batch, length, channels]` → `[batch, channels]`. No
    /// scratch; no aliasing.
    static func globalPool1D(max: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Softmax over the last axis: `rows` rows of `width` contiguous floats. No scratch;
    /// no aliasing.
    static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// ln softmax over rows of `width` floats, as `softmax`. No scratch; `input` and
    /// `output` may alias.
    static func logSoftmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Convolution over one to three spatial axes: input `[batch, spatial…, Cin]`,
    /// weight `[kernel…, Cin/groups, Cout]`, optional bias `[Cout]` → `[batch,
    /// spatial'…, Cout]` (unused leading axes have size 1 in `p.geometry`). No scratch;
    /// no aliasing.
    static func convND(_ p: ConvNDParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>)
    /// Max or average pool over one to three spatial axes, channels-last; `indices`,
    /// when given, receives each maximum's int64 position as ONNX numbers it (channels
    /// first), one per output element. No scratch; no aliasing.
    static func poolND(_ p: PoolNDParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>?)
    /// Per-channel affine (inference batch normalization): `rows` rows of `channels`
    /// contiguous floats, `x · scale[c] + shift[c]`. No scratch; no aliasing.
    static func affine(rows: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Zeros around the time axis: `[batch, length, channels]` → `[batch, left + length
    /// + right, channels]`. No scratch; no aliasing.
    static func zeroPadding1D(batch: Int, length: Int, channels: Int, left: Int, right: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Training-mode batch normalization: input `[batch, positions, channels]`, scale,
    /// bias, running mean and variance `[channels]` → output like the input, new
    /// running mean and variance `[batch, channels]`. No scratch; no aliasing.
    static func batchNormalizationTraining(_ p: BatchNormalizationTrainingParameters, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, newMean: UnsafeMutablePointer<Float>, newVariance: UnsafeMutablePointer<Float>)
    /// Layer normalization: `rows` rows of `channels` contiguous floats, each normalized
    /// by its own mean and variance, then `· scale[c] + bias[c]`; `mean` and
    /// `inverseDeviation` (one per row) only when given. No scratch; the reference kernel
    /// reads a row whole before writing it.
    static func layerNormalization(rows: Int, channels: Int, epsilon: Float, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, inverseDeviation: UnsafeMutablePointer<Float>?)

    // MARK: recurrent

    /// Bytes of scratch memory `gru` needs (directions run one after the other). The
    /// default is what the reference kernel needs: `4 · p.scratchFloats(gates: 3)`.
    static func gruScratchBytes(_ p: RecurrentParameters) -> Int
    /// Bytes of scratch memory `simpleRNN` needs: `4 · p.scratchFloats(gates: 1)` for
    /// the reference kernel.
    static func simpleRNNScratchBytes(_ p: RecurrentParameters) -> Int
    /// SimpleRNN over `[batch, T, F]` with the layouts of `gru` and one gate; output
    /// `[batch, T, U]` / `[batch, U]` (directions as `gru`). No aliasing.
    static func simpleRNN(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
    /// Keras GRU (gates z, r, h), forward, reverse or bidirectional: input `[batch,
    /// steps, features]`, kernel `[directions?, features, 3U]`, recurrent kernel
    /// `[directions?, U, 3U]`, optional bias → `[batch, steps, directions, U]` (sequences)
    /// or `[batch, directions, U]`. Scratch: `gruScratchBytes(p)` bytes as floats, always
    /// given. No aliasing.
    static func gru(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
    /// Bytes of scratch memory `lstm` needs. The default is what the reference kernel
    /// needs: `4 · p.scratchFloats(gates: 4)`.
    static func lstmScratchBytes(_ p: RecurrentParameters) -> Int
    /// Keras LSTM (gates i, f, c, o), layouts as `gru` with 4U gate columns, optional
    /// peepholes `[directions?, 3U]`; `cellOutput`, when given, receives the last cell
    /// states laid out as the last hidden states. Scratch: `lstmScratchBytes(p)` bytes as
    /// floats, always given. No aliasing.
    static func lstm(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, peepholes: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, cellOutput: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>)

    // MARK: data movement (any element type: raw bytes)

    /// `outer` chunks of `chunk` bytes, read contiguously, each written `stride` bytes
    /// after the last: a reshape's copy (outer 1), or one operand's share of a
    /// concatenation. No scratch; no aliasing.
    static func interleave(outer: Int, chunk: Int, stride: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer)
    /// A copy between two strided views (transpose, slice, expand, a concatenation's
    /// constant operand): sizes and byte strides in `p.table`; input strides may be 0
    /// (broadcast) or negative, and `input` already points at the first element read.
    /// No scratch; no aliasing.
    static func stridedCopy(_ p: StridedCopyParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer)
    /// ONNX Gather: from each of `outer` blocks of `axisSize` slices of `sliceBytes`,
    /// the slices `p.indices` names (each in range), in order. No scratch; no aliasing.
    static func gather(_ p: GatherParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer)

    // MARK: int8 (TFLite's integer semantics, bit-exact with its reference kernels)

    /// Bytes of scratch memory `int8Conv1D` needs for these parameters (the whole batch).
    static func int8Conv1DScratchBytes(_ p: Conv1DParameters) -> Int
    /// int8 convolution, layouts as `conv1D`, int32 bias, per-channel requantization,
    /// and the max pool of `p.pool` rows fused after it (output `[batch, outLength /
    /// pool, outChannels]`). `p.prepared` holds what `int8Conv1DPrepare` derived, if
    /// anything. Scratch: `int8Conv1DScratchBytes(p.conv)` bytes. No aliasing.
    static func int8Conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?)
    /// int8 fully connected, layouts as `dense`, requantized as LiteRT's reference
    /// FULLY_CONNECTED does. No scratch; no aliasing.
    static func int8Dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>)
    /// Bytes of constant data `int8DensePrepare` derives from a fully connected layer's
    /// constant weights and bias once, at compile time (0: none; `p.prepared` stays nil).
    static func int8DensePreparedBytes(_ p: Int8DenseParameters) -> Int
    /// Fills `prepared` (`int8DensePreparedBytes(p)` bytes, 64-byte aligned, owned by
    /// the interpreter) from the constant weight and bias.
    static func int8DensePrepare(_ p: Int8DenseParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer)
    /// Bytes of constant data `int8Conv1DPrepare` derives from a convolution's constant
    /// weights and bias once, at compile time (0: none; the kernel gets `prepared` nil).
    static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int
    /// Fills `prepared` (`int8Conv1DPreparedBytes(p.conv)` bytes, 64-byte aligned,
    /// owned by the interpreter) from the constant weight and bias.
    static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer)
    /// int8 max pool, layouts as `maxPool1D`; input and output share parameters. No
    /// scratch; no aliasing.
    static func int8MaxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// int8 average pool (TFLite's rounding), layouts as `averagePool1D`. No scratch;
    /// no aliasing.
    static func int8AveragePool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// int8 mean over time (TFLite MEAN): `[batch, length, channels]` → `[batch,
    /// channels]`. No scratch; no aliasing.
    static func int8Mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// int8 max over time, layouts as `int8Mean`. No scratch; no aliasing.
    static func int8GlobalMax(batch: Int, length: Int, channels: Int, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// int8 ADD, SUB, MUL, MAXIMUM or MINIMUM with broadcasting, the operands read at
    /// the strides of `p.shape` as for `binary`. No scratch; no aliasing.
    static func int8Binary(_ p: Int8BinaryParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// Elementwise int8 activation through a 256-entry table (read-only, indexed by the
    /// input's bit pattern) over `count` contiguous values. No scratch; no aliasing.
    static func int8Lookup(table: UnsafePointer<Int8>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int)
    /// int8 softmax over the last axis: `p.rows` rows of `p.width` values; output scale
    /// 1/256, zero point −128. No scratch; no aliasing.
    static func int8Softmax(_ p: Int8SoftmaxParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// int8 product of two run-time operands (TFLite BATCH_MATMUL): per batch item,
    /// a [M, K] · b [K, N] with both zero points, one per-tensor requantization. No
    /// scratch; no aliasing.
    static func int8MatMul(_ p: Int8MatMulParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// int8 → int8 between two scales: `p.outer` chunks of `p.chunk` contiguous values,
    /// each written `p.stride` values after the last (one operand of a concatenation;
    /// outer 1 for a plain requantize). No scratch; no aliasing.
    static func int8Requantize(_ p: Int8RequantizeParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>)
    /// float32 → int8 (TFLite QUANTIZE) over `count` contiguous values. No scratch; no
    /// aliasing.
    static func quantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>)
    /// int8 → float32 (TFLite DEQUANTIZE) over `count` contiguous values. No scratch; no
    /// aliasing.
    static func dequantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>)

    // MARK: plain integers (int8…uint64 without quantization; ONNX wrap-around semantics)

    /// Add/Sub/Mul/Div over integers (wrapping; division truncates, by zero gives 0),
    /// strides as for `binary`; the activation is linear. No scratch; no aliasing.
    static func integerBinary<T: FixedWidthInteger>(_ p: BinaryParameters, a: UnsafePointer<T>, b: UnsafePointer<T>, output: UnsafeMutablePointer<T>)
    /// `min(max(x, lo), hi)` over `count` contiguous values (hi wins where lo > hi). No
    /// scratch; no aliasing.
    static func integerClamp<T: FixedWidthInteger>(count: Int, input: UnsafePointer<T>, min lo: T, max hi: T, output: UnsafeMutablePointer<T>)
    /// Integer 1-D max pool, layouts as `maxPool1D`. No scratch; no aliasing.
    static func integerMaxPool1D<T: FixedWidthInteger>(_ p: Pool1DParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>)
    /// Integer max pool over one to three spatial axes, layouts as `poolND` (no
    /// indices). No scratch; no aliasing.
    static func integerMaxPoolND<T: FixedWidthInteger>(_ p: PoolNDParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>)
}

/// The defaults: the portable reference kernels, each in its op's file under `Ops/`.
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
    public static func logSoftmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.logSoftmax(rows: rows, width: width, input: input, output: output)
    }

    @inline(__always)
    public static func convND(_ p: ConvNDParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.convND(p, input: input, weight: weight, bias: bias, output: output)
    }

    @inline(__always)
    public static func poolND(_ p: PoolNDParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>?) {
        ReferenceKernels.poolND(p, input: input, output: output, indices: indices)
    }

    @inline(__always)
    public static func affine(rows: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.affine(rows: rows, channels: channels, input: input, scale: scale, shift: shift, output: output)
    }

    @inline(__always)
    public static func zeroPadding1D(batch: Int, length: Int, channels: Int, left: Int, right: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        ReferenceKernels.zeroPadding1D(batch: batch, length: length, channels: channels, left: left, right: right, input: input, output: output)
    }

    @inline(__always)
    public static func batchNormalizationTraining(_ p: BatchNormalizationTrainingParameters, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, newMean: UnsafeMutablePointer<Float>, newVariance: UnsafeMutablePointer<Float>) {
        ReferenceKernels.batchNormalizationTraining(p, input: input, scale: scale, bias: bias, mean: mean, variance: variance, output: output, newMean: newMean, newVariance: newVariance)
    }

    @inline(__always)
    public static func layerNormalization(rows: Int, channels: Int, epsilon: Float, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, inverseDeviation: UnsafeMutablePointer<Float>?) {
        ReferenceKernels.layerNormalization(rows: rows, channels: channels, epsilon: epsilon, input: input, scale: scale, bias: bias, output: output, mean: mean, inverseDeviation: inverseDeviation)
    }
}

extension KernelSet {
    public static func gruScratchBytes(_ p: RecurrentParameters) -> Int { 4 * p.scratchFloats(gates: 3) }

    @inline(__always)
    public static func simpleRNNScratchBytes(_ p: RecurrentParameters) -> Int { 4 * p.scratchFloats(gates: 1) }

    @inline(__always)
    public static func simpleRNN(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        ReferenceKernels.simpleRNN(p, input: input, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, output: output, scratch: scratch)
    }

    @inline(__always)
    public static func gru(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        ReferenceKernels.gru(p, input: input, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, output: output, scratch: scratch)
    }

    public static func lstmScratchBytes(_ p: RecurrentParameters) -> Int { 4 * p.scratchFloats(gates: 4) }

    @inline(__always)
    public static func lstm(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, peepholes: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, cellOutput: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        ReferenceKernels.lstm(p, input: input, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, peepholes: peepholes, output: output, cellOutput: cellOutput, scratch: scratch)
    }
}

extension KernelSet {
    @inline(__always)
    public static func interleave(outer: Int, chunk: Int, stride: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        ReferenceKernels.interleave(outer: outer, chunk: chunk, stride: stride, input: input, output: output)
    }

    @inline(__always)
    public static func stridedCopy(_ p: StridedCopyParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        ReferenceKernels.stridedCopy(p, input: input, output: output)
    }

    @inline(__always)
    public static func gather(_ p: GatherParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        ReferenceKernels.gather(p, input: input, output: output)
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

    public static func int8DensePreparedBytes(_ p: Int8DenseParameters) -> Int { 0 }

    public static func int8DensePrepare(_ p: Int8DenseParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {}

    public static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int { 0 }

    public static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {}

    @inline(__always)
    public static func int8MaxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.maxPool1D(p, input: input, output: output)
    }

    @inline(__always)
    public static func int8AveragePool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.averagePool1D(p, input: input, output: output)
    }

    @inline(__always)
    public static func int8Mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.mean(p, input: input, output: output)
    }

    @inline(__always)
    public static func int8GlobalMax(batch: Int, length: Int, channels: Int, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.globalMax(batch: batch, length: length, channels: channels, input: input, output: output)
    }

    @inline(__always)
    public static func int8Binary(_ p: Int8BinaryParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.binary(p, a: a, b: b, output: output)
    }

    @inline(__always)
    public static func int8Lookup(table: UnsafePointer<Int8>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int) {
        Int8ReferenceKernels.lookup(table: table, input: input, output: output, count: count)
    }

    @inline(__always)
    public static func int8Softmax(_ p: Int8SoftmaxParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.softmax(p, input: input, output: output)
    }

    @inline(__always)
    public static func int8MatMul(_ p: Int8MatMulParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.matMul(p, a: a, b: b, output: output)
    }

    @inline(__always)
    public static func int8Requantize(_ p: Int8RequantizeParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.requantize(p, input: input, output: output)
    }

    @inline(__always)
    public static func quantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>) {
        Int8ReferenceKernels.quantize(count: count, scale: scale, zeroPoint: zeroPoint, input: input, output: output)
    }

    @inline(__always)
    public static func dequantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>) {
        Int8ReferenceKernels.dequantize(count: count, scale: scale, zeroPoint: zeroPoint, input: input, output: output)
    }
}

extension KernelSet {
    @inline(__always)
    public static func integerBinary<T: FixedWidthInteger>(_ p: BinaryParameters, a: UnsafePointer<T>, b: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        IntegerKernels.binary(p, a: a, b: b, output: output)
    }

    @inline(__always)
    public static func integerClamp<T: FixedWidthInteger>(count: Int, input: UnsafePointer<T>, min lo: T, max hi: T, output: UnsafeMutablePointer<T>) {
        IntegerKernels.clamp(count: count, input: input, min: lo, max: hi, output: output)
    }

    @inline(__always)
    public static func integerMaxPool1D<T: FixedWidthInteger>(_ p: Pool1DParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        IntegerKernels.maxPool1D(p, input: input, output: output)
    }

    @inline(__always)
    public static func integerMaxPoolND<T: FixedWidthInteger>(_ p: PoolNDParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        IntegerKernels.maxPoolND(p, input: input, output: output)
    }
}

/// The reference kernels alone: what a device build runs, and the oracle in tests.
public enum PortableKernels: KernelSet {}
