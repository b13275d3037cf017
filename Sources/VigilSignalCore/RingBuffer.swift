/// A fixed-size history of the most recent samples, indexed by absolute
/// sample number. Memory is allocated once, at initialization.
public struct RingBuffer: Sendable {
    private var storage: [Float]
    private let mask: Int
    /// Absolute index of the next sample to be written.
    public private(set) var count: Int = 0

    /// The capacity is rounded up to a power of two so indexing is a mask.
    public init(capacity: Int) {
        var size = 1
        while size < max(capacity, 1) { size <<= 1 }
        storage = [Float](repeating: 0, count: size)
        mask = size - 1
    }

    public var capacity: Int { storage.count }

    @inline(__always)
    public mutating func append(_ value: Float) {
        storage[count & mask] = value
        count += 1
    }

    /// True when absolute sample `index` is still held.
    @inline(__always)
    public func holds(_ index: Int) -> Bool { index >= 0 && index < count && index >= count - storage.count }

    /// The sample with absolute index `index`; the caller checks `holds(_:)`.
    @inline(__always)
    public subscript(index: Int) -> Float { storage[index & mask] }
}

/// A fixed-length running mean over the last `length` values (8 in the
/// classic Pan-Tompkins/OSEA buffers), seeded with an initial value.
struct RunningMean: Sendable {
    private var values: [Float]
    private var next = 0
    private(set) var mean: Float

    init(length: Int, initial: Float) {
        values = [Float](repeating: initial, count: length)
        mean = initial
    }

    mutating func push(_ value: Float) {
        values[next] = value
        next = (next + 1) % values.count
        var sum: Float = 0
        for v in values { sum += v }
        mean = sum / Float(values.count)
    }

    mutating func fill(_ value: Float) {
        for i in values.indices { values[i] = value }
        mean = value
    }

    mutating func replace(with newValues: [Float]) {
        values = newValues
        next = 0
        var sum: Float = 0
        for v in values { sum += v }
        mean = sum / Float(values.count)
    }
}
