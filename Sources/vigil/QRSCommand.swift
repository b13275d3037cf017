import ArgumentParser
import Foundation
import VigilSignal
import VigilSignalCore

/// `vigil qrs`: replays WFDB records through the streaming QRS detector at the
/// device rate and scores it against the reference beats as EC57 does.
struct QRSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrs",
        abstract: "Run the streaming QRS detector over WFDB records.",
        discussion: """
            Scores detections against the reference beat annotations: 150 ms matching window, \
            first 5 minutes excluded, ventricular flutter episodes ([ … ]) excluded. \
            --bench times reading + resampling + filtering + detecting; --filter-report prints the \
            measured responses of the resampler and filters.
            """)

    @Option(help: "Folder with the WFDB records (.hea/.dat/.atr).")
    var db: String?

    @Option(parsing: .upToNextOption, help: "Record names (default: every record in --db).")
    var records: [String] = []

    @Option(help: "Device sampling rate in Hz; records are resampled to it.")
    var rate: Int = 256

    @Option(help: "Lead to analyse, by header description (falls back to the first signal).")
    var lead: String = "MLII"

    @Option(help: "Matching window in milliseconds.")
    var windowMs: Double = 150

    @Option(help: "Seconds excluded at the start of each record.")
    var skip: Double = 300

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Write each record's detections as <record>.qrs (MIT format, at the record's own rate) into this folder.")
    var writeAnnotations: String?

    @Flag(help: "Time reading + resampling + filtering + QRS detection per record instead of scoring.")
    var bench = false

    @Option(help: "Repetitions per record for --bench.")
    var repeats: Int = 10

    @Flag(help: "Print the measured passband ripple and stopband attenuation of the resamplers and filters.")
    var filterReport = false

    func validate() throws {
        guard rate >= 64 && rate <= 4096 else { throw ValidationError("--rate must be between 64 and 4096 Hz, not \(rate)") }
        guard windowMs > 0 && windowMs <= 1000 else { throw ValidationError("--window-ms must be in (0, 1000]") }
        guard skip >= 0 else { throw ValidationError("--skip must not be negative") }
        guard repeats >= 1 && repeats <= 1000 else { throw ValidationError("--repeats must be between 1 and 1000") }
        if !filterReport && db == nil { throw ValidationError("--db is required") }
    }

    func run() throws {
        if filterReport { return printFilterReport() }
        guard let db else { return }
        let names = try CLISupport.recordNames(in: db, requested: records)
        if bench { return runBenchmark(db: db, names: names) }
        var settings = QRSEvaluation.Settings()
        settings.rate = rate
        settings.lead = lead
        settings.window = windowMs / 1000
        settings.skip = skip
        let evaluation = CLISupport.attempt { () throws(ReplayError) in
            try QRSEvaluation.run(folder: db, records: names, settings: settings, annotationFolder: writeAnnotations)
        }
        json ? printJSON(evaluation) : printTable(evaluation)
    }

    private func printTable(_ evaluation: QRSEvaluation) {
        let gross = evaluation.gross
        print("QRS detection at \(rate) Hz, lead \(lead), window \(Int(windowMs)) ms, first \(Int(skip)) s excluded")
        print(pad("record", 8) + pad("ref", 8) + pad("TP", 8) + pad("FN", 6) + pad("FP", 6) + pad("Se %", 9) + pad("+P %", 9) + pad("searchback", 10))
        for record in evaluation.records {
            let (name, r, sb) = (record.name, record.comparison, record.searchBack)
            print(pad(name, 8) + pad("\(r.referenceBeats)", 8) + pad("\(r.truePositives)", 8) + pad("\(r.falseNegatives)", 6)
                  + pad("\(r.falsePositives)", 6) + pad(percent(r.sensitivity), 9) + pad(percent(r.positivePredictivity), 9) + pad("\(sb)", 10))
        }
        print(pad("gross", 8) + pad("\(gross.referenceBeats)", 8) + pad("\(gross.truePositives)", 8) + pad("\(gross.falseNegatives)", 6)
              + pad("\(gross.falsePositives)", 6) + pad(percent(gross.sensitivity), 9) + pad(percent(gross.positivePredictivity), 9))
    }

    private func printJSON(_ evaluation: QRSEvaluation) {
        func object(_ r: QRSComparison) -> [String: Any] {
            ["reference": r.referenceBeats, "tp": r.truePositives, "fn": r.falseNegatives, "fp": r.falsePositives,
             "se": r.sensitivity, "ppv": r.positivePredictivity]
        }
        var perRecord: [[String: Any]] = []
        for record in evaluation.records {
            var o = object(record.comparison); o["record"] = record.name; o["search_back"] = record.searchBack; perRecord.append(o)
        }
        let top: [String: Any] = ["rate": rate, "lead": lead, "window_ms": windowMs, "skip_s": skip,
                                  "records": perRecord, "gross": object(evaluation.gross)]
        CLISupport.printJSON(top)
    }

    private func runBenchmark(db: String, names: [String]) {
        var results: [[String: Any]] = []
        if !json { print("read + resample + filter + detect, \(repeats) runs per record, one core (times in ms: min / median)") }
        for name in names {
            let timing = CLISupport.attempt { () throws(ReplayError) in
                try QRSTiming.measure(db + "/" + name, lead: lead, rate: rate, repeats: repeats)
            }
            let (r, rs, d, t) = (timing.read, timing.resample, timing.filterDetect, timing.total)
            if json {
                results.append(["record": name, "duration_s": timing.duration, "beats": timing.beats, "read_ms": r.median, "resample_ms": rs.median,
                                "filter_detect_ms": d.median, "total_ms_min": t.minimum, "total_ms_median": t.median])
            } else {
                print("\(name): \(String(format: "%.0f", timing.duration)) s of ECG, \(timing.beats) beats | read+decode \(f(r.minimum))/\(f(r.median)) | resample \(f(rs.minimum))/\(f(rs.median)) | filter+detect \(f(d.minimum))/\(f(d.median)) | total \(f(t.minimum))/\(f(t.median)) ms")
            }
        }
        if json { CLISupport.printJSON(["rate": rate, "repeats": repeats, "records": results]) }
    }

    private func printFilterReport() {
        print("Resamplers (Kaiser-windowed sinc, 80 dB design), measured on the prototype:")
        for (from, to) in [(360, 256), (250, 256), (128, 256), (256, 360)] {
            guard let r = try? Resampler(from: from, to: to) else { continue }
            let m = r.measuredResponse()
            print("  \(from) -> \(to) Hz: L/M = \(r.up)/\(r.down), \(r.prototype.count) taps, passband 0-\(f(r.passbandEdge)) Hz ripple \(String(format: "%.4f", m.passbandRippleDB)) dB, stopband >= \(f(r.stopbandEdge)) Hz attenuation \(String(format: "%.1f", m.stopbandAttenuationDB)) dB")
        }
        let fs = Double(rate)
        print("IIR filters at \(rate) Hz (gain in dB at the given frequencies):")
        let probes: [Double] = [0.05, 0.1, 0.3, 0.5, 0.67, 1, 5, 10, 15, 20, 40, 49, 50, 51, 59, 60, 61, 80, 100]
        let filters: [(String, BiquadCascade)] = [
            ("baseline wander (HP 0.5 Hz, 2nd-order Butterworth)", ECGFilters.baselineWander(sampleRate: fs)),
            ("band-pass 0.5-40 Hz (2nd+2nd-order Butterworth)", ECGFilters.bandPass(sampleRate: fs)),
            ("QRS band 5-15 Hz (2nd+2nd-order Butterworth)", ECGFilters.bandPass(low: 5, high: 15, sampleRate: fs)),
            ("notch 50 Hz, Q 30", ECGFilters.notch(mains: 50, sampleRate: fs)),
            ("notch 60 Hz, Q 30", ECGFilters.notch(mains: 60, sampleRate: fs)),
        ]
        for (name, filter) in filters {
            let gains = probes.map { "\(f($0)): \(String(format: "%.2f", 20 * log10(filter.magnitude(at: $0, sampleRate: fs))))" }
            print("  \(name)\n    " + gains.joined(separator: ", "))
        }
        let band = ECGFilters.bandPass(sampleRate: fs)
        let pass = stride(from: 1.0, through: 30.0, by: 0.05).map { 20 * log10(band.magnitude(at: $0, sampleRate: fs)) }
        print("  band-pass 0.5-40 Hz: gain over 1-30 Hz between \(String(format: "%.3f", pass.min()!)) and \(String(format: "%.3f", pass.max()!)) dB")
        for mains in [50.0, 60.0] {
            let notch = ECGFilters.notch(mains: mains, sampleRate: fs)
            let outside = stride(from: 0.5, through: fs / 2 - 0.5, by: 0.05).filter { abs($0 - mains) >= 5 }
                .map { 20 * log10(notch.magnitude(at: $0, sampleRate: fs)) }
            let depth = [-0.2, 0, 0.2].map { -20 * log10(notch.magnitude(at: mains + $0, sampleRate: fs)) }.min()!
            print("  notch \(Int(mains)) Hz: attenuation within ±0.2 Hz >= \(String(format: "%.1f", depth)) dB; gain beyond ±5 Hz between \(String(format: "%.3f", outside.min()!)) and \(String(format: "%.3f", outside.max()!)) dB")
        }
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    private func percent(_ v: Double) -> String { String(format: "%.2f", 100 * v) }
    private func f(_ v: Double) -> String { String(format: v < 10 ? "%.2f" : "%.1f", v) }
}

/// Helpers shared by `vigil qrs` and `vigil dataset`: record discovery,
/// `error: …` reporting with exit status 1, JSON output.
enum CLISupport {
    /// Prints `error: message` to stderr and exits with status 1.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// Runs `body`; a typed error becomes `error: …` and exit status 1.
    static func attempt<T, E: Error>(_ body: () throws(E) -> T) -> T {
        do { return try body() } catch { fail("\(error)") }
    }

    /// The requested records, or every record in `db` (`WFDBFolder.recordNames`); a
    /// malformed record name is a usage error.
    static func recordNames(in db: String, requested: [String]) throws -> [String] {
        do { return try WFDBFolder.recordNames(in: db, requested: requested) } catch {
            if case .invalidRecordName = error { throw ValidationError(error.description) }
            fail(error.description)
        }
    }

    static func printJSON(_ object: Any) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return }
        print(String(decoding: data, as: UTF8.self))
    }
}
