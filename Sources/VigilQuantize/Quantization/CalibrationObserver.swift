import Foundation
import VigilRuntime

/// How calibration statistics become an activation tensor's real range [min, max]
/// (DESIGN §4: min/max, percentile and entropy observers).
public enum CalibrationObserver: Sendable, Equatable, CustomStringConvertible {
    /// The exact smallest and largest value seen.
    case minMax
    /// The values below which (100 − p) % and p % of the observations fall, e.g.
    /// p = 99.99: clips rare outliers.
    case percentile(Double)
    /// TensorRT-style entropy calibration: the threshold T on |x| whose 2048-bin
    /// histogram, quantized to 128 levels (255 for one-sided tensors), has the smallest
    /// KL divergence from the original; the range is [min, max] clipped to [−T, T].
    case entropy

    public static let defaultPercentile = 99.99

    /// Parses `minmax`, `percentile` (99.99 %), `percentile:P` and `kl` (or `entropy`).
    public init?(name: String) {
        let lower = name.lowercased()
        switch lower {
        case "minmax", "min-max", "min_max": self = .minMax
        case "percentile": self = .percentile(CalibrationObserver.defaultPercentile)
        case "kl", "entropy": self = .entropy
        default:
            if lower.hasPrefix("percentile:"), let p = Double(lower.dropFirst("percentile:".count)), p > 50, p <= 100 {
                self = .percentile(p)
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .minMax: return "minmax"
        case .percentile(let p): return "percentile(\(p))"
        case .entropy: return "kl"
        }
    }

    /// Whether the observer needs the histogram pass.
    public var needsHistogram: Bool { self != .minMax }
}

/// Statistics of one tensor over the calibration set, collected in two passes: the
/// exact range first, then histograms over that range (signed values over [min, max]
/// for percentiles, magnitudes over [0, max |x|] for the entropy search).
public struct TensorStatistics: Sendable, Equatable {
    public static let bins = 2048

    public private(set) var minimum: Float = .infinity
    public private(set) var maximum: Float = -.infinity
    public private(set) var count = 0
    /// Signed histogram over [minimum, maximum] (filled by the second pass).
    public private(set) var signed: [Double] = []
    /// Histogram of |x| over [0, max(|minimum|, |maximum|)].
    public private(set) var magnitude: [Double] = []
    /// The largest |x| of each channel (the last axis), for cross-layer equalization.
    public private(set) var channelMagnitudes: [Float] = []

    public init() {}

    /// Statistics of `values` with both passes done: for tests and small sets.
    public init(values: [Float]) {
        values.withUnsafeBufferPointer { observeRange($0) }
        values.withUnsafeBufferPointer { observeHistogram($0) }
    }

    public var hasRange: Bool { count > 0 }
    public var magnitudeLimit: Float { max(abs(minimum), abs(maximum)) }

    /// First pass. Non-finite values are ignored.
    public mutating func observeRange(_ values: UnsafeBufferPointer<Float>) {
        var lo = minimum, hi = maximum, n = 0
        for v in values where v.isFinite {
            if v < lo { lo = v }
            if v > hi { hi = v }
            n += 1
        }
        minimum = lo; maximum = hi; count += n
    }

    /// With the first pass: the largest |x| per channel of values laid out [..., channels].
    public mutating func observeChannels(_ values: UnsafeBufferPointer<Float>, channels: Int) {
        guard channels > 0 else { return }
        if channelMagnitudes.count != channels { channelMagnitudes = [Float](repeating: 0, count: channels) }
        for (i, v) in values.enumerated() where v.isFinite && abs(v) > channelMagnitudes[i % channels] {
            channelMagnitudes[i % channels] = abs(v)
        }
    }

    /// Second pass, after every `observeRange`.
    public mutating func observeHistogram(_ values: UnsafeBufferPointer<Float>) {
        guard hasRange else { return }
        let n = TensorStatistics.bins
        if signed.isEmpty {
            signed = [Double](repeating: 0, count: n)
            magnitude = [Double](repeating: 0, count: n)
        }
        let lo = Double(minimum), width = Double(maximum) - lo
        let limit = Double(magnitudeLimit)
        for v in values where v.isFinite {
            let d = Double(v)
            var i = width > 0 ? Int((d - lo) / width * Double(n)) : 0
            i = min(max(i, 0), n - 1)
            signed[i] += 1
            var j = limit > 0 ? Int(abs(d) / limit * Double(n)) : 0
            j = min(max(j, 0), n - 1)
            magnitude[j] += 1
        }
    }

