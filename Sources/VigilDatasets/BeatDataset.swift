import VigilHDF5
import VigilSignal
import VigilSignalCore

/// `vigil dataset beats`: beat windows, RR features and AAMI labels (both mappings)
/// made by the device's own signal chain, and their HDF5 layout (`vigil-beats-1`,
/// docs/signal.md).
public struct BeatDataset: Sendable {
    /// Where windows are centred.
    public enum Centers: String, Sendable, CaseIterable {
        /// The device's own R peaks, labelled from the matching reference beat.
        case detected
        /// The reference beat annotations.
        case reference
    }

    /// What the dataset is made of.
    public struct Settings: Sendable {
        /// Device sampling rate in Hz; records are resampled to it.
        public var rate = 256
        /// Lead, by header description (falls back to the first signal).
        public var lead = "MLII"
        public var centers = Centers.detected
        /// Window length in samples.
        public var window = 256
        /// Index of the R peak inside the window.
        public var rPeakIndex = 90

        public init() {}
    }

    public var settings: Settings
    /// Record names; `recordIndex` indexes them.
    public var records: [String] = []
    /// [count, window] conditioned samples.
    public var windows: [Float] = []
    /// [count, 5] pre, post, local, long and variation RR in seconds.
    public var rr: [Float] = []
    /// [count, 4] pre/long, post/long, local/long, pre/post.
    public var rrNormalized: [Float] = []
    /// [count, 7] the beat against the patient's dominant beat (`BeatMorphology.names`),
    /// measured by the device's `MorphologyTracker` over the record's beats in order;
    /// NaN where the window cannot hold the regions the features need.
    public var morphology: [Float] = []
    /// AAMI class index under EC57 and de Chazal; -1 without a reference beat within 150 ms.
    public var ec57: [Int8] = []
    public var deChazal: [Int8] = []
    /// MIT annotation code of the matched reference beat (0: none).
    public var symbols: [UInt8] = []
    public var matched: [UInt8] = []
    public var recordIndex: [Int32] = []
    /// R-peak sample at the device rate and at the record's own rate.
    public var samples: [Int32] = []
    public var originalSamples: [Int32] = []

    /// Beats in the dataset.
    public var count: Int { samples.count }

    public init(settings: Settings) { self.settings = settings }

    /// The beats of `names` in `folder`, record by record; `progress` gets each record's
    /// name and beat count once it is done. Every record needs reference annotations.
    public static func build(folder: String, records names: [String], settings: Settings,
                             progress: (_ record: String, _ beats: Int) -> Void = { _, _ in }) throws(ReplayError) -> BeatDataset {
        var dataset = BeatDataset(settings: settings)
        dataset.records = names
        let rate = settings.rate
        let shape = BeatWindowShape(length: settings.window, rPeakIndex: settings.rPeakIndex)
        for (index, name) in names.enumerated() {
            let signal: ECGRecordSignal
            do { signal = try ECGRecordSignal.load(folder + "/" + name, lead: settings.lead, rate: rate) } catch {
                throw .record(error)
            }
            guard let annotations = signal.annotations else { throw .noReferenceAnnotations(path: "\(folder)/\(name).atr") }
            let reference = annotations.filter { $0.code.isBeat }
            let peaks = settings.centers == .detected ? signal.detectQRS().map(\.sample) : reference.map(\.sample)
            let conditioned = ECGFilters.conditioning(sampleRate: Double(rate)).processed(signal.samples)
            let beats = BeatBatch.beats(conditioned: conditioned, rPeaks: peaks, shape: shape,
                                        rr: RRConfiguration(sampleRate: Double(rate)))
            let back: Resampler
            do { back = try Resampler(from: Int(signal.originalRate), to: rate) } catch { throw .resampler(error) }
            // The nearest reference beat within 150 ms gives the label.
            let matches = BeatLabels.nearest(beats.map(\.sample), in: reference, tolerance: Int(0.150 * Double(rate)))
            var tracker = MorphologyTracker.fits(windowLength: settings.window, rPeakIndex: settings.rPeakIndex, sampleRate: Double(rate))
                ? MorphologyTracker(sampleRate: Double(rate), rPeakIndex: settings.rPeakIndex) : nil
            for (beat, ref) in zip(beats, matches) {
                let shape = beat.window.withUnsafeBufferPointer { tracker?.measure(window: $0.baseAddress!) }
                dataset.morphology += shape?.values ?? [Float](repeating: .nan, count: BeatMorphology.names.count)
                dataset.windows += beat.window
                dataset.rr += beat.rr.intervals
                dataset.rrNormalized += beat.rr.normalized
                dataset.ec57.append(ref?.code.aamiClass(.ec57)?.rawValue ?? -1)
                dataset.deChazal.append(ref?.code.aamiClass(.deChazal)?.rawValue ?? -1)
                dataset.symbols.append(ref?.code.rawValue ?? 0)
                dataset.matched.append(ref == nil ? 0 : 1)
                dataset.recordIndex.append(Int32(index))
                dataset.samples.append(Int32(beat.sample))
                dataset.originalSamples.append(Int32(back.mapToInput(beat.sample)))
            }
            progress(name, beats.count)
        }
        return dataset
    }

