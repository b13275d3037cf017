import Foundation
import VigilSignalCore

/// `vigil qrs`'s scoring: WFDB records replayed through the streaming QRS detector at
/// the device rate and compared with the reference beats as EC57 does (Se and +P per
/// record and gross).
public struct QRSEvaluation: Sendable {
    /// How records are replayed and scored.
    public struct Settings: Sendable {
        /// Device sampling rate in Hz; records are resampled to it.
        public var rate = 256
        /// Lead, by header description (falls back to the first signal).
        public var lead = "MLII"
        /// Matching window in seconds.
        public var window = 0.150
        /// Seconds excluded at the start of each record.
        public var skip = 300.0

        public init() {}
    }

    /// One record's score.
    public struct Record: Sendable {
        public var name: String
        public var comparison: QRSComparison
        /// Detections the detector found by searching back.
        public var searchBack: Int
    }

    public var settings: Settings
    public var records: [Record]

    /// The records' counts added up.
    public var gross: QRSComparison { records.reduce(QRSComparison()) { $0 + $1.comparison } }

    /// Scores `names` in `folder`, in order; stops at the first record that cannot be
    /// read or has no reference annotations. With `annotationFolder`, each record's
    /// detections are written there as `<record>.qrs` (MIT format, at the record's own
    /// rate) as it is scored.
    public static func run(folder: String, records names: [String], settings: Settings,
                           annotationFolder: String? = nil) throws(ReplayError) -> QRSEvaluation {
        var records: [Record] = []
        for name in names {
            let signal: ECGRecordSignal
            do { signal = try ECGRecordSignal.load(folder + "/" + name, lead: settings.lead, rate: settings.rate) } catch {
                throw .record(error)
            }
            guard signal.annotations != nil else { throw .noReferenceAnnotations(path: "\(folder)/\(name).atr") }
            let detections = signal.detectQRS()
            let result = signal.compare(detections, window: settings.window, skip: settings.skip)
            records.append(Record(name: name, comparison: result, searchBack: detections.filter(\.foundBySearchBack).count))
            if let annotationFolder {
                try writeAnnotations(detections, signal: signal, folder: annotationFolder, name: name, rate: settings.rate)
            }
        }
        return QRSEvaluation(settings: settings, records: records)
    }

    /// Writes `detections` (at `rate`) as normal-beat annotations at the record's own
    /// rate into `folder/name.qrs`, creating the folder when needed.
    static func writeAnnotations(_ detections: [QRSDetection], signal: ECGRecordSignal, folder: String, name: String,
                                 rate: Int) throws(ReplayError) {
        let back: Resampler
        do { back = try Resampler(from: Int(signal.originalRate), to: rate) } catch { throw .resampler(error) }
        let annotations = detections.map { Annotation(sample: back.mapToInput($0.sample), code: .normal) }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        do { try AnnotationFile.write(annotations, to: folder + "/" + name + ".qrs") } catch { throw .record(error) }
    }
}

/// `vigil qrs --bench`: the time one record takes to read and decode, resample, and
/// filter and detect at the device rate, over repeated runs on one core.
public struct QRSTiming: Sendable {
    /// Milliseconds over the runs.
    public struct Stage: Sendable {
        public var minimum: Double
        public var median: Double

        init(_ times: [Double]) {
            let sorted = times.sorted()
            minimum = sorted[0]
            median = sorted[sorted.count / 2]
        }
    }

    /// Seconds of ECG at the device rate.
    public var duration: Double
    /// Beats the detector found.
    public var beats: Int
    public var read: Stage
    public var resample: Stage
    public var filterDetect: Stage
    public var total: Stage

    /// Times `repeats` (≥ 1) runs of the record at `path`.
    public static func measure(_ path: String, lead: String, rate: Int, repeats: Int) throws(ReplayError) -> QRSTiming {
        var read: [Double] = [], resample: [Double] = [], detect: [Double] = [], total: [Double] = []
        var beats = 0, seconds = 0.0
        for _ in 0..<max(1, repeats) {
            let clock = ContinuousClock()
            let t0 = clock.now
            let record: WFDBRecord
            do { record = try WFDBRecord.read(path) } catch { throw .record(error) }
            let index = record.signalIndex(named: lead) ?? 0
            let physical = record.physical(signal: index)
            let t1 = clock.now
            let resampler: Resampler
            do { resampler = try Resampler(from: Int(record.samplingFrequency(signal: index)), to: rate) } catch {
                throw .resampler(error)
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
        return QRSTiming(duration: seconds, beats: beats, read: Stage(read), resample: Stage(resample),
                         filterDetect: Stage(detect), total: Stage(total))
    }

    private static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
}
