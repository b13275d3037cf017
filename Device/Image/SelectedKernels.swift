// The device image's kernel set: CortexM4Kernels, each kernel linked only when the
// build names it (`-D LINK_<requirement>`, which Device/build.sh passes for the
// requirements in LINK: `vigil device run` lists those the package's compiled steps
// call, `Interpreter.kernelNames`). A kernel left out is not referenced, so
// --gc-sections drops it and everything only it calls. Sizes and prepare hooks are
// always linked (the interpreter plans with them). The image checks the package's
// kernels against `linkedKernels` (written by build.sh) before it runs anything, so
// `notLinked` is never reached. Keep in step with `KernelSet`: a requirement added
// there and not here runs its default (reference) kernel, always linked.
import VigilKernelsM4
import VigilRuntime

enum SelectedKernels: KernelSet {
    static func conv1DScratchBytes(_ p: Conv1DParameters) -> Int { CortexM4Kernels.conv1DScratchBytes(p) }

    static func conv1D(_ p: Conv1DParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer?) {
        #if LINK_conv1D
        CortexM4Kernels.conv1D(p, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
        #else
        notLinked("conv1D")
        #endif
    }

    static func dense(_ p: DenseParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        #if LINK_dense
        CortexM4Kernels.dense(p, input: input, weight: weight, bias: bias, output: output)
        #else
        notLinked("dense")
        #endif
    }

    static func batchedMatMul(batch: Int, m: Int, k: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int, output: UnsafeMutablePointer<Float>) {
        #if LINK_batchedMatMul
        CortexM4Kernels.batchedMatMul(batch: batch, m: m, k: k, n: n, a: a, b: b, bStride: bStride, output: output)
        #else
        notLinked("batchedMatMul")
        #endif
    }

    static func binary(_ p: BinaryParameters, a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_binary
        CortexM4Kernels.binary(p, a: a, b: b, output: output)
        #else
        notLinked("binary")
        #endif
    }

    static func activation(_ a: Activation, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        #if LINK_activation
        CortexM4Kernels.activation(a, input: input, output: output, count: count)
        #else
        notLinked("activation")
        #endif
    }

    static func maxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_maxPool1D
        CortexM4Kernels.maxPool1D(p, input: input, output: output)
        #else
        notLinked("maxPool1D")
        #endif
    }

    static func averagePool1D(_ p: Pool1DParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_averagePool1D
        CortexM4Kernels.averagePool1D(p, input: input, output: output)
        #else
        notLinked("averagePool1D")
        #endif
    }

    static func globalPool1D(max: Bool, batch: Int, length: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_globalPool1D
        CortexM4Kernels.globalPool1D(max: max, batch: batch, length: length, channels: channels, input: input, output: output)
        #else
        notLinked("globalPool1D")
        #endif
    }

