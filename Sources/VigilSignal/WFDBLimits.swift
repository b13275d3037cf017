import VigilSignalCore

/// What a WFDB record may ask of the reader. Header fields are sizes from a file, so
/// each is bounded here, in one place, and every size computed from them is checked
/// arithmetic; a header outside these is refused with an error that names the limit
/// (`WFDBHeader.ParseError.limit`, reported as an invalid header).
public enum WFDBLimits {
    /// Sampling frequencies, in Hz, that an ECG front end can mean: the record's frame
    /// rate and each signal's sample rate (frame rate × samples per frame). 100 kHz
    /// lies above the 32 kHz of pacing-pulse detection; the same range as the
    /// resampler's (`Resampler.Limits.rates`).
    public static let samplingFrequency: ClosedRange<Double> = 1...100_000
    /// Counter frequency and base counter value: finite, and at most this.
    public static let maximumCounterValue: Double = 1e12
    /// Samples of one signal per frame (multi-frequency records use a handful).
    public static let maximumSamplesPerFrame = 1_024
    /// Frames a header may declare: 2^34, two days at 100 kHz or two centuries at 360 Hz.
    public static let maximumSampleCount = 1 << 34
    /// Byte offset of the first sample in a signal file (a foreign header's size).
    public static let maximumByteOffset = 1 << 34
    /// Largest finite ADC gain (ADC units per physical unit).
    public static let maximumGain: Double = 1e12
}
