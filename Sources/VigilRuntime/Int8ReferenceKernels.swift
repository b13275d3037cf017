/// Portable int8 kernels: integer arithmetic only (no float inside convolution, dense,
/// pooling, add, mean or softmax), following TFLite's reference kernels
/// (`reference_integer_ops`) step by step so that results are bit-identical to LiteRT
/// run with BUILTIN_REF. They run on the device and are the oracle for the host's
/// optimized int8 kernels.
///
/// Each op's int8 kernels live in its file under `Ops/`.
public enum Int8ReferenceKernels {}
