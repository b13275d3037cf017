import Foundation
import VigilHDF5
import VigilSignal
import VigilSignalCore

/// `vigil dataset faults`: ECG windows with synthesized noise and lead faults, the
/// impedance channel and ground-truth labels, made by the device's own synthesis
/// code, and their HDF5 layout (`vigil-faults-1`, docs/signal.md).
public struct FaultDataset: Sendable {
    /// What the dataset is made of.
    public struct Settings: Sendable {
        /// Device sampling rate in Hz; records are resampled to it.
        public var rate = 256
        /// Lead, by header description (falls back to the first signal).
        public var lead = "MLII"
        /// Window length in samples.
        public var window = 512
        /// Windows per record (fault kinds take turns across them).
        public var perRecord = 80
        /// Seed for the fault and noise parameters.
        public var seed: UInt64 = 1
        /// Which half of each noise record the noise is drawn from (nil: all of it), so
        /// that a detector can be tested on noise segments it did not train on.
        public var noiseHalf: NoiseHalf?

        public init() {}
    }

    public enum NoiseHalf: String, Sendable, CaseIterable { case first, second }

    public var settings: Settings
    /// Record names; `recordIndex` indexes them.
    public var records: [String] = []
    /// Noise sources by name; `noiseSource` k > 0 is `noiseSources[k - 1]`.
    public var noiseSources: [String] = []
    /// [count, window] raw front-end ECG in mV after fault synthesis.
    public var ecg: [Float] = []
    /// [count, window] lead impedance in ohm.
    public var impedance: [Float] = []
    /// [count, window] per-sample fault labels.
    public var sampleLabels: [UInt8] = []
    /// The window's `FaultKind` raw value.
    public var labels: [Int8] = []
    /// Noise: SNR in dB; mains interference: frequency in Hz; otherwise NaN.
    public var parameters: [Float] = []
    /// 0: no added noise; k: `noiseSources[k - 1]`.
    public var noiseSource: [UInt8] = []
    public var recordIndex: [Int32] = []
    /// First sample of each window at the device rate.
    public var starts: [Int32] = []

    /// Windows in the dataset.
    public var count: Int { labels.count }

    public init(settings: Settings) { self.settings = settings }

