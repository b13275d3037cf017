/// Kernels over plain integer tensors (int8…uint64 without quantization parameters),
/// written once over `FixedWidthInteger` and specialized for each element type where
/// `IntegerStep.run` names the type, so that no existential is involved.
///
/// Arithmetic follows ONNX (and NumPy): Add, Sub and Mul wrap around in the element
/// type; Div truncates toward zero, and `T.min / -1` wraps to `T.min`. Division by zero
/// yields 0, what Cortex-M's SDIV and UDIV return with the divide-by-zero trap off (and
/// NumPy's integer `//`), so that the device and the host agree and `invoke` needs no
/// error path; ONNX leaves the result undefined.
///
/// Each op's integer kernels live in its file under `Ops/`.
public enum IntegerKernels {
    @inlinable @inline(__always)
    public static func combine<T: FixedWidthInteger>(_ op: BinaryOperator, _ x: T, _ y: T) -> T {
        switch op {
        case .add: return x &+ y
        case .sub: return x &- y
        case .mul: return x &* y
        case .div: return y == 0 ? 0 : x.dividedReportingOverflow(by: y).partialValue
        case .max: return x > y ? x : y
        case .min: return x < y ? x : y
        case .pow: return integerPower(x, y)
        case .squaredDifference: return (x &- y) &* (x &- y)
        case .prelu: return x >= 0 ? x : x &* y
        }
    }

    /// x^y with wrapping multiplication (ONNX Pow of integers); a negative exponent
    /// gives the integer part of the reciprocal: 1 for x = 1, ±1 for x = −1, else 0.
    @inlinable
    public static func integerPower<T: FixedWidthInteger>(_ x: T, _ y: T) -> T {
        if y < 0 {
            if x == 1 { return 1 }
            if T.isSigned && x == T(truncatingIfNeeded: -1) { return y & 1 == 0 ? 1 : x }
            return 0
        }
        var result: T = 1, base = x, e = y
        while e > 0 {
            if e & 1 == 1 { result = result &* base }
            base = base &* base
            e >>= 1
        }
        return result
    }
}

/// A compiled step over plain integers; `run` specializes it for the element type.
@usableFromInline
enum IntegerStep {
    case binary(BinaryParameters, UnsafeRawPointer, UnsafeRawPointer, UnsafeMutableRawPointer)
    /// The bounds point at one-element constants of the element type.
    case clamp(count: Int, UnsafeRawPointer, min: UnsafeRawPointer, max: UnsafeRawPointer, UnsafeMutableRawPointer)
    case maxPool1D(Pool1DParameters, UnsafeRawPointer, UnsafeMutableRawPointer)
    /// Parameters out of line, as the float N-d window steps keep them.
    case maxPoolND(UnsafePointer<PoolNDParameters>, UnsafeRawPointer, UnsafeMutableRawPointer)

    /// The `KernelSet` requirement the step calls.
    var kernelName: String {
        switch self {
        case .binary: return "integerBinary"
        case .clamp: return "integerClamp"
        case .maxPool1D: return "integerMaxPool1D"
        case .maxPoolND: return "integerMaxPoolND"
        }
    }

    @inlinable
    func run<K: KernelSet>(_ type: DType, _ kernels: K.Type) {
        switch type {
        case .int8: run(as: Int8.self, kernels)
        case .int16: run(as: Int16.self, kernels)
        case .int32: run(as: Int32.self, kernels)
        case .int64: run(as: Int64.self, kernels)
        case .uint8: run(as: UInt8.self, kernels)
        case .uint16: run(as: UInt16.self, kernels)
        case .uint32: run(as: UInt32.self, kernels)
        case .uint64: run(as: UInt64.self, kernels)
        case .float32, .bool: break  // never compiled into an integer step
        }
    }

    @inlinable
    func run<T: FixedWidthInteger, K: KernelSet>(as: T.Type, _ kernels: K.Type) {
        switch self {
        case .binary(let p, let a, let b, let y):
            K.integerBinary(p, a: a.assumingMemoryBound(to: T.self), b: b.assumingMemoryBound(to: T.self), output: y.assumingMemoryBound(to: T.self))
        case .clamp(let count, let x, let lo, let hi, let y):
            K.integerClamp(count: count, input: x.assumingMemoryBound(to: T.self), min: lo.loadUnaligned(as: T.self),
                                 max: hi.loadUnaligned(as: T.self), output: y.assumingMemoryBound(to: T.self))
        case .maxPool1D(let p, let x, let y):
            K.integerMaxPool1D(p, input: x.assumingMemoryBound(to: T.self), output: y.assumingMemoryBound(to: T.self))
        case .maxPoolND(let p, let x, let y):
            K.integerMaxPoolND(p.pointee, input: x.assumingMemoryBound(to: T.self), output: y.assumingMemoryBound(to: T.self))
        }
    }
}
