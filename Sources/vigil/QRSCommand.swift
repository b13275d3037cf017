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
        if bench { return try runBenchmark(db: db, names: names) }
        var rows: [(String, QRSComparison, Int)] = []
        for name in names {
            let signal = CLISupport.attempt { () throws(WFDBError) in
                try ECGRecordSignal.load(db + "/" + name, lead: lead, rate: rate)
            }
            guard signal.annotations != nil else { CLISupport.fail("\(db)/\(name).atr: no reference annotations") }
            let detections = signal.detectQRS()
            let result = signal.compare(detections, window: windowMs / 1000, skip: skip)
            rows.append((name, result, detections.filter(\.foundBySearchBack).count))
            if let folder = writeAnnotations { try writeQRS(detections, signal: signal, name: name, db: db, folder: folder) }
        }
        let gross = rows.reduce(QRSComparison()) { $0 + $1.1 }
        json ? printJSON(rows, gross: gross) : printTable(rows, gross: gross)
    }

    private func writeQRS(_ detections: [QRSDetection], signal: ECGRecordSignal, name: String, db: String, folder: String) throws {
        let original = Int(signal.originalRate)
        let back = CLISupport.attempt { () throws(Resampler.DesignError) in try Resampler(from: original, to: rate) }
        let annotations = detections.map { Annotation(sample: back.mapToInput($0.sample), code: .normal) }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        CLISupport.attempt { () throws(WFDBError) in try AnnotationFile.write(annotations, to: folder + "/" + name + ".qrs") }
    }

    private func printTable(_ rows: [(String, QRSComparison, Int)], gross: QRSComparison) {
        print("QRS detection at \(rate) Hz, lead \(lead), window \(Int(windowMs)) ms, first \(Int(skip)) s excluded")
        print(pad("record", 8) + pad("ref", 8) + pad("TP", 8) + pad("FN", 6) + pad("FP", 6) + pad("Se %", 9) + pad("+P %", 9) + pad("searchback", 10))
        for (name, r, sb) in rows {
            print(pad(name, 8) + pad("\(r.referenceBeats)", 8) + pad("\(r.truePositives)", 8) + pad("\(r.falseNegatives)", 6)
                  + pad("\(r.falsePositives)", 6) + pad(percent(r.sensitivity), 9) + pad(percent(r.positivePredictivity), 9) + pad("\(sb)", 10))
        }
        print(pad("gross", 8) + pad("\(gross.referenceBeats)", 8) + pad("\(gross.truePositives)", 8) + pad("\(gross.falseNegatives)", 6)
              + pad("\(gross.falsePositives)", 6) + pad(percent(gross.sensitivity), 9) + pad(percent(gross.positivePredictivity), 9))
    }

    private func printJSON(_ rows: [(String, QRSComparison, Int)], gross: QRSComparison) {
        func object(_ r: QRSComparison) -> [String: Any] {
            ["reference": r.referenceBeats, "tp": r.truePositives, "fn": r.falseNegatives, "fp": r.falsePositives,
             "se": r.sensitivity, "ppv": r.positivePredictivity]
        }
        var perRecord: [[String: Any]] = []
        for (name, r, sb) in rows { var o = object(r); o["record"] = name; o["search_back"] = sb; perRecord.append(o) }
        let top: [String: Any] = ["rate": rate, "lead": lead, "window_ms": windowMs, "skip_s": skip,
                                  "records": perRecord, "gross": object(gross)]
        CLISupport.printJSON(top)
    }

    private func runBenchmark(db: String, names: [String]) throws {
        var results: [[String: Any]] = []
        if !json { print("read + resample + filter + detect, \(repeats) runs per record, one core (times in ms: min / median)") }
        for name in names {
            var read: [Double] = [], resample: [Double] = [], detect: [Double] = [], total: [Double] = []
            var beats = 0, seconds = 0.0
            for _ in 0..<repeats {
                let clock = ContinuousClock()
                let t0 = clock.now
                let record = CLISupport.attempt { () throws(WFDBError) in try WFDBRecord.read(db + "/" + name) }
                let index = record.signalIndex(named: lead) ?? 0
                let physical = record.physical(signal: index)
                let t1 = clock.now
                let resampler = CLISupport.attempt { () throws(Resampler.DesignError) in
                    try Resampler(from: Int(record.samplingFrequency(signal: index)), to: rate)
                }
                let samples = resampler.resample(physical)
                let t2 = clock.now
                var detector = QRSDetector(sampleRate: Double(rate))
                var count = 0
                for x in samples where detector.process(x) != nil { count += 1 }
                let t3 = clock.now
                beats = count
                seconds = Double(samples.count) / Double(rate)
                read.append(ms(t1 - t0)); resample.append(ms(t2 - t1)); detect.append(ms(t3 - t2)); total.append(ms(t3 - t0))
            }
            func stats(_ v: [Double]) -> (Double, Double) { let s = v.sorted(); return (s[0], s[s.count / 2]) }
            let (r, rs, d, t) = (stats(read), stats(resample), stats(detect), stats(total))
            if json {
                results.append(["record": name, "duration_s": seconds, "beats": beats, "read_ms": r.1, "resample_ms": rs.1,
                                "filter_detect_ms": d.1, "total_ms_min": t.0, "total_ms_median": t.1])
            } else {
                print("\(name): \(String(format: "%.0f", seconds)) s of ECG, \(beats) beats | read+decode \(f(r.0))/\(f(r.1)) | resample \(f(rs.0))/\(f(rs.1)) | filter+detect \(f(d.0))/\(f(d.1)) | total \(f(t.0))/\(f(t.1)) ms")
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
    private func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
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

    /// The requested records, or every record in `db` (by its RECORDS file or its .hea files).
    static func recordNames(in db: String, requested: [String]) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory), isDirectory.boolValue else {
            fail("\(db): no such folder")
        }
        if !requested.isEmpty {
            for name in requested where name.isEmpty || name.contains("/") {
                throw ValidationError("invalid record name '\(name)'")
            }
            return requested
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: db)) ?? []
        let names = entries.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) }.sorted()
        if names.isEmpty { fail("\(db): no WFDB records (.hea files)") }
        return names
    }

    static func printJSON(_ object: Any) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return }
        print(String(decoding: data, as: UTF8.self))
    }
}
