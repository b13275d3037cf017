import ArgumentParser
import Foundation
import VigilHDF5
import VigilQuantize
import VigilSignal
import VigilSignalCore

/// `vigil dataset`: training data made by exactly the code that runs on the device.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Export training data from WFDB records.",
        subcommands: [BeatsDataset.self, FaultsDataset.self])
}

/// Options shared by both exports.
struct RecordSelection: ParsableArguments {
    @Option(help: "Folder with the WFDB records.")
    var db: String

    @Option(parsing: .upToNextOption, help: "Record names (default: every record in --db).")
    var records: [String] = []

    @Option(help: "Device sampling rate in Hz; records are resampled to it.")
    var rate: Int = 256

    @Option(help: "Lead, by header description (falls back to the first signal).")
    var lead: String = "MLII"

    @Option(name: [.customShort("o"), .long], help: "Output HDF5 file.")
    var output: String

    func validate() throws {
        guard rate >= 64 && rate <= 4096 else { throw ValidationError("--rate must be between 64 and 4096 Hz, not \(rate)") }
        guard !output.isEmpty else { throw ValidationError("-o needs a file name") }
    }

    func load(_ name: String) -> ECGRecordSignal {
        CLISupport.attempt { () throws(WFDBError) in try ECGRecordSignal.load(db + "/" + name, lead: lead, rate: rate) }
    }
}

struct BeatsDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beats",
        abstract: "Beat windows, RR features and AAMI labels (both mappings) as HDF5.",
        discussion: "Layout: docs/signal.md. Windows are cut from the conditioned (0.5-40 Hz) signal around R peaks from the streaming detector (--centers detected) or from the reference annotations.")

    enum Centers: String, ExpressibleByArgument, CaseIterable { case detected, reference }

    @OptionGroup var selection: RecordSelection

    @Option(help: "Where windows are centred: detected (the device's own R peaks, labelled from the matching reference beat) or reference.")
    var centers: Centers = .detected

    @Option(help: "Window length in samples.")
    var window: Int = 256

    @Option(help: "Index of the R peak inside the window.")
    var rIndex: Int = 90

    func validate() throws {
        guard window >= 8 && window <= 65536 else { throw ValidationError("--window must be between 8 and 65536 samples") }
        guard rIndex >= 0 && rIndex < window else { throw ValidationError("--r-index must lie inside the window (0..<\(window))") }
    }

    func run() throws {
        let names = try CLISupport.recordNames(in: selection.db, requested: selection.records)
        let shape = BeatWindowShape(length: window, rPeakIndex: rIndex)
        var windows: [Float] = [], rr: [Float] = [], rrNormalized: [Float] = []
        var ec57: [Int8] = [], deChazal: [Int8] = [], symbols: [UInt8] = [], matched: [UInt8] = []
        var recordIndex: [Int32] = [], samples: [Int32] = [], originalSamples: [Int32] = []
        for (index, name) in names.enumerated() {
            let signal = selection.load(name)
            guard let annotations = signal.annotations else { CLISupport.fail("\(selection.db)/\(name).atr: no reference annotations") }
            let reference = annotations.filter { $0.code.isBeat }
            let peaks = centers == .detected ? signal.detectQRS().map(\.sample) : reference.map(\.sample)
            let conditioned = ECGFilters.conditioning(sampleRate: Double(selection.rate)).processed(signal.samples)
            let beats = BeatBatch.beats(conditioned: conditioned, rPeaks: peaks, shape: shape,
                                        rr: RRConfiguration(sampleRate: Double(selection.rate)))
            let back = CLISupport.attempt { () throws(Resampler.DesignError) in
                try Resampler(from: Int(signal.originalRate), to: selection.rate)
            }
            // The nearest reference beat within 150 ms gives the label.
            let matches = BeatLabels.nearest(beats.map(\.sample), in: reference, tolerance: Int(0.150 * Double(selection.rate)))
            for (beat, ref) in zip(beats, matches) {
                windows += beat.window
                rr += beat.rr.raw
                rrNormalized += beat.rr.normalized
                ec57.append(ref?.code.aamiClass(.ec57)?.rawValue ?? -1)
                deChazal.append(ref?.code.aamiClass(.deChazal)?.rawValue ?? -1)
                symbols.append(ref?.code.rawValue ?? 0)
                matched.append(ref == nil ? 0 : 1)
                recordIndex.append(Int32(index))
                samples.append(Int32(beat.sample))
                originalSamples.append(Int32(back.mapToInput(beat.sample)))
            }
            FileHandle.standardError.write(Data("\(name): \(beats.count) beats\n".utf8))
        }
        let count = samples.count
        let out = selection.output
        CLISupport.attempt { () throws(HDF5Error) in
            let file = try HDF5File.create(out)
            try file.setAttribute("format", string: "vigil-beats-1")
            try file.setAttribute("sample_rate", value: Int32(selection.rate))
            try file.setAttribute("window_length", value: Int32(window))
            try file.setAttribute("r_peak_index", value: Int32(rIndex))
            try file.setAttribute("lead", string: selection.lead)
            try file.setAttribute("centers", string: centers.rawValue)
            try file.setAttribute("signal", string: "conditioned ECG in mV: 0.5 Hz Butterworth high-pass + 40 Hz Butterworth low-pass, causal")
            try file.setAttribute("aami_classes", string: "N,S,V,F,Q (label -1: no reference beat within 150 ms)")
            try file.setAttribute("rr_columns", string: "pre_rr,post_rr,local_rr,long_rr (seconds)")
            try file.setAttribute("rr_normalized_columns", string: "pre/long,post/long,local/long,pre/post")
            try file.setAttribute("rr_local_count", value: Int32(10))
            try file.setAttribute("rr_long_count", value: Int32(256))
            try file.write(windows, shape: [count, window], to: "/windows")
            try file.write(rr, shape: [count, 4], to: "/rr")
            try file.write(rrNormalized, shape: [count, 4], to: "/rr_normalized")
            try file.write(ec57, shape: [count], to: "/label_ec57")
            try file.setAttribute("mapping", string: "EC57 as WFDB bxb: N=N L R B; S=A a J S e j n; V=V r E; F=F; Q=Q / f ?", on: "/label_ec57")
            try file.write(deChazal, shape: [count], to: "/label_dechazal")
            try file.setAttribute("mapping", string: "de Chazal 2004: N=N L R e j; S=A a J S; V=V E; F=F; Q=/ f Q", on: "/label_dechazal")
            try file.write(symbols, shape: [count], to: "/symbol")
            try file.setAttribute("meaning", string: "MIT annotation code of the matched reference beat (0: none)", on: "/symbol")
            try file.write(matched, shape: [count], to: "/matched")
            try file.write(recordIndex, shape: [count], to: "/record")
            try file.writeStrings(names, to: "/records")
            try file.write(samples, shape: [count], to: "/sample")
            try file.write(originalSamples, shape: [count], to: "/sample_original")
        }
        print("\(out): \(count) beats from \(names.count) records")
    }
}

