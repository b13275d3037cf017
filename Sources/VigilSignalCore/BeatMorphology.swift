/// How one beat's shape compares with the patient's own dominant beat: the
/// patient-adaptive morphology features of the arrhythmia models (issue #11).
///
/// Values, in `names` order (the columns `vigil dataset beats` writes as `/morphology`,
/// and the features an input contract names as `morph:<name>`):
/// - `qrs_corr`: Pearson correlation with the dominant beat over the QRS,
///   R − 100 ms … R + 150 ms;
/// - `p_corr`: the same over R − 300 ms … R − 100 ms (P wave and PR segment);
/// - `t_corr`: the same over R + 150 ms … R + 450 ms (ST segment and T wave);
/// - `qrs_amp`: QRS peak-to-peak amplitude over the dominant beat's;
/// - `qrs_width`: QRS width (area over peak) over the dominant beat's;
/// - `qrs_width_s`: QRS width in seconds, area over peak above the PR baseline;
/// - `qrs_residual`: Σ|beat − dominant| over Σ|dominant| across the QRS, means removed.
public struct BeatMorphology: Sendable, Equatable {
    public var qrsCorrelation: Float = 1
    public var pCorrelation: Float = 1
    public var tCorrelation: Float = 1
    public var amplitudeRatio: Float = 1
    public var widthRatio: Float = 1
    public var widthSeconds: Float = 0
    public var residual: Float = 0

    public init() {}

    public static let names = ["qrs_corr", "p_corr", "t_corr", "qrs_amp", "qrs_width", "qrs_width_s", "qrs_residual"]

    /// The values in `names` order.
    public var values: [Float] { Self.names.indices.map { self[$0] } }

    /// The value at `index` of `names`.
    public subscript(index: Int) -> Float {
        switch index {
        case 0: return qrsCorrelation
        case 1: return pCorrelation
        case 2: return tCorrelation
        case 3: return amplitudeRatio
        case 4: return widthRatio
        case 5: return widthSeconds
        default: return residual
        }
    }
}

/// Keeps the patient's beat templates and measures each new beat against the dominant
/// one: causal, label-free and in fixed memory (`templates` × 0.75 s of samples at half
/// the sampling rate), as the implant's beat loop runs it.
///
/// Each beat is first aligned with the dominant template: shifted by up to
/// `maximumShift` template values (two samples each) to where its QRS correlates best,
/// since the detector's R peak can sit on a different wave of the same complex from
/// beat to beat (an RSR' complex, say). The aligned beat is matched to the template
/// whose QRS correlates best with it. A match
/// (correlation ≥ `matchThreshold`) folds the beat into that template (a running mean
/// that settles to a 1/16 exponential average) and counts it; no match starts a new
/// template in a free slot or in place of the least-counted one other than the
/// dominant. The dominant template is the most-counted; every `halvingInterval` beats
/// all counts halve, so a new dominant rhythm takes over within minutes. Features are
/// measured against the dominant template before the beat updates it.
public struct MorphologyTracker: Sendable {
    public static let templates = 4
    public static let matchThreshold: Float = 0.9
    public static let halvingInterval = 512
    /// Template values (two samples each) a beat may shift to align with the dominant template.
    public static let maximumShift = 3
    /// Regions around R, in seconds.
    static let regionStart = -0.30, qrsStart = -0.10, qrsEnd = 0.15, regionEnd = 0.45

    /// Window sample of the first template value; template values are every other sample.
    private let first: Int
    private let length: Int
    /// Template offsets of the QRS region's first value and of the first value after it.
    private let qrs: Range<Int>
    private let secondsPerValue: Float
    private var storage: [Float]
    private var counts: [Int]
    private var used = 0
    private var beats = 0
    private var segment: [Float]

    /// What `fits` asks of a window, for messages.
    public static let requirement = "300 ms before the R peak and 450 ms after it, and \(2 * maximumShift) samples more on each side to align the beat"

    /// Whether a window of `length` samples with its R peak at `rPeakIndex`, at `sampleRate`,
    /// holds every region the features need.
    public static func fits(windowLength: Int, rPeakIndex: Int, sampleRate: Double) -> Bool {
        let margin = 2 * maximumShift
        let before = Int((-regionStart * sampleRate).rounded(.up)) + margin, after = Int((regionEnd * sampleRate).rounded(.up)) + margin
        return rPeakIndex >= before && windowLength - rPeakIndex >= after
    }

    /// A tracker for windows with the R peak at `rPeakIndex`; the caller checks `fits`.
    public init(sampleRate: Double, rPeakIndex: Int) {
        func offset(_ seconds: Double) -> Int { Int((seconds * sampleRate).rounded()) }
        first = rPeakIndex + offset(Self.regionStart)
        length = (offset(Self.regionEnd) - offset(Self.regionStart)) / 2
        qrs = ((offset(Self.qrsStart) - offset(Self.regionStart)) / 2)..<((offset(Self.qrsEnd) - offset(Self.regionStart)) / 2)
        secondsPerValue = Float(2 / sampleRate)
        storage = [Float](repeating: 0, count: Self.templates * length)
        counts = [Int](repeating: 0, count: Self.templates)
        segment = [Float](repeating: 0, count: length + 2 * Self.maximumShift)
    }

