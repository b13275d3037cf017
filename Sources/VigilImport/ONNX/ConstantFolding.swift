import VigilRuntime

/// Evaluation of ops whose inputs are all known at import, so that shape arithmetic
/// and weight preprocessing never reach the Vigil graph.
enum ConstantFolding {
    enum Failure: Error {
        case shapes(String)
        case batchDependent
    }

    /// Numpy broadcast shape, aligned at the last axis.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    static func binary(_ op: BinaryOperator, _ a: ConstantTensor, _ b: ConstantTensor) throws(Failure) -> ConstantTensor {
        guard let shape = broadcastShape(a.shape, b.shape) else { throw .shapes("shapes \(a.shape) and \(b.shape) do not broadcast") }
        if ConstantTensor.foldedElementCount(shape) == nil { throw .shapes("the result \(shape) has \(ConstantTensor.foldedLimitReason)") }
        let x = a.broadcast(to: shape), y = b.broadcast(to: shape)
        if case .int(let u) = x.storage, case .int(let v) = y.storage {
            var out = [Int64](repeating: 0, count: u.count)
            for i in u.indices {
                if ConstantTensor.batchFactor(u[i]) != nil || ConstantTensor.batchFactor(v[i]) != nil {
                    out[i] = try symbolic(op, u[i], v[i])
                    continue
                }
                switch op {
                case .add: out[i] = u[i] &+ v[i]
                case .sub: out[i] = u[i] &- v[i]
                case .mul: out[i] = u[i] &* v[i]
                case .div:
                    if v[i] == 0 { throw .shapes("integer division by zero") }
                    out[i] = u[i] == Int64.min && v[i] == -1 ? Int64.min : u[i] / v[i]
                case .max: out[i] = Swift.max(u[i], v[i])
                case .min: out[i] = Swift.min(u[i], v[i])
                case .pow: out[i] = IntegerKernels.integerPower(u[i], v[i])
                case .squaredDifference: out[i] = (u[i] &- v[i]) &* (u[i] &- v[i])
                case .prelu: out[i] = u[i] >= 0 ? u[i] : u[i] &* v[i]
                }
            }
            return ConstantTensor(shape: shape, ints: out)
        }
        if x.containsBatchSymbol || y.containsBatchSymbol { throw .batchDependent }
        let u = x.floats, v = y.floats
        var out = [Float](repeating: 0, count: u.count)
        for i in u.indices {
            switch op {
            case .add: out[i] = u[i] + v[i]
            case .sub: out[i] = u[i] - v[i]
            case .mul: out[i] = u[i] * v[i]
            case .div: out[i] = u[i] / v[i]
            case .max: out[i] = u[i].isNaN || v[i].isNaN ? .nan : Swift.max(u[i], v[i])
            case .min: out[i] = u[i].isNaN || v[i].isNaN ? .nan : Swift.min(u[i], v[i])
            case .pow: out[i] = VMath.pow(u[i], v[i])
            case .squaredDifference: out[i] = (u[i] - v[i]) * (u[i] - v[i])
            case .prelu: out[i] = u[i] >= 0 ? u[i] : v[i] * u[i]
            }
        }
        return ConstantTensor(shape: shape, floats: out)
    }

    /// Arithmetic on a symbolic batch dimension that stays one: the batch times a
    /// positive size, and Max or Min of two equal dimensions (einsum's broadcast of
    /// the batch axes); anything else needs the batch size.
    static func symbolic(_ op: BinaryOperator, _ a: Int64, _ b: Int64) throws(Failure) -> Int64 {
        switch op {
        case .max, .min:
            if a == b { return a }
        case .mul:
            if let f = ConstantTensor.batchFactor(a), ConstantTensor.batchFactor(b) == nil, b > 0, b <= Int64(ConstantTensor.maxElements / f) { return ConstantTensor.batchTimes(f * Int(b)) }
            if let f = ConstantTensor.batchFactor(b), ConstantTensor.batchFactor(a) == nil, a > 0, a <= Int64(ConstantTensor.maxElements / f) { return ConstantTensor.batchTimes(f * Int(a)) }
        case .add, .sub, .div, .pow, .squaredDifference, .prelu:
            break
        }
        throw .batchDependent
    }

    static func unary(_ a: Activation, _ x: ConstantTensor) throws(Failure) -> ConstantTensor {
        if x.containsBatchSymbol { throw .batchDependent }
        return ConstantTensor(shape: x.shape, floats: x.floats.map { ReferenceKernels.apply(a, $0) })
    }

    static func reshape(_ x: ConstantTensor, to shape: [Int]) -> ConstantTensor {
        var r = x
        r.shape = shape
        return r
    }

    static func concat(_ parts: [ConstantTensor], axis: Int) throws(Failure) -> ConstantTensor {
        guard let first = parts.first else { throw .shapes("nothing to concatenate") }
        var shape = first.shape
        shape[axis] = 0
        for p in parts {
            if p.shape.count != first.shape.count { throw .shapes("ranks differ") }
            for d in p.shape.indices where d != axis && p.shape[d] != first.shape[d] { throw .shapes("shapes \(first.shape) and \(p.shape) differ off the axis") }
            shape[axis] += p.shape[axis]
            if ConstantTensor.foldedElementCount(shape) == nil { throw .shapes("the result has \(ConstantTensor.foldedLimitReason)") }
        }
        var outer = 1
        for d in 0..<axis { outer *= shape[d] }
        var inner = 1
        for d in (axis + 1)..<shape.count { inner *= shape[d] }
        let allFloat = parts.allSatisfy(\.isFloat)
        func join<T>(_ arrays: [[T]]) -> [T] {
            var out: [T] = []
            for o in 0..<outer {
                for (i, a) in arrays.enumerated() {
                    let chunk = parts[i].shape[axis] * inner
                    out.append(contentsOf: a[(o * chunk)..<((o + 1) * chunk)])
                }
            }
            return out
        }
        if allFloat { return ConstantTensor(shape: shape, floats: join(parts.map(\.floats))) }
        return ConstantTensor(shape: shape, ints: join(parts.map(\.ints)))
    }

    /// ONNX Gather along `axis` with (already bounds-checked, non-negative) indices.
    static func gather(_ data: ConstantTensor, indices: [Int], indexShape: [Int], axis: Int) -> ConstantTensor {
        let shape = Array(data.shape[..<axis]) + indexShape + Array(data.shape[(axis + 1)...])
        var outer = 1
        for d in 0..<axis { outer *= data.shape[d] }
        var inner = 1
        for d in (axis + 1)..<data.shape.count { inner *= data.shape[d] }
        let n = data.shape[axis]
        func pick<T>(_ v: [T]) -> [T] {
            var out: [T] = []
            for o in 0..<outer {
                for i in indices { out.append(contentsOf: v[((o * n + i) * inner)..<((o * n + i + 1) * inner)]) }
            }
            return out
        }
        return ConstantTensor(shape: shape, storage: data.mapStorage(pick, pick))
    }

    /// Elements at index lists per axis (a Slice with its ranges resolved).
    static func select(_ data: ConstantTensor, ranges: [[Int]]) -> ConstantTensor {
        let shape = ranges.map(\.count)
        let strides = ConstantTensor.strides(data.shape)
        let total = ConstantTensor.elementCount(shape) ?? 0
        func pick<T>(_ v: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(total)
            if total == 0 { return out }
            var index = [Int](repeating: 0, count: shape.count)
            for _ in 0..<total {
                var offset = 0
                for k in index.indices { offset += ranges[k][index[k]] * strides[k] }
                out.append(v[offset])
                var k = shape.count - 1
                while k >= 0 {
                    index[k] += 1
                    if index[k] < shape[k] { break }
                    index[k] = 0
                    k -= 1
                }
            }
            return out
        }
        return ConstantTensor(shape: shape, storage: data.mapStorage(pick, pick))
    }

    /// 2-D (or broadcast-free batched) float matrix product.
    static func matMul(_ a: ConstantTensor, _ b: ConstantTensor) throws(Failure) -> ConstantTensor {
        guard a.shape.count == 2, b.shape.count == 2, a.shape[1] == b.shape[0] else {
            throw .shapes("only 2-D constant matrix products fold; got \(a.shape) · \(b.shape)")
        }
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let x = a.floats, y = b.floats
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for t in 0..<k { s += x[i * k + t] * y[t * n + j] }
            out[i * n + j] = s
        } }
        return ConstantTensor(shape: [m, n], floats: out)
    }
}

