/// Beat-by-beat comparison of detected QRS complexes with reference beats,
/// as EC57 specifies and WFDB's `bxb` implements: a detection matches a
/// reference beat when they lie within the matching window (150 ms); the
/// first 5 minutes are excluded; ventricular flutter/fibrillation episodes
/// (between `[` and `]` annotations) are excluded for both.
public struct QRSComparison: Sendable, Equatable {
    public var truePositives = 0
    public var falseNegatives = 0
    public var falsePositives = 0

    public init() {}

    public var sensitivity: Double { ratio(truePositives, truePositives + falseNegatives) }
    public var positivePredictivity: Double { ratio(truePositives, truePositives + falsePositives) }
    public var referenceBeats: Int { truePositives + falseNegatives }
    public var detections: Int { truePositives + falsePositives }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 1 : Double(a) / Double(b) }

    public static func + (a: Self, b: Self) -> Self {
        var sum = Self()
        sum.truePositives = a.truePositives + b.truePositives
        sum.falseNegatives = a.falseNegatives + b.falseNegatives
        sum.falsePositives = a.falsePositives + b.falsePositives
        return sum
    }

    /// Compares sorted `reference` and `detected` sample positions (same rate).
    /// Beats before `start` or inside `excluded` ranges are not counted.
    public static func compare(reference: [Int], detected: [Int], window: Int, start: Int,
                               excluded: [Range<Int>] = []) -> QRSComparison {
        func counted(_ t: Int) -> Bool { t >= start && !excluded.contains { $0.contains(t) } }
        var result = QRSComparison()
        var matched = [Bool](repeating: false, count: detected.count)
        var j = 0
        for r in reference {
            while j < detected.count && detected[j] < r - window { j += 1 }
            // The closest unmatched detection within the window.
            var best = -1, bestDistance = Int.max
            var k = j
            while k < detected.count && detected[k] <= r + window {
                let distance = abs(detected[k] - r)
                if !matched[k] && distance < bestDistance { best = k; bestDistance = distance }
                k += 1
            }
            if best >= 0 { matched[best] = true }
            guard counted(r) else { continue }
            if best >= 0 { result.truePositives += 1 } else { result.falseNegatives += 1 }
        }
        for (k, t) in detected.enumerated() where !matched[k] && counted(t) { result.falsePositives += 1 }
        return result
    }

    /// Sample ranges between `[` and `]` annotations (an open episode runs to `end`).
    public static func flutterEpisodes(_ annotations: [Annotation], end: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var onset: Int?
        for a in annotations {
            if a.code == .flutterOnset { onset = onset ?? a.sample }
            if a.code == .flutterEnd, let start = onset { ranges.append(start..<(a.sample + 1)); onset = nil }
        }
        if let start = onset { ranges.append(start..<max(end, start + 1)) }
        return ranges
    }
}

/// Labels for beats at arbitrary positions: the nearest reference beat within a tolerance.
public enum BeatLabels {
    /// For each of `samples` (ascending), the nearest of `reference` (ascending) within
    /// `tolerance` samples, or nil; one forward pass over both lists.
    public static func nearest(_ samples: [Int], in reference: [Annotation], tolerance: Int) -> [Annotation?] {
        var j = 0
        return samples.map { s in
            while j + 1 < reference.count && abs(reference[j + 1].sample - s) <= abs(reference[j].sample - s) { j += 1 }
            return reference.indices.contains(j) && abs(reference[j].sample - s) <= tolerance ? reference[j] : nil
        }
    }
}
