/// Turns the bytes of one signal file (the signals that share it, interleaved
/// frame by frame) into one digital sample array per signal. Pure Swift, so a
/// device could decode records from flash with it.
public struct SignalGroupDecoder: Sendable {
    public var format: SignalFormat
    public var samplesPerFrame: [Int]
    /// Initial values, used by format 8 (first differences).
    public var initialValues: [Int]

    public init(format: SignalFormat, samplesPerFrame: [Int], initialValues: [Int]) {
        self.format = format; self.samplesPerFrame = samplesPerFrame; self.initialValues = initialValues
    }

    public var samplesPerFrameTotal: Int { samplesPerFrame.reduce(0, +) }

    /// Bytes needed for `frames` frames.
    public func byteCount(frames: Int) -> Int { format.byteCount(samples: frames * samplesPerFrameTotal) }

    /// `byteCount(frames:)`, or nil when frames × samples per frame × bytes per sample
    /// would leave `Int` (frame counts and samples per frame come from headers).
    public func checkedByteCount(frames: Int) -> Int? {
        var perFrame = 0
        for spf in samplesPerFrame {
            let (sum, overflow) = perFrame.addingReportingOverflow(spf)
            if overflow || spf < 0 { return nil }
            perFrame = sum
        }
        let (samples, overflow) = frames.multipliedReportingOverflow(by: perFrame)
        if overflow || frames < 0 { return nil }
        return format.checkedByteCount(samples: samples)
    }

    /// Whole frames that `byteCount` bytes hold.
    public func frames(inBytes byteCount: Int) -> Int {
        let perFrame = samplesPerFrameTotal
        guard perFrame > 0 else { return 0 }
        var frames = (byteCount / max(1, format.byteCount(samples: perFrame))) 
        while format.byteCount(samples: (frames + 1) * perFrame) <= byteCount { frames += 1 }
        while frames > 0 && format.byteCount(samples: frames * perFrame) > byteCount { frames -= 1 }
        return frames
    }

    /// Decodes `frames` frames; `bytes` must hold at least `byteCount(frames:)` bytes.
    public func decode(_ bytes: UnsafeRawBufferPointer, frames: Int) -> [[Int32]] {
        let perFrame = samplesPerFrameTotal
        var flat = [Int32](repeating: 0, count: frames * perFrame)
        flat.withUnsafeMutableBufferPointer { format.decode(bytes, into: $0) }
        var signals: [[Int32]]
        if samplesPerFrame.count == 1 {
            signals = [flat]
        } else {
            signals = samplesPerFrame.map { [Int32](repeating: 0, count: frames * $0) }
            var offset = 0
            flat.withUnsafeBufferPointer { f in
                for s in signals.indices {
                    let spf = samplesPerFrame[s], start = offset
                    signals[s].withUnsafeMutableBufferPointer { out in
                        for frame in 0..<frames {
                            for k in 0..<spf { out[frame * spf + k] = f[frame * perFrame + start + k] }
                        }
                    }
                    offset += spf
                }
            }
        }
        if format == .difference8 {
            for s in signals.indices {
                var value = Int32(truncatingIfNeeded: initialValues[s])
                for i in signals[s].indices { value &+= signals[s][i]; signals[s][i] = value }
            }
        }
        return signals
    }

    /// The WFDB checksum: the 16-bit two's complement sum of all samples.
    public static func checksum(_ samples: [Int32]) -> Int {
        var sum: UInt16 = 0
        for v in samples { sum &+= UInt16(truncatingIfNeeded: v) }
        return Int(Int16(bitPattern: sum))
    }
}