    /// Windows of `names` in `folder`, record by record; `progress` gets each record's
    /// name and window count once it is done. Noise comes from the NST records bw and
    /// ma (and em = 118e00 − 118 when both are at hand) in `noiseFolder`; otherwise
    /// electrode-motion-like noise is synthesized.
    public static func build(folder: String, records names: [String], noiseFolder: String?, settings: Settings,
                             progress: (_ record: String, _ windows: Int) -> Void = { _, _ in }) throws(ReplayError) -> FaultDataset {
        let rate = Double(settings.rate)
        let window = settings.window, seed = settings.seed
        func load(_ path: String, lead: String, annotator: String? = "atr") throws(ReplayError) -> ECGRecordSignal {
            do { return try ECGRecordSignal.load(path, lead: lead, rate: settings.rate, annotator: annotator) } catch { throw .record(error) }
        }
        var sources: [(String, [Float])] = []
        if let noiseFolder {
            for noise in ["bw", "ma"] {
                let s = try load(noiseFolder + "/" + noise, lead: "noise1", annotator: nil)
                sources.append((noise, s.samples))
            }
            if FileManager.default.fileExists(atPath: noiseFolder + "/118e00.hea"), FileManager.default.fileExists(atPath: folder + "/118.hea") {
                let noisy = try load(noiseFolder + "/118e00", lead: settings.lead, annotator: nil)
                let clean = try load(folder + "/118", lead: settings.lead, annotator: nil)
                // nst adds em in 2-minute segments from minute 5 on; keep the noisy stretches.
                let em = zip(noisy.samples, clean.samples).map { $0 - $1 }
                let active = stride(from: 0, to: em.count - window, by: window).filter {
                    NoiseSynthesis.noisePower(em[$0..<($0 + window)]) > 1e-4
                }.flatMap { Array(em[$0..<($0 + window)]) }
                if !active.isEmpty { sources.append(("em", active)) }
            }
        }
        if let half = settings.noiseHalf {
            sources = sources.map { name, samples in
                let middle = samples.count / 2
                return (name, Array(half == .first ? samples[..<middle] : samples[middle...]))
            }
        }
        var rng = SplitMix64(seed: seed)
        if !sources.contains(where: { $0.0 == "em" }) {
            sources.append(("em-like", NoiseSynthesis.electrodeMotionLike(count: Int(rate) * 600, sampleRate: rate, rng: &rng)))
        }
        var dataset = FaultDataset(settings: settings)
        dataset.records = names
        dataset.noiseSources = sources.map(\.0)
        let kinds = FaultKind.allCases
        for (index, name) in names.enumerated() {
            let signal = try load(folder + "/" + name, lead: settings.lead)
            let peaks = signal.detectQRS().map(\.sample)
            let power = NoiseSynthesis.signalPower(signal.samples, rPeaks: peaks, halfWidth: Int(0.05 * rate))
            guard signal.samples.count > window else { continue }
            var synthesizer = FaultSynthesizer(sampleRate: rate, seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            var impedanceModel = LeadImpedanceModel(sampleRate: rate, seed: seed &+ UInt64(index))
            let channel = (0..<signal.samples.count).map { _ in impedanceModel.next() }
            let spacing = max(1, (signal.samples.count - window) / settings.perRecord)
            for k in 0..<settings.perRecord {
                let start = min(k * spacing, signal.samples.count - window)
                var segment = FaultedSegment(ecg: Array(signal.samples[start..<(start + window)]),
                                             impedance: Array(channel[start..<(start + window)]))
                let kind = kinds[(k + index) % kinds.count]
                var source: UInt8 = 0
                if kind == .noise {
                    let pick = Int(rng.next() % UInt64(sources.count))
                    let noise = sources[pick].1
                    let offset = Int(rng.next() % UInt64(max(1, noise.count - window)))
                    synthesizer.addNoise(&segment, noise: noise, noiseStart: offset, signalPower: power)
                    source = UInt8(pick + 1)
                } else {
                    synthesizer.apply(kind, to: &segment)
                }
                dataset.ecg += segment.ecg
                dataset.impedance += segment.impedance
                dataset.sampleLabels += segment.labels
                dataset.labels.append(Int8(segment.kind.rawValue))
                dataset.parameters.append(segment.parameter.map(Float.init) ?? .nan)
                dataset.noiseSource.append(source)
                dataset.recordIndex.append(Int32(index))
                dataset.starts.append(Int32(start))
            }
            progress(name, settings.perRecord)
        }
        return dataset
    }

    /// Writes the dataset as `vigil-faults-1` HDF5 at `path`.
    public func write(to path: String) throws(HDF5Error) {
        let window = settings.window
        let file = try HDF5File.create(path)
        try file.setAttribute("format", string: "vigil-faults-1")
        try file.setAttribute("sample_rate", value: Int32(settings.rate))
        try file.setAttribute("window_length", value: Int32(window))
        try file.setAttribute("seed", value: Int64(bitPattern: settings.seed))
        try file.setAttribute("lead", string: settings.lead)
        try file.setAttribute("signal", string: "raw front-end ECG in mV (resampled, unfiltered) after fault synthesis")
        try file.setAttribute("fault_names", string: FaultKind.allCases.map(\.name).joined(separator: ","))
        try file.setAttribute("noise_sources", string: (["none"] + noiseSources).joined(separator: ","))
        try file.setAttribute("noise_half", string: settings.noiseHalf?.rawValue ?? "all")
        try file.write(ecg, shape: [count, window], to: "/ecg")
        try file.write(impedance, shape: [count, window], to: "/impedance")
        try file.setAttribute("units", string: "ohm", on: "/impedance")
        try file.write(labels, shape: [count], to: "/label")
        try file.write(sampleLabels, shape: [count, window], to: "/sample_labels")
        try file.write(parameters, shape: [count], to: "/parameter")
        try file.setAttribute("meaning", string: "noise: SNR in dB; mains_interference: frequency in Hz; otherwise NaN", on: "/parameter")
        try file.write(noiseSource, shape: [count], to: "/noise_source")
        try file.write(recordIndex, shape: [count], to: "/record")
        try file.writeStrings(records, to: "/records")
        try file.write(starts, shape: [count], to: "/start")
    }
}
