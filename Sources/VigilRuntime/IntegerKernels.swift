/// Kernels over plain integer tensors (int8…uint64 without quantization parameters),
/// written once over `FixedWidthInteger` and specialized for each element type where
/// `IntegerStep.run` names the type, so that no existential is involved.
///
/// Arithmetic follows ONNX (and NumPy): Add, Sub and Mul wrap around in the element
/// type; Div truncates toward zero, and `T.min / -1` wraps to `T.min`. Division by zero
/// yields 0, what Cortex-M's SDIV and UDIV return with the divide-by-zero trap off (and
/// NumPy's integer `//`), so that the device and the host agree and `invoke` needs no
/// error path; ONNX leaves the result undefined.
public enum IntegerKernels {
    @inlinable @inline(__always)
    public static func combine<T: FixedWidthInteger>(_ op: BinaryOperator, _ x: T, _ y: T) -> T {
        switch op {
        case .add: return x &+ y
        case .sub: return x &- y
        case .mul: return x &* y
        case .div: return y == 0 ? 0 : x.dividedReportingOverflow(by: y).partialValue
        }
    }

    /// Elementwise with the broadcasting strides of `p`, as `ReferenceKernels.binary`.
    /// The activation is linear: shape inference admits no other on integers.
    public static func binary<T: FixedWidthInteger>(_ p: BinaryParameters, a: UnsafePointer<T>, b: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        p.forEachElement { i, j, out in output[out] = combine(p.op, a[i], b[j]) }
    }

    /// min(max(x, lo), hi): where lo > hi every element becomes hi, as ONNX Clip does.
    public static func clamp<T: FixedWidthInteger>(count: Int, input: UnsafePointer<T>, min lo: T, max hi: T, output: UnsafeMutablePointer<T>) {
        for i in 0..<count {
            let x = input[i]
            output[i] = Swift.min(x < lo ? lo : x, hi)
        }
    }

    /// Max over each window's positions inside the input (padding never wins).
    public static func maxPool1D<T: FixedWidthInteger>(_ p: Pool1DParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        for b in 0..<p.batch {
            for t in 0..<p.outLength {
                for c in 0..<p.channels {
                    var m = T.min
                    for k in 0..<p.poolSize {
                        let pos = t * p.stride + k - p.padLeft
                        if pos < 0 || pos >= p.inLength { continue }
                        m = Swift.max(m, input[(b * p.inLength + pos) * p.channels + c])
                    }
                    output[(b * p.outLength + t) * p.channels + c] = m
                }
            }
        }
    }

    /// `ReferenceKernels.poolND`'s max over one to three spatial axes.
    public static func maxPoolND<T: FixedWidthInteger>(_ p: PoolNDParameters, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        let g = p.geometry
        let (n0, n1, n2) = g.inSize, (m0, m1, m2) = g.outSize, (k0, k1, k2) = g.kernel
        let (s0, s1, s2) = g.stride, (d0, d1, d2) = g.dilation, (b0, b1, b2) = g.padBegin
        let channels = p.channels
        var y = output
        for b in 0..<g.batch {
            let x = input + b * g.inPositions * channels
            for t0 in 0..<m0 { for t1 in 0..<m1 { for t2 in 0..<m2 {
                for c in 0..<channels {
                    var m = T.min
                    for j0 in 0..<k0 {
                        let i0 = t0 * s0 + j0 * d0 - b0
                        if i0 < 0 || i0 >= n0 { continue }
                        for j1 in 0..<k1 {
                            let i1 = t1 * s1 + j1 * d1 - b1
                            if i1 < 0 || i1 >= n1 { continue }
                            for j2 in 0..<k2 {
                                let i2 = t2 * s2 + j2 * d2 - b2
                                if i2 < 0 || i2 >= n2 { continue }
                                m = Swift.max(m, x[((i0 * n1 + i1) * n2 + i2) * channels + c])
                            }
                        }
                    }
                    y[c] = m
                }
                y += channels
            } } }
        }
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

    @inlinable
    func run(_ type: DType) {
        switch type {
        case .int8: run(as: Int8.self)
        case .int16: run(as: Int16.self)
        case .int32: run(as: Int32.self)
        case .int64: run(as: Int64.self)
        case .uint8: run(as: UInt8.self)
        case .uint16: run(as: UInt16.self)
        case .uint32: run(as: UInt32.self)
        case .uint64: run(as: UInt64.self)
        case .float32, .bool: break  // never compiled into an integer step
        }
    }

    @inlinable
    func run<T: FixedWidthInteger>(as: T.Type) {
        switch self {
        case .binary(let p, let a, let b, let y):
            IntegerKernels.binary(p, a: a.assumingMemoryBound(to: T.self), b: b.assumingMemoryBound(to: T.self), output: y.assumingMemoryBound(to: T.self))
        case .clamp(let count, let x, let lo, let hi, let y):
            IntegerKernels.clamp(count: count, input: x.assumingMemoryBound(to: T.self), min: lo.loadUnaligned(as: T.self),
                                 max: hi.loadUnaligned(as: T.self), output: y.assumingMemoryBound(to: T.self))
        case .maxPool1D(let p, let x, let y):
            IntegerKernels.maxPool1D(p, input: x.assumingMemoryBound(to: T.self), output: y.assumingMemoryBound(to: T.self))
        case .maxPoolND(let p, let x, let y):
            IntegerKernels.maxPoolND(p.pointee, input: x.assumingMemoryBound(to: T.self), output: y.assumingMemoryBound(to: T.self))
        }
    }
}