extension ConstantFolding {
    /// ONNX Reduce* over sorted, distinct `axes` of a constant. Integer data keeps its
    /// type (ReduceMean truncates); a product over a shape vector holding the batch is
    /// the batch times the other dimensions.
    static func reduce(_ r: ONNXGraphConverter.Reduction, _ x: ConstantTensor, axes: [Int], keepDims: Bool) throws(Failure) -> ConstantTensor {
        var outShape = x.shape
        for a in axes { outShape[a] = 1 }
        let strides = ConstantTensor.strides(x.shape), outStrides = ConstantTensor.strides(outShape)
        let total = x.count, outTotal = ConstantTensor.elementCount(outShape) ?? 0
        let per = outTotal == 0 ? 0 : total / outTotal
        if per == 0 && (r == .max || r == .min) { throw .shapes("\(r.rawValue) of an empty tensor") }
        /// The output element each input element reduces into.
        func target(_ flat: Int) -> Int {
            var rest = flat, out = 0
            for axis in x.shape.indices {
                let i = rest / strides[axis]
                rest -= i * strides[axis]
                if !axes.contains(axis) { out += i * outStrides[axis] }
            }
            return out
        }
        let resultShape = keepDims ? outShape : x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        switch x.storage {
        case .int(let v):
            var out = [Int64](repeating: r == .prod ? 1 : 0, count: outTotal)
            var seen = [Bool](repeating: false, count: outTotal)
            for i in v.indices {
                let t = target(i), e = v[i]
                let symbolic = ConstantTensor.batchFactor(e) != nil || ConstantTensor.batchFactor(out[t]) != nil
                switch r {
                case .sum, .mean:
                    if symbolic { throw .batchDependent }
                    out[t] &+= e
                case .prod:
                    out[t] = symbolic ? try ConstantFolding.symbolic(.mul, out[t], e) : out[t] &* e
                case .max, .min:
                    if !seen[t] { out[t] = e } else if symbolic { out[t] = try ConstantFolding.symbolic(r == .max ? .max : .min, out[t], e) } else { out[t] = r == .max ? Swift.max(out[t], e) : Swift.min(out[t], e) }
                }
                seen[t] = true
            }
            if r == .mean && per > 0 { out = out.map { $0 / Int64(per) } }
            return ConstantTensor(shape: resultShape, ints: out)
        case .float(let v):
            var out = [Float](repeating: r == .prod ? 1 : 0, count: outTotal)
            var seen = [Bool](repeating: false, count: outTotal)
            for i in v.indices {
                let t = target(i), e = v[i]
                switch r {
                case .sum, .mean: out[t] += e
                case .prod: out[t] *= e
                case .max: out[t] = !seen[t] || e.isNaN || e > out[t] ? e : out[t]
                case .min: out[t] = !seen[t] || e.isNaN || e < out[t] ? e : out[t]
                }
                seen[t] = true
            }
            if r == .mean { out = out.map { $0 / Float(per) } }
            return ConstantTensor(shape: resultShape, floats: out)
        }
    }
}
