/// Where a beat window sits around its R peak.
///
/// Default: 256 samples at 256 Hz (1 s) with the R peak at sample 90, i.e.
/// 352 ms before R (the P wave and PR interval, ≥ 120–200 ms before the QRS, fit
/// with margin) and 645 ms after it (the T wave ends 350–450 ms after R at normal
/// rates). This is the reference model's input (DESIGN §11). The window
/// completes `length − rPeakIndex − 1` samples after R: 165 samples, 645 ms.
public struct BeatWindowShape: Sendable, Equatable {
    public var length: Int
    public var rPeakIndex: Int

    public init(length: Int = 256, rPeakIndex: Int = 90) {
        precondition(length > 0 && rPeakIndex >= 0 && rPeakIndex < length, "the R peak must lie inside the window")
        self.length = length; self.rPeakIndex = rPeakIndex
    }

    /// First sample of the window for an R peak at `r`.
    public func start(for r: Int) -> Int { r - rPeakIndex }
    /// Samples after the R peak the window needs.
    public var samplesAfterPeak: Int { length - rPeakIndex - 1 }

    /// Batch form: the window for an R peak at `r`, or nil when it runs off either end.
    public func window(in signal: [Float], at r: Int) -> [Float]? {
        let s = start(for: r)
        guard s >= 0, s + length <= signal.count else { return nil }
        return Array(signal[s..<(s + length)])
    }
}

/// A beat ready for classification: its R peak, window and RR features.
public struct Beat: Sendable, Equatable {
    public var sample: Int
    public var window: [Float]
    public var rr: RRFeatures
}

/// Batch form of the beat pipeline: windows cut from a whole conditioned
/// signal and RR features from the whole R-peak list.
public enum BeatBatch {
    public static func beats(conditioned: [Float], rPeaks: [Int], shape: BeatWindowShape = .init(),
                             rr: RRConfiguration) -> [Beat] {
        RRBatch.features(rPeaks: rPeaks, configuration: rr).compactMap { item in
            shape.window(in: conditioned, at: item.sample).map { Beat(sample: item.sample, window: $0, rr: item.features) }
        }
    }
}
