/// RR-interval features of one beat, in seconds, and the four normalized
/// inputs the arrhythmia model takes.
///
/// Latency implied by each feature (beyond the QRS detection delay):
/// - `preRR`, `localRR`, `longRR`: none; known when the beat's R is detected.
/// - `postRR`: one RR interval plus the next beat's detection delay, because it
///   needs the next R peak. A device classifying in real time waits for it.
public struct RRFeatures: Sendable, Equatable {
    /// R(i) − R(i−1).
    public var preRR: Float
    /// R(i+1) − R(i).
    public var postRR: Float
    /// Mean of the last `localCount` RR intervals up to and including `preRR`.
    public var localRR: Float
    /// Mean of the last `longCount` RR intervals up to and including `preRR`:
    /// the patient's running rhythm, causal and fixed-memory (unlike de Chazal's ±5 min mean).
    public var longRR: Float
    /// Mean absolute difference of successive intervals among the last `localCount`
    /// up to and including `preRR`: how irregular the local rhythm is (atrial
    /// fibrillation's irregularly irregular rhythm is large against `localRR`).
    public var variationRR: Float = 0

    /// Model inputs, each normalized to the patient's own running rhythm so they
    /// transfer between patients: pre/long, post/long, local/long, pre/post.
    public var normalized: [Float] { [preRR / longRR, postRR / longRR, localRR / longRR, preRR / postRR] }
    public var raw: [Float] { [preRR, postRR, localRR, longRR] }
    /// `raw` and `variationRR`: the `/rr` columns of `vigil dataset beats`.
    public var intervals: [Float] { [preRR, postRR, localRR, longRR, variationRR] }

    /// The one formula both the streaming and the batch form use, from integer
    /// sample counts, so their results are bit-identical.
    static func make(pre: Int, post: Int, localSum: Int, localCount: Int, longSum: Int, longCount: Int,
                     variationSum: Int, variationCount: Int, rate: Double) -> RRFeatures {
        let r = Float(rate)
        return RRFeatures(preRR: Float(pre) / r, postRR: Float(post) / r,
                          localRR: Float(localSum) / Float(localCount) / r,
                          longRR: Float(longSum) / Float(longCount) / r,
                          variationRR: variationCount > 0 ? Float(variationSum) / Float(variationCount) / r : 0)
    }

    /// Σ|rr[k] − rr[k−1]| over the successive pairs among the last `count` intervals
    /// ending at `end` (exclusive), read through `interval`, and the number of pairs.
    static func variation(end: Int, count: Int, _ interval: (Int) -> Int) -> (sum: Int, pairs: Int) {
        let first = max(0, end - count)
        var sum = 0
        if end - first < 2 { return (0, 0) }
        for k in (first + 1)..<end { sum += abs(interval(k) - interval(k - 1)) }
        return (sum, end - first - 1)
    }
}

/// Settings shared by the streaming and batch forms.
public struct RRConfiguration: Sendable, Equatable {
    public var sampleRate: Double
    /// Intervals in the local mean (10 beats, as in de Chazal 2004).
    public var localCount: Int = 10
    /// Intervals in the long-term mean (256 ≈ 3.5 min at 72 bpm; 1 KiB of state).
    public var longCount: Int = 256

    public init(sampleRate: Double, localCount: Int = 10, longCount: Int = 256) {
        self.sampleRate = sampleRate; self.localCount = localCount; self.longCount = longCount
    }
}

/// Streaming form: feed R-peak positions in order; each call returns the
/// features of the previous beat, now that its post-RR is known. The first
/// beat of a stream has no pre-RR and yields nothing. Fixed memory: a ring of
/// `longCount` intervals and two running integer sums.
public struct RRTracker: Sendable {
    public let configuration: RRConfiguration
    private var intervals: [Int]
    private var written = 0
    private var localSum = 0, longSum = 0
    private var last: Int?
    /// The previous beat's pre-RR and the window sums at that beat.
    private var previous: (pre: Int, localSum: Int, localCount: Int, longSum: Int, longCount: Int, variationSum: Int, variationPairs: Int)?

    public init(configuration: RRConfiguration) {
        self.configuration = configuration
        intervals = [Int](repeating: 0, count: max(configuration.longCount, configuration.localCount))
    }

    /// Adds the R peak at sample `r`; returns the features of the beat before it, if it had a pre-RR.
    public mutating func add(rPeak r: Int) -> (sample: Int, features: RRFeatures)? {
        defer { last = r }
        guard let last else { return nil }
        let rr = r - last
        var result: (sample: Int, features: RRFeatures)?
        if let p = previous {
            result = (last, RRFeatures.make(pre: p.pre, post: rr, localSum: p.localSum, localCount: p.localCount,
                                            longSum: p.longSum, longCount: p.longCount,
                                            variationSum: p.variationSum, variationCount: p.variationPairs, rate: configuration.sampleRate))
        }
        // Push rr and update both running sums (ring indexed by interval number).
        let size = intervals.count
        if written >= configuration.localCount { localSum -= intervals[(written - configuration.localCount) % size] }
        if written >= configuration.longCount { longSum -= intervals[(written - configuration.longCount) % size] }
        intervals[written % size] = rr
        written += 1
        localSum += rr
        longSum += rr
        let variation = RRFeatures.variation(end: written, count: configuration.localCount) { intervals[$0 % size] }
        previous = (rr, localSum, min(written, configuration.localCount), longSum, min(written, configuration.longCount),
                    variation.sum, variation.pairs)
        return result
    }
}

/// Batch form: features for every beat that has both neighbours, computed
/// directly from the interval list (an independent code path from `RRTracker`).
public enum RRBatch {
    public static func features(rPeaks: [Int], configuration: RRConfiguration) -> [(sample: Int, features: RRFeatures)] {
        guard rPeaks.count >= 3 else { return [] }
        let rr = zip(rPeaks.dropFirst(), rPeaks).map { $0 - $1 }  // rr[k] = R(k+1) − R(k)
        var out: [(sample: Int, features: RRFeatures)] = []
        for i in 1..<(rPeaks.count - 1) {
            let end = i  // intervals rr[0..<i] precede beat i; rr[i-1] is its pre-RR
            let localStart = max(0, end - configuration.localCount)
            let longStart = max(0, end - configuration.longCount)
            let localSum = rr[localStart..<end].reduce(0, +)
            let longSum = rr[longStart..<end].reduce(0, +)
            var variationSum = 0
            for k in (localStart + 1)..<max(localStart + 1, end) { variationSum += abs(rr[k] - rr[k - 1]) }
            out.append((rPeaks[i], RRFeatures.make(pre: rr[i - 1], post: rr[i], localSum: localSum, localCount: end - localStart,
                                                   longSum: longSum, longCount: end - longStart,
                                                   variationSum: variationSum, variationCount: max(0, end - localStart - 1),
                                                   rate: configuration.sampleRate)))
        }
        return out
    }
}
