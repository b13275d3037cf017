/// Copies between strided views, the machinery of the ops that only move elements
/// (Ops/DataMovement.swift) and of a Concatenate's constant operands: a strided copy's
/// strides are computed once, when a step is planned.

/// A copy between two strided views: `table` holds `rank` sizes, then the input's and
/// the output's stride of each axis, in bytes. Strides may be zero (broadcast) or
/// negative (a backwards slice); the input pointer a kernel gets is already offset to
/// the first element read.
public struct StridedCopyParameters {
    public var rank: Int
    public var elementBytes: Int
    public var table: UnsafePointer<Int>

    public init(rank: Int, elementBytes: Int, table: UnsafePointer<Int>) {
        self.rank = rank; self.elementBytes = elementBytes; self.table = table
    }
}

extension ReferenceKernels {
    /// Copies `outer` chunks of `chunk` floats from `input` to every `stride`-th
    /// position of `output`: one input's share of a concatenation.
    public static func interleave(outer: Int, chunk: Int, stride: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        for o in 0..<outer {
            (output + o * stride).copyMemory(from: input + o * chunk, byteCount: chunk)
        }
    }

    public static func stridedCopy(_ p: StridedCopyParameters, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
        let r = p.rank, e = p.elementBytes
        let sizes = p.table, inStrides = p.table + r, outStrides = p.table + 2 * r
        let inner = sizes[r - 1], innerIn = inStrides[r - 1], innerOut = outStrides[r - 1]
        var rows = 1
        for k in 0..<(r - 1) { rows *= sizes[k] }
        for row in 0..<rows {
            // The row's position, decomposed axis by axis: no index array to allocate.
            var rest = row, from = 0, to = 0
            var k = r - 2
            while k >= 0 {
                let i = rest % sizes[k]
                rest /= sizes[k]
                from += i * inStrides[k]
                to += i * outStrides[k]
                k -= 1
            }
            if innerIn == e && innerOut == e {
                (output + to).copyMemory(from: input + from, byteCount: inner * e)
            } else {
                for j in 0..<inner {
                    (output + to + j * innerOut).copyMemory(from: input + from + j * innerIn, byteCount: e)
                }
            }
        }
    }
}

extension StepBuilder {
    /// Row-major strides in bytes of a shape.
    static func byteStrides(_ shape: [Int], elementBytes: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var step = elementBytes
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }
}

extension StepBuilder {
    /// A strided copy of `sizes` elements whose table the interpreter owns.
    mutating func stridedCopy(sizes: [Int], inputStrides: [Int], outputStrides: [Int], elementBytes: Int) -> StridedCopyParameters {
        let values = sizes + inputStrides + outputStrides
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(values.count, 1) * MemoryLayout<Int>.stride, alignment: MemoryLayout<Int>.alignment)
        tables.append(buffer)
        let table = buffer.bindMemory(to: Int.self, capacity: values.count)
        for i in values.indices { table[i] = values[i] }
        return StridedCopyParameters(rank: sizes.count, elementBytes: elementBytes, table: UnsafePointer(table))
    }
}