    /// Measures the beat in `window` (conditioned samples, R at the tracker's index)
    /// against the dominant template, then folds it into the templates.
    public mutating func measure(window: UnsafePointer<Float>) -> BeatMorphology {
        beats += 1
        if beats % Self.halvingInterval == 0 { for k in 0..<used { counts[k] = (counts[k] + 1) / 2 } }
        var dominant = 0
        for k in 1..<max(used, 1) where counts[k] > counts[dominant] { dominant = k }
        let length = length, first = first, qrs = qrs, shifts = Self.maximumShift, used = used
        // One pass over raw buffers: no per-element bounds or uniqueness checks on the device.
        var (result, best, bestCorrelation, aligned) = storage.withUnsafeMutableBufferPointer { t in
            segment.withUnsafeMutableBufferPointer { s in
                Self.compare(window: window, first: first, length: length, qrs: qrs, shifts: shifts,
                             segment: s.baseAddress!, templates: t.baseAddress!, used: used, dominant: dominant)
            }
        }
        result.widthSeconds *= secondsPerValue
        if used == 0 {
            store(slot: 0, aligned: aligned)
            self.used = 1
        } else if bestCorrelation >= Self.matchThreshold {
            let weight = 1 / Float(min(counts[best] + 1, 16))
            storage.withUnsafeMutableBufferPointer { t in
                segment.withUnsafeBufferPointer { s in
                    let template = t.baseAddress! + best * length, beat = s.baseAddress! + aligned
                    for i in 0..<length { template[i] += (beat[i] - template[i]) * weight }
                }
            }
            counts[best] += 1
        } else {
            var slot = used
            if used == Self.templates {
                slot = dominant == 0 ? 1 : 0
                for k in 0..<used where k != dominant && counts[k] < counts[slot] { slot = k }
            } else {
                self.used += 1
            }
            store(slot: slot, aligned: aligned)
        }
        return result
    }

    /// Starts template `slot` from the aligned beat, counted once.
    private mutating func store(slot: Int, aligned: Int) {
        let length = length
        storage.withUnsafeMutableBufferPointer { t in
            segment.withUnsafeBufferPointer { s in (t.baseAddress! + slot * length).update(from: s.baseAddress! + aligned, count: length) }
        }
        counts[slot] = 1
    }

    /// Cuts the beat's values from `window` into `segment` (with `shifts` values of
    /// margin on each side), aligns it with the dominant template, measures it, and finds
    /// the template it matches best. Returns the features, that template, its QRS
    /// correlation and the aligned beat's offset in `segment`.
    private static func compare(window: UnsafePointer<Float>, first: Int, length: Int, qrs: Range<Int>, shifts: Int,
                                segment: UnsafeMutablePointer<Float>, templates: UnsafePointer<Float>, used: Int, dominant: Int)
        -> (BeatMorphology, Int, Float, Int) {
        for i in 0..<(length + 2 * shifts) { segment[i] = window[first + 2 * (i - shifts)] }
        var result = BeatMorphology()
        if used == 0 {
            result.widthSeconds = width(segment + shifts, qrs)
            return (result, 0, 1, shifts)
        }
        let d = templates + dominant * length
        var alignment: Float = -2, aligned = shifts
        for offset in 0...(2 * shifts) {
            let c = correlation(segment + offset, d, qrs)
            if c > alignment { alignment = c; aligned = offset }
        }
        let b = UnsafePointer(segment + aligned)
        var best = dominant, bestCorrelation = alignment
        for k in 0..<used where k != dominant {
            let c = correlation(b, templates + k * length, qrs)
            if c > bestCorrelation { bestCorrelation = c; best = k }
        }
        result.qrsCorrelation = alignment
        result.pCorrelation = correlation(b, d, 0..<qrs.lowerBound)
        result.tCorrelation = correlation(b, d, qrs.upperBound..<length)
        result.amplitudeRatio = ratio(peakToPeak(b, qrs), peakToPeak(d, qrs))
        let w = width(b, qrs)
        result.widthRatio = ratio(w, width(d, qrs))
        result.widthSeconds = w
        result.residual = residual(b, d, qrs)
        return (result, best, bestCorrelation, aligned)
    }

    private static func ratio(_ a: Float, _ b: Float) -> Float { b > 1e-6 ? a / b : 1 }

    private static func mean(_ x: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        var sum: Float = 0
        for i in range { sum += x[i] }
        return sum / Float(range.count)
    }

    /// Pearson correlation over `range`; 0 when either is flat.
    static func correlation(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        let ma = mean(a, range), mb = mean(b, range)
        var ab: Float = 0, aa: Float = 0, bb: Float = 0
        for i in range {
            let x = a[i] - ma, y = b[i] - mb
            ab += x * y; aa += x * x; bb += y * y
        }
        let d = aa * bb
        return d > 1e-12 ? ab / d.squareRoot() : 0
    }

    static func peakToPeak(_ x: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        var lo = x[range.lowerBound], hi = lo
        for i in range { lo = min(lo, x[i]); hi = max(hi, x[i]) }
        return hi - lo
    }

    /// Area over peak above the baseline at the region's first two values, in values.
    static func width(_ x: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        let base = (x[range.lowerBound] + x[range.lowerBound + 1]) / 2
        var area: Float = 0, peak: Float = 0
        for i in range {
            let v = abs(x[i] - base)
            area += v; peak = max(peak, v)
        }
        return peak > 1e-6 ? area / peak : 0
    }

    static func residual(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        let ma = mean(a, range), mb = mean(b, range)
        var difference: Float = 0, reference: Float = 0
        for i in range {
            difference += abs((a[i] - ma) - (b[i] - mb))
            reference += abs(b[i] - mb)
        }
        return reference > 1e-6 ? difference / reference : 0
    }
}