    /// The real range the observer chooses (before it is widened to contain 0).
    public func range(_ observer: CalibrationObserver) -> (min: Float, max: Float) {
        guard hasRange else { return (0, 0) }
        switch observer {
        case .minMax:
            return (minimum, maximum)
        case .percentile(let p):
            guard !signed.isEmpty, maximum > minimum else { return (minimum, maximum) }
            let lo = quantile(1 - p / 100), hi = quantile(p / 100)
            return (max(minimum, min(lo, hi)), min(maximum, max(lo, hi)))
        case .entropy:
            guard !magnitude.isEmpty, magnitudeLimit > 0 else { return (minimum, maximum) }
            let oneSided = minimum >= 0 || maximum <= 0
            let t = Float(EntropyCalibration.threshold(histogram: magnitude, limit: Double(magnitudeLimit), quantizedBins: oneSided ? 255 : 128))
            return (max(minimum, -t), min(maximum, t))
        }
    }

    /// The value below which fraction `q` of the observations fall, interpolated
    /// linearly inside the signed histogram's bins.
    func quantile(_ q: Double) -> Float {
        let total = signed.reduce(0, +)
        if total == 0 { return minimum }
        let target = min(max(q, 0), 1) * total
        let width = (Double(maximum) - Double(minimum)) / Double(signed.count)
        var cumulative = 0.0
        for (i, c) in signed.enumerated() {
            if c > 0 && cumulative + c >= target {
                let fraction = (target - cumulative) / c
                return Float(Double(minimum) + (Double(i) + fraction) * width)
            }
            cumulative += c
        }
        return maximum
    }
}

/// The entropy (KL divergence) threshold search of TensorRT's int8 calibrator, as
/// MXNet and TVM publish it (`_get_optimal_threshold`): for every candidate number of
/// kept bins i, the reference distribution P is the first i bins with the outliers
/// folded into the last one; Q is P merged into `quantizedBins` levels and expanded
/// back over P's non-empty bins; the threshold is the upper edge of the i with the
/// smallest KL(P‖Q), both smoothed so that zero bins stay finite.
public enum EntropyCalibration {
    public static func threshold(histogram: [Double], limit: Double, quantizedBins: Int) -> Double {
        let n = histogram.count
        let width = limit / Double(n)
        if n <= quantizedBins { return limit }
        var best = Double.infinity, bestBins = n
        var p = [Double](repeating: 0, count: n)
        var q = [Double](repeating: 0, count: n)
        var tail = histogram.reduce(0, +)
        for i in 0..<quantizedBins { tail -= histogram[i] }
        for i in quantizedBins...n {
            // P: the kept bins with the clipped outliers added to the last one.
            for j in 0..<i { p[j] = histogram[j] }
            p[i - 1] += tail
            if i < n { tail -= histogram[i] }
            // Q: the kept bins (without outliers) merged into quantizedBins levels.
            let merged = i / quantizedBins
            for level in 0..<quantizedBins {
                let start = level * merged
                let stop = level == quantizedBins - 1 ? i : start + merged
                var sum = 0.0, nonZero = 0
                for j in start..<stop {
                    sum += histogram[j]
                    if p[j] != 0 { nonZero += 1 }
                }
                for j in start..<stop { q[j] = (p[j] != 0 && nonZero > 0) ? sum / Double(nonZero) : 0 }
            }
            guard let d = divergence(p, q, count: i) else { continue }
            if d < best { best = d; bestBins = i }
        }
        return Double(bestBins) * width
    }

    /// KL(P‖Q) of the first `count` bins after TVM's smoothing (eps 0.0001 moved onto
    /// the empty bins); nil when either distribution is empty.
    static func divergence(_ p: [Double], _ q: [Double], count: Int) -> Double? {
        guard let ps = smooth(p, count), let qs = smooth(q, count) else { return nil }
        let pSum = ps.reduce(0, +), qSum = qs.reduce(0, +)
        var d = 0.0
        for j in 0..<count where ps[j] > 0 {
            let a = ps[j] / pSum, b = qs[j] / qSum
            if b <= 0 { return .infinity }
            d += a * Foundation.log(a / b)
        }
        return d
    }

    static func smooth(_ h: [Double], _ count: Int, eps: Double = 0.0001) -> [Double]? {
        var zeros = 0
        for j in 0..<count where h[j] == 0 { zeros += 1 }
        let nonZeros = count - zeros
        if nonZeros == 0 { return nil }
        let eps1 = eps * Double(zeros) / Double(nonZeros)
        var out = [Double](repeating: 0, count: count)
        for j in 0..<count { out[j] = h[j] == 0 ? eps : h[j] - eps1 }
        return out
    }
}
