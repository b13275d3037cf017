import VigilRuntime

/// The host's optimized int8 kernels (Int8GEMM, Int8Depthwise, Int8Kernels), bit-identical to the
/// reference kernels they override.
extension HostKernels {
    public static func int8Conv1DScratchBytes(_ p: Conv1DParameters) -> Int { Int8GEMM.scratchBytes(p) }

    public static func int8Conv1DPreparedBytes(_ p: Conv1DParameters) -> Int { Int8GEMM.preparedBytes(p) }

    public static func int8Conv1DPrepare(_ p: Int8Conv1DParameters, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, into prepared: UnsafeMutableRawPointer) {
        Int8GEMM.prepare(p, weight: weight, bias: bias, into: prepared)
    }

    public static func int8Conv1D(_ p: Int8Conv1DParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer?) {
        if Int8Depthwise.applies(p) {
            Int8Depthwise.conv1D(p, input: input, weight: weight, bias: bias, output: output)
        } else {
            Int8GEMM.conv1D(p, input: input, weight: weight, bias: bias, output: output, scratch: scratch)
        }
    }

    public static func int8Dense(_ p: Int8DenseParameters, input: UnsafePointer<Int8>, weight: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Int8>) {
        Int8Kernels.dense(p, input: input, weight: weight, bias: bias, output: output)
    }

    public static func int8MaxPool1D(_ p: Pool1DParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8Kernels.maxPool1D(p, input: input, output: output)
    }

    public static func int8Mean(_ p: Int8MeanParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        Int8Kernels.mean(p, input: input, output: output)
    }
}
