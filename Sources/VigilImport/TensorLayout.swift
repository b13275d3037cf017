/// How a framework's view of a tensor maps onto the tensor Vigil stores, batch
/// included. Vigil converts layouts once, at import, by rewriting weights; a caller
/// that holds framework-ordered data (an .npy file) transposes it at the boundary with
/// `toVigil` and `toFramework`.
///
/// Example: an ONNX Conv model sees a signal as [N, C, L] (channels first) while Vigil
/// stores [N, L, C]: that is `.channelsFirst`, whose `storedAxes` are [0, 2, 1].
public struct TensorLayout: Sendable, Equatable, CustomStringConvertible {
    /// For each axis of the stored tensor (batch first), the framework axis it holds,
    /// or -1 for a stored unit axis the framework does not see (the batch of a
    /// batch-free model, which holds one sample).
    public var storedAxes: [Int]
    /// Rank of the tensor as the framework sees it. Framework axes missing from
    /// `storedAxes` have size 1 (a GRU's direction axis, a pooled spatial axis).
    public var frameworkRank: Int

    public init(storedAxes: [Int], frameworkRank: Int) {
        self.storedAxes = storedAxes
        self.frameworkRank = frameworkRank
    }

    /// Same axes in the same order.
    public static func native(rank: Int) -> TensorLayout {
        TensorLayout(storedAxes: Array(0..<rank), frameworkRank: rank)
    }

    /// A batch-free tensor: the framework's whole tensor is one Vigil sample, stored
    /// after a leading unit batch axis, so framework axis k is stored axis k + 1.
    public static func batchFree(rank: Int) -> TensorLayout {
        TensorLayout(storedAxes: [-1] + Array(0..<rank), frameworkRank: rank)
    }

    /// Whether the stored batch axis is a unit axis the framework does not see.
    public var isBatchFree: Bool { storedAxes.first.map { $0 < 0 } ?? false }

    /// The framework sees [N, C, L], Vigil stores [N, L, C].
    public static let channelsFirst = TensorLayout(storedAxes: [0, 2, 1], frameworkRank: 3)

    public var isNative: Bool { storedAxes == Array(0..<frameworkRank) }
    public var isChannelsFirst: Bool { self == .channelsFirst }

    public var description: String {
        if isNative { return "native" }
        if isChannelsFirst { return "channelsFirst" }
        return "framework axes \(storedAxes) of rank \(frameworkRank)"
    }

    /// The stored shape (batch included) for a framework shape.
    public func storedShape(frameworkShape: [Int]) -> [Int]? {
        guard frameworkShape.count == frameworkRank else { return nil }
        for axis in 0..<frameworkRank where !storedAxes.contains(axis) && frameworkShape[axis] != 1 { return nil }
        return storedAxes.map { $0 < 0 ? 1 : frameworkShape[$0] }
    }

    /// The framework shape for a stored shape (batch included).
    public func frameworkShape(storedShape: [Int]) -> [Int]? {
        guard storedShape.count == storedAxes.count else { return nil }
        var shape = [Int](repeating: 1, count: frameworkRank)
        for (i, axis) in storedAxes.enumerated() {
            if axis < 0 {
                if storedShape[i] != 1 { return nil }
            } else {
                shape[axis] = storedShape[i]
            }
        }
        return shape
    }

    /// Rearranges row-major framework-ordered values into Vigil's order.
    public func toVigil<T>(_ values: [T], frameworkShape: [Int]) -> [T]? {
        guard let stored = storedShape(frameworkShape: frameworkShape) else { return nil }
        return TensorLayout.gather(values, sourceShape: frameworkShape, targetShape: stored, targetAxes: storedAxes)
    }

    /// Rearranges row-major Vigil-ordered values into the framework's order.
    public func toFramework<T>(_ values: [T], storedShape: [Int]) -> [T]? {
        guard let framework = frameworkShape(storedShape: storedShape) else { return nil }
        // The inverse map: framework axis j is stored axis position(j), or a unit axis.
        var inverse = [Int](repeating: -1, count: frameworkRank)
        for (i, axis) in storedAxes.enumerated() where axis >= 0 { inverse[axis] = i }
        var sourceAxes: [Int] = []
        var extended = storedShape
        for j in 0..<frameworkRank {
            if inverse[j] >= 0 { sourceAxes.append(inverse[j]) } else { sourceAxes.append(extended.count); extended.append(1) }
        }
        return TensorLayout.gather(values, sourceShape: extended, targetShape: framework, targetAxes: sourceAxes)
    }

    /// target[i0, i1, …] = source[index where source axis targetAxes[k] = i_k]; source
    /// axes not named have size 1; a negative target axis is a unit axis the source lacks.
    static func gather<T>(_ values: [T], sourceShape: [Int], targetShape: [Int], targetAxes: [Int]) -> [T]? {
        var count = 1
        for d in sourceShape { count *= d }
        guard values.count == count, !values.isEmpty || count == 0 else { return nil }
        var sourceStrides = [Int](repeating: 1, count: sourceShape.count)
        var s = 1
        for axis in stride(from: sourceShape.count - 1, through: 0, by: -1) {
            sourceStrides[axis] = s
            s *= sourceShape[axis]
        }
        let strides = targetAxes.map { $0 < 0 ? 0 : sourceStrides[$0] }
        var out: [T] = []
        out.reserveCapacity(count)
        var index = [Int](repeating: 0, count: targetShape.count)
        for _ in 0..<count {
            var offset = 0
            for k in index.indices { offset += index[k] * strides[k] }
            out.append(values[offset])
            var k = targetShape.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < targetShape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return out
    }
}