    /// Writes the dataset as `vigil-beats-1` HDF5 at `path`.
    public func write(to path: String) throws(HDF5Error) {
        let file = try HDF5File.create(path)
        try file.setAttribute("format", string: "vigil-beats-1")
        try file.setAttribute("sample_rate", value: Int32(settings.rate))
        try file.setAttribute("window_length", value: Int32(settings.window))
        try file.setAttribute("r_peak_index", value: Int32(settings.rPeakIndex))
        try file.setAttribute("lead", string: settings.lead)
        try file.setAttribute("centers", string: settings.centers.rawValue)
        try file.setAttribute("signal", string: "conditioned ECG in mV: 0.5 Hz Butterworth high-pass + 40 Hz Butterworth low-pass, causal")
        try file.setAttribute("aami_classes", string: "N,S,V,F,Q (label -1: no reference beat within 150 ms)")
        try file.setAttribute("rr_columns", string: "pre_rr,post_rr,local_rr,long_rr,variation_rr (seconds)")
        try file.setAttribute("rr_normalized_columns", string: "pre/long,post/long,local/long,pre/post")
        try file.setAttribute("rr_local_count", value: Int32(10))
        try file.setAttribute("rr_long_count", value: Int32(256))
        try file.write(windows, shape: [count, settings.window], to: "/windows")
        try file.write(rr, shape: [count, 5], to: "/rr")
        try file.write(rrNormalized, shape: [count, 4], to: "/rr_normalized")
        try file.write(morphology, shape: [count, BeatMorphology.names.count], to: "/morphology")
        try file.setAttribute("columns", string: BeatMorphology.names.joined(separator: ","), on: "/morphology")
        try file.setAttribute("meaning", string: "the beat against the patient's dominant beat, by the device's MorphologyTracker over the record's beats in order (NaN: the window cannot hold the regions)", on: "/morphology")
        try file.write(ec57, shape: [count], to: "/label_ec57")
        try file.setAttribute("mapping", string: "EC57 as WFDB bxb: N=N L R B; S=A a J S e j n; V=V r E; F=F; Q=Q / f ?", on: "/label_ec57")
        try file.write(deChazal, shape: [count], to: "/label_dechazal")
        try file.setAttribute("mapping", string: "de Chazal 2004: N=N L R e j; S=A a J S; V=V E; F=F; Q=/ f Q", on: "/label_dechazal")
        try file.write(symbols, shape: [count], to: "/symbol")
        try file.setAttribute("meaning", string: "MIT annotation code of the matched reference beat (0: none)", on: "/symbol")
        try file.write(matched, shape: [count], to: "/matched")
        try file.write(recordIndex, shape: [count], to: "/record")
        try file.writeStrings(records, to: "/records")
        try file.write(samples, shape: [count], to: "/sample")
        try file.write(originalSamples, shape: [count], to: "/sample_original")
    }
}
