/// Streaming form of the beat pipeline, as the implant runs it: one raw sample
/// (mV) in; a `Beat` out once its window is complete and its post-RR is known.
///
/// Fixed memory: the detector's buffers, a ring of conditioned samples long
/// enough for the window plus the longest detection delay, the RR ring and a
/// short queue of beats awaiting their window or their successor.
/// Latency of a beat: max(window completion, 645 ms after R by default; the next
/// beat's detection, one RR plus its detection delay after R).
public struct BeatStream: Sendable {
    public let shape: BeatWindowShape
    private var detector: QRSDetector
    private var history: RingBuffer
    private var rr: RRTracker
    private struct Pending: Sendable { var sample: Int; var features: RRFeatures? }
    private var pending: [Pending] = []
    private static let maximumPending = 16
    private var seenFirstBeat = false

    public init(sampleRate: Double, shape: BeatWindowShape = .init(), rr: RRConfiguration? = nil,
                detector: QRSDetector.Configuration? = nil) {
        self.shape = shape
        self.detector = QRSDetector(configuration: detector ?? .init(sampleRate: sampleRate))
        // Search-back can decide a beat up to ~1.5 × 2 s + 0.5 s after its R peak.
        history = RingBuffer(capacity: shape.length + Int(4 * sampleRate))
        self.rr = RRTracker(configuration: rr ?? RRConfiguration(sampleRate: sampleRate))
        pending.reserveCapacity(Self.maximumPending)
    }

    /// Feeds one raw sample; returns the next completed beat, if any.
    public mutating func process(_ x: Float) -> Beat? {
        var window = [Float](repeating: 0, count: shape.length)
        let ready = window.withUnsafeMutableBufferPointer { process(x, window: $0.baseAddress!) }
        return ready.map { Beat(sample: $0.sample, window: window, rr: $0.rr) }
    }

    /// The device's form: feeds one raw sample and, when a beat completes, writes its
    /// window (`shape.length` values) to `window` (nil: not wanted) and returns its R
    /// peak and RR features. Allocates nothing.
    public mutating func process(_ x: Float, window: UnsafeMutablePointer<Float>?) -> (sample: Int, rr: RRFeatures)? {
        let detection = detector.process(x)
        history.append(detector.conditionedSample)
        if let detection {
            // The new R gives the previous beat its post-RR, and starts a pending beat of its own.
            if let done = rr.add(rPeak: detection.sample), let i = pending.firstIndex(where: { $0.sample == done.sample }) {
                pending[i].features = done.features
            }
            // The first beat has no pre-RR and so never gets features; it is not queued.
            if seenFirstBeat {
                if pending.count == Self.maximumPending { pending.removeFirst() }
                pending.append(Pending(sample: detection.sample, features: nil))
            }
            seenFirstBeat = true
        }
        return emitReady(into: window)
    }

    private mutating func emitReady(into window: UnsafeMutablePointer<Float>?) -> (sample: Int, rr: RRFeatures)? {
        // Windows that begin before the stream or have left the ring can never be cut; batch form skips them too.
        while let first = pending.first {
            let start = shape.start(for: first.sample)
            if start >= 0 && start >= history.count - history.capacity { break }
            pending.removeFirst()
        }
        guard let first = pending.first, let features = first.features else { return nil }
        let start = shape.start(for: first.sample)
        guard history.count >= start + shape.length else { return nil }
        pending.removeFirst()
        if let window { for i in 0..<shape.length { window[i] = history[start + i] } }
        return (first.sample, features)
    }
}