struct FaultsDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults",
        abstract: "ECG windows with synthesized noise and lead faults, impedance channel and ground-truth labels, as HDF5.",
        discussion: "Layout: docs/signal.md. Noise comes from the NST records bw and ma (and em = 118e00 - 118 when both are at hand) in --noise-db; otherwise electrode-motion-like noise is synthesized.")

    @OptionGroup var selection: RecordSelection

    @Option(help: "Folder with the Noise Stress Test records (bw, ma, 118e00).")
    var noiseDb: String?

    @Option(help: "Window length in samples.")
    var window: Int = 512

    @Option(help: "Windows per record (classes are balanced across them).")
    var perRecord: Int = 80

    @Option(help: "Seed for the fault and noise parameters.")
    var seed: UInt64 = 1

    func validate() throws {
        guard window >= 16 && window <= 65536 else { throw ValidationError("--window must be between 16 and 65536 samples") }
        guard perRecord >= 1 && perRecord <= 100_000 else { throw ValidationError("--per-record must be between 1 and 100000") }
    }

    func run() throws {
        let names = try CLISupport.recordNames(in: selection.db, requested: selection.records)
        let rate = Double(selection.rate)
        var sources: [(String, [Float])] = []
        if let noiseDb {
            for noise in ["bw", "ma"] {
                let s = CLISupport.attempt { () throws(WFDBError) in
                    try ECGRecordSignal.load(noiseDb + "/" + noise, lead: "noise1", rate: selection.rate, annotator: nil)
                }
                sources.append((noise, s.samples))
            }
            if FileManager.default.fileExists(atPath: noiseDb + "/118e00.hea"), FileManager.default.fileExists(atPath: selection.db + "/118.hea") {
                let noisy = CLISupport.attempt { () throws(WFDBError) in try ECGRecordSignal.load(noiseDb + "/118e00", lead: selection.lead, rate: selection.rate, annotator: nil) }
                let clean = CLISupport.attempt { () throws(WFDBError) in try ECGRecordSignal.load(selection.db + "/118", lead: selection.lead, rate: selection.rate, annotator: nil) }
                // nst adds em in 2-minute segments from minute 5 on; keep the noisy stretches.
                let em = zip(noisy.samples, clean.samples).map { $0 - $1 }
                let active = stride(from: 0, to: em.count - window, by: window).filter {
                    NoiseSynthesis.noisePower(em[$0..<($0 + window)]) > 1e-4
                }.flatMap { Array(em[$0..<($0 + window)]) }
                if !active.isEmpty { sources.append(("em", active)) }
            }
        }
        var rng = SplitMix64(seed: seed)
        if !sources.contains(where: { $0.0 == "em" }) {
            sources.append(("em-like", NoiseSynthesis.electrodeMotionLike(count: Int(rate) * 600, sampleRate: rate, rng: &rng)))
        }
        var ecg: [Float] = [], impedance: [Float] = [], sampleLabels: [UInt8] = []
        var labels: [Int8] = [], parameters: [Float] = [], noiseSource: [UInt8] = [], recordIndex: [Int32] = [], starts: [Int32] = []
        let kinds = FaultKind.allCases
        for (index, name) in names.enumerated() {
            let signal = selection.load(name)
            let peaks = signal.detectQRS().map(\.sample)
            let power = NoiseSynthesis.signalPower(signal.samples, rPeaks: peaks, halfWidth: Int(0.05 * rate))
            guard signal.samples.count > window else { continue }
            var synthesizer = FaultSynthesizer(sampleRate: rate, seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            var impedanceModel = LeadImpedanceModel(sampleRate: rate, seed: seed &+ UInt64(index))
            let channel = (0..<signal.samples.count).map { _ in impedanceModel.next() }
            let spacing = max(1, (signal.samples.count - window) / perRecord)
            for k in 0..<perRecord {
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
                ecg += segment.ecg
                impedance += segment.impedance
                sampleLabels += segment.labels
                labels.append(Int8(segment.kind.rawValue))
                parameters.append(segment.parameter.map(Float.init) ?? .nan)
                noiseSource.append(source)
                recordIndex.append(Int32(index))
                starts.append(Int32(start))
            }
            FileHandle.standardError.write(Data("\(name): \(perRecord) windows\n".utf8))
        }
        let count = labels.count
        let out = selection.output
        CLISupport.attempt { () throws(HDF5Error) in
            let file = try HDF5File.create(out)
            try file.setAttribute("format", string: "vigil-faults-1")
            try file.setAttribute("sample_rate", value: Int32(selection.rate))
            try file.setAttribute("window_length", value: Int32(window))
            try file.setAttribute("seed", value: Int64(bitPattern: seed))
            try file.setAttribute("lead", string: selection.lead)
            try file.setAttribute("signal", string: "raw front-end ECG in mV (resampled, unfiltered) after fault synthesis")
            try file.setAttribute("fault_names", string: kinds.map(\.name).joined(separator: ","))
            try file.setAttribute("noise_sources", string: (["none"] + sources.map(\.0)).joined(separator: ","))
            try file.write(ecg, shape: [count, window], to: "/ecg")
            try file.write(impedance, shape: [count, window], to: "/impedance")
            try file.setAttribute("units", string: "ohm", on: "/impedance")
            try file.write(labels, shape: [count], to: "/label")
            try file.write(sampleLabels, shape: [count, window], to: "/sample_labels")
            try file.write(parameters, shape: [count], to: "/parameter")
            try file.setAttribute("meaning", string: "noise: SNR in dB; mains_interference: frequency in Hz; otherwise NaN", on: "/parameter")
            try file.write(noiseSource, shape: [count], to: "/noise_source")
            try file.write(recordIndex, shape: [count], to: "/record")
            try file.writeStrings(names, to: "/records")
            try file.write(starts, shape: [count], to: "/start")
        }
        print("\(out): \(count) windows from \(names.count) records")
    }
}
