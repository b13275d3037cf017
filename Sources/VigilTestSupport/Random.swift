// The one SplitMix64 (VigilSignalCore's), for test targets, with the small helpers
// several suites used to define for themselves.
@_exported import struct VigilSignalCore.SplitMix64

extension SplitMix64 {
    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    /// One of `values`, uniformly.
    public mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
}