    static func softmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_softmax
        CortexM4Kernels.softmax(rows: rows, width: width, input: input, output: output)
        #else
        notLinked("softmax")
        #endif
    }

    static func logSoftmax(rows: Int, width: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_logSoftmax
        CortexM4Kernels.logSoftmax(rows: rows, width: width, input: input, output: output)
        #else
        notLinked("logSoftmax")
        #endif
    }

    static func convND(_ p: ConvNDParameters, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        #if LINK_convND
        CortexM4Kernels.convND(p, input: input, weight: weight, bias: bias, output: output)
        #else
        notLinked("convND")
        #endif
    }

    static func poolND(_ p: PoolNDParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>?) {
        #if LINK_poolND
        CortexM4Kernels.poolND(p, input: input, output: output, indices: indices)
        #else
        notLinked("poolND")
        #endif
    }

    static func affine(rows: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_affine
        CortexM4Kernels.affine(rows: rows, channels: channels, input: input, scale: scale, shift: shift, output: output)
        #else
        notLinked("affine")
        #endif
    }

    static func zeroPadding1D(batch: Int, length: Int, channels: Int, left: Int, right: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        #if LINK_zeroPadding1D
        CortexM4Kernels.zeroPadding1D(batch: batch, length: length, channels: channels, left: left, right: right, input: input, output: output)
        #else
        notLinked("zeroPadding1D")
        #endif
    }

    static func batchNormalizationTraining(_ p: BatchNormalizationTrainingParameters, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, newMean: UnsafeMutablePointer<Float>, newVariance: UnsafeMutablePointer<Float>) {
        #if LINK_batchNormalizationTraining
        CortexM4Kernels.batchNormalizationTraining(p, input: input, scale: scale, bias: bias, mean: mean, variance: variance, output: output, newMean: newMean, newVariance: newVariance)
        #else
        notLinked("batchNormalizationTraining")
        #endif
    }

    static func layerNormalization(rows: Int, channels: Int, epsilon: Float, input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, inverseDeviation: UnsafeMutablePointer<Float>?) {
        #if LINK_layerNormalization
        CortexM4Kernels.layerNormalization(rows: rows, channels: channels, epsilon: epsilon, input: input, scale: scale, bias: bias, output: output, mean: mean, inverseDeviation: inverseDeviation)
        #else
        notLinked("layerNormalization")
        #endif
    }

    static func gruScratchBytes(_ p: RecurrentParameters) -> Int { CortexM4Kernels.gruScratchBytes(p) }

    static func simpleRNNScratchBytes(_ p: RecurrentParameters) -> Int { CortexM4Kernels.simpleRNNScratchBytes(p) }

    static func simpleRNN(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        #if LINK_simpleRNN
        CortexM4Kernels.simpleRNN(p, input: input, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, output: output, scratch: scratch)
        #else
        notLinked("simpleRNN")
        #endif
    }

    static func gru(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        #if LINK_gru
        CortexM4Kernels.gru(p, input: input, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, output: output, scratch: scratch)
        #else
        notLinked("gru")
        #endif
    }

    static func lstmScratchBytes(_ p: RecurrentParameters) -> Int { CortexM4Kernels.lstmScratchBytes(p) }

    static func lstm(_ p: RecurrentParameters, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, recurrentKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, peepholes: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, cellOutput: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        #if LINK_lstm
        CortexM4Kernels.lstm(p, input: input, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, peepholes: peepholes, output: output, cellOutput: cellOutput, scratch: scratch)
        #else
        notLinked("lstm")
        #endif
    }

    static func interleave(outer: Int, chunk: Int, stride: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        #if LINK_interleave
        CortexM4Kernels.interleave(outer: outer, chunk: chunk, stride: stride, input: input, output: output)
        #else
        notLinked("interleave")
        #endif
    }

    static func stridedCopy(_ p: StridedCopyParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        #if LINK_stridedCopy
        CortexM4Kernels.stridedCopy(p, input: input, output: output)
        #else
        notLinked("stridedCopy")
        #endif
    }

    static func gather(_ p: GatherParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        #if LINK_gather
        CortexM4Kernels.gather(p, input: input, output: output)
        #else
        notLinked("gather")
        #endif
    }

    static func int8Conv1DScratchBytes(_ p: Conv1DParameters) -> Int { CortexM4Kernels.int8Conv1DScratchBytes(p) }

    static func int8Conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?) {
        #if LINK_int8Conv1D
        CortexM4Kernels.int8Conv1D(p, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
        #else
        notLinked("int8Conv1D")
        #endif
    }

    static func int8Dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8Dense
        CortexM4Kernels.int8Dense(p, input: input, weight: weight, bias: bias, output: output)
        #else
        notLinked("int8Dense")
        #endif
    }

    static func int8DensePreparedBytes(_ p: Int8DenseParameters) -> Int { CortexM4Kernels.int8DensePreparedBytes(p) }

    static func int8DensePrepare(_ p: Int8DenseParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) { CortexM4Kernels.int8DensePrepare(p, weight: weight, bias: bias, into: prepared) }

    static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int { CortexM4Kernels.int8Conv1DPreparedBytes(p) }

    static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) { CortexM4Kernels.int8Conv1DPrepare(p, weight: weight, bias: bias, into: prepared) }

    static func int8MaxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8MaxPool1D
        CortexM4Kernels.int8MaxPool1D(p, input: input, output: output)
        #else
        notLinked("int8MaxPool1D")
        #endif
    }

    static func int8AveragePool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8AveragePool1D
        CortexM4Kernels.int8AveragePool1D(p, input: input, output: output)
        #else
        notLinked("int8AveragePool1D")
        #endif
    }

    static func int8Mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8Mean
        CortexM4Kernels.int8Mean(p, input: input, output: output)
        #else
        notLinked("int8Mean")
        #endif
    }

    static func int8GlobalMax(batch: Int, length: Int, channels: Int, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8GlobalMax
        CortexM4Kernels.int8GlobalMax(batch: batch, length: length, channels: channels, input: input, output: output)
        #else
        notLinked("int8GlobalMax")
        #endif
    }

    static func int8Binary(_ p: Int8BinaryParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8Binary
        CortexM4Kernels.int8Binary(p, a: a, b: b, output: output)
        #else
        notLinked("int8Binary")
        #endif
    }

    static func int8Lookup(table: UnsafePointer<Int8>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int) {
        #if LINK_int8Lookup
        CortexM4Kernels.int8Lookup(table: table, input: input, output: output, count: count)
        #else
        notLinked("int8Lookup")
        #endif
    }

    static func int8Softmax(_ p: Int8SoftmaxParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8Softmax
        CortexM4Kernels.int8Softmax(p, input: input, output: output)
        #else
        notLinked("int8Softmax")
        #endif
    }

    static func int8MatMul(_ p: Int8MatMulParameters, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8MatMul
        CortexM4Kernels.int8MatMul(p, a: a, b: b, output: output)
        #else
        notLinked("int8MatMul")
        #endif
    }

    static func int8Requantize(_ p: Int8RequantizeParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_int8Requantize
        CortexM4Kernels.int8Requantize(p, input: input, output: output)
        #else
        notLinked("int8Requantize")
        #endif
    }

    static func quantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>) {
        #if LINK_quantize
        CortexM4Kernels.quantize(count: count, scale: scale, zeroPoint: zeroPoint, input: input, output: output)
        #else
        notLinked("quantize")
        #endif
    }

    static func dequantize(count: Int, scale: Float, zeroPoint: Int32, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>) {
        #if LINK_dequantize
        CortexM4Kernels.dequantize(count: count, scale: scale, zeroPoint: zeroPoint, input: input, output: output)
        #else
        notLinked("dequantize")
        #endif
    }

    static func integerBinary<T: FixedWidthInteger>(_ p: BinaryParameters, a: UnsafePointer<T>, b: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        #if LINK_integerBinary
        CortexM4Kernels.integerBinary(p, a: a, b: b, output: output)
        #else
        notLinked("integerBinary")
        #endif
    }

    static func integerClamp<T: FixedWidthInteger>(count: Int, input: UnsafePointer<T>, min lo: T, max hi: T, output: UnsafeMutablePointer<T>) {
        #if LINK_integerClamp
        CortexM4Kernels.integerClamp(count: count, input: input, min: lo, max: hi, output: output)
        #else
        notLinked("integerClamp")
        #endif
    }

    static func integerMaxPool1D<T: FixedWidthInteger>(_ p: Pool1DParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        #if LINK_integerMaxPool1D
        CortexM4Kernels.integerMaxPool1D(p, input: input, output: output)
        #else
        notLinked("integerMaxPool1D")
        #endif
    }

    static func integerMaxPoolND<T: FixedWidthInteger>(_ p: PoolNDParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        #if LINK_integerMaxPoolND
        CortexM4Kernels.integerMaxPoolND(p, input: input, output: output)
        #else
        notLinked("integerMaxPoolND")
        #endif
    }
}

func notLinked(_ name: StaticString) -> Never {
    print("error: the kernel a step called is not linked into this image")
    fatalError()
}
