import ArgumentParser
import Foundation
import VigilDatasets
import VigilHDF5
import VigilSignal

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
        var settings = BeatDataset.Settings()
        settings.rate = selection.rate
        settings.lead = selection.lead
        settings.centers = centers == .detected ? .detected : .reference
        settings.window = window
        settings.rPeakIndex = rIndex
        let dataset = CLISupport.attempt { () throws(ReplayError) in
            try BeatDataset.build(folder: selection.db, records: names, settings: settings) { name, beats in
                FileHandle.standardError.write(Data("\(name): \(beats) beats\n".utf8))
            }
        }
        let out = selection.output
        CLISupport.attempt { () throws(HDF5Error) in try dataset.write(to: out) }
        print("\(out): \(dataset.count) beats from \(names.count) records")
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

    @Option(help: "Draw noise only from the first or the second half of each noise record (first, second; default: all), to test on noise segments a detector did not train on.")
    var noiseHalf: String?

    func validate() throws {
        if let noiseHalf, FaultDataset.NoiseHalf(rawValue: noiseHalf) == nil {
            throw ValidationError("--noise-half must be first or second, not '\(noiseHalf)'")
        }
        guard window >= 16 && window <= 65536 else { throw ValidationError("--window must be between 16 and 65536 samples") }
        guard perRecord >= 1 && perRecord <= 100_000 else { throw ValidationError("--per-record must be between 1 and 100000") }
    }

    func run() throws {
        let names = try CLISupport.recordNames(in: selection.db, requested: selection.records)
        var settings = FaultDataset.Settings()
        settings.rate = selection.rate
        settings.lead = selection.lead
        settings.window = window
        settings.perRecord = perRecord
        settings.seed = seed
        settings.noiseHalf = noiseHalf.flatMap(FaultDataset.NoiseHalf.init(rawValue:))
        let dataset = CLISupport.attempt { () throws(ReplayError) in
            try FaultDataset.build(folder: selection.db, records: names, noiseFolder: noiseDb, settings: settings) { name, windows in
                FileHandle.standardError.write(Data("\(name): \(windows) windows\n".utf8))
            }
        }
        let out = selection.output
        CLISupport.attempt { () throws(HDF5Error) in try dataset.write(to: out) }
        print("\(out): \(dataset.count) windows from \(names.count) records")
    }
}
