/// A tensor whose value the importer knows: an initializer, a Constant node's value,
/// or anything folded from them. Float data stays float32 (what Vigil runs);
/// integer and boolean data (shapes, axes, indices) is kept as Int64.
struct ConstantTensor: Sendable, Equatable {
    enum Storage: Sendable, Equatable {
        case float([Float])
        case int([Int64])
    }

    var shape: [Int]
    var storage: Storage

    /// Stands for the batch size in folded shape vectors (Shape of a batched value):
    /// a static graph cannot compute with it, only carry it into a Reshape.
    static let batchSymbol: Int64 = Int64.min + 0x5EED

    /// Stands for the batch size times `factor`: the first dimension of a value whose
    /// first axis merges the batch with others, as ReduceProd over a shape vector
    /// holding the batch computes it (tf2onnx's einsum merges the attention heads so).
    static func batchTimes(_ factor: Int) -> Int64 { batchSymbol + Int64(factor - 1) }

    /// The factor a symbolic batch dimension stands for (1 for the batch itself), or
    /// nil for an ordinary value.
    static func batchFactor(_ v: Int64) -> Int? {
        v >= batchSymbol && v < batchSymbol + Int64(maxElements) ? Int(v - batchSymbol) + 1 : nil
    }

    /// Largest tensor the importer will materialize, to stop a corrupted dimension
    /// from asking for terabytes.
    static let maxElements = 1 << 28

    init(shape: [Int], floats: [Float]) {
        self.shape = shape
        self.storage = .float(floats)
    }

    init(shape: [Int], ints: [Int64]) {
        self.shape = shape
        self.storage = .int(ints)
    }

    var isFloat: Bool {
        if case .float = storage { return true }
        return false
    }

    var count: Int {
        switch storage {
        case .float(let v): return v.count
        case .int(let v): return v.count
        }
    }

    var floats: [Float] {
        switch storage {
        case .float(let v): return v
        case .int(let v): return v.map { Float($0) }
        }
    }

    var ints: [Int64] {
        switch storage {
        case .float(let v): return v.map { $0.isFinite && abs($0) < 9.2e18 ? Int64($0) : 0 }
        case .int(let v): return v
        }
    }

    var containsBatchSymbol: Bool {
        if case .int(let v) = storage { return v.contains { ConstantTensor.batchFactor($0) != nil } }
        return false
    }

    /// Elements of a shape, or nil when a dimension is negative or the product is more
    /// than `limit`.
    static func elementCount(_ shape: [Int], limit: Int = maxElements) -> Int? {
        var n = 1
        for d in shape {
            if d < 0 { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow || p > limit { return nil }
            n = p
        }
        return n
    }

    /// Elements of a constant the importer is about to compute, or nil past
    /// `ImportLimits.maximumFoldedConstantElements`.
    static func foldedElementCount(_ shape: [Int]) -> Int? {
        elementCount(shape, limit: ImportLimits.maximumFoldedConstantElements)
    }

    static var foldedLimitReason: String {
        "more than the \(ImportLimits.maximumFoldedConstantElements)-element limit of a computed constant (ImportLimits.maximumFoldedConstantElements)"
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            s[axis] = step
            step *= shape[axis]
        }
        return s
    }

    /// Applies `transform` to the element array whatever its kind.
    func mapStorage(_ transformFloats: ([Float]) -> [Float], _ transformInts: ([Int64]) -> [Int64]) -> Storage {
        switch storage {
        case .float(let v): return .float(transformFloats(v))
        case .int(let v): return .int(transformInts(v))
        }
    }

    /// The tensor with its axes permuted: result axis i is source axis perm[i].
    func transposed(_ perm: [Int]) -> ConstantTensor {
        let newShape = perm.map { shape[$0] }
        let sourceStrides = ConstantTensor.strides(shape)
        let strides = perm.map { sourceStrides[$0] }
        func gather<T>(_ v: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(v.count)
            var index = [Int](repeating: 0, count: newShape.count)
            for _ in 0..<v.count {
                var offset = 0
                for k in index.indices { offset += index[k] * strides[k] }
                out.append(v[offset])
                var k = newShape.count - 1
                while k >= 0 {
                    index[k] += 1
                    if index[k] < newShape[k] { break }
                    index[k] = 0
                    k -= 1
                }
            }
            return out
        }
        var result = self
        result.shape = newShape
        result.storage = mapStorage(gather, gather)
        return result
    }

    /// Broadcasts to `target` (numpy rules; `target` already the broadcast shape).
    func broadcast(to target: [Int]) -> ConstantTensor {
        if shape == target { return self }
        let rank = target.count
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        let sourceStrides = ConstantTensor.strides(padded)
        let strides = (0..<rank).map { padded[$0] == 1 ? 0 : sourceStrides[$0] }
        let total = ConstantTensor.elementCount(target) ?? 0
        func gather<T>(_ v: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(total)
            var index = [Int](repeating: 0, count: rank)
            for _ in 0..<total {
                var offset = 0
                for k in index.indices { offset += index[k] * strides[k] }
                out.append(v[offset])
                var k = rank - 1
                while k >= 0 {
                    index[k] += 1
                    if index[k] < target[k] { break }
                    index[k] = 0
                    k -= 1
                }
            }
            return out
        }
        return ConstantTensor(shape: target, storage: mapStorage(gather, gather))
    }

    init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }
}
